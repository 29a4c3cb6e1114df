/*
 * Integration tests for monitor against the scratch server of
 * tests/pg-harness: the monitor connection's limits, who blocks a waiting
 * backend (hard, soft and row-lock blocks), what a role without pg_monitor
 * sees, and cancelling/terminating a blocker; then the live view of
 * struct monitor driven the way the console drives it (poll, advance):
 * the lock queue as a tree, the sessions on the plan's tables, notes for
 * missing privileges, never blocking, sharing the connection with the
 * engine's synchronous calls, and losing the connection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

/* ------------------------------------------------------------ live view */

/* A plan that alters orders and creates audit (which does not exist). */
struct test_plan {
	struct plan		p;
	struct plan_phase	ph;
	struct plan_step	st;
};

static void
test_plan_init(struct test_plan *tp)
{
	memset(tp, 0, sizeof *tp);
	tp->st.name = (char *)"add column";
	tp->st.sql = (char *)"ALTER TABLE orders ADD COLUMN user_email text;"
	    " CREATE TABLE audit (id int)";
	tp->ph.name = (char *)"expand";
	tp->ph.kind = PLAN_PHASE_STEPS;
	tp->ph.steps = &tp->st;
	tp->ph.nsteps = 1;
	tp->p.name = (char *)"orders-user-email";
	tp->p.phases = &tp->ph;
	tp->p.nphases = 1;
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* The caller's loop: poll as monitor_pollfd says, then advance. */
static void
pump_once(struct monitor *mon, int cap_ms)
{
	struct pollfd	pfd;
	int		fd, timeout;

	monitor_pollfd(mon, &fd, &timeout);
	if (timeout < 0 || timeout > cap_ms)
		timeout = cap_ms;
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	poll(&pfd, fd >= 0 ? 1 : 0, timeout);
	monitor_advance(mon);
}

typedef int (*view_pred)(const struct monitor_view *, void *);

/* Pump until PRED holds (at most 10 s). */
static void
pump_until(struct monitor *mon, view_pred pred, void *arg, const char *what)
{
	int64_t	end = now_ms() + 10000;

	while (now_ms() < end) {
		pump_once(mon, 50);
		if (pred(monitor_view(mon), arg))
			return;
	}
	fail_msg("the view never showed %s", what);
}

/* Pump until nothing is on the wire, so that the next monitor_refresh()
 * starts with the sessions query. */
static void
settle(struct monitor *mon)
{
	int64_t	end = now_ms() + 10000;

	while (monitor_in_flight(mon)) {
		if (now_ms() > end)
			fail_msg("the monitor never settled");
		pump_once(mon, 50);
	}
}

static const struct monitor_session *
view_session(const struct monitor_view *v, int pid)
{
	size_t	i;

	for (i = 0; i < v->nsessions; i++) {
		if (v->sessions[i].pid == pid)
			return (&v->sessions[i]);
	}
	return (NULL);
}

static const struct monitor_lock_node *
view_lock(const struct monitor_view *v, int pid)
{
	size_t	i;

	for (i = 0; i < v->nlocks; i++) {
		if (v->locks[i].pid == pid)
			return (&v->locks[i]);
	}
	return (NULL);
}

static const char *
view_note(const struct monitor_view *v, const char *part)
{
	size_t	i;

	for (i = 0; i < v->nnotes; i++) {
		if (strstr(v->notes[i], part) != NULL)
			return (v->notes[i]);
	}
	return (NULL);
}

static int
has_locks(const struct monitor_view *v, void *arg)
{
	return (v->nlocks >= (size_t)*(int *)arg && v->nsessions > 0);
}

static int
has_session(const struct monitor_view *v, void *arg)
{
	return (view_session(v, *(int *)arg) != NULL);
}

static int
has_tables(const struct monitor_view *v, void *arg)
{
	(void)arg;
	return (v->tables_at_ms >= 0 && v->replicas_at_ms >= 0 &&
	    v->sessions_at_ms >= 0 && v->locks_at_ms >= 0);
}

static int
has_live_tuples(const struct monitor_view *v, void *arg)
{
	(void)arg;
	/* ANALYZE counts 5000, then the INSERT's own counts arrive on top:
	 * the server's estimate, not ours to pin exactly. */
	return (v->ntables > 0 && v->tables[0].live_tuples >= 5000);
}

static int
has_note(const struct monitor_view *v, void *arg)
{
	return (view_note(v, arg) != NULL);
}

static int
has_no_note(const struct monitor_view *v, void *arg)
{
	return (view_note(v, arg) == NULL);
}

static int
is_lost(const struct monitor_view *v, void *arg)
{
	(void)arg;
	return (v->lost);
}

static void
assert_monitor_absent(const struct monitor_view *v, int monitor_pid)
{
	assert_int_not_equal(monitor_pid, 0);
	assert_int_equal(v->monitor_pid, monitor_pid);
	assert_null(view_session(v, monitor_pid));
	assert_null(view_lock(v, monitor_pid));
}

static void
test_monitor_view_shows_blocked_chain_with_soft_block(void **state)
{
	struct test_plan		 tp;
	struct conn			*holder, *ddl, *reader, *m;
	struct conn_error		 err = { 0 };
	struct monitor			*mon;
	const struct monitor_view	*v;
	const struct monitor_lock_node	*h, *d, *r;
	const struct monitor_session	*s;
	char				*db;
	int				 three = 3;

	(void)state;
	test_plan_init(&tp);
	db = pgtest_fresh_db();
	holder = pgtest_connect(db);
	ddl = pgtest_connect(db);
	reader = pgtest_connect(db);
	m = open_monitor(db);
	pgtest_exec(holder, "CREATE TABLE orders (id int PRIMARY KEY);"
	    "INSERT INTO orders SELECT generate_series(1, 1000)");
	pgtest_exec(holder, "BEGIN");
	pgtest_exec(holder, "SELECT count(*) FROM orders");
	assert_int_equal(conn_send(ddl, "ALTER TABLE orders ADD COLUMN "
	    "user_email text", 0, NULL, &err), 0);
	wait_for_lock_wait(holder, conn_backend_pid(ddl));
	assert_int_equal(conn_send(reader, "SELECT count(*) FROM orders", 0,
	    NULL, &err), 0);
	wait_for_lock_wait(holder, conn_backend_pid(reader));

	/* The DDL's connection is the executor: the console's own. */
	mon = monitor_new(m, &tp.p, conn_backend_pid(ddl), NULL);
	pump_until(mon, has_locks, &three, "the three-backend queue");
	v = monitor_view(mon);
	assert_int_equal(v->nlocks, 3);
	h = &v->locks[0];
	d = &v->locks[1];
	r = &v->locks[2];
	assert_int_equal(h->pid, conn_backend_pid(holder));
	assert_int_equal(h->depth, 0);
	assert_true(h->granted);
	assert_string_equal(h->mode, "AccessShareLock");
	assert_string_equal(h->target, "orders");
	assert_int_equal(h->wait_ms, -1);
	assert_int_equal(d->pid, conn_backend_pid(ddl));
	assert_int_equal(d->depth, 1);
	assert_int_equal(d->parent, h->pid);
	assert_false(d->granted);
	assert_false(d->soft);
	assert_string_equal(d->mode, "AccessExclusiveLock");
	assert_true(d->wait_ms >= 0);
	assert_int_equal(r->pid, conn_backend_pid(reader));
	assert_int_equal(r->depth, 2);
	assert_int_equal(r->parent, d->pid);
	assert_true(r->soft);
	assert_string_equal(r->mode, "AccessShareLock");
	assert_string_equal(r->target, "orders");

	/* The nodes point at their sessions; the executor is flagged. */
	assert_true(h->session >= 0);
	s = &v->sessions[h->session];
	assert_int_equal(s->pid, h->pid);
	assert_string_equal(s->state, "idle in transaction");
	assert_true(s->touches);
	assert_false(s->executor);
	s = view_session(v, conn_backend_pid(ddl));
	assert_non_null(s);
	assert_true(s->executor);
	assert_string_equal(s->wait_event, "Lock:relation");
	assert_string_equal(s->query, "ALTER TABLE orders ADD COLUMN "
	    "user_email text");
	assert_true(s->touches);
	assert_int_equal(v->exec_pid, conn_backend_pid(ddl));
	assert_monitor_absent(v, conn_backend_pid(m));

	pgtest_exec(holder, "COMMIT");
	PQclear(wait_result(ddl, &err));
	PQclear(wait_result(reader, &err));
	monitor_free(mon);
	conn_close(m);
	conn_close(reader);
	conn_close(ddl);
	conn_close(holder);
	free(db);
}

static void
test_monitor_view_lists_idle_sessions_touching_plan_tables(void **state)
{
	struct test_plan		 tp;
	struct conn			*toucher, *other, *idle, *exec, *m;
	struct monitor			*mon;
	struct monitor_options		 o = { 0 };
	const struct monitor_view	*v;
	const struct monitor_session	*s;
	char				*db;
	int				 pid;

	(void)state;
	test_plan_init(&tp);
	db = pgtest_fresh_db();
	toucher = pgtest_connect(db);
	other = pgtest_connect(db);
	idle = pgtest_connect(db);
	exec = pgtest_connect(db);
	m = open_monitor(db);
	pgtest_exec(idle, "CREATE TABLE orders (id int PRIMARY KEY);"
	    "CREATE TABLE unrelated (id int);"
	    "INSERT INTO orders SELECT generate_series(1, 5000)");
	pgtest_exec(idle, "ANALYZE orders");
	/* Statistics reach the shared counters when a backend goes idle,
	 * at most once a second unless forced. */
	pgtest_exec(idle, "SELECT pg_stat_force_next_flush()");
	pgtest_exec(toucher, "BEGIN");
	pgtest_exec(toucher, "UPDATE orders SET id = id WHERE id = 1");
	pgtest_exec(other, "BEGIN");
	pgtest_exec(other, "SELECT count(*) FROM unrelated");
	pgtest_exec(idle, "SELECT 1");
	pgtest_exec(idle, "SELECT 1");

	o.sessions_ms = 200;
	o.locks_ms = 200;
	o.stats_ms = 200;
	mon = monitor_new(m, &tp.p, 0, &o);
	pump_until(mon, has_tables, NULL, "every feature once");
	pump_until(mon, has_live_tuples, NULL, "the table statistics");
	v = monitor_view(mon);
	assert_int_equal(v->nnotes, 0);
	assert_true(v->sees_all);
	pid = conn_backend_pid(toucher);
	s = view_session(v, pid);
	assert_non_null(s);
	assert_string_equal(s->state, "idle in transaction");
	assert_true(s->touches);
	assert_true(s->xact_ms >= 0);
	assert_string_equal(s->application, "bellows-test");
	assert_string_equal(s->client, "local");
	/* Not idle, though not on the plan's tables. */
	s = view_session(v, conn_backend_pid(other));
	assert_non_null(s);
	assert_false(s->touches);
	/* Idle and touching nothing: not listed. */
	assert_null(view_session(v, conn_backend_pid(idle)));
	assert_null(view_session(v, conn_backend_pid(exec)));
	assert_monitor_absent(v, conn_backend_pid(m));

	/* Tables: orders exists and has stats; audit is the plan's own. */
	assert_int_equal(v->ntables, 2);
	assert_string_equal(v->tables[0].name, "orders");
	assert_true(v->tables[0].exists);
	assert_true(v->tables[0].size_bytes > 8192);
	assert_true(v->tables[0].live_tuples >= 5000);
	assert_true(v->tables[0].dead_tuples >= 0);
	assert_string_equal(v->tables[1].name, "audit");
	assert_false(v->tables[1].exists);
	assert_int_equal(v->tables[1].size_bytes, -1);
	/* A scratch server has no replicas. */
	assert_int_equal(v->nreplicas, 0);

	/* An idle executor shows once it is named, flagged. */
	pid = conn_backend_pid(exec);
	monitor_set_exec_pid(mon, pid);
	pump_until(mon, has_session, &pid, "the idle executor");
	s = view_session(monitor_view(mon), pid);
	assert_true(s->executor);
	assert_string_equal(s->state, "idle");

	pgtest_exec(toucher, "ROLLBACK");
	pgtest_exec(other, "ROLLBACK");
	monitor_free(mon);
	conn_close(m);
	conn_close(exec);
	conn_close(idle);
	conn_close(other);
	conn_close(toucher);
	free(db);
}

static void
test_monitor_view_without_pg_monitor_notes_and_keeps_going(void **state)
{
	struct test_plan		 tp;
	struct conn			*admin, *holder, *waiter, *m;
	struct conn_error		 err = { 0 };
	struct monitor			*mon;
	const struct monitor_view	*v;
	const struct monitor_session	*s;
	char				*db, *sql, *ci;
	int				 two = 2, pid;

	(void)state;
	test_plan_init(&tp);
	db = pgtest_fresh_db();
	admin = pgtest_connect(db);
	holder = pgtest_connect(db);
	waiter = pgtest_connect(db);
	sql = xasprintf("CREATE ROLE viewer_%d LOGIN", (int)getpid());
	pgtest_exec(admin, sql);
	free(sql);
	ci = xasprintf("%s user=viewer_%d", db, (int)getpid());
	m = open_monitor(ci);
	pgtest_exec(holder, "CREATE TABLE orders (id int)");
	pgtest_exec(holder, "BEGIN");
	pgtest_exec(holder, "LOCK TABLE orders IN SHARE MODE");
	assert_int_equal(conn_send(waiter, "INSERT INTO orders VALUES (1)", 0,
	    NULL, &err), 0);
	wait_for_lock_wait(admin, conn_backend_pid(waiter));

	/* Another role's sessions: listed (pg_locks is open to all) but
	 * without details, and a note says what to grant. */
	mon = monitor_new(m, &tp.p, conn_backend_pid(waiter), NULL);
	pump_until(mon, has_locks, &two, "the queue, without pg_monitor");
	v = monitor_view(mon);
	assert_false(v->sees_all);
	assert_non_null(view_note(v, "grant pg_monitor"));
	pid = conn_backend_pid(holder);
	s = view_session(v, pid);
	assert_non_null(s);
	assert_true(s->hidden);
	assert_null(s->state);
	assert_true(s->touches);
	assert_true(view_session(v, conn_backend_pid(waiter))->executor);
	assert_int_equal(v->locks[0].pid, pid);
	assert_string_equal(v->locks[0].mode, "ShareLock");
	assert_monitor_absent(v, conn_backend_pid(m));
	monitor_free(mon);

	/* A privilege that is missing outright (42501) turns off that one
	 * feature; the sessions keep coming. */
	pgtest_exec(admin, "REVOKE EXECUTE ON FUNCTION "
	    "pg_catalog.pg_blocking_pids(integer) FROM PUBLIC");
	mon = monitor_new(m, &tp.p, 0, NULL);
	pump_until(mon, has_note, (void *)"locks: permission denied (42501)",
	    "the locks note");
	v = monitor_view(mon);
	assert_non_null(view_note(v, "locks: permission denied (42501): "
	    "grant pg_monitor"));
	assert_int_equal(v->nlocks, 0);
	pump_until(mon, has_session, &pid, "the sessions, locks off");
	assert_true(v->sessions_at_ms >= 0);
	monitor_refresh(mon);
	pump_until(mon, has_session, &pid, "the sessions after a refresh");
	assert_non_null(view_note(monitor_view(mon), "locks: permission"));
	monitor_free(mon);

	pgtest_exec(holder, "COMMIT");
	PQclear(wait_result(waiter, &err));
	conn_close(m);
	conn_close(waiter);
	conn_close(holder);
	conn_close(admin);
	free(ci);
	free(db);
}

/*
 * A refresh that cannot finish at once: the admin holds pg_index, which
 * the sessions query reads, so the query waits for the monitor's
 * lock_timeout (1 s).  monitor_advance must return at once all along.
 */
static void
test_monitor_advance_never_blocks_with_refresh_in_flight(void **state)
{
	struct test_plan		 tp;
	struct conn			*admin, *m;
	struct monitor			*mon;
	const struct monitor_view	*v;
	size_t				 before;
	int64_t				 t0, took, end;
	char				*db;
	int				 calls = 0, fd, timeout;

	(void)state;
	test_plan_init(&tp);
	db = pgtest_fresh_db();
	admin = pgtest_connect(db);
	m = open_monitor(db);
	free(db);
	pgtest_exec(admin, "CREATE TABLE orders (id int)");
	pgtest_exec(admin, "BEGIN");
	pgtest_exec(admin, "SELECT count(*) FROM orders");
	mon = monitor_new(m, &tp.p, conn_backend_pid(admin), NULL);
	pump_until(mon, has_tables, NULL, "every feature once");
	v = monitor_view(mon);
	before = v->nsessions;
	assert_true(before >= 1);

	settle(mon);
	pgtest_exec(admin, "LOCK TABLE pg_catalog.pg_index IN ACCESS "
	    "EXCLUSIVE MODE");
	monitor_refresh(mon);
	assert_true(monitor_in_flight(mon));
	end = now_ms() + 500;
	while (now_ms() < end) {
		t0 = now_ms();
		monitor_advance(mon);
		took = now_ms() - t0;
		assert_true(took < 50);
		calls++;
		monitor_pollfd(mon, &fd, &timeout);
		assert_true(fd >= 0);
		usleep(5000);
	}
	assert_true(calls > 10);
	assert_true(monitor_in_flight(mon));

	/* The lock timeout ends it: noted, the last sessions kept. */
	pump_until(mon, has_note, (void *)"55P03", "the lock timeout");
	assert_non_null(view_note(v, "sessions: "));
	assert_int_equal(v->nsessions, before);
	assert_false(v->lost);

	pgtest_exec(admin, "COMMIT");
	monitor_refresh(mon);
	pump_until(mon, has_no_note, (void *)"55P03", "the note cleared");
	monitor_free(mon);
	conn_close(m);
	conn_close(admin);
}

/* The engine's synchronous monitor_blockers() on the monitor connection
 * while a refresh is on the wire: it finishes the refresh first, answers,
 * and the refresh's result still reaches the view. */
static void
test_monitor_blockers_while_refresh_in_flight(void **state)
{
	struct test_plan		 tp;
	struct conn			*holder, *waiter, *admin, *m;
	struct conn_error		 err = { 0 };
	struct monitor			*mon;
	const struct monitor_view	*v;
	struct monitor_session		*s;
	size_t				 n;
	int64_t				 at;
	char				*db, *cause = NULL;
	int				 pid;

	(void)state;
	test_plan_init(&tp);
	db = pgtest_fresh_db();
	holder = pgtest_connect(db);
	waiter = pgtest_connect(db);
	admin = pgtest_connect(db);
	m = open_monitor(db);
	pgtest_exec(holder, "CREATE TABLE orders (id int)");
	pgtest_exec(holder, "BEGIN");
	pgtest_exec(holder, "LOCK TABLE orders");
	assert_int_equal(conn_send(waiter, "SELECT * FROM orders", 0, NULL,
	    &err), 0);
	wait_for_lock_wait(admin, conn_backend_pid(waiter));
	mon = monitor_new(m, &tp.p, 0, NULL);
	pump_until(mon, has_tables, NULL, "every feature once");
	v = monitor_view(mon);
	at = v->sessions_at_ms;

	/* A plain refresh on the wire. */
	settle(mon);
	monitor_refresh(mon);
	assert_true(monitor_in_flight(mon));
	assert_int_equal(monitor_blockers(m, conn_backend_pid(waiter), &s, &n,
	    &cause), 0);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].pid, conn_backend_pid(holder));
	monitor_session_free_array(s, n);
	pid = conn_backend_pid(waiter);
	pump_until(mon, has_session, &pid, "the waiter");
	assert_true(v->sessions_at_ms > at || v->sessions_at_ms == at);
	assert_int_equal(v->nnotes, 0);

	/* A refresh stuck on a lock: the synchronous call waits for it to
	 * end (the monitor's lock_timeout), then answers; the refresh's
	 * failure shows as a note, and the next refresh clears it. */
	pgtest_exec(admin, "BEGIN");
	settle(mon);
	pgtest_exec(admin, "LOCK TABLE pg_catalog.pg_index IN ACCESS "
	    "EXCLUSIVE MODE");
	monitor_refresh(mon);
	assert_true(monitor_in_flight(mon));
	assert_int_equal(monitor_blockers(m, conn_backend_pid(waiter), &s, &n,
	    &cause), 0);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].pid, conn_backend_pid(holder));
	monitor_session_free_array(s, n);
	pgtest_exec(admin, "COMMIT");
	pump_until(mon, has_note, (void *)"sessions: ", "the kept failure");
	assert_non_null(view_session(v, pid));
	monitor_refresh(mon);
	pump_until(mon, has_no_note, (void *)"sessions: ", "a good refresh");
	assert_false(monitor_in_flight(mon) && v->lost);

	pgtest_exec(holder, "COMMIT");
	PQclear(wait_result(waiter, &err));
	monitor_free(mon);
	conn_close(m);
	conn_close(admin);
	conn_close(waiter);
	conn_close(holder);
	free(db);
}

