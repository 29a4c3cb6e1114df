/*
 * plan: see plan.h and bellows-plan(5).
 *
 * Loading walks libconfig's tree once, checks every key against the table
 * for its level and keeps going after an error, so that the author sees
 * every mistake of a plan in one run, as from a compiler.  Errors are
 * sorted by file and line before they are joined into *cause.  Nothing in
 * the returned plan points into libconfig's tree: the config_t is destroyed
 * before plan_load() returns.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan.h"
#include "sql.h"
#include "util.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/local/share/bellows"
#endif
#ifndef SYSCONFDIR
#define SYSCONFDIR "/usr/local/etc"
#endif

/* Built-in defaults, under bellows.conf and the plan. */
#define PLAN_LOCK_TIMEOUT_MS	2000
#define PLAN_RETRIES		10
#define PLAN_BATCH_ROWS		10000
#define PLAN_MIN_ROWS		100
#define PLAN_MAX_ROWS		100000
#define PLAN_TARGET_BATCH_MS	100
#define PLAN_PAUSE_MS		0
#define PLAN_MAX_REPLICA_LAG_MS	10000
#define PLAN_MAX_BLOCKED_MS	1000

/* PostgreSQL truncates application_name to NAMEDATALEN - 1 bytes, and the
 * executor sets it to "bellows:<name>": a longer name would make two runs
 * indistinguishable in pg_stat_activity. */
#define PLAN_NAME_MAX		(63 - 8)

static const char *const plan_top_keys[] = {
	"name", "description", "lock_timeout", "retries", "statement_timeout",
	"checklist", "phases", "include", "require_second_signoff", NULL
};
static const char *const plan_template_keys[] = { "checklist", NULL };
static const char *const plan_phase_keys[] = {
	"name", "steps", "gate", "backfill", "verify", "destructive", NULL
};
static const char *const plan_step_keys[] = {
	"name", "sql", "rollback", NULL
};
static const char *const plan_backfill_keys[] = {
	"table", "key", "set", "from", "where", "batch_rows", "min_rows",
	"max_rows", "target_batch_ms", "pause_ms", "max_replica_lag",
	"max_blocked_ms", "throttle_sql", NULL
};
static const char *const plan_verify_keys[] = { "sql", "expect", NULL };
static const char *const plan_check_keys[] = {
	"id", "text", "auto", "max", "sql", NULL
};
static const char *const plan_defaults_keys[] = {
	"lock_timeout", "retries", "statement_timeout", "target_batch_ms",
	"batch_rows", "max_replica_lag", "max_blocked_ms", "refresh_sessions",
	"refresh_locks", NULL
};

/* The kinds a phase may hold, in the order that decides its kind when an
 * erroneous phase has several (the plan is rejected anyway). */
static const char *const plan_phase_kinds[] = {
	"steps", "gate", "backfill", "verify", NULL
};

static const struct {
	const char		*name;
	enum plan_check_kind	 kind;
	int			 has_max;
} plan_check_autos[] = {
	{ "long_transactions", PLAN_CHECK_LONG_TRANSACTIONS, 1 },
	{ "replication_lag", PLAN_CHECK_REPLICATION_LAG, 1 },
	{ "idle_in_transaction", PLAN_CHECK_IDLE_IN_TRANSACTION, 1 },
	{ "invalid_indexes", PLAN_CHECK_INVALID_INDEXES, 0 },
	{ "lint_clean", PLAN_CHECK_LINT_CLEAN, 0 },
	{ "sql", PLAN_CHECK_SQL, 0 },
};

struct plan_err {
	size_t	 file;		/* index in ctx->files: order of appearance */
	int	 line;
	size_t	 seq;		/* keeps errors on one line in walk order */
	char	*msg;
};

/* A source file's bytes, read again to find string columns. */
struct plan_src {
	char	*path;
	char	*text;		/* NULL when it could not be read */
	size_t	 len;
	/* plan_locate's scan resumes here: the first token boundary it
	 * met on line scan_line (0: from the start), offset scan_i, that
	 * line beginning at scan_bol.  Values are looked up in file order,
	 * so the file is scanned about once, not once per value. */
	int	 scan_line;
	size_t	 scan_i, scan_bol;
};

struct plan_ctx {
	const char	 *cfg_path;	/* the file being walked, as opened */
	const char	 *cfg_dir;	/* its directory: libconfig's include_dir */

	char		**files;	/* display names; given to the plan */
	size_t		  nfiles;
	struct plan_err	 *errs;
	size_t		  nerrs;
	struct plan_src	 *srcs;
	size_t		  nsrcs;

	/* Checklist being merged: ORIGIN[i] is 0 for an item from the plan,
	 * n for one from the n-th included template. */
	struct plan_check *checks;
	int		 *origins;
	size_t		  nchecks;
	int		  origin;
};

/* ---------------------------------------------------------------- errors */

static size_t
plan_intern(struct plan_ctx *ctx, const char *name)
{
	size_t	i;

	for (i = 0; i < ctx->nfiles; i++) {
		if (strcmp(ctx->files[i], name) == 0)
			return (i);
	}
	ctx->files = xreallocarray(ctx->files, ctx->nfiles + 1,
	    sizeof *ctx->files);
	ctx->files[ctx->nfiles] = xstrdup(name);
	return (ctx->nfiles++);
}

/*
 * The name a user should see for the file S came from.  libconfig names an
 * @include'd file as written in the directive, but opens it relative to the
 * include directory, which is the directory of the file being loaded; show
 * the path it actually opened so that the name can be pasted into an editor.
 */
static const char *
plan_file(struct plan_ctx *ctx, const config_setting_t *s)
{
	const char	*f = NULL;
	char		*tmp;
	size_t		 i;

	if (s != NULL)
		f = config_setting_source_file(s);
	if (f == NULL || strcmp(f, ctx->cfg_path) == 0)
		i = plan_intern(ctx, ctx->cfg_path);
	else if (*f == '/' || strcmp(ctx->cfg_dir, ".") == 0)
		i = plan_intern(ctx, f);
	else {
		tmp = xasprintf("%s/%s", ctx->cfg_dir, f);
		i = plan_intern(ctx, tmp);
		free(tmp);
	}
	return (ctx->files[i]);
}

static void plan_error_at(struct plan_ctx *, const char *, int, const char *,
    ...) __attribute__((format(printf, 4, 5)));
static void plan_error(struct plan_ctx *, const config_setting_t *,
    const char *, const char *, ...) __attribute__((format(printf, 4, 5)));

static void
plan_verror_at(struct plan_ctx *ctx, const char *file, int line,
    const char *path, const char *fmt, va_list ap)
{
	struct plan_err	*e;
	char		*msg;

	msg = xvasprintf(fmt, ap);
	ctx->errs = xreallocarray(ctx->errs, ctx->nerrs + 1, sizeof *ctx->errs);
	e = &ctx->errs[ctx->nerrs];
	e->file = plan_intern(ctx, file);
	e->line = line;
	e->seq = ctx->nerrs++;
	if (line > 0 && path != NULL && *path != '\0')
		e->msg = xasprintf("%s:%d: %s: %s", file, line, path, msg);
	else if (line > 0)
		e->msg = xasprintf("%s:%d: %s", file, line, msg);
	else if (path != NULL && *path != '\0')
		e->msg = xasprintf("%s: %s: %s", file, path, msg);
	else
		e->msg = xasprintf("%s: %s", file, msg);
	free(msg);
}

static void
plan_error_at(struct plan_ctx *ctx, const char *file, int line,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	plan_verror_at(ctx, file, line, NULL, fmt, ap);
	va_end(ap);
}

/* An error about setting S, whose key path is PATH ("" at the top). */
static void
plan_error(struct plan_ctx *ctx, const config_setting_t *s, const char *path,
    const char *fmt, ...)
{
	va_list	ap;
	int	line;

	/* The root group has no line of its own; point at the top. */
	line = (int)config_setting_source_line(s);
	if (line == 0)
		line = 1;
	va_start(ap, fmt);
	plan_verror_at(ctx, plan_file(ctx, s), line, path, fmt, ap);
	va_end(ap);
}

static int
plan_err_cmp(const void *a0, const void *b0)
{
	const struct plan_err	*a = a0, *b = b0;

	if (a->file != b->file)
		return (a->file < b->file ? -1 : 1);
	if (a->line != b->line)
		return (a->line < b->line ? -1 : 1);
	return (a->seq < b->seq ? -1 : (a->seq > b->seq));
}

/* Join the errors into one newline-separated message; NULL when none. */
static char *
plan_errors(struct plan_ctx *ctx)
{
	struct buf	b;
	size_t		i;

	if (ctx->nerrs == 0)
		return (NULL);
	qsort(ctx->errs, ctx->nerrs, sizeof *ctx->errs, plan_err_cmp);
	buf_init(&b);
	for (i = 0; i < ctx->nerrs; i++) {
		if (i != 0)
			buf_putc(&b, '\n');
		buf_puts(&b, ctx->errs[i].msg);
	}
	return (buf_detach(&b));
}

static void
plan_ctx_free(struct plan_ctx *ctx)
{
	size_t	i;

	for (i = 0; i < ctx->nerrs; i++)
		free(ctx->errs[i].msg);
	free(ctx->errs);
	for (i = 0; i < ctx->nsrcs; i++) {
		free(ctx->srcs[i].path);
		free(ctx->srcs[i].text);
	}
	free(ctx->srcs);
	for (i = 0; i < ctx->nfiles; i++)
		free(ctx->files[i]);
	free(ctx->files);
	free(ctx->origins);
}

