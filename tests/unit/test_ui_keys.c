/*
 * Unit tests for the console's key table: every key through
 * keys_dispatch() with a fake engine that records the commands it is
 * sent, and a hand-made plan and snapshot.  No terminal involved.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <curses.h>

#include "keys.h"
#include "locks.h"
#include "util.h"

/* The fake engine: a log of "CMD arg" lines; refuse sets a cause. */
struct fake {
	char		 log[16][128];
	size_t		 n;
	const char	*refuse;
};

static const char *const fake_names[] = {
	[ENGINE_CMD_CONFIRM] = "CONFIRM",
	[ENGINE_CMD_DECLINE] = "DECLINE",
	[ENGINE_CMD_SIGNOFF] = "SIGNOFF",
	[ENGINE_CMD_OVERRIDE] = "OVERRIDE",
	[ENGINE_CMD_PAUSE] = "PAUSE",
	[ENGINE_CMD_RESUME] = "RESUME",
	[ENGINE_CMD_CANCEL] = "CANCEL",
	[ENGINE_CMD_RETRY] = "RETRY",
	[ENGINE_CMD_ROLLBACK] = "ROLLBACK",
	[ENGINE_CMD_TERMINATE] = "TERMINATE",
	[ENGINE_CMD_CANCEL_BACKEND] = "CANCEL_BACKEND",
	[ENGINE_CMD_QUIT] = "QUIT",
};

static int
fake_send(void *arg, enum engine_cmd cmd, const char *a, char **cause)
{
	struct fake	*f = arg;

	if (f->refuse != NULL) {
		*cause = xstrdup(f->refuse);
		return (-1);
	}
	if (f->n < nitems(f->log)) {
		snprintf(f->log[f->n], sizeof f->log[f->n], "%s%s%s",
		    fake_names[cmd], a != NULL ? " " : "", a != NULL ? a : "");
		f->n++;
	}
	return (0);
}

struct world {
	struct plan_check	 checks[3];
	struct plan		 plan;
	struct engine_check	 status[3];
	struct engine_snapshot	 snap;
	struct ui		 ui;
	struct fake		 fake;
	int			 pids[3];
	struct keys_ctx		 ctx;
};

static int
setup(void **state)
{
	struct world	*w = xcalloc(1, sizeof *w);

	w->checks[0].id = "pitr";
	w->checks[0].text = "Point-in-time recovery tested";
	w->checks[0].kind = PLAN_CHECK_MANUAL;
	w->checks[1].id = "lag";
	w->checks[1].text = "Replicas less than 10s behind";
	w->checks[1].kind = PLAN_CHECK_REPLICATION_LAG;
	w->checks[2].id = "oncall";
	w->checks[2].text = "On-call engineer standing by";
	w->checks[2].kind = PLAN_CHECK_MANUAL;
	w->plan.name = "orders-user-email";
	w->plan.checklist = w->checks;
	w->plan.nchecklist = 3;
	w->status[0].status = ENGINE_CHECK_PENDING;
	w->status[1].status = ENGINE_CHECK_FAIL;
	w->status[1].value = "worst lag 42s";
	w->status[2].status = ENGINE_CHECK_PENDING;
	w->snap.checks = w->status;
	w->snap.state = ENGINE_CHECKLIST;
	w->snap.in_checklist = 1;
	w->snap.question = ENGINE_Q_SIGNOFF;
	w->snap.check = w->checks[0].id;
	w->pids[0] = 4242;
	w->pids[1] = 5151;	/* ours */
	w->pids[2] = 6363;
	w->ctx.ui = &w->ui;
	w->ctx.snap = &w->snap;
	w->ctx.plan = &w->plan;
	w->ctx.exec_pid = 5151;
	w->ctx.pids = w->pids;
	w->ctx.npids = 3;
	w->ctx.nevents = 40;
	w->ctx.page = 5;
	w->ctx.send = fake_send;
	w->ctx.send_arg = &w->fake;
	keys_sync(&w->ctx, 0);
	*state = w;
	return (0);
}

static int
teardown(void **state)
{
	struct world	*w = *state;

	keys_ui_free(&w->ui);
	free(w);
	return (0);
}

static void
type(struct world *w, const char *s)
{
	for (; *s != '\0'; s++)
		keys_dispatch(&w->ctx, (unsigned char)*s);
}

/* Turn the world into the run screen with the engine asking Q. */
static void
asking(struct world *w, enum engine_question q, const char *prompt)
{
	w->snap.in_checklist = 0;
	w->snap.state = ENGINE_ASKING;
	w->snap.question = q;
	w->snap.prompt = prompt;
	w->snap.check = NULL;
	keys_sync(&w->ctx, 0);
}

