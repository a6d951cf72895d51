/*
 * invitation_email.h: the words of the invitation email a renter receives: subject, plain text
 * and HTML. Every value is HTML-escaped in the HTML part; the subject never contains a line
 * break (control characters become spaces).
 */
#ifndef PILOTOMAIL_MAIL_INVITATION_EMAIL_H
#define PILOTOMAIL_MAIL_INVITATION_EMAIL_H

#include <stdint.h>

struct invitation_email {
	const char *operator_name; /* the operator's name; "" falls back to "your workspace" */
	const char *space_name;    /* "" when the mailbox has no space yet */
	const char *pmb;
	const char *renter_name;   /* "" for no name: "Hello," */
	const char *link;          /* PILOTOMAIL_BASE_URL/invite/TOKEN */
	int64_t expires_at;        /* Unix seconds */
};

/* Builds the three texts; each (free()) is never NULL. */
void invitation_email_build(const struct invitation_email *e, char **subject, char **text, char **html);

/* s with & < > " ' as HTML entities (free()). */
char *html_escape_text(const char *s);

#endif
