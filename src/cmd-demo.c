/*
 * bellows demo: the README's first command.  A scratch PostgreSQL with
 * sample users and orders and a simulated application, then the example
 * plan share/examples/orders-user-email.conf run against it exactly as
 * `bellows run` would (the console on a terminal, else headless), then
 * everything stopped and removed unless --keep.  Exit code: the run's; 3
 * when the server cannot be set up; 5 when interrupted during set-up.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "demo.h"
#include "util.h"

#define DEMO_PLAN	"examples/orders-user-email.conf"
#define DEMO_USERS	100000LL
#define DEMO_ROWS	1000000LL
#define DEMO_MAX_ROWS	1000000000LL
/* The column where progress times line up. */
#define DEMO_DOTS	46

static int	demo_exec(const struct cmd_entry *, int, char **);

const struct cmd_entry cmd_demo_entry = {
	"demo", "[--rows N] [--keep] [--no-tui] [--yes]",
	"run the example plan on a scratch PostgreSQL with sample data and "
	"live traffic",
	"  --rows=N               orders to load (default 1000000; users: 100000)\n"
	"  --keep                 leave the server running at the end and say how\n"
	"                         to connect to it and stop it\n"
	"  --no-tui               run the plan headless: one line per event,\n"
	"                         questions on stdin\n"
	"  --yes                  answer every sign-off and confirmation\n"
	"\n"
	"The server runs from the Debian package postgresql, in a new directory\n"
	"under $TMPDIR, on a Unix socket only (as the postgres user under root).\n"
	"It and the directory are removed at the end, also on Ctrl-C or when\n"
	"bellows is killed, unless --keep.\n",
	demo_exec
};

static void
demo_on_signal(int sig)
{
	(void)sig;
	demo_interrupt();
}

/* Until the run installs its own: a signal stops the set-up, which then
 * cleans up.  No SA_RESTART, so waits for a child return at once. */
static void
demo_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = demo_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static double
demo_clock(void)
{
	return ((double)util_now_ms() / 1000.0);
}

/* "  LABEL ........ " now, the time when the step is done. */
static void
demo_progress(void *arg, const char *label, double seconds)
{
	int	n;

	(void)arg;
	if (seconds >= 0) {
		printf("%5.1f s\n", seconds);
		fflush(stdout);
		return;
	}
	n = printf("  %s ", label);
	while (n++ < DEMO_DOTS)
		putchar('.');
	putchar(' ');
	fflush(stdout);
}

static const char *
demo_outcome(int rc)
{
	switch (rc) {
	case CMD_EXIT_DONE:
		return ("the plan ran to the end");
	case CMD_EXIT_FAILED:
		return ("a step failed");
	case CMD_EXIT_USAGE:
		return ("the plan could not go on");
	case CMD_EXIT_CONNECT:
		return ("the run could not connect");
	case CMD_EXIT_LOCKED:
		return ("another driver holds the run");
	case CMD_EXIT_INTERRUPTED:
		return ("the run stopped before the end");
	}
	return ("the run ended");
}

static int
demo_parse_rows(const char *s, long long *rows)
{
	char		*end;
	long long	 n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < 1 ||
	    n > DEMO_MAX_ROWS)
		return (-1);
	*rows = n;
	return (0);
}

/* Set-up failed or was interrupted: say so, remove everything.  WHAT
 * prefixes CAUSE when CAUSE does not say what failed. */
static int
demo_abort(struct demo *d, const char *what, char *cause)
{
	int	rc;

	if (demo_interrupted()) {
		printf("\n");
		fflush(stdout);
		fprintf(stderr, "bellows demo: interrupted; removing %s\n",
		    demo_dir(d));
		rc = CMD_EXIT_INTERRUPTED;
	} else {
		printf("failed\n");
		fflush(stdout);
		fprintf(stderr, "bellows demo: %s%s%s\n", what != NULL ? what : "",
		    what != NULL ? ": " : "", cause);
		rc = CMD_EXIT_CONNECT;
	}
	fflush(stdout);
	free(cause);
	demo_destroy(d);
	return (rc);
}

