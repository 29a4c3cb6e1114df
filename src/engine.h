/*
 * engine: the state machine that carries a plan through its phases on a
 * live database.  One thread, driven by the caller's poll() loop:
 *
 *	for (;;) {
 *		engine_pollfd(e, &pfd, &timeout_ms);   socket to watch, or -1
 *		poll(...);                             plus the caller's own fds
 *		engine_advance(e);                     run whatever is due
 *		if (engine_finished(e)) break;
 *	}
 *
 * Every statement is sent asynchronously on the executor connection, so
 * the caller's loop (the console, the headless runner) stays live.  Time
 * comes from an injected clock so that backoff, ETA and rate math can be
 * tested without sleeping.
 *
 * The engine never asks anything itself: when it needs the operator (a
 * phase confirmation, a gate, a typed confirmation for a destructive step,
 * a checklist sign-off, a step that stopped), it sets snapshot.question and
 * waits for engine_command().  Everything it does is written to the
 * journal and reported through the on_event callback.
 *
 * Who owns what: the engine borrows the plan and both connections (the
 * caller closes them after engine_free); the snapshot belongs to the engine
 * and is valid until the next engine_advance or engine_command.
 */
#ifndef BELLOWS_ENGINE_H
#define BELLOWS_ENGINE_H

#include <stdint.h>

#include "backfill.h"
#include "conn.h"
#include "plan.h"

enum engine_state {
	ENGINE_STARTING,	/* before engine_start */
	ENGINE_CHECKLIST,	/* checklist items evaluated / awaiting sign-off */
	ENGINE_ASKING,		/* waiting for the operator's answer */
	ENGINE_RUNNING,		/* a statement is running */
	ENGINE_BACKOFF,		/* waiting before the next attempt */
	ENGINE_PAUSED,		/* the operator holds pause */
	ENGINE_WAITING,		/* for a second operator's sign-off (watch) */
	ENGINE_STOPPED,		/* a step failed: retry, roll back or quit */
	ENGINE_RECONNECTING,	/* the executor connection dropped */
	ENGINE_DONE,		/* every phase done */
	ENGINE_ROLLED_BACK,	/* rollback finished */
	ENGINE_INTERRUPTED	/* stopped by a signal or the operator; journaled */
};

enum engine_question {
	ENGINE_Q_NONE,
	ENGINE_Q_CONFIRM,	/* start a phase: yes/no */
	ENGINE_Q_GATE,		/* the gate text; confirm when done */
	ENGINE_Q_TYPED,		/* destructive step: type snapshot.expect */
	ENGINE_Q_SIGNOFF,	/* manual checklist item snapshot.check */
	ENGINE_Q_STOPPED	/* a step failed: retry / rollback / quit */
};

enum engine_cmd {
	ENGINE_CMD_CONFIRM,	/* arg: the typed text for ENGINE_Q_TYPED */
	ENGINE_CMD_DECLINE,	/* "no" to the question: the run stops, resumable */
	ENGINE_CMD_SIGNOFF,	/* arg: checklist item id ("" = the one asked) */
	ENGINE_CMD_OVERRIDE,	/* arg: "ID REASON": accept a failing automatic item */
	ENGINE_CMD_PAUSE,
	ENGINE_CMD_RESUME,
	ENGINE_CMD_CANCEL,	/* cancel the running statement */
	ENGINE_CMD_RETRY,	/* retry a stopped step */
	ENGINE_CMD_ROLLBACK,	/* undo completed steps in reverse */
	ENGINE_CMD_TERMINATE,	/* arg: pid; pg_terminate_backend, journaled */
	ENGINE_CMD_CANCEL_BACKEND, /* arg: pid; pg_cancel_backend, journaled */
	ENGINE_CMD_QUIT		/* interrupt: cancel, journal, release; arg:
				   why, for the journal (NULL: the operator) */
};

struct engine_event {
	int64_t		 at_ms;		/* the engine clock */
	const char	*phase;		/* NULL for run-level events */
	const char	*step;
	const char	*kind;		/* "start", "done", "lock-timeout", ... */
	const char	*detail;
};

struct engine_options {
	const char	*operator;	/* recorded with every confirmation */
	int		 yes;		/* answers given by --yes: journaled as such */
	int		 force;		/* resume even though the plan changed */
	int		 rollback;	/* start by rolling back (bellows rollback) */
	const char	*rollback_to;	/* stop after undoing this phase */
	const char	*plan_text;	/* the plan file's bytes, for the journal */
	const char	*conninfo;	/* to reconnect after a drop */

