/* monitor: see monitor.h. */
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checklist.h"
#include "fmt.h"
#include "monitor.h"
#include "util.h"

/* The queries, from share/sql/monitor-*.sql (each names the server
 * versions it supports), compiled in by share/sql/sql2c.sh.  Generated in
 * the build directory: hence the path from the top of it. */
#include "src/monitor-sql.h"

/* The monitor's notices (e.g. "PID 42 is not a PostgreSQL backend
 * process" from pg_cancel_backend) would land on stderr under the
 * console's screen; results carry all the monitor needs. */
static void
monitor_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

struct conn *
monitor_open(const char *conninfo, const char *plan_name,
    struct conn_error *err)
{
	/* Connection options rather than SET: they come back with the
	 * connection after a conn_reset. */
	static const char	 limits[] =
	    "-c statement_timeout=" MONITOR_STATEMENT_TIMEOUT
	    " -c lock_timeout=" MONITOR_LOCK_TIMEOUT;
	struct conn		*c;
	char			*appname;

	appname = xasprintf("bellows:%s:monitor",
	    plan_name != NULL ? plan_name : "");
	c = conn_open_options(conninfo, appname, limits, err);
	free(appname);
	if (c == NULL)
		return (NULL);
	PQsetNoticeProcessor(conn_pg(c), monitor_notice, NULL);
	return (c);
}

static char *
monitor_error(struct conn_error *err)
{
	char	*cause;

	cause = conn_error_format(err);
	conn_error_clear(err);
	return (cause);
}

static char *
monitor_text(PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return (NULL);
	return (xstrdup(PQgetvalue(res, row, col)));
}

static long
monitor_long(PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return (-1);
	return (strtol(PQgetvalue(res, row, col), NULL, 10));
}

static int
monitor_bool(PGresult *res, int row, int col)
{
	return (!PQgetisnull(res, row, col) &&
	    strcmp(PQgetvalue(res, row, col), "t") == 0);
}

/* Cut S to at most MAX bytes without splitting a UTF-8 sequence. */
static void
monitor_cut(char *s, size_t max)
{
	size_t	len;

	if ((len = strlen(s)) <= max)
		return;
	len = max;
	while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	s[len] = '\0';
}

/* Columns 0 to 10 of monitor-blockers.sql and monitor-sessions.sql: pid,
 * user, application, client, state, wait event, xact/query/state ms,
 * query, hidden. */
static void
monitor_session_read(PGresult *res, int i, struct monitor_session *s)
{
	s->pid = (int)monitor_long(res, i, 0);
	s->user = monitor_text(res, i, 1);
	s->application = monitor_text(res, i, 2);
	if (s->application == NULL)
		s->application = xstrdup("");
	s->client = monitor_text(res, i, 3);
	s->state = monitor_text(res, i, 4);
	s->wait_event = monitor_text(res, i, 5);
	s->xact_ms = monitor_long(res, i, 6);
	s->query_ms = monitor_long(res, i, 7);
	s->state_ms = monitor_long(res, i, 8);
	s->hidden = monitor_bool(res, i, 10);
	if (!s->hidden && (s->query = monitor_text(res, i, 9)) != NULL)
		monitor_cut(s->query, MONITOR_QUERY_MAX);
}

int
monitor_blockers(struct conn *c, int pid, struct monitor_session **out,
    size_t *n, char **cause)
{
	struct conn_error	 err = { 0 };
	struct monitor_session	*s, *list;
	PGresult		*res;
	char			 pidbuf[16];
	const char		*params[1];
	int			 i, rows;

	*out = NULL;
	*n = 0;
	snprintf(pidbuf, sizeof pidbuf, "%d", pid);
	params[0] = pidbuf;
	res = conn_exec(c, sql_monitor_blockers, 1, params, &err);
	if (res == NULL) {
		*cause = monitor_error(&err);
		return (-1);
	}
	if ((rows = PQntuples(res)) == 0) {
		PQclear(res);
		return (0);
	}
	list = xcalloc(rows, sizeof *list);
	for (i = 0; i < rows; i++) {
		s = &list[i];
		monitor_session_read(res, i, s);
		s->lock_mode = monitor_text(res, i, 11);
		s->lock_type = monitor_text(res, i, 12);
		s->lock_target = monitor_text(res, i, 13);
		s->lock_granted = monitor_bool(res, i, 14);
	}
	PQclear(res);
	*out = list;
	*n = rows;
	return (0);
}

/* The query on one line: whitespace runs become one space, then cut to
 * about MAX bytes with "..." when longer. */
static void
monitor_put_query(struct buf *b, const char *q, size_t max)
{
	struct buf	 flat;
	const char	*p;
	int		 space = 0;

	buf_init(&flat);
	for (p = q; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			space = flat.len > 0;
			continue;
		}
		if (space)
			buf_putc(&flat, ' ');
		space = 0;
		buf_putc(&flat, *p);
	}
	if (flat.len > max) {
		monitor_cut(flat.data, max);
		buf_puts(b, flat.data);
		buf_puts(b, " ...");
	} else
		buf_puts(b, flat.data != NULL ? flat.data : "");
	buf_free(&flat);
}

