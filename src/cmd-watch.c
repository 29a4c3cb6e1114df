/*
 * bellows watch [-d CONNINFO] [--no-tui] [--operator NAME] NAME|PLAN
 *
 * Follow a run driven from another terminal, read-only: the journal's
 * events as they happen (LISTEN bellows; the driver notifies on every
 * write; a poll every two seconds covers a lost notification), who drives
 * and since when, and a clear word when the driver has gone away (the
 * run's advisory lock released without the run finishing).  A watcher
 * cannot change the run; it can add notes to the journal (the driver
 * shows them within a second) and give the second sign-off of a phase
 * listed in require_second_signoff, after seeing the phase's statements
 * and the locks they take and typing the phase's name.  Lines on
 * standard input: "note TEXT", "signoff [PHASE]" (then the phase's name
 * on the next line), "quit".
 *
 * On a terminal (standard input and output) the console opens read-only:
 * the driver's regions rebuilt from the journal (watchview.h), the
 * sessions and locks from a monitor connection of the watcher's own, the
 * journal's events in the event log, and a key table without any key
 * that changes the run (s: second sign-off, the phase name typed; n:
 * note; q: leave).  Without
 * a terminal, or with --no-tui, one line per event, and during a backfill
 * a progress line at most every WATCH_PROGRESS_MS (batches are not events:
 * the journal keeps the cursor and counters, committed with each batch).
 * A lost connection is tried again every WATCH_POLL_MS for up to
 * WATCH_RECONNECT_MS; the events written meanwhile follow from the
 * journal.
 *
 * Exit: 0 when the run finished (done or rolled back) or the watcher quit;
 * 1 no such run; 2 usage; 3 connection error (or lost for good).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "conn.h"
#include "console.h"
#include "journal.h"
#include "monitor.h"
#include "plan.h"
#include "report.h"
#include "trust.h"
#include "util.h"
#include "watchview.h"

#define WATCH_POLL_MS	2000
#define WATCH_PROGRESS_MS	2000
#define WATCH_RECONNECT_MS	(5 * 60 * 1000)
/* The console looks at the run at least this often, notification or not:
 * a lost NOTIFY, or a driver that died (which notifies nobody), shows
 * within a second. */
#define WATCH_TUI_POLL_MS	1000
/* While the driver reconnects, the headless form says so this often. */
#define WATCH_RECONNECTING_SAY_MS	10000

static int	watch_exec(const struct cmd_entry *, int, char **);

const struct cmd_entry cmd_watch_entry = {
	"watch", "[-d CONNINFO] [--no-tui] [--operator NAME] NAME|PLAN",
	"follow a run driven elsewhere, read-only",
	"  -d, --dbname=CONNINFO  database to connect to (libpq conninfo, URI or name)\n"
	"  --no-tui               one line per event instead of the console\n"
	"  --operator=NAME        the name recorded with notes and sign-offs\n"
	"                         (default: login name)\n"
	"Console keys: s second sign-off, n note, Tab/arrows, ? help, q quit.\n"
	"With --no-tui, on standard input: 'note TEXT', 'signoff [PHASE]' (then\n"
	"the phase name, to co-sign it), 'quit'.\n",
	watch_exec
};

struct watch {
	struct conn	*c;
	const char	*name;
	const char	*operator;
	const char	*conninfo;	/* as given, for the take-over command */
	int64_t		 last_id;
	int		 presence;	/* enum watchview_presence; -1: none yet */
	int64_t		 free_since;	/* lock seen free since (-1: held) */
	int64_t		 said_at;	/* the last word on the driver */
	const struct plan *plan;	/* the file given, or NULL */
	char		*cosign;	/* its statements shown: the phase whose
					   name the next line must type */
	char		*state;
	/* The backfill's counters at the last progress line. */
	int		 bf_phase;	/* -1: none shown yet */
	int64_t		 bf_batches, bf_rows, bf_at;
};

static void
watch_print_event(const struct journal_event *ev)
{
	printf("%s %s%s%s %s%s%s: %s\n", ev->at != NULL ? ev->at + 11 : "-",
	    ev->phase != NULL ? ev->phase : "-", ev->step != NULL ? "/" : "",
	    ev->step != NULL ? ev->step : "", ev->kind,
	    ev->operator != NULL ? " by " : "",
	    ev->operator != NULL ? ev->operator : "",
	    ev->detail != NULL ? ev->detail : "");
}

