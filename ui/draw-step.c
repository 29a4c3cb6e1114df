/*
 * draw-step: what is happening now.  For a DDL step: its SQL, attempt n
 * of N, elapsed time and who blocks it; for a gate: its text; for a
 * backfill: the progress bar, rows done of the estimate, rate, ETA,
 * batch size and latency, a sparkline of recent batch durations and why
 * batches are held; for verify: the query and what it must return.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "fmt.h"

/* The status row: what the engine is doing, in the right tone. */
static void
draw_step_status(const struct draw_ctx *d, int y, int x, int w)
{
	const struct engine_snapshot	*s = d->k->snap;
	char				 el[FMT_LEN], att[64] = "";
	enum draw_style			 st = DRAW_NORMAL;
	const char			*what = "";
	int				 ro = d->k->watch != NULL;

	if (s->max_attempts > 0 && s->attempt > 0 &&
	    d->k->plan->phases[s->phase].kind == PLAN_PHASE_STEPS)
		snprintf(att, sizeof att, "  attempt %d of %d", s->attempt,
		    s->max_attempts);
	fmt_duration(s->sql != NULL ? (long)(d->now_ms - s->started_ms) : -1,
	    el, sizeof el);
	switch (s->state) {
	case ENGINE_STARTING:
	case ENGINE_CHECKLIST:
		what = "not started";
		st = DRAW_DIM;
		break;
	case ENGINE_ASKING:
		what = ro ? "waiting for the driver's answer" :
		    "waiting for your answer";
		st = DRAW_WARN;
		break;
	case ENGINE_RUNNING:
		if (s->sql == NULL) {
			what = "running";
			break;
		}
		/* A backfill's statement is one batch of many: the phase's
		 * time says more than the batch's. */
		if (d->k->plan->phases[s->phase].kind == PLAN_PHASE_BACKFILL &&
		    s->phase_started_ms >= 0) {
			fmt_duration((long)(d->now_ms - s->phase_started_ms),
			    el, sizeof el);
			draw_printf(d, y, x, w, d->k->ui->pause_sent ?
			    DRAW_WARN : DRAW_HEADER, "%s for %s",
			    d->k->ui->pause_sent ? "pausing after this batch; "
			    "backfill running" : "backfill running", el);
			return;
		}
		draw_printf(d, y, x, w, d->k->ui->pause_sent ? DRAW_WARN :
		    DRAW_HEADER, "%s for %s%s", d->k->ui->pause_sent ?
		    "pausing after this statement; running" : "running", el,
		    att);
		return;
	case ENGINE_BACKOFF:
		/* A backfill waits between batches (pause_ms, or held by the
		 * throttle); a DDL step waits after a lock timeout. */
		if (d->k->plan->phases[s->phase].kind == PLAN_PHASE_BACKFILL) {
			if (s->backfill.throttle != NULL)
				draw_text(d, y, x, w, "batches held by the "
				    "throttle", DRAW_WARN);
			else
				draw_text(d, y, x, w, d->k->ui->pause_sent ?
				    "pausing" : "running: between batches",
				    d->k->ui->pause_sent ? DRAW_WARN :
				    DRAW_HEADER);
			return;
		}
		draw_printf(d, y, x, w, DRAW_WARN, "lock timeout: waiting to "
		    "retry%s", att);
		return;
	case ENGINE_PAUSED:
		what = ro ? "paused by the driver" : "paused: p resumes";
		st = DRAW_WARN;
		break;
	case ENGINE_WAITING:
		what = ro ? "waiting for a second operator's sign-off: s gives "
		    "it" : "waiting for a second operator's sign-off";
		st = DRAW_WARN;
		break;
	case ENGINE_STOPPED:
		what = ro ? "STOPPED: the driver retries, rolls back or quits" :
		    "STOPPED: c retries, r rolls back, q quits";
		st = DRAW_BAD;
		break;
	case ENGINE_RECONNECTING:
		if (ro) {
			draw_printf(d, y, x, w, DRAW_WARN, "DRIVER RECONNECTING "
			    "(lock free for %ds): start no other run",
			    d->k->watch->free_s);
			return;
		}
		what = "connection lost: reconnecting";
		st = DRAW_BAD;
		break;
	case ENGINE_DONE:
		what = "every phase is done: q quits";
		st = DRAW_OK;
		break;
	case ENGINE_ROLLED_BACK:
		what = "rolled back: q quits";
		st = DRAW_OK;
		break;
	case ENGINE_INTERRUPTED:
		what = ro && d->k->watch->gone ? "DRIVER GONE: nobody holds "
		    "the run" : "interrupted; run the plan again to resume: q "
		    "quits";
		st = DRAW_WARN;
		break;
	}
	draw_printf(d, y, x, w, st, "%s%s", what, att);
}

