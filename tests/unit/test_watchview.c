/*
 * watchview: the journal of a run driven elsewhere becomes the snapshot the
 * console renders.  Journal structs are built by hand; no server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "journal.h"
#include "plan.h"
#include "util.h"
#include "watchview.h"

static const char plan_text[] =
    "name = \"pair\";\n"
    "require_second_signoff = [ \"contract\" ];\n"
    "checklist = ( { id = \"pitr\"; text = \"PITR tested\"; } );\n"
    "phases = (\n"
    "  { name = \"expand\"; steps = (\n"
    "      { name = \"add\"; sql = \"ALTER TABLE orders ADD COLUMN c int\";\n"
    "        rollback = \"ALTER TABLE orders DROP COLUMN c\"; },\n"
    "      { name = \"slow\"; sql = \"SELECT pg_sleep(1)\"; rollback = \"SELECT 1\"; } ); },\n"
    "  { name = \"fill\"; backfill = { table = \"orders\"; key = \"id\";\n"
    "      set = \"c = 1\"; where = \"c IS NULL\"; }; },\n"
    "  { name = \"contract\"; steps = (\n"
    "      { name = \"drop\"; sql = \"ALTER TABLE orders DROP COLUMN note\"; } ); }\n"
    ");\n";

static struct plan *
load_plan(void)
{
	char		 path[] = "/tmp/bellows-test-watchview-XXXXXX";
	struct plan	*p;
	char		*cause = NULL;
	FILE		*f;
	int		 fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(plan_text, f);
	fclose(f);
	p = plan_load(path, NULL, &cause);
	unlink(path);
	if (p == NULL)
		fail_msg("plan: %s", cause);
	return (p);
}

/* A run with one row per step (phase-level rows for the backfill), all
 * pending, driven by alice and held by backend 4242. */
static struct journal_run *
make_run(void)
{
	static const struct { int phase, step; const char *kind; } rows[] = {
		{ 0, 0, JOURNAL_KIND_STEPS }, { 0, 1, JOURNAL_KIND_STEPS },
		{ 1, -1, JOURNAL_KIND_BACKFILL }, { 2, 0, JOURNAL_KIND_STEPS }
	};
	struct journal_run	*r = xcalloc(1, sizeof *r);
	size_t			 i;

	r->name = xstrdup("pair");
	r->state = xstrdup("running");
	r->nsteps = nitems(rows);
	r->steps = xcalloc(r->nsteps, sizeof *r->steps);
	for (i = 0; i < r->nsteps; i++) {
		r->steps[i].phase = rows[i].phase;
		r->steps[i].step = rows[i].step;
		r->steps[i].kind = xstrdup(rows[i].kind);
		r->steps[i].state = xstrdup(JOURNAL_PENDING);
	}
	r->driver.operator = xstrdup("alice");
	r->driver.since = xstrdup("2024-05-01T12:00:00.000Z");
	r->driver.pid = 4242;
	r->driver_connected = 1;
	r->lock_pid = 4242;
	return (r);
}

static void
set_row(struct journal_run *r, size_t i, const char *state)
{
	free(r->steps[i].state);
	r->steps[i].state = xstrdup(state);
}

static void
feed(struct watchview *wv, const char *phase, const char *step,
    const char *kind, const char *detail)
{
	struct journal_event	ev;

	memset(&ev, 0, sizeof ev);
	ev.phase = (char *)phase;
	ev.step = (char *)step;
	ev.kind = (char *)kind;
	ev.detail = (char *)detail;
	ev.operator = (char *)"alice";
	watchview_event(wv, &ev);
}

static void
test_checklist_items_follow_their_events(void **state)
{
	struct plan			*p = load_plan();
	struct watchview		*wv = watchview_new(p, NULL);
	struct journal_run		*r = make_run();
	const struct engine_snapshot	*s;

	(void)state;
	feed(wv, NULL, NULL, "driver", "alice drives run 'pair'");
	watchview_update(wv, r, 1000, -1);
	s = watchview_snapshot(wv);
	assert_true(s->in_checklist);
	assert_int_equal(s->state, ENGINE_CHECKLIST);
	assert_int_equal(s->checks[0].status, ENGINE_CHECK_PENDING);

	feed(wv, NULL, NULL, "signoff", "pitr: PITR tested: signed off by alice");
	feed(wv, NULL, NULL, "checklist-complete", "every item passed");
	watchview_update(wv, r, 1100, -1);
	s = watchview_snapshot(wv);
	assert_int_equal(s->checks[0].status, ENGINE_CHECK_SIGNED);
	assert_string_equal(s->checks[0].value, "signed off by alice");
	assert_false(s->in_checklist);
	assert_int_equal(s->state, ENGINE_ASKING);	/* confirming expand */

	journal_run_free(r);
	watchview_free(wv);
	plan_free(p);
}