/* ---------------------------------------------------------------- files */


static char *
plan_dirname(const char *path)
{
	const char	*slash;

	if ((slash = strrchr(path, '/')) == NULL)
		return (xstrdup("."));
	if (slash == path)
		return (xstrdup("/"));
	return (xstrndup(path, (size_t)(slash - path)));
}

static struct plan_src *plan_src_get(struct plan_ctx *, const char *);
static int	plan_cfg_text(struct plan_ctx *, const char *, const char *,
		    int);

/* libconfig's own limit on nested @include directives. */
#define PLAN_INCLUDE_DEPTH	10

/*
 * At T[*I], an '@' outside strings and comments: when it is an @include
 * "FILE" directive, check FILE's bytes too (named as plan_file names it:
 * relative to DIR) and leave *I on its closing quote.  -1 when FILE is not
 * text.
 */
static int
plan_cfg_include(struct plan_ctx *ctx, const char *t, size_t len, size_t *i,
    const char *dir, int depth, const char *from, int line)
{
	struct stat	 sb;
	const char	*name;
	char		*file, *path;
	size_t		 j = *i + 8;
	int		 rc;

	if (len - *i < 8 || memcmp(t + *i, "@include", 8) != 0)
		return (0);
	while (j < len && (t[j] == ' ' || t[j] == '\t'))
		j++;
	if (j >= len || t[j] != '"')
		return (0);
	name = t + ++j;
	while (j < len && t[j] != '"' && t[j] != '\n')
		j++;
	if (j >= len || t[j] != '"')
		return (0);
	file = xstrndup(name, (size_t)(t + j - name));
	if (*file == '/' || strcmp(dir, ".") == 0)
		path = xstrdup(file);
	else
		path = xasprintf("%s/%s", dir, file);
	/* libconfig would exit() on a directory and hang on a FIFO or a
	 * device: only a regular file is read. */
	if (*file == '\0' || (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))) {
		plan_error_at(ctx, from, line, "@include \"%s\": not a regular "
		    "file", file);
		rc = -1;
	} else
		rc = plan_cfg_text(ctx, path, dir, depth + 1);
	free(path);
	free(file);
	*i = j;
	return (rc);
}

/*
 * The bytes of PATH must be text before libconfig reads them: libconfig
 * stops a string at a NUL byte (raw, or written \x00) and takes any bytes
 * as they come, so a plan's SQL could be cut short or carry bytes the
 * server refuses, silently.  An error naming file and line; 0 when fine
 * (or when the file cannot be read: libconfig says why).
 */
static int
plan_cfg_text(struct plan_ctx *ctx, const char *path, const char *dir,
    int depth)
{
	const struct plan_src	*src;
	const char		*t;
	size_t			 i, len, bad;
	int			 line = 1, instr = 0;

	if (depth > PLAN_INCLUDE_DEPTH)
		return (0);	/* libconfig refuses deeper includes itself */
	src = plan_src_get(ctx, path);
	if ((t = src->text) == NULL)
		return (0);
	len = src->len;
	bad = util_text_invalid(t, len);
	for (i = 0; i < bad; i++) {
		if (t[i] == '\n') {
			line++;
			continue;
		}
		if (!instr) {
			if (t[i] == '"')
				instr = 1;
			else if (t[i] == '@' &&
			    plan_cfg_include(ctx, t, bad, &i, dir, depth, path,
			    line) != 0)
				return (-1);
			else if (t[i] == '#' || (t[i] == '/' && i + 1 < len &&
			    t[i + 1] == '/')) {
				while (i + 1 < bad && t[i + 1] != '\n')
					i++;
			} else if (t[i] == '/' && i + 1 < len && t[i + 1] == '*') {
				for (i += 2; i + 1 < bad && !(t[i] == '*' &&
				    t[i + 1] == '/'); i++) {
					if (t[i] == '\n')
						line++;
				}
				i++;
			}
		} else if (t[i] == '"')
			instr = 0;
		else if (t[i] == '\\' && i + 1 < bad) {
			if (t[i + 1] == 'x' && i + 3 < bad && t[i + 2] == '0' &&
			    t[i + 3] == '0') {
				plan_error_at(ctx, path, line, "NUL byte (\\x00)"
				    " in a string");
				return (-1);
			}
			if (t[++i] == '\n')
				line++;
		}
	}
	if (bad == len)
		return (0);
	if (t[bad] == '\0')
		plan_error_at(ctx, path, line, "NUL byte (not text)");
	else {
		plan_error_at(ctx, path, line, "invalid UTF-8 (byte 0x%02x)",
		    (unsigned char)t[bad]);
	}
	return (-1);
}

/*
 * Parse PATH with libconfig.  Relative @include directives resolve against
 * the file's own directory (libconfig would use the working directory),
 * so a plan works wherever it is run from.  A syntax error is recorded as
 * "FILE:LINE: text" and -1 returned; CFG must be destroyed either way.
 */
static int
plan_cfg_read(struct plan_ctx *ctx, config_t *cfg, const char *path,
    const char *dir)
{
	const char	*file;
	char		*tmp = NULL;

	config_init(cfg);
	config_set_include_dir(cfg, dir);
	if (plan_cfg_text(ctx, path, dir, 0) != 0)
		return (-1);
	if (config_read_file(cfg, path))
		return (0);

	file = config_error_file(cfg);
	if (file == NULL)
		file = path;
	else if (strcmp(file, path) != 0 && *file != '/' &&
	    strcmp(dir, ".") != 0)
		file = tmp = xasprintf("%s/%s", dir, file);
	if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
		plan_error_at(ctx, file, 0, "%s", strerror(errno));
	else {
		plan_error_at(ctx, file, config_error_line(cfg), "%s",
		    config_error_text(cfg));
	}
	free(tmp);
	return (-1);
}

static struct plan_src *
plan_src_get(struct plan_ctx *ctx, const char *path)
{
	struct plan_src	*src;
	size_t		 i;
	char		*cause = NULL;

	for (i = 0; i < ctx->nsrcs; i++) {
		if (strcmp(ctx->srcs[i].path, path) == 0)
			return (&ctx->srcs[i]);
	}
	ctx->srcs = xreallocarray(ctx->srcs, ctx->nsrcs + 1, sizeof *ctx->srcs);
	src = &ctx->srcs[ctx->nsrcs++];
	memset(src, 0, sizeof *src);
	src->path = xstrdup(path);
	if ((src->text = util_read_file(path, &src->len, &cause)) == NULL) {
		free(cause);
		src->len = 0;
	}
	return (src);
}

/* ---------------------------------------------------------------- sha256 */

/* FIPS 180-4 SHA-256; small and only for the plan's identity. */
struct plan_sha256 {
	uint32_t	h[8];
	uint64_t	len;
	unsigned char	block[64];
	size_t		used;
};

static const uint32_t plan_sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

#define PLAN_ROR(x, n)	(((x) >> (n)) | ((x) << (32 - (n))))

