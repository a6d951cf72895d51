/*
 * scan_email.h: the words of the "your scan is ready" email a renter receives when the mail room
 * attaches a scan to one of their items. Values are HTML-escaped in the HTML part; the subject
 * never holds a control character.
 */
#ifndef PILOTOMAIL_MAIL_SCAN_EMAIL_H
#define PILOTOMAIL_MAIL_SCAN_EMAIL_H

struct scan_email {
	const char *operator_name; /* "" falls back to "your workspace" */
	const char *renter_name;   /* "" for "Hello," */
	const char *kind;          /* letter, package */
	const char *reference;     /* M-000123 */
	const char *sender;        /* "" when not noted */
	const char *received_on;   /* YYYY-MM-DD */
	const char *link;          /* PILOTOMAIL_BASE_URL/my/mail/ID/scan */
};

/* Builds the three texts; each (free()) is never NULL. */
void scan_email_build(const struct scan_email *e, char **subject, char **text, char **html);

#endif
