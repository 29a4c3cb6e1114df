/*
 * Unit tests for plan: loading the DESIGN.md example, every validation
 * error with its exact file and line, durations, bellows.conf layering,
 * checklist templates, source positions of SQL strings and the plan's
 * SHA-256.
 *
 * The group setup makes a scratch directory with mkdtemp() and chdir()s
 * into it, so that plan paths, and therefore messages, are short and exact
 * ("p.conf:3: ..."); the teardown removes it.
 */
#include <sys/stat.h>

#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "plan.h"
#include "util.h"

static char	 scratch[PATH_MAX];
static char	 oldcwd[PATH_MAX];
static char	 sharedir[PATH_MAX];	/* the source tree's share/ */

/* A plan that loads: the smallest one the format allows. */
#define MINIMAL \
	"name = \"x\";\n" \
	"phases = ({ name = \"g\"; gate = \"go\"; });\n"

static void
write_file(const char *path, const char *text)
{
	FILE	*f;

	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

/* Load TEXT as p.conf; the plan must load. */
static struct plan *
load_ok(const char *text, const struct plan_defaults *d)
{
	struct plan	*p;
	char		*cause = NULL;

	write_file("p.conf", text);
	p = plan_load("p.conf", d, &cause);
	if (p == NULL)
		fail_msg("unexpected error: %s", cause);
	assert_null(cause);
	return (p);
}

/* Load TEXT as p.conf; it must fail with exactly WANT. */
static void
load_fails(const char *text, const char *want)
{
	struct plan	*p;
	char		*cause = NULL;

	write_file("p.conf", text);
	p = plan_load("p.conf", NULL, &cause);
	assert_null(p);
	assert_non_null(cause);
	assert_string_equal(cause, want);
	free(cause);
}

/* Load LEN bytes of TEXT (NUL bytes included) as p.conf; it must fail
 * with exactly WANT. */
static void
load_bytes_fails(const char *text, size_t len, const char *want)
{
	struct plan	*p;
	char		*cause = NULL;
	FILE		*f;

	f = fopen("p.conf", "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	p = plan_load("p.conf", NULL, &cause);
	assert_null(p);
	assert_non_null(cause);
	assert_string_equal(cause, want);
	free(cause);
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return (remove(path));
}

/* Find share/ next to tests/: $top_srcdir (set by make check), else the
 * directory this file was compiled from. */
static void
find_sharedir(void)
{
	const char	*top, *end;
	char		 tmp[PATH_MAX];

	if ((top = getenv("top_srcdir")) != NULL)
		snprintf(tmp, sizeof tmp, "%s/share", top);
	else if ((end = strstr(__FILE__, "tests/unit/test_plan.c")) != NULL) {
		snprintf(tmp, sizeof tmp, "%.*sshare", (int)(end - __FILE__),
		    __FILE__);
	} else
		snprintf(tmp, sizeof tmp, "share");
	if (realpath(tmp, sharedir) == NULL)
		sharedir[0] = '\0';
}

static int
group_setup(void **state)
{
	char	tmpl[] = "/tmp/bellows-test-plan.XXXXXX";

	(void)state;
	find_sharedir();
	if (getcwd(oldcwd, sizeof oldcwd) == NULL)
		return (-1);
	if (mkdtemp(tmpl) == NULL)
		return (-1);
	snprintf(scratch, sizeof scratch, "%s", tmpl);
	if (chdir(scratch) != 0)
		return (-1);
	/* Nothing from the user running the tests may leak in. */
	setenv("BELLOWS_SHARE", "share", 1);
	setenv("BELLOWS_CONFIG", "no-such-bellows.conf", 1);
	mkdir("share", 0755);
	mkdir("share/checklists", 0755);
	return (0);
}

static int
group_teardown(void **state)
{
	(void)state;
	if (chdir(oldcwd) != 0)
		return (-1);
	return (nftw(scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS));
}

/* ---------------------------------------------------------------- valid */

/* DESIGN.md section 4, verbatim. */
static const char design_example[] =
"name = \"orders-user-email\";              # required; identifies the run\n"
"description = \"Denormalise users.email onto orders\";\n"
"lock_timeout = \"2s\";                     # per DDL attempt (default 2s)\n"
"retries = 10;                            # DDL attempts on lock timeout\n"
"\n"
"checklist = (\n"
"  { id = \"pitr\"; text = \"Point-in-time recovery tested this week\"; },\n"
"  { id = \"long-tx\"; text = \"No transaction older than 5 minutes\";\n"
"    auto = \"long_transactions\"; max = \"5min\"; },\n"
"  { id = \"lag\"; text = \"Replicas less than 10s behind\";\n"
"    auto = \"replication_lag\"; max = \"10s\"; }\n"
");\n"
"\n"
"phases = (\n"
"  { name = \"expand\"; steps = (\n"
"      { name = \"add column\";\n"
"        sql = \"ALTER TABLE orders ADD COLUMN user_email varchar(255)\";\n"
"        rollback = \"ALTER TABLE orders DROP COLUMN IF EXISTS user_email\"; },\n"
"      { name = \"index\";\n"
"        sql = \"CREATE INDEX CONCURRENTLY orders_user_email_idx ON orders (user_email)\";\n"
"        rollback = \"DROP INDEX CONCURRENTLY IF EXISTS orders_user_email_idx\"; } ); },\n"
"  { name = \"dual-write\"; gate = \"Deploy the app version that writes user_email; confirm when every instance runs it.\"; },\n"
"  { name = \"backfill\"; backfill = {\n"
"      table = \"orders\"; key = \"id\";\n"
"      set = \"user_email = u.email\"; from = \"users u\";\n"
"      where = \"u.id = orders.user_id AND orders.user_email IS NULL\";\n"
"      batch_rows = 10000; target_batch_ms = 100; pause_ms = 0; }; },\n"
"  { name = \"verify\"; verify = (\n"
"      { sql = \"SELECT count(*) FROM orders WHERE user_email IS NULL\"; expect = \"0\"; } ); },\n"
"  { name = \"contract\"; steps = (\n"
"      { sql = \"ALTER TABLE orders ADD CONSTRAINT orders_user_email_nn CHECK (user_email IS NOT NULL) NOT VALID\"; },\n"
"      { sql = \"ALTER TABLE orders VALIDATE CONSTRAINT orders_user_email_nn\"; },\n"
"      { sql = \"ALTER TABLE orders ALTER COLUMN user_email SET NOT NULL\"; },\n"
"      { sql = \"ALTER TABLE orders DROP CONSTRAINT orders_user_email_nn\"; } ); }\n"
");\n";

static void
test_plan_design_example_loads_with_every_field(void **state)
{
	struct plan		*p;
	struct plan_phase	*ph;
	struct plan_backfill	*bf;

	(void)state;
	p = load_ok(design_example, NULL);
	assert_string_equal(p->file, "p.conf");
	assert_string_equal(p->name, "orders-user-email");
	assert_string_equal(p->description,
	    "Denormalise users.email onto orders");
	assert_int_equal(p->lock_timeout_ms, 2000);
	assert_int_equal(p->retries, 10);
	assert_int_equal(p->statement_timeout_ms, 0);

	assert_int_equal(p->nchecklist, 3);
	assert_string_equal(p->checklist[0].id, "pitr");
	assert_string_equal(p->checklist[0].text,
	    "Point-in-time recovery tested this week");
	assert_int_equal(p->checklist[0].kind, PLAN_CHECK_MANUAL);
	assert_int_equal(p->checklist[0].max_ms, 0);
	assert_string_equal(p->checklist[0].file, "p.conf");
	assert_int_equal(p->checklist[0].line, 7);
	assert_string_equal(p->checklist[1].id, "long-tx");
	assert_int_equal(p->checklist[1].kind, PLAN_CHECK_LONG_TRANSACTIONS);
	assert_int_equal(p->checklist[1].max_ms, 300000);
	assert_int_equal(p->checklist[1].line, 8);
	assert_int_equal(p->checklist[2].kind, PLAN_CHECK_REPLICATION_LAG);
	assert_int_equal(p->checklist[2].max_ms, 10000);
	assert_null(p->checklist[2].sql);

	assert_int_equal(p->nphases, 5);
	ph = &p->phases[0];
	assert_string_equal(ph->name, "expand");
	assert_int_equal(ph->kind, PLAN_PHASE_STEPS);
	assert_int_equal(ph->line, 15);
	assert_false(ph->destructive);
	assert_false(ph->second_signoff);
	assert_int_equal(ph->nsteps, 2);
	assert_string_equal(ph->steps[0].name, "add column");
	assert_string_equal(ph->steps[0].sql,
	    "ALTER TABLE orders ADD COLUMN user_email varchar(255)");
	assert_string_equal(ph->steps[0].rollback,
	    "ALTER TABLE orders DROP COLUMN IF EXISTS user_email");
	assert_int_equal(ph->steps[0].line, 16);
	assert_string_equal(ph->steps[0].sql_pos.file, "p.conf");
	assert_int_equal(ph->steps[0].sql_pos.line, 17);
	assert_int_equal(ph->steps[0].sql_pos.col, 16);
	assert_int_equal(ph->steps[0].rollback_pos.line, 18);
	assert_int_equal(ph->steps[0].rollback_pos.col, 21);
	assert_string_equal(ph->steps[1].name, "index");
	assert_int_equal(ph->steps[1].sql_pos.line, 20);

	ph = &p->phases[1];
	assert_string_equal(ph->name, "dual-write");
	assert_int_equal(ph->kind, PLAN_PHASE_GATE);
	assert_string_equal(ph->gate, "Deploy the app version that writes "
	    "user_email; confirm when every instance runs it.");

	ph = &p->phases[2];
	assert_int_equal(ph->kind, PLAN_PHASE_BACKFILL);
	bf = &ph->backfill;
	assert_string_equal(bf->table, "orders");
	assert_string_equal(bf->key, "id");
	assert_string_equal(bf->set, "user_email = u.email");
	assert_string_equal(bf->from, "users u");
	assert_string_equal(bf->where,
	    "u.id = orders.user_id AND orders.user_email IS NULL");
	assert_null(bf->throttle_sql);
	assert_int_equal(bf->batch_rows, 10000);
	assert_int_equal(bf->min_rows, 100);
	assert_int_equal(bf->max_rows, 100000);
	assert_int_equal(bf->target_batch_ms, 100);
	assert_int_equal(bf->pause_ms, 0);
	assert_int_equal(bf->max_replica_lag_ms, 10000);
	assert_int_equal(bf->max_blocked_ms, 1000);
	assert_int_equal(bf->line, 23);
	assert_int_equal(bf->set_pos.line, 25);
	assert_int_equal(bf->set_pos.col, 14);
	assert_int_equal(bf->where_pos.line, 26);
	assert_int_equal(bf->where_pos.col, 16);

	ph = &p->phases[3];
	assert_int_equal(ph->kind, PLAN_PHASE_VERIFY);
	assert_int_equal(ph->nverify, 1);
	assert_string_equal(ph->verify[0].sql,
	    "SELECT count(*) FROM orders WHERE user_email IS NULL");
	assert_string_equal(ph->verify[0].expect, "0");
	assert_int_equal(ph->verify[0].line, 29);
	assert_int_equal(ph->verify[0].sql_pos.line, 29);
	assert_int_equal(ph->verify[0].sql_pos.col, 16);

	ph = &p->phases[4];
	assert_string_equal(ph->name, "contract");
	assert_true(ph->destructive);
	assert_int_equal(ph->nsteps, 4);
	assert_string_equal(ph->steps[0].name, "step 1");
	assert_string_equal(ph->steps[3].name, "step 4");
	assert_null(ph->steps[3].rollback);
	assert_string_equal(ph->steps[2].sql,
	    "ALTER TABLE orders ALTER COLUMN user_email SET NOT NULL");

	/* The digest of the bytes written, as sha256sum prints it. */
	assert_int_equal(strlen(p->sha256), 64);
	plan_free(p);
}

static void
test_plan_minimal_plan_gets_builtin_defaults(void **state)
{
	struct plan	*p;

	(void)state;
	p = load_ok(MINIMAL, NULL);
	assert_int_equal(p->lock_timeout_ms, 2000);
	assert_int_equal(p->retries, 10);
	assert_int_equal(p->statement_timeout_ms, 0);
	assert_null(p->description);
	assert_int_equal(p->nchecklist, 0);
	assert_int_equal(p->nphases, 1);
	assert_int_equal(p->phases[0].kind, PLAN_PHASE_GATE);
	plan_free(p);
}

static void
test_plan_backfill_gets_builtin_defaults(void **state)
{
	struct plan		*p;
	struct plan_backfill	*bf;

	(void)state;
	p = load_ok("name = \"x\";\n"
	    "phases = ({ name = \"b\"; backfill = { table = \"t\"; "
	    "key = \"id\"; set = \"a = 1\"; }; });\n", NULL);
	bf = &p->phases[0].backfill;
	assert_int_equal(bf->batch_rows, 10000);
	assert_int_equal(bf->min_rows, 100);
	assert_int_equal(bf->max_rows, 100000);
	assert_int_equal(bf->target_batch_ms, 100);
	assert_int_equal(bf->pause_ms, 0);
	assert_int_equal(bf->max_replica_lag_ms, 10000);
	assert_int_equal(bf->max_blocked_ms, 1000);
	assert_null(bf->from);
	assert_null(bf->where);
	plan_free(p);
}

static void
test_plan_backfill_thresholds_take_durations_or_milliseconds(void **state)
{
	struct plan		*p;
	struct plan_backfill	*bf;

	(void)state;
	p = load_ok("name = \"x\";\n"
	    "phases = ({ name = \"b\"; backfill = { table = \"t\"; "
	    "key = \"id\"; set = \"a = 1\"; max_replica_lag = \"30s\"; "
	    "max_blocked_ms = 250; throttle_sql = \"SELECT false\"; "
	    "min_rows = 10; max_rows = 500; batch_rows = 50; pause_ms = 5; "
	    "target_batch_ms = 200; }; });\n", NULL);
	bf = &p->phases[0].backfill;
	assert_int_equal(bf->max_replica_lag_ms, 30000);
	assert_int_equal(bf->max_blocked_ms, 250);
	assert_string_equal(bf->throttle_sql, "SELECT false");
	assert_int_equal(bf->min_rows, 10);
	assert_int_equal(bf->max_rows, 500);
	assert_int_equal(bf->batch_rows, 50);
	assert_int_equal(bf->pause_ms, 5);
	assert_int_equal(bf->target_batch_ms, 200);
	plan_free(p);

	p = load_ok("name = \"x\";\n"
	    "phases = ({ name = \"b\"; backfill = { table = \"t\"; "
	    "key = \"id\"; set = \"a = 1\"; max_replica_lag = 1500; "
	    "max_blocked_ms = \"2s\"; }; });\n", NULL);
	bf = &p->phases[0].backfill;
	assert_int_equal(bf->max_replica_lag_ms, 1500);
	assert_int_equal(bf->max_blocked_ms, 2000);
	plan_free(p);

	/* 0 turns the check off. */
	p = load_ok("name = \"x\";\n"
	    "phases = ({ name = \"b\"; backfill = { table = \"t\"; "
	    "key = \"id\"; set = \"a = 1\"; max_replica_lag = \"0\"; "
	    "max_blocked_ms = 0; }; });\n", NULL);
	bf = &p->phases[0].backfill;
	assert_int_equal(bf->max_replica_lag_ms, 0);
	assert_int_equal(bf->max_blocked_ms, 0);
	plan_free(p);
}

static void
test_plan_verify_expect_may_be_integer_or_boolean(void **state)
{
	struct plan	*p;

	(void)state;
	p = load_ok("name = \"x\";\n"
	    "phases = ({ name = \"v\"; verify = (\n"
	    "  { sql = \"SELECT 0\"; expect = 0; },\n"
	    "  { sql = \"SELECT true\"; expect = true; },\n"
	    "  { sql = \"SELECT 'a'\"; expect = \"a\"; } ); });\n", NULL);
	assert_int_equal(p->phases[0].nverify, 3);
	assert_string_equal(p->phases[0].verify[0].expect, "0");
	assert_string_equal(p->phases[0].verify[1].expect, "t");
	assert_string_equal(p->phases[0].verify[2].expect, "a");
	assert_int_equal(p->phases[0].verify[2].line, 5);
	plan_free(p);
}

static void
test_plan_contract_and_destructive_phases_are_destructive(void **state)
{
	struct plan	*p;

	(void)state;
	p = load_ok("name = \"x\";\n"
	    "phases = (\n"
	    "  { name = \"contract\"; steps = ({ sql = \"SELECT 1\"; }); },\n"
	    "  { name = \"drop\"; destructive = true;\n"
	    "    steps = ({ sql = \"SELECT 1\"; }); },\n"
	    "  { name = \"keep\"; destructive = false;\n"
	    "    steps = ({ sql = \"SELECT 1\"; }); }\n"
	    ");\n", NULL);
	assert_true(p->phases[0].destructive);
	assert_true(p->phases[1].destructive);
	assert_false(p->phases[2].destructive);
	plan_free(p);
}

static void
test_plan_second_signoff_marks_the_named_phases(void **state)
{
	struct plan	*p;

	(void)state;
	p = load_ok("name = \"x\";\n"
	    "require_second_signoff = [\"contract\"];\n"
	    "phases = (\n"
	    "  { name = \"expand\"; steps = ({ sql = \"SELECT 1\"; }); },\n"
	    "  { name = \"contract\"; steps = ({ sql = \"SELECT 1\"; }); }\n"
	    ");\n", NULL);
	assert_false(p->phases[0].second_signoff);
	assert_true(p->phases[1].second_signoff);
	plan_free(p);
}

static void
test_plan_checklist_sql_item_is_custom_check(void **state)
{
	struct plan	*p;

	(void)state;
	p = load_ok("name = \"x\";\n"
	    "checklist = (\n"
	    "  { id = \"a\"; text = \"t\"; sql = \"SELECT true\"; },\n"
	    "  { id = \"b\"; text = \"t\"; auto = \"sql\"; sql = \"SELECT 1 = 1\"; },\n"
	    "  { id = \"c\"; text = \"t\"; auto = \"idle_in_transaction\"; max = \"1min\"; },\n"
	    "  { id = \"d\"; text = \"t\"; auto = \"invalid_indexes\"; },\n"
	    "  { id = \"e\"; text = \"t\"; auto = \"lint_clean\"; }\n"
	    ");\n"
	    "phases = ({ name = \"g\"; gate = \"go\"; });\n", NULL);
	assert_int_equal(p->nchecklist, 5);
	assert_int_equal(p->checklist[0].kind, PLAN_CHECK_SQL);
	assert_string_equal(p->checklist[0].sql, "SELECT true");
	assert_int_equal(p->checklist[1].kind, PLAN_CHECK_SQL);
	assert_int_equal(p->checklist[2].kind, PLAN_CHECK_IDLE_IN_TRANSACTION);
	assert_int_equal(p->checklist[2].max_ms, 60000);
	assert_int_equal(p->checklist[3].kind, PLAN_CHECK_INVALID_INDEXES);
	assert_int_equal(p->checklist[4].kind, PLAN_CHECK_LINT_CLEAN);
	plan_free(p);
}

/* ---------------------------------------------------------------- errors */

static void
test_plan_unknown_key_suggests_closest(void **state)
{
	(void)state;
	load_fails("name = \"x\";\n"
	    "phases = (\n"
	    "  { name = \"g\"; gate = \"go\"; },\n"
	    "  { name = \"e\"; steps = (\n"
	    "      { sql = \"SELECT 1\"; },\n"
	    "      { name = \"two\";\n"
	    "        sqll = \"SELECT 2\"; } ); }\n"
	    ");\n",
	    "p.conf:6: phases[1].steps[1]: missing required key 'sql'\n"
	    "p.conf:7: phases[1].steps[1]: unknown key 'sqll'; "
	    "did you mean 'sql'?");
}

static void
test_plan_unknown_key_at_every_level_is_reported(void **state)
{
	(void)state;
	load_fails("name = \"x\";\n"
	    "descripton = \"d\";\n"
	    "checklist = ({ id = \"a\"; text = \"t\"; atuo = \"lint_clean\"; });\n"
	    "phases = (\n"
	    "  { name = \"g\"; gaet = \"go\"; gate = \"go\"; },\n"
	    "  { name = \"b\"; backfill = { table = \"t\"; key = \"id\";\n"
	    "      set = \"a = 1\"; batch_row = 5; }; },\n"
	    "  { name = \"v\"; verify = ({ sql = \"SELECT 1\"; expect = 1;\n"
	    "      expected = 1; }); }\n"
	    ");\n"
	    "colour = \"blue\";\n",
	    "p.conf:2: unknown key 'descripton'; did you mean 'description'?\n"
	    "p.conf:3: checklist[0]: unknown key 'atuo'; did you mean 'auto'?\n"
	    "p.conf:5: phases[0]: unknown key 'gaet'; did you mean 'gate'?\n"
	    "p.conf:7: phases[1].backfill: unknown key 'batch_row'; "
	    "did you mean 'batch_rows'?\n"
	    "p.conf:9: phases[2].verify[0]: unknown key 'expected'; "
	    "did you mean 'expect'?\n"
	    "p.conf:11: unknown key 'colour' (known keys: name, description, "
	    "lock_timeout, retries, statement_timeout, checklist, phases, "
	    "include, require_second_signoff)");
}

static void
test_plan_swapped_letters_still_get_a_suggestion(void **state)
{
	(void)state;
	load_fails("nmae = \"x\";\n"
	    "phases = ({ name = \"g\"; gate = \"go\"; });\n",
	    "p.conf:1: unknown key 'nmae'; did you mean 'name'?\n"
	    "p.conf:1: missing required key 'name'");
}

static void
test_plan_wrong_types_name_key_and_both_types(void **state)
{
	(void)state;
	load_fails("name = \"x\";\n"
	    "retries = \"10\";\n"
	    "lock_timeout = 2;\n"
	    "description = 1.5;\n"
	    "phases = (\n"
	    "  { name = 3; gate = \"go\"; },\n"
	    "  { name = \"s\"; steps = ({ sql = [\"a\"]; }); },\n"
	    "  { name = \"d\"; destructive = \"yes\"; gate = \"go\"; },\n"
	    "  { name = \"b\"; backfill = { table = \"t\"; key = \"id\";\n"
	    "      set = \"a = 1\"; batch_rows = \"100\"; target_batch_ms = \"100ms\"; }; },\n"
	    "  { name = \"v\"; verify = ({ sql = \"SELECT 1\"; expect = 1.0; }); },\n"
	    "  { name = \"l\"; steps = { sql = \"SELECT 1\"; }; },\n"
	    "  \"loose\" );\n",
	    "p.conf:2: retries: expected an integer, got a string\n"
	    "p.conf:3: lock_timeout: expected a duration such as \"2s\", "
	    "got an integer\n"
	    "p.conf:4: description: expected a string, got a float\n"
	    "p.conf:6: phases[0].name: expected a string, got an integer\n"
	    "p.conf:7: phases[1].steps[0].sql: expected a string, "
	    "got an array\n"
	    "p.conf:8: phases[2].destructive: expected true or false, "
	    "got a string\n"
	    "p.conf:10: phases[3].backfill.batch_rows: expected an integer, "
	    "got a string\n"
	    "p.conf:10: phases[3].backfill.target_batch_ms: expected an "
	    "integer, got a string\n"
	    "p.conf:11: phases[4].verify[0].expect: expected a string or an "
	    "integer, got a float\n"
	    "p.conf:12: phases[5].steps: expected a list ( { ... }, ... ), "
	    "got a group\n"
	    "p.conf:13: phases[6]: expected a group { ... }, got a string");
}

static void
test_plan_missing_required_keys_are_each_reported(void **state)
{
	(void)state;
	load_fails("description = \"no name, no phases\";\n",
	    "p.conf:1: missing required key 'name'\n"
	    "p.conf:1: missing required key 'phases'");
	load_fails("name = \"x\";\n"
	    "checklist = (\n"
	    "  { text = \"no id\"; },\n"
	    "  { id = \"no-text\"; }\n"
	    ");\n"
	    "phases = (\n"
	    "  { gate = \"no name\"; },\n"
	    "  { name = \"s\"; steps = ({ name = \"no sql\"; }); },\n"
	    "  { name = \"b\"; backfill = { from = \"u\"; }; },\n"
	    "  { name = \"v\"; verify = ({ }); }\n"
	    ");\n",
	    "p.conf:3: checklist[0]: missing required key 'id'\n"
	    "p.conf:4: checklist[1]: missing required key 'text'\n"
	    "p.conf:7: phases[0]: missing required key 'name'\n"
	    "p.conf:8: phases[1].steps[0]: missing required key 'sql'\n"
	    "p.conf:9: phases[2].backfill: missing required key 'table'\n"
	    "p.conf:9: phases[2].backfill: missing required key 'key'\n"
	    "p.conf:9: phases[2].backfill: missing required key 'set'\n"
	    "p.conf:10: phases[3].verify[0]: missing required key 'sql'\n"
	    "p.conf:10: phases[3].verify[0]: missing required key 'expect'");
}

static void
test_plan_empty_values_are_errors(void **state)
{
	(void)state;
	load_fails("name = \"\";\n"
	    "phases = (\n"
	    "  { name = \"g\"; gate = \"\"; },\n"
	    "  { name = \"s\"; steps = (); },\n"
	    "  { name = \"r\"; steps = ({ sql = \"SELECT 1\"; rollback = \"\"; }); }\n"
	    ");\n",
	    "p.conf:1: name: must not be empty\n"
	    "p.conf:3: phases[0].gate: must not be empty\n"
	    "p.conf:4: phases[1].steps: a steps phase needs at least one step\n"
	    "p.conf:5: phases[2].steps[0].rollback: must not be empty");
	load_fails("name = \"x\";\nphases = ();\n",
	    "p.conf:2: phases: a plan needs at least one phase");
}

static void
test_plan_phase_needs_exactly_one_kind(void **state)
{
	(void)state;
	load_fails("name = \"x\";\n"
	    "phases = (\n"
	    "  { name = \"nothing\"; },\n"
	    "  { name = \"both\"; gate = \"go\";\n"
	    "    steps = ({ sql = \"SELECT 1\"; }); },\n"
	    "  { name = \"three\"; gate = \"go\"; backfill = { table = \"t\";\n"
	    "      key = \"id\"; set = \"a = 1\"; };\n"
	    "    verify = ({ sql = \"SELECT 1\"; expect = \"1\"; }); }\n"
	    ");\n",
	    "p.conf:3: phases[0]: phase 'nothing' needs one of steps, gate, "
	    "backfill or verify\n"
	    "p.conf:4: phases[1]: a phase holds exactly one of steps, gate, "
	    "backfill, verify; found 'steps' and 'gate'\n"
	    "p.conf:6: phases[2]: a phase holds exactly one of steps, gate, "
	    "backfill, verify; found 'gate' and 'backfill'\n"
	    "p.conf:8: phases[2]: a phase holds exactly one of steps, gate, "
	    "backfill, verify; found 'gate' and 'verify'");
}

static void
test_plan_duplicate_names_and_ids_are_errors(void **state)
{
	(void)state;
	load_fails("name = \"x\";\n"
	    "checklist = (\n"
	    "  { id = \"pitr\"; text = \"a\"; },\n"
	    "  { id = \"pitr\"; text = \"b\"; }\n"
	    ");\n"
	    "phases = (\n"
	    "  { name = \"expand\"; steps = (\n"
	    "      { name = \"add\"; sql = \"SELECT 1\"; },\n"
	    "      { sql = \"SELECT 2\"; },\n"
	    "      { name = \"add\"; sql = \"SELECT 3\"; },\n"
	    "      { name = \"step 2\"; sql = \"SELECT 4\"; } ); },\n"
	    "  { name = \"expand\"; gate = \"go\"; }\n"
	    ");\n",
	    "p.conf:4: checklist[1].id: duplicate checklist id 'pitr' "
	    "(first at line 3)\n"
	    "p.conf:10: phases[0].steps[2].name: duplicate step name 'add' "
	    "in phase 'expand' (first at line 8)\n"
	    "p.conf:11: phases[0].steps[3].name: duplicate step name "
	    "'step 2' in phase 'expand' (first at line 9)\n"
	    "p.conf:12: phases[1].name: duplicate phase name 'expand' "
	    "(first at line 7)");
}

static void
test_plan_bad_durations_name_the_key(void **state)
{
	(void)state;
	load_fails("name = \"x\";\n"
	    "lock_timeout = \"2 s\";\n"
	    "statement_timeout = \"5 minutes\";\n"
	    "checklist = ({ id = \"a\"; text = \"t\";\n"
	    "  auto = \"long_transactions\"; max = \"fast\"; });\n"
	    "phases = ({ name = \"b\"; backfill = { table = \"t\"; key = \"id\";\n"
	    "  set = \"a = 1\"; max_replica_lag = \"10sec\"; }; });\n",
	    "p.conf:2: lock_timeout: invalid duration \"2 s\": no space "
	    "allowed between the number and the unit\n"
	    "p.conf:3: statement_timeout: invalid duration \"5 minutes\": no "
	    "space allowed between the number and the unit\n"
	    "p.conf:5: checklist[0].max: invalid duration \"fast\": expected "
	    "a number and a unit, such as \"250ms\", \"2s\", \"5min\" or "
	    "\"1h\"\n"
	    "p.conf:7: phases[0].backfill.max_replica_lag: invalid duration "
	    "\"10sec\": unknown unit 'sec' (ms, s, min, h or d)");
}

static void
test_plan_zero_lock_timeout_is_refused(void **state)
{
	(void)state;
	load_fails("name = \"x\";\nlock_timeout = \"0s\";\n" "phases = ({ name "
	    "= \"g\"; gate = \"go\"; });\n",
	    "p.conf:2: lock_timeout: must be greater than zero");
}

static void
test_plan_unknown_auto_kind_suggests_closest(void **state)
{
	(void)state;
	load_fails("name = \"x\";\n"
	    "checklist = (\n"
	    "  { id = \"a\"; text = \"t\"; auto = \"long_transaction\"; },\n"
	    "  { id = \"b\"; text = \"t\"; auto = \"weather\"; },\n"
	    "  { id = \"c\"; text = \"t\"; max = \"1s\"; },\n"
	    "  { id = \"d\"; text = \"t\"; auto = \"sql\"; },\n"
	    "  { id = \"e\"; text = \"t\"; auto = \"lint_clean\"; sql = \"SELECT true\"; }\n"
	    ");\n"
	    "phases = ({ name = \"g\"; gate = \"go\"; });\n",
	    "p.conf:3: checklist[0].auto: unknown kind 'long_transaction'; "
	    "did you mean 'long_transactions'?\n"
	    "p.conf:4: checklist[1].auto: unknown kind 'weather' "
	    "(long_transactions, replication_lag, idle_in_transaction, "
	    "invalid_indexes, lint_clean or sql)\n"
	    "p.conf:5: checklist[2].max: only used with auto = "
	    "\"long_transactions\", \"replication_lag\" or "
	    "\"idle_in_transaction\"\n"
	    "p.conf:6: checklist[3]: missing required key 'sql' "
	    "(auto = \"sql\")\n"
	    "p.conf:7: checklist[4].sql: only used with auto = \"sql\", not "
	    "\"lint_clean\"");
}

static void
test_plan_nonpositive_numbers_are_errors(void **state)
{
	(void)state;
	load_fails("name = \"x\";\n"
	    "retries = -1;\n"
	    "phases = ({ name = \"b\"; backfill = { table = \"t\"; key = \"id\";\n"
	    "  set = \"a = 1\";\n"
	    "  batch_rows = 0;\n"
	    "  min_rows = -5;\n"
	    "  target_batch_ms = 0;\n"
	    "  pause_ms = -1;\n"
	    "  max_blocked_ms = -3; }; });\n",
	    "p.conf:2: retries: must not be negative, got -1\n"
	    "p.conf:5: phases[0].backfill.batch_rows: must be positive, got 0\n"
	    "p.conf:6: phases[0].backfill.min_rows: must be positive, got -5\n"
	    "p.conf:7: phases[0].backfill.target_batch_ms: must be positive, "
	    "got 0\n"
	    "p.conf:8: phases[0].backfill.pause_ms: must not be negative, "
	    "got -1\n"
	    "p.conf:9: phases[0].backfill.max_blocked_ms: -3 is out of range "
	    "(milliseconds)");
}

static void
test_plan_batch_rows_must_fit_its_bounds(void **state)
{
	(void)state;
	load_fails("name = \"x\";\n"
	    "phases = (\n"
	    "  { name = \"b\"; backfill = { table = \"t\"; key = \"id\";\n"
	    "      set = \"a = 1\"; min_rows = 10; max_rows = 100;\n"
	    "      batch_rows = 1000; }; },\n"
	    "  { name = \"c\"; backfill = { table = \"t\"; key = \"id\";\n"
	    "      set = \"a = 1\";\n"
	    "      min_rows = 1000; max_rows = 100; }; }\n"
	    ");\n",
	    "p.conf:5: phases[0].backfill.batch_rows: 1000 is outside "
	    "min_rows..max_rows (10..100)\n"
	    "p.conf:8: phases[1].backfill.min_rows: min_rows (1000) is above "
	    "max_rows (100)");
}

static void
test_plan_second_signoff_of_unknown_phase_is_error(void **state)
{
	(void)state;
	load_fails("name = \"x\";\n"
	    "require_second_signoff = [\"contrct\", \"zzz\"];\n"
	    "phases = ({ name = \"contract\"; steps = ({ sql = \"SELECT 1\"; }); });\n",
	    "p.conf:2: require_second_signoff[0]: unknown phase 'contrct'; "
	    "did you mean 'contract'?\n"
	    "p.conf:2: require_second_signoff[1]: unknown phase 'zzz'");
	load_fails("name = \"x\";\n"
	    "require_second_signoff = \"contract\";\n"
	    "phases = ({ name = \"contract\"; steps = ({ sql = \"SELECT 1\"; }); });\n",
	    "p.conf:2: require_second_signoff: expected an array of phase "
	    "names, got a string");
}

static void
test_plan_name_must_fit_application_name(void **state)
{
	(void)state;
	load_fails("name = \"a-very-long-run-name-that-would-be-cut-by-"
	    "application-name-x\";\n"
	    "phases = ({ name = \"g\"; gate = \"go\"; });\n",
	    "p.conf:1: name: too long (60 bytes; at most 55, so that "
	    "application_name 'bellows:<name>' fits in 63 bytes)");
}

static void
test_plan_syntax_error_names_file_and_line(void **state)
{
	(void)state;
	load_fails("name = \"x\";\n"
	    "phases = (\n"
	    "  { name = \"g\"; gate = ; }\n"
	    ");\n",
	    "p.conf:3: syntax error");
	load_fails("name = \"x\";\nname = \"y\";\n",
	    "p.conf:2: duplicate setting name");
}

static void
test_plan_missing_file_is_error(void **state)
{
	struct plan	*p;
	char		*cause = NULL;

	(void)state;
	p = plan_load("does-not-exist.conf", NULL, &cause);
	assert_null(p);
	assert_string_equal(cause,
	    "does-not-exist.conf: No such file or directory");
	free(cause);
}

static void
test_plan_errors_in_libconfig_include_name_included_file(void **state)
{
	struct plan	*p;
	char		*cause = NULL;

	(void)state;
	mkdir("sub", 0755);
	write_file("sub/steps.conf", "\n"
	    "phases = ({ name = \"e\"; steps = (\n"
	    "  { sql = \"SELECT 1\";\n"
	    "    rolback = \"SELECT 2\"; } ); });\n");
	write_file("sub/main.conf", "name = \"x\";\n@include \"steps.conf\"\n");
	p = plan_load("sub/main.conf", NULL, &cause);
	assert_null(p);
	assert_string_equal(cause, "sub/steps.conf:4: phases[0].steps[0]: "
	    "unknown key 'rolback'; did you mean 'rollback'?");
	free(cause);

	/* Fixed, it loads, and positions point into the included file. */
	write_file("sub/steps.conf", "\n"
	    "phases = ({ name = \"e\"; steps = (\n"
	    "  { sql = \"SELECT 1\";\n"
	    "    rollback = \"SELECT 2\"; } ); });\n");
	p = plan_load("sub/main.conf", NULL, &cause);
	assert_non_null(p);
	assert_string_equal(p->phases[0].steps[0].sql_pos.file,
	    "sub/steps.conf");
	assert_int_equal(p->phases[0].steps[0].sql_pos.line, 3);
	assert_int_equal(p->phases[0].steps[0].sql_pos.col, 12);
	assert_int_equal(p->phases[0].steps[0].rollback_pos.line, 4);
	assert_int_equal(p->phases[0].steps[0].rollback_pos.col, 17);
	plan_free(p);
}

/* ---------------------------------------------------------------- templates */

static const char template_text[] =
"checklist = (\n"
"  { id = \"pitr\"; text = \"PITR verified\"; },\n"
"  { id = \"lag\"; text = \"Replicas close\"; auto = \"replication_lag\";\n"
"    max = \"10s\"; },\n"
"  { id = \"window\"; text = \"Quiet hour\"; }\n"
");\n";

static void
test_plan_include_puts_template_items_first_and_plan_overrides(void **state)
{
	struct plan	*p;

	(void)state;
	write_file("share/checklists/tmpl.conf", template_text);
	p = load_ok("name = \"x\";\n"
	    "include = \"tmpl\";\n"
	    "checklist = (\n"
	    "  { id = \"mine\"; text = \"Told the team\"; },\n"
	    "  { id = \"lag\"; text = \"Replicas very close\";\n"
	    "    auto = \"replication_lag\"; max = \"2s\"; }\n"
	    ");\n"
	    "phases = ({ name = \"g\"; gate = \"go\"; });\n", NULL);
	assert_int_equal(p->nchecklist, 4);
	assert_string_equal(p->checklist[0].id, "pitr");
	assert_string_equal(p->checklist[0].file,
	    "share/checklists/tmpl.conf");
	assert_int_equal(p->checklist[0].line, 2);
	/* Overridden in place: the template's order is kept. */
	assert_string_equal(p->checklist[1].id, "lag");
	assert_string_equal(p->checklist[1].text, "Replicas very close");
	assert_int_equal(p->checklist[1].max_ms, 2000);
	assert_string_equal(p->checklist[1].file, "p.conf");
	assert_int_equal(p->checklist[1].line, 5);
	assert_string_equal(p->checklist[2].id, "window");
	assert_string_equal(p->checklist[3].id, "mine");
	plan_free(p);
}

static void
test_plan_include_takes_a_path_relative_to_the_plan(void **state)
{
	struct plan	*p;
	char		*cause = NULL;

	(void)state;
	mkdir("rel", 0755);
	mkdir("rel/lists", 0755);
	write_file("rel/lists/team.conf", template_text);
	write_file("rel/p.conf", "name = \"x\";\n"
	    "include = \"lists/team.conf\";\n"
	    "phases = ({ name = \"g\"; gate = \"go\"; });\n");
	p = plan_load("rel/p.conf", NULL, &cause);
	assert_non_null(p);
	assert_int_equal(p->nchecklist, 3);
	assert_string_equal(p->checklist[2].file, "rel/lists/team.conf");
	plan_free(p);
}

static void
test_plan_include_unknown_template_suggests_closest(void **state)
{
	(void)state;
	write_file("share/checklists/default.conf", template_text);
	load_fails("name = \"x\";\n"
	    "include = \"defualt\";\n"
	    "phases = ({ name = \"g\"; gate = \"go\"; });\n",
	    "p.conf:2: include: no checklist template 'defualt' in "
	    "share/checklists; did you mean 'default'?");
	load_fails("name = \"x\";\n"
	    "include = \"nothing-like-it\";\n"
	    "phases = ({ name = \"g\"; gate = \"go\"; });\n",
	    "p.conf:2: include: no checklist template 'nothing-like-it' "
	    "(looked for share/checklists/nothing-like-it.conf)");
}

static void
test_plan_errors_in_template_name_the_template(void **state)
{
	(void)state;
	write_file("share/checklists/broken.conf", "checklist = (\n"
	    "  { id = \"a\"; text = \"t\"; },\n"
	    "  { id = \"a\"; txt = \"t\"; }\n"
	    ");\n"
	    "phases = ();\n");
	load_fails("name = \"x\";\n"
	    "include = \"broken\";\n"
	    "phases = ({ name = \"g\"; gate = \"go\"; });\n",
	    "share/checklists/broken.conf:3: checklist[1]: unknown key 'txt'; "
	    "did you mean 'text'?\n"
	    "share/checklists/broken.conf:3: checklist[1]: missing required "
	    "key 'text'\n"
	    "share/checklists/broken.conf:5: unknown key 'phases' (known "
	    "keys: checklist)");
	write_file("share/checklists/broken.conf", "checklist = (\n{ id = ");
	load_fails("name = \"x\";\n"
	    "include = \"broken\";\n"
	    "phases = ({ name = \"g\"; gate = \"go\"; });\n",
	    "share/checklists/broken.conf:2: syntax error");
}

static void
test_plan_shipped_default_template_loads(void **state)
{
	struct plan	*p;
	size_t		 i, manual = 0;
	int		 seen_long = 0, seen_lag = 0, seen_idle = 0;
	int		 seen_invalid = 0, seen_lint = 0;

	(void)state;
	if (sharedir[0] == '\0')
		fail_msg("cannot find the source tree's share/; set top_srcdir");
	setenv("BELLOWS_SHARE", sharedir, 1);
	p = load_ok("name = \"x\";\ninclude = \"default\";\n"
	    "phases = ({ name = \"g\"; gate = \"go\"; });\n", NULL);
	setenv("BELLOWS_SHARE", "share", 1);
	for (i = 0; i < p->nchecklist; i++) {
		switch (p->checklist[i].kind) {
		case PLAN_CHECK_MANUAL:
			manual++;
			break;
		case PLAN_CHECK_LONG_TRANSACTIONS:
			seen_long = 1;
			assert_int_equal(p->checklist[i].max_ms, 300000);
			break;
		case PLAN_CHECK_REPLICATION_LAG:
			seen_lag = 1;
			assert_int_equal(p->checklist[i].max_ms, 10000);
			break;
		case PLAN_CHECK_IDLE_IN_TRANSACTION:
			seen_idle = 1;
			break;
		case PLAN_CHECK_INVALID_INDEXES:
			seen_invalid = 1;
			break;
		case PLAN_CHECK_LINT_CLEAN:
			seen_lint = 1;
			break;
		case PLAN_CHECK_SQL:
			fail_msg("no custom SQL item expected");
		}
	}
	assert_int_equal(manual, 10);
	assert_true(seen_long && seen_lag && seen_idle && seen_invalid &&
	    seen_lint);
	plan_free(p);
}

/* ---------------------------------------------------------------- durations */

static void
test_duration_accepts_units(void **state)
{
	static const struct {
		const char	*s;
		long		 ms;
	} ok[] = {
		{ "250ms", 250 }, { "2s", 2000 }, { "5min", 300000 },
		{ "1h", 3600000 }, { "1d", 86400000 }, { "0", 0 },
		{ "0s", 0 }, { "1.5s", 1500 }, { "0.25min", 15000 },
	};
	size_t	 i;
	long	 ms;
	char	*cause = NULL;

	(void)state;
	for (i = 0; i < nitems(ok); i++) {
		ms = -1;
		assert_int_equal(plan_parse_duration(ok[i].s, &ms, &cause), 0);
		assert_int_equal(ms, ok[i].ms);
	}
	assert_null(cause);
}

static void
test_duration_rejects_spaces_words_and_missing_units(void **state)
{
	static const struct {
		const char	*s;
		const char	*why;
	} bad[] = {
		{ "2 s", "invalid duration \"2 s\": no space allowed between the "
		    "number and the unit" },
		{ "5 minutes", "invalid duration \"5 minutes\": no space "
		    "allowed between the number and the unit" },
		{ "fast", "invalid duration \"fast\": expected a number and a "
		    "unit, such as \"250ms\", \"2s\", \"5min\" or \"1h\"" },
		{ "", "invalid duration \"\": expected a number and a unit, such "
		    "as \"250ms\", \"2s\", \"5min\" or \"1h\"" },
		{ "-1s", "invalid duration \"-1s\": expected a number and a "
		    "unit, such as \"250ms\", \"2s\", \"5min\" or \"1h\"" },
		{ "10", "invalid duration \"10\": missing unit (ms, s, min, h or "
		    "d)" },
		{ "5mins", "invalid duration \"5mins\": unknown unit 'mins'; did "
		    "you mean 'min'?" },
		{ "2S", "invalid duration \"2S\": unknown unit 'S'; did you mean "
		    "'s'?" },
		{ "2weeks", "invalid duration \"2weeks\": unknown unit 'weeks' "
		    "(ms, s, min, h or d)" },
		{ "0.5ms", "invalid duration \"0.5ms\": not a whole number of "
		    "milliseconds" },
		{ "99999999999999999999d", "invalid duration "
		    "\"99999999999999999999d\": too large" },
	};
	size_t	 i;
	long	 ms;
	char	*cause;

	(void)state;
	for (i = 0; i < nitems(bad); i++) {
		cause = NULL;
		ms = 42;
		assert_int_equal(plan_parse_duration(bad[i].s, &ms, &cause), -1);
		assert_non_null(cause);
		assert_string_equal(cause, bad[i].why);
		assert_int_equal(ms, 42);
		free(cause);
	}
}

/* ---------------------------------------------------------------- defaults */

static void
test_defaults_missing_file_is_fine(void **state)
{
	struct plan_defaults	d;
	char			*cause = NULL;

	(void)state;
	memset(&d, 0, sizeof d);
	assert_int_equal(plan_defaults_read(&d, "nope/bellows.conf", &cause),
	    0);
	assert_null(cause);
	assert_int_equal(d.retries, 0);
}

static void
test_defaults_later_file_overrides_earlier_keys_only(void **state)
{
	struct plan_defaults	d;
	char			*cause = NULL;

	(void)state;
	write_file("system.conf", "lock_timeout = \"5s\";\nretries = 3;\n"
	    "batch_rows = 500;\nmax_replica_lag = \"30s\";\n");
	write_file("user.conf", "retries = 7;\nstatement_timeout = \"1min\";\n"
	    "target_batch_ms = 250;\nmax_blocked_ms = \"2s\";\n"
	    "refresh_sessions = \"500ms\";\nrefresh_locks = \"5s\";\n");
	memset(&d, 0, sizeof d);
	assert_int_equal(plan_defaults_read(&d, "system.conf", &cause), 0);
	assert_int_equal(plan_defaults_read(&d, "user.conf", &cause), 0);
	assert_null(cause);
	assert_int_equal(d.lock_timeout_ms, 5000);
	assert_int_equal(d.retries, 7);
	assert_int_equal(d.statement_timeout_ms, 60000);
	assert_int_equal(d.batch_rows, 500);
	assert_int_equal(d.target_batch_ms, 250);
	assert_int_equal(d.max_replica_lag_ms, 30000);
	assert_int_equal(d.max_blocked_ms, 2000);
	assert_int_equal(d.refresh_sessions_ms, 500);
	assert_int_equal(d.refresh_locks_ms, 5000);
}

static void
test_defaults_load_reads_bellows_config(void **state)
{
	struct plan_defaults	d;
	char			*cause = NULL;

	(void)state;
	write_file("env.conf", "retries = 4;\n");
	setenv("BELLOWS_CONFIG", "env.conf", 1);
	assert_int_equal(plan_defaults_load(&d, &cause), 0);
	setenv("BELLOWS_CONFIG", "no-such-bellows.conf", 1);
	assert_null(cause);
	assert_int_equal(d.retries, 4);
}

static void
test_defaults_unknown_key_and_bad_value_name_file_and_line(void **state)
{
	struct plan_defaults	d;
	char			*cause = NULL;

	(void)state;
	write_file("bad.conf", "# defaults\n"
	    "retries = 3;\n"
	    "lock_timout = \"1s\";\n"
	    "batch_rows = \"many\";\n"
	    "name = \"x\";\n");
	memset(&d, 0, sizeof d);
	assert_int_equal(plan_defaults_read(&d, "bad.conf", &cause), -1);
	assert_string_equal(cause,
	    "bad.conf:3: unknown key 'lock_timout'; did you mean "
	    "'lock_timeout'?\n"
	    "bad.conf:4: batch_rows: expected an integer, got a string\n"
	    "bad.conf:5: unknown key 'name' (known keys: lock_timeout, "
	    "retries, statement_timeout, target_batch_ms, batch_rows, "
	    "max_replica_lag, max_blocked_ms, refresh_sessions, "
	    "refresh_locks)");
	free(cause);

	write_file("bad.conf", "retries = ;\n");
	setenv("BELLOWS_CONFIG", "bad.conf", 1);
	assert_int_equal(plan_defaults_load(&d, &cause), -1);
	setenv("BELLOWS_CONFIG", "no-such-bellows.conf", 1);
	assert_string_equal(cause, "bad.conf:1: syntax error");
	free(cause);
}

static void
test_defaults_sit_under_the_plan(void **state)
{
	struct plan_defaults	 d;
	struct plan		*p;
	struct plan_backfill	*bf;

	(void)state;
	memset(&d, 0, sizeof d);
	d.lock_timeout_ms = 5000;
	d.retries = 3;
	d.statement_timeout_ms = 60000;
	d.batch_rows = 2000;
	d.target_batch_ms = 300;
	d.max_replica_lag_ms = 20000;
	d.max_blocked_ms = 400;

	/* Unset in the plan: the defaults file's values. */
	p = load_ok("name = \"x\";\n"
	    "phases = ({ name = \"b\"; backfill = { table = \"t\"; "
	    "key = \"id\"; set = \"a = 1\"; }; });\n", &d);
	assert_int_equal(p->lock_timeout_ms, 5000);
	assert_int_equal(p->retries, 3);
	assert_int_equal(p->statement_timeout_ms, 60000);
	bf = &p->phases[0].backfill;
	assert_int_equal(bf->batch_rows, 2000);
	assert_int_equal(bf->target_batch_ms, 300);
	assert_int_equal(bf->max_replica_lag_ms, 20000);
	assert_int_equal(bf->max_blocked_ms, 400);
	plan_free(p);

	/* Set in the plan: the plan's. */
	p = load_ok("name = \"x\";\nlock_timeout = \"1s\";\nretries = 0;\n"
	    "statement_timeout = \"0\";\n"
	    "phases = ({ name = \"b\"; backfill = { table = \"t\"; "
	    "key = \"id\"; set = \"a = 1\"; batch_rows = 100; "
	    "target_batch_ms = 50; max_replica_lag = \"1s\"; "
	    "max_blocked_ms = 10; }; });\n", &d);
	assert_int_equal(p->lock_timeout_ms, 1000);
	assert_int_equal(p->retries, 0);
	assert_int_equal(p->statement_timeout_ms, 0);
	bf = &p->phases[0].backfill;
	assert_int_equal(bf->batch_rows, 100);
	assert_int_equal(bf->target_batch_ms, 50);
	assert_int_equal(bf->max_replica_lag_ms, 1000);
	assert_int_equal(bf->max_blocked_ms, 10);
	plan_free(p);

	/* An inherited batch size is pulled into the plan's bounds. */
	d.batch_rows = 1000000;
	p = load_ok("name = \"x\";\n"
	    "phases = ({ name = \"b\"; backfill = { table = \"t\"; "
	    "key = \"id\"; set = \"a = 1\"; max_rows = 5000; }; });\n", &d);
	assert_int_equal(p->phases[0].backfill.batch_rows, 5000);
	plan_free(p);
}

/* ---------------------------------------------------------------- positions */

static void
test_pos_points_inside_the_opening_quote(void **state)
{
	struct plan	*p;
	struct plan_step *st;

	(void)state;
	p = load_ok("name = \"x\";\n"
	    "phases = ({ name = \"e\"; steps = (\n"
	    "\t{ sql = \"SELECT 1\"; rollback=\"SELECT 2\"; },\n"
	    "  { sql = \"SELECT 3\"; }, { sql = \"SELECT 4\"; },\n"
	    "  { sql =\n"
	    "      # comment\n"
	    "      \"SELECT 5\"; }\n"
	    "); });\n", NULL);
	st = p->phases[0].steps;
	assert_int_equal(st[0].sql_pos.line, 3);
	assert_int_equal(st[0].sql_pos.col, 11);
	assert_int_equal(st[0].rollback_pos.line, 3);
	assert_int_equal(st[0].rollback_pos.col, 32);
	/* Two keys of one name on a line: told apart by their values. */
	assert_int_equal(st[1].sql_pos.line, 4);
	assert_int_equal(st[1].sql_pos.col, 12);
	assert_int_equal(st[2].sql_pos.line, 4);
	assert_int_equal(st[2].sql_pos.col, 35);
	/* The value starts on a later line than its key. */
	assert_int_equal(st[3].sql_pos.line, 7);
	assert_int_equal(st[3].sql_pos.col, 8);
	assert_null(st[3].sql_pos.anchors);
	plan_free(p);
}

static void
test_pos_at_follows_newlines_inside_the_value(void **state)
{
	struct plan	*p;
	struct plan_step *st;
	int		 line, col;

	(void)state;
	p = load_ok("name = \"x\";\n"
	    "phases = ({ name = \"e\"; steps = (\n"
	    "  { sql = \"SELECT 1;\n"
	    "SELECT oops;\n"
	    "  SELECT 3\"; }\n"
	    "); });\n", NULL);
	st = &p->phases[0].steps[0];
	plan_pos_at(&st->sql_pos, st->sql, 0, &line, &col);
	assert_int_equal(line, 3);
	assert_int_equal(col, 12);
	plan_pos_at(&st->sql_pos, st->sql, 7, &line, &col);	/* "1" */
	assert_int_equal(line, 3);
	assert_int_equal(col, 19);
	plan_pos_at(&st->sql_pos, st->sql, 17, &line, &col);	/* "oops" */
	assert_int_equal(line, 4);
	assert_int_equal(col, 8);
	plan_pos_at(&st->sql_pos, st->sql, 25, &line, &col);	/* "SELECT 3" */
	assert_int_equal(line, 5);
	assert_int_equal(col, 3);
	plan_free(p);
}

static void
test_pos_at_follows_concatenated_literals_and_escapes(void **state)
{
	struct plan	*p;
	struct plan_backfill *bf;
	const char	*w;
	int		 line, col;

	(void)state;
	p = load_ok("name = \"x\";\n"
	    "phases = ({ name = \"b\"; backfill = { table = \"t\"; key = \"id\";\n"
	    "  set = \"a = 1\";\n"
	    "  where = \"a IS NULL \"   # first half\n"
	    "          \"AND b = \\\"q\\\" \"\n"
	    "          /* why */ \"AND c\"; }; });\n", NULL);
	bf = &p->phases[0].backfill;
	w = bf->where;
	assert_string_equal(w, "a IS NULL AND b = \"q\" AND c");
	assert_int_equal(bf->where_pos.line, 4);
	assert_int_equal(bf->where_pos.col, 12);
	assert_non_null(bf->where_pos.anchors);

	plan_pos_at(&bf->where_pos, w, 2, &line, &col);	/* "IS" */
	assert_int_equal(line, 4);
	assert_int_equal(col, 14);
	plan_pos_at(&bf->where_pos, w, 10, &line, &col);	/* "AND b" */
	assert_int_equal(line, 5);
	assert_int_equal(col, 12);
	plan_pos_at(&bf->where_pos, w, 19, &line, &col);	/* "q" after \" */
	assert_int_equal(line, 5);
	assert_int_equal(col, 22);
	plan_pos_at(&bf->where_pos, w, 20, &line, &col);	/* second \" */
	assert_int_equal(line, 5);
	assert_int_equal(col, 23);
	plan_pos_at(&bf->where_pos, w, 22, &line, &col);	/* "AND c" */
	assert_int_equal(line, 6);
	assert_int_equal(col, 22);
	assert_int_equal(bf->set_pos.line, 3);
	assert_int_equal(bf->set_pos.col, 10);
	plan_free(p);
}

static void
test_pos_at_without_anchors_counts_from_start(void **state)
{
	struct plan_pos	pos;
	int		line, col;

	(void)state;
	memset(&pos, 0, sizeof pos);
	pos.file = "m.sql";
	pos.line = 1;
	pos.col = 1;
	plan_pos_at(&pos, "SELECT 1;\n\tSELECT 2;", 11, &line, &col);
	assert_int_equal(line, 2);
	assert_int_equal(col, 2);
	/* Past the end: clamped to the end of the text. */
	plan_pos_at(&pos, "ab", 10, &line, &col);
	assert_int_equal(line, 1);
	assert_int_equal(col, 3);
}

/* ---------------------------------------------------------------- sha256 */

static void
test_plan_sha256_matches_known_digests(void **state)
{
	/* Digests from an independent implementation (Python's hashlib) of
	 * MINIMAL padded with a comment to lengths around SHA-256's 55/56
	 * and 64 byte block boundaries. */
	static const struct {
		size_t		 len;
		const char	*hex;
	} vec[] = {
		{ 55, "f5cad4d50f16cfd7578bb94a6054d9d02df406ea64fcfee6e1c755ae5766a86b" },
		{ 56, "44f2feeeb7a6fc06ee3a5154b3c9fea93dce7a2e57fef95c8ec0bb325392334f" },
		{ 63, "cc87815f0337f67050dceeb200709b6d120b93ab0448a9d2a58f12336b75bde0" },
		{ 64, "309289440d84bc587201972078330cd95afeb3ab3d140c14733b2612127c9479" },
		{ 65, "fd6efb4c5c66c6ecd6c7178b1d79bd72fccd7d4e6ff1981a0302070f801a952f" },
		{ 119, "dc80463df5b03c468c7b7aa073632422e9f97e8015b7b857184ba7458345d996" },
		{ 120, "58ca0bcb8f58187b1977b5285efde417d659128ae1b8a6b22b10b9a7b06d8cd0" },
		{ 1000, "2e5591f746d97eebed2bf74ebcd40e6c847d3119f78db99f386a3fd3521c7ca2" },
	};
	struct plan	*p;
	struct buf	 b;
	size_t		 i;

	(void)state;
	for (i = 0; i < nitems(vec); i++) {
		buf_init(&b);
		buf_puts(&b, MINIMAL "#");
		while (b.len < vec[i].len - 1)
			buf_putc(&b, 'a');
		buf_putc(&b, '\n');
		assert_int_equal(b.len, vec[i].len);
		p = load_ok(b.data, NULL);
		assert_string_equal(p->sha256, vec[i].hex);
		plan_free(p);
		buf_free(&b);
	}
}

static void
test_plan_nul_byte_or_bad_utf8_is_an_error_naming_the_line(void **state)
{
	static const char	 nul[] = "name = \"x\";\nphases = ({ name = "
	    "\"s\"; steps = ({ sql = \"SELECT 1\0; DROP TABLE t\"; }); });\n";
	static const char	 ff[] = "name = \"x\";\n\nphases = ({ name = "
	    "\"g\"; gate = \"go \xff\"; });\n";

	(void)state;
	load_bytes_fails(nul, sizeof nul - 1, "p.conf:2: NUL byte (not text)");
	load_bytes_fails(ff, sizeof ff - 1,
	    "p.conf:3: invalid UTF-8 (byte 0xff)");
	load_fails("name = \"x\";\nphases = ({ name = \"g\";\n"
	    " gate = \"a\\x00b\"; });\n", "p.conf:3: NUL byte (\\x00) in a "
	    "string");
	load_fails("name = \"x\";\nphases = ({ name = \"g\";\n"
	    " gate = \"a\\xffb\"; });\n", "p.conf:3: phases[0].gate: invalid "
	    "UTF-8 (an escape such as \\xff makes a byte that is not text)");
	/* Files pulled in by @include are checked the same way. */
	mkdir("inc", 0755);
	write_file("inc/bad.conf", "\nphases = ({ name = \"g\";\n"
	    " gate = \"a\xc3\"; });\n");
	load_fails("name = \"x\";\n@include \"inc/bad.conf\"\n",
	    "inc/bad.conf:3: invalid UTF-8 (byte 0xc3)");
	/* In a comment \x00 is only text; UTF-8 is fine anywhere. */
	plan_free(load_ok("# \\x00 \"\nname = \"x\";  // caf\xc3\xa9 \\x00\n"
	    "phases = ({ name = \"g\"; gate = \"go \xe2\x86\x92\"; });\n", NULL));
}

static void
test_plan_queries_that_write_are_plan_errors(void **state)
{
	(void)state;
	load_fails("name = \"x\";\nphases = ({ name = \"v\"; verify = (\n"
	    " { sql = \"SELECT 1;\\n CREATE TABLE x (a int)\"; expect = "
	    "\"1\"; }); });\n", "p.conf:3: phases[0].verify[0].sql: must be "
	    "exactly one statement (found 2)");
	load_fails("name = \"x\";\nphases = ({ name = \"v\"; verify = (\n"
	    " { sql = \"INSERT INTO t VALUES (1)\"; expect = \"1\"; }); });\n",
	    "p.conf:3: phases[0].verify[0].sql: must be a query that only "
	    "reads (SELECT, VALUES, TABLE or WITH ... SELECT), not INSERT");
	load_fails("name = \"x\";\nphases = ({ name = \"b\"; backfill = {\n"
	    " table = \"t\"; key = \"id\"; set = \"a = 1\";\n"
	    " throttle_sql = \"WITH d AS (DELETE FROM t RETURNING 1) SELECT "
	    "true\"; }; });\n", "p.conf:4: phases[0].backfill.throttle_sql: "
	    "must only read: it holds a data-modifying statement (INSERT, "
	    "UPDATE, DELETE or MERGE)");
	load_fails("name = \"x\";\nchecklist = ({ id = \"a\"; text = \"t\";\n"
	    " auto = \"sql\"; sql = \"SELECT true FROM t FOR UPDATE\"; });\n"
	    "phases = ({ name = \"g\"; gate = \"go\"; });\n",
	    "p.conf:3: checklist[0].sql: must only read: FOR UPDATE/SHARE "
	    "locks rows");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_design_example_loads_with_every_field),
		cmocka_unit_test(test_plan_minimal_plan_gets_builtin_defaults),
		cmocka_unit_test(test_plan_backfill_gets_builtin_defaults),
		cmocka_unit_test(test_plan_backfill_thresholds_take_durations_or_milliseconds),
		cmocka_unit_test(test_plan_verify_expect_may_be_integer_or_boolean),
		cmocka_unit_test(test_plan_contract_and_destructive_phases_are_destructive),
		cmocka_unit_test(test_plan_second_signoff_marks_the_named_phases),
		cmocka_unit_test(test_plan_checklist_sql_item_is_custom_check),
		cmocka_unit_test(test_plan_unknown_key_suggests_closest),
		cmocka_unit_test(test_plan_unknown_key_at_every_level_is_reported),
		cmocka_unit_test(test_plan_swapped_letters_still_get_a_suggestion),
		cmocka_unit_test(test_plan_wrong_types_name_key_and_both_types),
		cmocka_unit_test(test_plan_missing_required_keys_are_each_reported),
		cmocka_unit_test(test_plan_empty_values_are_errors),
		cmocka_unit_test(test_plan_phase_needs_exactly_one_kind),
		cmocka_unit_test(test_plan_duplicate_names_and_ids_are_errors),
		cmocka_unit_test(test_plan_bad_durations_name_the_key),
		cmocka_unit_test(test_plan_zero_lock_timeout_is_refused),
		cmocka_unit_test(test_plan_unknown_auto_kind_suggests_closest),
		cmocka_unit_test(test_plan_nonpositive_numbers_are_errors),
		cmocka_unit_test(test_plan_batch_rows_must_fit_its_bounds),
		cmocka_unit_test(test_plan_second_signoff_of_unknown_phase_is_error),
		cmocka_unit_test(test_plan_name_must_fit_application_name),
		cmocka_unit_test(test_plan_syntax_error_names_file_and_line),
		cmocka_unit_test(test_plan_missing_file_is_error),
		cmocka_unit_test(test_plan_errors_in_libconfig_include_name_included_file),
		cmocka_unit_test(test_plan_include_puts_template_items_first_and_plan_overrides),
		cmocka_unit_test(test_plan_include_takes_a_path_relative_to_the_plan),
		cmocka_unit_test(test_plan_include_unknown_template_suggests_closest),
		cmocka_unit_test(test_plan_errors_in_template_name_the_template),
		cmocka_unit_test(test_plan_shipped_default_template_loads),
		cmocka_unit_test(test_duration_accepts_units),
		cmocka_unit_test(test_duration_rejects_spaces_words_and_missing_units),
		cmocka_unit_test(test_defaults_missing_file_is_fine),
		cmocka_unit_test(test_defaults_later_file_overrides_earlier_keys_only),
		cmocka_unit_test(test_defaults_load_reads_bellows_config),
		cmocka_unit_test(test_defaults_unknown_key_and_bad_value_name_file_and_line),
		cmocka_unit_test(test_defaults_sit_under_the_plan),
		cmocka_unit_test(test_pos_points_inside_the_opening_quote),
		cmocka_unit_test(test_pos_at_follows_newlines_inside_the_value),
		cmocka_unit_test(test_pos_at_follows_concatenated_literals_and_escapes),
		cmocka_unit_test(test_pos_at_without_anchors_counts_from_start),
		cmocka_unit_test(test_plan_sha256_matches_known_digests),
		cmocka_unit_test(test_plan_nul_byte_or_bad_utf8_is_an_error_naming_the_line),
		cmocka_unit_test(test_plan_queries_that_write_are_plan_errors),
	};

	return (cmocka_run_group_tests(tests, group_setup, group_teardown));
}
