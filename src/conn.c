/* conn: see conn.h. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "util.h"

struct conn {
	PGconn		*pg;
	char		*describe;
	/* Results of the running asynchronous command: the first error
	 * wins, else the last result is handed back. */
	PGresult	*last;
	struct conn_error pending;
	int		 failed;
	int		 busy;
	/* An async command finished early by conn_exec (see conn_drain):
	 * conn_poll hands its outcome over at the next call. */
	int		 drained;
	int		 drained_rc;
};

void
conn_error_clear(struct conn_error *err)
{
	free(err->message);
	free(err->detail);
	free(err->hint);
	memset(err, 0, sizeof *err);
}

int
conn_error_is(const struct conn_error *err, const char *sqlstate)
{
	return (strcmp(err->sqlstate, sqlstate) == 0);
}

char *
conn_error_format(const struct conn_error *err)
{
	struct buf	b;

	buf_init(&b);
	if (err->sqlstate[0] != '\0')
		buf_printf(&b, "ERROR %s: ", err->sqlstate);
	buf_puts(&b, err->message != NULL ? err->message : "unknown error");
	if (err->detail != NULL)
		buf_printf(&b, " (DETAIL: %s)", err->detail);
	if (err->hint != NULL)
		buf_printf(&b, " (HINT: %s)", err->hint);
	return (buf_detach(&b));
}

/* libpq messages end with a newline and may span lines; keep one line. */
static char *
conn_tidy(const char *s)
{
	char	*p, *q;

	if (s == NULL || *s == '\0')
		return (NULL);
	/* Fold newlines and the indentation after them into one space. */
	p = xmalloc(strlen(s) + 1);
	for (q = p; *s != '\0'; s++) {
		if (*s == '\n') {
			while (s[1] == '\t' || s[1] == ' ')
				s++;
			if (s[1] != '\0' && q != p)
				*q++ = ' ';
			continue;
		}
		*q++ = *s;
	}
	*q = '\0';
	return (p);
}

static void
conn_set_error(struct conn_error *err, const char *sqlstate, const char *msg)
{
	conn_error_clear(err);
	snprintf(err->sqlstate, sizeof err->sqlstate, "%s",
	    sqlstate != NULL ? sqlstate : "");
	err->message = conn_tidy(msg);
	if (err->message == NULL)
		err->message = xstrdup("unknown error");
}

/*
 * Where CONNINFO spells a password: the password's bytes (still quoted or
 * percent-encoded) as OFF/LEN pairs, at most MAX, following libpq's two
 * syntaxes: "keyword = value" pairs, where a value is 'quoted' (with \
 * escapes) or runs to the next blank, and URIs, whose password is in the
 * user info (scheme://user:PASSWORD@host) or in a query parameter
 * (?password=PASSWORD&...).  Returns the number found.
 */
static int
conn_password_spans(const char *s, size_t *off, size_t *len, int max)
{
	const char	*p, *k, *v, *end;
	size_t		 klen;
	int		 n = 0;

	if (strncmp(s, "postgresql://", 13) == 0 ||
	    strncmp(s, "postgres://", 11) == 0) {
		p = strstr(s, "://") + 3;
		end = p + strcspn(p, "@/");
		if (*end == '@' && (v = memchr(p, ':', end - p)) != NULL &&
		    n < max) {
			off[n] = v + 1 - s;
			len[n++] = end - (v + 1);
		}
		if ((p = strchr(p, '?')) == NULL)
			return (n);
		for (p++; *p != '\0' && n < max; p += *p == '&') {
			k = p;
			p += strcspn(p, "&");
			if (strncmp(k, "password=", 9) == 0) {
				off[n] = k + 9 - s;
				len[n++] = p - (k + 9);
			}
		}
		return (n);
	}
	for (p = s; *p != '\0' && n < max;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		k = p;
		while (*p != '\0' && *p != '=' && !strchr(" \t\n\r", *p))
			p++;
		klen = p - k;
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p != '=')
			break;		/* not a conninfo string (a name) */
		p++;
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p == '\'') {
			v = ++p;
			while (*p != '\0' && *p != '\'')
				p += p[0] == '\\' && p[1] != '\0' ? 2 : 1;
			end = p;
			if (*p == '\'')
				p++;
		} else {
			v = p;
			while (*p != '\0' && !strchr(" \t\n\r", *p))
				p += p[0] == '\\' && p[1] != '\0' ? 2 : 1;
			end = p;
		}
		if (klen == 8 && strncmp(k, "password", 8) == 0) {
			off[n] = v - s;
			len[n++] = end - v;
		}
	}
	return (n);
}

