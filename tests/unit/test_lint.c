/*
 * Unit tests for lint: every rule with cases that must fire and cases that
 * must not, the line each finding points at, context across statements,
 * steps and phases, suppressions, server-version rules, output formats,
 * and the pg_dump / structure.sql files that must lint clean.
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

#include "lint.h"
#include "plan.h"
#include "sql.h"
#include "util.h"

static struct lint_report	rep;

/* Lint SQL as FILE against server VERSION into the global report. */
static void
lint_v(const char *file, int version, const char *sql)
{
	struct lint_options	o;

	lint_report_free(&rep);
	lint_report_init(&rep);
	lint_options_init(&o);
	o.server_version = version;
	lint_sql_text(&rep, file, sql, &o);
}

static void
lint(const char *sql)
{
	lint_v("m.sql", LINT_DEFAULT_SERVER_VERSION, sql);
}

/* How many unsuppressed findings of RULE. */
static int
count(const char *rule)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i < rep.n; i++) {
		if (strcmp(rep.findings[i].rule, rule) == 0 &&
		    !rep.findings[i].suppressed)
			n++;
	}
	return (n);
}

/* The first finding of RULE, unsuppressed ones first. */
static const struct lint_finding *
find(const char *rule)
{
	size_t	i;
	int	pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < rep.n; i++) {
			if (strcmp(rep.findings[i].rule, rule) == 0 &&
			    (pass == 1 || !rep.findings[i].suppressed))
				return (&rep.findings[i]);
		}
	}
	fail_msg("no %s finding", rule);
	return (NULL);
}

/* Exactly the given rule fires, once, at LINE; nothing else is an error. */
static void
assert_only(const char *rule, int line)
{
	const struct lint_finding	*f;

	assert_int_equal(count(rule), 1);
	f = find(rule);
	assert_int_equal(f->line, line);
	assert_int_equal(rep.nerrors, f->severity == LINT_ERROR ? 1 : 0);
}

static void
assert_clean(void)
{
	size_t	i;

	for (i = 0; i < rep.n; i++) {
		if (rep.findings[i].severity == LINT_ERROR &&
		    !rep.findings[i].suppressed)
			fail_msg("unexpected %s at line %d: %s",
			    rep.findings[i].rule, rep.findings[i].line,
			    rep.findings[i].message);
	}
	assert_int_equal(rep.nerrors, 0);
}

/* ------------------------------------------------------------- indexes */

static void
test_lint_create_index_without_concurrently_fires_at_statement_line(void **state)
{
	(void)state;
	lint("SELECT 1;\n\nCREATE INDEX orders_status_idx\n  ON orders (status);");
	assert_only("index-not-concurrent", 3);
	assert_int_equal(find("index-not-concurrent")->col, 1);
	assert_non_null(strstr(find("index-not-concurrent")->message, "SHARE"));
	assert_non_null(strstr(find("index-not-concurrent")->hint,
	    "CREATE INDEX CONCURRENTLY orders_status_idx ON orders"));
}

static void
test_lint_create_index_concurrently_or_on_new_table_is_fine(void **state)
{
	(void)state;
	lint("CREATE INDEX CONCURRENTLY i ON orders (status);");
	assert_clean();
	lint("CREATE TABLE widgets (id bigint);\nCREATE INDEX w_idx ON "
	    "public.widgets (id);\nCREATE UNIQUE INDEX w_u ON widgets (id);");
	assert_clean();
	/* ON ONLY a partitioned parent: catalog only. */
	lint("CREATE INDEX m_idx ON ONLY measurements (ts);");
	assert_clean();
	lint("CREATE TEMP TABLE scratch (a int); CREATE INDEX ON scratch (a);");
	assert_clean();
}

static void
test_lint_drop_index_without_concurrently_fires(void **state)
{
	(void)state;
	lint("DROP INDEX IF EXISTS orders_status_idx;");
	assert_only("index-not-concurrent", 1);
	assert_non_null(strstr(find("index-not-concurrent")->hint,
	    "DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx"));
	lint("DROP INDEX CONCURRENTLY orders_status_idx;");
	assert_clean();
	lint("CREATE TABLE t (a int);\nCREATE INDEX i ON t (a);\nDROP INDEX i;");
	assert_clean();
	/* New, but on a busy table: dropping it still locks orders. */
	lint("CREATE INDEX CONCURRENTLY i ON orders (a);\nDROP INDEX i;");
	assert_only("index-not-concurrent", 2);
}

static void
test_lint_reindex_hint_depends_on_server_version(void **state)
{
	(void)state;
	lint_v("m.sql", 15, "REINDEX TABLE orders;");
	assert_only("index-not-concurrent", 1);
	assert_non_null(strstr(find("index-not-concurrent")->hint,
	    "REINDEX TABLE CONCURRENTLY orders"));
	lint_v("m.sql", 11, "REINDEX TABLE orders;");
	assert_only("index-not-concurrent", 1);
	assert_null(strstr(find("index-not-concurrent")->hint,
	    "REINDEX TABLE CONCURRENTLY"));
	assert_non_null(strstr(find("index-not-concurrent")->hint,
	    "CREATE INDEX CONCURRENTLY"));
	lint_v("m.sql", 15, "REINDEX INDEX CONCURRENTLY orders_pkey;");
	assert_clean();
	lint_v("m.sql", 11, "REINDEX INDEX CONCURRENTLY orders_pkey;");
	assert_only("requires-newer-server", 1);
}

static void
test_lint_concurrently_inside_begin_commit_fires(void **state)
{
	(void)state;
	lint("BEGIN;\nSET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY i ON "
	    "orders (a);\nCOMMIT;\nCREATE INDEX CONCURRENTLY j ON orders (b);");
	assert_only("concurrently-in-transaction", 3);
	lint("START TRANSACTION; VACUUM orders; COMMIT;");
	assert_only("concurrently-in-transaction", 1);
	lint("BEGIN; DROP INDEX CONCURRENTLY i; ROLLBACK; "
	    "DROP INDEX CONCURRENTLY i;");
	assert_int_equal(count("concurrently-in-transaction"), 1);
	/* A file of statements without BEGIN: the tool decides. */
	lint("SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY i ON orders (a);");
	assert_clean();
}

/* ---------------------------------------------------------- ADD COLUMN */