static int
demo_exec(const struct cmd_entry *ce, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rows", required_argument, NULL, 'r' },
		{ "keep", no_argument, NULL, 'k' },
		{ "no-tui", no_argument, NULL, 'n' },
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_run_args	 a = { 0 };
	struct demo		*d;
	long long		 rows = DEMO_ROWS;
	char			*bindir, *plan, *cause = NULL;
	int			 ch, keep = 0, rc, rolled_back = 0;
	double			 t0, start;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			if (demo_parse_rows(optarg, &rows) != 0)
				return (cmd_usage_error(ce, "--rows: expected a "
				    "number of orders from 1 to %lld, not '%s'",
				    DEMO_MAX_ROWS, optarg));
			break;
		case 'k':
			keep = 1;
			break;
		case 'n':
			a.no_tui = 1;
			break;
		case 'y':
			a.yes = 1;
			break;
		case 'h':
			cmd_print_help(ce);
			return (CMD_EXIT_DONE);
		default:
			return (cmd_usage_error(ce, "unknown option"));
		}
	}
	if (optind != argc)
		return (cmd_usage_error(ce, "unexpected argument '%s'",
		    argv[optind]));
	/* Fail before minutes of set-up, not at the first question. */
	if (!a.yes && !isatty(STDIN_FILENO))
		return (cmd_usage_error(ce, "standard input is not a terminal, "
		    "so nobody can answer the plan's questions; add --yes to "
		    "answer them all"));

	plan = util_share_file(DEMO_PLAN);
	if (access(plan, R_OK) != 0) {
		fprintf(stderr, "bellows demo: the example plan is missing: "
		    "%s: %s\n", plan, strerror(errno));
		free(plan);
		return (CMD_EXIT_USAGE);
	}
	if ((bindir = demo_find_bindir(&cause)) == NULL) {
		fprintf(stderr, "bellows demo: %s\n", cause);
		free(cause);
		free(plan);
		return (CMD_EXIT_CONNECT);
	}

	demo_signals();
	start = t0 = demo_clock();
	if ((d = demo_create(bindir, &cause)) == NULL) {
		fprintf(stderr, "bellows demo: %s\n", cause);
		free(cause);
		free(bindir);
		free(plan);
		return (CMD_EXIT_CONNECT);
	}
	printf("bellows demo: a scratch PostgreSQL (%s) in %s\n", bindir,
	    demo_dir(d));
	free(bindir);
	demo_progress(NULL, "initdb", -1);
	if (demo_initdb(d, &cause) != 0) {
		free(plan);
		return (demo_abort(d, NULL, cause));
	}
	demo_progress(NULL, "initdb", demo_clock() - t0);
	t0 = demo_clock();
	demo_progress(NULL, "start the server, create database demo", -1);
	if (demo_start(d, &cause) != 0) {
		free(plan);
		return (demo_abort(d, NULL, cause));
	}
	demo_progress(NULL, "", demo_clock() - t0);
	printf("loading sample data into the database demo\n");
	fflush(stdout);
	if (demo_load(d, DEMO_USERS, rows, demo_progress, NULL, &cause) != 0) {
		free(plan);
		return (demo_abort(d, "loading the sample data", cause));
	}
	if (demo_traffic_start(d, rows, &cause) != 0) {
		free(plan);
		return (demo_abort(d, "starting the traffic", cause));
	}
	if (demo_interrupted()) {
		free(plan);
		return (demo_abort(d, NULL, NULL));
	}
	printf("ready in %.1f s; a simulated application reads and updates "
	    "orders\n(2 sessions, application_name 'demo-app').  Look around "
	    "from another terminal:\n  %s\n\n", demo_clock() - start,
	    demo_psql_command(d));
	printf("bellows commands take:  -d \"%s\"\n", demo_conninfo(d));
	if (keep) {
		/* From here a crash or kill -9 leaves the server, so that the
		 * run can be resumed against it. */
		demo_keep_server(d);
		printf("--keep: the server stays, even if bellows is killed; "
		    "stop it with\n  %s\n", demo_stop_command(d));
	}
	printf("running the example plan %s\n", plan);
	if (!a.yes)
		printf("it asks you to sign off its checklist and to confirm "
		    "each phase (--yes answers for you)\n");
	fflush(stdout);

	a.plan = plan;
	a.conninfo = demo_conninfo(d);
	rc = cmd_run_plan(&a, &rolled_back);

	printf("\nbellows demo: %s (exit %d)\n", rolled_back ?
	    "the run was rolled back" : demo_outcome(rc), rc);
	if (keep) {
		demo_traffic_stop(d);
		printf("the server keeps running (--keep) in %s\n"
		    "  connect: %s\n"
		    "  bellows: -d \"%s\"\n"
		    "  stop:    %s\n", demo_dir(d), demo_psql_command(d),
		    demo_conninfo(d), demo_stop_command(d));
		fflush(stdout);
		demo_keep(d);
	} else {
		printf("stopping the server and removing %s ... ", demo_dir(d));
		fflush(stdout);
		demo_destroy(d);
		printf("done\n");
	}
	free(plan);
	return (rc);
}
