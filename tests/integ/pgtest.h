/*
 * pgtest: helpers for integration tests that run under tests/pg-harness,
 * which starts a scratch PostgreSQL and exports PGHOST/PGPORT/PGUSER.
 */
#ifndef BELLOWS_PGTEST_H
#define BELLOWS_PGTEST_H

#include "conn.h"

/* Create a fresh database from bellows_template and return a conninfo
 * string for it (allocated).  Fails the test when that is impossible. */
char		*pgtest_fresh_db(void);
/* Open a connection (application_name "bellows-test") or fail the test. */
struct conn	*pgtest_connect(const char *conninfo);
/* Run SQL that must succeed, or fail the test with the server's error. */
void		 pgtest_exec(struct conn *, const char *sql);
/* First column of the first row of SQL's result, allocated. */
char		*pgtest_value(struct conn *, const char *sql);

#endif
