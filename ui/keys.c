/*
 * keys: the console's key table (see keys.h).  After htop's Action.c:
 * handlers change the console's state and send engine commands, and
 * return reaction flags; drawing is someone else's job.
 */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "util.h"

/* Matches any printable character in the text-input states. */
#define KEYS_TEXT	(-2)

#define S_QUIT		KEYS_IN(KEYS_QUIT)
#define S_SMALL		KEYS_IN(KEYS_SMALL)
#define S_HELP		KEYS_IN(KEYS_HELP)
#define S_CANCEL	KEYS_IN(KEYS_CANCEL)
#define S_KILL		KEYS_IN(KEYS_KILL)
#define S_OVERRIDE	KEYS_IN(KEYS_OVERRIDE)
#define S_NOTE		KEYS_IN(KEYS_NOTE)
#define S_COSIGN	KEYS_IN(KEYS_COSIGN)
#define S_TYPED		KEYS_IN(KEYS_TYPED)
#define S_QUESTION	KEYS_IN(KEYS_QUESTION)
#define S_CHECKLIST	KEYS_IN(KEYS_CHECKLIST)
#define S_RUN		KEYS_IN(KEYS_RUN)
#define S_SCREENS	(S_CHECKLIST | S_RUN | S_QUESTION)
#define S_ALL		((1u << KEYS_NSTATES) - 1)

void
keys_message(struct keys_ctx *ctx, int bad, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(ctx->ui->message, sizeof ctx->ui->message, fmt, ap);
	va_end(ap);
	ctx->ui->message_bad = bad;
	ctx->ui->message_ms = ctx->now_ms;
}

/* Send a command; a refusal becomes the key bar message.  0 or -1. */
static int
keys_send(struct keys_ctx *ctx, enum engine_cmd cmd, const char *arg)
{
	char	*cause = NULL;

	if (ctx->send(ctx->send_arg, cmd, arg, &cause) == 0)
		return (0);
	keys_message(ctx, 1, "%s", cause != NULL ? cause : "refused");
	free(cause);
	return (-1);
}

static void
keys_unhide(struct ui *ui)
{
	free(ui->hidden_text);
	ui->hidden_text = NULL;
	ui->hidden_prompt = NULL;
	ui->hidden_q = ENGINE_Q_NONE;
}

static void
keys_input_clear(struct ui *ui)
{
	ui->ninput = 0;
	ui->input[0] = '\0';
}

static int
keys_running(const struct keys_ctx *ctx)
{
	const struct engine_snapshot	*s = ctx->snap;

	if (s->sql != NULL)
		return (1);
	switch (s->state) {
	case ENGINE_RUNNING:
	case ENGINE_BACKOFF:
	case ENGINE_RECONNECTING:
		return (1);
	case ENGINE_STARTING:
	case ENGINE_CHECKLIST:
	case ENGINE_ASKING:
	case ENGINE_PAUSED:
	case ENGINE_WAITING:
	case ENGINE_STOPPED:
	case ENGINE_DONE:
	case ENGINE_ROLLED_BACK:
	case ENGINE_INTERRUPTED:
		break;
	}
	return (0);
}

enum keys_state
keys_state(const struct keys_ctx *ctx)
{
	const struct ui	*ui = ctx->ui;

	if (ui->dialog == UI_DIALOG_QUIT)
		return (KEYS_QUIT);
	if (ctx->too_small)
		return (KEYS_SMALL);
	if (ui->help)
		return (KEYS_HELP);
	switch (ui->dialog) {
	case UI_DIALOG_CANCEL:
		return (KEYS_CANCEL);
	case UI_DIALOG_KILL:
		return (KEYS_KILL);
	case UI_DIALOG_OVERRIDE:
		return (KEYS_OVERRIDE);
	case UI_DIALOG_NOTE:
		return (KEYS_NOTE);
	case UI_DIALOG_COSIGN:
		return (KEYS_COSIGN);
	case UI_DIALOG_NONE:
	case UI_DIALOG_QUIT:
		break;
	}
	if (keys_question_shown(ctx))
		return (ctx->snap->question == ENGINE_Q_TYPED ? KEYS_TYPED :
		    KEYS_QUESTION);
	if (ctx->snap->in_checklist)
		return (KEYS_CHECKLIST);
	return (KEYS_RUN);
}

int
keys_question_shown(const struct keys_ctx *ctx)
{
	const struct engine_snapshot	*s = ctx->snap;
	const struct ui			*ui = ctx->ui;

	switch (s->question) {
	case ENGINE_Q_NONE:
	case ENGINE_Q_SIGNOFF:		/* the checklist screen is its dialog */
		return (0);
	case ENGINE_Q_CONFIRM:
	case ENGINE_Q_GATE:
	case ENGINE_Q_TYPED:
	case ENGINE_Q_STOPPED:
		break;
	}
	if (ui->hidden_text != NULL && ui->hidden_q == s->question &&
	    ui->hidden_prompt == s->prompt && s->prompt != NULL &&
	    strcmp(ui->hidden_text, s->prompt) == 0)
		return (0);
	return (1);
}

/* A new question (or a watcher's new sign-off to give) is on screen now. */
static void
keys_asked(struct keys_ctx *ctx)
{
	ctx->ui->asked_ms = ctx->now_ms;
	ctx->ui->asked_seen = 1;
}

/*
 * Whether KEY, a confirming key, comes too soon after the question
 * appeared to be its answer (UI_READ_MS); then the key bar says so and
 * the key does nothing.  A question the console has not synced yet is
 * new now.
 */