/* Print events after the last seen; 0 or -1. */
static int
watch_events(struct watch *w)
{
	struct journal_event	*ev;
	size_t			 n, i;
	char			*cause = NULL;

	if (journal_events_since(w->c, w->name, w->last_id, &ev, &n,
	    &cause) != 0) {
		fprintf(stderr, "bellows watch: %s\n", cause);
		free(cause);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		watch_print_event(&ev[i]);
		w->last_id = ev[i].id;
	}
	journal_events_free(ev, n);
	return (0);
}

/* A running backfill's counters, when they moved and the last line is
 * WATCH_PROGRESS_MS old: rows, batches, the cursor and the rate since
 * (none after a longer gap: a pause would drag it down). */
static void
watch_progress(struct watch *w, const struct journal_run *run)
{
	const struct journal_step	*st;
	int64_t				 now = util_now_ms();
	double				 rate;
	size_t				 i;

	for (i = 0; i < run->nsteps; i++) {
		st = &run->steps[i];
		if (st->step != -1 || st->kind == NULL ||
		    strcmp(st->kind, JOURNAL_KIND_BACKFILL) != 0 ||
		    st->state == NULL || strcmp(st->state, JOURNAL_RUNNING) != 0)
			continue;
		if (st->phase == w->bf_phase && (st->batches == w->bf_batches ||
		    now - w->bf_at < WATCH_PROGRESS_MS))
			return;
		printf("-- %s: %" PRId64 " rows in %" PRId64 " batches, up to "
		    "key %s", st->phase_name != NULL ? st->phase_name : "?",
		    st->rows_done, st->batches, st->cursor != NULL ?
		    st->cursor : "-");
		if (st->phase == w->bf_phase && now > w->bf_at &&
		    now - w->bf_at <= 3 * WATCH_PROGRESS_MS) {
			rate = (double)(st->rows_done - w->bf_rows) * 1000.0 /
			    (double)(now - w->bf_at);
			printf(" (%.0f rows/s)", rate);
		}
		printf("\n");
		w->bf_phase = st->phase;
		w->bf_batches = st->batches;
		w->bf_rows = st->rows_done;
		w->bf_at = now;
		return;
	}
}

/*
 * The connection dropped (a server restart, a network cut): say so and
 * try again every WATCH_POLL_MS, for up to WATCH_RECONNECT_MS.  0 when it
 * is back (listening again; the next look prints what was missed).
 */
static int
watch_reconnect(struct watch *w)
{
	struct conn_error	 err = { 0 };
	int64_t			 until = util_now_ms() + WATCH_RECONNECT_MS;
	char			*m;

	m = xstrdup(PQerrorMessage(conn_pg(w->c)));
	m[strcspn(m, "\n")] = '\0';
	printf("-- connection lost%s%s; trying again every %d s for %d "
	    "minutes\n", *m != '\0' ? ": " : "", m, WATCH_POLL_MS / 1000,
	    WATCH_RECONNECT_MS / 60000);
	free(m);
	fflush(stdout);
	for (;;) {
		poll(NULL, 0, WATCH_POLL_MS);
		if (conn_reset(w->c, &err) == 0)
			break;
		conn_error_clear(&err);
		if (util_now_ms() >= until) {
			fprintf(stderr, "bellows watch: the connection did not "
			    "come back in %d minutes\n", WATCH_RECONNECT_MS /
			    60000);
			return (-1);
		}
	}
	if (conn_command(w->c, "LISTEN bellows", 0, NULL, &err) != 0)
		conn_error_clear(&err);
	printf("-- reconnected to %s\n", conn_describe(w->c));
	fflush(stdout);
	return (0);
}

/*
 * What to say when the driver's presence is PR (watchview_presence), for
 * both forms: NULL when nothing.  Until the window has passed, a free lock
 * is a driver reconnecting, and nobody is told to run the plan again.
 */
static char *
watch_presence_text(struct watch *w, const struct journal_run *run,
    enum watchview_presence pr)
{
	char	*cmd, *m;
	int64_t	 free_s = w->free_since < 0 ? 0 :
		    (util_now_ms() - w->free_since) / 1000;

