/*
 * sql: SQL text through the real PostgreSQL parser (libpg_query, PostgreSQL
 * 15 grammar).  sql_parse() splits a script into statements with exact byte
 * offsets, keeps each statement's raw parse tree, lists the comments (for
 * suppressions) and reports syntax errors with their position, so callers
 * can map everything back to a file line and column.
 *
 * Who owns what: a struct sql_script owns a copy of the text, the parse
 * trees and every string in it; sql_free() releases all of it.  Statement
 * nodes point into the script's trees and live exactly as long as it.
 *
 * What the splitter copes with: dollar quotes (tagged or not), nested
 * block comments, E'' strings with backslash escapes, semicolons in strings
 * and identifiers, psql meta-commands (a backslash outside quotes, e.g.
 * pg_dump's \connect or \restrict: blanked to the end of the line) and
 * "COPY ... FROM stdin;" data blocks up to the "\." line (blanked, so the
 * rows of a pg_dump file are not parsed as SQL).  Blanking keeps newlines,
 * so offsets, lines and columns still match the original text.
 *
 * A script with a syntax error is still split (by the scanner) and every
 * statement parsed on its own: the good ones keep their trees, the bad ones
 * carry the error, so lint reports every broken statement, not only the
 * first.
 *
 * Positions: off is a byte offset into the text; lines and columns are
 * 1-based and columns count characters (UTF-8 code points), tabs as one.
 */
#ifndef BELLOWS_SQL_H
#define BELLOWS_SQL_H

#include <stddef.h>

struct PgQuery__Node;
struct ProtobufCMessage;
struct sql_linememo;

struct sql_stmt {
	int			 off;	/* first byte of the statement proper
					   (leading blanks and comments skipped) */
	int			 len;	/* bytes from off up to, not including,
					   the ';' (trailing blanks trimmed) */
	int			 end;	/* offset just past the ';' or the end */
	int			 line;	/* of off */
	int			 col;
	const struct PgQuery__Node *node; /* NULL when error != NULL */

	char			*error;	/* syntax error message, or NULL */
	int			 error_off; /* byte offset of the error */
	int			 error_line;
	int			 error_col;
};

struct sql_comment {
	int	off;		/* of the "--" or the opening slash-star */
	int	len;
	int	line;
	int	col;
	int	block;		/* slash-star comment rather than "--" */
};

struct sql_script {
	char			*text;	/* the source as given, NUL-terminated */
	size_t			 size;

	struct sql_stmt		*stmts;
	size_t			 nstmts;
	size_t			 nerrors;	/* statements with a syntax error */

	struct sql_comment	*comments;	/* in text order */
	size_t			 ncomments;

	/* Private: parse trees and the line table. */
	void			**trees;
	size_t			 ntrees;
	int			*lines;		/* byte offset of each line start */
	size_t			 nlines;
	struct sql_linememo	*memo;		/* sql_linecol's last answer */
};

/* Parse TEXT (NUL-terminated).  Never fails: syntax errors are recorded on
 * the statements (and counted in nerrors).  A text with no statement at
 * all (blank, only comments) gives nstmts == 0. */
struct sql_script *sql_parse(const char *text);
void	sql_free(struct sql_script *);

/* Map a byte offset in the script to a 1-based line and column. */
void	sql_linecol(const struct sql_script *, int off, int *line, int *col);

/* A copy of the statement's text (without the ';'); caller frees. */
char	*sql_stmt_text(const struct sql_script *, const struct sql_stmt *);

/* The statement's tag for messages: "CREATE INDEX", "ALTER TABLE", ...;
 * "?" for a statement with a syntax error.  Static string. */
const char *sql_stmt_tag(const struct sql_stmt *);

/*
 * True for a statement PostgreSQL refuses inside a transaction block
 * ("cannot run inside a transaction block"): CREATE/DROP INDEX
 * CONCURRENTLY, REINDEX CONCURRENTLY and REINDEX SCHEMA/DATABASE/SYSTEM,
 * VACUUM, CLUSTER without a table, CREATE/DROP DATABASE, ALTER DATABASE SET
 * TABLESPACE, CREATE/DROP TABLESPACE, ALTER SYSTEM, ALTER TABLE DETACH
 * PARTITION CONCURRENTLY, CREATE/ALTER/DROP SUBSCRIPTION that touch a slot.
 * The engine runs such a statement alone, in autocommit.  (ALTER TYPE ..
 * ADD VALUE is allowed in a transaction from PostgreSQL 12 on, the oldest
 * version bellows targets, so it is not listed.)
 */
