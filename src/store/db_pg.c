/*
 * db_pg.c: the PostgreSQL backend of db.h (libpq). Each statement text is rewritten once from
 * SQLite's "?"/"?N" parameter markers to "$N", prepared on the server once per connection (cached by
 * text and parameter types), and run with text parameters (blobs in binary). A step runs the
 * statement on its first call and hands out the result's rows after.
 */
#include "store/db_pg.h"
#include "store/db_impl.h"
#include "util/log.h"
#include "util/util.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OID_INT8 20
#define OID_TEXT 25
#define OID_BYTEA 17

struct pg_prep {
	struct pg_prep *next;
	char *key; /* types signature, '\n', rewritten SQL */
	char name[16];
};

struct pg {
	struct db base;
	PGconn *c;
	struct pg_prep *preps;
	unsigned next_name;
	int changes;
	enum db_err err;
	char *errmsg;
};

struct pg_stmt {
	struct db_stmt base;
	char *sql, *text; /* as given; rewritten to $n */
	int nparams;
	char **vals;
	int *lens, *fmts;
	unsigned *types;
	PGresult *res;
	int row, nrows, started;
	int ncols;
	unsigned char **cols; /* bytea columns of the current row, unescaped on first read */
	size_t *col_lens;
};

#define PG(db) ((struct pg *)(void *)(db))
#define PST(st) ((struct pg_stmt *)(void *)(st))

static void pg_set_error(struct pg *p, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(p->c);
	free(p->errmsg);
	p->errmsg = xstrdup(msg && *msg ? msg : "unknown error");
	size_t len = strlen(p->errmsg);
	while (len && (p->errmsg[len - 1] == '\n' || p->errmsg[len - 1] == ' '))
		p->errmsg[--len] = '\0';
	p->err = DB_ERR_OTHER;
	if (state && !strcmp(state, "23505"))
		p->err = DB_ERR_UNIQUE;
	else if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01")))
		p->err = DB_ERR_SERIALIZATION;
	else if (state && (!strcmp(state, "55P03") || !strcmp(state, "57014")))
		p->err = DB_ERR_BUSY;
}

static void pg_clear_error(struct pg *p)
{
	p->err = DB_ERR_NONE;
}

/* Forgets the server-side statements (after a reconnect they are gone). */
static void pg_forget_preps(struct pg *p)
{
	while (p->preps) {
		struct pg_prep *n = p->preps->next;
		free(p->preps->key);
		free(p->preps);
		p->preps = n;
	}
}

static void pg_close(struct db *db)
{
	struct pg *p = PG(db);
	pg_forget_preps(p);
	PQfinish(p->c);
	free(p->errmsg);
	free(p);
}

static int pg_exec(struct db *db, const char *sql)
{
	struct pg *p = PG(db);
	PGresult *res = PQexec(p->c, sql);
	ExecStatusType s = PQresultStatus(res);
	int ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
	if (ok)
		pg_clear_error(p);
	else {
		pg_set_error(p, res);
		log_error("store", "exec failed err=\"%s\" sql=\"%.80s\"", p->errmsg, sql);
	}
	PQclear(res);
	return ok ? 0 : -1;
}

static const struct db_ops pg_ops;

static struct db_stmt *pg_prepare(struct db *db, const char *sql)
{
	struct pg_stmt *s = xcalloc(1, sizeof(*s));
	s->base.ops = &pg_ops;
	s->base.db = db;
	s->sql = xstrdup(sql);
	s->text = db_pg_number_params(sql, &s->nparams);
	int n = s->nparams ? s->nparams : 1;
	s->vals = xcalloc((size_t)n, sizeof(*s->vals));
	s->lens = xcalloc((size_t)n, sizeof(*s->lens));
	s->fmts = xcalloc((size_t)n, sizeof(*s->fmts));
	s->types = xcalloc((size_t)n, sizeof(*s->types));
	return &s->base;
}

static void pg_drop_result(struct pg_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	s->row = s->nrows = s->started = 0;
	for (int i = 0; s->cols && i < s->ncols; i++)
		free(s->cols[i]);
	free(s->cols);
	free(s->col_lens);
	s->cols = NULL;
	s->col_lens = NULL;
	s->ncols = 0;
}

static void pg_clear_bindings(struct db_stmt *st)
{
	struct pg_stmt *s = PST(st);
	for (int i = 0; i < s->nparams; i++) {
		free(s->vals[i]);
		s->vals[i] = NULL;
		s->lens[i] = s->fmts[i] = 0;
		s->types[i] = 0;
	}
}

