/*
 * Unit tests for report: the change record rendered from hand-made journal
 * structs (no database), the plan re-loaded from stored text and linted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "journal.h"
#include "lint.h"
#include "plan.h"
#include "report.h"
#include "util.h"

/* A run of two phases: "expand" (two steps, the second rolled back) and a
 * gate the engine never marked running, with events to match. */
static struct journal_step test_steps[] = {
	{ 0, 0, "done", 3, NULL, 0, 0, "expand", "add | col", "steps",
	  "2024-05-01T12:00:00.000Z", "2024-05-01T12:00:02.500Z", 2.5, 0, NULL, 0 },
	{ 0, 1, "rolled_back", 1, NULL, 0, 0, "expand", "index", "steps",
	  "2024-05-01T12:00:02.500Z", "2024-05-01T12:00:03.000Z", 0.5, 0, "done", 0 },
	{ 1, -1, "done", 0, NULL, 0, 0, "deploy", NULL, "gate",
	  NULL, NULL, 0, 0, NULL, 0 },
	{ 2, -1, "done", 1, "5000", 5000, 5, "fill", NULL, "backfill",
	  "2024-05-01T12:01:00.000Z", "2024-05-01T12:01:02.000Z", 2.0, 0, NULL, 0 }
};

static struct journal_event test_events[] = {
	{ 1, "2024-05-01T11:59:59.000Z", "alice", NULL, NULL, "created",
	  "run created" },
	{ 2, "2024-05-01T12:00:00.500Z", "alice", "expand", "add | col",
	  "lock-timeout", "attempt 1 of 3; blocked by pid 4242 (psql)\nnext" },
	{ 3, "2024-05-01T12:00:00.600Z", NULL, "expand", "add | col",
	  "backoff", "retrying in \"0.4s\"" },
	{ 4, "2024-05-01T12:00:50.000Z", "bob", "deploy", NULL,
	  "gate-confirmed", "deployed: confirmed by bob" },
	{ 5, "2024-05-01T12:01:03.000Z", "alice", NULL, NULL, "finished",
	  "every phase is done" }
};

static void
test_run(struct journal_run *run, char *plan_text)
{
	memset(run, 0, sizeof *run);
	run->name = "r";
	run->sha256 = "abc";
	run->state = "done";
	run->created_at = "2024-05-01T11:59:59.000Z";
	run->plan_file = "plans/r.conf";
	run->plan_text = plan_text;
	run->driver.operator = "alice";
	run->steps = test_steps;
	run->nsteps = nitems(test_steps);
	run->events = test_events;
	run->nevents = nitems(test_events);
}

static char *
test_render(const struct report_input *in, int json)
{
	struct buf	b;

	buf_init(&b);
	if (json)
		report_json(&b, in);
	else
		report_markdown(&b, in);
	return (buf_detach(&b));
}

static void
test_parse_time_reads_journal_times(void **state)
{
	(void)state;
	assert_int_equal(report_parse_time("1970-01-01T00:00:01.500Z"), 1500);
	assert_int_equal(report_parse_time("2024-05-01T12:00:00Z"),
	    INT64_C(1714564800000));
	assert_int_equal(report_parse_time(NULL), -1);
	assert_int_equal(report_parse_time("yesterday"), -1);
}

static void
test_markdown_lists_every_event_on_one_escaped_line(void **state)
{
	struct journal_run	 run;
	struct report_input	 in = { 0 };
	char			*md;

	(void)state;
	test_run(&run, "name = \"r\";\n");
	in.run = &run;
	in.database = "u@h:5432/db";
	in.plan_error = "not loaded in this test";
	md = test_render(&in, 0);
	assert_non_null(strstr(md, "\n| 1 | 2024-05-01 11:59:59.000 | alice "
	    "| run | created | run created |\n"));
	/* The pipe of a step name cannot open a table column, the newline of
	 * a detail cannot end the row. */
	assert_non_null(strstr(md, "| 2 | 2024-05-01 12:00:00.500 | alice | "
	    "expand / add \\| col | lock-timeout | attempt 1 of 3; blocked "
	    "by pid 4242 (psql) next |\n"));
	assert_non_null(strstr(md, "| 3 | 2024-05-01 12:00:00.600 | - |"));
	assert_non_null(strstr(md, "Every event of the run (5)."));
	assert_non_null(strstr(md, "| Outcome | **done** (finished: every "
	    "phase is done) |"));
	assert_non_null(strstr(md, "| Operators | alice, bob |"));
	free(md);
}

