/*
 * draw-locks: sessions on the plan's tables and everything they block or
 * wait on.  The lock queue first, as a tree (holders at the root, who
 * waits behind whom indented), then the other sessions.  This console's
 * own backend is marked; the sessions ahead of our waiting statement are
 * highlighted: they are why the DDL cannot run.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "fmt.h"
#include "text.h"
#include "util.h"

/* Column widths at 80 columns; the query takes what is left. */
#define COL_PID		8
#define COL_USER	9
#define COL_STATE	13	/* "idle in xact" and a space */
#define COL_AGE		7
#define COL_LOCK	24

/* "AccessExclusiveLock" reads as "AccessExclusive" in a narrow column. */
static void
draw_lock_mode(char *buf, size_t len, const char *mode)
{
	size_t	n;

	snprintf(buf, len, "%s", mode != NULL ? mode : "");
	n = strlen(buf);
	if (n > 4 && strcmp(buf + n - 4, "Lock") == 0)
		buf[n - 4] = '\0';
}

static const char *
draw_session_state(const struct monitor_session *ss)
{
	if (ss == NULL || ss->state == NULL)
		return ("?");
	if (strcmp(ss->state, "idle in transaction") == 0)
		return ("idle in xact");
	if (strcmp(ss->state, "idle in transaction (aborted)") == 0)
		return ("idle, aborted");
	return (ss->state);
}

/* The header's right side: the plan's tables, replicas, what is off. */
static char *
draw_locks_summary(const struct draw_ctx *d)
{
	const struct monitor_view	*v = d->view;
	struct buf			 b;
	char				 s1[FMT_LEN], s2[FMT_LEN], s3[FMT_LEN];
	size_t				 i;
	long				 worst = -1;

	buf_init(&b);
	if (v == NULL) {
		buf_puts(&b, "no monitor");
		return (buf_detach(&b));
	}
	if (v->lost)
		buf_puts(&b, "MONITOR LOST: last view  ");
	for (i = 0; i < v->nnotes; i++)
		buf_printf(&b, "%s  ", v->notes[i]);
	for (i = 0; i < v->ntables; i++)
		buf_printf(&b, "%s %s, %s live, %s dead%s  ", v->tables[i].name,
		    fmt_size(v->tables[i].size_bytes, s1, sizeof s1),
		    fmt_count(v->tables[i].live_tuples, s2, sizeof s2),
		    fmt_count(v->tables[i].dead_tuples, s3, sizeof s3),
		    v->tables[i].autovacuum_running ? ", autovacuum" : "");
	for (i = 0; i < v->nreplicas; i++)
		if (v->replicas[i].replay_lag_ms > worst)
			worst = v->replicas[i].replay_lag_ms;
	if (v->nreplicas > 0)
		buf_printf(&b, "%zu replica%s, lag %s", v->nreplicas,
		    v->nreplicas == 1 ? "" : "s",
		    fmt_duration(worst, s1, sizeof s1));
	return (buf_detach(&b));
}

