/*
 * Integration tests for the journal and `bellows status` against the
 * scratch server of tests/pg-harness: the schema, runs and their step rows,
 * the driver's advisory lock, crash safety of the backfill cursor, events,
 * NOTIFY, and the status output (text, JSON, exit codes of the binary).
 *
 * Plans are built by hand so these tests do not depend on the plan loader.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <ctype.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "conn.h"
#include "journal.h"
#include "pgtest.h"
#include "util.h"

/* ------------------------------------------------------------ helpers */

static struct plan_step test_expand_steps[] = {
	{ .name = "add column",
	  .sql = "ALTER TABLE orders ADD COLUMN user_email text" },
	{ .name = "index",
	  .sql = "CREATE INDEX CONCURRENTLY orders_user_email_idx ON orders (user_email)" },
};

/* A three-phase plan: expand (two steps), a gate, a backfill; four step
 * rows.  SHA is the character the whole hash is made of. */
static void
test_plan(struct plan *p, struct plan_phase phases[3], const char *name,
    char sha)
{
	memset(p, 0, sizeof *p);
	memset(phases, 0, 3 * sizeof *phases);
	phases[0].name = "expand";
	phases[0].kind = PLAN_PHASE_STEPS;
	phases[0].steps = test_expand_steps;
	phases[0].nsteps = nitems(test_expand_steps);
	phases[1].name = "dual-write";
	phases[1].kind = PLAN_PHASE_GATE;
	phases[1].gate = "Deploy the dual-writing version";
	phases[2].name = "backfill";
	phases[2].kind = PLAN_PHASE_BACKFILL;
	phases[2].backfill.table = "orders";
	phases[2].backfill.key = "id";
	p->name = (char *)name;
	p->file = "plans/orders.conf";
	p->phases = phases;
	p->nphases = 3;
	memset(p->sha256, sha, 64);
	p->sha256[64] = '\0';
}

/* A fresh database with the journal, and a connection to it. */
static struct conn *
test_journal_db(char **db)
{
	struct conn	*c;
	char		*cause = NULL;

	*db = pgtest_fresh_db();
	c = pgtest_connect(*db);
	if (journal_ensure(c, &cause) != 0)
		fail_msg("journal_ensure: %s", cause);
	return (c);
}

static struct journal_run *
test_open(struct conn *c, const struct plan *p, const char *op)
{
	struct journal_run	*run = NULL;
	char			*cause = NULL;

	if (journal_open_run(c, p, "name = \"x\";", op, 0, &run, &cause) != 0)
		fail_msg("journal_open_run: %s", cause);
	return (run);
}

/* SQL with one text parameter, first value, allocated ("" for NULL). */
static char *
test_value1(struct conn *c, const char *sql, const char *param)
{
	struct conn_error	 err = { 0 };
	PGresult		*res;
	char			*v;
	const char		*params[1] = { param };

	if ((res = conn_exec(c, sql, 1, params, &err)) == NULL)
		fail_msg("%s: %s", sql, conn_error_format(&err));
	if (PQntuples(res) < 1)
		fail_msg("%s: no rows", sql);
	v = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return (v);
}

static void
assert_value1(struct conn *c, const char *sql, const char *param,
    const char *want)
{
	char	*v;

	v = test_value1(c, sql, param);
	assert_string_equal(v, want);
	free(v);
}

/* A tiny JSON checker: 1 when S is exactly one valid JSON value (RFC 8259
 * grammar; strings must not hold raw control characters). */
static const char *test_json_value(const char *);

static const char *
test_json_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return (s);
}

static const char *
test_json_string(const char *s)
{
	int	i;

	if (*s++ != '"')
		return (NULL);
	for (;;) {
		if ((unsigned char)*s < 0x20)
			return (NULL);
		if (*s == '"')
			return (s + 1);
		if (*s == '\\') {
			s++;
			if (*s == 'u') {
				for (i = 1; i <= 4; i++)
					if (!isxdigit((unsigned char)s[i]))
						return (NULL);
				s += 5;
				continue;
			}
			if (strchr("\"\\/bfnrt", *s) == NULL || *s == '\0')
				return (NULL);
		}
		s++;
	}
}

static const char *
test_json_number(const char *s)
{
	const char	*start;

	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (isdigit((unsigned char)*s))
			s++;
	else
		return (NULL);
	if (*s == '.') {
		start = ++s;
		while (isdigit((unsigned char)*s))
			s++;
		if (s == start)
			return (NULL);
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		start = s;
		while (isdigit((unsigned char)*s))
			s++;
		if (s == start)
			return (NULL);
	}
	return (s);
}