	switch (pr) {
	case WATCHVIEW_NO_DRIVER:
	case WATCHVIEW_FINISHED:
		return (NULL);
	case WATCHVIEW_DRIVING:
		return (xasprintf("driven by %s on %s (pid %d) since %s",
		    run->driver.operator != NULL ? run->driver.operator : "?",
		    run->driver.host != NULL ? run->driver.host : "?",
		    run->driver.client_pid, run->driver.since != NULL ?
		    run->driver.since : "?"));
	case WATCHVIEW_RECONNECTING:
		return (xasprintf("driver reconnecting (lock free for %llds): "
		    "nobody holds the run right now, most likely a lost "
		    "connection that %s is retrying; it counts as gone after "
		    "%llds; do not start another run", (long long)free_s,
		    run->driver.operator != NULL ? run->driver.operator : "the "
		    "driver", (long long)(watchview_gone_ms() / 1000)));
	case WATCHVIEW_GONE:
		break;
	}
	cmd = watchview_takeover(run, w->conninfo);
	if (strcmp(run->state, "interrupted") == 0)
		m = xasprintf("the driver has gone away: it stopped the run "
		    "(interrupted) and let go; to take over: %s", cmd);
	else
		m = xasprintf("the driver has gone away: nobody has held the run "
		    "for %llds and it has not finished (state %s); to take over: "
		    "%s", (long long)free_s, run->state, cmd);
	free(cmd);
	return (m);
}

/* Look at the run: state and driver.  1 when it finished, 0 when it goes
 * on, -1 on error. */
static int
watch_look(struct watch *w, int first)
{
	struct journal_run	*run;
	enum watchview_presence	 pr;
	char			*cause = NULL, *m;
	int			 rc;

	rc = journal_load(w->c, w->name, 0, &run, &cause);
	if (rc <= 0) {
		if (rc == 0)
			fprintf(stderr, "bellows watch: the run '%s' is gone\n",
			    w->name);
		else {
			fprintf(stderr, "bellows watch: %s\n", cause);
			free(cause);
		}
		return (-1);
	}
	pr = watchview_presence(run, util_now_ms(), watchview_gone_ms(),
	    &w->free_since);
	if (first || (int)pr != w->presence || (pr == WATCHVIEW_RECONNECTING &&
	    util_now_ms() - w->said_at >= WATCH_RECONNECTING_SAY_MS)) {
		if ((m = watch_presence_text(w, run, pr)) != NULL)
			printf("-- %s\n", m);
		free(m);
		w->presence = (int)pr;
		w->said_at = util_now_ms();
	}
	if (w->state == NULL || strcmp(w->state, run->state) != 0) {
		if (!first)
			printf("-- run state: %s\n", run->state);
		free(w->state);
		w->state = xstrdup(run->state);
	}
	watch_progress(w, run);
	rc = strcmp(run->state, "done") == 0 ||
	    strcmp(run->state, "rolled_back") == 0;
	journal_run_free(run);
	fflush(stdout);
	return (rc);
}

/* The phase a second sign-off is for: the one named, else the phase of
 * the first step not done. */
static char *
watch_current_phase(struct watch *w, char **cause)
{
	struct journal_run	*run;
	struct journal_step	*st;
	char			*phase = NULL;

	if (journal_load(w->c, w->name, 0, &run, cause) != 1)
		return (NULL);
	if ((st = journal_run_current(run)) != NULL && st->phase_name != NULL)
		phase = xstrdup(st->phase_name);
	else
		*cause = xstrdup("every phase is done: nothing to sign off");
	journal_run_free(run);
	return (phase);
}

/*
 * Whether the driver waits for a second sign-off of PHASE from someone
 * other than itself: its latest word on that phase in the journal is
 * "awaiting-second-signoff", not yet "second-signoff-seen".  Says why
 * not, on stdout, when it does not.
 */
static int
watch_awaiting(struct watch *w, const char *phase)
{
	struct journal_run	*run;
	const struct journal_event *ev;
	char			*cause = NULL;
	size_t			 i;
	int			 waiting = 0;

	if (journal_load(w->c, w->name, 200, &run, &cause) != 1) {
		printf("bellows watch: %s\n", cause != NULL ? cause :
		    "the run is gone");
		free(cause);
		return (0);
	}
	for (i = run->nevents; i-- > 0;) {
		ev = &run->events[i];
		if (ev->phase == NULL || strcmp(ev->phase, phase) != 0)
			continue;
		if (strcmp(ev->kind, "second-signoff-seen") == 0)
			break;
		if (strcmp(ev->kind, "awaiting-second-signoff") == 0) {
			waiting = 1;
			break;
		}
	}
	if (!waiting)
		printf("bellows watch: the driver is not waiting for a second "
		    "sign-off of phase '%s'\n", phase);
	else if (run->driver.operator != NULL &&
	    strcmp(run->driver.operator, w->operator) == 0) {
		printf("bellows watch: %s drives the run: a second sign-off "
		    "needs another operator (--operator)\n", w->operator);
		waiting = 0;
	}
	journal_run_free(run);
	return (waiting);
}