char *
monitor_session_describe(const struct monitor_session *s)
{
	struct buf	b;
	char		d[MONITOR_DURATION_LEN];

	buf_init(&b);
	if (s->pid == 0)
		buf_puts(&b, "a prepared transaction");
	else
		buf_printf(&b, "pid %d", s->pid);
	buf_printf(&b, " (%s", s->user != NULL ? s->user : "?");
	if (s->application != NULL && *s->application != '\0')
		buf_printf(&b, ", %s", s->application);
	if (s->hidden)
		buf_puts(&b, ", details hidden: needs pg_monitor");
	else if (s->state != NULL) {
		buf_printf(&b, ", %s", s->state);
		if (s->state_ms >= 0)
			buf_printf(&b, " for %s",
			    monitor_format_ms(s->state_ms, d, sizeof d));
	}
	if (s->xact_ms >= 0 && s->state != NULL &&
	    strcmp(s->state, "idle in transaction") != 0)
		buf_printf(&b, ", transaction %s",
		    monitor_format_ms(s->xact_ms, d, sizeof d));
	buf_puts(&b, ")");
	if (s->query != NULL && *s->query != '\0') {
		buf_puts(&b, ": ");
		monitor_put_query(&b, s->query, 60);
	}
	if (s->lock_mode != NULL) {
		buf_printf(&b, " - %s %s on %s",
		    s->lock_granted ? "holds" : "waits ahead for",
		    s->lock_mode, s->lock_target != NULL ?
		    s->lock_target : "?");
	}
	return (buf_detach(&b));
}

void
monitor_session_free_array(struct monitor_session *list, size_t n)
{
	size_t	i;

	if (list == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(list[i].user);
		free(list[i].application);
		free(list[i].client);
		free(list[i].state);
		free(list[i].wait_event);
		free(list[i].query);
		free(list[i].lock_mode);
		free(list[i].lock_type);
		free(list[i].lock_target);
	}
	free(list);
}

int
monitor_cancel_backend(struct conn *c, int pid, int terminate, char **cause)
{
	struct conn_error	 err = { 0 };
	PGresult		*res;
	char			 pidbuf[16];
	const char		*params[1];
	int			 sent;

	if (pid == 0) {
		*cause = xstrdup("a prepared transaction cannot be signalled: "
		    "COMMIT PREPARED or ROLLBACK PREPARED it");
		return (-1);
	}
	if (pid == conn_backend_pid(c)) {
		*cause = xasprintf("pid %d is the monitor's own backend", pid);
		return (-1);
	}
	snprintf(pidbuf, sizeof pidbuf, "%d", pid);
	params[0] = pidbuf;
	res = conn_exec(c, terminate ?
	    "SELECT pg_catalog.pg_terminate_backend($1::int)" :
	    "SELECT pg_catalog.pg_cancel_backend($1::int)", 1, params, &err);
	if (res == NULL) {
		*cause = monitor_error(&err);
		return (-1);
	}
	/* false: "PID is not a PostgreSQL backend process" (a warning). */
	sent = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return (sent);
}

const char *
monitor_format_ms(long ms, char *buf, size_t len)
{
	return (fmt_duration(ms, buf, len));
}

/* ------------------------------------------------------------ lock tree */

/* A pid and the node it became, sorted by pid for bsearch. */
struct monitor_pidx {
	int	 pid;
	size_t	 seq;	/* order of first appearance: rows, then blockers */
};

/* The tree under construction: nodes are the rows' distinct pids in row
 * order, then the blockers without a row, in order of appearance. */
struct monitor_tree {
	const struct monitor_lock_row	*rows;
	size_t				 n;
	int				*pid;
	long				*row;		/* -1: absent */
	size_t				**blk;		/* blockers, as nodes */
	size_t				*nblk;
	long				*parent;	/* -1: a root */
	int				*chain;		/* longest chain above */
	int				*state;		/* 0 new, 1 on stack, 2 done */
	int				*cycle;
	struct monitor_pidx		*idx;		/* sorted by pid */
};

/* Sorting key of a node among its siblings. */
struct monitor_tree_key {
	long	 parent;
	long	 xact_ms;
	long	 wait_ms;
	int	 pid;
	size_t	 node;
};

static int
monitor_pidx_cmp(const void *a, const void *b)
{
	const struct monitor_pidx	*x = a, *y = b;

	if (x->pid != y->pid)
		return (x->pid < y->pid ? -1 : 1);
	if (x->seq != y->seq)
		return (x->seq < y->seq ? -1 : 1);
	return (0);
}

static int
monitor_seq_cmp(const void *a, const void *b)
{
	const struct monitor_pidx	*x = a, *y = b;

	return ((x->seq > y->seq) - (x->seq < y->seq));
}

/* Roots: oldest transaction, longest wait, lowest pid.  Siblings: longest
 * wait (the head of the queue), lowest pid. */
static int
monitor_key_cmp(const void *a, const void *b)
{
	const struct monitor_tree_key	*x = a, *y = b;

	if (x->parent != y->parent)
		return (x->parent < y->parent ? -1 : 1);
	if (x->parent == -1 && x->xact_ms != y->xact_ms)
		return (x->xact_ms > y->xact_ms ? -1 : 1);
	if (x->wait_ms != y->wait_ms)
		return (x->wait_ms > y->wait_ms ? -1 : 1);
	return ((x->pid > y->pid) - (x->pid < y->pid));
}

