/*
 * sql: split and parse SQL text with libpg_query's protobuf tree.
 *
 * The parser works on a "masked" copy of the text in which psql
 * meta-commands and COPY FROM stdin data are replaced by blanks (newlines
 * kept): libpg_query only knows SQL, and a pg_dump file is more than that.
 * Everything else (offsets, comments, trees) refers to byte positions that
 * are the same in the masked copy and the original.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pg_query.h>
#include <protobuf-c/protobuf-c.h>
#include <pg_query/pg_query.pb-c.h>

#include "sql.h"
#include "util.h"

/* libpg_query set up its memory context (pg_query_exit() crashes on a
 * thread that never parsed). */
static int	sql_used;

/* Where sql_linecol last stopped (a cache the script owns: answering
 * does not change what the script is). */
struct sql_linememo {
	size_t	line;		/* SIZE_MAX: none yet */
	int	off;
	int	col;
};

struct sql_builder {
	struct sql_script	*s;
	const char		*masked;
	int			*semis;		/* top-level ';' offsets */
	size_t			 nsemis;
	size_t			 semicap;
	size_t			 stmtcap;
	size_t			 treecap;
	size_t			 commentcap;
};

static int
sql_identchar(unsigned char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '$' || c >= 0x80);
}

static int
sql_identstart(unsigned char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    c == '_' || c >= 0x80);
}

static void
sql_add_comment(struct sql_builder *b, int off, int len, int block)
{
	struct sql_script	*s = b->s;
	struct sql_comment	*c;

	if (s->ncomments == b->commentcap) {
		b->commentcap = b->commentcap == 0 ? 16 : b->commentcap * 2;
		s->comments = xreallocarray(s->comments, b->commentcap,
		    sizeof *s->comments);
	}
	c = &s->comments[s->ncomments++];
	c->off = off;
	c->len = len;
	c->block = block;
	sql_linecol(s, off, &c->line, &c->col);
}

/* End of a block comment starting at I (at the slash); comments nest. */
static size_t
sql_skip_block_comment(const char *t, size_t n, size_t i)
{
	int	depth = 0;

	while (i < n) {
		if (t[i] == '/' && i + 1 < n && t[i + 1] == '*') {
			depth++;
			i += 2;
		} else if (t[i] == '*' && i + 1 < n && t[i + 1] == '/') {
			i += 2;
			if (--depth == 0)
				return (i);
		} else
			i++;
	}
	return (n);
}

static size_t
sql_skip_line(const char *t, size_t n, size_t i)
{
	while (i < n && t[i] != '\n')
		i++;
	return (i);
}

/* Past blanks and comments from I. */
static size_t
sql_skip_blank(const char *t, size_t n, size_t i)
{
	for (;;) {
		while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' ||
		    t[i] == '\r' || t[i] == '\f' || t[i] == '\v'))
			i++;
		if (i + 1 < n && t[i] == '-' && t[i + 1] == '-')
			i = sql_skip_line(t, n, i);
		else if (i + 1 < n && t[i] == '/' && t[i + 1] == '*')
			i = sql_skip_block_comment(t, n, i);
		else
			return (i);
	}
}

static void
sql_blank(char *m, size_t from, size_t to)
{
	for (; from < to; from++) {
		if (m[from] != '\n')
			m[from] = ' ';
	}
}

/*
 * Produce the masked copy of T and, as by-products, the offsets of the
 * top-level semicolons (the fallback split when the text does not parse as
 * a whole) and the comments (used only when libpg_query's scanner cannot
 * scan the text).  This is a lexer
 * for the few things that decide where SQL is: quotes, comments, dollar
 * quotes, statement ends.  It never decides what the SQL means.
 */
