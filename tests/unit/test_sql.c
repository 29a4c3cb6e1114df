/*
 * Unit tests for sql: statement splitting with exact offsets on tricky SQL,
 * syntax error positions, comments, pg_dump oddities, and the engine's
 * questions (needs autocommit? transaction control?).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sql.h"
#include "util.h"

/* The text of statement I. */
static char *
stmt_text(const struct sql_script *s, size_t i)
{
	return (sql_stmt_text(s, &s->stmts[i]));
}

static void
assert_stmt(const struct sql_script *s, size_t i, const char *want, int line,
    int col)
{
	char	*t;

	assert_true(i < s->nstmts);
	t = stmt_text(s, i);
	assert_string_equal(t, want);
	free(t);
	assert_null(s->stmts[i].error);
	assert_int_equal(s->stmts[i].line, line);
	assert_int_equal(s->stmts[i].col, col);
}

static void
test_sql_splits_simple_statements_with_offsets(void **state)
{
	struct sql_script	*s;

	(void)state;
	s = sql_parse("SELECT 1;\nSELECT 2;\n  SELECT 3");
	assert_int_equal(s->nstmts, 3);
	assert_int_equal(s->nerrors, 0);
	assert_stmt(s, 0, "SELECT 1", 1, 1);
	assert_stmt(s, 1, "SELECT 2", 2, 1);
	assert_stmt(s, 2, "SELECT 3", 3, 3);
	assert_int_equal(s->stmts[0].off, 0);
	assert_int_equal(s->stmts[0].end, 9);	/* past the ';' */
	assert_int_equal(s->stmts[1].off, 10);
	sql_free(s);
}

static void
test_sql_statement_start_skips_leading_comments(void **state)
{
	struct sql_script	*s;

	(void)state;
	s = sql_parse("-- header\n/* block\n comment */\n\n  CREATE TABLE t (a int);");
	assert_int_equal(s->nstmts, 1);
	assert_stmt(s, 0, "CREATE TABLE t (a int)", 5, 3);
	assert_int_equal(s->ncomments, 2);
	assert_int_equal(s->comments[0].line, 1);
	assert_int_equal(s->comments[1].line, 2);
	assert_true(s->comments[1].block);
	sql_free(s);
}

static void
test_sql_tagged_dollar_quotes_keep_semicolons_inside(void **state)
{
	struct sql_script	*s;

	(void)state;
	s = sql_parse("CREATE FUNCTION f() RETURNS int AS $fn$\n"
	    "  SELECT 1; SELECT $$x;$$;\n$fn$ LANGUAGE sql;\n"
	    "DO $$ BEGIN PERFORM 1; END $$;\nSELECT 2;");
	assert_int_equal(s->nerrors, 0);
	assert_int_equal(s->nstmts, 3);
	assert_int_equal(s->stmts[1].line, 4);
	assert_stmt(s, 2, "SELECT 2", 5, 1);
	sql_free(s);
}

static void
test_sql_nested_block_comments_are_one_comment(void **state)
{
	struct sql_script	*s;

	(void)state;
	s = sql_parse("/* outer /* inner; */ still comment; */ SELECT 1; SELECT 2;");
	assert_int_equal(s->nerrors, 0);
	assert_int_equal(s->nstmts, 2);
	assert_stmt(s, 0, "SELECT 1", 1, 41);
	assert_int_equal(s->ncomments, 1);
	assert_int_equal(s->comments[0].len, 39);
	sql_free(s);
}

static void
test_sql_escape_strings_and_semicolons_in_strings(void **state)
{
	struct sql_script	*s;

	(void)state;
	s = sql_parse("SELECT E'\\';'; SELECT 'a;b''c;'; SELECT \"x;y\" FROM t;"
	    " SELECT U&'d\\0061t;a';");
	assert_int_equal(s->nerrors, 0);
	assert_int_equal(s->nstmts, 4);
	assert_stmt(s, 0, "SELECT E'\\';'", 1, 1);
	assert_stmt(s, 1, "SELECT 'a;b''c;'", 1, 16);
	assert_stmt(s, 2, "SELECT \"x;y\" FROM t", 1, 34);
	sql_free(s);
}