static void
test_lint_add_column_volatile_default_fires(void **state)
{
	(void)state;
	lint("ALTER TABLE orders ADD COLUMN uid uuid DEFAULT gen_random_uuid();");
	assert_only("add-column-volatile-default", 1);
	assert_non_null(strstr(find("add-column-volatile-default")->message,
	    "ACCESS EXCLUSIVE"));
	lint("ALTER TABLE orders ADD COLUMN r int DEFAULT (random() * 10)::int;");
	assert_only("add-column-volatile-default", 1);
	lint("ALTER TABLE orders ADD COLUMN t timestamptz NOT NULL DEFAULT "
	    "clock_timestamp();");
	assert_only("add-column-volatile-default", 1);
	lint("ALTER TABLE orders ADD COLUMN n bigint DEFAULT "
	    "nextval('orders_n_seq');");
	assert_only("add-column-volatile-default", 1);
}

static void
test_lint_add_column_stable_or_constant_default_is_fine_from_11(void **state)
{
	(void)state;
	lint("ALTER TABLE orders ADD COLUMN t timestamptz DEFAULT now();\n"
	    "ALTER TABLE orders ADD COLUMN c timestamptz DEFAULT "
	    "CURRENT_TIMESTAMP;\n"
	    "ALTER TABLE orders ADD COLUMN f boolean NOT NULL DEFAULT false;\n"
	    "ALTER TABLE orders ADD COLUMN j jsonb NOT NULL DEFAULT '{}'::jsonb;\n"
	    "ALTER TABLE orders ADD COLUMN n text DEFAULT NULL;");
	assert_clean();
	lint_v("m.sql", 11, "ALTER TABLE orders ADD COLUMN f int DEFAULT 0;");
	assert_clean();
}

static void
test_lint_any_default_rewrites_before_11(void **state)
{
	(void)state;
	lint_v("m.sql", 10, "ALTER TABLE orders ADD COLUMN f int DEFAULT 0;");
	assert_only("add-column-volatile-default", 1);
	assert_non_null(strstr(find("add-column-volatile-default")->message,
	    "11"));
	lint_v("m.sql", 10, "ALTER TABLE orders ADD COLUMN f int DEFAULT NULL;");
	assert_clean();
}

static void
test_lint_add_column_serial_identity_generated_fire(void **state)
{
	(void)state;
	lint("ALTER TABLE orders ADD COLUMN seq bigserial;");
	assert_only("add-column-serial", 1);
	lint("ALTER TABLE orders ADD COLUMN seq serial NOT NULL;");
	assert_only("add-column-serial", 1);
	lint("ALTER TABLE orders ADD COLUMN n bigint GENERATED ALWAYS AS "
	    "IDENTITY;");
	assert_only("add-column-serial", 1);
	lint("ALTER TABLE orders ADD COLUMN cents bigint GENERATED ALWAYS AS "
	    "((amount * 100)::bigint) STORED;");
	assert_only("add-column-serial", 1);
	lint("ALTER TABLE orders ADD COLUMN seq bigint;");
	assert_clean();
	lint("CREATE TABLE t (a int); ALTER TABLE t ADD COLUMN id bigserial;");
	assert_clean();
}

static void
test_lint_add_column_not_null_without_default_fires(void **state)
{
	(void)state;
	lint("ALTER TABLE orders\n  ADD COLUMN region text NOT NULL;");
	assert_only("add-column-not-null-no-default", 1);
	lint("ALTER TABLE orders ADD COLUMN region text NOT NULL DEFAULT 'eu';");
	assert_clean();
	lint("ALTER TABLE orders ADD COLUMN region text;");
	assert_clean();
	lint("ALTER TABLE orders ADD COLUMN region text NOT NULL DEFAULT NULL;");
	assert_only("add-column-not-null-no-default", 1);
}

static void
test_lint_add_column_with_inline_constraints_fires(void **state)
{
	(void)state;
	lint("ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES "
	    "coupons (id);");
	assert_only("constraint-not-valid", 1);
	lint("ALTER TABLE orders ADD COLUMN code text UNIQUE;");
	assert_only("add-unique-not-using-index", 1);
	lint("ALTER TABLE orders ADD COLUMN qty int CHECK (qty > 0);");
	assert_only("constraint-not-valid", 1);
}

/* ---------------------------------------------------------- SET NOT NULL */

static void
test_lint_set_not_null_without_check_fires(void **state)
{
	(void)state;
	lint("ALTER TABLE orders ALTER COLUMN status SET NOT NULL;");
	assert_only("set-not-null-without-check", 1);
	assert_non_null(strstr(find("set-not-null-without-check")->hint,
	    "NOT VALID"));
}

static void
test_lint_set_not_null_after_validated_check_is_fine(void **state)
{
	(void)state;
	lint("ALTER TABLE orders ADD CONSTRAINT s_nn CHECK (status IS NOT NULL) "
	    "NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT s_nn;\n"
	    "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;\n"
	    "ALTER TABLE orders DROP CONSTRAINT s_nn;");
	assert_clean();
	/* Among other conditions, joined by AND. */
	lint("ALTER TABLE orders ADD CONSTRAINT c CHECK (status IS NOT NULL AND "
	    "amount > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;\n"
	    "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;");
	assert_clean();
}

static void
test_lint_set_not_null_with_unvalidated_check_fires(void **state)
{
	(void)state;
	lint("ALTER TABLE orders ADD CONSTRAINT s_nn CHECK (status IS NOT NULL) "
	    "NOT VALID;\nALTER TABLE orders ALTER COLUMN status SET NOT NULL;");
	assert_only("set-not-null-without-check", 2);
	assert_non_null(strstr(find("set-not-null-without-check")->hint,
	    "VALIDATE CONSTRAINT s_nn"));
	/* A check on another column or table proves nothing. */
	lint("ALTER TABLE orders ADD CONSTRAINT s_nn CHECK (amount IS NOT NULL) "
	    "NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT s_nn;\n"
	    "ALTER TABLE users ALTER COLUMN amount SET NOT NULL;\n"
	    "ALTER TABLE orders ALTER COLUMN status SET NOT NULL;");
	assert_int_equal(count("set-not-null-without-check"), 2);
}

