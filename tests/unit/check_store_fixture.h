/*
 * check_store_fixture.h: a real store for unit tests that need operators: a migrated store (a
 * SQLite file, or a fresh PostgreSQL database: see check_db.h) and its key in a temporary folder, with two operators of which only the first has OfficeRnD
 * credentials. Include after check_helpers.h; the folder is removed by fixture_store_close().
 */
#ifndef PILOTOMAIL_CHECK_STORE_FIXTURE_H
#define PILOTOMAIL_CHECK_STORE_FIXTURE_H

#include "check_db.h"
#include "crypto/crypto.h"
#include "store/db.h"
#include "store/operators.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>

struct store_fixture {
	char dir[64];
	struct db *db;
	int64_t op, op2;
};

static inline void fixture_store_open(struct store_fixture *f, const char *name)
{
	snprintf(f->dir, sizeof(f->dir), "/tmp/pm-check-%s-XXXXXX", name);
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	char *key = xasprintf("%s/key", f->dir), *path = xasprintf("%s/db", f->dir);
	ck_assert_int_eq(secretbox_init(key), 0);
	f->db = test_db_open(path);
	ck_assert_ptr_nonnull(f->db);
	ck_assert_int_eq(db_migrate(f->db), 0);
	free(key);
	free(path);
	int taken = 0;
	f->op = operator_create(f->db, "ops@example.com", "Acme", "pw-123456", &taken);
	f->op2 = operator_create(f->db, "two@example.com", "Other", "pw-123456", &taken);
	ck_assert_int_gt(f->op, 0);
	ck_assert_int_gt(f->op2, 0);
	/* operator_create made both settings rows: only the first operator connects OfficeRnD. */
	struct db_stmt *st = db_prepare(f->db, "UPDATE officernd_settings SET org_slug = 'acme', "
					    "client_id = 'cid', client_secret_enc = ? WHERE operator_id = ?");
	db_bind_blob(st, 1, "\x01\x02", 2);
	db_bind_int64(st, 2, f->op);
	ck_assert_int_eq(db_update_one(st), 0);
}

static inline void fixture_store_close(struct store_fixture *f)
{
	test_db_close(f->db);
	f->db = NULL;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

#endif
