/*
 * bellows lint [--format=text|json] [--server-version N] FILE...
 *
 * Files ending in .conf are plans (loaded with plan_load(); a plan that
 * does not load is reported with the loader's message and makes the exit
 * 2); anything else, "-" for standard input included, is SQL.  Every file
 * is linted even after an error, and all findings go to one report.
 *
 * Exit: 0 no error finding; 1 an error finding; 2 usage, unreadable file,
 * plan error or SQL syntax error (which wins over 1).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "lint.h"
#include "plan.h"
#include "sql.h"
#include "util.h"

static int	cmd_lint_exec(const struct cmd_entry *, int, char **);

#define CMD_LINT_STR(x) CMD_LINT_STR2(x)
#define CMD_LINT_STR2(x) #x

const struct cmd_entry cmd_lint_entry = {
	"lint", "[--format=text|json] [--server-version N] FILE...",
	"check plan files and .sql migrations against the lock rules",
	"  --format=text|json     output format (default text)\n"
	"  --server-version=N     target PostgreSQL major version (default: "
	"the oldest\n"
	"                         one still supported, "
	"now " CMD_LINT_STR(LINT_DEFAULT_SERVER_VERSION) ")\n"
	"\nFILE ending in .conf is a plan; anything else (or - for standard "
	"input) is SQL.\nSuppress a finding with a comment on the statement "
	"or the line above it:\n"
	"  -- bellows:allow RULE because REASON\n"
	"Exit status: 0 no error, 1 lint errors, 2 usage, plan or SQL syntax "
	"error.\n",
	cmd_lint_exec
};

/* "15", "15.4", "9.6" or a server_version_num such as 150004. */
static int
cmd_lint_parse_version(const char *s, int *major)
{
	char	*end;
	long	 v;

	v = strtol(s, &end, 10);
	if (end == s || (*end != '\0' && *end != '.'))
		return (-1);
	if (v >= 90000)
		v /= 10000;	/* server_version_num */
	if (v < 9 || v > 99)
		return (-1);
	*major = (int)v;
	return (0);
}

static int
cmd_lint_is_plan(const char *path)
{
	size_t	n = strlen(path);

	return (n > 5 && strcmp(path + n - 5, ".conf") == 0);
}

static int
cmd_lint_exec(const struct cmd_entry *e, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "server-version", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct lint_options	 o;
	struct lint_report	 r;
	struct plan_defaults	 d;
	struct plan		*p;
	char			*cause = NULL;
	int			 ch, json = 0, failed = 0, i, rc, have_defaults = 0;

	lint_options_init(&o);
	while ((ch = getopt_long(argc, argv, "f:s:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (strcmp(optarg, "json") == 0)
				json = 1;
			else if (strcmp(optarg, "text") == 0)
				json = 0;
			else
				return (cmd_usage_error(e, "unknown format '%s' "
				    "(text or json)", optarg));
			break;
		case 's':
			if (cmd_lint_parse_version(optarg, &o.server_version) != 0)
				return (cmd_usage_error(e, "bad server version "
				    "'%s' (a major version such as 15)", optarg));
			break;
		case 'h':
			cmd_print_help(e);
			return (CMD_EXIT_DONE);
		default:
			return (CMD_EXIT_USAGE);
		}
	}
	if (optind >= argc)
		return (cmd_usage_error(e, "no file to lint"));

	lint_report_init(&r);
	for (i = optind; i < argc; i++) {
		if (!cmd_lint_is_plan(argv[i])) {
			if (lint_sql_file(&r, argv[i], &o, &cause) != 0) {
				fprintf(stderr, "bellows lint: %s\n", cause);
				free(cause);
				failed++;
			}
			continue;
		}
		if (!have_defaults) {
			memset(&d, 0, sizeof d);
			if (plan_defaults_load(&d, &cause) != 0) {
				fprintf(stderr, "bellows lint: %s\n", cause);
				free(cause);
				failed = 1;
				break;
			}
			have_defaults = 1;
		}
		if ((p = plan_load(argv[i], &d, &cause)) == NULL) {
			fprintf(stderr, "%s\n", cause != NULL ? cause :
			    "bellows lint: cannot load the plan");
			free(cause);
			cause = NULL;
			failed++;
			continue;
		}
		lint_plan(&r, p, &o);
		plan_free(p);
	}

	if (json)
		lint_print_json(stdout, &r);
	else
		lint_print_text(stdout, &r);
	fflush(stdout);
	/* The summary counts what was linted; say what was not, so that
	 * "0 errors" under a list of plan errors cannot reassure anyone. */
	if (failed && !json)
		fprintf(stderr, "bellows lint: %d file%s could not be linted "
		    "(see above)\n", failed, failed == 1 ? "" : "s");

	if (failed || r.nsyntax > 0)
		rc = CMD_EXIT_USAGE;
	else if (r.nerrors > 0)
		rc = CMD_EXIT_FAILED;
	else
		rc = CMD_EXIT_DONE;
	lint_report_free(&r);
	sql_cleanup();
	return (rc);
}
