/*
 * bellows run / bellows rollback: the headless front end of the engine.
 * One line per event on stdout; questions on stdin (a terminal), or all
 * answered by --yes.  Without --yes and without a terminal on standard
 * input, a question is an error (exit 2), never a silent yes.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "conn.h"
#include "console.h"
#include "engine.h"
#include "monitor.h"
#include "plan.h"
#include "util.h"

static int	run_exec(const struct cmd_entry *, int, char **);

#define RUN_CONN_HELP \
	"  -d, --dbname=CONNINFO  database to connect to (libpq conninfo, URI or name)\n"

const struct cmd_entry cmd_run_entry = {
	"run", "[-d CONNINFO] [--no-tui] [--yes] [--operator NAME] [--force] [--verbose] PLAN",
	"run (or resume) a plan",
	RUN_CONN_HELP
	"  --no-tui               one line per event; questions on stdin\n"
	"  --yes                  answer every confirmation and sign-off\n"
	"  --operator=NAME        the name recorded in the journal (default: login name)\n"
	"  --force                resume even though the plan file changed\n"
	"  --verbose              headless: a line for every backfill batch\n",
	run_exec
};

const struct cmd_entry cmd_rollback_entry = {
	"rollback", "[-d CONNINFO] [--no-tui] [--yes] [--operator NAME] [--to PHASE] PLAN",
	"undo completed steps in reverse order",
	RUN_CONN_HELP
	"  --no-tui               one line per event; questions on stdin\n"
	"  --yes                  answer the confirmation\n"
	"  --operator=NAME        the name recorded in the journal\n"
	"  --to=PHASE             stop after undoing PHASE\n"
	"  --force                even though the plan file changed\n",
	run_exec
};

static volatile sig_atomic_t	run_signalled;
static int			run_sigpipe[2] = { -1, -1 };

static void
run_on_signal(int sig)
{
	int	saved = errno;

	run_signalled = sig;
	if (run_sigpipe[1] != -1)
		(void)write(run_sigpipe[1], "", 1);
	errno = saved;
}

static void
run_signals(void)
{
	struct sigaction	sa;

	if (pipe(run_sigpipe) == 0) {
		fcntl(run_sigpipe[0], F_SETFL, O_NONBLOCK);
		fcntl(run_sigpipe[1], F_SETFL, O_NONBLOCK);
		fcntl(run_sigpipe[0], F_SETFD, FD_CLOEXEC);
		fcntl(run_sigpipe[1], F_SETFD, FD_CLOEXEC);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = run_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Headless output: one line per event, but a backfill's batches (routine
 * progress) only the first and then one every RUN_BATCH_EVERY_MS, unless
 * --verbose; the journal and report keep the whole stream. */
#define RUN_BATCH_EVERY_MS	5000

struct run_out {
	int	 verbose;
	int64_t	 batch_shown_ms;	/* -1: none shown yet */
};

static void
run_print_event(void *arg, const struct engine_event *ev)
{
	struct run_out	*out = arg;
	char		 when[16];
	time_t		 t = time(NULL);
	struct tm	 tm;

	if (out != NULL && !out->verbose && strcmp(ev->kind, "batch") == 0) {
		if (out->batch_shown_ms >= 0 &&
		    ev->at_ms - out->batch_shown_ms < RUN_BATCH_EVERY_MS)
			return;
		out->batch_shown_ms = ev->at_ms;
	}
	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%H:%M:%S", &tm);
	printf("%s %s%s%s %s: %s\n", when, ev->phase != NULL ? ev->phase : "-",
	    ev->step != NULL ? "/" : "", ev->step != NULL ? ev->step : "",
	    ev->kind, ev->detail != NULL ? ev->detail : "");
	fflush(stdout);
}



/* The length of PROMPT without a closing line "retry, roll back or
 * quit?", which the headless runner says with its keys instead. */
static size_t
run_prompt_body(const char *prompt)
{
	const char	*nl = strrchr(prompt, '\n');

	if (nl != NULL && strcmp(nl + 1, "retry, roll back or quit?") == 0)
		return ((size_t)(nl - prompt));
	return (strlen(prompt));
}

