/*
 * bellows watch [-d CONNINFO] [--no-tui] [--operator NAME] NAME|PLAN
 *
 * Follow a run driven from another terminal, read-only: the journal's
 * events as they happen (LISTEN bellows; the driver notifies on every
 * write; a poll every two seconds covers a lost notification), who drives
 * and since when, and a clear word when the driver has gone away (the
 * run's advisory lock released without the run finishing).  A watcher
 * cannot change the run; it can add notes to the journal and give the
 * second sign-off of a phase listed in require_second_signoff.  Lines on
 * standard input: "note TEXT", "signoff [PHASE]", "quit".
 *
 * The console form of watch comes with the console; this is the headless
 * form (one line per event), used when standard output is not a terminal
 * or with --no-tui.
 *
 * Exit: 0 when the run finished (done or rolled back) or the watcher quit;
 * 1 no such run; 2 usage; 3 connection error.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "conn.h"
#include "journal.h"
#include "plan.h"
#include "util.h"

#define WATCH_POLL_MS	2000

static int	watch_exec(const struct cmd_entry *, int, char **);

const struct cmd_entry cmd_watch_entry = {
	"watch", "[-d CONNINFO] [--no-tui] [--operator NAME] NAME|PLAN",
	"follow a run driven elsewhere, read-only",
	"  -d, --dbname=CONNINFO  database to connect to (libpq conninfo, URI or name)\n"
	"  --no-tui               one line per event (the console form is not built yet)\n"
	"  --operator=NAME        the name recorded with notes and sign-offs\n"
	"                         (default: login name)\n"
	"On standard input: 'note TEXT', 'signoff [PHASE]', 'quit'.\n",
	watch_exec
};

struct watch {
	struct conn	*c;
	const char	*name;
	const char	*operator;
	int64_t		 last_id;
	int		 driver_seen;	/* connected at the last look */
	char		*state;
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

/* Look at the run: state and driver.  1 when it finished, 0 when it goes
 * on, -1 on error. */
static int
watch_look(struct watch *w, int first)
{
	struct journal_run	*run;
	char			*cause = NULL;
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
	if (first || run->driver_connected != w->driver_seen) {
		if (run->driver_connected)
			printf("-- driven by %s on %s (pid %d) since %s\n",
			    run->driver.operator != NULL ? run->driver.operator :
			    "?", run->driver.host != NULL ? run->driver.host : "?",
			    run->driver.client_pid, run->driver.since != NULL ?
			    run->driver.since : "?");
		else if (strcmp(run->state, "done") != 0 &&
		    strcmp(run->state, "rolled_back") != 0)
			printf("-- the driver has gone away: nobody holds the run "
			    "and it has not finished (state %s); run the plan "
			    "again to resume it\n", run->state);
		w->driver_seen = run->driver_connected;
	}
	if (w->state == NULL || strcmp(w->state, run->state) != 0) {
		if (!first)
			printf("-- run state: %s\n", run->state);
		free(w->state);
		w->state = xstrdup(run->state);
	}
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

static void
watch_line(struct watch *w, char *line, int *quit)
{
	char	*phase, *cause = NULL;
	int	 rc;

	if (strcmp(line, "quit") == 0 || strcmp(line, "q") == 0) {
		*quit = 1;
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
		rc = journal_event(w->c, w->name, w->operator, phase, NULL,
		    "second-signoff", "co-signed from bellows watch", &cause);
		if (rc != 0) {
			printf("bellows watch: %s\n", cause);
			free(cause);
		}
		free(phase);
		return;
	}
	if (*line != '\0')
		printf("(type 'note TEXT', 'signoff [PHASE]' or 'quit')\n");
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
	size_t			 len;

	memset(&w, 0, sizeof w);
	while ((ch = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			conninfo = optarg;
			break;
		case 'n':
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
	w.c = conn_open(conninfo, app, &err);
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
		if (PQconsumeInput(conn_pg(w.c)) == 0) {
			fprintf(stderr, "bellows watch: connection lost: %s",
			    PQerrorMessage(conn_pg(w.c)));
			rc = -1;
			break;
		}
		while ((nt = PQnotifies(conn_pg(w.c))) != NULL)
			PQfreemem(nt);
		if (watch_events(&w) != 0) {
			rc = -1;
			break;
		}
		rc = watch_look(&w, 0);
		again = 0;
		while ((nt = PQnotifies(conn_pg(w.c))) != NULL) {
			PQfreemem(nt);
			again = 1;
		}
	}
	if (rc == 1)
		printf("-- the run has finished (%s)\n", w.state);
	linebuf_free(&lb);
	free(w.state);
	conn_close(w.c);
	plan_free(plan);
	return (rc < 0 ? CMD_EXIT_CONNECT : CMD_EXIT_DONE);
}
