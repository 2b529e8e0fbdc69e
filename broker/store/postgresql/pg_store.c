/* The PostgreSQL backend's statement helpers, which the family files (pg_user.c, ...) share:
 * connecting, running a statement with a typed parameter list, and reading rows. The
 * backend itself (connections, transactions, the user lock, the table of operations) is
 * pg_backend.c. */
#include "pg_store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

#define PG_PARAMS_MAX 32

/* libpq's notices (e.g. "relation already exists, skipping") are not errors: dropped. */
static void
quiet_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static const char *
pg_message(PGconn *c, const PGresult *res)
{
	const char *m = res != NULL ? PQresultErrorMessage(res) : NULL;

	if (m == NULL || m[0] == '\0')
		m = PQerrorMessage(c);
	return m != NULL && m[0] != '\0' ? m : "no message";
}

/* SK_ERR_EXISTS for an integrity rule (class 23: unique, foreign key, check), else
 * SK_ERR_STORE; logged once here with the SQLSTATE. */
static int
pg_failed(PGconn *c, const PGresult *res, const char *what)
{
	const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	sk_logerr("postgresql: %s: [%s] %.*s", what, state != NULL ? state : "-",
	          (int)strcspn(pg_message(c, res), "\n"), pg_message(c, res));
	return state != NULL && strncmp(state, "23", 2) == 0 ? SK_ERR_EXISTS : SK_ERR_STORE;
}

int
pg_connect(const char *conninfo, PGconn **out)
{
	const char *keys[] = { "connect_timeout", "dbname", NULL };
	const char *values[] = { PG_CONNECT_TIMEOUT_S, conninfo, NULL };
	PGconn *c;
	PGresult *res;
	char sql[160];

	*out = NULL;
	/* expand_dbname: the URI's own settings (connect_timeout too) win over the default. */
	c = PQconnectdbParams(keys, values, 1);
	if (c == NULL) {
		sk_logerr("postgresql: connect: no memory");
		return SK_ERR_NOMEM;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		sk_logerr("postgresql: connect: %.*s", (int)strcspn(PQerrorMessage(c), "\n"),
		          PQerrorMessage(c));
		PQfinish(c);
		return SK_ERR_STORE;
	}
	PQsetNoticeProcessor(c, quiet_notice, NULL);
	/* A statement (a lock wait included) that takes longer fails: the request fails closed
	 * instead of hanging. A statement_timeout the connection string or the role sets wins. */
	(void)snprintf(sql, sizeof(sql), "SELECT set_config('statement_timeout', '%d', false)"
	               " WHERE current_setting('statement_timeout') = '0'", PG_STATEMENT_TIMEOUT_MS);
	res = PQexec(c, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pg_failed(c, res, "session settings");
		PQclear(res);
		PQfinish(c);
		return SK_ERR_STORE;
	}
	PQclear(res);
	*out = c;
	return SK_OK;
}

int
pg_exec(PGconn *c, const char *sql)
{
	PGresult *res = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(res);
	int r = SK_OK;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		r = pg_failed(c, res, sql);
	PQclear(res);
	return r;
}

/* Parameters in text form, blobs in binary form; ints into the caller's buffers. */
struct params {
	const char *values[PG_PARAMS_MAX];
	int lengths[PG_PARAMS_MAX];
	int formats[PG_PARAMS_MAX];
	char ints[PG_PARAMS_MAX][24];
	int n;
};

static int
bind_list(struct params *p, const char *types, va_list ap)
{
	memset(p, 0, sizeof(*p));
	for (int i = 0; types[i] != '\0'; i++) {
		const void *b;
		size_t len;

		if (i >= PG_PARAMS_MAX) {
			sk_logerr("postgresql: too many parameters");
			return SK_ERR_INTERNAL;
		}
		switch (types[i]) {
		case 'i':
			(void)snprintf(p->ints[i], sizeof(p->ints[i]), "%" PRId64, va_arg(ap, int64_t));
			p->values[i] = p->ints[i];
			break;
		case 't':
			p->values[i] = va_arg(ap, const char *);
			break;
		case 'b':
			b = va_arg(ap, const void *);
			len = va_arg(ap, size_t);
			if (len > 1u << 24) {
				sk_logerr("postgresql: blob parameter too long");
				return SK_ERR_RANGE;
			}
			p->values[i] = b != NULL ? b : "";
			p->lengths[i] = (int)len;
			p->formats[i] = 1;
			break;
		default:
			sk_logerr("postgresql: unknown parameter type '%c'", types[i]);
			return SK_ERR_INTERNAL;
		}
		p->n = i + 1;
	}
	return SK_OK;
}

static int
vquery(PGconn *c, PGresult **res, const char *sql, const char *types, va_list ap)
{
	struct params p;
	int r;

	*res = NULL;
	if ((r = bind_list(&p, types, ap)) != SK_OK)
		return r;
	*res = PQexecParams(c, sql, p.n, NULL, p.values, p.lengths, p.formats, 0);
	if (*res == NULL) {
		sk_logerr("postgresql: no memory");
		return SK_ERR_NOMEM;
	}
	return SK_OK;
}