static void
plan_sha256_block(struct plan_sha256 *c, const unsigned char *p)
{
	uint32_t	w[64], a, b, d, e, f, g, h, cc, t1, t2, s0, s1;
	int		i;

	for (i = 0; i < 16; i++) {
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	}
	for (i = 16; i < 64; i++) {
		s0 = PLAN_ROR(w[i - 15], 7) ^ PLAN_ROR(w[i - 15], 18) ^
		    (w[i - 15] >> 3);
		s1 = PLAN_ROR(w[i - 2], 17) ^ PLAN_ROR(w[i - 2], 19) ^
		    (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = c->h[0]; b = c->h[1]; cc = c->h[2]; d = c->h[3];
	e = c->h[4]; f = c->h[5]; g = c->h[6]; h = c->h[7];
	for (i = 0; i < 64; i++) {
		s1 = PLAN_ROR(e, 6) ^ PLAN_ROR(e, 11) ^ PLAN_ROR(e, 25);
		t1 = h + s1 + ((e & f) ^ (~e & g)) + plan_sha256_k[i] + w[i];
		s0 = PLAN_ROR(a, 2) ^ PLAN_ROR(a, 13) ^ PLAN_ROR(a, 22);
		t2 = s0 + ((a & b) ^ (a & cc) ^ (b & cc));
		h = g; g = f; f = e; e = d + t1;
		d = cc; cc = b; b = a; a = t1 + t2;
	}
	c->h[0] += a; c->h[1] += b; c->h[2] += cc; c->h[3] += d;
	c->h[4] += e; c->h[5] += f; c->h[6] += g; c->h[7] += h;
}

static void
plan_sha256_update(struct plan_sha256 *c, const unsigned char *p, size_t n)
{
	size_t	take;

	c->len += n;
	while (n > 0) {
		take = sizeof c->block - c->used;
		if (take > n)
			take = n;
		memcpy(c->block + c->used, p, take);
		c->used += take;
		p += take;
		n -= take;
		if (c->used == sizeof c->block) {
			plan_sha256_block(c, c->block);
			c->used = 0;
		}
	}
}

void
plan_sha256_hex(const void *data, size_t len, char out[65])
{
	static const uint32_t	 init[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
	};
	struct plan_sha256	 c;
	unsigned char		 pad[72];
	uint64_t		 bits;
	size_t			 npad, i;

	memcpy(c.h, init, sizeof c.h);
	c.len = 0;
	c.used = 0;
	plan_sha256_update(&c, data, len);

	/* 0x80, zeros up to 56 mod 64, then the length in bits, big end. */
	bits = c.len * 8;
	npad = (c.used < 56 ? 56 : 120) - c.used;
	memset(pad, 0, sizeof pad);
	pad[0] = 0x80;
	for (i = 0; i < 8; i++)
		pad[npad + i] = (unsigned char)(bits >> (56 - 8 * i));
	plan_sha256_update(&c, pad, npad + 8);

	for (i = 0; i < 8; i++)
		snprintf(out + 8 * i, 9, "%08x", (unsigned int)c.h[i]);
	out[64] = '\0';
}

/* ---------------------------------------------------------------- positions */

/* libconfig comments: #..., //..., and C comments. */
static size_t
plan_skip_space(const char *t, size_t len, size_t i, int *line, size_t *bol)
{
	while (i < len) {
		if (t[i] == '\n') {
			(*line)++;
			*bol = ++i;
		} else if (isspace((unsigned char)t[i]))
			i++;
		else if (t[i] == '#' || (t[i] == '/' && i + 1 < len &&
		    t[i + 1] == '/')) {
			while (i < len && t[i] != '\n')
				i++;
		} else if (t[i] == '/' && i + 1 < len && t[i + 1] == '*') {
			for (i += 2; i < len; i++) {
				if (t[i] == '\n') {
					(*line)++;
					*bol = i + 1;
				} else if (t[i] == '*' && i + 1 < len &&
				    t[i + 1] == '/') {
					i += 2;
					break;
				}
			}
		} else
			break;
	}
	return (i);
}

static int
plan_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

static void
plan_anchor_add(struct plan_pos_anchor **a, size_t *n, int off, int line,
    int col)
{
	*a = xreallocarray(*a, *n + 1, sizeof **a);
	(*a)[*n].off = off;
	(*a)[*n].line = line;
	(*a)[*n].col = col;
	(*n)++;
}

/*
 * Decode the value written after a key that ends at T[I] (" = "a" "b";"),
 * the way libconfig 1.5's scanner does, and compare it with WANT.  On a
 * match fill POS: the start of the first literal, plus an anchor wherever
 * the value stops following the source byte for byte (each further
 * literal, and after each escape).  Returns 0 on a match.
 */
static int
plan_decode(const char *t, size_t len, size_t i, int line, size_t bol,
    const char *want, struct plan_pos *pos)
{
	struct plan_pos_anchor	*a = NULL;
	size_t			 na = 0, voff = 0;
	int			 first = 1, h1, h2;
	char			 c;

	i = plan_skip_space(t, len, i, &line, &bol);
	if (i >= len || (t[i] != '=' && t[i] != ':'))
		return (-1);
	i = plan_skip_space(t, len, i + 1, &line, &bol);
	if (i >= len || t[i] != '"')
		return (-1);
	while (i < len && t[i] == '"') {
		i++;
		if (first) {
			pos->line = line;
			pos->col = (int)(i - bol) + 1;
			first = 0;
		} else {
			plan_anchor_add(&a, &na, (int)voff, line,
			    (int)(i - bol) + 1);
		}
		while (i < len && t[i] != '"') {
			c = t[i];
			if (c == '\\' && i + 1 < len) {
				switch (t[i + 1]) {
				case 'n': c = '\n'; i += 2; break;
				case 'r': c = '\r'; i += 2; break;
				case 't': c = '\t'; i += 2; break;
				case 'f': c = '\f'; i += 2; break;
				case '\\': c = '\\'; i += 2; break;
				case '"': c = '"'; i += 2; break;
				case 'x':
					h1 = i + 2 < len ? plan_hexval(t[i + 2]) : -1;
					h2 = i + 3 < len ? plan_hexval(t[i + 3]) : -1;
					if (h1 >= 0 && h2 >= 0) {
						c = (char)(h1 * 16 + h2);
						i += 4;
						break;
					}
					/* FALLTHROUGH */
				default:
					/* libconfig keeps a lone backslash. */
					i++;
					if (want[voff] != '\\')
						goto fail;
					voff++;
					continue;
				}
				if (want[voff] == '\0' || want[voff] != c)
					goto fail;
				voff++;
				plan_anchor_add(&a, &na, (int)voff, line,
				    (int)(i - bol) + 1);
				continue;
			}
			/* WANT ends at its NUL: a NUL byte in the source
			 * (refused before, but this must not read past
			 * WANT) matches nothing. */
			if (want[voff] == '\0' || want[voff] != c)
				goto fail;
			voff++;
			if (c == '\n') {
				line++;
				bol = i + 1;
			}
			i++;
		}
		if (i >= len)
			goto fail;
		i = plan_skip_space(t, len, i + 1, &line, &bol);
	}
	if (want[voff] != '\0')
		goto fail;
	pos->anchors = a;
	pos->nanchors = na;
	return (0);

fail:
	free(a);
	return (-1);
}

/*
 * Find where the string value of S starts in its source.  libconfig only
 * keeps the line of the key, so the raw text is scanned again, skipping
 * comments and strings, for the key on that line; the value written after
 * it must decode to the value libconfig read (which tells apart two keys of
 * the same name on one line).  When that fails the position is the start of
 * the key's line, which is still the right line for one-line values.
 */
static void
plan_locate(struct plan_ctx *ctx, const config_setting_t *s,
    struct plan_pos *pos)
{
	struct plan_src		*src;
	const char		*t, *name, *want;
	size_t			 len, i, j, bol, nlen;
	int			 line, target;

	pos->file = plan_file(ctx, s);
	pos->line = target = (int)config_setting_source_line(s);
	pos->col = 1;
	pos->anchors = NULL;
	pos->nanchors = 0;

	src = plan_src_get(ctx, pos->file);
	if (src->text == NULL)
		return;
	t = src->text;
	len = src->len;
	name = config_setting_name(s);
	nlen = strlen(name);
	want = config_setting_get_string(s);

	i = bol = 0;
	line = 1;
	if (src->scan_line > 0 && src->scan_line <= target) {
		i = src->scan_i;
		line = src->scan_line;
		bol = src->scan_bol;
	}
	for (;;) {
		if (line > src->scan_line) {
			src->scan_line = line;
			src->scan_i = i;
			src->scan_bol = bol;
		}
		if (i >= len || line > target)
			break;
		if (isspace((unsigned char)t[i]) || t[i] == '#' ||
		    (t[i] == '/' && i + 1 < len &&
		    (t[i + 1] == '/' || t[i + 1] == '*'))) {
			j = plan_skip_space(t, len, i, &line, &bol);
			if (j == i)
				j++;
			i = j;
		} else if (t[i] == '"') {
			for (i++; i < len && t[i] != '"'; i++) {
				if (t[i] == '\\' && i + 1 < len)
					i++;
				if (t[i] == '\n') {
					line++;
					bol = i + 1;
				}
			}
			i++;
		} else if (isalpha((unsigned char)t[i]) || t[i] == '*') {
			for (j = i; j < len && (isalnum((unsigned char)t[j]) ||
			    t[j] == '_' || t[j] == '-' || t[j] == '*'); j++)
				;
			if (line == target && j - i == nlen &&
			    memcmp(t + i, name, nlen) == 0 &&
			    plan_decode(t, len, j, line, bol, want, pos) == 0)
				return;
			i = j;
		} else
			i++;
	}
	pos->line = target;
	pos->col = 1;
}

void
plan_pos_next(const struct plan_pos *pos, const char *text, int from,
    int off, int *line, int *col)
{
	size_t	lo = 0, hi = pos->nanchors, mid;
	int	l = *line, c = *col, i;

	/* The last anchor at or before OFF (binary search), when it is
	 * past FROM, restarts the mapping. */
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (pos->anchors[mid].off <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && pos->anchors[lo - 1].off >= from) {
		from = pos->anchors[lo - 1].off;
		l = pos->anchors[lo - 1].line;
		c = pos->anchors[lo - 1].col;
	}
	for (i = from; i < off && text[i] != '\0'; i++) {
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else
			c++;
	}
	*line = l;
	*col = c;
}

void
plan_pos_at(const struct plan_pos *pos, const char *text, int off,
    int *line, int *col)
{
	*line = pos->line;
	*col = pos->col;
	plan_pos_next(pos, text, 0, off, line, col);
}

static char	*plan_key_path(const char *, const char *);
static void	 plan_pos_free(struct plan_pos *);

/*
 * A query of the plan that must only read (verify, throttle_sql, checklist
 * sql; see sql_check_query), at POS: 0, or -1 with a plan error naming
 * the line and the key.  Bellows runs these in READ ONLY transactions too,
 * but a plan that asks for a write is wrong before it reaches a server.
 */
static int
plan_query_only(struct plan_ctx *ctx, const struct plan_pos *pos,
    const char *path, const char *key, const char *text)
{
	char	*cause, *kp;
	int	 off, line, col;

	if (sql_check_query(text, &cause, &off) == 0)
		return (0);
	plan_pos_at(pos, text, off, &line, &col);
	kp = plan_key_path(path, key);
	plan_error_at(ctx, pos->file, line, "%s: %s", kp, cause);
	free(kp);
	free(cause);
	return (-1);
}

/* ---------------------------------------------------------------- values */

static const char *
plan_type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return ("a group");
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return ("an integer");
	case CONFIG_TYPE_FLOAT:
		return ("a float");
	case CONFIG_TYPE_STRING:
		return ("a string");
	case CONFIG_TYPE_BOOL:
		return ("a boolean");
	case CONFIG_TYPE_ARRAY:
		return ("an array");
	case CONFIG_TYPE_LIST:
		return ("a list");
	}
	return ("nothing");
}