static int
keys_too_soon(struct keys_ctx *ctx, int key)
{
	struct ui	*ui = ctx->ui;
	const char	*name;

	if (ctx->watch == NULL && ctx->snap->question_id != ui->dialog_qid) {
		ui->dialog_qid = ctx->snap->question_id;
		ui->dialog_scroll = 0;
		keys_asked(ctx);
	}
	if (!ui->asked_seen || ctx->now_ms - ui->asked_ms >= UI_READ_MS)
		return (0);
	if (key == '\r' || key == '\n' || key == KEYS_FN(KEY_ENTER))
		name = "Enter";
	else
		name = key == 's' ? "s" : "c";
	keys_message(ctx, 1, "%s ignored: new question, read it first", name);
	return (1);
}

/* ---------------------------------------------------------- the engine */

static int
key_confirm(struct keys_ctx *ctx, int key)
{
	if (keys_too_soon(ctx, key))
		return (KEYS_REDRAW);
	if (keys_send(ctx, ENGINE_CMD_CONFIRM, NULL) == 0)
		keys_input_clear(ctx->ui);
	return (KEYS_REDRAW);
}

/* c on the run screen: the question is hidden (or there is none). */
static int
key_show(struct keys_ctx *ctx, int key)
{
	(void)key;
	switch (ctx->snap->question) {
	case ENGINE_Q_NONE:
	case ENGINE_Q_SIGNOFF:
		keys_message(ctx, 0, "nothing to confirm now");
		break;
	case ENGINE_Q_CONFIRM:
	case ENGINE_Q_GATE:
	case ENGINE_Q_TYPED:
	case ENGINE_Q_STOPPED:
		keys_unhide(ctx->ui);
		break;
	}
	return (KEYS_REDRAW);
}

static int
key_decline(struct keys_ctx *ctx, int key)
{
	(void)key;
	keys_send(ctx, ENGINE_CMD_DECLINE, NULL);
	return (KEYS_REDRAW);
}

static int
key_hide(struct keys_ctx *ctx, int key)
{
	struct ui	*ui = ctx->ui;

	(void)key;
	keys_unhide(ui);
	if (ctx->snap->prompt != NULL) {
		ui->hidden_text = xstrdup(ctx->snap->prompt);
		ui->hidden_prompt = ctx->snap->prompt;
		ui->hidden_q = ctx->snap->question;
	}
	keys_input_clear(ui);
	return (KEYS_REDRAW);
}

static int
key_pause(struct keys_ctx *ctx, int key)
{
	struct ui	*ui = ctx->ui;

	(void)key;
	if (ui->pause_sent || ctx->snap->state == ENGINE_PAUSED) {
		/* "not paused" means the engine let go of it: forget it. */
		keys_send(ctx, ENGINE_CMD_RESUME, NULL);
		ui->pause_sent = 0;
	} else if (keys_send(ctx, ENGINE_CMD_PAUSE, NULL) == 0) {
		ui->pause_sent = 1;
		if (ctx->snap->sql != NULL)
			keys_message(ctx, 0, "pause requested: takes effect "
			    "when the running statement or batch ends");
	}
	return (KEYS_REDRAW);
}

static int
key_rollback(struct keys_ctx *ctx, int key)
{
	(void)key;
	keys_unhide(ctx->ui);
	keys_send(ctx, ENGINE_CMD_ROLLBACK, NULL);
	return (KEYS_REDRAW);
}

static int
key_cancel(struct keys_ctx *ctx, int key)
{
	(void)key;
	if (ctx->snap->sql == NULL) {
		keys_message(ctx, 0, "no statement is running");
		return (KEYS_REDRAW);
	}
	ctx->ui->dialog = UI_DIALOG_CANCEL;
	return (KEYS_REDRAW);
}

static int
key_cancel_yes(struct keys_ctx *ctx, int key)
{
	(void)key;
	ctx->ui->dialog = UI_DIALOG_NONE;
	keys_send(ctx, ENGINE_CMD_CANCEL, NULL);
	return (KEYS_REDRAW);
}

static int
key_kill(struct keys_ctx *ctx, int key)
{
	struct ui	*ui = ctx->ui;

	(void)key;
	if (ui->pid_sel == 0) {
		keys_message(ctx, 0, "no session selected: Tab to the "
		    "sessions, pick one with the arrows, then k");
		return (KEYS_REDRAW);
	}
	if (ui->pid_sel == ctx->exec_pid) {
		keys_message(ctx, 0, "pid %d is this console's own backend: x "
		    "cancels its statement", ui->pid_sel);
		return (KEYS_REDRAW);
	}
	ui->kill_pid = ui->pid_sel;
	ui->dialog = UI_DIALOG_KILL;
	return (KEYS_REDRAW);
}

static int
key_kill_yes(struct keys_ctx *ctx, int key)
{
	struct ui	*ui = ctx->ui;
	char		 pid[16];

	(void)key;
	ui->dialog = UI_DIALOG_NONE;
	snprintf(pid, sizeof pid, "%d", ui->kill_pid);
	if (keys_send(ctx, ENGINE_CMD_TERMINATE, pid) == 0)
		keys_message(ctx, 0, "pid %d terminated", ui->kill_pid);
	ui->kill_pid = 0;
	return (KEYS_REDRAW | KEYS_REFRESH);
}

static int
key_close(struct keys_ctx *ctx, int key)
{
	(void)key;
	ctx->ui->dialog = UI_DIALOG_NONE;
	ctx->ui->kill_pid = 0;
	keys_input_clear(ctx->ui);
	return (KEYS_REDRAW);
}

/* ---------------------------------------------------------- checklist */

static int
key_signoff(struct keys_ctx *ctx, int key)
{
	const struct plan_check	*c;

	if (ctx->plan->nchecklist == 0 || keys_too_soon(ctx, key))
		return (KEYS_REDRAW);
	c = &ctx->plan->checklist[ctx->ui->check_sel];
	if (keys_send(ctx, ENGINE_CMD_SIGNOFF, c->id) == 0)
		keys_message(ctx, 0, "signed off: %s", c->text);
	return (KEYS_REDRAW);
}