int
pg_query(PGconn *c, PGresult **res, const char *sql, const char *types, ...)
{
	va_list ap;
	int r;

	va_start(ap, types);
	r = vquery(c, res, sql, types, ap);
	va_end(ap);
	if (r == SK_OK && PQresultStatus(*res) != PGRES_TUPLES_OK) {
		r = pg_failed(c, *res, "query");
		PQclear(*res);
		*res = NULL;
	}
	return r;
}

static int
vrun(PGconn *c, enum pg_expect expect, int64_t *id, const char *what, const char *sql,
     const char *types, va_list ap)
{
	PGresult *res;
	ExecStatusType st;
	int r;

	if ((r = vquery(c, &res, sql, types, ap)) != SK_OK)
		return r;
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		r = pg_failed(c, res, what);
	else if (expect == PG_ONE_ROW && strcmp(PQcmdTuples(res), "1") != 0)
		r = SK_ERR_NOTFOUND;
	else if (expect == PG_NEW_KEY && strcmp(PQcmdTuples(res), "1") != 0)
		r = SK_ERR_EXISTS;   /* ON CONFLICT DO NOTHING: the key is taken */
	else if (expect == PG_NEW_ROW) {
		if (PQntuples(res) == 1)
			*id = pg_int(res, 0, 0);
		else
			r = SK_ERR_EXISTS;
	}
	PQclear(res);
	return r;
}

int
pg_run(PGconn *c, enum pg_expect expect, int64_t *id, const char *what, const char *sql,
       const char *types, ...)
{
	va_list ap;
	int r;

	va_start(ap, types);
	r = vrun(c, expect, id, what, sql, types, ap);
	va_end(ap);
	return r;
}

int
pg_run_guarded(PGconn *c, enum pg_expect expect, const char *what, const char *sql,
               const char *types, ...)
{
	int in_txn = PQtransactionStatus(c) == PQTRANS_INTRANS, r;
	va_list ap;

	if (in_txn && (r = pg_exec(c, "SAVEPOINT sk_statement")) != SK_OK)
		return r;
	va_start(ap, types);
	r = vrun(c, expect, NULL, what, sql, types, ap);
	va_end(ap);
	if (in_txn) {
		int undo = r == SK_OK ? pg_exec(c, "RELEASE SAVEPOINT sk_statement") :
		           pg_exec(c, "ROLLBACK TO SAVEPOINT sk_statement");
		if (r == SK_OK)
			r = undo;
	}
	return r;
}

int64_t
pg_int(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return 0;
	return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

int
pg_text(const PGresult *res, int row, int col, char *buf, size_t cap)
{
	int n = PQgetlength(res, row, col);

	if (cap == 0 || n < 0 || (size_t)n >= cap) {
		sk_logerr("postgresql: column %d too long (%d bytes)", col, n);
		return SK_ERR_STORE;
	}
	memcpy(buf, PQgetvalue(res, row, col), (size_t)n);
	buf[n] = '\0';
	return SK_OK;
}

int
pg_blob(const PGresult *res, int row, int col, unsigned char *out, size_t cap, size_t *len,
        int allow_empty)
{
	size_t n = 0;
	unsigned char *b;
	int r = SK_OK;

	*len = 0;
	if (PQgetisnull(res, row, col) ||
	    (b = PQunescapeBytea((const unsigned char *)PQgetvalue(res, row, col), &n)) == NULL) {
		sk_logerr("postgresql: column %d: blob missing", col);
		return SK_ERR_STORE;
	}
	if (n > cap || (n == 0 && !allow_empty)) {
		sk_logerr("postgresql: column %d: blob of %zu bytes", col, n);
		r = SK_ERR_STORE;
	} else {
		memcpy(out, b, n);
		*len = n;
	}
	explicit_bzero(b, n);
	PQfreemem(b);
	return r;
}

int
pg_select(PGresult *res, pg_row_reader read_row, void *rows, size_t row_size, size_t cap,
          size_t *n)
{
	int r = SK_OK, rows_n = PQntuples(res);

	*n = 0;
	for (int i = 0; i < rows_n && *n < cap; i++) {
		if ((r = read_row(res, i, (char *)rows + *n * row_size)) != SK_OK)
			break;
		(*n)++;
	}
	PQclear(res);
	return r;
}

int
pg_each_row(PGresult *res, pg_row_reader read_row, void *row, int (*fn)(void *, const void *),
            void *arg)
{
	int r = SK_OK;

	for (int i = 0; i < PQntuples(res); i++)
		if ((r = read_row(res, i, row)) != SK_OK || fn(arg, row) != 0)
			break;
	PQclear(res);
	return r;
}

int
pg_select_one(PGresult *res, pg_row_reader read_row, void *row)
{
	size_t n = 0;
	int r = pg_select(res, read_row, row, 0, 1, &n);

	return r == SK_OK && n == 0 ? SK_ERR_NOTFOUND : r;
}
