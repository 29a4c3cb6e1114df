/*
 * events: the console's event log ring (see events.h).
 */
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "util.h"

static void
events_line_free(struct events_line *l)
{
	free(l->where);
	free(l->kind);
	free(l->detail);
	memset(l, 0, sizeof *l);
}

void
events_add(struct events *ev, time_t at, const char *phase, const char *step,
    const char *kind, const char *detail)
{
	struct events_line	*l;

	if (ev->n == EVENTS_MAX) {
		events_line_free(&ev->lines[ev->first]);
		ev->first = (ev->first + 1) % EVENTS_MAX;
		ev->n--;
	}
	l = &ev->lines[(ev->first + ev->n) % EVENTS_MAX];
	l->at = at;
	if (phase == NULL)
		l->where = xstrdup("-");
	else if (step == NULL)
		l->where = xstrdup(phase);
	else
		l->where = xasprintf("%s/%s", phase, step);
	l->kind = xstrdup(kind != NULL ? kind : "");
	l->detail = xstrdup(detail != NULL ? detail : "");
	ev->n++;
	ev->total++;
}

const struct events_line *
events_get(const struct events *ev, size_t i)
{
	if (i >= ev->n)
		return (NULL);
	return (&ev->lines[(ev->first + i) % EVENTS_MAX]);
}

void
events_clear(struct events *ev)
{
	size_t	i;

	for (i = 0; i < ev->n; i++)
		events_line_free(&ev->lines[(ev->first + i) % EVENTS_MAX]);
	ev->first = ev->n = 0;
}
