/*
 * Unit tests for the console's layout (regions for a terminal size) and
 * its text measuring and wrapping.  Pure functions, no terminal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <locale.h>
#include <wchar.h>
#include <cmocka.h>

#include "layout.h"
#include "text.h"
#include "util.h"

/* Every cell of the screen belongs to exactly one region. */
static void
assert_tiles(const struct layout *l)
{
	const struct layout_rect	*rs[] = { &l->title, &l->checklist,
	    &l->plan, &l->step, &l->locks, &l->events, &l->keybar,
	    &l->dialog };
	int				 y, x, owners;
	size_t				 i;

	for (y = 0; y < l->rows; y++) {
		for (x = 0; x < l->cols; x++) {
			owners = 0;
			for (i = 0; i < nitems(rs); i++)
				if (rs[i]->h > 0 && y >= rs[i]->y &&
				    y < rs[i]->y + rs[i]->h &&
				    x >= rs[i]->x && x < rs[i]->x + rs[i]->w)
					owners++;
			/* The plan/step separator column is nobody's. */
			if (l->plan.h > 0 && x == l->plan.w &&
			    y >= l->plan.y && y < l->plan.y + l->plan.h) {
				if (owners != 0)
					fail_msg("separator %d,%d is owned", y, x);
				continue;
			}
			if (owners != 1)
				fail_msg("cell %d,%d has %d owners", y, x, owners);
		}
	}
}

static void
test_run_screen_at_80x24_tiles_and_keeps_every_region(void **state)
{
	struct layout		l;
	struct layout_hints	h = { 11, 0, 0 };

	(void)state;
	assert_int_equal(layout_compute(&l, 80, 24, LAYOUT_RUN, &h), 0);
	assert_false(l.too_small);
	assert_tiles(&l);
	assert_int_equal(l.title.y, 0);
	assert_int_equal(l.keybar.y, 23);
	/* Header plus nine lines for the phases and the step. */
	assert_int_equal(l.plan.h, 10);
	assert_int_equal(l.plan.w, 30);
	assert_int_equal(l.step.x, 31);
	assert_int_equal(l.step.w, 49);
	/* Header plus seven sessions, header plus three events. */
	assert_int_equal(l.locks.h, 8);
	assert_int_equal(l.events.h, 4);
	assert_int_equal(l.checklist.h, 0);
}

static void
test_run_screen_at_200x60_gives_the_room_to_sessions_and_events(void **state)
{
	struct layout		small, l;
	struct layout_hints	h = { 11, 0, 0 };

	(void)state;
	layout_compute(&small, 80, 24, LAYOUT_RUN, &h);
	assert_int_equal(layout_compute(&l, 200, 60, LAYOUT_RUN, &h), 0);
	assert_tiles(&l);
	assert_int_equal(l.keybar.y, 59);
	/* The plan list gets what the plan needs, not more. */
	assert_int_equal(l.plan.h, 12);
	assert_true(l.plan.w > small.plan.w && l.plan.w <= 44);
	assert_int_equal(l.step.w, 200 - l.plan.w - 1);
	assert_true(l.locks.h >= 3 * small.locks.h);
	assert_true(l.events.h > small.events.h);
	assert_int_equal(l.locks.w, 200);
}

static void
test_a_long_plan_gets_more_rows_on_a_tall_screen(void **state)
{
	struct layout		l;
	struct layout_hints	h = { 40, 0, 0 };

	(void)state;
	layout_compute(&l, 80, 24, LAYOUT_RUN, &h);
	assert_int_equal(l.plan.h, 10);
	layout_compute(&l, 120, 60, LAYOUT_RUN, &h);
	assert_int_equal(l.plan.h, 19);
	assert_tiles(&l);
}

