/*
 * Unit tests for monitor_lock_tree(): the lock queue as a tree from the
 * flat pid/blocked_by rows that pg_blocking_pids gives.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "monitor.h"

#define ROW(p, by, m, tg, g, w, x) { (p), (by), sizeof (by) / sizeof (int), \
	(m), (tg), (g), (w), (x) }
#define ROOT(p, m, tg, g, w, x) { (p), NULL, 0, (m), (tg), (g), (w), (x) }

/* Find PID's node; fails the test when it is not there. */
static const struct monitor_lock_node *
node(const struct monitor_lock_node *n, size_t len, int pid)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (n[i].pid == pid)
			return (&n[i]);
	}
	fail_msg("pid %d not in the tree", pid);
	return (NULL);
}

static void
test_lock_tree_chain_holder_ddl_reader(void **state)
{
	/* holder 10 holds AccessShare; DDL 20 waits for AccessExclusive
	 * behind it; reader 30 queues behind the DDL (soft block). */
	static const int by20[] = { 10 }, by30[] = { 20 };
	const struct monitor_lock_row rows[] = {
		ROW(30, by30, "AccessShareLock", "orders", 0, 500, 500),
		ROOT(10, "AccessShareLock", "orders", 1, -1, 9000),
		ROW(20, by20, "AccessExclusiveLock", "orders", 0, 1000, 1000),
	};
	struct monitor_lock_node	*n;
	size_t				 len;

	(void)state;
	monitor_lock_tree(rows, 3, &n, &len);
	assert_int_equal(len, 3);
	assert_int_equal(n[0].pid, 10);
	assert_int_equal(n[0].depth, 0);
	assert_int_equal(n[0].parent, 0);
	assert_true(n[0].granted);
	assert_false(n[0].soft);
	assert_int_equal(n[0].wait_ms, -1);
	assert_int_equal(n[0].session, -1);
	assert_int_equal(n[1].pid, 20);
	assert_int_equal(n[1].depth, 1);
	assert_int_equal(n[1].parent, 10);
	assert_false(n[1].granted);
	assert_false(n[1].soft);	/* blocked by a holder */
	assert_string_equal(n[1].mode, "AccessExclusiveLock");
	assert_string_equal(n[1].target, "orders");
	assert_int_equal(n[1].wait_ms, 1000);
	assert_int_equal(n[2].pid, 30);
	assert_int_equal(n[2].depth, 2);
	assert_int_equal(n[2].parent, 20);
	assert_true(n[2].soft);		/* behind a waiter, not a holder */
	assert_false(n[2].cycle);
	assert_false(n[2].absent);
	free(n);
}

static void
test_lock_tree_picks_the_longest_chain_among_blockers(void **state)
{
	/* A reader blocked by the holder and, softly, by the DDL waiting
	 * for the holder: it belongs under the DDL. */
	static const int by20[] = { 10 }, by30[] = { 10, 20 };
	const struct monitor_lock_row rows[] = {
		ROOT(10, "RowExclusiveLock", "orders", 1, -1, 9000),
		ROW(20, by20, "AccessExclusiveLock", "orders", 0, 1000, 1000),
		ROW(30, by30, "ShareLock", "orders", 0, 500, 500),
	};
	struct monitor_lock_node	*n;
	size_t				 len;

	(void)state;
	monitor_lock_tree(rows, 3, &n, &len);
	assert_int_equal(len, 3);
	assert_int_equal(node(n, len, 30)->parent, 20);
	assert_int_equal(node(n, len, 30)->depth, 2);
	free(n);
}

static void
test_lock_tree_two_roots_oldest_transaction_first(void **state)
{
	static const int by2[] = { 1 }, by4[] = { 3 }, by5[] = { 3 };
	const struct monitor_lock_row rows[] = {
		ROOT(1, "RowExclusiveLock", "a", 1, -1, 1000),
		ROW(2, by2, "AccessExclusiveLock", "a", 0, 100, 100),
		ROOT(3, "AccessExclusiveLock", "b", 1, -1, 60000),
		ROW(4, by4, "AccessShareLock", "b", 0, 200, 200),
		ROW(5, by5, "AccessShareLock", "b", 0, 900, 900),
	};
	struct monitor_lock_node	*n;
	size_t				 len;

	(void)state;
	monitor_lock_tree(rows, 5, &n, &len);
	assert_int_equal(len, 5);
	/* Root 3 (transaction open 60 s) before root 1 (1 s); under 3 the
	 * longest waiter (head of the queue) first. */
	assert_int_equal(n[0].pid, 3);
	assert_int_equal(n[1].pid, 5);
	assert_int_equal(n[2].pid, 4);
	assert_int_equal(n[3].pid, 1);
	assert_int_equal(n[4].pid, 2);
	assert_int_equal(n[1].depth, 1);
	assert_int_equal(n[2].depth, 1);
	assert_int_equal(n[3].depth, 0);
	assert_int_equal(n[4].depth, 1);
	assert_int_equal(n[4].parent, 1);
	free(n);
}

