/*
 * layout: pure region arithmetic for the console (see layout.h).
 */
#include <string.h>

#include "layout.h"

/* At 80x24 the body (between title and key bar) is 22 rows. */
#define LAYOUT_BASE_BODY	22
#define LAYOUT_EVENTS_ROWS	4	/* header and three lines */
#define LAYOUT_TOP_ROWS		10	/* plan/step: header and nine lines */
#define LAYOUT_STEP_WANT	12	/* what the step region shows in full */
#define LAYOUT_LOCKS_MIN	6	/* header and five sessions */
#define LAYOUT_PLAN_COLS	30
#define LAYOUT_PLAN_COLS_MAX	44

static int
layout_clamp(int v, int lo, int hi)
{
	if (v > hi)
		v = hi;
	if (v < lo)
		v = lo;
	return (v);
}

static void
layout_set(struct layout_rect *r, int y, int x, int h, int w)
{
	r->y = y;
	r->x = x;
	r->h = h;
	r->w = w;
}

int
layout_compute(struct layout *l, int cols, int rows, enum layout_screen screen,
    const struct layout_hints *hints)
{
	int	body, extra, events, top, want, plan_w, list;

	memset(l, 0, sizeof *l);
	l->cols = cols;
	l->rows = rows;
	if (cols < LAYOUT_MIN_COLS || rows < LAYOUT_MIN_ROWS) {
		l->too_small = 1;
		return (-1);
	}
	layout_set(&l->title, 0, 0, 1, cols);
	layout_set(&l->keybar, rows - 1, 0, 1, cols);
	body = rows - 2;
	extra = body - LAYOUT_BASE_BODY;

	/* A quarter of the extra rows to the event log, the rest mostly to
	 * the lock queue: on a big screen the sessions are what grows. */
	events = LAYOUT_EVENTS_ROWS + extra / 4;

	if (hints != NULL && hints->dialog_rows > 0) {
		/* Frame, text, a blank row, the hint row, frame; the sessions
		 * keep their minimum and the events at least one line. */
		top = layout_clamp((int)hints->dialog_rows + 4, 4,
		    body - LAYOUT_LOCKS_MIN - 2);
		if (body - top - events < LAYOUT_LOCKS_MIN)
			events = layout_clamp(body - top - LAYOUT_LOCKS_MIN, 2,
			    events);
		layout_set(&l->dialog, 1, 0, top, cols);
		layout_set(&l->locks, 1 + top, 0, body - top - events, cols);
		layout_set(&l->events, rows - 1 - events, 0, events, cols);
		return (0);
	}

	switch (screen) {
	case LAYOUT_RUN:
		want = LAYOUT_STEP_WANT;
		if (hints != NULL && (int)hints->plan_rows + 1 > want)
			want = (int)hints->plan_rows + 1;
		top = layout_clamp(want, LAYOUT_TOP_ROWS,
		    LAYOUT_TOP_ROWS + extra / 4);
		plan_w = layout_clamp(LAYOUT_PLAN_COLS + (cols - LAYOUT_MIN_COLS) / 4,
		    LAYOUT_PLAN_COLS, LAYOUT_PLAN_COLS_MAX);
		layout_set(&l->plan, 1, 0, top, plan_w);
		/* One column between them for the separator. */
		layout_set(&l->step, 1, plan_w + 1, top, cols - plan_w - 1);
		layout_set(&l->locks, 1 + top, 0, body - top - events, cols);
		break;
	case LAYOUT_CHECKLIST:
		/* Header, the items, and a line saying what is missing. */
		want = hints != NULL ? (int)hints->checklist_rows + 2 : 14;
		list = layout_clamp(want, LAYOUT_LOCKS_MIN,
		    body - events - LAYOUT_LOCKS_MIN);
		layout_set(&l->checklist, 1, 0, list, cols);
		layout_set(&l->locks, 1 + list, 0, body - list - events, cols);
		break;
	}
	layout_set(&l->events, rows - 1 - events, 0, events, cols);
	return (0);
}

int
layout_dialog_text_width(int w)
{
	return (w > 4 ? w - 4 : 0);
}
