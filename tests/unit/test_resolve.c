/*
 * Unit tests for resolve: the plan's names against a schema model that
 * follows the plan's steps, and the privileges each statement needs, with
 * the catalog behind a fake lookup (users, orders; owned by "app").
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "plan.h"
#include "resolve.h"
#include "util.h"

/* ------------------------------------------------------- fake catalog */

struct fake_rel {
	const char	*name;
	const char	*cols[6];
	const char	*cons[4];
};

static const struct fake_rel fake_rels[] = {
	{ "users", { "id", "email", NULL }, { "users_pkey", NULL } },
	{ "orders", { "id", "user_id", "status", NULL },
	  { "orders_pkey", NULL } },
};

static int	fake_privs;		/* RESOLVE_* the role holds */
static int	fake_can_create;
static int	fake_lookups;

static char **
fake_list(const char *const *v, size_t *n)
{
	char	**out;
	size_t	  i;

	for (*n = 0; v[*n] != NULL; (*n)++)
		continue;
	out = xcalloc(*n + 1, sizeof *out);
	for (i = 0; i < *n; i++)
		out[i] = xstrdup(v[i]);
	return (out);
}

static int
fake_relation(void *arg, const char *schema, const char *name,
    struct resolve_relinfo *out, char **cause)
{
	size_t	i;

	(void)arg;
	(void)cause;
	fake_lookups++;
	if (schema != NULL && strcmp(schema, "public") != 0)
		return (0);
	for (i = 0; i < nitems(fake_rels); i++) {
		if (strcmp(fake_rels[i].name, name) != 0)
			continue;
		out->schema = xstrdup("public");
		out->name = xstrdup(name);
		out->owner = xstrdup("app");
		out->privs = fake_privs;
		out->cols = fake_list(fake_rels[i].cols, &out->ncols);
		out->cons = fake_list(fake_rels[i].cons, &out->ncons);
		return (1);
	}
	return (0);
}

static int
fake_create(void *arg, const char *schema, char **cause)
{
	(void)arg;
	(void)schema;
	(void)cause;
	return (fake_can_create);
}

static const struct resolve_catalog fake_catalog = {
	fake_relation, fake_create, NULL, "alice", "public"
};

/* --------------------------------------------------------- plan builder */

#define MAX_STEPS 12

struct tplan {
	struct plan		 p;
	struct plan_phase	 ph[4];
	struct plan_step	 st[MAX_STEPS];
	size_t			 nst;
};

static void
tplan_init(struct tplan *t)
{
	memset(t, 0, sizeof *t);
	t->p.file = (char *)"plan.conf";
	t->p.name = (char *)"t";
	t->p.phases = t->ph;
	fake_privs = RESOLVE_OWN | RESOLVE_SELECT | RESOLVE_UPDATE |
	    RESOLVE_INSERT | RESOLVE_DELETE | RESOLVE_REFERENCES;
	fake_can_create = 1;
	fake_lookups = 0;
}

/* A phase of steps; each SQL string starts at line 10 * (i + 1). */
static void
tplan_steps(struct tplan *t, const char *const *sql, const char *const *rb)
{
	struct plan_phase	*ph = &t->ph[t->p.nphases++];
	struct plan_step	*st;
	size_t			 i;

	ph->name = (char *)"expand";
	ph->kind = PLAN_PHASE_STEPS;
	ph->steps = &t->st[t->nst];
	for (i = 0; sql[i] != NULL; i++) {
		assert_true(t->nst < MAX_STEPS);
		st = &t->st[t->nst++];
		st->name = (char *)sql[i];	/* the SQL names the step */
		st->sql = (char *)sql[i];
		st->rollback = rb != NULL ? (char *)rb[i] : NULL;
		st->line = 10 * (int)t->nst;
		st->sql_pos.file = "plan.conf";
		st->sql_pos.line = 10 * (int)t->nst;
		st->sql_pos.col = 1;
		st->rollback_pos = st->sql_pos;
		ph->nsteps++;
	}
}

static void
tplan_backfill(struct tplan *t, const char *table, const char *key,
    const char *set, const char *from, const char *where)
{
	struct plan_phase	*ph = &t->ph[t->p.nphases++];

	ph->name = (char *)"backfill";
	ph->kind = PLAN_PHASE_BACKFILL;
	ph->backfill.table = (char *)table;
	ph->backfill.key = (char *)key;
	ph->backfill.set = (char *)set;
	ph->backfill.from = (char *)from;
	ph->backfill.where = (char *)where;
	ph->backfill.line = 100;
	ph->backfill.set_pos.file = "plan.conf";
	ph->backfill.set_pos.line = 101;
	ph->backfill.set_pos.col = 5;
	ph->backfill.where_pos.file = "plan.conf";
	ph->backfill.where_pos.line = 102;
	ph->backfill.where_pos.col = 5;
}