static char *
sql_mask(struct sql_builder *b, const char *t, size_t n, int want_comments)
{
	char	*m;
	size_t	 i, j, k, taglen;
	int	 nwords = 0, is_copy = 0, prev_from = 0, copy_stdin = 0;
	int	 depth = 0, estring;

	m = xmalloc(n + 1);
	memcpy(m, t, n + 1);
	i = 0;
	/* A UTF-8 byte order mark, as some editors write at the start. */
	if (n >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0) {
		sql_blank(m, 0, 3);
		i = 3;
	}
	while (i < n) {
		unsigned char c = t[i];

		if (c == '-' && i + 1 < n && t[i + 1] == '-') {
			j = sql_skip_line(t, n, i);
			if (want_comments)
				sql_add_comment(b, i, j - i, 0);
			i = j;
		} else if (c == '/' && i + 1 < n && t[i + 1] == '*') {
			j = sql_skip_block_comment(t, n, i);
			if (want_comments)
				sql_add_comment(b, i, j - i, 1);
			i = j;
		} else if (c == '\'') {
			/* E'..' (a lone E just before the quote) takes
			 * backslash escapes; plain strings do not
			 * (standard_conforming_strings). */
			estring = i > 0 && (t[i - 1] == 'e' || t[i - 1] == 'E') &&
			    (i < 2 || !sql_identchar(t[i - 2]));
			for (i++; i < n; i++) {
				if (estring && t[i] == '\\' && i + 1 < n)
					i++;
				else if (t[i] == '\'') {
					if (i + 1 < n && t[i + 1] == '\'')
						i++;
					else
						break;
				}
			}
			i++;
		} else if (c == '"') {
			for (i++; i < n; i++) {
				if (t[i] == '"') {
					if (i + 1 < n && t[i + 1] == '"')
						i++;
					else
						break;
				}
			}
			i++;
		} else if (c == '$') {
			/* $tag$ or $$ opens a dollar quote; $1 is a
			 * parameter. */
			j = i + 1;
			if (j < n && sql_identstart(t[j])) {
				while (j < n && sql_identchar(t[j]) && t[j] != '$')
					j++;
			}
			if (j < n && t[j] == '$') {
				taglen = j + 1 - i;
				for (k = j + 1; k + taglen <= n; k++) {
					if (t[k] == '$' &&
					    memcmp(t + k, t + i, taglen) == 0)
						break;
				}
				i = (k + taglen <= n) ? k + taglen : n;
			} else
				i = j;
		} else if (c == '\\') {
			/* A psql meta-command runs to the end of the line. */
			j = sql_skip_line(t, n, i);
			sql_blank(m, i, j);
			i = j;
		} else if (c == ';' && depth > 0) {
			/* CREATE RULE .. (a; b): one statement. */
			i++;
		} else if (c == ';') {
			if (!want_comments) {
				if (b->nsemis == b->semicap) {
					b->semicap = b->semicap == 0 ? 64 :
					    b->semicap * 2;
					b->semis = xreallocarray(b->semis,
					    b->semicap, sizeof *b->semis);
				}
				b->semis[b->nsemis++] = (int)i;
			}
			i++;
			if (copy_stdin) {
				/* The rows start on the next line and end at
				 * a line holding only "\.". */
				j = sql_skip_line(t, n, i);
				k = j < n ? j + 1 : n;
				while (k < n) {
					j = sql_skip_line(t, n, k);
					if ((j - k == 2 || (j - k == 3 &&
					    t[k + 2] == '\r')) &&
					    t[k] == '\\' && t[k + 1] == '.') {
						k = j;
						break;
					}
					k = j < n ? j + 1 : n;
				}
				j = sql_skip_line(t, n, i);
				sql_blank(m, j, k);
				i = k;
			}
			nwords = is_copy = prev_from = copy_stdin = depth = 0;
		} else if (sql_identstart(c) || (c >= '0' && c <= '9')) {
			j = i;
			while (j < n && sql_identchar(t[j]))
				j++;
			if (nwords == 0)
				is_copy = (j - i == 4 && strncasecmp(t + i,
				    "copy", 4) == 0);
			else if (is_copy && depth == 0 && prev_from &&
			    j - i == 5 && strncasecmp(t + i, "stdin", 5) == 0)
				copy_stdin = 1;
			prev_from = (j - i == 4 && strncasecmp(t + i, "from",
			    4) == 0);
			nwords++;
			i = j;
		} else {
			if (c == '(')
				depth++;
			else if (c == ')' && depth > 0)
				depth--;
			i++;
		}
	}
	return (m);
}

/* Byte offset of the 1-based character position POS in T (libpg_query's
 * cursorpos counts characters). */
static int
sql_char_to_byte(const char *t, size_t n, int pos)
{
	size_t	i;
	int	chars = 0;

	if (pos <= 0)
		return (0);
	for (i = 0; i < n; i++) {
		if (((unsigned char)t[i] & 0xc0) != 0x80) {
			if (++chars == pos)
				return ((int)i);
		}
	}
	return ((int)n);
}

