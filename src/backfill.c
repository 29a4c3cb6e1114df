/* backfill: see backfill.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backfill.h"
#include "util.h"

struct backfill {
	const struct plan_backfill *bf;
	int64_t		(*clock)(void *);
	void		*clock_arg;

	char		*sql_bound_first;	/* no cursor yet */
	char		*sql_bound;
	char		*sql_update_first;
	char		*sql_update;
	const char	*settings[4];

	char		*cursor;	/* last key done */
	char		*upper;		/* end of the batch being run */
	char		 nbuf[32];	/* batch size as text */
	const char	*params[3];

	int64_t		 batch_rows;
	int64_t		 rows_done;
	int64_t		 keys_done;
	int64_t		 batches;
	int64_t		 total_est;
	int64_t		 started_ms;
	int64_t		 rows_at_start;
	int64_t		 recent[BACKFILL_RECENT];
	int		 nrecent;
	int		 recent_next;
	char		*throttle;
};

/* "schema.table" or "table", each part quoted. */
static char *
backfill_quote_qualified(struct conn *c, const char *name)
{
	const char	*dot = strchr(name, '.');
	char		*a, *b, *r, *part;

	if (dot == NULL)
		return (conn_quote_ident(c, name));
	part = xstrndup(name, (size_t)(dot - name));
	a = conn_quote_ident(c, part);
	b = conn_quote_ident(c, dot + 1);
	r = xasprintf("%s.%s", a, b);
	free(part);
	free(a);
	free(b);
	return (r);
}

struct backfill *
backfill_new(const struct plan_backfill *bf, struct conn *exec,
    int64_t (*clock)(void *), void *clock_arg)
{
	struct backfill	*b;
	char		*t, *k, *from, *where;

	b = xcalloc(1, sizeof *b);
	b->bf = bf;
	b->clock = clock;
	b->clock_arg = clock_arg;
	b->batch_rows = bf->batch_rows;
	t = backfill_quote_qualified(exec, bf->table);
	k = conn_quote_ident(exec, bf->key);
	from = bf->from != NULL ? xasprintf(" FROM %s", bf->from) : xstrdup("");
	where = bf->where != NULL ? xasprintf(" AND (%s)", bf->where) :
	    xstrdup("");
	/* The upper key of the next batch: an index range scan of
	 * batch_rows keys, never a rescan of what is done. */
	b->sql_bound_first = xasprintf("SELECT max(k)::text FROM (SELECT %s AS k"
	    " FROM %s ORDER BY %s LIMIT $1) s", k, t, k);
	b->sql_bound = xasprintf("SELECT max(k)::text FROM (SELECT %s AS k FROM"
	    " %s WHERE %s > $1 ORDER BY %s LIMIT $2) s", k, t, k, k);
	b->sql_update_first = xasprintf("UPDATE %s SET %s%s WHERE %s.%s <= $1%s",
	    t, bf->set, from, t, k, where);
	b->sql_update = xasprintf("UPDATE %s SET %s%s WHERE %s.%s > $1 AND "
	    "%s.%s <= $2%s", t, bf->set, from, t, k, t, k, where);
	b->settings[0] = NULL;
	free(t);
	free(k);
	free(from);
	free(where);
	b->started_ms = -1;
	return (b);
}

void
backfill_free(struct backfill *b)
{
	if (b == NULL)
		return;
	free(b->sql_bound_first);
	free(b->sql_bound);
	free(b->sql_update_first);
	free(b->sql_update);
	free(b->cursor);
	free(b->upper);
	free(b->throttle);
	free(b);
}

int
backfill_estimate(struct backfill *b, struct conn *c, char **cause)
{
	static const char	 sql[] =
	    "SELECT greatest(reltuples, 0)::bigint FROM pg_class"
	    " WHERE oid = to_regclass($1)";
	const char		*params[1];
	struct conn_error	 err = { 0 };
	PGresult		*res;

	params[0] = b->bf->table;
	if ((res = conn_exec(c, sql, 1, params, &err)) == NULL) {
		*cause = conn_error_format(&err);
		conn_error_clear(&err);
		return (-1);
	}
	if (PQntuples(res) > 0)
		b->total_est = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return (0);
}