static void
running(struct world *w, const char *sql)
{
	w->snap.in_checklist = 0;
	w->snap.state = ENGINE_RUNNING;
	w->snap.question = ENGINE_Q_NONE;
	w->snap.prompt = NULL;
	w->snap.sql = sql;
	keys_sync(&w->ctx, 0);
}

static void
test_checklist_selection_follows_the_asked_item(void **state)
{
	struct world	*w = *state;

	assert_int_equal(keys_state(&w->ctx), KEYS_CHECKLIST);
	assert_int_equal(w->ui.check_sel, 0);
	w->snap.check = w->checks[2].id;
	keys_sync(&w->ctx, 0);
	assert_int_equal(w->ui.check_sel, 2);
}

static void
test_s_signs_off_the_selected_item(void **state)
{
	struct world	*w = *state;

	assert_int_equal(w->ui.focus, UI_FOCUS_CHECKLIST);
	keys_dispatch(&w->ctx, KEYS_FN(KEY_DOWN));
	keys_dispatch(&w->ctx, KEYS_FN(KEY_DOWN));
	assert_int_equal(w->ui.check_sel, 2);
	assert_int_equal(keys_dispatch(&w->ctx, 's'), KEYS_REDRAW);
	assert_int_equal(w->fake.n, 1);
	assert_string_equal(w->fake.log[0], "SIGNOFF oncall");
	keys_dispatch(&w->ctx, KEYS_FN(KEY_HOME));
	keys_dispatch(&w->ctx, '\n');
	assert_string_equal(w->fake.log[1], "SIGNOFF pitr");
}

static void
test_signoff_refused_by_the_engine_shows_why(void **state)
{
	struct world	*w = *state;

	w->fake.refuse = "'lag' is checked by the database; override it "
	    "with a reason instead";
	w->ui.check_sel = 1;
	keys_dispatch(&w->ctx, 's');
	assert_int_equal(w->fake.n, 0);
	assert_non_null(strstr(w->ui.message, "override it with a reason"));
	assert_int_equal(w->ui.message_bad, 1);
}

static void
test_override_asks_a_reason_then_sends_id_and_reason(void **state)
{
	struct world	*w = *state;

	w->ui.check_sel = 1;
	keys_dispatch(&w->ctx, 'o');
	assert_int_equal(keys_state(&w->ctx), KEYS_OVERRIDE);
	/* No reason: nothing is sent, the dialog stays. */
	keys_dispatch(&w->ctx, '\n');
	assert_int_equal(w->fake.n, 0);
	assert_int_equal(keys_state(&w->ctx), KEYS_OVERRIDE);
	/* s and q are text here, not commands. */
	type(w, "replica is a test box, lag is expected q");
	keys_dispatch(&w->ctx, KEYS_FN(KEY_BACKSPACE));
	keys_dispatch(&w->ctx, 127);
	keys_dispatch(&w->ctx, '\r');
	assert_int_equal(w->fake.n, 1);
	assert_string_equal(w->fake.log[0],
	    "OVERRIDE lag replica is a test box, lag is expected");
	assert_int_equal(keys_state(&w->ctx), KEYS_CHECKLIST);
	assert_int_equal(w->ui.ninput, 0);
}

static void
test_override_is_only_for_a_failing_automatic_item(void **state)
{
	struct world	*w = *state;

	w->ui.check_sel = 0;
	keys_dispatch(&w->ctx, 'o');
	assert_int_equal(keys_state(&w->ctx), KEYS_CHECKLIST);
	assert_non_null(strstr(w->ui.message, "s signs it off"));
	assert_int_equal(w->fake.n, 0);
}

static void
test_esc_leaves_the_override_dialog_without_sending(void **state)
{
	struct world	*w = *state;

	w->ui.check_sel = 1;
	keys_dispatch(&w->ctx, 'o');
	type(w, "because");
	keys_dispatch(&w->ctx, KEYS_ESC);
	assert_int_equal(keys_state(&w->ctx), KEYS_CHECKLIST);
	assert_int_equal(w->fake.n, 0);
	assert_int_equal(w->ui.ninput, 0);
}

