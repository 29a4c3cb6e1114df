/*
 * Unit tests of the backfill planner that need no server: the batch-size
 * controller, retries, progress math (percent, ETA, smoothed rate,
 * percentiles, the sparkline ring), the SQL it builds and the check of a
 * forced nested-loop plan.  The clock is a variable the tests move; the
 * backfill gets no connection (identifiers are quoted by the same rule).
 * Batches against a real server are tested in tests/integ/backfill.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "backfill.h"
#include "plan.h"

static int64_t	test_now;

static int64_t
test_clock(void *arg)
{
	(void)arg;
	return (test_now);
}

static struct plan_backfill
test_plan(void)
{
	struct plan_backfill	bf;

	memset(&bf, 0, sizeof bf);
	bf.table = (char *)"orders";
	bf.key = (char *)"id";
	bf.set = (char *)"user_email = u.email";
	bf.from = (char *)"users u";
	bf.where = (char *)"u.id = orders.user_id";
	bf.batch_rows = 1000;
	bf.min_rows = 100;
	bf.max_rows = 100000;
	bf.target_batch_ms = 100;
	return (bf);
}

/* One batch of the current size that takes MS_PER_KEY per key (plus
 * GAP_MS between batches), through the calls the engine makes. */
static int64_t
test_batch(struct backfill *b, double ms_per_key, int64_t gap_ms)
{
	struct backfill_progress	 p;
	const char *const		*params;
	int				 n;
	int64_t				 size, ms;
	char				 upper[32];
	static int64_t			 key;

	backfill_progress(b, &p);
	size = p.batch_rows;
	(void)backfill_bound_sql(b, &params, &n);
	key += size;
	snprintf(upper, sizeof upper, "%lld", (long long)key);
	backfill_set_upper(b, upper);
	ms = (int64_t)((double)size * ms_per_key);
	test_now += ms + gap_ms;
	backfill_batch_done(b, size, ms);
	return (size);
}

static void
test_backfill_controller_converges_toward_target(void **state)
{
	struct plan_backfill		 bf = test_plan();
	struct backfill			*b;
	struct backfill_progress	 p;
	int				 i;

	(void)state;
	b = backfill_new(&bf, NULL, test_clock, NULL);
	/* 0.01 ms a key: 10,000 keys make the 100 ms target. */
	for (i = 0; i < 30; i++)
		test_batch(b, 0.01, 1);
	backfill_progress(b, &p);
	assert_in_range(p.batch_rows, 9000, 11000);
	/* The database slows down 4x: the size follows within a few
	 * batches, never more than halving at a time. */
	test_batch(b, 0.04, 1);
	backfill_progress(b, &p);
	assert_in_range(p.batch_rows, 4500, 5500);
	for (i = 0; i < 10; i++)
		test_batch(b, 0.04, 1);
	backfill_progress(b, &p);
	assert_in_range(p.batch_rows, 2250, 2750);
	backfill_free(b);
}

static void
test_backfill_size_respects_min_and_max_rows(void **state)
{
	struct plan_backfill		 bf = test_plan();
	struct backfill			*b;
	struct backfill_progress	 p;
	int				 i;

	(void)state;
	bf.min_rows = 500;
	bf.max_rows = 20000;
	b = backfill_new(&bf, NULL, test_clock, NULL);
	for (i = 0; i < 20; i++)
		test_batch(b, 0.0001, 1);
	backfill_progress(b, &p);
	assert_int_equal(p.batch_rows, 20000);
	for (i = 0; i < 20; i++)
		test_batch(b, 10.0, 1);
	backfill_progress(b, &p);
	assert_int_equal(p.batch_rows, 500);
	backfill_free(b);

	/* A batch_rows outside the bounds starts inside them. */
	bf.batch_rows = 1000000;
	b = backfill_new(&bf, NULL, test_clock, NULL);
	backfill_progress(b, &p);
	assert_int_equal(p.batch_rows, 20000);
	backfill_free(b);
}

