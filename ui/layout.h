/*
 * layout: where each region of the console goes for a terminal size.
 *
 * Pure arithmetic, no curses: layout_compute() is unit-tested at 80x24,
 * 200x60 and below the minimum.  The regions tile the screen exactly
 * (every row belongs to one region, no overlap); a region's first row is
 * its header line.  Larger terminals give the extra rows to the lock
 * queue and the event log and the extra columns to the step and session
 * details, so nothing is ever cut that fits at 80x24.
 */
#ifndef BELLOWS_LAYOUT_H
#define BELLOWS_LAYOUT_H

#include <stddef.h>

#define LAYOUT_MIN_COLS	80
#define LAYOUT_MIN_ROWS	24

struct layout_rect {
	int	y, x;
	int	h, w;		/* 0 when the region is not on this screen */
};

enum layout_screen {
	LAYOUT_CHECKLIST,	/* checklist, sessions and locks, events */
	LAYOUT_RUN		/* plan, step, sessions and locks, events */
};

/* What the content would like; the layout may give less. */
struct layout_hints {
	size_t	plan_rows;	/* phases plus their steps */
	size_t	checklist_rows;	/* checklist items */
	size_t	dialog_rows;	/* a question's text rows; 0: none */
};

struct layout {
	int			cols, rows;
	int			too_small;	/* below 80x24: only the message */
	struct layout_rect	title;		/* one row */
	struct layout_rect	checklist;	/* LAYOUT_CHECKLIST only */
	struct layout_rect	plan;		/* LAYOUT_RUN only */
	struct layout_rect	step;		/* LAYOUT_RUN only, right of plan */
	struct layout_rect	locks;
	struct layout_rect	events;
	struct layout_rect	keybar;		/* one row, the last */
	/* A question on screen takes the top of the body, full width,
	 * instead of the plan and step (or the checklist): what will run
	 * and which locks it takes stay in view next to the sessions that
	 * hold locks now. */
	struct layout_rect	dialog;
};

/* Fill L for a COLS x ROWS terminal.  Returns 0, or -1 (and
 * L->too_small) when the terminal is smaller than the minimum; HINTS may
 * be NULL. */
int	layout_compute(struct layout *l, int cols, int rows,
	    enum layout_screen, const struct layout_hints *hints);

/* The text width inside a dialog of width W (frame and margins off). */
int	layout_dialog_text_width(int w);

#endif