static long
monitor_tree_find(const struct monitor_tree *t, int pid)
{
	size_t	lo = 0, hi = t->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t->idx[mid].pid == pid)
			return ((long)t->idx[mid].seq);
		if (t->idx[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (-1);
}

static long
monitor_tree_xact(const struct monitor_tree *t, size_t v)
{
	return (t->row[v] < 0 ? -1 : t->rows[t->row[v]].xact_ms);
}

static long
monitor_tree_wait(const struct monitor_tree *t, size_t v)
{
	return (t->row[v] < 0 ? -1 : t->rows[t->row[v]].wait_ms);
}

/*
 * The longest chain of blockers above V, choosing V's parent on the way:
 * of its blockers, the one with the longest chain (the first listed on a
 * tie), which turns "R is blocked by H and by D, D by H" into H > D > R.
 * Blockers on the current path are skipped, so a cycle ends the walk.
 */
static int
monitor_tree_chain(struct monitor_tree *t, size_t v)
{
	size_t	i, b;
	int	c, best = -1;

	t->state[v] = 1;
	t->parent[v] = -1;
	for (i = 0; i < t->nblk[v]; i++) {
		b = t->blk[v][i];
		if (t->state[b] == 1)
			continue;
		c = t->state[b] == 2 ? t->chain[b] : monitor_tree_chain(t, b);
		if (c > best) {
			best = c;
			t->parent[v] = (long)b;
		}
	}
	t->chain[v] = best + 1;
	t->state[v] = 2;
	return (t->chain[v]);
}

/* Whether V is A or an ancestor of A (reached from A going up). */
static int
monitor_tree_above(const struct monitor_tree *t, size_t a, size_t v)
{
	size_t	steps;
	long	u = (long)a;

	for (steps = 0; u != -1 && steps <= t->n; steps++) {
		if ((size_t)u == v)
			return (1);
		u = t->parent[u];
	}
	return (0);
}

static void
monitor_tree_nodes(struct monitor_tree *t, const struct monitor_lock_row *rows,
    size_t nrows)
{
	struct monitor_pidx	*cand;
	size_t			 ncand = 0, i, j, k;

	for (i = 0, k = nrows; i < nrows; i++)
		k += rows[i].nblocked_by;
	cand = xcalloc(k, sizeof *cand);
	for (i = 0; i < nrows; i++) {
		cand[ncand].pid = rows[i].pid;
		cand[ncand].seq = ncand;
		ncand++;
	}
	for (i = 0; i < nrows; i++) {
		for (j = 0; j < rows[i].nblocked_by; j++) {
			cand[ncand].pid = rows[i].blocked_by[j];
			cand[ncand].seq = ncand;
			ncand++;
		}
	}
	/* Keep each pid's first appearance, then put them back in order. */
	qsort(cand, ncand, sizeof *cand, monitor_pidx_cmp);
	for (i = 0, k = 0; i < ncand; i++) {
		if (k > 0 && cand[k - 1].pid == cand[i].pid)
			continue;
		cand[k++] = cand[i];
	}
	qsort(cand, k, sizeof *cand, monitor_seq_cmp);

	t->rows = rows;
	t->n = k;
	t->pid = xcalloc(k + 1, sizeof *t->pid);
	t->row = xcalloc(k + 1, sizeof *t->row);
	t->idx = xcalloc(k + 1, sizeof *t->idx);
	for (i = 0; i < k; i++) {
		t->pid[i] = cand[i].pid;
		/* A sequence number below nrows is the pid's first row. */
		t->row[i] = cand[i].seq < nrows ? (long)cand[i].seq : -1;
		t->idx[i].pid = cand[i].pid;
		t->idx[i].seq = i;
	}
	qsort(t->idx, k, sizeof *t->idx, monitor_pidx_cmp);
	free(cand);
}

static void
monitor_tree_edges(struct monitor_tree *t)
{
	const struct monitor_lock_row	*r;
	size_t				 v, j, m;
	long				 b;

	t->blk = xcalloc(t->n + 1, sizeof *t->blk);
	t->nblk = xcalloc(t->n + 1, sizeof *t->nblk);
	for (v = 0; v < t->n; v++) {
		if (t->row[v] < 0)
			continue;
		r = &t->rows[t->row[v]];
		if (r->nblocked_by == 0)
			continue;
		t->blk[v] = xcalloc(r->nblocked_by, sizeof *t->blk[v]);
		for (j = 0; j < r->nblocked_by; j++) {
			if ((b = monitor_tree_find(t, r->blocked_by[j])) < 0 ||
			    (size_t)b == v)
				continue;
			for (m = 0; m < t->nblk[v]; m++) {
				if (t->blk[v][m] == (size_t)b)
					break;
			}
			if (m == t->nblk[v])
				t->blk[v][t->nblk[v]++] = (size_t)b;
		}
	}
}

/*
 * Cut the cycles left in the parent links (a chain choice made while
 * another part of a deadlock was on the walk) at the member with the oldest
 * transaction, and mark every backend that waits on one of its own
 * descendants: a cycle of waits.
 */
static void
monitor_tree_cycles(struct monitor_tree *t)
{
	size_t	*mark, v, i, best;
	long	 u, w;

	mark = xcalloc(t->n + 1, sizeof *mark);
	for (v = 0; v < t->n; v++) {
		for (u = (long)v; u != -1 && mark[u] == 0; u = t->parent[u])
			mark[u] = v + 1;
		if (u == -1 || mark[u] != v + 1)
			continue;
		best = (size_t)u;
		w = u;
		do {
			t->cycle[w] = 1;
			if (monitor_tree_xact(t, (size_t)w) >
			    monitor_tree_xact(t, best))
				best = (size_t)w;
			w = t->parent[w];
		} while (w != u);
		t->parent[best] = -1;
	}
	free(mark);

	for (v = 0; v < t->n; v++) {
		for (i = 0; i < t->nblk[v]; i++) {
			if ((long)t->blk[v][i] == t->parent[v] ||
			    !monitor_tree_above(t, t->blk[v][i], v))
				continue;
			for (w = (long)t->blk[v][i]; w != -1 && (size_t)w != v;
			    w = t->parent[w])
				t->cycle[w] = 1;
			t->cycle[v] = 1;
		}
	}
}

static void
monitor_tree_free(struct monitor_tree *t)
{
	size_t	v;

	if (t->blk != NULL) {
		for (v = 0; v < t->n; v++)
			free(t->blk[v]);
	}
	free(t->blk);
	free(t->nblk);
	free(t->pid);
	free(t->row);
	free(t->parent);
	free(t->chain);
	free(t->state);
	free(t->cycle);
	free(t->idx);
}

static int
monitor_same(const char *a, const char *b)
{
	return (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
monitor_tree_node(const struct monitor_tree *t, size_t v, int depth,
    struct monitor_lock_node *o)
{
	const struct monitor_lock_row	*r = NULL, *pr = NULL;
	long				 p = t->parent[v];

	if (t->row[v] >= 0)
		r = &t->rows[t->row[v]];
	if (p >= 0 && t->row[p] >= 0)
		pr = &t->rows[t->row[p]];
	memset(o, 0, sizeof *o);
	o->pid = t->pid[v];
	o->depth = depth;
	o->parent = p >= 0 ? t->pid[p] : 0;
	o->granted = r != NULL && r->granted;
	/* Behind a waiter in the same queue rather than a holder. */
	o->soft = r != NULL && pr != NULL && !pr->granted &&
	    monitor_same(r->target, pr->target);
	o->mode = r != NULL && r->mode != NULL ? r->mode : "";
	o->target = r != NULL && r->target != NULL ? r->target : "";
	o->wait_ms = r != NULL ? r->wait_ms : -1;
	o->session = -1;
	o->cycle = t->cycle[v];
	o->absent = r == NULL;
}

void
monitor_lock_tree(const struct monitor_lock_row *rows, size_t n,
    struct monitor_lock_node **out, size_t *nout)
{
	struct monitor_tree	 t;
	struct monitor_tree_key	*key;
	size_t			*first, *count, *stack, *sdepth;
	size_t			 v, i, k, sp, emitted = 0;

	memset(&t, 0, sizeof t);
	*out = NULL;
	*nout = 0;
	if (n == 0)
		return;
	monitor_tree_nodes(&t, rows, n);
	monitor_tree_edges(&t);
	t.parent = xcalloc(t.n, sizeof *t.parent);
	t.chain = xcalloc(t.n, sizeof *t.chain);
	t.state = xcalloc(t.n, sizeof *t.state);
	t.cycle = xcalloc(t.n, sizeof *t.cycle);
	for (v = 0; v < t.n; v++) {
		if (t.state[v] == 0)
			monitor_tree_chain(&t, v);
	}
	monitor_tree_cycles(&t);

	/* Children of a node are contiguous in KEY, in display order; roots
	 * (parent -1) come first. */
	key = xcalloc(t.n, sizeof *key);
	for (v = 0; v < t.n; v++) {
		key[v].parent = t.parent[v];
		key[v].xact_ms = monitor_tree_xact(&t, v);
		key[v].wait_ms = monitor_tree_wait(&t, v);
		key[v].pid = t.pid[v];
		key[v].node = v;
	}
	qsort(key, t.n, sizeof *key, monitor_key_cmp);
	first = xcalloc(t.n, sizeof *first);
	count = xcalloc(t.n, sizeof *count);
	for (k = 0; k < t.n; k++) {
		if (key[k].parent < 0)
			continue;
		if (count[key[k].parent]++ == 0)
			first[key[k].parent] = k;
	}

	/* Depth-first, iteratively: a queue can be as deep as the server
	 * has backends. */
	*out = xcalloc(t.n, sizeof **out);
	stack = xcalloc(t.n, sizeof *stack);
	sdepth = xcalloc(t.n, sizeof *sdepth);
	sp = 0;
	for (k = t.n; k > 0; k--) {
		if (key[k - 1].parent == -1) {
			stack[sp] = key[k - 1].node;
			sdepth[sp++] = 0;
		}
	}
	while (sp > 0) {
		sp--;
		v = stack[sp];
		monitor_tree_node(&t, v, (int)sdepth[sp], &(*out)[emitted++]);
		k = sdepth[sp] + 1;
		for (i = count[v]; i > 0; i--) {
			stack[sp] = key[first[v] + i - 1].node;
			sdepth[sp++] = k;
		}
	}
	/* Every node has a root once the cycles are cut. */
	if (emitted != t.n)
		util_fatal("monitor_lock_tree: %zu of %zu nodes reached",
		    emitted, t.n);
	*nout = emitted;
	free(stack);
	free(sdepth);
	free(first);
	free(count);
	free(key);
	monitor_tree_free(&t);
}

/* ------------------------------------------------------------ live view */

/*
 * The refreshes, one query each.  Only one is on the wire at a time (the
 * connection carries one command): advance starts the most overdue one
 * when the last has come back.
 */
enum monitor_task {
	MONITOR_SESSIONS,
	MONITOR_LOCKS,
	MONITOR_REPLICAS,
	MONITOR_TABLES,
	MONITOR_NTASKS
};

static const char *const monitor_task_name[MONITOR_NTASKS] = {
	"sessions", "locks", "replication", "tables"
};

struct monitor {
	struct conn		*c;		/* borrowed */
	int64_t			(*clock)(void *);
	void			*clock_arg;

	long			 period[MONITOR_NTASKS];
	int64_t			 due[MONITOR_NTASKS];
	int			 off[MONITOR_NTASKS];	/* 42501, or nothing to do */
	char			*note[MONITOR_NTASKS];	/* why off, or last error */
	char			*lost_note;
	char			*hidden_note;
	int			 inflight;	/* task on the wire, -1: none */

	/* The plan's tables, and the same as text[] literals ($1, $2). */
	struct checklist_table	*tables;
	size_t			 ntables;
	char			*schemas;
	char			*names;

	/* What view.locks points into. */
	struct monitor_lock_row	*lrows;
	size_t			 nlrows;

	struct monitor_view	 view;
};

static int64_t
monitor_clock(void *arg)
{
	(void)arg;
	return (util_now_ms());
}

static int64_t
monitor_now(struct monitor *m)
{
	return (m->clock(m->clock_arg));
}

/* A text[] literal: {"a","b",NULL}.  Elements are quoted, so names with
 * commas, quotes or braces survive; the array goes as a parameter. */
static void
monitor_array_put(struct buf *b, const char *s)
{
	const char	*p;

	if (b->len > 1)
		buf_putc(b, ',');
	if (s == NULL) {
		buf_puts(b, "NULL");
		return;
	}
	buf_putc(b, '"');
	for (p = s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *p);
	}
	buf_putc(b, '"');
}

static void
monitor_free_lrows(struct monitor_lock_row *rows, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free((int *)rows[i].blocked_by);
		free((char *)rows[i].mode);
		free((char *)rows[i].target);
	}
	free(rows);
}

static void
monitor_free_replicas(struct monitor_replica *r, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(r[i].name);
		free(r[i].state);
	}
	free(r);
}

