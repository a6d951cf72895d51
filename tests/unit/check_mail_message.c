/* check_mail_message.c: MIME composition, header safety, the invitation's words, .eml delivery. */
#include "check_helpers.h"
#include "mail/deliver.h"
#include "mail/invitation_email.h"
#include "mail/message.h"
#include "util/util.h"

#include <dirent.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct mail_message sample(void)
{
	struct mail_message m = {
		.from_addr = "mail@space.example",
		.from_name = "Harbour Desk",
		.to_addr = "ada@example.com",
		.subject = "Your mailbox at Harbour Desk: PMB 101",
		.text = "Hello Ada,\n\nYour link: https://pm.example/invite/abc\n",
		.html = "<!doctype html><p>Hello Ada</p>\n",
		.message_id = "<0123456789abcdef@space.example>",
		.date = 1795000000,
	};
	return m;
}

static char *compose_ok(const struct mail_message *m)
{
	size_t len = 0;
	const char *why = "unset";
	char *out = mail_message_compose(m, &len, &why);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_null(why);
	ck_assert_uint_eq(len, strlen(out));
	return out;
}

/* The header block (up to the first empty line), unfolded, as a new string. */
static char *headers_unfolded(const char *msg)
{
	const char *end = strstr(msg, "\r\n\r\n");
	ck_assert_ptr_nonnull(end);
	struct strbuf sb = { 0 };
	for (const char *p = msg; p < end; p++) {
		if (p[0] == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t')) {
			p++; /* drop CRLF, keep the white space */
			continue;
		}
		strbuf_add(&sb, p, 1);
	}
	return strbuf_detach(&sb, NULL);
}

/* Every line ends in CRLF (no bare CR or LF) and is at most max characters long. */
static void assert_lines(const char *msg, size_t max)
{
	size_t col = 0;
	for (const char *p = msg; *p; p++) {
		if (*p == '\r') {
			ck_assert_msg(p[1] == '\n', "bare CR at offset %zu", (size_t)(p - msg));
			p++;
			col = 0;
			continue;
		}
		ck_assert_msg(*p != '\n', "bare LF at offset %zu", (size_t)(p - msg));
		col++;
		ck_assert_msg(col <= max, "line longer than %zu at offset %zu", max, (size_t)(p - msg));
	}
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Decodes quoted-printable (soft breaks removed, CRLF kept as LF). */
static char *qp_decode(const char *s, size_t len)
{
	struct strbuf sb = { 0 };
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '=' && i + 2 < len + 1 && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 2;
		} else if (s[i] == '=') {
			unsigned char c;
			ck_assert_int_eq(hex_decode(s + i + 1, 2, &c, 1), 0);
			strbuf_add(&sb, &c, 1);
			i += 2;
		} else if (s[i] == '\r' && s[i + 1] == '\n') {
			strbuf_adds(&sb, "\n");
			i++;
		} else {
			strbuf_add(&sb, s + i, 1);
		}
	}
	return strbuf_detach(&sb, NULL);
}

/* The decoded body of the part with the given Content-Type. */
static char *part_body(const char *msg, const char *boundary, const char *type)
{
	char *delim = xasprintf("--%s\r\n", boundary);
	char *close = xasprintf("\r\n--%s", boundary);
	const char *p = msg;
	char *found = NULL;
	while ((p = strstr(p, delim))) {
		p += strlen(delim);
		const char *body = strstr(p, "\r\n\r\n");
		ck_assert_ptr_nonnull(body);
		char *head = xstrndup(p, (size_t)(body - p));
		body += 4;
		const char *end = strstr(body, close);
		ck_assert_ptr_nonnull(end);
		if (strstr(head, type)) {
			ck_assert_ptr_nonnull(strstr(head, "Content-Transfer-Encoding: quoted-printable"));
			ck_assert_ptr_nonnull(strstr(head, "charset=UTF-8"));
			found = qp_decode(body, (size_t)(end - body) + 2);
		}
		free(head);
		if (found)
			break;
	}
	free(delim);
	free(close);
	ck_assert_msg(found != NULL, "no %s part", type);
	return found;
}

/* The boundary parameter of the top-level Content-Type. */
static char *boundary_of(const char *msg)
{
	char *h = headers_unfolded(msg);
	const char *b = strstr(h, "boundary=\"");
	ck_assert_ptr_nonnull(b);
	b += strlen("boundary=\"");
	char *out = xstrndup(b, strcspn(b, "\""));
	free(h);
	return out;
}