static void
test_lint_set_not_null_scans_before_12_even_with_check(void **state)
{
	(void)state;
	lint_v("m.sql", 11, "ALTER TABLE orders ADD CONSTRAINT s_nn CHECK "
	    "(status IS NOT NULL) NOT VALID;\nALTER TABLE orders VALIDATE "
	    "CONSTRAINT s_nn;\nALTER TABLE orders ALTER COLUMN status SET NOT "
	    "NULL;");
	assert_only("set-not-null-without-check", 3);
	assert_non_null(strstr(find("set-not-null-without-check")->message,
	    "12"));
}

/* ----------------------------------------------------------- constraints */

static void
test_lint_foreign_key_and_check_without_not_valid_fire(void **state)
{
	(void)state;
	lint("ALTER TABLE orders ADD CONSTRAINT o_u_fk FOREIGN KEY (user_id) "
	    "REFERENCES users (id);");
	assert_only("constraint-not-valid", 1);
	assert_non_null(strstr(find("constraint-not-valid")->message,
	    "SHARE ROW EXCLUSIVE on orders and users"));
	assert_non_null(strstr(find("constraint-not-valid")->hint, "NOT VALID"));
	assert_non_null(strstr(find("constraint-not-valid")->hint,
	    "VALIDATE CONSTRAINT o_u_fk"));
	lint("ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users;");
	assert_only("constraint-not-valid", 1);
	assert_non_null(strstr(find("constraint-not-valid")->hint,
	    "orders_user_id_fkey"));
	lint("ALTER TABLE orders ADD CONSTRAINT pos CHECK (amount > 0);");
	assert_only("constraint-not-valid", 1);
}

static void
test_lint_not_valid_then_validate_is_the_good_path(void **state)
{
	(void)state;
	lint("ALTER TABLE orders ADD CONSTRAINT o_u_fk FOREIGN KEY (user_id) "
	    "REFERENCES users (id) NOT VALID;\n"
	    "ALTER TABLE orders VALIDATE CONSTRAINT o_u_fk;\n"
	    "ALTER TABLE orders ADD CONSTRAINT pos CHECK (amount > 0) NOT VALID;\n"
	    "ALTER TABLE orders VALIDATE CONSTRAINT pos;");
	assert_clean();
	assert_int_equal(rep.n, 0);
}

static void
test_lint_unique_and_primary_key_need_using_index(void **state)
{
	(void)state;
	lint("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);");
	assert_only("add-unique-not-using-index", 1);
	assert_non_null(strstr(find("add-unique-not-using-index")->hint,
	    "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email)"));
	lint("ALTER TABLE users ADD PRIMARY KEY (id);");
	assert_only("add-unique-not-using-index", 1);
	lint("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING "
	    "INDEX users_email_idx;\nALTER TABLE users ADD CONSTRAINT users_pkey "
	    "PRIMARY KEY USING INDEX users_id_idx;");
	assert_clean();
}

/* ------------------------------------------------------------ ALTER TYPE */

static void
test_lint_alter_column_type_that_rewrites_fires(void **state)
{
	(void)state;
	lint("ALTER TABLE orders ALTER COLUMN user_id TYPE bigint;");
	assert_only("alter-column-type", 1);
	assert_non_null(strstr(find("alter-column-type")->message, "rewrites"));
	lint("ALTER TABLE orders ALTER COLUMN status TYPE varchar(20) USING "
	    "status::varchar(20);");
	assert_only("alter-column-type", 1);
	lint("ALTER TABLE orders ADD COLUMN code varchar(100);\n"
	    "ALTER TABLE orders ALTER COLUMN code TYPE varchar(50);");
	assert_only("alter-column-type", 2);
	lint("ALTER TABLE orders ADD COLUMN p numeric(10,2);\n"
	    "ALTER TABLE orders ALTER COLUMN p TYPE numeric(12,4);");
	assert_only("alter-column-type", 2);
	lint("ALTER TABLE orders ADD COLUMN t text;\n"
	    "ALTER TABLE orders ALTER COLUMN t TYPE varchar(10);");
	assert_only("alter-column-type", 2);
}

static void
test_lint_alter_column_type_binary_coercible_is_fine(void **state)
{
	(void)state;
	lint("ALTER TABLE orders ADD COLUMN code varchar(50);\n"
	    "ALTER TABLE orders ALTER COLUMN code TYPE varchar(100);\n"
	    "ALTER TABLE orders ALTER COLUMN code TYPE text;\n"
	    "ALTER TABLE orders ALTER COLUMN code TYPE varchar;");
	assert_clean();
	assert_int_equal(rep.n, 0);
	lint("ALTER TABLE orders ADD COLUMN p numeric(10,2);\n"
	    "ALTER TABLE orders ALTER COLUMN p TYPE numeric(12,2);\n"
	    "ALTER TABLE orders ALTER COLUMN p TYPE numeric;");
	assert_clean();
	assert_int_equal(rep.n, 0);
}

static void
test_lint_alter_column_type_of_unknown_column_to_unlimited_type_is_info(void **state)
{
	(void)state;
	lint("ALTER TABLE orders ALTER COLUMN status TYPE text;\n"
	    "ALTER TABLE orders ALTER COLUMN code TYPE varchar;");
	assert_clean();
	assert_int_equal(count("alter-column-type"), 2);
	assert_int_equal(find("alter-column-type")->severity, LINT_INFO);
	/* text to varchar(20), or numeric to numeric(12,2): a rewrite. */
	lint("ALTER TABLE orders ALTER COLUMN status TYPE varchar(20);");
	assert_only("alter-column-type", 1);
	lint("ALTER TABLE orders ALTER COLUMN amount TYPE numeric(12,2);");
	assert_only("alter-column-type", 1);
}

/* ------------------------------------------------------- the other rules */

static void
test_lint_rename_column_or_table_fires(void **state)
{
	(void)state;
	lint("ALTER TABLE orders RENAME COLUMN status TO state;");
	assert_only("rename", 1);
	lint("ALTER TABLE users RENAME TO customers;");
	assert_only("rename", 1);
	assert_non_null(strstr(find("rename")->hint, "CREATE VIEW users"));
	lint("ALTER INDEX orders_pkey RENAME TO orders_pk;\n"
	    "ALTER TABLE orders RENAME CONSTRAINT a TO b;\n"
	    "CREATE TABLE t (a int); ALTER TABLE t RENAME a TO b;\n"
	    "ALTER TABLE t RENAME TO t2; ALTER TABLE t2 ADD COLUMN c int "
	    "NOT NULL;");
	assert_clean();
}