/* The notes in a fixed order: the connection, the features turned off or
 * failing, then what the role may not see. */
static void
monitor_notes(struct monitor *m)
{
	struct monitor_view	*v = &m->view;
	int			 t;

	v->nnotes = 0;
	if (m->lost_note != NULL)
		v->notes[v->nnotes++] = m->lost_note;
	for (t = 0; t < MONITOR_NTASKS; t++) {
		if (m->note[t] != NULL && v->nnotes < MONITOR_NOTES)
			v->notes[v->nnotes++] = m->note[t];
	}
	if (m->hidden_note != NULL && v->nnotes < MONITOR_NOTES)
		v->notes[v->nnotes++] = m->hidden_note;
}

static void
monitor_set_note(struct monitor *m, int t, char *note)
{
	free(m->note[t]);
	m->note[t] = note;
}

/* Tie the lock tree to the sessions and flag the executor: after either
 * list changes. */
static void
monitor_link(struct monitor *m)
{
	struct monitor_view	*v = &m->view;
	size_t			 i, j;

	for (j = 0; j < v->nsessions; j++)
		v->sessions[j].executor = v->exec_pid != 0 &&
		    v->sessions[j].pid == v->exec_pid;
	for (i = 0; i < v->nlocks; i++) {
		v->locks[i].session = -1;
		for (j = 0; j < v->nsessions; j++) {
			if (v->sessions[j].pid == v->locks[i].pid) {
				v->locks[i].session = (long)j;
				break;
			}
		}
	}
}

