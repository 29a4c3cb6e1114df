/*
 * Fuzz the plan loader (src/plan.c) and lint over a loaded plan: the input
 * is written to a plan file in a scratch directory and loaded with
 * plan_load(), as `bellows lint` and `bellows run` load it; a plan that
 * loads is linted (every step, rollback, verify and backfill fragment,
 * mapped back to the file through the plan's positions), its backfills
 * parse-checked as `bellows check` does, and the report printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "lint.h"
#include "plan.h"
#include "util.h"

static char	 fuzz_dir[] = "/tmp/bellows-fuzz-XXXXXX";
static char	*fuzz_path;
static FILE	*fuzz_null;

static void
fuzz_cleanup(void)
{
	unlink(fuzz_path);
	rmdir(fuzz_dir);
	free(fuzz_path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (mkdtemp(fuzz_dir) == NULL)
		util_fatal("%s: cannot create", fuzz_dir);
	fuzz_path = xasprintf("%s/plan.conf", fuzz_dir);
	if ((fuzz_null = fopen("/dev/null", "w")) == NULL)
		util_fatal("/dev/null: cannot open");
	atexit(fuzz_cleanup);
	return (0);
}

/*
 * libconfig 1.5 (Debian 12) leaks on a syntax error: the buffer of a
 * string the error cut short, and a string token the parser drops while
 * recovering (libconfig issue 142, fixed upstream by pull 155 in 2019).
 * A four-line program around config_read_file() and config_destroy()
 * shows both under valgrind: not bellows' leaks.  Only allocations made by
 * libconfig's scanner are suppressed; a setting bellows failed to free
 * (made by the parser) is still reported.  Read by LeakSanitizer in the
 * libFuzzer build and in the replay under make check alike.
 */
const char	*__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return ("leak:strbuf_append\nleak:libconfig_yylex\n");
}

/*
 * Inputs the harness does not try: a plan may read other files (include =
 * "...", @include "..."), and with a '/' or a backslash escape it could
 * name any file on the machine.  plan.c reads only regular files there
 * (tests/fuzz/regress/plan/include-dir.conf: a directory once made
 * libconfig exit the process).
 */
static int
fuzz_skip(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data;

	return (memmem(s, size, "include", 7) != NULL &&
	    (memchr(s, '/', size) != NULL || memchr(s, '\\', size) != NULL));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plan		*p;
	struct lint_report	 r;
	struct lint_options	 o;
	FILE			*f;
	char			*cause = NULL, *text;
	size_t			 i;

	if (fuzz_skip(data, size))
		return (-1);	/* not worth keeping in the corpus */
	if ((f = fopen(fuzz_path, "w")) == NULL)
		util_fatal("%s: cannot create", fuzz_path);
	if (fwrite(data, 1, size, f) != size || fclose(f) != 0)
		util_fatal("%s: cannot write", fuzz_path);

	if ((p = plan_load(fuzz_path, NULL, &cause)) == NULL) {
		free(cause);
		return (0);
	}
	for (i = 0; i < p->nphases; i++) {
		if (p->phases[i].kind != PLAN_PHASE_BACKFILL)
			continue;
		if (lint_backfill_syntax(p, &p->phases[i].backfill,
		    &cause) != 0)
			free(cause);
	}
	lint_options_init(&o);
	lint_report_init(&r);
	lint_plan(&r, p, &o);
	text = xstrndup((const char *)data, size);
	fuzz_check_report(&r, fuzz_path, text);
	free(text);
	lint_print_text(fuzz_null, &r);
	lint_print_json(fuzz_null, &r);
	lint_report_free(&r);
	plan_free(p);
	return (0);
}
