/*
 * draw: the console's regions and screens, painted with curses from the
 * snapshots the console hands over.
 *
 * Nothing here decides anything: a draw function reads struct draw_ctx
 * (the engine snapshot, the monitor view, the console's struct ui, the
 * layout) and paints its rectangle.  It never sends a command and never
 * changes the snapshot, the view or struct ui.  The console erases the
 * screen, calls the screen's draw function for the state keys_state()
 * names, then the key bar, then refreshes once.
 *
 * Styles degrade: with colours (and no NO_COLOR) each style has its pair;
 * without, bold/reverse/underline carry the same meaning.  Glyphs degrade
 * to ASCII when the locale is not UTF-8.
 */
#ifndef BELLOWS_DRAW_H
#define BELLOWS_DRAW_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <wchar.h>

#include "engine.h"
#include "events.h"
#include "keys.h"
#include "layout.h"
#include "locks.h"
#include "monitor.h"
#include "plan.h"

enum draw_style {
	DRAW_NORMAL,
	DRAW_TITLE,	/* the title bar */
	DRAW_TITLE_STRONG, /* the plan's name in it */
	DRAW_HEADER,	/* a region's header */
	DRAW_FOCUS,	/* the header of the region the arrows act on */
	DRAW_DIM,	/* secondary: column headings, pending, disabled keys */
	DRAW_OK,	/* done, passing */
	DRAW_WARN,	/* waiting, throttled, paused, locks a statement takes */
	DRAW_BAD,	/* failed, stopped, destructive */
	DRAW_SELF,	/* this console's own backend */
	DRAW_BLOCKER,	/* a session in the way of our statement */
	DRAW_SELECT,	/* the selected row of the focused region */
	DRAW_KEY,	/* a key name in the key bar and dialogs */
	DRAW_INPUT,	/* a text field */
	DRAW_NSTYLES
};

/* Glyphs for UTF-8 terminals and their ASCII stand-ins. */
struct draw_glyphs {
	wchar_t	hline, vline;
	wchar_t	tl, tr, bl, br;		/* dialog corners */
	wchar_t	bar_full, bar_empty;	/* progress bar */
	wchar_t	spark[8];		/* sparkline, low to high */
	wchar_t	done, running, pending, failed, undone, signed_, unknown,
		overridden, select, ellipsis;
	const wchar_t *branch;		/* lock tree: "└ " */
};

struct draw_ctx {
	const struct keys_ctx		*k;	/* ui, snapshot, plan, state */
	const struct monitor_view	*view;	/* NULL: no monitor */
	const struct locks_row		*rows;
	size_t				 nrows;
	const struct events		*events;
	const struct layout		*l;
	const char			*database;
	const char			*operator;
	int64_t				 now_ms;	/* the engine's clock */
	time_t				 wall;
	int				 utf8;
	const struct draw_glyphs	*g;
};

/* Start colours (unless NO_COLOR or the terminal has none) and pick the
 * glyphs.  After initscr/newterm. */
void	draw_init(int utf8);
const struct draw_glyphs *draw_glyphs(int utf8);

/* Primitives, clipped to the screen.  Text is UTF-8 from anywhere
 * (flattened and cut by text_fit); each returns the columns drawn. */
void	draw_style(enum draw_style);
int	draw_text(const struct draw_ctx *, int y, int x, int w, const char *,
	    enum draw_style);
int	draw_textn(const struct draw_ctx *, int y, int x, int w, const char *,
	    size_t len, enum draw_style);
/* Right-aligned in the W columns ending at X + W. */
int	draw_text_right(const struct draw_ctx *, int y, int x, int w,
	    const char *, enum draw_style);
int	draw_printf(const struct draw_ctx *, int y, int x, int w,
	    enum draw_style, const char *, ...)
	    __attribute__((format(printf, 6, 7)));
void	draw_fill(int y, int x, int w, enum draw_style);
void	draw_wch(int y, int x, wchar_t, enum draw_style);
void	draw_hline(const struct draw_ctx *, int y, int x, int w,
	    enum draw_style);
/* A region's header row: "─ Title ── right ─"; focused or not. */
void	draw_header(const struct draw_ctx *, const struct layout_rect *,
	    const char *title, const char *right, int focused);
/* Wrapped text from row Y for at most H rows; returns rows used.  Lines
 * for which STYLE_FN returns a style other than DRAW_NORMAL use it. */
int	draw_wrapped(const struct draw_ctx *, int y, int x, int w, int h,
	    const char *, enum draw_style);
/* A framed box with a title; the text area is inside a one-column
 * margin. */
void	draw_box(const struct draw_ctx *, const struct layout_rect *,
	    const char *title, enum draw_style title_style);

/* Regions (draw-*.c). */
void	draw_title(const struct draw_ctx *);
void	draw_plan(const struct draw_ctx *);
void	draw_step(const struct draw_ctx *);
void	draw_locks(const struct draw_ctx *);
void	draw_events(const struct draw_ctx *);
void	draw_keybar(const struct draw_ctx *);
void	draw_checklist(const struct draw_ctx *);

/* Rows the plan region wants for PLAN (phases and steps). */
size_t	draw_plan_rows(const struct plan *);

/* Screens (screen-*.c): one per keys_state. */
void	screen_run_draw(const struct draw_ctx *);
void	screen_checklist_draw(const struct draw_ctx *);
void	screen_help_draw(const struct draw_ctx *);
/* How many rows the help text has at width W (for scrolling). */
size_t	screen_help_rows(const struct keys_ctx *, int w);
void	screen_small_draw(const struct draw_ctx *);
void	screen_question_draw(const struct draw_ctx *);
void	screen_typed_draw(const struct draw_ctx *);
void	screen_quit_draw(const struct draw_ctx *);
void	screen_cancel_draw(const struct draw_ctx *);
void	screen_kill_draw(const struct draw_ctx *);
void	screen_override_draw(const struct draw_ctx *);
void	screen_note_draw(const struct draw_ctx *);
void	screen_cosign_draw(const struct draw_ctx *);
/* Rows of text (and input) the dialog of state ST needs at COLS columns;
 * 0: the state has no dialog.  For layout_hints.dialog_rows. */
int	screen_dialog_rows(const struct draw_ctx *, enum keys_state, int cols);

#endif
