/* Unit tests for util: buffers, allocation helpers, typo suggestions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util.h"

static void
test_buf_grows_and_stays_terminated(void **state)
{
	struct buf	 b;
	char		*s;
	int		 i;

	(void)state;
	buf_init(&b);
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i % 10);
	assert_int_equal(b.len, 2000);
	assert_int_equal(b.data[b.len], '\0');
	assert_memory_equal(b.data, "0,1,2,", 6);
	s = buf_detach(&b);
	assert_null(b.data);
	assert_int_equal(strlen(s), 2000);
	free(s);
}

static void
test_buf_detach_of_empty_buffer_is_empty_string(void **state)
{
	struct buf	 b;
	char		*s;

	(void)state;
	buf_init(&b);
	s = buf_detach(&b);
	assert_string_equal(s, "");
	free(s);
}

static void
test_xasprintf_formats(void **state)
{
	char	*s;

	(void)state;
	s = xasprintf("%s:%d: %s", "plan.conf", 12, "unknown key");
	assert_string_equal(s, "plan.conf:12: unknown key");
	free(s);
}

static void
test_edit_distance_counts_edits(void **state)
{
	(void)state;
	assert_int_equal(util_edit_distance("sql", "sql"), 0);
	assert_int_equal(util_edit_distance("sqll", "sql"), 1);
	assert_int_equal(util_edit_distance("rollbak", "rollback"), 1);
	assert_int_equal(util_edit_distance("", "abc"), 3);
	assert_int_equal(util_edit_distance("kitten", "sitting"), 3);
}

static void
test_suggest_finds_typo_and_refuses_far_words(void **state)
{
	const char *const cands[] = { "lint", "check", "run", "rollback",
	    "status", NULL };

	(void)state;
	assert_string_equal(util_suggest("rollbak", cands), "rollback");
	assert_string_equal(util_suggest("stauts", cands), "status");
	assert_null(util_suggest("frobnicate", cands));
}

/* A take-over or stop command is pasted into a shell: a socket path with a
 * space or a conninfo with quotes must come out as one word. */
static void
test_shquote_makes_one_shell_word(void **state)
{
	char	*q;

	(void)state;
	q = util_shquote("dbname=shop");
	assert_string_equal(q, "dbname=shop");
	free(q);
	q = util_shquote("host='/tmp/a b' dbname=demo");
	assert_string_equal(q, "'host='\\''/tmp/a b'\\'' dbname=demo'");
	free(q);
	q = util_shquote("");
	assert_string_equal(q, "''");
	free(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_grows_and_stays_terminated),
		cmocka_unit_test(test_buf_detach_of_empty_buffer_is_empty_string),
		cmocka_unit_test(test_xasprintf_formats),
		cmocka_unit_test(test_edit_distance_counts_edits),
		cmocka_unit_test(test_suggest_finds_typo_and_refuses_far_words),
		cmocka_unit_test(test_shquote_makes_one_shell_word),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
