/*
 * Fuzz lint over a .sql migration (src/lint.c on top of src/sql.c): the
 * text up to its first NUL byte linted as a file, then printed as text and
 * as JSON.  The input's length picks the target server version (10 to 17)
 * and whether the file is a rollback script, so that no input byte is
 * spent on options and the seeds stay plain .sql files.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "lint.h"
#include "util.h"

static FILE	*fuzz_null;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((fuzz_null = fopen("/dev/null", "w")) == NULL)
		util_fatal("/dev/null: cannot open");
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lint_report	 r;
	struct lint_options	 o;
	char			*text;
	const char		*file;

	text = xstrndup((const char *)data, size);
	lint_options_init(&o);
	o.server_version = 10 + (int)(size % 8);
	file = (size / 8) % 4 == 0 ? "fuzz.down.sql" : "fuzz.sql";

	lint_report_init(&r);
	lint_sql_text(&r, file, text, &o);
	fuzz_check_report(&r, file, text);
	lint_print_text(fuzz_null, &r);
	lint_print_json(fuzz_null, &r);
	lint_report_free(&r);
	free(text);
	return (0);
}