static void
test_checklist_screen_at_80x24_and_200x60(void **state)
{
	struct layout		l;
	struct layout_hints	h = { 11, 13, 0 };

	(void)state;
	assert_int_equal(layout_compute(&l, 80, 24, LAYOUT_CHECKLIST, &h), 0);
	assert_tiles(&l);
	assert_int_equal(l.plan.h, 0);
	assert_int_equal(l.checklist.y, 1);
	/* Thirteen items do not fit: the sessions keep their minimum. */
	assert_int_equal(l.checklist.h, 12);
	assert_int_equal(l.locks.h, 6);
	assert_int_equal(l.events.h, 4);

	assert_int_equal(layout_compute(&l, 200, 60, LAYOUT_CHECKLIST, &h), 0);
	assert_tiles(&l);
	assert_int_equal(l.checklist.h, 15);	/* header, 13, summary */
	assert_true(l.locks.h > 20);
}

static void
test_below_80x24_is_too_small(void **state)
{
	struct layout	l;

	(void)state;
	assert_int_equal(layout_compute(&l, 60, 20, LAYOUT_RUN, NULL), -1);
	assert_true(l.too_small);
	assert_int_equal(l.cols, 60);
	assert_int_equal(l.rows, 20);
	assert_int_equal(layout_compute(&l, 79, 24, LAYOUT_RUN, NULL), -1);
	assert_int_equal(layout_compute(&l, 80, 23, LAYOUT_CHECKLIST, NULL), -1);
	assert_int_equal(layout_compute(&l, 80, 24, LAYOUT_CHECKLIST, NULL), 0);
	assert_false(l.too_small);
}

static void
test_a_question_takes_the_top_and_keeps_the_sessions_in_view(void **state)
{
	struct layout		l;
	struct layout_hints	h = { 11, 3, 8 };

	(void)state;
	assert_int_equal(layout_compute(&l, 80, 24, LAYOUT_RUN, &h), 0);
	assert_tiles(&l);
	assert_int_equal(l.dialog.y, 1);
	assert_int_equal(l.dialog.h, 12);	/* frame, 8, blank, hint, frame */
	assert_int_equal(l.dialog.w, 80);
	assert_int_equal(l.plan.h, 0);
	assert_int_equal(l.step.h, 0);
	assert_int_equal(l.locks.y, 13);
	assert_int_equal(l.locks.h, 6);
	assert_int_equal(l.events.h, 4);
	assert_int_equal(layout_dialog_text_width(l.dialog.w), 76);

	/* A long question: the events give way, the sessions never. */
	h.dialog_rows = 100;
	layout_compute(&l, 80, 24, LAYOUT_RUN, &h);
	assert_tiles(&l);
	assert_int_equal(l.dialog.h, 14);
	assert_int_equal(l.locks.h, 6);
	assert_int_equal(l.events.h, 2);

	/* On the checklist screen too (an override's reason). */
	h.dialog_rows = 4;
	layout_compute(&l, 200, 60, LAYOUT_CHECKLIST, &h);
	assert_tiles(&l);
	assert_int_equal(l.checklist.h, 0);
	assert_int_equal(l.dialog.h, 8);
	assert_int_equal(l.events.h, 13);
	assert_int_equal(l.locks.h, 58 - 8 - 13);
}

/* --------------------------------------------------------------- text */

static void
test_wrap_breaks_at_spaces_and_newlines_with_hanging_indent(void **state)
{
	const char		*s = "start phase 'expand':\n  add column: "
	    "ALTER TABLE orders ADD COLUMN user_email varchar(255)\n"
	    "    takes ACCESS EXCLUSIVE on orders (brief)";
	struct text_line	 ln[16];
	size_t			 n;

	(void)state;
	n = text_wrap(s, 40, 1, -1, ln, nitems(ln));
	assert_int_equal(n, 5);
	assert_int_equal(ln[0].len, strlen("start phase 'expand':"));
	assert_memory_equal(s + ln[1].off, "  add column: ALTER TABLE orders ADD", ln[1].len);
	assert_int_equal(ln[1].indent, 0);
	/* The continuation hangs two columns past the line's indent. */
	assert_memory_equal(s + ln[2].off, "COLUMN user_email varchar(255)", ln[2].len);
	assert_int_equal(ln[2].indent, 4);
	assert_int_equal(ln[3].len, 36);
	assert_memory_equal(s + ln[3].off, "    takes ACCESS EXCLUSIVE on orders", 36);
	assert_memory_equal(s + ln[4].off, "(brief)", ln[4].len);
	assert_int_equal(ln[4].indent, 6);
	/* The count is right even when OUT is too short. */
	assert_int_equal(text_wrap(s, 40, 1, -1, ln, 1), 5);
}

