/*
 * screen-help: the ? screen.  The regions and marks in a few lines, then
 * every key from the key table itself (the same words the key bar uses),
 * grouped by the screen where it acts.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "text.h"
#include "util.h"

struct help_line {
	enum draw_style	 style;
	char		*text;
};

static const char *const help_regions[] = {
	"Title bar   plan, database, driver, what the run is doing, clock",
	"Plan        phases and steps; marks: done, running, pending, failed, "
	"rolled back; 'no undo' steps are irreversible, 'destructive' phases "
	"ask for the table name",
	"Step        what runs now: SQL, attempt n of N, elapsed time, who "
	"blocks it; for a backfill the progress bar, rows, rows/s, ETA, batch "
	"size, latency p95, a sparkline of recent batches and why batches are "
	"held",
	"Sessions    the lock queue as a tree (holders first, who waits "
	"behind whom indented), then the other sessions on the plan's tables; "
	"* marks this console's own backend; highlighted rows are in the way "
	"of our statement (k terminates the selected one)",
	"Events      what the engine did, newest at the bottom (everything is "
	"also in the journal: bellows report)",
	"Key bar     the keys that act now; dimmed ones do nothing now",
	NULL
};

static const struct {
	enum keys_state	 state;
	const char	*title;
} help_sections[] = {
	{ KEYS_RUN, "On the run screen" },
	{ KEYS_CHECKLIST, "On the checklist" },
	{ KEYS_QUESTION, "When the engine asks (confirm, gate, stopped step)" },
	{ KEYS_TYPED, "Typing the table name of a destructive step" },
	{ KEYS_OVERRIDE, "Overriding a failing item" },
	{ KEYS_CANCEL, "Cancel, terminate and quit questions" },
	{ KEYS_KILL, NULL },
	{ KEYS_QUIT, NULL },
};

static void
help_add(struct help_line **lines, size_t *n, enum draw_style st,
    char *text)
{
	*lines = xreallocarray(*lines, *n + 1, sizeof **lines);
	(*lines)[*n].style = st;
	(*lines)[(*n)++].text = text;
}

/* The watcher's console (bellows watch) reads the same regions. */
static const char *const help_watch_regions[] = {
	"Title bar   plan, who drives and since when, WATCHING (read-only), "
	"what the run is doing (DRIVER RECONNECTING while the run's lock "
	"has been free for less than the window, 60 s; DRIVER GONE after "
	"it, with the command that takes over), clock",
	"Plan        phases and steps with their state, from the journal",
	"Step        what the driver runs now; for a backfill rows done, "
	"batches, cursor and the rate measured between reads (batch "
	"latencies are the driver's alone)",
	"Sessions    the lock queue and the sessions on the plan's tables, "
	"read on this watcher's own connection; * marks the driver's backend",
	"Events      the run's journal as the driver writes it, notes and "
	"sign-offs included, newest at the bottom",
	"Key bar     the keys that act now; dimmed ones do nothing now",
	NULL
};

static const struct {
	enum keys_state	 state;
	const char	*title;
} help_watch_sections[] = {
	{ KEYS_RUN, "Watching" },
	{ KEYS_CHECKLIST, NULL },
	{ KEYS_NOTE, "Typing a note" },
	{ KEYS_COSIGN, "Typing the phase name to co-sign it" },
};

/* Where this console is connected (the title bar has room for the
 * database and port only), and how a second engineer follows the run. */
static void
help_database(const struct keys_ctx *ctx, struct help_line **lines,
    size_t *n)
{
	const char	*db = ctx->database, *at, *slash, *colon;
	char		*host;

	if (db == NULL || (at = strchr(db, '@')) == NULL ||
	    (slash = strrchr(at, '/')) == NULL)
		return;
	for (colon = slash; colon > at && *colon != ':'; colon--)
		;
	if (colon == at)
		colon = slash;
	host = xstrndup(at + 1, (size_t)(colon - at - 1));
	help_add(lines, n, DRAW_HEADER, xstrdup("Database"));
	help_add(lines, n, DRAW_NORMAL, xasprintf("  %s", db));
	help_add(lines, n, DRAW_NORMAL, xasprintf("  A second engineer "
	    "follows with: bellows watch -d \"host=%s%s%.*s user=%.*s "
	    "dbname=%s\" %s", host, colon < slash ? " port=" : "",
	    colon < slash ? (int)(slash - colon - 1) : 0, colon < slash ?
	    colon + 1 : "", (int)(at - db), db, slash + 1, ctx->plan->name));
	help_add(lines, n, DRAW_NORMAL, xstrdup(""));
	free(host);
}

/* The help text as lines (not yet wrapped): the driver's or, with
 * ctx->watch, the watcher's. */
