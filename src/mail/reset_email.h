/*
 * reset_email.h: the words of the password-reset email (operators and renters): subject, plain
 * text and HTML. Values are HTML-escaped in the HTML part and kept on one line in the subject.
 */
#ifndef PILOTOMAIL_MAIL_RESET_EMAIL_H
#define PILOTOMAIL_MAIL_RESET_EMAIL_H

#include <stdint.h>

struct reset_email {
	const char *site;    /* what the account is for: the operator's name, or "pilotomail" */
	const char *link;    /* PILOTOMAIL_BASE_URL/password/reset/TOKEN (or /my/password/...) */
	int64_t lifetime_s;  /* how long the link works */
};

/* Builds the three texts; each (free()) is never NULL. */
void reset_email_build(const struct reset_email *e, char **subject, char **text, char **html);

#endif