void
sql_linecol(const struct sql_script *s, int off, int *line, int *col)
{
	size_t	lo = 0, hi = s->nlines, mid;
	int	i, c = 1;

	if (off < 0)
		off = 0;
	if ((size_t)off > s->size)
		off = (int)s->size;
	/* Last line start <= off. */
	while (hi - lo > 1) {
		mid = (lo + hi) / 2;
		if (s->lines[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	i = s->lines[lo];
	if (i == 0 && off >= 3 && s->size >= 3 &&
	    memcmp(s->text, "\xef\xbb\xbf", 3) == 0)
		i = 3;		/* a byte order mark is not a column */
	/* Go on from the last answer on this line: offsets asked in order
	 * (statements, then findings) cost each byte of a line once, not
	 * once per statement on it. */
	if (s->memo->line == lo && s->memo->off >= i && s->memo->off <= off) {
		i = s->memo->off;
		c = s->memo->col;
	}
	for (; i < off; i++) {
		if (((unsigned char)s->text[i] & 0xc0) != 0x80)
			c++;
	}
	s->memo->line = lo;
	s->memo->off = off;
	s->memo->col = c;
	*line = (int)lo + 1;
	*col = c;
}

static void
sql_build_lines(struct sql_script *s)
{
	size_t	i, cap = 64;

	s->memo = xcalloc(1, sizeof *s->memo);
	s->memo->line = SIZE_MAX;
	s->lines = xreallocarray(NULL, cap, sizeof *s->lines);
	s->lines[s->nlines++] = 0;
	for (i = 0; i < s->size; i++) {
		if (s->text[i] != '\n')
			continue;
		if (s->nlines == cap) {
			cap *= 2;
			s->lines = xreallocarray(s->lines, cap, sizeof *s->lines);
		}
		s->lines[s->nlines++] = (int)i + 1;
	}
}

static struct sql_stmt *
sql_new_stmt(struct sql_builder *b)
{
	struct sql_script	*s = b->s;
	struct sql_stmt		*st;

	if (s->nstmts == b->stmtcap) {
		b->stmtcap = b->stmtcap == 0 ? 16 : b->stmtcap * 2;
		s->stmts = xreallocarray(s->stmts, b->stmtcap, sizeof *s->stmts);
	}
	st = &s->stmts[s->nstmts++];
	memset(st, 0, sizeof *st);
	return (st);
}

static void
sql_add_tree(struct sql_builder *b, void *tree)
{
	struct sql_script	*s = b->s;

	if (s->ntrees == b->treecap) {
		b->treecap = b->treecap == 0 ? 4 : b->treecap * 2;
		s->trees = xreallocarray(s->trees, b->treecap, sizeof *s->trees);
	}
	s->trees[s->ntrees++] = tree;
}

/* Fill the span of ST from a statement that starts at LOC and whose text
 * (without ';') ends at END_NOSEMI; LIMIT bounds the piece. */
static void
sql_set_span(struct sql_builder *b, struct sql_stmt *st, size_t loc,
    size_t end_nosemi, size_t limit)
{
	const char	*m = b->masked;
	size_t		 start, e;

	start = sql_skip_blank(m, end_nosemi, loc);
	e = end_nosemi;
	while (e > start && (m[e - 1] == ' ' || m[e - 1] == '\t' ||
	    m[e - 1] == '\n' || m[e - 1] == '\r'))
		e--;
	st->off = (int)start;
	st->len = (int)(e - start);
	st->end = (int)end_nosemi;
	if (end_nosemi < limit && m[end_nosemi] == ';')
		st->end++;
	sql_linecol(b->s, st->off, &st->line, &st->col);
}

/* Parse the piece [BASE, BASE+N) of the masked text.  Returns 0, or -1
 * with *msg and *erroff (absolute byte offset) on a syntax error. */
static int
sql_parse_piece(struct sql_builder *b, size_t base, size_t n, char **msg,
    int *erroff)
{
	PgQueryProtobufParseResult	 r;
	PgQuery__ParseResult		*tree;
	PgQuery__RawStmt		*raw;
	struct sql_stmt			*st;
	char				*piece;
	size_t				 i, loc, end;

	piece = xstrndup(b->masked + base, n);
	sql_used = 1;
	r = pg_query_parse_protobuf(piece);
	if (r.error != NULL) {
		*msg = xstrdup(r.error->message);
		*erroff = (int)base + sql_char_to_byte(piece, n,
		    r.error->cursorpos);
		pg_query_free_protobuf_parse_result(r);
		free(piece);
		return (-1);
	}
	tree = pg_query__parse_result__unpack(NULL, r.parse_tree.len,
	    (const uint8_t *)r.parse_tree.data);
	pg_query_free_protobuf_parse_result(r);
	free(piece);
	if (tree == NULL)
		util_fatal("cannot unpack a libpg_query parse tree");
	sql_add_tree(b, tree);
	for (i = 0; i < tree->n_stmts; i++) {
		raw = tree->stmts[i];
		loc = (size_t)raw->stmt_location;
		end = raw->stmt_len == 0 ? n : loc + (size_t)raw->stmt_len;
		st = sql_new_stmt(b);
		st->node = raw->stmt;
		sql_set_span(b, st, base + loc, base + end, base + n);
	}
	return (0);
}

static void
sql_add_error(struct sql_builder *b, size_t base, size_t n, char *msg,
    int erroff)
{
	struct sql_stmt	*st;

	st = sql_new_stmt(b);
	sql_set_span(b, st, base, base + n, base + n);
	st->error = msg;
	if (erroff < st->off)
		erroff = st->off;
	st->error_off = erroff;
	sql_linecol(b->s, erroff, &st->error_line, &st->error_col);
	b->s->nerrors++;
}

static void
sql_scan_comments(struct sql_builder *b)
{
	PgQueryScanResult	 r;
	PgQuery__ScanResult	*scan;
	PgQuery__ScanToken	*tok;
	size_t			 i;

	sql_used = 1;
	r = pg_query_scan(b->masked);
	if (r.error != NULL) {
		pg_query_free_scan_result(r);
		free(sql_mask(b, b->s->text, b->s->size, 1));
		return;
	}
	scan = pg_query__scan_result__unpack(NULL, r.pbuf.len,
	    (const uint8_t *)r.pbuf.data);
	pg_query_free_scan_result(r);
	if (scan == NULL)
		util_fatal("cannot unpack a libpg_query scan result");
	for (i = 0; i < scan->n_tokens; i++) {
		tok = scan->tokens[i];
		if (tok->token == PG_QUERY__TOKEN__SQL_COMMENT)
			sql_add_comment(b, tok->start, tok->end - tok->start, 0);
		else if (tok->token == PG_QUERY__TOKEN__C_COMMENT)
			sql_add_comment(b, tok->start, tok->end - tok->start, 1);
	}
	pg_query__scan_result__free_unpacked(scan, NULL);
}

struct sql_script *
sql_parse(const char *text)
{
	struct sql_builder	 b;
	struct sql_script	*s;
	char			*msg, *msg2;
	int			 erroff, erroff2;
	size_t			 loc, len, end, k;

	s = xcalloc(1, sizeof *s);
	s->size = strlen(text);
	s->text = xstrndup(text, s->size);
	sql_build_lines(s);

	memset(&b, 0, sizeof b);
	b.s = s;
	b.masked = sql_mask(&b, s->text, s->size, 0);

	if (sql_parse_piece(&b, 0, s->size, &msg, &erroff) != 0) {
		/*
		 * Split at the top-level semicolons and parse each statement
		 * alone, so every broken statement is found and the good
		 * ones are still linted.  (pg_query_split_with_scanner drops
		 * pieces it cannot make sense of, so bellows splits itself.)
		 */
		loc = 0;
		for (k = 0; k <= b.nsemis; k++) {
			end = k < b.nsemis ? (size_t)b.semis[k] : s->size;
			len = end - loc;
			if (sql_skip_blank(b.masked, end, loc) < end &&
			    sql_parse_piece(&b, loc, len, &msg2, &erroff2) != 0)
				sql_add_error(&b, loc, len, msg2, erroff2);
			loc = end + 1;
		}
		if (s->nerrors == 0) {
			/* The pieces parse alone but not together: keep
			 * the parser's own error. */
			sql_add_error(&b, 0, s->size, msg, erroff);
		} else
			free(msg);
	}
	sql_scan_comments(&b);
	free((char *)b.masked);
	free(b.semis);
	return (s);
}

void
sql_free(struct sql_script *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nstmts; i++)
		free(s->stmts[i].error);
	for (i = 0; i < s->ntrees; i++)
		pg_query__parse_result__free_unpacked(s->trees[i], NULL);
	free(s->trees);
	free(s->stmts);
	free(s->comments);
	free(s->lines);
	free(s->memo);
	free(s->text);
	free(s);
}

char *
sql_stmt_text(const struct sql_script *s, const struct sql_stmt *st)
{
	return (xstrndup(s->text + st->off, (size_t)st->len));
}

const char *
sql_stmt_tag(const struct sql_stmt *st)
{
	const PgQuery__Node	*n = st->node;

	if (n == NULL)
		return ("?");
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		return ("ALTER TABLE");
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		return ("CREATE INDEX");
	case PG_QUERY__NODE__NODE_DROP_STMT:
		return ("DROP");
	case PG_QUERY__NODE__NODE_REINDEX_STMT:
		return ("REINDEX");
	case PG_QUERY__NODE__NODE_VACUUM_STMT:
		return (n->vacuum_stmt->is_vacuumcmd ? "VACUUM" : "ANALYZE");
	case PG_QUERY__NODE__NODE_CLUSTER_STMT:
		return ("CLUSTER");
	case PG_QUERY__NODE__NODE_LOCK_STMT:
		return ("LOCK TABLE");
	case PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT:
		return ("REFRESH MATERIALIZED VIEW");
	case PG_QUERY__NODE__NODE_TRUNCATE_STMT:
		return ("TRUNCATE");
	case PG_QUERY__NODE__NODE_DELETE_STMT:
		return ("DELETE");
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		return ("UPDATE");
	case PG_QUERY__NODE__NODE_INSERT_STMT:
		return ("INSERT");
	case PG_QUERY__NODE__NODE_SELECT_STMT:
		return ("SELECT");
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		return ("RENAME");
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		return ("CREATE TABLE");
	case PG_QUERY__NODE__NODE_TRANSACTION_STMT:
		return ("transaction control");
	default:
		return ("statement");
	}
}

/* DefElem list holds an option NAME that is on (no argument, or a true
 * boolean/integer argument). */
static int
sql_has_option(PgQuery__Node **opts, size_t n, const char *name)
{
	PgQuery__DefElem	*d;
	PgQuery__Node		*arg;
	size_t			 i;

	for (i = 0; i < n; i++) {
		if (opts[i]->node_case != PG_QUERY__NODE__NODE_DEF_ELEM)
			continue;
		d = opts[i]->def_elem;
		if (strcasecmp(d->defname, name) != 0)
			continue;
		arg = d->arg;
		if (arg == NULL)
			return (1);
		if (arg->node_case == PG_QUERY__NODE__NODE_BOOLEAN)
			return (arg->boolean->boolval);
		if (arg->node_case == PG_QUERY__NODE__NODE_INTEGER)
			return (arg->integer->ival != 0);
		if (arg->node_case == PG_QUERY__NODE__NODE_STRING)
			return (strcasecmp(arg->string->sval, "false") != 0 &&
			    strcasecmp(arg->string->sval, "off") != 0 &&
			    strcmp(arg->string->sval, "0") != 0);
		if (arg->node_case == PG_QUERY__NODE__NODE_A_CONST &&
		    arg->a_const->val_case == PG_QUERY__A__CONST__VAL_BOOLVAL)
			return (arg->a_const->boolval->boolval);
		return (1);
	}
	return (0);
}

int
sql_needs_autocommit(const struct sql_stmt *st)
{
	const PgQuery__Node	*n = st->node;
	PgQuery__AlterTableCmd	*cmd;
	PgQuery__ReindexStmt	*ri;
	size_t			 i;

	if (n == NULL)
		return (0);
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		return (n->index_stmt->concurrent);
	case PG_QUERY__NODE__NODE_DROP_STMT:
		return (n->drop_stmt->concurrent);
	case PG_QUERY__NODE__NODE_REINDEX_STMT:
		ri = n->reindex_stmt;
		if (sql_has_option(ri->params, ri->n_params, "concurrently"))
			return (1);
		return (ri->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_SCHEMA ||
		    ri->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_SYSTEM ||
		    ri->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_DATABASE);
	case PG_QUERY__NODE__NODE_VACUUM_STMT:
		return (n->vacuum_stmt->is_vacuumcmd);
	case PG_QUERY__NODE__NODE_CLUSTER_STMT:
		return (n->cluster_stmt->relation == NULL);
	case PG_QUERY__NODE__NODE_CREATEDB_STMT:
	case PG_QUERY__NODE__NODE_DROPDB_STMT:
	case PG_QUERY__NODE__NODE_CREATE_TABLE_SPACE_STMT:
	case PG_QUERY__NODE__NODE_DROP_TABLE_SPACE_STMT:
	case PG_QUERY__NODE__NODE_ALTER_SYSTEM_STMT:
		return (1);
	case PG_QUERY__NODE__NODE_ALTER_DATABASE_STMT:
		return (sql_has_option(n->alter_database_stmt->options,
		    n->alter_database_stmt->n_options, "tablespace"));
	case PG_QUERY__NODE__NODE_CREATE_SUBSCRIPTION_STMT:
		/* create_slot defaults to true when connecting. */
		return (1);
	case PG_QUERY__NODE__NODE_DROP_SUBSCRIPTION_STMT:
		return (1);
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		for (i = 0; i < n->alter_table_stmt->n_cmds; i++) {
			if (n->alter_table_stmt->cmds[i]->node_case !=
			    PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
				continue;
			cmd = n->alter_table_stmt->cmds[i]->alter_table_cmd;
			if (cmd->subtype ==
			    PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartition &&
			    cmd->def != NULL && cmd->def->node_case ==
			    PG_QUERY__NODE__NODE_PARTITION_CMD &&
			    cmd->def->partition_cmd->concurrent)
				return (1);
		}
		return (0);
	default:
		return (0);
	}
}

enum sql_tx
sql_transaction_kind(const struct sql_stmt *st)
{
	const PgQuery__Node	*n = st->node;

	if (n == NULL || n->node_case != PG_QUERY__NODE__NODE_TRANSACTION_STMT)
		return (SQL_TX_NONE);
	switch (n->transaction_stmt->kind) {
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN:
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START:
		return (SQL_TX_BEGIN);
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT:
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK:
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_PREPARE:
		/* COMMIT AND CHAIN opens the next block at once. */
		if (n->transaction_stmt->chain)
			return (SQL_TX_OTHER);
		return (SQL_TX_END);
	default:
		return (SQL_TX_OTHER);
	}
}

int
sql_is_transaction_control(const struct sql_stmt *st)
{
	return (sql_transaction_kind(st) != SQL_TX_NONE);
}


/* Deeper than the parser's own stack limit lets a tree grow: past it a
 * check refuses rather than guesses. */
#define SQL_CHECK_DEPTH	10000

static int
sql_clamp(int o, int len)
{
	return (o < 0 ? 0 : (o > len ? len : o));
}

/*
 * The tokens a fragment may not hold, scanned in TEXT alone: 0, or -1 with
 * *cause and *off.  (An unterminated quote or comment is left to the
 * parser, which says so.)
 */
static int
sql_fragment_tokens(const char *text, char **cause, int *off)
{
	PgQueryScanResult	 r;
	PgQuery__ScanResult	*scan;
	PgQuery__ScanToken	*tok;
	const char		*why = NULL;
	size_t			 i;

	sql_used = 1;
	r = pg_query_scan(text);
	if (r.error != NULL) {
		pg_query_free_scan_result(r);
		return (0);
	}
	scan = pg_query__scan_result__unpack(NULL, r.pbuf.len,
	    (const uint8_t *)r.pbuf.data);
	pg_query_free_scan_result(r);
	if (scan == NULL)
		util_fatal("cannot unpack a libpg_query scan result");
	for (i = 0; i < scan->n_tokens && why == NULL; i++) {
		tok = scan->tokens[i];
		switch (tok->token) {
		case PG_QUERY__TOKEN__SQL_COMMENT:
		case PG_QUERY__TOKEN__C_COMMENT:
			why = "a comment is not allowed here (it could hide "
			    "what bellows writes after the fragment)";
			break;
		case PG_QUERY__TOKEN__ASCII_59:
			why = "';' is not allowed here (the fragment is part "
			    "of one statement bellows builds)";
			break;
		case PG_QUERY__TOKEN__PARAM:
			why = "$n placeholders are not allowed here ($1 and $2 "
			    "are the batch's key bounds)";
			break;
		default:
			break;
		}
		if (why != NULL)
			*off = tok->start;
	}
	pg_query__scan_result__free_unpacked(scan, NULL);
	if (why == NULL)
		return (0);
	*cause = xstrdup(why);
	return (-1);
}

/* A SELECT with nothing but a FROM list (FROM) or a WHERE (WHERE). */
static int
sql_select_only(const PgQuery__SelectStmt *q, int from, int where)
{
	if ((q->n_from_clause > 0) != from || (q->where_clause != NULL) != where)
		return (0);
	return (q->n_distinct_clause == 0 && q->into_clause == NULL &&
	    q->n_target_list == 0 && q->n_group_clause == 0 &&
	    !q->group_distinct && q->having_clause == NULL &&
	    q->n_window_clause == 0 && q->n_values_lists == 0 &&
	    q->n_sort_clause == 0 && q->limit_offset == NULL &&
	    q->limit_count == NULL && q->n_locking_clause == 0 &&
	    q->with_clause == NULL && q->larg == NULL && q->rarg == NULL &&
	    (q->op == PG_QUERY__SET_OPERATION__SETOP_NONE ||
	    q->op == PG_QUERY__SET_OPERATION__SET_OPERATION_UNDEFINED));
}

/* Whether N, the one statement of a fragment's probe, has the shape. */
static const char *
sql_fragment_shape(enum sql_fragment kind, const PgQuery__Node *n)
{
	const PgQuery__UpdateStmt	*u;

	switch (kind) {
	case SQL_FRAGMENT_SET:
		if (n->node_case != PG_QUERY__NODE__NODE_UPDATE_STMT)
			break;
		u = n->update_stmt;
		if (u->n_target_list > 0 && u->where_clause == NULL &&
		    u->n_from_clause == 0 && u->n_returning_list == 0 &&
		    u->with_clause == NULL)
			return (NULL);
		return ("must be a SET list only (no FROM, WHERE or "
		    "RETURNING: bellows adds those)");
	case SQL_FRAGMENT_FROM:
		if (n->node_case == PG_QUERY__NODE__NODE_SELECT_STMT &&
		    sql_select_only(n->select_stmt, 1, 0))
			return (NULL);
		return ("must be a FROM list only (no WHERE, GROUP BY, ORDER "
		    "BY, LIMIT, UNION...)");
	case SQL_FRAGMENT_WHERE:
		if (n->node_case == PG_QUERY__NODE__NODE_SELECT_STMT &&
		    sql_select_only(n->select_stmt, 0, 1))
			return (NULL);
		return ("must be one condition only (no GROUP BY, ORDER BY, "
		    "LIMIT, UNION...)");
	}
	return ("does not parse as the part of an UPDATE it stands for");
}

/* The first syntax error of S as *cause and an offset into a text that
 * starts PLEN bytes into S's, TLEN long. */
static void
sql_first_error(const struct sql_script *s, int plen, int tlen,
    char **cause, int *off)
{
	size_t	i;

	for (i = 0; s->stmts[i].error == NULL; i++)
		continue;
	*cause = xstrdup(s->stmts[i].error);
	*off = sql_clamp(s->stmts[i].error_off - plen, tlen);
}

int
sql_check_fragment(enum sql_fragment kind, const char *text, char **cause,
    int *off)
{
	static const char *const	 prefix[] = {
		[SQL_FRAGMENT_SET] = "UPDATE bellows_backfill SET ",
		[SQL_FRAGMENT_FROM] = "SELECT FROM ",
		[SQL_FRAGMENT_WHERE] = "SELECT WHERE "
	};
	struct sql_script		*s;
	const char			*why;
	char				*all;
	int				 plen, tlen = (int)strlen(text), rc = 0;

	*cause = NULL;
	*off = 0;
	if (sql_fragment_tokens(text, cause, off) != 0)
		return (-1);
	plen = (int)strlen(prefix[kind]);
	all = xasprintf("%s%s", prefix[kind], text);
	s = sql_parse(all);
	free(all);
	if (s->nerrors > 0) {
		sql_first_error(s, plen, tlen, cause, off);
		rc = -1;
	} else if (s->nstmts != 1) {
		*cause = xstrdup("must be part of a single statement (a ';' "
		    "ends the statement bellows builds around it)");
		if (s->nstmts > 1)
			*off = sql_clamp(s->stmts[0].end - plen - 1, tlen);
		rc = -1;
	} else if ((why = sql_fragment_shape(kind, s->stmts[0].node)) !=
	    NULL) {
		*cause = xstrdup(why);
		rc = -1;
	}
	sql_free(s);
	return (rc);
}

static int
sql_walk_at(const ProtobufCMessage *m, int depth, int maxdepth, int *deep,
    enum sql_walk (*visit)(const ProtobufCMessage *, void *), void *arg)
{
	const ProtobufCMessageDescriptor	*d;
	const ProtobufCFieldDescriptor		*f;
	const void				*member;
	size_t					 i, j, count;

	if (m == NULL)
		return (0);
	if (depth > maxdepth) {
		*deep = 1;
		return (0);
	}
	switch (visit(m, arg)) {
	case SQL_WALK_DESCEND:
		break;
	case SQL_WALK_SKIP:
		return (0);
	case SQL_WALK_STOP:
		return (1);
	}
	d = m->descriptor;
	for (i = 0; i < d->n_fields; i++) {
		f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		/* In a oneof only the set member may be read. */
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(const uint32_t *)((const char *)m + f->quantifier_offset) !=
		    f->id)
			continue;
		member = (const char *)m + f->offset;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			count = *(const size_t *)((const char *)m +
			    f->quantifier_offset);
			for (j = 0; j < count; j++) {
				if (sql_walk_at(
				    (*(ProtobufCMessage *const *const *)member)[j],
				    depth + 1, maxdepth, deep, visit, arg))
					return (1);
			}
		} else if (sql_walk_at(*(ProtobufCMessage *const *)member,
		    depth + 1, maxdepth, deep, visit, arg))
			return (1);
	}
	return (0);
}

