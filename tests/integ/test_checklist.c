/*
 * Integration tests for checklist against the scratch server of
 * tests/pg-harness: each automatic kind passing and failing on a real
 * server, custom queries, privileges, and the tables a plan names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "checklist.h"
#include "conn.h"
#include "monitor.h"
#include "pgtest.h"
#include "plan.h"
#include "util.h"

/* A plan in memory with one steps phase of one statement (or none). */
struct testplan {
	struct plan		plan;
	struct plan_phase	phase;
	struct plan_step	step;
};

static void
testplan_init(struct testplan *t, const char *sql)
{
	memset(t, 0, sizeof *t);
	t->plan.name = (char *)"test";
	t->plan.file = (char *)"test.conf";
	if (sql == NULL)
		return;
	t->step.name = (char *)"step 1";
	t->step.sql = (char *)sql;
	t->phase.name = (char *)"expand";
	t->phase.kind = PLAN_PHASE_STEPS;
	t->phase.steps = &t->step;
	t->phase.nsteps = 1;
	t->plan.phases = &t->phase;
	t->plan.nphases = 1;
}

/* Evaluate an item that must not be an error; returns the status and
 * leaves the value in R. */
static enum checklist_status
eval(struct conn *c, const struct plan *p, enum plan_check_kind kind,
    long max_ms, const char *sql, struct checklist_result *r)
{
	struct plan_check	 check;
	char			*cause = NULL;

	memset(&check, 0, sizeof check);
	check.id = (char *)"item";
	check.text = (char *)"an item";
	check.kind = kind;
	check.max_ms = max_ms;
	check.sql = (char *)sql;
	if (checklist_eval(c, p, &check, r, &cause) != 0)
		fail_msg("checklist_eval: %s", cause);
	assert_non_null(r->value);
	return (r->status);
}

static void
test_checklist_long_transactions_fails_past_max(void **state)
{
	struct testplan		 t;
	struct checklist_result	 r;
	struct conn		*c, *other;
	char			*db, *want;

	(void)state;
	testplan_init(&t, NULL);
	db = pgtest_fresh_db();
	c = pgtest_connect(db);
	other = pgtest_connect(db);

	assert_int_equal(eval(c, &t.plan, PLAN_CHECK_LONG_TRANSACTIONS, 200,
	    NULL, &r), CHECKLIST_PASS);
	assert_string_equal(r.value, "no open transaction");
	checklist_result_clear(&r);

	pgtest_exec(other, "BEGIN");
	pgtest_exec(other, "SELECT 1");
	usleep(400000);
	assert_int_equal(eval(c, &t.plan, PLAN_CHECK_LONG_TRANSACTIONS, 200,
	    NULL, &r), CHECKLIST_FAIL);
	want = xasprintf("(pid %d, postgres, bellows-test), max 200ms",
	    conn_backend_pid(other));
	assert_non_null(strstr(r.value, "oldest transaction "));
	assert_non_null(strstr(r.value, want));
	free(want);
	checklist_result_clear(&r);

	/* The same transaction within a generous max passes. */
	assert_int_equal(eval(c, &t.plan, PLAN_CHECK_LONG_TRANSACTIONS, 60000,
	    NULL, &r), CHECKLIST_PASS);
	assert_non_null(strstr(r.value, "oldest transaction "));
	checklist_result_clear(&r);
	/* No max: the default, five minutes. */
	assert_int_equal(eval(c, &t.plan, PLAN_CHECK_LONG_TRANSACTIONS, 0,
	    NULL, &r), CHECKLIST_PASS);
	checklist_result_clear(&r);

	pgtest_exec(other, "COMMIT");
	conn_close(other);
	conn_close(c);
	free(db);
}

static void
test_checklist_long_transactions_ignores_bellows_sessions(void **state)
{
	struct testplan		 t;
	struct checklist_result	 r;
	struct conn		*c, *executor;
	struct conn_error	 err = { 0 };
	char			*db;

	(void)state;
	testplan_init(&t, NULL);
	db = pgtest_fresh_db();
	c = pgtest_connect(db);
	executor = conn_open(db, "bellows:orders-user-email", &err);
	assert_non_null(executor);
	pgtest_exec(executor, "BEGIN");
	pgtest_exec(executor, "SELECT 1");
	usleep(300000);
	assert_int_equal(eval(c, &t.plan, PLAN_CHECK_LONG_TRANSACTIONS, 100,
	    NULL, &r), CHECKLIST_PASS);
	checklist_result_clear(&r);
	assert_int_equal(eval(c, &t.plan, PLAN_CHECK_IDLE_IN_TRANSACTION, 100,
	    NULL, &r), CHECKLIST_PASS);
	checklist_result_clear(&r);
	conn_close(executor);
	conn_close(c);
	free(db);
}