/* The password CONNINFO gives, as libpq reads it (NULL when none). */
static char *
conn_password(const char *conninfo)
{
	PQconninfoOption	*opts, *o;
	char			*pw = NULL;

	if ((opts = PQconninfoParse(conninfo, NULL)) == NULL)
		return (NULL);
	for (o = opts; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL &&
		    *o->val != '\0')
			pw = xstrdup(o->val);
	}
	PQconninfoFree(opts);
	return (pw);
}

int
conn_hide_password(char *conninfo)
{
	size_t	 off[8], len[8];
	char	*before, *after;
	int	 i, n, blank;

	before = conn_password(conninfo);
	n = conn_password_spans(conninfo, off, len, nitems(off));
	for (i = 0; i < n; i++)
		memset(conninfo + off[i], 'x', len[i]);
	after = conn_password(conninfo);
	/* Spelt in a way we did not follow: hide it all. */
	blank = before != NULL && after != NULL && strcmp(before, after) == 0;
	if (blank)
		memset(conninfo, ' ', strlen(conninfo));
	free(before);
	free(after);
	return (n > 0 || blank);
}

/* Replace every occurrence of NEEDLE (LEN bytes) in *S with "xxxxx". */
static void
conn_scrub(char **s, const char *needle, size_t len)
{
	struct buf	 b;
	const char	*p, *q;

	if (len == 0 || *s == NULL)
		return;
	buf_init(&b);
	for (p = *s; (q = memmem(p, strlen(p), needle, len)) != NULL;
	    p = q + len) {
		buf_append(&b, p, q - p);
		buf_puts(&b, "xxxxx");
	}
	buf_puts(&b, p);
	free(*s);
	*s = buf_detach(&b);
}

/* ERR's message without the password CONNINFO spells (libpq quotes parts
 * of a malformed conninfo or URI back in its errors). */
static void
conn_error_hide(struct conn_error *err, const char *conninfo)
{
	size_t	 off[8], len[8];
	char	*pw;
	int	 i, n;

	if (conninfo == NULL)
		return;
	n = conn_password_spans(conninfo, off, len, nitems(off));
	for (i = 0; i < n; i++)
		conn_scrub(&err->message, conninfo + off[i], len[i]);
	if ((pw = conn_password(conninfo)) != NULL) {
		conn_scrub(&err->message, pw, strlen(pw));
		free(pw);
	}
}

struct conn *
conn_open(const char *conninfo, const char *appname, struct conn_error *err)
{
	return (conn_open_options(conninfo, appname, NULL, err));
}

struct conn *
conn_open_options(const char *conninfo, const char *appname,
    const char *options, struct conn_error *err)
{
	/* dbname first: a conninfo or URI in it is expanded in place, and
	 * the keywords after it (ours) win over what it says.  A NULL
	 * options leaves the list there, so PGOPTIONS still applies. */
	const char *const keys[] = {
		"dbname", "application_name", "connect_timeout", "options", NULL
	};
	const char *const vals[] = {
		conninfo != NULL && *conninfo != '\0' ? conninfo : NULL,
		appname, getenv("PGCONNECT_TIMEOUT") != NULL ?
		    getenv("PGCONNECT_TIMEOUT") : "10", options, NULL
	};
	struct conn	*c;
	PGconn		*pg;
	const char	*host;

	pg = PQconnectdbParams(keys, vals, 1);
	if (pg == NULL) {
		conn_set_error(err, "08001", "out of memory creating connection");
		return (NULL);
	}
	if (PQstatus(pg) != CONNECTION_OK) {
		conn_set_error(err, "08001", PQerrorMessage(pg));
		conn_error_hide(err, conninfo);
		PQfinish(pg);
		return (NULL);
	}
	c = xcalloc(1, sizeof *c);
	c->pg = pg;
	host = PQhost(pg);
	c->describe = xasprintf("%s@%s:%s/%s", PQuser(pg),
	    host != NULL && *host != '\0' ? host : "localhost", PQport(pg),
	    PQdb(pg));
	return (c);
}

void
conn_close(struct conn *c)
{
	if (c == NULL)
		return;
	PQclear(c->last);
	conn_error_clear(&c->pending);
	PQfinish(c->pg);
	free(c->describe);
	free(c);
}

int
conn_reset(struct conn *c, struct conn_error *err)
{
	PQclear(c->last);
	c->last = NULL;
	conn_error_clear(&c->pending);
	c->busy = c->drained = c->failed = 0;
	PQreset(c->pg);
	if (PQstatus(c->pg) != CONNECTION_OK) {
		conn_set_error(err, "08001", PQerrorMessage(c->pg));
		return (-1);
	}
	return (0);
}