static const char *
test_json_value(const char *s)
{
	s = test_json_ws(s);
	switch (*s) {
	case '{':
		s = test_json_ws(s + 1);
		if (*s == '}')
			return (s + 1);
		for (;;) {
			if ((s = test_json_string(test_json_ws(s))) == NULL)
				return (NULL);
			s = test_json_ws(s);
			if (*s++ != ':')
				return (NULL);
			if ((s = test_json_value(s)) == NULL)
				return (NULL);
			s = test_json_ws(s);
			if (*s == '}')
				return (s + 1);
			if (*s++ != ',')
				return (NULL);
		}
	case '[':
		s = test_json_ws(s + 1);
		if (*s == ']')
			return (s + 1);
		for (;;) {
			if ((s = test_json_value(s)) == NULL)
				return (NULL);
			s = test_json_ws(s);
			if (*s == ']')
				return (s + 1);
			if (*s++ != ',')
				return (NULL);
		}
	case '"':
		return (test_json_string(s));
	case 't':
		return (strncmp(s, "true", 4) == 0 ? s + 4 : NULL);
	case 'f':
		return (strncmp(s, "false", 5) == 0 ? s + 5 : NULL);
	case 'n':
		return (strncmp(s, "null", 4) == 0 ? s + 4 : NULL);
	default:
		return (test_json_number(s));
	}
}

static int
test_json_valid(const char *s)
{
	if ((s = test_json_value(s)) == NULL)
		return (0);
	return (*test_json_ws(s) == '\0');
}

/* The bellows binary: $BELLOWS (set by make check), else ./bellows. */
static const char *
test_bellows(void)
{
	const char	*b;

	if ((b = getenv("BELLOWS")) != NULL && access(b, X_OK) == 0)
		return (b);
	if (access("./bellows", X_OK) == 0)
		return ("./bellows");
	return (NULL);
}

/* Run "bellows ARGS" through the shell; its stdout (stderr too when
 * WITH_STDERR) into *OUT, its exit status returned. */
static int
test_run_bellows(const char *args, int with_stderr, char **out)
{
	struct buf	 b;
	FILE		*f;
	char		*cmd, chunk[4096];
	size_t		 n;
	int		 status;

	if (test_bellows() == NULL)
		fail_msg("bellows binary not found: set BELLOWS");
	/* BELLOWS_CONFIG: the tester's own bellows.conf stays out of it. */
	cmd = xasprintf("BELLOWS_CONFIG=/dev/null '%s' %s%s", test_bellows(),
	    args, with_stderr ? " 2>&1" : " 2>/dev/null");
	if ((f = popen(cmd, "r")) == NULL)
		fail_msg("popen %s", cmd);
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	status = pclose(f);
	free(cmd);
	*out = buf_detach(&b);
	if (!WIFEXITED(status))
		fail_msg("bellows %s did not exit normally", args);
	return (WEXITSTATUS(status));
}

/* ------------------------------------------------------------ schema */

static void
test_journal_ensure_is_idempotent(void **state)
{
	struct conn	*c;
	char		*db, *cause = NULL;

	(void)state;
	c = test_journal_db(&db);
	assert_int_equal(journal_ensure(c, &cause), 0);
	assert_int_equal(journal_ensure(c, &cause), 0);
	assert_value1(c, "SELECT count(*)::text || ':' || max(version)"
	    " FROM bellows.meta WHERE $1 = $1", "", "1:2");
	assert_value1(c, "SELECT count(*) FROM pg_tables WHERE schemaname = $1",
	    "bellows", "5");
	conn_close(c);
	free(db);
}