static void
test_confirm_answers_the_question_on_screen(void **state)
{
	struct world	*w = *state;

	asking(w, ENGINE_Q_CONFIRM, "start phase 'expand':\n  add column: "
	    "ALTER TABLE orders ADD COLUMN e text\n    takes ACCESS EXCLUSIVE");
	assert_int_equal(keys_state(&w->ctx), KEYS_QUESTION);
	assert_int_equal(keys_dispatch(&w->ctx, 'c'), KEYS_REDRAW);
	assert_string_equal(w->fake.log[0], "CONFIRM");
	keys_dispatch(&w->ctx, '\n');
	keys_dispatch(&w->ctx, KEYS_FN(KEY_ENTER));
	assert_int_equal(w->fake.n, 3);
	keys_dispatch(&w->ctx, 'n');
	assert_string_equal(w->fake.log[3], "DECLINE");
}

static void
test_arrows_scroll_a_long_question_and_a_new_one_starts_at_the_top(void **state)
{
	struct world	*w = *state;

	asking(w, ENGINE_Q_CONFIRM, "start phase 'contract': ...");
	w->snap.question_id = 7;
	keys_sync(&w->ctx, 0);
	assert_int_equal(keys_dispatch(&w->ctx, KEYS_FN(KEY_DOWN)),
	    KEYS_REDRAW);
	keys_dispatch(&w->ctx, KEYS_FN(KEY_DOWN));
	assert_int_equal(w->ui.dialog_scroll, 2);
	keys_dispatch(&w->ctx, KEYS_FN(KEY_UP));
	assert_int_equal(w->ui.dialog_scroll, 1);
	/* Scrolling sends nothing to the engine. */
	assert_int_equal(w->fake.n, 0);
	w->snap.question_id = 8;
	keys_sync(&w->ctx, 0);
	assert_int_equal(w->ui.dialog_scroll, 0);
}

static void
test_esc_hides_the_question_and_c_shows_it_again(void **state)
{
	struct world	*w = *state;
	static const char *prompt = "Deploy the dual-writing app version.";

	asking(w, ENGINE_Q_GATE, prompt);
	keys_dispatch(&w->ctx, KEYS_ESC);
	keys_sync(&w->ctx, 0);
	assert_int_equal(keys_state(&w->ctx), KEYS_RUN);
	/* c on the run screen shows the question, it does not answer it. */
	keys_dispatch(&w->ctx, 'c');
	assert_int_equal(w->fake.n, 0);
	assert_int_equal(keys_state(&w->ctx), KEYS_QUESTION);
	keys_dispatch(&w->ctx, 'c');
	assert_string_equal(w->fake.log[0], "CONFIRM");
}

static void
test_a_new_question_shows_itself_after_a_hidden_one(void **state)
{
	struct world	*w = *state;
	char		*again;

	asking(w, ENGINE_Q_STOPPED, "gave up after 5 attempts\nretry, roll "
	    "back or quit?");
	keys_dispatch(&w->ctx, KEYS_ESC);
	assert_int_equal(keys_state(&w->ctx), KEYS_RUN);
	/* The same words asked again (a new prompt) are a new question. */
	again = xstrdup(w->snap.prompt);
	asking(w, ENGINE_Q_STOPPED, again);
	assert_int_equal(keys_state(&w->ctx), KEYS_QUESTION);
	free(again);
}

static void
test_typed_confirmation_sends_what_was_typed(void **state)
{
	struct world	*w = *state;

	asking(w, ENGINE_Q_TYPED, "destructive step 'drop' of phase "
	    "'contract':\n  ALTER TABLE orders DROP COLUMN x\ntype 'orders' "
	    "to run it");
	w->snap.expect = "orders";
	assert_int_equal(keys_state(&w->ctx), KEYS_TYPED);
	type(w, "ordesq");
	keys_dispatch(&w->ctx, KEYS_FN(KEY_BACKSPACE));
	keys_dispatch(&w->ctx, 8);
	type(w, "rs");
	assert_string_equal(w->ui.input, "orders");
	assert_int_equal(w->fake.n, 0);	/* q, c, s were all text */
	keys_dispatch(&w->ctx, '\n');
	assert_string_equal(w->fake.log[0], "CONFIRM orders");
	assert_int_equal(w->ui.ninput, 0);
}

static void
test_typed_input_takes_utf8_and_erases_whole_characters(void **state)
{
	struct world	*w = *state;

	asking(w, ENGINE_Q_TYPED, "type 'bestellungen_ü' to run it");
	keys_dispatch(&w->ctx, 'a');
	keys_dispatch(&w->ctx, 0xfc);		/* ü */
	keys_dispatch(&w->ctx, 0x20ac);		/* € */
	assert_string_equal(w->ui.input, "a\xc3\xbc\xe2\x82\xac");
	keys_dispatch(&w->ctx, 127);
	assert_string_equal(w->ui.input, "a\xc3\xbc");
	keys_dispatch(&w->ctx, KEYS_CTRL('u'));
	assert_string_equal(w->ui.input, "");
}

