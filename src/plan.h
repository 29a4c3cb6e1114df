/*
 * plan: load and validate a migration plan (libconfig syntax, see
 * bellows-plan(5)) into an immutable in-memory struct plan.
 *
 * plan_load() owns nothing of the caller's; the struct plan it returns is
 * owned by the caller and released with plan_free().  Nothing in it changes
 * after loading: the engine, lint and the console only read it.
 *
 * Errors are reported as "FILE:LINE: message" (naming the key, with a
 * "did you mean" suggestion for misspelt keys) through *cause; the caller
 * frees *cause.  Several errors may be joined with newlines in one cause.
 */
#ifndef BELLOWS_PLAN_H
#define BELLOWS_PLAN_H

#include <stddef.h>

/* From byte OFF of a string value on, the value continues at LINE/COL of
 * the source (see struct plan_pos). */
struct plan_pos_anchor {
	int		 off;
	int		 line;
	int		 col;
};

/* Where a string value starts in its source file: the line and column
 * (1-based; columns count bytes) of the first character inside the opening
 * quote.  Used to map a position inside a step's SQL back to the plan file.
 *
 * A value written as several adjacent literals ("a" "b") or with escapes
 * (\n, \x41) does not map byte for byte onto the source; ANCHORS then
 * lists where the mapping restarts.  A position built by hand (a .sql
 * file) leaves anchors NULL.  FILE and ANCHORS belong to the plan. */
struct plan_pos {
	const char			*file;
	int				 line;
	int				 col;
	const struct plan_pos_anchor	*anchors;	/* NULL: none */
	size_t				 nanchors;
};

struct plan_step {
	char		*name;		/* "step N" when the plan gives none */
	char		*sql;
	char		*rollback;	/* NULL: the step is irreversible */
	int		 line;		/* line of the step's group */
	struct plan_pos	 sql_pos;
	struct plan_pos	 rollback_pos;
};

struct plan_backfill {
	char		*table;
	char		*key;
	char		*set;
	char		*from;		/* NULL when absent */
	char		*where;		/* NULL when absent */
	long		 batch_rows;	/* default 10000 */
	long		 min_rows;	/* default 100 */
	long		 max_rows;	/* default 100000 */
	long		 target_batch_ms; /* default 100 */
	long		 pause_ms;	/* default 0 */
	long		 max_replica_lag_ms; /* default 10000; 0 = no check */
	long		 max_blocked_ms;	/* default 1000; 0 = no check */
	char		*throttle_sql;	/* NULL when absent */
	int		 line;
	struct plan_pos	 set_pos;
	struct plan_pos	 where_pos;
	struct plan_pos	 from_pos;
	struct plan_pos	 throttle_pos;
};

struct plan_verify {
	char		*sql;
	char		*expect;	/* compared with the first column of the first row, as text */
	int		 line;
	struct plan_pos	 sql_pos;
};

enum plan_phase_kind {
	PLAN_PHASE_STEPS,
	PLAN_PHASE_GATE,
	PLAN_PHASE_BACKFILL,
	PLAN_PHASE_VERIFY
};

struct plan_phase {
	char			*name;
	enum plan_phase_kind	 kind;
	int			 destructive;	/* named "contract" or destructive = true */
	int			 second_signoff; /* listed in require_second_signoff */
	int			 line;

	struct plan_step	*steps;		/* PLAN_PHASE_STEPS */
	size_t			 nsteps;
	char			*gate;		/* PLAN_PHASE_GATE: the text shown */
	struct plan_backfill	 backfill;	/* PLAN_PHASE_BACKFILL */
	struct plan_verify	*verify;	/* PLAN_PHASE_VERIFY */
	size_t			 nverify;
};

/* Automatic checklist kinds; PLAN_CHECK_MANUAL needs an operator sign-off. */
enum plan_check_kind {
	PLAN_CHECK_MANUAL,
	PLAN_CHECK_LONG_TRANSACTIONS,	/* oldest transaction age <= max */
	PLAN_CHECK_REPLICATION_LAG,	/* worst replica replay lag <= max */
	PLAN_CHECK_IDLE_IN_TRANSACTION,	/* no session idle in transaction longer than max */
	PLAN_CHECK_INVALID_INDEXES,	/* no invalid index on the plan's tables */
	PLAN_CHECK_LINT_CLEAN,		/* the plan lints without errors */
	PLAN_CHECK_SQL			/* custom sql returning one boolean */
};

struct plan_check {
	char			*id;
	char			*text;
	enum plan_check_kind	 kind;
	long			 max_ms;	/* for the age/lag kinds; 0 when absent */
	char			*sql;		/* PLAN_CHECK_SQL */
	char			*file;		/* where it was defined (plan or template) */
	int			 line;
};

struct plan {
	char			*file;		/* path as given */
	char			*name;
	char			*description;	/* NULL when absent */
	long			 lock_timeout_ms;	/* default 2000 */
	int			 retries;		/* default 10 */
	long			 statement_timeout_ms;	/* 0: none; for backfill/verify */

	struct plan_check	*checklist;
	size_t			 nchecklist;
	struct plan_phase	*phases;
	size_t			 nphases;

	char			 sha256[65];	/* hex digest of the plan file's bytes */

	char			**files;	/* owned; plan_pos.file points here */
	size_t			 nfiles;
};

/*
 * Settings layered under a plan: bellows.conf (system, then
 * $XDG_CONFIG_HOME/bellows/bellows.conf) gives defaults, the plan overrides
 * them, and the command line (set by the caller after loading) overrides
 * both.  A zero/NULL field means "not set at this layer".
 */
struct plan_defaults {
	long	lock_timeout_ms;
	int	retries;
	long	statement_timeout_ms;
	long	target_batch_ms;
	long	batch_rows;
	long	max_replica_lag_ms;
	long	max_blocked_ms;
	/* The console's monitor: how often sessions and locks are read. */
	long	refresh_sessions_ms;
	long	refresh_locks_ms;
};

/* Read the system and user bellows.conf into D (missing files are fine; a
 * bad file is an error naming file and line).  D is cleared first.  The
 * system file is SYSCONFDIR/bellows/bellows.conf; the user file is
 * $BELLOWS_CONFIG when set, else $XDG_CONFIG_HOME/bellows/bellows.conf,
 * else ~/.config/bellows/bellows.conf. */
int	plan_defaults_load(struct plan_defaults *d, char **cause);

/* Read one bellows.conf-format file over D: keys it sets replace D's,
 * others are kept.  A missing file is not an error.  For --config options
 * and for tests of the layering. */
int	plan_defaults_read(struct plan_defaults *d, const char *path,
	    char **cause);

struct plan *plan_load(const char *path, const struct plan_defaults *d,
	    char **cause);
void	plan_free(struct plan *);

/* "250ms", "2s", "5min", "1h" into milliseconds.  -1 and *cause on error. */
int	plan_parse_duration(const char *s, long *ms, char **cause);

/* Map byte offset OFF inside a string value that starts at POS to a file
 * line and column (counts newlines in TEXT before OFF). */
/* The SHA-256 of DATA as 64 hex digits and a NUL. */
void	plan_sha256_hex(const void *data, size_t len, char out[65]);
void	plan_pos_at(const struct plan_pos *pos, const char *text, int off,
	    int *line, int *col);
/* The same, going on from an earlier answer: *LINE and *COL hold what
 * plan_pos_at gave for offset FROM (<= OFF) and become OFF's, counting
 * only the bytes between (a caller walking forward pays once per byte). */
void	plan_pos_next(const struct plan_pos *pos, const char *text, int from,
	    int off, int *line, int *col);

#endif