/* What the operator sees for a question, and how a line answers it. */
static void
run_show_question(const struct engine_snapshot *s)
{
	switch (s->question) {
	case ENGINE_Q_NONE:
		return;
	case ENGINE_Q_CONFIRM:
		printf("%s\nproceed? [y/n] ", s->prompt);
		break;
	case ENGINE_Q_GATE:
		printf("gate: %s\nconfirm when done [y/n] ", s->prompt);
		break;
	case ENGINE_Q_TYPED:
		printf("%s: ", s->prompt);
		break;
	case ENGINE_Q_SIGNOFF:
		printf("%s\nsign off? [y/n] ", s->prompt);
		break;
	case ENGINE_Q_STOPPED:
		/* The engine's prompt ends with its own "retry, roll back or
		 * quit?": the keys replace it. */
		printf("%.*s\n[r]etry, roll [b]ack or [q]uit (or terminate PID, "
		    "cancel PID for a session in the way)? ",
		    (int)run_prompt_body(s->prompt), s->prompt);
		break;
	}
	fflush(stdout);
}

static int
run_yes(int a)
{
	return (a == 'y' || a == 'Y');
}

static void
run_answer(struct engine *e, const struct engine_snapshot *s, char *line)
{
	char	*cause = NULL, *nl;
	int	 rc = 0;

	if ((nl = strchr(line, '\n')) != NULL)
		*nl = '\0';
	if (strncmp(line, "override ", 9) == 0)
		rc = engine_command(e, ENGINE_CMD_OVERRIDE, line + 9, &cause);
	else if (strcmp(line, "pause") == 0)
		rc = engine_command(e, ENGINE_CMD_PAUSE, NULL, &cause);
	else if (strcmp(line, "resume") == 0)
		rc = engine_command(e, ENGINE_CMD_RESUME, NULL, &cause);
	else if (strncmp(line, "terminate ", 10) == 0)
		rc = engine_command(e, ENGINE_CMD_TERMINATE, line + 10, &cause);
	else if (strcmp(line, "cancel") == 0)
		rc = engine_command(e, ENGINE_CMD_CANCEL, NULL, &cause);
	else if (strncmp(line, "cancel ", 7) == 0)
		rc = engine_command(e, ENGINE_CMD_CANCEL_BACKEND, line + 7,
		    &cause);
	else switch (s->question) {
	case ENGINE_Q_NONE:
		if (*line != '\0')
			printf("(type 'pause', 'resume', 'cancel', 'override ID "
			    "REASON', 'terminate PID' or 'cancel PID')\n");
		break;
	case ENGINE_Q_CONFIRM:
	case ENGINE_Q_GATE:
	case ENGINE_Q_SIGNOFF:
		if (run_yes(*line))
			rc = engine_command(e, ENGINE_CMD_CONFIRM, NULL, &cause);
		else if (*line == 'n' || *line == 'N')
			rc = engine_command(e, ENGINE_CMD_DECLINE, NULL, &cause);
		else
			run_show_question(s);
		break;
	case ENGINE_Q_TYPED:
		rc = engine_command(e, ENGINE_CMD_CONFIRM, line, &cause);
		break;
	case ENGINE_Q_STOPPED:
		if (*line == 'r')
			rc = engine_command(e, ENGINE_CMD_RETRY, NULL, &cause);
		else if (*line == 'b')
			rc = engine_command(e, ENGINE_CMD_ROLLBACK, NULL, &cause);
		else if (*line == 'q')
			rc = engine_command(e, ENGINE_CMD_QUIT, NULL, &cause);
		else
			run_show_question(s);
		break;
	}
	if (rc != 0) {
		printf("%s\n", cause);
		free(cause);
		run_show_question(engine_snapshot(e));
	}
}

/* --yes: every question gets its yes, except a stopped step, which is
 * never retried or rolled back on the operator's behalf. */
static void
run_answer_yes(struct engine *e, const struct engine_snapshot *s)
{
	char	*cause = NULL;

	switch (s->question) {
	case ENGINE_Q_NONE:
		return;
	case ENGINE_Q_STOPPED:
		engine_command(e, ENGINE_CMD_QUIT, "the step stopped; --yes "
		    "never retries or rolls back on the operator's behalf", &cause);
		break;
	case ENGINE_Q_TYPED:
		engine_command(e, ENGINE_CMD_CONFIRM, s->expect, &cause);
		break;
	case ENGINE_Q_CONFIRM:
	case ENGINE_Q_GATE:
	case ENGINE_Q_SIGNOFF:
		engine_command(e, ENGINE_CMD_CONFIRM, NULL, &cause);
		break;
	}
	free(cause);
}

