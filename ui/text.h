/*
 * text: what a string looks like on the console, without curses.
 *
 * Strings from the database (queries, names) and from the engine
 * (prompts) are UTF-8 with arbitrary bytes in them.  The console shows
 * them one cell per column: control characters become spaces (a query's
 * newlines flatten), invalid bytes and, when the terminal is not UTF-8,
 * every non-ASCII character become '?', and widths come from wcwidth()
 * (which needs a UTF-8 LC_CTYPE; the console sets the locale).
 */
#ifndef BELLOWS_TEXT_H
#define BELLOWS_TEXT_H

#include <stddef.h>
#include <wchar.h>

/* The code point at S (LEN bytes left) in *CP; returns the bytes it
 * takes (an invalid byte is one byte, *CP = '?'). */
size_t	text_decode(const char *s, size_t len, unsigned *cp);

/* The cell a code point becomes and its width (0 for combining marks). */
wchar_t	text_cell(unsigned cp, int utf8, int *width);

/* Columns LEN bytes of S take on one line. */
int	text_width(const char *s, size_t len, int utf8);

/*
 * S cut to WIDTH columns as wide characters into OUT (MAX cells, NUL
 * terminated); when it does not fit, the last column is ELLIPSIS.
 * Returns the columns used.
 */
int	text_fit(const char *s, size_t len, int width, int utf8,
	    wchar_t ellipsis, wchar_t *out, size_t max);

/* One wrapped line: LEN bytes of the source from OFF, shown after
 * INDENT columns of blanks (the hanging indent of a continuation). */
struct text_line {
	size_t	off;
	size_t	len;
	int	indent;
};

/*
 * Wrap S at WIDTH columns: hard breaks at '\n', soft breaks at spaces
 * (a word longer than the line is cut), continuation lines indented HANG
 * columns (-1: two past the line's own leading blanks).  Fills at most
 * MAX lines of OUT and returns how many lines the whole text needs.
 */
size_t	text_wrap(const char *s, int width, int utf8, int hang,
	    struct text_line *out, size_t max);

#endif
