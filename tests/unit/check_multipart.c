/*
 * check_multipart.c: the multipart/form-data parser (src/http/multipart.c) and telling a scan's
 * type by its content (src/util/filetype.c).
 */
#include "check_helpers.h"
#include "http/multipart.h"
#include "util/filetype.h"
#include "util/util.h"

#include <string.h>

struct parsed {
	struct kvlist fields;
	struct multipart_files files;
};

static int parse(const char *body, size_t len, struct parsed *p)
{
	memset(p, 0, sizeof(*p));
	return multipart_parse(body, len, "XyZ", &p->fields, &p->files);
}

static int parse_s(const char *body, struct parsed *p)
{
	return parse(body, strlen(body), p);
}

static void parsed_free(struct parsed *p)
{
	kvlist_free(&p->fields);
	multipart_files_free(&p->files);
}

/* A browser's form: a CSRF token, a file with bytes that look like a boundary, a text field. */
START_TEST(test_browser_form)
{
	static const char body[] =
		"--XyZ\r\n"
		"Content-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
		"tok123\r\n"
		"--XyZ\r\n"
		"Content-Disposition: form-data; name=\"scan_file\"; filename=\"letter.pdf\"\r\n"
		"Content-Type: application/pdf\r\n\r\n"
		"%PDF-1.4\r\n--XyNOT\0binary\r\n"
		"\r\n--XyZ\r\n"
		"content-disposition: form-data; name=\"note\"\r\n\r\n"
		"two\r\nlines\r\n"
		"--XyZ--\r\n";
	struct parsed p;
	ck_assert_int_eq(parse(body, sizeof(body) - 1, &p), 0);
	ck_assert_str_eq(kvlist_get(&p.fields, "csrf_token"), "tok123");
	ck_assert_str_eq(kvlist_get(&p.fields, "note"), "two\r\nlines");
	const struct multipart_file *f = multipart_file_get(&p.files, "scan_file");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->filename, "letter.pdf");
	ck_assert_str_eq(f->content_type, "application/pdf");
	ck_assert_uint_eq(f->len, 26);
	ck_assert_int_eq(memcmp(f->data, "%PDF-1.4\r\n--XyNOT\0binary\r\n", 26), 0);
	ck_assert_ptr_null(multipart_file_get(&p.files, "other"));
	parsed_free(&p);
}
END_TEST

/* No file chosen: the browser sends the part with an empty filename and no bytes. */
START_TEST(test_empty_file_part)
{
	struct parsed p;
	ck_assert_int_eq(parse_s("--XyZ\r\nContent-Disposition: form-data; name=\"scan_file\"; filename=\"\"\r\n"
				 "Content-Type: application/octet-stream\r\n\r\n\r\n--XyZ--", &p), 0);
	const struct multipart_file *f = multipart_file_get(&p.files, "scan_file");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->len, 0);
	ck_assert_str_eq(f->filename, "");
	parsed_free(&p);
	/* No parts at all is a valid (empty) form. */
	ck_assert_int_eq(parse_s("--XyZ--\r\n", &p), 0);
	ck_assert_uint_eq(p.fields.n + p.files.n, 0);
	parsed_free(&p);
}
END_TEST

START_TEST(test_malformed_bodies_are_refused)
{
	static const char *const bad[] = {
		"",                                                           /* nothing */
		"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ--", /* preamble */
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1",                      /* no close */
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ",             /* cut short */
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ--junk",       /* epilogue */
		"--XyZ\r\n\r\n1\r\n--XyZ--",                                   /* no disposition */
		"--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\n1\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--XyZ--",            /* unquoted */
		"--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\n1\r\n--XyZ--",         /* empty name */
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"; name=\"b\"\r\n\r\n1\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"; size=\"3\"\r\n\r\n1\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\n1\r\n--XyZ--",          /* open quote */
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\nX: y\r\n\r\n1\r\n--XyZ--",  /* bare LF */
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\nMQ==\r\n--XyZ--",
		"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n"
		"Content-Disposition: form-data; name=\"b\"\r\n\r\n1\r\n--XyZ--",
		"--XyZ\nContent-Disposition: form-data; name=\"a\"\n\n1\n--XyZ--",              /* LF only */
		"--XyZ\r\nNoColonHere\r\n\r\n1\r\n--XyZ--",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct parsed p;
		ck_assert_msg(parse_s(bad[i], &p) < 0, "accepted case %zu", i);
		parsed_free(&p);
	}
	/* A NUL in a text field or a name (a file may hold any byte). */
	static const char nul_text[] = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\0y\r\n--XyZ--";
	struct parsed p;
	ck_assert_int_lt(parse(nul_text, sizeof(nul_text) - 1, &p), 0);
	parsed_free(&p);
	static const char nul_name[] = "--XyZ\r\nContent-Disposition: form-data; name=\"a\0\"\r\n\r\nx\r\n--XyZ--";
	ck_assert_int_lt(parse(nul_name, sizeof(nul_name) - 1, &p), 0);
	parsed_free(&p);
}
END_TEST