static int
run_loop(struct engine *e, int yes, int interactive)
{
	const struct engine_snapshot	*s;
	unsigned int			 asked = 0;
	struct pollfd			 pfd[3];
	struct linebuf			 lb;
	char				*line, c, *cause = NULL;
	int				 fd, timeout, n, quit_sent = 0;

	linebuf_init(&lb);
	for (;;) {
		if (run_signalled && !quit_sent) {
			fprintf(stderr, "bellows: %s: stopping\n",
			    strsignal(run_signalled));
			engine_command(e, ENGINE_CMD_QUIT, strsignal(run_signalled),
			    &cause);
			free(cause);
			cause = NULL;
			quit_sent = 1;
		}
		s = engine_snapshot(e);
		if (engine_finished(e))
			break;
		/* A failing checklist item waits for the database or for an
		 * override.  With no terminal and no --yes nobody can give one,
		 * so it is as much a question as a confirmation (exit 2);
		 * --yes never overrides one, so it fails the run (exit 1). */
		if ((yes || !interactive) && s->state == ENGINE_CHECKLIST &&
		    s->question == ENGINE_Q_NONE && s->reason != NULL) {
			fprintf(stderr, "bellows: %s; %s: fix it, or run on a "
			    "terminal and override it with a reason\n", s->reason,
			    yes ? "--yes never overrides an automatic item" :
			    "standard input is not a terminal to override it");
			engine_command(e, ENGINE_CMD_QUIT, yes ? "an automatic "
			    "checklist item fails under --yes" : "a checklist "
			    "item fails and there is no terminal to override it",
			    &cause);
			free(cause);
			cause = NULL;
			linebuf_free(&lb);
			return (yes ? CMD_EXIT_FAILED : CMD_EXIT_USAGE);
		}
		if (s->question != ENGINE_Q_NONE && s->question_id != asked) {
			asked = s->question_id;
			if (yes) {
				run_answer_yes(e, s);
				continue;
			}
			if (!interactive) {
				fprintf(stderr, "bellows: a question needs an "
				    "answer and standard input is not a "
				    "terminal; rerun with --yes to answer it:\n%s\n",
				    s->prompt);
				engine_command(e, ENGINE_CMD_QUIT, "a question "
				    "and no terminal to answer it (no --yes)",
				    &cause);
				free(cause);
				cause = NULL;
				while (!engine_finished(e)) {
					engine_pollfd(e, &fd, &timeout);
					pfd[0].fd = fd;
					pfd[0].events = POLLIN;
					poll(pfd, fd >= 0, timeout < 0 ? 100 : timeout);
					engine_advance(e);
				}
				linebuf_free(&lb);
				return (CMD_EXIT_USAGE);
			}
			run_show_question(s);
		}

		engine_pollfd(e, &fd, &timeout);
		n = 0;
		pfd[n].fd = run_sigpipe[0];
		pfd[n++].events = POLLIN;
		if (fd >= 0) {
			pfd[n].fd = fd;
			pfd[n++].events = POLLIN;
		}
		if (interactive && !yes) {
			pfd[n].fd = STDIN_FILENO;
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR)
			util_fatal("poll: %s", strerror(errno));
		while (read(run_sigpipe[0], &c, 1) == 1)
			;
		if (interactive && !yes &&
		    (pfd[n - 1].revents & (POLLIN | POLLHUP))) {
			if (linebuf_fill(&lb, STDIN_FILENO) <= 0) {
				/* End of input: nobody left to answer. */
				/* Ask again: now it is an error. */
				interactive = 0;
				asked = 0;
			}
			while ((line = linebuf_next(&lb)) != NULL) {
				run_answer(e, engine_snapshot(e), line);
				engine_advance(e);
			}
		}
		engine_advance(e);
	}
	linebuf_free(&lb);
	return (engine_exit_code(e));
}

