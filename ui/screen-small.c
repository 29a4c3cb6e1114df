/*
 * screen-small: the terminal is below 80x24.  Say so plainly, with what
 * the run is doing, since the regions cannot be drawn; the run goes on
 * and the keys that matter (q, and y/n when quitting asks) still work.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>

#include "draw.h"
#include "util.h"

void
screen_small_draw(const struct draw_ctx *d)
{
	const struct engine_snapshot	*s = d->k->snap;
	const struct plan		*p = d->k->plan;
	char				*msg;
	int				 y = 0, w = d->l->cols;

	msg = xasprintf("bellows needs a terminal of at least %dx%d; this one "
	    "is %dx%d. Enlarge it to see the run.", LAYOUT_MIN_COLS,
	    LAYOUT_MIN_ROWS, d->l->cols, d->l->rows);
	y += draw_wrapped(d, y, 0, w, d->l->rows - 3, msg, DRAW_HEADER);
	free(msg);
	msg = xasprintf("Plan %s: %s%s%s. The run goes on meanwhile.",
	    p->name, s->in_checklist ? "checklist" : s->phase < p->nphases ?
	    "phase " : "every phase done", s->in_checklist ||
	    s->phase >= p->nphases ? "" : p->phases[s->phase].name,
	    s->question != ENGINE_Q_NONE ? " (a question is waiting)" : "");
	y += 1 + draw_wrapped(d, y + 1, 0, w, d->l->rows - y - 2, msg,
	    DRAW_NORMAL);
	free(msg);
	if (d->k->ui->dialog == UI_DIALOG_QUIT)
		draw_wrapped(d, y + 1, 0, w, d->l->rows - y - 1, "Quit while a "
		    "statement runs? It is cancelled and journaled. y quits, "
		    "n stays.", DRAW_BAD);
	else
		draw_text(d, d->l->rows - 1, 0, w, "q quits", DRAW_DIM);
}
