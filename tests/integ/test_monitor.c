/*
 * Integration tests for monitor against the scratch server of
 * tests/pg-harness: the monitor connection's limits, who blocks a waiting
 * backend (hard, soft and row-lock blocks), what a role without pg_monitor
 * sees, and cancelling/terminating a blocker.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "conn.h"
#include "monitor.h"
#include "pgtest.h"
#include "util.h"

/* Wait until backend PID waits on a heavyweight lock (at most 10 s). */
static void
wait_for_lock_wait(struct conn *c, int pid)
{
	char	*sql, *v;
	int	 i;

	sql = xasprintf("SELECT count(*) FROM pg_stat_activity WHERE pid = %d"
	    " AND wait_event_type = 'Lock'", pid);
	for (i = 0; i < 500; i++) {
		v = pgtest_value(c, sql);
		if (strcmp(v, "1") == 0) {
			free(v);
			free(sql);
			return;
		}
		free(v);
		usleep(20000);
	}
	fail_msg("backend %d never waited on a lock", pid);
}

/* Wait for an async statement to end; returns its result (or NULL). */
static PGresult *
wait_result(struct conn *c, struct conn_error *err)
{
	struct pollfd	 pfd;
	PGresult	*res;
	int		 i;

	for (i = 0; i < 500; i++) {
		if (conn_poll(c, &res, err) != 0)
			return (res);
		pfd.fd = conn_socket(c);
		pfd.events = POLLIN;
		pfd.revents = 0;
		poll(&pfd, 1, 20);
	}
	fail_msg("statement did not finish");
	return (NULL);
}

static struct conn *
open_monitor(const char *db)
{
	struct conn		*m;
	struct conn_error	 err = { 0 };

	if ((m = monitor_open(db, "orders-user-email", &err)) == NULL)
		fail_msg("monitor_open: %s", conn_error_format(&err));
	return (m);
}

static void
test_monitor_open_sets_name_and_short_timeouts(void **state)
{
	struct conn	*m;
	char		*db, *v;

	(void)state;
	db = pgtest_fresh_db();
	m = open_monitor(db);
	v = pgtest_value(m, "SHOW application_name");
	assert_string_equal(v, "bellows:orders-user-email:monitor");
	free(v);
	v = pgtest_value(m, "SHOW statement_timeout");
	assert_string_equal(v, "2s");
	free(v);
	v = pgtest_value(m, "SHOW lock_timeout");
	assert_string_equal(v, "1s");
	free(v);
	conn_close(m);
	free(db);
}

static void
test_monitor_blockers_names_the_lock_holder(void **state)
{
	struct conn		*holder, *waiter, *m;
	struct conn_error	 err = { 0 };
	struct monitor_session	*s;
	PGresult		*res;
	size_t			 n;
	char			*db, *cause = NULL, *line, *want;

	(void)state;
	db = pgtest_fresh_db();
	holder = pgtest_connect(db);
	waiter = pgtest_connect(db);
	m = open_monitor(db);
	pgtest_exec(holder, "CREATE TABLE t (id int); INSERT INTO t VALUES (1)");
	pgtest_exec(holder, "BEGIN");
	pgtest_exec(holder, "LOCK TABLE t");
	assert_int_equal(conn_send(waiter, "SELECT * FROM t", 0, NULL, &err), 0);
	wait_for_lock_wait(m, conn_backend_pid(waiter));

	assert_int_equal(monitor_blockers(m, conn_backend_pid(waiter), &s, &n,
	    &cause), 0);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].pid, conn_backend_pid(holder));
	assert_string_equal(s[0].state, "idle in transaction");
	assert_string_equal(s[0].query, "LOCK TABLE t");
	assert_string_equal(s[0].user, "postgres");
	assert_string_equal(s[0].application, "bellows-test");
	assert_string_equal(s[0].client, "local");
	assert_string_equal(s[0].lock_mode, "AccessExclusiveLock");
	assert_string_equal(s[0].lock_type, "relation");
	assert_string_equal(s[0].lock_target, "t");
	assert_true(s[0].lock_granted);
	assert_true(s[0].xact_ms >= 0);
	assert_true(s[0].state_ms >= 0);
	assert_false(s[0].hidden);

	line = monitor_session_describe(&s[0]);
	want = xasprintf("pid %d (postgres, bellows-test, idle in transaction "
	    "for ", conn_backend_pid(holder));
	assert_non_null(strstr(line, want));
	assert_non_null(strstr(line, "): LOCK TABLE t - holds "
	    "AccessExclusiveLock on t"));
	free(want);
	free(line);
	monitor_session_free_array(s, n);

	/* Once the holder commits, nothing blocks the waiter. */
	pgtest_exec(holder, "COMMIT");
	res = wait_result(waiter, &err);
	assert_non_null(res);
	PQclear(res);
	assert_int_equal(monitor_blockers(m, conn_backend_pid(waiter), &s, &n,
	    &cause), 0);
	assert_int_equal(n, 0);
	assert_null(s);

	conn_close(m);
	conn_close(waiter);
	conn_close(holder);
	free(db);
}