static void
test_running_step_shows_its_sql_and_elapsed_time(void **state)
{
	struct plan			*p = load_plan();
	struct watchview		*wv = watchview_new(p, NULL);
	struct journal_run		*r = make_run();
	const struct engine_snapshot	*s;

	(void)state;
	feed(wv, NULL, NULL, "checklist-complete", NULL);
	set_row(r, 0, JOURNAL_DONE);
	set_row(r, 1, JOURNAL_RUNNING);
	r->steps[1].attempts = 2;
	r->steps[1].elapsed = 1.5;
	watchview_update(wv, r, 10000, -1);
	s = watchview_snapshot(wv);
	assert_int_equal(s->state, ENGINE_RUNNING);
	assert_int_equal(s->phase, 0);
	assert_int_equal(s->step, 1);
	assert_string_equal(s->sql, "SELECT pg_sleep(1)");
	assert_int_equal(s->started_ms, 8500);
	assert_int_equal(s->attempt, 2);
	assert_int_equal(s->step_state[0][0], ENGINE_STEP_DONE);
	assert_int_equal(s->step_state[0][1], ENGINE_STEP_RUNNING);
	assert_int_equal(s->step_state[2][0], ENGINE_STEP_PENDING);
	assert_int_equal(watchview_driver(wv)->backend_pid, 4242);
	assert_false(watchview_driver(wv)->gone);

	/* A lock timeout: backing off, and who is in the way. */
	feed(wv, "expand", "slow", "lock-timeout", "attempt 2 of 10 gave up "
	    "after lock_timeout 2000ms; blocked by pid 77 (bob, psql)");
	watchview_update(wv, r, 10100, -1);
	s = watchview_snapshot(wv);
	assert_int_equal(s->state, ENGINE_BACKOFF);
	assert_null(s->sql);
	assert_string_equal(s->blocker, "pid 77 (bob, psql)");
	feed(wv, "expand", "slow", "start", "attempt 3 of 10");
	watchview_update(wv, r, 10200, -1);
	assert_int_equal(watchview_snapshot(wv)->state, ENGINE_RUNNING);

	journal_run_free(r);
	watchview_free(wv);
	plan_free(p);
}

static void
test_backfill_rate_comes_from_successive_reads(void **state)
{
	struct plan			*p = load_plan();
	struct watchview		*wv = watchview_new(p, NULL);
	struct journal_run		*r = make_run();
	const struct engine_snapshot	*s;

	(void)state;
	feed(wv, NULL, NULL, "checklist-complete", NULL);
	set_row(r, 0, JOURNAL_DONE);
	set_row(r, 1, JOURNAL_DONE);
	set_row(r, 2, JOURNAL_RUNNING);
	r->steps[2].rows_done = 1000;
	r->steps[2].batches = 10;
	r->steps[2].cursor = xstrdup("1000");
	watchview_update(wv, r, 0, 5000);
	s = watchview_snapshot(wv);
	assert_int_equal(s->phase, 1);
	assert_int_equal(s->state, ENGINE_RUNNING);
	assert_int_equal(s->backfill.rows_done, 1000);
	assert_int_equal(s->backfill.batches, 10);
	assert_string_equal(s->backfill.cursor, "1000");
	assert_int_equal(s->backfill.total_est, 5000);
	assert_true(s->backfill.percent > 19.9 && s->backfill.percent < 20.1);
	assert_true(s->backfill.rows_per_s == 0.0);	/* one read: no rate */

	r->steps[2].rows_done = 2000;
	watchview_update(wv, r, 2000, 5000);
	s = watchview_snapshot(wv);
	assert_true(s->backfill.rows_per_s > 499.0 &&
	    s->backfill.rows_per_s < 501.0);
	assert_int_equal(s->backfill.eta_ms, 6000);

	/* Nothing new for longer than the window: not moving. */
	watchview_update(wv, r, 20000, 5000);
	assert_true(watchview_snapshot(wv)->backfill.rows_per_s == 0.0);

	journal_run_free(r);
	watchview_free(wv);
	plan_free(p);
}

static void
test_second_signoff_wait_and_its_end(void **state)
{
	struct plan		*p = load_plan();
	struct watchview	*wv = watchview_new(p, NULL);
	struct journal_run	*r = make_run();
	size_t			 i;

	(void)state;
	feed(wv, NULL, NULL, "checklist-complete", NULL);
	for (i = 0; i < 3; i++)
		set_row(r, i, JOURNAL_DONE);
	feed(wv, "contract", "drop", "awaiting-second-signoff", "phase "
	    "'contract' needs a second operator");
	watchview_update(wv, r, 0, -1);
	assert_int_equal(watchview_snapshot(wv)->state, ENGINE_WAITING);
	assert_string_equal(watchview_waiting_phase(wv), "contract");
	assert_int_equal(watchview_snapshot(wv)->phase, 2);

	feed(wv, "contract", "drop", "second-signoff-seen", "co-signed by bob");
	set_row(r, 3, JOURNAL_RUNNING);
	watchview_update(wv, r, 100, -1);
	assert_null(watchview_waiting_phase(wv));
	assert_int_equal(watchview_snapshot(wv)->state, ENGINE_RUNNING);

	set_row(r, 3, JOURNAL_DONE);
	free(r->state);
	r->state = xstrdup("done");
	r->driver_connected = 0;
	r->lock_pid = 0;
	watchview_update(wv, r, 200, -1);
	assert_int_equal(watchview_snapshot(wv)->state, ENGINE_DONE);
	assert_true(watchview_finished(wv));
	assert_false(watchview_driver(wv)->gone);	/* finished: not gone */
	assert_int_equal(watchview_snapshot(wv)->phase, p->nphases);

	journal_run_free(r);
	watchview_free(wv);
	plan_free(p);
}

