/* demo: see demo.h. */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "conn.h"
#include "demo.h"
#include "util.h"

/*
 * The socket lives in the private directory, so the port only names the
 * socket file and cannot collide with another server: the default port
 * keeps the psql command line short.
 */
#define DEMO_PORT	"5432"
#define DEMO_DBNAME	"demo"
#define DEMO_SCHEMA_SQL	"sql/demo-schema.sql"
#define DEMO_APPNAME	"bellows demo"
#define DEMO_LOG_LINES	15

struct demo {
	char	*bindir;
	char	*dir;
	char	*datadir;
	char	*conninfo;	/* the database `demo` */
	char	*admin;		/* the database `postgres`, to create `demo` */
	char	*psql;
	char	*stop;

	/* Under root, the server's user; else run_as is 0. */
	int	 run_as;
	char	*user;
	uid_t	 uid;
	gid_t	 gid;

	int	 watchdog_fd;	/* write end; EOF tells the watchdog to act */
	pid_t	 watchdog_pid;
	pid_t	 traffic_pid;
};

static volatile sig_atomic_t	 demo_stop;
/* The loader's cancel handle while a statement runs, for demo_interrupt. */
static PGcancel *volatile	 demo_cancel_pg;

static double
demo_now(void)
{
	return ((double)util_now_ms() / 1000.0);
}

static void
demo_sleep_ms(long ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/* A libpq conninfo value: single-quoted, backslash and quote escaped. */
static void
demo_conninfo_value(struct buf *b, const char *s)
{
	buf_putc(b, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'' || *s == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *s);
	}
	buf_putc(b, '\'');
}

static char *
demo_make_conninfo(const char *dir, const char *dbname)
{
	struct buf	b;

	buf_init(&b);
	buf_puts(&b, "host=");
	demo_conninfo_value(&b, dir);
	buf_printf(&b, " port=%s user=postgres dbname=%s", DEMO_PORT, dbname);
	return (buf_detach(&b));
}

/* "1,000,000": the counts a person reads in progress lines. */
static char *
demo_fmt_count(long long n)
{
	char		 digits[32];
	struct buf	 b;
	size_t		 i, len;

	snprintf(digits, sizeof digits, "%lld", n);
	len = strlen(digits);
	buf_init(&b);
	for (i = 0; i < len; i++) {
		if (i > 0 && digits[i - 1] != '-' && (len - i) % 3 == 0)
			buf_putc(&b, ',');
		buf_putc(&b, digits[i]);
	}
	return (buf_detach(&b));
}


/* The last lines of a log, indented, without a final newline, for an
 * error message; "" when the log is missing or empty.  Allocated. */
static char *
demo_log_tail(const char *path)
{
	struct buf	 b;
	char		*text, *cause = NULL, *p, *start;
	int		 lines = 0;

	if ((text = util_read_file(path, NULL, &cause)) == NULL) {
		free(cause);
		return (xstrdup(""));
	}
	p = text + strlen(text);
	while (p > text && p[-1] == '\n')
		*--p = '\0';
	start = p;
	while (start > text && lines < DEMO_LOG_LINES) {
		start--;
		if (*start == '\n' && ++lines == DEMO_LOG_LINES) {
			start++;
			break;
		}
	}
	buf_init(&b);
	for (p = start; *p != '\0'; p++) {
		if (p == start || p[-1] == '\n')
			buf_puts(&b, "    ");
		buf_putc(&b, *p);
	}
	free(text);
	return (buf_detach(&b));
}

static int
demo_is_bindir(const char *dir)
{
	static const char *const need[] = { "initdb", "pg_ctl", "postgres" };
	char	*p;
	size_t	 i;
	int	 ok = 1;

	for (i = 0; ok && i < nitems(need); i++) {
		p = xasprintf("%s/%s", dir, need[i]);
		ok = access(p, X_OK) == 0;
		free(p);
	}
	return (ok);
}

