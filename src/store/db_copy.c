/* db_copy.c: see db_copy.h. Table and column names come from the SQLite catalog, never from
 * input, and are quoted where they are put into SQL. */
#include "store/db_copy.h"
#include "util/log.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

struct copy_table {
	char *name;
	char **deps;
	size_t ndeps;
	int done;
};

static int names_of(struct db *db, const char *sql, const char *arg, char ***out, size_t *n)
{
	struct db_stmt *st = db_prepare(db, sql);
	if (arg)
		db_bind_text(st, 1, arg);
	return db_collect_texts(st, out, n);
}

static void names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The tables of src, each with the tables its foreign keys name. */
static struct copy_table *tables_read(struct db *src, size_t *n)
{
	char **names;
	if (names_of(src, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
			  "ORDER BY name", NULL, &names, n) < 0)
		return NULL;
	struct copy_table *t = xcalloc(*n ? *n : 1, sizeof(*t));
	for (size_t i = 0; i < *n; i++) {
		t[i].name = names[i];
		if (names_of(src, "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?)", names[i],
			     &t[i].deps, &t[i].ndeps) < 0)
			t[i].ndeps = 0;
	}
	free(names);
	return t;
}

static int deps_done(const struct copy_table *t, size_t n, const struct copy_table *one)
{
	for (size_t d = 0; d < one->ndeps; d++)
		for (size_t i = 0; i < n; i++)
			if (!t[i].done && &t[i] != one && !strcmp(t[i].name, one->deps[d]))
				return 0;
	return 1;
}

/* The next table whose referenced tables are all copied, or NULL. */
static struct copy_table *tables_next(struct copy_table *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!t[i].done && deps_done(t, n, &t[i]))
			return &t[i];
	return NULL;
}

static int64_t rows_of(struct db *db, const char *table)
{
	char *sql = xasprintf("SELECT count(*) FROM \"%s\"", table);
	int64_t n = db_count(db_prepare(db, sql));
	free(sql);
	return n;
}

/* "INSERT INTO "t"("a", "b") VALUES (?, ?)" and "SELECT "a", "b" FROM "t"" for the columns. */
static void copy_sql(const char *table, char **cols, size_t n, char **ins, char **sel)
{
	struct strbuf c = { 0 }, q = { 0 };
	for (size_t i = 0; i < n; i++) {
		strbuf_addf(&c, "%s\"%s\"", i ? ", " : "", cols[i]);
		strbuf_adds(&q, i ? ", ?" : "?");
	}
	*ins = xasprintf("INSERT INTO \"%s\"(%s) VALUES (%s)", table, c.buf, q.buf);
	*sel = xasprintf("SELECT %s FROM \"%s\"", c.buf, table);
	free(strbuf_detach(&c, NULL));
	free(strbuf_detach(&q, NULL));
}

static void bind_like(struct db_stmt *to, int i, struct db_stmt *from, int c)
{
	switch (db_col_type(from, c)) {
	case DB_NULL:
		db_bind_null(to, i);
		break;
	case DB_INTEGER:
		db_bind_int64(to, i, db_col_int64(from, c));
		break;
	case DB_BLOB:
		db_bind_blob(to, i, db_col_blob(from, c), (size_t)db_col_bytes(from, c));
		break;
	case DB_TEXT:
		db_bind_text(to, i, db_col_text(from, c));
		break;
	}
}

/* Copies one table's rows. The number copied, or -1. */
static int64_t table_copy(struct db *src, struct db *dst, const char *table)
{
	char **cols, *ins, *sel;
	size_t ncols;
	if (names_of(src, "SELECT name FROM pragma_table_info(?) ORDER BY cid", table, &cols, &ncols) < 0 || !ncols)
		return -1;
	copy_sql(table, cols, ncols, &ins, &sel);
	names_free(cols, ncols);
	struct db_stmt *from = db_prepare(src, sel), *to = db_prepare(dst, ins);
	int64_t copied = 0;
	int rc = (from && to) ? DB_ROW : DB_ERROR;
	while (rc == DB_ROW && (rc = db_step(from)) == DB_ROW) {
		for (size_t c = 0; c < ncols; c++)
			bind_like(to, (int)c + 1, from, (int)c);
		if (db_step(to) != DB_DONE) {
			log_error("store", "copy failed table=%s err=\"%s\"", table, db_errmsg(dst));
			rc = DB_ERROR;
		}
		db_reset(to);
		copied++;
	}
	db_finalize(from);
	db_finalize(to);
	free(ins);
	free(sel);
	return rc == DB_DONE ? copied : -1;
}