static void
test_lint_vacuum_full_and_cluster_fire(void **state)
{
	(void)state;
	lint("VACUUM FULL orders;");
	assert_only("vacuum-full", 1);
	lint("VACUUM (FULL, ANALYZE) orders;");
	assert_only("vacuum-full", 1);
	lint("VACUUM (ANALYZE) orders; ANALYZE orders; VACUUM orders;");
	assert_clean();
	lint("CLUSTER orders USING orders_pkey;");
	assert_only("cluster", 1);
	lint("CLUSTER;");
	assert_only("cluster", 1);
}

static void
test_lint_lock_table_fires_for_modes_that_block_writes(void **state)
{
	(void)state;
	lint("BEGIN;\nLOCK TABLE orders;\nCOMMIT;");
	assert_only("lock-table", 2);
	assert_non_null(strstr(find("lock-table")->message, "ACCESS EXCLUSIVE"));
	lint("LOCK TABLE orders IN SHARE MODE;");
	assert_only("lock-table", 1);
	lint("LOCK TABLE orders IN ACCESS SHARE MODE; LOCK orders IN ROW "
	    "EXCLUSIVE MODE;");
	assert_clean();
}

static void
test_lint_refresh_matview_without_concurrently_fires(void **state)
{
	(void)state;
	lint("REFRESH MATERIALIZED VIEW order_totals;");
	assert_only("refresh-matview-not-concurrent", 1);
	lint("REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals;");
	assert_clean();
	lint("CREATE MATERIALIZED VIEW mv AS SELECT 1 WITH NO DATA;\n"
	    "REFRESH MATERIALIZED VIEW mv;");
	assert_clean();
}

static void
test_lint_truncate_delete_update_without_where_fire(void **state)
{
	(void)state;
	lint("TRUNCATE orders;");
	assert_only("truncate", 1);
	lint("DELETE FROM orders;");
	assert_only("delete-without-where", 1);
	lint("UPDATE orders SET status = 'x';");
	assert_only("update-without-where", 1);
	assert_non_null(strstr(find("update-without-where")->hint, "backfill"));
	lint("DELETE FROM orders WHERE id < 100;\nUPDATE orders SET status = "
	    "'x' WHERE status IS NULL;\nCREATE TABLE t (a int);\nTRUNCATE t;\n"
	    "UPDATE t SET a = 1;\nDELETE FROM t;");
	assert_clean();
}

static void
test_lint_drop_table_or_column_in_a_migration_fires(void **state)
{
	(void)state;
	lint("DROP TABLE users;");
	assert_only("drop-outside-destructive", 1);
	lint("ALTER TABLE orders DROP COLUMN amount;");
	assert_only("drop-outside-destructive", 1);
	assert_non_null(strstr(find("drop-outside-destructive")->hint,
	    "ALTER TABLE orders DROP COLUMN amount"));
	/* Created or added earlier in the file: nothing in use is lost. */
	lint("CREATE TABLE t (a int); DROP TABLE t;\n"
	    "ALTER TABLE orders ADD COLUMN x int; ALTER TABLE orders DROP "
	    "COLUMN x;");
	assert_clean();
	/* A script that rebuilds a table from scratch (pg_dump --clean). */
	lint("DROP INDEX IF EXISTS public.t_a_idx;\nDROP TABLE IF EXISTS "
	    "public.t;\nCREATE TABLE public.t (a int);\nCREATE INDEX t_a_idx "
	    "ON public.t (a);");
	assert_clean();
	lint("DROP VIEW v; DROP FUNCTION f(); DROP SEQUENCE s; ALTER TABLE "
	    "orders DROP CONSTRAINT c;");
	assert_clean();
}

static void
test_lint_drop_in_a_down_script_is_a_warning(void **state)
{
	(void)state;
	lint_v("migrations/000002_add_x.down.sql", 15,
	    "ALTER TABLE orders DROP COLUMN x;\nDROP TABLE widgets;");
	assert_clean();
	assert_int_equal(count("drop-in-destructive"), 2);
	assert_int_equal(rep.nwarnings, 2);
	lint_v("db/U3__undo_widgets.sql", 15, "DROP TABLE widgets;");
	assert_only("drop-in-destructive", 1);
	lint_v("db/V3__widgets.sql", 15, "DROP TABLE widgets;");
	assert_only("drop-outside-destructive", 1);
}

/* ----------------------------------------------------------- suppression */

static void
test_lint_suppression_on_the_line_before_with_reason(void **state)
{
	const struct lint_finding	*f;

	(void)state;
	lint("-- bellows:allow truncate because staging only, table has 10 rows\n"
	    "TRUNCATE orders;");
	assert_int_equal(rep.nerrors, 0);
	assert_int_equal(rep.nsuppressed, 1);
	f = find("truncate");
	assert_true(f->suppressed);
	assert_int_equal(f->line, 2);
	assert_string_equal(f->reason, "staging only, table has 10 rows");
}

static void
test_lint_suppression_on_the_same_line_and_inside_the_statement(void **state)
{
	(void)state;
	lint("TRUNCATE orders; -- bellows:allow truncate because test data\n"
	    "TRUNCATE users;");
	assert_int_equal(rep.nsuppressed, 1);
	assert_only("truncate", 2);
	lint("ALTER TABLE orders /* bellows:allow rename, truncate because the "
	    "app is down */\n  RENAME COLUMN a TO b;");
	assert_int_equal(rep.nsuppressed, 1);
	assert_int_equal(rep.nerrors, 0);
}

static void
test_lint_suppression_without_reason_is_an_error(void **state)
{
	(void)state;
	lint("SELECT 1;\n-- bellows:allow truncate\nTRUNCATE orders;");
	assert_int_equal(count("suppression-without-reason"), 1);
	assert_int_equal(find("suppression-without-reason")->line, 2);
	/* And it suppresses nothing. */
	assert_int_equal(count("truncate"), 1);
	assert_int_equal(rep.nsuppressed, 0);
	assert_int_equal(rep.nerrors, 2);
	lint("-- bellows:allow truncate because\nTRUNCATE orders;");
	assert_int_equal(count("suppression-without-reason"), 1);
}

static void
test_lint_suppression_of_another_rule_or_unknown_rule(void **state)
{
	(void)state;
	lint("-- bellows:allow rename because it is fine\nTRUNCATE orders;");
	assert_only("truncate", 2);
	lint("-- bellows:allow no-such-rule because why not\nSELECT 1;");
	assert_int_equal(count("suppression-unknown-rule"), 1);
	assert_int_equal(rep.nerrors, 0);
}