static void
test_gate_duration_runs_from_previous_phase_to_confirmation(void **state)
{
	struct journal_run	 run;
	struct report_input	 in = { 0 };
	char			*md, *json;

	(void)state;
	test_run(&run, NULL);
	in.run = &run;
	in.plan_error = "none";
	md = test_render(&in, 0);
	/* expand ended at 12:00:03.000, the gate was confirmed at
	 * 12:00:50.000. */
	assert_non_null(strstr(md, "| deploy | gate | done | 2024-05-01 "
	    "12:00:03.000 | 2024-05-01 12:00:50.000 | 47s |"));
	/* expand: first start to last stop, over both steps. */
	assert_non_null(strstr(md, "| expand | steps | partial | "));
	assert_non_null(strstr(md, "| 3.0s | 4 | 1 |"));
	json = test_render(&in, 1);
	assert_non_null(strstr(json, "\"name\":\"deploy\",\"kind\":\"gate\","
	    "\"state\":\"done\",\"started_at\":\"2024-05-01T12:00:03.000Z\","
	    "\"finished_at\":\"2024-05-01T12:00:50.000Z\","
	    "\"duration_ms\":47000"));
	assert_non_null(strstr(json, "\"rows_done\":5000,\"batches\":5,"
	    "\"rows_per_batch\":1000,\"rows_per_s\":2500,\"elapsed_ms\":2000,"
	    "\"cursor\":\"5000\""));
	free(md);
	free(json);
}

static void
test_json_escapes_and_classifies_events(void **state)
{
	struct journal_run	 run;
	struct report_input	 in = { 0 };
	char			*json;

	(void)state;
	test_run(&run, "a \"quoted\"\tplan\n");
	in.run = &run;
	in.plan_error = "not loaded";
	json = test_render(&in, 1);
	assert_non_null(strstr(json, "{\"report_version\":1,\"name\":\"r\","));
	assert_non_null(strstr(json, "\"text\":\"a \\\"quoted\\\"\\tplan\\n\""));
	assert_non_null(strstr(json, "\"detail\":\"retrying in \\\"0.4s\\\"\""));
	assert_non_null(strstr(json, "\"confirmations\":[4],\"retries\":[2,3],"
	    "\"pauses\":[],\"notes\":[]"));
	assert_non_null(strstr(json, "\"lint\":{\"available\":false,"));
	assert_non_null(strstr(json, "\"loaded\":false,\"error\":"
	    "\"not loaded\""));
	/* Applied steps only: the rolled-back one marked, none pending. */
	assert_non_null(strstr(json, "\"schema_change\":[{\"phase\":0,"
	    "\"phase_name\":\"expand\",\"step\":0,\"step_name\":\"add | col\","
	    "\"state\":\"done\",\"sql\":null,\"rollback\":null},{\"phase\":0,"
	    "\"phase_name\":\"expand\",\"step\":1,\"step_name\":\"index\","
	    "\"state\":\"rolled_back\""));
	assert_int_equal(json[strlen(json) - 1], '\n');
	free(json);
}