static void
test_journal_ensure_races_safely(void **state)
{
	struct conn	*c;
	char		*db, *cause = NULL;
	pid_t		 pids[6];
	size_t		 i;
	int		 status, failed = 0;

	(void)state;
	db = pgtest_fresh_db();
	/* Each child creates the journal at the same moment on its own
	 * connection; none may fail on a duplicate schema or table. */
	for (i = 0; i < nitems(pids); i++) {
		if ((pids[i] = fork()) == 0) {
			struct conn_error	err = { 0 };

			c = conn_open(db, "bellows-test", &err);
			_exit(c != NULL && journal_ensure(c, &cause) == 0 ?
			    0 : 1);
		}
		assert_true(pids[i] > 0);
	}
	for (i = 0; i < nitems(pids); i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	assert_int_equal(failed, 0);
	c = pgtest_connect(db);
	assert_value1(c, "SELECT count(*) FROM bellows.meta WHERE $1 = $1", "",
	    "1");
	conn_close(c);
	free(db);
}

static void
test_journal_ensure_refuses_newer_schema(void **state)
{
	struct conn		*c;
	struct journal_run	*run;
	char			*db, *cause = NULL;

	(void)state;
	c = test_journal_db(&db);
	pgtest_exec(c, "UPDATE bellows.meta SET version = 99");
	assert_int_equal(journal_ensure(c, &cause), -1);
	assert_non_null(strstr(cause, "version 99"));
	assert_non_null(strstr(cause, "newer"));
	free(cause);
	cause = NULL;
	/* The readers refuse it too, rather than misread it. */
	assert_int_equal(journal_load(c, "x", 0, &run, &cause), -1);
	assert_non_null(strstr(cause, "newer"));
	free(cause);
	conn_close(c);
	free(db);
}

static void
test_journal_ensure_error_keeps_sqlstate(void **state)
{
	struct conn	*c;
	char		*db, *cause = NULL;

	(void)state;
	db = pgtest_fresh_db();
	c = pgtest_connect(db);
	/* Not the database's owner: no CREATE on it, so no schema. */
	pgtest_exec(c, "CREATE ROLE bellows_nobody_j LOGIN");
	pgtest_exec(c, "SET ROLE bellows_nobody_j");
	assert_int_equal(journal_ensure(c, &cause), -1);
	assert_non_null(strstr(cause, "42501"));
	free(cause);
	/* Our failed transaction was rolled back: the session is usable. */
	assert_int_equal(PQtransactionStatus(conn_pg(c)), PQTRANS_IDLE);
	pgtest_exec(c, "RESET ROLE");
	conn_close(c);
	free(db);
}

/* ------------------------------------------------------------ runs */

static void
test_journal_open_run_creates_step_rows(void **state)
{
	struct plan		 p;
	struct plan_phase	 ph[3];
	struct conn		*c;
	struct journal_run	*run;
	struct journal_step	*s;
	char			*db, *v, host[256], pid[16];

	(void)state;
	c = test_journal_db(&db);
	test_plan(&p, ph, "orders-user-email", 'a');
	run = test_open(c, &p, "alice");
	assert_string_equal(run->name, "orders-user-email");
	assert_string_equal(run->sha256, p.sha256);
	assert_string_equal(run->state, "running");
	assert_int_equal(run->nsteps, 4);
	assert_int_equal(run->steps[0].phase, 0);
	assert_int_equal(run->steps[0].step, 0);
	assert_string_equal(run->steps[0].step_name, "add column");
	assert_int_equal(run->steps[1].step, 1);
	assert_string_equal(run->steps[1].step_name, "index");
	assert_int_equal(run->steps[2].phase, 1);
	assert_int_equal(run->steps[2].step, -1);
	assert_string_equal(run->steps[2].kind, JOURNAL_KIND_GATE);
	assert_null(run->steps[2].step_name);
	s = journal_run_step(run, 2, -1);
	assert_non_null(s);
	assert_string_equal(s->kind, JOURNAL_KIND_BACKFILL);
	assert_string_equal(s->state, JOURNAL_PENDING);
	assert_null(s->cursor);
	assert_int_equal(s->rows_done, 0);
	assert_null(journal_run_step(run, 2, 0));
	assert_ptr_equal(journal_run_current(run), &run->steps[0]);

	/* The driver is recorded: this process, this host, this backend. */
	gethostname(host, sizeof host);
	host[sizeof host - 1] = '\0';
	snprintf(pid, sizeof pid, "%ld", (long)getpid());
	assert_string_equal(run->driver.operator, "alice");
	assert_string_equal(run->driver.host, host);
	assert_int_equal(run->driver.client_pid, getpid());
	assert_int_equal(run->driver.pid, conn_backend_pid(c));
	assert_non_null(run->driver.since);
	v = test_value1(c, "SELECT detail FROM bellows.events WHERE run = $1"
	    " AND kind = 'driver'", "orders-user-email");
	assert_non_null(strstr(v, "alice on "));
	assert_non_null(strstr(v, pid));
	free(v);
	assert_value1(c, "SELECT plan_text FROM bellows.runs WHERE name = $1",
	    "orders-user-email", "name = \"x\";");
	journal_run_free(run);
	conn_close(c);
	free(db);
}

static void
test_journal_reopen_same_plan_keeps_states(void **state)
{
	struct plan		 p;
	struct plan_phase	 ph[3];
	struct conn		*c;
	struct journal_run	*run;
	char			*db, *cause = NULL;

	(void)state;
	c = test_journal_db(&db);
	test_plan(&p, ph, "resume-me", 'a');
	journal_run_free(test_open(c, &p, "alice"));
	assert_int_equal(journal_set_step(c, "resume-me", 0, 0, JOURNAL_RUNNING,
	    &cause), 0);
	assert_int_equal(journal_set_step(c, "resume-me", 0, 0, JOURNAL_DONE,
	    &cause), 0);
	assert_int_equal(journal_set_step(c, "resume-me", 0, 1, JOURNAL_RUNNING,
	    &cause), 0);
	assert_int_equal(journal_set_step(c, "resume-me", 0, 1,
	    JOURNAL_INTERRUPTED, &cause), 0);
	assert_int_equal(journal_set_step(c, "resume-me", 0, 1, JOURNAL_RUNNING,
	    &cause), 0);
	assert_int_equal(journal_set_run_state(c, "resume-me", "interrupted",
	    &cause), 0);
	conn_close(c);

	/* A new driver (a new connection) resumes where the last one was. */
	c = pgtest_connect(db);
	run = test_open(c, &p, "bob");
	assert_int_equal(run->nsteps, 4);
	assert_string_equal(run->state, "interrupted");
	assert_string_equal(run->steps[0].state, JOURNAL_DONE);
	assert_int_equal(run->steps[0].attempts, 1);
	assert_non_null(run->steps[0].finished_at);
	assert_string_equal(run->steps[1].state, JOURNAL_RUNNING);
	assert_int_equal(run->steps[1].attempts, 2);
	assert_null(run->steps[1].finished_at);
	assert_ptr_equal(journal_run_current(run), &run->steps[1]);
	assert_string_equal(run->driver.operator, "bob");
	journal_run_free(run);

	/* Unknown steps and runs are errors, not silent no-ops. */
	assert_int_equal(journal_set_step(c, "resume-me", 7, 0, JOURNAL_DONE,
	    &cause), -1);
	assert_non_null(strstr(cause, "no step 7/0"));
	free(cause);
	assert_int_equal(journal_set_run_state(c, "nope", "done", &cause), -1);
	assert_non_null(strstr(cause, "no run named nope"));
	free(cause);
	conn_close(c);
	free(db);
}

static void
test_journal_changed_plan_refused_unless_forced(void **state)
{
	struct plan		 p;
	struct plan_phase	 ph[3];
	struct conn		*c;
	struct journal_run	*run = NULL;
	char			*db, *cause = NULL;

	(void)state;
	c = test_journal_db(&db);
	test_plan(&p, ph, "orders-user-email", '1');
	journal_run_free(test_open(c, &p, "alice"));
	assert_int_equal(journal_set_step(c, p.name, 0, 0, JOURNAL_DONE,
	    &cause), 0);

	test_plan(&p, ph, "orders-user-email", '9');
	assert_int_equal(journal_open_run(c, &p, NULL, "alice", 0, &run,
	    &cause), -2);
	assert_null(run);
	assert_string_equal(cause, "run orders-user-email was started with a "
	    "different plan (sha256 11111111\xe2\x80\xa6 now 99999999\xe2\x80\xa6);"
	    " rerun with --force to resume with the changed plan");
	free(cause);
	cause = NULL;
	assert_value1(c, "SELECT left(plan_sha256, 4) FROM bellows.runs"
	    " WHERE name = $1", p.name, "1111");
	assert_value1(c, "SELECT count(*) FROM bellows.events WHERE run = $1"
	    " AND kind = 'plan-changed'", p.name, "0");
	assert_int_equal(PQtransactionStatus(conn_pg(c)), PQTRANS_IDLE);

	/* Forced: the new hash is stored, the change journaled, the states
	 * of the steps that remain are kept. */
	assert_int_equal(journal_open_run(c, &p, "changed", "alice", 1, &run,
	    &cause), 0);
	assert_string_equal(run->sha256, p.sha256);
	assert_string_equal(run->steps[0].state, JOURNAL_DONE);
	journal_run_free(run);
	assert_value1(c, "SELECT detail FROM bellows.events WHERE run = $1"
	    " AND kind = 'plan-changed'", p.name, "plan changed from sha256 "
	    "11111111\xe2\x80\xa6 to 99999999\xe2\x80\xa6, resumed with --force");

	/* A forced plan with fewer phases drops the rows it no longer has. */
	p.nphases = 1;
	memset(p.sha256, '8', 64);
	assert_int_equal(journal_open_run(c, &p, NULL, "alice", 1, &run,
	    &cause), 0);
	assert_int_equal(run->nsteps, 2);
	journal_run_free(run);
	conn_close(c);
	free(db);
}

/* ------------------------------------------------------------ the lock */

static void
test_journal_lock_admits_one_driver(void **state)
{
	static const char *const names[] = {
		"orders-user-email", "a", "b", "c", "d", "e", "f", "g"
	};
	struct journal_holder	 h;
	struct plan		 p;
	struct plan_phase	 ph[3];
	struct conn		*a, *b;
	char			*db, *cause = NULL, host[256], *neg;
	size_t			 i;

	(void)state;
	a = test_journal_db(&db);
	b = pgtest_connect(db);
	gethostname(host, sizeof host);
	host[sizeof host - 1] = '\0';
	/* Some of these names hash below zero: the holder lookup must match
	 * pg_locks' unsigned objid for them too. */
	neg = pgtest_value(a, "SELECT bool_or(hashtext(n) < 0) AND"
	    " bool_or(hashtext(n) > 0) FROM unnest(ARRAY['orders-user-email',"
	    "'a','b','c','d','e','f','g']) n");
	assert_string_equal(neg, "t");
	free(neg);

	for (i = 0; i < nitems(names); i++) {
		test_plan(&p, ph, names[i], 'a');
		assert_int_equal(journal_lock(a, names[i], &h, &cause), 1);
		journal_run_free(test_open(a, &p, "alice"));
		/* The holder taking it again is a no-op, not a second hold. */
		assert_int_equal(journal_lock(a, names[i], &h, &cause), 1);

		assert_int_equal(journal_lock(b, names[i], &h, &cause), 0);
		assert_int_equal(h.pid, conn_backend_pid(a));
		assert_string_equal(h.operator, "alice");
		assert_string_equal(h.host, host);
		assert_int_equal(h.client_pid, getpid());
		assert_non_null(h.since);
		journal_holder_clear(&h);

		assert_int_equal(journal_unlock(a, names[i], &cause), 0);
		assert_int_equal(journal_lock(b, names[i], &h, &cause), 1);
		assert_int_equal(journal_lock(a, names[i], &h, &cause), 0);
		assert_int_equal(h.pid, conn_backend_pid(b));
		journal_holder_clear(&h);
		/* Unlocking what one does not hold says so. */
		assert_int_equal(journal_unlock(a, names[i], &cause), -1);
		assert_non_null(strstr(cause, "not held"));
		free(cause);
		cause = NULL;
		assert_int_equal(journal_unlock(b, names[i], &cause), 0);
	}
	conn_close(a);
	conn_close(b);
	free(db);
}

/* Two names whose hashtext collides once shared one advisory lock: the
 * second driver was refused, naming "pid -1".  Each run has its own key. */
static void
test_journal_lock_names_never_collide(void **state)
{
	struct journal_holder	 h;
	struct conn		*a, *b;
	char			*db, *cause = NULL, *v;

	(void)state;
	a = test_journal_db(&db);
	b = pgtest_connect(db);
	v = pgtest_value(a, "SELECT hashtext('run-140366') ="
	    " hashtext('run-178447')");
	assert_string_equal(v, "t");
	free(v);
	assert_int_equal(journal_lock(a, "run-140366", &h, &cause), 1);
	assert_int_equal(journal_lock(b, "run-178447", &h, &cause), 1);
	/* And the lock of each is found under its own name. */
	assert_int_equal(journal_lock(b, "run-140366", &h, &cause), 0);
	assert_int_equal(h.pid, conn_backend_pid(a));
	journal_holder_clear(&h);
	assert_int_equal(journal_lock(a, "run-178447", &h, &cause), 0);
	assert_int_equal(h.pid, conn_backend_pid(b));
	journal_holder_clear(&h);
	conn_close(a);
	conn_close(b);
	free(db);
}

static void
test_journal_lock_released_when_driver_disconnects(void **state)
{
	struct journal_holder	 h;
	struct journal_run	*run;
	struct plan		 p;
	struct plan_phase	 ph[3];
	struct conn		*a, *b;
	char			*db, *cause = NULL, *v;
	int			 i, rc;

	(void)state;
	a = test_journal_db(&db);
	b = pgtest_connect(db);
	test_plan(&p, ph, "crashy", 'a');
	assert_int_equal(journal_lock(a, "crashy", &h, &cause), 1);
	journal_run_free(test_open(a, &p, "alice"));
	assert_int_equal(journal_load(b, "crashy", 0, &run, &cause), 1);
	assert_true(run->driver_connected);
	assert_int_equal(run->lock_pid, conn_backend_pid(a));
	journal_run_free(run);

	conn_close(a);
	/* The backend exits asynchronously after the client hangs up. */
	for (i = 0; i < 100; i++) {
		if ((rc = journal_lock(b, "crashy", &h, &cause)) == 1)
			break;
		assert_int_equal(rc, 0);
		journal_holder_clear(&h);
		usleep(50000);
	}
	assert_int_equal(rc, 1);
	assert_int_equal(journal_unlock(b, "crashy", &cause), 0);
	assert_int_equal(journal_load(b, "crashy", 0, &run, &cause), 1);
	assert_false(run->driver_connected);
	assert_int_equal(run->lock_pid, 0);
	journal_run_free(run);
	v = pgtest_value(b, "SELECT count(*) FROM pg_locks WHERE"
	    " locktype = 'advisory'");
	assert_string_equal(v, "0");
	free(v);
	conn_close(b);
	free(db);
}

/* ------------------------------------------------------------ backfill */

static void
test_journal_backfill_cursor_commits_with_batch(void **state)
{
	struct plan		 p;
	struct plan_phase	 ph[3];
	struct conn		*c;
	struct journal_run	*run;
	struct journal_step	*s;
	char			*db, *cause = NULL;

	(void)state;
	c = test_journal_db(&db);
	test_plan(&p, ph, "bf", 'a');
	journal_run_free(test_open(c, &p, "alice"));

	/* A batch that dies (rollback, as in a crash) leaves no trace... */
	pgtest_exec(c, "BEGIN");
	assert_int_equal(journal_backfill_advance(c, "bf", 2, "10000", 10000, 100,
	    &cause), 0);
	assert_int_equal(PQtransactionStatus(conn_pg(c)), PQTRANS_INTRANS);
	pgtest_exec(c, "ROLLBACK");
	assert_int_equal(journal_load(c, "bf", 0, &run, &cause), 1);
	s = journal_run_step(run, 2, -1);
	assert_null(s->cursor);
	assert_int_equal(s->rows_done, 0);
	assert_int_equal(s->batches, 0);
	journal_run_free(run);

	/* ...a batch that commits moves the cursor with it. */
	pgtest_exec(c, "BEGIN");
	assert_int_equal(journal_backfill_advance(c, "bf", 2, "10000", 10000, 100,
	    &cause), 0);
	pgtest_exec(c, "COMMIT");
	pgtest_exec(c, "BEGIN");
	assert_int_equal(journal_backfill_advance(c, "bf", 2, "O'Brien \"x\"",
	    2500, 100, &cause), 0);
	pgtest_exec(c, "COMMIT");
	assert_int_equal(journal_load(c, "bf", 0, &run, &cause), 1);
	s = journal_run_step(run, 2, -1);
	assert_string_equal(s->cursor, "O'Brien \"x\"");
	assert_int_equal(s->rows_done, 12500);
	assert_int_equal(s->batches, 2);
	journal_run_free(run);

	/* Not a backfill phase row: refused. */
	assert_int_equal(journal_backfill_advance(c, "bf", 0, "1", 1, 100, &cause),
	    -1);
	free(cause);
	conn_close(c);
	free(db);
}

/* ------------------------------------------------------------ events */

static void
test_journal_events_recorded_in_order(void **state)
{
	static const char *const kinds[] = {
		"step-start", "lock-timeout", "retry", "step-done", "confirm"
	};
	struct plan		 p;
	struct plan_phase	 ph[3];
	struct conn		*c;
	struct journal_run	*run;
	struct journal_event	*ev;
	size_t			 i, nev;
	char			*db, *cause = NULL;

	(void)state;
	c = test_journal_db(&db);
	test_plan(&p, ph, "ev", 'a');
	journal_run_free(test_open(c, &p, "alice"));
	for (i = 0; i < nitems(kinds); i++)
		assert_int_equal(journal_event(c, "ev", i == 4 ? NULL : "alice",
		    "expand", i < 4 ? "add column" : NULL, kinds[i],
		    i == 1 ? "blocked by pid 42" : NULL, &cause), 0);

	/* created, driver, then ours, oldest first. */
	assert_int_equal(journal_load(c, "ev", JOURNAL_ALL_EVENTS, &run,
	    &cause), 1);
	assert_int_equal(run->nevents, 2 + nitems(kinds));
	assert_string_equal(run->events[0].kind, "created");
	assert_string_equal(run->events[1].kind, "driver");
	for (i = 0; i < nitems(kinds); i++) {
		ev = &run->events[2 + i];
		assert_string_equal(ev->kind, kinds[i]);
		assert_true(ev->id > run->events[1 + i].id);
		assert_true(strcmp(ev->at, run->events[1 + i].at) >= 0);
		assert_string_equal(ev->phase, "expand");
	}
	assert_string_equal(run->events[3].detail, "blocked by pid 42");
	assert_null(run->events[2].detail);
	assert_null(run->events[6].operator);
	assert_null(run->events[6].step);
	journal_run_free(run);

	/* The latest N, still oldest first. */
	assert_int_equal(journal_load(c, "ev", 2, &run, &cause), 1);
	assert_int_equal(run->nevents, 2);
	assert_string_equal(run->events[0].kind, "step-done");
	assert_string_equal(run->events[1].kind, "confirm");
	assert_int_equal(journal_events_since(c, "ev", run->events[0].id - 2,
	    &ev, &nev, &cause), 0);
	assert_int_equal(nev, 3);
	assert_string_equal(ev[0].kind, "retry");
	assert_string_equal(ev[2].kind, "confirm");
	journal_events_free(ev, nev);
	assert_int_equal(journal_events_since(c, "ev", run->events[1].id,
	    &ev, &nev, &cause), 0);
	assert_int_equal(nev, 0);
	assert_null(ev);
	journal_run_free(run);
	conn_close(c);
	free(db);
}

/* Wait up to MS for a notification on C; the payload (allocated) or NULL. */
static char *
test_wait_notify(struct conn *c, int ms)
{
	struct pollfd	 pfd;
	PGnotify	*n;
	char		*payload;

	for (;;) {
		PQconsumeInput(conn_pg(c));
		if ((n = PQnotifies(conn_pg(c))) != NULL) {
			assert_string_equal(n->relname, "bellows");
			payload = xstrdup(n->extra);
			PQfreemem(n);
			return (payload);
		}
		if (ms <= 0)
			return (NULL);
		pfd.fd = conn_socket(c);
		pfd.events = POLLIN;
		pfd.revents = 0;
		poll(&pfd, 1, 100);
		ms -= 100;
	}
}

static void
test_journal_writes_notify_watchers(void **state)
{
	struct plan		 p;
	struct plan_phase	 ph[3];
	struct conn		*c, *w;
	char			*db, *cause = NULL, *payload;

	(void)state;
	c = test_journal_db(&db);
	w = pgtest_connect(db);
	pgtest_exec(w, "LISTEN bellows");
	test_plan(&p, ph, "notify-me", 'a');
	journal_run_free(test_open(c, &p, "alice"));
	payload = test_wait_notify(w, 5000);
	assert_non_null(payload);
	assert_string_equal(payload, "notify-me");
	free(payload);
	while ((payload = test_wait_notify(w, 200)) != NULL)
		free(payload);

	assert_int_equal(journal_event(c, "notify-me", "alice", NULL, NULL,
	    "note", "hello", &cause), 0);
	payload = test_wait_notify(w, 5000);
	assert_non_null(payload);
	assert_string_equal(payload, "notify-me");
	free(payload);

	/* Inside a transaction the wake-up comes with the commit, never
	 * before: a watcher never reads a state that is not there yet. */
	pgtest_exec(c, "BEGIN");
	assert_int_equal(journal_set_step(c, "notify-me", 0, 0, JOURNAL_DONE,
	    &cause), 0);
	assert_null(test_wait_notify(w, 300));
	pgtest_exec(c, "COMMIT");
	payload = test_wait_notify(w, 5000);
	assert_non_null(payload);
	assert_string_equal(payload, "notify-me");
	free(payload);

	assert_int_equal(journal_set_run_state(c, "notify-me", "paused",
	    &cause), 0);
	payload = test_wait_notify(w, 5000);
	assert_non_null(payload);
	free(payload);
	conn_close(w);
	conn_close(c);
	free(db);
}

/* ------------------------------------------------------------ status */

/* A run with some history, and data that needs escaping. */
static struct conn *
test_status_run(char **db)
{
	struct plan		 p;
	struct plan_phase	 ph[3];
	struct conn		*c;
	char			*cause = NULL;

	c = test_journal_db(db);
	test_plan(&p, ph, "orders-user-email", 'a');
	journal_run_free(test_open(c, &p, "al\"ice"));
	assert_int_equal(journal_set_step(c, p.name, 0, 0, JOURNAL_RUNNING,
	    &cause), 0);
	assert_int_equal(journal_set_step(c, p.name, 0, 0, JOURNAL_DONE,
	    &cause), 0);
	assert_int_equal(journal_set_step(c, p.name, 0, 1, JOURNAL_DONE,
	    &cause), 0);
	assert_int_equal(journal_set_step(c, p.name, 1, -1, JOURNAL_DONE,
	    &cause), 0);
	assert_int_equal(journal_set_step(c, p.name, 2, -1, JOURNAL_RUNNING,
	    &cause), 0);
	assert_int_equal(journal_backfill_advance(c, p.name, 2, "4000", 4000, 100,
	    &cause), 0);
	assert_int_equal(journal_event(c, p.name, "al\"ice", "expand", "index",
	    "lock-timeout", "blocked by pid 42:\n\tquery \"SELECT \\1\"\x01",
	    &cause), 0);
	return (c);
}

static void
test_status_json_is_valid_and_complete(void **state)
{
	static const char *const fields[] = {
		"\"name\":\"orders-user-email\"", "\"database\":\"db\"",
		"\"state\":\"running\"", "\"created_at\":\"", "\"updated_at\":\"",
		"\"plan\":{\"sha256\":\"aaaaaaaa",
		"\"file\":\"plans/orders.conf\"}",
		"\"driver\":{\"operator\":\"al\\\"ice\"", "\"host\":\"",
		"\"backend_pid\":", "\"since\":\"", "\"connected\":false",
		"\"lock_pid\":null", "\"current\":{\"phase\":2,",
		"\"progress\":{\"done\":3,\"total\":4}",
		"\"step_name\":null", "\"kind\":\"gate\"", "\"attempts\":1",
		"\"backfill\":{\"cursor\":\"4000\",\"rows_done\":4000,"
		    "\"batches\":1,\"rows_per_s\":",
		"\"backfill\":null", "\"elapsed_ms\":",
		"\"detail\":\"blocked by pid 42:\\n\\tquery \\\"SELECT \\\\1\\\"\\u0001\"",
		"\"kind\":\"created\"", "\"events\":[{\"id\":",
	};
	struct conn		*c;
	struct journal_run	*run;
	struct buf		 b;
	char			*db, *cause = NULL;
	size_t			 i;

	(void)state;
	c = test_status_run(&db);
	assert_int_equal(journal_load(c, "orders-user-email", 10, &run,
	    &cause), 1);
	buf_init(&b);
	journal_status_json(&b, run, "db");
	if (!test_json_valid(b.data))
		fail_msg("invalid JSON: %s", b.data);
	for (i = 0; i < nitems(fields); i++) {
		if (strstr(b.data, fields[i]) == NULL)
			fail_msg("no %s in %s", fields[i], b.data);
	}
	assert_int_equal(b.data[b.len - 1], '\n');
	buf_free(&b);
	journal_run_free(run);

	/* The validator itself rejects what it must. */
	assert_false(test_json_valid("{\"a\":1,}"));
	assert_false(test_json_valid("{\"a\":\"x\ny\"}"));
	assert_false(test_json_valid("[1 2]"));
	assert_true(test_json_valid(" {\"a\":[1,-2.5e3,true,null,\"\\u00e9\"]}\n"));
	conn_close(c);
	free(db);
}

static void
test_status_text_names_driver_step_and_events(void **state)
{
	static const char *const lines[] = {
		"run orders-user-email: running\n",
		"  database  db\n",
		"  plan      sha256 aaaaaaaaaaaaaaaa",
		" (plans/orders.conf)\n",
		"  driver    al\"ice on ",
		"gone: no session holds the run's lock",
		"  current   backfill / (backfill): running\n",
		"  progress  3 of 4 steps done\n",
		"  expand      add column  done        1 attempt\n",
		"  expand      index       done\n",
		"  dual-write  (gate)      done\n",
		"> backfill    (backfill)  running     1 attempt, 4000 rows in 1 batch, ",
		", cursor 4000\n",
		"events (last 3)\n",
		"  al\"ice  created: run created from plans/orders.conf (sha256 aaaaaaaa\xe2\x80\xa6)\n",
		"  al\"ice  lock-timeout  expand / index: blocked by pid 42:  query \"SELECT \\1\" \n",
	};
	struct conn		*c;
	struct journal_run	*run;
	struct buf		 b;
	char			*db, *cause = NULL;
	size_t			 i;

	(void)state;
	c = test_status_run(&db);
	assert_int_equal(journal_load(c, "orders-user-email", 10, &run,
	    &cause), 1);
	buf_init(&b);
	journal_status_text(&b, run, "db");
	for (i = 0; i < nitems(lines); i++) {
		if (strstr(b.data, lines[i]) == NULL)
			fail_msg("no '%s' in:\n%s", lines[i], b.data);
	}
	/* Nothing from the journal reaches the terminal raw. */
	assert_null(strchr(b.data, '\x01'));
	assert_null(strchr(b.data, '\t'));
	buf_free(&b);
	journal_run_free(run);
	conn_close(c);
	free(db);
}

static void
test_status_command_prints_run_and_exit_codes(void **state)
{
	struct conn	*c, *empty;
	FILE		*f;
	char		*db, *db2, *args, *out, *plan;
	int		 fd, rc;

	(void)state;
	if (test_bellows() == NULL)
		skip();
	c = test_status_run(&db);

	args = xasprintf("status -d %s orders-user-email", db);
	assert_int_equal(test_run_bellows(args, 0, &out), 0);
	free(args);
	assert_non_null(strstr(out, "run orders-user-email: running\n"));
	assert_non_null(strstr(out, "blocked by pid 42"));
	free(out);

	args = xasprintf("status --format=json --dbname=%s orders-user-email",
	    db);
	assert_int_equal(test_run_bellows(args, 0, &out), 0);
	free(args);
	if (!test_json_valid(out))
		fail_msg("invalid JSON: %s", out);
	assert_non_null(strstr(out, "\"name\":\"orders-user-email\""));
	free(out);

	/* A plan file stands for its run. */
	plan = xstrdup("/tmp/bellows-test-XXXXXX.conf");
	assert_true((fd = mkstemps(plan, 5)) >= 0);
	f = fdopen(fd, "w");
	fputs("name = \"orders-user-email\";\nphases = ({ name = \"expand\";"
	    " steps = ({ sql = \"CREATE TABLE t (i int)\"; }); });\n", f);
	fclose(f);
	args = xasprintf("status -d %s %s", db, plan);
	out = NULL;
	rc = test_run_bellows(args, 1, &out);
	unlink(plan);
	free(plan);
	free(args);
	if (rc != 0)
		fail_msg("status PLAN exited %d: %s", rc, out);
	assert_non_null(strstr(out, "run orders-user-email: running\n"));
	free(out);

	/* The libpq environment works without -d. */
	args = xasprintf("status no-such-run");
	assert_int_equal(test_run_bellows(args, 1, &out), 1);
	free(args);
	assert_non_null(strstr(out, "no run named no-such-run in database"));
	free(out);

	args = xasprintf("status -d %s no-such-run", db);
	assert_int_equal(test_run_bellows(args, 1, &out), 1);
	free(args);
	assert_non_null(strstr(out, "no run named no-such-run in database"));
	free(out);

	/* A database without a journal has no runs, and keeps no journal. */
	db2 = pgtest_fresh_db();
	args = xasprintf("status -d %s orders-user-email", db2);
	assert_int_equal(test_run_bellows(args, 1, &out), 1);
	free(args);
	assert_non_null(strstr(out, "no run named orders-user-email"));
	free(out);
	empty = pgtest_connect(db2);
	out = pgtest_value(empty, "SELECT count(*) FROM pg_namespace"
	    " WHERE nspname = 'bellows'");
	assert_string_equal(out, "0");
	free(out);
	conn_close(empty);

	assert_int_equal(test_run_bellows("status -d dbname=no_such_db_x x", 1,
	    &out), 3);
	assert_non_null(strstr(out, "08001"));
	free(out);
	assert_int_equal(test_run_bellows("status", 1, &out), 2);
	free(out);
	assert_int_equal(test_run_bellows("status --format=xml x", 1, &out), 2);
	free(out);
	assert_int_equal(test_run_bellows("status --help", 0, &out), 0);
	assert_non_null(strstr(out, "--format"));
	free(out);
	conn_close(c);
	free(db);
	free(db2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_journal_ensure_is_idempotent),
		cmocka_unit_test(test_journal_ensure_races_safely),
		cmocka_unit_test(test_journal_ensure_refuses_newer_schema),
		cmocka_unit_test(test_journal_ensure_error_keeps_sqlstate),
		cmocka_unit_test(test_journal_open_run_creates_step_rows),
		cmocka_unit_test(test_journal_reopen_same_plan_keeps_states),
		cmocka_unit_test(test_journal_changed_plan_refused_unless_forced),
		cmocka_unit_test(test_journal_lock_admits_one_driver),
		cmocka_unit_test(test_journal_lock_names_never_collide),
		cmocka_unit_test(test_journal_lock_released_when_driver_disconnects),
		cmocka_unit_test(test_journal_backfill_cursor_commits_with_batch),
		cmocka_unit_test(test_journal_events_recorded_in_order),
		cmocka_unit_test(test_journal_writes_notify_watchers),
		cmocka_unit_test(test_status_json_is_valid_and_complete),
		cmocka_unit_test(test_status_text_names_driver_step_and_events),
		cmocka_unit_test(test_status_command_prints_run_and_exit_codes),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