static void
test_pause_then_resume(void **state)
{
	struct world	*w = *state;
	struct keys_bar_item	 bar[KEYS_BAR_MAX];
	size_t			 i, n;

	running(w, "UPDATE orders SET ...");
	keys_dispatch(&w->ctx, 'p');
	assert_string_equal(w->fake.log[0], "PAUSE");
	assert_non_null(strstr(w->ui.message, "when the running statement"));
	n = keys_bar(&w->ctx, bar, nitems(bar));
	for (i = 0; i < n; i++)
		if (strcmp(bar[i].name, "p") == 0)
			assert_string_equal(bar[i].label, "Resume");
	keys_dispatch(&w->ctx, 'p');
	assert_string_equal(w->fake.log[1], "RESUME");
	assert_int_equal(w->ui.pause_sent, 0);
}

static void
test_rollback_asks_the_engine_and_shows_a_refusal(void **state)
{
	struct world	*w = *state;

	asking(w, ENGINE_Q_GATE, "Deploy.");
	keys_dispatch(&w->ctx, 'r');
	assert_string_equal(w->fake.log[0], "ROLLBACK");
	running(w, "CREATE INDEX CONCURRENTLY ...");
	w->fake.refuse = "a statement is running: cancel it first";
	keys_dispatch(&w->ctx, 'r');
	assert_string_equal(w->ui.message, "a statement is running: cancel it "
	    "first");
}

static void
test_x_asks_before_cancelling_the_statement(void **state)
{
	struct world	*w = *state;

	asking(w, ENGINE_Q_GATE, "Deploy.");
	keys_dispatch(&w->ctx, KEYS_ESC);
	keys_dispatch(&w->ctx, 'x');
	assert_int_equal(keys_state(&w->ctx), KEYS_RUN);
	assert_string_equal(w->ui.message, "no statement is running");

	running(w, "ALTER TABLE orders ADD COLUMN e text");
	keys_dispatch(&w->ctx, 'x');
	assert_int_equal(keys_state(&w->ctx), KEYS_CANCEL);
	keys_dispatch(&w->ctx, 'n');
	assert_int_equal(keys_state(&w->ctx), KEYS_RUN);
	assert_int_equal(w->fake.n, 0);
	keys_dispatch(&w->ctx, 'x');
	keys_dispatch(&w->ctx, 'y');
	assert_int_equal(w->fake.n, 1);
	assert_string_equal(w->fake.log[0], "CANCEL");
}

static void
test_k_terminates_the_selected_session_after_asking(void **state)
{
	struct world	*w = *state;

	running(w, "ALTER TABLE orders ADD COLUMN e text");
	keys_dispatch(&w->ctx, 'k');
	assert_int_equal(keys_state(&w->ctx), KEYS_RUN);
	assert_non_null(strstr(w->ui.message, "no session selected"));

	/* Past the checklist the arrows move in the sessions. */
	assert_int_equal(w->ui.focus, UI_FOCUS_LOCKS);
	keys_dispatch(&w->ctx, KEYS_FN(KEY_DOWN));
	assert_int_equal(w->ui.pid_sel, 4242);
	keys_dispatch(&w->ctx, KEYS_FN(KEY_DOWN));
	assert_int_equal(w->ui.pid_sel, 5151);
	keys_dispatch(&w->ctx, 'k');
	assert_non_null(strstr(w->ui.message, "own backend"));
	assert_int_equal(keys_state(&w->ctx), KEYS_RUN);

	keys_dispatch(&w->ctx, KEYS_FN(KEY_END));
	assert_int_equal(w->ui.pid_sel, 6363);
	keys_dispatch(&w->ctx, 'k');
	assert_int_equal(keys_state(&w->ctx), KEYS_KILL);
	assert_int_equal(w->ui.kill_pid, 6363);
	/* The target is frozen when asked, whatever moves meanwhile. */
	w->ui.pid_sel = 4242;
	assert_int_equal(keys_dispatch(&w->ctx, 't'),
	    KEYS_REDRAW | KEYS_REFRESH);
	assert_string_equal(w->fake.log[0], "TERMINATE 6363");
	assert_int_equal(keys_state(&w->ctx), KEYS_RUN);
}

