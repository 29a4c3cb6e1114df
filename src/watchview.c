/*
 * watchview: an engine snapshot rebuilt from the journal (see
 * watchview.h).  The step rows say where the run is; the events say what
 * the rows cannot (the checklist, a second sign-off awaited, a lock
 * timeout and who caused it, why the run stopped).
 */
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "sql.h"
#include "watchview.h"
#include "util.h"

/* Backfill rate: counters read in the last RATE_WINDOW_MS. */
#define WATCHVIEW_SAMPLES	16
#define WATCHVIEW_RATE_MS	10000

struct watchview_sample {
	int64_t	ms;
	int64_t	rows;
};

struct watchview {
	const struct plan		*plan;
	struct engine_snapshot		 snap;
	enum engine_step_state		**step_state;
	struct engine_check		*checks;
	char				**check_values;
	struct watchview_driver		 driver;
	char				*conninfo;
	char				*takeover;
	int64_t				 gone_ms;
	int64_t				 free_since;	/* -1: the lock is held */

	/* From the events. */
	int				 checklist_done;
	char				*waiting_phase;
	char				*blocker;
	char				*blocker_where;	/* "phase/step" it is about */
	char				*stop_reason;	/* set while stopped */
	char				*interrupt_reason;
	int				 backoff;

	/* From the last update. */
	char				*operator;
	char				*host;
	char				*since;
	char				*cursor;
	char				*reason;
	int				 finished;
	size_t				 rate_phase;	/* samples are of this phase */
	struct watchview_sample		 samples[WATCHVIEW_SAMPLES];
	int				 nsamples;
};

static size_t
watchview_nstates(const struct plan_phase *ph)
{
	return (ph->kind == PLAN_PHASE_STEPS ? ph->nsteps : 1);
}

int64_t
watchview_gone_ms(void)
{
	const char	*v = getenv("BELLOWS_DRIVER_GONE_MS");
	char		*end;
	long long	 ms;

	if (v != NULL && *v != '\0') {
		ms = strtoll(v, &end, 10);
		if (*end == '\0' && ms >= 0)
			return ((int64_t)ms);
	}
	return (WATCHVIEW_DRIVER_GONE_MS);
}

static int
watchview_run_finished(const struct journal_run *run)
{
	return (strcmp(run->state, "done") == 0 ||
	    strcmp(run->state, "rolled_back") == 0);
}

enum watchview_presence
watchview_presence(const struct journal_run *run, int64_t now_ms,
    int64_t gone_ms, int64_t *free_since)
{
	if (run->driver_connected || watchview_run_finished(run)) {
		*free_since = -1;
		return (run->driver_connected ? WATCHVIEW_DRIVING :
		    WATCHVIEW_FINISHED);
	}
	if (run->driver.operator == NULL)
		return (WATCHVIEW_NO_DRIVER);
	if (*free_since < 0)
		*free_since = now_ms;
	/* A driver that stops the run journals "interrupted" and then lets
	 * go: it is not coming back. */
	if (strcmp(run->state, "interrupted") == 0 ||
	    now_ms - *free_since >= gone_ms)
		return (WATCHVIEW_GONE);
	return (WATCHVIEW_RECONNECTING);
}

char *
watchview_takeover(const struct journal_run *run, const char *conninfo)
{
	char	*plan, *c, *cmd;

	/* Pasted into a shell: a socket path or a password may hold quotes
	 * or spaces. */
	plan = util_shquote(run->plan_file != NULL ? run->plan_file : "PLAN");
	if (conninfo == NULL)
		cmd = xasprintf("bellows run %s", plan);
	else {
		c = util_shquote(conninfo);
		cmd = xasprintf("bellows run -d %s %s", c, plan);
		free(c);
	}
	free(plan);
	return (cmd);
}

