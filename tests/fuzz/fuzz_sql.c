/*
 * Fuzz the SQL splitter (src/sql.c): any text through sql_parse(), then
 * every accessor a caller uses on the statements and comments it returns.
 * The input is the text up to its first NUL byte, as a C string.  Checks
 * what sql.h promises: spans inside the text and in order, positions that
 * sql_linecol() agrees with.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lint.h"
#include "sql.h"
#include "util.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sql_script	*s;
	const struct sql_stmt	*st;
	const struct sql_comment *c;
	char			*text, *t;
	size_t			 i;
	int			 line, col;

	text = xstrndup((const char *)data, size);
	s = sql_parse(text);
	for (i = 0; i < s->nstmts; i++) {
		st = &s->stmts[i];
		FUZZ_CHECK(st->off >= 0 && st->len >= 0);
		FUZZ_CHECK(st->off + st->len <= st->end);
		FUZZ_CHECK((size_t)st->end <= s->size);
		FUZZ_CHECK(i == 0 || st->error != NULL || st->off >= st[-1].end);
		sql_linecol(s, st->off, &line, &col);
		FUZZ_CHECK(line == st->line && col == st->col);
		t = sql_stmt_text(s, st);
		FUZZ_CHECK(strlen(t) == (size_t)st->len);
		free(t);
		(void)sql_stmt_tag(st);
		sql_linecol(s, st->end, &line, &col);
		if (st->error != NULL) {
			FUZZ_CHECK(st->error_off >= st->off);
			FUZZ_CHECK((size_t)st->error_off <= s->size);
			sql_linecol(s, st->error_off, &line, &col);
			FUZZ_CHECK(line == st->error_line &&
			    col == st->error_col);
			continue;
		}
		FUZZ_CHECK(st->node != NULL);
		(void)sql_needs_autocommit(st);
		(void)sql_transaction_kind(st);
		free(lint_lock_summary(st));
	}
	FUZZ_CHECK(s->nerrors <= s->nstmts);
	for (i = 0; i < s->ncomments; i++) {
		c = &s->comments[i];
		FUZZ_CHECK(c->off >= 0 && c->len >= 2);
		FUZZ_CHECK((size_t)c->off + (size_t)c->len <= s->size);
		FUZZ_CHECK(i == 0 || c->off >= c[-1].off + c[-1].len);
		sql_linecol(s, c->off, &line, &col);
		FUZZ_CHECK(line == c->line && col == c->col);
	}
	sql_linecol(s, (int)s->size, &line, &col);
	sql_free(s);
	free(text);
	return (0);
}