PGconn *
conn_pg(struct conn *c)
{
	return (c->pg);
}

int
conn_server_version(struct conn *c)
{
	return (PQserverVersion(c->pg));
}

int
conn_backend_pid(struct conn *c)
{
	return (PQbackendPID(c->pg));
}

int
conn_socket(struct conn *c)
{
	return (PQsocket(c->pg));
}

const char *
conn_describe(struct conn *c)
{
	return (c->describe);
}

int
conn_alive(struct conn *c)
{
	return (PQstatus(c->pg) == CONNECTION_OK);
}

PGresult *
conn_check(struct conn *c, PGresult *res, struct conn_error *err)
{
	const char	*pos;

	if (res == NULL) {
		conn_set_error(err, PQstatus(c->pg) == CONNECTION_OK ?
		    "" : CONN_CONNECTION_LOST, PQerrorMessage(c->pg));
		return (NULL);
	}
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_SINGLE_TUPLE:
	case PGRES_COPY_OUT:
	case PGRES_COPY_IN:
	case PGRES_COPY_BOTH:
		return (res);
	case PGRES_EMPTY_QUERY:
	case PGRES_BAD_RESPONSE:
	case PGRES_NONFATAL_ERROR:
	case PGRES_FATAL_ERROR:
	case PGRES_PIPELINE_SYNC:
	case PGRES_PIPELINE_ABORTED:
		break;
	}
	if (PQresultStatus(res) == PGRES_EMPTY_QUERY)
		conn_set_error(err, "", "empty query");
	else {
		conn_set_error(err, PQresultErrorField(res, PG_DIAG_SQLSTATE),
		    PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) != NULL ?
		    PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) :
		    PQresultErrorMessage(res));
		err->detail = conn_tidy(PQresultErrorField(res,
		    PG_DIAG_MESSAGE_DETAIL));
		err->hint = conn_tidy(PQresultErrorField(res,
		    PG_DIAG_MESSAGE_HINT));
		pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
		err->position = pos != NULL ? atoi(pos) : 0;
	}
	if (err->sqlstate[0] == '\0' && PQstatus(c->pg) != CONNECTION_OK)
		snprintf(err->sqlstate, sizeof err->sqlstate, "%s",
		    CONN_CONNECTION_LOST);
	PQclear(res);
	return (NULL);
}

/*
 * Finish the asynchronous command in flight, blocking, and keep its outcome
 * for conn_poll.  This lets short synchronous queries share a connection
 * with a periodic asynchronous one (the monitor): they wait at most for
 * the statement in flight, which the monitor bounds with its own
 * statement_timeout.
 */
static void
conn_drain(struct conn *c)
{
	struct pollfd		 pfd;
	struct conn_error	 err = { 0 };
	PGresult		*res;
	int			 rc;

	for (;;) {
		rc = conn_poll(c, &res, &err);
		if (rc != 0)
			break;
		pfd.fd = PQsocket(c->pg);
		pfd.events = POLLIN;
		pfd.revents = 0;
		(void)poll(&pfd, 1, 1000);
	}
	c->drained = 1;
	c->drained_rc = rc;
	c->failed = res == NULL;
	conn_error_clear(&c->pending);
	c->pending = err;
	PQclear(c->last);
	c->last = res;
}

PGresult *
conn_exec(struct conn *c, const char *sql, int nparams,
    const char *const *params, struct conn_error *err)
{
	PGresult	*res;

	if (c->busy)
		conn_drain(c);
	if (c->drained && c->drained_rc < 0) {
		conn_set_error(err, CONN_CONNECTION_LOST, PQerrorMessage(c->pg));
		return (NULL);
	}
	if (nparams == 0)
		res = PQexec(c->pg, sql);
	else
		res = PQexecParams(c->pg, sql, nparams < 0 ? 0 : nparams, NULL,
		    params, NULL, NULL, 0);
	return (conn_check(c, res, err));
}

PGresult *
conn_exec_read_only(struct conn *c, const char *sql, long timeout_ms,
    struct conn_error *err)
{
	struct conn_error	 ignore = { 0 };
	const char		*params[1];
	char			 t[32];
	PGresult		*res;

	if (PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
		conn_set_error(err, "", "cannot run a read-only query: the "
		    "connection is inside a transaction");
		return (NULL);
	}
	snprintf(t, sizeof t, "%ld", timeout_ms);
	params[0] = t;
	if (conn_command(c, "BEGIN TRANSACTION READ ONLY", 0, NULL, err) != 0)
		return (NULL);
	if (conn_command(c, "SELECT pg_catalog.set_config('statement_timeout',"
	    " $1, true)", 1, params, err) == 0)
		res = conn_exec(c, sql, CONN_ONE_STATEMENT, NULL, err);
	else
		res = NULL;
	if (conn_command(c, "ROLLBACK", 0, NULL, res != NULL ? err :
	    &ignore) != 0) {
		PQclear(res);
		res = NULL;
	}
	conn_error_clear(&ignore);
	return (res);
}

