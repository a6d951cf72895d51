/* scan_files.c: see scan_files.h. */
#include "store/scan_files.h"
#include "crypto/crypto.h"
#include "util/log.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *scan_file_path(const char *dir, int64_t operator_id, const char *sha256)
{
	return xasprintf("%s/%lld/%s", dir, (long long)operator_id, sha256);
}

/* mkdir that is fine with the folder being there already. */
static int make_dir(const char *path)
{
	if (mkdir(path, 0750) == 0 || errno == EEXIST)
		return 0;
	log_error("scans", "cannot create folder path=%s err=\"%s\"", path, strerror(errno));
	return -1;
}

static int write_all_fd(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsync of the operator's folder, so a rename or unlink in it survives a crash. */
static void sync_operator_dir(const char *dir, int64_t operator_id)
{
	char *folder = xasprintf("%s/%lld", dir, (long long)operator_id);
	int fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(folder);
}

int scan_file_stage(const char *dir, int64_t operator_id, const void *data, size_t len, char sha256[65],
		    char **tmp_path)
{
	*tmp_path = NULL;
	char *folder = xasprintf("%s/%lld", dir, (long long)operator_id);
	if (make_dir(dir) < 0 || make_dir(folder) < 0) {
		free(folder);
		return -1;
	}
	unsigned char rnd[8];
	char hex[17];
	random_bytes(rnd, sizeof(rnd));
	hex_encode(rnd, sizeof(rnd), hex);
	char *tmp = xasprintf("%s/.tmp-%s", folder, hex);
	free(folder);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0 || write_all_fd(fd, data, len) < 0 || fsync(fd) < 0) {
		log_error("scans", "cannot write scan file path=%s err=\"%s\"", tmp, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return -1;
	}
	if (close(fd) < 0) {
		unlink(tmp);
		free(tmp);
		return -1;
	}
	sha256_hex(data, len, sha256);
	*tmp_path = tmp;
	return 0;
}

int scan_file_publish(const char *tmp_path, const char *dir, int64_t operator_id, const char *sha256)
{
	char *path = scan_file_path(dir, operator_id, sha256);
	int rc = rename(tmp_path, path);
	if (rc < 0)
		log_error("scans", "cannot publish scan file path=%s err=\"%s\"", path, strerror(errno));
	free(path);
	if (rc == 0)
		sync_operator_dir(dir, operator_id);
	return rc;
}

void scan_file_discard(const char *tmp_path)
{
	if (tmp_path)
		unlink(tmp_path);
}

int scan_file_remove(const char *dir, int64_t operator_id, const char *sha256)
{
	char *path = scan_file_path(dir, operator_id, sha256);
	int rc = unlink(path);
	if (rc < 0 && errno == ENOENT)
		rc = 0;
	if (rc < 0)
		log_error("scans", "cannot delete scan file path=%s err=\"%s\"", path, strerror(errno));
	free(path);
	if (rc == 0)
		sync_operator_dir(dir, operator_id);
	return rc;
}
