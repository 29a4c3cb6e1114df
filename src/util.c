/* util: see util.h. */
#include <errno.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

void
util_fatal(const char *fmt, ...)
{
	va_list	ap;

	fputs("bellows: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(3);
}

void *
xmalloc(size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = malloc(size)) == NULL)
		util_fatal("out of memory allocating %zu bytes", size);
	return (p);
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		util_fatal("out of memory allocating %zu x %zu bytes", n, size);
	return (p);
}

void *
xrealloc(void *p, size_t size)
{
	if (size == 0)
		size = 1;
	if ((p = realloc(p, size)) == NULL)
		util_fatal("out of memory allocating %zu bytes", size);
	return (p);
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		util_fatal("allocation of %zu x %zu bytes overflows", n, size);
	return (xrealloc(p, n * size));
}

char *
xstrdup(const char *s)
{
	return (xstrndup(s, strlen(s)));
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;
	size_t	 len;

	len = strnlen(s, n);
	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return (p);
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	va_list	 aq;
	int	 n;
	char	*p;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		util_fatal("bad format string: %s", fmt);
	p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return (p);
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return (p);
}

void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

static void
buf_reserve(struct buf *b, size_t more)
{
	size_t	need;

	need = b->len + more + 1;
	if (need <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 64;
	while (b->cap < need)
		b->cap *= 2;
	b->data = xrealloc(b->data, b->cap);
}

void
buf_append(struct buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	buf_puts(b, s);
	free(s);
}

char *
buf_detach(struct buf *b)
{
	char	*p;

	if (b->data == NULL)
		return (xstrdup(""));
	p = b->data;
	buf_init(b);
	return (p);
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

size_t
util_edit_distance(const char *a, const char *b)
{
	size_t	 la, lb, i, j, *row, prev, tmp, best;

	la = strlen(a);
	lb = strlen(b);
	row = xcalloc(lb + 1, sizeof *row);
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	best = row[lb];
	free(row);
	return (best);
}

const char *
util_suggest(const char *word, const char *const *candidates)
{
	const char	*best = NULL;
	size_t		 d, bestd = SIZE_MAX, limit;

	limit = strlen(word) <= 4 ? 1 : (strlen(word) <= 8 ? 2 : 3);
	for (; *candidates != NULL; candidates++) {
		d = util_edit_distance(word, *candidates);
		if (d < bestd) {
			bestd = d;
			best = *candidates;
		}
	}
	return (bestd <= limit ? best : NULL);
}

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/local/share/bellows"
#endif
#ifndef SRCSHAREDIR
#define SRCSHAREDIR PKGDATADIR
#endif

char *
util_share_file(const char *rel)
{
	const char	*dirs[3], *env;
	char		*p, *first = NULL;
	size_t		 i, n = 0;

	if ((env = getenv("BELLOWS_SHARE")) != NULL && *env != '\0')
		dirs[n++] = env;
	dirs[n++] = PKGDATADIR;
	dirs[n++] = SRCSHAREDIR;
	for (i = 0; i < n; i++) {
		p = xasprintf("%s/%s", dirs[i], rel);
		if (access(p, R_OK) == 0) {
			free(first);
			return (p);
		}
		if (first == NULL)
			first = p;
		else
			free(p);
	}
	return (first);
}

void
linebuf_init(struct linebuf *lb)
{
	buf_init(&lb->b);
	lb->used = 0;
	lb->eof = 0;
}

int
linebuf_fill(struct linebuf *lb, int fd)
{
	char	chunk[1024];
	ssize_t	n;

	/* Drop what was handed out before reading more. */
	if (lb->used > 0) {
		memmove(lb->b.data, lb->b.data + lb->used, lb->b.len - lb->used);
		lb->b.len -= lb->used;
		lb->b.data[lb->b.len] = '\0';
		lb->used = 0;
	}
	n = read(fd, chunk, sizeof chunk);
	if (n < 0)
		return (-1);
	if (n == 0) {
		lb->eof = 1;
		return (0);
	}
	buf_append(&lb->b, chunk, (size_t)n);
	return (1);
}

char *
linebuf_next(struct linebuf *lb)
{
	char	*start, *nl;

	if (lb->b.data == NULL || lb->used >= lb->b.len)
		return (NULL);
	start = lb->b.data + lb->used;
	if ((nl = memchr(start, '\n', lb->b.len - lb->used)) == NULL) {
		if (!lb->eof)
			return (NULL);
		lb->used = lb->b.len;
		return (start);
	}
	*nl = '\0';
	lb->used = (size_t)(nl - lb->b.data) + 1;
	return (start);
}

void
linebuf_free(struct linebuf *lb)
{
	buf_free(&lb->b);
	lb->used = 0;
}

char *
util_read_file(const char *path, size_t *len, char **cause)
{
	FILE		*f;
	struct buf	 b;
	char		 chunk[65536];
	size_t		 n;
	int		 failed;

	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "rb")) == NULL) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return (NULL);
	}
	buf_init(&b);
	buf_puts(&b, "");
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	failed = ferror(f);
	if (f != stdin)
		fclose(f);
	if (failed) {
		*cause = xasprintf("%s: read error", path);
		buf_free(&b);
		return (NULL);
	}
	if (len != NULL)
		*len = b.len;
	return (buf_detach(&b));
}

/* Bytes in the UTF-8 sequence at P (N left), 0 when it is not one. */
static size_t
util_utf8_len(const unsigned char *p, size_t n)
{
	size_t		need, i;
	unsigned char	lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		return (1);
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		need = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;		/* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f;		/* surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		need = 4;
		if (p[0] == 0xf0)
			lo = 0x90;		/* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f;		/* past U+10FFFF */
	} else
		return (0);
	if (n < need || p[1] < lo || p[1] > hi)
		return (0);
	for (i = 2; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (0);
	}
	return (need);
}

size_t
util_text_invalid(const char *text, size_t len)
{
	const unsigned char	*p = (const unsigned char *)text;
	size_t			 i = 0, n;

	while (i < len) {
		if (p[i] == '\0' || (n = util_utf8_len(p + i, len - i)) == 0)
			return (i);
		i += n;
	}
	return (len);
}

int
util_check_text(const char *file, const char *text, size_t len, char **cause)
{
	size_t	bad, i;
	int	line = 1;

	if ((bad = util_text_invalid(text, len)) == len)
		return (0);
	for (i = 0; i < bad; i++) {
		if (text[i] == '\n')
			line++;
	}
	if (text[bad] == '\0')
		*cause = xasprintf("%s:%d: NUL byte (not text)", file, line);
	else {
		*cause = xasprintf("%s:%d: invalid UTF-8 (byte 0x%02x)", file,
		    line, (unsigned char)text[bad]);
	}
	return (-1);
}

const char *
util_login(void)
{
	struct passwd	*pw;
	const char	*s;

	if ((pw = getpwuid(getuid())) != NULL && pw->pw_name != NULL)
		return (pw->pw_name);
	if ((s = getenv("USER")) != NULL && *s != '\0')
		return (s);
	return ("unknown");
}

int64_t
util_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

char *
util_shquote(const char *s)
{
	struct buf	 b;
	const char	*p;

	if (*s != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:,@%=") == strlen(s))
		return (xstrdup(s));
	buf_init(&b);
	buf_putc(&b, '\'');
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'')
			buf_puts(&b, "'\\''");
		else
			buf_putc(&b, *p);
	}
	buf_putc(&b, '\'');
	return (buf_detach(&b));
}
