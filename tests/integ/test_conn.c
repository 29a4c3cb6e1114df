/*
 * Integration tests for conn against the scratch server of tests/pg-harness:
 * connecting, the result funnel, SQLSTATEs, async execution and cancel.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conn.h"
#include "pgtest.h"
#include "trust.h"
#include "util.h"

static void
test_conn_runs_query_on_scratch_server(void **state)
{
	struct conn	*c;
	char		*db, *v;

	(void)state;
	db = pgtest_fresh_db();
	c = pgtest_connect(db);
	v = pgtest_value(c, "SELECT 40 + 2");
	assert_string_equal(v, "42");
	free(v);
	/* The harness runs Debian's server, 15 or newer. */
	assert_true(conn_server_version(c) >= 150000);
	v = pgtest_value(c, "SELECT current_database()");
	assert_string_equal(v, db + strlen("dbname="));
	free(v);
	conn_close(c);
	free(db);
}

static void
test_conn_sets_application_name(void **state)
{
	struct conn		*c;
	struct conn_error	 err = { 0 };
	char			*v;

	(void)state;
	/* Ours wins even over an application_name inside the conninfo. */
	c = conn_open("dbname=postgres application_name=other",
	    "bellows:orders-user-email", &err);
	assert_non_null(c);
	v = pgtest_value(c, "SHOW application_name");
	assert_string_equal(v, "bellows:orders-user-email");
	free(v);
	conn_close(c);
}

static void
test_conn_error_keeps_sqlstate_and_position(void **state)
{
	struct conn		*c;
	struct conn_error	 err = { 0 };
	char			*s;

	(void)state;
	c = pgtest_connect("dbname=postgres");
	assert_null(conn_exec(c, "SELECT * FROM no_such_table", 0, NULL, &err));
	assert_string_equal(err.sqlstate, "42P01");
	assert_non_null(strstr(err.message, "no_such_table"));
	assert_int_equal(err.position, 15);
	s = conn_error_format(&err);
	assert_non_null(strstr(s, "ERROR 42P01: relation"));
	free(s);
	conn_error_clear(&err);
	conn_close(c);
}

static void
test_conn_open_failure_names_the_problem(void **state)
{
	struct conn_error	err = { 0 };

	(void)state;
	assert_null(conn_open("dbname=no_such_db", "bellows-test", &err));
	assert_string_equal(err.sqlstate, "08001");
	assert_non_null(strstr(err.message, "no_such_db"));
	conn_error_clear(&err);
}

/* Wait for the async command like the event loop does. */
static int
wait_result(struct conn *c, PGresult **res, struct conn_error *err)
{
	struct pollfd	pfd;
	int		rc;

	for (;;) {
		if ((rc = conn_poll(c, res, err)) != 0)
			return (rc);
		pfd.fd = conn_socket(c);
		pfd.events = POLLIN;
		pfd.revents = 0;
		poll(&pfd, 1, 1000);
	}
}

static void
test_conn_async_keeps_first_error_of_many_statements(void **state)
{
	struct conn		*c;
	struct conn_error	 err = { 0 };
	PGresult		*res;

	(void)state;
	c = pgtest_connect("dbname=postgres");
	assert_int_equal(conn_send(c, "SELECT 1; SELECT 1/0; SELECT 3", 0,
	    NULL, &err), 0);
	assert_int_equal(wait_result(c, &res, &err), 1);
	assert_null(res);
	assert_string_equal(err.sqlstate, "22012");
	conn_error_clear(&err);

	assert_int_equal(conn_send(c, "SELECT 1; SELECT 'last'", 0, NULL,
	    &err), 0);
	assert_int_equal(wait_result(c, &res, &err), 1);
	assert_non_null(res);
	assert_string_equal(PQgetvalue(res, 0, 0), "last");
	PQclear(res);
	conn_close(c);
}

