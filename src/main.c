/*
 * main: the bellows command line.  Global options, then one subcommand from
 * the table below; everything else lives in the cmd-*.c files.
 */
#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "conn.h"
#include "journal.h"
#include "plan.h"
#include "trust.h"
#include "util.h"

static const struct cmd_entry *const cmd_table[] = {
	&cmd_lint_entry,
	&cmd_check_entry,
	&cmd_run_entry,
	&cmd_rollback_entry,
	&cmd_status_entry,
	&cmd_watch_entry,
	&cmd_report_entry,
	&cmd_demo_entry,
};

static void
main_usage(FILE *f)
{
	size_t	i;

	fprintf(f, "usage: bellows [--help] [--version] COMMAND [OPTIONS] [ARGS]\n\n"
	    "Carry a PostgreSQL schema change through expand/contract while traffic "
	    "keeps flowing.\n\nCommands:\n");
	for (i = 0; i < nitems(cmd_table); i++)
		fprintf(f, "  %-9s %s\n", cmd_table[i]->name, cmd_table[i]->summary);
	fprintf(f, "\nConnection options follow libpq: -d/--dbname CONNINFO, PGHOST, "
	    "PGPORT,\nPGDATABASE, PGUSER, PGSERVICE and ~/.pgpass.\n"
	    "Run 'bellows COMMAND --help' for a command's options; "
	    "see bellows(1).\n");
}

int
cmd_usage_error(const struct cmd_entry *e, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "bellows %s: ", e->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'bellows %s --help'.\n", e->name);
	return (CMD_EXIT_USAGE);
}

void
cmd_print_help(const struct cmd_entry *e)
{
	printf("usage: bellows %s %s\n\n%s\n", e->name, e->usage, e->summary);
	if (e->help != NULL && *e->help != '\0')
		printf("\n%s", e->help);
}

int
cmd_not_built(const struct cmd_entry *e, int argc, char **argv)
{
	int	i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			cmd_print_help(e);
			return (CMD_EXIT_DONE);
		}
	}
	fprintf(stderr, "bellows %s: not built yet in this version of bellows\n",
	    e->name);
	return (CMD_EXIT_USAGE);
}