static void
test_fence_outlasts_backticks_in_the_plan(void **state)
{
	struct journal_run	 run;
	struct report_input	 in = { 0 };
	char			*md;

	(void)state;
	test_run(&run, "# ``` not the end\nname = \"r\";\n");
	in.run = &run;
	in.plan_error = "x";
	md = test_render(&in, 0);
	assert_non_null(strstr(md, "\n````\n# ``` not the end\nname = \"r\";"
	    "\n````\n"));
	free(md);
}

static const char test_plan_text[] =
    "name = \"r\";\n"
    "phases = (\n"
    "  { name = \"expand\"; steps = (\n"
    "      { name = \"add | col\"; sql = \"ALTER TABLE t ADD COLUMN c int\";\n"
    "        rollback = \"ALTER TABLE t DROP COLUMN c\"; },\n"
    "      { name = \"index\"; sql = \"-- bellows:allow index-not-concurrent"
    " because t has ten rows\\nCREATE INDEX t_c_idx ON t (c)\";\n"
    "        rollback = \"DROP INDEX t_c_idx\"; } ); },\n"
    "  { name = \"deploy\"; gate = \"Deploy.\"; },\n"
    "  { name = \"fill\"; backfill = { table = \"t\"; key = \"id\";"
    " set = \"c = 1\"; }; }\n"
    ");\n";

static void
test_stored_plan_is_reloaded_and_its_suppressions_reported(void **state)
{
	struct journal_run	 run;
	struct report_input	 in = { 0 };
	struct lint_options	 o;
	struct lint_report	 lr;
	struct plan		*plan;
	char			*cause = NULL, *md;

	(void)state;
	test_run(&run, (char *)test_plan_text);
	run.plan_file = "/nonexistent/r.conf";
	plan = report_plan(&run, &cause);
	assert_null(cause);
	assert_non_null(plan);
	assert_string_equal(plan->name, "r");

	lint_options_init(&o);
	lint_report_init(&lr);
	lint_plan(&lr, plan, &o);
	in.run = &run;
	in.plan = plan;
	in.lint = &lr;
	in.lint_server_version = o.server_version;
	md = test_render(&in, 0);
	assert_non_null(strstr(md, "| `index-not-concurrent` | error | 6:"));
	assert_non_null(strstr(md, "| t has ten rows | "));
	/* The DDL that ran, fenced, and the undo of the rolled-back step. */
	assert_non_null(strstr(md, "**1. add \\| col**: done\n\n```sql\n"
	    "ALTER TABLE t ADD COLUMN c int\n```\n"));
	assert_non_null(strstr(md, "**2. index**: rolled back (applied, then "
	    "undone)\n\n```sql\n-- bellows:allow"));
	assert_non_null(strstr(md, "Undone with:\n\n```sql\nDROP INDEX "
	    "t_c_idx\n```\n"));
	assert_non_null(strstr(md, "| fill | t | id | done | 5000 | 5 | 1000 "
	    "| 2500 | 2.0s | 5000 |"));
	free(md);
	lint_report_free(&lr);
	plan_free(plan);
}

static void
test_missing_plan_text_is_a_cause_not_a_crash(void **state)
{
	struct journal_run	 run;
	char			*cause = NULL;

	(void)state;
	test_run(&run, NULL);
	assert_null(report_plan(&run, &cause));
	assert_non_null(cause);
	free(cause);
	test_run(&run, "name = ;\n");
	run.plan_file = NULL;
	assert_null(report_plan(&run, &cause));
	assert_non_null(strstr(cause, "does not load"));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_time_reads_journal_times),
		cmocka_unit_test(test_markdown_lists_every_event_on_one_escaped_line),
		cmocka_unit_test(test_gate_duration_runs_from_previous_phase_to_confirmation),
		cmocka_unit_test(test_json_escapes_and_classifies_events),
		cmocka_unit_test(test_fence_outlasts_backticks_in_the_plan),
		cmocka_unit_test(test_stored_plan_is_reloaded_and_its_suppressions_reported),
		cmocka_unit_test(test_missing_plan_text_is_a_cause_not_a_crash),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