/*
 * util_suggest() counts two swapped letters ("nmae") as two edits, which
 * is too many for a short key; that typo is common enough to catch here.
 */
static const char *
plan_suggest(const char *word, const char *const *cands)
{
	const char	*hint;
	size_t		 n, i, diff, first;

	if ((hint = util_suggest(word, cands)) != NULL)
		return (hint);
	n = strlen(word);
	for (; *cands != NULL; cands++) {
		if (strlen(*cands) != n)
			continue;
		diff = 0;
		first = 0;
		for (i = 0; i < n; i++) {
			if (word[i] != (*cands)[i] && diff++ == 0)
				first = i;
		}
		if (diff == 2 && first + 1 < n &&
		    word[first] == (*cands)[first + 1] &&
		    word[first + 1] == (*cands)[first])
			return (*cands);
	}
	return (NULL);
}

struct plan_named {
	const char	*name;
	size_t		 i;
};

static int
plan_named_cmp(const void *a0, const void *b0)
{
	const struct plan_named	*a = a0, *b = b0;
	int			 c = strcmp(a->name, b->name);

	return (c != 0 ? c : (a->i < b->i ? -1 : a->i > b->i));
}

/*
 * For each of the N elements of SIZE bytes at BASE, whose name (a char *,
 * NULL: unnamed) is at byte NAME_OFF, the index of the first with the
 * same name: itself unless it repeats an earlier one.  By sorting, so a
 * plan of many steps costs n log n, not n squared.  Caller frees.
 */
static size_t *
plan_first_names(const void *base, size_t n, size_t size, size_t name_off)
{
	struct plan_named	*v;
	const char		*name;
	size_t			*first, i, k = 0;

	first = xreallocarray(NULL, n > 0 ? n : 1, sizeof *first);
	v = xreallocarray(NULL, n > 0 ? n : 1, sizeof *v);
	for (i = 0; i < n; i++) {
		first[i] = i;
		name = *(char *const *)((const char *)base + i * size +
		    name_off);
		if (name != NULL)
			v[k++] = (struct plan_named){ name, i };
	}
	qsort(v, k, sizeof *v, plan_named_cmp);
	for (i = 1; i < k; i++) {
		if (strcmp(v[i].name, v[i - 1].name) == 0)
			first[v[i].i] = first[v[i - 1].i];
	}
	free(v);
	return (first);
}

static char *
plan_key_path(const char *prefix, const char *key)
{
	if (*prefix == '\0')
		return (xstrdup(key));
	return (xasprintf("%s.%s", prefix, key));
}

/* Report members of GROUP not in KEYS, with the closest key as a hint. */
static void
plan_check_known(struct plan_ctx *ctx, const config_setting_t *group,
    const char *path, const char *const *keys)
{
	const config_setting_t	*m;
	const char		*name, *hint;
	struct buf		 list;
	int			 i, n, k;

	n = config_setting_length(group);
	for (i = 0; i < n; i++) {
		m = config_setting_get_elem(group, (unsigned int)i);
		name = config_setting_name(m);
		for (k = 0; keys[k] != NULL; k++) {
			if (strcmp(keys[k], name) == 0)
				break;
		}
		if (keys[k] != NULL)
			continue;
		if ((hint = plan_suggest(name, keys)) != NULL) {
			plan_error(ctx, m, path,
			    "unknown key '%s'; did you mean '%s'?", name, hint);
			continue;
		}
		buf_init(&list);
		for (k = 0; keys[k] != NULL; k++)
			buf_printf(&list, "%s%s", k == 0 ? "" : ", ", keys[k]);
		plan_error(ctx, m, path, "unknown key '%s' (known keys: %s)",
		    name, list.data);
		buf_free(&list);
	}
}

#define PLAN_REQUIRED	0x1
#define PLAN_NONEMPTY	0x2

/*
 * The typed getters return 1 when KEY is in GROUP and valid, 0 when it is
 * absent (an error too with PLAN_REQUIRED) and -1 when it is invalid; *SP
 * gets the setting when present.  PATH is GROUP's own key path.
 */
static int
plan_member(struct plan_ctx *ctx, const config_setting_t *group,
    const char *path, const char *key, int flags, config_setting_t **sp)
{
	*sp = config_setting_get_member(group, key);
	if (*sp != NULL)
		return (1);
	if (flags & PLAN_REQUIRED)
		plan_error(ctx, group, path, "missing required key '%s'", key);
	return (0);
}

/* A value with bytes that are not UTF-8 (written as \x escapes: the file
 * itself was checked before libconfig read it). */
static int
plan_utf8_bad(const char *v)
{
	size_t	n = strlen(v);

	return (util_text_invalid(v, n) != n);
}

static int
plan_get_string(struct plan_ctx *ctx, const config_setting_t *group,
    const char *path, const char *key, int flags, const char **out,
    config_setting_t **sp)
{
	config_setting_t	*s;
	char			*kp;
	int			 r;

	*out = NULL;
	if ((r = plan_member(ctx, group, path, key, flags, &s)) != 1) {
		if (sp != NULL)
			*sp = NULL;
		return (r);
	}
	if (sp != NULL)
		*sp = s;
	kp = plan_key_path(path, key);
	r = -1;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		plan_error(ctx, s, kp, "expected a string, got %s",
		    plan_type_name(s));
	} else if ((flags & PLAN_NONEMPTY) &&
	    *config_setting_get_string(s) == '\0')
		plan_error(ctx, s, kp, "must not be empty");
	else if (plan_utf8_bad(config_setting_get_string(s)))
		plan_error(ctx, s, kp, "invalid UTF-8 (an escape such as "
		    "\\xff makes a byte that is not text)");
	else {
		*out = config_setting_get_string(s);
		r = 1;
	}
	free(kp);
	return (r);
}

static int
plan_get_long(struct plan_ctx *ctx, const config_setting_t *group,
    const char *path, const char *key, long min, long *out)
{
	config_setting_t	*s;
	long long		 v;
	char			*kp;
	int			 r;

	if ((r = plan_member(ctx, group, path, key, 0, &s)) != 1)
		return (r);
	kp = plan_key_path(path, key);
	r = -1;
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		plan_error(ctx, s, kp, "expected an integer, got %s",
		    plan_type_name(s));
	} else if ((v = config_setting_get_int64(s)) < min) {
		if (min == 1)
			plan_error(ctx, s, kp, "must be positive, got %lld", v);
		else if (min == 0) {
			plan_error(ctx, s, kp, "must not be negative, got %lld",
			    v);
		} else {
			plan_error(ctx, s, kp, "must be at least %ld, got %lld",
			    min, v);
		}
	} else if (v > INT_MAX)
		plan_error(ctx, s, kp, "%lld is too large", v);
	else {
		*out = (long)v;
		r = 1;
	}
	free(kp);
	return (r);
}

/*
 * A duration: a string with a unit, or, with ALLOW_INT, also a bare integer
 * taken as milliseconds (for keys whose PostgreSQL-style name ends in _ms or
 * that bellows.conf has always taken in milliseconds).
 */
static int
plan_get_duration(struct plan_ctx *ctx, const config_setting_t *group,
    const char *path, const char *key, int allow_int, long min, long *out)
{
	config_setting_t	*s;
	long long		 v;
	long			 ms = 0;
	char			*kp, *why;
	int			 r;

	if ((r = plan_member(ctx, group, path, key, 0, &s)) != 1)
		return (r);
	kp = plan_key_path(path, key);
	r = -1;
	if (allow_int && (config_setting_type(s) == CONFIG_TYPE_INT ||
	    config_setting_type(s) == CONFIG_TYPE_INT64)) {
		v = config_setting_get_int64(s);
		if (v < 0 || v > LONG_MAX / 2) {
			plan_error(ctx, s, kp, "%lld is out of range "
			    "(milliseconds)", v);
		} else {
			ms = (long)v;
			r = 1;
		}
	} else if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		plan_error(ctx, s, kp, "expected a duration such as \"2s\"%s, "
		    "got %s", allow_int ? " or milliseconds" : "",
		    plan_type_name(s));
	} else if (plan_parse_duration(config_setting_get_string(s), &ms,
	    &why) != 0) {
		plan_error(ctx, s, kp, "%s", why);
		free(why);
	} else
		r = 1;
	if (r == 1 && ms < min) {
		plan_error(ctx, s, kp, "must be greater than zero");
		r = -1;
	}
	if (r == 1)
		*out = ms;
	free(kp);
	return (r);
}

static int
plan_get_bool(struct plan_ctx *ctx, const config_setting_t *group,
    const char *path, const char *key, int *out)
{
	config_setting_t	*s;
	char			*kp;
	int			 r;

	if ((r = plan_member(ctx, group, path, key, 0, &s)) != 1)
		return (r);
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		kp = plan_key_path(path, key);
		plan_error(ctx, s, kp, "expected true or false, got %s",
		    plan_type_name(s));
		free(kp);
		return (-1);
	}
	*out = config_setting_get_bool(s);
	return (1);
}