void
monitor_options_from(struct monitor_options *o, const struct plan_defaults *d)
{
	if (d->refresh_sessions_ms > 0)
		o->sessions_ms = d->refresh_sessions_ms;
	if (d->refresh_locks_ms > 0)
		o->locks_ms = d->refresh_locks_ms;
}

struct monitor *
monitor_new(struct conn *c, const struct plan *plan, int exec_pid,
    const struct monitor_options *o)
{
	static const long	 defaults[MONITOR_NTASKS] = {
				    1000, 2000, 5000, 5000 };
	struct monitor		*m;
	struct buf		 schemas, names;
	size_t			 i;
	int64_t			 now;
	int			 t;

	m = xcalloc(1, sizeof *m);
	m->c = c;
	m->clock = monitor_clock;
	for (t = 0; t < MONITOR_NTASKS; t++)
		m->period[t] = defaults[t];
	if (o != NULL) {
		if (o->clock != NULL) {
			m->clock = o->clock;
			m->clock_arg = o->clock_arg;
		}
		if (o->sessions_ms > 0)
			m->period[MONITOR_SESSIONS] = o->sessions_ms;
		if (o->locks_ms > 0)
			m->period[MONITOR_LOCKS] = o->locks_ms;
		if (o->stats_ms > 0) {
			m->period[MONITOR_REPLICAS] = o->stats_ms;
			m->period[MONITOR_TABLES] = o->stats_ms;
		}
	}
	m->inflight = -1;

	if (plan != NULL)
		checklist_plan_tables(plan, &m->tables, &m->ntables);
	buf_init(&schemas);
	buf_init(&names);
	buf_putc(&schemas, '{');
	buf_putc(&names, '{');
	for (i = 0; i < m->ntables; i++) {
		monitor_array_put(&schemas, m->tables[i].schema);
		monitor_array_put(&names, m->tables[i].name);
	}
	buf_putc(&schemas, '}');
	buf_putc(&names, '}');
	m->schemas = buf_detach(&schemas);
	m->names = buf_detach(&names);

	m->view.sessions_at_ms = m->view.locks_at_ms = -1;
	m->view.replicas_at_ms = m->view.tables_at_ms = -1;
	m->view.exec_pid = exec_pid;
	m->view.monitor_pid = conn_backend_pid(c);
	m->view.sees_all = 1;
	if (m->ntables > 0) {
		m->view.tables = xcalloc(m->ntables, sizeof *m->view.tables);
		m->view.ntables = m->ntables;
		for (i = 0; i < m->ntables; i++) {
			m->view.tables[i].name = xstrdup(m->tables[i].display);
			m->view.tables[i].size_bytes = -1;
			m->view.tables[i].live_tuples = -1;
			m->view.tables[i].dead_tuples = -1;
			m->view.tables[i].autovacuum_age_ms = -1;
		}
	} else
		m->off[MONITOR_TABLES] = 1;	/* nothing to watch, no note */

	now = monitor_now(m);
	for (t = 0; t < MONITOR_NTASKS; t++)
		m->due[t] = now;
	if (!conn_alive(c)) {
		m->view.lost = 1;
		m->lost_note = xstrdup("monitor connection lost");
		monitor_notes(m);
	}
	return (m);
}