static void
test_monitor_view_survives_losing_its_connection(void **state)
{
	struct test_plan		 tp;
	struct conn			*admin, *m;
	struct monitor			*mon;
	const struct monitor_view	*v;
	size_t				 before;
	char				*db, *sql, *val;
	int				 fd, timeout;

	(void)state;
	test_plan_init(&tp);
	db = pgtest_fresh_db();
	admin = pgtest_connect(db);
	m = open_monitor(db);
	pgtest_exec(admin, "CREATE TABLE orders (id int)");
	pgtest_exec(admin, "BEGIN");
	pgtest_exec(admin, "SELECT count(*) FROM orders");
	mon = monitor_new(m, &tp.p, conn_backend_pid(admin), NULL);
	pump_until(mon, has_tables, NULL, "every feature once");
	v = monitor_view(mon);
	before = v->nsessions;
	assert_true(before >= 1);

	sql = xasprintf("SELECT pg_terminate_backend(%d)", conn_backend_pid(m));
	val = pgtest_value(admin, sql);
	assert_string_equal(val, "t");
	free(val);
	free(sql);
	monitor_refresh(mon);
	pump_until(mon, is_lost, NULL, "the lost connection");
	assert_non_null(view_note(v, "monitor connection lost"));
	assert_int_equal(v->nsessions, before);
	monitor_pollfd(mon, &fd, &timeout);
	assert_int_equal(fd, -1);
	monitor_advance(mon);
	monitor_refresh(mon);
	assert_true(v->lost);

	/* The engine resets the connection when it reconnects: the view
	 * comes back, note gone, sessions read again. */
	{
		struct conn_error	e2 = { 0 };

		assert_int_equal(conn_reset(m, &e2), 0);
	}
	monitor_advance(mon);
	assert_false(v->lost);
	assert_null(view_note(v, "monitor connection lost"));
	pump_until(mon, has_tables, NULL, "the view after the reset");
	assert_true(v->nsessions >= 1);

	pgtest_exec(admin, "ROLLBACK");
	monitor_free(mon);
	conn_close(m);
	conn_close(admin);
	free(db);
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
		cmocka_unit_test(test_monitor_view_shows_blocked_chain_with_soft_block),
		cmocka_unit_test(test_monitor_view_lists_idle_sessions_touching_plan_tables),
		cmocka_unit_test(test_monitor_view_without_pg_monitor_notes_and_keeps_going),
		cmocka_unit_test(test_monitor_advance_never_blocks_with_refresh_in_flight),
		cmocka_unit_test(test_monitor_blockers_while_refresh_in_flight),
		cmocka_unit_test(test_monitor_view_survives_losing_its_connection),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
