/*
 * deliver.h: hands one composed message to the mail system. With PILOTOMAIL_SMTP_URL set, over
 * SMTP with libcurl; without it, as an .eml file in PILOTOMAIL_MAIL_DIR (written to a temporary
 * name and renamed, named after the outbox id so a retry overwrites instead of duplicating).
 *
 * Failures are classified so the worker knows whether to try again:
 *   transient  the server could not be reached, timed out, answered 4xx, or the folder was not
 *              writable: retry later
 *   permanent  the server answered 5xx (the address or the message is refused), or the
 *              recipient address is not one we can send to: retrying will not help
 */
#ifndef PILOTOMAIL_MAIL_DELIVER_H
#define PILOTOMAIL_MAIL_DELIVER_H

#include <stddef.h>
#include <stdint.h>

#include "util/config.h"

enum mail_delivery {
	MAIL_DELIVERED = 0,
	MAIL_TRANSIENT = 1,
	MAIL_PERMANENT = 2,
	MAIL_NOT_TRIED = 3, /* mail_deliver_batch ran out of time before this one: nothing was sent */
};

struct mail_envelope {
	int64_t outbox_id;     /* names the .eml file */
	const char *from_addr; /* MAIL FROM */
	const char *to_addr;   /* RCPT TO */
	const char *data;      /* the whole message, CRLF line ends (mail_message_compose) */
	size_t len;
};

/*
 * How SMTP is protected. smtps:// is TLS from the first byte. smtp:// must upgrade with
 * STARTTLS, or the message (invitation links) and the sign-in would cross the network readable
 * by anyone who strips the STARTTLS offer; only a server on this machine (127.0.0.0/8, ::1,
 * localhost) or an operator's explicit PILOTOMAIL_SMTP_ALLOW_PLAIN=1 lets it go without.
 */
enum smtp_tls {
	SMTP_TLS_IMPLICIT,  /* smtps:// */
	SMTP_TLS_REQUIRED,  /* smtp:// to another host: STARTTLS or no delivery */
	SMTP_TLS_OPTIONAL,  /* smtp:// to loopback, or plain allowed: STARTTLS when offered */
	SMTP_TLS_BAD_URL,   /* not an smtp:// or smtps:// URL with a host */
};
enum smtp_tls mail_smtp_tls(const char *url, int allow_plain);

/*
 * Delivers env as cfg says. On failure, error (error_size bytes) gets a reason for the operator:
 * never the SMTP URL (it may hold a password) and never the message (it holds the link).
 */
enum mail_delivery mail_deliver(const struct config *cfg, const struct mail_envelope *env, char *error,
				size_t error_size);

/* The outcome of one message of a batch. */
struct mail_outcome {
	enum mail_delivery result;
	char error[256]; /* the reason, as mail_deliver's error, when not delivered */
};

/*
 * Delivers envs[0..n) with one outcome each in out[0..n), as mail_deliver would one by one, but
 * cheaper: .eml files are all written before any is waited on, and the folder is flushed once
 * (one flush of the disk's queue per batch, not three per message); SMTP messages share one
 * connection. No SMTP transaction starts once time_mono_ms() reaches deadline_ms: those
 * messages are MAIL_NOT_TRIED (nothing sent; files never run out of time).
 */
void mail_deliver_batch(const struct config *cfg, const struct mail_envelope *envs, size_t n,
			int64_t deadline_ms, struct mail_outcome *out);

#endif
