/*
 * console: the ncurses front end of the engine (bellows run on a
 * terminal).  It renders the engine's snapshot and the monitor's view and
 * turns keys into engine commands through the key table (keys.h); it
 * decides nothing about the run itself.
 *
 * Use:
 *	c = console_new(plan, conn_describe(exec), operator);
 *	options.on_event = console_event; options.event_arg = c;
 *	e = engine_new(..., &options); engine_start(e, ...);
 *	rc = console_run(c, e, monitor);	(-1: no terminal: run headless)
 *	console_free(c);
 *
 * Events that arrive before console_run (engine_start) are kept and shown.
 * One poll() loop over the terminal, the engine's and the monitor's
 * sockets, a signal pipe and standard error (captured into the event log
 * while the screen is up, written out again on exit); no call in it
 * blocks.  SIGINT/SIGTERM/SIGHUP stop the run like the headless runner
 * (engine QUIT: cancelled and journaled) and the terminal is restored on
 * every way out.
 *
 * Who owns what: the console borrows the plan, the engine and the
 * monitor; it copies the strings given to console_new.
 */
#ifndef BELLOWS_CONSOLE_H
#define BELLOWS_CONSOLE_H

#include "engine.h"
#include "monitor.h"
#include "plan.h"

struct console;

struct console	*console_new(const struct plan *, const char *database,
		    const char *operator);
void		 console_free(struct console *);
/* The engine's on_event sink (event_arg: the console). */
void		 console_event(void *, const struct engine_event *);
/* Run until the engine is finished and the operator has left (or a
 * signal stopped the run).  The engine's exit code, or -1 when the
 * terminal cannot be set up (nothing was drawn or sent). */
int		 console_run(struct console *, struct engine *,
		    struct monitor *);

#endif
