/* scans.c: see scans.h. */
#include "store/scans.h"
#include "store/db.h"
#include "store/scan_files.h"
#include "util/log.h"
#include "util/util.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCAN_COLUMNS                                                                               \
	"s.id, s.mail_item_id, i.reference, s.sha256, s.size, s.content_type, s.created_at "       \
	"FROM scans s JOIN mail_items i ON i.id = s.mail_item_id "

int64_t scan_insert(struct db *db, int64_t operator_id, int64_t mail_item_id, int64_t action_request_id,
		    const char *sha256, int64_t size, const char *content_type, int64_t now)
{
	struct db_stmt *st = db_prepare(db, "INSERT INTO scans(operator_id, mail_item_id, action_request_id, sha256, "
					  "size, content_type, created_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 "
					  "WHERE EXISTS (SELECT 1 FROM mail_items WHERE id = ?2 AND operator_id = ?1) "
					  "RETURNING id");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, mail_item_id);
	if (action_request_id > 0)
		db_bind_int64(st, 3, action_request_id);
	db_bind_text(st, 4, sha256);
	db_bind_int64(st, 5, size);
	db_bind_text(st, 6, content_type);
	db_bind_int64(st, 7, now);
	return db_insert_returning(st, NULL); /* no row: not this operator's item */
}

/* Steps st (finalized here) for one scan. 1, 0 or -1. */
static int scan_read_one(struct db_stmt *st, struct scan *out)
{
	memset(out, 0, sizeof(*out));
	int rc = db_step(st);
	int found = rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
	if (found == 1) {
		out->id = db_col_int64(st, 0);
		out->mail_item_id = db_col_int64(st, 1);
		str_copy(out->reference, sizeof(out->reference), db_col_text(st, 2));
		str_copy(out->sha256, sizeof(out->sha256), db_col_text(st, 3));
		out->size = db_col_int64(st, 4);
		str_copy(out->content_type, sizeof(out->content_type), db_col_text(st, 5));
		out->created_at = db_col_int64(st, 6);
	}
	db_finalize(st);
	return found;
}

int scan_get(struct db *db, int64_t operator_id, int64_t mail_item_id, struct scan *out)
{
	struct db_stmt *st = db_prepare(db, "SELECT " SCAN_COLUMNS "WHERE s.mail_item_id = ? AND s.operator_id = ?");
	db_bind_int64(st, 1, mail_item_id);
	db_bind_int64(st, 2, operator_id);
	return scan_read_one(st, out);
}

int scan_get_for_renter(struct db *db, int64_t operator_id, int64_t renter_id, int64_t mail_item_id,
			struct scan *out)
{
	struct db_stmt *st = db_prepare(db, "SELECT " SCAN_COLUMNS "JOIN mailboxes m ON m.id = i.mailbox_id "
					  "WHERE s.mail_item_id = ?1 AND s.operator_id = ?2 AND i.operator_id = ?2 "
					  "AND m.operator_id = ?2 AND m.renter_id = ?3");
	db_bind_int64(st, 1, mail_item_id);
	db_bind_int64(st, 2, operator_id);
	db_bind_int64(st, 3, renter_id);
	return scan_read_one(st, out);
}

int scan_delete(struct db *db, int64_t operator_id, int64_t mail_item_id, char sha256[65])
{
	struct db_stmt *st = db_prepare(db, "DELETE FROM scans WHERE mail_item_id = ? AND operator_id = ? RETURNING sha256");
	db_bind_int64(st, 1, mail_item_id);
	db_bind_int64(st, 2, operator_id);
	sha256[0] = '\0';
	int rc = db_step(st);
	int deleted = 0;
	if (rc == DB_ROW) {
		str_copy(sha256, 65, db_col_text(st, 0));
		deleted = 1;
		rc = db_step(st);
	}
	if (rc != DB_DONE) {
		log_error("store", "scan delete failed err=\"%s\"", db_errmsg(db));
		deleted = -1;
	}
	db_finalize(st);
	return deleted;
}

int64_t scan_hash_refs(struct db *db, int64_t operator_id, const char *sha256)
{
	struct db_stmt *st = db_prepare(db, "SELECT COUNT(*) FROM scans WHERE operator_id = ? AND sha256 = ?");
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, sha256);
	return db_count(st);
}

int scan_release_file(struct db *db, const char *dir, int64_t operator_id, const char *sha256)
{
	if (!sha256 || strlen(sha256) != 64)
		return 0;
	if (db_begin(db) < 0)
		return -1;
	int64_t refs = scan_hash_refs(db, operator_id, sha256);
	int rc = refs < 0 ? -1 : refs == 0 ? scan_file_remove(dir, operator_id, sha256) : 0;
	/* Nothing was written: the transaction only held the write lock. */
	db_rollback(db);
	if (rc == 0 && refs == 0)
		log_info("scans", "scan file deleted operator=%lld sha256=%s", (long long)operator_id, sha256);
	return rc;
}

/* 1 when name is 64 lower-case hex digits: a published scan file. */
static int is_hash_name(const char *name)
{
	size_t n = strspn(name, "0123456789abcdef");
	return n == 64 && name[n] == '\0';
}

/* Sweeps one operator's folder. How many files it deleted. */
static int sweep_operator(struct db *db, const char *dir, int64_t operator_id, int64_t cutoff)
{
	char *folder = xasprintf("%s/%lld", dir, (long long)operator_id);
	DIR *d = opendir(folder);
	int deleted = 0;
	for (struct dirent *e; d && (e = readdir(d));) {
		int tmp = strncmp(e->d_name, ".tmp-", 5) == 0;
		if (!tmp && !is_hash_name(e->d_name))
			continue;
		char *path = xasprintf("%s/%s", folder, e->d_name);
		struct stat sb;
		if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (int64_t)sb.st_mtime <= cutoff) {
			if (tmp)
				deleted += unlink(path) == 0;
			else if (scan_hash_refs(db, operator_id, e->d_name) == 0 &&
				 scan_release_file(db, dir, operator_id, e->d_name) == 0 && access(path, F_OK) != 0)
				deleted++;
		}
		free(path);
	}
	if (d)
		closedir(d);
	free(folder);
	return deleted;
}

int scan_files_sweep(struct db *db, const char *dir, int64_t now, int64_t min_age_s)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	int deleted = 0;
	for (struct dirent *e; (e = readdir(d));) {
		int64_t operator_id;
		if (parse_int64(e->d_name, 1, INT64_MAX, &operator_id) == 0)
			deleted += sweep_operator(db, dir, operator_id, now - min_age_s);
	}
	closedir(d);
	if (deleted)
		log_info("scans", "swept files=%d", deleted);
	return deleted;
}
