/*
 * events: the console's event log, the last EVENTS_MAX events of the run
 * (the engine's on_event, and anything written to standard error while
 * the screen is up), oldest first.  Written by the console's event sink,
 * read by the events region.  Strings are owned by the log.
 */
#ifndef BELLOWS_EVENTS_H
#define BELLOWS_EVENTS_H

#include <stddef.h>
#include <time.h>

#define EVENTS_MAX	500

struct events_line {
	time_t	 at;		/* wall clock when it arrived */
	char	*where;		/* "expand/add column", "-" for the run */
	char	*kind;		/* "done", "lock-timeout", "stderr", ... */
	char	*detail;
};

struct events {
	struct events_line	 lines[EVENTS_MAX];
	size_t			 first;	/* ring start */
	size_t			 n;
	size_t			 total;	/* ever added */
};

void	events_add(struct events *, time_t, const char *phase,
	    const char *step, const char *kind, const char *detail);
/* Line I, 0 the oldest kept. */
const struct events_line *events_get(const struct events *, size_t);
void	events_clear(struct events *);

#endif