int
sql_walk(const ProtobufCMessage *m,
    enum sql_walk (*visit)(const ProtobufCMessage *, void *), void *arg)
{
	int	deep = 0;

	return (sql_walk_at(m, 0, 64, &deep, visit, arg));
}

struct sql_search_arg {
	const char	*(*visit)(const ProtobufCMessage *);
	const char	*found;
};

static enum sql_walk
sql_search_visit(const ProtobufCMessage *m, void *arg)
{
	struct sql_search_arg	*a = arg;

	a->found = a->visit(m);
	return (a->found != NULL ? SQL_WALK_STOP : SQL_WALK_DESCEND);
}

const char *
sql_search(const ProtobufCMessage *m, int maxdepth, const char *too_deep,
    const char *(*visit)(const ProtobufCMessage *))
{
	struct sql_search_arg	a = { visit, NULL };
	int			deep = 0;

	sql_walk_at(m, 0, maxdepth, &deep, sql_search_visit, &a);
	if (a.found != NULL)
		return (a.found);
	return (deep ? too_deep : NULL);
}

int
sql_reserved(const char *name)
{
	PgQueryScanResult	 r;
	PgQuery__ScanResult	*scan;
	PgQuery__ScanToken	*tok;
	const char		*p;
	int			 yes = 0;

	for (p = name; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
			return (0);
	}
	if (p == name)
		return (0);
	sql_used = 1;
	r = pg_query_scan(name);
	if (r.error == NULL && (scan = pg_query__scan_result__unpack(NULL,
	    r.pbuf.len, (const uint8_t *)r.pbuf.data)) != NULL) {
		if (scan->n_tokens == 1) {
			tok = scan->tokens[0];
			yes = tok->start == 0 && tok->end == (int32_t)(p - name) &&
			    (tok->keyword_kind ==
			    PG_QUERY__KEYWORD_KIND__RESERVED_KEYWORD ||
			    tok->keyword_kind ==
			    PG_QUERY__KEYWORD_KIND__TYPE_FUNC_NAME_KEYWORD);
		}
		pg_query__scan_result__free_unpacked(scan, NULL);
	}
	pg_query_free_scan_result(r);
	return (yes);
}

