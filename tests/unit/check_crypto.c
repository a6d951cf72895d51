/* check_crypto.c: secretbox, password hashes, random tokens, SHA-256 and HMAC. */
#include "check_helpers.h"
#include "crypto/crypto.h"
#include "util/util.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Each secretbox test gets a fresh directory with a fresh key file, removed afterwards. */
static char test_dir[PATH_MAX];

static const char *test_path(const char *name)
{
	static char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", test_dir, name);
	return path;
}

static void write_file(const char *name, const void *data, size_t len)
{
	int fd = open(test_path(name), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* Reads up to cap bytes of a file; returns the count. */
static size_t read_file(const char *name, void *buf, size_t cap)
{
	int fd = open(test_path(name), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ssize_t n = read(fd, buf, cap);
	close(fd);
	ck_assert_int_ge(n, 0);
	return (size_t)n;
}

static void box_setup(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(test_dir, sizeof(test_dir), "%s/pilotomail-crypto-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(test_dir));
	ck_assert_int_eq(secretbox_init(test_path("secret.key")), 0);
}

static void box_teardown(void)
{
	static const char *names[] = { "secret.key", "other.key", "new.key", "short.key",
				       "long.key", "empty.key", "race.key" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		unlink(test_path(names[i]));
	for (int i = 0; i < 8; i++) {
		char name[32];
		snprintf(name, sizeof(name), "blob.%d", i);
		unlink(test_path(name));
	}
	rmdir(test_dir);
}

/* Seals and opens len bytes, checking the layout and the NUL after the plaintext. */
static void roundtrip(const void *data, size_t len)
{
	unsigned char *blob = NULL;
	size_t blob_len = 0, plain_len = 99;
	char *plain = NULL;
	ck_assert_int_eq(secretbox_seal(data, len, &blob, &blob_len), 0);
	ck_assert_uint_eq(blob_len, 1 + 12 + 16 + len);
	ck_assert_uint_eq(blob[0], 0x01);
	ck_assert_int_eq(secretbox_open(blob, blob_len, &plain, &plain_len), 0);
	ck_assert_uint_eq(plain_len, len);
	ck_assert_int_eq(memcmp(plain, len ? data : "", len), 0);
	ck_assert_int_eq(plain[len], '\0');
	free(plain);
	free(blob);
}

START_TEST(test_box_roundtrip)
{
	roundtrip("", 0);
	roundtrip("client-secret-123", 17);
	unsigned char *big = xmalloc(10240);
	for (size_t i = 0; i < 10240; i++)
		big[i] = (unsigned char)(i * 7 + 3); /* includes NUL bytes */
	roundtrip(big, 10240);
	free(big);
}
END_TEST

START_TEST(test_box_fresh_iv)
{
	unsigned char *a, *b;
	size_t alen, blen;
	ck_assert_int_eq(secretbox_seal("same", 4, &a, &alen), 0);
	ck_assert_int_eq(secretbox_seal("same", 4, &b, &blen), 0);
	ck_assert_uint_eq(alen, blen);
	ck_assert_int_ne(memcmp(a + 1, b + 1, 12), 0);
	ck_assert_int_ne(memcmp(a, b, alen), 0);
	free(a);
	free(b);
}
END_TEST

/* Opening must fail and leave the output untouched. */
static void assert_open_fails(const unsigned char *blob, size_t blob_len)
{
	char *plain = NULL;
	size_t plain_len = 12345;
	ck_assert_int_eq(secretbox_open(blob, blob_len, &plain, &plain_len), -1);
	ck_assert_ptr_null(plain);
	ck_assert_uint_eq(plain_len, 12345);
}

START_TEST(test_box_tamper)
{
	static const char msg[] = "signing secret value";
	unsigned char *blob;
	size_t blob_len;
	ck_assert_int_eq(secretbox_seal(msg, sizeof(msg) - 1, &blob, &blob_len), 0);
	/* first and last byte of the iv, the tag and the ciphertext */
	size_t positions[] = { 1, 12, 13, 28, 29, blob_len - 1 };
	for (size_t i = 0; i < ARRAY_SIZE(positions); i++) {
		for (unsigned bit = 0; bit < 8; bit += 7) {
			blob[positions[i]] ^= (unsigned char)(1u << bit);
			assert_open_fails(blob, blob_len);
			blob[positions[i]] ^= (unsigned char)(1u << bit);
		}
	}
	char *plain = NULL;
	ck_assert_int_eq(secretbox_open(blob, blob_len, &plain, NULL), 0);
	ck_assert_str_eq(plain, msg);
	free(plain);
	free(blob);
}
END_TEST

START_TEST(test_box_wrong_version)
{
	unsigned char *blob;
	size_t blob_len;
	ck_assert_int_eq(secretbox_seal("x", 1, &blob, &blob_len), 0);
	blob[0] = 0x02;
	assert_open_fails(blob, blob_len);
	blob[0] = 0x00;
	assert_open_fails(blob, blob_len);
	free(blob);
}
END_TEST

START_TEST(test_box_truncated)
{
	unsigned char *blob;
	size_t blob_len;
	ck_assert_int_eq(secretbox_seal("hello", 5, &blob, &blob_len), 0);
	assert_open_fails(blob, blob_len - 1);
	assert_open_fails(blob, 29);
	assert_open_fails(blob, 28);
	assert_open_fails(blob, 1);
	assert_open_fails(blob, 0);
	assert_open_fails(NULL, 0);
	unsigned char *longer = xmalloc(blob_len + 1);
	memcpy(longer, blob, blob_len);
	longer[blob_len] = 0;
	assert_open_fails(longer, blob_len + 1);
	free(longer);
	/* The empty plaintext's blob is all header: cutting any byte must fail too. */
	free(blob);
	ck_assert_int_eq(secretbox_seal("", 0, &blob, &blob_len), 0);
	assert_open_fails(blob, blob_len - 1);
	free(blob);
}
END_TEST

START_TEST(test_box_different_key)
{
	unsigned char *blob;
	size_t blob_len;
	char *plain = NULL;
	ck_assert_int_eq(secretbox_seal("secret", 6, &blob, &blob_len), 0);
	ck_assert_int_eq(secretbox_init(test_path("other.key")), 0);
	assert_open_fails(blob, blob_len);
	ck_assert_int_eq(secretbox_init(test_path("secret.key")), 0);
	ck_assert_int_eq(secretbox_open(blob, blob_len, &plain, NULL), 0);
	ck_assert_str_eq(plain, "secret");
	free(plain);
	free(blob);
}
END_TEST

START_TEST(test_key_file_created_and_reused)
{
	unsigned char first[64], second[64], *blob;
	size_t blob_len;
	char *plain = NULL;
	struct stat st;
	ck_assert_int_ne(access(test_path("new.key"), F_OK), 0);
	ck_assert_int_eq(secretbox_init(test_path("new.key")), 0);
	ck_assert_int_eq(stat(test_path("new.key"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_uint_eq(read_file("new.key", first, sizeof(first)), 32);
	ck_assert_int_eq(secretbox_seal("kept", 4, &blob, &blob_len), 0);

	ck_assert_int_eq(secretbox_init(test_path("new.key")), 0);
	ck_assert_uint_eq(read_file("new.key", second, sizeof(second)), 32);
	ck_assert_int_eq(memcmp(first, second, 32), 0);
	ck_assert_int_eq(secretbox_open(blob, blob_len, &plain, NULL), 0);
	ck_assert_str_eq(plain, "kept");
	free(plain);
	free(blob);
}
END_TEST

START_TEST(test_key_file_wrong_size)
{
	unsigned char bytes[33] = { 1, 2, 3 };
	write_file("short.key", bytes, 31);
	write_file("long.key", bytes, 33);
	write_file("empty.key", bytes, 0);
	ck_assert_int_eq(secretbox_init(test_path("short.key")), -1);
	ck_assert_int_eq(secretbox_init(test_path("long.key")), -1);
	ck_assert_int_eq(secretbox_init(test_path("empty.key")), -1);
	/* refused, not repaired */
	ck_assert_uint_eq(read_file("short.key", bytes, sizeof(bytes)), 31);
}
END_TEST

START_TEST(test_key_file_bad_path)
{
	ck_assert_int_eq(secretbox_init(NULL), -1);
	ck_assert_int_eq(secretbox_init(""), -1);
	ck_assert_int_eq(secretbox_init(test_path("no-such-dir/secret.key")), -1);
}
END_TEST

/*
 * Several processes start at once on a missing key file: exactly one creates it, the others read
 * it, so whatever any of them sealed, the file's key opens.
 */
START_TEST(test_key_file_race)
{
	enum { N = 8 };
	pid_t pids[N];
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			char msg[32], name[32];
			unsigned char *blob;
			size_t blob_len;
			snprintf(msg, sizeof(msg), "child %d", i);
			snprintf(name, sizeof(name), "blob.%d", i);
			if (secretbox_init(test_path("race.key")) != 0 ||
			    secretbox_seal(msg, strlen(msg), &blob, &blob_len) != 0)
				_exit(1);
			int fd = open(test_path(name), O_WRONLY | O_CREAT | O_EXCL, 0600);
			int ok = fd >= 0 && write(fd, blob, blob_len) == (ssize_t)blob_len;
			free(blob);
			_exit(ok && close(fd) == 0 ? 0 : 1);
		}
	}
	for (int i = 0; i < N; i++) {
		int status;
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ck_assert_int_eq(secretbox_init(test_path("race.key")), 0);
	for (int i = 0; i < N; i++) {
		char name[32], expect[32], *plain = NULL;
		unsigned char blob[128];
		snprintf(name, sizeof(name), "blob.%d", i);
		snprintf(expect, sizeof(expect), "child %d", i);
		size_t blob_len = read_file(name, blob, sizeof(blob));
		ck_assert_int_eq(secretbox_open(blob, blob_len, &plain, NULL), 0);
		ck_assert_str_eq(plain, expect);
		free(plain);
	}
}
END_TEST

START_TEST(test_password_good_and_bad)
{
	char *h = password_hash("correct horse battery");
	ck_assert(str_starts_with(h, "scrypt$131072$8$1$"));
	ck_assert_uint_eq(strlen(h), strlen("scrypt$131072$8$1$") + 32 + 1 + 64);
	ck_assert_int_eq(password_verify("correct horse battery", h), 1);
	ck_assert_int_eq(password_verify("correct horse batterz", h), 0);
	ck_assert_int_eq(password_verify("correct horse battery ", h), 0);
	ck_assert_int_eq(password_verify("", h), 0);
	ck_assert_int_eq(password_verify(NULL, h), 0);
	ck_assert_int_eq(password_verify("correct horse battery", NULL), 0);
	free(h);
}
END_TEST

START_TEST(test_password_salted)
{
	char *a = password_hash("same password");
	char *b = password_hash("same password");
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(password_verify("same password", a), 1);
	ck_assert_int_eq(password_verify("same password", b), 1);
	free(a);
	free(b);
}
END_TEST

/*
 * Stored parameters are read back, not assumed. Known answers computed independently:
 *   RFC 7914 section 12, and
 *   openssl kdf -keylen 32 -kdfopt pass:'hunter2 hunter2' -kdfopt salt:'0123456789abcdef' \
 *       -kdfopt n:1024 -kdfopt r:4 -kdfopt p:2 SCRYPT
 */
START_TEST(test_password_stored_parameters)
{
	static const char rfc7914[] =
		"scrypt$16384$8$1$536f6469756d43686c6f72696465$"
		"7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
		"d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887";
	static const char small[] =
		"scrypt$1024$4$2$30313233343536373839616263646566$"
		"52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac";
	static const char small_upper[] =
		"scrypt$1024$4$2$30313233343536373839616263646566$"
		"52F765B68DCCB10B5D9F3160D5E203597F083C186BD834D6BCAB08C4728ADCAC";
	ck_assert_int_eq(password_verify("pleaseletmein", rfc7914), 1);
	ck_assert_int_eq(password_verify("pleaseletmeout", rfc7914), 0);
	ck_assert_int_eq(password_verify("hunter2 hunter2", small), 1);
	ck_assert_int_eq(password_verify("hunter2 hunter2", small_upper), 1);
	ck_assert_int_eq(password_verify("hunter2", small), 0);
}
END_TEST

START_TEST(test_password_malformed)
{
	static const char *const bad[] = {
		"",
		"scrypt",
		"$$$$$",
		"bcrypt$1024$4$2$30313233343536373839616263646566$52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac",
		"scrypt$1024$4$30313233343536373839616263646566$52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac",
		"scrypt$1024$4$2$30313233343536373839616263646566$52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac$",
		"scrypt$1024$4$2$30313233343536373839616263646566$52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac$00",
		"scrypt$1000$4$2$30313233343536373839616263646566$52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac",
		"scrypt$+1024$4$2$30313233343536373839616263646566$52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac",
		"scrypt$ 1024$4$2$30313233343536373839616263646566$52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac",
		"scrypt$1024x$4$2$30313233343536373839616263646566$52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac",
		"scrypt$1$4$2$30313233343536373839616263646566$52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac",
		"scrypt$2097152$8$1$30313233343536373839616263646566$52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac",
		"scrypt$1048576$32$1$30313233343536373839616263646566$52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac",
		"scrypt$1024$0$2$30313233343536373839616263646566$52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac",
		"scrypt$1024$4$0$30313233343536373839616263646566$52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac",
		"scrypt$1024$4$99$30313233343536373839616263646566$52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac",
		"scrypt$1024$4$2$$52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac",
		"scrypt$1024$4$2$3031323334353637383961626364656$52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac",
		"scrypt$1024$4$2$3031323334353637383961626364656g$52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac",
		"scrypt$1024$4$2$30313233343536373839616263646566$",
		"scrypt$1024$4$2$30313233343536373839616263646566$52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adca",
		"scrypt$1024$4$2$30313233343536373839616263646566$52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcaz",
		"scrypt$1024$4$2$30313233343536373839616263646566$52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac ",
		"SCRYPT$1024$4$2$30313233343536373839616263646566$52f765b68dccb10b5d9f3160d5e203597f083c186bd834d6bcab08c4728adcac",
		"hunter2 hunter2",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(password_verify("hunter2 hunter2", bad[i]) == 0, "accepted bad[%zu]", i);
}
END_TEST

static int token_char_ok(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

START_TEST(test_random_token)
{
	/* ceil(4n/3) characters for n bytes, no padding */
	static const size_t expect[] = { 0, 2, 3, 4, 6, 7, 8, 10, 11, 12, 14 };
	for (size_t n = 0; n < ARRAY_SIZE(expect); n++) {
		char *t = random_token(n);
		ck_assert_uint_eq(strlen(t), expect[n]);
		free(t);
	}
	enum { COUNT = 2000 };
	char *tokens[COUNT];
	int seen_dash = 0, seen_underscore = 0;
	for (int i = 0; i < COUNT; i++) {
		tokens[i] = random_token(32);
		ck_assert_uint_eq(strlen(tokens[i]), 43);
		for (const char *c = tokens[i]; *c; c++) {
			ck_assert_msg(token_char_ok(*c), "bad char %c in %s", *c, tokens[i]);
			seen_dash |= *c == '-';
			seen_underscore |= *c == '_';
		}
	}
	/* 86,000 characters without '-' or '_' would mean the standard alphabet slipped in. */
	ck_assert(seen_dash && seen_underscore);
	qsort(tokens, COUNT, sizeof(tokens[0]), cmp_str);
	for (int i = 1; i < COUNT; i++)
		ck_assert_str_ne(tokens[i - 1], tokens[i]);
	for (int i = 0; i < COUNT; i++)
		free(tokens[i]);
}
END_TEST

START_TEST(test_random_below)
{
	int counts[10] = { 0 };
	ck_assert_uint_eq(random_below(1), 0);
	for (int i = 0; i < 10000; i++) {
		uint64_t v = random_below(10);
		ck_assert_uint_lt(v, 10);
		counts[v]++;
	}
	for (int i = 0; i < 10; i++)
		ck_assert_int_gt(counts[i], 800); /* expected 1000; far below means broken */
	for (int i = 0; i < 100; i++)
		ck_assert_uint_lt(random_below(UINT64_MAX), UINT64_MAX);
	unsigned char a[32] = { 0 }, b[32] = { 0 };
	random_bytes(a, sizeof(a));
	random_bytes(b, sizeof(b));
	ck_assert_int_ne(memcmp(a, b, sizeof(a)), 0);
}
END_TEST

START_TEST(test_sha256_known_answer)
{
	char out[65];
	/* FIPS 180-2 appendix B.1 */
	sha256_hex("abc", 3, out);
	ck_assert_str_eq(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_hex(NULL, 0, out);
	ck_assert_str_eq(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
END_TEST

START_TEST(test_hmac_known_answer)
{
	char out[65];
	/* RFC 4231 test case 2 */
	static const char data[] = "what do ya want for nothing?";
	hmac_sha256_hex("Jefe", 4, data, sizeof(data) - 1, out);
	ck_assert_str_eq(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* RFC 4231 test case 1: 20 bytes of 0x0b, "Hi There" */
	unsigned char key[20];
	memset(key, 0x0b, sizeof(key));
	hmac_sha256_hex(key, sizeof(key), "Hi There", 8, out);
	ck_assert_str_eq(out, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}
END_TEST

START_TEST(test_crypto_equal)
{
	ck_assert_int_eq(crypto_equal("abcd", "abcd", 4), 1);
	ck_assert_int_eq(crypto_equal("abcd", "abce", 4), 0);
	ck_assert_int_eq(crypto_equal("xbcd", "abcd", 4), 0);
	ck_assert_int_eq(crypto_equal("", "", 0), 1);
}
END_TEST

static Suite *crypto_suite(void)
{
	Suite *s = suite_create("crypto");
	TCase *box = tcase_create("secretbox");
	tcase_add_checked_fixture(box, box_setup, box_teardown);
	tcase_set_timeout(box, 30);
	tcase_add_test(box, test_box_roundtrip);
	tcase_add_test(box, test_box_fresh_iv);
	tcase_add_test(box, test_box_tamper);
	tcase_add_test(box, test_box_wrong_version);
	tcase_add_test(box, test_box_truncated);
	tcase_add_test(box, test_box_different_key);
	tcase_add_test(box, test_key_file_created_and_reused);
	tcase_add_test(box, test_key_file_wrong_size);
	tcase_add_test(box, test_key_file_bad_path);
	tcase_add_test(box, test_key_file_race);
	suite_add_tcase(s, box);

	/* scrypt is slow on purpose, and much slower under valgrind or sanitizers */
	TCase *pw = tcase_create("password");
	tcase_set_timeout(pw, 120);
	tcase_add_test(pw, test_password_good_and_bad);
	tcase_add_test(pw, test_password_salted);
	tcase_add_test(pw, test_password_stored_parameters);
	tcase_add_test(pw, test_password_malformed);
	suite_add_tcase(s, pw);

	TCase *rnd = tcase_create("random_and_digests");
	tcase_set_timeout(rnd, 30);
	tcase_add_test(rnd, test_random_token);
	tcase_add_test(rnd, test_random_below);
	tcase_add_test(rnd, test_sha256_known_answer);
	tcase_add_test(rnd, test_hmac_known_answer);
	tcase_add_test(rnd, test_crypto_equal);
	suite_add_tcase(s, rnd);
	return s;
}

CHECK_MAIN(crypto_suite)