static void pg_finalize(struct db_stmt *st)
{
	struct pg_stmt *s = PST(st);
	pg_drop_result(s);
	pg_clear_bindings(st);
	free(s->vals);
	free(s->lens);
	free(s->fmts);
	free(s->types);
	free(s->sql);
	free(s->text);
	free(s);
}

static void pg_reset(struct db_stmt *st)
{
	pg_drop_result(PST(st));
}

static const char *pg_sql(struct db_stmt *st)
{
	return PST(st)->sql;
}

/* Parameter i (1-based) with its value, type and format; out of range is ignored as SQLite's
 * SQLite would refuse them. */
static void pg_bind(struct db_stmt *st, int i, char *val, int len, int fmt, unsigned type)
{
	struct pg_stmt *s = PST(st);
	if (i < 1 || i > s->nparams) {
		free(val);
		return;
	}
	free(s->vals[i - 1]);
	s->vals[i - 1] = val;
	s->lens[i - 1] = len;
	s->fmts[i - 1] = fmt;
	s->types[i - 1] = type;
}

static void pg_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	pg_bind(st, i, xasprintf("%lld", (long long)v), 0, 0, OID_INT8);
}

static void pg_bind_null(struct db_stmt *st, int i)
{
	pg_bind(st, i, NULL, 0, 0, 0);
}

static void pg_bind_text(struct db_stmt *st, int i, const char *v)
{
	pg_bind(st, i, xstrdup(v), 0, 0, 0);
}

static void pg_bind_blob(struct db_stmt *st, int i, const void *v, size_t len)
{
	char *copy = xmalloc(len ? len : 1);
	memcpy(copy, v, len);
	pg_bind(st, i, copy, (int)len, 1, OID_BYTEA);
}


/* Runs a command whose failure is not worth logging (savepoints). */
static void pg_quiet_exec(struct pg *p, const char *sql)
{
	PQclear(PQexec(p->c, sql));
}

/*
 * The server-side name of s's text with the types bound now, preparing it on first use. A
 * parameter PostgreSQL cannot type from its place ("? IS NULL") is prepared again as text;
 * inside a transaction under a savepoint, since any error would abort the transaction. Once
 * per statement text and connection, so the extra round trips do not count.
 */
static const char *pg_prep_name(struct pg *p, struct pg_stmt *s)
{
	char *key = xmalloc((size_t)s->nparams + strlen(s->text) + 2);
	for (int i = 0; i < s->nparams; i++)
		key[i] = s->types[i] == OID_INT8 ? 'i' : s->types[i] == OID_BYTEA ? 'b' : 'u';
	key[s->nparams] = '\n';
	strcpy(key + s->nparams + 1, s->text);
	for (struct pg_prep *q = p->preps; q; q = q->next)
		if (!strcmp(q->key, key)) {
			free(key);
			return q->name;
		}
	struct pg_prep *q = xcalloc(1, sizeof(*q));
	q->key = key;
	snprintf(q->name, sizeof(q->name), "pm%u", p->next_name++);
	int in_tx = db_in_transaction(&p->base);
	if (in_tx)
		pg_quiet_exec(p, "SAVEPOINT pm_prepare");
	PGresult *res = PQprepare(p->c, q->name, s->text, s->nparams, s->types);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (in_tx)
		pg_quiet_exec(p, PQresultStatus(res) == PGRES_COMMAND_OK ? "RELEASE pm_prepare"
									  : "ROLLBACK TO pm_prepare");
	if (PQresultStatus(res) != PGRES_COMMAND_OK && state && (!strcmp(state, "42P18") || !strcmp(state, "42P08"))) {
		unsigned *types = xcalloc((size_t)(s->nparams ? s->nparams : 1), sizeof(*types));
		for (int i = 0; i < s->nparams; i++)
			types[i] = s->types[i] ? s->types[i] : OID_TEXT;
		PQclear(res);
		res = PQprepare(p->c, q->name, s->text, s->nparams, types);
		free(types);
	}
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg_set_error(p, res);
		log_error("store", "prepare failed err=\"%s\" sql=\"%.80s\"", p->errmsg, s->sql);
		PQclear(res);
		free(q->key);
		free(q);
		return NULL;
	}
	PQclear(res);
	q->next = p->preps;
	p->preps = q;
	return q->name;
}

/* The rows changed, for INSERT/UPDATE/DELETE only (SQLite's count ignores SELECT too). */
static void pg_note_changes(struct pg *p, PGresult *res)
{
	const char *cmd = PQcmdStatus(res);
	if (!strncmp(cmd, "INSERT", 6) || !strncmp(cmd, "UPDATE", 6) || !strncmp(cmd, "DELETE", 6))
		p->changes = atoi(PQcmdTuples(res));
}