/* ---------------------------------------------------------------- syntax */

static void
test_lint_syntax_error_is_reported_at_its_position(void **state)
{
	(void)state;
	lint("CREATE TABLE t (a int);\n\nALTER TABLE t ADD COLUMN b int\n"
	    "  DEFALT 0;\nTRUNCATE orders;");
	assert_int_equal(rep.nsyntax, 1);
	assert_int_equal(find("syntax")->line, 4);
	assert_int_equal(find("syntax")->col, 3);
	/* The rest of the file is still linted. */
	assert_int_equal(count("truncate"), 1);
}

/* ------------------------------------------------- real-world files clean */

static void
test_lint_pg_dump_output_is_clean(void **state)
{
	(void)state;
	lint("--\n-- PostgreSQL database dump\n--\n\n\\restrict abc\n"
	    "SET statement_timeout = 0;\nSET lock_timeout = 0;\n"
	    "SELECT pg_catalog.set_config('search_path', '', false);\n"
	    "CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$\n"
	    "BEGIN NEW.updated_at := now(); RETURN NEW; END;\n$$;\n"
	    "CREATE TABLE public.users (id bigint NOT NULL, email text NOT NULL);\n"
	    "ALTER TABLE public.users OWNER TO app;\n"
	    "CREATE SEQUENCE public.users_id_seq START WITH 1 INCREMENT BY 1 "
	    "NO MINVALUE NO MAXVALUE CACHE 1;\n"
	    "ALTER SEQUENCE public.users_id_seq OWNED BY public.users.id;\n"
	    "CREATE TABLE public.orders (id bigint NOT NULL, user_id bigint "
	    "NOT NULL, amount numeric, status text);\n"
	    "CREATE MATERIALIZED VIEW public.totals AS SELECT user_id, "
	    "sum(amount) FROM public.orders GROUP BY user_id WITH NO DATA;\n"
	    "ALTER TABLE ONLY public.users ALTER COLUMN id SET DEFAULT "
	    "nextval('public.users_id_seq'::regclass);\n"
	    "COPY public.users (id, email) FROM stdin;\n1\ta@b.c\n"
	    "2\tit's; not sql\n\\.\n\n"
	    "SELECT pg_catalog.setval('public.users_id_seq', 2, true);\n"
	    "ALTER TABLE ONLY public.users\n    ADD CONSTRAINT users_pkey PRIMARY "
	    "KEY (id);\n"
	    "CREATE UNIQUE INDEX index_users_on_email ON public.users USING "
	    "btree (email);\n"
	    "ALTER TABLE ONLY public.orders\n    ADD CONSTRAINT fk_rails_1 "
	    "FOREIGN KEY (user_id) REFERENCES public.users(id);\n"
	    "REFRESH MATERIALIZED VIEW public.totals;\n"
	    "\\unrestrict abc\n"
	    "SET search_path TO \"$user\", public;\n"
	    "INSERT INTO \"schema_migrations\" (version) VALUES ('1'), ('2');\n");
	assert_int_equal(rep.nsyntax, 0);
	assert_clean();
	assert_int_equal(rep.n, 0);
}

static void
test_lint_flyway_style_safe_migration_is_clean(void **state)
{
	(void)state;
	lint_v("V7__add_orders_note.sql", 15,
	    "-- Flyway migration\nSET lock_timeout = '2s';\n"
	    "ALTER TABLE orders ADD COLUMN note text;\n"
	    "ALTER TABLE orders ADD COLUMN priority int NOT NULL DEFAULT 0;\n"
	    "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_note_idx ON orders "
	    "(note);\n"
	    "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY "
	    "(user_id) REFERENCES users (id) NOT VALID;\n"
	    "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;\n"
	    "COMMENT ON COLUMN orders.note IS 'free text';\n"
	    "UPDATE orders SET priority = 1 WHERE status = 'vip';\n");
	assert_clean();
	assert_int_equal(rep.n, 0);
}

/* ----------------------------------------------------------------- plans */

static char plandir[] = "/tmp/bellows-test-lint-XXXXXX";