/* Check that S is a list of groups (a lone group counts as a list of one
 * when LONE is set); returns its length, or -1 after reporting. */
static int
plan_list_of_groups(struct plan_ctx *ctx, const config_setting_t *s,
    const char *path, int lone)
{
	if (lone && config_setting_type(s) == CONFIG_TYPE_GROUP)
		return (1);
	if (config_setting_type(s) != CONFIG_TYPE_LIST) {
		plan_error(ctx, s, path, "expected a list ( { ... }, ... ), "
		    "got %s", plan_type_name(s));
		return (-1);
	}
	return (config_setting_length(s));
}

static const config_setting_t *
plan_list_elem(const config_setting_t *s, int i)
{
	if (config_setting_type(s) == CONFIG_TYPE_GROUP)
		return (s);
	return (config_setting_get_elem(s, (unsigned int)i));
}

static int
plan_is_group(struct plan_ctx *ctx, const config_setting_t *s,
    const char *path)
{
	if (config_setting_type(s) == CONFIG_TYPE_GROUP)
		return (1);
	plan_error(ctx, s, path, "expected a group { ... }, got %s",
	    plan_type_name(s));
	return (0);
}

/* ---------------------------------------------------------------- durations */

int
plan_parse_duration(const char *s, long *ms, char **cause)
{
	static const struct {
		const char	*unit;
		long		 ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "min", 60000 },
		{ "h", 3600000 }, { "d", 86400000 }
	};
	static const char *const names[] = { "ms", "s", "min", "h", "d", NULL };
	const char	*p = s, *unit, *hint;
	long double	 v = 0, scale = 1, total;
	int		 digits = 0, frac = 0;
	size_t		 i;

	while (isdigit((unsigned char)*p) || (*p == '.' && !frac)) {
		if (*p == '.')
			frac = 1;
		else {
			digits++;
			if (frac)
				v += (*p - '0') * (scale /= 10);
			else
				v = v * 10 + (*p - '0');
		}
		p++;
	}
	if (digits == 0) {
		*cause = xasprintf("invalid duration \"%s\": expected a number "
		    "and a unit, such as \"250ms\", \"2s\", \"5min\" or \"1h\"",
		    s);
		return (-1);
	}
	if (*p == ' ' || *p == '\t') {
		*cause = xasprintf("invalid duration \"%s\": no space allowed "
		    "between the number and the unit", s);
		return (-1);
	}
	unit = p;
	if (*unit == '\0') {
		/* A bare 0 is unambiguous; any other number is not. */
		if (v == 0) {
			*ms = 0;
			return (0);
		}
		*cause = xasprintf("invalid duration \"%s\": missing unit "
		    "(ms, s, min, h or d)", s);
		return (-1);
	}
	for (i = 0; i < nitems(units); i++) {
		if (strcmp(unit, units[i].unit) == 0)
			break;
	}
	if (i == nitems(units)) {
		if ((hint = plan_suggest(unit, names)) != NULL) {
			*cause = xasprintf("invalid duration \"%s\": unknown "
			    "unit '%s'; did you mean '%s'?", s, unit, hint);
		} else {
			*cause = xasprintf("invalid duration \"%s\": unknown "
			    "unit '%s' (ms, s, min, h or d)", s, unit);
		}
		return (-1);
	}
	total = v * units[i].ms;
	if (total > (long double)(LONG_MAX / 2)) {
		*cause = xasprintf("invalid duration \"%s\": too large", s);
		return (-1);
	}
	if (total != (long double)(long)total) {
		*cause = xasprintf("invalid duration \"%s\": not a whole number "
		    "of milliseconds", s);
		return (-1);
	}
	*ms = (long)total;
	return (0);
}

/* ---------------------------------------------------------------- checklist */

static void
plan_check_free(struct plan_check *c)
{
	free(c->id);
	free(c->text);
	free(c->sql);
	free(c->file);
}

static void
plan_checklist_item(struct plan_ctx *ctx, const config_setting_t *g,
    const char *path)
{
	struct plan_check	 c;
	config_setting_t	*s_id, *s_auto, *s_max, *s_sql;
	struct plan_pos		 pos;
	const char		*id, *text, *kind, *sql, *hint;
	const char		*names[nitems(plan_check_autos) + 1];
	char			*kp;
	long			 max = 0;
	int			 bad = 0, has_max = 0, r;
	size_t			 i;

	plan_check_known(ctx, g, path, plan_check_keys);
	memset(&c, 0, sizeof c);
	if (plan_get_string(ctx, g, path, "id", PLAN_REQUIRED|PLAN_NONEMPTY,
	    &id, &s_id) != 1)
		bad = 1;
	if (plan_get_string(ctx, g, path, "text", PLAN_REQUIRED|PLAN_NONEMPTY,
	    &text, NULL) != 1)
		bad = 1;
	if ((r = plan_get_string(ctx, g, path, "sql", PLAN_NONEMPTY, &sql,
	    &s_sql)) < 0)
		bad = 1;
	if ((r = plan_get_duration(ctx, g, path, "max", 0, 0, &max)) < 0)
		bad = 1;
	s_max = config_setting_get_member(g, "max");

	c.kind = PLAN_CHECK_MANUAL;
	if (sql != NULL)
		c.kind = PLAN_CHECK_SQL;
	if ((r = plan_get_string(ctx, g, path, "auto", PLAN_NONEMPTY, &kind,
	    &s_auto)) < 0)
		bad = 1;
	else if (r == 1) {
		for (i = 0; i < nitems(plan_check_autos); i++) {
			names[i] = plan_check_autos[i].name;
			if (strcmp(kind, names[i]) == 0)
				break;
		}
		kp = plan_key_path(path, "auto");
		if (i == nitems(plan_check_autos)) {
			for (i = 0; i < nitems(plan_check_autos); i++)
				names[i] = plan_check_autos[i].name;
			names[i] = NULL;
			if ((hint = plan_suggest(kind, names)) != NULL) {
				plan_error(ctx, s_auto, kp, "unknown kind '%s';"
				    " did you mean '%s'?", kind, hint);
			} else {
				plan_error(ctx, s_auto, kp, "unknown kind '%s'"
				    " (long_transactions, replication_lag, "
				    "idle_in_transaction, invalid_indexes, "
				    "lint_clean or sql)", kind);
			}
			bad = 1;
		} else {
			c.kind = plan_check_autos[i].kind;
			has_max = plan_check_autos[i].has_max;
			if (c.kind == PLAN_CHECK_SQL && s_sql == NULL) {
				plan_error(ctx, g, path, "missing required "
				    "key 'sql' (auto = \"sql\")");
				bad = 1;
			}
			if (c.kind != PLAN_CHECK_SQL && s_sql != NULL) {
				free(kp);
				kp = plan_key_path(path, "sql");
				plan_error(ctx, s_sql, kp, "only used with "
				    "auto = \"sql\", not \"%s\"", kind);
				bad = 1;
			}
		}
		free(kp);
	}
	if (s_max != NULL && !has_max && !bad) {
		kp = plan_key_path(path, "max");
		plan_error(ctx, s_max, kp, "only used with auto = "
		    "\"long_transactions\", \"replication_lag\" or "
		    "\"idle_in_transaction\"");
		free(kp);
		bad = 1;
	}
	if (c.kind == PLAN_CHECK_SQL && sql != NULL) {
		memset(&pos, 0, sizeof pos);
		plan_locate(ctx, s_sql, &pos);
		if (plan_query_only(ctx, &pos, path, "sql", sql) != 0)
			bad = 1;
		plan_pos_free(&pos);
	}
	if (bad)
		return;

	c.id = xstrdup(id);
	c.text = xstrdup(text);
	c.max_ms = max;
	c.sql = sql != NULL ? xstrdup(sql) : NULL;
	c.file = xstrdup(plan_file(ctx, g));
	c.line = (int)config_setting_source_line(g);

	/* Template items come first; an item with the id of one from an
	 * earlier source replaces it in place, the same id twice in one
	 * source is a mistake. */
	for (i = 0; i < ctx->nchecks; i++) {
		if (strcmp(ctx->checks[i].id, c.id) != 0)
			continue;
		if (ctx->origins[i] == ctx->origin) {
			kp = plan_key_path(path, "id");
			plan_error(ctx, s_id, kp, "duplicate checklist id '%s' "
			    "(first at line %d)", c.id, ctx->checks[i].line);
			free(kp);
			plan_check_free(&c);
			return;
		}
		plan_check_free(&ctx->checks[i]);
		ctx->checks[i] = c;
		ctx->origins[i] = ctx->origin;
		return;
	}
	ctx->checks = xreallocarray(ctx->checks, ctx->nchecks + 1,
	    sizeof *ctx->checks);
	ctx->origins = xreallocarray(ctx->origins, ctx->nchecks + 1,
	    sizeof *ctx->origins);
	ctx->checks[ctx->nchecks] = c;
	ctx->origins[ctx->nchecks] = ctx->origin;
	ctx->nchecks++;
}