/* Decodes a header value made of =?UTF-8?B?...?= words (white space between them ignored). */
static char *ew_decode(const char *value)
{
	struct strbuf sb = { 0 };
	const char *p = value;
	while ((p = strstr(p, "=?UTF-8?B?"))) {
		p += strlen("=?UTF-8?B?");
		const char *end = strstr(p, "?=");
		ck_assert_ptr_nonnull(end);
		unsigned char raw[128];
		int n = EVP_DecodeBlock(raw, (const unsigned char *)p, (int)(end - p));
		ck_assert_int_ge(n, 0);
		size_t pad = (end - p >= 1 && end[-1] == '=') + (end - p >= 2 && end[-2] == '=');
		strbuf_add(&sb, raw, (size_t)n - pad);
		p = end + 2;
	}
	return strbuf_detach(&sb, NULL);
}

/* The unfolded value of header name, as a new string. */
static char *header_value(const char *msg, const char *name)
{
	char *h = headers_unfolded(msg);
	char *key = xasprintf("%s: ", name);
	const char *p = strncmp(h, key, strlen(key)) == 0 ? h : NULL;
	if (!p) {
		char *nkey = xasprintf("\r\n%s", key);
		p = strstr(h, nkey);
		if (p)
			p += 2;
		free(nkey);
	}
	ck_assert_msg(p != NULL, "no %s header", name);
	p += strlen(key);
	char *out = xstrndup(p, strcspn(p, "\r"));
	free(key);
	free(h);
	return out;
}

START_TEST(test_structure_and_headers)
{
	struct mail_message m = sample();
	char *msg = compose_ok(&m);
	assert_lines(msg, 78);
	char *h = headers_unfolded(msg);
	ck_assert_ptr_nonnull(strstr(h, "Date: Wed, 18 Nov 2026 11:06:40 +0000"));
	ck_assert_ptr_nonnull(strstr(h, "From: \"Harbour Desk\" <mail@space.example>"));
	ck_assert_ptr_nonnull(strstr(h, "\r\nTo: ada@example.com\r\n"));
	ck_assert_ptr_nonnull(strstr(h, "\r\nSubject: Your mailbox at Harbour Desk: PMB 101\r\n"));
	ck_assert_ptr_nonnull(strstr(h, "\r\nMessage-ID: <0123456789abcdef@space.example>\r\n"));
	ck_assert_ptr_nonnull(strstr(h, "\r\nMIME-Version: 1.0\r\n"));
	ck_assert_ptr_nonnull(strstr(h, "Content-Type: multipart/alternative;"));
	free(h);

	char *boundary = boundary_of(msg);
	ck_assert_uint_gt(strlen(boundary), 10);
	char *open = xasprintf("\r\n--%s\r\n", boundary);
	char *close = xasprintf("\r\n--%s--\r\n", boundary);
	ck_assert_uint_eq(count(msg, open), 2);
	ck_assert_uint_eq(count(msg, close), 1);
	ck_assert_ptr_nonnull(strstr(msg, close) + strlen(close));
	ck_assert_str_eq(strstr(msg, close) + strlen(close), "");

	char *text = part_body(msg, boundary, "text/plain");
	char *html = part_body(msg, boundary, "text/html");
	ck_assert_str_eq(text, m.text);
	ck_assert_str_eq(html, m.html);
	/* text before html: the last alternative is the preferred one. */
	ck_assert(strstr(msg, "text/plain") < strstr(msg, "text/html"));
	free(text);
	free(html);
	free(open);
	free(close);
	free(boundary);
	free(msg);
}
END_TEST

START_TEST(test_same_fields_same_bytes)
{
	struct mail_message m = sample();
	char *a = compose_ok(&m), *b = compose_ok(&m);
	ck_assert_str_eq(a, b);
	m.message_id = "<other@space.example>";
	char *c = compose_ok(&m);
	char *ba = boundary_of(a), *bc = boundary_of(c);
	ck_assert_str_ne(ba, bc);
	free(ba);
	free(bc);
	free(a);
	free(b);
	free(c);
}
END_TEST

