/*
 * Fuzz the checking of a backfill's fragments: the SET list, FROM list and
 * WHERE condition that bellows pastes into the UPDATE it writes, plus the
 * table and key.  The input holds the fields in that order (set, from,
 * where, table, key), separated by NUL bytes when it has any, else by
 * newlines (so a seed is a readable text file, and the fuzzer can still
 * reach multi-line fragments).  A missing field is NULL, as in a plan
 * without the key.
 *
 * fuzz_backfill_check() is the one place that names the function under
 * test: lint_backfill_syntax() (src/lint.c) today; switch it to the
 * backfill's own fragment parser and validator when that lands.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lint.h"
#include "plan.h"
#include "util.h"

#define FUZZ_FIELDS 5

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return (0);
}

static void
fuzz_backfill_check(const struct plan *p, const struct plan_backfill *bf)
{
	char	*cause = NULL;

	if (lint_backfill_syntax(p, bf, &cause) != 0)
		free(cause);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plan		 p;
	struct plan_backfill	 bf;
	char			*field[FUZZ_FIELDS] = { NULL };
	const char		*s = (const char *)data, *end = s + size, *e;
	int			 sep, i;

	sep = memchr(data, '\0', size) != NULL ? '\0' : '\n';
	for (i = 0; i < FUZZ_FIELDS && s <= end; i++) {
		if ((e = memchr(s, sep, (size_t)(end - s))) == NULL)
			e = end;
		field[i] = xstrndup(s, (size_t)(e - s));
		s = e + 1;
	}

	memset(&p, 0, sizeof p);
	p.file = (char *)"fuzz.conf";
	memset(&bf, 0, sizeof bf);
	bf.set = field[0];
	bf.from = field[1];
	bf.where = field[2];
	bf.table = field[3];
	bf.key = field[4];
	bf.line = 3;
	/* Where the values would start in a plan: set on line 4, where on 5. */
	bf.set_pos = (struct plan_pos){ "fuzz.conf", 4, 13, NULL, 0 };
	bf.where_pos = (struct plan_pos){ "fuzz.conf", 5, 15, NULL, 0 };

	fuzz_backfill_check(&p, &bf);

	for (i = 0; i < FUZZ_FIELDS; i++)
		free(field[i]);
	return (0);
}