static void
test_checklist_idle_in_transaction_fails_past_max(void **state)
{
	struct testplan		 t;
	struct checklist_result	 r;
	struct conn		*c, *idle;
	char			*db, *want;

	(void)state;
	testplan_init(&t, NULL);
	db = pgtest_fresh_db();
	c = pgtest_connect(db);
	idle = pgtest_connect(db);

	assert_int_equal(eval(c, &t.plan, PLAN_CHECK_IDLE_IN_TRANSACTION, 200,
	    NULL, &r), CHECKLIST_PASS);
	assert_string_equal(r.value, "no session idle in transaction");
	checklist_result_clear(&r);

	pgtest_exec(idle, "BEGIN");
	pgtest_exec(idle, "SELECT 1");
	usleep(400000);
	assert_int_equal(eval(c, &t.plan, PLAN_CHECK_IDLE_IN_TRANSACTION, 200,
	    NULL, &r), CHECKLIST_FAIL);
	want = xasprintf("(pid %d, postgres, bellows-test), max 200ms",
	    conn_backend_pid(idle));
	assert_non_null(strstr(r.value, "idle in transaction for "));
	assert_non_null(strstr(r.value, want));
	free(want);
	checklist_result_clear(&r);
	/* max 0: the documented default of one minute. */
	assert_int_equal(eval(c, &t.plan, PLAN_CHECK_IDLE_IN_TRANSACTION, 0,
	    NULL, &r), CHECKLIST_PASS);
	checklist_result_clear(&r);

	pgtest_exec(idle, "ROLLBACK");
	conn_close(idle);
	conn_close(c);
	free(db);
}

static void
test_checklist_replication_lag_without_replicas_passes(void **state)
{
	struct testplan		 t;
	struct checklist_result	 r;
	struct conn		*c;
	char			*db;

	(void)state;
	testplan_init(&t, NULL);
	db = pgtest_fresh_db();
	c = pgtest_connect(db);
	assert_int_equal(eval(c, &t.plan, PLAN_CHECK_REPLICATION_LAG, 10000,
	    NULL, &r), CHECKLIST_PASS);
	assert_string_equal(r.value, "no replicas");
	checklist_result_clear(&r);
	conn_close(c);
	free(db);
}

static void
test_checklist_sql_item_needs_one_boolean(void **state)
{
	static const struct {
		const char		*sql;
		enum checklist_status	 status;
		const char		*value;	/* contained in the value */
	} cases[] = {
		{ "SELECT true", CHECKLIST_PASS, "true" },
		{ "SELECT count(*) = 0 FROM pg_class WHERE relname = 'nope'",
		    CHECKLIST_PASS, "true" },
		{ "SELECT 1 = 2", CHECKLIST_FAIL, "false" },
		{ "SELECT 42", CHECKLIST_FAIL,
		    "expected one boolean, got integer 42" },
		{ "SELECT 'yes'::text", CHECKLIST_FAIL,
		    "expected one boolean, got text yes" },
		{ "SELECT NULL::boolean", CHECKLIST_FAIL,
		    "expected one boolean, got NULL" },
		{ "SELECT true FROM generate_series(1, 3)", CHECKLIST_FAIL,
		    "expected one boolean, got 3 rows" },
		{ "SELECT true, false", CHECKLIST_FAIL,
		    "expected one boolean, got 2 columns" },
		{ "SELECT * FROM no_such_table", CHECKLIST_FAIL, "42P01" },
		/* A check never writes, and cannot end its own transaction. */
		{ "CREATE TABLE sneaky (id int)", CHECKLIST_FAIL, "25006" },
		{ "SELECT true; COMMIT", CHECKLIST_FAIL, "42601" },
	};
	struct testplan		 t;
	struct checklist_result	 r;
	struct conn		*c;
	char			*db, *v;
	size_t			 i;

	(void)state;
	testplan_init(&t, NULL);
	db = pgtest_fresh_db();
	c = pgtest_connect(db);
	for (i = 0; i < nitems(cases); i++) {
		if (eval(c, &t.plan, PLAN_CHECK_SQL, 0, cases[i].sql, &r) !=
		    cases[i].status || strstr(r.value, cases[i].value) == NULL)
			fail_msg("%s: got %s \"%s\"", cases[i].sql,
			    checklist_status_name(r.status), r.value);
		checklist_result_clear(&r);
	}
	/* Nothing was left open or created. */
	assert_int_equal(PQtransactionStatus(conn_pg(c)), PQTRANS_IDLE);
	v = pgtest_value(c, "SELECT count(*) FROM pg_class "
	    "WHERE relname = 'sneaky'");
	assert_string_equal(v, "0");
	free(v);
	conn_close(c);
	free(db);
}