static void
test_sql_last_statement_without_semicolon_runs_to_the_end(void **state)
{
	struct sql_script	*s;

	(void)state;
	s = sql_parse("SELECT 1; SELECT 2  \n\n");
	assert_int_equal(s->nstmts, 2);
	assert_stmt(s, 1, "SELECT 2", 1, 11);
	sql_free(s);
}

static void
test_sql_blank_or_comment_only_text_has_no_statement(void **state)
{
	struct sql_script	*s;

	(void)state;
	s = sql_parse("  -- only a comment\n\n");
	assert_int_equal(s->nstmts, 0);
	assert_int_equal(s->nerrors, 0);
	assert_int_equal(s->ncomments, 1);
	sql_free(s);
	s = sql_parse("");
	assert_int_equal(s->nstmts, 0);
	sql_free(s);
}

static void
test_sql_syntax_error_has_line_and_column(void **state)
{
	struct sql_script	*s;

	(void)state;
	s = sql_parse("SELECT 1;\n\n  SELEC 2;\nSELECT 3;");
	assert_int_equal(s->nerrors, 1);
	assert_int_equal(s->nstmts, 3);
	assert_stmt(s, 0, "SELECT 1", 1, 1);
	assert_non_null(s->stmts[1].error);
	assert_null(s->stmts[1].node);
	assert_int_equal(s->stmts[1].error_line, 3);
	assert_int_equal(s->stmts[1].error_col, 3);
	assert_non_null(strstr(s->stmts[1].error, "SELEC"));
	/* The statements after the broken one are still parsed. */
	assert_stmt(s, 2, "SELECT 3", 4, 1);
	sql_free(s);
}

static void
test_sql_syntax_error_column_counts_characters_not_bytes(void **state)
{
	struct sql_script	*s;

	(void)state;
	/* "é" is two bytes; libpg_query's cursor counts characters. */
	s = sql_parse("SELECT 'éé', ) ;");
	assert_int_equal(s->nerrors, 1);
	assert_int_equal(s->stmts[0].error_line, 1);
	assert_int_equal(s->stmts[0].error_col, 14);
	assert_int_equal(s->stmts[0].error_off, 15);
	sql_free(s);
}

static void
test_sql_error_in_the_middle_of_a_line(void **state)
{
	struct sql_script	*s;

	(void)state;
	s = sql_parse("ALTER TABLE orders\n  ADD COLUMN x int NOT NULL DEFALT 0;");
	assert_int_equal(s->nerrors, 1);
	assert_int_equal(s->stmts[0].line, 1);
	assert_int_equal(s->stmts[0].error_line, 2);
	assert_int_equal(s->stmts[0].error_col, 29);
	sql_free(s);
}

static void
test_sql_unterminated_string_is_one_error(void **state)
{
	struct sql_script	*s;

	(void)state;
	s = sql_parse("SELECT 1;\nSELECT 'oops;\nSELECT 2;");
	assert_true(s->nerrors >= 1);
	assert_non_null(s->stmts[s->nstmts - 1].error);
	assert_int_equal(s->stmts[s->nstmts - 1].error_line, 2);
	sql_free(s);
}

static void
test_sql_copy_from_stdin_data_is_not_parsed(void **state)
{
	struct sql_script	*s;

	(void)state;
	s = sql_parse("COPY public.users (id, email) FROM stdin;\n"
	    "1\tit's; not SQL $$\n2\tb@example.com\n\\.\n"
	    "SELECT pg_catalog.setval('s', 2, true);\n");
	assert_int_equal(s->nerrors, 0);
	assert_int_equal(s->nstmts, 2);
	assert_stmt(s, 1, "SELECT pg_catalog.setval('s', 2, true)", 5, 1);
	sql_free(s);
}

static void
test_sql_psql_meta_commands_are_skipped(void **state)
{
	struct sql_script	*s;

	(void)state;
	s = sql_parse("\\restrict k3y\n\\set ON_ERROR_STOP on\nSELECT 1;\n"
	    "\\connect other\nSELECT 2;\n\\unrestrict k3y\n");
	assert_int_equal(s->nerrors, 0);
	assert_int_equal(s->nstmts, 2);
	assert_stmt(s, 0, "SELECT 1", 3, 1);
	assert_stmt(s, 1, "SELECT 2", 5, 1);
	sql_free(s);
}