/* The run's lock freed mid-run: a server restart frees it until the
 * driver's reconnect succeeds, so the driver is "reconnecting" for
 * WATCHVIEW_DRIVER_GONE_MS of the watcher's clock, and only then gone. */
static void
test_driver_that_lets_go_mid_run_is_reconnecting_then_gone(void **state)
{
	struct plan		*p = load_plan();
	struct watchview	*wv = watchview_new(p, "dbname=shop");
	struct journal_run	*r = make_run();
	const struct watchview_driver *d = watchview_driver(wv);

	(void)state;
	unsetenv("BELLOWS_DRIVER_GONE_MS");
	assert_int_equal(watchview_gone_ms(), 60000);
	r->plan_file = xstrdup("plans/pair.conf");
	feed(wv, NULL, NULL, "checklist-complete", NULL);
	set_row(r, 0, JOURNAL_RUNNING);
	feed(wv, "contract", "drop", "awaiting-second-signoff", "x");
	r->driver_connected = 0;
	r->lock_pid = 0;
	watchview_update(wv, r, 1000, -1);
	assert_false(d->gone);
	assert_true(d->reconnecting);
	assert_int_equal(d->backend_pid, 0);
	assert_int_equal(watchview_snapshot(wv)->state, ENGINE_RECONNECTING);
	assert_non_null(strstr(watchview_snapshot(wv)->reason, "reconnecting"));
	assert_null(strstr(watchview_snapshot(wv)->reason, "bellows run"));
	/* Nobody to co-sign for while the driver is away. */
	assert_null(watchview_waiting_phase(wv));

	watchview_update(wv, r, 60999, -1);
	assert_true(d->reconnecting);
	assert_int_equal(d->free_ms, 59999);
	watchview_update(wv, r, 61000, -1);
	assert_true(d->gone);
	assert_false(d->reconnecting);
	assert_false(watchview_finished(wv));
	assert_int_equal(watchview_snapshot(wv)->state, ENGINE_INTERRUPTED);
	assert_non_null(strstr(watchview_snapshot(wv)->reason, "went away"));
	assert_string_equal(d->takeover,
	    "bellows run -d dbname=shop plans/pair.conf");

	/* The driver back (or another one): the window starts over. */
	r->driver_connected = 1;
	r->lock_pid = 4343;
	watchview_update(wv, r, 62000, -1);
	assert_false(d->gone);
	assert_false(d->reconnecting);
	r->driver_connected = 0;
	watchview_update(wv, r, 63000, -1);
	assert_true(d->reconnecting);

	/* A driver that stopped the run journals "interrupted" first: it
	 * let go on purpose and is gone at once. */
	free(r->state);
	r->state = xstrdup("interrupted");
	watchview_update(wv, r, 63100, -1);
	assert_true(d->gone);

	journal_run_free(r);
	watchview_free(wv);
	plan_free(p);
}

static void
test_driver_gone_window_comes_from_the_environment(void **state)
{
	struct journal_run	*r = make_run();
	int64_t			 since = -1;

	(void)state;
	setenv("BELLOWS_DRIVER_GONE_MS", "2500", 1);
	assert_int_equal(watchview_gone_ms(), 2500);
	setenv("BELLOWS_DRIVER_GONE_MS", "soon", 1);
	assert_int_equal(watchview_gone_ms(), WATCHVIEW_DRIVER_GONE_MS);
	unsetenv("BELLOWS_DRIVER_GONE_MS");

	assert_int_equal(watchview_presence(r, 10, 2500, &since),
	    WATCHVIEW_DRIVING);
	r->driver_connected = 0;
	assert_int_equal(watchview_presence(r, 100, 2500, &since),
	    WATCHVIEW_RECONNECTING);
	assert_int_equal(since, 100);
	assert_int_equal(watchview_presence(r, 2599, 2500, &since),
	    WATCHVIEW_RECONNECTING);
	assert_int_equal(watchview_presence(r, 2600, 2500, &since),
	    WATCHVIEW_GONE);
	free(r->state);
	r->state = xstrdup("done");
	assert_int_equal(watchview_presence(r, 2700, 2500, &since),
	    WATCHVIEW_FINISHED);
	assert_int_equal(since, -1);
	journal_run_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checklist_items_follow_their_events),
		cmocka_unit_test(test_running_step_shows_its_sql_and_elapsed_time),
		cmocka_unit_test(test_backfill_rate_comes_from_successive_reads),
		cmocka_unit_test(test_second_signoff_wait_and_its_end),
		cmocka_unit_test(test_driver_that_lets_go_mid_run_is_reconnecting_then_gone),
		cmocka_unit_test(test_driver_gone_window_comes_from_the_environment),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
