/* fuzz-sources: src/http/multipart.c src/http/form.c src/util/filetype.c src/util/util.c src/util/log.c */
/*
 * fuzz_multipart.c: libFuzzer target for the multipart/form-data parser and the scan type sniffer
 * (tests/fuzz/run.sh). Input: up to the first newline a Content-Type header, the rest the body.
 * Besides "no crash, no leak, no undefined behaviour" it checks that every file part points
 * inside the body, that no text value holds a NUL, that the limits hold, and that parsing the
 * same bytes twice gives the same result.
 */
#include "http/multipart.h"
#include "util/filetype.h"
#include "util/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_require(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_multipart: invariant broken: %s\n", what);
		abort();
	}
}

static void check_result(const char *body, size_t len, const struct kvlist *fields, const struct multipart_files *files)
{
	fuzz_require(fields->n + files->n <= MULTIPART_MAX_PARTS, "part limit");
	fuzz_require(files->n <= MULTIPART_MAX_FILES, "file limit");
	for (size_t i = 0; i < fields->n; i++)
		fuzz_require(strlen(fields->items[i].value) <= MULTIPART_MAX_TEXT, "text limit");
	for (size_t i = 0; i < files->n; i++) {
		const struct multipart_file *f = &files->items[i];
		fuzz_require(f->data >= body && f->data + f->len <= body + len, "file inside the body");
		fuzz_require(f->name && *f->name && f->filename && f->content_type, "file names");
		filetype_sniff(f->data, f->len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t ct_len = nl ? (size_t)(nl - data) : size;
	char *content_type = xstrndup((const char *)data, ct_len);
	/* The body as http.c hands it over: its own buffer, NUL-terminated. */
	size_t len = nl ? size - ct_len - 1 : 0;
	char *body = xmalloc(len + 1);
	if (len)
		memcpy(body, nl + 1, len);
	body[len] = '\0';
	char boundary[80];
	if (multipart_boundary(content_type, boundary, sizeof(boundary)) == 0) {
		fuzz_require(strlen(boundary) >= 1 && strlen(boundary) <= 70, "boundary length");
		struct kvlist f1 = { 0 }, f2 = { 0 };
		struct multipart_files m1 = { 0 }, m2 = { 0 };
		int r1 = multipart_parse(body, len, boundary, &f1, &m1);
		int r2 = multipart_parse(body, len, boundary, &f2, &m2);
		fuzz_require(r1 == r2, "repeatable");
		if (r1 == 0) {
			check_result(body, len, &f1, &m1);
			fuzz_require(f1.n == f2.n && m1.n == m2.n, "same parts");
		}
		kvlist_free(&f1);
		kvlist_free(&f2);
		multipart_files_free(&m1);
		multipart_files_free(&m2);
	}
	filetype_sniff(body, len);
	free(body);
	free(content_type);
	return 0;
}