static void
test_sql_create_rule_with_semicolons_in_parens_is_one_statement(void **state)
{
	struct sql_script	*s;

	(void)state;
	s = sql_parse("CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2);"
	    " SELECT 3;");
	assert_int_equal(s->nerrors, 0);
	assert_int_equal(s->nstmts, 2);
	sql_free(s);
}

static void
test_sql_linecol_maps_offsets(void **state)
{
	struct sql_script	*s;
	int			 line, col;

	(void)state;
	s = sql_parse("a\nbc\n\ndé f");
	sql_linecol(s, 0, &line, &col);
	assert_int_equal(line, 1);
	assert_int_equal(col, 1);
	sql_linecol(s, 3, &line, &col);
	assert_int_equal(line, 2);
	assert_int_equal(col, 2);
	sql_linecol(s, 10, &line, &col);	/* "f" after a 2-byte é */
	assert_int_equal(line, 4);
	assert_int_equal(col, 4);
	sql_free(s);
}

static int
needs_autocommit(const char *sql)
{
	struct sql_script	*s;
	int			 rc;

	s = sql_parse(sql);
	assert_int_equal(s->nstmts, 1);
	assert_int_equal(s->nerrors, 0);
	rc = sql_needs_autocommit(&s->stmts[0]);
	sql_free(s);
	return (rc);
}

static void
test_sql_needs_autocommit_for_statements_refused_in_a_block(void **state)
{
	(void)state;
	assert_true(needs_autocommit("CREATE INDEX CONCURRENTLY i ON t (a)"));
	assert_true(needs_autocommit("CREATE UNIQUE INDEX CONCURRENTLY IF NOT "
	    "EXISTS i ON t (a)"));
	assert_true(needs_autocommit("DROP INDEX CONCURRENTLY IF EXISTS i"));
	assert_true(needs_autocommit("REINDEX INDEX CONCURRENTLY i"));
	assert_true(needs_autocommit("REINDEX (CONCURRENTLY) TABLE t"));
	assert_true(needs_autocommit("REINDEX DATABASE app"));
	assert_true(needs_autocommit("VACUUM t"));
	assert_true(needs_autocommit("VACUUM (ANALYZE) t"));
	assert_true(needs_autocommit("CLUSTER"));
	assert_true(needs_autocommit("CREATE DATABASE x"));
	assert_true(needs_autocommit("DROP DATABASE x"));
	assert_true(needs_autocommit("CREATE TABLESPACE ts LOCATION '/x'"));
	assert_true(needs_autocommit("DROP TABLESPACE ts"));
	assert_true(needs_autocommit("ALTER SYSTEM SET work_mem = '64MB'"));
	assert_true(needs_autocommit("ALTER DATABASE app SET TABLESPACE ts"));
	assert_true(needs_autocommit("ALTER TABLE p DETACH PARTITION c "
	    "CONCURRENTLY"));
}

static void
test_sql_ordinary_statements_run_in_a_transaction(void **state)
{
	(void)state;
	assert_false(needs_autocommit("CREATE INDEX i ON t (a)"));
	assert_false(needs_autocommit("DROP INDEX i"));
	assert_false(needs_autocommit("REINDEX INDEX i"));
	assert_false(needs_autocommit("ANALYZE t"));
	assert_false(needs_autocommit("CLUSTER t USING i"));
	assert_false(needs_autocommit("ALTER TABLE t ADD COLUMN a int"));
	assert_false(needs_autocommit("ALTER TABLE p DETACH PARTITION c"));
	assert_false(needs_autocommit("ALTER TYPE mood ADD VALUE 'meh'"));
	assert_false(needs_autocommit("REFRESH MATERIALIZED VIEW CONCURRENTLY m"));
	assert_false(needs_autocommit("ALTER DATABASE app SET work_mem = '1MB'"));
}