void
backfill_resume(struct backfill *b, const char *cursor, int64_t rows,
    int64_t batches)
{
	free(b->cursor);
	b->cursor = cursor != NULL ? xstrdup(cursor) : NULL;
	b->rows_done = rows;
	b->batches = batches;
	b->rows_at_start = rows;
	/* Keys covered before the restart are not known exactly; the
	 * batches give a fair estimate for the progress bar. */
	b->keys_done = batches * b->bf->batch_rows;
}

int
backfill_throttle(struct backfill *b, struct conn *mon, const char **reason)
{
	(void)mon;
	*reason = b->throttle;
	return (0);
}

const char *
backfill_bound_sql(struct backfill *b, const char *const **params,
    int *nparams)
{
	snprintf(b->nbuf, sizeof b->nbuf, "%lld", (long long)b->batch_rows);
	if (b->cursor == NULL) {
		b->params[0] = b->nbuf;
		*nparams = 1;
	} else {
		b->params[0] = b->cursor;
		b->params[1] = b->nbuf;
		*nparams = 2;
	}
	*params = b->params;
	return (b->cursor == NULL ? b->sql_bound_first : b->sql_bound);
}

void
backfill_set_upper(struct backfill *b, const char *upper)
{
	free(b->upper);
	b->upper = upper != NULL ? xstrdup(upper) : NULL;
}

const char *const *
backfill_batch_settings(struct backfill *b)
{
	return (b->settings);
}

const char *
backfill_batch_sql(struct backfill *b, const char *const **params,
    int *nparams)
{
	if (b->cursor == NULL) {
		b->params[0] = b->upper;
		*nparams = 1;
	} else {
		b->params[0] = b->cursor;
		b->params[1] = b->upper;
		*nparams = 2;
	}
	*params = b->params;
	return (b->cursor == NULL ? b->sql_update_first : b->sql_update);
}

const char *
backfill_upper(struct backfill *b)
{
	return (b->upper);
}

void
backfill_batch_done(struct backfill *b, int64_t rows, int64_t elapsed_ms)
{
	if (b->started_ms < 0)
		b->started_ms = b->clock(b->clock_arg) - elapsed_ms;
	free(b->cursor);
	b->cursor = b->upper;
	b->upper = NULL;
	b->rows_done += rows;
	b->keys_done += b->batch_rows;
	b->batches++;
	b->recent[b->recent_next] = elapsed_ms;
	b->recent_next = (b->recent_next + 1) % BACKFILL_RECENT;
	if (b->nrecent < BACKFILL_RECENT)
		b->nrecent++;
}

int
backfill_batch_failed(struct backfill *b, const char *sqlstate)
{
	(void)b;
	(void)sqlstate;
	return (0);
}

void
backfill_progress(struct backfill *b, struct backfill_progress *p)
{
	int64_t	now, i, el;

	memset(p, 0, sizeof *p);
	p->rows_done = b->rows_done;
	p->keys_done = b->keys_done;
	p->total_est = b->total_est > b->keys_done ? b->total_est : b->keys_done;
	p->percent = p->total_est > 0 ? 100.0 * (double)p->keys_done /
	    (double)p->total_est : 0;
	p->batches = b->batches;
	p->batch_rows = b->batch_rows;
	p->eta_ms = -1;
	now = b->clock(b->clock_arg);
	el = b->started_ms >= 0 ? now - b->started_ms : 0;
	if (el > 0) {
		p->rows_per_s = (double)(b->rows_done - b->rows_at_start) *
		    1000.0 / (double)el;
		if (p->rows_per_s > 0)
			p->eta_ms = (int64_t)((double)(p->total_est -
			    p->keys_done) * 1000.0 / p->rows_per_s);
	}
	p->nrecent = b->nrecent;
	for (i = 0; i < b->nrecent; i++)
		p->recent_ms[i] = b->recent[(b->recent_next - b->nrecent + i +
		    BACKFILL_RECENT) % BACKFILL_RECENT];
	p->throttle = b->throttle;
	p->cursor = b->cursor;
}
