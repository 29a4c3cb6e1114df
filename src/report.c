/*
 * report: see report.h.
 *
 * JSON output of `bellows report --format=json`: one object, then a
 * newline.  Field names are stable; new fields may be added, none is
 * renamed or dropped without bumping report_version.  Times are ISO 8601
 * UTC strings with milliseconds ("2024-05-01T12:00:00.123Z"); durations
 * are integer milliseconds; absent values are null.  Numbers are integers
 * only, whatever the locale.
 *
 *   report_version      1 (REPORT_FORMAT_VERSION)
 *   name                run name (the plan's name)
 *   database            user@host:port/dbname that was read
 *   state               running, paused, done, failed, interrupted,
 *                       rolled_back
 *   outcome.state       the same state
 *   outcome.kind        the last event that ended or stopped the run
 *                       (finished, stopped, rollback-stopped, rolled-back,
 *                       interrupted, declined), null when none
 *   outcome.detail      its detail
 *   outcome.at          its time
 *   outcome.driver_gone true when the run is running but no session holds
 *                       its lock (the driver went away)
 *   created_at          when the run was first opened
 *   updated_at          last change of the run row
 *   last_event_at       time of the last event
 *   duration_ms         created_at to the last event
 *   plan.file           the plan's path as the driver gave it
 *   plan.sha256         SHA-256 of that file's bytes
 *   plan.description    the plan's description, null when none or when
 *                       the plan could not be re-loaded
 *   plan.text           the plan file's text as stored in the journal
 *   plan.loaded         whether the stored text could be re-loaded (for
 *                       sql, rollback and lint below)
 *   plan.error          why not, else null
 *   driver              the last driver recorded in the run:
 *     operator, host, pid (process id on host), backend_pid, since,
 *     connected         (true while a session holds the run's lock)
 *   drivers[]           every time a driver took the run: event objects
 *                       (see events[]) of kind "driver"
 *   operators[]         every operator name in the journal, in order of
 *                       first appearance (the driver's first)
 *   phases[]            in plan order:
 *     index             phase index, from 0
 *     name, kind        kind: steps, gate, backfill or verify
 *     state             pending, running, done, failed, interrupted,
 *                       rolled_back, or partial (some steps done, some not)
 *     started_at        first start of any of its steps
 *     finished_at       last stop of its steps; null while one runs or
 *                       none started
 *     duration_ms       wall time from started_at to finished_at (or to
 *                       the report while running): waits, retries and a
 *                       resume after a crash included.  A gate's row is
 *                       not started by the engine: its time runs from the
 *                       end of the phase before to its confirmation
 *     attempts          starts summed over its steps
 *     lock_timeouts     lock-timeout events in the phase
 *     steps[]           steps phases only (else empty), in order:
 *       index, name, state, attempts, lock_timeouts, started_at,
 *       finished_at, elapsed_ms (the attempt that stands), waited_ms
 *       (backoffs and earlier attempts before it), undo (null, or the
 *       state of its rollback),
 *       sql, rollback   from the stored plan; null when it could not be
 *                       re-loaded (rollback also null for an irreversible
 *                       step)
 *     backfill          null unless kind is backfill, else:
 *       table, key      from the stored plan (null if not re-loaded)
 *       rows_done, batches
 *       rows_per_batch  mean rows per batch, null before any batch
 *       rows_per_s      rows_done over the time the backfill worked
 *                       (never across a pause, a hold or an
 *                       interruption), null before any row
 *       elapsed_ms      first start to last stop of the phase
 *       cursor          last key done (text)
 *   schema_change[]     the steps that were applied, in plan order:
 *     phase, phase_name, step, step_name
 *     state             done, or rolled_back (applied then undone)
 *     sql, rollback     as in phases[].steps[]
 *   lint                suppressed lint findings of the stored plan:
 *     available         false when the plan could not be re-loaded
 *     server_version    PostgreSQL major version linted for (the target's)
 *     errors, warnings, infos   unsuppressed counts today
 *     suppressed[]      rule, severity, file (null: the plan file itself),
 *                       line, column, message, reason
 *   confirmations[]     ids of events that record a person's decision:
 *                       sign-offs, overrides, confirmations, declines
 *   retries[]           ids of lock timeouts (detail names the blockers),
 *                       backoffs, retries, batch retries, cancelled or
 *                       terminated blockers, lost connections
 *   pauses[]            ids of pauses, resumes, throttles, interruptions
 *   notes[]             ids of notes added by watchers
 *   events[]            the whole timeline, oldest first:
 *     id                increasing event number
 *     at, operator      when and who (operator null when not recorded)
 *     phase, step       names of what it concerns, or null
 *     kind, detail      e.g. lock-timeout, "attempt 1 of 30 ... blocked
 *                       by pid 4242 ..."
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "report.h"

/* What a timeline entry is about, for the summary sections. */
enum report_class {
	REPORT_OTHER,
	REPORT_CONFIRM,
	REPORT_RETRY,
	REPORT_PAUSE,
	REPORT_NOTE
};

static const struct {
	const char		*kind;
	enum report_class	 class;
} report_kinds[] = {
	{ "signoff", REPORT_CONFIRM },
	{ "check-override", REPORT_CONFIRM },
	{ "checklist-complete", REPORT_CONFIRM },
	{ "confirmed", REPORT_CONFIRM },
	{ "gate-confirmed", REPORT_CONFIRM },
	{ "typed-confirmation", REPORT_CONFIRM },
	{ "rollback-confirmed", REPORT_CONFIRM },
	{ "declined", REPORT_CONFIRM },
	{ "rollback-declined", REPORT_CONFIRM },
	{ "lock-timeout", REPORT_RETRY },
	{ "backoff", REPORT_RETRY },
	{ "retry", REPORT_RETRY },
	{ "batch-retry", REPORT_RETRY },
	{ "cancel", REPORT_RETRY },
	{ "terminate", REPORT_RETRY },
	{ "invalid-index-dropped", REPORT_RETRY },
	{ "resume-check", REPORT_RETRY },
	{ "connection-lost", REPORT_RETRY },
	{ "reconnected", REPORT_RETRY },
	{ "reconnect-failed", REPORT_RETRY },
	{ "reconnect-refused", REPORT_RETRY },
	{ "pause", REPORT_PAUSE },
	{ "paused", REPORT_PAUSE },
	{ "resume", REPORT_PAUSE },
	{ "throttle", REPORT_PAUSE },
	{ "throttle-check", REPORT_PAUSE },
	{ "throttle-clear", REPORT_PAUSE },
	{ "interrupt", REPORT_PAUSE },
	{ "interrupted", REPORT_PAUSE },
	{ "note", REPORT_NOTE }
};