static void
test_backfill_halves_and_retries_on_timeout_deadlock_and_lock_timeout(
    void **state)
{
	static const char *const	 codes[] = { "57014", "40P01",
	    "55P03" };
	struct plan_backfill		 bf = test_plan();
	struct backfill			*b;
	struct backfill_progress	 p;
	const char *const		*params;
	size_t				 i;
	int				 n;

	(void)state;
	bf.batch_rows = 8000;
	b = backfill_new(&bf, NULL, test_clock, NULL);
	for (i = 0; i < 3; i++) {
		(void)backfill_bound_sql(b, &params, &n);
		backfill_set_upper(b, "100");
		assert_int_equal(backfill_batch_failed(b, codes[i]), 1);
		backfill_progress(b, &p);
		assert_int_equal(p.batch_rows, 8000 >> (i + 1));
		/* Nothing was done: the cursor did not move. */
		assert_null(p.cursor);
		assert_int_equal(p.batches, 0);
	}
	/* Never below min_rows. */
	for (i = 0; i < 5; i++) {
		(void)backfill_bound_sql(b, &params, &n);
		assert_int_equal(backfill_batch_failed(b, "57014"), 1);
	}
	backfill_progress(b, &p);
	assert_int_equal(p.batch_rows, 100);
	backfill_free(b);
}

static void
test_backfill_stops_on_other_errors(void **state)
{
	struct plan_backfill		 bf = test_plan();
	struct backfill			*b;
	struct backfill_progress	 p;
	const char *const		*params;
	int				 n;

	(void)state;
	b = backfill_new(&bf, NULL, test_clock, NULL);
	(void)backfill_bound_sql(b, &params, &n);
	backfill_set_upper(b, "100");
	assert_int_equal(backfill_batch_failed(b, "23505"), 0);
	assert_int_equal(backfill_batch_failed(b, "42P01"), 0);
	assert_int_equal(backfill_batch_failed(b, ""), 0);
	assert_int_equal(backfill_batch_failed(b, NULL), 0);
	backfill_progress(b, &p);
	assert_int_equal(p.batch_rows, 1000);
	backfill_free(b);
}

static void
test_backfill_gives_up_after_many_failures_in_a_row(void **state)
{
	struct plan_backfill	 bf = test_plan();
	struct backfill		*b;
	const char *const	*params;
	int			 n, i, retried = 0;

	(void)state;
	b = backfill_new(&bf, NULL, test_clock, NULL);
	for (i = 0; i < 100; i++) {
		(void)backfill_bound_sql(b, &params, &n);
		if (!backfill_batch_failed(b, "55P03"))
			break;
		retried++;
	}
	assert_in_range(retried, 3, 50);
	backfill_free(b);

	/* A success in between resets the count. */
	b = backfill_new(&bf, NULL, test_clock, NULL);
	for (i = 0; i < 100; i++) {
		(void)backfill_bound_sql(b, &params, &n);
		assert_int_equal(backfill_batch_failed(b, "40P01"), 1);
		test_batch(b, 0.01, 1);
	}
	backfill_free(b);
}

static void
test_backfill_does_not_grow_back_at_once_after_a_failure(void **state)
{
	struct plan_backfill		 bf = test_plan();
	struct backfill			*b;
	struct backfill_progress	 p;
	const char *const		*params;
	int				 n;

	(void)state;
	bf.batch_rows = 10000;
	b = backfill_new(&bf, NULL, test_clock, NULL);
	(void)backfill_bound_sql(b, &params, &n);
	assert_int_equal(backfill_batch_failed(b, "57014"), 1);
	/* Very fast batches would double the size each time; after the
	 * timeout it climbs back by about a tenth a batch. */
	test_batch(b, 0.0001, 1);
	backfill_progress(b, &p);
	assert_in_range(p.batch_rows, 5000, 5600);
	backfill_free(b);
}

