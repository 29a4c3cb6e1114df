/*
 * text: UTF-8 measuring, cutting and wrapping for the console (see text.h).
 */
#include <string.h>
#include <wchar.h>

#include "text.h"

size_t
text_decode(const char *s, size_t len, unsigned *cp)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 n, i;
	unsigned		 c;

	if (len == 0) {
		*cp = 0;
		return (0);
	}
	if (u[0] < 0x80) {
		*cp = u[0];
		return (1);
	}
	if ((u[0] & 0xe0) == 0xc0) {
		n = 2;
		c = u[0] & 0x1f;
	} else if ((u[0] & 0xf0) == 0xe0) {
		n = 3;
		c = u[0] & 0x0f;
	} else if ((u[0] & 0xf8) == 0xf0) {
		n = 4;
		c = u[0] & 0x07;
	} else {
		*cp = '?';
		return (1);
	}
	if (n > len) {
		*cp = '?';
		return (1);
	}
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80) {
			*cp = '?';
			return (1);
		}
		c = (c << 6) | (u[i] & 0x3f);
	}
	/* Overlong forms and surrogates are as bad as stray bytes. */
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff)) {
		*cp = '?';
		return (1);
	}
	*cp = c;
	return (n);
}

wchar_t
text_cell(unsigned cp, int utf8, int *width)
{
	int	w;

	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
		*width = 1;
		return (L' ');
	}
	if (cp < 0x80) {
		*width = 1;
		return ((wchar_t)cp);
	}
	if (!utf8) {
		*width = 1;
		return (L'?');
	}
	w = wcwidth((wchar_t)cp);
	if (w < 0) {
		*width = 1;
		return (L'?');
	}
	*width = w;
	return ((wchar_t)cp);
}

int
text_width(const char *s, size_t len, int utf8)
{
	size_t		 i = 0, n;
	unsigned	 cp;
	int		 w, total = 0;

	while (i < len) {
		n = text_decode(s + i, len - i, &cp);
		text_cell(cp, utf8, &w);
		total += w;
		i += n;
	}
	return (total);
}

int
text_fit(const char *s, size_t len, int width, int utf8, wchar_t ellipsis,
    wchar_t *out, size_t max)
{
	size_t		 i = 0, n, k = 0;
	unsigned	 cp;
	int		 w, used = 0, room = width;
	wchar_t		 c;

	if (max == 0)
		return (0);
	/* When it does not fit, keep the last column for the mark. */
	if (text_width(s, len, utf8) > width)
		room = width - 1;
	while (i < len && k + 1 < max) {
		n = text_decode(s + i, len - i, &cp);
		c = text_cell(cp, utf8, &w);
		if (used + w > room)
			break;
		out[k++] = c;
		used += w;
		i += n;
	}
	if (room < width && width > 0 && k + 1 < max) {
		out[k++] = ellipsis;
		used++;
	}
	out[k] = L'\0';
	return (used);
}

/* Columns of leading blanks of the line at S. */
static int
text_leading(const char *s, size_t len)
{
	size_t	i = 0;

	while (i < len && s[i] == ' ')
		i++;
	return ((int)i);
}

size_t
text_wrap(const char *s, int width, int utf8, int hang,
    struct text_line *out, size_t max)
{
	size_t		 nlines = 0, end, i, n, brk, line_start;
	unsigned	 cp;
	int		 used, w, indent, lead, word;

	if (width < 1)
		width = 1;
	for (line_start = 0;;) {
		end = line_start + strcspn(s + line_start, "\n");
		lead = text_leading(s + line_start, end - line_start);
		indent = 0;
		i = line_start;
		do {
			/* One display line from I: as many bytes as fit. */
			used = indent;
			brk = 0;
			word = 0;
			n = i;
			while (n < end) {
				size_t	 step = text_decode(s + n, end - n, &cp);

				text_cell(cp, utf8, &w);
				if (used + w > width)
					break;
				/* Never break inside the leading blanks. */
				if (cp != ' ')
					word = 1;
				else if (word)
					brk = n;
				used += w;
				n += step;
			}
			if (n < end && brk > i && s[n] != ' ')
				n = brk;	/* back to the last space */
			if (n == i && n < end)	/* not even one character fits */
				n += text_decode(s + n, end - n, &cp);
			if (nlines < max) {
				out[nlines].off = i;
				out[nlines].len = n - i;
				out[nlines].indent = indent;
			}
			nlines++;
			/* The next display line starts past the blanks. */
			while (n < end && s[n] == ' ')
				n++;
			i = n;
			indent = hang >= 0 ? hang : lead + 2;
			if (indent >= width / 2)
				indent = 0;
		} while (i < end);
		if (s[end] == '\0')
			break;
		line_start = end + 1;
	}
	return (nlines);
}