static void
test_sql_transaction_control_is_recognised(void **state)
{
	struct sql_script	*s;

	(void)state;
	s = sql_parse("BEGIN; START TRANSACTION; COMMIT; END; ROLLBACK; ABORT;"
	    " SAVEPOINT a; RELEASE a; ROLLBACK TO a; COMMIT AND CHAIN;"
	    " SELECT 1;");
	assert_int_equal(s->nstmts, 11);
	assert_int_equal(sql_transaction_kind(&s->stmts[0]), SQL_TX_BEGIN);
	assert_int_equal(sql_transaction_kind(&s->stmts[1]), SQL_TX_BEGIN);
	assert_int_equal(sql_transaction_kind(&s->stmts[2]), SQL_TX_END);
	assert_int_equal(sql_transaction_kind(&s->stmts[3]), SQL_TX_END);
	assert_int_equal(sql_transaction_kind(&s->stmts[4]), SQL_TX_END);
	assert_int_equal(sql_transaction_kind(&s->stmts[5]), SQL_TX_END);
	assert_int_equal(sql_transaction_kind(&s->stmts[6]), SQL_TX_OTHER);
	assert_int_equal(sql_transaction_kind(&s->stmts[7]), SQL_TX_OTHER);
	assert_int_equal(sql_transaction_kind(&s->stmts[8]), SQL_TX_OTHER);
	assert_int_equal(sql_transaction_kind(&s->stmts[9]), SQL_TX_OTHER);
	assert_true(sql_is_transaction_control(&s->stmts[6]));
	assert_false(sql_is_transaction_control(&s->stmts[10]));
	assert_int_equal(sql_transaction_kind(&s->stmts[10]), SQL_TX_NONE);
	sql_free(s);
}

static void
test_sql_fragment_check_maps_error_into_the_fragment(void **state)
{
	char	*cause;
	int	 off;

	(void)state;
	assert_int_equal(sql_check_fragment(SQL_FRAGMENT_SET, "a = b.c",
	    &cause, &off), 0);
	assert_null(cause);
	assert_int_equal(sql_check_fragment(SQL_FRAGMENT_SET, "a = = 1",
	    &cause, &off), -1);
	assert_non_null(cause);
	assert_int_equal(off, 4);
	free(cause);
	/* A ';' would smuggle a second statement into bellows' UPDATE. */
	assert_int_equal(sql_check_fragment(SQL_FRAGMENT_WHERE, "true; DROP "
	    "TABLE users", &cause, &off), -1);
	assert_non_null(strstr(cause, "';'"));
	assert_int_equal(off, 4);
	free(cause);
}

/* Fragment, kind, whether it is refused, and a word of the reason. */
static const struct {
	enum sql_fragment	 kind;
	const char		*text;
	int			 refused;
	const char		*why;
} fragments[] = {
	{ SQL_FRAGMENT_SET, "user_email = u.email", 0, NULL },
	{ SQL_FRAGMENT_SET, "a = 1, b = (SELECT max(x) FROM y)", 0, NULL },
	{ SQL_FRAGMENT_FROM, "users u JOIN teams t ON t.id = u.team_id", 0,
	    NULL },
	{ SQL_FRAGMENT_WHERE, "u.id = orders.user_id AND x IS NULL", 0, NULL },
	{ SQL_FRAGMENT_WHERE, "a = 'it''s -- not a comment'", 0, NULL },
	{ SQL_FRAGMENT_WHERE, "u.id = orders.user_id -- comment", 1,
	    "comment" },
	{ SQL_FRAGMENT_WHERE, "true /* c */", 1, "comment" },
	{ SQL_FRAGMENT_SET, "a = b -- $1", 1, "comment" },
	{ SQL_FRAGMENT_SET, "a = $1", 1, "$n" },
	{ SQL_FRAGMENT_SET, "a = 1 WHERE true", 1, "SET list only" },
	{ SQL_FRAGMENT_SET, "a = 1 RETURNING *", 1, "SET list only" },
	{ SQL_FRAGMENT_FROM, "users u; DROP TABLE x", 1, "';'" },
	{ SQL_FRAGMENT_FROM, "users u WHERE false", 1, "FROM list only" },
	{ SQL_FRAGMENT_FROM, "users u ORDER BY 1", 1, "FROM list only" },
	{ SQL_FRAGMENT_WHERE, "true) OR (true", 1, "syntax" },
	{ SQL_FRAGMENT_WHERE, "true UNION SELECT", 1, "condition only" },
	{ SQL_FRAGMENT_WHERE, "true GROUP BY 1", 1, "condition only" },
	{ SQL_FRAGMENT_WHERE, "x = 'unterminated", 1, "unterminated" },
};