static void
test_selection_follows_the_blocker_until_the_operator_picks(void **state)
{
	struct world	*w = *state;

	running(w, "ALTER TABLE orders ADD COLUMN e text");
	keys_sync(&w->ctx, 6363);
	assert_int_equal(w->ui.pid_sel, 6363);
	w->ui.focus = UI_FOCUS_LOCKS;
	keys_dispatch(&w->ctx, KEYS_FN(KEY_UP));
	assert_int_equal(w->ui.pid_sel, 5151);
	keys_sync(&w->ctx, 4242);
	assert_int_equal(w->ui.pid_sel, 5151);
	/* The picked session goes away: back to following. */
	w->pids[1] = 7777;
	keys_sync(&w->ctx, 4242);
	assert_int_equal(w->ui.pid_sel, 4242);
	w->ctx.npids = 0;
	keys_sync(&w->ctx, 0);
	assert_int_equal(w->ui.pid_sel, 0);
}

static void
test_quit_asks_only_while_a_statement_runs(void **state)
{
	struct world	*w = *state;

	running(w, "CREATE INDEX CONCURRENTLY i ON orders (e)");
	keys_dispatch(&w->ctx, 'q');
	assert_int_equal(keys_state(&w->ctx), KEYS_QUIT);
	assert_int_equal(w->fake.n, 0);
	keys_dispatch(&w->ctx, KEYS_ESC);
	assert_int_equal(keys_state(&w->ctx), KEYS_RUN);
	keys_dispatch(&w->ctx, 'q');
	assert_int_equal(keys_dispatch(&w->ctx, 'y'), KEYS_REDRAW);
	assert_string_equal(w->fake.log[0], "QUIT");
	assert_int_equal(w->ui.quit_sent, 1);
}

static void
test_quit_when_idle_sends_quit_and_when_finished_leaves(void **state)
{
	struct world	*w = *state;

	asking(w, ENGINE_Q_CONFIRM, "start phase 'expand'");
	keys_dispatch(&w->ctx, 'q');
	assert_string_equal(w->fake.log[0], "QUIT");
	w->snap.state = ENGINE_DONE;
	w->snap.question = ENGINE_Q_NONE;
	w->ctx.finished = 1;
	keys_sync(&w->ctx, 0);
	assert_int_equal(keys_dispatch(&w->ctx, 'q'), KEYS_QUIT_NOW);
	assert_int_equal(w->fake.n, 1);
}

static void
test_small_terminal_takes_only_quit_and_repaint(void **state)
{
	struct world	*w = *state;

	w->ctx.too_small = 1;
	assert_int_equal(keys_state(&w->ctx), KEYS_SMALL);
	assert_int_equal(keys_dispatch(&w->ctx, 's'), 0);
	assert_int_equal(keys_dispatch(&w->ctx, KEYS_CTRL('l')),
	    KEYS_REDRAW | KEYS_REPAINT | KEYS_REFRESH);
	running(w, "UPDATE orders SET ...");
	keys_dispatch(&w->ctx, 'q');
	/* The quit question is answered even on a small screen. */
	assert_int_equal(keys_state(&w->ctx), KEYS_QUIT);
	keys_dispatch(&w->ctx, 'y');
	assert_string_equal(w->fake.log[0], "QUIT");
}

static void
test_help_opens_scrolls_and_closes(void **state)
{
	struct world	*w = *state;

	keys_dispatch(&w->ctx, '?');
	assert_int_equal(keys_state(&w->ctx), KEYS_HELP);
	keys_dispatch(&w->ctx, KEYS_FN(KEY_NPAGE));
	assert_int_equal(w->ui.help_scroll, 4);
	/* Keys of the screen below do nothing while help is up. */
	assert_int_equal(keys_dispatch(&w->ctx, 's'), 0);
	keys_dispatch(&w->ctx, KEYS_ESC);
	assert_int_equal(keys_state(&w->ctx), KEYS_CHECKLIST);
	assert_int_equal(w->fake.n, 0);
}

static void
test_events_scroll_back_in_time_with_up(void **state)
{
	struct world	*w = *state;

	running(w, NULL);
	keys_dispatch(&w->ctx, '\t');
	assert_int_equal(w->ui.focus, UI_FOCUS_EVENTS);
	keys_dispatch(&w->ctx, KEYS_FN(KEY_UP));
	keys_dispatch(&w->ctx, KEYS_FN(KEY_UP));
	assert_int_equal(w->ui.event_scroll, 2);
	keys_dispatch(&w->ctx, KEYS_FN(KEY_END));
	assert_int_equal(w->ui.event_scroll, 0);
	keys_dispatch(&w->ctx, KEYS_FN(KEY_HOME));
	assert_int_equal(w->ui.event_scroll, 39);
}

