/*
 * Unit tests of the engine that need no server: the retry backoff and the
 * check that every step fits how bellows runs steps.  The walk through a
 * plan against a real server is tested in tests/integ/engine.sh.
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

#include "engine.h"
#include "plan.h"
#include "sql.h"
#include "util.h"

static void
test_backoff_grows_exponentially_and_is_capped(void **state)
{
	(void)state;
	/* r = 0.5 is the middle of the jitter: no change. */
	assert_int_equal(engine_backoff_ms(1, 0.5), 250);
	assert_int_equal(engine_backoff_ms(2, 0.5), 500);
	assert_int_equal(engine_backoff_ms(3, 0.5), 1000);
	assert_int_equal(engine_backoff_ms(8, 0.5), 30000);
	assert_int_equal(engine_backoff_ms(40, 0.5), 30000);
}

static void
test_backoff_jitter_spans_half_to_one_and_a_half(void **state)
{
	(void)state;
	assert_int_equal(engine_backoff_ms(3, 0.0), 500);
	assert_int_equal(engine_backoff_ms(3, 0.999), 1499);
}

/* Load PLAN text from a temporary file. */
static struct plan *
load(const char *text, char **cause)
{
	char		 path[] = "/tmp/bellows-test-engine-XXXXXX";
	struct plan	*p;
	FILE		*f;
	int		 fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	p = plan_load(path, NULL, cause);
	unlink(path);
	return (p);
}

static char *
validate(const char *steps)
{
	struct engine_options	 o = { 0 };
	struct engine		*e;
	struct plan		*p;
	char			*text, *cause = NULL;

	text = xasprintf("name = \"t\";\nphases = ( { name = \"expand\"; "
	    "steps = (\n%s\n); } );\n", steps);
	p = load(text, &cause);
	free(text);
	if (p == NULL)
		fail_msg("plan: %s", cause);
	e = engine_new(p, NULL, NULL, &o);
	if (engine_validate(e, &cause) == 0)
		cause = NULL;
	engine_free(e);
	plan_free(p);
	return (cause);
}

static void
test_validate_accepts_transactional_and_lone_concurrent_steps(void **state)
{
	(void)state;
	assert_null(validate(
	    "{ sql = \"ALTER TABLE t ADD COLUMN a int; ALTER TABLE t ADD COLUMN b int\"; },\n"
	    "{ sql = \"CREATE INDEX CONCURRENTLY i ON t (a)\";"
	    "  rollback = \"DROP INDEX CONCURRENTLY IF EXISTS i\"; }"));
}

static void
test_validate_refuses_concurrently_mixed_with_other_statements(void **state)
{
	char	*cause;

	(void)state;
	cause = validate("{ name = \"both\"; sql = \"ALTER TABLE t ADD COLUMN a int; "
	    "CREATE INDEX CONCURRENTLY i ON t (a)\"; }");
	assert_non_null(cause);
	assert_non_null(strstr(cause, ":3:57: step 'both': CREATE INDEX cannot "
	    "run in a transaction block, so it must be alone in its step"));
	free(cause);
}

static void
test_validate_refuses_transaction_control_with_line_and_column(void **state)
{
	char	*cause;

	(void)state;
	cause = validate("{ name = \"tx\";\n  sql = \"BEGIN; ALTER TABLE t ADD COLUMN a int; COMMIT\"; }");
	assert_non_null(cause);
	assert_non_null(strstr(cause, ":4:10: step 'tx': transaction control: "
	    "bellows runs each step in its own transaction"));
	free(cause);
}

static void
test_validate_checks_rollback_sql_too(void **state)
{
	char	*cause;

	(void)state;
	cause = validate("{ name = \"r\"; sql = \"SELECT 1\"; rollback = \"SELEC 1\"; }");
	assert_non_null(cause);
	assert_non_null(strstr(cause, "step 'r': syntax error"));
	free(cause);
}

static int
teardown(void **state)
{
	(void)state;
	sql_cleanup();
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_grows_exponentially_and_is_capped),
		cmocka_unit_test(test_backoff_jitter_spans_half_to_one_and_a_half),
		cmocka_unit_test(test_validate_accepts_transactional_and_lone_concurrent_steps),
		cmocka_unit_test(test_validate_refuses_concurrently_mixed_with_other_statements),
		cmocka_unit_test(test_validate_refuses_transaction_control_with_line_and_column),
		cmocka_unit_test(test_validate_checks_rollback_sql_too),
	};

	return (cmocka_run_group_tests(tests, NULL, teardown));
}
