/* db_migrate.c: one schema history for both engines (see db.h and migrations.h). */
#include "store/db.h"
#include "store/db_impl.h"
#include "store/migrations.h"
#include "util/log.h"

int db_schema_version(struct db *db)
{
	return db ? db->ops->schema_version(db) : -1;
}

int db_schema_version_latest(void)
{
	return (int)migrations_count;
}

/* One migration in its own transaction; the version is read again under the write lock, so
 * two hosts migrating at once apply it once. */
static int migrate_one(struct db *db, size_t i)
{
	const struct migration *m = &migrations[i];
	if (db_begin(db))
		return -1;
	int at = db->ops->schema_version(db);
	if (at >= (int)(i + 1))
		return db_commit(db);
	const char *sql = db->ops->engine == DB_POSTGRES ? m->pg_sql : m->sql;
	if (at != (int)i || db_exec(db, sql) || db->ops->set_schema_version(db, (int)(i + 1))) {
		log_error("store", "migration failed name=%s", m->name);
		db_rollback(db);
		return -1;
	}
	if (db_commit(db))
		return -1;
	log_info("store", "migrated name=%s version=%zu", m->name, i + 1);
	return 0;
}

int db_migrate(struct db *db)
{
	int version = db_schema_version(db);
	if (version < 0)
		return -1;
	if (version > (int)migrations_count) {
		log_error("store", "database schema is newer than this program version=%d known=%zu",
			  version, migrations_count);
		return -1;
	}
	for (size_t i = (size_t)version; i < migrations_count; i++)
		if (migrate_one(db, i))
			return -1;
	return 0;
}