START_TEST(test_non_ascii_subject_and_name_are_encoded)
{
	struct mail_message m = sample();
	m.subject = "Ihr Postfach bei Büro Zürich – Übersicht für Jürgen Müller-Lüdenscheidt, PMB 101 ✉";
	m.from_name = "Büro Zürich";
	char *msg = compose_ok(&m);
	assert_lines(msg, 78);
	/* Only ASCII in the whole message. */
	for (const char *p = msg; *p; p++)
		ck_assert_uint_lt((unsigned char)*p, 0x80);
	char *subject = header_value(msg, "Subject");
	ck_assert(str_starts_with(subject, "=?UTF-8?B?"));
	char *decoded = ew_decode(subject);
	ck_assert_str_eq(decoded, m.subject);
	char *from = header_value(msg, "From");
	ck_assert(str_starts_with(from, "=?UTF-8?B?"));
	ck_assert_ptr_nonnull(strstr(from, "<mail@space.example>"));
	char *name = ew_decode(from);
	ck_assert_str_eq(name, "Büro Zürich");
	free(subject);
	free(decoded);
	free(from);
	free(name);
	free(msg);
}
END_TEST

START_TEST(test_quotes_in_display_name_are_escaped)
{
	struct mail_message m = sample();
	m.from_name = "The \"Hub\" \\ Co";
	char *msg = compose_ok(&m);
	char *from = header_value(msg, "From");
	ck_assert_str_eq(from, "\"The \\\"Hub\\\" \\\\ Co\" <mail@space.example>");
	free(from);
	free(msg);
}
END_TEST

START_TEST(test_long_ascii_subject_is_folded)
{
	struct mail_message m = sample();
	m.subject = "A very long subject line that goes on and on about the mailbox you have at our "
		    "space and the number of it and more words so that it must be folded twice over";
	char *msg = compose_ok(&m);
	assert_lines(msg, 78);
	char *subject = header_value(msg, "Subject");
	ck_assert_str_eq(subject, m.subject);
	free(subject);
	free(msg);
}
END_TEST

START_TEST(test_header_injection_is_refused)
{
	static const char *bad[] = { "Hi\r\nBcc: victim@example.com", "Hi\nBcc: x@example.com", "Hi\rX", "a\x01b" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *why = NULL;
		size_t len = 0;
		struct mail_message m = sample();
		m.subject = bad[i];
		ck_assert_ptr_null(mail_message_compose(&m, &len, &why));
		ck_assert_ptr_nonnull(strstr(why, "subject"));
		m = sample();
		m.from_name = bad[i];
		ck_assert_ptr_null(mail_message_compose(&m, &len, &why));
		ck_assert_ptr_nonnull(strstr(why, "sender name"));
	}
	const char *why = NULL;
	size_t len = 0;
	struct mail_message m = sample();
	m.to_addr = "ada@example.com\r\nBcc: x@example.com";
	ck_assert_ptr_null(mail_message_compose(&m, &len, &why));
	ck_assert_ptr_nonnull(strstr(why, "recipient"));
	m = sample();
	m.from_addr = "mail@space.example>\r\nX: y";
	ck_assert_ptr_null(mail_message_compose(&m, &len, &why));
	ck_assert_ptr_nonnull(strstr(why, "sender address"));
	m = sample();
	m.message_id = "<a@b>\r\nBcc: x@example.com";
	ck_assert_ptr_null(mail_message_compose(&m, &len, &why));
	ck_assert_ptr_nonnull(strstr(why, "Message-ID"));
}
END_TEST

START_TEST(test_addresses)
{
	ck_assert(mail_address_valid("ada@example.com"));
	ck_assert(mail_address_valid("first.last+tag@sub.example.co.uk"));
	ck_assert(mail_address_valid("pilotomail@localhost"));
	ck_assert(!mail_address_valid(""));
	ck_assert(!mail_address_valid("ada"));
	ck_assert(!mail_address_valid("ada@"));
	ck_assert(!mail_address_valid("@example.com"));
	ck_assert(!mail_address_valid("a@b@example.com"));
	ck_assert(!mail_address_valid("ada lovelace@example.com"));
	ck_assert(!mail_address_valid("<ada@example.com>"));
	ck_assert(!mail_address_valid("ada@exa mple.com"));
	ck_assert(!mail_address_valid("ada@example..com"));
	ck_assert(!mail_address_valid(".ada@example.com"));
	ck_assert(!mail_address_valid("ada@example.com\n"));
	ck_assert(!mail_address_valid("jürgen@example.com"));
	char longaddr[300];
	memset(longaddr, 'a', sizeof(longaddr));
	memcpy(longaddr + 250, "@x.com", 7);
	ck_assert(!mail_address_valid(longaddr));
}
END_TEST