/*
 * "signoff [PHASE]", first half: the statements the driver runs once the
 * phase is co-signed, each with the lock it takes, then the phase's name
 * is asked for (the driver's typed confirmation, for the second person).
 */
static void
watch_cosign_show(struct watch *w, char *phase)
{
	struct journal_run	*run = NULL;
	struct plan		*stored = NULL;
	const struct plan	*p = w->plan;
	char			*cause = NULL, *text;

	if (p == NULL) {
		if (journal_load(w->c, w->name, 0, &run, &cause) == 1)
			stored = report_plan(run, &cause);
		journal_run_free(run);
		if ((p = stored) == NULL) {
			printf("bellows watch: %s; nothing was written\n",
			    cause != NULL ? cause : "the run is gone");
			free(cause);
			free(phase);
			return;
		}
	}
	text = watchview_phase_text(p, phase);
	printf("-- second sign-off of phase '%s': once co-signed, the driver "
	    "runs\n%s-- type the phase name '%s' to co-sign it as %s "
	    "(anything else: nothing is written)\n", phase, text, phase,
	    w->operator);
	fflush(stdout);
	free(text);
	plan_free(stored);
	free(w->cosign);
	w->cosign = phase;
}

/* The second half: LINE must be the phase's name. */
static void
watch_cosign_typed(struct watch *w, const char *line)
{
	char	*phase = w->cosign, *cause = NULL;

	w->cosign = NULL;
	if (strcmp(line, phase) != 0)
		printf("bellows watch: refused: typed '%s', expected '%s'; "
		    "nothing was written\n", line, phase);
	else if (watch_awaiting(w, phase)) {
		if (journal_event(w->c, w->name, w->operator, phase, NULL,
		    "second-signoff", "co-signed from bellows watch, the phase "
		    "name typed", &cause) != 0) {
			printf("bellows watch: %s\n", cause);
			free(cause);
		} else
			printf("-- phase '%s' co-signed by %s\n", phase,
			    w->operator);
	}
	free(phase);
}

static void
watch_line(struct watch *w, char *line, int *quit)
{
	char	*phase, *cause = NULL;

	if (strcmp(line, "quit") == 0 || strcmp(line, "q") == 0) {
		*quit = 1;
		return;
	}
	if (w->cosign != NULL) {
		watch_cosign_typed(w, line);
		return;
	}
	if (strncmp(line, "note ", 5) == 0 && line[5] != '\0') {
		if (journal_event(w->c, w->name, w->operator, NULL, NULL, "note",
		    line + 5, &cause) != 0) {
			printf("bellows watch: %s\n", cause);
			free(cause);
		}
		return;
	}
	if (strcmp(line, "signoff") == 0 || strncmp(line, "signoff ", 8) == 0) {
		if (line[7] == ' ' && line[8] != '\0')
			phase = xstrdup(line + 8);
		else if ((phase = watch_current_phase(w, &cause)) == NULL) {
			printf("bellows watch: %s\n", cause);
			free(cause);
			return;
		}
		if (!watch_awaiting(w, phase)) {
			free(phase);
			return;
		}
		watch_cosign_show(w, phase);
		return;
	}
	if (*line != '\0')
		printf("(type 'note TEXT', 'signoff [PHASE]' or 'quit')\n");
}

/* ------------------------------------------------------------ console */

/*
 * The console's source for a run driven elsewhere: the journal, read on
 * the watcher's connection when a NOTIFY arrives and once a second
 * anyway.  The reads are single-row selects, short like the headless
 * form's; the monitor's refreshes stay asynchronous.
 */
struct watch_tui {
	struct watch		*w;
	const struct plan	*plan;
	struct watchview	*wv;
	struct console		*con;
	struct monitor		*mon;
	struct ui_watch		 uw;
	char			 since[16];
	int64_t			 next_ms;	/* next look, console clock */
	int			 notified;	/* a NOTIFY came in since the look */
	int			 lost;		/* the journal connection is gone */
	int64_t			 retry_ms;	/* next reconnect attempt */
	char			*cosign_phase;	/* cosign_text is of this phase */
	char			*cosign_text;
};

/* A journal time as the wall clock (for the event log), now when none. */
static time_t
watch_time(const char *at)
{
	int64_t	ms = report_parse_time(at);

	return (ms < 0 ? time(NULL) : (time_t)(ms / 1000));
}

