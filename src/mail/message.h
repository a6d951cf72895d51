/*
 * message.h: composing an email as RFC 5322 + MIME bytes, ready for SMTP or an .eml file.
 *
 * The message is multipart/alternative with a text/plain and a text/html part, both UTF-8 and
 * quoted-printable, lines ending in CRLF and never longer than 78 characters. Header values are
 * checked, not cleaned: a CR, LF or NUL in any of them (or a malformed address) refuses the whole
 * message, so no input can add a header. Non-ASCII display names and subjects become RFC 2047
 * encoded-words.
 *
 * Composition is deterministic: the same fields give the same bytes (the boundary is derived
 * from the Message-ID), so a resent outbox row is the same message.
 */
#ifndef PILOTOMAIL_MAIL_MESSAGE_H
#define PILOTOMAIL_MAIL_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

struct mail_message {
	const char *from_addr;  /* "mail@example.com" (PILOTOMAIL_MAIL_FROM) */
	const char *from_name;  /* display name (the operator's name), NULL or "" for none */
	const char *to_addr;    /* one address */
	const char *subject;
	const char *text;       /* UTF-8, LF or CRLF line ends */
	const char *html;       /* UTF-8, a whole document */
	const char *message_id; /* "<id@domain>" */
	int64_t date;           /* Unix seconds, shown in the Date header (UTC) */
};

/*
 * Composes m. Returns the message (free()) and its length in *len, or NULL when a field is
 * refused; *why (static string, may be NULL) then says which, in words fit for an operator.
 */
char *mail_message_compose(const struct mail_message *m, size_t *len, const char **why);

/* 1 when addr is a plain ASCII address we can send to ("local@domain.tld", no spaces, no
 * brackets, no control characters, at most 254 bytes), else 0. */
int mail_address_valid(const char *addr);

/* 1 when s holds no CR, LF or other control character (tab excepted): fit for a header. */
int mail_header_value_ok(const char *s);

#endif
