/*
 * draw: styles, glyphs and clipped text primitives for the regions (see
 * draw.h).  The only file that decides what a style looks like.
 */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "text.h"
#include "util.h"

static attr_t	draw_attrs[DRAW_NSTYLES];

static const struct draw_glyphs draw_utf8 = {
	L'\x2500', L'\x2502', L'\x250c', L'\x2510', L'\x2514', L'\x2518',
	L'\x2588', L'\x2591',
	{ L'\x2581', L'\x2582', L'\x2583', L'\x2584', L'\x2585', L'\x2586',
	  L'\x2587', L'\x2588' },
	L'\x2713', L'\x25b6', L'\x00b7', L'\x2717', L'\x21b6', L'\x2713',
	L'?', L'!', L'\x25b8', L'\x2026',
	L"\x2514 "
};

static const struct draw_glyphs draw_ascii = {
	L'-', L'|', L'+', L'+', L'+', L'+',
	L'#', L'.',
	{ L'_', L'.', L',', L'-', L'~', L'=', L'*', L'#' },
	L'+', L'>', L'.', L'X', L'<', L'+',
	L'?', L'!', L'>', L'~',
	L"`-"
};

const struct draw_glyphs *
draw_glyphs(int utf8)
{
	return (utf8 ? &draw_utf8 : &draw_ascii);
}

void
draw_init(int utf8)
{
	const char	*nc = getenv("NO_COLOR");
	int		 bg = COLOR_BLACK;

	(void)utf8;
	/* Monochrome: bold, reverse and underline carry the meaning. */
	draw_attrs[DRAW_NORMAL] = A_NORMAL;
	draw_attrs[DRAW_TITLE] = A_REVERSE;
	draw_attrs[DRAW_TITLE_STRONG] = A_REVERSE | A_BOLD;
	draw_attrs[DRAW_HEADER] = A_BOLD;
	draw_attrs[DRAW_FOCUS] = A_BOLD | A_REVERSE;
	draw_attrs[DRAW_DIM] = A_DIM;
	draw_attrs[DRAW_OK] = A_NORMAL;
	draw_attrs[DRAW_WARN] = A_BOLD;
	draw_attrs[DRAW_BAD] = A_BOLD | A_REVERSE;
	draw_attrs[DRAW_SELF] = A_BOLD | A_UNDERLINE;
	draw_attrs[DRAW_BLOCKER] = A_BOLD | A_REVERSE;
	draw_attrs[DRAW_SELECT] = A_REVERSE;
	draw_attrs[DRAW_KEY] = A_REVERSE;
	draw_attrs[DRAW_INPUT] = A_UNDERLINE | A_BOLD;

	if ((nc != NULL && *nc != '\0') || !has_colors() || start_color() != OK)
		return;
	if (use_default_colors() == OK)
		bg = -1;
	init_pair(1, COLOR_BLACK, COLOR_CYAN);
	init_pair(2, COLOR_GREEN, (short)bg);
	init_pair(3, COLOR_YELLOW, (short)bg);
	init_pair(4, COLOR_RED, (short)bg);
	init_pair(5, COLOR_CYAN, (short)bg);
	init_pair(6, COLOR_WHITE, COLOR_RED);
	draw_attrs[DRAW_TITLE] = COLOR_PAIR(1);
	draw_attrs[DRAW_TITLE_STRONG] = A_BOLD | COLOR_PAIR(1);
	draw_attrs[DRAW_FOCUS] = A_BOLD | COLOR_PAIR(1);
	draw_attrs[DRAW_OK] = COLOR_PAIR(2);
	draw_attrs[DRAW_WARN] = A_BOLD | COLOR_PAIR(3);
	draw_attrs[DRAW_BAD] = A_BOLD | COLOR_PAIR(4);
	draw_attrs[DRAW_SELF] = A_BOLD | COLOR_PAIR(5);
	draw_attrs[DRAW_BLOCKER] = A_BOLD | COLOR_PAIR(6);
	draw_attrs[DRAW_KEY] = COLOR_PAIR(1);
}

void
draw_style(enum draw_style s)
{
	attrset(draw_attrs[s]);
}

/* W clipped to the screen from column X; 0 when nothing shows. */
static int
draw_clip(int y, int x, int w)
{
	if (y < 0 || y >= LINES || x < 0 || x >= COLS || w <= 0)
		return (0);
	return (x + w > COLS ? COLS - x : w);
}

int
draw_textn(const struct draw_ctx *d, int y, int x, int w, const char *s,
    size_t len, enum draw_style st)
{
	wchar_t	buf[512];
	int	used;

	if ((w = draw_clip(y, x, w)) == 0 || s == NULL)
		return (0);
	used = text_fit(s, len, w, d->utf8, d->g->ellipsis, buf, nitems(buf));
	draw_style(st);
	mvaddnwstr(y, x, buf, -1);
	draw_style(DRAW_NORMAL);
	return (used);
}