static void
watch_tui_lost(struct watch_tui *t, const char *why)
{
	if (t->lost)
		return;
	t->lost = 1;
	t->retry_ms = util_now_ms() + WATCH_POLL_MS;
	console_log(t->con, time(NULL), NULL, NULL, "connection-lost",
	    why != NULL ? why : "the journal connection is gone");
	console_log(t->con, time(NULL), NULL, NULL, "watch", "what this view "
	    "shows is stale until the connection is back; trying again every "
	    "2 s");
}

/* Lost: try again (a refused connection answers at once); back, the
 * view looks at the journal at once and follows the run again. */
static void
watch_tui_retry(struct watch_tui *t)
{
	struct conn_error	err = { 0 };

	if (util_now_ms() < t->retry_ms)
		return;
	t->retry_ms = util_now_ms() + WATCH_POLL_MS;
	if (conn_reset(t->w->c, &err) != 0) {
		conn_error_clear(&err);
		return;
	}
	if (conn_command(t->w->c, "LISTEN bellows", 0, NULL, &err) != 0)
		conn_error_clear(&err);
	t->lost = 0;
	t->next_ms = util_now_ms();
	console_log(t->con, time(NULL), NULL, NULL, "reconnected", "the view "
	    "follows the run again");
}

/* The backfilled table's live rows as the monitor last read them. */
static int64_t
watch_tui_table_rows(struct watch_tui *t)
{
	const struct monitor_view	*v;
	const struct engine_snapshot	*s = watchview_snapshot(t->wv);
	const char			*table;
	size_t				 i;

	if (t->mon == NULL || s->phase >= t->plan->nphases ||
	    t->plan->phases[s->phase].kind != PLAN_PHASE_BACKFILL)
		return (-1);
	table = t->plan->phases[s->phase].backfill.table;
	v = monitor_view(t->mon);
	for (i = 0; i < v->ntables; i++)
		if (strcmp(v->tables[i].name, table) == 0)
			return (v->tables[i].live_tuples);
	return (-1);
}

/* Read the new events and the run; the view follows. */
static void
watch_tui_look(struct watch_tui *t)
{
	struct journal_run	*run = NULL;
	struct journal_event	*ev;
	enum watchview_presence	 pr;
	const char		*driver;
	char			*cause = NULL, *detail;
	size_t			 n, i;
	int			 rc;

	rc = journal_load(t->w->c, t->w->name, 0, &run, &cause);
	if (rc <= 0) {
		if (rc == 0)
			cause = xasprintf("the run '%s' is gone from the "
			    "journal", t->w->name);
		if (!conn_alive(t->w->c))
			watch_tui_lost(t, cause);
		else
			console_log(t->con, time(NULL), NULL, NULL, "journal",
			    cause);
		free(cause);
		return;
	}
	if (journal_events_since(t->w->c, t->w->name, t->w->last_id, &ev, &n,
	    &cause) != 0) {
		console_log(t->con, time(NULL), NULL, NULL, "journal", cause);
		free(cause);
		n = 0;
		ev = NULL;
	}
	driver = run->driver.operator;
	for (i = 0; i < n; i++) {
		/* Someone other than the driver (a watcher's note or
		 * sign-off, an earlier driver): say who. */
		detail = NULL;
		if (ev[i].operator != NULL && (driver == NULL ||
		    strcmp(ev[i].operator, driver) != 0))
			detail = xasprintf("%s: %s", ev[i].operator,
			    ev[i].detail != NULL ? ev[i].detail : "");
		console_log(t->con, watch_time(ev[i].at), ev[i].phase,
		    ev[i].step, ev[i].kind, detail != NULL ? detail :
		    ev[i].detail);
		free(detail);
		watchview_event(t->wv, &ev[i]);
		t->w->last_id = ev[i].id;
	}
	journal_events_free(ev, n);

	watchview_update(t->wv, run, util_now_ms(), watch_tui_table_rows(t));
	/* The event log says when the driver's presence changes (the
	 * watchview keeps its own clock of the free lock; this one is for
	 * the words). */
	pr = watchview_presence(run, util_now_ms(), watchview_gone_ms(),
	    &t->w->free_since);
	if ((int)pr != t->w->presence && t->w->presence != -1 &&
	    (detail = watch_presence_text(t->w, run, pr)) != NULL) {
		console_log(t->con, time(NULL), NULL, NULL,
		    pr == WATCHVIEW_GONE ? "driver-gone" :
		    pr == WATCHVIEW_RECONNECTING ? "driver-reconnecting" :
		    "driver", detail);
		free(detail);
	}
	t->w->presence = (int)pr;
	journal_run_free(run);
}