START_TEST(test_long_lines_and_special_bytes_are_encoded)
{
	struct strbuf text = { 0 };
	for (int i = 0; i < 40; i++)
		strbuf_adds(&text, "0123456789");
	strbuf_adds(&text, "\n.\nFrom here on\nx = 1 \nlast line with tab\t\nünïcödé €\r\nend");
	struct mail_message m = sample();
	m.text = text.buf;
	char *msg = compose_ok(&m);
	assert_lines(msg, 78);
	char *boundary = boundary_of(msg);
	char *decoded = part_body(msg, boundary, "text/plain");
	/* CRLF in the input comes back as LF, like every other line end; the last line gains one. */
	struct strbuf want = { 0 };
	for (int i = 0; i < 40; i++)
		strbuf_adds(&want, "0123456789");
	strbuf_adds(&want, "\n.\nFrom here on\nx = 1 \nlast line with tab\t\nünïcödé €\nend\n");
	ck_assert_str_eq(decoded, want.buf);
	strbuf_free(&want);
	/* On the wire: no line is a lone ".", no line starts "From ", no trailing white space. */
	ck_assert_ptr_null(strstr(msg, "\r\n.\r\n"));
	ck_assert_ptr_null(strstr(msg, "\r\nFrom here"));
	ck_assert_ptr_null(strstr(msg, " \r\n"));
	ck_assert_ptr_null(strstr(msg, "\t\r\n"));
	ck_assert_ptr_nonnull(strstr(msg, "x =3D 1=20\r\n"));
	ck_assert_uint_ge(count(msg, "=\r\n"), 5); /* soft breaks in the long line */
	free(decoded);
	free(boundary);
	free(msg);
	strbuf_free(&text);
}
END_TEST