static void
test_wrap_cuts_a_word_longer_than_the_line(void **state)
{
	struct text_line	ln[8];
	size_t			n;

	(void)state;
	n = text_wrap("abcdefghijkl", 5, 1, -1, ln, nitems(ln));
	assert_int_equal(n, 3);
	assert_int_equal(ln[0].len, 5);
	assert_int_equal(ln[1].off, 5);
	assert_int_equal(ln[2].len, 2);
	assert_int_equal(text_wrap("", 10, 1, -1, ln, nitems(ln)), 1);
	assert_int_equal(ln[0].len, 0);
}

static void
test_fit_marks_a_cut_and_flattens_control_characters(void **state)
{
	wchar_t	out[64];
	int	w;

	(void)state;
	w = text_fit("SELECT 1\nFROM t", 15, 40, 1, L'~', out, nitems(out));
	assert_int_equal(w, 15);
	assert_true(wcscmp(out, L"SELECT 1 FROM t") == 0);
	w = text_fit("UPDATE orders SET x = 1", 23, 10, 1, L'~', out,
	    nitems(out));
	assert_int_equal(w, 10);
	assert_true(wcscmp(out, L"UPDATE or~") == 0);
	/* Exactly fitting text keeps its last character. */
	w = text_fit("0123456789", 10, 10, 1, L'~', out, nitems(out));
	assert_true(wcscmp(out, L"0123456789") == 0);
}

static void
test_fit_counts_wide_characters_and_respects_ascii_mode(void **state)
{
	const char	*s = "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac";	/* café 日本 */
	wchar_t		 out[64];

	(void)state;
	assert_int_equal(text_width(s, strlen(s), 1), 9);
	/* ASCII terminal: one '?' per character, never a broken byte. */
	assert_int_equal(text_width(s, strlen(s), 0), 7);
	text_fit(s, strlen(s), 20, 0, L'>', out, nitems(out));
	assert_true(wcscmp(out, L"caf? ??") == 0);
	/* A wide character that would straddle the edge is left out. */
	assert_int_equal(text_fit(s, strlen(s), 7, 1, L'~', out, nitems(out)), 6);
	assert_true(wcscmp(out, L"caf\u00e9 ~") == 0);
	/* Invalid bytes are one '?' each. */
	assert_int_equal(text_width("a\xff\xfe", 3, 1), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_screen_at_80x24_tiles_and_keeps_every_region),
		cmocka_unit_test(test_run_screen_at_200x60_gives_the_room_to_sessions_and_events),
		cmocka_unit_test(test_a_long_plan_gets_more_rows_on_a_tall_screen),
		cmocka_unit_test(test_checklist_screen_at_80x24_and_200x60),
		cmocka_unit_test(test_below_80x24_is_too_small),
		cmocka_unit_test(test_a_question_takes_the_top_and_keeps_the_sessions_in_view),
		cmocka_unit_test(test_wrap_breaks_at_spaces_and_newlines_with_hanging_indent),
		cmocka_unit_test(test_wrap_cuts_a_word_longer_than_the_line),
		cmocka_unit_test(test_fit_marks_a_cut_and_flattens_control_characters),
		cmocka_unit_test(test_fit_counts_wide_characters_and_respects_ascii_mode),
	};

	/* wcwidth() needs a UTF-8 character type, as the console sets. */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "");
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