static const struct engine_snapshot *
watch_tui_snapshot(void *arg)
{
	struct watch_tui	*t = arg;

	return (watchview_snapshot(t->wv));
}

static int
watch_tui_finished(void *arg)
{
	struct watch_tui	*t = arg;

	return (watchview_finished(t->wv));
}

static void
watch_tui_pollfd(void *arg, int *fd, int *timeout_ms)
{
	struct watch_tui	*t = arg;
	int64_t			 left;

	*fd = t->lost ? -1 : conn_socket(t->w->c);
	if (t->lost) {
		left = t->retry_ms - util_now_ms();
		*timeout_ms = left < 0 ? 0 : (int)left;
		return;
	}
	/* A notification read along with a query's result is in libpq's
	 * queue already, not on the socket: look again at once. */
	left = t->notified ? 0 : t->next_ms - util_now_ms();
	*timeout_ms = left < 0 ? 0 : (int)left;
}

static void
watch_tui_advance(void *arg)
{
	struct watch_tui	*t = arg;
	PGnotify		*nt;

	if (t->lost) {
		watch_tui_retry(t);
		return;
	}
	if (PQconsumeInput(conn_pg(t->w->c)) == 0) {
		watch_tui_lost(t, PQerrorMessage(conn_pg(t->w->c)));
		return;
	}
	while ((nt = PQnotifies(conn_pg(t->w->c))) != NULL) {
		t->notified = 1;
		PQfreemem(nt);
	}
	if (!t->notified && util_now_ms() < t->next_ms)
		return;
	t->notified = 0;
	watch_tui_look(t);
	t->next_ms = util_now_ms() + WATCH_TUI_POLL_MS;
	while (!t->lost && (nt = PQnotifies(conn_pg(t->w->c))) != NULL) {
		t->notified = 1;
		PQfreemem(nt);
	}
}

static int
watch_tui_exit_code(void *arg)
{
	(void)arg;
	return (CMD_EXIT_DONE);		/* leaving never affects the run */
}

static int
watch_tui_backend_pid(void *arg)
{
	struct watch_tui	*t = arg;

	return (watchview_driver(t->wv)->backend_pid);
}

static const struct ui_watch *
watch_tui_watch(void *arg)
{
	struct watch_tui		*t = arg;
	const struct watchview_driver	*d = watchview_driver(t->wv);
	struct tm			 tm;
	int64_t				 ms;
	time_t				 at;

	t->uw.operator = t->w->operator;
	t->uw.driver = d->operator;
	t->uw.gone = d->gone;
	t->uw.lost = t->lost;
	t->uw.reconnecting = d->reconnecting;
	t->uw.free_s = (int)(d->free_ms / 1000);
	t->uw.waiting_phase = watchview_waiting_phase(t->wv);
	/* What s shows before the phase name is typed. */
	if (t->uw.waiting_phase != NULL && (t->cosign_phase == NULL ||
	    strcmp(t->cosign_phase, t->uw.waiting_phase) != 0)) {
		free(t->cosign_phase);
		free(t->cosign_text);
		t->cosign_phase = xstrdup(t->uw.waiting_phase);
		t->cosign_text = watchview_phase_text(t->plan,
		    t->cosign_phase);
	}
	t->uw.cosign_text = t->uw.waiting_phase != NULL ? t->cosign_text :
	    NULL;
	t->uw.since = NULL;
	if ((ms = report_parse_time(d->since)) >= 0) {
		at = (time_t)(ms / 1000);
		localtime_r(&at, &tm);
		strftime(t->since, sizeof t->since, "%H:%M:%S", &tm);
		t->uw.since = t->since;
	}
	return (&t->uw);
}

/* s and n: the only writes a watcher makes, both to the journal. */
static int
watch_tui_send(void *arg, enum keys_watch_cmd cmd, const char *a,
    char **cause)
{
	struct watch_tui		*t = arg;
	const struct watchview_driver	*d = watchview_driver(t->wv);
	int				 rc = -1;

	if (t->lost) {
		*cause = xstrdup("the journal connection is gone: nothing "
		    "was written");
		return (-1);
	}
	switch (cmd) {
	case KEYS_WATCH_SIGNOFF:
		if (d->operator != NULL &&
		    strcmp(d->operator, t->w->operator) == 0) {
			*cause = xasprintf("refused: %s drives this run; the "
			    "second sign-off needs another name", d->operator);
			return (-1);
		}
		rc = journal_event(t->w->c, t->w->name, t->w->operator, a, NULL,
		    "second-signoff", "co-signed from bellows watch, the phase "
		    "name typed", cause);
		break;
	case KEYS_WATCH_NOTE:
		rc = journal_event(t->w->c, t->w->name, t->w->operator, NULL,
		    NULL, "note", a, cause);
		break;
	}
	t->notified = 1;	/* show it now, NOTIFY or not */
	return (rc);
}