char *
demo_find_bindir(char **cause)
{
	glob_t		 g;
	const char	*best = NULL, *v;
	char		*found = NULL;
	long		 n, bestn = -1;
	size_t		 i;

	if (*PG_BINDIR != '\0' && demo_is_bindir(PG_BINDIR))
		return (xstrdup(PG_BINDIR));
	/* Debian installs each major version side by side; take the newest. */
	if (glob("/usr/lib/postgresql/*/bin", 0, NULL, &g) == 0) {
		for (i = 0; i < g.gl_pathc; i++) {
			v = g.gl_pathv[i] + strlen("/usr/lib/postgresql/");
			n = strtol(v, NULL, 10);
			if (n > bestn && demo_is_bindir(g.gl_pathv[i])) {
				bestn = n;
				best = g.gl_pathv[i];
			}
		}
		if (best != NULL)
			found = xstrdup(best);
		globfree(&g);
	}
	if (found == NULL)
		*cause = xasprintf("the PostgreSQL server binaries (initdb, "
		    "pg_ctl, postgres) are not installed: looked in %s%s"
		    "/usr/lib/postgresql/*/bin.\nInstall the Debian package "
		    "postgresql (apt-get install postgresql) and try again.",
		    *PG_BINDIR != '\0' ? PG_BINDIR : "",
		    *PG_BINDIR != '\0' ? " and " : "");
	return (found);
}

/* Whether PID runs: a zombie no longer does, and an orphaned postmaster
 * may stay one for a while where PID 1 is slow to reap. */
static int
demo_alive(pid_t pid)
{
	char	 path[64], stat[512], *p;
	FILE	*f;
	size_t	 n;

	if (kill(pid, 0) != 0 && errno == ESRCH)
		return (0);
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (1);
	n = fread(stat, 1, sizeof stat - 1, f);
	fclose(f);
	stat[n] = '\0';
	if ((p = strrchr(stat, ')')) != NULL && p[1] == ' ' && p[2] == 'Z')
		return (0);
	return (1);
}

static pid_t
demo_postmaster_pid(const char *datadir)
{
	char	 path[4096], line[64];
	FILE	*f;
	long	 pid = 0;

	snprintf(path, sizeof path, "%s/postmaster.pid", datadir);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	if (fgets(line, sizeof line, f) != NULL)
		pid = strtol(line, NULL, 10);
	fclose(f);
	return (pid > 0 ? (pid_t)pid : 0);
}

static int
demo_wait_gone(pid_t pid, long ms)
{
	for (; ms > 0; ms -= 50) {
		if (!demo_alive(pid))
			return (0);
		demo_sleep_ms(50);
	}
	return (demo_alive(pid) ? -1 : 0);
}

/*
 * Stop the server of DATADIR: SIG first (SIGINT fast shutdown, SIGQUIT
 * immediate), then immediate, then SIGKILL.  Signals rather than pg_ctl:
 * root may signal the server's user, and the watchdog needs no exec.
 * Used by the watchdog too, so only plain system calls.
 */
static void
demo_halt(const char *datadir, int sig, long ms)
{
	pid_t	pid;

	if ((pid = demo_postmaster_pid(datadir)) == 0 || !demo_alive(pid))
		return;
	kill(pid, sig);
	if (demo_wait_gone(pid, ms) == 0)
		return;
	if (sig != SIGQUIT) {
		kill(pid, SIGQUIT);
		if (demo_wait_gone(pid, 5000) == 0)
			return;
	}
	kill(pid, SIGKILL);
	demo_wait_gone(pid, 2000);
}

static int
demo_remove_one(const char *path, const struct stat *sb, int type,
    struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	remove(path);
	return (0);
}