void
monitor_free(struct monitor *m)
{
	struct conn_error	 err = { 0 };
	struct pollfd		 pfd;
	PGresult		*res = NULL;
	size_t			 i;
	int			 t, tries;

	if (m == NULL)
		return;
	/*
	 * The connection is borrowed: hand it back idle.  Cancel the refresh
	 * on the wire and wait for it (bounded by the monitor's own
	 * statement_timeout, and by this loop).
	 */
	if (m->inflight != -1 && !m->view.lost) {
		conn_cancel(m->c, &err);
		conn_error_clear(&err);
		for (tries = 0; tries < 300; tries++) {
			if (conn_poll(m->c, &res, &err) != 0)
				break;
			pfd.fd = conn_socket(m->c);
			pfd.events = POLLIN;
			pfd.revents = 0;
			poll(&pfd, 1, 10);
		}
		PQclear(res);
		conn_error_clear(&err);
	}
	monitor_session_free_array(m->view.sessions, m->view.nsessions);
	free(m->view.locks);
	monitor_free_lrows(m->lrows, m->nlrows);
	monitor_free_replicas(m->view.replicas, m->view.nreplicas);
	for (i = 0; i < m->view.ntables; i++) {
		free(m->view.tables[i].name);
		free(m->view.tables[i].last_autovacuum);
	}
	free(m->view.tables);
	for (t = 0; t < MONITOR_NTASKS; t++)
		free(m->note[t]);
	free(m->lost_note);
	free(m->hidden_note);
	checklist_tables_free(m->tables, m->ntables);
	free(m->schemas);
	free(m->names);
	free(m);
}

void
monitor_set_exec_pid(struct monitor *m, int pid)
{
	m->view.exec_pid = pid;
	monitor_link(m);
	/* An idle executor is listed only when asked for: ask now. */
	m->due[MONITOR_SESSIONS] = monitor_now(m);
}

const struct monitor_view *
monitor_view(struct monitor *m)
{
	return (&m->view);
}

int
monitor_in_flight(struct monitor *m)
{
	return (m->inflight != -1);
}

static void
monitor_got_sessions(struct monitor *m, PGresult *res)
{
	struct monitor_session	*list;
	int			 i, rows;

	rows = PQntuples(res);
	list = rows > 0 ? xcalloc(rows, sizeof *list) : NULL;
	for (i = 0; i < rows; i++) {
		monitor_session_read(res, i, &list[i]);
		list[i].touches = monitor_bool(res, i, 11);
	}
	/* Only a row can say what the role sees; keep the last word. */
	if (rows > 0) {
		m->view.sees_all = monitor_bool(res, 0, 12);
		free(m->hidden_note);
		m->hidden_note = m->view.sees_all ? NULL :
		    xstrdup("sessions: other roles' sessions without details:"
		    " grant pg_monitor");
	}
	monitor_session_free_array(m->view.sessions, m->view.nsessions);
	m->view.sessions = list;
	m->view.nsessions = rows;
}