/* A labelled block of wrapped text; returns the rows used. */
static int
draw_step_block(const struct draw_ctx *d, int y, int x, int w, int h,
    const char *label, const char *text, enum draw_style st)
{
	int	lw;

	if (h <= 0 || text == NULL)
		return (0);
	lw = draw_text(d, y, x, w, label, st == DRAW_NORMAL ? DRAW_DIM : st);
	return (draw_wrapped(d, y, x + lw + 1, w - lw - 1, h, text,
	    st == DRAW_BAD ? DRAW_NORMAL : st));
}

static void
draw_sparkline(const struct draw_ctx *d, int y, int x, int w,
    const struct backfill_progress *b)
{
	int64_t	max = 1;
	int	i, n, first, level;

	n = b->nrecent < w ? b->nrecent : w;
	first = b->nrecent - n;
	for (i = first; i < b->nrecent; i++)
		if (b->recent_ms[i] > max)
			max = b->recent_ms[i];
	for (i = first; i < b->nrecent; i++) {
		level = (int)(b->recent_ms[i] * 7 / max);
		if (level < 0)
			level = 0;
		draw_wch(y, x + (i - first), d->g->spark[level],
		    b->recent_ms[i] * 2 > max * 3 / 2 && max > 100 ?
		    DRAW_WARN : DRAW_OK);
	}
}

static void
draw_backfill(const struct draw_ctx *d, int y, int x, int w, int bottom)
{
	const struct engine_snapshot	*s = d->k->snap;
	const struct backfill_progress	*b = &s->backfill;
	const struct plan_backfill	*pb;
	char				 a[FMT_LEN], c[FMT_LEN], r[FMT_LEN],
					 e[FMT_LEN], p50[FMT_LEN], p95[FMT_LEN],
					 mx[FMT_LEN], pct[FMT_LEN], bs[FMT_LEN];
	int				 barw, fill, i;

	pb = &d->k->plan->phases[s->phase].backfill;
	fmt_count(b->batch_rows > 0 ? b->batch_rows : pb->batch_rows, bs,
	    sizeof bs);
	if (y < bottom && d->k->watch != NULL)
		draw_printf(d, y++, x, w, DRAW_DIM, "%s by %s", pb->table,
		    pb->key);
	else if (y < bottom)
		draw_printf(d, y++, x, w, DRAW_DIM, "%s by %s, batches of "
		    "%s rows", pb->table, pb->key, bs);

	/* The bar: the cells filled are the keys done of the estimate. */
	fmt_percent(b->percent, 100.0, pct, sizeof pct);
	barw = w - 8;
	if (y < bottom && barw > 4) {
		fill = (int)(b->percent / 100.0 * barw);
		if (fill > barw)
			fill = barw;
		for (i = 0; i < barw; i++)
			draw_wch(y, x + i, i < fill ? d->g->bar_full :
			    d->g->bar_empty, i < fill ? DRAW_OK : DRAW_DIM);
		draw_text_right(d, y, x + barw, w - barw, pct, DRAW_HEADER);
		y++;
	}
	/* Paused: the last rate and an ETA would claim progress that is not
	 * being made. */
	if (y < bottom && s->state == ENGINE_PAUSED)
		draw_printf(d, y++, x, w, DRAW_NORMAL, "rows %s / ~%s  paused",
		    fmt_count(b->keys_done, a, sizeof a),
		    fmt_count(b->total_est, c, sizeof c));
	else if (y < bottom)
		draw_printf(d, y++, x, w, DRAW_NORMAL, "rows %s / ~%s  %s  "
		    "ETA %s", fmt_count(b->keys_done, a, sizeof a),
		    fmt_count(b->total_est, c, sizeof c),
		    fmt_rate(b->rows_per_s, "rows", r, sizeof r),
		    fmt_duration(b->eta_ms, e, sizeof e));
	/* A watcher reads the journal, which keeps counts, not timings: the
	 * plan's first batch size and empty latencies would mislead. */
	if (y < bottom && d->k->watch != NULL)
		draw_text(d, y++, x, w, "batch size and latencies: on the "
		    "driver's console", DRAW_DIM);
	else if (y < bottom)
		draw_printf(d, y++, x, w, DRAW_NORMAL, "batch %s rows  p50 %s  "
		    "p95 %s  max %s", bs, fmt_duration(b->p50_ms, p50,
		    sizeof p50), fmt_duration(b->p95_ms, p95, sizeof p95),
		    fmt_duration(b->max_ms, mx, sizeof mx));
	if (y < bottom) {
		i = draw_printf(d, y, x, w, DRAW_DIM, "%s batches ",
		    fmt_count(b->batches, a, sizeof a));
		draw_sparkline(d, y, x + i, w - i, b);
		y++;
	}
	/* A watcher cannot know the throttle (the journal does not hold
	 * it); the cursor it can. */
	if (y < bottom && d->k->watch != NULL) {
		draw_printf(d, y++, x, w, DRAW_DIM, "last key done: %s",
		    b->cursor != NULL ? b->cursor : "none yet");
		return;
	}
	if (y < bottom) {
		if (b->throttle != NULL)
			draw_printf(d, y++, x, w, DRAW_WARN, "held: %s",
			    b->throttle);
		else
			draw_text(d, y++, x, w, "not throttled", DRAW_DIM);
	}
}