static void
plan_checklist(struct plan_ctx *ctx, const config_setting_t *s)
{
	const config_setting_t	*g;
	char			*path;
	int			 i, n;

	if ((n = plan_list_of_groups(ctx, s, "checklist", 0)) < 0)
		return;
	for (i = 0; i < n; i++) {
		g = plan_list_elem(s, i);
		path = xasprintf("checklist[%d]", i);
		if (plan_is_group(ctx, g, path))
			plan_checklist_item(ctx, g, path);
		free(path);
	}
}

/* Suggest a template name from the .conf files in DIR. */
static const char *
plan_template_hint(const char *dir, const char *name, char *out, size_t len)
{
	DIR		*d;
	struct dirent	*de;
	const char	*cand[2] = { NULL, NULL }, *best = NULL;
	size_t		 n, bestd = SIZE_MAX, dist;

	if ((d = opendir(dir)) == NULL)
		return (NULL);
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n <= 5 || strcmp(de->d_name + n - 5, ".conf") != 0)
			continue;
		de->d_name[n - 5] = '\0';
		cand[0] = de->d_name;
		if (util_suggest(name, cand) == NULL)
			continue;
		dist = util_edit_distance(name, de->d_name);
		if (dist < bestd && n - 5 < len) {
			bestd = dist;
			memcpy(out, de->d_name, n - 4);
			best = out;
		}
	}
	closedir(d);
	return (best);
}

/*
 * include = "default" names a template in the share directory
 * ($BELLOWS_SHARE, else PKGDATADIR)/checklists/default.conf; a value with
 * a slash or ending in .conf is a path, relative to the plan's directory.
 */
static void
plan_include(struct plan_ctx *ctx, const config_setting_t *s,
    const char *path, const char *dir)
{
	const char	*v, *saved_path, *saved_dir, *hint;
	char		*share;
	char		*file, *tdir, *cdir = NULL, hbuf[256];
	size_t		 n;
	config_t	 cfg;
	config_setting_t *root, *list;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		plan_error(ctx, s, path, "expected a string, got %s",
		    plan_type_name(s));
		return;
	}
	v = config_setting_get_string(s);
	n = strlen(v);
	if (n == 0) {
		plan_error(ctx, s, path, "must not be empty");
		return;
	}
	if (strchr(v, '/') != NULL || (n > 5 && strcmp(v + n - 5, ".conf") == 0)) {
		if (*v == '/' || strcmp(dir, ".") == 0)
			file = xstrdup(v);
		else
			file = xasprintf("%s/%s", dir, v);
	} else {
		share = xasprintf("checklists/%s.conf", v);
		file = util_share_file(share);
		free(share);
		cdir = xstrndup(file, (size_t)(strrchr(file, '/') - file));
	}

	if (access(file, R_OK) != 0) {
		if (cdir != NULL && errno == ENOENT &&
		    (hint = plan_template_hint(cdir, v, hbuf,
		    sizeof hbuf)) != NULL) {
			plan_error(ctx, s, path, "no checklist template '%s' "
			    "in %s; did you mean '%s'?", v, cdir, hint);
		} else if (cdir != NULL && errno == ENOENT) {
			plan_error(ctx, s, path, "no checklist template '%s' "
			    "(looked for %s)", v, file);
		} else
			plan_error(ctx, s, path, "%s: %s", file, strerror(errno));
		free(cdir);
		free(file);
		return;
	}
	free(cdir);

	saved_path = ctx->cfg_path;
	saved_dir = ctx->cfg_dir;
	tdir = plan_dirname(file);
	ctx->cfg_path = file;
	ctx->cfg_dir = tdir;
	if (plan_cfg_read(ctx, &cfg, file, tdir) == 0) {
		root = config_root_setting(&cfg);
		plan_check_known(ctx, root, "", plan_template_keys);
		if ((list = config_setting_get_member(root, "checklist")) != NULL)
			plan_checklist(ctx, list);
		else
			plan_error(ctx, root, "", "missing required key "
			    "'checklist'");
	}
	config_destroy(&cfg);
	ctx->cfg_path = saved_path;
	ctx->cfg_dir = saved_dir;
	free(tdir);
	free(file);
}

/* ---------------------------------------------------------------- phases */

static void
plan_step(struct plan_ctx *ctx, const config_setting_t *g, const char *path,
    struct plan_step *st, int n)
{
	config_setting_t	*s;
	const char		*v;

	plan_check_known(ctx, g, path, plan_step_keys);
	st->line = (int)config_setting_source_line(g);
	if (plan_get_string(ctx, g, path, "name", PLAN_NONEMPTY, &v, NULL) == 1)
		st->name = xstrdup(v);
	else
		st->name = xasprintf("step %d", n + 1);
	if (plan_get_string(ctx, g, path, "sql", PLAN_REQUIRED|PLAN_NONEMPTY,
	    &v, &s) == 1) {
		st->sql = xstrdup(v);
		plan_locate(ctx, s, &st->sql_pos);
	}
	if (plan_get_string(ctx, g, path, "rollback", PLAN_NONEMPTY, &v,
	    &s) == 1) {
		st->rollback = xstrdup(v);
		plan_locate(ctx, s, &st->rollback_pos);
	}
}

static void
plan_steps(struct plan_ctx *ctx, const config_setting_t *s, const char *path,
    struct plan_phase *ph)
{
	const config_setting_t	*g, *gj;
	char			*ep, *kp;
	size_t			*first;
	int			 i, j, n;

	if ((n = plan_list_of_groups(ctx, s, path, 0)) < 0)
		return;
	if (n == 0) {
		plan_error(ctx, s, path, "a steps phase needs at least one "
		    "step");
		return;
	}
	ph->steps = xcalloc((size_t)n, sizeof *ph->steps);
	ph->nsteps = (size_t)n;
	for (i = 0; i < n; i++) {
		g = plan_list_elem(s, i);
		ep = xasprintf("%s[%d]", path, i);
		if (plan_is_group(ctx, g, ep))
			plan_step(ctx, g, ep, &ph->steps[i], i);
		free(ep);
	}
	first = plan_first_names(ph->steps, (size_t)n, sizeof *ph->steps,
	    offsetof(struct plan_step, name));
	for (i = 0; i < n; i++) {
		if (first[i] == (size_t)i)
			continue;
		j = (int)first[i];
		g = plan_list_elem(s, i);
		ep = xasprintf("%s[%d]", path, i);
		gj = config_setting_get_member(g, "name");
		kp = plan_key_path(ep, "name");
		plan_error(ctx, gj != NULL ? gj : g, gj != NULL ? kp : ep,
		    "duplicate step name '%s' in phase '%s' (first at "
		    "line %d)", ph->steps[i].name,
		    ph->name != NULL ? ph->name : "?", ph->steps[j].line);
		free(kp);
		free(ep);
	}
	free(first);
}

static void
plan_backfill(struct plan_ctx *ctx, const config_setting_t *g,
    const char *path, struct plan_backfill *bf, const struct plan_defaults *d)
{
	config_setting_t	*s;
	const char		*v;
	char			*kp;
	int			 has_batch;

	bf->line = (int)config_setting_source_line(g);
	bf->batch_rows = d->batch_rows > 0 ? d->batch_rows : PLAN_BATCH_ROWS;
	bf->min_rows = PLAN_MIN_ROWS;
	bf->max_rows = PLAN_MAX_ROWS;
	bf->target_batch_ms = d->target_batch_ms > 0 ? d->target_batch_ms :
	    PLAN_TARGET_BATCH_MS;
	bf->pause_ms = PLAN_PAUSE_MS;
	bf->max_replica_lag_ms = d->max_replica_lag_ms > 0 ?
	    d->max_replica_lag_ms : PLAN_MAX_REPLICA_LAG_MS;
	bf->max_blocked_ms = d->max_blocked_ms > 0 ? d->max_blocked_ms :
	    PLAN_MAX_BLOCKED_MS;
	if (!plan_is_group(ctx, g, path))
		return;

	plan_check_known(ctx, g, path, plan_backfill_keys);
	if (plan_get_string(ctx, g, path, "table", PLAN_REQUIRED|PLAN_NONEMPTY,
	    &v, NULL) == 1)
		bf->table = xstrdup(v);
	if (plan_get_string(ctx, g, path, "key", PLAN_REQUIRED|PLAN_NONEMPTY,
	    &v, NULL) == 1)
		bf->key = xstrdup(v);
	if (plan_get_string(ctx, g, path, "set", PLAN_REQUIRED|PLAN_NONEMPTY,
	    &v, &s) == 1) {
		bf->set = xstrdup(v);
		plan_locate(ctx, s, &bf->set_pos);
	}
	if (plan_get_string(ctx, g, path, "from", PLAN_NONEMPTY, &v,
	    &s) == 1) {
		bf->from = xstrdup(v);
		plan_locate(ctx, s, &bf->from_pos);
	}
	if (plan_get_string(ctx, g, path, "where", PLAN_NONEMPTY, &v, &s) == 1) {
		bf->where = xstrdup(v);
		plan_locate(ctx, s, &bf->where_pos);
	}
	if (plan_get_string(ctx, g, path, "throttle_sql", PLAN_NONEMPTY, &v,
	    &s) == 1) {
		bf->throttle_sql = xstrdup(v);
		plan_locate(ctx, s, &bf->throttle_pos);
		plan_query_only(ctx, &bf->throttle_pos, path, "throttle_sql", v);
	}

	plan_get_long(ctx, g, path, "min_rows", 1, &bf->min_rows);
	plan_get_long(ctx, g, path, "max_rows", 1, &bf->max_rows);
	has_batch = plan_get_long(ctx, g, path, "batch_rows", 1,
	    &bf->batch_rows) == 1;
	plan_get_long(ctx, g, path, "target_batch_ms", 1, &bf->target_batch_ms);
	plan_get_long(ctx, g, path, "pause_ms", 0, &bf->pause_ms);
	plan_get_duration(ctx, g, path, "max_replica_lag", 1, 0,
	    &bf->max_replica_lag_ms);
	plan_get_duration(ctx, g, path, "max_blocked_ms", 1, 0,
	    &bf->max_blocked_ms);

	if (bf->min_rows > bf->max_rows) {
		s = config_setting_get_member(g, "min_rows");
		if (s == NULL)
			s = config_setting_get_member(g, "max_rows");
		kp = plan_key_path(path, config_setting_name(s));
		plan_error(ctx, s, kp, "min_rows (%ld) is above max_rows (%ld)",
		    bf->min_rows, bf->max_rows);
		free(kp);
		return;
	}
	/* A batch size inherited from bellows.conf is pulled into this
	 * backfill's bounds; one written in the plan must fit them. */
	if (!has_batch) {
		if (bf->batch_rows < bf->min_rows)
			bf->batch_rows = bf->min_rows;
		if (bf->batch_rows > bf->max_rows)
			bf->batch_rows = bf->max_rows;
	} else if (bf->batch_rows < bf->min_rows ||
	    bf->batch_rows > bf->max_rows) {
		s = config_setting_get_member(g, "batch_rows");
		kp = plan_key_path(path, "batch_rows");
		plan_error(ctx, s, kp, "%ld is outside min_rows..max_rows "
		    "(%ld..%ld)", bf->batch_rows, bf->min_rows, bf->max_rows);
		free(kp);
	}
}