static void
test_backfill_progress_percent_eta_and_rate(void **state)
{
	struct plan_backfill		 bf = test_plan();
	struct backfill			*b;
	struct backfill_progress	 p;
	int				 i;

	(void)state;
	bf.batch_rows = 10000;
	bf.min_rows = 10000;
	bf.max_rows = 10000;
	b = backfill_new(&bf, NULL, test_clock, NULL);
	backfill_set_estimate(b, 1000000);
	backfill_progress(b, &p);
	assert_int_equal(p.eta_ms, -1);
	assert_true(p.percent == 0.0);
	/* 10,000 keys in 90 ms plus 10 ms between batches: 100,000 keys/s
	 * (the gap before the first batch is not known: 90 ms count). */
	for (i = 0; i < 20; i++)
		test_batch(b, 0.009, 10);
	backfill_progress(b, &p);
	assert_int_equal(p.rows_done, 200000);
	assert_int_equal(p.keys_done, 200000);
	assert_int_equal(p.total_est, 1000000);
	assert_true(p.percent > 19.99 && p.percent < 20.01);
	assert_true(p.rows_per_s > 99000 && p.rows_per_s < 101000);
	/* 800,000 keys left at 100,000 a second. */
	assert_in_range(p.eta_ms, 7900, 8100);
	assert_int_equal(p.batches, 20);
	backfill_free(b);
}

static void
test_backfill_rate_is_smoothed_and_ignores_pauses(void **state)
{
	struct plan_backfill		 bf = test_plan();
	struct backfill			*b;
	struct backfill_progress	 p;
	double				 before;
	int				 i;

	(void)state;
	bf.batch_rows = 10000;
	bf.min_rows = 10000;
	bf.max_rows = 10000;
	b = backfill_new(&bf, NULL, test_clock, NULL);
	for (i = 0; i < 50; i++)
		test_batch(b, 0.01, 0);
	backfill_progress(b, &p);
	before = p.rows_per_s;
	assert_true(before > 99000 && before < 101000);
	/* A two-minute operator pause before the next batch: the rate is
	 * not an average since the start, the pause does not count. */
	test_now += 120000;
	test_batch(b, 0.01, 0);
	backfill_progress(b, &p);
	assert_true(p.rows_per_s > 0.95 * before);
	/* One batch twice as slow moves the smoothed rate, a little. */
	test_batch(b, 0.02, 0);
	backfill_progress(b, &p);
	assert_true(p.rows_per_s < before && p.rows_per_s > 0.9 * before);
	/* Many of them: it follows to the new rate. */
	for (i = 0; i < 100; i++)
		test_batch(b, 0.02, 0);
	backfill_progress(b, &p);
	assert_true(p.rows_per_s > 49000 && p.rows_per_s < 51000);
	backfill_free(b);
}

static void
test_backfill_estimate_never_below_done_and_100_when_range_ends(
    void **state)
{
	struct plan_backfill		 bf = test_plan();
	struct backfill			*b;
	struct backfill_progress	 p;
	int				 i;

	(void)state;
	bf.batch_rows = 1000;
	bf.min_rows = 1000;
	bf.max_rows = 1000;
	b = backfill_new(&bf, NULL, test_clock, NULL);
	backfill_set_estimate(b, 2500);	/* stale: the table grew */
	for (i = 0; i < 4; i++)
		test_batch(b, 0.01, 1);
	backfill_progress(b, &p);
	assert_true(p.total_est >= p.keys_done);
	assert_true(p.percent <= 99.9);
	/* The bound query found no key left. */
	backfill_set_upper(b, NULL);
	backfill_progress(b, &p);
	assert_int_equal(p.total_est, p.keys_done);
	assert_true(p.percent == 100.0);
	assert_int_equal(p.eta_ms, 0);
	backfill_free(b);
}

static void
test_backfill_latency_percentiles(void **state)
{
	struct plan_backfill		 bf = test_plan();
	struct backfill			*b;
	struct backfill_progress	 p;
	const char *const		*params;
	int				 n, i;

	(void)state;
	b = backfill_new(&bf, NULL, test_clock, NULL);
	/* Durations 1..100 ms in a shuffled order. */
	for (i = 0; i < 100; i++) {
		(void)backfill_bound_sql(b, &params, &n);
		backfill_set_upper(b, "1");
		test_now += 100;
		backfill_batch_done(b, 10, 1 + (i * 37) % 100);
	}
	backfill_progress(b, &p);
	assert_int_equal(p.p50_ms, 50);
	assert_int_equal(p.p95_ms, 95);
	assert_int_equal(p.p99_ms, 99);
	assert_int_equal(p.max_ms, 100);
	backfill_free(b);
}

