/*
 * replay: run one fuzz harness (FUZZ_NAME, linked in) over files with the
 * normal compiler and sanitizers, printing TAP.  With no argument, over
 * the seed corpus and the saved crashes of that harness
 * (SRCDIR/tests/fuzz/corpus/NAME and regress/NAME); `make check` runs it
 * so.  With arguments, over those files: reproduce a crash that `make
 * fuzz` found without clang.  A crash, a sanitizer error or a leak ends
 * the program with a failure.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sql.h"
#include "util.h"

static int
replay_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Append the regular files of DIR (sorted, dot files skipped) to *FILES. */
static void
replay_dir(const char *dir, char ***files, size_t *n)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 first = *n;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		*files = xreallocarray(*files, *n + 1, sizeof **files);
		(*files)[(*n)++] = xasprintf("%s/%s", dir, de->d_name);
	}
	closedir(d);
	qsort(*files + first, *n - first, sizeof **files, replay_cmp);
}

int
main(int argc, char **argv)
{
	const char	*top = getenv("top_srcdir");
	char		**files = NULL, *dir, *data, *cause = NULL;
	size_t		 n = 0, i, len, skip = 0;
	int		 j, failed = 0;

	if (top == NULL || *top == '\0')
		top = SRCDIR;
	LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1) {
		for (j = 1; j < argc; j++) {
			files = xreallocarray(files, n + 1, sizeof *files);
			files[n++] = xstrdup(argv[j]);
		}
	} else {
		/* Name the files from tests/fuzz/ on in the TAP lines. */
		skip = strlen(top) + strlen("/tests/fuzz/");
		dir = xasprintf("%s/tests/fuzz/corpus/%s", top, FUZZ_NAME);
		replay_dir(dir, &files, &n);
		free(dir);
		dir = xasprintf("%s/tests/fuzz/regress/%s", top, FUZZ_NAME);
		replay_dir(dir, &files, &n);
		free(dir);
	}

	printf("1..%zu\n", n);
	for (i = 0; i < n; i++) {
		fflush(stdout);
		if ((data = util_read_file(files[i], &len, &cause)) == NULL) {
			printf("not ok %zu - %s\n", i + 1, cause);
			free(cause);
			failed = 1;
		} else {
			LLVMFuzzerTestOneInput((const uint8_t *)data, len);
			printf("ok %zu - %s\n", i + 1, files[i] + skip);
			free(data);
		}
		free(files[i]);
	}
	free(files);
	sql_cleanup();
	return (failed);
}