static void
resolve_ok(struct tplan *t, struct resolve_report *r)
{
	char	*cause = NULL;

	memset(r, 0, sizeof *r);
	assert_int_equal(resolve_plan(&t->p, &fake_catalog, r, &cause), 0);
	assert_null(cause);
}

static void
print_report(const struct resolve_report *r)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		print_message("finding: %s\n", r->findings[i].text);
}

/* Finding I is exactly WANT. */
static void
assert_finding(const struct resolve_report *r, size_t i,
    enum resolve_kind kind, const char *want)
{
	if (i >= r->n || strcmp(r->findings[i].text, want) != 0)
		print_report(r);
	assert_true(i < r->n);
	assert_string_equal(r->findings[i].text, want);
	assert_int_equal(r->findings[i].kind, kind);
}

/* The plan resolves without a finding. */
static void
assert_clean(struct tplan *t)
{
	struct resolve_report	r;

	resolve_ok(t, &r);
	if (r.n != 0)
		print_report(&r);
	assert_int_equal(r.n, 0);
	resolve_report_free(&r);
}

/* ----------------------------------------------------------------- tests */

static void
test_resolve_misspelt_backfill_column_is_named_with_its_line(void **state)
{
	static const char *const	 sql[] = {
		"ALTER TABLE orders ADD COLUMN user_email text", NULL };
	struct tplan			 t;
	struct resolve_report		 r;

	(void)state;
	tplan_init(&t);
	tplan_steps(&t, sql, NULL);
	tplan_backfill(&t, "orders", "id", "user_email = u.emial", "users u",
	    "u.id = orders.user_id AND orders.user_email IS NULL");
	resolve_ok(&t, &r);
	assert_int_equal(r.nerrors, 1);
	assert_finding(&r, 0, RESOLVE_NAME, "plan.conf:101: phase 'backfill' "
	    "backfill set: column \"emial\" of relation \"users\" (alias u) "
	    "does not exist");
	resolve_report_free(&r);
}

static void
test_resolve_columns_added_earlier_resolve_in_later_steps(void **state)
{
	static const char *const	 sql[] = {
		"ALTER TABLE orders ADD COLUMN user_email text",
		"CREATE INDEX CONCURRENTLY o_e ON orders (user_email)",
		"ALTER TABLE orders ADD CONSTRAINT o_nn "
		    "CHECK (user_email IS NOT NULL) NOT VALID",
		"ALTER TABLE orders VALIDATE CONSTRAINT o_nn",
		"ALTER TABLE orders ALTER COLUMN user_email SET NOT NULL",
		"CREATE TABLE audit (id int, at timestamptz);\n"
		    "CREATE INDEX audit_at ON audit (at) WHERE id > 0",
		NULL };
	struct tplan			 t;

	(void)state;
	tplan_init(&t);
	tplan_steps(&t, sql, NULL);
	tplan_backfill(&t, "orders", "id", "user_email = u.email", "users u",
	    "u.id = orders.user_id AND user_email IS NULL");
	assert_clean(&t);
}

static void
test_resolve_dropped_and_renamed_columns_are_gone_afterwards(void **state)
{
	static const char *const	 sql[] = {
		"ALTER TABLE orders DROP COLUMN status",
		"ALTER TABLE orders RENAME COLUMN user_id TO customer_id",
		"SELECT count(*) FROM orders o WHERE o.status = 'x'",
		"SELECT 1;\nUPDATE orders SET user_id = 1 WHERE customer_id = 2",
		NULL };
	static const char *const	 rb[] = {
		/* Against the state after the step: status is gone. */
		"ALTER TABLE orders ADD COLUMN status text",
		"ALTER TABLE orders RENAME COLUMN customer_id TO user_id",
		NULL, NULL };
	struct tplan			 t;
	struct resolve_report		 r;

	(void)state;
	tplan_init(&t);
	tplan_steps(&t, sql, rb);
	resolve_ok(&t, &r);
	assert_int_equal(r.nerrors, 2);
	assert_finding(&r, 0, RESOLVE_NAME, "plan.conf:30: phase 'expand' "
	    "step 'SELECT count(*) FROM orders o WHERE o.status = 'x'': column "
	    "\"status\" of relation \"orders\" (alias o) does not exist");
	/* Second line of the step's SQL. */
	assert_finding(&r, 1, RESOLVE_NAME, "plan.conf:41: phase 'expand' "
	    "step 'SELECT 1;\nUPDATE orders SET user_id = 1 WHERE customer_id "
	    "= 2': column \"user_id\" of relation \"orders\" does not exist");
	resolve_report_free(&r);
}