/* Kinds that end or stop a run: the outcome's event. */
static const char *const report_ending[] = {
	"finished", "stopped", "rollback-stopped", "rolled-back",
	"interrupted", "declined", "rollback-declined", NULL
};

static enum report_class
report_classify(const char *kind)
{
	size_t	i;

	if (kind == NULL)
		return (REPORT_OTHER);
	for (i = 0; i < nitems(report_kinds); i++) {
		if (strcmp(report_kinds[i].kind, kind) == 0)
			return (report_kinds[i].class);
	}
	/* Kinds added later (a watcher's second sign-off, its notes) still
	 * land in the right section by their name. */
	if (strstr(kind, "signoff") != NULL || strstr(kind, "confirm") != NULL)
		return (REPORT_CONFIRM);
	if (strncmp(kind, "note", 4) == 0)
		return (REPORT_NOTE);
	return (REPORT_OTHER);
}

static int
report_is_ending(const char *kind)
{
	size_t	i;

	for (i = 0; kind != NULL && report_ending[i] != NULL; i++) {
		if (strcmp(kind, report_ending[i]) == 0)
			return (1);
	}
	return (0);
}

/* ------------------------------------------------------------ time */

int64_t
report_parse_time(const char *ts)
{
	struct tm	tm;
	int		y, mo, d, h, mi, s, ms = 0, n = 0;
	time_t		t;

	if (ts == NULL)
		return (-1);
	if (sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s,
	    &n) != 6 || n == 0)
		return (-1);
	if (ts[n] == '.') {
		if (sscanf(ts + n, ".%3d", &ms) != 1)
			return (-1);
	}
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	if ((t = timegm(&tm)) == (time_t)-1)
		return (-1);
	return ((int64_t)t * 1000 + ms);
}

/* ------------------------------------------------------------ model */

/* One phase as the report sees it: its step rows and what they add up to. */
struct report_phase {
	int				 index;
	const char			*name;
	const char			*kind;
	const struct journal_step	*rows;	/* into run->steps */
	size_t				 nrows;
	const struct plan_phase		*plan;	/* NULL when not re-loaded or
						   the plan disagrees */
	const char			*state;
	const char			*started_at;
	const char			*finished_at;
	int64_t				 duration_ms;	/* -1: never started */
	int				 attempts;
	int				 lock_timeouts;
};

static int
report_state_is(const struct journal_step *s, const char *state)
{
	return (s->state != NULL && strcmp(s->state, state) == 0);
}

/* A phase's state from its rows: one that runs or stopped wins, then the
 * state they all share, else "partial". */
static const char *
report_phase_state(const struct journal_step *rows, size_t n)
{
	static const char *const first[] = {
		JOURNAL_RUNNING, JOURNAL_FAILED, JOURNAL_INTERRUPTED
	};
	size_t	i, j, ndone = 0, npending = 0, nrb = 0;

	for (j = 0; j < nitems(first); j++) {
		for (i = 0; i < n; i++) {
			if (report_state_is(&rows[i], first[j]))
				return (first[j]);
		}
	}
	for (i = 0; i < n; i++) {
		if (report_state_is(&rows[i], JOURNAL_DONE))
			ndone++;
		else if (report_state_is(&rows[i], JOURNAL_PENDING))
			npending++;
		else if (report_state_is(&rows[i], JOURNAL_ROLLED_BACK))
			nrb++;
	}
	if (ndone == n)
		return (JOURNAL_DONE);
	if (npending == n)
		return (JOURNAL_PENDING);
	if (nrb > 0 && ndone == 0)
		return (JOURNAL_ROLLED_BACK);
	return ("partial");
}