static struct plan *
load_plan(const char *text)
{
	struct plan_defaults	 d;
	struct plan		*p;
	char			*path, *cause = NULL;
	FILE			*f;

	path = xasprintf("%s/p.conf", plandir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	memset(&d, 0, sizeof d);
	p = plan_load(path, &d, &cause);
	if (p == NULL)
		fail_msg("plan_load: %s", cause);
	free(path);
	return (p);
}

static void
lint_plan_text(const char *text)
{
	struct lint_options	 o;
	struct plan		*p;

	lint_report_free(&rep);
	lint_report_init(&rep);
	lint_options_init(&o);
	p = load_plan(text);
	lint_plan(&rep, p, &o);
	plan_free(p);
}

static void
test_lint_plan_concurrently_mixed_with_other_statements_in_a_step(void **state)
{
	(void)state;
	lint_plan_text("name = \"t\";\nphases = (\n { name = \"expand\"; steps = (\n"
	    "  { sql = \"SET lock_timeout = '1s'; CREATE INDEX CONCURRENTLY i ON "
	    "orders (a)\";\n    rollback = \"DROP INDEX CONCURRENTLY IF EXISTS "
	    "i\"; },\n"
	    "  { sql = \"CREATE INDEX CONCURRENTLY j ON orders (b)\";\n"
	    "    rollback = \"DROP INDEX CONCURRENTLY IF EXISTS j\"; } ); } );\n");
	assert_only("concurrently-in-transaction", 4);
	/* The column of the CREATE INDEX inside the string. */
	assert_int_equal(find("concurrently-in-transaction")->col, 37);
}

static void
test_lint_plan_set_not_null_after_check_validated_in_earlier_steps(void **state)
{
	(void)state;
	lint_plan_text("name = \"t\";\nphases = (\n"
	    " { name = \"contract\"; steps = (\n"
	    "  { sql = \"ALTER TABLE orders ADD CONSTRAINT e_nn CHECK (email IS "
	    "NOT NULL) NOT VALID\"; rollback = \"ALTER TABLE orders DROP "
	    "CONSTRAINT e_nn\"; },\n"
	    "  { sql = \"ALTER TABLE orders VALIDATE CONSTRAINT e_nn\"; },\n"
	    "  { sql = \"ALTER TABLE orders ALTER COLUMN email SET NOT NULL\"; },\n"
	    "  { sql = \"ALTER TABLE orders DROP CONSTRAINT e_nn\"; } ); } );\n");
	assert_clean();
	assert_int_equal(count("irreversible-step"), 3);
	assert_int_equal(rep.nwarnings, 3);
}

static void
test_lint_plan_drop_phase_decides_error_or_warning(void **state)
{
	(void)state;
	lint_plan_text("name = \"t\";\nphases = (\n"
	    " { name = \"expand\"; steps = (\n"
	    "  { sql = \"ALTER TABLE orders DROP COLUMN status\"; "
	    "rollback = \"SELECT 1\"; } ); },\n"
	    " { name = \"cleanup\"; destructive = true; steps = (\n"
	    "  { sql = \"DROP TABLE legacy_orders\"; } ); } );\n");
	assert_only("drop-outside-destructive", 4);
	assert_int_equal(count("drop-in-destructive"), 1);
	assert_int_equal(find("drop-in-destructive")->line, 6);
	assert_int_equal(find("drop-in-destructive")->severity, LINT_WARNING);
}

static void
test_lint_plan_rollback_may_drop_what_the_step_added(void **state)
{
	(void)state;
	lint_plan_text("name = \"t\";\nphases = (\n"
	    " { name = \"expand\"; steps = (\n"
	    "  { sql = \"ALTER TABLE orders ADD COLUMN user_email text\";\n"
	    "    rollback = \"ALTER TABLE orders DROP COLUMN IF EXISTS "
	    "user_email\"; },\n"
	    "  { sql = \"CREATE TABLE audit (id bigint)\";\n"
	    "    rollback = \"DROP TABLE IF EXISTS audit\"; } ); } );\n");
	assert_clean();
	assert_int_equal(rep.n, 0);
}

static void
test_lint_plan_step_without_rollback_is_missing_rollback(void **state)
{
	(void)state;
	lint_plan_text("name = \"t\";\nphases = (\n"
	    " { name = \"expand\"; steps = (\n"
	    "  { name = \"add\";\n    sql = \"ALTER TABLE orders ADD COLUMN n "
	    "text\"; } ); } );\n");
	assert_only("missing-rollback", 4);
	assert_non_null(strstr(find("missing-rollback")->hint,
	    "ALTER TABLE orders DROP COLUMN IF EXISTS n"));
}

static void
test_lint_plan_syntax_error_maps_to_the_plan_file(void **state)
{
	(void)state;
	lint_plan_text("name = \"t\";\nphases = (\n"
	    " { name = \"expand\"; steps = (\n"
	    "  { sql = \"ALTER TABLE orders ADD COLUMN n text\";\n"
	    "    rollback = \"ALTER TABLE orders DROPP COLUMN n\"; } ); },\n"
	    " { name = \"backfill\"; backfill = { table = \"orders\"; key = \"id\";\n"
	    "    set = \"n = = 1\"; }; } );\n");
	assert_int_equal(rep.nsyntax, 2);
	assert_int_equal(rep.findings[0].line, 5);
	assert_int_equal(rep.findings[0].col, 36);
	assert_int_equal(rep.findings[1].line, 7);
	assert_int_equal(rep.findings[1].col, 16);
}

static void
test_lint_plan_transaction_control_in_a_step_fires(void **state)
{
	(void)state;
	lint_plan_text("name = \"t\";\nphases = (\n"
	    " { name = \"expand\"; steps = (\n"
	    "  { sql = \"BEGIN; ALTER TABLE orders ADD COLUMN n text; COMMIT\";\n"
	    "    rollback = \"ALTER TABLE orders DROP COLUMN n\"; } ); } );\n");
	assert_int_equal(count("transaction-in-step"), 2);
}

static void
test_lint_plan_suppressed_step_warning(void **state)
{
	(void)state;
	lint_plan_text("name = \"t\";\nphases = (\n"
	    " { name = \"expand\"; steps = (\n"
	    "  { sql = \"-- bellows:allow missing-rollback because additive\\n"
	    "ALTER TABLE orders ADD COLUMN n text\"; } ); },\n"
	    " { name = \"verify\"; verify = ( { sql = \"SELECT count(*) FROM "
	    "orders WHERE n IS NULL\"; expect = \"0\"; } ); } );\n");
	assert_int_equal(rep.nsuppressed, 1);
	assert_int_equal(rep.nerrors, 0);
	assert_int_equal(rep.nwarnings, 0);
}

/* A backfill fragment that would escape the UPDATE bellows builds: one
 * syntax error each, at the fragment's line and the offending column. */
static void
test_lint_plan_backfill_fragments_that_escape_are_errors(void **state)
{
	static const struct {
		const char	*keys;
		int		 col;
		const char	*why;
	} c[] = {
		{ "set = \"n = 1\"; where = \"id > 0 -- tail\";", 34,
		    "comment" },
		{ "set = \"n = $1 -- x\";", 14, "$n" },
		{ "set = \"n = 1\"; from = \"users u; DROP TABLE x\";", 33,
		    "';'" },
		{ "set = \"n = 1 WHERE true\";", 10, "SET list only" },
	};
	char	*text;
	size_t	 i;

	(void)state;
	for (i = 0; i < nitems(c); i++) {
		text = xasprintf("name = \"t\";\nphases = (\n"
		    " { name = \"b\"; backfill = { table = \"orders\"; "
		    "key = \"id\";\n  %s }; } );\n", c[i].keys);
		lint_plan_text(text);
		free(text);
		assert_int_equal(rep.nsyntax, 1);
		assert_int_equal(rep.findings[0].line, 4);
		if (rep.findings[0].col != c[i].col ||
		    strstr(rep.findings[0].message, c[i].why) == NULL)
			fail_msg("%s: col %d: %s", c[i].keys,
			    rep.findings[0].col, rep.findings[0].message);
	}
}

/* Linear in the input: a 1 MB statement and a file of 10,000 findings
 * lint correctly (their time is for tests/bench/lint, not this test). */
static void
test_lint_large_inputs_lint_correctly(void **state)
{
	struct lint_options	 o;
	struct buf		 b;
	size_t			 i;

	(void)state;
	lint_options_init(&o);
	buf_init(&b);
	buf_puts(&b, "SELECT 1");
	while (b.len < 1024 * 1024)
		buf_puts(&b, ", 'abcdefghijklmnopqrstuvwxyz'");
	buf_puts(&b, ";\nTRUNCATE orders;\n");
	lint_report_free(&rep);
	lint_report_init(&rep);
	lint_sql_text(&rep, "big.sql", b.data, &o);
	assert_only("truncate", 2);
	buf_free(&b);

	buf_init(&b);
	for (i = 0; i < 10000; i++)
		buf_puts(&b, "TRUNCATE orders; ");
	lint_report_free(&rep);
	lint_report_init(&rep);
	lint_sql_text(&rep, "many.sql", b.data, &o);
	assert_int_equal(rep.nerrors, 10000);
	assert_int_equal(rep.findings[9999].line, 1);
	assert_int_equal(rep.findings[9999].col, 9999 * 17 + 1);
	buf_free(&b);
}

static void
test_lint_example_plans_and_unsafe_sql(void **state)
{
	static const char *const plans[] = {
		"orders-user-email.conf", "rename-column.conf",
		"add-index.conf", "add-foreign-key.conf",
		"change-column-type.conf"
	};
	struct lint_options	 o;
	struct plan_defaults	 d;
	struct plan		*p;
	const char		*top = getenv("top_srcdir");
	char			*path, *share, *cause = NULL;
	size_t			 i, n;
	const struct lint_rule_info *rules;

	(void)state;
	if (top == NULL)
		top = SRCDIR;
	share = xasprintf("%s/share", top);
	setenv("BELLOWS_SHARE", share, 1);
	lint_options_init(&o);
	for (i = 0; i < nitems(plans); i++) {
		path = xasprintf("%s/share/examples/%s", top, plans[i]);
		memset(&d, 0, sizeof d);
		p = plan_load(path, &d, &cause);
		if (p == NULL)
			fail_msg("%s", cause);
		lint_report_free(&rep);
		lint_report_init(&rep);
		lint_plan(&rep, p, &o);
		plan_free(p);
		assert_clean();
		assert_int_equal(rep.nsyntax, 0);
		free(path);
	}

	/* unsafe.sql shows every rule a .sql file can fire. */
	path = xasprintf("%s/share/examples/unsafe.sql", top);
	lint_report_free(&rep);
	lint_report_init(&rep);
	o.server_version = 11;
	assert_int_equal(lint_sql_file(&rep, path, &o, &cause), 0);
	rules = lint_rules(&n);
	for (i = 0; i < n; i++) {
		if (strcmp(rules[i].id, "syntax") == 0 ||
		    strcmp(rules[i].id, "transaction-in-step") == 0 ||
		    strcmp(rules[i].id, "missing-rollback") == 0 ||
		    strcmp(rules[i].id, "irreversible-step") == 0 ||
		    strcmp(rules[i].id, "drop-in-destructive") == 0)
			continue;
		if (count(rules[i].id) == 0)
			fail_msg("unsafe.sql does not show %s", rules[i].id);
	}
	assert_int_equal(rep.nsyntax, 0);
	free(path);
	free(share);
}

/* ---------------------------------------------------------------- output */

static void
test_lint_text_output_is_compiler_style(void **state)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*f;

	(void)state;
	lint("SELECT 1;\nTRUNCATE orders; -- bellows:allow truncate because fixture\n"
	    "DELETE FROM orders;");
	f = open_memstream(&out, &len);
	lint_print_text(f, &rep);
	fclose(f);
	assert_non_null(strstr(out, "m.sql:2:1: error: truncate: TRUNCATE takes "
	    "ACCESS EXCLUSIVE on orders"));
	assert_non_null(strstr(out, "(suppressed: fixture)\n  hint: "));
	assert_non_null(strstr(out, "\nm.sql:3:1: error: delete-without-where: "));
	assert_non_null(strstr(out, "\n1 error, 0 warnings, 1 suppressed in 1 "
	    "file\n"));
	free(out);
}

