/* Unit tests for fmt: durations, rates, sizes, counts, ETAs, percents. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fmt.h"
#include "monitor.h"

static void
test_fmt_duration_reads_like_a_person(void **state)
{
	char	b[FMT_LEN];

	(void)state;
	assert_string_equal(fmt_duration(-1, b, sizeof b), "-");
	assert_string_equal(fmt_duration(0, b, sizeof b), "0ms");
	assert_string_equal(fmt_duration(850, b, sizeof b), "850ms");
	assert_string_equal(fmt_duration(999, b, sizeof b), "999ms");
	assert_string_equal(fmt_duration(1000, b, sizeof b), "1.0s");
	assert_string_equal(fmt_duration(8249, b, sizeof b), "8.2s");
	assert_string_equal(fmt_duration(9999, b, sizeof b), "9.9s");
	assert_string_equal(fmt_duration(42000, b, sizeof b), "42s");
	assert_string_equal(fmt_duration(59999, b, sizeof b), "59s");
	assert_string_equal(fmt_duration(60000, b, sizeof b), "1min");
	assert_string_equal(fmt_duration(192000, b, sizeof b), "3min 12s");
	assert_string_equal(fmt_duration(3600000, b, sizeof b), "1h");
	assert_string_equal(fmt_duration(7500000, b, sizeof b), "2h 05min");
	assert_string_equal(fmt_duration(86400000L, b, sizeof b), "1d");
	assert_string_equal(fmt_duration(273600000L, b, sizeof b), "3d 4h");
}

static void
test_fmt_duration_and_monitor_format_ms_agree(void **state)
{
	static const long	 ms[] = { -5, 0, 1, 999, 1500, 61000, 7500000,
				    273600000L };
	char			 a[FMT_LEN], b[MONITOR_DURATION_LEN];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof ms / sizeof ms[0]; i++)
		assert_string_equal(fmt_duration(ms[i], a, sizeof a),
		    monitor_format_ms(ms[i], b, sizeof b));
}

static void
test_fmt_duration_truncates_into_a_short_buffer(void **state)
{
	char	b[4];

	(void)state;
	assert_string_equal(fmt_duration(192000, b, sizeof b), "3mi");
}

static void
test_fmt_rate_scales_by_thousands(void **state)
{
	char	b[FMT_LEN];

	(void)state;
	assert_string_equal(fmt_rate(-1, "rows", b, sizeof b), "-");
	assert_string_equal(fmt_rate(0, "rows", b, sizeof b), "0 rows/s");
	assert_string_equal(fmt_rate(0.5, "rows", b, sizeof b), "0.5 rows/s");
	assert_string_equal(fmt_rate(9.99, "rows", b, sizeof b), "9.9 rows/s");
	assert_string_equal(fmt_rate(850, "rows", b, sizeof b), "850 rows/s");
	assert_string_equal(fmt_rate(999.9, "rows", b, sizeof b), "999 rows/s");
	assert_string_equal(fmt_rate(1000, "rows", b, sizeof b), "1.0k rows/s");
	assert_string_equal(fmt_rate(12345, "rows", b, sizeof b),
	    "12.3k rows/s");
	assert_string_equal(fmt_rate(12300, "rows", b, sizeof b),
	    "12.3k rows/s");
	assert_string_equal(fmt_rate(123456, "rows", b, sizeof b),
	    "123k rows/s");
	assert_string_equal(fmt_rate(4.1e6, "rows", b, sizeof b),
	    "4.1M rows/s");
	assert_string_equal(fmt_rate(2.5e9, NULL, b, sizeof b), "2.5G/s");
	assert_string_equal(fmt_rate(NAN, "rows", b, sizeof b), "-");
	assert_string_equal(fmt_rate(INFINITY, "rows", b, sizeof b), "-");
}

static void
test_fmt_size_uses_binary_units(void **state)
{
	char	b[FMT_LEN];

	(void)state;
	assert_string_equal(fmt_size(-1, b, sizeof b), "-");
	assert_string_equal(fmt_size(0, b, sizeof b), "0 B");
	assert_string_equal(fmt_size(512, b, sizeof b), "512 B");
	assert_string_equal(fmt_size(1023, b, sizeof b), "1023 B");
	assert_string_equal(fmt_size(1024, b, sizeof b), "1.0 KiB");
	assert_string_equal(fmt_size(8192, b, sizeof b), "8.0 KiB");
	assert_string_equal(fmt_size(12897485, b, sizeof b), "12.3 MiB");
	assert_string_equal(fmt_size(128974848, b, sizeof b), "123 MiB");
	assert_string_equal(fmt_size(1288490189, b, sizeof b), "1.2 GiB");
	assert_string_equal(fmt_size(INT64_C(1) << 50, b, sizeof b),
	    "1.0 PiB");
	assert_string_equal(fmt_size(INT64_C(5000) << 50, b, sizeof b),
	    "5000 PiB");
}

static void
test_fmt_count_separates_thousands(void **state)
{
	char	b[FMT_LEN];

	(void)state;
	assert_string_equal(fmt_count(0, b, sizeof b), "0");
	assert_string_equal(fmt_count(999, b, sizeof b), "999");
	assert_string_equal(fmt_count(1000, b, sizeof b), "1,000");
	assert_string_equal(fmt_count(1234567, b, sizeof b), "1,234,567");
	assert_string_equal(fmt_count(-42, b, sizeof b), "-42");
	assert_string_equal(fmt_count(-1234, b, sizeof b), "-1,234");
	assert_string_equal(fmt_count(INT64_MIN, b, sizeof b),
	    "-9,223,372,036,854,775,808");
	assert_true(strlen("-9,223,372,036,854,775,808") < FMT_LEN);
}

static void
test_fmt_eta_divides_what_is_left_by_the_rate(void **state)
{
	char	b[FMT_LEN];

	(void)state;
	assert_string_equal(fmt_eta(1000, 10, b, sizeof b), "1min 40s");
	assert_string_equal(fmt_eta(900000, 12300, b, sizeof b), "1min 13s");
	assert_string_equal(fmt_eta(5, 10, b, sizeof b), "500ms");
	assert_string_equal(fmt_eta(0, 0, b, sizeof b), "0ms");
	assert_string_equal(fmt_eta(100, 0, b, sizeof b), "-");
	assert_string_equal(fmt_eta(100, -3, b, sizeof b), "-");
	assert_string_equal(fmt_eta(1e12, 1e-6, b, sizeof b), "-");
	assert_string_equal(fmt_eta(NAN, 10, b, sizeof b), "-");
}

static void
test_fmt_percent_never_rounds_up_to_done(void **state)
{
	char	b[FMT_LEN];

	(void)state;
	assert_string_equal(fmt_percent(0, 100, b, sizeof b), "0.0%");
	assert_string_equal(fmt_percent(423, 1000, b, sizeof b), "42.3%");
	assert_string_equal(fmt_percent(1, 3, b, sizeof b), "33.3%");
	assert_string_equal(fmt_percent(9996, 10000, b, sizeof b), "99.9%");
	assert_string_equal(fmt_percent(999999999, 1e9, b, sizeof b),
	    "99.9%");
	assert_string_equal(fmt_percent(100, 100, b, sizeof b), "100%");
	assert_string_equal(fmt_percent(120, 100, b, sizeof b), "100%");
	assert_string_equal(fmt_percent(-5, 100, b, sizeof b), "0.0%");
	assert_string_equal(fmt_percent(5, 0, b, sizeof b), "-");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fmt_duration_reads_like_a_person),
		cmocka_unit_test(test_fmt_duration_and_monitor_format_ms_agree),
		cmocka_unit_test(test_fmt_duration_truncates_into_a_short_buffer),
		cmocka_unit_test(test_fmt_rate_scales_by_thousands),
		cmocka_unit_test(test_fmt_size_uses_binary_units),
		cmocka_unit_test(test_fmt_count_separates_thousands),
		cmocka_unit_test(test_fmt_eta_divides_what_is_left_by_the_rate),
		cmocka_unit_test(test_fmt_percent_never_rounds_up_to_done),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
