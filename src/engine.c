/*
 * engine: see engine.h.
 *
 * Shape of the code: a step becomes a "job", a short list of statements
 * sent one after another on the executor connection (BEGIN, the step's
 * SQL, COMMIT; or the one statement that must run in autocommit).  A job
 * reports success or failure to its owner; the owner decides what comes
 * next (next step, backoff and retry, stop and ask).  Journal writes are
 * synchronous and short, and happen only between a job's statements, so a
 * step's "done" commits in the same transaction as the step itself.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include "backfill.h"
#include "checklist.h"
#include "cmd.h"
#include "engine.h"
#include "journal.h"
#include "lint.h"
#include "monitor.h"
#include "sql.h"
#include "util.h"

#define ENGINE_MAX_OPS		6
#define ENGINE_SAMPLE_MS	200	/* blocker sampling while a DDL waits */
#define ENGINE_RECHECK_MS	5000	/* failing automatic checklist items */
#define ENGINE_RECONNECT_MAX_MS	30000
#define ENGINE_MON_RETRY_MS	2000	/* reopening a dropped monitor */

/* What a step's SQL is, decided once from its parse tree. */
struct engine_stepinfo {
	int	 autocommit;	/* must run alone, outside a transaction */
	int	 rb_autocommit;	/* the same for its rollback SQL */
	char	*index_name;	/* CREATE INDEX CONCURRENTLY: the index */
	char	*index_schema;
};

struct engine_op {
	char	*sql;
	int	 nparams;
	char	*params[3];
	int	 main;		/* the step's own statement */
};

struct engine;
struct engine_job {
	struct engine_op	 ops[ENGINE_MAX_OPS];
	int			 nops;
	int			 next;		/* op being run */
	int			 in_txn;
	int			 aborting;	/* ROLLBACK after a failure */
	struct conn_error	 err;		/* the failure being reported */
	int			 commit_hook_at; /* run hook before this op */
	int			(*hook)(struct engine *, PGresult *, char **);
	void			(*done)(struct engine *, PGresult *);
	void			(*fail)(struct engine *, struct conn_error *);
	PGresult		*main_result;
};

struct engine_pending {
	char	*phase, *step, *kind, *detail;
	char	 at[64];	/* when it happened (UTC), for the journal */
};

struct engine {
	const struct plan	*plan;
	struct conn		*exec;
	struct conn		*mon;
	struct engine_options	 o;
	struct journal_run	*run;
	int			 locked;
	int			 exit_code;

	struct engine_snapshot	 snap;
	enum engine_state	 state;
	enum engine_state	 paused_from;
	size_t			 phase;
	size_t			 step;
	int			 rolling_back;
	int			 quitting;
	int64_t			 cancel_at;	/* next cancel while quitting */
	int			 pause_requested;
	int			 phase_confirmed;
	int			*second_ok;	/* per phase: second sign-off seen */
	int			 step_confirmed;	/* typed confirmation given */

	struct engine_stepinfo	**info;

	struct engine_job	 job;
	int			 job_running;

	int			 attempts;	/* of the current step */
	int64_t			 timer_at;	/* -1: none */
	void			(*timer_fn)(struct engine *);
	int64_t			 sample_at;
	char			*blocker;
	int			*blocker_pids;
	size_t			 nblocker_pids;
	char			*reason;
	char			*prompt;
	char			*expect;

	/* Checklist: checks[i] for plan->checklist[i]. */
	size_t			 check_idx;	/* the item asked about */
	struct engine_check	*checks;
	char			**checks_value;
	int			 checklist_done;

	/* Backfill. */
	struct backfill		*bf;
	char			*throttle_shown;	/* last throttle reported */
	char			*plan_shown;		/* last batch plan reported */
	int			 cancel_requested;	/* the operator's x */
	int			 pause_slept;		/* pause_ms done for this batch */

	struct conn_error	 saved_err;	/* while an invalid index is dropped */
	int			 invalid_checked; /* before this attempt */
	enum engine_state	 rb_from;	/* where a rollback was asked */
	int			 rollback_after_pause; /* r in a backfill */
	char			*state_before;	/* the run's, when taken */
	int64_t			*bf_rows;	/* per phase: backfilled rows */
	int64_t			 bf_last_end;	/* the last batch's end, or -1 */
	int			 mon_down;	/* the monitor connection dropped */
	int64_t			 mon_retry_at;

	struct engine_pending	*pending;
	size_t			 npending;
	int64_t			 reconnect_ms;
	unsigned int		 seed;

	/* Watchers' notes (engine_poll_notes): the next look, the last
	 * journal event seen, whether the first look was made. */
	int64_t			 notes_at;
	int64_t			 notes_last_id;
	int			 notes_started;
};