static void
test_monitor_blockers_reports_soft_block_ahead_in_queue(void **state)
{
	struct conn		*reader, *ddl, *late, *m;
	struct conn_error	 err = { 0 };
	struct monitor_session	*s;
	size_t			 n;
	char			*db, *cause = NULL, *line;

	(void)state;
	db = pgtest_fresh_db();
	reader = pgtest_connect(db);
	ddl = pgtest_connect(db);
	late = pgtest_connect(db);
	m = open_monitor(db);
	pgtest_exec(reader, "CREATE TABLE t (id int)");
	pgtest_exec(reader, "BEGIN");
	pgtest_exec(reader, "SELECT * FROM t");
	/* The DDL queues behind the reader; a later reader queues behind
	 * the DDL although its own lock conflicts with nothing granted:
	 * exactly what bellows' short lock_timeout exists to avoid. */
	assert_int_equal(conn_send(ddl, "ALTER TABLE t ADD COLUMN v int", 0,
	    NULL, &err), 0);
	wait_for_lock_wait(m, conn_backend_pid(ddl));
	assert_int_equal(conn_send(late, "SELECT * FROM t", 0, NULL, &err), 0);
	wait_for_lock_wait(m, conn_backend_pid(late));

	assert_int_equal(monitor_blockers(m, conn_backend_pid(late), &s, &n,
	    &cause), 0);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].pid, conn_backend_pid(ddl));
	assert_string_equal(s[0].state, "active");
	assert_string_equal(s[0].wait_event, "Lock:relation");
	assert_string_equal(s[0].lock_mode, "AccessExclusiveLock");
	assert_false(s[0].lock_granted);
	line = monitor_session_describe(&s[0]);
	assert_non_null(strstr(line, "waits ahead for AccessExclusiveLock "
	    "on t"));
	free(line);
	monitor_session_free_array(s, n);

	/* The DDL itself is blocked by the reader's granted AccessShareLock. */
	assert_int_equal(monitor_blockers(m, conn_backend_pid(ddl), &s, &n,
	    &cause), 0);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].pid, conn_backend_pid(reader));
	assert_string_equal(s[0].lock_mode, "AccessShareLock");
	assert_true(s[0].lock_granted);
	monitor_session_free_array(s, n);

	pgtest_exec(reader, "COMMIT");
	PQclear(wait_result(ddl, &err));
	PQclear(wait_result(late, &err));
	conn_close(m);
	conn_close(late);
	conn_close(ddl);
	conn_close(reader);
	free(db);
}

static void
test_monitor_blockers_shows_row_lock_holder(void **state)
{
	struct conn		*holder, *waiter, *m;
	struct conn_error	 err = { 0 };
	struct monitor_session	*s;
	size_t			 n;
	char			*db, *cause = NULL, *xid, *want;

	(void)state;
	db = pgtest_fresh_db();
	holder = pgtest_connect(db);
	waiter = pgtest_connect(db);
	m = open_monitor(db);
	pgtest_exec(holder, "CREATE TABLE orders (id int PRIMARY KEY, n int);"
	    "INSERT INTO orders VALUES (1, 0)");
	pgtest_exec(holder, "BEGIN");
	pgtest_exec(holder, "UPDATE orders SET n = n + 1 WHERE id = 1");
	xid = pgtest_value(holder, "SELECT txid_current()");
	assert_int_equal(conn_send(waiter, "UPDATE orders SET n = n + 1 "
	    "WHERE id = 1", 0, NULL, &err), 0);
	wait_for_lock_wait(m, conn_backend_pid(waiter));

	assert_int_equal(monitor_blockers(m, conn_backend_pid(waiter), &s, &n,
	    &cause), 0);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].pid, conn_backend_pid(holder));
	assert_string_equal(s[0].lock_type, "transactionid");
	assert_string_equal(s[0].lock_mode, "ExclusiveLock");
	want = xasprintf("transaction %s (row in orders)", xid);
	assert_string_equal(s[0].lock_target, want);
	free(want);
	monitor_session_free_array(s, n);

	pgtest_exec(holder, "ROLLBACK");
	PQclear(wait_result(waiter, &err));
	free(xid);
	conn_close(m);
	conn_close(waiter);
	conn_close(holder);
	free(db);
}