static int
report_same(const char *a, const char *b)
{
	return (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Lock timeouts journaled for PHASE (and STEP when not NULL). */
static int
report_count_timeouts(const struct journal_run *run, const char *phase,
    const char *step)
{
	const struct journal_event	*ev;
	size_t				 i;
	int				 n = 0;

	for (i = 0; i < run->nevents; i++) {
		ev = &run->events[i];
		if (!report_same(ev->kind, "lock-timeout") ||
		    !report_same(ev->phase, phase))
			continue;
		if (step == NULL || report_same(ev->step, step))
			n++;
	}
	return (n);
}

/*
 * A finished phase whose row never went running (the engine journals a
 * gate only when it is confirmed): its time runs from the end of the phase
 * before (when the question was asked) to its last event.  Leaves *START
 * at -1 when the phase has no event.
 */
static void
report_phase_from_events(const struct journal_run *run,
    struct report_phase *p, const struct report_phase *prev,
    int64_t *start, int64_t *end)
{
	const struct journal_event	*ev, *first = NULL, *last = NULL;
	size_t				 i;

	for (i = 0; i < run->nevents; i++) {
		ev = &run->events[i];
		if (!report_same(ev->phase, p->name))
			continue;
		if (first == NULL)
			first = ev;
		last = ev;
	}
	if (first == NULL || !report_same(p->state, JOURNAL_DONE))
		return;
	if (prev != NULL && prev->finished_at != NULL &&
	    report_parse_time(prev->finished_at) <= report_parse_time(first->at))
		p->started_at = prev->finished_at;
	else
		p->started_at = first->at;
	p->finished_at = last->at;
	*start = report_parse_time(p->started_at);
	*end = report_parse_time(p->finished_at);
}

/* The phases of the run, from its step rows (which are in plan order). */
static struct report_phase *
report_phases(const struct report_input *in, size_t *nphases)
{
	const struct journal_run	*run = in->run;
	const struct journal_step	*s;
	const struct plan_phase		*pp;
	struct report_phase		*out = NULL, *p;
	size_t				 i, n = 0;
	int64_t				 start, end, t;
	int				 running;

	for (i = 0; i < run->nsteps; i++) {
		s = &run->steps[i];
		if (n == 0 || out[n - 1].index != s->phase) {
			out = xreallocarray(out, n + 1, sizeof *out);
			p = &out[n++];
			memset(p, 0, sizeof *p);
			p->index = s->phase;
			p->name = s->phase_name;
			p->kind = s->kind;
			p->rows = s;
		}
		out[n - 1].nrows++;
	}

	for (i = 0; i < n; i++) {
		p = &out[i];
		if (in->plan != NULL && p->index >= 0 &&
		    (size_t)p->index < in->plan->nphases) {
			pp = &in->plan->phases[p->index];
			if (report_same(pp->name, p->name) &&
			    (pp->kind != PLAN_PHASE_STEPS ||
			    pp->nsteps == p->nrows))
				p->plan = pp;
		}
		p->state = report_phase_state(p->rows, p->nrows);
		p->lock_timeouts = report_count_timeouts(run, p->name, NULL);
		start = end = -1;
		running = 0;
		for (s = p->rows; s < p->rows + p->nrows; s++) {
			p->attempts += s->attempts;
			t = report_parse_time(s->started_at);
			if (t < 0)
				continue;
			if (start < 0 || t < start) {
				start = t;
				p->started_at = s->started_at;
			}
			if (s->finished_at == NULL) {
				running = 1;
				/* journal_load measured it up to the load. */
				t += (int64_t)(s->elapsed * 1000.0 + 0.5);
			} else {
				t = report_parse_time(s->finished_at);
				if (end < 0 || t > report_parse_time(
				    p->finished_at))
					p->finished_at = s->finished_at;
			}
			if (t > end)
				end = t;
		}
		if (running)
			p->finished_at = NULL;
		if (start < 0)
			report_phase_from_events(run, p, i > 0 ? &out[i - 1] :
			    NULL, &start, &end);
		p->duration_ms = start < 0 ? -1 : end - start;
	}
	*nphases = n;
	return (out);
}

static const struct plan_step *
report_plan_step(const struct report_phase *p, const struct journal_step *s)
{
	if (p->plan == NULL || p->plan->kind != PLAN_PHASE_STEPS ||
	    s->step < 0 || (size_t)s->step >= p->plan->nsteps)
		return (NULL);
	return (&p->plan->steps[s->step]);
}


/* Operators in order of first appearance, the recorded driver first.
 * The array points into RUN. */
static const char **
report_operators(const struct journal_run *run, size_t *n)
{
	const char	**out;
	const char	 *o;
	size_t		  i, j;

	out = xcalloc(run->nevents + 1, sizeof *out);
	*n = 0;
	for (i = 0; i <= run->nevents; i++) {
		o = i == 0 ? run->driver.operator : run->events[i - 1].operator;
		if (o == NULL || *o == '\0')
			continue;
		for (j = 0; j < *n; j++) {
			if (strcmp(out[j], o) == 0)
				break;
		}
		if (j == *n)
			out[(*n)++] = o;
	}
	return (out);
}

static const struct journal_event *
report_outcome_event(const struct journal_run *run)
{
	size_t	i;

	for (i = run->nevents; i > 0; i--) {
		if (report_is_ending(run->events[i - 1].kind))
			return (&run->events[i - 1]);
	}
	return (NULL);
}

static int
report_driver_gone(const struct journal_run *run)
{
	return (report_same(run->state, JOURNAL_RUNNING) &&
	    !run->driver_connected);
}

static int64_t
report_total_ms(const struct journal_run *run)
{
	int64_t	a, b;

	if (run->nevents == 0)
		return (-1);
	a = report_parse_time(run->created_at);
	b = report_parse_time(run->events[run->nevents - 1].at);
	if (a < 0 || b < 0)
		return (-1);
	return (b - a);
}

/* Where a finding is: NULL for the plan file itself, else the file (an
 * included checklist template). */
static const char *
report_finding_file(const struct report_input *in,
    const struct lint_finding *f)
{
	if (f->file == NULL || in->plan == NULL ||
	    strcmp(f->file, in->plan->file) == 0)
		return (NULL);
	return (f->file);
}

/* ------------------------------------------------------------ markdown */

/*
 * Text inside a paragraph or a table cell: one line, and nothing that
 * Markdown would take for a table border, emphasis, code or a link.
 * Control characters (terminal escapes from a hostile plan) become blanks.
 */
static void
report_md_text(struct buf *b, const char *s)
{
	const unsigned char	*p;

	if (s == NULL)
		return;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			buf_putc(b, ' ');
		else if (strchr("\\|*`<>[]~", *p) != NULL) {
			buf_putc(b, '\\');
			buf_putc(b, (char)*p);
		} else
			buf_putc(b, (char)*p);
	}
}

/* The longest run of backticks in S. */
static size_t
report_md_ticks(const char *s)
{
	size_t	run = 0, max = 0;

	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '`') {
			if (++run > max)
				max = run;
		} else
			run = 0;
	}
	return (max);
}

