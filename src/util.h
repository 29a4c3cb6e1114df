/*
 * util: allocation that never returns NULL, growable string buffers and
 * small string helpers shared by every module.
 *
 * Allocation failure is not an error a caller can handle: the x* functions
 * print a message and exit(3) through util_fatal().  Everything returned is
 * owned by the caller and released with free().
 */
#ifndef BELLOWS_UTIL_H
#define BELLOWS_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *, va_list) __attribute__((format(printf, 1, 0)));

/* Print "bellows: MESSAGE" to stderr and exit(3).  Only for states the
 * program cannot continue from (out of memory, broken invariants). */
void	 util_fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * A growable, always NUL-terminated byte buffer.  Zero-initialise it (or call
 * buf_init), append, then take ownership of data with buf_detach or release
 * it with buf_free.
 */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

void	 buf_init(struct buf *);
void	 buf_append(struct buf *, const char *, size_t);
void	 buf_puts(struct buf *, const char *);
void	 buf_putc(struct buf *, char);
void	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
char	*buf_detach(struct buf *);
void	 buf_free(struct buf *);

/* Damerau-free Levenshtein distance, for "did you mean" suggestions. */
size_t	 util_edit_distance(const char *, const char *);

/* The closest of CANDIDATES (a NULL-terminated list) to WORD when it is
 * close enough to be a plausible typo, else NULL.  Not allocated. */
const char *util_suggest(const char *word, const char *const *candidates);

/* All of PATH ("-": standard input), NUL-terminated; its length in *LEN
 * when LEN is not NULL.  NULL and *cause "PATH: reason" when it cannot be
 * read. */
char	*util_read_file(const char *path, size_t *len, char **cause);

/* Whether the LEN bytes of TEXT are text: no NUL byte and valid UTF-8 (no
 * overlong forms, surrogates or code points past U+10FFFF).  The offset of
 * the first offending byte, LEN when there is none.  One pass, linear. */
size_t	 util_text_invalid(const char *text, size_t len);
/* The same as an error: 0, or -1 with *cause "FILE:LINE: NUL byte (not
 * text)" or "FILE:LINE: invalid UTF-8 (byte 0xff)" (caller frees). */
int	 util_check_text(const char *file, const char *text, size_t len,
	    char **cause);

/* The login name of this process's user, for the journal ("unknown" when
 * there is none).  Static storage. */
const char *util_login(void);

/* Milliseconds on the monotonic clock (for intervals, never dates). */
int64_t	 util_now_ms(void);

/*
 * Lines from a file descriptor for a poll() loop: call linebuf_fill()
 * when the descriptor is readable (one read(2), never blocks longer), then
 * take every complete line with linebuf_next() (the newline removed; the
 * string lives until the next call).  stdio's fgets would keep a second
 * line in its buffer where poll() cannot see it.
 */
struct linebuf {
	struct buf	 b;
	size_t		 used;		/* bytes of b handed out */
	int		 eof;
};

void	 linebuf_init(struct linebuf *);
/* 1 data read, 0 end of file, -1 error (errno). */
int	 linebuf_fill(struct linebuf *, int fd);
/* The next complete line, or NULL; at end of file, a last line without
 * its newline too. */
char	*linebuf_next(struct linebuf *);
void	 linebuf_free(struct linebuf *);

/*
 * The path of REL (e.g. "checklists/default.conf") among bellows' data:
 * $BELLOWS_SHARE, else the installed $(pkgdatadir), else the source tree's
 * share/ (so that a build that is not installed finds its data).  The
 * first that has REL wins; when none has it, the path under the first
 * candidate, for the error message.  Allocated.
 */
char	*util_share_file(const char *rel);
/* S as one word for a POSIX shell: as it is when only safe characters,
 * else in single quotes.  Caller frees. */
char	*util_shquote(const char *s);

#endif
