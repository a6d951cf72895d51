/*
 * secretbox.c: see crypto.h. AES-256-GCM under a process-wide key read from a file.
 *
 * The version byte is also fed to GCM as additional authenticated data, so a blob cannot be
 * relabelled as another version without failing the tag check.
 */
#include "crypto/crypto.h"
#include "util/log.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define SECRETBOX_VERSION 0x01
#define SECRETBOX_KEY_LEN 32
#define SECRETBOX_IV_LEN 12
#define SECRETBOX_TAG_LEN 16
#define SECRETBOX_HEADER_LEN (1 + SECRETBOX_IV_LEN + SECRETBOX_TAG_LEN)

static unsigned char secretbox_key[SECRETBOX_KEY_LEN];
static int secretbox_have_key;

/* Reads up to cap bytes (one more than wanted, to notice a file that is too long). */
static ssize_t secretbox_read_all(int fd, unsigned char *buf, size_t cap)
{
	size_t got = 0;
	while (got < cap) {
		ssize_t n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static void secretbox_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/*
 * Reads an existing key file. A file shorter than the key may be one another process has just
 * created with O_EXCL and not yet written: give it a moment before calling it wrong. A file that
 * stays short, or is too long, is refused, never padded or cut: it is not our key.
 */
static int secretbox_load(const char *path, unsigned char key[SECRETBOX_KEY_LEN])
{
	unsigned char buf[SECRETBOX_KEY_LEN + 1];
	ssize_t n = -1;
	for (int attempt = 0; attempt < 20; attempt++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			log_error("crypto", "key file open failed path=%s err=\"%s\"", path,
				  strerror(errno));
			return -1;
		}
		struct stat st;
		if (fstat(fd, &st) == 0 && (st.st_mode & 077))
			log_warn("crypto", "key file readable by others path=%s mode=%03o", path,
				  (unsigned)(st.st_mode & 0777));
		n = secretbox_read_all(fd, buf, sizeof(buf));
		close(fd);
		if (n < 0) {
			log_error("crypto", "key file read failed path=%s err=\"%s\"", path,
				  strerror(errno));
			return -1;
		}
		if (n >= SECRETBOX_KEY_LEN)
			break;
		secretbox_sleep_ms(10);
	}
	if (n != SECRETBOX_KEY_LEN) {
		/* An empty file is what a crash right after creating it leaves: nothing used it yet. */
		log_error("crypto", "key file has wrong size path=%s size=%zd%s expected=%d%s", path, n,
			  n > SECRETBOX_KEY_LEN ? "+" : "", SECRETBOX_KEY_LEN,
			  n == 0 ? " hint=\"empty: remove it to create a new key\"" : "");
		OPENSSL_cleanse(buf, sizeof(buf));
		return -1;
	}
	memcpy(key, buf, SECRETBOX_KEY_LEN);
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

/*
 * Creates the key file with O_EXCL, so two processes starting together cannot both win: the loser
 * gets 1 and reads the winner's key. Returns 0 (created, key filled), 1 (exists) or -1.
 */
static int secretbox_create(const char *path, unsigned char key[SECRETBOX_KEY_LEN])
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST)
		return 1;
	if (fd < 0) {
		log_error("crypto", "key file create failed path=%s err=\"%s\"", path,
			  strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0600) != 0) /* exactly 0600, whatever the umask */
		log_warn("crypto", "key file chmod failed path=%s err=\"%s\"", path, strerror(errno));
	random_bytes(key, SECRETBOX_KEY_LEN);
	size_t done = 0;
	while (done < SECRETBOX_KEY_LEN) {
		ssize_t n = write(fd, key + done, SECRETBOX_KEY_LEN - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	/* The key must be on disk before anything it encrypts is committed to the database. */
	if (done != SECRETBOX_KEY_LEN || fsync(fd) != 0) {
		log_error("crypto", "key file write failed path=%s err=\"%s\"", path, strerror(errno));
		close(fd);
		unlink(path);
		OPENSSL_cleanse(key, SECRETBOX_KEY_LEN);
		return -1;
	}
	close(fd);
	log_info("crypto", "key file created path=%s", path);
	return 0;
}

int secretbox_init(const char *key_file)
{
	unsigned char key[SECRETBOX_KEY_LEN];
	int rc;
	if (!key_file || !*key_file) {
		log_error("crypto", "key file path is empty");
		return -1;
	}
	if (access(key_file, F_OK) == 0)
		rc = secretbox_load(key_file, key);
	else if ((rc = secretbox_create(key_file, key)) == 1)
		rc = secretbox_load(key_file, key);
	if (rc != 0)
		return -1;
	memcpy(secretbox_key, key, sizeof(key));
	OPENSSL_cleanse(key, sizeof(key));
	secretbox_have_key = 1;
	return 0;
}

int secretbox_seal(const void *plain, size_t len, unsigned char **blob, size_t *blob_len)
{
	static const unsigned char version = SECRETBOX_VERSION;
	if (!secretbox_have_key) {
		log_error("crypto", "secretbox used before secretbox_init");
		return -1;
	}
	if (len > (size_t)INT_MAX - SECRETBOX_HEADER_LEN)
		return -1;
	unsigned char *out = xmalloc(SECRETBOX_HEADER_LEN + len);
	unsigned char *iv = out + 1, *tag = iv + SECRETBOX_IV_LEN, *ct = tag + SECRETBOX_TAG_LEN;
	out[0] = SECRETBOX_VERSION;
	random_bytes(iv, SECRETBOX_IV_LEN);

	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, ok = ctx &&
		EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SECRETBOX_IV_LEN, NULL) == 1 &&
		EVP_EncryptInit_ex(ctx, NULL, NULL, secretbox_key, iv) == 1 &&
		EVP_EncryptUpdate(ctx, NULL, &n, &version, 1) == 1 &&
		(len == 0 || EVP_EncryptUpdate(ctx, ct, &n, plain, (int)len) == 1) &&
		EVP_EncryptFinal_ex(ctx, ct + (len ? (size_t)n : 0), &n) == 1 &&
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SECRETBOX_TAG_LEN, tag) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok) {
		log_error("crypto", "secretbox seal failed");
		OPENSSL_cleanse(out, SECRETBOX_HEADER_LEN + len);
		free(out);
		return -1;
	}
	*blob = out;
	*blob_len = SECRETBOX_HEADER_LEN + len;
	return 0;
}