static void
test_conn_cancel_stops_running_statement(void **state)
{
	struct conn		*c, *watcher;
	struct conn_error	 err = { 0 };
	PGresult		*res;
	char			*sql, *v;
	int			 i, active = 0;

	(void)state;
	c = pgtest_connect("dbname=postgres");
	watcher = pgtest_connect("dbname=postgres");
	assert_int_equal(conn_send(c, "SELECT pg_sleep(30)", 0, NULL, &err), 0);
	assert_int_equal(conn_poll(c, &res, &err), 0);
	assert_true(conn_busy(c));
	/* A cancel that reaches the backend before the statement starts is
	 * lost: wait until it really runs. */
	sql = xasprintf("SELECT count(*) FROM pg_stat_activity WHERE pid = %d "
	    "AND state = 'active' AND query LIKE '%%pg_sleep%%'",
	    conn_backend_pid(c));
	for (i = 0; i < 100; i++) {
		v = pgtest_value(watcher, sql);
		active = strcmp(v, "1") == 0;
		free(v);
		if (active)
			break;
		poll(NULL, 0, 50);
	}
	free(sql);
	conn_close(watcher);
	assert_true(active);
	assert_int_equal(conn_cancel(c, &err), 0);
	assert_int_equal(wait_result(c, &res, &err), 1);
	assert_null(res);
	assert_string_equal(err.sqlstate, CONN_QUERY_CANCELED);
	conn_error_clear(&err);
	assert_false(conn_busy(c));
	conn_close(c);
}

static void
test_conn_detects_terminated_backend(void **state)
{
	struct conn		*c, *killer;
	struct conn_error	 err = { 0 };
	PGresult		*res;
	char			*sql;

	(void)state;
	c = pgtest_connect("dbname=postgres");
	killer = pgtest_connect("dbname=postgres");
	assert_int_equal(conn_send(c, "SELECT pg_sleep(30)", 0, NULL, &err), 0);
	sql = xasprintf("SELECT pg_terminate_backend(%d)", conn_backend_pid(c));
	pgtest_exec(killer, sql);
	free(sql);
	wait_result(c, &res, &err);
	assert_null(res);
	assert_false(conn_alive(c));
	conn_error_clear(&err);
	conn_close(c);
	conn_close(killer);
}

static void
test_conn_exec_waits_for_async_command_and_keeps_its_result(void **state)
{
	struct conn		*c;
	struct conn_error	 err = { 0 };
	PGresult		*res;
	char			*v;

	(void)state;
	c = pgtest_connect("dbname=postgres");
	assert_int_equal(conn_send(c, "SELECT pg_sleep(0.2), 'async'", 0, NULL,
	    &err), 0);
	/* A synchronous query on the same connection runs after it... */
	v = pgtest_value(c, "SELECT 'sync'");
	assert_string_equal(v, "sync");
	free(v);
	assert_true(conn_busy(c));
	/* ...and the async one's result is not lost. */
	assert_int_equal(conn_poll(c, &res, &err), 1);
	assert_non_null(res);
	assert_string_equal(PQgetvalue(res, 0, 1), "async");
	PQclear(res);
	assert_false(conn_busy(c));

	/* The same for a failing async command. */
	assert_int_equal(conn_send(c, "SELECT 1/0", 0, NULL, &err), 0);
	v = pgtest_value(c, "SELECT 'sync'");
	free(v);
	assert_int_equal(conn_poll(c, &res, &err), 1);
	assert_null(res);
	assert_string_equal(err.sqlstate, "22012");
	conn_error_clear(&err);
	conn_close(c);
}

static void
test_conn_options_survive_reset(void **state)
{
	struct conn		*c, *killer;
	struct conn_error	 err = { 0 };
	char			*v, *sql;

	(void)state;
	c = conn_open_options("dbname=postgres", "bellows-test",
	    "-c statement_timeout=1234ms", &err);
	assert_non_null(c);
	v = pgtest_value(c, "SHOW statement_timeout");
	assert_string_equal(v, "1234ms");
	free(v);
	killer = pgtest_connect("dbname=postgres");
	sql = xasprintf("SELECT pg_terminate_backend(%d)", conn_backend_pid(c));
	pgtest_exec(killer, sql);
	free(sql);
	conn_close(killer);
	assert_int_equal(conn_reset(c, &err), 0);
	v = pgtest_value(c, "SHOW statement_timeout");
	assert_string_equal(v, "1234ms");
	free(v);
	v = pgtest_value(c, "SHOW application_name");
	assert_string_equal(v, "bellows-test");
	free(v);
	conn_close(c);
}