START_TEST(test_limits)
{
	struct strbuf sb = { 0 };
	for (int i = 0; i <= MULTIPART_MAX_PARTS; i++)
		strbuf_addf(&sb, "--XyZ\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\nv\r\n", i);
	strbuf_adds(&sb, "--XyZ--");
	struct parsed p;
	ck_assert_int_lt(parse(sb.buf, sb.len, &p), 0);
	parsed_free(&p);
	strbuf_reset(&sb);
	for (int i = 0; i <= MULTIPART_MAX_FILES; i++)
		strbuf_addf(&sb, "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"%d\"\r\n\r\nv\r\n", i);
	strbuf_adds(&sb, "--XyZ--");
	ck_assert_int_lt(parse(sb.buf, sb.len, &p), 0);
	parsed_free(&p);
	strbuf_reset(&sb);
	strbuf_adds(&sb, "--XyZ\r\nContent-Disposition: form-data; name=\"big\"\r\n\r\n");
	for (int i = 0; i <= MULTIPART_MAX_TEXT; i++)
		strbuf_adds(&sb, "x");
	strbuf_adds(&sb, "\r\n--XyZ--");
	ck_assert_int_lt(parse(sb.buf, sb.len, &p), 0);
	parsed_free(&p);
	strbuf_free(&sb);
}
END_TEST

START_TEST(test_boundary_from_content_type)
{
	char b[80];
	ck_assert_int_eq(multipart_boundary("multipart/form-data; boundary=----WebKitFormBoundaryAbC123", b, sizeof(b)), 0);
	ck_assert_str_eq(b, "----WebKitFormBoundaryAbC123");
	ck_assert_int_eq(multipart_boundary("Multipart/Form-Data; charset=utf-8; BOUNDARY=\"a b:c\"", b, sizeof(b)), 0);
	ck_assert_str_eq(b, "a b:c");
	ck_assert_int_lt(multipart_boundary("multipart/mixed; boundary=abc", b, sizeof(b)), 0);
	ck_assert_int_lt(multipart_boundary("multipart/form-data", b, sizeof(b)), 0);
	ck_assert_int_lt(multipart_boundary("multipart/form-data; boundary=", b, sizeof(b)), 0);
	ck_assert_int_lt(multipart_boundary("multipart/form-data; boundary=\"abc", b, sizeof(b)), 0);
	ck_assert_int_lt(multipart_boundary("multipart/form-data; boundary=a<b", b, sizeof(b)), 0);
	ck_assert_int_lt(multipart_boundary("multipart/form-data; boundary=\"ends in space \"", b, sizeof(b)), 0);
	char long71[100];
	memset(long71, 'a', 71);
	long71[71] = '\0';
	char *ct = xasprintf("multipart/form-data; boundary=%s", long71);
	ck_assert_int_lt(multipart_boundary(ct, b, sizeof(b)), 0);
	free(ct);
	ck_assert_int_lt(multipart_boundary(NULL, b, sizeof(b)), 0);
}
END_TEST

START_TEST(test_type_by_content_not_name)
{
	ck_assert_str_eq(filetype_sniff("%PDF-1.7\n", 9)->mime, "application/pdf");
	ck_assert_str_eq(filetype_sniff("\x89PNG\r\n\x1a\n\0\0", 10)->mime, "image/png");
	ck_assert_str_eq(filetype_sniff("\xff\xd8\xff\xe0", 4)->mime, "image/jpeg");
	ck_assert_str_eq(filetype_sniff("RIFF\x10\0\0\0WEBPVP8 ", 16)->mime, "image/webp");
	ck_assert_str_eq(filetype_sniff("%PDF-1.7", 8)->extension, "pdf");
	/* A Windows program named letter.pdf, HTML, a RIFF that is a WAV, text, almost-magic. */
	ck_assert_ptr_null(filetype_sniff("MZ\x90\0\3\0\0\0", 8));
	ck_assert_ptr_null(filetype_sniff("<html><script>", 14));
	ck_assert_ptr_null(filetype_sniff("RIFF\x10\0\0\0WAVEfmt ", 16));
	ck_assert_ptr_null(filetype_sniff(" %PDF-1.7", 9));
	ck_assert_ptr_null(filetype_sniff("%PDF", 4));
	ck_assert_ptr_null(filetype_sniff("\x89PNG\r\n", 6));
	ck_assert_ptr_null(filetype_sniff("", 0));
	ck_assert_ptr_null(filetype_sniff(NULL, 10));
	ck_assert_str_eq(filetype_by_mime("image/webp")->label, "WebP image");
	ck_assert_ptr_null(filetype_by_mime("text/html"));
	char buf[32];
	ck_assert_str_eq(filetype_size_words(20 * 1024 * 1024, buf, sizeof(buf)), "20 MiB");
	ck_assert_str_eq(filetype_size_words(1572864, buf, sizeof(buf)), "1.5 MiB");
	ck_assert_str_eq(filetype_size_words(150000, buf, sizeof(buf)), "147 KiB");
	ck_assert_str_eq(filetype_size_words(12, buf, sizeof(buf)), "12 bytes");
}
END_TEST

static Suite *multipart_suite(void)
{
	Suite *s = suite_create("multipart");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_browser_form);
	tcase_add_test(tc, test_empty_file_part);
	tcase_add_test(tc, test_malformed_bodies_are_refused);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_boundary_from_content_type);
	tcase_add_test(tc, test_type_by_content_not_name);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(multipart_suite)