/* The reserved word (lower-cased) spelt at TEXT[START, END), or NULL. */
static char *
sql_reserved_word(const char *text, size_t start, size_t end)
{
	char	*word;
	size_t	 i;

	if (end <= start)
		return (NULL);
	word = xstrndup(text + start, end - start);
	for (i = 0; word[i] != '\0'; i++) {
		if (word[i] >= 'A' && word[i] <= 'Z')
			word[i] = (char)(word[i] - 'A' + 'a');
	}
	if (sql_reserved(word))
		return (word);
	free(word);
	return (NULL);
}

static int
sql_word_char(char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_');
}

char *
sql_reserved_note(const char *text, int off)
{
	size_t	 start, end, len = strlen(text);
	char	*word, *note;

	if (off < 0 || (size_t)off > len)
		return (NULL);
	/* The word the parser stopped at ("ALTER TABLE user ADD"), or the
	 * one before a "." it stopped at, which it took for the keyword
	 * ("user.id": CURRENT_USER, then a "." it did not expect). */
	for (end = (size_t)off; end < len && sql_word_char(text[end]); end++)
		continue;
	if ((word = sql_reserved_word(text, (size_t)off, end)) == NULL &&
	    (size_t)off < len && text[off] == '.') {
		for (end = (size_t)off; end > 0 && (text[end - 1] == ' ' ||
		    text[end - 1] == '\t' || text[end - 1] == '\n'); end--)
			continue;
		for (start = end; start > 0 && sql_word_char(text[start - 1]);
		    start--)
			continue;
		word = sql_reserved_word(text, start, end);
	}
	if (word == NULL)
		return (NULL);
	note = xasprintf("\"%s\" is a reserved word; as a name, write it "
	    "quoted: \"%s\"", word, word);
	free(word);
	return (note);
}