static void
test_backfill_recent_ring_is_oldest_first(void **state)
{
	struct plan_backfill		 bf = test_plan();
	struct backfill			*b;
	struct backfill_progress	 p;
	const char *const		*params;
	int				 n, i;

	(void)state;
	b = backfill_new(&bf, NULL, test_clock, NULL);
	for (i = 1; i <= 10; i++) {
		(void)backfill_bound_sql(b, &params, &n);
		backfill_set_upper(b, "1");
		backfill_batch_done(b, 1, i);
	}
	backfill_progress(b, &p);
	assert_int_equal(p.nrecent, 10);
	assert_int_equal(p.recent_ms[0], 1);
	assert_int_equal(p.recent_ms[9], 10);
	for (i = 11; i <= BACKFILL_RECENT + 6; i++) {
		(void)backfill_bound_sql(b, &params, &n);
		backfill_set_upper(b, "1");
		backfill_batch_done(b, 1, i);
	}
	backfill_progress(b, &p);
	assert_int_equal(p.nrecent, BACKFILL_RECENT);
	for (i = 0; i < BACKFILL_RECENT; i++)
		assert_int_equal(p.recent_ms[i], 7 + i);
	backfill_free(b);
}

static void
test_backfill_sql_quotes_identifiers_and_passes_keys_as_parameters(
    void **state)
{
	struct plan_backfill	 bf = test_plan();
	struct backfill		*b;
	const char *const	*params;
	const char		*sql;
	static const char	 evil[] = "x'); DROP TABLE users; --";
	int			 n;

	(void)state;
	bf.table = (char *)"Shop.Orders";
	bf.key = (char *)"Order\"Id";
	bf.where = NULL;
	bf.from = NULL;
	b = backfill_new(&bf, NULL, test_clock, NULL);

	sql = backfill_bound_sql(b, &params, &n);
	assert_string_equal(sql, "SELECT max(k)::text FROM (SELECT "
	    "\"Order\"\"Id\" AS k FROM \"Shop\".\"Orders\" ORDER BY "
	    "\"Order\"\"Id\" LIMIT $1) s");
	assert_int_equal(n, 1);
	assert_string_equal(params[0], "1000");
	backfill_set_upper(b, evil);
	sql = backfill_batch_sql(b, &params, &n);
	assert_string_equal(sql, "UPDATE \"Shop\".\"Orders\" SET\n"
	    "user_email = u.email\nWHERE \"Shop\".\"Orders\".\"Order\"\"Id\" "
	    "<= $1");
	assert_int_equal(n, 1);
	assert_string_equal(params[0], evil);
	assert_string_equal(backfill_upper(b), evil);
	backfill_batch_done(b, 1, 5);

	/* After the first batch: (cursor, upper], both parameters. */
	sql = backfill_bound_sql(b, &params, &n);
	assert_non_null(strstr(sql, "WHERE \"Order\"\"Id\" > $1 ORDER BY "
	    "\"Order\"\"Id\" LIMIT $2"));
	assert_int_equal(n, 2);
	assert_string_equal(params[0], evil);
	backfill_set_upper(b, "z");
	sql = backfill_batch_sql(b, &params, &n);
	assert_string_equal(sql, "UPDATE \"Shop\".\"Orders\" SET\n"
	    "user_email = u.email\nWHERE \"Shop\".\"Orders\".\"Order\"\"Id\" "
	    "> $1 AND \"Shop\".\"Orders\".\"Order\"\"Id\" <= $2");
	assert_int_equal(n, 2);
	assert_string_equal(params[0], evil);
	assert_string_equal(params[1], "z");
	assert_null(strstr(sql, "DROP"));
	backfill_free(b);
}

static void
test_backfill_update_keeps_plan_from_and_where(void **state)
{
	struct plan_backfill	 bf = test_plan();
	struct backfill		*b;
	const char *const	*params;
	const char		*sql;
	int			 n;

	(void)state;
	b = backfill_new(&bf, NULL, test_clock, NULL);
	(void)backfill_bound_sql(b, &params, &n);
	backfill_set_upper(b, "10");
	backfill_batch_done(b, 10, 1);
	(void)backfill_bound_sql(b, &params, &n);
	backfill_set_upper(b, "20");
	sql = backfill_batch_sql(b, &params, &n);
	assert_string_equal(sql, "UPDATE \"orders\" SET\nuser_email = u.email\n"
	    "FROM\nusers u\nWHERE \"orders\".\"id\" > $1 AND \"orders\".\"id\" "
	    "<= $2 AND (\nu.id = orders.user_id\n)");
	assert_string_equal(params[0], "10");
	assert_string_equal(params[1], "20");
	backfill_free(b);
}