static int pg_run(struct pg_stmt *s)
{
	struct pg *p = PG(s->base.db);
	if (PQstatus(p->c) == CONNECTION_BAD) {
		log_info("store", "reconnecting to postgresql");
		PQreset(p->c);
		pg_forget_preps(p);
	}
	const char *name = pg_prep_name(p, s);
	if (!name)
		return -1;
	s->res = PQexecPrepared(p->c, name, s->nparams, (const char *const *)s->vals, s->lens, s->fmts, 0);
	ExecStatusType rc = PQresultStatus(s->res);
	if (rc != PGRES_TUPLES_OK && rc != PGRES_COMMAND_OK) {
		pg_set_error(p, s->res);
		PQclear(s->res);
		s->res = NULL;
		return -1;
	}
	pg_clear_error(p);
	pg_note_changes(p, s->res);
	s->nrows = PQntuples(s->res);
	s->ncols = PQnfields(s->res);
	s->cols = xcalloc((size_t)(s->ncols ? s->ncols : 1), sizeof(*s->cols));
	s->col_lens = xcalloc((size_t)(s->ncols ? s->ncols : 1), sizeof(*s->col_lens));
	s->row = -1;
	s->started = 1;
	return 0;
}

static void pg_free_cols(struct pg_stmt *s)
{
	for (int i = 0; s->cols && i < s->ncols; i++) {
		free(s->cols[i]);
		s->cols[i] = NULL;
	}
}

static int pg_step(struct db_stmt *st)
{
	struct pg_stmt *s = PST(st);
	if (s->started && s->row >= s->nrows)
		pg_drop_result(s); /* stepping past the end runs it again, as SQLite does */
	if (!s->started && pg_run(s) < 0)
		return DB_ERROR;
	pg_free_cols(s);
	return ++s->row < s->nrows ? DB_ROW : DB_DONE;
}

static const char *pg_val(struct pg_stmt *s, int i)
{
	if (!s->res || s->row < 0 || s->row >= s->nrows || i < 0 || i >= s->ncols ||
	    PQgetisnull(s->res, s->row, i))
		return NULL;
	return PQgetvalue(s->res, s->row, i);
}

/* A bytea column's bytes, unescaped once per row and NUL-terminated; NULL for other types. */
static const unsigned char *pg_bytea(struct pg_stmt *s, int i)
{
	const char *v = pg_val(s, i);
	if (!v || PQftype(s->res, i) != OID_BYTEA)
		return NULL;
	if (!s->cols[i]) {
		size_t len = 0;
		unsigned char *raw = PQunescapeBytea((const unsigned char *)v, &len);
		s->cols[i] = xmalloc(len + 1);
		if (raw)
			memcpy(s->cols[i], raw, len);
		s->cols[i][len] = '\0';
		s->col_lens[i] = raw ? len : 0;
		PQfreemem(raw);
	}
	return s->cols[i];
}

static int64_t pg_col_int64(struct db_stmt *st, int i)
{
	const char *v = pg_val(PST(st), i);
	if (!v)
		return 0;
	if (v[0] == 't' && !v[1])
		return 1; /* a boolean, as SQLite's 1 */
	return strtoll(v, NULL, 10);
}

static int pg_col_is_null(struct db_stmt *st, int i)
{
	return pg_val(PST(st), i) == NULL;
}

static enum db_type pg_col_type(struct db_stmt *st, int i)
{
	struct pg_stmt *s = PST(st);
	if (!pg_val(s, i))
		return DB_NULL;
	switch (PQftype(s->res, i)) {
	case OID_BYTEA:
		return DB_BLOB;
	case OID_INT8:
	case 21: /* int2 */
	case 23: /* int4 */
		return DB_INTEGER;
	default:
		return DB_TEXT;
	}
}

static const void *pg_col_blob(struct db_stmt *st, int i)
{
	const unsigned char *b = pg_bytea(PST(st), i);
	return b ? (const void *)b : (const void *)pg_val(PST(st), i);
}

static int pg_col_bytes(struct db_stmt *st, int i)
{
	struct pg_stmt *s = PST(st);
	if (pg_bytea(s, i))
		return (int)s->col_lens[i];
	const char *v = pg_val(s, i);
	return v ? PQgetlength(s->res, s->row, i) : 0;
}

static const char *pg_col_text(struct db_stmt *st, int i)
{
	const unsigned char *b = pg_bytea(PST(st), i);
	return b ? (const char *)b : pg_val(PST(st), i);
}

static int pg_changes(struct db *db)
{
	return PG(db)->changes;
}

static const char *pg_errmsg(struct db *db)
{
	return PG(db)->errmsg ? PG(db)->errmsg : "not an error";
}