/* "{1,2,3}" as pg_blocking_pids gives it, printed as text. */
static int *
monitor_int_array(const char *s, size_t *n)
{
	const char	*p;
	char		*end;
	int		*a;
	size_t		 cap = 1;
	long		 v;

	for (p = s; *p != '\0'; p++)
		cap += *p == ',';
	a = xcalloc(cap, sizeof *a);
	*n = 0;
	for (p = s; *p != '\0' && *n < cap;) {
		if (*p < '0' || *p > '9') {
			p++;
			continue;
		}
		v = strtol(p, &end, 10);
		a[(*n)++] = (int)v;
		p = end;
	}
	return (a);
}

static void
monitor_got_locks(struct monitor *m, PGresult *res)
{
	struct monitor_lock_row	*rows;
	int			 i, n;

	n = PQntuples(res);
	rows = n > 0 ? xcalloc(n, sizeof *rows) : NULL;
	for (i = 0; i < n; i++) {
		rows[i].pid = (int)monitor_long(res, i, 0);
		rows[i].blocked_by = monitor_int_array(PQgetvalue(res, i, 1),
		    &rows[i].nblocked_by);
		rows[i].mode = monitor_text(res, i, 2);
		rows[i].target = monitor_text(res, i, 3);
		rows[i].granted = monitor_bool(res, i, 4);
		rows[i].wait_ms = monitor_long(res, i, 5);
		rows[i].xact_ms = monitor_long(res, i, 6);
	}
	free(m->view.locks);
	monitor_free_lrows(m->lrows, m->nlrows);
	m->lrows = rows;
	m->nlrows = n;
	monitor_lock_tree(rows, n, &m->view.locks, &m->view.nlocks);
}

static void
monitor_got_replicas(struct monitor *m, PGresult *res)
{
	struct monitor_replica	*list;
	int			 i, n;

	n = PQntuples(res);
	list = n > 0 ? xcalloc(n, sizeof *list) : NULL;
	for (i = 0; i < n; i++) {
		list[i].name = monitor_text(res, i, 0);
		if (list[i].name == NULL)
			list[i].name = xstrdup("?");
		list[i].state = monitor_text(res, i, 1);
		list[i].replay_lag_ms = monitor_long(res, i, 2);
	}
	monitor_free_replicas(m->view.replicas, m->view.nreplicas);
	m->view.replicas = list;
	m->view.nreplicas = n;
}

static int64_t
monitor_int64(PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return (-1);
	return ((int64_t)strtoll(PQgetvalue(res, row, col), NULL, 10));
}

static void
monitor_got_tables(struct monitor *m, PGresult *res)
{
	struct monitor_table	*t;
	int			 i, n;

	n = PQntuples(res);
	for (i = 0; i < n && (size_t)i < m->view.ntables; i++) {
		t = &m->view.tables[i];
		t->exists = monitor_bool(res, i, 0);
		/* NULL while a lock queue is on the table: keep the last. */
		if (!PQgetisnull(res, i, 1) || !t->exists)
			t->size_bytes = monitor_int64(res, i, 1);
		t->live_tuples = monitor_int64(res, i, 2);
		t->dead_tuples = monitor_int64(res, i, 3);
		free(t->last_autovacuum);
		t->last_autovacuum = monitor_text(res, i, 4);
		t->autovacuum_age_ms = monitor_long(res, i, 5);
		t->autovacuum_running = monitor_bool(res, i, 6);
	}
}

/*
 * After a lost connection: the engine resets the monitor connection when
 * it reconnects (conn_reset, same struct conn); then the view comes back
 * to life, every refresh due at once.  1 when the connection is usable.
 */
static int
monitor_recover(struct monitor *m)
{
	int64_t	now;
	int	t;

	if (!conn_alive(m->c) || conn_busy(m->c))
		return (0);
	m->view.lost = 0;
	free(m->lost_note);
	m->lost_note = NULL;
	m->inflight = -1;
	now = monitor_now(m);
	for (t = 0; t < MONITOR_NTASKS; t++)
		m->due[t] = now;
	monitor_notes(m);
	return (1);
}

static void
monitor_lost(struct monitor *m, struct conn_error *err)
{
	char	*msg;

	msg = conn_error_format(err);
	free(m->lost_note);
	m->lost_note = xasprintf("monitor connection lost, showing the last "
	    "view: %s", msg);
	free(msg);
	m->view.lost = 1;
	m->inflight = -1;
	monitor_notes(m);
}

/* The end of task T: RES on success, else ERR.  42501 turns the feature
 * off for good; any other failure (a timeout, a lock timeout) is noted
 * until the next success, and the last result stays in the view. */