static void
test_resolve_unknown_tables_constraints_and_fk_targets(void **state)
{
	static const char *const	 sql[] = {
		"ALTER TABLE invoices ADD COLUMN x int",
		"ALTER TABLE orders VALIDATE CONSTRAINT nope",
		"ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) "
		    "REFERENCES users (uid) NOT VALID",
		"DROP TABLE IF EXISTS gone; ALTER TABLE IF EXISTS gone ADD y int",
		"DROP TABLE users",
		"SELECT u.id FROM users u",
		NULL };
	struct tplan			 t;
	struct resolve_report		 r;

	(void)state;
	tplan_init(&t);
	tplan_steps(&t, sql, NULL);
	resolve_ok(&t, &r);
	assert_int_equal(r.nerrors, 4);
	assert_finding(&r, 0, RESOLVE_NAME, "plan.conf:10: phase 'expand' "
	    "step 'ALTER TABLE invoices ADD COLUMN x int': relation "
	    "\"invoices\" does not exist");
	assert_non_null(strstr(r.findings[1].text, "constraint \"nope\" of "
	    "relation \"orders\" does not exist"));
	assert_non_null(strstr(r.findings[2].text, "referenced column \"uid\" "
	    "of relation \"users\" does not exist"));
	assert_non_null(strstr(r.findings[3].text, "relation \"users\" does "
	    "not exist"));
	resolve_report_free(&r);
}

static void
test_resolve_missing_privileges_are_named_once_per_table(void **state)
{
	static const char *const	 sql[] = {
		"ALTER TABLE orders ADD COLUMN a int",
		"ALTER TABLE orders ADD COLUMN b int",
		"CREATE TABLE audit (id int)",
		"ALTER TABLE audit ADD COLUMN c int",	/* its own table */
		NULL };
	struct tplan			 t;
	struct resolve_report		 r;

	(void)state;
	tplan_init(&t);
	fake_privs = RESOLVE_SELECT;
	fake_can_create = 0;
	tplan_steps(&t, sql, NULL);
	tplan_backfill(&t, "orders", "id", "a = 1", NULL, NULL);
	resolve_ok(&t, &r);
	assert_int_equal(r.nerrors, 3);
	assert_finding(&r, 0, RESOLVE_PRIVILEGE, "plan.conf:10: phase "
	    "'expand' step 'ALTER TABLE orders ADD COLUMN a int': role "
	    "\"alice\" does not own table \"orders\" (owner \"app\"), which "
	    "ALTER TABLE needs: run as the owner or a member of it");
	assert_finding(&r, 1, RESOLVE_PRIVILEGE, "plan.conf:30: phase "
	    "'expand' step 'CREATE TABLE audit (id int)': role \"alice\" has "
	    "no CREATE privilege on schema \"public\", which CREATE TABLE "
	    "needs");
	assert_finding(&r, 2, RESOLVE_PRIVILEGE, "plan.conf:100: phase "
	    "'backfill' backfill: role \"alice\" has no UPDATE privilege on "
	    "table \"orders\", which the backfill needs");
	resolve_report_free(&r);
}

static void
test_resolve_leaves_what_it_cannot_follow_alone(void **state)
{
	static const char *const	 sql[] = {
		"WITH x AS (SELECT 1 AS nope) SELECT nope FROM x",
		"SELECT a FROM (SELECT 1 AS a) s",
		"SELECT count(*) FROM orders ORDER BY 1",
		"SELECT n FROM generate_series(1, 3) n",
		"SELECT id AS n FROM users UNION SELECT whatever FROM orders",
		"SELECT count(*) AS n FROM orders GROUP BY n",
		"SELECT 1 FROM orders o WHERE EXISTS (SELECT 1 FROM users u "
		    "WHERE u.id = o.user_id)",
		"SELECT o.ctid, (o.id) FROM orders o",
		"CREATE TABLE copy (LIKE orders); SELECT anything FROM copy",
		"CREATE VIEW v AS SELECT id FROM orders; SELECT x FROM v",
		/* Last: from here on the model cannot know what exists. */
		"DO $$BEGIN EXECUTE 'CREATE TABLE dyn (a int)'; END$$",
		"ALTER TABLE dyn ADD COLUMN b int",
		NULL };
	struct tplan			 t;

	(void)state;
	tplan_init(&t);
	tplan_steps(&t, sql, NULL);
	assert_clean(&t);
}