int
conn_command(struct conn *c, const char *sql, int nparams,
    const char *const *params, struct conn_error *err)
{
	PGresult	*res;

	if ((res = conn_exec(c, sql, nparams, params, err)) == NULL)
		return (-1);
	PQclear(res);
	return (0);
}

int
conn_send(struct conn *c, const char *sql, int nparams,
    const char *const *params, struct conn_error *err)
{
	int	ok;

	if (c->busy || c->drained) {
		conn_set_error(err, "", "connection busy with another statement");
		return (-1);
	}
	if (nparams == 0)
		ok = PQsendQuery(c->pg, sql);
	else
		ok = PQsendQueryParams(c->pg, sql, nparams < 0 ? 0 : nparams,
		    NULL, params, NULL, NULL, 0);
	if (!ok) {
		conn_set_error(err, PQstatus(c->pg) == CONNECTION_OK ? "" :
		    CONN_CONNECTION_LOST, PQerrorMessage(c->pg));
		return (-1);
	}
	c->busy = 1;
	c->failed = 0;
	return (0);
}

int
conn_poll(struct conn *c, PGresult **out, struct conn_error *err)
{
	PGresult	*res;

	*out = NULL;
	if (c->drained) {
		/* Finished by conn_drain: hand over what it kept. */
		c->drained = 0;
		if (c->drained_rc < 0) {
			conn_set_error(err, CONN_CONNECTION_LOST,
			    PQerrorMessage(c->pg));
			return (-1);
		}
		if (c->failed) {
			conn_error_clear(err);
			*err = c->pending;
			memset(&c->pending, 0, sizeof c->pending);
			c->failed = 0;
			return (1);
		}
		*out = c->last;
		c->last = NULL;
		return (1);
	}
	if (!c->busy) {
		conn_set_error(err, "", "no statement is running");
		return (1);
	}
	if (!PQconsumeInput(c->pg)) {
		conn_set_error(err, CONN_CONNECTION_LOST, PQerrorMessage(c->pg));
		c->busy = 0;
		PQclear(c->last);
		c->last = NULL;
		conn_error_clear(&c->pending);
		return (-1);
	}
	while (!PQisBusy(c->pg)) {
		if ((res = PQgetResult(c->pg)) == NULL) {
			c->busy = 0;
			if (c->failed) {
				conn_error_clear(err);
				*err = c->pending;
				memset(&c->pending, 0, sizeof c->pending);
				PQclear(c->last);
				c->last = NULL;
				return (1);
			}
			*out = c->last;
			c->last = NULL;
			return (1);
		}
		if (c->failed) {
			PQclear(res);
			continue;
		}
		if ((res = conn_check(c, res, &c->pending)) == NULL) {
			c->failed = 1;
			continue;
		}
		PQclear(c->last);
		c->last = res;
	}
	if (PQstatus(c->pg) != CONNECTION_OK) {
		conn_set_error(err, CONN_CONNECTION_LOST, PQerrorMessage(c->pg));
		c->busy = 0;
		return (-1);
	}
	return (0);
}

int
conn_busy(struct conn *c)
{
	return (c->busy || c->drained);
}

int
conn_cancel(struct conn *c, struct conn_error *err)
{
	PGcancel	*cancel;
	char		 errbuf[256];
	int		 ok;

	if ((cancel = PQgetCancel(c->pg)) == NULL) {
		conn_set_error(err, "", "cannot cancel: no connection");
		return (-1);
	}
	ok = PQcancel(cancel, errbuf, sizeof errbuf);
	PQfreeCancel(cancel);
	if (!ok) {
		conn_set_error(err, "", errbuf);
		return (-1);
	}
	return (0);
}

char *
conn_quote_ident(struct conn *c, const char *s)
{
	char	*q, *p;

	if ((q = PQescapeIdentifier(c->pg, s, strlen(s))) == NULL)
		util_fatal("cannot quote identifier: %s", PQerrorMessage(c->pg));
	p = xstrdup(q);
	PQfreemem(q);
	return (p);
}

char *
conn_quote_literal(struct conn *c, const char *s)
{
	char	*q, *p;

	if ((q = PQescapeLiteral(c->pg, s, strlen(s))) == NULL)
		util_fatal("cannot quote literal: %s", PQerrorMessage(c->pg));
	p = xstrdup(q);
	PQfreemem(q);
	return (p);
}