/* The search_path no other role can plant names in, through a reset. */
static void
test_conn_trusted_search_path_survives_reset(void **state)
{
	struct conn		*c;
	struct conn_error	 err = { 0 };
	char			*v;

	(void)state;
	c = conn_open_options("dbname=postgres", "bellows-test",
	    TRUST_SEARCH_PATH, &err);
	assert_non_null(c);
	v = pgtest_value(c, "SELECT pg_catalog.current_schemas(true)::text");
	assert_string_equal(v, "{pg_catalog}");
	free(v);
	assert_int_equal(conn_reset(c, &err), 0);
	v = pgtest_value(c, "SHOW search_path");
	assert_string_equal(v, "pg_catalog,pg_temp");
	free(v);
	conn_close(c);
}

/* -d's password is overwritten in place, whatever the syntax, and the
 * rest of the argument stays as it was. */
static void
test_conn_hide_password_overwrites_only_the_password(void **state)
{
	static const struct {
		const char	*in, *out;
		int		 hidden;
	} cases[] = {
		{ "dbname=shop password=secret123 host=db1",
		  "dbname=shop password=xxxxxxxxx host=db1", 1 },
		{ "password = 'two words\\' x' dbname=shop",
		  "password = 'xxxxxxxxxxxxx' dbname=shop", 1 },
		{ "postgresql://alice:s3cret@db1:5432/shop",
		  "postgresql://alice:xxxxxx@db1:5432/shop", 1 },
		{ "postgres:///shop?host=/tmp&password=pw%41&sslmode=off",
		  "postgres:///shop?host=/tmp&password=xxxxx&sslmode=off", 1 },
		{ "dbname=shop user=alice", "dbname=shop user=alice", 0 },
		{ "shop", "shop", 0 },
		{ "postgresql://alice@db1/shop", "postgresql://alice@db1/shop", 0 },
	};
	char	*s;
	size_t	 i;

	(void)state;
	for (i = 0; i < nitems(cases); i++) {
		s = xstrdup(cases[i].in);
		assert_int_equal(conn_hide_password(s), cases[i].hidden);
		assert_string_equal(s, cases[i].out);
		free(s);
	}
}

/* libpq quotes a malformed URI's password back in its error: not ours. */
static void
test_conn_open_error_never_shows_the_password(void **state)
{
	struct conn		*c;
	struct conn_error	 err = { 0 };

	(void)state;
	c = conn_open("postgresql://alice:hunter%zz2@/postgres", "bellows-test",
	    &err);
	assert_null(c);
	assert_non_null(err.message);
	assert_null(strstr(err.message, "hunter"));
	assert_non_null(strstr(err.message, "percent"));
	conn_error_clear(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conn_runs_query_on_scratch_server),
		cmocka_unit_test(test_conn_sets_application_name),
		cmocka_unit_test(test_conn_error_keeps_sqlstate_and_position),
		cmocka_unit_test(test_conn_open_failure_names_the_problem),
		cmocka_unit_test(test_conn_async_keeps_first_error_of_many_statements),
		cmocka_unit_test(test_conn_cancel_stops_running_statement),
		cmocka_unit_test(test_conn_detects_terminated_backend),
		cmocka_unit_test(test_conn_exec_waits_for_async_command_and_keeps_its_result),
		cmocka_unit_test(test_conn_options_survive_reset),
		cmocka_unit_test(test_conn_trusted_search_path_survives_reset),
		cmocka_unit_test(test_conn_hide_password_overwrites_only_the_password),
		cmocka_unit_test(test_conn_open_error_never_shows_the_password),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