char *
watchview_phase_text(const struct plan *p, const char *name)
{
	const struct plan_phase		*ph = NULL;
	const struct plan_backfill	*bf;
	struct buf			 b;
	size_t				 i;

	for (i = 0; i < p->nphases && ph == NULL; i++)
		if (strcmp(p->phases[i].name, name) == 0)
			ph = &p->phases[i];
	if (ph == NULL)
		return (xasprintf("phase '%s' is not in the plan", name));
	buf_init(&b);
	switch (ph->kind) {
	case PLAN_PHASE_STEPS:
		for (i = 0; i < ph->nsteps; i++) {
			buf_printf(&b, "  %s: %s%s\n", ph->steps[i].name,
			    ph->steps[i].sql, ph->steps[i].rollback == NULL ?
			    "  [irreversible]" : "");
			lint_lock_lines(&b, ph->steps[i].sql);
		}
		break;
	case PLAN_PHASE_GATE:
		buf_printf(&b, "  gate: %s\n", ph->gate);
		break;
	case PLAN_PHASE_BACKFILL:
		bf = &ph->backfill;
		buf_printf(&b, "  UPDATE %s SET %s%s%s in committed batches by "
		    "%s\n    takes ROW EXCLUSIVE on %s and locks each batch's "
		    "rows until it commits\n", bf->table, bf->set,
		    bf->where != NULL ? " WHERE " : "", bf->where != NULL ?
		    bf->where : "", bf->key, bf->table);
		break;
	case PLAN_PHASE_VERIFY:
		for (i = 0; i < ph->nverify; i++)
			buf_printf(&b, "  verify: %s (must return %s)\n",
			    ph->verify[i].sql, ph->verify[i].expect);
		break;
	}
	return (buf_detach(&b));
}

struct watchview *
watchview_new(const struct plan *plan, const char *conninfo)
{
	struct watchview	*wv = xcalloc(1, sizeof *wv);
	size_t			 i, n;

	wv->plan = plan;
	wv->conninfo = conninfo != NULL ? xstrdup(conninfo) : NULL;
	wv->gone_ms = watchview_gone_ms();
	wv->free_since = -1;
	wv->step_state = xcalloc(plan->nphases + 1, sizeof *wv->step_state);
	for (i = 0; i < plan->nphases; i++) {
		n = watchview_nstates(&plan->phases[i]);
		wv->step_state[i] = xcalloc(n + 1, sizeof **wv->step_state);
	}
	wv->checks = xcalloc(plan->nchecklist + 1, sizeof *wv->checks);
	wv->check_values = xcalloc(plan->nchecklist + 1,
	    sizeof *wv->check_values);
	wv->snap.state = ENGINE_STARTING;
	wv->snap.question = ENGINE_Q_NONE;
	wv->snap.step_state = wv->step_state;
	wv->snap.checks = wv->checks;
	wv->snap.in_checklist = plan->nchecklist > 0;
	wv->snap.backfill.eta_ms = -1;
	wv->rate_phase = (size_t)-1;
	return (wv);
}

static void
watchview_set(char **dst, const char *src)
{
	free(*dst);
	*dst = src != NULL ? xstrdup(src) : NULL;
}

void
watchview_free(struct watchview *wv)
{
	size_t	i;

	if (wv == NULL)
		return;
	for (i = 0; i < wv->plan->nphases; i++)
		free(wv->step_state[i]);
	free(wv->step_state);
	for (i = 0; i < wv->plan->nchecklist; i++)
		free(wv->check_values[i]);
	free(wv->check_values);
	free(wv->checks);
	free(wv->waiting_phase);
	free(wv->blocker);
	free(wv->blocker_where);
	free(wv->stop_reason);
	free(wv->interrupt_reason);
	free(wv->operator);
	free(wv->host);
	free(wv->since);
	free(wv->cursor);
	free(wv->reason);
	free(wv->conninfo);
	free(wv->takeover);
	free(wv);
}

/* ------------------------------------------------------------- events */

static int
watchview_is(const struct journal_event *ev, const char *kind)
{
	return (strcmp(ev->kind, kind) == 0);
}

