/*
 * screen-checklist: the first screen of a run.  Every checklist item with
 * its state: automatic items live with their value (re-checked by the
 * engine), manual items signed off with s, failing automatic items
 * overridden with o and a reason.  Below: the sessions and the events,
 * so a failing "long transactions" item shows its culprit.
 */
#include <curses.h>
#include <stdio.h>

#include "draw.h"

static const char *
draw_check_word(const struct plan_check *c, enum engine_check_status st,
    enum draw_style *style, wchar_t *mark, const struct draw_glyphs *g)
{
	*style = DRAW_NORMAL;
	*mark = L'?';
	switch (st) {
	case ENGINE_CHECK_PENDING:
		*style = DRAW_WARN;
		*mark = g->pending;
		return (c->kind == PLAN_CHECK_MANUAL ? "sign off" : "checking");
	case ENGINE_CHECK_PASS:
		*style = DRAW_OK;
		*mark = g->done;
		return ("pass");
	case ENGINE_CHECK_FAIL:
		*style = DRAW_BAD;
		*mark = g->failed;
		return ("FAIL");
	case ENGINE_CHECK_UNKNOWN:
		*style = DRAW_WARN;
		*mark = g->unknown;
		return ("sign off");
	case ENGINE_CHECK_SIGNED:
		*style = DRAW_OK;
		*mark = g->signed_;
		return ("signed");
	case ENGINE_CHECK_OVERRIDDEN:
		*style = DRAW_WARN;
		*mark = g->overridden;
		return ("overridden");
	}
	return ("?");
}

static int
draw_check_done(enum engine_check_status st)
{
	return (st == ENGINE_CHECK_PASS || st == ENGINE_CHECK_SIGNED ||
	    st == ENGINE_CHECK_OVERRIDDEN);
}

void
draw_checklist(const struct draw_ctx *d)
{
	const struct layout_rect	*r = &d->l->checklist;
	const struct engine_snapshot	*s = d->k->snap;
	const struct plan		*p = d->k->plan;
	const struct ui			*ui = d->k->ui;
	const struct plan_check		*c;
	enum draw_style			 st, row;
	const char			*word;
	char				 right[64];
	size_t				 i, first = 0, done = 0, fail = 0, sign = 0;
	int				 y, rows, focused, vw, x;
	wchar_t				 mark;

	if (r->h <= 0)
		return;

	for (i = 0; i < p->nchecklist; i++) {
		if (draw_check_done(s->checks[i].status))
			done++;
		else if (s->checks[i].status == ENGINE_CHECK_FAIL)
			fail++;
		else
			sign++;
	}
	focused = ui->focus == UI_FOCUS_CHECKLIST;
	snprintf(right, sizeof right, "%zu of %zu done", done, p->nchecklist);
	draw_header(d, r, "Checklist", right, focused);
	rows = r->h - 2;	/* header and the summary line */
	if ((int)ui->check_sel >= rows)
		first = ui->check_sel - (size_t)rows + 1;
	for (i = first, y = r->y + 1; i < p->nchecklist && y < r->y + 1 + rows;
	    i++, y++) {
		c = &p->checklist[i];
		word = draw_check_word(c, s->checks[i].status, &st, &mark, d->g);
		row = DRAW_NORMAL;
		if (i == ui->check_sel && focused) {
			row = DRAW_SELECT;
			draw_fill(y, r->x, r->w, row);
		}
		if (i == ui->check_sel)
			draw_wch(y, r->x, d->g->select, row == DRAW_NORMAL ?
			    DRAW_HEADER : row);
		draw_wch(y, r->x + 2, mark, row == DRAW_NORMAL ? st : row);
		draw_text(d, y, r->x + 4, 10, word, row == DRAW_NORMAL ? st :
		    row);
		/* The value (how the database answered, who signed) on the
		 * right, the item's words in between. */
		vw = 0;
		if (s->checks[i].value != NULL)
			vw = draw_text_right(d, y, r->x + r->w / 2, r->w / 2 - 1,
			    s->checks[i].value, row == DRAW_NORMAL ? DRAW_DIM :
			    row) + 2;
		x = r->x + 15;
		x += draw_text(d, y, x, r->w - 16 - vw, c->text, row);
		if (c->kind != PLAN_CHECK_MANUAL && x + 7 < r->x + r->w - vw)
			draw_text(d, y, x + 1, 6, "(auto)", row == DRAW_NORMAL ?
			    DRAW_DIM : row);
	}
	y = r->y + r->h - 1;
	if (p->nchecklist == 0)
		draw_text(d, r->y + 1, r->x + 2, r->w - 4, "the plan has no "
		    "checklist", DRAW_DIM);
	/* A watcher's s is a phase's second sign-off, not these items. */
	if (d->k->watch != NULL && (fail > 0 || sign > 0))
		draw_printf(d, y, r->x + 2, r->w - 4, fail > 0 ? DRAW_BAD :
		    DRAW_WARN, "%zu failing, %zu to sign off: the driver signs "
		    "off or overrides them; the run waits", fail, sign);
	else if (fail > 0)
		draw_printf(d, y, r->x + 2, r->w - 4, DRAW_BAD, "%zu failing "
		    "(re-checked; o overrides), %zu to sign off (s): the run "
		    "waits", fail, sign);
	else if (sign > 0)
		draw_printf(d, y, r->x + 2, r->w - 4, DRAW_WARN, "%zu to sign "
		    "off (arrows select, s signs off); then the first phase "
		    "asks", sign);
	else
		draw_text(d, y, r->x + 2, r->w - 4, "checklist complete",
		    DRAW_OK);
}

void
screen_checklist_draw(const struct draw_ctx *d)
{
	draw_title(d);
	draw_checklist(d);
	draw_locks(d);
	draw_events(d);
}