int	sql_needs_autocommit(const struct sql_stmt *);

/* BEGIN/START TRANSACTION, COMMIT/END, ROLLBACK/ABORT, SAVEPOINT, RELEASE,
 * ROLLBACK TO, PREPARE TRANSACTION, COMMIT/ROLLBACK PREPARED. */
int	sql_is_transaction_control(const struct sql_stmt *);

enum sql_tx {
	SQL_TX_NONE,		/* not transaction control */
	SQL_TX_BEGIN,		/* opens a block: BEGIN, START TRANSACTION */
	SQL_TX_END,		/* closes it: COMMIT, ROLLBACK, PREPARE TRANSACTION */
	SQL_TX_OTHER		/* SAVEPOINT, RELEASE, ROLLBACK TO, *_PREPARED */
};
enum sql_tx sql_transaction_kind(const struct sql_stmt *);

/* The parts of a backfill bellows composes its UPDATE from. */
enum sql_fragment {
	SQL_FRAGMENT_SET,	/* a SET list: "a = b, c = d" */
	SQL_FRAGMENT_FROM,	/* a FROM list: "users u, teams t" */
	SQL_FRAGMENT_WHERE	/* one boolean expression */
};

/*
 * Check a backfill fragment so that it cannot escape the place bellows
 * puts it in: TEXT must parse, in that place, as exactly the part it
 * stands for (SET: an UPDATE's target list and nothing else; FROM: a FROM
 * list; WHERE: one expression), and hold no comment, no ';' and no $n
 * placeholder of its own (the batch's key bounds are $1 and $2).  Linear
 * in TEXT.  Returns 0, or -1 with *cause (caller frees) and *off, the byte
 * offset inside TEXT the complaint is about (clamped to TEXT's bounds).
 */
int	sql_check_fragment(enum sql_fragment, const char *text, char **cause,
	    int *off);

/*
 * Check a query that must only read (verify, throttle_sql, checklist sql):
 * exactly one statement, a SELECT, VALUES, TABLE or WITH ... SELECT, with
 * no data-modifying statement anywhere in it (WITH d AS (DELETE ...)), no
 * SELECT INTO and no FOR UPDATE/SHARE.  A syntax error is refused too.
 * Returns 0, or -1 with *cause (caller frees) and *off as above.  (A
 * function called by the query may still try to write: the caller runs it
 * in a READ ONLY transaction.)
 */
int	sql_check_query(const char *text, char **cause, int *off);

struct ProtobufCMessage;
/*
 * Depth-first search of a parse tree through the protobuf descriptors:
 * every message field is visited (in a oneof only the member that is set).
 * VISIT returns a string to stop with it, NULL to go on below; the first
 * answer wins.  Below MAXDEPTH levels nothing is visited and TOO_DEEP is
 * the answer (NULL to ignore the rest, a message to refuse it).  NULL when
 * nothing answered.
 */
const char *sql_search(const struct ProtobufCMessage *, int maxdepth,
	    const char *too_deep,
	    const char *(*visit)(const struct ProtobufCMessage *));

/*
 * Visit a parse tree depth first through the protobuf descriptors: every
 * message field (in a oneof only the member that is set), so every node
 * kind is covered without a switch.  VISIT sees a message before what is
 * below it and answers SQL_WALK_DESCEND, SQL_WALK_SKIP (not below this
 * one) or SQL_WALK_STOP (end the walk).  Deeper than 64 levels is not
 * visited.  Returns 1 when VISIT stopped the walk, else 0.
 */
enum sql_walk {
	SQL_WALK_DESCEND,
	SQL_WALK_SKIP,
	SQL_WALK_STOP
};
int	sql_walk(const struct ProtobufCMessage *,
	    enum sql_walk (*visit)(const struct ProtobufCMessage *, void *),
	    void *arg);

/* Whether NAME (exactly, as a lower-case word) is a keyword PostgreSQL
 * accepts as a table or column name only when quoted: a reserved word
 * ("user", "order") or one reserved for types and functions ("left"). */
int	sql_reserved(const char *name);

/* When the word at byte OFF of TEXT is such a keyword (the parser's
 * complaint is then most likely about a name), a note for the syntax
 * error: "\"user\" is a reserved word; as a name, write it quoted:
 * \"user\"".  NULL otherwise.  Caller frees. */
char	*sql_reserved_note(const char *text, int off);

/* Release libpg_query's per-thread memory context (at exit; keeps
 * valgrind quiet).  Parsing again afterwards is allowed. */
void	sql_cleanup(void);

#endif