static void
test_lint_json_output_escapes_strings(void **state)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*f;

	(void)state;
	lint_v("dir/\"odd\"\\name.sql", 15, "TRUNCATE \"Weird\"\"Table\";");
	f = open_memstream(&out, &len);
	lint_print_json(f, &rep);
	fclose(f);
	assert_non_null(strstr(out, "\"file\": \"dir/\\\"odd\\\"\\\\name.sql\""));
	assert_non_null(strstr(out, "\"line\": 1, \"column\": 1, \"severity\": "
	    "\"error\", \"rule\": \"truncate\""));
	assert_non_null(strstr(out, "\\\"Weird\\\"\\\"Table\\\""));
	assert_non_null(strstr(out, "\"suppressed\": false, \"reason\": null"));
	assert_int_equal(out[0], '[');
	free(out);

	lint("SELECT 1;");
	f = open_memstream(&out, &len);
	lint_print_json(f, &rep);
	fclose(f);
	assert_string_equal(out, "[]\n");
	free(out);
}

/* ------------------------------------------------------------ lock summary */

static void
assert_lock(const char *sql, const char *want)
{
	struct sql_script	*s;
	char			*got;

	s = sql_parse(sql);
	assert_int_equal(s->nstmts, 1);
	got = lint_lock_summary(&s->stmts[0]);
	if (strstr(got, want) == NULL)
		fail_msg("%s: got \"%s\", want \"%s\"", sql, got, want);
	free(got);
	sql_free(s);
}

static void
test_lint_lock_summary_for_confirmations(void **state)
{
	(void)state;
	assert_lock("ALTER TABLE orders ADD COLUMN n text",
	    "ACCESS EXCLUSIVE on orders (brief, catalog only)");
	assert_lock("ALTER TABLE orders VALIDATE CONSTRAINT c",
	    "SHARE UPDATE EXCLUSIVE on orders (reads and writes continue)");
	assert_lock("CREATE INDEX CONCURRENTLY i ON orders (a)",
	    "SHARE UPDATE EXCLUSIVE on orders");
	assert_lock("CREATE INDEX i ON orders (a)", "SHARE on orders");
	assert_lock("ALTER TABLE orders ADD COLUMN u uuid DEFAULT "
	    "gen_random_uuid()", "for the whole table rewrite");
	assert_lock("ALTER TABLE orders ADD CONSTRAINT f FOREIGN KEY (user_id) "
	    "REFERENCES users (id) NOT VALID",
	    "SHARE ROW EXCLUSIVE on orders and users (brief");
	assert_lock("ALTER TABLE orders ADD CONSTRAINT f FOREIGN KEY (user_id) "
	    "REFERENCES users (id)", "for a full scan");
	assert_lock("VACUUM FULL orders", "ACCESS EXCLUSIVE on orders for the "
	    "whole table rewrite");
	assert_lock("LOCK orders IN SHARE MODE", "SHARE on orders until");
	assert_lock("UPDATE orders SET a = 1 WHERE id < 10", "ROW EXCLUSIVE on "
	    "orders");
	assert_lock("ALTER TABLE orders ALTER COLUMN e SET NOT NULL",
	    "ACCESS EXCLUSIVE on orders: brief when a validated CHECK");
	assert_lock("SELEC", "unknown");
}