static void
test_sql_fragments_cannot_escape_their_place(void **state)
{
	char	*cause;
	size_t	 i;
	int	 off, rc;

	(void)state;
	for (i = 0; i < sizeof fragments / sizeof fragments[0]; i++) {
		rc = sql_check_fragment(fragments[i].kind, fragments[i].text,
		    &cause, &off);
		if (rc != -fragments[i].refused)
			fail_msg("%s: %d (%s)", fragments[i].text, rc,
			    cause != NULL ? cause : "no cause");
		if (fragments[i].refused && strstr(cause,
		    fragments[i].why) == NULL)
			fail_msg("%s: %s", fragments[i].text, cause);
		assert_true(off >= 0 &&
		    (size_t)off <= strlen(fragments[i].text));
		free(cause);
	}
}

static void
test_sql_query_check_refuses_what_writes(void **state)
{
	static const struct {
		const char	*sql;
		const char	*why;	/* NULL: accepted */
	} q[] = {
		{ "SELECT count(*) FROM orders WHERE x IS NULL", NULL },
		{ "VALUES (1)", NULL },
		{ "TABLE orders", NULL },
		{ "WITH a AS (SELECT 1) SELECT * FROM a", NULL },
		{ "SELECT 1; CREATE TABLE x (a int)", "exactly one" },
		{ "INSERT INTO t VALUES (1)", "not INSERT" },
		{ "SELECT 1 INTO x", "SELECT INTO" },
		{ "SELECT * FROM t FOR UPDATE", "FOR UPDATE" },
		{ "SELECT * FROM (SELECT * FROM t FOR SHARE) s", "FOR UPDATE" },
		{ "WITH d AS (DELETE FROM t RETURNING 1) SELECT * FROM d",
		    "data-modifying" },
		{ "SELECT (", "syntax" },
		{ "", "exactly one" },
		/* READ ONLY does not stop these: refused by name. */
		{ "SELECT pg_terminate_backend(6866)", "calls pg_terminate_backend" },
		{ "SELECT count(*) FROM pg_stat_activity WHERE "
		    "pg_catalog.pg_cancel_backend(pid)", "calls pg_cancel_backend" },
		{ "SELECT pg_advisory_lock(1)", "calls pg_advisory*" },
		{ "SELECT * FROM dblink('x', 'DELETE FROM t') AS d(a int)",
		    "calls dblink*" },
		{ "SELECT set_config('search_path', 'x', false)", "set_config" },
		{ "SELECT pg_reload_conf()", "pg_reload_conf" },
		{ "SELECT pg_backend_pid(), pg_sleep(0)", NULL },
	};
	char	*cause;
	size_t	 i;
	int	 off, rc;

	(void)state;
	for (i = 0; i < sizeof q / sizeof q[0]; i++) {
		rc = sql_check_query(q[i].sql, &cause, &off);
		if (q[i].why == NULL && rc != 0)
			fail_msg("%s refused: %s", q[i].sql, cause);
		if (q[i].why != NULL && (rc != -1 ||
		    strstr(cause, q[i].why) == NULL))
			fail_msg("%s: %d %s", q[i].sql, rc,
			    cause != NULL ? cause : "(accepted)");
		free(cause);
	}
	assert_int_equal(sql_check_query("SELECT 1;\nDELETE FROM t", &cause,
	    &off), -1);
	assert_int_equal(off, 10);
	free(cause);
}

static void
test_sql_stmt_tag_names_the_statement(void **state)
{
	struct sql_script	*s;

	(void)state;
	s = sql_parse("ALTER TABLE t ADD a int; CREATE INDEX i ON t (a); "
	    "VACUUM t; ANALYZE t; SELEC");
	assert_string_equal(sql_stmt_tag(&s->stmts[0]), "ALTER TABLE");
	assert_string_equal(sql_stmt_tag(&s->stmts[1]), "CREATE INDEX");
	assert_string_equal(sql_stmt_tag(&s->stmts[2]), "VACUUM");
	assert_string_equal(sql_stmt_tag(&s->stmts[3]), "ANALYZE");
	assert_string_equal(sql_stmt_tag(&s->stmts[4]), "?");
	sql_free(s);
}