static void
test_monitor_cancel_backend_terminates_blocker(void **state)
{
	struct conn		*holder, *waiter, *m;
	struct conn_error	 err = { 0 };
	PGresult		*res;
	char			*db, *cause = NULL;

	(void)state;
	db = pgtest_fresh_db();
	holder = pgtest_connect(db);
	waiter = pgtest_connect(db);
	m = open_monitor(db);
	pgtest_exec(holder, "CREATE TABLE t (id int)");
	pgtest_exec(holder, "BEGIN");
	pgtest_exec(holder, "LOCK TABLE t");
	assert_int_equal(conn_send(waiter, "SELECT count(*) FROM t", 0, NULL,
	    &err), 0);
	wait_for_lock_wait(m, conn_backend_pid(waiter));

	/* Cancelling an idle session's (non-existent) statement leaves its
	 * transaction and lock alone; terminating ends both. */
	assert_int_equal(monitor_cancel_backend(m, conn_backend_pid(holder), 1,
	    &cause), 1);
	res = wait_result(waiter, &err);
	assert_non_null(res);
	assert_string_equal(PQgetvalue(res, 0, 0), "0");
	PQclear(res);

	/* No such backend: not signalled, not an error. */
	assert_int_equal(monitor_cancel_backend(m, 999999, 0, &cause), 0);
	/* Never the monitor itself. */
	assert_int_equal(monitor_cancel_backend(m, conn_backend_pid(m), 1,
	    &cause), -1);
	assert_non_null(strstr(cause, "own backend"));
	free(cause);

	conn_close(m);
	conn_close(waiter);
	conn_close(holder);
	free(db);
}

/*
 * PostgreSQL 15 without pg_monitor: pg_locks and pg_blocking_pids are
 * open to everyone, but another role's row in pg_stat_activity keeps only
 * pid and user (state, times and query are NULL), and signalling a
 * superuser's backend is refused with 42501.  With pg_monitor (through
 * pg_read_all_stats) everything shows.
 */
static void
test_monitor_without_pg_monitor_hides_details_not_blockers(void **state)
{
	struct conn		*admin, *holder, *waiter, *m;
	struct conn_error	 err = { 0 };
	struct monitor_session	*s;
	size_t			 n;
	char			*db, *cause = NULL, *sql, *ci, *line;

	(void)state;
	db = pgtest_fresh_db();
	admin = pgtest_connect(db);
	holder = pgtest_connect(db);
	waiter = pgtest_connect(db);
	sql = xasprintf("CREATE ROLE nopriv_%d LOGIN", (int)getpid());
	pgtest_exec(admin, sql);
	free(sql);
	ci = xasprintf("%s user=nopriv_%d", db, (int)getpid());
	m = open_monitor(ci);
	pgtest_exec(holder, "CREATE TABLE t (id int)");
	pgtest_exec(holder, "BEGIN");
	pgtest_exec(holder, "LOCK TABLE t IN SHARE MODE");
	assert_int_equal(conn_send(waiter, "INSERT INTO t VALUES (1)", 0, NULL,
	    &err), 0);
	/* The role itself could not see the wait: watch as superuser. */
	wait_for_lock_wait(admin, conn_backend_pid(waiter));

	assert_int_equal(monitor_blockers(m, conn_backend_pid(waiter), &s, &n,
	    &cause), 0);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].pid, conn_backend_pid(holder));
	assert_true(s[0].hidden);
	assert_null(s[0].state);
	assert_null(s[0].query);
	assert_int_equal(s[0].xact_ms, -1);
	assert_string_equal(s[0].user, "postgres");
	assert_string_equal(s[0].lock_mode, "ShareLock");
	assert_string_equal(s[0].lock_target, "t");
	line = monitor_session_describe(&s[0]);
	assert_non_null(strstr(line, "needs pg_monitor"));
	assert_non_null(strstr(line, "holds ShareLock on t"));
	free(line);
	monitor_session_free_array(s, n);

	assert_int_equal(monitor_cancel_backend(m, conn_backend_pid(holder), 0,
	    &cause), -1);
	assert_non_null(strstr(cause, "42501"));
	free(cause);
	conn_close(m);

	/* With pg_monitor the same role sees the session. */
	sql = xasprintf("GRANT pg_monitor TO nopriv_%d", (int)getpid());
	pgtest_exec(admin, sql);
	free(sql);
	m = open_monitor(ci);
	assert_int_equal(monitor_blockers(m, conn_backend_pid(waiter), &s, &n,
	    &cause), 0);
	assert_int_equal(n, 1);
	assert_false(s[0].hidden);
	assert_string_equal(s[0].state, "idle in transaction");
	assert_string_equal(s[0].query, "LOCK TABLE t IN SHARE MODE");
	monitor_session_free_array(s, n);

	pgtest_exec(holder, "COMMIT");
	PQclear(wait_result(waiter, &err));
	conn_close(m);
	conn_close(waiter);
	conn_close(holder);
	conn_close(admin);
	free(ci);
	free(db);
}

