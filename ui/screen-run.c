/*
 * screen-run: the run screen once the checklist is through: the plan and
 * what runs now side by side, the sessions and locks, the events.
 */
#include "draw.h"

void
screen_run_draw(const struct draw_ctx *d)
{
	draw_title(d);
	draw_plan(d);
	draw_step(d);
	draw_locks(d);
	draw_events(d);
}