static int
bar_has(const struct keys_bar_item *bar, size_t n, const char *name,
    const char *label)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(bar[i].name, name) == 0 &&
		    strcmp(bar[i].label, label) == 0)
			return (bar[i].enabled ? 1 : -1);
	return (0);
}

static void
test_key_bar_shows_what_each_key_does_now(void **state)
{
	struct world		*w = *state;
	struct keys_bar_item	 bar[KEYS_BAR_MAX];
	size_t			 n;

	n = keys_bar(&w->ctx, bar, nitems(bar));
	assert_int_equal(bar_has(bar, n, "s", "Sign off"), 1);
	assert_int_equal(bar_has(bar, n, "?", "Help"), 1);
	assert_int_equal(bar_has(bar, n, "q", "Quit"), 1);
	assert_int_equal(bar_has(bar, n, "o", "Override"), -1);

	asking(w, ENGINE_Q_STOPPED, "gave up\nretry, roll back or quit?");
	n = keys_bar(&w->ctx, bar, nitems(bar));
	assert_int_equal(bar_has(bar, n, "c/Enter", "Retry"), 1);
	assert_int_equal(bar_has(bar, n, "r", "Rollback"), 1);

	running(w, "ALTER TABLE orders ADD COLUMN e text");
	n = keys_bar(&w->ctx, bar, nitems(bar));
	assert_int_equal(bar_has(bar, n, "x", "Cancel"), 1);
	assert_int_equal(bar_has(bar, n, "r", "Rollback"), -1);
	assert_int_equal(bar_has(bar, n, "c/Enter", "Confirm"), -1);
	assert_int_equal(bar_has(bar, n, "k", "Kill"), -1);
}

/* A later entry for the same key and state would never be reached. */
static void
test_no_entry_of_the_table_is_shadowed(void **state)
{
	size_t	i, j;

	(void)state;
	for (i = 0; i < keys_ntable; i++) {
		assert_non_null(keys_table[i].fn);
		for (j = 0; j < i; j++) {
			if (keys_table[j].key != keys_table[i].key)
				continue;
			if ((keys_table[j].states & keys_table[i].states) != 0)
				fail_msg("entry %zu (key %d) is shadowed by %zu",
				    i, keys_table[i].key, j);
		}
		if (keys_table[i].label != NULL)
			assert_non_null(keys_table[i].name);
	}
}

/* ---------------------------------------------------------- lock rows */

static void
test_lock_rows_put_the_queue_first_and_flag_our_blocker(void **state)
{
	struct monitor_session		ss[4];
	struct monitor_lock_node	ln[3];
	struct monitor_view		v;
	struct locks_row		*r;
	size_t				n;

	(void)state;
	memset(ss, 0, sizeof ss);
	memset(ln, 0, sizeof ln);
	memset(&v, 0, sizeof v);
	ss[0].pid = 100;	/* idle, reading something else */
	ss[1].pid = 4242;	/* holds the lock */
	ss[2].pid = 5151;	/* us, waiting */
	ss[3].pid = 6363;	/* waits behind us */
	ln[0] = (struct monitor_lock_node){ .pid = 4242, .granted = 1,
	    .mode = "AccessShareLock", .target = "orders", .wait_ms = -1,
	    .session = 1 };
	ln[1] = (struct monitor_lock_node){ .pid = 5151, .depth = 1,
	    .parent = 4242, .mode = "AccessExclusiveLock", .target = "orders",
	    .wait_ms = 1200, .session = 2 };
	ln[2] = (struct monitor_lock_node){ .pid = 6363, .depth = 2,
	    .parent = 5151, .soft = 1, .mode = "AccessShareLock",
	    .target = "orders", .wait_ms = 800, .session = 3 };
	v.sessions = ss;
	v.nsessions = 4;
	v.locks = ln;
	v.nlocks = 3;
	v.exec_pid = 5151;

	n = locks_rows(&v, NULL, 0, &r);
	assert_int_equal(n, 4);
	assert_int_equal(r[0].pid, 4242);
	assert_int_equal(r[0].blocks_self, 1);
	assert_ptr_equal(r[0].session, &ss[1]);
	assert_int_equal(r[1].pid, 5151);
	assert_int_equal(r[1].self, 1);
	assert_int_equal(r[1].depth, 1);
	assert_int_equal(r[2].pid, 6363);
	assert_int_equal(r[2].blocks_self, 0);
	assert_int_equal(r[3].pid, 100);
	assert_null(r[3].node);
	assert_int_equal(locks_blocker(r, n), 4242);
	free(r);

	v.exec_pid = 100;
	n = locks_rows(&v, NULL, 0, &r);
	assert_int_equal(locks_blocker(r, n), 0);
	free(r);

	/* The engine saw 4242 in the way when the monitor's tree did not
	 * show our wait: still flagged, and the one to act on. */
	{
		const int	seen[] = { 4242 };

		n = locks_rows(&v, seen, 1, &r);
		assert_int_equal(r[0].pid, 4242);
		assert_int_equal(r[0].blocks_self, 1);
		assert_int_equal(locks_blocker(r, n), 4242);
		free(r);
	}
	assert_int_equal(locks_rows(NULL, NULL, 0, &r), 0);
	assert_null(r);
}

