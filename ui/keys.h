/*
 * keys: the console's key table and the state it acts on.
 *
 * Every key the operator presses goes through keys_dispatch(), which
 * looks it up in one table (key, the states it applies in, handler, the
 * words shown in the key bar and in `?` help).  A handler changes only
 * struct ui (the console's own state: focus, selection, dialogs, typed
 * text) and sends engine commands through the ctx->send seam; it never
 * draws.  It returns reaction flags telling the console what to do next.
 * No curses call is made here (curses.h is included for the KEY_*
 * constants only), so the table is unit-tested without a terminal, with
 * a send function that records the commands.
 *
 * Who writes what: struct ui is written by the handlers and by
 * keys_sync() (called by the console once per loop), read by the draw
 * functions.  The snapshot, the plan and the view are read-only here.
 */
#ifndef BELLOWS_KEYS_H
#define BELLOWS_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "monitor.h"
#include "plan.h"

/* What the screen is showing, in order of precedence (keys_state). */
enum keys_state {
	KEYS_QUIT,		/* "quit while a statement runs?" */
	KEYS_SMALL,		/* the terminal is below 80x24 */
	KEYS_HELP,		/* the ? screen */
	KEYS_CANCEL,		/* "cancel the running statement?" */
	KEYS_KILL,		/* "terminate session N?" */
	KEYS_OVERRIDE,		/* typing the reason to override an item */
	KEYS_NOTE,		/* watch: typing a note for the journal */
	KEYS_COSIGN,		/* watch: typing the phase name to co-sign */
	KEYS_TYPED,		/* typing the table name of a destructive step */
	KEYS_QUESTION,		/* the engine asks: confirm, gate, stopped */
	KEYS_CHECKLIST,		/* the checklist screen */
	KEYS_RUN		/* the run screen */
};
#define KEYS_NSTATES	(KEYS_RUN + 1)
#define KEYS_IN(s)	(1u << (s))

/* Reaction flags returned by a handler (0: the key does nothing here). */
#define KEYS_REDRAW	0x1	/* something on screen changed */
#define KEYS_QUIT_NOW	0x2	/* leave the console (the engine is finished) */
#define KEYS_REFRESH	0x4	/* refresh the monitor view now */
#define KEYS_REPAINT	0x8	/* repaint every cell (Ctrl-L) */

/*
 * Keys as the console passes them: a character as itself (a wide
 * character for text), a curses function key (KEY_UP, KEY_RESIZE, ...)
 * wrapped in KEYS_FN so that it never collides with a character.
 */
#define KEYS_FN(k)	((k) | 0x40000000)
#define KEYS_ESC	27
#define KEYS_CTRL(c)	((c) & 0x1f)

enum ui_dialog {
	UI_DIALOG_NONE,
	UI_DIALOG_QUIT,		/* confirm quitting while a statement runs */
	UI_DIALOG_CANCEL,	/* confirm cancelling the running statement */
	UI_DIALOG_KILL,		/* confirm terminating ui.kill_pid */
	UI_DIALOG_OVERRIDE,	/* reason for overriding ui.check_sel */
	UI_DIALOG_NOTE,		/* watch: the text of a note */
	UI_DIALOG_COSIGN	/* watch: the name of the phase to co-sign */
};

/* Which region the arrows move in; Tab cycles. */
enum ui_focus {
	UI_FOCUS_CHECKLIST,	/* checklist screen only */
	UI_FOCUS_LOCKS,
	UI_FOCUS_EVENTS
};

#define UI_INPUT_MAX	256
#define UI_MESSAGE_MAX	256
#define UI_MESSAGE_MS	6000	/* how long a message stays in the key bar */
/* A confirming key (c/Enter on a question, s on a checklist item or a
 * watcher's second sign-off) pressed less than this after a new question
 * appeared is not its answer: nobody read it (two quick c's once confirmed
 * a gate and the next phase unseen).  The key bar says it was ignored. */
#define UI_READ_MS	300

struct ui {
	int			 help;		/* the help screen is up */
	int			 help_scroll;
	enum ui_dialog		 dialog;
	enum ui_focus		 focus;
	/* A question longer than its box scrolls (the draw clamps it). */
	int			 dialog_scroll;
	unsigned int		 dialog_qid;	/* the question it belongs to */
	/* When the question now asked appeared (keys_ctx.now_ms), for
	 * UI_READ_MS; asked_seen: one has appeared at all.  A watcher's
	 * "question" is the phase awaiting its second sign-off. */
	int64_t			 asked_ms;
	int			 asked_seen;
	int			 cosign_waiting;

	/* The engine question the operator hid with Esc (it stays asked;
	 * c shows it again).  A different question shows itself. */
	const char		*hidden_prompt;
	char			*hidden_text;
	enum engine_question	 hidden_q;

	size_t			 check_sel;	/* selected checklist item */
	const char		*check_followed; /* last item the engine asked */