static void
test_lock_tree_roots_without_transaction_age_order_by_wait(void **state)
{
	/* Roots that wait on a blocker that is not listed come by longest
	 * wait when the transaction ages are unknown. */
	const struct monitor_lock_row rows[] = {
		ROOT(7, "ShareLock", "t", 0, 100, -1),
		ROOT(8, "ShareLock", "t", 0, 300, -1),
		ROOT(6, "ShareLock", "t", 0, 100, -1),
	};
	struct monitor_lock_node	*n;
	size_t				 len;

	(void)state;
	monitor_lock_tree(rows, 3, &n, &len);
	assert_int_equal(len, 3);
	assert_int_equal(n[0].pid, 8);
	assert_int_equal(n[1].pid, 6);
	assert_int_equal(n[2].pid, 7);
	free(n);
}

static void
test_lock_tree_cuts_a_deadlock_cycle_and_marks_it(void **state)
{
	/* 1 waits for 2, 2 for 3, 3 for 1: the server's deadlock detector
	 * has not run yet.  9 waits behind 2, outside the cycle. */
	static const int by1[] = { 2 }, by2[] = { 3 }, by3[] = { 1 },
	    by9[] = { 2 };
	const struct monitor_lock_row rows[] = {
		ROW(1, by1, "ShareLock", "transaction 5", 0, 100, 800),
		ROW(2, by2, "ShareLock", "transaction 6", 0, 100, 5000),
		ROW(3, by3, "ShareLock", "transaction 4", 0, 100, 300),
		ROW(9, by9, "ShareLock", "transaction 6", 0, 50, 50),
	};
	struct monitor_lock_node	*n;
	size_t				 len, i, roots = 0;

	(void)state;
	monitor_lock_tree(rows, 4, &n, &len);
	assert_int_equal(len, 4);
	for (i = 0; i < len; i++) {
		if (n[i].depth == 0)
			roots++;
		if (n[i].depth > 0)
			assert_int_equal(n[i].depth,
			    node(n, len, n[i].parent)->depth + 1);
	}
	assert_int_equal(roots, 1);
	assert_true(node(n, len, 1)->cycle);
	assert_true(node(n, len, 2)->cycle);
	assert_true(node(n, len, 3)->cycle);
	assert_false(node(n, len, 9)->cycle);
	assert_int_equal(node(n, len, 9)->parent, 2);
	free(n);
}

static void
test_lock_tree_two_backends_waiting_on_each_other(void **state)
{
	static const int by1[] = { 2 }, by2[] = { 1 };
	const struct monitor_lock_row rows[] = {
		ROW(1, by1, "ShareLock", "transaction 8", 0, 100, 100),
		ROW(2, by2, "ShareLock", "transaction 7", 0, 200, 200),
	};
	struct monitor_lock_node	*n;
	size_t				 len;

	(void)state;
	monitor_lock_tree(rows, 2, &n, &len);
	assert_int_equal(len, 2);
	assert_int_equal(n[0].depth, 0);
	assert_int_equal(n[1].depth, 1);
	assert_int_equal(n[1].parent, n[0].pid);
	assert_true(n[0].cycle);
	assert_true(n[1].cycle);
	free(n);
}

static void
test_lock_tree_missing_blocker_gets_a_node(void **state)
{
	/* 42 went away (or was read a moment later): its waiter still
	 * shows under it rather than floating as a root. */
	static const int by5[] = { 42 };
	const struct monitor_lock_row rows[] = {
		ROW(5, by5, "AccessExclusiveLock", "orders", 0, 700, 700),
	};
	struct monitor_lock_node	*n;
	size_t				 len;

	(void)state;
	monitor_lock_tree(rows, 1, &n, &len);
	assert_int_equal(len, 2);
	assert_int_equal(n[0].pid, 42);
	assert_true(n[0].absent);
	assert_false(n[0].granted);
	assert_string_equal(n[0].mode, "");
	assert_string_equal(n[0].target, "");
	assert_int_equal(n[0].wait_ms, -1);
	assert_int_equal(n[1].pid, 5);
	assert_int_equal(n[1].parent, 42);
	assert_int_equal(n[1].depth, 1);
	assert_false(n[1].soft);
	free(n);
}