static void
plan_verify_item(struct plan_ctx *ctx, const config_setting_t *g,
    const char *path, struct plan_verify *vf)
{
	config_setting_t	*s;
	const char		*v;
	char			*kp;

	plan_check_known(ctx, g, path, plan_verify_keys);
	vf->line = (int)config_setting_source_line(g);
	if (plan_get_string(ctx, g, path, "sql", PLAN_REQUIRED|PLAN_NONEMPTY,
	    &v, &s) == 1) {
		vf->sql = xstrdup(v);
		plan_locate(ctx, s, &vf->sql_pos);
		plan_query_only(ctx, &vf->sql_pos, path, "sql", v);
	}
	if (plan_member(ctx, g, path, "expect", PLAN_REQUIRED, &s) != 1)
		return;
	/* Compared as text with what the server returns, so booleans are
	 * spelt the way PostgreSQL prints them. */
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_STRING:
		vf->expect = xstrdup(config_setting_get_string(s));
		break;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		vf->expect = xasprintf("%lld", config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_BOOL:
		vf->expect = xstrdup(config_setting_get_bool(s) ? "t" : "f");
		break;
	default:
		kp = plan_key_path(path, "expect");
		plan_error(ctx, s, kp, "expected a string or an integer, got %s",
		    plan_type_name(s));
		free(kp);
		break;
	}
}

static void
plan_verifies(struct plan_ctx *ctx, const config_setting_t *s,
    const char *path, struct plan_phase *ph)
{
	const config_setting_t	*g;
	char			*ep;
	int			 i, n;

	if ((n = plan_list_of_groups(ctx, s, path, 1)) < 0)
		return;
	if (n == 0) {
		plan_error(ctx, s, path, "a verify phase needs at least one "
		    "query");
		return;
	}
	ph->verify = xcalloc((size_t)n, sizeof *ph->verify);
	ph->nverify = (size_t)n;
	for (i = 0; i < n; i++) {
		g = plan_list_elem(s, i);
		if (config_setting_type(s) == CONFIG_TYPE_GROUP)
			ep = xstrdup(path);
		else
			ep = xasprintf("%s[%d]", path, i);
		if (plan_is_group(ctx, g, ep))
			plan_verify_item(ctx, g, ep, &ph->verify[i]);
		free(ep);
	}
}

static void
plan_phase(struct plan_ctx *ctx, const config_setting_t *g, const char *path,
    struct plan_phase *ph, const struct plan_defaults *d)
{
	config_setting_t	*s, *first = NULL;
	const char		*v;
	char			*kp;
	int			 k, destructive = 0;

	plan_check_known(ctx, g, path, plan_phase_keys);
	ph->line = (int)config_setting_source_line(g);
	if (plan_get_string(ctx, g, path, "name", PLAN_REQUIRED|PLAN_NONEMPTY,
	    &v, NULL) == 1)
		ph->name = xstrdup(v);
	if (plan_get_bool(ctx, g, path, "destructive", &destructive) == 1 &&
	    destructive)
		ph->destructive = 1;
	if (ph->name != NULL && strcmp(ph->name, "contract") == 0)
		ph->destructive = 1;

	for (k = 0; plan_phase_kinds[k] != NULL; k++) {
		if ((s = config_setting_get_member(g,
		    plan_phase_kinds[k])) == NULL)
			continue;
		kp = plan_key_path(path, plan_phase_kinds[k]);
		if (first == NULL) {
			first = s;
			ph->kind = (enum plan_phase_kind)k;
		} else {
			plan_error(ctx, s, path, "a phase holds exactly one of "
			    "steps, gate, backfill, verify; found '%s' and '%s'",
			    config_setting_name(first), plan_phase_kinds[k]);
		}
		switch ((enum plan_phase_kind)k) {
		case PLAN_PHASE_STEPS:
			plan_steps(ctx, s, kp, ph);
			break;
		case PLAN_PHASE_GATE:
			if (plan_get_string(ctx, g, path, "gate", PLAN_NONEMPTY,
			    &v, NULL) == 1)
				ph->gate = xstrdup(v);
			break;
		case PLAN_PHASE_BACKFILL:
			plan_backfill(ctx, s, kp, &ph->backfill, d);
			break;
		case PLAN_PHASE_VERIFY:
			plan_verifies(ctx, s, kp, ph);
			break;
		}
		free(kp);
	}
	if (first == NULL) {
		plan_error(ctx, g, path, "phase %s%s%sneeds one of steps, gate, "
		    "backfill or verify", ph->name != NULL ? "'" : "",
		    ph->name != NULL ? ph->name : "", ph->name != NULL ? "' " :
		    "");
	}
}

static void
plan_phases(struct plan_ctx *ctx, struct plan *p, const config_setting_t *s,
    const struct plan_defaults *d)
{
	const config_setting_t	*g, *sn;
	char			*path, *kp;
	size_t			*first;
	int			 i, j, n;

	if ((n = plan_list_of_groups(ctx, s, "phases", 0)) < 0)
		return;
	if (n == 0) {
		plan_error(ctx, s, "phases", "a plan needs at least one phase");
		return;
	}
	p->phases = xcalloc((size_t)n, sizeof *p->phases);
	p->nphases = (size_t)n;
	for (i = 0; i < n; i++) {
		g = plan_list_elem(s, i);
		path = xasprintf("phases[%d]", i);
		if (plan_is_group(ctx, g, path))
			plan_phase(ctx, g, path, &p->phases[i], d);
		free(path);
	}
	first = plan_first_names(p->phases, (size_t)n, sizeof *p->phases,
	    offsetof(struct plan_phase, name));
	for (i = 0; i < n; i++) {
		if (first[i] == (size_t)i)
			continue;
		j = (int)first[i];
		g = plan_list_elem(s, i);
		path = xasprintf("phases[%d]", i);
		sn = config_setting_get_member(g, "name");
		kp = plan_key_path(path, "name");
		plan_error(ctx, sn, kp, "duplicate phase name '%s' (first at "
		    "line %d)", p->phases[i].name, p->phases[j].line);
		free(kp);
		free(path);
	}
	free(first);
}

static void
plan_signoffs(struct plan_ctx *ctx, struct plan *p, const config_setting_t *s)
{
	const config_setting_t	 *e;
	const char		 *v, *hint, **names;
	char			 *path;
	size_t			  k;
	int			  i, n;

	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST) {
		plan_error(ctx, s, "require_second_signoff", "expected an array "
		    "of phase names, got %s", plan_type_name(s));
		return;
	}
	names = xcalloc(p->nphases + 1, sizeof *names);
	for (k = 0; k < p->nphases; k++)
		names[k] = p->phases[k].name != NULL ? p->phases[k].name : "";
	n = config_setting_length(s);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned int)i);
		path = xasprintf("require_second_signoff[%d]", i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			plan_error(ctx, e, path, "expected a phase name, got %s",
			    plan_type_name(e));
			free(path);
			continue;
		}
		v = config_setting_get_string(e);
		for (k = 0; k < p->nphases; k++) {
			if (strcmp(names[k], v) == 0)
				break;
		}
		if (k < p->nphases)
			p->phases[k].second_signoff = 1;
		else if (p->nphases == 0)
			; /* phases is missing or broken: reported already */
		else if ((hint = plan_suggest(v, names)) != NULL) {
			plan_error(ctx, e, path, "unknown phase '%s'; did you "
			    "mean '%s'?", v, hint);
		} else
			plan_error(ctx, e, path, "unknown phase '%s'", v);
		free(path);
	}
	free(names);
}

