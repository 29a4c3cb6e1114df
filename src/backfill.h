/*
 * backfill: one backfill phase's batch planner, batch-size controller,
 * throttle and progress.
 *
 * The engine drives the statements (it owns the executor connection and
 * the event loop); this module decides what they are and learns from how
 * they went:
 *
 *	backfill_new            once per phase (quotes identifiers with EXEC)
 *	backfill_estimate       planner estimate of the rows (blocking, short)
 *	backfill_resume         cursor and counters from the journal
 *	loop:
 *	  backfill_throttle     between batches: hold (and why) or go
 *	  backfill_bound_sql    SELECT of the next batch's upper key
 *	  backfill_set_upper    its answer (NULL: no keys left, phase done)
 *	  backfill_batch_sql    the batch: settings then the UPDATE, in one
 *	                        transaction with the journal's cursor advance
 *	  backfill_batch_done / backfill_batch_failed
 *
 * Keyset batches over `key`: each batch covers (cursor, upper], upper
 * being the key batch_rows keys after the cursor, so a batch never rescans
 * what is done, whatever the key's density.  Keys travel as text
 * parameters (any orderable type with a btree index works: integers,
 * text, uuid).  set/from/where are the plan's own SQL; identifiers are
 * quoted.  Time comes from the clock given to backfill_new.
 *
 * The batch size follows target_batch_ms: a cost per key (ms) is learnt
 * from every batch (quick to rise, slow to fall, so a slower database
 * shrinks the next batch at once), the next size is target / cost, at
 * most doubling or halving per batch, within min_rows..max_rows.  A batch
 * cancelled by a statement timeout, a deadlock or a lock timeout is
 * retried at once with half the size (and the size may not grow back past
 * that for a while); after BACKFILL_MAX_RETRIES such failures in a row the
 * phase stops.
 *
 * The batch's plan: with a FROM, from about 10k keys the planner prefers
 * a hash or merge join that reads every row of the FROM side in every
 * batch, where per-key index lookups cost a fraction (measured on the seed
 * schema: 0.35 against 0.8 of one big UPDATE's rows/s; at 10M orders the
 * planner picks a merge join over all of users_pkey from 5k keys).
 * backfill_estimate EXPLAINs a max_rows batch with hash and merge joins
 * disabled; only when that plan reaches every FROM relation through an
 * index, as the inner side of a nested loop, are the two plans measured
 * against each other on BACKFILL_PROBES batches (alternating, after the
 * first, whose cold cache says nothing), and the forced nested loops kept
 * unless the planner's choice was clearly faster per key at the median
 * (backfill_choose: one batch slowed by a checkpoint does not decide).
 * Without a usable index the planner's choice is never overridden.
 *
 * Every batch runs under SET LOCAL statement_timeout: the plan's
 * statement_timeout when the engine passes it (backfill_set_statement_
 * timeout), else 20 x target_batch_ms (at least 1 s), so that a batch
 * gone wrong stops holding its row locks, and is retried smaller.  It
 * also runs with jit off (compiling costs more than a batch's budget) and,
 * when nested loops are forced, memoize off (a backfill's join keys seldom
 * repeat within a batch).  The settings are one multi-statement string.
 *
 * Durability: batches commit with synchronous_commit off.  The cursor and
 * the rows commit in one transaction, so a commit lost in a server crash
 * (at most the last few hundred milliseconds of batches) loses both
 * together, and the resumed run redoes exactly those batches: nothing is
 * skipped or done twice.  WAL is flushed in order, so anything committed
 * durably later (the phase's end in the journal, an application's write)
 * makes every batch before it durable too.  What is gained is the wait for
 * a WAL flush in every batch: 3% of the time at 5M rows on the bench's
 * fsync'ing disk (41.6 s, then 40.4 s), 30-60 ms for a lone COMMIT when
 * the disk is busy.
 *
 * Progress: keys_done counts the keys the batches asked for; total_est is
 * what is done plus the planner's estimate of the keys after the cursor
 * (EXPLAIN, refreshed every 5 s on the monitor), never below what is done,
 * and equal to it once the key range has ended (100% only then).  The
 * rate sums rows and time with weights decaying over ~5 s; time spent
 * throttled, paused or retrying does not count.  Percentiles are over the
 * last 1024 batches, max over the phase.
 *
 * Who owns what: strings returned are owned by the backfill and valid
 * until the next call that changes its state, and never after
 * backfill_free (the progress snapshot's strings included).
 */
#ifndef BELLOWS_BACKFILL_H
#define BELLOWS_BACKFILL_H

#include <stdint.h>

#include "conn.h"
#include "plan.h"

#define BACKFILL_RECENT	64	/* batch durations kept for the sparkline */

struct backfill_progress {
	int64_t		 rows_done;	/* rows the batches updated */
	int64_t		 keys_done;	/* keys the batches covered */
	int64_t		 total_est;	/* estimated keys in all (corrected) */
	double		 percent;	/* of total_est, 0..100 */
	double		 rows_per_s;	/* smoothed */
	int64_t		 eta_ms;	/* -1: unknown */
	int64_t		 batches;
	int64_t		 batch_rows;	/* size of the next batch */
	int64_t		 p50_ms, p95_ms, p99_ms, max_ms;	/* batch latency */
	int64_t		 recent_ms[BACKFILL_RECENT];	/* oldest first */
	int		 nrecent;
	const char	*throttle;	/* why batches are held, or NULL */
	const char	*cursor;	/* last key done, NULL before the first */
	const char	*plan;		/* the batch plan chosen and why, or NULL */
	double		 ms_per_key;	/* cost the size controller learnt */
};

struct backfill;