/* The pentest's fragments: refused before any statement is built. */
static void
test_backfill_fragments_that_escape_are_refused(void **state)
{
	static const struct {
		const char	*set, *from, *where, *why;
	} c[] = {
		{ "user_email = u.email", "users u",
		    "u.id = orders.user_id -- tail", "backfill where" },
		{ "user_email = $1 --", NULL, NULL, "backfill set" },
		{ "user_email = u.email", "users u; DROP TABLE x", NULL,
		    "backfill from" },
		{ "user_email = 'x' WHERE true", NULL, NULL, "backfill set" },
		{ "user_email = 'x'", NULL, "true) OR (true", "backfill where" },
	};
	struct plan_backfill	 bf = test_plan();
	char			*cause;
	size_t			 i;

	(void)state;
	assert_int_equal(backfill_check_fragments(&bf, &cause), 0);
	assert_null(cause);
	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		bf.set = (char *)c[i].set;
		bf.from = (char *)c[i].from;
		bf.where = (char *)c[i].where;
		assert_int_equal(backfill_check_fragments(&bf, &cause), -1);
		if (strstr(cause, c[i].why) == NULL)
			fail_msg("%zu: %s", i, cause);
		free(cause);
	}
}

/* Whatever fragments pass, the batch statement's WHERE starts with the
 * key bounds (proven on its parse tree), table and key quoted or not. */
static void
test_backfill_batch_statement_always_keeps_the_key_bound(void **state)
{
	static const char *const wheres[] = {
		NULL, "x", "a OR b", "a AND b OR c", "NOT (a = 1)",
		"EXISTS (SELECT FROM t WHERE t.id > 0)", "(a) OR (b)",
		"u.id = orders.user_id AND orders.user_email IS NULL"
	};
	struct plan_backfill	 bf = test_plan();
	char			*cause;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof wheres / sizeof wheres[0]; i++) {
		bf.where = (char *)wheres[i];
		bf.from = i % 2 ? (char *)"users u" : NULL;
		bf.table = i % 3 ? (char *)"orders" : (char *)"Shop.Or\"ders";
		if (backfill_check_fragments(&bf, &cause) != 0)
			fail_msg("%s: %s", wheres[i], cause);
	}
}

static void
test_backfill_settings_bound_each_batch_with_a_statement_timeout(
    void **state)
{
	struct plan_backfill	 bf = test_plan();
	struct backfill		*b;
	const char *const	*set;

	(void)state;
	b = backfill_new(&bf, NULL, test_clock, NULL);
	backfill_set_upper(b, "1");
	set = backfill_batch_settings(b);
	/* 20 x target_batch_ms by default; no EXPLAIN ran, so the planner
	 * keeps its choice of join. */
	assert_non_null(set[0]);
	assert_non_null(strstr(set[0], "SET LOCAL statement_timeout = 2000"));
	assert_non_null(strstr(set[0], "SET LOCAL jit = off"));
	/* The cursor commits with the rows: an asynchronous commit lost in a
	 * crash loses both, and the batch is redone. */
	assert_non_null(strstr(set[0], "SET LOCAL synchronous_commit = off"));
	assert_null(strstr(set[0], "enable_hashjoin"));
	assert_null(set[1]);
	backfill_set_statement_timeout(b, 750);
	set = backfill_batch_settings(b);
	assert_non_null(strstr(set[0], "SET LOCAL statement_timeout = 750"));
	backfill_free(b);

	bf.target_batch_ms = 20;
	b = backfill_new(&bf, NULL, test_clock, NULL);
	backfill_set_upper(b, "1");
	set = backfill_batch_settings(b);
	assert_non_null(strstr(set[0], "statement_timeout = 1000;"));
	backfill_free(b);
}

/* EXPLAIN (FORMAT JSON) of batches planned with hash and merge joins off,
 * trimmed to what the check reads (PostgreSQL 15 output). */