static enum db_err pg_err(struct db *db)
{
	return PG(db)->err;
}

static int pg_in_transaction(struct db *db)
{
	PGTransactionStatusType t = PQtransactionStatus(PG(db)->c);
	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

static void pg_busy_wait_ms(struct db *db, int ms)
{
	char sql[64];
	snprintf(sql, sizeof(sql), "SET lock_timeout = %d", ms > 0 ? ms : 1);
	pg_exec(db, sql);
}

/* READ COMMITTED plus one advisory lock held to COMMIT: writers take turns as on SQLite, readers
 * never wait, and SKIP LOCKED claims outside db_begin spread work over the workers. */
static int pg_begin(struct db *db)
{
	if (pg_exec(db, "BEGIN"))
		return -1;
	if (pg_exec(db, "SELECT pg_advisory_xact_lock(" DB_PG_WRITE_LOCK ")")) {
		pg_exec(db, "ROLLBACK");
		return -1;
	}
	return 0;
}

static int pg_query_int(struct pg *p, const char *sql, int *out)
{
	PGresult *res = PQexec(p->c, sql);
	int ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (ok)
		*out = PQgetisnull(res, 0, 0) ? 0 : atoi(PQgetvalue(res, 0, 0));
	else
		pg_set_error(p, res);
	PQclear(res);
	return ok ? 0 : -1;
}

/* The version lives in a table of its own (SQLite keeps PRAGMA user_version). */
static int pg_schema_version(struct db *db)
{
	int has = 0, v = -1;
	if (pg_query_int(PG(db), "SELECT (to_regclass('pilotomail_schema') IS NOT NULL)::int", &has))
		return -1;
	if (!has)
		return 0;
	return pg_query_int(PG(db), "SELECT max(version) FROM pilotomail_schema", &v) ? -1 : v;
}

static int pg_set_schema_version(struct db *db, int version)
{
	char sql[200];
	snprintf(sql, sizeof(sql), "CREATE TABLE IF NOT EXISTS pilotomail_schema (version BIGINT NOT NULL); "
		 "DELETE FROM pilotomail_schema; INSERT INTO pilotomail_schema VALUES (%d)", version);
	return pg_exec(db, sql);
}

static const struct db_ops pg_ops = {
	.engine = DB_POSTGRES,
	.close = pg_close,
	.exec = pg_exec,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.reset = pg_reset,
	.clear_bindings = pg_clear_bindings,
	.step = pg_step,
	.sql = pg_sql,
	.bind_int64 = pg_bind_int64,
	.bind_null = pg_bind_null,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.col_int64 = pg_col_int64,
	.col_is_null = pg_col_is_null,
	.col_type = pg_col_type,
	.col_blob = pg_col_blob,
	.col_bytes = pg_col_bytes,
	.col_text = pg_col_text,
	.changes = pg_changes,
	.errmsg = pg_errmsg,
	.err = pg_err,
	.in_transaction = pg_in_transaction,
	.busy_wait_ms = pg_busy_wait_ms,
	.begin = pg_begin,
	.schema_version = pg_schema_version,
	.set_schema_version = pg_set_schema_version,
};

static void pg_quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message; /* NOTICEs ("already exists, skipping") are not errors */
}

struct db *db_pg_open(const char *conninfo)
{
	PGconn *c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		log_error("store", "postgresql connect failed err=\"%s\"", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, pg_quiet, NULL);
	struct pg *p = xcalloc(1, sizeof(*p));
	p->base.ops = &pg_ops;
	p->c = c;
	/* on: COMMIT returns once the WAL is flushed, the webhook receiver's durability point. */
	if (pg_exec(&p->base, "SET synchronous_commit = on")) {
		pg_close(&p->base);
		return NULL;
	}
	return &p->base;
}

/* One keyword=value with the value quoted as libpq wants ('...' with \\ and \\' escaped). */
static void conninfo_add(struct strbuf *sb, const char *key, const char *val)
{
	strbuf_addf(sb, "%s%s='", sb->len ? " " : "", key);
	for (const char *p = val; *p; p++) {
		if (*p == '\\' || *p == '\'')
			strbuf_add(sb, "\\", 1);
		strbuf_add(sb, p, 1);
	}
	strbuf_adds(sb, "'");
}

char *db_pg_conninfo_dbname(const char *conninfo, const char *dbname)
{
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
	if (!opts)
		return NULL;
	struct strbuf sb = { 0 };
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (o->val && *o->val && strcmp(o->keyword, "dbname") != 0)
			conninfo_add(&sb, o->keyword, o->val);
	conninfo_add(&sb, "dbname", dbname);
	PQconninfoFree(opts);
	return strbuf_detach(&sb, NULL);
}