/* ---------------------------------------------------------------- plan */

static void
plan_top(struct plan_ctx *ctx, struct plan *p, const config_setting_t *root,
    const struct plan_defaults *d, const char *dir)
{
	config_setting_t	*s;
	const char		*v;
	char			*path;
	long			 l;
	int			 i, n;

	plan_check_known(ctx, root, "", plan_top_keys);

	if (plan_get_string(ctx, root, "", "name", PLAN_REQUIRED|PLAN_NONEMPTY,
	    &v, &s) == 1) {
		if (strlen(v) > PLAN_NAME_MAX) {
			plan_error(ctx, s, "name", "too long (%zu bytes; at most"
			    " %d, so that application_name 'bellows:<name>' "
			    "fits in 63 bytes)", strlen(v), PLAN_NAME_MAX);
		}
		for (i = 0; v[i] != '\0'; i++) {
			if (iscntrl((unsigned char)v[i])) {
				plan_error(ctx, s, "name", "must not contain "
				    "control characters");
				break;
			}
		}
		p->name = xstrdup(v);
	}
	if (plan_get_string(ctx, root, "", "description", 0, &v, NULL) == 1)
		p->description = xstrdup(v);

	p->lock_timeout_ms = d->lock_timeout_ms > 0 ? d->lock_timeout_ms :
	    PLAN_LOCK_TIMEOUT_MS;
	plan_get_duration(ctx, root, "", "lock_timeout", 0, 1,
	    &p->lock_timeout_ms);
	p->retries = d->retries > 0 ? d->retries : PLAN_RETRIES;
	if (plan_get_long(ctx, root, "", "retries", 0, &l) == 1)
		p->retries = (int)l;
	p->statement_timeout_ms = d->statement_timeout_ms;
	plan_get_duration(ctx, root, "", "statement_timeout", 0, 0,
	    &p->statement_timeout_ms);

	/* Templates first, so that the plan's own items override them. */
	if ((s = config_setting_get_member(root, "include")) != NULL) {
		if (config_setting_type(s) == CONFIG_TYPE_ARRAY ||
		    config_setting_type(s) == CONFIG_TYPE_LIST) {
			n = config_setting_length(s);
			for (i = 0; i < n; i++) {
				path = xasprintf("include[%d]", i);
				ctx->origin = i + 1;
				plan_include(ctx, config_setting_get_elem(s,
				    (unsigned int)i), path, dir);
				free(path);
			}
		} else {
			ctx->origin = 1;
			plan_include(ctx, s, "include", dir);
		}
		ctx->origin = 0;
	}
	if ((s = config_setting_get_member(root, "checklist")) != NULL)
		plan_checklist(ctx, s);

	if ((s = config_setting_get_member(root, "phases")) != NULL)
		plan_phases(ctx, p, s, d);
	else
		plan_error(ctx, root, "", "missing required key 'phases'");

	if ((s = config_setting_get_member(root, "require_second_signoff")) !=
	    NULL)
		plan_signoffs(ctx, p, s);
}

struct plan *
plan_load(const char *path, const struct plan_defaults *d, char **cause)
{
	static const struct plan_defaults none;
	struct plan_ctx	 ctx;
	struct plan	*p;
	config_t	 cfg;
	char		*text, *dir;
	size_t		 len;

	if (d == NULL)
		d = &none;
	if ((text = util_read_file(path, &len, cause)) == NULL)
		return (NULL);
	p = xcalloc(1, sizeof *p);
	p->file = xstrdup(path);
	plan_sha256_hex(text, len, p->sha256);

	memset(&ctx, 0, sizeof ctx);
	dir = plan_dirname(path);
	ctx.cfg_path = path;
	ctx.cfg_dir = dir;
	plan_intern(&ctx, path);
	/* The bytes just hashed are the bytes scanned for positions. */
	ctx.srcs = xcalloc(1, sizeof *ctx.srcs);
	ctx.srcs[0].path = xstrdup(path);
	ctx.srcs[0].text = text;
	ctx.srcs[0].len = len;
	ctx.nsrcs = 1;

	if (plan_cfg_read(&ctx, &cfg, path, dir) == 0)
		plan_top(&ctx, p, config_root_setting(&cfg), d, dir);
	config_destroy(&cfg);
	free(dir);

	p->checklist = ctx.checks;
	p->nchecklist = ctx.nchecks;
	ctx.checks = NULL;
	p->files = ctx.files;
	p->nfiles = ctx.nfiles;
	ctx.files = NULL;
	ctx.nfiles = 0;

	if ((*cause = plan_errors(&ctx)) != NULL) {
		plan_ctx_free(&ctx);
		plan_free(p);
		return (NULL);
	}
	plan_ctx_free(&ctx);
	return (p);
}

static void
plan_pos_free(struct plan_pos *pos)
{
	free((void *)(uintptr_t)pos->anchors);
}

void
plan_free(struct plan *p)
{
	struct plan_phase	*ph;
	size_t			 i, j;

	if (p == NULL)
		return;
	for (i = 0; i < p->nphases; i++) {
		ph = &p->phases[i];
		free(ph->name);
		for (j = 0; j < ph->nsteps; j++) {
			free(ph->steps[j].name);
			free(ph->steps[j].sql);
			free(ph->steps[j].rollback);
			plan_pos_free(&ph->steps[j].sql_pos);
			plan_pos_free(&ph->steps[j].rollback_pos);
		}
		free(ph->steps);
		free(ph->gate);
		free(ph->backfill.table);
		free(ph->backfill.key);
		free(ph->backfill.set);
		free(ph->backfill.from);
		free(ph->backfill.where);
		free(ph->backfill.throttle_sql);
		plan_pos_free(&ph->backfill.set_pos);
		plan_pos_free(&ph->backfill.where_pos);
		plan_pos_free(&ph->backfill.from_pos);
		plan_pos_free(&ph->backfill.throttle_pos);
		for (j = 0; j < ph->nverify; j++) {
			free(ph->verify[j].sql);
			free(ph->verify[j].expect);
			plan_pos_free(&ph->verify[j].sql_pos);
		}
		free(ph->verify);
	}
	free(p->phases);
	for (i = 0; i < p->nchecklist; i++)
		plan_check_free(&p->checklist[i]);
	free(p->checklist);
	for (i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	free(p->file);
	free(p->name);
	free(p->description);
	free(p);
}

/* ---------------------------------------------------------------- defaults */

int
plan_defaults_read(struct plan_defaults *d, const char *path, char **cause)
{
	struct plan_ctx		 ctx;
	config_t		 cfg;
	config_setting_t	*root;
	char			*dir;
	long			 l;

	*cause = NULL;
	if (access(path, F_OK) != 0 && (errno == ENOENT || errno == ENOTDIR))
		return (0);
	memset(&ctx, 0, sizeof ctx);
	dir = plan_dirname(path);
	ctx.cfg_path = path;
	ctx.cfg_dir = dir;
	if (plan_cfg_read(&ctx, &cfg, path, dir) == 0) {
		root = config_root_setting(&cfg);
		plan_check_known(&ctx, root, "", plan_defaults_keys);
		plan_get_duration(&ctx, root, "", "lock_timeout", 0, 1,
		    &d->lock_timeout_ms);
		if (plan_get_long(&ctx, root, "", "retries", 0, &l) == 1)
			d->retries = (int)l;
		plan_get_duration(&ctx, root, "", "statement_timeout", 0, 0,
		    &d->statement_timeout_ms);
		plan_get_long(&ctx, root, "", "target_batch_ms", 1,
		    &d->target_batch_ms);
		plan_get_long(&ctx, root, "", "batch_rows", 1, &d->batch_rows);
		plan_get_duration(&ctx, root, "", "max_replica_lag", 1, 0,
		    &d->max_replica_lag_ms);
		plan_get_duration(&ctx, root, "", "max_blocked_ms", 1, 0,
		    &d->max_blocked_ms);
		plan_get_duration(&ctx, root, "", "refresh_sessions", 0, 1,
		    &d->refresh_sessions_ms);
		plan_get_duration(&ctx, root, "", "refresh_locks", 0, 1,
		    &d->refresh_locks_ms);
	}
	config_destroy(&cfg);
	free(dir);
	*cause = plan_errors(&ctx);
	plan_ctx_free(&ctx);
	return (*cause != NULL ? -1 : 0);
}

int
plan_defaults_load(struct plan_defaults *d, char **cause)
{
	const char	*env, *home;
	char		*user = NULL;
	int		 r;

	memset(d, 0, sizeof *d);
	if (plan_defaults_read(d, SYSCONFDIR "/bellows/bellows.conf",
	    cause) != 0)
		return (-1);

	/* BELLOWS_CONFIG replaces the user file, so that tests and scripts
	 * can pin the defaults without touching $HOME. */
	if ((env = getenv("BELLOWS_CONFIG")) != NULL && *env != '\0')
		user = xstrdup(env);
	else if ((env = getenv("XDG_CONFIG_HOME")) != NULL && *env == '/')
		user = xasprintf("%s/bellows/bellows.conf", env);
	else if ((home = getenv("HOME")) != NULL && *home != '\0')
		user = xasprintf("%s/.config/bellows/bellows.conf", home);
	if (user == NULL)
		return (0);
	r = plan_defaults_read(d, user, cause);
	free(user);
	return (r);
}
