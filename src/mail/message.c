/* message.c: see message.h. RFC 5322 headers, RFC 2045 quoted-printable, RFC 2047 encoded-words. */
#include "mail/message.h"
#include "crypto/crypto.h"
#include "util/util.h"
#include "util/timeutil.h"

#include <openssl/evp.h>
#include <string.h>
#include <time.h>

#define LINE_MAX_CHARS 78     /* RFC 5322's "SHOULD" limit, CRLF excluded */
#define QP_LINE_MAX 76        /* RFC 2045: encoded lines, the soft-break '=' included */
#define EW_CHUNK_BYTES 39     /* raw bytes per encoded-word: "=?UTF-8?B?" + 52 + "?=" = 64 */

int mail_header_value_ok(const char *s)
{
	if (!s)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 0;
	return 1;
}

static int atext_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static int local_part_valid(const char *s, size_t len)
{
	if (len == 0 || len > 64 || s[0] == '.' || s[len - 1] == '.')
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.' && s[i + 1] == '.')
			return 0;
		if (s[i] != '.' && !atext_char((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

static int domain_valid(const char *s)
{
	size_t label = 0;
	if (!*s || *s == '.' || *s == '-')
		return 0;
	for (; *s; s++) {
		if (*s == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
			   *s == '-') {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label > 0;
}

int mail_address_valid(const char *addr)
{
	if (!addr)
		return 0;
	size_t len = strlen(addr);
	const char *at = strrchr(addr, '@');
	if (len < 3 || len > 254 || !at || strchr(addr, '@') != at)
		return 0;
	return local_part_valid(addr, (size_t)(at - addr)) && domain_valid(at + 1);
}

/* "Thu, 26 Nov 2026 16:49:02 +0000", independent of the locale. */
static void format_date(int64_t t, char *buf, size_t size)
{
	static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	time_utc(t, &tm); /* out of range: the epoch's fields, still a valid Date header */
	snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* Length of the longest prefix of s (at most max bytes) that does not cut a UTF-8 sequence. */
static size_t utf8_prefix(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n ? n : max; /* a broken sequence longer than max: cut anyway */
}

/*
 * Appends value as RFC 2047 B encoded-words, each at most 64 characters, separated by a fold
 * (CRLF SP). Whitespace between adjacent encoded-words is ignored by readers, so the folds do
 * not change the text.
 */
static void add_encoded_words(struct strbuf *sb, const char *value)
{
	size_t len = strlen(value);
	int first = 1;
	while (len > 0 || first) {
		size_t n = utf8_prefix(value, len, EW_CHUNK_BYTES);
		unsigned char b64[4 * ((EW_CHUNK_BYTES + 2) / 3) + 1];
		EVP_EncodeBlock(b64, (const unsigned char *)value, (int)n);
		if (!first)
			strbuf_adds(sb, "\r\n ");
		strbuf_addf(sb, "=?UTF-8?B?%s?=", (const char *)b64);
		value += n;
		len -= n;
		first = 0;
	}
}

/*
 * Folds an ASCII value at spaces so that every line, "Name: " included, fits LINE_MAX_CHARS.
 * Returns 0, or -1 (sb untouched past start) when a word is too long to fit a line.
 */
static int add_folded_ascii(struct strbuf *sb, size_t start_col, const char *value)
{
	size_t mark = sb->len, col = start_col;
	const char *p = value;
	while (*p) {
		const char *sp = strchr(p + 1, ' ');
		size_t word = sp ? (size_t)(sp - p) : strlen(p);
		if (col + word > LINE_MAX_CHARS && col > 1 && *p == ' ') {
			strbuf_adds(sb, "\r\n");
			col = 0; /* the word's own leading space starts the continuation line */
		}
		if (col + word > LINE_MAX_CHARS) {
			sb->len = mark;
			sb->buf[mark] = '\0';
			return -1;
		}
		strbuf_add(sb, p, word);
		col += word;
		p += word;
	}
	return 0;
}

/* An unstructured header (Subject): plain and folded when ASCII, encoded-words otherwise. */
static void add_unstructured(struct strbuf *sb, const char *name, const char *value)
{
	strbuf_addf(sb, "%s: ", name);
	size_t col = strlen(name) + 2;
	if (!is_ascii(value) || strstr(value, "=?") || add_folded_ascii(sb, col, value) < 0)
		add_encoded_words(sb, value);
	strbuf_adds(sb, "\r\n");
}

/* 1 when name can go in a quoted-string on one line: printable ASCII only, short. */
static int display_name_plain(const char *name)
{
	return is_ascii(name) && strlen(name) <= 60 && !strstr(name, "=?");
}

/* "From: "Name" <addr>" or "From: =?UTF-8?B?...?= <addr>", or just the address. */
static void add_mailbox_header(struct strbuf *sb, const char *header, const char *name, const char *addr)
{
	strbuf_addf(sb, "%s: ", header);
	if (!name || !*name) {
		strbuf_addf(sb, "%s\r\n", addr);
		return;
	}
	if (display_name_plain(name)) {
		strbuf_adds(sb, "\"");
		for (const char *p = name; *p; p++) {
			if (*p == '"' || *p == '\\')
				strbuf_adds(sb, "\\");
			strbuf_add(sb, p, 1);
		}
		strbuf_adds(sb, "\"");
	} else {
		add_encoded_words(sb, name);
	}
	strbuf_addf(sb, "\r\n <%s>\r\n", addr);
}

/* Whether byte i of a line (of len bytes) must be written as =XX, given the output column. */
static int qp_must_encode(const char *line, size_t len, size_t i, size_t col)
{
	unsigned char c = (unsigned char)line[i];
	if (c == '=' || c >= 0x7f || (c < 0x20 && c != '\t'))
		return 1;
	if ((c == ' ' || c == '\t') && i + 1 == len)
		return 1; /* trailing white space would be stripped in transit */
	if (col == 0 && c == '.')
		return 1; /* a lone "." line ends SMTP DATA; never leave it to dot-stuffing */
	if (col == 0 && c == 'F' && len - i >= 5 && memcmp(line + i, "From ", 5) == 0)
		return 1; /* mbox readers would mangle it to ">From " */
	return 0;
}

/* One line of text (no line break in it) as quoted-printable lines ending in CRLF. */
static void qp_add_line(struct strbuf *sb, const char *line, size_t len)
{
	size_t col = 0;
	for (size_t i = 0; i < len; i++) {
		int enc = qp_must_encode(line, len, i, col);
		size_t width = enc ? 3 : 1;
		/* Keep room for the soft break's "=" unless this is the line's last character. */
		size_t limit = i + 1 == len ? QP_LINE_MAX : QP_LINE_MAX - 1;
		if (col + width > limit) {
			strbuf_adds(sb, "=\r\n");
			col = 0;
			enc = qp_must_encode(line, len, i, col);
			width = enc ? 3 : 1;
		}
		if (enc)
			strbuf_addf(sb, "=%02X", (unsigned char)line[i]);
		else
			strbuf_add(sb, line + i, 1);
		col += width;
	}
	strbuf_adds(sb, "\r\n");
}

/* The whole body as quoted-printable, with LF or CRLF line ends in the input. */
static void qp_add_body(struct strbuf *sb, const char *text)
{
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		size_t content = len && p[len - 1] == '\r' ? len - 1 : len;
		qp_add_line(sb, p, content);
		p += nl ? len + 1 : len;
	}
}

static void add_part(struct strbuf *sb, const char *boundary, const char *type, const char *body)
{
	strbuf_addf(sb, "--%s\r\nContent-Type: %s; charset=UTF-8\r\n"
			"Content-Transfer-Encoding: quoted-printable\r\n\r\n", boundary, type);
	qp_add_body(sb, body ? body : "");
}

/* The reason m cannot be composed, or NULL when it can. */
static const char *message_refusal(const struct mail_message *m)
{
	if (!mail_address_valid(m->from_addr))
		return "the sender address (PILOTOMAIL_MAIL_FROM) is not a valid email address";
	if (!mail_address_valid(m->to_addr))
		return "the recipient address is not a valid email address";
	if (m->from_name && !mail_header_value_ok(m->from_name))
		return "the sender name contains a line break or control character";
	if (!m->subject || !mail_header_value_ok(m->subject))
		return "the subject contains a line break or control character";
	const char *id = m->message_id;
	size_t idlen = id ? strlen(id) : 0;
	if (idlen < 5 || idlen > 250 || id[0] != '<' || id[idlen - 1] != '>' || !strchr(id, '@') ||
	    !mail_header_value_ok(id) || strpbrk(id, " \t") || strchr(id + 1, '<'))
		return "the Message-ID is malformed";
	return NULL;
}

char *mail_message_compose(const struct mail_message *m, size_t *len, const char **why)
{
	const char *refusal = message_refusal(m);
	if (why)
		*why = refusal;
	if (refusal)
		return NULL;
	char date[48], digest[65], boundary[40];
	format_date(m->date, date, sizeof(date));
	sha256_hex(m->message_id, strlen(m->message_id), digest);
	/* "=_" never occurs in quoted-printable output, so no body line can look like the boundary. */
	snprintf(boundary, sizeof(boundary), "=_pm_%.24s", digest);

	struct strbuf sb = { 0 };
	strbuf_addf(&sb, "Date: %s\r\n", date);
	add_mailbox_header(&sb, "From", m->from_name, m->from_addr);
	strbuf_addf(&sb, "To: %s\r\n", m->to_addr);
	add_unstructured(&sb, "Subject", m->subject);
	strbuf_addf(&sb, "Message-ID: %s\r\n", m->message_id);
	strbuf_adds(&sb, "MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n");
	strbuf_addf(&sb, "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n", boundary);
	strbuf_adds(&sb, "This is a multi-part message in MIME format.\r\n\r\n");
	add_part(&sb, boundary, "text/plain", m->text);
	add_part(&sb, boundary, "text/html", m->html);
	strbuf_addf(&sb, "--%s--\r\n", boundary);
	return strbuf_detach(&sb, len);
}