/*
 * The console for run W->name: PLAN is the plan file given on the
 * command line, else the plan stored with the run.  Returns the exit
 * code, or -1 when the console cannot be shown (*why says why when it is
 * not the terminal): the caller follows headless.
 */
static int
watch_console(struct watch *w, const struct plan *file_plan,
    const char *conninfo, char **why)
{
	struct console_source	 src;
	struct watch_tui	 t;
	struct journal_run	*run = NULL;
	struct plan		*stored = NULL;
	struct conn		*mc;
	struct conn_error	 err = { 0 };
	char			*m;
	int			 rc;

	*why = NULL;
	memset(&t, 0, sizeof t);
	t.w = w;
	t.plan = file_plan;
	if (t.plan == NULL) {
		if (journal_load(w->c, w->name, 0, &run, why) != 1)
			return (-1);
		stored = report_plan(run, why);
		journal_run_free(run);
		if (stored == NULL)
			return (-1);
		t.plan = stored;
	}
	t.wv = watchview_new(t.plan, conninfo);
	t.con = console_new(t.plan, conn_describe(w->c), w->operator);
	watch_tui_look(&t);
	t.next_ms = util_now_ms() + WATCH_TUI_POLL_MS;

	/* The sessions come from a connection of the watcher's own: a
	 * watcher never waits behind the driver's connection. */
	if ((mc = monitor_open(conninfo, t.plan->name, &err)) == NULL) {
		m = conn_error_format(&err);
		console_log(t.con, time(NULL), NULL, NULL, "monitor", m);
		free(m);
		conn_error_clear(&err);
	} else {
		struct plan_defaults	d = { 0 };
		struct monitor_options	mo = { 0 };
		char			*conf_cause = NULL;

		/* A bad bellows.conf only costs the watcher its periods. */
		if (plan_defaults_load(&d, &conf_cause) != 0)
			free(conf_cause);
		monitor_options_from(&mo, &d);
		t.mon = monitor_new(mc, t.plan, watchview_driver(t.wv)->
		    backend_pid, &mo);
	}

	memset(&src, 0, sizeof src);
	src.arg = &t;
	src.snapshot = watch_tui_snapshot;
	src.finished = watch_tui_finished;
	src.pollfd = watch_tui_pollfd;
	src.advance = watch_tui_advance;
	src.exit_code = watch_tui_exit_code;
	src.backend_pid = watch_tui_backend_pid;
	src.watch = watch_tui_watch;
	src.watch_send = watch_tui_send;
	rc = console_run_source(t.con, &src, t.mon);
	if (rc < 0)
		w->last_id = 0;		/* the headless form starts over */

	monitor_free(t.mon);
	free(t.cosign_phase);
	free(t.cosign_text);
	conn_close(mc);
	console_free(t.con);
	watchview_free(t.wv);
	plan_free(stored);
	return (rc);
}


