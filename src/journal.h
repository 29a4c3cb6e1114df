/*
 * journal: the state of runs, kept in the target database so that a crash,
 * a lost connection or a killed terminal never loses a run's place.
 *
 * Schema `bellows` (created on first use, versioned in bellows.meta):
 *   runs    one row per run name: plan hash and text, state, driver, times
 *   steps   one row per (run, phase, step): state, attempts, times, and for
 *           backfill phases the keyset cursor and row/batch counters
 *   events  the timeline: time, operator, phase, step, kind, detail
 * Every write also sends NOTIFY bellows, '<run name>' so watchers wake up.
 *
 * All functions are synchronous, on the connection they are given, and
 * short (single-row writes): the engine calls them only while that
 * connection has no statement running.  A function called inside an open
 * transaction becomes part of it: this is how a step's "done" and a
 * backfill batch's cursor commit atomically with the work itself.
 *
 * Errors: -1 and *cause (allocated, caller frees), with the SQLSTATE in it.
 */
#ifndef BELLOWS_JOURNAL_H
#define BELLOWS_JOURNAL_H

#include <stdint.h>

#include "conn.h"
#include "plan.h"
#include "util.h"

#define JOURNAL_SCHEMA_VERSION	2

/*
 * Advisory lock keys (two-int4 form, so pg_locks shows classid/objid with
 * objsubid 2, in the target database).  A run is held by the session owning
 * (JOURNAL_LOCK_CLASS, its id in bellows.run_locks): one key per run name,
 * so two names never share a lock.  journal_ensure serialises on the
 * transaction lock (JOURNAL_SCHEMA_LOCK_CLASS, 0).  Decimal, because they
 * are pasted into SQL (hex literals need PG 16).
 */
#define JOURNAL_LOCK_CLASS		1650814060	/* 0x62656c6c, "bell" */
#define JOURNAL_SCHEMA_LOCK_CLASS	1650814067	/* 0x62656c73, "bels" */

/* Phase kinds as stored in steps.kind. */
#define JOURNAL_KIND_STEPS	"steps"
#define JOURNAL_KIND_GATE	"gate"
#define JOURNAL_KIND_BACKFILL	"backfill"
#define JOURNAL_KIND_VERIFY	"verify"

/* Step states as stored (text).  Phase-level rows (gate, backfill, verify)
 * use step index -1. */
#define JOURNAL_PENDING		"pending"
#define JOURNAL_RUNNING		"running"
#define JOURNAL_DONE		"done"
#define JOURNAL_FAILED		"failed"
#define JOURNAL_INTERRUPTED	"interrupted"
#define JOURNAL_ROLLED_BACK	"rolled_back"

/* Who holds a run's advisory lock (for exit 4 and for watchers). */
struct journal_holder {
	int	 pid;		/* backend pid holding the lock */
	char	*host;		/* driver's host name, from runs */
	int	 client_pid;	/* driver's process id, from runs */
	char	*operator;
	char	*since;		/* timestamptz as text */
};

/* Times in these structs are ISO 8601 in UTC with milliseconds
 * ("2024-05-01T12:00:00.123Z"), NULL when not set. */
struct journal_step {
	int	 phase;
	int	 step;		/* -1 for a phase-level row */
	char	*state;
	int	 attempts;
	char	*cursor;	/* backfill: last key done, NULL before the first batch */
	int64_t	 rows_done;
	int64_t	 batches;

	char	*phase_name;
	char	*step_name;	/* NULL for a phase-level row */
	char	*kind;		/* JOURNAL_KIND_* */
	char	*started_at;	/* first time it went running (since it was
				   last rolled back) */
	char	*finished_at;	/* last time it left running; NULL while running */
	/* Seconds the attempt that stands took: for a DDL step from the start
	 * of its last attempt, for a backfill or gate from started_at, to
	 * finished_at (or to the load when running); 0 before the start. */
	double	 elapsed;
	/* Seconds from started_at to that attempt: backoffs, lock waits and
	 * earlier attempts, shown apart from the duration. */
	double	 waited;
	/* The undo of a done step: NULL before any rollback touched it, else
	 * running, failed, interrupted or done (JOURNAL_* states). */
	char	*undo;
	int64_t	 active_ms;	/* backfill: time spent working (0: unknown) */
};

/* One line of the timeline. */
struct journal_event {
	int64_t	 id;		/* increasing in insertion order */
	char	*at;
	char	*operator;	/* NULL when not recorded */
	char	*phase;		/* phase name, NULL for run-level events */
	char	*step;		/* step name, NULL when not about a step */
	char	*kind;
	char	*detail;	/* NULL when none */
};

struct journal_run {
	char			*name;
	char			*sha256;
	char			*state;	/* running, paused, done, failed, interrupted, rolled_back */
	char			*created_at;
	struct journal_step	*steps;	/* in plan order (phase, then step) */
	size_t			 nsteps;

	char			*plan_file;	/* as given to the driver */
	char			*plan_text;	/* NULL when not stored */
	char			*updated_at;
	/* The last driver as recorded in runs: pid is its backend pid,
	 * client_pid its process id; fields NULL/0 before any driver. */
	struct journal_holder	 driver;
	/* Whether some session holds the run's advisory lock right now, and
	 * which backend (0 when none).  A "running" run whose lock nobody
	 * holds has lost its driver. */
	int			 driver_connected;
	int			 lock_pid;
	/* The latest events, oldest first (journal_load's NEVENTS). */
	struct journal_event	*events;
	size_t			 nevents;
};

/* Create the schema and tables if missing (idempotent, safe to race with
 * another bellows: it serialises on an advisory transaction lock). */
int	journal_ensure(struct conn *, char **cause);