int secretbox_open(const unsigned char *blob, size_t blob_len, char **plain, size_t *plain_len)
{
	if (!secretbox_have_key) {
		log_error("crypto", "secretbox used before secretbox_init");
		return -1;
	}
	if (!blob || blob_len < SECRETBOX_HEADER_LEN || blob_len > (size_t)INT_MAX ||
	    blob[0] != SECRETBOX_VERSION) {
		log_warn("crypto", "secretbox open refused reason=%s",
			 blob && blob_len >= 1 && blob[0] != SECRETBOX_VERSION ? "version" : "length");
		return -1;
	}
	const unsigned char *iv = blob + 1;
	const unsigned char *ct = iv + SECRETBOX_IV_LEN + SECRETBOX_TAG_LEN;
	size_t ct_len = blob_len - SECRETBOX_HEADER_LEN;
	unsigned char tag[SECRETBOX_TAG_LEN]; /* a copy: OpenSSL's ctrl takes a non-const pointer */
	memcpy(tag, iv + SECRETBOX_IV_LEN, sizeof(tag));
	unsigned char *out = xmalloc(ct_len + 1);

	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, ok = ctx &&
		EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SECRETBOX_IV_LEN, NULL) == 1 &&
		EVP_DecryptInit_ex(ctx, NULL, NULL, secretbox_key, iv) == 1 &&
		EVP_DecryptUpdate(ctx, NULL, &n, blob, 1) == 1 &&
		(ct_len == 0 || EVP_DecryptUpdate(ctx, out, &n, ct, (int)ct_len) == 1) &&
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SECRETBOX_TAG_LEN, tag) == 1 &&
		EVP_DecryptFinal_ex(ctx, out + (ct_len ? (size_t)n : 0), &n) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok) {
		/* A failed tag check is an error, never data: wipe whatever was decrypted. */
		log_warn("crypto", "secretbox open refused reason=authentication");
		OPENSSL_cleanse(out, ct_len + 1);
		free(out);
		return -1;
	}
	out[ct_len] = '\0';
	*plain = (char *)out;
	if (plain_len)
		*plain_len = ct_len;
	return 0;
}