static const char plan_index_nestloop[] =
    "[\n  {\n    \"Plan\": {\n"
    "      \"Node Type\": \"ModifyTable\",\n"
    "      \"Operation\": \"Update\",\n"
    "      \"Relation Name\": \"orders\",\n"
    "      \"Alias\": \"orders\",\n"
    "      \"Startup Cost\": 3808.53,\n"
    "      \"Total Cost\": 146976.72,\n"
    "      \"Plans\": [\n        {\n"
    "          \"Node Type\": \"Nested Loop\",\n"
    "          \"Parent Relationship\": \"Outer\",\n"
    "          \"Join Type\": \"Inner\",\n"
    "          \"Total Cost\": 146976.72,\n"
    "          \"Plans\": [\n            {\n"
    "              \"Node Type\": \"Bitmap Heap Scan\",\n"
    "              \"Parent Relationship\": \"Outer\",\n"
    "              \"Relation Name\": \"orders\",\n"
    "              \"Alias\": \"orders\",\n"
    "              \"Plans\": [\n                {\n"
    "                  \"Node Type\": \"Bitmap Index Scan\",\n"
    "                  \"Parent Relationship\": \"Outer\",\n"
    "                  \"Index Name\": \"orders_pkey\"\n"
    "                }\n              ]\n            },\n            {\n"
    "              \"Node Type\": \"Memoize\",\n"
    "              \"Parent Relationship\": \"Inner\",\n"
    "              \"Plans\": [\n                {\n"
    "                  \"Node Type\": \"Index Scan\",\n"
    "                  \"Parent Relationship\": \"Outer\",\n"
    "                  \"Index Name\": \"users_pkey\",\n"
    "                  \"Relation Name\": \"users\",\n"
    "                  \"Alias\": \"u\",\n"
    "                  \"Index Cond\": \"(id = orders.user_id)\"\n"
    "                }\n              ]\n"
    "            }\n          ]\n        }\n      ]\n    }\n  }\n]";

/* No index on the FROM side: a nested loop over a materialised seq scan,
 * every batch key against every row. */
static const char plan_materialize[] =
    "[\n  {\n    \"Plan\": {\n"
    "      \"Node Type\": \"ModifyTable\",\n"
    "      \"Relation Name\": \"orders\",\n"
    "      \"Alias\": \"orders\",\n"
    "      \"Total Cost\": 3309568.63,\n"
    "      \"Plans\": [\n        {\n"
    "          \"Node Type\": \"Nested Loop\",\n"
    "          \"Parent Relationship\": \"Outer\",\n"
    "          \"Plans\": [\n            {\n"
    "              \"Node Type\": \"Index Scan\",\n"
    "              \"Parent Relationship\": \"Outer\",\n"
    "              \"Relation Name\": \"orders\",\n"
    "              \"Alias\": \"orders\"\n"
    "            },\n            {\n"
    "              \"Node Type\": \"Materialize\",\n"
    "              \"Parent Relationship\": \"Inner\",\n"
    "              \"Plans\": [\n                {\n"
    "                  \"Node Type\": \"Seq Scan\",\n"
    "                  \"Parent Relationship\": \"Outer\",\n"
    "                  \"Relation Name\": \"nokey\",\n"
    "                  \"Alias\": \"u\"\n"
    "                }\n              ]\n"
    "            }\n          ]\n        }\n      ]\n    }\n  }\n]";

static void
test_backfill_forces_nested_loops_only_with_an_index_path(void **state)
{
	char	*s;

	(void)state;
	assert_true(backfill_nestloop_safe(plan_index_nestloop, "orders"));
	assert_false(backfill_nestloop_safe(plan_materialize, "orders"));
	assert_false(backfill_nestloop_safe(NULL, "orders"));
	assert_false(backfill_nestloop_safe("", "orders"));

	/* The settings did not take: still a hash join. */
	s = strdup(plan_index_nestloop);
	memcpy(strstr(s, "Nested Loop"), "Hash Join  ", 11);
	assert_false(backfill_nestloop_safe(s, "orders"));
	free(s);

	/* A FROM relation read whole from the outer side. */
	s = strdup(plan_index_nestloop);
	memcpy(strstr(s, "\"Parent Relationship\": \"Inner\"") + 23,
	    "\"Outer\"", 7);
	assert_false(backfill_nestloop_safe(s, "orders"));
	free(s);

	/* A seq scan of another relation anywhere. */
	s = strdup(plan_index_nestloop);
	memcpy(strstr(s, "\"Index Scan\",\n                  \"Parent"),
	    "\"Seq Scan\",  ", 13);
	assert_false(backfill_nestloop_safe(s, "orders"));
	free(s);

	/* Only possible with a disabled node (cost 1e10 added). */
	s = strdup(plan_index_nestloop);
	memcpy(strstr(s, "146976.72"), "1.0e10   ", 9);
	assert_false(backfill_nestloop_safe(s, "orders"));
	free(s);

	/* The backfilled table's own name decides which relation is ours. */
	assert_false(backfill_nestloop_safe(plan_index_nestloop, "users"));
}