static size_t
help_build(const struct keys_ctx *ctx, struct help_line **lines)
{
	const struct keys_entry	*k, *table;
	const char *const	*regions = help_regions;
	unsigned		 seen[64] = { 0 };
	size_t			 n = 0, i, j, ntable, nsections;
	enum keys_state		 state;
	const char		*title;
	int			 watch = ctx->watch != NULL;

	*lines = NULL;
	table = keys_entries(ctx, &ntable);
	if (watch) {
		regions = help_watch_regions;
		nsections = nitems(help_watch_sections);
		help_add(lines, &n, DRAW_HEADER, xstrdup("bellows watch: "
		    "this console follows a run driven from another "
		    "terminal, read-only: no key here can confirm, pause, "
		    "roll back, cancel or terminate anything. You can add "
		    "notes and give the second sign-off of a phase the plan "
		    "lists in require_second_signoff. Esc or ? closes this "
		    "help."));
	} else {
		nsections = nitems(help_sections);
		help_add(lines, &n, DRAW_HEADER, xstrdup("bellows console: "
		    "the plan goes through its phases one confirmation at a "
		    "time; every answer is journaled with your name. Esc or ? "
		    "closes this help."));
	}
	help_add(lines, &n, DRAW_NORMAL, xstrdup(""));
	help_database(ctx, lines, &n);
	help_add(lines, &n, DRAW_HEADER, xstrdup("Regions"));
	for (i = 0; regions[i] != NULL; i++)
		help_add(lines, &n, DRAW_NORMAL, xasprintf("  %s",
		    regions[i]));
	for (i = 0; i < nsections; i++) {
		state = watch ? help_watch_sections[i].state :
		    help_sections[i].state;
		title = watch ? help_watch_sections[i].title :
		    help_sections[i].title;
		if (title != NULL) {
			help_add(lines, &n, DRAW_NORMAL, xstrdup(""));
			help_add(lines, &n, DRAW_HEADER, xstrdup(title));
		}
		for (j = 0; j < ntable && j < 64 * 32; j++) {
			k = &table[j];
			if ((k->states & KEYS_IN(state)) == 0 ||
			    k->help == NULL || k->name == NULL)
				continue;
			if (seen[j / 32] & (1u << (j % 32)))
				continue;
			seen[j / 32] |= 1u << (j % 32);
			help_add(lines, &n, DRAW_NORMAL, xasprintf("  %-11s %s",
			    k->name, k->help));
		}
	}
	help_add(lines, &n, DRAW_NORMAL, xstrdup(""));
	if (watch)
		help_add(lines, &n, DRAW_DIM, xstrdup("q and Ctrl-C leave "
		    "this watcher only; the run goes on with its driver."));
	else
		help_add(lines, &n, DRAW_DIM, xstrdup("The arrows move the "
		    "selection (k is taken: it terminates a session). Ctrl-C "
		    "quits like q without asking: the running statement is "
		    "cancelled and journaled."));
	return (n);
}

/* Key and region lines hang under their description. */
static int
help_hang(const struct help_line *l)
{
	return (l->text[0] == ' ' ? 14 : 0);
}

static void
help_free(struct help_line *lines, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(lines[i].text);
	free(lines);
}

size_t
screen_help_rows(const struct keys_ctx *ctx, int w)
{
	struct help_line	*lines;
	size_t			 n, i, rows = 0;

	n = help_build(ctx, &lines);
	for (i = 0; i < n; i++)
		rows += text_wrap(lines[i].text, w, 1, help_hang(&lines[i]),
		    NULL, 0);
	help_free(lines, n);
	return (rows);
}

void
screen_help_draw(const struct draw_ctx *d)
{
	struct help_line	*lines;
	struct text_line	 tl[32];
	size_t			 n, i, j, nt, row = 0, skip;
	int			 y = 1, w = d->l->cols - 4, bottom = d->l->rows - 1;
	int			 max;

	draw_title(d);
	n = help_build(d->k, &lines);
	max = (int)screen_help_rows(d->k, w) - (bottom - 1);
	skip = (size_t)(d->k->ui->help_scroll < max ? d->k->ui->help_scroll :
	    (max > 0 ? max : 0));
	for (i = 0; i < n && y < bottom; i++) {
		nt = text_wrap(lines[i].text, w, d->utf8,
		    help_hang(&lines[i]), tl, nitems(tl));
		for (j = 0; j < nt && j < nitems(tl) && y < bottom; j++, row++) {
			if (row < skip)
				continue;
			draw_textn(d, y++, 2 + tl[j].indent, w - tl[j].indent,
			    lines[i].text + tl[j].off, tl[j].len,
			    lines[i].style);
		}
	}
	help_free(lines, n);
}
