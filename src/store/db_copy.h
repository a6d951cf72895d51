/*
 * db_copy.h: moving a SQLite store to PostgreSQL (pilotomail-admin copy-to-postgres).
 */
#ifndef PILOTOMAIL_DB_COPY_H
#define PILOTOMAIL_DB_COPY_H

#include "store/db.h"

#include <stdio.h>

/*
 * Copies every table of src (SQLite, at the latest schema) into dst (PostgreSQL), in one
 * transaction: dst is migrated first and must then be empty (else nothing is written), tables
 * go in foreign-key order with dst's triggers off (the copied counters are already right),
 * identity sequences continue after the largest id, and each table's row count is compared.
 * Writes one line per table to out. 0, or -1 with dst unchanged (logged, and said on out).
 */
int db_copy_to_postgres(struct db *src, struct db *dst, FILE *out);

#endif