static int
key_override(struct keys_ctx *ctx, int key)
{
	const struct plan_check	*c;
	size_t			 i = ctx->ui->check_sel;

	(void)key;
	if (ctx->plan->nchecklist == 0)
		return (KEYS_REDRAW);
	c = &ctx->plan->checklist[i];
	if (c->kind == PLAN_CHECK_MANUAL ||
	    ctx->snap->checks[i].status != ENGINE_CHECK_FAIL) {
		keys_message(ctx, 0, "'%s' is not a failing automatic item: "
		    "nothing to override%s", c->id,
		    ctx->snap->checks[i].status == ENGINE_CHECK_PENDING ||
		    ctx->snap->checks[i].status == ENGINE_CHECK_UNKNOWN ?
		    " (s signs it off)" : "");
		return (KEYS_REDRAW);
	}
	keys_input_clear(ctx->ui);
	ctx->ui->dialog = UI_DIALOG_OVERRIDE;
	return (KEYS_REDRAW);
}

static int
key_override_yes(struct keys_ctx *ctx, int key)
{
	struct ui	*ui = ctx->ui;
	const char	*reason = ui->input + strspn(ui->input, " ");
	char		*arg;

	(void)key;
	if (*reason == '\0') {
		keys_message(ctx, 1, "type a reason: it goes into the journal");
		return (KEYS_REDRAW);
	}
	arg = xasprintf("%s %s", ctx->plan->checklist[ui->check_sel].id,
	    reason);
	ui->dialog = UI_DIALOG_NONE;
	keys_send(ctx, ENGINE_CMD_OVERRIDE, arg);
	free(arg);
	keys_input_clear(ui);
	return (KEYS_REDRAW);
}

static int
key_typed_yes(struct keys_ctx *ctx, int key)
{
	(void)key;
	keys_send(ctx, ENGINE_CMD_CONFIRM, ctx->ui->input);
	keys_input_clear(ctx->ui);
	return (KEYS_REDRAW);
}

/* ------------------------------------------------------------- typing */

