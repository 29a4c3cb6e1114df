/*
 * draw-bars: the title bar (plan, database, driver, run state, clock) and
 * the key bar (what each key does now, or the last message).
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "draw.h"
#include "text.h"
#include "util.h"

/* The run state in a word or two, loud when the operator must act. */
static const char *
draw_state_word(const struct draw_ctx *d, enum draw_style *st)
{
	const struct engine_snapshot	*s = d->k->snap;

	*st = DRAW_TITLE;
	if (d->k->watch != NULL && d->k->watch->lost) {
		*st = DRAW_BAD;
		return ("NO CONNECTION: STALE");
	}
	if (d->k->watch != NULL && d->k->watch->gone) {
		*st = DRAW_BAD;
		return ("DRIVER GONE");
	}
	if (d->k->watch != NULL && d->k->watch->reconnecting) {
		*st = DRAW_WARN;
		return ("DRIVER RECONNECTING");
	}
	if (d->k->ui->quit_sent && !d->k->finished)
		return ("STOPPING");
	switch (s->state) {
	case ENGINE_STARTING:
		return ("starting");
	case ENGINE_CHECKLIST:
		return ("CHECKLIST");
	case ENGINE_ASKING:
		*st = DRAW_WARN;
		return (d->k->watch != NULL ? "WAITING FOR DRIVER" :
		    "WAITING FOR YOU");
	case ENGINE_RUNNING:
		if (d->k->ui->pause_sent)
			return ("PAUSING");
		return ("RUNNING");
	case ENGINE_BACKOFF:
		if (s->phase < d->k->plan->nphases &&
		    d->k->plan->phases[s->phase].kind == PLAN_PHASE_BACKFILL) {
			if (s->backfill.throttle != NULL) {
				*st = DRAW_WARN;
				return ("THROTTLED");
			}
			return (d->k->ui->pause_sent ? "PAUSING" : "RUNNING");
		}
		*st = DRAW_WARN;
		return ("RETRYING");
	case ENGINE_PAUSED:
		*st = DRAW_WARN;
		return ("PAUSED");
	case ENGINE_WAITING:
		*st = DRAW_WARN;
		return ("AWAITING SIGN-OFF");
	case ENGINE_STOPPED:
		*st = DRAW_BAD;
		return ("STOPPED");
	case ENGINE_RECONNECTING:
		*st = DRAW_BAD;
		return ("RECONNECTING");
	case ENGINE_DONE:
		*st = DRAW_OK;
		return ("DONE");
	case ENGINE_ROLLED_BACK:
		return ("ROLLED BACK");
	case ENGINE_INTERRUPTED:
		*st = DRAW_WARN;
		return ("INTERRUPTED");
	}
	return ("?");
}

static void
draw_title_db(const struct draw_ctx *d, int y, int x, int w, const char *db)
{
	const char	*slash, *colon = NULL, *p;
	char		*s;

	if (w < 8)
		return;
	if ((int)strlen(db) + 3 <= w) {
		draw_printf(d, y, x, w, DRAW_TITLE, "db %s", db);
		return;
	}
	/* user@host:port/dbname: the database and the port are what the
	 * operator must be sure of; a long host (a socket directory) goes
	 * first, then the port; the database name is cut last. */
	if ((slash = strrchr(db, '/')) == NULL || slash[1] == '\0') {
		draw_printf(d, y, x, w, DRAW_TITLE, "db %s", db);
		return;
	}
	for (p = slash; p > db; p--)
		if (p[-1] == ':') {
			colon = p - 1;
			break;
		}
	if (colon != NULL) {
		s = xasprintf("db %s port %.*s", slash + 1,
		    (int)(slash - colon - 1), colon + 1);
		if ((int)strlen(s) <= w) {
			draw_text(d, y, x, w, s, DRAW_TITLE);
			free(s);
			return;
		}
		free(s);
	}
	draw_printf(d, y, x, w, DRAW_TITLE, "db %s", slash + 1);
}

/*
 * The watcher's title: who drives and since when, and that this console
 * is read-only, ahead of the database; the clock gives way below 100
 * columns (the driver's "since" is the time that matters here).
 */