static void
demo_remove_dir(const char *dir)
{
	nftw(dir, demo_remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static void
demo_devnull(void)
{
	int	fd;

	if ((fd = open("/dev/null", O_RDWR)) == -1)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

/*
 * The watchdog: blocks on the read end of a pipe whose only write end
 * bellows holds (close-on-exec, closed in the traffic child).  A byte means
 * disarmed; end of file means bellows is gone, however it went, and that is
 * when the server is stopped and the directory removed.  A pipe rather than
 * PR_SET_PDEATHSIG alone: no window where bellows dies before the prctl,
 * and no signal to handle.  Its own session, and signals from the terminal
 * ignored, so that Ctrl-C does not take it down before bellows.
 */
static void __attribute__((noreturn))
demo_watchdog(const char *dir, const char *datadir, int fd)
{
	char	c;
	ssize_t	n;

	setsid();
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	demo_devnull();
	do
		n = read(fd, &c, 1);
	while (n == -1 && errno == EINTR);
	if (n == 1)
		_exit(0);
	/* A pg_ctl start that was under way may still bring a server up. */
	demo_sleep_ms(200);
	demo_halt(datadir, SIGQUIT, 5000);
	demo_remove_dir(dir);
	_exit(0);
}

static void
demo_disarm(struct demo *d)
{
	if (d->watchdog_fd != -1) {
		(void)write(d->watchdog_fd, "k", 1);
		close(d->watchdog_fd);
		d->watchdog_fd = -1;
	}
	if (d->watchdog_pid > 0) {
		while (waitpid(d->watchdog_pid, NULL, 0) == -1 && errno == EINTR)
			;
		d->watchdog_pid = 0;
	}
}

/*
 * Under root, whether the server's user can work in the directory: a TMPDIR
 * private to root would make initdb fail with a message about permissions
 * that does not say what to do.
 */
static int
demo_user_can_reach(struct demo *d)
{
	pid_t	pid;
	int	status;

	if ((pid = fork()) == -1)
		return (1);	/* let initdb say */
	if (pid == 0) {
		if (initgroups(d->user, d->gid) != 0 || setgid(d->gid) != 0 ||
		    setuid(d->uid) != 0)
			_exit(1);
		_exit(access(d->dir, R_OK | W_OK | X_OK) == 0 ? 0 : 1);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return (1);
	return (WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

struct demo *
demo_create(const char *bindir, char **cause)
{
	struct demo	*d;
	struct passwd	*pw;
	const char	*tmp;
	char		*q, *qd, *qb;
	int		 fds[2];
	pid_t		 pid;

	d = xcalloc(1, sizeof *d);
	d->watchdog_fd = -1;
	d->bindir = xstrdup(bindir);
	if (geteuid() == 0) {
		/* The server refuses to run as root. */
		if ((pw = getpwnam("postgres")) == NULL) {
			*cause = xasprintf("bellows runs as root and there is no "
			    "`postgres` system user to run the server as "
			    "(the Debian package postgresql creates it)");
			goto fail;
		}
		d->run_as = 1;
		d->user = xstrdup(pw->pw_name);
		d->uid = pw->pw_uid;
		d->gid = pw->pw_gid;
	}

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	d->dir = xasprintf("%s/bellows-demo.XXXXXX", tmp);
	if (strlen(d->dir) + sizeof "/.s.PGSQL." DEMO_PORT >
	    sizeof ((struct sockaddr_un *)NULL)->sun_path) {
		*cause = xasprintf("the server's socket path under TMPDIR "
		    "(%s) would be too long for a Unix socket; set "
		    "TMPDIR=/tmp", tmp);
		goto fail;
	}
	if (mkdtemp(d->dir) == NULL) {
		*cause = xasprintf("cannot make a directory under %s: %s",
		    tmp, strerror(errno));
		goto fail;
	}
	if (d->run_as && chown(d->dir, d->uid, d->gid) != 0) {
		*cause = xasprintf("chown %s: %s", d->dir, strerror(errno));
		rmdir(d->dir);
		goto fail;
	}
	if (d->run_as && !demo_user_can_reach(d)) {
		*cause = xasprintf("the %s user, which runs the server, cannot "
		    "enter %s: a directory above it is private; set TMPDIR to "
		    "a directory it can reach, e.g. TMPDIR=/tmp", d->user,
		    d->dir);
		rmdir(d->dir);
		goto fail;
	}
	d->datadir = xasprintf("%s/data", d->dir);
	d->conninfo = demo_make_conninfo(d->dir, DEMO_DBNAME);
	d->admin = demo_make_conninfo(d->dir, "postgres");

	qd = util_shquote(d->dir);
	d->psql = xasprintf("psql -h %s -p %s -U postgres %s", qd, DEMO_PORT,
	    DEMO_DBNAME);
	q = xasprintf("%s/pg_ctl", d->bindir);
	qb = util_shquote(q);
	free(q);
	q = util_shquote(d->datadir);
	d->stop = xasprintf("%s%s%s%s -D %s -m fast stop && rm -rf %s",
	    d->run_as ? "runuser -u " : "", d->run_as ? d->user : "",
	    d->run_as ? " -- " : "", qb, q, qd);
	free(q);
	free(qb);
	free(qd);

	fflush(NULL);
	if (pipe2(fds, O_CLOEXEC) != 0) {
		*cause = xasprintf("pipe: %s", strerror(errno));
		rmdir(d->dir);
		goto fail;
	}
	if ((pid = fork()) == -1) {
		*cause = xasprintf("fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		rmdir(d->dir);
		goto fail;
	}
	if (pid == 0) {
		close(fds[1]);
		demo_watchdog(d->dir, d->datadir, fds[0]);
	}
	close(fds[0]);
	d->watchdog_fd = fds[1];
	d->watchdog_pid = pid;
	return (d);

fail:
	/* Nothing to stop; the directory, if made, is already gone. */
	free(d->dir);
	d->dir = NULL;
	demo_destroy(d);
	return (NULL);
}

/*
 * Run ARGV (a server binary, by path) as the server's user with its output
 * appended to LOG; wait for it.  0 when it exits 0, else -1 and *CAUSE
 * naming WHAT and the end of LOG.  demo_interrupt() sends it SIGTERM.
 */
static int
demo_run(struct demo *d, const char *what, char *const argv[], const char *log,
    char **cause)
{
	pid_t	 pid, parent = getpid();
	int	 fd, status, killed = 0;
	char	*tail;

	if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0644)) == -1) {
		*cause = xasprintf("%s: %s", log, strerror(errno));
		return (-1);
	}
	fflush(NULL);
	if ((pid = fork()) == -1) {
		*cause = xasprintf("fork: %s", strerror(errno));
		close(fd);
		return (-1);
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		demo_devnull();
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (chdir(d->dir) != 0)
			_exit(127);
		if (d->run_as && (initgroups(d->user, d->gid) != 0 ||
		    setgid(d->gid) != 0 || setuid(d->uid) != 0)) {
			dprintf(STDERR_FILENO, "bellows: cannot become %s: %s\n",
			    d->user, strerror(errno));
			_exit(127);
		}
		/* After setuid, which clears it: dies with bellows.  A server
		 * that pg_ctl forked does not inherit it; the watchdog
		 * handles that one. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		execv(argv[0], argv);
		dprintf(STDERR_FILENO, "bellows: %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	close(fd);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			*cause = xasprintf("waitpid: %s", strerror(errno));
			return (-1);
		}
		if (demo_stop && !killed) {
			kill(pid, SIGTERM);
			killed = 1;
		}
	}
	if (demo_stop) {
		*cause = xstrdup("interrupted");
		return (-1);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return (0);
	tail = demo_log_tail(log);
	if (WIFEXITED(status))
		*cause = xasprintf("%s failed (exit %d); the end of its log:\n%s",
		    what, WEXITSTATUS(status), tail);
	else
		*cause = xasprintf("%s failed (%s); the end of its log:\n%s",
		    what, strsignal(WTERMSIG(status)), tail);
	free(tail);
	return (-1);
}

/* Append a string setting to postgresql.conf, quoted. */
static void
demo_conf_string(FILE *f, const char *name, const char *value)
{
	fprintf(f, "%s = '", name);
	for (; *value != '\0'; value++) {
		if (*value == '\'')
			fputc('\'', f);
		fputc(*value, f);
	}
	fputs("'\n", f);
}

int
demo_initdb(struct demo *d, char **cause)
{
	char	*argv[16], *initdb, *log, *conf;
	FILE	*f;
	int	 rc, n = 0;

	initdb = xasprintf("%s/initdb", d->bindir);
	log = xasprintf("%s/initdb.log", d->dir);
	argv[n++] = initdb;
	argv[n++] = (char *)"-D";
	argv[n++] = d->datadir;
	argv[n++] = (char *)"-U";
	argv[n++] = (char *)"postgres";
	argv[n++] = (char *)"-A";
	argv[n++] = (char *)"trust";
	argv[n++] = (char *)"-E";
	argv[n++] = (char *)"UTF8";
	argv[n++] = (char *)"--locale=C.UTF-8";
	argv[n++] = (char *)"--no-sync";
	argv[n] = NULL;
	rc = demo_run(d, "initdb", argv, log, cause);
	free(log);
	free(initdb);
	if (rc != 0)
		return (-1);

	/*
	 * In postgresql.conf rather than on the command line, so that a kept
	 * server restarts the same way.  Speed over safety: a crash may lose
	 * the demo, and that is fine.  wal_level = minimal lets the load skip
	 * the WAL (tables created in the loading transaction).
	 */
	conf = xasprintf("%s/postgresql.conf", d->datadir);
	f = fopen(conf, "a");
	if (f == NULL) {
		*cause = xasprintf("%s: %s", conf, strerror(errno));
		free(conf);
		return (-1);
	}
	fputs("\n# bellows demo: a scratch server on a Unix socket only, fast "
	    "and unsafe.\n", f);
	demo_conf_string(f, "listen_addresses", "");
	demo_conf_string(f, "unix_socket_directories", d->dir);
	fputs("port = " DEMO_PORT "\n"
	    "max_connections = 50\n"
	    "shared_buffers = '128MB'\n"
	    "maintenance_work_mem = '256MB'\n"
	    "fsync = off\n"
	    "synchronous_commit = off\n"
	    "full_page_writes = off\n"
	    "wal_level = minimal\n"
	    "max_wal_senders = 0\n"
	    "max_wal_size = '2GB'\n"
	    "checkpoint_timeout = '30min'\n"
	    "log_lock_waits = on\n", f);
	if (fclose(f) != 0) {
		*cause = xasprintf("%s: %s", conf, strerror(errno));
		free(conf);
		return (-1);
	}
	free(conf);
	return (0);
}

int
demo_start(struct demo *d, char **cause)
{
	struct conn_error	 err = { 0 };
	struct conn		*c;
	char			*argv[16], *pg_ctl, *log, *slog, *m, *tail;
	int			 rc, n = 0;

	pg_ctl = xasprintf("%s/pg_ctl", d->bindir);
	log = xasprintf("%s/pg_ctl.log", d->dir);
	slog = xasprintf("%s/server.log", d->dir);
	argv[n++] = pg_ctl;
	argv[n++] = (char *)"-D";
	argv[n++] = d->datadir;
	argv[n++] = (char *)"-l";
	argv[n++] = slog;
	argv[n++] = (char *)"-w";
	argv[n++] = (char *)"-t";
	argv[n++] = (char *)"60";
	argv[n++] = (char *)"start";
	argv[n] = NULL;
	rc = demo_run(d, "pg_ctl start", argv, log, cause);
	if (rc != 0 && !demo_stop) {
		/* pg_ctl's own log says little; the server's says why. */
		tail = demo_log_tail(slog);
		if (*tail != '\0') {
			free(*cause);
			*cause = xasprintf("the server did not start; the end of "
			    "its log:\n%s", tail);
		}
		free(tail);
	}
	free(slog);
	free(log);
	free(pg_ctl);
	if (rc != 0)
		return (-1);

	if ((c = conn_open(d->admin, DEMO_APPNAME, &err)) == NULL ||
	    conn_command(c, "CREATE DATABASE " DEMO_DBNAME, 0, NULL,
	    &err) != 0) {
		m = conn_error_format(&err);
		*cause = xasprintf("cannot create the database %s: %s",
		    DEMO_DBNAME, m);
		free(m);
		conn_error_clear(&err);
		conn_close(c);
		return (-1);
	}
	conn_close(c);
	return (0);
}

/* Install or drop the loader's cancel handle with signals held, so that
 * demo_interrupt never sees a handle being freed. */
static void
demo_set_cancel(PGconn *pg)
{
	sigset_t	 all, old;
	PGcancel	*prev;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	prev = demo_cancel_pg;
	demo_cancel_pg = pg != NULL ? PQgetCancel(pg) : NULL;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (prev != NULL)
		PQfreeCancel(prev);
}

void
demo_interrupt(void)
{
	char	errbuf[256];

	demo_stop = 1;
	if (demo_cancel_pg != NULL)
		PQcancel(demo_cancel_pg, errbuf, sizeof errbuf);
}

int
demo_interrupted(void)
{
	return (demo_stop != 0);
}

/* A section of demo-schema.sql: a label and the SQL up to the next one. */
struct demo_section {
	char	*label;
	char	*sql;
};

/* Replace {users} and {orders} in a label with the counts. */
static char *
demo_label(const char *s, const char *users, const char *orders)
{
	struct buf	b;

	buf_init(&b);
	while (*s != '\0') {
		if (strncmp(s, "{users}", 7) == 0) {
			buf_puts(&b, users);
			s += 7;
		} else if (strncmp(s, "{orders}", 8) == 0) {
			buf_puts(&b, orders);
			s += 8;
		} else
			buf_putc(&b, *s++);
	}
	return (buf_detach(&b));
}

static struct demo_section *
demo_sections(char *text, const char *users, const char *orders, size_t *np)
{
	static const char	 mark[] = "-- demo: ";
	struct demo_section	*v = NULL;
	struct buf		 sql;
	char			*line, *next;
	size_t			 n = 0;

	buf_init(&sql);
	for (line = text; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strncmp(line, mark, sizeof mark - 1) == 0) {
			if (n > 0)
				v[n - 1].sql = buf_detach(&sql);
			buf_free(&sql);
			buf_init(&sql);
			v = xreallocarray(v, n + 1, sizeof *v);
			v[n].label = demo_label(line + sizeof mark - 1, users,
			    orders);
			v[n++].sql = NULL;
		} else if (n > 0) {
			buf_puts(&sql, line);
			buf_putc(&sql, '\n');
		}
	}
	if (n > 0)
		v[n - 1].sql = buf_detach(&sql);
	buf_free(&sql);
	*np = n;
	return (v);
}

static char *
demo_sql_error(const char *what, struct conn_error *err)
{
	char	*m, *cause;

	if (demo_stop)
		cause = xstrdup("interrupted");
	else {
		m = conn_error_format(err);
		cause = xasprintf("%s: %s", what, m);
		free(m);
	}
	conn_error_clear(err);
	return (cause);
}

int
demo_load(struct demo *d, long long users, long long orders,
    demo_progress_cb *progress, void *arg, char **cause)
{
	struct conn_error	 err = { 0 };
	struct conn		*c = NULL;
	struct demo_section	*sec = NULL;
	const char		*params[2];
	char			*path, *text, *su, *so, nu[32], no[32];
	size_t			 i, n = 0;
	double			 t0;
	int			 rc = -1;

	path = util_share_file(DEMO_SCHEMA_SQL);
	text = util_read_file(path, NULL, cause);
	free(path);
	if (text == NULL)
		return (-1);
	su = demo_fmt_count(users);
	so = demo_fmt_count(orders);
	sec = demo_sections(text, su, so, &n);
	free(so);
	free(su);
	free(text);
	if (n == 0) {
		*cause = xasprintf("%s has no \"-- demo:\" section",
		    DEMO_SCHEMA_SQL);
		goto out;
	}

	if ((c = conn_open(d->conninfo, DEMO_APPNAME, &err)) == NULL) {
		*cause = demo_sql_error("cannot connect", &err);
		goto out;
	}
	snprintf(nu, sizeof nu, "%lld", users);
	snprintf(no, sizeof no, "%lld", orders);
	params[0] = nu;
	params[1] = no;
	if (conn_command(c, "SELECT set_config('bellows_demo.users', $1, "
	    "false), set_config('bellows_demo.orders', $2, false)", 2, params,
	    &err) != 0 || conn_command(c, "BEGIN", 0, NULL, &err) != 0) {
		*cause = demo_sql_error("cannot start loading", &err);
		goto out;
	}
	demo_set_cancel(conn_pg(c));
	for (i = 0; i < n; i++) {
		if (demo_stop) {
			*cause = xstrdup("interrupted");
			goto out;
		}
		progress(arg, sec[i].label, -1);
		t0 = demo_now();
		if (conn_command(c, sec[i].sql, 0, NULL, &err) != 0) {
			*cause = demo_sql_error(sec[i].label, &err);
			goto out;
		}
		progress(arg, sec[i].label, demo_now() - t0);
	}
	if (conn_command(c, "COMMIT", 0, NULL, &err) != 0) {
		*cause = demo_sql_error("COMMIT", &err);
		goto out;
	}
	rc = 0;
out:
	demo_set_cancel(NULL);
	conn_close(c);
	for (i = 0; i < n; i++) {
		free(sec[i].label);
		free(sec[i].sql);
	}
	free(sec);
	return (rc);
}

/* ------------------------------------------------------------ traffic */

static volatile sig_atomic_t	demo_traffic_done;

static void
demo_traffic_on_term(int sig)
{
	(void)sig;
	demo_traffic_done = 1;
}

/* xorshift64*: ids spread over the table; no need for quality. */
static unsigned long long
demo_random(unsigned long long *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (*s * 2685821657736338717ULL);
}

/* A random order id, as text for a parameter. */
static void
demo_order_id(char *id, size_t len, unsigned long long *seed,
    long long orders)
{
	snprintf(id, len, "%llu",
	    1 + demo_random(seed) % (unsigned long long)orders);
}

/*
 * The application: two sessions, each a short transaction on a random
 * order about twice a second.  The reader looks an order and its user up;
 * the writer updates an order's status.  Both hold their transaction open a
 * few hundred milliseconds (the application "thinking"), so the console's
 * sessions region shows them idle in transaction with their locks on
 * orders, and a DDL step that wants ACCESS EXCLUSIVE briefly queues behind
 * them, with their next statements queued behind it: the lock queue the
 * console draws.  Never longer than lock_timeout, so the plan goes through.
 * Errors (a lock timeout, a cancel) roll back and carry on; a lost
 * connection ends it.
 */
static void __attribute__((noreturn))
demo_traffic(const char *conninfo, long long orders)
{
	static const char *const statuses[] = {
		"paid", "shipped", "delivered", "cancelled"
	};
	struct conn_error	 err = { 0 };
	struct conn		*rd, *wr;
	PGresult		*res;
	const char		*params[2];
	char			 id[32];
	unsigned long long	 seed;
	unsigned int		 i = 0;
	int			 rd_ok, wr_ok;

	seed = ((unsigned long long)getpid() << 32) ^
	    (unsigned long long)time(NULL) ^ 0x9e3779b97f4a7c15ULL;
	if ((rd = conn_open(conninfo, "demo-app", &err)) == NULL ||
	    (wr = conn_open(conninfo, "demo-app", &err)) == NULL)
		_exit(1);
	/* What an application sets: no statement of its own runs forever. */
	conn_command(rd, "SET statement_timeout = '10s'", 0, NULL, &err);
	conn_command(wr, "SET statement_timeout = '10s'", 0, NULL, &err);
	conn_error_clear(&err);

	while (!demo_traffic_done && conn_alive(rd) && conn_alive(wr)) {
		demo_order_id(id, sizeof id, &seed, orders);
		params[0] = id;
		rd_ok = conn_command(rd, "BEGIN", 0, NULL, &err) == 0 &&
		    (res = conn_exec(rd, "SELECT o.id, o.amount, o.status, "
		    "u.email FROM orders o JOIN users u ON u.id = o.user_id "
		    "WHERE o.id = $1", 1, params, &err)) != NULL;
		if (rd_ok)
			PQclear(res);
		conn_error_clear(&err);

		demo_order_id(id, sizeof id, &seed, orders);
		params[0] = id;
		params[1] = statuses[i++ % nitems(statuses)];
		wr_ok = conn_command(wr, "BEGIN", 0, NULL, &err) == 0 &&
		    conn_command(wr, "UPDATE orders SET status = $2 "
		    "WHERE id = $1", 2, params, &err) == 0;
		conn_error_clear(&err);

		demo_sleep_ms(200 + (long)(demo_random(&seed) % 200));
		conn_command(rd, rd_ok ? "COMMIT" : "ROLLBACK", 0, NULL, &err);
		conn_error_clear(&err);
		conn_command(wr, wr_ok ? "COMMIT" : "ROLLBACK", 0, NULL, &err);
		conn_error_clear(&err);
		if (!demo_traffic_done)
			demo_sleep_ms(100 + (long)(demo_random(&seed) % 150));
	}
	conn_close(rd);
	conn_close(wr);
	_exit(0);
}

int
demo_traffic_start(struct demo *d, long long orders, char **cause)
{
	struct sigaction	 sa;
	pid_t			 pid, parent = getpid();

	if (d->traffic_pid > 0)
		return (0);
	fflush(NULL);
	if ((pid = fork()) == -1) {
		*cause = xasprintf("fork: %s", strerror(errno));
		return (-1);
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		/* Only bellows may hold the watchdog's pipe open. */
		if (d->watchdog_fd != -1)
			close(d->watchdog_fd);
		/* Ctrl-C and a hang-up are for bellows, which then stops us
		 * with SIGTERM; nothing of ours may reach the terminal. */
		signal(SIGINT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = demo_traffic_on_term;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		demo_devnull();
		demo_traffic(d->conninfo, orders);
	}
	d->traffic_pid = pid;
	return (0);
}

void
demo_traffic_stop(struct demo *d)
{
	int	ms;

	if (d->traffic_pid <= 0)
		return;
	kill(d->traffic_pid, SIGTERM);
	for (ms = 0; ms < 3000; ms += 20) {
		if (waitpid(d->traffic_pid, NULL, WNOHANG) == d->traffic_pid) {
			d->traffic_pid = 0;
			return;
		}
		demo_sleep_ms(20);
	}
	kill(d->traffic_pid, SIGKILL);
	while (waitpid(d->traffic_pid, NULL, 0) == -1 && errno == EINTR)
		;
	d->traffic_pid = 0;
}

const char *
demo_dir(struct demo *d)
{
	return (d->dir);
}

const char *
demo_conninfo(struct demo *d)
{
	return (d->conninfo);
}

const char *
demo_psql_command(struct demo *d)
{
	return (d->psql);
}

const char *
demo_stop_command(struct demo *d)
{
	return (d->stop);
}

static void
demo_free(struct demo *d)
{
	free(d->bindir);
	free(d->dir);
	free(d->datadir);
	free(d->conninfo);
	free(d->admin);
	free(d->psql);
	free(d->stop);
	free(d->user);
	free(d);
}

void
demo_destroy(struct demo *d)
{
	if (d == NULL)
		return;
	demo_traffic_stop(d);
	if (d->datadir != NULL)
		demo_halt(d->datadir, SIGINT, 30000);
	if (d->dir != NULL)
		demo_remove_dir(d->dir);
	demo_disarm(d);
	demo_free(d);
}

void
demo_keep_server(struct demo *d)
{
	demo_disarm(d);
}

void
demo_keep(struct demo *d)
{
	demo_traffic_stop(d);
	demo_disarm(d);
	demo_free(d);
}