/* EXEC quotes identifiers and names the backend whose locks the throttle
 * watches; NULL in unit tests (identifiers are then quoted by the same
 * rule: double quotes around, inner double quotes doubled). */
struct backfill	*backfill_new(const struct plan_backfill *, struct conn *exec,
		    int64_t (*clock)(void *), void *clock_arg);
void		 backfill_free(struct backfill *);
/* The plan's statement_timeout (0: none given), applied to every batch
 * instead of the default guard of 20 x target_batch_ms. */
void		 backfill_set_statement_timeout(struct backfill *, long ms);

/*
 * Whether BF's set, from and where can be pasted into the batch UPDATE
 * without escaping it: each fragment checked by sql_check_fragment (one
 * SET list / FROM list / condition, no comment, ';' or $n), then the
 * composed batch statements parsed to prove that their WHERE starts with
 * the key bounds.  No server needed; for plan validation and fuzzers.  0,
 * or -1 with *cause "backfill PART (at byte N): why" (caller frees).
 */
int		 backfill_check_fragments(const struct plan_backfill *,
		    char **cause);
/* Before the first batch (and at bellows check): the bounds proven on
 * the statement's tree as above, then EXPLAIN (no ANALYZE: nothing runs)
 * of the first batch on C, so that a statement the server cannot plan
 * stops the phase before any row changes.  0, or -1 with *ERR (the
 * server's SQLSTATE kept). */
int		 backfill_explain(struct backfill *, struct conn *,
		    struct conn_error *err);

/* Planner estimate of the table's rows (pg_class.reltuples), and the
 * EXPLAIN that decides whether batches may force index nested loops (see
 * above; its failure only leaves the planner's choice).  0 or -1. */
int		 backfill_estimate(struct backfill *, struct conn *, char **cause);
/* Set the planner's estimate of the keys in all (what backfill_estimate
 * reads from pg_class; for callers that know better, and for tests). */
void		 backfill_set_estimate(struct backfill *, int64_t keys);
/* Continue after CURSOR (NULL: from the start) with the counters the
 * journal kept. */
void		 backfill_resume(struct backfill *, const char *cursor,
		    int64_t rows, int64_t batches);

/*
 * Between batches: 1 when batches must wait (*REASON set, owned by the
 * backfill: "replica lag 12s > 10s", "3 sessions waiting on the
 * backfill's locks for 1.2s", "throttle_sql is true"), 0 to go.  Queries
 * run on MON (short, blocking).  A check that cannot run (no privilege,
 * timeout) does not hold the batches: it returns 0 with *REASON saying
 * which check is off, for display.
 */
int		 backfill_throttle(struct backfill *, struct conn *mon,
		    const char **reason);
/*
 * While a batch's UPDATE runs (the engine calls it on its sampling timer,
 * every few hundred ms): who waits on the batch's locks (pg_locks /
 * pg_blocking_pids of the executor's backend), on MON.  When a session
 * waited longer than max_blocked_ms, the batch that blocked it is the
 * last one of that size: the next is half as big, and batches hold for
 * max_blocked_ms after it ("2 sessions waited 1.4s on the backfill's
 * locks") so that the queue drains.  Between batches the backfill holds
 * no lock, so this cannot be seen from backfill_throttle.
 */
void		 backfill_sample(struct backfill *, struct conn *mon);

/* The next batch's upper bound: SQL and its text parameters. */
const char	*backfill_bound_sql(struct backfill *, const char *const **params,
		    int *nparams);
/* The bound query's answer; NULL when no keys are left. */
void		 backfill_set_upper(struct backfill *, const char *upper);
/* Statements to run in the batch's transaction before the UPDATE
 * (e.g. planner settings), NULL-terminated; then the UPDATE itself. */
const char *const *backfill_batch_settings(struct backfill *);
const char	*backfill_batch_sql(struct backfill *, const char *const **params,
		    int *nparams);
/* The key the batch ends at (for the journal's cursor). */
const char	*backfill_upper(struct backfill *);

/* The batch committed: ROWS updated in ELAPSED_MS (from the UPDATE's
 * start to the commit).  Advances the cursor and adapts the size. */
void		 backfill_batch_done(struct backfill *, int64_t rows,
		    int64_t elapsed_ms);
/* The batch failed with SQLSTATE: 1 when it is worth retrying at once
 * with a smaller batch (statement timeout, deadlock, lock timeout), 0
 * when the phase must stop. */
int		 backfill_batch_failed(struct backfill *, const char *sqlstate);

void		 backfill_progress(struct backfill *, struct backfill_progress *);

/* Whether EXPLAIN (FORMAT JSON) text of a batch planned with hash and merge
 * joins disabled is safe to force: it joins by nested loops, reaches every
 * relation other than RELNAME (the backfilled table, unaliased) by index
 * as an inner side, and needed no disabled node.  For tests. */
int		 backfill_nestloop_safe(const char *explain_json,
		    const char *relname);

/* The two plans a batch can run with. */
enum backfill_variant {
	BACKFILL_PLANNER = 0,	/* whatever the planner picks */
	BACKFILL_NESTLOOP = 1	/* hash and merge joins disabled */
};

#define BACKFILL_PREFER_NL	0.85	/* the planner's join must beat this */

/* The comparison's verdict from the costs per key (ms) of the batches run
 * with each plan: the median of each (stored in NL_MS and PL_MS), and the
 * planner's join only when its median is under BACKFILL_PREFER_NL times the
 * nested loops'.  For tests. */
enum backfill_variant backfill_choose(const double *nl, int nnl,
		    const double *pl, int npl, double *nl_ms, double *pl_ms);

#endif
