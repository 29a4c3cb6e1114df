/*
 * draw-events: the event log, newest at the bottom, in the headless
 * runner's words (time, phase/step, kind: detail).  The kind carries the
 * tone: green when something got done, yellow when waiting or retrying,
 * red when something stopped or was refused.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "draw.h"

static enum draw_style
draw_event_style(const char *kind)
{
	static const char *const bad[] = { "stopped", "rollback-stopped",
	    "connection-lost", "reconnect-failed", "reconnect-refused",
	    "check-fail", "declined", "interrupted", "interrupt", "terminate",
	    "stderr", NULL };
	static const char *const warn[] = { "lock-timeout", "backoff",
	    "waiting", "pause", "paused", "check-unknown", "check-override",
	    "batch-retry", "irreversible", "invalid-index-dropped", "cancel",
	    "retry", "rollback-confirmed", NULL };
	static const char *const ok[] = { "done", "finished", "check-pass",
	    "signoff", "confirmed", "gate-confirmed", "typed-confirmation",
	    "verified", "rolled-back", "checklist-complete", "reconnected",
	    "resume", "throttle-clear", NULL };
	size_t	i;

	for (i = 0; bad[i] != NULL; i++)
		if (strcmp(kind, bad[i]) == 0)
			return (DRAW_BAD);
	for (i = 0; warn[i] != NULL; i++)
		if (strcmp(kind, warn[i]) == 0)
			return (DRAW_WARN);
	for (i = 0; ok[i] != NULL; i++)
		if (strcmp(kind, ok[i]) == 0)
			return (DRAW_OK);
	return (DRAW_NORMAL);
}

void
draw_events(const struct draw_ctx *d)
{
	const struct layout_rect	*r = &d->l->events;
	const struct events		*ev = d->events;
	const struct events_line	*ln;
	const struct ui			*ui = d->k->ui;
	struct tm			 tm;
	char				 when[16], right[64] = "";
	size_t				 rows, last, i, first;
	int				 y, x;

	if (ui->event_scroll > 0)
		snprintf(right, sizeof right, "%zu newer below (End)",
		    ui->event_scroll);
	draw_header(d, r, "Events", right, ui->focus == UI_FOCUS_EVENTS);
	if (r->h < 2 || ev->n == 0)
		return;
	rows = (size_t)r->h - 1;
	last = ev->n - 1 - (ui->event_scroll < ev->n ? ui->event_scroll : 0);
	first = last + 1 >= rows ? last + 1 - rows : 0;
	for (i = first, y = r->y + 1; i <= last; i++, y++) {
		ln = events_get(ev, i);
		localtime_r(&ln->at, &tm);
		strftime(when, sizeof when, "%H:%M:%S", &tm);
		x = r->x + 1;
		x += draw_text(d, y, x, r->w - 2, when, DRAW_DIM) + 1;
		x += draw_text(d, y, x, r->x + r->w - 1 - x, ln->where,
		    DRAW_NORMAL) + 1;
		x += draw_text(d, y, x, r->x + r->w - 1 - x, ln->kind,
		    draw_event_style(ln->kind));
		x += draw_text(d, y, x, r->x + r->w - 1 - x, ": ",
		    DRAW_NORMAL);
		draw_text(d, y, x, r->x + r->w - 1 - x, ln->detail,
		    DRAW_NORMAL);
	}
}