static void
monitor_done(struct monitor *m, int t, PGresult *res, struct conn_error *err)
{
	char	*msg;
	int64_t	 now;

	now = monitor_now(m);
	if (res == NULL) {
		if (conn_error_is(err, CONN_PRIVILEGE)) {
			m->off[t] = 1;
			monitor_set_note(m, t, xasprintf("%s: permission denied "
			    "(42501): grant pg_monitor", monitor_task_name[t]));
		} else {
			msg = conn_error_format(err);
			monitor_set_note(m, t, xasprintf("%s: %s",
			    monitor_task_name[t], msg));
			free(msg);
		}
		conn_error_clear(err);
		monitor_notes(m);
		return;
	}
	switch ((enum monitor_task)t) {
	case MONITOR_SESSIONS:
		monitor_got_sessions(m, res);
		m->view.sessions_at_ms = now;
		monitor_link(m);
		break;
	case MONITOR_LOCKS:
		monitor_got_locks(m, res);
		m->view.locks_at_ms = now;
		monitor_link(m);
		break;
	case MONITOR_REPLICAS:
		monitor_got_replicas(m, res);
		m->view.replicas_at_ms = now;
		break;
	case MONITOR_TABLES:
		monitor_got_tables(m, res);
		m->view.tables_at_ms = now;
		break;
	case MONITOR_NTASKS:
		break;
	}
	PQclear(res);
	monitor_set_note(m, t, NULL);
	monitor_notes(m);
}

/* Put task T on the wire.  0, or -1 when the connection is gone. */
static int
monitor_start(struct monitor *m, int t)
{
	struct conn_error	 err = { 0 };
	const char		*params[3];
	const char		*sql = NULL;
	char			 pidbuf[16];
	int			 nparams = 0, rc;

	switch ((enum monitor_task)t) {
	case MONITOR_SESSIONS:
		snprintf(pidbuf, sizeof pidbuf, "%d", m->view.exec_pid);
		params[0] = m->schemas;
		params[1] = m->names;
		params[2] = pidbuf;
		nparams = 3;
		sql = sql_monitor_sessions;
		break;
	case MONITOR_LOCKS:
		sql = sql_monitor_locks;
		break;
	case MONITOR_REPLICAS:
		sql = sql_monitor_replicas;
		break;
	case MONITOR_TABLES:
		params[0] = m->schemas;
		params[1] = m->names;
		nparams = 2;
		sql = sql_monitor_tables;
		break;
	case MONITOR_NTASKS:
		return (0);
	}
	/* The period runs from the start, so a slow answer does not stretch
	 * the cadence. */
	m->due[t] = monitor_now(m) + m->period[t];
	rc = conn_send(m->c, sql, nparams, nparams > 0 ? params : NULL, &err);
	if (rc != 0) {
		if (conn_error_is(&err, CONN_CONNECTION_LOST) ||
		    !conn_alive(m->c)) {
			monitor_lost(m, &err);
			conn_error_clear(&err);
			return (-1);
		}
		/* Busy with someone else's command: try again next time. */
		monitor_done(m, t, NULL, &err);
		return (0);
	}
	m->inflight = t;
	return (0);
}

void
monitor_advance(struct monitor *m)
{
	struct conn_error	 err = { 0 };
	PGresult		*res;
	int64_t			 now;
	int			 t, next, rc;

	if (m->view.lost && !monitor_recover(m))
		return;
	if (m->inflight != -1) {
		/* conn_poll only reads what has arrived. */
		rc = conn_poll(m->c, &res, &err);
		if (rc == 0)
			return;
		if (rc < 0) {
			monitor_lost(m, &err);
			conn_error_clear(&err);
			return;
		}
		t = m->inflight;
		m->inflight = -1;
		monitor_done(m, t, res, &err);
	}
	now = monitor_now(m);
	next = -1;
	for (t = 0; t < MONITOR_NTASKS; t++) {
		if (m->off[t] || m->due[t] > now)
			continue;
		if (next == -1 || m->due[t] < m->due[next])
			next = t;
	}
	if (next != -1)
		monitor_start(m, next);
}

void
monitor_refresh(struct monitor *m)
{
	int64_t	now;
	int	t;

	now = monitor_now(m);
	for (t = 0; t < MONITOR_NTASKS; t++)
		m->due[t] = now;
	monitor_advance(m);
}

void
monitor_pollfd(struct monitor *m, int *fd, int *timeout_ms)
{
	int64_t	now, wait = 0;
	int	t, any = 0;

	*fd = -1;
	*timeout_ms = -1;
	if (m->view.lost) {
		/* Look again now and then: the connection may come back. */
		*timeout_ms = 1000;
		return;
	}
	*fd = conn_socket(m->c);
	if (m->inflight != -1) {
		/*
		 * The answer wakes the caller through the socket, unless a
		 * synchronous call (monitor_blockers) already took it off
		 * the wire for us: then libpq is idle, nothing is left to
		 * read, and conn_poll has it at once.
		 */
		*timeout_ms = PQisBusy(conn_pg(m->c)) ?
		    (int)m->period[MONITOR_SESSIONS] : 0;
		return;
	}
	now = monitor_now(m);
	for (t = 0; t < MONITOR_NTASKS; t++) {
		if (m->off[t])
			continue;
		if (!any || m->due[t] - now < wait)
			wait = m->due[t] - now;
		any = 1;
	}
	if (!any)
		return;		/* every feature is off: only the fd */
	if (wait < 0)
		wait = 0;
	if (wait > INT32_MAX)
		wait = INT32_MAX;
	*timeout_ms = (int)wait;
}
