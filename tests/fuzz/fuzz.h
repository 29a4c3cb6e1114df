/*
 * fuzz: the libFuzzer entry points every harness in tests/fuzz/ defines.
 *
 * A harness (fuzz_NAME.c) is linked two ways: with clang's
 * -fsanitize=fuzzer by tests/fuzz/run (`make fuzz`), and with replay.c by
 * `make check`, which feeds it the seed corpus and the saved crashes
 * (tests/fuzz/corpus/NAME, tests/fuzz/regress/NAME) with the normal
 * compiler, so a fixed crash stays fixed without clang.
 *
 * fuzz.c holds the checks they share.
 *
 * LLVMFuzzerInitialize() runs once before the first input; it may keep
 * process-wide state (a scratch directory, /dev/null).  Each call of
 * LLVMFuzzerTestOneInput() must free everything it allocates: libFuzzer
 * reports a leak per input.
 */
#ifndef BELLOWS_FUZZ_H
#define BELLOWS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

struct lint_report;

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz.c: abort with a message when a promise of the code under test
 * does not hold (a logic error, where the sanitizers see nothing). */
#define FUZZ_CHECK(e) do {					\
	if (!(e))						\
		fuzz_fail(__FILE__, __LINE__, #e);		\
} while (0)
void	fuzz_fail(const char *, int, const char *)
	    __attribute__((noreturn));

/* Every finding of R names a known rule, a line and column from 1 on (and
 * within TEXT when it names FILE), and the counts add up. */
void	fuzz_check_report(const struct lint_report *r, const char *file,
	    const char *text);

#endif