static void
test_lock_tree_ignores_self_and_duplicates(void **state)
{
	/* A pid listed twice keeps its first row; a pid in its own list and
	 * a blocker listed twice do not make extra edges. */
	static const int by2[] = { 2, 1, 1 };
	const struct monitor_lock_row rows[] = {
		ROOT(1, "ExclusiveLock", "t", 1, -1, 10),
		ROW(2, by2, "ShareLock", "t", 0, 5, 5),
		ROOT(1, "AccessShareLock", "u", 1, -1, 10),
	};
	struct monitor_lock_node	*n;
	size_t				 len;

	(void)state;
	monitor_lock_tree(rows, 3, &n, &len);
	assert_int_equal(len, 2);
	assert_int_equal(n[0].pid, 1);
	assert_string_equal(n[0].mode, "ExclusiveLock");
	assert_int_equal(n[1].pid, 2);
	assert_int_equal(n[1].parent, 1);
	free(n);
}

static void
test_lock_tree_prepared_transaction_blocks_as_pid_zero(void **state)
{
	static const int by3[] = { 0 };
	const struct monitor_lock_row rows[] = {
		ROOT(0, "AccessExclusiveLock", "orders", 1, -1, -1),
		ROW(3, by3, "AccessShareLock", "orders", 0, 100, 100),
	};
	struct monitor_lock_node	*n;
	size_t				 len;

	(void)state;
	monitor_lock_tree(rows, 2, &n, &len);
	assert_int_equal(len, 2);
	assert_int_equal(n[0].pid, 0);
	assert_int_equal(n[1].pid, 3);
	assert_int_equal(n[1].depth, 1);
	free(n);
}

static void
test_lock_tree_of_nothing_is_empty(void **state)
{
	struct monitor_lock_node	*n;
	size_t				 len;

	(void)state;
	monitor_lock_tree(NULL, 0, &n, &len);
	assert_null(n);
	assert_int_equal(len, 0);
}

static void
test_lock_tree_long_queue_is_depth_first(void **state)
{
	/* A queue of 2000 behind one another: no recursion limit, every
	 * node once, in order. */
	struct monitor_lock_row		*rows;
	struct monitor_lock_node	*n;
	int				*by;
	size_t				 len, i, count = 2000;

	(void)state;
	rows = calloc(count, sizeof *rows);
	by = calloc(count, sizeof *by);
	for (i = 0; i < count; i++) {
		rows[i].pid = (int)i + 100;
		rows[i].mode = "AccessShareLock";
		rows[i].target = "t";
		rows[i].granted = i == 0;
		rows[i].wait_ms = i == 0 ? -1 : (long)(count - i);
		rows[i].xact_ms = -1;
		if (i > 0) {
			by[i] = (int)i + 99;
			rows[i].blocked_by = &by[i];
			rows[i].nblocked_by = 1;
		}
	}
	monitor_lock_tree(rows, count, &n, &len);
	assert_int_equal(len, count);
	for (i = 0; i < count; i++) {
		assert_int_equal(n[i].pid, (int)i + 100);
		assert_int_equal(n[i].depth, (int)i);
	}
	free(n);
	free(by);
	free(rows);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lock_tree_chain_holder_ddl_reader),
		cmocka_unit_test(test_lock_tree_picks_the_longest_chain_among_blockers),
		cmocka_unit_test(test_lock_tree_two_roots_oldest_transaction_first),
		cmocka_unit_test(test_lock_tree_roots_without_transaction_age_order_by_wait),
		cmocka_unit_test(test_lock_tree_cuts_a_deadlock_cycle_and_marks_it),
		cmocka_unit_test(test_lock_tree_two_backends_waiting_on_each_other),
		cmocka_unit_test(test_lock_tree_missing_blocker_gets_a_node),
		cmocka_unit_test(test_lock_tree_ignores_self_and_duplicates),
		cmocka_unit_test(test_lock_tree_prepared_transaction_blocks_as_pid_zero),
		cmocka_unit_test(test_lock_tree_of_nothing_is_empty),
		cmocka_unit_test(test_lock_tree_long_queue_is_depth_first),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