static int
run_exec(const struct cmd_entry *ce, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dbname", required_argument, NULL, 'd' },
		{ "no-tui", no_argument, NULL, 'n' },
		{ "yes", no_argument, NULL, 'y' },
		{ "operator", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_run_args	a = { 0 };
	int			ch;

	a.rollback = ce == &cmd_rollback_entry;
	while ((ch = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			a.conninfo = optarg;
			break;
		case 'n':
			a.no_tui = 1;
			break;
		case 'y':
			a.yes = 1;
			break;
		case 'o':
			a.operator = optarg;
			break;
		case 'f':
			a.force = 1;
			break;
		case 'v':
			a.verbose = 1;
			break;
		case 't':
			if (!a.rollback)
				return (cmd_usage_error(ce, "--to is an option "
				    "of bellows rollback"));
			a.rollback_to = optarg;
			break;
		case 'h':
			cmd_print_help(ce);
			return (CMD_EXIT_DONE);
		default:
			return (cmd_usage_error(ce, "unknown option"));
		}
	}
	if (argc - optind != 1)
		return (cmd_usage_error(ce, "expected one PLAN file"));
	a.plan = argv[optind];
	return (cmd_run_plan(&a, NULL));
}

int
cmd_run_plan(const struct cmd_run_args *a, int *rolled_back)
{
	struct plan_defaults	 defaults = { 0 };
	struct engine_options	 o = { 0 };
	struct run_out		 out;
	struct conn_error	 err = { 0 };
	struct plan		*plan = NULL;
	struct conn		*exec = NULL, *mon = NULL;
	struct engine		*e = NULL;
	struct console		*con = NULL;
	struct monitor		*view = NULL;
	const char		*name = a->rollback ? "rollback" : "run";
	char			*cause = NULL, *text = NULL, *app, *m;
	int			 rc;
	size_t			 i;

	if (plan_defaults_load(&defaults, &cause) != 0 ||
	    (plan = plan_load(a->plan, &defaults, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return (CMD_EXIT_USAGE);
	}
	if (a->rollback_to != NULL) {
		for (i = 0; i < plan->nphases; i++)
			if (strcmp(plan->phases[i].name, a->rollback_to) == 0)
				break;
		if (i == plan->nphases) {
			fprintf(stderr, "bellows rollback: --to %s: the plan has "
			    "no phase of that name\n", a->rollback_to);
			plan_free(plan);
			return (CMD_EXIT_USAGE);
		}
	}
	if ((text = util_read_file(a->plan, NULL, &cause)) == NULL) {
		fprintf(stderr, "bellows: %s\n", cause);
		free(cause);
		plan_free(plan);
		return (CMD_EXIT_USAGE);
	}

	o.operator = a->operator != NULL ? a->operator : util_login();
	o.yes = a->yes;
	o.force = a->force;
	o.rollback = a->rollback;
	o.rollback_to = a->rollback_to;
	o.plan_text = text;
	o.conninfo = a->conninfo;
	out.verbose = a->verbose;
	out.batch_shown_ms = -1;
	o.on_event = run_print_event;
	o.event_arg = &out;

	/* The plan's statements must fit how steps run, before connecting. */
	e = engine_new(plan, NULL, NULL, &o);
	if (engine_validate(e, &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		engine_free(e);
		plan_free(plan);
		free(text);
		return (CMD_EXIT_USAGE);
	}
	engine_free(e);

	app = xasprintf("bellows:%s", plan->name);
	exec = conn_open(a->conninfo, app, &err);
	free(app);
	if (exec != NULL)
		mon = monitor_open(a->conninfo, plan->name, &err);
	if (exec == NULL || mon == NULL) {
		m = conn_error_format(&err);
		fprintf(stderr, "bellows: cannot connect: %s\n", m);
		free(m);
		conn_error_clear(&err);
		conn_close(exec);
		plan_free(plan);
		free(text);
		return (CMD_EXIT_CONNECT);
	}
	printf("bellows %s: plan %s (%s) on %s as %s\n", name, plan->name,
	    plan->file, conn_describe(exec), o.operator);
	fflush(stdout);

	run_signals();
	/* The console takes the events from the start (engine_start's too):
	 * its log replaces the headless lines.  --yes stays headless. */
	if (!a->no_tui && !a->yes && isatty(STDOUT_FILENO) &&
	    isatty(STDIN_FILENO)) {
		con = console_new(plan, conn_describe(exec), o.operator);
		o.on_event = console_event;
		o.event_arg = con;
	}
	e = engine_new(plan, exec, mon, &o);
	if (engine_validate(e, &cause) != 0)
		util_fatal("engine_validate: %s", cause);
	if ((rc = engine_start(e, &cause)) != CMD_EXIT_DONE) {
		fprintf(stderr, "bellows: %s\n", cause);
		free(cause);
	} else if (con != NULL) {
		/* console: the TUI branch (issue 6). */
		struct monitor_options	mo = { 0 };

		monitor_options_from(&mo, &defaults);
		view = monitor_new(mon, plan, conn_backend_pid(exec), &mo);
		rc = console_run(con, e, view);
		monitor_free(view);
		if (rc == -1) {
			fprintf(stderr, "bellows: cannot use the terminal "
			    "(TERM=%s); running without the console\n",
			    getenv("TERM") != NULL ? getenv("TERM") : "");
			rc = run_loop(e, a->yes, isatty(STDIN_FILENO));
		}
	} else
		rc = run_loop(e, a->yes, isatty(STDIN_FILENO));
	console_free(con);
	if (rc != CMD_EXIT_DONE && engine_snapshot(e)->reason != NULL)
		fprintf(stderr, "bellows: %s\n", engine_snapshot(e)->reason);
	if (rolled_back != NULL)
		*rolled_back = engine_snapshot(e)->state == ENGINE_ROLLED_BACK;
	exec = engine_conn(e);
	engine_free(e);
	conn_close(mon);
	conn_close(exec);
	plan_free(plan);
	free(text);
	return (rc);
}