static void
test_resolve_reads_each_catalog_table_once(void **state)
{
	static const char *const	 sql[] = {
		"ALTER TABLE orders ADD COLUMN a int",
		"ALTER TABLE public.orders ADD COLUMN b int",
		"SELECT a, b FROM orders; SELECT a FROM public.orders",
		NULL };
	struct tplan			 t;
	struct resolve_report		 r;

	(void)state;
	tplan_init(&t);
	tplan_steps(&t, sql, NULL);
	resolve_ok(&t, &r);
	assert_int_equal(r.n, 0);
	/* public.orders is the orders the model has read already. */
	assert_int_equal(fake_lookups, 1);
	resolve_report_free(&r);
}

static void
test_resolve_backfill_table_is_a_name_taken_as_written(void **state)
{
	struct tplan		t;
	struct resolve_report	r;

	(void)state;
	tplan_init(&t);
	tplan_backfill(&t, "Orders", "id", "status = 'x'", NULL, NULL);
	resolve_ok(&t, &r);
	assert_int_equal(r.nerrors, 1);
	assert_finding(&r, 0, RESOLVE_NAME, "plan.conf:100: phase 'backfill' "
	    "backfill: table \"Orders\" does not exist");
	resolve_report_free(&r);

	tplan_init(&t);
	tplan_backfill(&t, "public.orders", "idd", "status = 'x'", NULL,
	    "nope IS NULL");
	t.ph[0].backfill.throttle_sql = (char *)"SELECT count(*) > 9 FROM "
	    "pg_stat_activity a, orders WHERE a.waiting";
	resolve_ok(&t, &r);
	assert_int_equal(r.nerrors, 3);
	assert_finding(&r, 0, RESOLVE_NAME, "plan.conf:100: phase 'backfill' "
	    "backfill key: key column \"idd\" of relation \"public.orders\" "
	    "does not exist");
	assert_finding(&r, 1, RESOLVE_NAME, "plan.conf:102: phase 'backfill' "
	    "backfill where: column \"nope\" does not exist (in orders)");
	/* pg_stat_activity is not in the fake catalog. */
	assert_finding(&r, 2, RESOLVE_NAME, "plan.conf:100: phase 'backfill' "
	    "backfill throttle_sql: relation \"pg_stat_activity\" does not "
	    "exist");
	resolve_report_free(&r);
}

static void
test_resolve_names_that_exist_already_are_warnings(void **state)
{
	static const char *const	 sql[] = {
		"CREATE INDEX CONCURRENTLY o_i ON orders (id)",
		"CREATE INDEX CONCURRENTLY IF NOT EXISTS o_i ON orders (id)",
		"CREATE INDEX CONCURRENTLY o_i ON orders (status)",
		"ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id)",
		"ALTER TABLE orders ADD COLUMN status text",
		"ALTER TABLE orders ADD COLUMN IF NOT EXISTS status text",
		NULL };
	struct tplan			 t;
	struct resolve_report		 r;

	(void)state;
	tplan_init(&t);
	tplan_steps(&t, sql, NULL);
	resolve_ok(&t, &r);
	assert_int_equal(r.nerrors, 0);
	assert_int_equal(r.nwarnings, 3);
	assert_non_null(strstr(r.findings[0].text, "plan.conf:30: "));
	assert_non_null(strstr(r.findings[0].text, "relation \"o_i\" exists "
	    "already"));
	assert_non_null(strstr(r.findings[1].text, "constraint "
	    "\"orders_pkey\" of relation \"orders\" exists already"));
	assert_non_null(strstr(r.findings[2].text, "column \"status\" of "
	    "relation \"orders\" exists already"));
	assert_int_equal(r.findings[2].severity, RESOLVE_WARNING);
	resolve_report_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_misspelt_backfill_column_is_named_with_its_line),
		cmocka_unit_test(test_resolve_columns_added_earlier_resolve_in_later_steps),
		cmocka_unit_test(test_resolve_dropped_and_renamed_columns_are_gone_afterwards),
		cmocka_unit_test(test_resolve_unknown_tables_constraints_and_fk_targets),
		cmocka_unit_test(test_resolve_missing_privileges_are_named_once_per_table),
		cmocka_unit_test(test_resolve_leaves_what_it_cannot_follow_alone),
		cmocka_unit_test(test_resolve_reads_each_catalog_table_once),
		cmocka_unit_test(test_resolve_backfill_table_is_a_name_taken_as_written),
		cmocka_unit_test(test_resolve_names_that_exist_already_are_warnings),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