/*
 * Functions whose effect a READ ONLY transaction does not stop: they end
 * other sessions, reload or switch the server, take or release locks,
 * signal, set the session, or reach outside it (dblink, files, slots).
 * Names as in pg_proc; an entry ending in '*' is a prefix.
 */
static const char *const sql_acting_functions[] = {
	"pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf",
	"pg_rotate_logfile", "pg_log_backend_memory_contexts",
	"pg_switch_wal", "pg_create_restore_point", "pg_promote",
	"pg_wal_replay_pause", "pg_wal_replay_resume", "pg_advisory*",
	"pg_try_advisory*", "pg_notify", "set_config", "lo_import",
	"lo_export", "lo_unlink", "dblink*", "pg_file_*", "pg_read_file",
	"pg_read_binary_file", "pg_ls_*", "pg_stat_file", "pg_create_*",
	"pg_drop_*", "pg_replication_*", "pg_stat_reset*",
	"pg_import_system_collations", "pg_copy_*", "pg_logical_emit_message",
	"pg_sequence_last_value", "setval", "nextval"
};

/* The acting function a FuncCall calls (its pg_proc name), or NULL. */
static const char *
sql_acting_function(const ProtobufCMessage *m)
{
	const PgQuery__FuncCall	*fc;
	const PgQuery__Node	*last;
	const char		*name, *e;
	size_t			 i, n;

	if (m->descriptor != &pg_query__func_call__descriptor)
		return (NULL);
	fc = (const PgQuery__FuncCall *)m;
	if (fc->n_funcname == 0)
		return (NULL);
	last = fc->funcname[fc->n_funcname - 1];
	if (last->node_case != PG_QUERY__NODE__NODE_STRING)
		return (NULL);
	name = last->string->sval;
	for (i = 0; i < nitems(sql_acting_functions); i++) {
		e = sql_acting_functions[i];
		n = strlen(e);
		if (e[n - 1] == '*' ? strncmp(name, e, n - 1) == 0 :
		    strcmp(name, e) == 0)
			return (e);
	}
	return (NULL);
}