static void
draw_title_watch(const struct draw_ctx *d)
{
	const struct layout_rect	*r = &d->l->title;
	const struct ui_watch		*w = d->k->watch;
	enum draw_style			 st;
	const char			*word, *ro = " WATCHING (read-only) ";
	char				 clock[16], right[64];
	struct tm			 tm;
	int				 rw, x, room, cw = 0;

	draw_fill(r->y, r->x, r->w, DRAW_TITLE);
	word = draw_state_word(d, &st);
	snprintf(right, sizeof right, " %s ", word);
	if (r->w >= 100) {
		localtime_r(&d->wall, &tm);
		strftime(clock, sizeof clock, "%H:%M:%S", &tm);
		cw = (int)strlen(clock) + 1;
		draw_text(d, r->y, r->w - cw, cw - 1, clock, DRAW_TITLE);
	}
	rw = (int)strlen(right) + 1 + cw;
	draw_text(d, r->y, r->w - rw, (int)strlen(right), right, st);
	rw += (int)strlen(ro);
	draw_text(d, r->y, r->w - rw, (int)strlen(ro), ro, DRAW_SELF);

	room = r->w - rw - 1;
	x = 1;
	if (r->w >= 120)
		x += draw_text(d, r->y, x, room - x, "bellows", DRAW_TITLE) + 2;
	x += draw_text(d, r->y, x, room - x, d->k->plan->name,
	    DRAW_TITLE_STRONG) + 2;
	if (w->driver == NULL)
		x += draw_text(d, r->y, x, room - x, "no driver yet",
		    DRAW_TITLE) + 2;
	else
		x += draw_printf(d, r->y, x, room - x, DRAW_TITLE, "%s %s%s%s",
		    w->gone ? "was driven by" : "driver", w->driver,
		    w->since != NULL ? " since " : "",
		    w->since != NULL ? w->since : "") + 2;
	draw_title_db(d, r->y, x, room - x, d->database != NULL ?
	    d->database : "?");
}

void
draw_title(const struct draw_ctx *d)
{
	const struct layout_rect	*r = &d->l->title;
	enum draw_style			 st;
	const char			*word;
	char				 clock[16], right[64];
	struct tm			 tm;
	int				 rw, x, room;

	if (d->k->watch != NULL) {
		draw_title_watch(d);
		return;
	}
	draw_fill(r->y, r->x, r->w, DRAW_TITLE);
	localtime_r(&d->wall, &tm);
	strftime(clock, sizeof clock, "%H:%M:%S", &tm);
	word = draw_state_word(d, &st);
	snprintf(right, sizeof right, " %s ", word);
	rw = (int)strlen(right) + 1 + (int)strlen(clock) + 1;
	draw_text(d, r->y, r->w - rw, (int)strlen(right), right, st);
	draw_text(d, r->y, r->w - (int)strlen(clock) - 1, (int)strlen(clock),
	    clock, DRAW_TITLE);

	/* Plan, driver, then the database, cut in the middle when short:
	 * its end (port and database name) is what tells two apart. */
	room = r->w - rw - 1;
	x = 1;
	if (r->w >= 100)
		x += draw_text(d, r->y, x, room - x, "bellows", DRAW_TITLE) + 2;
	x += draw_text(d, r->y, x, room - x, d->k->plan->name,
	    DRAW_TITLE_STRONG) + 2;
	x += draw_printf(d, r->y, x, room - x, DRAW_TITLE, "driver %s",
	    d->operator != NULL ? d->operator : "?") + 2;
	draw_title_db(d, r->y, x, room - x, d->database != NULL ?
	    d->database : "?");
}

void
draw_keybar(const struct draw_ctx *d)
{
	const struct layout_rect	*r = &d->l->keybar;
	struct keys_bar_item		 items[KEYS_BAR_MAX];
	size_t				 n, i;
	int				 x = 0, need, nw, lw, pass, total;
	const struct ui			*ui = d->k->ui;

	draw_fill(r->y, r->x, r->w, DRAW_NORMAL);
	if (ui->message[0] != '\0') {
		draw_text(d, r->y, 1, r->w - 2, ui->message,
		    ui->message_bad ? DRAW_BAD : DRAW_WARN);
		return;
	}
	n = keys_bar(d->k, items, nitems(items));
	/* Two blanks between keys when they fit, one when not; then the
	 * keys that do nothing now give way, so that ? and q always show. */
	for (pass = 0; pass < 3; pass++) {
		total = 0;
		for (i = 0; i < n; i++) {
			if (pass == 2 && !items[i].enabled)
				continue;
			total += text_width(items[i].name,
			    strlen(items[i].name), d->utf8) + 1 +
			    (int)strlen(items[i].label) + (pass == 0 ? 2 : 1);
		}
		if (total <= r->w)
			break;
	}
	for (i = 0; i < n; i++) {
		if (pass >= 2 && !items[i].enabled)
			continue;
		nw = text_width(items[i].name, strlen(items[i].name), d->utf8);
		lw = (int)strlen(items[i].label);
		need = nw + 1 + lw;
		if (x + need > r->w)
			break;
		draw_text(d, r->y, r->x + x, nw, items[i].name,
		    items[i].enabled ? DRAW_KEY : DRAW_DIM);
		draw_text(d, r->y, r->x + x + nw + 1, lw, items[i].label,
		    items[i].enabled ? DRAW_NORMAL : DRAW_DIM);
		x += need + (pass == 0 ? 2 : 1);
	}
}
