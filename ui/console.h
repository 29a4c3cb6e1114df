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

#include <time.h>

#include "engine.h"
#include "keys.h"
#include "monitor.h"
#include "plan.h"

struct console;

/*
 * Where the console's snapshot comes from and where its keys go: the
 * engine (bellows run: console_run builds this source) or a run driven
 * elsewhere, read from the journal (bellows watch).  The console renders
 * whichever it is given the same way.  A read-only source has no send:
 * its console uses the watcher's key table (keys_watch_table), leaves on
 * q or a signal without touching the run, and writes only through
 * watch_send (notes, the second sign-off).
 */
struct console_source {
	void	*arg;
	const struct engine_snapshot *(*snapshot)(void *);
	int	(*finished)(void *);
	/* The socket to watch (-1: none) and the time until advance is due
	 * (-1: only on the socket). */
	void	(*pollfd)(void *, int *fd, int *timeout_ms);
	void	(*advance)(void *);
	int	(*exit_code)(void *);
	/* The backend the sessions region marks: the executor's. */
	int	(*backend_pid)(void *);
	/* The driver: engine commands.  NULL: read-only. */
	int	(*send)(void *, enum engine_cmd, const char *, char **);
	/* The watcher: who drives (NULL for the driver) and its writes. */
	const struct ui_watch *(*watch)(void *);
	int	(*watch_send)(void *, enum keys_watch_cmd, const char *,
		    char **);
};

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
/* The same loop over any source (see struct console_source).  Returns
 * the source's exit code, or -1 when the terminal cannot be set up. */
int		 console_run_source(struct console *,
		    const struct console_source *, struct monitor *);
/* Add a line to the event log as it happened at AT (a watcher replays
 * the journal's events with their own times). */
void		 console_log(struct console *, time_t at, const char *phase,
		    const char *step, const char *kind, const char *detail);

#endif