static void
test_lint_rule_table_has_unique_kebab_case_ids(void **state)
{
	const struct lint_rule_info	*r;
	size_t				 i, j, n;
	const char			*p;

	(void)state;
	r = lint_rules(&n);
	assert_true(n >= 25);
	for (i = 0; i < n; i++) {
		for (p = r[i].id; *p != '\0'; p++)
			assert_true((*p >= 'a' && *p <= 'z') || *p == '-');
		for (j = i + 1; j < n; j++)
			assert_string_not_equal(r[i].id, r[j].id);
		assert_ptr_equal(lint_rule_find(r[i].id), &r[i]);
	}
	assert_null(lint_rule_find("no-such-rule"));
}

static int
setup_group(void **state)
{
	(void)state;
	lint_report_init(&rep);
	if (mkdtemp(plandir) == NULL)
		return (-1);
	return (0);
}

static int
teardown_group(void **state)
{
	char	*path;

	(void)state;
	lint_report_free(&rep);
	path = xasprintf("%s/p.conf", plandir);
	unlink(path);
	free(path);
	rmdir(plandir);
	sql_cleanup();
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lint_create_index_without_concurrently_fires_at_statement_line),
		cmocka_unit_test(test_lint_create_index_concurrently_or_on_new_table_is_fine),
		cmocka_unit_test(test_lint_drop_index_without_concurrently_fires),
		cmocka_unit_test(test_lint_reindex_hint_depends_on_server_version),
		cmocka_unit_test(test_lint_concurrently_inside_begin_commit_fires),
		cmocka_unit_test(test_lint_add_column_volatile_default_fires),
		cmocka_unit_test(test_lint_add_column_stable_or_constant_default_is_fine_from_11),
		cmocka_unit_test(test_lint_any_default_rewrites_before_11),
		cmocka_unit_test(test_lint_add_column_serial_identity_generated_fire),
		cmocka_unit_test(test_lint_add_column_not_null_without_default_fires),
		cmocka_unit_test(test_lint_add_column_with_inline_constraints_fires),
		cmocka_unit_test(test_lint_set_not_null_without_check_fires),
		cmocka_unit_test(test_lint_set_not_null_after_validated_check_is_fine),
		cmocka_unit_test(test_lint_set_not_null_with_unvalidated_check_fires),
		cmocka_unit_test(test_lint_set_not_null_scans_before_12_even_with_check),
		cmocka_unit_test(test_lint_foreign_key_and_check_without_not_valid_fire),
		cmocka_unit_test(test_lint_not_valid_then_validate_is_the_good_path),
		cmocka_unit_test(test_lint_unique_and_primary_key_need_using_index),
		cmocka_unit_test(test_lint_alter_column_type_that_rewrites_fires),
		cmocka_unit_test(test_lint_alter_column_type_binary_coercible_is_fine),
		cmocka_unit_test(test_lint_alter_column_type_of_unknown_column_to_unlimited_type_is_info),
		cmocka_unit_test(test_lint_rename_column_or_table_fires),
		cmocka_unit_test(test_lint_vacuum_full_and_cluster_fire),
		cmocka_unit_test(test_lint_lock_table_fires_for_modes_that_block_writes),
		cmocka_unit_test(test_lint_refresh_matview_without_concurrently_fires),
		cmocka_unit_test(test_lint_truncate_delete_update_without_where_fire),
		cmocka_unit_test(test_lint_drop_table_or_column_in_a_migration_fires),
		cmocka_unit_test(test_lint_drop_in_a_down_script_is_a_warning),
		cmocka_unit_test(test_lint_suppression_on_the_line_before_with_reason),
		cmocka_unit_test(test_lint_suppression_on_the_same_line_and_inside_the_statement),
		cmocka_unit_test(test_lint_suppression_without_reason_is_an_error),
		cmocka_unit_test(test_lint_suppression_of_another_rule_or_unknown_rule),
		cmocka_unit_test(test_lint_syntax_error_is_reported_at_its_position),
		cmocka_unit_test(test_lint_pg_dump_output_is_clean),
		cmocka_unit_test(test_lint_flyway_style_safe_migration_is_clean),
		cmocka_unit_test(test_lint_plan_concurrently_mixed_with_other_statements_in_a_step),
		cmocka_unit_test(test_lint_plan_set_not_null_after_check_validated_in_earlier_steps),
		cmocka_unit_test(test_lint_plan_drop_phase_decides_error_or_warning),
		cmocka_unit_test(test_lint_plan_rollback_may_drop_what_the_step_added),
		cmocka_unit_test(test_lint_plan_step_without_rollback_is_missing_rollback),
		cmocka_unit_test(test_lint_plan_syntax_error_maps_to_the_plan_file),
		cmocka_unit_test(test_lint_plan_transaction_control_in_a_step_fires),
		cmocka_unit_test(test_lint_plan_suppressed_step_warning),
		cmocka_unit_test(test_lint_plan_backfill_fragments_that_escape_are_errors),
		cmocka_unit_test(test_lint_large_inputs_lint_correctly),
		cmocka_unit_test(test_lint_example_plans_and_unsafe_sql),
		cmocka_unit_test(test_lint_text_output_is_compiler_style),
		cmocka_unit_test(test_lint_json_output_escapes_strings),
		cmocka_unit_test(test_lint_lock_summary_for_confirmations),
		cmocka_unit_test(test_lint_rule_table_has_unique_kebab_case_ids),
	};

	return (cmocka_run_group_tests(tests, setup_group, teardown_group));
}