/* The plan comparison decides on medians: one slow batch of either plan
 * (a cold cache, a checkpoint) does not flip it, and the planner's join
 * must win by a clear margin. */
static void
test_backfill_choose_plan_by_median_with_a_margin(void **state)
{
	/* Nested loops steady at 6.6 us/key with one 40 us outlier; the
	 * planner's merge join at 6.5 with one lucky 3.0: nested loops. */
	double	nl[] = { 0.0066, 0.0400, 0.0067, 0.0065, 0.0066, 0.0068 };
	double	pl[] = { 0.0065, 0.0030, 0.0066, 0.0064, 0.0065, 0.0066 };
	double	fast[] = { 0.0030, 0.0031, 0.0100, 0.0029 };
	double	nl_ms, pl_ms;

	(void)state;
	assert_int_equal(backfill_choose(nl, 6, pl, 6, &nl_ms, &pl_ms),
	    BACKFILL_NESTLOOP);
	assert_true(nl_ms > 0.0065 && nl_ms < 0.0068);
	assert_true(pl_ms > 0.0064 && pl_ms < 0.0066);
	/* Clearly faster at the median (a hash join of a small table). */
	assert_int_equal(backfill_choose(nl, 6, fast, 4, &nl_ms, &pl_ms),
	    BACKFILL_PLANNER);
	assert_true(pl_ms > 0.0030 && pl_ms < 0.0031);
	/* Just under the margin is not enough. */
	pl[0] = pl[1] = pl[2] = pl[3] = pl[4] = pl[5] = 0.0060;
	assert_int_equal(backfill_choose(nl, 6, pl, 6, &nl_ms, &pl_ms),
	    BACKFILL_NESTLOOP);
	/* No sample of one side: nested loops (the EXPLAIN allowed them). */
	assert_int_equal(backfill_choose(nl, 6, pl, 0, &nl_ms, &pl_ms),
	    BACKFILL_NESTLOOP);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backfill_controller_converges_toward_target),
		cmocka_unit_test(test_backfill_size_respects_min_and_max_rows),
		cmocka_unit_test(test_backfill_halves_and_retries_on_timeout_deadlock_and_lock_timeout),
		cmocka_unit_test(test_backfill_stops_on_other_errors),
		cmocka_unit_test(test_backfill_gives_up_after_many_failures_in_a_row),
		cmocka_unit_test(test_backfill_does_not_grow_back_at_once_after_a_failure),
		cmocka_unit_test(test_backfill_progress_percent_eta_and_rate),
		cmocka_unit_test(test_backfill_rate_is_smoothed_and_ignores_pauses),
		cmocka_unit_test(test_backfill_estimate_never_below_done_and_100_when_range_ends),
		cmocka_unit_test(test_backfill_latency_percentiles),
		cmocka_unit_test(test_backfill_recent_ring_is_oldest_first),
		cmocka_unit_test(test_backfill_sql_quotes_identifiers_and_passes_keys_as_parameters),
		cmocka_unit_test(test_backfill_update_keeps_plan_from_and_where),
		cmocka_unit_test(test_backfill_fragments_that_escape_are_refused),
		cmocka_unit_test(test_backfill_batch_statement_always_keeps_the_key_bound),
		cmocka_unit_test(test_backfill_settings_bound_each_batch_with_a_statement_timeout),
		cmocka_unit_test(test_backfill_forces_nested_loops_only_with_an_index_path),
		cmocka_unit_test(test_backfill_choose_plan_by_median_with_a_margin),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