START_TEST(test_invitation_words_are_escaped)
{
	struct invitation_email e = {
		.operator_name = "Harbour & Sons <Desk>\r\nBcc: x@example.com",
		.space_name = "Pier \"7\"",
		.pmb = "101",
		.renter_name = "<script>alert(1)</script> O'Neil",
		.link = "https://pm.example/invite/tok_EN-123?a=1&b=2",
		.expires_at = 1795000000,
	};
	char *subject, *text, *html;
	invitation_email_build(&e, &subject, &text, &html);
	ck_assert(mail_header_value_ok(subject));
	ck_assert_ptr_nonnull(strstr(subject, "PMB 101"));
	ck_assert_ptr_nonnull(strstr(subject, "Harbour & Sons"));

	ck_assert_ptr_null(strstr(html, "<script>"));
	ck_assert_ptr_nonnull(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt; O&#39;Neil"));
	ck_assert_ptr_nonnull(strstr(html, "Harbour &amp; Sons &lt;Desk&gt;"));
	ck_assert_ptr_nonnull(strstr(html, "Pier &quot;7&quot;"));
	ck_assert_ptr_nonnull(strstr(html, "href=\"https://pm.example/invite/tok_EN-123?a=1&amp;b=2\""));
	ck_assert_ptr_nonnull(strstr(html, "18 November 2026, 11:06 UTC"));

	ck_assert_ptr_nonnull(strstr(text, "https://pm.example/invite/tok_EN-123?a=1&b=2\n"));
	ck_assert_ptr_nonnull(strstr(text, "PMB): 101"));
	ck_assert_ptr_nonnull(strstr(text, "Pier \"7\""));
	ck_assert_ptr_nonnull(strstr(text, "18 November 2026, 11:06 UTC"));
	ck_assert_ptr_nonnull(strstr(text, "Hello <script>alert(1)</script> O'Neil,"));
	ck_assert_ptr_null(strstr(text, "\nBcc:"));

	/* The whole message composes and carries the link intact in both parts. */
	struct mail_message m = sample();
	m.subject = subject;
	m.text = text;
	m.html = html;
	char *msg = compose_ok(&m);
	char *boundary = boundary_of(msg);
	char *t = part_body(msg, boundary, "text/plain");
	char *h = part_body(msg, boundary, "text/html");
	ck_assert_str_eq(t, text);
	ck_assert_str_eq(h, html);
	free(t);
	free(h);
	free(boundary);
	free(msg);
	free(subject);
	free(text);
	free(html);
}
END_TEST

START_TEST(test_invitation_without_name_or_space)
{
	struct invitation_email e = { .operator_name = "", .space_name = "", .pmb = "102", .renter_name = "",
				      .link = "http://x/invite/t", .expires_at = 0 };
	char *subject, *text, *html;
	invitation_email_build(&e, &subject, &text, &html);
	ck_assert_str_eq(subject, "Your mailbox at your workspace: PMB 102");
	ck_assert(str_starts_with(text, "Hello,\n"));
	ck_assert_ptr_nonnull(strstr(html, "<p>Hello,</p>"));
	ck_assert_ptr_null(strstr(text, " at ."));
	free(subject);
	free(text);
	free(html);
}
END_TEST

static char mail_dir[PATH_MAX];

static size_t dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

START_TEST(test_deliver_to_file_overwrites_on_retry)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(mail_dir, sizeof(mail_dir), "%s/pilotomail-mail-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(mail_dir));
	char *sub = xasprintf("%s/out", mail_dir); /* created on first delivery */
	struct config cfg = { .mail_dir = sub, .smtp_url = NULL };
	struct mail_envelope env = { 7, "mail@space.example", "ada@example.com", "first\r\n", 7 };
	char error[256];
	ck_assert_int_eq(mail_deliver(&cfg, &env, error, sizeof(error)), MAIL_DELIVERED);
	env.data = "second\r\n";
	env.len = 8;
	ck_assert_int_eq(mail_deliver(&cfg, &env, error, sizeof(error)), MAIL_DELIVERED);
	ck_assert_uint_eq(dir_entries(sub), 1);
	char *path = xasprintf("%s/outbox-7.eml", sub);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	char buf[64] = "";
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	ck_assert_str_eq(buf, "second\r\n");
	unlink(path);
	rmdir(sub);
	rmdir(mail_dir);
	free(path);
	free(sub);
}
END_TEST

START_TEST(test_deliver_refuses_bad_address_permanently)
{
	struct config cfg = { .mail_dir = "/nonexistent/never", .smtp_url = NULL };
	struct mail_envelope env = { 8, "mail@space.example", "not an address", "x\r\n", 3 };
	char error[256];
	ck_assert_int_eq(mail_deliver(&cfg, &env, error, sizeof(error)), MAIL_PERMANENT);
	ck_assert_ptr_nonnull(strstr(error, "recipient address"));
}
END_TEST

START_TEST(test_deliver_unwritable_folder_is_transient)
{
	struct config cfg = { .mail_dir = "/proc/pilotomail-cannot-exist", .smtp_url = NULL };
	struct mail_envelope env = { 9, "mail@space.example", "ada@example.com", "x\r\n", 3 };
	char error[256];
	ck_assert_int_eq(mail_deliver(&cfg, &env, error, sizeof(error)), MAIL_TRANSIENT);
	ck_assert_ptr_nonnull(strstr(error, "mail folder"));
}
END_TEST

START_TEST(test_deliver_smtp_down_is_transient)
{
	/* Port 9 (discard) on loopback: nothing listens there in a test environment. */
	struct config cfg = { .smtp_url = "smtp://user:hunter2@127.0.0.1:9", .mail_dir = "/nonexistent" };
	struct mail_envelope env = { 10, "mail@space.example", "ada@example.com", "x\r\n", 3 };
	char error[256];
	ck_assert_int_eq(mail_deliver(&cfg, &env, error, sizeof(error)), MAIL_TRANSIENT);
	ck_assert_ptr_nonnull(strstr(error, "could not connect"));
	ck_assert_ptr_null(strstr(error, "hunter2"));
}
END_TEST

static Suite *mail_message_suite(void)
{
	Suite *s = suite_create("mail_message");
	TCase *tc = tcase_create("compose");
	tcase_add_test(tc, test_structure_and_headers);
	tcase_add_test(tc, test_same_fields_same_bytes);
	tcase_add_test(tc, test_non_ascii_subject_and_name_are_encoded);
	tcase_add_test(tc, test_quotes_in_display_name_are_escaped);
	tcase_add_test(tc, test_long_ascii_subject_is_folded);
	tcase_add_test(tc, test_header_injection_is_refused);
	tcase_add_test(tc, test_addresses);
	tcase_add_test(tc, test_long_lines_and_special_bytes_are_encoded);
	suite_add_tcase(s, tc);
	tc = tcase_create("invitation");
	tcase_add_test(tc, test_invitation_words_are_escaped);
	tcase_add_test(tc, test_invitation_without_name_or_space);
	suite_add_tcase(s, tc);
	tc = tcase_create("deliver");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_deliver_to_file_overwrites_on_retry);
	tcase_add_test(tc, test_deliver_refuses_bad_address_permanently);
	tcase_add_test(tc, test_deliver_unwritable_folder_is_transient);
	tcase_add_test(tc, test_deliver_smtp_down_is_transient);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(mail_message_suite)