/* Leaves an INVALID index dup_v on table dup. */
static void
make_invalid_index(struct conn *c)
{
	struct conn_error	err = { 0 };

	pgtest_exec(c, "CREATE TABLE dup (v int); INSERT INTO dup VALUES (1), (1);"
	    "CREATE TABLE other (id int)");
	assert_int_equal(conn_command(c, "CREATE UNIQUE INDEX CONCURRENTLY dup_v "
	    "ON dup (v)", 0, NULL, &err), -1);
	assert_string_equal(err.sqlstate, "23505");
	conn_error_clear(&err);
}

static void
test_checklist_invalid_indexes_on_the_plans_tables(void **state)
{
	struct testplan		 t;
	struct checklist_result	 r;
	struct conn		*c;
	char			*db;

	(void)state;
	db = pgtest_fresh_db();
	c = pgtest_connect(db);
	make_invalid_index(c);

	testplan_init(&t, "ALTER TABLE dup ADD COLUMN note text");
	assert_int_equal(eval(c, &t.plan, PLAN_CHECK_INVALID_INDEXES, 0, NULL,
	    &r), CHECKLIST_FAIL);
	assert_string_equal(r.value, "1 invalid index: dup_v on dup");
	checklist_result_clear(&r);

	/* Another table's plan is not held up by it. */
	testplan_init(&t, "CREATE INDEX CONCURRENTLY other_id ON other (id)");
	assert_int_equal(eval(c, &t.plan, PLAN_CHECK_INVALID_INDEXES, 0, NULL,
	    &r), CHECKLIST_PASS);
	assert_string_equal(r.value, "none on other");
	checklist_result_clear(&r);

	/* A plan that names no table looks at the whole database. */
	testplan_init(&t, NULL);
	assert_int_equal(eval(c, &t.plan, PLAN_CHECK_INVALID_INDEXES, 0, NULL,
	    &r), CHECKLIST_FAIL);
	assert_non_null(strstr(r.value, "dup_v on dup"));
	assert_non_null(strstr(r.value, "the plan names no table"));
	checklist_result_clear(&r);

	pgtest_exec(c, "DROP INDEX dup_v");
	assert_int_equal(eval(c, &t.plan, PLAN_CHECK_INVALID_INDEXES, 0, NULL,
	    &r), CHECKLIST_PASS);
	assert_string_equal(r.value, "none in the database (the plan names no "
	    "table: whole database)");
	checklist_result_clear(&r);
	conn_close(c);
	free(db);
}

static struct plan *
load_plan_text(const char *text)
{
	struct plan_defaults	 d;
	struct plan		*p;
	char			 path[] = "/tmp/bellows-test-plan.XXXXXX";
	char			*cause = NULL;
	FILE			*f;
	int			 fd;

	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		fail_msg("mkstemp failed");
	fputs(text, f);
	fclose(f);
	memset(&d, 0, sizeof d);
	if ((p = plan_load(path, &d, &cause)) == NULL)
		fail_msg("plan_load: %s", cause);
	unlink(path);
	return (p);
}

static void
test_checklist_lint_clean_runs_lint_over_the_plan(void **state)
{
	struct checklist_result	 r;
	struct plan		*p;
	struct conn		*c;
	char			*db;

	(void)state;
	db = pgtest_fresh_db();
	c = pgtest_connect(db);

	p = load_plan_text("name = \"lint-bad\";\n"
	    "phases = ({ name = \"expand\"; steps = ({\n"
	    "  sql = \"CREATE INDEX orders_v ON orders (v)\";\n"
	    "  rollback = \"DROP INDEX CONCURRENTLY IF EXISTS orders_v\"; }); });\n");
	assert_int_equal(eval(c, p, PLAN_CHECK_LINT_CLEAN, 0, NULL, &r),
	    CHECKLIST_FAIL);
	assert_non_null(strstr(r.value, "1 lint error"));
	checklist_result_clear(&r);
	plan_free(p);

	p = load_plan_text("name = \"lint-good\";\n"
	    "phases = ({ name = \"expand\"; steps = ({\n"
	    "  sql = \"CREATE INDEX CONCURRENTLY orders_v ON orders (v)\";\n"
	    "  rollback = \"DROP INDEX CONCURRENTLY IF EXISTS orders_v\"; }); });\n");
	assert_int_equal(eval(c, p, PLAN_CHECK_LINT_CLEAN, 0, NULL, &r),
	    CHECKLIST_PASS);
	assert_non_null(strstr(r.value, "no lint errors"));
	checklist_result_clear(&r);
	/* Lint needs no database. */
	assert_int_equal(eval(NULL, p, PLAN_CHECK_LINT_CLEAN, 0, NULL, &r),
	    CHECKLIST_PASS);
	checklist_result_clear(&r);
	plan_free(p);
	conn_close(c);
	free(db);
}

