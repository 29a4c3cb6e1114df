/* fmt: see fmt.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"

/* Neither NaN nor infinite, without libm. */
static int
fmt_finite(double v)
{
	return (v == v && v - v == 0);
}

/*
 * V (not negative) truncated to one decimal, as tenths.  The epsilon keeps values that
 * are exact in decimal but not in binary (12.3 stored as 12.2999...) from
 * losing a tenth.
 */
static int64_t
fmt_tenths(double v)
{
	return ((int64_t)(v * 10 + 1e-6));
}

/* V with one decimal below 100 and none above, truncated: "8.2",
 * "12.3", "123". */
static void
fmt_scaled(double v, char *buf, size_t len)
{
	int64_t	t;

	t = fmt_tenths(v);
	if (t < 1000)
		snprintf(buf, len, "%" PRId64 ".%" PRId64, t / 10, t % 10);
	else
		snprintf(buf, len, "%" PRId64, t / 10);
}

const char *
fmt_duration(long ms, char *buf, size_t len)
{
	if (ms < 0)
		snprintf(buf, len, "-");
	else if (ms < 1000)
		snprintf(buf, len, "%ldms", ms);
	else if (ms < 10000)
		snprintf(buf, len, "%ld.%lds", ms / 1000, ms % 1000 / 100);
	else if (ms < 60000)
		snprintf(buf, len, "%lds", ms / 1000);
	else if (ms < 3600000L) {
		if (ms / 1000 % 60 == 0)
			snprintf(buf, len, "%ldmin", ms / 60000);
		else
			snprintf(buf, len, "%ldmin %lds", ms / 60000,
			    ms / 1000 % 60);
	} else if (ms < 86400000L) {
		if (ms / 60000 % 60 == 0)
			snprintf(buf, len, "%ldh", ms / 3600000L);
		else
			snprintf(buf, len, "%ldh %02ldmin", ms / 3600000L,
			    ms / 60000 % 60);
	} else {
		if (ms / 3600000L % 24 == 0)
			snprintf(buf, len, "%ldd", ms / 86400000L);
		else
			snprintf(buf, len, "%ldd %ldh", ms / 86400000L,
			    ms / 3600000L % 24);
	}
	return (buf);
}

const char *
fmt_rate(double per_s, const char *unit, char *buf, size_t len)
{
	static const char	*const prefix[] = { "", "k", "M", "G", "T" };
	char			 num[FMT_LEN];
	size_t			 i;

	if (!fmt_finite(per_s) || per_s < 0) {
		snprintf(buf, len, "-");
		return (buf);
	}
	for (i = 0; per_s >= 1000 && i < sizeof prefix / sizeof prefix[0] - 1;
	    i++)
		per_s /= 1000;
	/* Whole events below 1000 read better than "850.0". */
	if (i == 0 && (per_s >= 10 || per_s == 0))
		snprintf(num, sizeof num, "%" PRId64, (int64_t)per_s);
	else
		fmt_scaled(per_s, num, sizeof num);
	if (unit != NULL)
		snprintf(buf, len, "%s%s %s/s", num, prefix[i], unit);
	else
		snprintf(buf, len, "%s%s/s", num, prefix[i]);
	return (buf);
}

const char *
fmt_size(int64_t bytes, char *buf, size_t len)
{
	static const char	*const unit[] = { "B", "KiB", "MiB", "GiB",
				    "TiB", "PiB" };
	char			 num[FMT_LEN];
	double			 v;
	size_t			 i;

	if (bytes < 0) {
		snprintf(buf, len, "-");
		return (buf);
	}
	if (bytes < 1024) {
		snprintf(buf, len, "%" PRId64 " B", bytes);
		return (buf);
	}
	v = (double)bytes;
	for (i = 0; v >= 1024 && i < sizeof unit / sizeof unit[0] - 1; i++)
		v /= 1024;
	fmt_scaled(v, num, sizeof num);
	snprintf(buf, len, "%s %s", num, unit[i]);
	return (buf);
}

const char *
fmt_count(int64_t n, char *buf, size_t len)
{
	char		 digits[FMT_LEN], out[FMT_LEN + 8];
	const char	*d;
	size_t		 nd, o = 0;
	uint64_t	 u;

	/* INT64_MIN has no positive counterpart: negate as unsigned. */
	u = n < 0 ? -(uint64_t)n : (uint64_t)n;
	snprintf(digits, sizeof digits, "%" PRIu64, u);
	if (n < 0)
		out[o++] = '-';
	nd = strlen(digits);
	for (d = digits; *d != '\0'; d++) {
		out[o++] = *d;
		nd--;
		if (nd > 0 && nd % 3 == 0)
			out[o++] = ',';
	}
	out[o] = '\0';
	snprintf(buf, len, "%s", out);
	return (buf);
}

const char *
fmt_eta(double remaining, double per_s, char *buf, size_t len)
{
	double	ms;

	if (!fmt_finite(remaining) || !fmt_finite(per_s) || remaining < 0 ||
	    per_s <= 0) {
		/* Nothing left needs no rate. */
		if (remaining <= 0)
			return (fmt_duration(0, buf, len));
		snprintf(buf, len, "-");
		return (buf);
	}
	ms = remaining / per_s * 1000;
	/* Beyond what a long holds (and far beyond any change window). */
	if (!fmt_finite(ms) || ms > 1e15) {
		snprintf(buf, len, "-");
		return (buf);
	}
	return (fmt_duration((long)ms, buf, len));
}

const char *
fmt_percent(double done, double total, char *buf, size_t len)
{
	int64_t	t;

	if (!fmt_finite(total) || !fmt_finite(done) || total <= 0) {
		snprintf(buf, len, "-");
		return (buf);
	}
	if (done >= total) {
		snprintf(buf, len, "100%%");
		return (buf);
	}
	if (done < 0)
		done = 0;
	t = fmt_tenths(done / total * 100);
	/* The epsilon must not turn 99.99999 into a finished "100.0%". */
	if (t > 999)
		t = 999;
	snprintf(buf, len, "%" PRId64 ".%" PRId64 "%%", t / 10, t % 10);
	return (buf);
}
