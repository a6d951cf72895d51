/* spaces.c: see spaces.h. */
#include "store/spaces.h"
#include "store/db.h"
#include "store/statements.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/*
 * Length of the UTF-8 sequence starting at s, or 0 when it is not well formed (overlong forms,
 * surrogates and code points past U+10FFFF included): names end up in HTML and in OfficeRnD.
 */
static size_t utf8_sequence(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	if (len == 0 || s[0] > 0xf4)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return len;
}

const char *catalog_name_check(char *name)
{
	str_trim(name);
	if (!*name)
		return "Enter a name.";
	size_t chars = 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; chars++) {
		size_t len = utf8_sequence(p);
		if (len == 0 || *p < 0x20 || *p == 0x7f)
			return "The name contains characters that are not allowed (control characters "
			       "or invalid text).";
		p += len;
	}
	if (chars > CATALOG_NAME_MAX_CHARS)
		return "The name is too long: at most 100 characters.";
	return NULL;
}

#define SPACE_COLUMNS                                                                              \
	"s.id, s.name, s.open_mailboxes, " /* kept by triggers: see migrations/010 */               \
	"(SELECT COUNT(*) FROM location_links l WHERE l.operator_id = s.operator_id "              \
	" AND l.space_id = s.id)"

static void space_from_row(struct db_stmt *st, struct space *out)
{
	memset(out, 0, sizeof(*out));
	out->id = db_col_int64(st, 0);
	str_copy(out->name, sizeof(out->name), db_col_text(st, 1));
	out->mailboxes = db_col_int64(st, 2);
	out->links = db_col_int64(st, 3);
	out->mailbox_count = out->mailboxes + out->links;
}

static void space_read(struct db_stmt *st, void *elem)
{
	space_from_row(st, elem);
}

const char space_sql_list[] = "SELECT " SPACE_COLUMNS " FROM spaces s WHERE s.operator_id = ? ORDER BY s.name COLLATE NOCASE, s.id";

int space_list(struct db *db, int64_t operator_id, struct space **items, size_t *n)
{
	struct db_stmt *st = db_prepare(db, space_sql_list);
	db_bind_int64(st, 1, operator_id);
	int failed;
	*items = db_collect(st, sizeof(**items), space_read, n, &failed);
	return failed ? -1 : 0;
}

int space_get(struct db *db, int64_t operator_id, int64_t id, struct space *out)
{
	struct db_stmt *st = db_prepare(db, "SELECT " SPACE_COLUMNS " FROM spaces s "
					  "WHERE s.operator_id = ? AND s.id = ?");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, id);
	int found = db_step(st) == DB_ROW;
	if (found)
		space_from_row(st, out);
	db_finalize(st);
	return found ? 0 : -1;
}

/* Another space of the operator with this name, ignoring case ("Downtown" = "downtown")? */
static int name_taken(struct db *db, int64_t operator_id, const char *name, int64_t except_id)
{
	struct db_stmt *st = db_prepare(db, "SELECT 1 FROM spaces WHERE operator_id = ? "
					  "AND name = ? COLLATE NOCASE AND id <> ?");
	db_bind_int64(st, 1, operator_id);
	db_bind_text(st, 2, name);
	db_bind_int64(st, 3, except_id);
	int taken = db_step(st) == DB_ROW;
	db_finalize(st);
	return taken;
}

int64_t space_create(struct db *db, int64_t operator_id, const char *name, int *duplicate)
{
	int own, dummy;
	if (!duplicate)
		duplicate = &dummy;
	*duplicate = 0;
	if (db_begin_unless_open(db, &own))
		return -1;
	int64_t id = -1;
	if (name_taken(db, operator_id, name, 0)) {
		*duplicate = 1;
	} else {
		struct db_stmt *st = db_prepare(db, "INSERT INTO spaces(operator_id, name, created_at) VALUES (?, ?, ?) "
						  "RETURNING id");
		db_bind_int64(st, 1, operator_id);
		db_bind_text(st, 2, name);
		db_bind_int64(st, 3, time_now());
		id = db_insert_returning(st, NULL);
	}
	if (db_end_own(db, own, id > 0) < 0)
		return -1;
	log_info("store", "space created operator=%lld id=%lld", (long long)operator_id, (long long)id);
	return id;
}

int space_rename(struct db *db, int64_t operator_id, int64_t id, const char *name, int *duplicate)
{
	int own, dummy;
	if (!duplicate)
		duplicate = &dummy;
	*duplicate = 0;
	if (db_begin_unless_open(db, &own))
		return -1;
	int ok = 0;
	if (name_taken(db, operator_id, name, id)) {
		*duplicate = 1;
	} else {
		struct db_stmt *st = db_prepare(db, "UPDATE spaces SET name = ? WHERE operator_id = ? AND id = ?");
		db_bind_text(st, 1, name);
		db_bind_int64(st, 2, operator_id);
		db_bind_int64(st, 3, id);
		ok = db_step_done(st) == 0 && db_changes(db) == 1;
	}
	return db_end_own(db, own, ok);
}

/* Cancelled mailboxes keep their history but must let go of the space (a foreign key). */
static int detach_cancelled_mailboxes(struct db *db, int64_t operator_id, int64_t id)
{
	struct db_stmt *st = db_prepare(db, "UPDATE mailboxes SET space_id = NULL WHERE operator_id = ? "
					  "AND space_id = ? AND status = 'cancelled'");
	db_bind_int64(st, 1, operator_id);
	db_bind_int64(st, 2, id);
	return db_step_done(st);
}

int space_delete(struct db *db, int64_t operator_id, int64_t id)
{
	int own;
	if (db_begin_unless_open(db, &own))
		return -1;
	struct space s;
	int result = -1;
	if (space_get(db, operator_id, id, &s) < 0) {
		result = -1;
	} else if (s.mailbox_count > 0) {
		result = 1;
	} else if (detach_cancelled_mailboxes(db, operator_id, id) == 0) {
		struct db_stmt *st = db_prepare(db, "DELETE FROM spaces WHERE operator_id = ? AND id = ?");
		db_bind_int64(st, 1, operator_id);
		db_bind_int64(st, 2, id);
		result = db_step_done(st) == 0 && db_changes(db) == 1 ? 0 : -1;
	}
	if (db_end_own(db, own, result == 0) < 0 && result == 0)
		return -1;
	if (result == 0)
		log_info("store", "space deleted operator=%lld id=%lld", (long long)operator_id, (long long)id);
	return result;
}