/*
 * Take the session advisory lock of run NAME (pg_try_advisory_lock, never
 * waits).  Returns 1 when taken, 0 when another session holds it (HOLDER
 * filled as far as known, release with journal_holder_clear), -1 on error.
 * Taking it again in the session that holds it is a no-op (returns 1), so
 * one journal_unlock always releases it; journal_unlock fails (-1) when
 * this session does not hold it.  Call journal_ensure first: the holder is
 * looked up in bellows.runs (pg_stat_activity fills in for a driver that
 * has not recorded itself yet).
 */
int	journal_lock(struct conn *, const char *name,
	    struct journal_holder *holder, char **cause);
int	journal_unlock(struct conn *, const char *name, char **cause);
void	journal_holder_clear(struct journal_holder *);

/*
 * Open the run of PLAN: create it (with one pending row per step and per
 * non-steps phase) when new, else load it.  When the stored plan hash
 * differs from PLAN's: refuse (return -2, *cause says what differs and
 * that --force overrides) unless FORCE, which records a "plan-changed"
 * event and stores the new hash and text.  Records the driver (host name,
 * pid, OPERATOR, now).  *RUN is allocated; free with journal_run_free.
 *
 * OPERATOR NULL or "" means the login name.  A new run starts in state
 * "running"; an existing one keeps its state for the engine to set.  A
 * forced plan change keeps the state of every (phase, step) row the new
 * plan still has and drops the others (journaled).  *RUN carries no events.
 */
int	journal_open_run(struct conn *, const struct plan *, const char *plan_text,
	    const char *operator, int force, struct journal_run **run,
	    char **cause);
void	journal_run_free(struct journal_run *);
/* The step row of (PHASE, STEP) in RUN, or NULL. */
struct journal_step *journal_run_step(struct journal_run *, int phase, int step);

int	journal_set_run_state(struct conn *, const char *name,
	    const char *state, char **cause);
/* Set a step's state; attempts is incremented when STATE is "running". */
int	journal_set_step(struct conn *, const char *name, int phase, int step,
	    const char *state, char **cause);
/*
 * Record the undo of a done step: STATE running, failed or interrupted
 * leaves the step done (its change still stands, the next rollback undoes
 * it again); done marks the step rolled_back.  A forward start of a
 * rolled-back step (journal_set_step running) starts its counts, times
 * and backfill cursor afresh: numbers never add up across a rollback.
 */
int	journal_set_undo(struct conn *, const char *name, int phase, int step,
	    const char *state, char **cause);
/* Advance a backfill phase's cursor and counters (inside the batch's
 * transaction): CURSOR becomes the last key done, ROWS (the rows this
 * batch updated) is added to rows_done, batches grows by one and
 * ACTIVE_MS (the batch's time, with its usual gap to the batch before;
 * never a pause or an interruption) to active_ms. */
int	journal_backfill_advance(struct conn *, const char *name, int phase,
	    const char *cursor, int64_t rows, int64_t active_ms, char **cause);
/* A backfill's rows per second over the time it was working (active_ms),
 * so that no pause or interruption dilutes it; -1 when unknown. */
int64_t	journal_step_rate(const struct journal_step *);
/* Append an event.  PHASE/STEP/DETAIL may be NULL. */
int	journal_event(struct conn *, const char *name, const char *operator,
	    const char *phase, const char *step, const char *kind,
	    const char *detail, char **cause);
/* The same for an event that happened at AT (ISO 8601, e.g. an event kept
 * while the connection was down); NULL: now. */
int	journal_event_at(struct conn *, const char *name, const char *operator,
	    const char *phase, const char *step, const char *kind,
	    const char *detail, const char *at, char **cause);

/*
 * The read side, for status, watch and report.  Nothing here writes or
 * notifies, and nothing creates the schema.
 */

#define JOURNAL_ALL_EVENTS	(-1)

/*
 * Read run NAME: 1 and *RUN (free with journal_run_free), 0 when there is
 * no such run (also when the database has no journal at all), -1 on error
 * (also when the journal's schema version is newer than this bellows).
 * NEVENTS of the latest events are included, oldest first;
 * JOURNAL_ALL_EVENTS for the whole timeline.
 */
int	journal_load(struct conn *, const char *name, int nevents,
	    struct journal_run **run, char **cause);
/* The first step row that is not done, in plan order: where a resumed run
 * continues.  NULL when every row is done. */
struct journal_step *journal_run_current(struct journal_run *);
/* Events of NAME with id > AFTER, oldest first: a watcher woken by NOTIFY
 * passes the last id it has.  *EVENTS is allocated (free with
 * journal_events_free), possibly NULL with *NEVENTS 0. */
int	journal_events_since(struct conn *, const char *name, int64_t after,
	    struct journal_event **events, size_t *nevents, char **cause);
void	journal_events_free(struct journal_event *, size_t);

/*
 * The second sign-off of PHASE in run NAME: an event of kind
 * "second-signoff" for that phase by an operator other than DRIVER, given
 * since the run last finished a rollback.  1 (and *WHO, allocated) when
 * there is one, 0 when not, -1 on error.
 */
int	journal_second_signoff(struct conn *, const char *name,
	    const char *phase, const char *driver, char **who, char **cause);

/*
 * `bellows status` output of RUN read from DATABASE (conn_describe()),
 * appended to B.  Text is for people; JSON is one object whose field names
 * are stable (listed in cmd-status.c and bellows(1)).
 */
void	journal_status_text(struct buf *b, const struct journal_run *run,
	    const char *database);
void	journal_status_json(struct buf *b, const struct journal_run *run,
	    const char *database);
/* Append S as a JSON string literal (quoted, escaped; null when NULL). */
void	journal_json_string(struct buf *b, const char *s);

#endif
