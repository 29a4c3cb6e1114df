/*
 * locks: the rows of the sessions-and-locks region, in display order.
 *
 * Pure (no curses): the draw function and the key table (the selection
 * moves over these rows) use the same order.  The lock queue comes first
 * as the monitor's depth-first tree, so who holds the lock is on top and
 * who waits behind whom is indented below; then the other sessions the
 * monitor lists.  The console's own backend is flagged, and so is every
 * session ahead of it in the queue while its statement waits: the ones
 * to look at (and perhaps terminate) when a DDL cannot get its lock.
 */
#ifndef BELLOWS_LOCKS_H
#define BELLOWS_LOCKS_H

#include <stddef.h>

#include "monitor.h"

struct locks_row {
	int				 pid;
	int				 depth;		/* in the lock tree; 0 outside */
	const struct monitor_lock_node	*node;		/* NULL: not in the queue */
	const struct monitor_session	*session;	/* NULL: not listed */
	int				 self;		/* the console's own backend */
	int				 blocks_self;	/* ahead of our waiting statement */
};

/* The rows for VIEW (NULL: none), allocated into *OUT (free() it; the
 * rows point into VIEW).  BLOCKERS are the backends the engine saw in the
 * way of its waiting statement (it samples every 200 ms, which the
 * monitor's refresh may miss): they are flagged too.  Returns the number
 * of rows. */
size_t	locks_rows(const struct monitor_view *view, const int *blockers,
	    size_t nblockers, struct locks_row **out);

/* The session to act on when our statement waits: the root holder of
 * the queue it waits in (0: it does not wait). */
int	locks_blocker(const struct locks_row *rows, size_t n);

#endif