static void
watchview_checks_reset(struct watchview *wv)
{
	size_t	i;

	for (i = 0; i < wv->plan->nchecklist; i++) {
		wv->checks[i].status = ENGINE_CHECK_PENDING;
		wv->checks[i].value = NULL;
		free(wv->check_values[i]);
		wv->check_values[i] = NULL;
	}
}

/*
 * A checklist event: the engine writes "ID: TEXT (VALUE)" for a passing or
 * unknown item and "ID: TEXT: VALUE" for the others; the item's value is
 * what follows its text.
 */
static void
watchview_check(struct watchview *wv, const struct journal_event *ev,
    enum engine_check_status st)
{
	const struct plan_check	*c;
	const char		*rest;
	size_t			 i, len, tl;
	int			 paren = 0;

	if (ev->detail == NULL)
		return;
	for (i = 0; i < wv->plan->nchecklist; i++) {
		c = &wv->plan->checklist[i];
		len = strlen(c->id);
		if (strncmp(ev->detail, c->id, len) == 0 &&
		    strncmp(ev->detail + len, ": ", 2) == 0)
			break;
	}
	if (i == wv->plan->nchecklist)
		return;
	rest = ev->detail + len + 2;
	tl = c->text != NULL ? strlen(c->text) : 0;
	if (tl > 0 && strncmp(rest, c->text, tl) == 0) {
		if (strncmp(rest + tl, ": ", 2) == 0)
			rest += tl + 2;
		else if (strncmp(rest + tl, " (", 2) == 0) {
			rest += tl + 2;
			paren = 1;
		} else
			rest += tl;
	}
	free(wv->check_values[i]);
	wv->check_values[i] = xstrdup(rest);
	len = strlen(rest);
	if (paren && len > 0 && rest[len - 1] == ')')
		wv->check_values[i][len - 1] = '\0';
	wv->checks[i].status = st;
	wv->checks[i].value = wv->check_values[i];
}

static char *
watchview_where(const struct journal_event *ev)
{
	return (xasprintf("%s/%s", ev->phase != NULL ? ev->phase : "",
	    ev->step != NULL ? ev->step : ""));
}

void
watchview_event(struct watchview *wv, const struct journal_event *ev)
{
	const char	*p;

	if (ev->kind == NULL)
		return;
	if (watchview_is(ev, "driver")) {
		/* A new driver goes through the checklist again (unless the
		 * run already changed something: the rows say so). */
		wv->checklist_done = 0;
		watchview_checks_reset(wv);
		watchview_set(&wv->waiting_phase, NULL);
		watchview_set(&wv->stop_reason, NULL);
		watchview_set(&wv->interrupt_reason, NULL);
		wv->backoff = 0;
	} else if (watchview_is(ev, "checklist-complete"))
		wv->checklist_done = 1;
	else if (watchview_is(ev, "check-pass"))
		watchview_check(wv, ev, ENGINE_CHECK_PASS);
	else if (watchview_is(ev, "check-fail"))
		watchview_check(wv, ev, ENGINE_CHECK_FAIL);
	else if (watchview_is(ev, "check-unknown"))
		watchview_check(wv, ev, ENGINE_CHECK_UNKNOWN);
	else if (watchview_is(ev, "signoff"))
		watchview_check(wv, ev, ENGINE_CHECK_SIGNED);
	else if (watchview_is(ev, "check-override"))
		watchview_check(wv, ev, ENGINE_CHECK_OVERRIDDEN);
	else if (watchview_is(ev, "awaiting-second-signoff"))
		watchview_set(&wv->waiting_phase, ev->phase);
	else if (watchview_is(ev, "second-signoff-seen"))
		watchview_set(&wv->waiting_phase, NULL);
	else if (watchview_is(ev, "lock-timeout")) {
		p = ev->detail != NULL ? strstr(ev->detail, "blocked by ") :
		    NULL;
		watchview_set(&wv->blocker, p != NULL ? p + 11 : ev->detail);
		free(wv->blocker_where);
		wv->blocker_where = watchview_where(ev);
		wv->backoff = 1;
	} else if (watchview_is(ev, "backoff"))
		wv->backoff = 1;
	else if (watchview_is(ev, "stopped") ||
	    watchview_is(ev, "rollback-stopped")) {
		watchview_set(&wv->stop_reason, ev->detail);
		wv->backoff = 0;
	} else if (watchview_is(ev, "interrupted")) {
		watchview_set(&wv->interrupt_reason, ev->detail);
		watchview_set(&wv->waiting_phase, NULL);
	} else if (watchview_is(ev, "start") || watchview_is(ev, "retry") ||
	    watchview_is(ev, "rollback-start") || watchview_is(ev, "resume")) {
		watchview_set(&wv->stop_reason, NULL);
		wv->backoff = 0;
	} else if (watchview_is(ev, "done") || watchview_is(ev, "finished") ||
	    watchview_is(ev, "rolled-back")) {
		wv->backoff = 0;
		watchview_set(&wv->blocker, NULL);
		watchview_set(&wv->waiting_phase, NULL);
	}
}