void
draw_step(const struct draw_ctx *d)
{
	const struct layout_rect	*r = &d->l->step;
	const struct engine_snapshot	*s = d->k->snap;
	const struct plan		*p = d->k->plan;
	const struct plan_phase		*ph;
	char				 title[256], right[32];
	int				 x = r->x + 1, w = r->w - 2, y = r->y + 1;
	int				 bottom = r->y + r->h, i;

	if (r->h <= 0)
		return;

	/* The column between plan and step. */
	for (i = 0; i < r->h; i++)
		draw_wch(r->y + i, r->x - 1, d->g->vline, DRAW_DIM);
	if (s->phase >= p->nphases) {
		draw_header(d, r, "Done", NULL, 0);
		draw_step_status(d, y, x, w);
		return;
	}
	ph = &p->phases[s->phase];
	if (ph->kind == PLAN_PHASE_STEPS && s->step < ph->nsteps)
		snprintf(title, sizeof title, "%s / %s", ph->name,
		    ph->steps[s->step].name);
	else
		snprintf(title, sizeof title, "%s", ph->name);
	snprintf(right, sizeof right, "phase %zu of %zu", s->phase + 1,
	    p->nphases);
	draw_header(d, r, title, right, 0);
	draw_step_status(d, y++, x, w);

	switch (ph->kind) {
	case PLAN_PHASE_STEPS:
		if (s->step < ph->nsteps)
			y += draw_step_block(d, y, x, w, 3, "SQL", s->sql != NULL ?
			    s->sql : ph->steps[s->step].sql, DRAW_NORMAL);
		break;
	case PLAN_PHASE_GATE:
		y += draw_step_block(d, y, x, w, 4, "gate", ph->gate,
		    DRAW_NORMAL);
		break;
	case PLAN_PHASE_BACKFILL:
		draw_backfill(d, y, x, w, bottom);
		y = bottom;
		break;
	case PLAN_PHASE_VERIFY:
		if (s->step < ph->nverify) {
			y += draw_step_block(d, y, x, w, 3, "SQL",
			    ph->verify[s->step].sql, DRAW_NORMAL);
			if (y < bottom)
				draw_printf(d, y++, x, w, DRAW_DIM, "must "
				    "return %s (query %zu of %zu)",
				    ph->verify[s->step].expect, s->step + 1,
				    ph->nverify);
		}
		break;
	}
	/* Who is in the way, and why the run stopped: always visible. */
	if (s->blocker != NULL && *s->blocker != '\0' && y < bottom)
		y += draw_step_block(d, y, x, w, bottom - y, "blocked by",
		    s->blocker, DRAW_BAD);
	if (s->reason != NULL && y < bottom && (s->state == ENGINE_STOPPED ||
	    s->state == ENGINE_INTERRUPTED))
		draw_step_block(d, y, x, w, bottom - y, "why", s->reason,
		    DRAW_BAD);
}