/* S as inline code, on one line, whatever backticks it holds. */
static void
report_md_code(struct buf *b, const char *s)
{
	const unsigned char	*p;
	size_t			 i, n;
	int			 pad;

	if (s == NULL) {
		buf_puts(b, "-");
		return;
	}
	n = report_md_ticks(s) + 1;
	pad = *s == '`' || (*s != '\0' && s[strlen(s) - 1] == '`');
	for (i = 0; i < n; i++)
		buf_putc(b, '`');
	if (pad)
		buf_putc(b, ' ');
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		buf_putc(b, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
	if (pad)
		buf_putc(b, ' ');
	for (i = 0; i < n; i++)
		buf_putc(b, '`');
}

/* TEXT as a fenced block: the fence is longer than any backtick run in
 * the text (CommonMark), so a plan holding ``` cannot end it early. */
static void
report_md_fence(struct buf *b, const char *lang, const char *text)
{
	const unsigned char	*p;
	size_t			 i, n;

	n = report_md_ticks(text) + 1;
	if (n < 3)
		n = 3;
	for (i = 0; i < n; i++)
		buf_putc(b, '`');
	buf_puts(b, lang);
	buf_putc(b, '\n');
	for (p = (const unsigned char *)text; p != NULL && *p != '\0'; p++) {
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			buf_putc(b, ' ');
		else
			buf_putc(b, (char)*p);
	}
	if (b->len > 0 && b->data[b->len - 1] != '\n')
		buf_putc(b, '\n');
	for (i = 0; i < n; i++)
		buf_putc(b, '`');
	buf_puts(b, "\n\n");
}

/* "2024-05-01T12:00:00.123Z" as "2024-05-01 12:00:00.123". */
static void
report_md_time(struct buf *b, const char *ts)
{
	if (ts == NULL) {
		buf_puts(b, "-");
		return;
	}
	if (strlen(ts) >= 23 && ts[10] == 'T') {
		buf_printf(b, "%.10s %.12s", ts, ts + 11);
		return;
	}
	report_md_text(b, ts);
}

/* A duration as everywhere in bellows (fmt_duration); "-" when unknown. */
static void
report_md_duration(struct buf *b, int64_t ms)
{
	char	tmp[FMT_LEN];

	buf_puts(b, fmt_duration(ms < 0 ? -1 : (long)ms, tmp, sizeof tmp));
}

static void
report_md_where(struct buf *b, const char *phase, const char *step)
{
	if (phase == NULL) {
		buf_puts(b, "run");
		return;
	}
	report_md_text(b, phase);
	if (step != NULL) {
		buf_puts(b, " / ");
		report_md_text(b, step);
	}
}

static void
report_md_events_header(struct buf *b)
{
	buf_puts(b, "| # | Time (UTC) | Operator | Phase / step | Event "
	    "| Detail |\n|---:|---|---|---|---|---|\n");
}

static void
report_md_event(struct buf *b, const struct journal_event *ev)
{
	buf_printf(b, "| %" PRId64 " | ", ev->id);
	report_md_time(b, ev->at);
	buf_puts(b, " | ");
	if (ev->operator != NULL)
		report_md_text(b, ev->operator);
	else
		buf_puts(b, "-");
	buf_puts(b, " | ");
	report_md_where(b, ev->phase, ev->step);
	buf_puts(b, " | ");
	report_md_text(b, ev->kind);
	buf_puts(b, " | ");
	report_md_text(b, ev->detail);
	buf_puts(b, " |\n");
}

/* A section listing the events of one class, or saying there were none. */
static void
report_md_section(struct buf *b, const struct journal_run *run,
    const char *title, enum report_class class, const char *none)
{
	size_t	i, n = 0;

	buf_printf(b, "## %s\n\n", title);
	for (i = 0; i < run->nevents; i++) {
		if (report_classify(run->events[i].kind) != class)
			continue;
		if (n++ == 0)
			report_md_events_header(b);
		report_md_event(b, &run->events[i]);
	}
	buf_puts(b, n == 0 ? none : "");
	buf_puts(b, "\n");
}

static void
report_md_summary(struct buf *b, const struct report_input *in)
{
	const struct journal_run	*run = in->run;
	const struct journal_event	*end;
	const char			**ops;
	size_t				 i, nops;
	int				 took;

	buf_puts(b, "# Change record: ");
	report_md_text(b, run->name);
	buf_puts(b, "\n\n| | |\n|---|---|\n| Outcome | **");
	report_md_text(b, run->state);
	buf_puts(b, "**");
	if ((end = report_outcome_event(run)) != NULL) {
		buf_puts(b, " (");
		report_md_text(b, end->kind);
		if (end->detail != NULL) {
			buf_puts(b, ": ");
			report_md_text(b, end->detail);
		}
		buf_puts(b, ")");
	}
	if (report_driver_gone(run))
		buf_puts(b, "; the driver is gone: no session holds the "
		    "run's lock");
	buf_puts(b, " |\n| Database | ");
	report_md_code(b, in->database);
	buf_puts(b, " |\n| Plan file | ");
	report_md_code(b, run->plan_file);
	buf_puts(b, " |\n| Plan SHA-256 | ");
	report_md_code(b, run->sha256);
	if (in->plan != NULL && in->plan->description != NULL) {
		buf_puts(b, " |\n| Description | ");
		report_md_text(b, in->plan->description);
	}
	buf_puts(b, " |\n| Created | ");
	report_md_time(b, run->created_at);
	buf_puts(b, " UTC |\n| Last event | ");
	report_md_time(b, run->nevents > 0 ?
	    run->events[run->nevents - 1].at : NULL);
	buf_puts(b, " UTC |\n| Total time | ");
	report_md_duration(b, report_total_ms(run));
	buf_puts(b, " |\n| Drivers | ");
	/* The journal's own "took the run" line names host and pid; the
	 * engine's "drives" line then adds nothing a reader needs.  Should
	 * the wording change, every driver event is shown. */
	for (i = 0, took = 0; i < run->nevents; i++) {
		if (report_same(run->events[i].kind, "driver") &&
		    run->events[i].detail != NULL &&
		    strstr(run->events[i].detail, "took the run") != NULL)
			took = 1;
	}
	for (i = nops = 0; i < run->nevents; i++) {
		if (!report_same(run->events[i].kind, "driver") ||
		    (took && (run->events[i].detail == NULL ||
		    strstr(run->events[i].detail, "took the run") == NULL)))
			continue;
		if (nops++ > 0)
			buf_puts(b, "<br>");
		report_md_text(b, run->events[i].detail);
		buf_puts(b, " at ");
		report_md_time(b, run->events[i].at);
	}
	if (nops == 0)
		buf_puts(b, "none recorded");
	buf_puts(b, " |\n| Operators | ");
	ops = report_operators(run, &nops);
	for (i = 0; i < nops; i++) {
		if (i > 0)
			buf_puts(b, ", ");
		report_md_text(b, ops[i]);
	}
	if (nops == 0)
		buf_puts(b, "none recorded");
	free(ops);
	buf_printf(b, " |\n| Events | %zu |\n\n", run->nevents);
}

static void
report_md_phases(struct buf *b, const struct journal_run *run,
    const struct report_phase *ph, size_t n)
{
	const struct report_phase	*p;
	const struct journal_step	*s;
	size_t				 i;

	buf_puts(b, "## Phases\n\n| Phase | Kind | State | Started (UTC) "
	    "| Finished (UTC) | Duration | Attempts | Lock timeouts |\n"
	    "|---|---|---|---|---|---:|---:|---:|\n");
	for (i = 0; i < n; i++) {
		p = &ph[i];
		buf_puts(b, "| ");
		report_md_text(b, p->name);
		buf_puts(b, " | ");
		report_md_text(b, p->kind);
		buf_puts(b, " | ");
		report_md_text(b, p->state);
		buf_puts(b, " | ");
		report_md_time(b, p->started_at);
		buf_puts(b, " | ");
		report_md_time(b, p->finished_at);
		buf_puts(b, " | ");
		report_md_duration(b, p->duration_ms);
		buf_printf(b, " | %d | %d |\n", p->attempts, p->lock_timeouts);
	}

	buf_puts(b, "\n### Steps\n\n| Phase | Step | State | Attempts "
	    "| Lock timeouts | Started (UTC) | Finished (UTC) | Duration |\n"
	    "|---|---|---|---:|---:|---|---|---:|\n");
	for (i = 0; i < n; i++) {
		p = &ph[i];
		for (s = p->rows; s < p->rows + p->nrows; s++) {
			if (s->step < 0)
				continue;
			buf_puts(b, "| ");
			report_md_text(b, p->name);
			buf_puts(b, " | ");
			if (s->step_name != NULL)
				report_md_text(b, s->step_name);
			else
				buf_printf(b, "step %d", s->step + 1);
			buf_puts(b, " | ");
			report_md_text(b, s->state);
			buf_printf(b, " | %d | %d | ", s->attempts,
			    s->step_name == NULL ? 0 : report_count_timeouts(
			    run, p->name, s->step_name));
			report_md_time(b, s->started_at);
			buf_puts(b, " | ");
			report_md_time(b, s->finished_at);
			buf_puts(b, " | ");
			report_md_duration(b, s->started_at == NULL ? -1 :
			    (int64_t)(s->elapsed * 1000.0 + 0.5));
			buf_puts(b, " |\n");
		}
	}
	buf_puts(b, "\n");
}

static void
report_md_backfill(struct buf *b, const struct report_phase *ph, size_t n)
{
	const struct report_phase	*p;
	const struct journal_step	*s;
	size_t				 i, count = 0;
	int64_t				 rate;

	buf_puts(b, "## Backfill\n\n");
	for (i = 0; i < n; i++) {
		p = &ph[i];
		if (!report_same(p->kind, JOURNAL_KIND_BACKFILL) ||
		    p->nrows == 0)
			continue;
		s = p->rows;
		if (count++ == 0)
			buf_puts(b, "| Phase | Table | Key | State | Rows "
			    "| Batches | Rows/batch | Rows/s | Duration "
			    "| Last key |\n"
			    "|---|---|---|---|---:|---:|---:|---:|---:|---|\n");
		buf_puts(b, "| ");
		report_md_text(b, p->name);
		buf_puts(b, " | ");
		report_md_text(b, p->plan != NULL ?
		    p->plan->backfill.table : "-");
		buf_puts(b, " | ");
		report_md_text(b, p->plan != NULL ?
		    p->plan->backfill.key : "-");
		buf_puts(b, " | ");
		report_md_text(b, s->state);
		buf_printf(b, " | %" PRId64 " | %" PRId64 " | ", s->rows_done,
		    s->batches);
		if (s->batches > 0)
			buf_printf(b, "%" PRId64, (s->rows_done + s->batches /
			    2) / s->batches);
		else
			buf_puts(b, "-");
		buf_puts(b, " | ");
		if ((rate = journal_step_rate(s)) >= 0)
			buf_printf(b, "%" PRId64, rate);
		else
			buf_puts(b, "-");
		buf_puts(b, " | ");
		report_md_duration(b, s->started_at == NULL ? -1 :
		    (int64_t)(s->elapsed * 1000.0 + 0.5));
		buf_puts(b, " | ");
		report_md_text(b, s->cursor != NULL ? s->cursor : "-");
		buf_puts(b, " |\n");
	}
	buf_puts(b, count == 0 ? "No backfill phase.\n\n" : "\n");
}

static void
report_md_schema(struct buf *b, const struct report_input *in,
    const struct report_phase *ph, size_t n)
{
	const struct report_phase	*p;
	const struct journal_step	*s;
	const struct plan_step		*ps;
	struct buf			 other;
	size_t				 i, count = 0, shown;
	int				 rb;

	buf_puts(b, "## Schema change applied\n\n");
	if (in->plan == NULL) {
		buf_puts(b, "The stored plan could not be re-loaded, so the "
		    "statements are not shown: ");
		report_md_text(b, in->plan_error);
		buf_puts(b, "\n\n");
	}
	buf_init(&other);
	for (i = 0; i < n; i++) {
		p = &ph[i];
		if (!report_same(p->kind, JOURNAL_KIND_STEPS))
			continue;
		shown = 0;
		for (s = p->rows; s < p->rows + p->nrows; s++) {
			rb = report_state_is(s, JOURNAL_ROLLED_BACK);
			if (!rb && !report_state_is(s, JOURNAL_DONE)) {
				buf_puts(&other, other.len > 0 ? ", " : "");
				report_md_text(&other, p->name);
				buf_puts(&other, " / ");
				report_md_text(&other, s->step_name);
				buf_puts(&other, " (");
				report_md_text(&other, s->state);
				buf_puts(&other, ")");
				continue;
			}
			if (shown++ == 0) {
				buf_puts(b, "### ");
				report_md_text(b, p->name);
				buf_puts(b, "\n\n");
			}
			count++;
			buf_printf(b, "**%d. ", s->step + 1);
			report_md_text(b, s->step_name);
			buf_puts(b, rb ? "**: rolled back (applied, then undone)"
			    "\n\n" : "**: done\n\n");
			if ((ps = report_plan_step(p, s)) == NULL)
				continue;
			report_md_fence(b, "sql", ps->sql);
			if (rb && ps->rollback != NULL) {
				buf_puts(b, "Undone with:\n\n");
				report_md_fence(b, "sql", ps->rollback);
			}
		}
	}
	if (count == 0)
		buf_puts(b, "No step was applied.\n\n");
	if (other.len > 0) {
		buf_puts(b, "Not applied: ");
		buf_append(b, other.data, other.len);
		buf_puts(b, ".\n\n");
	}
	buf_free(&other);
}

static void
report_md_lint(struct buf *b, const struct report_input *in)
{
	const struct lint_report	*r = in->lint;
	const struct lint_finding	*f;
	const char			*file;
	size_t				 i;

	buf_puts(b, "## Suppressed lint findings\n\n");
	if (r == NULL) {
		buf_puts(b, "The stored plan could not be linted: ");
		report_md_text(b, in->plan_error);
		buf_puts(b, "\n\n");
		return;
	}
	buf_printf(b, "Linted for PostgreSQL %d: %zu suppressed; "
	    "unsuppressed: %zu error%s, %zu warning%s.\n\n",
	    in->lint_server_version, r->nsuppressed, r->nerrors,
	    r->nerrors == 1 ? "" : "s", r->nwarnings,
	    r->nwarnings == 1 ? "" : "s");
	if (r->nsuppressed == 0)
		return;
	buf_puts(b, "| Rule | Severity | Line | Reason | Finding |\n"
	    "|---|---|---|---|---|\n");
	for (i = 0; i < r->n; i++) {
		f = &r->findings[i];
		if (!f->suppressed)
			continue;
		buf_puts(b, "| ");
		report_md_code(b, f->rule);
		buf_printf(b, " | %s | ", lint_severity_name(f->severity));
		if ((file = report_finding_file(in, f)) != NULL) {
			report_md_text(b, file);
			buf_putc(b, ':');
		}
		buf_printf(b, "%d:%d | ", f->line, f->col);
		report_md_text(b, f->reason);
		buf_puts(b, " | ");
		report_md_text(b, f->message);
		buf_puts(b, " |\n");
	}
	buf_puts(b, "\n");
}

void
report_markdown(struct buf *b, const struct report_input *in)
{
	const struct journal_run	*run = in->run;
	struct report_phase		*ph;
	size_t				 i, n;

	ph = report_phases(in, &n);
	report_md_summary(b, in);
	report_md_phases(b, run, ph, n);
	report_md_backfill(b, ph, n);
	report_md_schema(b, in, ph, n);
	report_md_section(b, run, "Sign-offs and confirmations",
	    REPORT_CONFIRM, "None recorded.\n");
	report_md_section(b, run, "Retries and blockers", REPORT_RETRY,
	    "No retry: every statement took its locks at the first "
	    "attempt.\n");
	report_md_section(b, run, "Pauses and throttles", REPORT_PAUSE,
	    "None.\n");
	for (i = 0; i < run->nevents; i++) {
		if (report_classify(run->events[i].kind) == REPORT_NOTE)
			break;
	}
	if (i < run->nevents)
		report_md_section(b, run, "Notes", REPORT_NOTE, "");
	report_md_lint(b, in);

	buf_printf(b, "## Timeline\n\nEvery event of the run (%zu).\n\n",
	    run->nevents);
	report_md_events_header(b);
	for (i = 0; i < run->nevents; i++)
		report_md_event(b, &run->events[i]);

	buf_puts(b, "\n## Plan\n\n");
	if (run->plan_text == NULL)
		buf_puts(b, "The journal holds no text for this plan.\n");
	else {
		report_md_code(b, run->plan_file);
		buf_puts(b, ", SHA-256 ");
		report_md_code(b, run->sha256);
		buf_puts(b, ":\n\n");
		report_md_fence(b, "", run->plan_text);
	}
	/* One trailing newline, however the last section ended. */
	while (b->len > 1 && b->data[b->len - 1] == '\n' &&
	    b->data[b->len - 2] == '\n')
		b->data[--b->len] = '\0';
	free(ph);
}

/* ------------------------------------------------------------ JSON */

static void
report_json_key(struct buf *b, int *first, const char *key)
{
	if (!*first)
		buf_putc(b, ',');
	*first = 0;
	journal_json_string(b, key);
	buf_putc(b, ':');
}

static void
report_json_str(struct buf *b, int *first, const char *key, const char *v)
{
	report_json_key(b, first, key);
	journal_json_string(b, v);
}

static void
report_json_int(struct buf *b, int *first, const char *key, int64_t v)
{
	report_json_key(b, first, key);
	buf_printf(b, "%" PRId64, v);
}

/* An integer that is null when negative (unknown). */
static void
report_json_opt(struct buf *b, int *first, const char *key, int64_t v)
{
	report_json_key(b, first, key);
	if (v < 0)
		buf_puts(b, "null");
	else
		buf_printf(b, "%" PRId64, v);
}

static void
report_json_bool(struct buf *b, int *first, const char *key, int v)
{
	report_json_key(b, first, key);
	buf_puts(b, v ? "true" : "false");
}

static void
report_json_event(struct buf *b, const struct journal_event *ev)
{
	int	f = 1;

	buf_putc(b, '{');
	report_json_int(b, &f, "id", ev->id);
	report_json_str(b, &f, "at", ev->at);
	report_json_str(b, &f, "operator", ev->operator);
	report_json_str(b, &f, "phase", ev->phase);
	report_json_str(b, &f, "step", ev->step);
	report_json_str(b, &f, "kind", ev->kind);
	report_json_str(b, &f, "detail", ev->detail);
	buf_putc(b, '}');
}

static void
report_json_ids(struct buf *b, int *first, const char *key,
    const struct journal_run *run, enum report_class class)
{
	size_t	i;
	int	n = 0;

	report_json_key(b, first, key);
	buf_putc(b, '[');
	for (i = 0; i < run->nevents; i++) {
		if (report_classify(run->events[i].kind) != class)
			continue;
		buf_printf(b, "%s%" PRId64, n++ > 0 ? "," : "",
		    run->events[i].id);
	}
	buf_putc(b, ']');
}

static int64_t
report_elapsed_ms(const struct journal_step *s)
{
	if (s->started_at == NULL)
		return (-1);
	return ((int64_t)(s->elapsed * 1000.0 + 0.5));
}

static void
report_json_phase(struct buf *b, const struct journal_run *run,
    const struct report_phase *p)
{
	const struct journal_step	*s;
	const struct plan_step		*ps;
	int				 first = 1, f, n = 0;

	buf_putc(b, '{');
	report_json_int(b, &first, "index", p->index);
	report_json_str(b, &first, "name", p->name);
	report_json_str(b, &first, "kind", p->kind);
	report_json_str(b, &first, "state", p->state);
	report_json_str(b, &first, "started_at", p->started_at);
	report_json_str(b, &first, "finished_at", p->finished_at);
	report_json_opt(b, &first, "duration_ms", p->duration_ms);
	report_json_int(b, &first, "attempts", p->attempts);
	report_json_int(b, &first, "lock_timeouts", p->lock_timeouts);

	report_json_key(b, &first, "steps");
	buf_putc(b, '[');
	for (s = p->rows; s < p->rows + p->nrows; s++) {
		if (s->step < 0)
			continue;
		ps = report_plan_step(p, s);
		buf_puts(b, n++ > 0 ? ",{" : "{");
		f = 1;
		report_json_int(b, &f, "index", s->step);
		report_json_str(b, &f, "name", s->step_name);
		report_json_str(b, &f, "state", s->state);
		report_json_int(b, &f, "attempts", s->attempts);
		report_json_int(b, &f, "lock_timeouts", s->step_name == NULL ?
		    0 : report_count_timeouts(run, p->name, s->step_name));
		report_json_str(b, &f, "started_at", s->started_at);
		report_json_str(b, &f, "finished_at", s->finished_at);
		report_json_opt(b, &f, "elapsed_ms", report_elapsed_ms(s));
		report_json_opt(b, &f, "waited_ms", s->started_at == NULL ? -1 :
		    (int64_t)(s->waited * 1000.0 + 0.5));
		report_json_str(b, &f, "undo", s->undo);
		report_json_str(b, &f, "sql", ps != NULL ? ps->sql : NULL);
		report_json_str(b, &f, "rollback", ps != NULL ?
		    ps->rollback : NULL);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');

	report_json_key(b, &first, "backfill");
	if (!report_same(p->kind, JOURNAL_KIND_BACKFILL) || p->nrows == 0)
		buf_puts(b, "null");
	else {
		s = p->rows;
		f = 1;
		buf_putc(b, '{');
		report_json_str(b, &f, "table", p->plan != NULL ?
		    p->plan->backfill.table : NULL);
		report_json_str(b, &f, "key", p->plan != NULL ?
		    p->plan->backfill.key : NULL);
		report_json_int(b, &f, "rows_done", s->rows_done);
		report_json_int(b, &f, "batches", s->batches);
		report_json_opt(b, &f, "rows_per_batch", s->batches > 0 ?
		    (s->rows_done + s->batches / 2) / s->batches : -1);
		report_json_opt(b, &f, "rows_per_s", journal_step_rate(s));
		report_json_opt(b, &f, "elapsed_ms", report_elapsed_ms(s));
		report_json_str(b, &f, "cursor", s->cursor);
		buf_putc(b, '}');
	}
	buf_putc(b, '}');
}

static void
report_json_schema(struct buf *b, const struct report_phase *ph, size_t n)
{
	const struct report_phase	*p;
	const struct journal_step	*s;
	const struct plan_step		*ps;
	size_t				 i;
	int				 f, count = 0;

	buf_putc(b, '[');
	for (i = 0; i < n; i++) {
		p = &ph[i];
		if (!report_same(p->kind, JOURNAL_KIND_STEPS))
			continue;
		for (s = p->rows; s < p->rows + p->nrows; s++) {
			if (!report_state_is(s, JOURNAL_DONE) &&
			    !report_state_is(s, JOURNAL_ROLLED_BACK))
				continue;
			ps = report_plan_step(p, s);
			buf_puts(b, count++ > 0 ? ",{" : "{");
			f = 1;
			report_json_int(b, &f, "phase", p->index);
			report_json_str(b, &f, "phase_name", p->name);
			report_json_int(b, &f, "step", s->step);
			report_json_str(b, &f, "step_name", s->step_name);
			report_json_str(b, &f, "state", s->state);
			report_json_str(b, &f, "sql", ps != NULL ? ps->sql :
			    NULL);
			report_json_str(b, &f, "rollback", ps != NULL ?
			    ps->rollback : NULL);
			buf_putc(b, '}');
		}
	}
	buf_putc(b, ']');
}

static void
report_json_lint(struct buf *b, const struct report_input *in)
{
	const struct lint_report	*r = in->lint;
	const struct lint_finding	*x;
	size_t				 i;
	int				 first = 1, f, n = 0;

	buf_putc(b, '{');
	report_json_bool(b, &first, "available", r != NULL);
	report_json_opt(b, &first, "server_version", r != NULL ?
	    in->lint_server_version : -1);
	report_json_opt(b, &first, "errors", r != NULL ?
	    (int64_t)r->nerrors : -1);
	report_json_opt(b, &first, "warnings", r != NULL ?
	    (int64_t)r->nwarnings : -1);
	report_json_opt(b, &first, "infos", r != NULL ?
	    (int64_t)r->ninfos : -1);
	report_json_key(b, &first, "suppressed");
	buf_putc(b, '[');
	for (i = 0; r != NULL && i < r->n; i++) {
		x = &r->findings[i];
		if (!x->suppressed)
			continue;
		buf_puts(b, n++ > 0 ? ",{" : "{");
		f = 1;
		report_json_str(b, &f, "rule", x->rule);
		report_json_str(b, &f, "severity",
		    lint_severity_name(x->severity));
		report_json_str(b, &f, "file", report_finding_file(in, x));
		report_json_int(b, &f, "line", x->line);
		report_json_int(b, &f, "column", x->col);
		report_json_str(b, &f, "message", x->message);
		report_json_str(b, &f, "reason", x->reason);
		buf_putc(b, '}');
	}
	buf_puts(b, "]}");
}

void
report_json(struct buf *b, const struct report_input *in)
{
	const struct journal_run	*run = in->run;
	const struct journal_event	*end;
	struct report_phase		*ph;
	const char			**ops;
	size_t				 i, n, nops;
	int				 first = 1, f, k;

	ph = report_phases(in, &n);
	buf_putc(b, '{');
	report_json_int(b, &first, "report_version", REPORT_FORMAT_VERSION);
	report_json_str(b, &first, "name", run->name);
	report_json_str(b, &first, "database", in->database);
	report_json_str(b, &first, "state", run->state);

	report_json_key(b, &first, "outcome");
	end = report_outcome_event(run);
	f = 1;
	buf_putc(b, '{');
	report_json_str(b, &f, "state", run->state);
	report_json_str(b, &f, "kind", end != NULL ? end->kind : NULL);
	report_json_str(b, &f, "detail", end != NULL ? end->detail : NULL);
	report_json_str(b, &f, "at", end != NULL ? end->at : NULL);
	report_json_bool(b, &f, "driver_gone", report_driver_gone(run));
	buf_putc(b, '}');

	report_json_str(b, &first, "created_at", run->created_at);
	report_json_str(b, &first, "updated_at", run->updated_at);
	report_json_str(b, &first, "last_event_at", run->nevents > 0 ?
	    run->events[run->nevents - 1].at : NULL);
	report_json_opt(b, &first, "duration_ms", report_total_ms(run));

	report_json_key(b, &first, "plan");
	f = 1;
	buf_putc(b, '{');
	report_json_str(b, &f, "file", run->plan_file);
	report_json_str(b, &f, "sha256", run->sha256);
	report_json_str(b, &f, "description", in->plan != NULL ?
	    in->plan->description : NULL);
	report_json_str(b, &f, "text", run->plan_text);
	report_json_bool(b, &f, "loaded", in->plan != NULL);
	report_json_str(b, &f, "error", in->plan != NULL ? NULL :
	    in->plan_error);
	buf_putc(b, '}');

	report_json_key(b, &first, "driver");
	f = 1;
	buf_putc(b, '{');
	report_json_str(b, &f, "operator", run->driver.operator);
	report_json_str(b, &f, "host", run->driver.host);
	report_json_opt(b, &f, "pid", run->driver.client_pid > 0 ?
	    run->driver.client_pid : -1);
	report_json_opt(b, &f, "backend_pid", run->driver.pid > 0 ?
	    run->driver.pid : -1);
	report_json_str(b, &f, "since", run->driver.since);
	report_json_bool(b, &f, "connected", run->driver_connected);
	buf_putc(b, '}');

	report_json_key(b, &first, "drivers");
	buf_putc(b, '[');
	for (i = 0, k = 0; i < run->nevents; i++) {
		if (!report_same(run->events[i].kind, "driver"))
			continue;
		if (k++ > 0)
			buf_putc(b, ',');
		report_json_event(b, &run->events[i]);
	}
	buf_putc(b, ']');

	report_json_key(b, &first, "operators");
	buf_putc(b, '[');
	ops = report_operators(run, &nops);
	for (i = 0; i < nops; i++) {
		if (i > 0)
			buf_putc(b, ',');
		journal_json_string(b, ops[i]);
	}
	free(ops);
	buf_putc(b, ']');

	report_json_key(b, &first, "phases");
	buf_putc(b, '[');
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(b, ',');
		report_json_phase(b, run, &ph[i]);
	}
	buf_putc(b, ']');

	report_json_key(b, &first, "schema_change");
	report_json_schema(b, ph, n);
	report_json_key(b, &first, "lint");
	report_json_lint(b, in);

	report_json_ids(b, &first, "confirmations", run, REPORT_CONFIRM);
	report_json_ids(b, &first, "retries", run, REPORT_RETRY);
	report_json_ids(b, &first, "pauses", run, REPORT_PAUSE);
	report_json_ids(b, &first, "notes", run, REPORT_NOTE);

	report_json_key(b, &first, "events");
	buf_putc(b, '[');
	for (i = 0; i < run->nevents; i++) {
		if (i > 0)
			buf_putc(b, ',');
		report_json_event(b, &run->events[i]);
	}
	buf_puts(b, "]}\n");
	free(ph);
}

/* ------------------------------------------------------------ plan */

/* Write TEXT to a new temporary file; its path (allocated) or NULL. */
static char *
report_temp_file(const char *text, char **cause)
{
	const char	*dir;
	char		*path;
	size_t		 len, off;
	ssize_t		 n;
	int		 fd;

	if ((dir = getenv("TMPDIR")) == NULL || *dir == '\0')
		dir = "/tmp";
	path = xasprintf("%s/bellows-report-XXXXXX", dir);
	if ((fd = mkstemp(path)) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		free(path);
		return (NULL);
	}
	len = strlen(text);
	for (off = 0; off < len; off += (size_t)n) {
		if ((n = write(fd, text + off, len - off)) < 0) {
			if (errno == EINTR) {
				n = 0;
				continue;
			}
			*cause = xasprintf("%s: %s", path, strerror(errno));
			close(fd);
			unlink(path);
			free(path);
			return (NULL);
		}
	}
	if (close(fd) != 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		unlink(path);
		free(path);
		return (NULL);
	}
	return (path);
}

struct plan *
report_plan(const struct journal_run *run, char **cause)
{
	struct plan	*p;
	char		*path, *why = NULL;

	if (run->plan_text == NULL) {
		*cause = xstrdup("the journal holds no text for this plan");
		return (NULL);
	}
	/* The driver's own file, when it still has the bytes the run
	 * follows: relative includes then resolve as they did for it. */
	if (run->plan_file != NULL && access(run->plan_file, R_OK) == 0) {
		p = plan_load(run->plan_file, NULL, &why);
		free(why);
		why = NULL;
		if (p != NULL && run->sha256 != NULL &&
		    strcmp(p->sha256, run->sha256) == 0)
			return (p);
		plan_free(p);
	}
	if ((path = report_temp_file(run->plan_text, cause)) == NULL)
		return (NULL);
	p = plan_load(path, NULL, &why);
	unlink(path);
	if (p == NULL) {
		*cause = xasprintf("the stored plan text does not load "
		    "(as %s): %s", path, why);
		free(why);
	}
	free(path);
	return (p);
}