int
cmd_run_options(const struct cmd_entry *e, int argc, char **argv,
    const char *const *formats, const char **conninfo, int *format,
    const char **arg)
{
	static const struct option longopts[] = {
		{ "dbname", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct buf	b;
	int		ch, i;

	*conninfo = NULL;
	*format = 0;
	while ((ch = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			*conninfo = optarg;
			break;
		case 'f':
			for (i = 0; formats[i] != NULL; i++)
				if (strcmp(optarg, formats[i]) == 0)
					break;
			if (formats[i] == NULL) {
				buf_init(&b);
				for (i = 0; formats[i] != NULL; i++)
					buf_printf(&b, "%s%s", i > 0 ? " or " : "",
					    formats[i]);
				ch = cmd_usage_error(e, "unknown format '%s' (%s)",
				    optarg, b.data);
				buf_free(&b);
				return (ch);
			}
			*format = i;
			break;
		case 'h':
			cmd_print_help(e);
			return (CMD_EXIT_DONE);
		default:
			return (cmd_usage_error(e, "unknown option"));
		}
	}
	if (argc - optind != 1)
		return (cmd_usage_error(e, "expected one run name or plan file"));
	*arg = argv[optind];
	return (-1);
}

int
cmd_open_run(const struct cmd_entry *e, const char *arg, const char *conninfo,
    const char *app, int nevents, struct conn **c, struct journal_run **run)
{
	struct plan_defaults	 d = { 0 };
	struct conn_error	 err = { 0 };
	struct plan		*plan;
	const char		*name = arg;
	char			*cause = NULL, *m;
	size_t			 len;
	int			 rc;

	*c = NULL;
	*run = NULL;
	len = strlen(arg);
	plan = NULL;
	if (len > 5 && strcmp(arg + len - 5, ".conf") == 0) {
		if (plan_defaults_load(&d, &cause) != 0 ||
		    (plan = plan_load(arg, &d, &cause)) == NULL) {
			fprintf(stderr, "%s\n", cause);
			free(cause);
			return (CMD_EXIT_USAGE);
		}
		name = plan->name;
	}
	/* It reads catalogs and the journal only: the safe search_path. */
	if ((*c = conn_open_options(conninfo, app, TRUST_SEARCH_PATH,
	    &err)) == NULL) {
		m = conn_error_format(&err);
		fprintf(stderr, "bellows %s: cannot connect: %s\n", e->name, m);
		free(m);
		conn_error_clear(&err);
		plan_free(plan);
		return (CMD_EXIT_CONNECT);
	}
	rc = journal_load(*c, name, nevents, run, &cause);
	if (rc == 1) {
		plan_free(plan);
		return (CMD_EXIT_DONE);
	}
	if (rc == 0)
		fprintf(stderr, "bellows %s: no run named %s in database %s\n",
		    e->name, name, conn_describe(*c));
	else {
		fprintf(stderr, "bellows %s: %s\n", e->name, cause);
		free(cause);
	}
	conn_close(*c);
	*c = NULL;
	plan_free(plan);
	return (rc == 0 ? CMD_EXIT_FAILED : CMD_EXIT_CONNECT);
}

/*
 * A password given in -d CONNINFO would show in ps(1) for the whole run:
 * hand the command a copy of each -d/--dbname value and hide the password
 * in the original bytes, which are what /proc/PID/cmdline shows (as
 * mysql(1) does).  Runs before the command's getopt, which may permute
 * argv's pointers but never copies the strings.  .pgpass or PGPASSFILE is
 * the better place for a password; bellows(1) says so.
 */
static void
main_hide_passwords(int argc, char **argv)
{
	char	*a, *v, *eq;
	size_t	 n;
	int	 i;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--") == 0)
			break;
		v = NULL;
		if (strcmp(a, "-d") == 0 && i + 1 < argc)
			v = argv[++i];
		else if (strncmp(a, "-d", 2) == 0 && a[2] != '\0')
			v = a + 2;
		else if (strncmp(a, "--d", 3) == 0) {
			/* --dbname, or a prefix getopt_long takes for it. */
			n = (eq = strchr(a, '=')) != NULL ? (size_t)(eq - a) :
			    strlen(a);
			if (n - 2 > strlen("dbname") ||
			    strncmp(a + 2, "dbname", n - 2) != 0)
				continue;
			if (eq != NULL)
				v = eq + 1;
			else if (i + 1 < argc)
				v = argv[++i];
		}
		if (v == NULL)
			continue;
		/* The command reads the copy; the original is what ps shows. */
		argv[i] = xstrdup(argv[i]);
		conn_hide_password(v);
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_entry	*e;
	const char		*names[nitems(cmd_table) + 1], *hint;
	size_t			 i;
	int			 ch;

	setlocale(LC_ALL, "");
	main_hide_passwords(argc, argv);

	/* "+": stop at the command name; its options are its own. */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			main_usage(stdout);
			return (CMD_EXIT_DONE);
		case 'V':
			printf("bellows %s\n", PACKAGE_VERSION);
			return (CMD_EXIT_DONE);
		default:
			fprintf(stderr, "bellows: unknown option '%s'\n"
			    "Try 'bellows --help'.\n", argv[optind - 1]);
			return (CMD_EXIT_USAGE);
		}
	}
	if (optind >= argc) {
		main_usage(stderr);
		return (CMD_EXIT_USAGE);
	}

	for (i = 0; i < nitems(cmd_table); i++) {
		names[i] = cmd_table[i]->name;
		if (strcmp(argv[optind], cmd_table[i]->name) != 0)
			continue;
		e = cmd_table[i];
		optind++;
		/* The command parses its own options from a fresh getopt. */
		argv[optind - 1] = (char *)e->name;
		opterr = 1;
		ch = optind - 1;
		optind = 0;
		return (e->exec(e, argc - ch, argv + ch));
	}
	names[i] = NULL;
	hint = util_suggest(argv[optind], names);
	if (hint != NULL)
		fprintf(stderr, "bellows: unknown command '%s'; did you mean "
		    "'%s'?\n", argv[optind], hint);
	else
		fprintf(stderr, "bellows: unknown command '%s'; "
		    "try 'bellows --help'\n", argv[optind]);
	return (CMD_EXIT_USAGE);
}