/* The clock is the context's now_ms: no sleeping. */
static void
test_a_confirm_key_within_300ms_of_a_new_question_is_ignored(void **state)
{
	struct world	*w = *state;

	w->ctx.now_ms = 10000;
	w->snap.in_checklist = 0;
	w->snap.state = ENGINE_ASKING;
	w->snap.question = ENGINE_Q_GATE;
	w->snap.prompt = "Deploy the dual-writing app version.";
	w->snap.question_id = 1;
	keys_sync(&w->ctx, 0);
	w->ctx.now_ms = 10299;
	assert_int_equal(keys_dispatch(&w->ctx, 'c'), KEYS_REDRAW);
	assert_int_equal(w->fake.n, 0);
	assert_string_equal(w->ui.message,
	    "c ignored: new question, read it first");
	assert_int_equal(keys_state(&w->ctx), KEYS_QUESTION);
	w->ctx.now_ms = 10300;
	keys_dispatch(&w->ctx, 'c');
	assert_int_equal(w->fake.n, 1);
	assert_string_equal(w->fake.log[0], "CONFIRM");

	/* The gate's confirmation brings the next phase's question: the
	 * second c of a quick pair is not its answer, nor is Enter. */
	w->snap.question = ENGINE_Q_CONFIRM;
	w->snap.prompt = "start phase 'backfill'";
	w->snap.question_id = 2;
	w->ctx.now_ms = 10310;
	keys_sync(&w->ctx, 0);
	w->ctx.now_ms = 10400;
	keys_dispatch(&w->ctx, 'c');
	keys_dispatch(&w->ctx, '\r');
	assert_int_equal(w->fake.n, 1);
	assert_string_equal(w->ui.message,
	    "Enter ignored: new question, read it first");
	w->ctx.now_ms = 10610;
	keys_dispatch(&w->ctx, '\r');
	assert_int_equal(w->fake.n, 2);

	/* A question the console has not synced yet is new when the key
	 * comes. */
	w->snap.question_id = 3;
	w->ctx.now_ms = 20000;
	keys_dispatch(&w->ctx, 'c');
	assert_int_equal(w->fake.n, 2);
	w->ctx.now_ms = 20300;
	keys_dispatch(&w->ctx, 'c');
	assert_int_equal(w->fake.n, 3);
}

static void
test_checklist_signoff_within_300ms_of_the_next_item_is_ignored(void **state)
{
	struct world	*w = *state;

	w->ctx.now_ms = 5000;
	w->snap.question_id = 4;
	keys_sync(&w->ctx, 0);
	w->ctx.now_ms = 5100;
	keys_dispatch(&w->ctx, 's');
	assert_int_equal(w->fake.n, 0);
	assert_string_equal(w->ui.message,
	    "s ignored: new question, read it first");
	w->ctx.now_ms = 5300;
	keys_dispatch(&w->ctx, 's');
	assert_string_equal(w->fake.log[0], "SIGNOFF pitr");
}

/* The watcher's seam: the journal writes, recorded like the engine's. */
static int
fake_watch_send(void *arg, enum keys_watch_cmd cmd, const char *a,
    char **cause)
{
	struct fake	*f = arg;

	(void)cause;
	if (f->n < nitems(f->log)) {
		snprintf(f->log[f->n], sizeof f->log[f->n], "%s %s",
		    cmd == KEYS_WATCH_SIGNOFF ? "COSIGN" : "NOTE", a);
		f->n++;
	}
	return (0);
}