/* ------------------------------------------------------------- update */

static enum engine_step_state
watchview_step_state(const char *s)
{
	if (strcmp(s, JOURNAL_DONE) == 0)
		return (ENGINE_STEP_DONE);
	if (strcmp(s, JOURNAL_FAILED) == 0)
		return (ENGINE_STEP_FAILED);
	if (strcmp(s, JOURNAL_ROLLED_BACK) == 0)
		return (ENGINE_STEP_ROLLED_BACK);
	/* An interrupted step resumes where it was: as the engine shows it. */
	if (strcmp(s, JOURNAL_RUNNING) == 0 ||
	    strcmp(s, JOURNAL_INTERRUPTED) == 0)
		return (ENGINE_STEP_RUNNING);
	return (ENGINE_STEP_PENDING);
}

/* Rows per second over the recent reads of the counters of PHASE. */
static double
watchview_rate(struct watchview *wv, size_t phase, int64_t now_ms,
    int64_t rows)
{
	struct watchview_sample	*last, *first;
	int			 i;

	if (wv->rate_phase != phase) {
		wv->rate_phase = phase;
		wv->nsamples = 0;
	}
	last = wv->nsamples > 0 ? &wv->samples[wv->nsamples - 1] : NULL;
	if (last == NULL || last->rows != rows) {
		if (wv->nsamples == WATCHVIEW_SAMPLES) {
			memmove(wv->samples, wv->samples + 1,
			    (WATCHVIEW_SAMPLES - 1) * sizeof *wv->samples);
			wv->nsamples--;
		}
		wv->samples[wv->nsamples].ms = now_ms;
		wv->samples[wv->nsamples++].rows = rows;
	}
	for (i = 0; i < wv->nsamples - 1; i++)
		if (now_ms - wv->samples[i].ms <= WATCHVIEW_RATE_MS)
			break;
	first = &wv->samples[i];
	last = &wv->samples[wv->nsamples - 1];
	/* Nothing new for a whole window: the backfill does not move. */
	if (now_ms - last->ms > WATCHVIEW_RATE_MS || last == first ||
	    last->ms <= first->ms)
		return (0.0);
	return ((double)(last->rows - first->rows) * 1000.0 /
	    (double)(now_ms - first->ms));
}