static void
test_sql_ten_thousand_statements_split_in_order(void **state)
{
	struct sql_script	*s;
	struct buf		 b;
	int			 i;

	(void)state;
	buf_init(&b);
	for (i = 0; i < 10000; i++)
		buf_printf(&b, "ALTER TABLE t%d ADD COLUMN c int; -- %d\n", i, i);
	s = sql_parse(b.data);
	assert_int_equal(s->nstmts, 10000);
	assert_int_equal(s->ncomments, 10000);
	assert_int_equal(s->stmts[9999].line, 10000);
	assert_int_equal(s->stmts[9999].col, 1);
	sql_free(s);
	buf_free(&b);
}

static int
teardown_group(void **state)
{
	(void)state;
	sql_cleanup();
	return (0);
}

static void
test_sql_reserved_words_need_quotes_as_names(void **state)
{
	(void)state;
	assert_true(sql_reserved("user"));
	assert_true(sql_reserved("order"));
	assert_true(sql_reserved("left"));	/* types and functions */
	assert_false(sql_reserved("users"));
	assert_false(sql_reserved("name"));	/* unreserved */
	assert_false(sql_reserved("int"));	/* a column-name keyword */
	assert_false(sql_reserved("User"));	/* quoted: a plain name */
	assert_false(sql_reserved(""));
	assert_false(sql_reserved("user x"));
}

static void
test_sql_reserved_note_names_the_word_and_its_quoted_form(void **state)
{
	const char	*step = "ALTER TABLE user ADD COLUMN x int";
	const char	*where = "SELECT WHERE user.id > 0";
	char		*note;

	(void)state;
	/* At the word the parser stopped at. */
	note = sql_reserved_note(step, 12);
	assert_non_null(note);
	assert_string_equal(note, "\"user\" is a reserved word; as a name, "
	    "write it quoted: \"user\"");
	free(note);
	/* At the "." after it: USER parsed as CURRENT_USER. */
	note = sql_reserved_note(where, 17);
	assert_non_null(note);
	assert_non_null(strstr(note, "\"user\" is a reserved word"));
	free(note);
	/* A keyword used as one is no name. */
	assert_null(sql_reserved_note("SELECT FROM users WHERE", 23));
	assert_null(sql_reserved_note("SELECT FROM users WHERE x", 18 + 6));
	assert_null(sql_reserved_note(step, 99));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sql_splits_simple_statements_with_offsets),
		cmocka_unit_test(test_sql_statement_start_skips_leading_comments),
		cmocka_unit_test(test_sql_tagged_dollar_quotes_keep_semicolons_inside),
		cmocka_unit_test(test_sql_nested_block_comments_are_one_comment),
		cmocka_unit_test(test_sql_escape_strings_and_semicolons_in_strings),
		cmocka_unit_test(test_sql_last_statement_without_semicolon_runs_to_the_end),
		cmocka_unit_test(test_sql_blank_or_comment_only_text_has_no_statement),
		cmocka_unit_test(test_sql_syntax_error_has_line_and_column),
		cmocka_unit_test(test_sql_syntax_error_column_counts_characters_not_bytes),
		cmocka_unit_test(test_sql_error_in_the_middle_of_a_line),
		cmocka_unit_test(test_sql_unterminated_string_is_one_error),
		cmocka_unit_test(test_sql_copy_from_stdin_data_is_not_parsed),
		cmocka_unit_test(test_sql_psql_meta_commands_are_skipped),
		cmocka_unit_test(test_sql_create_rule_with_semicolons_in_parens_is_one_statement),
		cmocka_unit_test(test_sql_linecol_maps_offsets),
		cmocka_unit_test(test_sql_needs_autocommit_for_statements_refused_in_a_block),
		cmocka_unit_test(test_sql_ordinary_statements_run_in_a_transaction),
		cmocka_unit_test(test_sql_transaction_control_is_recognised),
		cmocka_unit_test(test_sql_fragment_check_maps_error_into_the_fragment),
		cmocka_unit_test(test_sql_fragments_cannot_escape_their_place),
		cmocka_unit_test(test_sql_query_check_refuses_what_writes),
		cmocka_unit_test(test_sql_stmt_tag_names_the_statement),
		cmocka_unit_test(test_sql_ten_thousand_statements_split_in_order),
		cmocka_unit_test(test_sql_reserved_words_need_quotes_as_names),
		cmocka_unit_test(test_sql_reserved_note_names_the_word_and_its_quoted_form),
	};

	return (cmocka_run_group_tests(tests, NULL, teardown_group));
}