int
draw_text(const struct draw_ctx *d, int y, int x, int w, const char *s,
    enum draw_style st)
{
	return (s != NULL ? draw_textn(d, y, x, w, s, strlen(s), st) : 0);
}

int
draw_text_right(const struct draw_ctx *d, int y, int x, int w, const char *s,
    enum draw_style st)
{
	int	tw;

	if (s == NULL)
		return (0);
	tw = text_width(s, strlen(s), d->utf8);
	if (tw > w)
		tw = w;
	return (draw_text(d, y, x + w - tw, tw, s, st));
}

int
draw_printf(const struct draw_ctx *d, int y, int x, int w, enum draw_style st,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return (draw_text(d, y, x, w, buf, st));
}

void
draw_fill(int y, int x, int w, enum draw_style st)
{
	if ((w = draw_clip(y, x, w)) == 0)
		return;
	draw_style(st);
	mvhline(y, x, ' ', w);
	draw_style(DRAW_NORMAL);
}

void
draw_wch(int y, int x, wchar_t c, enum draw_style st)
{
	wchar_t	s[2] = { c, L'\0' };

	if (draw_clip(y, x, 1) == 0)
		return;
	draw_style(st);
	mvaddnwstr(y, x, s, 1);
	draw_style(DRAW_NORMAL);
}

void
draw_hline(const struct draw_ctx *d, int y, int x, int w, enum draw_style st)
{
	int	i;

	if ((w = draw_clip(y, x, w)) == 0)
		return;
	for (i = 0; i < w; i++)
		draw_wch(y, x + i, d->g->hline, st);
}

void
draw_header(const struct draw_ctx *d, const struct layout_rect *r,
    const char *title, const char *right, int focused)
{
	char	*s;
	int	 tw = 0;

	if (r->h <= 0)
		return;
	draw_hline(d, r->y, r->x, r->w, DRAW_DIM);
	/* The title is what the region is: it wins over the right side. */
	if (title != NULL) {
		s = xasprintf(" %s ", title);
		tw = draw_text(d, r->y, r->x + 1, r->w - 2, s, focused ?
		    DRAW_FOCUS : DRAW_HEADER);
		free(s);
	}
	if (right != NULL && *right != '\0' && r->w - tw - 5 > 4) {
		s = xasprintf(" %s ", right);
		draw_text_right(d, r->y, r->x + tw + 3, r->w - tw - 4, s,
		    DRAW_DIM);
		free(s);
	}
}

int
draw_wrapped(const struct draw_ctx *d, int y, int x, int w, int h,
    const char *s, enum draw_style st)
{
	struct text_line	ln[64];
	size_t			n, i;

	if (s == NULL || h <= 0 || w <= 0)
		return (0);
	n = text_wrap(s, w, d->utf8, 0, ln, nitems(ln));
	if (n > nitems(ln))
		n = nitems(ln);
	for (i = 0; i < n && (int)i < h; i++) {
		/* The last row says so when the text goes on. */
		if ((int)i == h - 1 && i + 1 < n) {
			char	*t = xasprintf("%.*s", (int)(ln[i].len),
			    s + ln[i].off);
			int	 used = draw_text(d, y + (int)i, x + ln[i].indent,
			    w - ln[i].indent - 1, t, st);

			draw_wch(y + (int)i, x + ln[i].indent + used,
			    d->g->ellipsis, st);
			free(t);
			continue;
		}
		draw_textn(d, y + (int)i, x + ln[i].indent, w - ln[i].indent,
		    s + ln[i].off, ln[i].len, st);
	}
	return ((int)i);
}

void
draw_box(const struct draw_ctx *d, const struct layout_rect *r,
    const char *title, enum draw_style title_style)
{
	int	i;

	if (r->h < 2 || r->w < 2)
		return;
	for (i = 0; i < r->h; i++)
		draw_fill(r->y + i, r->x, r->w, DRAW_NORMAL);
	draw_hline(d, r->y, r->x + 1, r->w - 2, DRAW_NORMAL);
	draw_hline(d, r->y + r->h - 1, r->x + 1, r->w - 2, DRAW_NORMAL);
	for (i = 1; i < r->h - 1; i++) {
		draw_wch(r->y + i, r->x, d->g->vline, DRAW_NORMAL);
		draw_wch(r->y + i, r->x + r->w - 1, d->g->vline, DRAW_NORMAL);
	}
	draw_wch(r->y, r->x, d->g->tl, DRAW_NORMAL);
	draw_wch(r->y, r->x + r->w - 1, d->g->tr, DRAW_NORMAL);
	draw_wch(r->y + r->h - 1, r->x, d->g->bl, DRAW_NORMAL);
	draw_wch(r->y + r->h - 1, r->x + r->w - 1, d->g->br, DRAW_NORMAL);
	if (title != NULL) {
		char	*s = xasprintf(" %s ", title);

		draw_text(d, r->y, r->x + 2, r->w - 4, s, title_style);
		free(s);
	}
}