static void
draw_locks_row(const struct draw_ctx *d, int y, int x, int w,
    const struct locks_row *row, int selected, int focused)
{
	const struct monitor_session	*ss = row->session;
	const struct monitor_lock_node	*n = row->node;
	enum draw_style			 st = DRAW_NORMAL, lst;
	char				 pid[32], age[FMT_LEN], wait[FMT_LEN],
					 mode[48], lock[160];
	int				 c, indent;

	if (row->blocks_self)
		st = DRAW_BLOCKER;
	else if (row->self)
		st = DRAW_SELF;
	if (selected && focused)
		st = DRAW_SELECT;
	if (st != DRAW_NORMAL)
		draw_fill(y, x, w, st);
	if (selected)
		draw_wch(y, x, d->g->select, st == DRAW_NORMAL ? DRAW_HEADER : st);

	/* PID with the tree's indent; ours carries a star. */
	c = x + 1;
	indent = row->depth > 0 ? 2 * (row->depth - 1) : 0;
	if (indent > 6)
		indent = 6;
	if (row->depth > 0) {
		wchar_t	br[3] = { d->g->branch[0], d->g->branch[1], L'\0' };

		draw_style(st);
		mvaddnwstr(y, c + indent, br, 2);
		draw_style(DRAW_NORMAL);
		indent += 2;
	}
	snprintf(pid, sizeof pid, "%d%s", row->pid, row->self ? "*" : "");
	draw_text(d, y, c + indent, COL_PID + 3 - indent, pid,
	    row->self && st == DRAW_NORMAL ? DRAW_SELF : st);
	c += COL_PID;
	if (indent + (int)strlen(pid) > COL_PID - 1)
		c += indent + (int)strlen(pid) - (COL_PID - 1);

	draw_text(d, y, c, COL_USER - 1, ss != NULL && ss->user != NULL ?
	    ss->user : "?", st);
	c += COL_USER;
	draw_text(d, y, c, COL_STATE - 1, draw_session_state(ss), st);
	c += COL_STATE;
	/* Locks live as long as transactions: their age is what counts. */
	fmt_duration(ss != NULL ? ss->xact_ms : -1, age, sizeof age);
	draw_text_right(d, y, c, COL_AGE - 1, age, st);
	c += COL_AGE;

	/* What it holds or waits for, and for how long it waits. */
	lock[0] = '\0';
	lst = st;
	if (n != NULL) {
		draw_lock_mode(mode, sizeof mode, n->mode);
		if (n->granted)
			snprintf(lock, sizeof lock, "holds %s %s", mode,
			    n->target != NULL ? n->target : "");
		else {
			snprintf(lock, sizeof lock, "waits %s %s %s",
			    fmt_duration(n->wait_ms, wait, sizeof wait), mode,
			    n->target != NULL ? n->target : "");
			if (st == DRAW_NORMAL)
				lst = DRAW_WARN;
		}
		if (n->cycle) {
			snprintf(lock, sizeof lock, "DEADLOCK %s", mode);
			if (st == DRAW_NORMAL)
				lst = DRAW_BAD;
		}
	} else if (ss != NULL && ss->wait_event != NULL &&
	    strncmp(ss->wait_event, "Lock", 4) == 0) {
		/* Waiting on a lock outside the queue we read (yet). */
		snprintf(lock, sizeof lock, "%s", ss->wait_event);
		if (st == DRAW_NORMAL)
			lst = DRAW_WARN;
	}
	draw_text(d, y, c, COL_LOCK - 1, lock, lst);
	c += COL_LOCK;

	/* The highlighted backend is ours when we drive, the driver's when
	 * we only watch. */
	if (row->self)
		c += draw_text(d, y, c, x + w - c, d->k->watch != NULL ?
		    "(driver) " : "(this console) ",
		    st == DRAW_NORMAL ? DRAW_SELF : st);
	if (ss != NULL && ss->hidden)
		draw_text(d, y, c, x + w - c, "(another role's session)",
		    st == DRAW_NORMAL ? DRAW_DIM : st);
	else if (ss != NULL)
		draw_text(d, y, c, x + w - c, ss->query, st);
}

void
draw_locks(const struct draw_ctx *d)
{
	const struct layout_rect	*r = &d->l->locks;
	const struct ui			*ui = d->k->ui;
	char				*summary, title[96];
	size_t				 i, first = 0, sel = SIZE_MAX;
	int				 y, rows, focused;

	focused = ui->focus == UI_FOCUS_LOCKS;
	summary = draw_locks_summary(d);
	snprintf(title, sizeof title, "Sessions and locks");
	draw_header(d, r, title, summary, focused);
	free(summary);
	if (r->h < 3)
		return;

	draw_printf(d, r->y + 1, r->x + 1, r->w - 2, DRAW_DIM,
	    "%-*s%-*s%-*s%*s %-*s%s", COL_PID, "PID", COL_USER, "USER",
	    COL_STATE, "STATE", COL_AGE - 1, "XACT", COL_LOCK - 1, "LOCK",
	    "QUERY");
	rows = r->h - 2;
	if (d->view == NULL || d->view->sessions_at_ms < 0) {
		draw_text(d, r->y + 2, r->x + 2, r->w - 4, d->view == NULL ?
		    "no monitor connection" : "reading pg_stat_activity...",
		    DRAW_DIM);
		return;
	}
	if (d->nrows == 0) {
		draw_text(d, r->y + 2, r->x + 2, r->w - 4, "no other active "
		    "session, none on the plan's tables", DRAW_DIM);
		return;
	}
	for (i = 0; i < d->nrows; i++)
		if (d->rows[i].pid == ui->pid_sel)
			sel = i;
	if (sel != SIZE_MAX && (int)sel >= rows)
		first = sel - (size_t)rows + 1;
	for (i = first, y = r->y + 2; i < d->nrows && y < r->y + r->h;
	    i++, y++) {
		/* The last row says how many more there are. */
		if (y == r->y + r->h - 1 && i + 1 < d->nrows && i != sel) {
			draw_printf(d, y, r->x + 2, r->w - 4, DRAW_DIM,
			    "... %zu more (Tab here, arrows to scroll)",
			    d->nrows - i);
			break;
		}
		draw_locks_row(d, y, r->x, r->w, &d->rows[i],
		    d->rows[i].pid == ui->pid_sel, focused);
	}
}
