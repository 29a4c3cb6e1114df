/*
 * Checks shared by the harnesses: what every lint report must satisfy,
 * whatever the input.  A broken promise aborts, which libFuzzer reports as
 * a crash and make check as a failed replay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lint.h"

void
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, what);
	abort();
}

/* Lines in TEXT (a last line without a newline counts). */
static int
fuzz_lines(const char *text)
{
	int	n = 1;

	for (; *text != '\0'; text++)
		n += *text == '\n';
	return (n);
}

void
fuzz_check_report(const struct lint_report *r, const char *file,
    const char *text)
{
	const struct lint_finding	*f;
	size_t				 i, nsup = 0, nerr = 0, nwarn = 0;
	size_t				 ninfo = 0;
	int				 maxline = fuzz_lines(text);

	for (i = 0; i < r->n; i++) {
		f = &r->findings[i];
		FUZZ_CHECK(f->file != NULL && f->message != NULL);
		FUZZ_CHECK(f->rule != NULL && lint_rule_find(f->rule) != NULL);
		FUZZ_CHECK(f->line >= 1 && f->col >= 1);
		if (strcmp(f->file, file) == 0)
			FUZZ_CHECK(f->line <= maxline);
		FUZZ_CHECK(f->suppressed == (f->reason != NULL));
		if (f->suppressed)
			nsup++;
		else if (f->severity == LINT_ERROR)
			nerr++;
		else if (f->severity == LINT_WARNING)
			nwarn++;
		else
			ninfo++;
	}
	FUZZ_CHECK(r->nsuppressed == nsup && r->nerrors == nerr);
	FUZZ_CHECK(r->nwarnings == nwarn && r->ninfos == ninfo);
	FUZZ_CHECK(r->nsyntax <= r->n);
}