/* Every identity sequence continues after the largest id copied. */
static int sequences_set(struct db *dst)
{
	char **tables;
	size_t n;
	if (names_of(dst, "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() "
			  "AND column_name = 'id' AND is_identity = 'YES'", NULL, &tables, &n) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *sql = xasprintf("SELECT setval(pg_get_serial_sequence('\"%s\"', 'id'), "
				      "coalesce(max(id), 0) + 1, false) FROM \"%s\"", tables[i], tables[i]);
		rc = db_count(db_prepare(dst, sql)) < 0 ? -1 : 0;
		free(sql);
	}
	names_free(tables, n);
	return rc;
}

static int triggers_set(struct db *dst, struct copy_table *t, size_t n, const char *how)
{
	for (size_t i = 0; i < n; i++) {
		char *sql = xasprintf("ALTER TABLE \"%s\" %s TRIGGER USER", t[i].name, how);
		int rc = db_exec(dst, sql);
		free(sql);
		if (rc)
			return -1;
	}
	return 0;
}

/* Every table of src exists in dst and is empty. */
static int target_empty(struct db *dst, struct copy_table *t, size_t n, FILE *out)
{
	for (size_t i = 0; i < n; i++) {
		int64_t rows = rows_of(dst, t[i].name);
		if (rows != 0) {
			fprintf(out, "refused: the target's table %s %s\n", t[i].name, rows < 0 ? "is missing" : "has rows");
			return -1;
		}
	}
	return 0;
}

static int copy_all(struct db *src, struct db *dst, struct copy_table *t, size_t n, FILE *out)
{
	struct copy_table *one;
	while ((one = tables_next(t, n))) {
		one->done = 1;
		int64_t want = rows_of(src, one->name), got = table_copy(src, dst, one->name);
		int64_t have = rows_of(dst, one->name);
		if (want < 0 || got != want || have != want) {
			fprintf(out, "failed: %s has %lld rows, %lld copied, %lld in the target\n", one->name,
				(long long)want, (long long)got, (long long)have);
			return -1;
		}
		fprintf(out, "%-28s %lld rows, counts match\n", one->name, (long long)have);
	}
	for (size_t i = 0; i < n; i++)
		if (!t[i].done) {
			fprintf(out, "failed: foreign keys in a cycle at %s\n", t[i].name);
			return -1;
		}
	return 0;
}

static void tables_free(struct copy_table *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(t[i].name);
		names_free(t[i].deps, t[i].ndeps);
	}
	free(t);
}

int db_copy_to_postgres(struct db *src, struct db *dst, FILE *out)
{
	if (db_engine(src) != DB_SQLITE || db_engine(dst) != DB_POSTGRES) {
		fprintf(out, "refused: copies a SQLite store into a PostgreSQL database\n");
		return -1;
	}
	if (db_migrate(dst) < 0 || db_schema_version(src) != db_schema_version(dst)) {
		fprintf(out, "refused: the two schemas differ (run pilotomail-admin migrate on the source)\n");
		return -1;
	}
	size_t n = 0;
	struct copy_table *t = tables_read(src, &n);
	if (!t || target_empty(dst, t, n, out) < 0) {
		tables_free(t, n);
		return -1;
	}
	/* One snapshot of the source, one transaction on the target: all or nothing. */
	int ok = db_exec(src, "BEGIN") == 0 && db_exec(dst, "BEGIN") == 0 &&
		 triggers_set(dst, t, n, "DISABLE") == 0 && copy_all(src, dst, t, n, out) == 0 &&
		 triggers_set(dst, t, n, "ENABLE") == 0 && sequences_set(dst) == 0 && db_commit(dst) == 0;
	db_rollback(dst);
	db_rollback(src);
	tables_free(t, n);
	return ok ? 0 : -1;
}
