/*
 * migrations.h: the forward-only schema history. The table is generated at build time from
 * src/store/migrations/NNN_name.sql (see the Makefile): add a new file, never edit a released one.
 */
#ifndef PILOTOMAIL_MIGRATIONS_H
#define PILOTOMAIL_MIGRATIONS_H

#include <stddef.h>

struct migration {
	const char *name;
	const char *sql;    /* for SQLite */
	const char *pg_sql; /* for PostgreSQL (see embed.sh: the same file, a few explicit lines) */
};

extern const struct migration migrations[];
extern const size_t migrations_count;

#endif