static void
watchview_backfill(struct watchview *wv, const struct journal_step *js,
    size_t phase, int64_t now_ms, int64_t table_rows)
{
	struct backfill_progress	*b = &wv->snap.backfill;
	int				 done;

	watchview_set(&wv->cursor, js != NULL ? js->cursor : NULL);
	memset(b, 0, sizeof *b);
	b->p50_ms = b->p95_ms = b->p99_ms = b->max_ms = -1;
	b->eta_ms = -1;
	if (js == NULL)
		return;
	done = strcmp(js->state, JOURNAL_DONE) == 0;
	b->rows_done = b->keys_done = js->rows_done;
	b->batches = js->batches;
	b->cursor = wv->cursor;
	b->total_est = table_rows > js->rows_done ? table_rows : js->rows_done;
	if (done)
		b->percent = 100.0;
	else if (b->total_est > 0)
		b->percent = 100.0 * (double)js->rows_done /
		    (double)b->total_est;
	b->rows_per_s = done ? 0.0 : watchview_rate(wv, phase, now_ms,
	    js->rows_done);
	if (b->rows_per_s > 0 && b->total_est > b->rows_done)
		b->eta_ms = (int64_t)((double)(b->total_est - b->rows_done) *
		    1000.0 / b->rows_per_s);
	wv->snap.rows_done = js->rows_done;
	wv->snap.batches = js->batches;
}

