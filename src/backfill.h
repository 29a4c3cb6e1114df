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
 * Who owns what: strings returned are owned by the backfill and valid
 * until the next call that changes its state.
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
};

struct backfill;

struct backfill	*backfill_new(const struct plan_backfill *, struct conn *exec,
		    int64_t (*clock)(void *), void *clock_arg);
void		 backfill_free(struct backfill *);

/* Planner estimate of the table's rows (pg_class.reltuples); 0 or -1. */
int		 backfill_estimate(struct backfill *, struct conn *, char **cause);
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

#endif
