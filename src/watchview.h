/*
 * watchview: the engine's snapshot of a run driven elsewhere, rebuilt from
 * the journal, so that `bellows watch` shows the same console as the
 * driver without an engine of its own.
 *
 * Two inputs, in the order the watcher reads them: every event of the
 * run, oldest first (watchview_event: the checklist's items, the last
 * lock timeout, why the run stopped, whether the driver waits for a
 * second sign-off), and the run as journal_load() returns it
 * (watchview_update: run state, step rows, backfill counters, driver).
 * The rate of a backfill comes from successive reads of its counters.
 *
 * Nothing here talks to the database: a test builds journal structs by
 * hand.  What the journal does not hold (batch latencies, the throttle's
 * reason, the exact key range) stays empty in the snapshot; the console
 * shows a dash there.
 *
 * Who owns what: the watchview borrows the plan (which must outlive it);
 * the snapshot and every string in it belong to the watchview and are
 * valid until the next watchview_event, watchview_update or
 * watchview_free.
 */
#ifndef BELLOWS_WATCHVIEW_H
#define BELLOWS_WATCHVIEW_H

#include <stdint.h>

#include "engine.h"
#include "journal.h"
#include "plan.h"

/*
 * How long a run's lock may be free before a watcher says its driver is
 * gone.  A server restart frees the lock and the driver takes it again
 * only when its reconnect succeeds, trying with backoff up to
 * ENGINE_RECONNECT_MAX_MS (30 s) apart: until this window has passed the
 * driver is "reconnecting", and nobody is told to run the plan again (a
 * second driver racing the first).  BELLOWS_DRIVER_GONE_MS overrides it.
 */
#define WATCHVIEW_DRIVER_GONE_MS	60000
int64_t	watchview_gone_ms(void);

/* Where the driver stands, as a watcher can tell from the journal. */
enum watchview_presence {
	WATCHVIEW_NO_DRIVER,	/* nobody has driven the run yet */
	WATCHVIEW_DRIVING,	/* someone holds the run's lock */
	WATCHVIEW_FINISHED,	/* done or rolled back: nobody needed */
	WATCHVIEW_RECONNECTING,	/* lock free for less than the window */
	WATCHVIEW_GONE		/* free for longer, or the run was
				   interrupted and let go */
};

/*
 * The presence of RUN's driver at NOW_MS (the caller's clock).
 * *FREE_SINCE is when the caller first saw the lock free (-1 while held):
 * the caller keeps it between calls, starting at -1.
 */
enum watchview_presence	watchview_presence(const struct journal_run *,
	    int64_t now_ms, int64_t gone_ms, int64_t *free_since);
/* "bellows run [-d CONNINFO] PLAN": how a watcher takes over RUN (the
 * plan file as its driver named it).  Allocated. */
char	*watchview_takeover(const struct journal_run *, const char *conninfo);

/*
 * What the driver runs in phase NAME of PLAN, for a watcher about to give
 * its second sign-off: each step's SQL (irreversible ones marked) and,
 * under it, the lock each statement takes, as the driver's confirmation
 * shows them; a gate's text, a backfill's UPDATE, the verify queries.
 * Allocated.
 */
char	*watchview_phase_text(const struct plan *, const char *name);

/* Who drives, as the watcher sees it. */
struct watchview_driver {
	const char	*operator;	/* NULL before any driver */
	const char	*host;
	const char	*since;		/* journal time (UTC ISO 8601) */
	int		 backend_pid;	/* holds the run's lock; 0: nobody */
	int		 connected;	/* someone holds the run's lock */
	int		 gone;		/* WATCHVIEW_GONE: the driver went away */
	int		 reconnecting;	/* WATCHVIEW_RECONNECTING */
	int64_t		 free_ms;	/* how long the lock has been free */
	const char	*takeover;	/* when gone: the command to take over */
};

struct watchview;

/* CONNINFO (may be NULL) is only quoted in the take-over command. */
struct watchview	*watchview_new(const struct plan *, const char *conninfo);
void			 watchview_free(struct watchview *);

/* One event of the run, in journal order (ids increasing). */
void	watchview_event(struct watchview *, const struct journal_event *);

/*
 * The run as just loaded.  NOW_MS is the caller's clock (the console's
 * monotonic milliseconds): started_ms in the snapshot and the backfill
 * rate are on it.  TABLE_ROWS is an estimate of the backfilled table's
 * rows (the monitor's live tuples), -1 when unknown.
 */
void	watchview_update(struct watchview *, const struct journal_run *,
	    int64_t now_ms, int64_t table_rows);

const struct engine_snapshot	*watchview_snapshot(const struct watchview *);
const struct watchview_driver	*watchview_driver(const struct watchview *);
/* The phase whose second sign-off the driver waits for, or NULL. */
const char	*watchview_waiting_phase(const struct watchview *);
/* The run is done or rolled back: nothing more will happen. */
int		 watchview_finished(const struct watchview *);

#endif