	int			 pid_sel;	/* selected session, 0: none */
	int			 pid_picked;	/* chosen by the operator */
	int			 kill_pid;	/* target of UI_DIALOG_KILL */

	size_t			 event_scroll;	/* lines back from the newest */

	char			 input[UI_INPUT_MAX];	/* UTF-8 */
	size_t			 ninput;

	char			 message[UI_MESSAGE_MAX];
	int			 message_bad;	/* an error, not a notice */
	int64_t			 message_ms;

	int			 pause_sent;	/* pause asked, no resume since */
	int			 quit_sent;	/* leave once the engine finished */
};

/*
 * What a watcher (bellows watch) may do to a run driven elsewhere: it
 * changes nothing the engine does, it only writes to the journal.
 */
enum keys_watch_cmd {
	KEYS_WATCH_SIGNOFF,	/* arg: the phase to co-sign */
	KEYS_WATCH_NOTE		/* arg: the note's text */
};

/* The console in read-only mode: who drives and what the watcher may
 * do.  Filled by the watcher's source once per loop; NULL in keys_ctx
 * for the driver's own console. */
struct ui_watch {
	const char	*operator;	/* the watcher's name */
	const char	*driver;	/* who drives (NULL: nobody yet) */
	const char	*since;		/* "14:02:07", local time */
	int		 gone;		/* the driver went away mid-run */
	int		 lost;		/* the watcher's own connection is down:
					   what it shows is stale */
	int		 reconnecting;	/* the run's lock is free, for free_s,
					   less than the driver-gone window */
	int		 free_s;
	const char	*waiting_phase;	/* awaits a second sign-off, or NULL */
	/* What the driver runs once waiting_phase is co-signed: each
	 * statement with the lock it takes (watchview_phase_text). */
	const char	*cosign_text;
};

struct keys_ctx {
	struct ui			*ui;
	const struct engine_snapshot	*snap;
	const struct plan		*plan;
	const char			*database;	/* user@host:port/db */
	int				 too_small;
	int				 finished;	/* engine_finished() */
	int				 exec_pid;	/* the console's own backend */
	const int			*pids;	/* locks region rows, in order */
	size_t				 npids;
	size_t				 nevents;	/* event log lines */
	size_t				 page;		/* rows per PgUp/PgDn */
	/* The console's clock (monotonic ms): message timestamps and the
	 * UI_READ_MS guard; a test sets it by hand. */
	int64_t				 now_ms;
	/* The engine seam: engine_command() in the console, a recorder in
	 * the tests.  0, or -1 with *cause (allocated). */
	int	(*send)(void *, enum engine_cmd, const char *, char **);
	void	*send_arg;
	/* Read-only mode (bellows watch): WATCH is set, the key table is
	 * keys_watch_table (no key that changes the run) and the journal
	 * writes go through watch_send; send is then NULL. */
	const struct ui_watch	*watch;
	int	(*watch_send)(void *, enum keys_watch_cmd, const char *,
		    char **);
	void	*watch_arg;
};

struct keys_entry {
	int		 key;
	unsigned	 states;	/* KEYS_IN(...) mask */
	int		(*fn)(struct keys_ctx *, int);
	const char	*name;		/* as printed: "c/Enter"; NULL: not listed */
	const char	*label;		/* key bar word; NULL: help only */
	const char	*help;		/* the help screen's sentence */
	/* Optional: the label now ("Pause" or "Resume"), whether the key
	 * does anything now (dimmed in the key bar when not). */
	const char	*(*label_fn)(const struct keys_ctx *);
	int		(*enabled)(const struct keys_ctx *);
};

extern const struct keys_entry	keys_table[];
extern const size_t		keys_ntable;
/* The watcher's table: movement, help, quit, notes and the second
 * sign-off; nothing that changes the run. */
extern const struct keys_entry	keys_watch_table[];
extern const size_t		keys_watch_ntable;
/* The table in use for CTX (the watcher's when ctx->watch is set). */
const struct keys_entry *keys_entries(const struct keys_ctx *, size_t *n);

/* One key bar entry for the state now. */
struct keys_bar_item {
	const char	*name;
	const char	*label;
	int		 enabled;
};
#define KEYS_BAR_MAX	16

enum keys_state	keys_state(const struct keys_ctx *);
/* Whether the engine's question is on screen (not hidden by Esc). */
int		keys_question_shown(const struct keys_ctx *);
int		keys_dispatch(struct keys_ctx *, int key);
size_t		keys_bar(const struct keys_ctx *, struct keys_bar_item *,
		    size_t max);
/* Reconcile struct ui with the snapshot and the rows now: follow the
 * item the engine asks about, keep the selected session (or follow
 * BLOCKER_PID, the session in the way of our statement, until the
 * operator picks one), forget a pause the engine no longer holds. */
void		keys_sync(struct keys_ctx *, int blocker_pid);
/* Set the key bar message (BAD: an error). */
void		keys_message(struct keys_ctx *, int bad, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
void		keys_ui_free(struct ui *);

#endif
