/*
 * draw-plan: the phases and steps of the plan with their state marks.
 * When the region is too short for every step, only the current phase
 * shows its steps; when even that is too long, the list scrolls to keep
 * the current phase in view.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>

#include "draw.h"
#include "util.h"

struct plan_line {
	size_t	phase;
	long	step;		/* -1: the phase's own row */
};

size_t
draw_plan_rows(const struct plan *p)
{
	size_t	i, n = p->nphases;

	for (i = 0; i < p->nphases; i++)
		if (p->phases[i].kind == PLAN_PHASE_STEPS)
			n += p->phases[i].nsteps;
	return (n);
}

static size_t
draw_plan_nstates(const struct plan_phase *ph)
{
	return (ph->kind == PLAN_PHASE_STEPS ? ph->nsteps : 1);
}

/* A phase's state from its steps' states, for its mark. */
static enum engine_step_state
draw_phase_state(const struct engine_snapshot *s, const struct plan *p,
    size_t i)
{
	size_t	j, n = draw_plan_nstates(&p->phases[i]), done = 0, undone = 0;

	if (s->step_state == NULL || s->step_state[i] == NULL)
		return (ENGINE_STEP_PENDING);
	for (j = 0; j < n; j++) {
		switch (s->step_state[i][j]) {
		case ENGINE_STEP_FAILED:
			return (ENGINE_STEP_FAILED);
		case ENGINE_STEP_RUNNING:
			return (ENGINE_STEP_RUNNING);
		case ENGINE_STEP_DONE:
			done++;
			break;
		case ENGINE_STEP_ROLLED_BACK:
			undone++;
			break;
		case ENGINE_STEP_PENDING:
			break;
		}
	}
	if (n > 0 && done == n)
		return (ENGINE_STEP_DONE);
	if (undone > 0 && done == 0)
		return (ENGINE_STEP_ROLLED_BACK);
	if (done > 0)
		return (ENGINE_STEP_RUNNING);	/* partly done */
	return (ENGINE_STEP_PENDING);
}

static wchar_t
draw_mark(const struct draw_ctx *d, enum engine_step_state st,
    enum draw_style *style)
{
	switch (st) {
	case ENGINE_STEP_PENDING:
		*style = DRAW_DIM;
		return (d->g->pending);
	case ENGINE_STEP_RUNNING:
		*style = DRAW_HEADER;
		return (d->g->running);
	case ENGINE_STEP_DONE:
		*style = DRAW_OK;
		return (d->g->done);
	case ENGINE_STEP_FAILED:
		*style = DRAW_BAD;
		return (d->g->failed);
	case ENGINE_STEP_ROLLED_BACK:
		*style = DRAW_DIM;
		return (d->g->undone);
	}
	return (L'?');
}

static const char *
draw_phase_tag(const struct plan_phase *ph)
{
	switch (ph->kind) {
	case PLAN_PHASE_STEPS:
		return (ph->destructive ? "destructive" : NULL);
	case PLAN_PHASE_GATE:
		return ("gate");
	case PLAN_PHASE_BACKFILL:
		return ("backfill");
	case PLAN_PHASE_VERIFY:
		return ("verify");
	}
	return (NULL);
}

static size_t
draw_plan_lines(const struct draw_ctx *d, struct plan_line *out, int all)
{
	const struct plan	*p = d->k->plan;
	size_t			 i, j, n = 0;

	for (i = 0; i < p->nphases; i++) {
		out[n].phase = i;
		out[n++].step = -1;
		if (p->phases[i].kind != PLAN_PHASE_STEPS)
			continue;
		if (!all && i != d->k->snap->phase)
			continue;
		for (j = 0; j < p->phases[i].nsteps; j++) {
			out[n].phase = i;
			out[n++].step = (long)j;
		}
	}
	return (n);
}

void
draw_plan(const struct draw_ctx *d)
{
	const struct layout_rect	*r = &d->l->plan;
	const struct engine_snapshot	*s = d->k->snap;
	const struct plan		*p = d->k->plan;
	const struct plan_phase		*ph;
	struct plan_line		*lines;
	enum engine_step_state		 st;
	enum draw_style			 mst, nst;
	const char			*tag;
	size_t				 n, i, first = 0, cur = 0;
	int				 rows = r->h - 1, y, x, tw;
	wchar_t				 mark;
	char				 right[32];

	if (r->h <= 0)
		return;

	snprintf(right, sizeof right, "%zu phase%s", p->nphases,
	    p->nphases == 1 ? "" : "s");
	draw_header(d, r, "Plan", right, 0);
	lines = xcalloc(draw_plan_rows(p) + 1, sizeof *lines);
	n = draw_plan_lines(d, lines, 1);
	if ((int)n > rows)
		n = draw_plan_lines(d, lines, 0);
	for (i = 0; i < n; i++)
		if (lines[i].phase == s->phase && lines[i].step < 0)
			cur = i;
	if ((int)n > rows && (int)cur >= rows / 2)
		first = cur - (size_t)(rows / 2);
	if ((int)(n - first) < rows && (int)n > rows)
		first = n - (size_t)rows;

	for (i = first, y = r->y + 1; i < n && y < r->y + r->h; i++, y++) {
		ph = &p->phases[lines[i].phase];
		if (lines[i].step < 0) {
			st = draw_phase_state(s, p, lines[i].phase);
			mark = draw_mark(d, st, &mst);
			nst = st == ENGINE_STEP_PENDING ? DRAW_DIM : DRAW_NORMAL;
			if (lines[i].phase == s->phase && !s->in_checklist) {
				nst = DRAW_HEADER;
				if (st == ENGINE_STEP_PENDING) {
					mark = d->g->select;
					mst = DRAW_HEADER;
				}
			}
			x = r->x + 1;
			draw_wch(y, x, mark, mst);
			tag = draw_phase_tag(ph);
			tw = tag != NULL ? draw_text_right(d, y, r->x, r->w - 1,
			    tag, ph->destructive ? DRAW_BAD : DRAW_DIM) + 1 : 0;
			draw_text(d, y, x + 2, r->w - 3 - tw, ph->name, nst);
			continue;
		}
		st = s->step_state != NULL && s->step_state[lines[i].phase] ?
		    s->step_state[lines[i].phase][lines[i].step] :
		    ENGINE_STEP_PENDING;
		mark = draw_mark(d, st, &mst);
		nst = st == ENGINE_STEP_PENDING ? DRAW_DIM : DRAW_NORMAL;
		if (lines[i].phase == s->phase && (size_t)lines[i].step ==
		    s->step && !s->in_checklist && st != ENGINE_STEP_DONE)
			nst = DRAW_HEADER;
		x = r->x + 3;
		draw_wch(y, x, mark, mst);
		tw = ph->steps[lines[i].step].rollback == NULL ?
		    draw_text_right(d, y, r->x, r->w - 1, "no undo",
		    DRAW_WARN) + 1 : 0;
		draw_text(d, y, x + 2, r->w - 5 - tw,
		    ph->steps[lines[i].step].name, nst);
	}
	free(lines);
}