	/* The clock in milliseconds (monotonic is fine); NULL: real clock. */
	int64_t		(*clock)(void *);
	void		*clock_arg;
	/* Called for every event, after it is journaled. */
	void		(*on_event)(void *, const struct engine_event *);
	void		*event_arg;
};

/* Per-step state for display. */
enum engine_step_state {
	ENGINE_STEP_PENDING,
	ENGINE_STEP_RUNNING,
	ENGINE_STEP_DONE,
	ENGINE_STEP_FAILED,
	ENGINE_STEP_ROLLED_BACK
};

/* A checklist item as the console shows it. */
enum engine_check_status {
	ENGINE_CHECK_PENDING,		/* not evaluated / not signed yet */
	ENGINE_CHECK_PASS,		/* automatic, holds */
	ENGINE_CHECK_FAIL,		/* automatic, does not hold (re-checked) */
	ENGINE_CHECK_UNKNOWN,		/* automatic, cannot be checked: sign off */
	ENGINE_CHECK_SIGNED,		/* signed off by an operator */
	ENGINE_CHECK_OVERRIDDEN		/* failing, accepted with a reason */
};

struct engine_check {
	enum engine_check_status	 status;
	const char			*value;	/* "oldest 3s", who signed, ... */
};

struct engine_snapshot {
	enum engine_state	 state;
	enum engine_question	 question;
	const char		*prompt;	/* what the question shows */
	const char		*expect;	/* ENGINE_Q_TYPED: text to type */
	const char		*check;		/* ENGINE_Q_SIGNOFF: item id */
	unsigned int		 question_id;	/* changes with every question asked */
	size_t			 phase;		/* current phase index */
	size_t			 step;		/* current step index */
	const char		*sql;		/* the running statement, or NULL */
	int64_t			 started_ms;	/* when it started */
	int			 attempt;	/* 1-based */
	int			 max_attempts;
	const char		*blocker;	/* who blocks the statement now */
	const int		*blocker_pids;	/* their backend pids, for highlighting */
	size_t			 nblocker_pids;
	int			 pause_requested; /* takes effect between steps/batches */
	const char		*reason;	/* why stopped / interrupted */
	/* Backfill progress of the current phase; phase_started_ms: when
	 * this process started (or resumed) it, -1 before. */
	int64_t			 phase_started_ms;
	int64_t			 rows_done;
	int64_t			 batches;
	struct backfill_progress backfill;
	/* checks[i] for plan->checklist[i]; in_checklist while the run has
	 * not passed the checklist yet. */
	const struct engine_check *checks;
	int			 in_checklist;
	/* step_state[i] for phase i, indexed by step (one entry for a
	 * non-steps phase). */
	enum engine_step_state	**step_state;
};

struct engine;

/* The exit code a finished engine maps to (cmd.h's CMD_EXIT_*). */
int		 engine_exit_code(struct engine *);

struct engine	*engine_new(const struct plan *, struct conn *exec,
		    struct conn *monitor, const struct engine_options *);
void		 engine_free(struct engine *);
/* Check every step's SQL the way the engine will run it (transaction
 * control, statements that need autocommit alone): before engine_start.
 * 0, or -1 with *cause "FILE:LINE:COL: step 'x': ...". */
int		 engine_validate(struct engine *, char **cause);
/* The executor connection (a reconnect may have replaced the one given to
 * engine_new; the caller closes this one after engine_free). */
struct conn	*engine_conn(struct engine *);

/*
 * Ensure the journal, take the run's advisory lock, open or resume the
 * run.  Returns 0, or a CMD_EXIT_* code (4 when another driver holds the
 * run, 2 when the plan changed without force, 3 on a server error) with
 * *cause set.
 */
int		 engine_start(struct engine *, char **cause);

/* The socket to watch (POLLIN) or -1, and the time until the next timer
 * (-1: none). */
void		 engine_pollfd(struct engine *, int *fd, int *timeout_ms);
/* Run whatever is due: results, timers, transitions. */
void		 engine_advance(struct engine *);
int		 engine_finished(struct engine *);

/* 0, or -1 with *cause when the command does not apply now. */
int		 engine_command(struct engine *, enum engine_cmd,
		    const char *arg, char **cause);

const struct engine_snapshot *engine_snapshot(struct engine *);

/* Backoff before attempt N+1 after N lock timeouts, with jitter R in
 * [0, 1): exponential from 250 ms, capped at 30 s, times 0.5 to 1.5. */
int64_t		 engine_backoff_ms(int attempts, double r);

#endif