static void	engine_next(struct engine *);
static void	engine_run_step(struct engine *);
static void	engine_stop(struct engine *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	engine_rollback_next(struct engine *);
static void	engine_backfill_next(struct engine *);
static int	engine_backfill_hook(struct engine *, PGresult *, char **);
static void	engine_run_state(struct engine *, const char *);
static void	engine_checklist_next(struct engine *);
static void	engine_backfill_forget(struct engine *);
static int	engine_ask_rollback(struct engine *, char **);

static int64_t
engine_real_clock(void *arg)
{
	(void)arg;
	return (util_now_ms());
}

static int64_t
engine_now(struct engine *e)
{
	return (e->o.clock(e->o.clock_arg));
}

int64_t
engine_backoff_ms(int attempts, double r)
{
	int64_t	ms = 250;

	while (attempts-- > 1 && ms < 30000)
		ms *= 2;
	if (ms > 30000)
		ms = 30000;
	return ((int64_t)((double)ms * (0.5 + r)));
}

static const char *
engine_phase_name(struct engine *e)
{
	return (e->phase < e->plan->nphases ? e->plan->phases[e->phase].name :
	    NULL);
}

static const char *
engine_step_name(struct engine *e)
{
	const struct plan_phase	*ph;

	if (e->phase >= e->plan->nphases)
		return (NULL);
	ph = &e->plan->phases[e->phase];
	if (ph->kind != PLAN_PHASE_STEPS || e->step >= ph->nsteps)
		return (NULL);
	return (ph->steps[e->step].name);
}

/* Report an event now; write it to the journal as soon as the executor
 * connection is idle and outside a transaction (an event written inside a
 * step's transaction would vanish with its rollback). */
static void
engine_event(struct engine *e, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
engine_run_event(struct engine *e, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
engine_flush(struct engine *e)
{
	struct engine_pending	*p;
	size_t			 i;
	char			*cause = NULL;

	if (e->exec == NULL || e->job_running || !conn_alive(e->exec) ||
	    e->run == NULL)
		return;
	for (i = 0; i < e->npending; i++) {
		p = &e->pending[i];
		if (journal_event_at(e->exec, e->plan->name, e->o.operator,
		    p->phase, p->step, p->kind, p->detail, p->at,
		    &cause) != 0) {
			fprintf(stderr, "bellows: journal: %s\n", cause);
			free(cause);
			cause = NULL;
		}
		free(p->phase);
		free(p->step);
		free(p->kind);
		free(p->detail);
	}
	e->npending = 0;
}

static void
engine_vevent(struct engine *e, int run_level, const char *kind,
    const char *fmt, va_list ap)
{
	struct engine_event	 ev;
	struct engine_pending	*p;
	char			*detail = NULL;

	if (fmt != NULL)
		detail = xvasprintf(fmt, ap);
	/* Before the checklist is through, no phase has started: events
	 * are the run's, never a step's that did not run. */
	if (!e->checklist_done && !e->rolling_back)
		run_level = 1;
	ev.at_ms = engine_now(e);
	ev.phase = run_level ? NULL : engine_phase_name(e);
	ev.step = run_level ? NULL : engine_step_name(e);
	ev.kind = kind;
	ev.detail = detail;
	e->pending = xreallocarray(e->pending, e->npending + 1,
	    sizeof *e->pending);
	p = &e->pending[e->npending++];
	p->phase = ev.phase != NULL ? xstrdup(ev.phase) : NULL;
	p->step = ev.step != NULL ? xstrdup(ev.step) : NULL;
	p->kind = xstrdup(kind);
	p->detail = detail;
	{
		/* The wall clock now: the event may reach the journal only
		 * after a reconnect. */
		struct timespec	ts;
		struct tm	tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		snprintf(p->at, sizeof p->at, "%04d-%02d-%02dT%02d:%02d:%02d."
		    "%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	}
	if (e->o.on_event != NULL)
		e->o.on_event(e->o.event_arg, &ev);
	engine_flush(e);
}

/* An event of the current phase and step. */
static void
engine_event(struct engine *e, const char *kind, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	engine_vevent(e, 0, kind, fmt, ap);
	va_end(ap);
}

/* An event of the run as a whole (driver, checklist, end). */
static void
engine_run_event(struct engine *e, const char *kind, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	engine_vevent(e, 1, kind, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------- steps info */

static void
engine_stepinfo_fill(struct engine_stepinfo *si, const struct sql_script *s)
{
	const struct PgQuery__Node	*n;
	const PgQuery__IndexStmt	*ix;

	if (s->nstmts != 1 || !sql_needs_autocommit(&s->stmts[0]))
		return;
	si->autocommit = 1;
	n = s->stmts[0].node;
	if (n == NULL || n->node_case != PG_QUERY__NODE__NODE_INDEX_STMT)
		return;
	ix = n->index_stmt;
	if (ix->concurrent && ix->idxname != NULL && *ix->idxname != '\0') {
		si->index_name = xstrdup(ix->idxname);
		if (ix->relation != NULL && ix->relation->schemaname != NULL &&
		    *ix->relation->schemaname != '\0')
			si->index_schema = xstrdup(ix->relation->schemaname);
	}
}

/*
 * The engine manages transactions itself: a step is either statements that
 * run together in one transaction, or one statement that must run alone
 * in autocommit.  Anything else is refused before the run starts.
 */
static int
engine_check_sql(const struct plan *plan, const struct plan_step *st,
    const char *sql, const struct plan_pos *pos, struct engine_stepinfo *si,
    char **cause)
{
	struct sql_script	*s;
	size_t			 i, nauto = 0, first_auto = 0;
	int			 rc = 0, line, col;

	s = sql_parse(sql);
	for (i = 0; i < s->nstmts; i++) {
		plan_pos_at(pos, sql, s->stmts[i].off, &line, &col);
		if (s->stmts[i].error != NULL) {
			/* Where the parser stopped, as lint says it. */
			plan_pos_at(pos, sql, s->stmts[i].error_off, &line, &col);
			*cause = xasprintf("%s:%d:%d: step '%s': %s (bellows lint "
			    "lists every error)", plan->file, line, col, st->name,
			    s->stmts[i].error);
			rc = -1;
			break;
		}
		if (sql_is_transaction_control(&s->stmts[i])) {
			*cause = xasprintf("%s:%d:%d: step '%s': %s: bellows runs "
			    "each step in its own transaction; remove the "
			    "transaction control", plan->file, line, col,
			    st->name, sql_stmt_tag(&s->stmts[i]));
			rc = -1;
			break;
		}
		if (sql_needs_autocommit(&s->stmts[i]) && nauto++ == 0)
			first_auto = i;
	}
	if (rc == 0 && nauto > 0 && s->nstmts > 1) {
		plan_pos_at(pos, sql, s->stmts[first_auto].off, &line, &col);
		*cause = xasprintf("%s:%d:%d: step '%s': %s cannot run in a "
		    "transaction block, so it must be alone in its step; give it "
		    "a step of its own", plan->file, line, col, st->name,
		    sql_stmt_tag(&s->stmts[first_auto]));
		rc = -1;
	}
	if (rc == 0 && s->nstmts == 0) {
		*cause = xasprintf("%s:%d: step '%s': no SQL statement",
		    plan->file, pos->line, st->name);
		rc = -1;
	}
	if (rc == 0 && si != NULL)
		engine_stepinfo_fill(si, s);
	sql_free(s);
	return (rc);
}

/* -------------------------------------------------------------------- jobs */

static void
engine_job_reset(struct engine *e)
{
	struct engine_job	*j = &e->job;
	int			 i, k;

	for (i = 0; i < j->nops; i++) {
		free(j->ops[i].sql);
		for (k = 0; k < j->ops[i].nparams; k++)
			free(j->ops[i].params[k]);
	}
	PQclear(j->main_result);
	conn_error_clear(&j->err);
	memset(j, 0, sizeof *j);
	j->commit_hook_at = -1;
}

static struct engine_op *
engine_job_add(struct engine *e, const char *sql, int main)
{
	struct engine_op	*op;

	if (e->job.nops == ENGINE_MAX_OPS)
		util_fatal("engine: too many statements in one job");
	op = &e->job.ops[e->job.nops++];
	op->sql = xstrdup(sql);
	op->main = main;
	return (op);
}

static void
engine_job_param(struct engine_op *op, const char *v)
{
	op->params[op->nparams++] = v != NULL ? xstrdup(v) : NULL;
}

static void
engine_job_send(struct engine *e, const char *sql, int nparams,
    char *const *params)
{
	struct conn_error	err = { 0 };

	if (conn_send(e->exec, sql, nparams, (const char *const *)params,
	    &err) != 0) {
		e->job_running = 0;
		e->job.fail(e, &err);
		conn_error_clear(&err);
		return;
	}
}

static void
engine_job_start(struct engine *e)
{
	struct engine_op	*op = &e->job.ops[0];

	e->job_running = 1;
	e->cancel_requested = 0;
	e->job.next = 0;
	e->state = ENGINE_RUNNING;
	e->snap.started_ms = engine_now(e);
	e->sample_at = op->main ? engine_now(e) + ENGINE_SAMPLE_MS / 2 : -1;
	engine_job_send(e, op->sql, op->nparams, op->params);
}

static void
engine_job_failed(struct engine *e, struct conn_error *err)
{
	struct engine_job	*j = &e->job;

	if (j->in_txn && conn_alive(e->exec)) {
		/* End the aborted transaction before reporting. */
		conn_error_clear(&j->err);
		j->err = *err;
		memset(err, 0, sizeof *err);
		j->aborting = 1;
		j->in_txn = 0;
		e->sample_at = -1;
		engine_job_send(e, "ROLLBACK", 0, NULL);
		return;
	}
	e->job_running = 0;
	e->sample_at = -1;
	j->fail(e, err);
}

/* The executor's socket is readable (or a timer fired): collect results. */
static void
engine_job_poll(struct engine *e)
{
	struct engine_job	*j = &e->job;
	struct engine_op	*op;
	struct conn_error	 err = { 0 };
	PGresult		*res;
	char			*cause = NULL;
	int			 rc;

	if (!e->job_running)
		return;
	rc = conn_poll(e->exec, &res, &err);
	if (rc == 0)
		return;
	if (rc < 0) {
		j->in_txn = 0;
		j->aborting = 0;
		e->job_running = 0;
		e->sample_at = -1;
		j->fail(e, &err);
		conn_error_clear(&err);
		return;
	}
	if (j->aborting) {
		PQclear(res);
		conn_error_clear(&err);
		j->aborting = 0;
		e->job_running = 0;
		j->fail(e, &j->err);
		return;
	}
	if (res == NULL) {
		engine_job_failed(e, &err);
		conn_error_clear(&err);
		return;
	}
	op = &j->ops[j->next];
	if (strcmp(op->sql, "BEGIN") == 0)
		j->in_txn = 1;
	if (op->main) {
		PQclear(j->main_result);
		j->main_result = res;
		e->sample_at = -1;
	} else
		PQclear(res);
	j->next++;
	if (j->next == j->commit_hook_at && j->hook != NULL &&
	    j->hook(e, j->main_result, &cause) != 0) {
		err.message = cause;
		engine_job_failed(e, &err);
		conn_error_clear(&err);
		return;
	}
	if (j->next < j->nops) {
		op = &j->ops[j->next];
		if (op->main)
			e->sample_at = engine_now(e) + ENGINE_SAMPLE_MS / 2;
		engine_job_send(e, op->sql, op->nparams, op->params);
		return;
	}
	j->in_txn = 0;
	e->job_running = 0;
	res = j->main_result;
	j->main_result = NULL;
	j->done(e, res);
	PQclear(res);
}

static void
engine_clear_blocker(struct engine *e)
{
	free(e->blocker);
	e->blocker = NULL;
	free(e->blocker_pids);
	e->blocker_pids = NULL;
	e->nblocker_pids = 0;
}

/* While the step's statement waits, ask the monitor who is in its way:
 * after a lock timeout the waiter is gone and pg_blocking_pids says
 * nothing, so the blocker must be caught while we still wait. */
static void
engine_sample_blockers(struct engine *e)
{
	struct monitor_session	*ss = NULL;
	size_t			 n = 0, i;
	struct buf		 b;
	char			*cause = NULL, *d;

	e->sample_at = engine_now(e) + ENGINE_SAMPLE_MS;
	if (e->mon == NULL)
		return;
	/* A backfill batch: who waits on its locks (the throttle's input;
	 * between batches the backfill holds none). */
	if (e->bf != NULL && e->job.hook == engine_backfill_hook)
		backfill_sample(e->bf, e->mon);
	if (monitor_blockers(e->mon, conn_backend_pid(e->exec), &ss, &n,
	    &cause) != 0) {
		free(cause);
		return;
	}
	if (n == 0)
		return;
	buf_init(&b);
	free(e->blocker_pids);
	e->blocker_pids = xcalloc(n, sizeof *e->blocker_pids);
	e->nblocker_pids = n;
	for (i = 0; i < n; i++) {
		e->blocker_pids[i] = ss[i].pid;
		d = monitor_session_describe(&ss[i]);
		buf_printf(&b, "%s%s", i > 0 ? "; " : "", d);
		free(d);
	}
	monitor_session_free_array(ss, n);
	free(e->blocker);
	e->blocker = buf_detach(&b);
}

/* ------------------------------------------------------------- questions */

static void
engine_ask(struct engine *e, enum engine_question q, char *prompt,
    const char *expect)
{
	free(e->prompt);
	e->prompt = prompt;
	free(e->expect);
	e->expect = expect != NULL ? xstrdup(expect) : NULL;
	e->snap.question = q;
	/* Front ends tell a new question from the same one by this, never
	 * by the prompt's address, which a new prompt may reuse. */
	e->snap.question_id++;
	e->state = ENGINE_ASKING;
}

static void
engine_answered(struct engine *e)
{
	e->snap.question = ENGINE_Q_NONE;
	free(e->prompt);
	e->prompt = NULL;
	free(e->expect);
	e->expect = NULL;
}

static const char *
engine_by(struct engine *e)
{
	return (e->o.yes ? " (answered by --yes)" : "");
}

/* -------------------------------------------------------------- stopping */

static void
engine_stop(struct engine *e, const char *fmt, ...)
{
	va_list	 ap;
	char	*cause = NULL;

	free(e->reason);
	va_start(ap, fmt);
	e->reason = xvasprintf(fmt, ap);
	va_end(ap);
	if (e->rolling_back)
		engine_event(e, "rollback-stopped", "%s", e->reason);
	else
		engine_event(e, "stopped", "%s", e->reason);
	if (journal_set_run_state(e->exec, e->plan->name, "failed", &cause) != 0)
		free(cause);
	engine_ask(e, ENGINE_Q_STOPPED, xasprintf("%s\nretry, roll back or quit?",
	    e->reason), NULL);
	e->state = ENGINE_STOPPED;
}

static void
engine_release(struct engine *e)
{
	char	*cause = NULL;

	engine_flush(e);
	if (e->locked && conn_alive(e->exec)) {
		if (journal_unlock(e->exec, e->plan->name, &cause) != 0)
			free(cause);
		e->locked = 0;
	}
}

static void
engine_finish(struct engine *e, enum engine_state st, const char *runstate,
    int code)
{
	char	*cause = NULL;

	if (runstate == NULL)
		runstate = "interrupted";
	e->state = st;
	e->exit_code = code;
	engine_answered(e);
	engine_clear_blocker(e);
	if (e->exec != NULL && conn_alive(e->exec) && !e->job_running &&
	    journal_set_run_state(e->exec, e->plan->name, runstate, &cause) != 0)
		free(cause);
	engine_release(e);
}

/* ------------------------------------------------------------- step jobs */

/* The step's row says what it did, in the step's own transaction when it
 * has one: done going forward; undone (rolled_back) when rolling back. */
static int
engine_step_journal(struct engine *e, char **cause)
{
	if (e->rolling_back)
		return (journal_set_undo(e->exec, e->plan->name, (int)e->phase,
		    (int)e->step, JOURNAL_DONE, cause));
	return (journal_set_step(e->exec, e->plan->name, (int)e->phase,
	    (int)e->step, JOURNAL_DONE, cause));
}

static int
engine_step_hook(struct engine *e, PGresult *res, char **cause)
{
	(void)res;
	return (engine_step_journal(e, cause));
}

static void
engine_step_done(struct engine *e, PGresult *res)
{
	(void)res;

	if (e->rolling_back ? e->info[e->phase][e->step].rb_autocommit :
	    e->info[e->phase][e->step].autocommit) {
		char	*cause = NULL;

		/* Autocommit: journal right after (see engine_resume_check
		 * for the window in between). */
		if (engine_step_journal(e, &cause) != 0) {
			engine_stop(e, "journal: %s", cause);
			free(cause);
			return;
		}
	}
	e->snap.step_state[e->phase][e->step] = e->rolling_back ?
	    ENGINE_STEP_ROLLED_BACK : ENGINE_STEP_DONE;
	engine_event(e, e->rolling_back ? "rolled-back" : "done",
	    "attempt %d, %.1fs", e->attempts,
	    (double)(engine_now(e) - e->snap.started_ms) / 1000.0);
	engine_clear_blocker(e);
	e->attempts = 0;
	if (e->rolling_back) {
		engine_rollback_next(e);
		return;
	}
	e->step++;
	e->step_confirmed = 0;
	engine_next(e);
}

static void
engine_retry_timer(struct engine *e)
{
	engine_run_step(e);
}

static void	engine_step_failed(struct engine *, struct conn_error *);
static void	engine_drop_invalid_failed(struct engine *, struct conn_error *);

/* A failed CREATE INDEX CONCURRENTLY leaves an INVALID index behind: drop
 * it (concurrently, as its own job) before retrying or rolling back. */
static int
engine_invalid_index(struct engine *e, const struct engine_stepinfo *si)
{
	static const char	 sql[] =
	    "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
	    " JOIN pg_namespace n ON n.oid = c.relnamespace"
	    " WHERE c.relname = $1 AND NOT i.indisvalid"
	    " AND ($2::text IS NULL OR n.nspname = $2)";
	const char		*params[2];
	struct conn_error	 err = { 0 };
	PGresult		*res;
	int			 found;

	params[0] = si->index_name;
	params[1] = si->index_schema;
	if ((res = conn_exec(e->exec, sql, 2, params, &err)) == NULL) {
		conn_error_clear(&err);
		return (0);
	}
	found = PQntuples(res) > 0;
	PQclear(res);
	return (found);
}

/* Journal how the current step (or its undo) stopped: failed or
 * interrupted. */
static int
engine_journal_stopped(struct engine *e, const char *state, char **cause)
{
	if (e->rolling_back)
		return (journal_set_undo(e->exec, e->plan->name, (int)e->phase,
		    (int)e->step, state, cause));
	return (journal_set_step(e->exec, e->plan->name, (int)e->phase,
	    (int)e->step, state, cause));
}

/* Drop the INVALID index of the current step (see engine_invalid_index)
 * as a job of its own; DONE runs once it is gone. */
static void
engine_drop_invalid(struct engine *e, void (*done)(struct engine *, PGresult *))
{
	const struct engine_stepinfo	*si = &e->info[e->phase][e->step];
	char				*q, *sql, *sch;

	engine_job_reset(e);
	q = conn_quote_ident(e->exec, si->index_name);
	if (si->index_schema != NULL) {
		sch = conn_quote_ident(e->exec, si->index_schema);
		sql = xasprintf("DROP INDEX CONCURRENTLY IF EXISTS %s.%s", sch, q);
		free(sch);
	} else
		sql = xasprintf("DROP INDEX CONCURRENTLY IF EXISTS %s", q);
	free(q);
	engine_job_add(e, sql, 0);
	free(sql);
	e->job.done = done;
	e->job.fail = engine_drop_invalid_failed;
	engine_job_start(e);
}

static void
engine_dropped_invalid(struct engine *e, PGresult *res)
{
	const struct engine_stepinfo	*si = &e->info[e->phase][e->step];

	(void)res;
	engine_event(e, "invalid-index-dropped", "dropped the INVALID index %s "
	    "left by the failed CREATE INDEX CONCURRENTLY", si->index_name);
	engine_step_failed(e, &e->saved_err);
	conn_error_clear(&e->saved_err);
}

/* Before an attempt: an INVALID index of the step's name is what an
 * interrupted CREATE INDEX CONCURRENTLY leaves (kill -9, a lost
 * connection); the attempt would fail on it (42P07), or with IF NOT
 * EXISTS succeed and leave it INVALID. */
static void
engine_dropped_before_run(struct engine *e, PGresult *res)
{
	const struct engine_stepinfo	*si = &e->info[e->phase][e->step];

	(void)res;
	engine_event(e, "invalid-index-dropped", "dropped the INVALID index %s "
	    "left by an interrupted CREATE INDEX CONCURRENTLY; building it "
	    "again", si->index_name);
	engine_run_step(e);
}

static void
engine_drop_invalid_failed(struct engine *e, struct conn_error *err)
{
	char	*m = conn_error_format(err);

	if (e->quitting) {
		free(m);
		conn_error_clear(&e->saved_err);
		engine_event(e, "interrupted", "while dropping the INVALID "
		    "index %s", e->info[e->phase][e->step].index_name);
		engine_finish(e, ENGINE_INTERRUPTED, "interrupted",
		    CMD_EXIT_INTERRUPTED);
		return;
	}
	engine_stop(e, "could not drop the INVALID index left by CREATE INDEX "
	    "CONCURRENTLY: %s", m);
	free(m);
	conn_error_clear(&e->saved_err);
}

static void
engine_step_failed(struct engine *e, struct conn_error *err)
{
	const struct plan_phase		*ph = &e->plan->phases[e->phase];
	const struct engine_stepinfo	*si = &e->info[e->phase][e->step];
	char				*m, *cause = NULL;
	/* retries: attempts after the first (bellows-plan(5)). */
	int				 attempts = e->plan->retries + 1;
	int				 retrying;
	int64_t				 wait;

	if (!e->rolling_back && si->index_name != NULL &&
	    conn_alive(e->exec) && engine_invalid_index(e, si)) {
		conn_error_clear(&e->saved_err);
		e->saved_err = *err;
		memset(err, 0, sizeof *err);
		engine_drop_invalid(e, engine_dropped_invalid);
		return;
	}

	if (err->sqlstate[0] == '\0' && !conn_alive(e->exec))
		snprintf(err->sqlstate, sizeof err->sqlstate, "%s",
		    CONN_CONNECTION_LOST);
	/* A lock timeout with attempts left is still the step's own
	 * business: it stays running through the backoff. */
	/* The operator's x wins over the next attempt, even when the lock
	 * timeout ended the statement before the cancel reached it. */
	retrying = !e->quitting && !e->cancel_requested &&
	    conn_alive(e->exec) && conn_error_is(err, CONN_LOCK_TIMEOUT) &&
	    e->attempts < attempts;
	if (e->rolling_back) {
		/* The undo failed: the step's change still stands, and the
		 * next rollback undoes it again. */
		e->snap.step_state[e->phase][e->step] = ENGINE_STEP_DONE;
	} else
		e->snap.step_state[e->phase][e->step] = retrying ?
		    ENGINE_STEP_RUNNING : ENGINE_STEP_FAILED;
	if (!retrying && conn_alive(e->exec) && !e->job_running &&
	    engine_journal_stopped(e, e->quitting ? JOURNAL_INTERRUPTED :
	    JOURNAL_FAILED, &cause) != 0) {
		free(cause);
		cause = NULL;
	}
	if (e->quitting) {
		engine_event(e, "interrupted", "%s%s: the statement was "
		    "cancelled and rolled back", e->rolling_back ? "undo of " :
		    "", ph->steps[e->step].name);
		engine_finish(e, ENGINE_INTERRUPTED, "interrupted",
		    CMD_EXIT_INTERRUPTED);
		return;
	}
	if (conn_error_is(err, CONN_CONNECTION_LOST) || !conn_alive(e->exec)) {
		engine_event(e, "connection-lost", "the executor connection "
		    "dropped during the step; it will be checked and re-run");
		e->state = ENGINE_RECONNECTING;
		e->reconnect_ms = 500;
		e->timer_at = engine_now(e) + e->reconnect_ms;
		e->timer_fn = NULL;
		return;
	}
	m = conn_error_format(err);
	if (conn_error_is(err, CONN_LOCK_TIMEOUT)) {
		engine_event(e, "lock-timeout", "attempt %d of %d gave up after "
		    "lock_timeout %ldms; blocked by %s", e->attempts, attempts,
		    e->plan->lock_timeout_ms, e->blocker != NULL ? e->blocker :
		    e->mon_down ? "a session the monitor could not see (its "
		    "connection is down)" :
		    "a session that was gone before it could be seen");
		if (retrying) {
			wait = engine_backoff_ms(e->attempts,
			    (double)rand_r(&e->seed) / ((double)RAND_MAX + 1));
			engine_event(e, "backoff", "retrying in %.1fs",
			    (double)wait / 1000.0);
			e->state = ENGINE_BACKOFF;
			e->timer_at = engine_now(e) + wait;
			e->timer_fn = engine_retry_timer;
			free(m);
			return;
		}
		if (e->cancel_requested)
			engine_stop(e, "cancelled by %s during attempt %d: "
			    "could not take the lock within %ldms; in the way: "
			    "%s", e->o.operator, e->attempts,
			    e->plan->lock_timeout_ms, e->blocker != NULL ?
			    e->blocker : "unknown (gone when sampled)");
		else
		engine_stop(e, "gave up after %d attempt%s: could not take the "
		    "lock within %ldms; in the way: %s", e->attempts,
		    e->attempts == 1 ? "" : "s",
		    e->plan->lock_timeout_ms, e->blocker != NULL ? e->blocker :
		    e->mon_down ? "unknown (the monitor connection is down)" :
		    "unknown (the blocker had gone when sampled)");
	} else if (conn_error_is(err, CONN_QUERY_CANCELED))
		engine_stop(e, "cancelled: %s", m);
	else
		engine_stop(e, "%s failed: %s", e->rolling_back ? "rollback" :
		    "step", m);
	free(m);
}

static void
engine_step_job_failed(struct engine *e, struct conn_error *err)
{
	engine_step_failed(e, err);
}

/* Start (or retry) the current step, or its rollback. */
static void
engine_run_step(struct engine *e)
{
	const struct plan_step		*st;
	const struct engine_stepinfo	*si;
	const char			*sql;
	char				*set, *cause = NULL;

	st = &e->plan->phases[e->phase].steps[e->step];
	si = &e->info[e->phase][e->step];
	sql = e->rolling_back ? st->rollback : st->sql;
	e->timer_at = -1;
	if (!e->rolling_back && si->index_name != NULL && !e->invalid_checked &&
	    engine_invalid_index(e, si)) {
		e->invalid_checked = 1;
		engine_drop_invalid(e, engine_dropped_before_run);
		return;
	}
	e->invalid_checked = 0;
	e->attempts++;
	engine_clear_blocker(e);
	if ((e->rolling_back ? journal_set_undo(e->exec, e->plan->name,
	    (int)e->phase, (int)e->step, JOURNAL_RUNNING, &cause) :
	    journal_set_step(e->exec, e->plan->name, (int)e->phase,
	    (int)e->step, JOURNAL_RUNNING, &cause)) != 0) {
		engine_stop(e, "journal: %s", cause);
		free(cause);
		return;
	}
	e->snap.step_state[e->phase][e->step] = ENGINE_STEP_RUNNING;
	engine_event(e, e->rolling_back ? "rollback-start" : "start",
	    "attempt %d of %d: %s", e->attempts, e->plan->retries + 1, sql);
	engine_job_reset(e);
	if (e->rolling_back ? si->rb_autocommit : si->autocommit) {
		/* Alone, in autocommit; the session's lock_timeout applies. */
		engine_job_add(e, sql, 1);
	} else {
		engine_job_add(e, "BEGIN", 0);
		set = xasprintf("SET LOCAL lock_timeout = %ld",
		    e->plan->lock_timeout_ms);
		engine_job_add(e, set, 0);
		free(set);
		engine_job_add(e, sql, 1);
		engine_job_add(e, "COMMIT", 0);
		e->job.commit_hook_at = 3;
		e->job.hook = engine_step_hook;
	}
	e->job.done = engine_step_done;
	e->job.fail = engine_step_job_failed;
	engine_job_start(e);
}

/* The table a destructive statement works on, for the typed confirmation;
 * NULL when the tree names none (the caller falls back to the phase). */
static char *
engine_target_table(const char *sql)
{
	struct sql_script		*s;
	const struct PgQuery__Node	*n;
	const PgQuery__RangeVar		*rv = NULL;
	char				*name = NULL;
	size_t				 i;

	s = sql_parse(sql);
	for (i = 0; i < s->nstmts && rv == NULL; i++) {
		if ((n = s->stmts[i].node) == NULL)
			continue;
		switch (n->node_case) {
		case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
			rv = n->alter_table_stmt->relation;
			break;
		case PG_QUERY__NODE__NODE_INDEX_STMT:
			rv = n->index_stmt->relation;
			break;
		case PG_QUERY__NODE__NODE_RENAME_STMT:
			rv = n->rename_stmt->relation;
			break;
		case PG_QUERY__NODE__NODE_DROP_STMT:
			if (n->drop_stmt->n_objects > 0 &&
			    n->drop_stmt->objects[0]->node_case ==
			    PG_QUERY__NODE__NODE_LIST &&
			    n->drop_stmt->objects[0]->list->n_items > 0) {
				const PgQuery__List *l = n->drop_stmt->objects[0]->list;
				const PgQuery__Node *last = l->items[l->n_items - 1];

				if (last->node_case == PG_QUERY__NODE__NODE_STRING)
					name = xstrdup(last->string->sval);
			}
			break;
		default:
			break;
		}
	}
	if (rv != NULL && rv->relname != NULL)
		name = xstrdup(rv->relname);
	sql_free(s);
	return (name);
}

/* ---------------------------------------------------------------- gates */

static void
engine_phase_row(struct engine *e, const char *state)
{
	char	*cause = NULL;

	if (journal_set_step(e->exec, e->plan->name, (int)e->phase, -1, state,
	    &cause) != 0) {
		fprintf(stderr, "bellows: journal: %s\n", cause);
		free(cause);
	}
}

static void
engine_next_phase(struct engine *e)
{
	e->phase++;
	e->step = 0;
	e->attempts = 0;
	/* Every phase is confirmed on its own, whatever came before it. */
	e->phase_confirmed = 0;
	e->step_confirmed = 0;
	e->snap.rows_done = e->snap.batches = 0;
	memset(&e->snap.backfill, 0, sizeof e->snap.backfill);
}

/* --------------------------------------------------------------- verify */

static void
engine_verify_done(struct engine *e, PGresult *res)
{
	const struct plan_verify	*v;
	const char			*got;

	v = &e->plan->phases[e->phase].verify[e->step];
	got = res != NULL && PQntuples(res) > 0 && PQnfields(res) > 0 ?
	    (PQgetisnull(res, 0, 0) ? "NULL" : PQgetvalue(res, 0, 0)) :
	    "(no rows)";
	if (strcmp(got, v->expect) != 0) {
		e->snap.step_state[e->phase][0] = ENGINE_STEP_FAILED;
		engine_phase_row(e, JOURNAL_FAILED);
		engine_stop(e, "verify %zu failed: %s returned '%s', expected "
		    "'%s'", e->step + 1, v->sql, got, v->expect);
		return;
	}
	engine_event(e, "verified", "%s = '%s'", v->sql, got);
	e->step++;
	engine_next(e);
}

static void
engine_verify_failed(struct engine *e, struct conn_error *err)
{
	char	*m;

	if (e->quitting) {
		engine_finish(e, ENGINE_INTERRUPTED, "interrupted",
		    CMD_EXIT_INTERRUPTED);
		return;
	}
	m = conn_error_format(err);
	e->snap.step_state[e->phase][0] = ENGINE_STEP_FAILED;
	engine_stop(e, "verify %zu failed: %s", e->step + 1, m);
	free(m);
}

/* A verify query's statement_timeout when the plan sets none. */
#define ENGINE_VERIFY_TIMEOUT_MS	(10 * 60 * 1000)

static void
engine_run_verify(struct engine *e)
{
	const struct plan_verify	*v;
	char				*set;

	v = &e->plan->phases[e->phase].verify[e->step];
	if (e->step == 0) {
		engine_phase_row(e, JOURNAL_RUNNING);
		e->snap.step_state[e->phase][0] = ENGINE_STEP_RUNNING;
	}
	/*
	 * Read only, whatever the query holds: alone (the extended protocol
	 * refuses a second statement), in a READ ONLY transaction, under the
	 * plan's statement_timeout or ENGINE_VERIFY_TIMEOUT_MS.  (The plan
	 * loader already refused a verify that is not one plain query.)
	 */
	engine_job_reset(e);
	engine_job_add(e, "BEGIN", 0);
	set = xasprintf("SET TRANSACTION READ ONLY; SET LOCAL "
	    "statement_timeout = %ld", e->plan->statement_timeout_ms > 0 ?
	    e->plan->statement_timeout_ms : ENGINE_VERIFY_TIMEOUT_MS);
	engine_job_add(e, set, 0);
	free(set);
	engine_job_add(e, v->sql, 1)->nparams = CONN_ONE_STATEMENT;
	engine_job_add(e, "COMMIT", 0);
	e->job.done = engine_verify_done;
	e->job.fail = engine_verify_failed;
	engine_job_start(e);
}

/* ------------------------------------------------------------- backfill */

/*
 * A batch is two jobs: the bound query (outside any transaction), then
 * BEGIN, the backfill's settings, the UPDATE and, before COMMIT, the
 * journal's cursor advance: the rows and the cursor commit together, so a
 * crash can neither skip nor repeat a batch.
 */
static int
engine_backfill_hook(struct engine *e, PGresult *res, char **cause)
{
	int64_t	rows = res != NULL ? strtoll(PQcmdTuples(res), NULL, 10) : 0;
	int64_t	now = engine_now(e), from = e->snap.started_ms;

	/* The time it worked: from the batch before when the gap was the
	 * usual one, never across a pause, a hold or an interruption. */
	if (e->bf_last_end >= 0 && from - e->bf_last_end <=
	    e->plan->phases[e->phase].backfill.pause_ms + 1000)
		from = e->bf_last_end;
	return (journal_backfill_advance(e->exec, e->plan->name, (int)e->phase,
	    backfill_upper(e->bf), rows, now - from, cause));
}

static void
engine_backfill_progress(struct engine *e)
{
	backfill_progress(e->bf, &e->snap.backfill);
	if (e->snap.backfill.plan != NULL && (e->plan_shown == NULL ||
	    strcmp(e->plan_shown, e->snap.backfill.plan) != 0)) {
		free(e->plan_shown);
		e->plan_shown = xstrdup(e->snap.backfill.plan);
		engine_event(e, "batch-plan", "%s", e->plan_shown);
	}
	e->snap.rows_done = e->snap.backfill.rows_done;
	e->snap.batches = e->snap.backfill.batches;
}

/* The backfill object goes; the snapshot's strings pointed into it. */
static void
engine_backfill_forget(struct engine *e)
{
	backfill_free(e->bf);
	e->bf = NULL;
	e->snap.backfill.cursor = NULL;
	e->snap.backfill.throttle = NULL;
	e->snap.backfill.plan = NULL;
}

static void
engine_backfill_failed(struct engine *e, struct conn_error *err)
{
	char	*m;

	if (e->quitting) {
		engine_event(e, "interrupted", "backfill stopped between "
		    "batches; %lld rows done", (long long)e->snap.rows_done);
		engine_phase_row(e, JOURNAL_INTERRUPTED);
		engine_finish(e, ENGINE_INTERRUPTED, "interrupted",
		    CMD_EXIT_INTERRUPTED);
		return;
	}
	if (!conn_alive(e->exec)) {
		engine_event(e, "connection-lost", "the executor connection "
		    "dropped during the backfill; the batch was not committed "
		    "and will be redone");
		e->state = ENGINE_RECONNECTING;
		e->reconnect_ms = 500;
		e->timer_at = engine_now(e) + e->reconnect_ms;
		return;
	}
	if (err != NULL && !e->cancel_requested &&
	    backfill_batch_failed(e->bf, err->sqlstate)) {
		engine_backfill_progress(e);
		engine_event(e, "batch-retry", "%s; retrying with batches of "
		    "%lld rows", err->message != NULL ? err->message : "failed",
		    (long long)e->snap.backfill.batch_rows);
		engine_backfill_next(e);
		return;
	}
	m = err != NULL ? conn_error_format(err) : xstrdup("failed");
	e->snap.step_state[e->phase][0] = ENGINE_STEP_FAILED;
	engine_phase_row(e, JOURNAL_FAILED);
	engine_stop(e, "backfill batch failed: %s", m);
	free(m);
}

static void
engine_backfill_batch_done(struct engine *e, PGresult *res)
{
	int64_t			rows, took;
	struct engine_event	ev;
	char			detail[256];

	rows = res != NULL ? strtoll(PQcmdTuples(res), NULL, 10) : 0;
	took = engine_now(e) - e->snap.started_ms;
	backfill_batch_done(e->bf, rows, took);
	engine_backfill_progress(e);
	e->bf_rows[e->phase] = e->snap.backfill.rows_done;
	e->bf_last_end = engine_now(e);
	/* Batches are reported, not journaled one by one: the journal has
	 * the cursor and counters, committed with each batch. */
	snprintf(detail, sizeof detail, "batch %lld: %lld rows up to key %s "
	    "in %lldms; %lld rows in all (%.1f%%)",
	    (long long)e->snap.backfill.batches, (long long)rows,
	    e->snap.backfill.cursor, (long long)took,
	    (long long)e->snap.backfill.rows_done, e->snap.backfill.percent);
	ev.at_ms = engine_now(e);
	ev.phase = engine_phase_name(e);
	ev.step = NULL;
	ev.kind = "batch";
	ev.detail = detail;
	if (e->o.on_event != NULL)
		e->o.on_event(e->o.event_arg, &ev);
	engine_backfill_next(e);
}

static void
engine_backfill_bound_done(struct engine *e, PGresult *res)
{
	const char *const	*settings, *const *params;
	struct engine_op	*op;
	const char		*sql;
	char			*set;
	int			 nparams, i;

	if (res == NULL || PQntuples(res) == 0 || PQgetisnull(res, 0, 0)) {
		backfill_set_upper(e->bf, NULL);
		e->snap.step_state[e->phase][0] = ENGINE_STEP_DONE;
		engine_phase_row(e, JOURNAL_DONE);
		engine_backfill_progress(e);
		engine_event(e, "done", "backfill finished: %lld rows in %lld "
		    "batches", (long long)e->snap.rows_done,
		    (long long)e->snap.batches);
		engine_backfill_forget(e);
		engine_next_phase(e);
		engine_next(e);
		return;
	}
	backfill_set_upper(e->bf, PQgetvalue(res, 0, 0));
	engine_job_reset(e);
	engine_job_add(e, "BEGIN", 0);
	set = xasprintf("SET LOCAL lock_timeout = %ld", e->plan->lock_timeout_ms);
	engine_job_add(e, set, 0);
	free(set);
	for (settings = backfill_batch_settings(e->bf); *settings != NULL;
	    settings++)
		engine_job_add(e, *settings, 0);
	sql = backfill_batch_sql(e->bf, &params, &nparams);
	op = engine_job_add(e, sql, 1);
	for (i = 0; i < nparams; i++)
		engine_job_param(op, params[i]);
	engine_job_add(e, "COMMIT", 0);
	e->job.commit_hook_at = e->job.nops - 1;
	e->job.hook = engine_backfill_hook;
	e->job.done = engine_backfill_batch_done;
	e->job.fail = engine_backfill_failed;
	engine_job_start(e);
}

static void
engine_backfill_throttle_timer(struct engine *e)
{
	engine_backfill_next(e);
}

static void
engine_backfill_next(struct engine *e)
{
	const char *const	*params;
	const char		*sql, *reason = NULL;
	struct engine_op	*op;
	int			 nparams, i, hold;

	if (e->quitting) {
		engine_backfill_failed(e, NULL);
		return;
	}
	if (e->pause_requested) {
		e->paused_from = ENGINE_RUNNING;
		e->state = ENGINE_PAUSED;
		e->bf_last_end = -1;
		engine_event(e, "paused", "between batches, %lld rows done",
		    (long long)e->snap.rows_done);
		engine_run_state(e, "paused");
		if (e->rollback_after_pause) {
			char	*why = NULL;

			e->rollback_after_pause = 0;
			e->rb_from = ENGINE_PAUSED;
			if (engine_ask_rollback(e, &why) != 0) {
				engine_event(e, "rollback-refused", "%s", why);
				free(why);
			}
		}
		return;
	}
	if (e->mon_down && (e->plan->phases[e->phase].backfill.throttle_sql !=
	    NULL || e->plan->phases[e->phase].backfill.max_replica_lag_ms > 0 ||
	    e->plan->phases[e->phase].backfill.max_blocked_ms > 0)) {
		/* The throttles read the monitor: blind, they hold. */
		hold = 1;
		reason = "the monitor connection is down, so the throttles "
		    "(replica lag, blocked sessions, throttle_sql) are blind; "
		    "holding until it is back";
	} else
		hold = backfill_throttle(e->bf, e->mon_down ? NULL : e->mon,
		    &reason);
	if ((reason == NULL) != (e->throttle_shown == NULL) ||
	    (reason != NULL && strcmp(reason, e->throttle_shown) != 0)) {
		if (reason != NULL)
			engine_event(e, hold ? "throttle" : "throttle-check",
			    "%s", reason);
		else
			engine_event(e, "throttle-clear", "batches continue");
		free(e->throttle_shown);
		e->throttle_shown = reason != NULL ? xstrdup(reason) : NULL;
	}
	engine_backfill_progress(e);
	if (hold) {
		e->bf_last_end = -1;
		e->state = ENGINE_BACKOFF;
		e->timer_at = engine_now(e) + 500;
		e->timer_fn = engine_backfill_throttle_timer;
		return;
	}
	if (e->plan->phases[e->phase].backfill.pause_ms > 0 &&
	    e->snap.backfill.batches > 0 && !e->pause_slept) {
		e->pause_slept = 1;
		e->state = ENGINE_BACKOFF;
		e->timer_at = engine_now(e) +
		    e->plan->phases[e->phase].backfill.pause_ms;
		e->timer_fn = engine_backfill_throttle_timer;
		return;
	}
	e->pause_slept = 0;
	engine_job_reset(e);
	sql = backfill_bound_sql(e->bf, &params, &nparams);
	op = engine_job_add(e, sql, 1);
	for (i = 0; i < nparams; i++)
		engine_job_param(op, params[i]);
	e->job.done = engine_backfill_bound_done;
	e->job.fail = engine_backfill_failed;
	engine_job_start(e);
}

static void
engine_run_backfill(struct engine *e)
{
	const struct plan_backfill	*bf = &e->plan->phases[e->phase].backfill;
	struct journal_step		*js;
	struct conn_error		 err = { 0 };
	char				*cause = NULL;

	backfill_free(e->bf);
	e->bf = backfill_new(bf, e->exec, e->o.clock, e->o.clock_arg);
	backfill_set_statement_timeout(e->bf, e->plan->statement_timeout_ms);
	if (backfill_estimate(e->bf, e->mon != NULL ? e->mon : e->exec,
	    &cause) != 0) {
		engine_event(e, "estimate", "no row estimate: %s", cause);
		free(cause);
	}
	/* The batch statement keeps its key bounds and plans, before any
	 * batch changes a row. */
	if (backfill_explain(e->bf, e->exec, &err) != 0) {
		cause = conn_error_format(&err);
		conn_error_clear(&err);
		e->snap.step_state[e->phase][0] = ENGINE_STEP_FAILED;
		engine_phase_row(e, JOURNAL_FAILED);
		engine_stop(e, "backfill statement refused before the first "
		    "batch: %s", cause);
		free(cause);
		return;
	}
	js = journal_run_step(e->run, (int)e->phase, -1);
	if (js != NULL && strcmp(js->state, JOURNAL_ROLLED_BACK) != 0 &&
	    js->cursor != NULL) {
		backfill_resume(e->bf, js->cursor, js->rows_done, js->batches);
		engine_event(e, "resume", "backfill resumes after key %s "
		    "(%lld rows in %lld batches already done)", js->cursor,
		    (long long)js->rows_done, (long long)js->batches);
	} else
		engine_event(e, "start", "backfill of %s by %s in batches of "
		    "%ld rows", bf->table, bf->key, bf->batch_rows);
	engine_phase_row(e, JOURNAL_RUNNING);
	e->snap.step_state[e->phase][0] = ENGINE_STEP_RUNNING;
	e->snap.phase_started_ms = engine_now(e);
	e->bf_last_end = -1;
	engine_backfill_next(e);
}

/* ------------------------------------------------------------ checklist */

static void
engine_check_set(struct engine *e, size_t i, enum engine_check_status st,
    char *value)
{
	free(e->checks_value[i]);
	e->checks_value[i] = value;
	e->checks[i].status = st;
	e->checks[i].value = value;
}

static int
engine_check_ok(struct engine *e, size_t i)
{
	switch (e->checks[i].status) {
	case ENGINE_CHECK_PASS:
	case ENGINE_CHECK_SIGNED:
	case ENGINE_CHECK_OVERRIDDEN:
		return (1);
	case ENGINE_CHECK_PENDING:
	case ENGINE_CHECK_FAIL:
	case ENGINE_CHECK_UNKNOWN:
		break;
	}
	return (0);
}

/*
 * One round of the checklist: evaluate every automatic item that does not
 * hold yet (each has its value for display), then ask for the first
 * manual (or uncheckable) item without a sign-off.  While an automatic
 * item fails, the round repeats every few seconds until it clears or the
 * operator overrides it with a reason.
 */
static void
engine_checklist_next(struct engine *e)
{
	const struct plan_check	*c;
	struct checklist_result	 r;
	enum engine_check_status st = ENGINE_CHECK_UNKNOWN;
	size_t			 i, failing = 0, ask = SIZE_MAX;
	char			*cause = NULL;
	struct buf		 fails;

	e->timer_at = -1;
	e->state = ENGINE_CHECKLIST;
	buf_init(&fails);
	for (i = 0; i < e->plan->nchecklist; i++) {
		c = &e->plan->checklist[i];
		if (engine_check_ok(e, i))
			continue;
		if (c->kind == PLAN_CHECK_MANUAL) {
			if (ask == SIZE_MAX)
				ask = i;
			continue;
		}
		if (e->checks[i].status == ENGINE_CHECK_UNKNOWN) {
			if (ask == SIZE_MAX)
				ask = i;
			continue;
		}
		memset(&r, 0, sizeof r);
		if (checklist_eval(e->mon != NULL ? e->mon : e->exec, e->plan,
		    c, &r, &cause) != 0) {
			r.status = CHECKLIST_UNKNOWN;
			r.value = cause;
			cause = NULL;
		}
		switch (r.status) {
		case CHECKLIST_PASS:
			st = ENGINE_CHECK_PASS;
			engine_run_event(e, "check-pass", "%s: %s (%s)", c->id,
			    c->text, r.value != NULL ? r.value : "ok");
			break;
		case CHECKLIST_FAIL:
			st = ENGINE_CHECK_FAIL;
			failing++;
			buf_printf(&fails, "%s%s (%s: %s)", failing > 1 ? "; " :
			    "", c->id, c->text, r.value != NULL ? r.value :
			    "failed");
			if (e->checks[i].status != ENGINE_CHECK_FAIL)
				engine_run_event(e, "check-fail", "%s: %s: %s; "
				    "waiting for it to clear (or override it "
				    "with a reason)", c->id, c->text,
				    r.value != NULL ? r.value : "failed");
			break;
		case CHECKLIST_MANUAL:
		case CHECKLIST_UNKNOWN:
			/* The database cannot answer: the operator must. */
			st = ENGINE_CHECK_UNKNOWN;
			engine_run_event(e, "check-unknown", "%s: %s (%s); "
			    "needs a sign-off", c->id, c->text, r.value != NULL ?
			    r.value : "unknown");
			if (ask == SIZE_MAX)
				ask = i;
			break;
		}
		engine_check_set(e, i, st, r.value);
	}
	if (ask != SIZE_MAX && e->snap.question == ENGINE_Q_SIGNOFF &&
	    e->check_idx == ask) {
		/* Still asking about the same item: not a new question. */
	} else if (ask != SIZE_MAX) {
		c = &e->plan->checklist[ask];
		e->check_idx = ask;
		engine_ask(e, ENGINE_Q_SIGNOFF, xasprintf("sign off: %s%s%s",
		    c->text, e->checks[ask].status == ENGINE_CHECK_UNKNOWN ?
		    " (could not be checked: " : "",
		    e->checks[ask].status == ENGINE_CHECK_UNKNOWN ?
		    e->checks[ask].value : ""), NULL);
		if (e->checks[ask].status == ENGINE_CHECK_UNKNOWN) {
			char *p = xasprintf("%s)", e->prompt);

			free(e->prompt);
			e->prompt = p;
		}
		e->state = ENGINE_CHECKLIST;
		e->snap.check = c->id;
	} else {
		engine_answered(e);
		e->snap.check = NULL;
	}
	if (failing > 0) {
		free(e->reason);
		e->reason = xasprintf("checklist item%s failing: %s",
		    failing == 1 ? "" : "s", fails.data);
		buf_free(&fails);
		e->timer_at = engine_now(e) + ENGINE_RECHECK_MS;
		e->timer_fn = engine_checklist_next;
		return;
	}
	buf_free(&fails);
	if (ask != SIZE_MAX)
		return;
	e->checklist_done = 1;
	free(e->reason);
	e->reason = NULL;
	engine_run_event(e, "checklist-complete", "every item passed or was "
	    "signed off");
	engine_next(e);
}

/* -------------------------------------------------------------- rollback */

/*
 * A rollback walks the plan in reverse from the last thing that ran.  One
 * walker serves both the question (what will be undone, and lost) and the
 * rollback itself, so that the two cannot disagree.
 */
enum engine_rb_kind {
	ENGINE_RB_UNDO,		/* a done step: run its rollback SQL */
	ENGINE_RB_IRREVERSIBLE,	/* a done step with none: the walk ends */
	ENGINE_RB_CLEAN,	/* an unfinished index build left INVALID */
	ENGINE_RB_FORGET,	/* an unfinished step: nothing to undo */
	ENGINE_RB_PHASE		/* a gate, backfill or verify that started */
};

struct engine_rb {
	size_t	 p, s;		/* the item */
	int	 begun;		/* the walk has started */
	int	 ended;		/* past --to, or past an irreversible step */
};

static int
engine_rb_next(struct engine *e, struct engine_rb *it, enum engine_rb_kind *kind)
{
	const struct plan_phase	*ph;
	int			 st;

	if (it->ended)
		return (0);
	if (!it->begun) {
		it->begun = 1;
		it->p = e->plan->nphases;
		it->s = 0;
	}
	for (;;) {
		if (it->s == 0) {
			/* Leaving phase it->p (or starting): --to ends the
			 * walk after that phase. */
			if (it->p < e->plan->nphases && e->o.rollback_to != NULL &&
			    strcmp(e->plan->phases[it->p].name,
			    e->o.rollback_to) == 0) {
				it->ended = 1;
				return (0);
			}
			if (it->p == 0) {
				it->ended = 1;
				return (0);
			}
			it->p--;
			ph = &e->plan->phases[it->p];
			it->s = ph->kind == PLAN_PHASE_STEPS ? ph->nsteps : 1;
			if (it->s == 0)
				continue;
		}
		it->s--;
		ph = &e->plan->phases[it->p];
		st = e->snap.step_state[it->p][it->s];
		if (st == ENGINE_STEP_PENDING || st == ENGINE_STEP_ROLLED_BACK)
			continue;
		if (ph->kind != PLAN_PHASE_STEPS) {
			*kind = ENGINE_RB_PHASE;
			return (1);
		}
		if (st == ENGINE_STEP_FAILED || st == ENGINE_STEP_RUNNING) {
			/* Never committed, or an autocommit statement that
			 * stopped part-way: only an index build leaves
			 * something (an INVALID index) behind. */
			*kind = e->info[it->p][it->s].index_name != NULL &&
			    conn_alive(e->exec) && engine_invalid_index(e,
			    &e->info[it->p][it->s]) ? ENGINE_RB_CLEAN :
			    ENGINE_RB_FORGET;
			return (1);
		}
		if (ph->steps[it->s].rollback == NULL) {
			it->ended = 1;
			*kind = ENGINE_RB_IRREVERSIBLE;
			return (1);
		}
		*kind = ENGINE_RB_UNDO;
		return (1);
	}
}

/* What running SQL loses for good, as "the column orders.x and its data";
 * NULL when it drops nothing that holds data. */
static char *
engine_rb_loss(const char *sql)
{
	struct sql_script		*sc;
	const struct PgQuery__Node	*n, *c;
	const PgQuery__AlterTableStmt	*at;
	const PgQuery__DropStmt		*ds;
	struct buf			 b;
	size_t				 i, k, i2;

	buf_init(&b);
	sc = sql_parse(sql);
	for (i = 0; i < sc->nstmts; i++) {
		if ((n = sc->stmts[i].node) == NULL)
			continue;
		if (n->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_STMT) {
			at = n->alter_table_stmt;
			for (k = 0; k < at->n_cmds; k++) {
				c = at->cmds[k];
				if (c->node_case !=
				    PG_QUERY__NODE__NODE_ALTER_TABLE_CMD ||
				    c->alter_table_cmd->subtype !=
				    PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn)
					continue;
				buf_printf(&b, "%sthe column %s.%s and its data",
				    b.len > 0 ? "; " : "", at->relation != NULL ?
				    at->relation->relname : "?",
				    c->alter_table_cmd->name);
			}
		} else if (n->node_case == PG_QUERY__NODE__NODE_DROP_STMT) {
			ds = n->drop_stmt;
			if (ds->remove_type !=
			    PG_QUERY__OBJECT_TYPE__OBJECT_TABLE &&
			    ds->remove_type !=
			    PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW)
				continue;
			for (k = 0; k < ds->n_objects; k++) {
				const PgQuery__List	*l;

				if (ds->objects[k]->node_case !=
				    PG_QUERY__NODE__NODE_LIST)
					continue;
				l = ds->objects[k]->list;
				buf_printf(&b, "%sthe table ", b.len > 0 ?
				    "; " : "");
				for (c = NULL, i2 = 0; i2 < l->n_items; i2++) {
					c = l->items[i2];
					if (c->node_case ==
					    PG_QUERY__NODE__NODE_STRING)
						buf_printf(&b, "%s%s", i2 > 0 ?
						    "." : "", c->string->sval);
				}
				buf_puts(&b, " and every row in it");
			}
		}
	}
	sql_free(sc);
	if (b.len == 0) {
		buf_free(&b);
		return (NULL);
	}
	return (buf_detach(&b));
}

/*
 * The rollback question: each thing to undo with its SQL and the lock it
 * takes, then what is lost with it (the data of what it drops, the rows
 * backfilled since, writes of app versions deployed through gates since).
 * 0, or -1 and *cause when there is nothing the rollback can do.
 */
static int
engine_rollback_prompt(struct engine *e, char **prompt, char **cause)
{
	const struct plan_phase	*ph;
	struct engine_rb	 it = { 0 };
	enum engine_rb_kind	 kind;
	struct buf		 b, lost, since;
	char			*loss;
	int			 n = 0;

	*prompt = NULL;
	buf_init(&b);
	buf_init(&lost);
	buf_init(&since);
	while (engine_rb_next(e, &it, &kind) && *cause == NULL) {
		ph = &e->plan->phases[it.p];
		switch (kind) {
		case ENGINE_RB_UNDO:
			n++;
			buf_printf(&b, "  %s / %s: %s\n", ph->name,
			    ph->steps[it.s].name, ph->steps[it.s].rollback);
			lint_lock_lines(&b, ph->steps[it.s].rollback);
			if ((loss = engine_rb_loss(ph->steps[it.s].rollback)) !=
			    NULL) {
				buf_printf(&lost, "    %s\n", loss);
				free(loss);
			}
			break;
		case ENGINE_RB_IRREVERSIBLE:
			if (n == 0)
				*cause = xasprintf("nothing can be rolled back: "
				    "the last step that ran, '%s' of phase "
				    "'%s', is irreversible (it has no rollback)",
				    ph->steps[it.s].name, ph->name);
			else
				buf_printf(&b, "  then stops at %s / %s: "
				    "irreversible (no rollback); what ran before "
				    "it stays\n", ph->name, ph->steps[it.s].name);
			break;
		case ENGINE_RB_CLEAN:
			n++;
			buf_printf(&b, "  %s / %s: drop the INVALID index %s "
			    "its interrupted build left\n    takes SHARE UPDATE "
			    "EXCLUSIVE on its table (waits for transactions)\n",
			    ph->name, ph->steps[it.s].name,
			    e->info[it.p][it.s].index_name);
			break;
		case ENGINE_RB_FORGET:
			break;
		case ENGINE_RB_PHASE:
			if (ph->kind == PLAN_PHASE_BACKFILL)
				buf_printf(&since, "    backfill '%s': %lld rows "
				    "written (SET %s)\n", ph->name,
				    (long long)e->bf_rows[it.p], ph->backfill.set);
			else if (ph->kind == PLAN_PHASE_GATE)
				buf_printf(&since, "    gate '%s' was passed: "
				    "what the app version deployed then has "
				    "written there (roll the app back first)\n",
				    ph->name);
			break;
		}
	}
	if (*cause == NULL && n == 0)
		*cause = xstrdup("nothing to roll back: no step has run");
	if (*cause == NULL) {
		buf_puts(&b, "lost for good:\n");
		if (lost.len > 0) {
			buf_puts(&b, lost.data);
			if (since.len > 0)
				buf_printf(&b, "  with the data written since:\n"
				    "%s", since.data);
		} else
			buf_puts(&b, "    no data: the undo drops no column or "
			    "table\n");
		*prompt = xasprintf("roll back, undoing in this order:\n%s",
		    b.data);
	}
	buf_free(&b);
	buf_free(&lost);
	buf_free(&since);
	return (*cause == NULL ? 0 : -1);
}

/* A step or phase the rollback passes without SQL: journaled as rolled
 * back, so that no row stays running or failed under a rolled-back run. */
static void
engine_rb_mark(struct engine *e, size_t p, size_t s)
{
	const struct plan_phase	*ph = &e->plan->phases[p];
	char			*cause = NULL;

	e->phase = p;
	e->step = s;
	e->snap.step_state[p][s] = ENGINE_STEP_ROLLED_BACK;
	if (ph->kind == PLAN_PHASE_BACKFILL && e->bf_rows[p] > 0)
		engine_event(e, "rolled-back", "the backfill's %lld rows are "
		    "no longer counted; a new run starts it afresh",
		    (long long)e->bf_rows[p]);
	if (ph->kind == PLAN_PHASE_BACKFILL) {
		e->bf_rows[p] = 0;
		engine_backfill_forget(e);
	}
	if (journal_set_step(e->exec, e->plan->name, (int)p,
	    ph->kind == PLAN_PHASE_STEPS ? (int)s : -1, JOURNAL_ROLLED_BACK,
	    &cause) != 0) {
		fprintf(stderr, "bellows: journal: %s\n", cause);
		free(cause);
	}
}

static void
engine_rb_cleaned(struct engine *e, PGresult *res)
{
	(void)res;
	engine_event(e, "invalid-index-dropped", "dropped the INVALID index "
	    "%s left by the interrupted build",
	    e->info[e->phase][e->step].index_name);
	engine_rb_mark(e, e->phase, e->step);
	engine_rollback_next(e);
}

static void
engine_rollback_next(struct engine *e)
{
	const struct plan_phase	*ph;
	struct engine_rb	 it = { 0 };
	enum engine_rb_kind	 kind;

	while (engine_rb_next(e, &it, &kind)) {
		ph = &e->plan->phases[it.p];
		e->phase = it.p;
		e->step = it.s;
		switch (kind) {
		case ENGINE_RB_UNDO:
			e->attempts = 0;
			engine_run_step(e);
			return;
		case ENGINE_RB_CLEAN:
			engine_drop_invalid(e, engine_rb_cleaned);
			return;
		case ENGINE_RB_FORGET:
		case ENGINE_RB_PHASE:
			engine_rb_mark(e, it.p, it.s);
			/* The walk reads the states: start it again. */
			memset(&it, 0, sizeof it);
			continue;
		case ENGINE_RB_IRREVERSIBLE:
			engine_event(e, "irreversible", "step '%s' has no "
			    "rollback; rollback stops here",
			    ph->steps[it.s].name);
			free(e->reason);
			e->reason = xasprintf("rollback stopped at the "
			    "irreversible step '%s' of phase '%s'",
			    ph->steps[it.s].name, ph->name);
			engine_finish(e, ENGINE_STOPPED, "failed",
			    CMD_EXIT_FAILED);
			return;
		}
	}
	engine_run_event(e, "rolled-back", "rollback complete%s%s",
	    e->o.rollback_to != NULL ? " down to phase " : "",
	    e->o.rollback_to != NULL ? e->o.rollback_to : "");
	e->phase = 0;
	e->step = 0;
	engine_finish(e, ENGINE_ROLLED_BACK, "rolled_back", CMD_EXIT_DONE);
}

/* Ask before rolling back; -1 and *cause when there is nothing to undo. */
static int
engine_ask_rollback(struct engine *e, char **cause)
{
	char	*prompt = NULL;

	*cause = NULL;
	if (engine_rollback_prompt(e, &prompt, cause) != 0)
		return (-1);
	e->rolling_back = 1;
	engine_ask(e, ENGINE_Q_CONFIRM, prompt, NULL);
	return (0);
}

/* ------------------------------------------------------------- the walk */

static char *
engine_phase_prompt(struct engine *e)
{
	const struct plan_phase	*ph = &e->plan->phases[e->phase];
	struct buf		 b;
	size_t			 i;

	buf_init(&b);
	buf_printf(&b, "%s phase '%s'", e->step > 0 ? "resume" : "start",
	    ph->name);
	if (ph->kind == PLAN_PHASE_BACKFILL) {
		struct journal_step *js = journal_run_step(e->run,
		    (int)e->phase, -1);

		buf_printf(&b, ": backfill %s by %s in committed batches of "
		    "about %ld rows:\n  UPDATE %s SET %s%s%s WHERE %s in the "
		    "batch's range%s%s%s\n    takes ROW EXCLUSIVE on %s and "
		    "locks the batch's rows until it commits (each batch its own "
		    "transaction)", ph->backfill.table, ph->backfill.key,
		    ph->backfill.batch_rows, ph->backfill.table, ph->backfill.set,
		    ph->backfill.from != NULL ? " FROM " : "",
		    ph->backfill.from != NULL ? ph->backfill.from : "",
		    ph->backfill.key, ph->backfill.where != NULL ? " AND (" : "",
		    ph->backfill.where != NULL ? ph->backfill.where : "",
		    ph->backfill.where != NULL ? ")" : "", ph->backfill.table);
		if (js != NULL && js->cursor != NULL &&
		    strcmp(js->state, JOURNAL_ROLLED_BACK) != 0)
			buf_printf(&b, "\nit resumes after key %s: %lld rows in "
			    "%lld batches are already done", js->cursor,
			    (long long)js->rows_done, (long long)js->batches);
	} else {
		buf_puts(&b, ":\n");
		for (i = e->step; i < ph->nsteps; i++) {
			buf_printf(&b, "  %s: %s%s\n", ph->steps[i].name,
			    ph->steps[i].sql, ph->steps[i].rollback == NULL ?
			    "  [irreversible]" : "");
			lint_lock_lines(&b, ph->steps[i].sql);
		}
		buf_printf(&b, "each under lock_timeout %ldms, up to %d "
		    "attempt%s", e->plan->lock_timeout_ms, e->plan->retries + 1,
		    e->plan->retries == 0 ? "" : "s");
	}
	return (buf_detach(&b));
}

/* The run's state in the journal, for status and watchers. */
static void
engine_run_state(struct engine *e, const char *state)
{
	char	*cause = NULL;

	if (!e->job_running && conn_alive(e->exec) &&
	    journal_set_run_state(e->exec, e->plan->name, state, &cause) != 0)
		free(cause);
}

static void
engine_second_timer(struct engine *e)
{
	engine_next(e);
}

/*
 * A phase listed in require_second_signoff waits until someone other than
 * the driver signs it off from `bellows watch`; the watcher's sign-off is
 * an event in the journal, looked for every second.  1 when given.
 */
static int
engine_second_signoff(struct engine *e)
{
	char	*who = NULL, *cause = NULL;
	int	 rc;

	rc = journal_second_signoff(e->exec, e->plan->name, engine_phase_name(e),
	    e->o.operator, &who, &cause);
	if (rc < 0) {
		engine_stop(e, "%s", cause);
		free(cause);
		return (0);
	}
	if (rc == 1) {
		e->second_ok[e->phase] = 1;
		engine_event(e, "second-signoff-seen", "phase '%s' co-signed by "
		    "%s; driver %s", engine_phase_name(e), who, e->o.operator);
		free(who);
		return (1);
	}
	if (e->state != ENGINE_WAITING)
		engine_event(e, "awaiting-second-signoff", "phase '%s' needs a "
		    "second operator: 'bellows watch %s' and sign off with s "
		    "(any name but %s)", engine_phase_name(e), e->plan->name,
		    e->o.operator);
	e->state = ENGINE_WAITING;
	e->timer_at = engine_now(e) + 1000;
	e->timer_fn = engine_second_timer;
	return (0);
}

static void
engine_next(struct engine *e)
{
	const struct plan_phase	*ph;
	char			*t;

	e->timer_at = -1;
	if (e->quitting) {
		engine_event(e, "interrupted", "stopped by the operator");
		engine_finish(e, ENGINE_INTERRUPTED, "interrupted",
		    CMD_EXIT_INTERRUPTED);
		return;
	}
	if (!e->checklist_done) {
		engine_checklist_next(e);
		return;
	}
	for (;;) {
		if (e->phase >= e->plan->nphases) {
			engine_run_event(e, "finished", "every phase is done");
			engine_finish(e, ENGINE_DONE, "done", CMD_EXIT_DONE);
			return;
		}
		ph = &e->plan->phases[e->phase];
		if (ph->kind == PLAN_PHASE_STEPS) {
			while (e->step < ph->nsteps &&
			    e->snap.step_state[e->phase][e->step] ==
			    ENGINE_STEP_DONE)
				e->step++;
			if (e->step >= ph->nsteps) {
				engine_next_phase(e);
				continue;
			}
		} else if (e->snap.step_state[e->phase][0] == ENGINE_STEP_DONE) {
			engine_next_phase(e);
			continue;
		}
		break;
	}
	if (e->pause_requested) {
		e->paused_from = ENGINE_RUNNING;
		e->state = ENGINE_PAUSED;
		engine_event(e, "paused", "before the next step");
		engine_run_state(e, "paused");
		return;
	}
	if (ph->second_signoff && !e->second_ok[e->phase] &&
	    !engine_second_signoff(e))
		return;
	switch (ph->kind) {
	case PLAN_PHASE_GATE:
		/* The gate's row runs while it waits: its time is the time
		 * the operator took. */
		if (e->snap.step_state[e->phase][0] != ENGINE_STEP_RUNNING) {
			e->snap.step_state[e->phase][0] = ENGINE_STEP_RUNNING;
			engine_phase_row(e, JOURNAL_RUNNING);
		}
		engine_ask(e, ENGINE_Q_GATE, xstrdup(ph->gate), NULL);
		return;
	case PLAN_PHASE_VERIFY:
		if (e->step >= ph->nverify) {
			e->snap.step_state[e->phase][0] = ENGINE_STEP_DONE;
			engine_phase_row(e, JOURNAL_DONE);
			engine_event(e, "done", "every verify query holds");
			engine_next_phase(e);
			engine_next(e);
			return;
		}
		engine_run_verify(e);
		return;
	case PLAN_PHASE_BACKFILL:
		if (!e->phase_confirmed) {
			engine_ask(e, ENGINE_Q_CONFIRM, engine_phase_prompt(e),
			    NULL);
			return;
		}
		engine_run_backfill(e);
		return;
	case PLAN_PHASE_STEPS:
		if (!e->phase_confirmed) {
			engine_ask(e, ENGINE_Q_CONFIRM, engine_phase_prompt(e),
			    NULL);
			return;
		}
		if (ph->destructive && !e->step_confirmed) {
			t = engine_target_table(ph->steps[e->step].sql);
			engine_ask(e, ENGINE_Q_TYPED, xasprintf("destructive "
			    "step '%s' of phase '%s':\n  %s\ntype '%s' to run it",
			    ph->steps[e->step].name, ph->name,
			    ph->steps[e->step].sql, t != NULL ? t : ph->name),
			    t != NULL ? t : ph->name);
			free(t);
			return;
		}
		engine_answered(e);
		engine_run_step(e);
		return;
	}
}

/* ------------------------------------------------------ start and resume */

static void
engine_load_states(struct engine *e)
{
	const struct plan_phase	*ph;
	struct journal_step	*js;
	size_t			 p, s, n;
	int			 any = 0;

	for (p = 0; p < e->plan->nphases; p++) {
		ph = &e->plan->phases[p];
		n = ph->kind == PLAN_PHASE_STEPS ? ph->nsteps : 1;
		for (s = 0; s < n; s++) {
			js = journal_run_step(e->run, (int)p,
			    ph->kind == PLAN_PHASE_STEPS ? (int)s : -1);
			e->snap.step_state[p][s] = ENGINE_STEP_PENDING;
			if (js == NULL)
				continue;
			if (ph->kind == PLAN_PHASE_BACKFILL)
				e->bf_rows[p] = strcmp(js->state,
				    JOURNAL_ROLLED_BACK) == 0 ? 0 : js->rows_done;
			if (strcmp(js->state, JOURNAL_DONE) == 0)
				e->snap.step_state[p][s] = ENGINE_STEP_DONE;
			else if (strcmp(js->state, JOURNAL_FAILED) == 0)
				e->snap.step_state[p][s] = ENGINE_STEP_FAILED;
			else if (strcmp(js->state, JOURNAL_ROLLED_BACK) == 0)
				e->snap.step_state[p][s] = ENGINE_STEP_ROLLED_BACK;
			else if (strcmp(js->state, JOURNAL_RUNNING) == 0 ||
			    strcmp(js->state, JOURNAL_INTERRUPTED) == 0)
				e->snap.step_state[p][s] = ENGINE_STEP_RUNNING;
			if (strcmp(js->state, JOURNAL_PENDING) != 0 &&
			    strcmp(js->state, JOURNAL_ROLLED_BACK) != 0)
				any = 1;
		}
	}
	/* The checklist stands before the first change; a run that already
	 * changed something does not go back to it. */
	e->checklist_done = any || e->plan->nchecklist == 0;
}

/*
 * A step journaled as running when its driver died.  In a transaction it
 * rolled back with the driver, so it simply runs again.  Alone in
 * autocommit it may have finished: a CREATE INDEX CONCURRENTLY whose index
 * is there and valid is done; an invalid one is dropped by the retry.
 */
static void
engine_resume_check(struct engine *e)
{
	static const char	 sql[] =
	    "SELECT i.indisvalid FROM pg_index i JOIN pg_class c"
	    " ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
	    " WHERE c.relname = $1 AND ($2::text IS NULL OR n.nspname = $2)"
	    " AND pg_catalog.pg_table_is_visible(i.indrelid)";
	const struct plan_phase	*ph;
	struct engine_stepinfo	*si;
	struct conn_error	 err = { 0 };
	const char		*params[2];
	PGresult		*res;
	size_t			 p, s;
	char			*cause = NULL;

	for (p = 0; p < e->plan->nphases; p++) {
		ph = &e->plan->phases[p];
		if (ph->kind != PLAN_PHASE_STEPS)
			continue;
		for (s = 0; s < ph->nsteps; s++) {
			si = &e->info[p][s];
			if (e->snap.step_state[p][s] != ENGINE_STEP_RUNNING ||
			    si->index_name == NULL)
				continue;
			params[0] = si->index_name;
			params[1] = si->index_schema;
			res = conn_exec(e->exec, sql, 2, params, &err);
			if (res == NULL) {
				conn_error_clear(&err);
				continue;
			}
			if (PQntuples(res) > 0 &&
			    strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
				e->phase = p;
				e->step = s;
				e->snap.step_state[p][s] = ENGINE_STEP_DONE;
				if (journal_set_step(e->exec, e->plan->name,
				    (int)p, (int)s, JOURNAL_DONE, &cause) != 0) {
					free(cause);
					cause = NULL;
				}
				engine_event(e, "resume-check", "index %s exists "
				    "and is valid: the interrupted step had "
				    "finished", si->index_name);
			}
			PQclear(res);
		}
	}
	e->phase = 0;
	e->step = 0;
}

static int
engine_session_setup(struct engine *e, char **cause)
{
	struct conn_error	 err = { 0 };
	char			*set;
	int			 rc;

	/* Statements that must run in autocommit get the plan's
	 * lock_timeout from the session; transactions set it LOCAL too. */
	set = xasprintf("SET lock_timeout = %ld", e->plan->lock_timeout_ms);
	rc = conn_command(e->exec, set, 0, NULL, &err);
	free(set);
	if (rc != 0) {
		*cause = conn_error_format(&err);
		conn_error_clear(&err);
		return (rc);
	}
	/*
	 * If this process dies (kill -9), its backend would go on with the
	 * running statement, holding the run's advisory lock and the step's
	 * locks until it ends.  From PostgreSQL 14 the server can notice the
	 * vanished client during a statement and abort it; older servers
	 * reject the setting, which is fine.
	 */
	if (conn_command(e->exec, "SET client_connection_check_interval = 1000",
	    0, NULL, &err) != 0)
		conn_error_clear(&err);
	return (0);
}

/* Whether the holder of a run is a driver on this host that has died. */
static int
engine_holder_gone(const struct journal_holder *h)
{
	char	host[256];

	if (h->host == NULL || h->client_pid <= 0 ||
	    gethostname(host, sizeof host) != 0)
		return (0);
	host[sizeof host - 1] = '\0';
	return (strcmp(host, h->host) == 0 && kill(h->client_pid, 0) != 0 &&
	    errno == ESRCH);
}

static int
engine_take_run(struct engine *e, char **cause)
{
	struct journal_holder	h = { 0 };
	int			rc, i;

	if (journal_ensure(e->exec, cause) != 0)
		return (CMD_EXIT_CONNECT);
	rc = journal_lock(e->exec, e->plan->name, &h, cause);
	if (rc < 0)
		return (CMD_EXIT_CONNECT);
	if (rc == 0 && engine_holder_gone(&h)) {
		/* The previous driver died on this host; its backend lets go
		 * of the lock as soon as it notices (see session setup). */
		engine_run_event(e, "waiting", "the previous driver (pid %d) is "
		    "gone; waiting for its database session %d to end",
		    h.client_pid, h.pid);
		for (i = 0; i < 40 && rc == 0; i++) {
			journal_holder_clear(&h);
			usleep(250000);
			rc = journal_lock(e->exec, e->plan->name, &h, cause);
			if (rc < 0)
				return (CMD_EXIT_CONNECT);
		}
	}
	if (rc == 0) {
		*cause = xasprintf("run '%s' is driven by %s on %s (pid %d, "
		    "backend %d) since %s; watch it with 'bellows watch %s'",
		    e->plan->name, h.operator != NULL ? h.operator : "someone",
		    h.host != NULL ? h.host : "an unknown host", h.client_pid,
		    h.pid, h.since != NULL ? h.since : "an unknown time",
		    e->plan->name);
		journal_holder_clear(&h);
		return (CMD_EXIT_LOCKED);
	}
	e->locked = 1;
	journal_run_free(e->run);
	e->run = NULL;
	rc = journal_open_run(e->exec, e->plan, e->o.plan_text, e->o.operator,
	    e->o.force, &e->run, cause);
	if (rc == -2 || rc == -1) {
		engine_release(e);
		return (rc == -2 ? CMD_EXIT_USAGE : CMD_EXIT_CONNECT);
	}
	free(e->state_before);
	e->state_before = xstrdup(e->run->state);
	if (engine_session_setup(e, cause) != 0) {
		engine_release(e);
		return (CMD_EXIT_CONNECT);
	}
	/* Whatever the last driver left (interrupted, failed), the run is
	 * driven again. */
	if (journal_set_run_state(e->exec, e->plan->name, "running", cause) != 0) {
		engine_release(e);
		return (CMD_EXIT_CONNECT);
	}
	engine_load_states(e);
	engine_resume_check(e);
	return (CMD_EXIT_DONE);
}

/* A step whose undo started but did not finish, or NULL. */
static struct journal_step *
engine_unfinished_undo(struct engine *e)
{
	size_t	i;

	for (i = 0; i < e->run->nsteps; i++) {
		if (e->run->steps[i].undo != NULL &&
		    strcmp(e->run->steps[i].undo, JOURNAL_DONE) != 0 &&
		    strcmp(e->run->steps[i].state, JOURNAL_DONE) == 0)
			return (&e->run->steps[i]);
	}
	return (NULL);
}

int
engine_start(struct engine *e, char **cause)
{
	struct journal_step	*js;
	int			 rc;

	if ((rc = engine_take_run(e, cause)) != CMD_EXIT_DONE) {
		e->exit_code = rc;
		e->state = ENGINE_INTERRUPTED;
		return (rc);
	}
	/* A rollback that did not finish is finished by a rollback: going
	 * forward would re-apply what the operator chose to undo. */
	if (!e->o.rollback && !e->o.force &&
	    (js = engine_unfinished_undo(e)) != NULL) {
		*cause = xasprintf("run '%s': a rollback did not finish (the "
		    "undo of step '%s' of phase '%s' is %s); 'bellows rollback "
		    "%s' finishes it, or --force goes forward instead",
		    e->plan->name, js->step_name != NULL ? js->step_name : "-",
		    js->phase_name, js->undo, e->plan->file);
		engine_finish(e, ENGINE_INTERRUPTED, e->state_before,
		    CMD_EXIT_USAGE);
		return (CMD_EXIT_USAGE);
	}
	engine_run_event(e, "driver", "%s drives run '%s'%s", e->o.operator,
	    e->plan->name, e->o.yes ? " with --yes" : "");
	if (e->o.rollback) {
		char	*why = NULL;

		e->rb_from = ENGINE_DONE;
		if (engine_ask_rollback(e, &why) != 0) {
			/* Nothing it could do: the run keeps the state it had. */
			engine_run_event(e, "rollback-refused", "%s", why);
			free(e->reason);
			e->reason = why;
			engine_finish(e, strncmp(why, "nothing to roll", 15) == 0 ?
			    ENGINE_ROLLED_BACK : ENGINE_STOPPED, e->state_before,
			    strncmp(why, "nothing to roll", 15) == 0 ?
			    CMD_EXIT_DONE : CMD_EXIT_FAILED);
		}
		return (CMD_EXIT_DONE);
	}
	engine_next(e);
	return (CMD_EXIT_DONE);
}

static void
engine_reconnect(struct engine *e)
{
	struct conn_error	 err = { 0 };
	char			*cause = NULL, *m;
	size_t			 phase, step;
	int			 rc;

	if (conn_reset(e->exec, &err) != 0) {
		m = conn_error_format(&err);
		conn_error_clear(&err);
		engine_run_event(e, "reconnect-failed", "%s; next try in %.1fs",
		    m, (double)e->reconnect_ms * 2 / 1000.0);
		free(m);
		e->reconnect_ms *= 2;
		if (e->reconnect_ms > ENGINE_RECONNECT_MAX_MS)
			e->reconnect_ms = ENGINE_RECONNECT_MAX_MS;
		e->timer_at = engine_now(e) + e->reconnect_ms;
		return;
	}
	/* The monitor went down with the server, most likely. */
	if (e->mon != NULL && !conn_alive(e->mon) &&
	    conn_reset(e->mon, &err) != 0)
		conn_error_clear(&err);
	/* What happened while the connection was down goes to the journal
	 * before the driver takes the run again: ids follow time. */
	engine_flush(e);
	e->locked = 0;
	phase = e->phase;
	step = e->step;
	rc = engine_take_run(e, &cause);
	/* The journal was reloaded from the start; we were here, and this
	 * phase was confirmed already. */
	e->phase = phase;
	e->step = step;
	if (rc != CMD_EXIT_DONE) {
		free(e->reason);
		e->reason = cause;
		engine_run_event(e, "reconnect-refused", "%s", cause);
		e->exit_code = rc;
		e->state = ENGINE_INTERRUPTED;
		return;
	}
	engine_run_event(e, "reconnected", "the executor connection is back; "
	    "resuming from the journal");
	e->phase_confirmed = 1;
	e->attempts = 0;
	if (e->rolling_back)
		engine_rollback_next(e);
	else
		engine_next(e);
}

/* -------------------------------------------------------- watchers' notes */

/* Often enough that a note shows within a second of being written. */
#define ENGINE_NOTES_MS	500

/*
 * The connection to read the journal on now: the monitor's (conn_exec
 * lets a short read share it with the monitor's own queries), else the
 * executor's while no job runs on it (so outside any transaction, as for
 * engine_flush).  NULL when neither can be used now.
 */
static struct conn *
engine_notes_conn(struct engine *e)
{
	if (e->mon != NULL && conn_alive(e->mon))
		return (e->mon);
	if (e->exec != NULL && !e->job_running && conn_alive(e->exec))
		return (e->exec);
	return (NULL);
}

/* When the next look for notes is due, for engine_pollfd (-1: none). */
static int64_t
engine_notes_due(struct engine *e)
{
	if (e->run == NULL || e->state == ENGINE_RECONNECTING ||
	    engine_finished(e))
		return (-1);
	return (e->notes_at);
}

/*
 * A watcher's notes (bellows watch: n, or a "note TEXT" line) reach the
 * driver: every ENGINE_NOTES_MS, the journal's events after the last one
 * seen, and each of kind "note" reported through on_event with the
 * watcher's name in the detail.  They are in the journal already and are
 * not written again.  The first look starts after this driver's own
 * "driver" event: notes written for an earlier driver are history.  A
 * failed read is tried again at the next look.
 */
static void
engine_poll_notes(struct engine *e)
{
	struct journal_run	*run = NULL;
	struct journal_event	*ev = NULL;
	struct engine_event	 out;
	struct conn		*c;
	char			*cause = NULL, *detail;
	size_t			 n = 0, i;
	int64_t			 now = engine_now(e), due = engine_notes_due(e);

	if (due < 0 || now < due)
		return;
	/* Due again later even when no connection can be used now: the
	 * caller's poll() must not spin on a timer that stays due. */
	e->notes_at = now + ENGINE_NOTES_MS;
	if ((c = engine_notes_conn(e)) == NULL)
		return;
	if (!e->notes_started) {
		if (journal_load(c, e->plan->name, 50, &run, &cause) != 1) {
			free(cause);
			return;
		}
		for (i = run->nevents; i-- > 0;)
			if (strcmp(run->events[i].kind, "driver") == 0)
				break;
		/* Not among the latest: start after the newest. */
		if (i >= run->nevents && run->nevents > 0)
			i = run->nevents - 1;
		if (i < run->nevents)
			e->notes_last_id = run->events[i].id;
		journal_run_free(run);
		e->notes_started = 1;
	}
	if (journal_events_since(c, e->plan->name, e->notes_last_id, &ev, &n,
	    &cause) != 0) {
		free(cause);
		return;
	}
	for (i = 0; i < n; i++) {
		e->notes_last_id = ev[i].id;
		if (strcmp(ev[i].kind, "note") != 0)
			continue;
		detail = xasprintf("%s: %s", ev[i].operator != NULL ?
		    ev[i].operator : "?", ev[i].detail != NULL ?
		    ev[i].detail : "");
		out.at_ms = now;
		out.phase = ev[i].phase;
		out.step = ev[i].step;
		out.kind = "note";
		out.detail = detail;
		if (e->o.on_event != NULL)
			e->o.on_event(e->o.event_arg, &out);
		free(detail);
	}
	journal_events_free(ev, n);
}

/* ------------------------------------------------------------- the loop */

/*
 * The monitor connection feeds the throttles, blocker sampling and the
 * checklist.  When it drops (its backend terminated, a restart the
 * executor did not notice), reopen it every ENGINE_MON_RETRY_MS, saying
 * what is blind meanwhile.
 */
static void
engine_monitor_check(struct engine *e)
{
	struct conn_error	 err = { 0 };
	int64_t			 now;
	char			*m;

	if (e->mon == NULL || e->state == ENGINE_RECONNECTING)
		return;
	if (conn_alive(e->mon)) {
		if (e->mon_down) {
			e->mon_down = 0;
			engine_event(e, "monitor-back", "the monitor connection "
			    "is back: throttles and blocker sampling see again");
		}
		return;
	}
	now = engine_now(e);
	if (!e->mon_down) {
		e->mon_down = 1;
		e->mon_retry_at = now;
		engine_event(e, "monitor-lost", "the monitor connection "
		    "dropped: throttles (replica lag, blocked sessions, "
		    "throttle_sql) and blocker sampling are blind; reconnecting");
	}
	if (now < e->mon_retry_at)
		return;
	e->mon_retry_at = now + ENGINE_MON_RETRY_MS;
	if (conn_reset(e->mon, &err) != 0) {
		m = conn_error_format(&err);
		conn_error_clear(&err);
		free(m);
		return;
	}
	e->mon_down = 0;
	engine_event(e, "monitor-back", "the monitor connection is back: "
	    "throttles and blocker sampling see again");
}

void
engine_pollfd(struct engine *e, int *fd, int *timeout_ms)
{
	int64_t	now = engine_now(e), t = -1;

	*fd = e->job_running ? conn_socket(e->exec) : -1;
	if (e->timer_at >= 0)
		t = e->timer_at;
	if (e->mon_down && (t < 0 || e->mon_retry_at < t))
		t = e->mon_retry_at;
	if (e->quitting && e->job_running && (t < 0 || e->cancel_at < t))
		t = e->cancel_at;
	if (e->job_running && e->sample_at >= 0 && (t < 0 || e->sample_at < t))
		t = e->sample_at;
	if (engine_notes_due(e) >= 0 && (t < 0 || engine_notes_due(e) < t))
		t = engine_notes_due(e);
	if (t < 0)
		*timeout_ms = -1;
	else
		*timeout_ms = t <= now ? 0 : (int)(t - now);
}

void
engine_advance(struct engine *e)
{
	int64_t	now;

	if (e->job_running)
		engine_job_poll(e);
	engine_monitor_check(e);
	now = engine_now(e);
	if (e->job_running && e->sample_at >= 0 && now >= e->sample_at &&
	    e->job.ops[e->job.next].main)
		engine_sample_blockers(e);
	if (e->quitting && e->job_running && now >= e->cancel_at) {
		struct conn_error	err = { 0 };

		/* A cancel that reaches the backend between two statements
		 * of a job, or before one starts, is lost: repeat it. */
		if (conn_cancel(e->exec, &err) != 0)
			conn_error_clear(&err);
		e->cancel_at = now + 1000;
	}
	if (e->timer_at >= 0 && now >= e->timer_at) {
		e->timer_at = -1;
		if (e->state == ENGINE_RECONNECTING)
			engine_reconnect(e);
		else if (e->timer_fn != NULL)
			e->timer_fn(e);
	}
	engine_flush(e);
	engine_poll_notes(e);
}

int
engine_finished(struct engine *e)
{
	switch (e->state) {
	case ENGINE_DONE:
	case ENGINE_ROLLED_BACK:
	case ENGINE_INTERRUPTED:
		return (1);
	case ENGINE_STOPPED:
		return (e->snap.question == ENGINE_Q_NONE);
	case ENGINE_STARTING:
	case ENGINE_CHECKLIST:
	case ENGINE_ASKING:
	case ENGINE_RUNNING:
	case ENGINE_BACKOFF:
	case ENGINE_PAUSED:
	case ENGINE_WAITING:
	case ENGINE_RECONNECTING:
		break;
	}
	return (0);
}

int
engine_exit_code(struct engine *e)
{
	return (e->exit_code);
}

/* -------------------------------------------------------------- commands */

static int
engine_signoff(struct engine *e, const char *id, const char *reason,
    char **cause)
{
	const struct plan_check	*c;
	size_t			 i;

	for (i = 0; i < e->plan->nchecklist; i++) {
		if (strcmp(e->plan->checklist[i].id, id) == 0)
			break;
	}
	if (i == e->plan->nchecklist) {
		*cause = xasprintf("no checklist item '%s'", id);
		return (-1);
	}
	if (e->checklist_done) {
		*cause = xstrdup("the checklist is already complete");
		return (-1);
	}
	c = &e->plan->checklist[i];
	if (engine_check_ok(e, i)) {
		*cause = xasprintf("'%s' is already done", id);
		return (-1);
	}
	if (reason != NULL) {
		engine_check_set(e, i, ENGINE_CHECK_OVERRIDDEN,
		    xasprintf("overridden by %s: %s", e->o.operator, reason));
		engine_run_event(e, "check-override", "%s: %s: overridden by "
		    "%s: %s", id, c->text, e->o.operator, reason);
	} else {
		if (c->kind != PLAN_CHECK_MANUAL &&
		    e->checks[i].status != ENGINE_CHECK_UNKNOWN) {
			*cause = xasprintf("'%s' is checked by the database; "
			    "override it with a reason instead", id);
			return (-1);
		}
		engine_check_set(e, i, ENGINE_CHECK_SIGNED,
		    xasprintf("signed off by %s%s", e->o.operator,
		    engine_by(e)));
		engine_run_event(e, "signoff", "%s: %s: signed off by %s%s", id,
		    c->text, e->o.operator, engine_by(e));
	}
	engine_answered(e);
	engine_checklist_next(e);
	return (0);
}

/* Whether the current step (or non-steps phase) has started. */
static int
engine_current_started(struct engine *e)
{
	const struct plan_phase	*ph;

	if (!e->checklist_done || e->phase >= e->plan->nphases)
		return (0);
	ph = &e->plan->phases[e->phase];
	if (ph->kind == PLAN_PHASE_STEPS && e->step >= ph->nsteps)
		return (0);
	return (e->snap.step_state[e->phase][ph->kind == PLAN_PHASE_STEPS ?
	    e->step : 0] != ENGINE_STEP_PENDING);
}

/*
 * Quitting with no statement running: a step waiting in its backoff (or
 * a backfill between batches) was interrupted, not failed; journal it so.
 * A stopped step stays failed.
 */
static void
engine_interrupt_current(struct engine *e)
{
	const struct plan_phase	*ph;
	char			*cause = NULL;

	if (e->state == ENGINE_STOPPED || e->state == ENGINE_RECONNECTING ||
	    !e->checklist_done || e->phase >= e->plan->nphases ||
	    e->exec == NULL || !conn_alive(e->exec))
		return;
	ph = &e->plan->phases[e->phase];
	if (ph->kind == PLAN_PHASE_STEPS) {
		if (e->step >= ph->nsteps ||
		    e->snap.step_state[e->phase][e->step] != ENGINE_STEP_RUNNING)
			return;
		if (engine_journal_stopped(e, JOURNAL_INTERRUPTED, &cause) != 0)
			free(cause);
		if (e->rolling_back)
			e->snap.step_state[e->phase][e->step] = ENGINE_STEP_DONE;
		return;
	}
	if (e->snap.step_state[e->phase][0] == ENGINE_STEP_RUNNING &&
	    ph->kind != PLAN_PHASE_GATE)
		engine_phase_row(e, JOURNAL_INTERRUPTED);
}

/* Not rolling back after all: back to where the operator asked from. */
static void
engine_rollback_declined(struct engine *e)
{
	char	*why;

	e->rolling_back = 0;
	engine_answered(e);
	engine_event(e, "rollback-declined", "by %s", e->o.operator);
	switch (e->rb_from) {
	case ENGINE_PAUSED:
		e->state = ENGINE_PAUSED;
		engine_event(e, "paused", "the backfill stays paused; resume it "
		    "or roll back");
		break;
	case ENGINE_DONE:
		/* bellows rollback: the run keeps the state it had. */
		engine_finish(e, ENGINE_INTERRUPTED, e->state_before,
		    CMD_EXIT_INTERRUPTED);
		break;
	case ENGINE_STOPPED:
	case ENGINE_BACKOFF:
		/* engine_stop replaces e->reason: hand it a copy. */
		why = xstrdup(e->reason != NULL ? e->reason : "rollback declined");
		engine_stop(e, "%s", why);
		free(why);
		break;
	case ENGINE_STARTING:
	case ENGINE_CHECKLIST:
	case ENGINE_ASKING:
	case ENGINE_RUNNING:
	case ENGINE_WAITING:
	case ENGINE_RECONNECTING:
	case ENGINE_ROLLED_BACK:
	case ENGINE_INTERRUPTED:
		/* A question was open: ask it again. */
		engine_next(e);
		break;
	}
}

static int
engine_confirm(struct engine *e, const char *arg, char **cause)
{
	const struct plan_phase	*ph;

	switch (e->snap.question) {
	case ENGINE_Q_NONE:
		*cause = xstrdup("nothing to confirm");
		return (-1);
	case ENGINE_Q_SIGNOFF:
		return (engine_signoff(e, e->snap.check, NULL, cause));
	case ENGINE_Q_STOPPED:
		return (engine_command(e, ENGINE_CMD_RETRY, NULL, cause));
	case ENGINE_Q_CONFIRM:
		engine_answered(e);
		if (e->rolling_back) {
			engine_run_event(e, "rollback-confirmed", "by %s%s",
			    e->o.operator, engine_by(e));
			engine_rollback_next(e);
			return (0);
		}
		e->phase_confirmed = 1;
		engine_event(e, "confirmed", "phase '%s' confirmed by %s%s",
		    engine_phase_name(e), e->o.operator, engine_by(e));
		engine_next(e);
		return (0);
	case ENGINE_Q_GATE:
		engine_answered(e);
		ph = &e->plan->phases[e->phase];
		e->snap.step_state[e->phase][0] = ENGINE_STEP_DONE;
		engine_phase_row(e, JOURNAL_DONE);
		engine_event(e, "gate-confirmed", "%s: confirmed by %s%s",
		    ph->gate, e->o.operator, engine_by(e));
		engine_next_phase(e);
		engine_next(e);
		return (0);
	case ENGINE_Q_TYPED:
		if (arg == NULL || strcmp(arg, e->expect) != 0) {
			*cause = xasprintf("typed '%s', expected '%s': not run",
			    arg != NULL ? arg : "", e->expect);
			return (-1);
		}
		if (e->o.yes)
			engine_event(e, "typed-confirmation", "'%s' given by "
			    "--yes for %s (nobody typed it)", e->expect,
			    e->o.operator);
		else
			engine_event(e, "typed-confirmation", "'%s' typed by %s",
			    e->expect, e->o.operator);
		engine_answered(e);
		e->step_confirmed = 1;
		engine_next(e);
		return (0);
	}
	return (-1);
}

int
engine_command(struct engine *e, enum engine_cmd cmd, const char *arg,
    char **cause)
{
	struct conn_error	 err = { 0 };
	const char		*sp;
	char			*id, *why;
	size_t			 n;
	int			 rc;

	switch (cmd) {
	case ENGINE_CMD_CONFIRM:
		return (engine_confirm(e, arg, cause));
	case ENGINE_CMD_DECLINE:
		if (e->snap.question == ENGINE_Q_NONE) {
			*cause = xstrdup("nothing to decline");
			return (-1);
		}
		if (e->snap.question == ENGINE_Q_CONFIRM && e->rolling_back) {
			engine_rollback_declined(e);
			return (0);
		}
		/* The question's first line, without its closing colon. */
		n = e->prompt != NULL ? strcspn(e->prompt, "\n") : 0;
		if (n > 0 && e->prompt[n - 1] == ':')
			n--;
		engine_event(e, "declined", "%s declined: %.*s; the run stops "
		    "here and resumes from this question", e->o.operator,
		    (int)n, e->prompt != NULL ? e->prompt : "");
		engine_finish(e, ENGINE_INTERRUPTED, "interrupted",
		    CMD_EXIT_INTERRUPTED);
		return (0);
	case ENGINE_CMD_SIGNOFF:
		return (engine_signoff(e, arg != NULL && *arg != '\0' ? arg :
		    (e->snap.check != NULL ? e->snap.check : ""), NULL, cause));
	case ENGINE_CMD_OVERRIDE:
		if (arg == NULL || (sp = strchr(arg, ' ')) == NULL ||
		    sp[strspn(sp, " ")] == '\0') {
			*cause = xstrdup("override needs an item id and a reason");
			return (-1);
		}
		id = xstrndup(arg, (size_t)(sp - arg));
		rc = engine_signoff(e, id, sp + strspn(sp, " "), cause);
		free(id);
		return (rc);
	case ENGINE_CMD_PAUSE:
		if (e->pause_requested) {
			*cause = xstrdup("already paused");
			return (-1);
		}
		e->pause_requested = 1;
		engine_event(e, "pause", "requested by %s; takes effect between "
		    "steps or batches", e->o.operator);
		return (0);
	case ENGINE_CMD_RESUME:
		if (!e->pause_requested) {
			*cause = xstrdup("not paused");
			return (-1);
		}
		e->pause_requested = 0;
		engine_event(e, "resume", "by %s", e->o.operator);
		if (e->state == ENGINE_PAUSED) {
			engine_run_state(e, "running");
			if (e->phase < e->plan->nphases &&
			    e->plan->phases[e->phase].kind == PLAN_PHASE_BACKFILL &&
			    e->snap.step_state[e->phase][0] == ENGINE_STEP_RUNNING)
				engine_backfill_next(e);
			else
				engine_next(e);
		}
		return (0);
	case ENGINE_CMD_CANCEL:
		if (!e->job_running && e->state == ENGINE_BACKOFF &&
		    engine_current_started(e)) {
			/* Between two attempts (or batches): no next one. */
			e->timer_at = -1;
			e->cancel_requested = 1;
			engine_event(e, "cancel", "requested by %s", e->o.operator);
			if (e->bf != NULL) {
				e->snap.step_state[e->phase][0] = ENGINE_STEP_FAILED;
				engine_phase_row(e, JOURNAL_FAILED);
				engine_stop(e, "backfill cancelled by %s between "
				    "batches; %lld rows done", e->o.operator,
				    (long long)e->snap.rows_done);
				return (0);
			}
			e->snap.step_state[e->phase][e->step] = e->rolling_back ?
			    ENGINE_STEP_DONE : ENGINE_STEP_FAILED;
			if (engine_journal_stopped(e, JOURNAL_FAILED, &why) != 0)
				free(why);
			engine_stop(e, "cancelled by %s before attempt %d",
			    e->o.operator, e->attempts + 1);
			return (0);
		}
		if (!e->job_running) {
			*cause = xstrdup("no statement is running");
			return (-1);
		}
		if (conn_cancel(e->exec, &err) != 0) {
			*cause = conn_error_format(&err);
			conn_error_clear(&err);
			return (-1);
		}
		e->cancel_requested = 1;
		engine_event(e, "cancel", "requested by %s", e->o.operator);
		return (0);
	case ENGINE_CMD_RETRY:
		if (e->state != ENGINE_STOPPED) {
			*cause = xstrdup("nothing to retry");
			return (-1);
		}
		engine_answered(e);
		e->attempts = 0;
		engine_event(e, "retry", "by %s", e->o.operator);
		if (e->rolling_back)
			engine_rollback_next(e);
		else {
			e->phase_confirmed = 1;
			e->step_confirmed = 1;
			if (e->plan->phases[e->phase].kind == PLAN_PHASE_VERIFY)
				e->step = 0;
			if (e->plan->phases[e->phase].kind != PLAN_PHASE_STEPS)
				e->snap.step_state[e->phase][0] =
				    ENGINE_STEP_PENDING;
			engine_next(e);
		}
		return (0);
	case ENGINE_CMD_ROLLBACK:
		if (e->rolling_back) {
			*cause = xstrdup("already rolling back");
			return (-1);
		}
		if (engine_finished(e) && e->state != ENGINE_STOPPED) {
			*cause = xasprintf("the run has ended; 'bellows rollback "
			    "%s' undoes it", e->plan->file);
			return (-1);
		}
		if (e->bf != NULL && (e->state == ENGINE_RUNNING ||
		    e->state == ENGINE_BACKOFF)) {
			/* A backfill stops between batches, then asks. */
			e->pause_requested = 1;
			e->rollback_after_pause = 1;
			engine_event(e, "rollback-requested", "by %s: the backfill "
			    "pauses after this batch, then asks", e->o.operator);
			return (0);
		}
		if (e->job_running) {
			*cause = xstrdup("a statement is running: cancel it "
			    "first (x), then roll back");
			return (-1);
		}
		e->rb_from = e->state;
		if (engine_ask_rollback(e, cause) != 0)
			return (-1);
		/* No retry or batch fires under the question. */
		e->timer_at = -1;
		return (0);
	case ENGINE_CMD_TERMINATE:
		if (arg == NULL || atoi(arg) <= 0 || e->mon == NULL) {
			*cause = xstrdup("terminate needs a backend pid");
			return (-1);
		}
		rc = monitor_cancel_backend(e->mon, atoi(arg), 1, cause);
		if (rc < 0)
			return (-1);
		engine_event(e, "terminate", "backend %s terminated by %s%s",
		    arg, e->o.operator, rc == 0 ? " (it had already gone)" : "");
		return (0);
	case ENGINE_CMD_CANCEL_BACKEND:
		if (arg == NULL || atoi(arg) <= 0 || e->mon == NULL) {
			*cause = xstrdup("cancel needs a backend pid");
			return (-1);
		}
		rc = monitor_cancel_backend(e->mon, atoi(arg), 0, cause);
		if (rc < 0)
			return (-1);
		engine_event(e, "cancel-backend", "the statement of backend %s "
		    "cancelled by %s%s", arg, e->o.operator, rc == 0 ?
		    " (it had already gone)" : "");
		return (0);
	case ENGINE_CMD_QUIT:
		if (engine_finished(e) && e->state != ENGINE_STOPPED)
			return (0);
		e->quitting = 1;
		if (e->job_running) {
			engine_event(e, "interrupt", "cancelling the running "
			    "statement");
			if (conn_cancel(e->exec, &err) != 0)
				conn_error_clear(&err);
			e->cancel_at = engine_now(e) + 1000;
			return (0);
		}
		engine_interrupt_current(e);
		if (arg != NULL)
			why = xstrdup(arg);
		else if (!e->checklist_done)
			why = xasprintf("stopped by %s at the checklist",
			    e->o.operator);
		else
			why = xasprintf("stopped by %s at phase '%s'",
			    e->o.operator, engine_phase_name(e) != NULL ?
			    engine_phase_name(e) : "-");
		/* Against the step only when it had started. */
		if (engine_current_started(e))
			engine_event(e, "interrupted", "%s", why);
		else
			engine_run_event(e, "interrupted", "%s", why);
		free(why);
		engine_finish(e, ENGINE_INTERRUPTED, e->state == ENGINE_STOPPED ?
		    "failed" : "interrupted", e->state == ENGINE_STOPPED ?
		    CMD_EXIT_FAILED : CMD_EXIT_INTERRUPTED);
		return (0);
	}
	return (-1);
}

const struct engine_snapshot *
engine_snapshot(struct engine *e)
{
	struct engine_snapshot	*s = &e->snap;

	s->state = e->state;
	s->prompt = e->prompt;
	s->expect = e->expect;
	s->phase = e->phase;
	s->step = e->step;
	s->sql = e->job_running ? e->job.ops[e->job.next].sql : NULL;
	s->attempt = e->attempts;
	s->max_attempts = e->plan->retries + 1;
	s->blocker = e->blocker;
	s->blocker_pids = e->blocker_pids;
	s->nblocker_pids = e->nblocker_pids;
	s->pause_requested = e->pause_requested;
	s->reason = e->reason;
	s->checks = e->checks;
	s->in_checklist = !e->checklist_done;
	return (s);
}

/* ---------------------------------------------------------- life cycle */

struct engine *
engine_new(const struct plan *plan, struct conn *exec, struct conn *mon,
    const struct engine_options *o)
{
	struct engine	*e;
	size_t		 p, n;

	e = xcalloc(1, sizeof *e);
	e->plan = plan;
	e->exec = exec;
	e->mon = mon;
	e->o = *o;
	if (e->o.clock == NULL)
		e->o.clock = engine_real_clock;
	if (e->o.operator == NULL)
		e->o.operator = "unknown";
	e->timer_at = e->sample_at = e->bf_last_end = -1;
	e->state = ENGINE_STARTING;
	e->exit_code = CMD_EXIT_FAILED;
	e->seed = (unsigned int)getpid() ^ (unsigned int)time(NULL);
	e->job.commit_hook_at = -1;
	e->info = xcalloc(plan->nphases, sizeof *e->info);
	e->snap.step_state = xcalloc(plan->nphases, sizeof *e->snap.step_state);
	e->snap.phase_started_ms = -1;
	for (p = 0; p < plan->nphases; p++) {
		n = plan->phases[p].kind == PLAN_PHASE_STEPS ?
		    plan->phases[p].nsteps : 1;
		e->info[p] = xcalloc(n ? n : 1, sizeof **e->info);
		e->snap.step_state[p] = xcalloc(n ? n : 1,
		    sizeof **e->snap.step_state);
	}
	e->second_ok = xcalloc(plan->nphases + 1, sizeof *e->second_ok);
	e->bf_rows = xcalloc(plan->nphases + 1, sizeof *e->bf_rows);
	e->checks = xcalloc(plan->nchecklist + 1, sizeof *e->checks);
	e->checks_value = xcalloc(plan->nchecklist + 1,
	    sizeof *e->checks_value);
	return (e);
}

/*
 * Check that every step can run as bellows runs steps (see
 * engine_check_sql), before anything touches the database.  0, or -1 with
 * *cause naming file, line and step.
 */
int
engine_validate(struct engine *e, char **cause)
{
	const struct plan_phase	*ph;
	size_t			 p, s;
	struct engine_stepinfo	 rb;

	for (p = 0; p < e->plan->nphases; p++) {
		ph = &e->plan->phases[p];
		/* A backfill whose SQL cannot parse would stop the run at its
		 * first batch, after the expand steps already ran. */
		if (ph->kind == PLAN_PHASE_BACKFILL &&
		    lint_backfill_syntax(e->plan, &ph->backfill, cause) != 0)
			return (-1);
		if (ph->kind != PLAN_PHASE_STEPS)
			continue;
		for (s = 0; s < ph->nsteps; s++) {
			if (engine_check_sql(e->plan, &ph->steps[s],
			    ph->steps[s].sql, &ph->steps[s].sql_pos,
			    &e->info[p][s], cause) != 0)
				return (-1);
			if (ph->steps[s].rollback == NULL)
				continue;
			memset(&rb, 0, sizeof rb);
			if (engine_check_sql(e->plan, &ph->steps[s],
			    ph->steps[s].rollback, &ph->steps[s].rollback_pos,
			    &rb, cause) != 0)
				return (-1);
			e->info[p][s].rb_autocommit = rb.autocommit;
			free(rb.index_name);
			free(rb.index_schema);
		}
	}
	return (0);
}

void
engine_free(struct engine *e)
{
	size_t	p, s, n;

	if (e == NULL)
		return;
	engine_release(e);
	engine_job_reset(e);
	conn_error_clear(&e->saved_err);
	for (p = 0; p < e->plan->nphases; p++) {
		n = e->plan->phases[p].kind == PLAN_PHASE_STEPS ?
		    e->plan->phases[p].nsteps : 1;
		for (s = 0; s < n; s++) {
			free(e->info[p][s].index_name);
			free(e->info[p][s].index_schema);
		}
		free(e->info[p]);
		free(e->snap.step_state[p]);
	}
	for (p = 0; p < e->npending; p++) {
		free(e->pending[p].phase);
		free(e->pending[p].step);
		free(e->pending[p].kind);
		free(e->pending[p].detail);
	}
	free(e->pending);
	free(e->info);
	free(e->snap.step_state);
	for (p = 0; p < e->plan->nchecklist; p++)
		free(e->checks_value[p]);
	free(e->checks_value);
	free(e->checks);
	free(e->second_ok);
	free(e->bf_rows);
	free(e->state_before);
	engine_clear_blocker(e);
	free(e->reason);
	free(e->prompt);
	free(e->expect);
	backfill_free(e->bf);
	free(e->throttle_shown);
	free(e->plan_shown);
	journal_run_free(e->run);
	free(e);
}

/* The executor connection, which a reconnect may have replaced. */
struct conn *
engine_conn(struct engine *e)
{
	return (e->exec);
}