static void
test_monitor_blockers_of_unknown_pid_is_empty(void **state)
{
	struct conn		*m;
	struct monitor_session	*s;
	size_t			 n;
	char			*db, *cause = NULL;

	(void)state;
	db = pgtest_fresh_db();
	m = open_monitor(db);
	assert_int_equal(monitor_blockers(m, 999999, &s, &n, &cause), 0);
	assert_int_equal(n, 0);
	conn_close(m);
	free(db);
}

static void
test_monitor_query_text_is_cut_at_one_kib(void **state)
{
	struct conn		*holder, *waiter, *m;
	struct conn_error	 err = { 0 };
	struct monitor_session	*s;
	struct buf		 q;
	size_t			 n;
	char			*db, *cause = NULL, *line;
	int			 i;

	(void)state;
	db = pgtest_fresh_db();
	holder = pgtest_connect(db);
	waiter = pgtest_connect(db);
	m = open_monitor(db);
	pgtest_exec(holder, "CREATE TABLE t (id int)");
	pgtest_exec(holder, "BEGIN");
	/* 2000 bytes of query, with multi-byte characters near the cut. */
	buf_init(&q);
	buf_puts(&q, "LOCK TABLE t /*");
	for (i = 0; i < 1000; i++)
		buf_puts(&q, "\xc3\xa9");	/* é */
	buf_puts(&q, "*/");
	pgtest_exec(holder, q.data);
	buf_free(&q);
	assert_int_equal(conn_send(waiter, "SELECT * FROM t", 0, NULL, &err), 0);
	wait_for_lock_wait(m, conn_backend_pid(waiter));
	assert_int_equal(monitor_blockers(m, conn_backend_pid(waiter), &s, &n,
	    &cause), 0);
	assert_int_equal(n, 1);
	assert_true(strlen(s[0].query) <= MONITOR_QUERY_MAX);
	assert_true(strlen(s[0].query) > 1000);
	/* Never half a character. */
	assert_int_equal((unsigned char)s[0].query[strlen(s[0].query) - 1],
	    0xa9);
	line = monitor_session_describe(&s[0]);
	assert_true(strlen(line) < 300);
	assert_non_null(strstr(line, " ..."));
	free(line);
	monitor_session_free_array(s, n);
	pgtest_exec(holder, "COMMIT");
	PQclear(wait_result(waiter, &err));
	conn_close(m);
	conn_close(waiter);
	conn_close(holder);
	free(db);
}

static void
test_monitor_format_ms_reads_like_a_person(void **state)
{
	char	b[MONITOR_DURATION_LEN];

	(void)state;
	assert_string_equal(monitor_format_ms(-1, b, sizeof b), "-");
	assert_string_equal(monitor_format_ms(0, b, sizeof b), "0ms");
	assert_string_equal(monitor_format_ms(850, b, sizeof b), "850ms");
	assert_string_equal(monitor_format_ms(8249, b, sizeof b), "8.2s");
	assert_string_equal(monitor_format_ms(42000, b, sizeof b), "42s");
	assert_string_equal(monitor_format_ms(192000, b, sizeof b), "3min 12s");
	assert_string_equal(monitor_format_ms(300000, b, sizeof b), "5min");
	assert_string_equal(monitor_format_ms(7500000, b, sizeof b), "2h 05min");
	assert_string_equal(monitor_format_ms(3600000, b, sizeof b), "1h");
	assert_string_equal(monitor_format_ms(273600000L, b, sizeof b), "3d 4h");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_monitor_open_sets_name_and_short_timeouts),
		cmocka_unit_test(test_monitor_blockers_names_the_lock_holder),
		cmocka_unit_test(test_monitor_blockers_reports_soft_block_ahead_in_queue),
		cmocka_unit_test(test_monitor_blockers_shows_row_lock_holder),
		cmocka_unit_test(test_monitor_cancel_backend_terminates_blocker),
		cmocka_unit_test(test_monitor_without_pg_monitor_hides_details_not_blockers),
		cmocka_unit_test(test_monitor_blockers_of_unknown_pid_is_empty),
		cmocka_unit_test(test_monitor_query_text_is_cut_at_one_kib),
		cmocka_unit_test(test_monitor_format_ms_reads_like_a_person),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