static void
test_watch_signoff_shows_the_phase_and_wants_its_name_typed(void **state)
{
	struct world	*w = *state;
	struct ui_watch	 uw;

	memset(&uw, 0, sizeof uw);
	uw.operator = "bob";
	uw.driver = "alice";
	w->ctx.watch = &uw;
	w->ctx.send = NULL;
	w->ctx.watch_send = fake_watch_send;
	w->ctx.watch_arg = &w->fake;
	w->snap.in_checklist = 0;
	w->snap.state = ENGINE_WAITING;
	w->snap.question = ENGINE_Q_NONE;
	w->ctx.now_ms = 1000;
	keys_sync(&w->ctx, 0);
	keys_dispatch(&w->ctx, 's');
	assert_non_null(strstr(w->ui.message, "nothing to sign off"));

	/* The driver starts waiting: s at once is not taken. */
	uw.waiting_phase = "contract";
	uw.cosign_text = "  drop: ALTER TABLE orders DROP COLUMN note\n";
	w->ctx.now_ms = 2000;
	keys_sync(&w->ctx, 0);
	w->ctx.now_ms = 2100;
	keys_dispatch(&w->ctx, 's');
	assert_int_equal(keys_state(&w->ctx), KEYS_RUN);
	assert_string_equal(w->ui.message,
	    "s ignored: new question, read it first");

	/* s shows the statements and asks for the name; a wrong one
	 * writes nothing. */
	w->ctx.now_ms = 2400;
	keys_dispatch(&w->ctx, 's');
	assert_int_equal(keys_state(&w->ctx), KEYS_COSIGN);
	assert_int_equal(w->fake.n, 0);
	type(w, "contrat");
	keys_dispatch(&w->ctx, '\r');
	assert_int_equal(w->fake.n, 0);
	assert_string_equal(w->ui.message,
	    "typed 'contrat', expected 'contract': nothing was written");
	assert_int_equal(keys_state(&w->ctx), KEYS_COSIGN);
	keys_dispatch(&w->ctx, KEYS_CTRL('u'));
	type(w, "contract");
	keys_dispatch(&w->ctx, '\r');
	assert_int_equal(w->fake.n, 1);
	assert_string_equal(w->fake.log[0], "COSIGN contract");
	assert_int_equal(keys_state(&w->ctx), KEYS_RUN);

	/* A dialog whose phase got signed meanwhile closes. */
	keys_dispatch(&w->ctx, 's');
	assert_int_equal(keys_state(&w->ctx), KEYS_COSIGN);
	uw.waiting_phase = NULL;
	keys_sync(&w->ctx, 0);
	assert_int_equal(keys_state(&w->ctx), KEYS_RUN);
	w->ctx.watch = NULL;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_checklist_selection_follows_the_asked_item),
		T(test_s_signs_off_the_selected_item),
		T(test_signoff_refused_by_the_engine_shows_why),
		T(test_override_asks_a_reason_then_sends_id_and_reason),
		T(test_override_is_only_for_a_failing_automatic_item),
		T(test_esc_leaves_the_override_dialog_without_sending),
		T(test_confirm_answers_the_question_on_screen),
		T(test_arrows_scroll_a_long_question_and_a_new_one_starts_at_the_top),
		T(test_esc_hides_the_question_and_c_shows_it_again),
		T(test_a_new_question_shows_itself_after_a_hidden_one),
		T(test_typed_confirmation_sends_what_was_typed),
		T(test_typed_input_takes_utf8_and_erases_whole_characters),
		T(test_pause_then_resume),
		T(test_rollback_asks_the_engine_and_shows_a_refusal),
		T(test_x_asks_before_cancelling_the_statement),
		T(test_k_terminates_the_selected_session_after_asking),
		T(test_selection_follows_the_blocker_until_the_operator_picks),
		T(test_quit_asks_only_while_a_statement_runs),
		T(test_quit_when_idle_sends_quit_and_when_finished_leaves),
		T(test_small_terminal_takes_only_quit_and_repaint),
		T(test_help_opens_scrolls_and_closes),
		T(test_events_scroll_back_in_time_with_up),
		T(test_key_bar_shows_what_each_key_does_now),
		T(test_a_confirm_key_within_300ms_of_a_new_question_is_ignored),
		T(test_checklist_signoff_within_300ms_of_the_next_item_is_ignored),
		T(test_watch_signoff_shows_the_phase_and_wants_its_name_typed),
		cmocka_unit_test(test_no_entry_of_the_table_is_shadowed),
		cmocka_unit_test(test_lock_rows_put_the_queue_first_and_flag_our_blocker),
#undef T
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