static void
test_checklist_manual_item_needs_a_signoff(void **state)
{
	struct testplan		 t;
	struct checklist_result	 r;

	(void)state;
	testplan_init(&t, NULL);
	assert_int_equal(eval(NULL, &t.plan, PLAN_CHECK_MANUAL, 0, NULL, &r),
	    CHECKLIST_MANUAL);
	checklist_result_clear(&r);
	assert_string_equal(checklist_status_name(CHECKLIST_PASS), "ok");
	assert_string_equal(checklist_status_name(CHECKLIST_FAIL), "FAIL");
}

/*
 * What PostgreSQL 15 gives a role without pg_monitor: pg_stat_activity
 * rows of other roles with state, times and query NULL (so transaction
 * ages cannot be read: UNKNOWN, never a false pass), pg_stat_replication
 * rows with only the pid, pg_index and pg_locks in full.  Nothing fails
 * as a whole.  With pg_monitor the same role gets real answers.
 */
static void
test_checklist_without_pg_monitor_is_unknown_not_an_error(void **state)
{
	struct testplan		 t;
	struct checklist_result	 r;
	struct conn		*admin, *c, *other;
	char			*db, *sql, *ci;

	(void)state;
	testplan_init(&t, "ALTER TABLE dup ADD COLUMN note text");
	db = pgtest_fresh_db();
	admin = pgtest_connect(db);
	other = pgtest_connect(db);
	make_invalid_index(admin);
	sql = xasprintf("CREATE ROLE cl_nopriv_%d LOGIN", (int)getpid());
	pgtest_exec(admin, sql);
	free(sql);
	ci = xasprintf("%s user=cl_nopriv_%d", db, (int)getpid());
	c = pgtest_connect(ci);

	pgtest_exec(other, "BEGIN");
	pgtest_exec(other, "SELECT 1");
	usleep(300000);

	assert_int_equal(eval(c, &t.plan, PLAN_CHECK_LONG_TRANSACTIONS, 100,
	    NULL, &r), CHECKLIST_UNKNOWN);
	assert_non_null(strstr(r.value, "needs pg_monitor"));
	checklist_result_clear(&r);
	assert_int_equal(eval(c, &t.plan, PLAN_CHECK_IDLE_IN_TRANSACTION, 100,
	    NULL, &r), CHECKLIST_UNKNOWN);
	assert_non_null(strstr(r.value, "needs pg_monitor"));
	checklist_result_clear(&r);
	assert_int_equal(eval(c, &t.plan, PLAN_CHECK_REPLICATION_LAG, 0,
	    NULL, &r), CHECKLIST_PASS);
	checklist_result_clear(&r);
	/* pg_index is readable by everyone. */
	assert_int_equal(eval(c, &t.plan, PLAN_CHECK_INVALID_INDEXES, 0, NULL,
	    &r), CHECKLIST_FAIL);
	checklist_result_clear(&r);
	/* A custom query on a table it may not read: unknown, not failed. */
	assert_int_equal(eval(c, &t.plan, PLAN_CHECK_SQL, 0,
	    "SELECT count(*) = 2 FROM dup", &r), CHECKLIST_UNKNOWN);
	assert_non_null(strstr(r.value, "permission denied"));
	checklist_result_clear(&r);
	conn_close(c);

	sql = xasprintf("GRANT pg_monitor TO cl_nopriv_%d", (int)getpid());
	pgtest_exec(admin, sql);
	free(sql);
	c = pgtest_connect(ci);
	assert_int_equal(eval(c, &t.plan, PLAN_CHECK_LONG_TRANSACTIONS, 100,
	    NULL, &r), CHECKLIST_FAIL);
	checklist_result_clear(&r);
	assert_int_equal(eval(c, &t.plan, PLAN_CHECK_LONG_TRANSACTIONS, 60000,
	    NULL, &r), CHECKLIST_PASS);
	checklist_result_clear(&r);

	pgtest_exec(other, "COMMIT");
	conn_close(c);
	conn_close(other);
	conn_close(admin);
	free(ci);
	free(db);
}

