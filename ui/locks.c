/*
 * locks: rows of the sessions-and-locks region (see locks.h).
 */
#include <stdlib.h>

#include "locks.h"
#include "util.h"

static const struct monitor_session *
locks_session(const struct monitor_view *v, long idx, int pid)
{
	size_t	i;

	if (idx >= 0 && (size_t)idx < v->nsessions && v->sessions[idx].pid == pid)
		return (&v->sessions[idx]);
	for (i = 0; i < v->nsessions; i++)
		if (v->sessions[i].pid == pid)
			return (&v->sessions[i]);
	return (NULL);
}

size_t
locks_rows(const struct monitor_view *v, const int *blockers,
    size_t nblockers, struct locks_row **out)
{
	struct locks_row	*r;
	size_t			 i, j, n = 0;
	int			 in_tree;

	*out = NULL;
	if (v == NULL || v->nlocks + v->nsessions == 0)
		return (0);
	r = xcalloc(v->nlocks + v->nsessions, sizeof *r);
	for (i = 0; i < v->nlocks; i++) {
		r[n].pid = v->locks[i].pid;
		r[n].depth = v->locks[i].depth;
		r[n].node = &v->locks[i];
		r[n].session = locks_session(v, v->locks[i].session,
		    v->locks[i].pid);
		r[n].self = v->exec_pid != 0 && r[n].pid == v->exec_pid;
		n++;
	}

	/* Walk up from each of our waiting entries: every ancestor in the
	 * depth-first list is the nearest earlier row one level up. */
	for (i = 0; i < n; i++) {
		int	 depth;

		if (!r[i].self || r[i].node->granted)
			continue;
		depth = r[i].depth;
		for (j = i; j-- > 0 && depth > 0;) {
			if (r[j].depth == depth - 1) {
				r[j].blocks_self = !r[j].self;
				depth--;
			}
		}
	}

	for (i = 0; i < v->nsessions; i++) {
		in_tree = 0;
		for (j = 0; j < v->nlocks; j++)
			if (v->locks[j].pid == v->sessions[i].pid)
				in_tree = 1;
		if (in_tree)
			continue;
		r[n].pid = v->sessions[i].pid;
		r[n].session = &v->sessions[i];
		r[n].self = v->exec_pid != 0 && r[n].pid == v->exec_pid;
		n++;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < nblockers; j++)
			if (r[i].pid == blockers[j] && !r[i].self)
				r[i].blocks_self = 1;
	*out = r;
	return (n);
}

int
locks_blocker(const struct locks_row *rows, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (rows[i].blocks_self && rows[i].depth == 0)
			return (rows[i].pid);
	for (i = 0; i < n; i++)
		if (rows[i].blocks_self)
			return (rows[i].pid);
	return (0);
}
