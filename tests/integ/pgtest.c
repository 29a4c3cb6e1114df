/* pgtest: see pgtest.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "pgtest.h"
#include "util.h"

char *
pgtest_fresh_db(void)
{
	static int		 n;
	struct conn		*c;
	struct conn_error	 err = { 0 };
	char			*name, *sql, *msg;

	if (getenv("PGHOST") == NULL)
		fail_msg("PGHOST is not set: run this test through tests/pg-harness");
	c = pgtest_connect("dbname=postgres");
	name = xasprintf("t_%ld_%d", (long)getpid(), ++n);
	sql = xasprintf("CREATE DATABASE %s TEMPLATE bellows_template", name);
	if (conn_command(c, sql, 0, NULL, &err) != 0) {
		msg = conn_error_format(&err);
		fail_msg("%s: %s", sql, msg);
	}
	free(sql);
	conn_close(c);
	sql = xasprintf("dbname=%s", name);
	free(name);
	return (sql);
}

struct conn *
pgtest_connect(const char *conninfo)
{
	struct conn		*c;
	struct conn_error	 err = { 0 };

	if ((c = conn_open(conninfo, "bellows-test", &err)) == NULL)
		fail_msg("connect %s: %s", conninfo, conn_error_format(&err));
	return (c);
}

void
pgtest_exec(struct conn *c, const char *sql)
{
	struct conn_error	err = { 0 };

	if (conn_command(c, sql, 0, NULL, &err) != 0)
		fail_msg("%s: %s", sql, conn_error_format(&err));
}

char *
pgtest_value(struct conn *c, const char *sql)
{
	struct conn_error	 err = { 0 };
	PGresult		*res;
	char			*v;

	if ((res = conn_exec(c, sql, 0, NULL, &err)) == NULL)
		fail_msg("%s: %s", sql, conn_error_format(&err));
	if (PQntuples(res) < 1 || PQnfields(res) < 1)
		fail_msg("%s: no rows", sql);
	v = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return (v);
}