void
watchview_update(struct watchview *wv, const struct journal_run *run,
    int64_t now_ms, int64_t table_rows)
{
	const struct plan		*p = wv->plan;
	const struct plan_phase		*ph = NULL;
	const struct journal_step	*js, *cur = NULL;
	struct engine_snapshot		*s = &wv->snap;
	size_t				 i, k, n;
	int				 any = 0, running;
	char				*where;
	enum watchview_presence		 presence;

	for (i = 0; i < p->nphases; i++)
		memset(wv->step_state[i], 0, watchview_nstates(&p->phases[i]) *
		    sizeof **wv->step_state);
	for (i = 0; i < run->nsteps; i++) {
		js = &run->steps[i];
		if (js->phase < 0 || (size_t)js->phase >= p->nphases)
			continue;
		n = watchview_nstates(&p->phases[js->phase]);
		k = js->step < 0 ? 0 : (size_t)js->step;
		if (k >= n)
			continue;
		wv->step_state[js->phase][k] = watchview_step_state(js->state);
		if (strcmp(js->state, JOURNAL_PENDING) != 0 &&
		    strcmp(js->state, JOURNAL_ROLLED_BACK) != 0)
			any = 1;
		if (cur == NULL && strcmp(js->state, JOURNAL_DONE) != 0)
			cur = js;
	}

	/* Who drives. */
	watchview_set(&wv->operator, run->driver.operator);
	watchview_set(&wv->host, run->driver.host);
	watchview_set(&wv->since, run->driver.since);
	wv->driver.operator = wv->operator;
	wv->driver.host = wv->host;
	wv->driver.since = wv->since;
	wv->driver.connected = run->driver_connected;
	wv->driver.backend_pid = run->driver_connected ? (run->lock_pid != 0 ?
	    run->lock_pid : run->driver.pid) : 0;
	wv->finished = watchview_run_finished(run);
	presence = watchview_presence(run, now_ms, wv->gone_ms,
	    &wv->free_since);
	wv->driver.gone = presence == WATCHVIEW_GONE;
	wv->driver.reconnecting = presence == WATCHVIEW_RECONNECTING;
	wv->driver.free_ms = wv->free_since < 0 ? 0 : now_ms - wv->free_since;
	free(wv->takeover);
	wv->takeover = wv->driver.gone ? watchview_takeover(run, wv->conninfo) :
	    NULL;
	wv->driver.takeover = wv->takeover;

	/* Where the run is: the first row not done. */
	s->phase = cur != NULL && cur->phase >= 0 ? (size_t)cur->phase :
	    p->nphases;
	s->step = cur != NULL && cur->step > 0 ? (size_t)cur->step : 0;
	if (s->phase < p->nphases)
		ph = &p->phases[s->phase];
	running = cur != NULL && strcmp(cur->state, JOURNAL_RUNNING) == 0;
	s->in_checklist = p->nchecklist > 0 && !wv->checklist_done && !any;
	s->sql = NULL;
	s->started_ms = now_ms;
	s->attempt = cur != NULL ? cur->attempts : 0;
	s->max_attempts = p->retries;
	if (running && cur->elapsed > 0)
		s->started_ms = now_ms - (int64_t)(cur->elapsed * 1000.0);
	s->phase_started_ms = running ? s->started_ms : -1;
	if (running && ph != NULL && ph->kind == PLAN_PHASE_STEPS &&
	    s->step < ph->nsteps && !wv->backoff)
		s->sql = ph->steps[s->step].sql;

	/* The blocker stays in view while its step has not moved on. */
	s->blocker = NULL;
	if (wv->blocker != NULL && ph != NULL && ph->kind == PLAN_PHASE_STEPS &&
	    s->step < ph->nsteps) {
		where = xasprintf("%s/%s", ph->name, ph->steps[s->step].name);
		if (strcmp(where, wv->blocker_where) == 0)
			s->blocker = wv->blocker;
		free(where);
	}

	if (ph != NULL && ph->kind == PLAN_PHASE_BACKFILL)
		watchview_backfill(wv, cur, s->phase, now_ms, table_rows);
	else {
		memset(&s->backfill, 0, sizeof s->backfill);
		s->backfill.eta_ms = -1;
		s->rows_done = s->batches = 0;
	}

	/* The state, in the engine's words. */
	s->reason = NULL;
	if (strcmp(run->state, "done") == 0)
		s->state = ENGINE_DONE;
	else if (strcmp(run->state, "rolled_back") == 0)
		s->state = ENGINE_ROLLED_BACK;
	else if (strcmp(run->state, "failed") == 0) {
		s->state = ENGINE_STOPPED;
		s->reason = wv->stop_reason;
	} else if (strcmp(run->state, "interrupted") == 0) {
		s->state = ENGINE_INTERRUPTED;
		s->reason = wv->interrupt_reason;
	} else if (wv->driver.gone) {
		s->state = ENGINE_INTERRUPTED;
		free(wv->reason);
		wv->reason = xasprintf("the driver went away: nobody has held "
		    "the run for %llds and it has not finished; to take over: "
		    "%s", (long long)(wv->driver.free_ms / 1000), wv->takeover);
		s->reason = wv->reason;
	} else if (wv->driver.reconnecting) {
		s->state = ENGINE_RECONNECTING;
		free(wv->reason);
		wv->reason = xasprintf("the run's lock has been free for %llds: "
		    "the driver is most likely reconnecting (it is called gone "
		    "after %llds); do not start another run",
		    (long long)(wv->driver.free_ms / 1000),
		    (long long)(wv->gone_ms / 1000));
		s->reason = wv->reason;
	} else if (strcmp(run->state, "paused") == 0)
		s->state = ENGINE_PAUSED;
	else if (s->in_checklist)
		s->state = ENGINE_CHECKLIST;
	else if (wv->waiting_phase != NULL)
		s->state = ENGINE_WAITING;
	else if (wv->stop_reason != NULL) {
		s->state = ENGINE_STOPPED;
		s->reason = wv->stop_reason;
	} else if (running && ph != NULL && ph->kind == PLAN_PHASE_GATE)
		s->state = ENGINE_ASKING;	/* the gate waits for the driver */
	else if (running)
		s->state = wv->backoff ? ENGINE_BACKOFF : ENGINE_RUNNING;
	else if (cur == NULL)
		s->state = ENGINE_DONE;
	else
		s->state = ENGINE_ASKING;	/* confirming the next phase */
}

const struct engine_snapshot *
watchview_snapshot(const struct watchview *wv)
{
	return (&wv->snap);
}

const struct watchview_driver *
watchview_driver(const struct watchview *wv)
{
	return (&wv->driver);
}

const char *
watchview_waiting_phase(const struct watchview *wv)
{
	if (wv->driver.gone || wv->driver.reconnecting || wv->finished)
		return (NULL);
	return (wv->waiting_phase);
}

int
watchview_finished(const struct watchview *wv)
{
	return (wv->finished);
}
