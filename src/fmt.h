/*
 * fmt: numbers for people, the one place that decides how bellows writes
 * durations, rates, sizes, counts, ETAs and percentages on the console, in
 * logs and in `bellows status`.
 *
 * Every function writes into a buffer the caller provides (FMT_LEN bytes
 * is always enough; a shorter one truncates, never overflows) and returns
 * it, so several can be used in one printf.  Unknown values (negative
 * durations, sizes and rates, a zero total) print as "-".  Nothing is
 * allocated and nothing depends on the locale: the console must read the
 * same under LANG=C and in a test.
 */
#ifndef BELLOWS_FMT_H
#define BELLOWS_FMT_H

#include <stddef.h>
#include <stdint.h>

#define FMT_LEN	32

/* "850ms", "8.2s", "42s", "3min 12s", "5min", "2h 05min", "1h", "3d 4h".
 * Truncated, never rounded up: 59.9 s stays "59s". */
const char	*fmt_duration(long ms, char *buf, size_t len);

/* Events per second: "0.5 rows/s", "850 rows/s", "12.3k rows/s",
 * "4.1M rows/s" (k, M, G: powers of 1000).  UNIT NULL: "12.3k/s". */
const char	*fmt_rate(double per_s, const char *unit, char *buf, size_t len);

/* Bytes in binary units: "512 B", "8.0 KiB", "12.3 MiB", "123 MiB",
 * "1.2 GiB", up to PiB. */
const char	*fmt_size(int64_t bytes, char *buf, size_t len);

/* With thousands separators: "1,234,567", "-42". */
const char	*fmt_count(int64_t n, char *buf, size_t len);

/* Time left for REMAINING units at PER_S units a second, as
 * fmt_duration(); "-" when the rate is not positive (stalled or not yet
 * measured), "0ms" when nothing remains. */
const char	*fmt_eta(double remaining, double per_s, char *buf, size_t len);

/* DONE of TOTAL with one decimal, "42.3%"; "100%" only when done, so an
 * unfinished job never reads 100% (99.96 gives "99.9%"). */
const char	*fmt_percent(double done, double total, char *buf, size_t len);

#endif