static int
key_text(struct keys_ctx *ctx, int key)
{
	struct ui	*ui = ctx->ui;
	char		 b[4];
	size_t		 n;
	unsigned	 c = (unsigned)key;

	/* UTF-8 by hand: the input is compared with UTF-8 names whatever
	 * the terminal's locale. */
	if (c < 0x80) {
		b[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		b[0] = (char)(0xc0 | (c >> 6));
		b[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		b[0] = (char)(0xe0 | (c >> 12));
		b[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		b[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (c >> 18));
		b[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		b[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	if (ui->ninput + n >= sizeof ui->input)
		return (KEYS_REDRAW);
	memcpy(ui->input + ui->ninput, b, n);
	ui->ninput += n;
	ui->input[ui->ninput] = '\0';
	return (KEYS_REDRAW);
}

static int
key_erase(struct keys_ctx *ctx, int key)
{
	struct ui	*ui = ctx->ui;

	(void)key;
	/* Back over continuation bytes to the start of the character. */
	while (ui->ninput > 0 &&
	    ((unsigned char)ui->input[--ui->ninput] & 0xc0) == 0x80)
		;
	ui->input[ui->ninput] = '\0';
	return (KEYS_REDRAW);
}

static int
key_erase_all(struct keys_ctx *ctx, int key)
{
	(void)key;
	keys_input_clear(ctx->ui);
	return (KEYS_REDRAW);
}

/* ----------------------------------------------------------- movement */

static int
key_focus(struct keys_ctx *ctx, int key)
{
	struct ui	*ui = ctx->ui;
	int		 back = key == KEYS_FN(KEY_BTAB);

	switch (ui->focus) {
	case UI_FOCUS_CHECKLIST:
		ui->focus = back ? UI_FOCUS_EVENTS : UI_FOCUS_LOCKS;
		break;
	case UI_FOCUS_LOCKS:
		ui->focus = back ? UI_FOCUS_CHECKLIST : UI_FOCUS_EVENTS;
		break;
	case UI_FOCUS_EVENTS:
		ui->focus = back ? UI_FOCUS_LOCKS : UI_FOCUS_CHECKLIST;
		break;
	}
	if (ui->focus == UI_FOCUS_CHECKLIST && !ctx->snap->in_checklist)
		ui->focus = back ? UI_FOCUS_EVENTS : UI_FOCUS_LOCKS;
	if (ui->focus == UI_FOCUS_LOCKS && ui->pid_sel == 0 && ctx->npids > 0)
		ui->pid_sel = ctx->pids[0];
	return (KEYS_REDRAW);
}

/* How far a movement key moves: negative is up (towards the top). */
static long
keys_delta(const struct keys_ctx *ctx, int key, long n)
{
	long	page = ctx->page > 1 ? (long)ctx->page - 1 : 1;

	if (key == KEYS_FN(KEY_UP))
		return (-1);
	if (key == KEYS_FN(KEY_DOWN))
		return (1);
	if (key == KEYS_FN(KEY_PPAGE))
		return (-page);
	if (key == KEYS_FN(KEY_NPAGE))
		return (page);
	if (key == KEYS_FN(KEY_HOME))
		return (-n);
	return (n);		/* KEY_END */
}

static long
keys_clamp(long v, long n)
{
	if (v >= n)
		v = n - 1;
	if (v < 0)
		v = 0;
	return (v);
}

static int
key_move(struct keys_ctx *ctx, int key)
{
	struct ui	*ui = ctx->ui;
	long		 i, n;

	switch (ui->focus) {
	case UI_FOCUS_CHECKLIST:
		n = (long)ctx->plan->nchecklist;
		if (n == 0)
			break;
		ui->check_sel = (size_t)keys_clamp((long)ui->check_sel +
		    keys_delta(ctx, key, n), n);
		break;
	case UI_FOCUS_LOCKS:
		n = (long)ctx->npids;
		if (n == 0)
			break;
		for (i = 0; i < n; i++)
			if (ctx->pids[i] == ui->pid_sel)
				break;
		if (i == n)	/* nothing selected yet: start at the top */
			i = 0;
		else
			i = keys_clamp(i + keys_delta(ctx, key, n), n);
		ui->pid_sel = ctx->pids[i];
		ui->pid_picked = 1;
		break;
	case UI_FOCUS_EVENTS:
		/* Up goes back in time; the newest line is scroll 0. */
		n = (long)ctx->nevents;
		if (n == 0)
			break;
		ui->event_scroll = (size_t)keys_clamp((long)ui->event_scroll -
		    keys_delta(ctx, key, n), n);
		break;
	}
	return (KEYS_REDRAW);
}

/* ------------------------------------------------------ help and quit */

static int
key_help(struct keys_ctx *ctx, int key)
{
	(void)key;
	ctx->ui->help = 1;
	ctx->ui->help_scroll = 0;
	return (KEYS_REDRAW);
}

static int
key_help_close(struct keys_ctx *ctx, int key)
{
	(void)key;
	ctx->ui->help = 0;
	return (KEYS_REDRAW);
}

static int
key_help_move(struct keys_ctx *ctx, int key)
{
	/* The help screen clamps the far end when it draws. */
	ctx->ui->help_scroll = (int)keys_clamp((long)ctx->ui->help_scroll +
	    keys_delta(ctx, key, 1000), 1000);
	return (KEYS_REDRAW);
}

static int
key_dialog_scroll(struct keys_ctx *ctx, int key)
{
	/* The dialog clamps the far end when it draws. */
	ctx->ui->dialog_scroll = (int)keys_clamp((long)ctx->ui->dialog_scroll +
	    keys_delta(ctx, key, 1000), 1000);
	return (KEYS_REDRAW);
}

static int
keys_quit_send(struct keys_ctx *ctx)
{
	struct ui	*ui = ctx->ui;

	ui->dialog = UI_DIALOG_NONE;
	if (ctx->finished)
		return (KEYS_QUIT_NOW);
	if (keys_send(ctx, ENGINE_CMD_QUIT, NULL) == 0) {
		ui->quit_sent = 1;
		keys_message(ctx, 0, "stopping: the engine journals the run "
		    "and lets go of it");
	}
	return (KEYS_REDRAW);
}

static int
key_quit(struct keys_ctx *ctx, int key)
{
	(void)key;
	if (ctx->finished)
		return (KEYS_QUIT_NOW);
	if (ctx->ui->quit_sent) {
		keys_message(ctx, 0, "stopping: waiting for the running "
		    "statement to be cancelled");
		return (KEYS_REDRAW);
	}
	if (keys_running(ctx)) {
		ctx->ui->dialog = UI_DIALOG_QUIT;
		return (KEYS_REDRAW);
	}
	return (keys_quit_send(ctx));
}

static int
key_quit_yes(struct keys_ctx *ctx, int key)
{
	(void)key;
	return (keys_quit_send(ctx));
}

static int
key_repaint(struct keys_ctx *ctx, int key)
{
	(void)ctx;
	(void)key;
	return (KEYS_REDRAW | KEYS_REPAINT | KEYS_REFRESH);
}

/* -------------------------------------------------------------- watch */

/* Write to the journal through the watcher's seam; a refusal becomes the
 * key bar message.  0 or -1. */
static int
keys_watch_send(struct keys_ctx *ctx, enum keys_watch_cmd cmd,
    const char *arg)
{
	char	*cause = NULL;

	if (ctx->watch_send == NULL)
		cause = xstrdup("read-only: nothing can be written");
	else if (ctx->watch_send(ctx->watch_arg, cmd, arg, &cause) == 0)
		return (0);
	keys_message(ctx, 1, "%s", cause != NULL ? cause : "refused");
	free(cause);
	return (-1);
}

/*
 * s in watch mode: the second sign-off of the phase the driver waits at.
 * The driver's own name does not count (the engine would not take it
 * either): say so here rather than write an event that changes nothing.
 * It opens the phase's statements, and the phase's name must be typed
 * (key_cosign_yes), as the driver types a destructive step's table.
 */
static int
key_cosign(struct keys_ctx *ctx, int key)
{
	const struct ui_watch	*w = ctx->watch;

	if (w->waiting_phase == NULL) {
		keys_message(ctx, 0, "nothing to sign off: the driver is not "
		    "waiting for a second sign-off");
		return (KEYS_REDRAW);
	}
	if (keys_too_soon(ctx, key))
		return (KEYS_REDRAW);
	if (w->driver != NULL && w->operator != NULL &&
	    strcmp(w->driver, w->operator) == 0) {
		keys_message(ctx, 1, "refused: %s drives this run; a second "
		    "sign-off needs another name (bellows watch --operator)",
		    w->driver);
		return (KEYS_REDRAW);
	}
	keys_input_clear(ctx->ui);
	ctx->ui->dialog = UI_DIALOG_COSIGN;
	ctx->ui->dialog_scroll = 0;
	return (KEYS_REDRAW);
}

static int
key_cosign_yes(struct keys_ctx *ctx, int key)
{
	const struct ui_watch	*w = ctx->watch;
	struct ui		*ui = ctx->ui;

	(void)key;
	if (w->waiting_phase == NULL) {
		ui->dialog = UI_DIALOG_NONE;
		keys_message(ctx, 0, "nothing to sign off: the driver is not "
		    "waiting for a second sign-off");
	} else if (strcmp(ui->input, w->waiting_phase) != 0)
		keys_message(ctx, 1, "typed '%s', expected '%s': nothing was "
		    "written", ui->input, w->waiting_phase);
	else {
		ui->dialog = UI_DIALOG_NONE;
		if (keys_watch_send(ctx, KEYS_WATCH_SIGNOFF,
		    w->waiting_phase) == 0)
			keys_message(ctx, 0, "phase '%s' co-signed by %s: the "
			    "driver goes on", w->waiting_phase, w->operator);
	}
	if (ui->dialog == UI_DIALOG_NONE)
		keys_input_clear(ui);
	return (KEYS_REDRAW);
}

static int
key_note(struct keys_ctx *ctx, int key)
{
	(void)key;
	keys_input_clear(ctx->ui);
	ctx->ui->dialog = UI_DIALOG_NOTE;
	return (KEYS_REDRAW);
}

static int
key_note_yes(struct keys_ctx *ctx, int key)
{
	struct ui	*ui = ctx->ui;
	const char	*text = ui->input + strspn(ui->input, " ");

	(void)key;
	if (*text == '\0') {
		keys_message(ctx, 1, "type the note first (Esc: no note)");
		return (KEYS_REDRAW);
	}
	ui->dialog = UI_DIALOG_NONE;
	if (keys_watch_send(ctx, KEYS_WATCH_NOTE, text) == 0)
		keys_message(ctx, 0, "note added to the journal as %s",
		    ctx->watch->operator);
	keys_input_clear(ui);
	return (KEYS_REDRAW);
}

/* q in watch mode: the watcher leaves; the run is none of its business. */
static int
key_watch_quit(struct keys_ctx *ctx, int key)
{
	(void)ctx;
	(void)key;
	return (KEYS_QUIT_NOW);
}

static int
enabled_cosign(const struct keys_ctx *ctx)
{
	return (ctx->watch != NULL && ctx->watch->waiting_phase != NULL);
}

/* ------------------------------------------------------------- labels */

static const char *
label_confirm(const struct keys_ctx *ctx)
{
	switch (ctx->snap->question) {
	case ENGINE_Q_GATE:
		return ("Done");
	case ENGINE_Q_STOPPED:
		return ("Retry");
	case ENGINE_Q_SIGNOFF:
		return ("Sign off");
	case ENGINE_Q_NONE:
	case ENGINE_Q_CONFIRM:
	case ENGINE_Q_TYPED:
		break;
	}
	return ("Confirm");
}

static const char *
label_pause(const struct keys_ctx *ctx)
{
	if (ctx->ui->pause_sent || ctx->snap->state == ENGINE_PAUSED)
		return ("Resume");
	return ("Pause");
}

static int
enabled_question(const struct keys_ctx *ctx)
{
	return (ctx->snap->question != ENGINE_Q_NONE &&
	    ctx->snap->question != ENGINE_Q_SIGNOFF);
}

static int
enabled_statement(const struct keys_ctx *ctx)
{
	return (ctx->snap->sql != NULL);
}

static int
enabled_selection(const struct keys_ctx *ctx)
{
	return (ctx->ui->pid_sel != 0 && ctx->ui->pid_sel != ctx->exec_pid);
}

/* While a DDL statement runs, x first; a backfill pauses, then asks. */
static int
enabled_rollback(const struct keys_ctx *ctx)
{
	return (!ctx->finished && (ctx->snap->sql == NULL ||
	    (ctx->snap->phase < ctx->plan->nphases &&
	    ctx->plan->phases[ctx->snap->phase].kind == PLAN_PHASE_BACKFILL)));
}

static int
enabled_pause(const struct keys_ctx *ctx)
{
	return (!ctx->finished);
}

static int
enabled_override(const struct keys_ctx *ctx)
{
	size_t	i = ctx->ui->check_sel;

	return (i < ctx->plan->nchecklist &&
	    ctx->plan->checklist[i].kind != PLAN_CHECK_MANUAL &&
	    ctx->snap->checks[i].status == ENGINE_CHECK_FAIL);
}

/* -------------------------------------------------------------- table */

#define ENTER_KEYS(states, fn) \
	{ '\r', states, fn, NULL, NULL, NULL, NULL, NULL }, \
	{ KEYS_FN(KEY_ENTER), states, fn, NULL, NULL, NULL, NULL, NULL }
#define MOVE_KEYS(states, fn) \
	{ KEYS_FN(KEY_DOWN), states, fn, NULL, NULL, NULL, NULL, NULL }, \
	{ KEYS_FN(KEY_PPAGE), states, fn, "PgUp/PgDn", NULL, \
	    "scroll a page", NULL, NULL }, \
	{ KEYS_FN(KEY_NPAGE), states, fn, NULL, NULL, NULL, NULL, NULL }, \
	{ KEYS_FN(KEY_HOME), states, fn, "Home/End", NULL, \
	    "go to the first or last line", NULL, NULL }, \
	{ KEYS_FN(KEY_END), states, fn, NULL, NULL, NULL, NULL, NULL }

/*
 * Order matters twice: the first entry for a key and state wins, and the
 * key bar lists the labelled entries in this order.  Arrows rather than
 * j/k move the selection: k is the kill key.
 */
const struct keys_entry keys_table[] = {
	/* The engine's question. */
	{ 'c', S_QUESTION, key_confirm, "c/Enter", "Confirm",
	  "confirm the question on screen: start the phase it lists, the gate "
	  "is done, retry a stopped step, or roll back", label_confirm, NULL },
	{ '\n', S_QUESTION, key_confirm, NULL, NULL, NULL, NULL, NULL },
	ENTER_KEYS(S_QUESTION, key_confirm),
	{ 'n', S_QUESTION, key_decline, "n", "Decline",
	  "decline: a declined phase stops the run here (run the plan again "
	  "to resume); a declined rollback goes back to the stopped step",
	  NULL, NULL },
	{ KEYS_ESC, S_QUESTION | S_TYPED, key_hide, "Esc", "Hide",
	  "hide the question to look at the screen; it stays asked (c shows "
	  "it again)", NULL, NULL },

	/* Typing the table name of a destructive step. */
	{ '\n', S_TYPED, key_typed_yes, "Enter", "Run it",
	  "run the destructive step once the typed name matches", NULL, NULL },
	ENTER_KEYS(S_TYPED, key_typed_yes),

	/* The checklist. */
	{ 's', S_CHECKLIST, key_signoff, "s", "Sign off",
	  "sign off the selected checklist item (your name goes into the "
	  "journal)", NULL, NULL },
	{ 'c', S_CHECKLIST, key_signoff, NULL, NULL, NULL, NULL, NULL },
	{ '\n', S_CHECKLIST, key_signoff, NULL, NULL, NULL, NULL, NULL },
	ENTER_KEYS(S_CHECKLIST, key_signoff),
	{ 'o', S_CHECKLIST, key_override, "o", "Override",
	  "accept a failing automatic item, with a reason for the journal",
	  NULL, enabled_override },
	{ '\n', S_OVERRIDE, key_override_yes, "Enter", "Override",
	  "record the override with the typed reason", NULL, NULL },
	ENTER_KEYS(S_OVERRIDE, key_override_yes),

	/* The run. */
	{ 'c', S_RUN, key_show, "c/Enter", "Confirm",
	  "show the question the engine is asking", label_confirm,
	  enabled_question },
	{ '\n', S_RUN, key_show, NULL, NULL, NULL, NULL, NULL },
	ENTER_KEYS(S_RUN, key_show),
	{ 'p', S_RUN | S_QUESTION, key_pause, "p", "Pause",
	  "pause between steps or backfill batches; p again resumes",
	  label_pause, enabled_pause },
	{ 'r', S_RUN | S_QUESTION, key_rollback, "r", "Rollback",
	  "roll back: first shows the completed steps it will undo, in "
	  "order, the lock each takes and the data lost, and asks (a "
	  "backfill pauses after its batch first)", NULL, enabled_rollback },
	{ 'x', S_RUN, key_cancel, "x", "Cancel",
	  "cancel the running statement (asks first); the step stops and "
	  "can be retried or rolled back", NULL, enabled_statement },
	{ 'k', S_RUN | S_CHECKLIST | S_QUESTION, key_kill, "k", "Kill",
	  "terminate the selected session (asks first; journaled)", NULL,
	  enabled_selection },

	/* Movement. */
	{ '\t', S_RUN | S_CHECKLIST, key_focus, "Tab", "Focus",
	  "move between the regions (the arrows act on the one focused)",
	  NULL, NULL },
	{ KEYS_FN(KEY_BTAB), S_RUN | S_CHECKLIST, key_focus, NULL, NULL,
	  NULL, NULL, NULL },
	{ KEYS_FN(KEY_UP), S_RUN | S_CHECKLIST, key_move, "Up/Down", NULL,
	  "select a checklist item or a session, or scroll the events",
	  NULL, NULL },
	MOVE_KEYS(S_RUN | S_CHECKLIST, key_move),

	/* Console dialogs. */
	{ 'y', S_CANCEL, key_cancel_yes, "y", "Cancel it",
	  "(asked after x) cancel the running statement", NULL, NULL },
	{ 'x', S_CANCEL, key_cancel_yes, NULL, NULL, NULL, NULL, NULL },
	{ 't', S_KILL, key_kill_yes, "t", "Terminate",
	  "(asked after k) terminate the session (pg_terminate_backend): "
	  "its transaction rolls back", NULL, NULL },
	{ 'y', S_QUIT, key_quit_yes, "y", "Quit",
	  "(asked after q) cancel the running statement, journal the step "
	  "as interrupted, quit", NULL, NULL },
	{ 'q', S_QUIT, key_quit_yes, NULL, NULL, NULL, NULL, NULL },
	{ 'n', S_CANCEL | S_KILL | S_QUIT, key_close, "n/Esc", "Keep",
	  "close the dialog without doing anything", NULL, NULL },
	{ KEYS_ESC, S_CANCEL | S_KILL | S_QUIT, key_close, NULL, NULL, NULL,
	  NULL, NULL },
	{ KEYS_ESC, S_OVERRIDE, key_close, "Esc", "Back", NULL, NULL, NULL },

	/* Text fields. */
	{ KEYS_FN(KEY_BACKSPACE), S_TYPED | S_OVERRIDE, key_erase, NULL,
	  NULL, NULL, NULL, NULL },
	{ KEYS_FN(KEY_UP), S_QUESTION | S_TYPED, key_dialog_scroll, NULL, NULL,
	  "scroll a question longer than its box", NULL, NULL },
	{ KEYS_FN(KEY_DOWN), S_QUESTION | S_TYPED, key_dialog_scroll, NULL, NULL,
	  NULL, NULL, NULL },
	{ KEYS_FN(KEY_PPAGE), S_QUESTION | S_TYPED, key_dialog_scroll, NULL,
	  NULL, NULL, NULL, NULL },
	{ KEYS_FN(KEY_NPAGE), S_QUESTION | S_TYPED, key_dialog_scroll, NULL,
	  NULL, NULL, NULL, NULL },
	{ 127, S_TYPED | S_OVERRIDE, key_erase, NULL, NULL, NULL, NULL, NULL },
	{ 8, S_TYPED | S_OVERRIDE, key_erase, NULL, NULL, NULL, NULL, NULL },
	{ KEYS_CTRL('u'), S_TYPED | S_OVERRIDE, key_erase_all, NULL, NULL,
	  NULL, NULL, NULL },
	{ KEYS_TEXT, S_TYPED | S_OVERRIDE, key_text, NULL, NULL, NULL, NULL,
	  NULL },

	/* Help. */
	{ KEYS_FN(KEY_UP), S_HELP, key_help_move, "Up/Down", "Scroll", NULL,
	  NULL, NULL },
	MOVE_KEYS(S_HELP, key_help_move),
	{ KEYS_ESC, S_HELP, key_help_close, "Esc", "Close", NULL, NULL, NULL },
	{ '?', S_HELP, key_help_close, NULL, NULL, NULL, NULL, NULL },
	{ 'q', S_HELP, key_help_close, NULL, NULL, NULL, NULL, NULL },
	{ '?', S_RUN | S_CHECKLIST | S_QUESTION, key_help, "?", "Help",
	  "this help", NULL, NULL },

	/* Everywhere. */
	{ 'q', S_RUN | S_CHECKLIST | S_QUESTION | S_SMALL, key_quit, "q",
	  "Quit", "quit; asks first while a statement runs (the step is "
	  "journaled as interrupted and the plan resumes when run again)",
	  NULL, NULL },
	{ KEYS_CTRL('l'), S_ALL, key_repaint, "^L", NULL,
	  "repaint the screen and refresh the sessions now", NULL, NULL },
};
const size_t keys_ntable = nitems(keys_table);

/*
 * bellows watch: confirm, pause, rollback, cancel, kill, override and the
 * checklist's sign-off are not here at all, so no key can reach the
 * engine of the driver; the watcher writes notes and the second sign-off
 * to the journal.
 */
const struct keys_entry keys_watch_table[] = {
	{ 's', S_RUN | S_CHECKLIST, key_cosign, "s", "Second sign-off",
	  "the second sign-off of the phase the driver waits at "
	  "(require_second_signoff): shows what the driver then runs and "
	  "the locks it takes, and wants the phase's name typed; journaled "
	  "with your name, which must not be the driver's", NULL,
	  enabled_cosign },
	{ 'n', S_RUN | S_CHECKLIST, key_note, "n", "Note",
	  "add a note to the run's journal (it shows in the event log of "
	  "every console and in bellows report)", NULL, NULL },

	/* Typing a note, or the name of the phase to co-sign. */
	{ '\n', S_NOTE, key_note_yes, "Enter", "Add note",
	  "write the note to the journal", NULL, NULL },
	ENTER_KEYS(S_NOTE, key_note_yes),
	{ '\n', S_COSIGN, key_cosign_yes, "Enter", "Co-sign",
	  "give the second sign-off once the typed name matches the phase's",
	  NULL, NULL },
	ENTER_KEYS(S_COSIGN, key_cosign_yes),
	{ KEYS_ESC, S_NOTE | S_COSIGN, key_close, "Esc", "Back",
	  "close without writing anything", NULL, NULL },
	{ KEYS_FN(KEY_UP), S_COSIGN, key_dialog_scroll, NULL, NULL,
	  "scroll the statements when they are longer than the box", NULL,
	  NULL },
	{ KEYS_FN(KEY_DOWN), S_COSIGN, key_dialog_scroll, NULL, NULL, NULL,
	  NULL, NULL },
	{ KEYS_FN(KEY_BACKSPACE), S_NOTE | S_COSIGN, key_erase, NULL, NULL,
	  NULL, NULL, NULL },
	{ 127, S_NOTE | S_COSIGN, key_erase, NULL, NULL, NULL, NULL, NULL },
	{ 8, S_NOTE | S_COSIGN, key_erase, NULL, NULL, NULL, NULL, NULL },
	{ KEYS_CTRL('u'), S_NOTE | S_COSIGN, key_erase_all, NULL, NULL, NULL,
	  NULL, NULL },
	{ KEYS_TEXT, S_NOTE | S_COSIGN, key_text, NULL, NULL, NULL, NULL,
	  NULL },

	/* Movement. */
	{ '\t', S_RUN | S_CHECKLIST, key_focus, "Tab", "Focus",
	  "move between the regions (the arrows act on the one focused)",
	  NULL, NULL },
	{ KEYS_FN(KEY_BTAB), S_RUN | S_CHECKLIST, key_focus, NULL, NULL,
	  NULL, NULL, NULL },
	{ KEYS_FN(KEY_UP), S_RUN | S_CHECKLIST, key_move, "Up/Down", NULL,
	  "select a checklist item or a session, or scroll the events",
	  NULL, NULL },
	MOVE_KEYS(S_RUN | S_CHECKLIST, key_move),

	/* Help. */
	{ KEYS_FN(KEY_UP), S_HELP, key_help_move, "Up/Down", "Scroll", NULL,
	  NULL, NULL },
	MOVE_KEYS(S_HELP, key_help_move),
	{ KEYS_ESC, S_HELP, key_help_close, "Esc", "Close", NULL, NULL, NULL },
	{ '?', S_HELP, key_help_close, NULL, NULL, NULL, NULL, NULL },
	{ 'q', S_HELP, key_help_close, NULL, NULL, NULL, NULL, NULL },
	{ '?', S_RUN | S_CHECKLIST, key_help, "?", "Help", "this help", NULL,
	  NULL },

	/* Everywhere. */
	{ 'q', S_RUN | S_CHECKLIST | S_SMALL, key_watch_quit, "q", "Quit",
	  "stop watching; the run goes on with its driver", NULL, NULL },
	{ KEYS_CTRL('l'), S_ALL, key_repaint, "^L", NULL,
	  "repaint the screen and refresh the sessions now", NULL, NULL },
};
const size_t keys_watch_ntable = nitems(keys_watch_table);

const struct keys_entry *
keys_entries(const struct keys_ctx *ctx, size_t *n)
{
	if (ctx->watch != NULL) {
		*n = keys_watch_ntable;
		return (keys_watch_table);
	}
	*n = keys_ntable;
	return (keys_table);
}

static int
keys_printable(int key)
{
	if (key < 0 || (key & KEYS_FN(0)) != 0)
		return (0);
	if (key < 0x20 || key == 0x7f || (key >= 0x80 && key < 0xa0))
		return (0);
	return (key <= 0x10ffff);
}

int
keys_dispatch(struct keys_ctx *ctx, int key)
{
	const struct keys_entry	*k, *table;
	unsigned		 in = KEYS_IN(keys_state(ctx));
	size_t			 i, ntable;

	table = keys_entries(ctx, &ntable);
	for (i = 0; i < ntable; i++) {
		k = &table[i];
		if ((k->states & in) == 0)
			continue;
		if (k->key == key || (k->key == KEYS_TEXT &&
		    keys_printable(key)))
			return (k->fn(ctx, key));
	}
	return (0);
}

size_t
keys_bar(const struct keys_ctx *ctx, struct keys_bar_item *out, size_t max)
{
	const struct keys_entry	*k, *table;
	unsigned		 in = KEYS_IN(keys_state(ctx));
	size_t			 i, n = 0, ntable;

	table = keys_entries(ctx, &ntable);
	for (i = 0; i < ntable && n < max; i++) {
		k = &table[i];
		if ((k->states & in) == 0 || k->label == NULL)
			continue;
		out[n].name = k->name;
		out[n].label = k->label_fn != NULL ? k->label_fn(ctx) : k->label;
		out[n].enabled = k->enabled != NULL ? k->enabled(ctx) : 1;
		n++;
	}
	return (n);
}

static int
keys_has_pid(const struct keys_ctx *ctx, int pid)
{
	size_t	i;

	for (i = 0; pid != 0 && i < ctx->npids; i++)
		if (ctx->pids[i] == pid)
			return (1);
	return (0);
}

void
keys_sync(struct keys_ctx *ctx, int blocker_pid)
{
	const struct engine_snapshot	*s = ctx->snap;
	struct ui			*ui = ctx->ui;
	size_t				 i;

	if (s->in_checklist && s->check != NULL && s->check != ui->check_followed) {
		for (i = 0; i < ctx->plan->nchecklist; i++)
			if (ctx->plan->checklist[i].id == s->check ||
			    strcmp(ctx->plan->checklist[i].id, s->check) == 0)
				ui->check_sel = i;
		ui->check_followed = s->check;
	}
	if (ui->check_sel >= ctx->plan->nchecklist)
		ui->check_sel = 0;
	if (s->question_id != ui->dialog_qid) {
		ui->dialog_qid = s->question_id;
		ui->dialog_scroll = 0;
		keys_asked(ctx);
	}
	if (ctx->watch != NULL &&
	    (ctx->watch->waiting_phase != NULL) != ui->cosign_waiting) {
		ui->cosign_waiting = ctx->watch->waiting_phase != NULL;
		if (ui->cosign_waiting)
			keys_asked(ctx);
	}
	if (!s->in_checklist && ui->focus == UI_FOCUS_CHECKLIST)
		ui->focus = UI_FOCUS_LOCKS;
	/* An item that clears while its reason is typed: the engine says so
	 * on submit; past the checklist there is nothing left to override. */
	if (!s->in_checklist && ui->dialog == UI_DIALOG_OVERRIDE)
		ui->dialog = UI_DIALOG_NONE;

	/* The operator's pick stands while that session exists; until then
	 * the selection follows whoever is in the way of our statement. */
	if (!ui->pid_picked || !keys_has_pid(ctx, ui->pid_sel)) {
		ui->pid_picked = 0;
		if (keys_has_pid(ctx, blocker_pid))
			ui->pid_sel = blocker_pid;
		else if (!keys_has_pid(ctx, ui->pid_sel))
			ui->pid_sel = 0;
	}

	if (ui->hidden_text != NULL && !(ui->hidden_q == s->question &&
	    ui->hidden_prompt == s->prompt && s->prompt != NULL &&
	    strcmp(ui->hidden_text, s->prompt) == 0))
		keys_unhide(ui);
	if (ui->dialog == UI_DIALOG_CANCEL && s->sql == NULL)
		ui->dialog = UI_DIALOG_NONE;
	/* Signed by someone else meanwhile, or the driver went away. */
	if (ui->dialog == UI_DIALOG_COSIGN && (ctx->watch == NULL ||
	    ctx->watch->waiting_phase == NULL)) {
		ui->dialog = UI_DIALOG_NONE;
		keys_input_clear(ui);
	}
	if (ctx->finished) {
		ui->pause_sent = 0;
		if (ui->dialog == UI_DIALOG_QUIT)
			ui->dialog = UI_DIALOG_NONE;
	}
	if (ctx->nevents == 0)
		ui->event_scroll = 0;
	else if (ui->event_scroll >= ctx->nevents)
		ui->event_scroll = ctx->nevents - 1;
	if (ui->message[0] != '\0' && ctx->now_ms - ui->message_ms >
	    UI_MESSAGE_MS)
		ui->message[0] = '\0';
}

void
keys_ui_free(struct ui *ui)
{
	keys_unhide(ui);
}