static int
watch_exec(const struct cmd_entry *ce, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dbname", required_argument, NULL, 'd' },
		{ "no-tui", no_argument, NULL, 'n' },
		{ "operator", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct plan_defaults	 d = { 0 };
	struct conn_error	 err = { 0 };
	struct watch		 w;
	struct plan		*plan = NULL;
	struct journal_run	*run = NULL;
	struct pollfd		 pfd[2];
	PGnotify		*nt;
	const char		*conninfo = NULL, *arg;
	struct linebuf		 lb;
	char			*cause = NULL, *app, *m, *line;
	int			 ch, rc, quit = 0, stdin_open, n, again = 0;
	int			 no_tui = 0;
	size_t			 len;

	memset(&w, 0, sizeof w);
	w.bf_phase = -1;
	w.presence = -1;
	w.free_since = -1;
	while ((ch = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			conninfo = w.conninfo = optarg;
			break;
		case 'n':
			no_tui = 1;
			break;
		case 'o':
			w.operator = optarg;
			break;
		case 'h':
			cmd_print_help(ce);
			return (CMD_EXIT_DONE);
		default:
			return (cmd_usage_error(ce, "unknown option"));
		}
	}
	if (argc - optind != 1)
		return (cmd_usage_error(ce, "expected the run's NAME or its PLAN"));
	arg = argv[optind];
	len = strlen(arg);
	if (len > 5 && strcmp(arg + len - 5, ".conf") == 0) {
		if (plan_defaults_load(&d, &cause) != 0 ||
		    (plan = plan_load(arg, &d, &cause)) == NULL) {
			fprintf(stderr, "%s\n", cause);
			free(cause);
			return (CMD_EXIT_USAGE);
		}
		w.name = plan->name;
	} else
		w.name = arg;
	if (w.operator == NULL)
		w.operator = util_login();

	app = xasprintf("bellows:%s:watch", w.name);
	/* Journal reads and notes only: the safe search_path. */
	w.c = conn_open_options(conninfo, app, TRUST_SEARCH_PATH, &err);
	free(app);
	if (w.c == NULL) {
		m = conn_error_format(&err);
		fprintf(stderr, "bellows watch: cannot connect: %s\n", m);
		free(m);
		conn_error_clear(&err);
		plan_free(plan);
		return (CMD_EXIT_CONNECT);
	}
	rc = journal_load(w.c, w.name, 0, &run, &cause);
	journal_run_free(run);
	if (rc <= 0) {
		if (rc == 0)
			fprintf(stderr, "bellows watch: no run named '%s' in %s\n",
			    w.name, conn_describe(w.c));
		else {
			fprintf(stderr, "bellows watch: %s\n", cause);
			free(cause);
		}
		conn_close(w.c);
		plan_free(plan);
		return (rc == 0 ? CMD_EXIT_FAILED : CMD_EXIT_CONNECT);
	}
	if (conn_command(w.c, "LISTEN bellows", 0, NULL, &err) != 0)
		conn_error_clear(&err);	/* polling still works */

	if (!no_tui && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		rc = watch_console(&w, plan, conninfo, &cause);
		if (rc >= 0) {
			conn_close(w.c);
			plan_free(plan);
			return (rc);
		}
		if (cause != NULL) {
			fprintf(stderr, "bellows watch: no console: %s; "
			    "following the events instead\n", cause);
			free(cause);
			cause = NULL;
		}
	}
	w.plan = plan;
	printf("bellows watch: run %s on %s as %s (read-only)\n", w.name,
	    conn_describe(w.c), w.operator);

	rc = watch_look(&w, 1);
	if (rc >= 0 && watch_events(&w) != 0)
		rc = -1;
	stdin_open = 1;
	linebuf_init(&lb);
	while (rc == 0 && !quit) {
		n = 0;
		pfd[n].fd = conn_socket(w.c);
		pfd[n++].events = POLLIN;
		if (stdin_open) {
			pfd[n].fd = STDIN_FILENO;
			pfd[n++].events = POLLIN;
		}
		/* A notification that came in while we queried is already in
		 * libpq's queue, not on the socket: then look again at once. */
		if (poll(pfd, (nfds_t)n, again ? 0 : WATCH_POLL_MS) < 0 &&
		    errno != EINTR)
			break;
		if (stdin_open && (pfd[1].revents & (POLLIN | POLLHUP))) {
			if (linebuf_fill(&lb, STDIN_FILENO) <= 0)
				stdin_open = 0;
			while (!quit && (line = linebuf_next(&lb)) != NULL)
				watch_line(&w, line, &quit);
		}
		/* Woken by a notification, a line or the poll interval:
		 * drain the notifications and look again. */
		if (PQconsumeInput(conn_pg(w.c)) == 0 ||
		    PQstatus(conn_pg(w.c)) != CONNECTION_OK) {
			if (watch_reconnect(&w) != 0) {
				rc = -1;
				break;
			}
		}
		while ((nt = PQnotifies(conn_pg(w.c))) != NULL)
			PQfreemem(nt);
		if (watch_events(&w) != 0 || (rc = watch_look(&w, 0)) < 0) {
			/* A statement that failed because the connection
			 * went: reconnect and look again. */
			if (conn_alive(w.c) || watch_reconnect(&w) != 0) {
				rc = -1;
				break;
			}
			rc = 0;
			again = 1;
			continue;
		}
		again = 0;
		while ((nt = PQnotifies(conn_pg(w.c))) != NULL) {
			PQfreemem(nt);
			again = 1;
		}
	}
	if (rc == 1)
		printf("-- the run has finished (%s)\n", w.state);
	linebuf_free(&lb);
	free(w.cosign);
	free(w.state);
	conn_close(w.c);
	plan_free(plan);
	return (rc < 0 ? CMD_EXIT_CONNECT : CMD_EXIT_DONE);
}