static void
test_checklist_lost_connection_is_an_error(void **state)
{
	struct testplan		 t;
	struct checklist_result	 r;
	struct plan_check	 check;
	struct conn		*c, *killer;
	char			*db, *sql, *cause = NULL;

	(void)state;
	testplan_init(&t, NULL);
	db = pgtest_fresh_db();
	c = pgtest_connect(db);
	killer = pgtest_connect(db);
	sql = xasprintf("SELECT pg_terminate_backend(%d)", conn_backend_pid(c));
	pgtest_exec(killer, sql);
	free(sql);
	usleep(100000);
	memset(&check, 0, sizeof check);
	check.kind = PLAN_CHECK_LONG_TRANSACTIONS;
	assert_int_equal(checklist_eval(c, &t.plan, &check, &r, &cause), -1);
	assert_non_null(cause);
	free(cause);
	checklist_result_clear(&r);
	conn_close(killer);
	conn_close(c);
	free(db);
}

static void
test_checklist_plan_tables_come_from_the_parse_tree(void **state)
{
	struct plan		 p;
	struct plan_phase	 ph[2];
	struct plan_step	 st[3];
	struct checklist_table	*tables;
	const struct checklist_table *bt;
	size_t			 n;

	(void)state;
	memset(&p, 0, sizeof p);
	memset(ph, 0, sizeof ph);
	memset(st, 0, sizeof st);
	st[0].name = (char *)"new table";
	st[0].sql = (char *)"CREATE TABLE audit (id int); -- orders in a comment\n"
	    "CREATE INDEX CONCURRENTLY audit_id ON audit (id)";
	st[1].name = (char *)"add column";
	st[1].sql = (char *)"ALTER TABLE \"Orders\" ADD COLUMN user_email text,"
	    " ADD COLUMN note text";
	st[2].name = (char *)"touch";
	st[2].sql = (char *)"UPDATE app.users SET n = 1 WHERE id = 0;"
	    " SELECT 'ALTER TABLE fake ADD x int'";
	ph[0].name = (char *)"expand";
	ph[0].kind = PLAN_PHASE_STEPS;
	ph[0].steps = st;
	ph[0].nsteps = 3;
	ph[1].name = (char *)"backfill";
	ph[1].kind = PLAN_PHASE_BACKFILL;
	ph[1].backfill.table = (char *)"Orders";	/* a name, as written */
	ph[1].backfill.key = (char *)"id";
	ph[1].backfill.from = (char *)"app.users u JOIN accounts a ON a.id = u.aid";
	p.phases = ph;
	p.nphases = 2;

	checklist_plan_tables(&p, &tables, &n);
	assert_int_equal(n, 4);
	assert_string_equal(tables[0].display, "audit");
	assert_string_equal(tables[0].created_by, "new table");
	assert_string_equal(tables[1].name, "Orders");
	assert_null(tables[1].schema);
	assert_null(tables[1].created_by);
	assert_string_equal(tables[1].first_step, "add column");
	assert_int_equal(tables[1].nadded, 2);
	assert_string_equal(tables[1].added[0], "user_email");
	assert_string_equal(tables[1].added_by[1], "add column");
	assert_string_equal(tables[2].schema, "app");
	assert_string_equal(tables[2].display, "app.users");
	assert_string_equal(tables[3].display, "accounts");
	assert_string_equal(tables[3].first_step, "backfill");

	bt = checklist_backfill_table(tables, n, &ph[1].backfill);
	assert_ptr_equal(bt, &tables[1]);
	checklist_tables_free(tables, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checklist_long_transactions_fails_past_max),
		cmocka_unit_test(test_checklist_long_transactions_ignores_bellows_sessions),
		cmocka_unit_test(test_checklist_idle_in_transaction_fails_past_max),
		cmocka_unit_test(test_checklist_replication_lag_without_replicas_passes),
		cmocka_unit_test(test_checklist_sql_item_needs_one_boolean),
		cmocka_unit_test(test_checklist_invalid_indexes_on_the_plans_tables),
		cmocka_unit_test(test_checklist_lint_clean_runs_lint_over_the_plan),
		cmocka_unit_test(test_checklist_manual_item_needs_a_signoff),
		cmocka_unit_test(test_checklist_without_pg_monitor_is_unknown_not_an_error),
		cmocka_unit_test(test_checklist_lost_connection_is_an_error),
		cmocka_unit_test(test_checklist_plan_tables_come_from_the_parse_tree),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
