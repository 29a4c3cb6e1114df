/*
 * console: the main loop and the one dispatcher of the console (see
 * console.h).  State lives in struct ui (keys.h); each state of the
 * screen has its draw function (screen-*.c) and its keys in the key
 * table (keys.c); console_draw() picks the draw function with one switch.
 */
#include <sys/ioctl.h>

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "console.h"
#include "draw.h"
#include "events.h"
#include "keys.h"
#include "layout.h"
#include "locks.h"
#include "util.h"

#define CONSOLE_FRAME_MS	50	/* at most 20 frames a second */
#define CONSOLE_STDERR_MAX	65536	/* stderr kept to print on exit */

struct console {
	const struct plan	*plan;
	char			*database;
	char			*operator;
	struct events		 events;
	struct ui		 ui;
	int			 dirty;

	struct buf		 err;		/* stderr while the screen is up */
	char			 errline[1024];
	size_t			 nerrline;
};

/* The signal pipe: handlers only write a byte and note the signal. */
static volatile sig_atomic_t	console_sig_stop;
static volatile sig_atomic_t	console_sig_winch;
static int			console_sigpipe[2] = { -1, -1 };

static const int console_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH };

static int64_t
console_clock(void)
{
	struct timespec	ts;

	/* The engine's clock: snapshot times compare with it. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

struct console *
console_new(const struct plan *plan, const char *database,
    const char *operator)
{
	struct console	*c = xcalloc(1, sizeof *c);

	c->plan = plan;
	c->database = xstrdup(database != NULL ? database : "?");
	c->operator = xstrdup(operator != NULL ? operator : "?");
	c->ui.focus = UI_FOCUS_CHECKLIST;
	buf_init(&c->err);
	return (c);
}

void
console_free(struct console *c)
{
	if (c == NULL)
		return;
	events_clear(&c->events);
	keys_ui_free(&c->ui);
	buf_free(&c->err);
	free(c->database);
	free(c->operator);
	free(c);
}

void
console_event(void *arg, const struct engine_event *ev)
{
	struct console	*c = arg;

	events_add(&c->events, time(NULL), ev->phase, ev->step, ev->kind,
	    ev->detail);
	c->dirty = 1;
}

void
console_log(struct console *c, time_t at, const char *phase,
    const char *step, const char *kind, const char *detail)
{
	events_add(&c->events, at, phase, step, kind, detail);
	c->dirty = 1;
}

/* ------------------------------------------------------------ signals */

static void
console_on_signal(int sig)
{
	int	saved = errno;

	if (sig == SIGWINCH)
		console_sig_winch = 1;
	else
		console_sig_stop = sig;
	if (console_sigpipe[1] != -1)
		(void)write(console_sigpipe[1], "", 1);
	errno = saved;
}

static void
console_signals(struct sigaction *old)
{
	struct sigaction	sa;
	size_t			i;

	if (pipe(console_sigpipe) == 0) {
		for (i = 0; i < 2; i++) {
			fcntl(console_sigpipe[i], F_SETFL, O_NONBLOCK);
			fcntl(console_sigpipe[i], F_SETFD, FD_CLOEXEC);
		}
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = console_on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < nitems(console_sigs); i++)
		sigaction(console_sigs[i], &sa, &old[i]);
}

static void
console_signals_restore(const struct sigaction *old)
{
	size_t	i;

	for (i = 0; i < nitems(console_sigs); i++)
		sigaction(console_sigs[i], &old[i], NULL);
	for (i = 0; i < 2; i++) {
		if (console_sigpipe[i] != -1)
			close(console_sigpipe[i]);
		console_sigpipe[i] = -1;
	}
}

/* ------------------------------------------------------------- stderr */

/*
 * Anything written to standard error while curses owns the terminal
 * (libpq notices, a journal write that failed) would tear the screen:
 * it goes through a pipe into the event log instead, and is written out
 * again after the screen is gone.  Returns the saved descriptor, or -1
 * when stderr is left alone.
 */
static int
console_stderr_capture(int *rd)
{
	int	p[2], saved;

	*rd = -1;
	fflush(stderr);
	if ((saved = dup(STDERR_FILENO)) == -1)
		return (-1);
	if (pipe(p) != 0) {
		close(saved);
		return (-1);
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	fcntl(p[0], F_SETFD, FD_CLOEXEC);
	fcntl(saved, F_SETFD, FD_CLOEXEC);
	/* A full pipe must not stop the writer: lose the excess. */
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	dup2(p[1], STDERR_FILENO);
	close(p[1]);
	*rd = p[0];
	return (saved);
}

static void
console_stderr_read(struct console *c, int rd)
{
	char	 chunk[1024];
	ssize_t	 n, i;

	while ((n = read(rd, chunk, sizeof chunk)) > 0) {
		if (c->err.len < CONSOLE_STDERR_MAX)
			buf_append(&c->err, chunk, (size_t)n);
		for (i = 0; i < n; i++) {
			if (chunk[i] != '\n' &&
			    c->nerrline + 1 < sizeof c->errline) {
				c->errline[c->nerrline++] = chunk[i];
				continue;
			}
			if (chunk[i] != '\n')
				continue;
			c->errline[c->nerrline] = '\0';
			if (c->nerrline > 0)
				events_add(&c->events, time(NULL), NULL, NULL,
				    "stderr", c->errline);
			c->nerrline = 0;
			c->dirty = 1;
		}
	}
}

static void
console_stderr_restore(struct console *c, int saved, int rd)
{
	if (saved == -1)
		return;
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	console_stderr_read(c, rd);
	close(rd);
	if (c->err.len > 0)
		(void)write(STDERR_FILENO, c->err.data, c->err.len);
}

/* ------------------------------------------------------------ drawing */

static void
console_draw(const struct draw_ctx *d, enum keys_state st)
{
	int	run = !d->k->snap->in_checklist;

	erase();
	if (d->l->too_small) {
		screen_small_draw(d);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	switch (st) {
	case KEYS_SMALL:
		screen_small_draw(d);
		break;
	case KEYS_HELP:
		screen_help_draw(d);
		break;
	case KEYS_RUN:
	case KEYS_CHECKLIST:
	case KEYS_QUESTION:
	case KEYS_TYPED:
	case KEYS_QUIT:
	case KEYS_CANCEL:
	case KEYS_KILL:
	case KEYS_OVERRIDE:
	case KEYS_NOTE:
	case KEYS_COSIGN:
		if (run)
			screen_run_draw(d);
		else
			screen_checklist_draw(d);
		break;
	}
	/* The dialogs, over the screen they are about. */
	switch (st) {
	case KEYS_QUIT:
		screen_quit_draw(d);
		break;
	case KEYS_CANCEL:
		screen_cancel_draw(d);
		break;
	case KEYS_KILL:
		screen_kill_draw(d);
		break;
	case KEYS_OVERRIDE:
		screen_override_draw(d);
		break;
	case KEYS_NOTE:
		screen_note_draw(d);
		break;
	case KEYS_COSIGN:
		screen_cosign_draw(d);
		break;
	case KEYS_TYPED:
		screen_typed_draw(d);
		break;
	case KEYS_QUESTION:
		screen_question_draw(d);
		break;
	case KEYS_SMALL:
	case KEYS_HELP:
	case KEYS_CHECKLIST:
	case KEYS_RUN:
		break;
	}
	draw_keybar(d);
	wnoutrefresh(stdscr);
	doupdate();
}

/* ---------------------------------------------------------- the loop */

/* The engine as a source (bellows run). */
static int
console_send(void *arg, enum engine_cmd cmd, const char *a, char **cause)
{
	return (engine_command(arg, cmd, a, cause));
}

static const struct engine_snapshot *
console_engine_snapshot(void *arg)
{
	return (engine_snapshot(arg));
}

static int
console_engine_finished(void *arg)
{
	return (engine_finished(arg));
}

static void
console_engine_pollfd(void *arg, int *fd, int *timeout_ms)
{
	engine_pollfd(arg, fd, timeout_ms);
}

static void
console_engine_advance(void *arg)
{
	engine_advance(arg);
}

static int
console_engine_exit_code(void *arg)
{
	return (engine_exit_code(arg));
}

/* The executor may have reconnected as another backend. */
static int
console_engine_backend_pid(void *arg)
{
	return (conn_backend_pid(engine_conn(arg)));
}

/* Rows a PgUp/PgDn moves in the focused region. */
static size_t
console_page(const struct ui *ui, const struct layout *l)
{
	if (ui->help)
		return ((size_t)(l->rows > 3 ? l->rows - 3 : 1));
	switch (ui->focus) {
	case UI_FOCUS_CHECKLIST:
		return ((size_t)(l->checklist.h > 2 ? l->checklist.h - 2 : 1));
	case UI_FOCUS_LOCKS:
		return ((size_t)(l->locks.h > 2 ? l->locks.h - 2 : 1));
	case UI_FOCUS_EVENTS:
		return ((size_t)(l->events.h > 1 ? l->events.h - 1 : 1));
	}
	return (1);
}

static void
console_resize(void)
{
	struct winsize	ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
}

/* Once the screen is gone, the last events stay in the terminal: what
 * happened last is what the operator needs next. */
static void
console_epilogue(struct console *c)
{
	const struct events_line	*ln;
	struct tm			 tm;
	char				 when[16];
	size_t				 i;

	for (i = c->events.n > 6 ? c->events.n - 6 : 0; i < c->events.n;
	    i++) {
		ln = events_get(&c->events, i);
		localtime_r(&ln->at, &tm);
		strftime(when, sizeof when, "%H:%M:%S", &tm);
		printf("%s %s %s: %s\n", when, ln->where, ln->kind, ln->detail);
	}
	fflush(stdout);
}

/* The signal that stops the run: the same as the headless runner.  A
 * read-only console has no run to stop: it leaves (the caller sees
 * quit_sent). */
static void
console_stop(struct console *c, const struct console_source *src, int sig)
{
	char	*cause = NULL, *detail;

	c->dirty = 1;
	c->ui.quit_sent = 1;
	if (src->send == NULL)
		return;
	detail = xasprintf("%s: stopping (the running statement is "
	    "cancelled and journaled)", strsignal(sig));
	events_add(&c->events, time(NULL), NULL, NULL, "signal", detail);
	free(detail);
	if (!src->finished(src->arg)) {
		if (src->send(src->arg, ENGINE_CMD_QUIT, NULL, &cause) != 0)
			free(cause);
	}
}

int
console_run(struct console *c, struct engine *e, struct monitor *m)
{
	struct console_source	src;

	memset(&src, 0, sizeof src);
	src.arg = e;
	src.snapshot = console_engine_snapshot;
	src.finished = console_engine_finished;
	src.pollfd = console_engine_pollfd;
	src.advance = console_engine_advance;
	src.exit_code = console_engine_exit_code;
	src.backend_pid = console_engine_backend_pid;
	src.send = console_send;
	return (console_run_source(c, &src, m));
}

int
console_run_source(struct console *c, const struct console_source *src,
    struct monitor *m)
{
	struct sigaction		 old[nitems(console_sigs)];
	struct keys_ctx			 k;
	struct draw_ctx			 d;
	struct layout			 l;
	struct layout_hints		 hints;
	struct locks_row		*rows = NULL;
	struct pollfd			 pfd[5];
	const struct monitor_view	*view = NULL;
	SCREEN				*scr;
	int				*pids = NULL;
	int64_t				 now, last_draw = 0, wall_ms;
	size_t				 nrows = 0, i;
	int				 n, fd, timeout, mtimeout, efd, key, r;
	int				 saved_err, err_rd, stdin_gone = 0, idle = 0;
	int				 utf8, finished, leave = 0, keyed, hup = 0;
	int				 exec_pid = 0, pid;
	int				 ro = src->send == NULL;
	enum keys_state			 st;
	wint_t				 wc;
	char				 ch;

	/* LC_CTYPE only: numbers the engine prints must not change. */
	setlocale(LC_CTYPE, "");
	utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	if ((scr = newterm(NULL, stdout, stdin)) == NULL)
		return (-1);
	set_term(scr);
	console_signals(old);
	saved_err = console_stderr_capture(&err_rd);
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	draw_init(utf8);

	memset(&hints, 0, sizeof hints);
	hints.plan_rows = draw_plan_rows(c->plan);
	hints.checklist_rows = c->plan->nchecklist;
	memset(&k, 0, sizeof k);
	k.ui = &c->ui;
	k.plan = c->plan;
	k.database = c->database;
	k.send = src->send;
	k.send_arg = src->arg;
	k.watch_send = src->watch_send;
	k.watch_arg = src->arg;
	c->dirty = 1;

	for (;;) {
		if (console_sig_stop != 0) {
			if (console_sig_stop == SIGHUP)
				hup = 1;	/* nobody to draw for */
			console_stop(c, src, console_sig_stop);
			console_sig_stop = 0;
		}
		if (console_sig_winch) {
			console_sig_winch = 0;
			console_resize();
			c->dirty = 1;
		}
		finished = src->finished(src->arg);
		if (finished && (c->ui.quit_sent || hup || stdin_gone))
			break;
		if (leave || (ro && (c->ui.quit_sent || hup || stdin_gone)))
			break;
		if (stdin_gone && !c->ui.quit_sent)
			console_stop(c, src, SIGHUP);

		/* The executor's backend: another one after a reconnect, and
		 * for a watcher whoever drives now. */
		if (m != NULL && (!finished || ro) &&
		    (pid = src->backend_pid(src->arg)) != exec_pid) {
			exec_pid = pid;
			monitor_set_exec_pid(m, exec_pid);
		}

		/* Read the world once per turn. */
		now = console_clock();
		k.watch = src->watch != NULL ? src->watch(src->arg) : NULL;
		k.snap = src->snapshot(src->arg);
		k.finished = finished;
		k.now_ms = now;
		view = m != NULL ? monitor_view(m) : NULL;
		free(rows);
		nrows = locks_rows(view, k.snap->blocker_pids,
		    k.snap->nblocker_pids, &rows);
		free(pids);
		pids = xcalloc(nrows + 1, sizeof *pids);
		for (i = 0; i < nrows; i++)
			pids[i] = rows[i].pid;
		k.pids = pids;
		k.npids = nrows;
		k.exec_pid = view != NULL ? view->exec_pid : 0;
		k.nevents = c->events.n;
		k.too_small = COLS < LAYOUT_MIN_COLS || LINES < LAYOUT_MIN_ROWS;
		keys_sync(&k, locks_blocker(rows, nrows));
		st = keys_state(&k);

		memset(&d, 0, sizeof d);
		d.k = &k;
		d.view = view;
		d.rows = rows;
		d.nrows = nrows;
		d.events = &c->events;
		d.l = &l;
		d.database = c->database;
		d.operator = c->operator;
		d.now_ms = now;
		d.wall = time(NULL);
		d.utf8 = utf8;
		d.g = draw_glyphs(utf8);
		hints.dialog_rows = k.too_small ? 0 :
		    (size_t)screen_dialog_rows(&d, st, COLS);
		layout_compute(&l, COLS, LINES, k.snap->in_checklist ?
		    LAYOUT_CHECKLIST : LAYOUT_RUN, &hints);
		k.page = console_page(&c->ui, &l);

		wall_ms = (int64_t)time(NULL) * 1000;
		if (!hup && (c->dirty || now - last_draw >= 1000) &&
		    now - last_draw >= CONSOLE_FRAME_MS) {
			console_draw(&d, st);
			last_draw = now;
			c->dirty = 0;
		}

		/* Wait for the next thing: a key, a result, a timer, the
		 * clock's next second, or the next frame when one is due. */
		timeout = 1000 - (int)(wall_ms % 1000);
		if (c->dirty && CONSOLE_FRAME_MS - (now - last_draw) < timeout)
			timeout = (int)(CONSOLE_FRAME_MS - (now - last_draw));
		if (timeout < 0)
			timeout = 0;
		n = 0;
		pfd[n].fd = console_sigpipe[0];
		pfd[n++].events = POLLIN;
		efd = -1;
		if (!finished || ro) {
			src->pollfd(src->arg, &efd, &r);
			if (r >= 0 && r < timeout)
				timeout = r;
			if (efd >= 0) {
				pfd[n].fd = efd;
				pfd[n++].events = POLLIN;
			}
		}
		if (m != NULL) {
			monitor_pollfd(m, &fd, &mtimeout);
			if (mtimeout >= 0 && mtimeout < timeout)
				timeout = mtimeout;
			if (fd >= 0) {
				pfd[n].fd = fd;
				pfd[n++].events = POLLIN;
			}
		}
		if (err_rd != -1) {
			pfd[n].fd = err_rd;
			pfd[n++].events = POLLIN;
		}
		if (!stdin_gone) {
			pfd[n].fd = STDIN_FILENO;
			pfd[n++].events = POLLIN;
		}
		for (i = 0; i < (size_t)n; i++)
			pfd[i].revents = 0;
		if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR) {
			events_add(&c->events, time(NULL), NULL, NULL, "stderr",
			    strerror(errno));
			console_stop(c, src, SIGTERM);
		}
		while (read(console_sigpipe[0], &ch, 1) == 1)
			;
		if (err_rd != -1)
			console_stderr_read(c, err_rd);

		/* Every key goes through the one key table. */
		keyed = 0;
		if (!stdin_gone && (pfd[n - 1].revents &
		    (POLLHUP | POLLERR | POLLNVAL)) != 0 &&
		    (pfd[n - 1].revents & POLLIN) == 0)
			stdin_gone = 1;
		while (!stdin_gone && !leave &&
		    (key = get_wch(&wc)) != ERR) {
			keyed = 1;
			key = key == KEY_CODE_YES ? KEYS_FN((int)wc) : (int)wc;
			if (key == KEYS_FN(KEY_RESIZE)) {
				c->dirty = 1;
				continue;
			}
			k.snap = src->snapshot(src->arg);
			k.finished = src->finished(src->arg);
			k.now_ms = console_clock();
			c->ui.message[0] = '\0';
			r = keys_dispatch(&k, key);
			if (r & KEYS_QUIT_NOW)
				leave = 1;
			if (r & KEYS_REFRESH && m != NULL)
				monitor_refresh(m);
			if (r & KEYS_REPAINT)
				clearok(curscr, TRUE);
			c->dirty = 1;
			last_draw = 0;	/* answer a key at once */
			keys_sync(&k, locks_blocker(rows, nrows));
		}
		/* Readable with nothing to read, over and over: the terminal
		 * has gone (a stray escape byte gives up after a few turns). */
		if (!stdin_gone && (pfd[n - 1].revents & POLLIN) && !keyed) {
			if (++idle > 20)
				stdin_gone = 1;
		} else
			idle = 0;

		/* A watcher keeps reading after the run finished: another
		 * driver may roll it back. */
		if (!src->finished(src->arg) || ro)
			src->advance(src->arg);
		if (m != NULL) {
			monitor_advance(m);
			if (view == NULL || view->sessions_at_ms !=
			    monitor_view(m)->sessions_at_ms ||
			    view->locks_at_ms != monitor_view(m)->locks_at_ms)
				c->dirty = 1;
		}
		/* The engine moves on its own (results, timers). */
		c->dirty = 1;
	}

	free(rows);
	free(pids);
	endwin();
	delscreen(scr);
	console_stderr_restore(c, saved_err, err_rd);
	console_signals_restore(old);
	console_epilogue(c);
	return (src->exit_code(src->arg));
}
