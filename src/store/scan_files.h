/*
 * scan_files.h: scan files on disk, PILOTOMAIL_SCAN_DIR/<operator id>/<sha256>.
 *
 * A file is written whole or not at all: staged as a temporary file in the operator's folder,
 * fsynced, then renamed to its hash (and the folder fsynced), so a kill at any instant leaves
 * either no file or the complete one, never half a file under a name a row may reference. A
 * killed upload can leave a ".tmp-*" file behind, which nothing references.
 * Callers rename (publish) and delete (remove) while holding the store's write transaction, so
 * that "is this hash still referenced?" and the file operation cannot interleave with another
 * request publishing the same hash (see store/scans.h).
 */
#ifndef PILOTOMAIL_STORE_SCAN_FILES_H
#define PILOTOMAIL_STORE_SCAN_FILES_H

#include <stddef.h>
#include <stdint.h>

/* dir/<operator_id>/<sha256> (free()). */
char *scan_file_path(const char *dir, int64_t operator_id, const char *sha256);

/*
 * Writes data[0..len) to a new temporary file in the operator's folder (created, with dir, as
 * needed), fsynced, and computes its SHA-256 into sha256 (lower-case hex). *tmp_path (free())
 * names the file for scan_file_publish() or scan_file_discard(). 0 or -1 (logged).
 */
int scan_file_stage(const char *dir, int64_t operator_id, const void *data, size_t len, char sha256[65],
		    char **tmp_path);
/* Renames the staged file to its hash name (an existing one has the same bytes) and fsyncs
 * the folder. 0 or -1 (logged; the staged file is left for scan_file_discard()). */
int scan_file_publish(const char *tmp_path, const char *dir, int64_t operator_id, const char *sha256);
/* Removes a staged file that will not be published. */
void scan_file_discard(const char *tmp_path);
/* Removes dir/<operator_id>/<sha256>. 0 (also when it was not there) or -1 (logged). */
int scan_file_remove(const char *dir, int64_t operator_id, const char *sha256);

#endif