/* A part of a query that writes, locks or acts: what it is (an acting
 * function's name, from sql_acting_functions). */
static const char *
sql_visit_writes(const ProtobufCMessage *m)
{
	const PgQuery__SelectStmt	*q;
	const char			*f;

	if ((f = sql_acting_function(m)) != NULL)
		return (f);

	if (m->descriptor == &pg_query__insert_stmt__descriptor ||
	    m->descriptor == &pg_query__update_stmt__descriptor ||
	    m->descriptor == &pg_query__delete_stmt__descriptor ||
	    m->descriptor == &pg_query__merge_stmt__descriptor)
		return ("must only read: it holds a data-modifying statement "
		    "(INSERT, UPDATE, DELETE or MERGE)");
	if (m->descriptor != &pg_query__select_stmt__descriptor)
		return (NULL);
	q = (const PgQuery__SelectStmt *)m;
	if (q->into_clause != NULL)
		return ("must only read: SELECT INTO creates a table");
	if (q->n_locking_clause > 0)
		return ("must only read: FOR UPDATE/SHARE locks rows");
	return (NULL);
}

int
sql_check_query(const char *text, char **cause, int *off)
{
	struct sql_script	*s;
	const struct sql_stmt	*st;
	const char		*why;
	int			 rc = -1, tlen = (int)strlen(text);

	*cause = NULL;
	*off = 0;
	s = sql_parse(text);
	if (s->nerrors > 0)
		sql_first_error(s, 0, tlen, cause, off);
	else if (s->nstmts != 1) {
		*cause = xasprintf("must be exactly one statement (found %zu)",
		    s->nstmts);
		if (s->nstmts > 1)
			*off = s->stmts[1].off;
	} else if ((st = &s->stmts[0])->node->node_case !=
	    PG_QUERY__NODE__NODE_SELECT_STMT) {
		*cause = xasprintf("must be a query that only reads (SELECT, "
		    "VALUES, TABLE or WITH ... SELECT), not %s",
		    sql_stmt_tag(st));
		*off = st->off;
	} else if ((why = sql_search(&st->node->base, SQL_CHECK_DEPTH,
	    "nested too deeply to check", sql_visit_writes)) != NULL) {
		if (strncmp(why, "must", 4) == 0 || strncmp(why, "nested", 6) == 0)
			*cause = xstrdup(why);
		else
			*cause = xasprintf("must only read: it calls %s, which "
			    "acts outside the transaction (READ ONLY does not "
			    "stop it)", why);
		*off = st->off;
	} else
		rc = 0;
	sql_free(s);
	return (rc);
}

void
sql_cleanup(void)
{
	if (sql_used)
		pg_query_exit();
	sql_used = 0;
}
