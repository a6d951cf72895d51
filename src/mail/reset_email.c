/* reset_email.c: see reset_email.h. */
#include "mail/reset_email.h"
#include "mail/invitation_email.h"
#include "util/util.h"

#include <stdlib.h>

/* A copy of s fit for one header line: control characters become spaces. */
static char *reset_one_line(const char *s)
{
	char *copy = xstrdup(s && *s ? s : "pilotomail");
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return copy;
}

void reset_email_build(const struct reset_email *e, char **subject, char **text, char **html)
{
	char *site = reset_one_line(e->site);
	long minutes = (long)(e->lifetime_s / 60);
	*subject = xasprintf("Reset your password for %s", site);
	*text = xasprintf("Hello,\n\nSomeone asked to reset the password of your %s account.\n"
			  "To choose a new password, open this link:\n\n%s\n\n"
			  "It works once, for %ld minutes, and signs you out everywhere else.\n\n"
			  "If you did not ask for this, ignore this email: your password stays as it is.\n",
			  site, e->link ? e->link : "", minutes);
	char *hsite = html_escape_text(site);
	char *hlink = html_escape_text(e->link);
	*html = xasprintf("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			  "<title>Reset your password</title></head>\n"
			  "<body style=\"font-family: system-ui, sans-serif; color: #1d2330; line-height: 1.5\">\n"
			  "<p>Hello,</p>\n<p>Someone asked to reset the password of your <strong>%s</strong> "
			  "account.</p>\n<p><a href=\"%s\" style=\"display: inline-block; padding: 10px 18px; "
			  "background: #2f5bea; color: #ffffff; border-radius: 8px; text-decoration: none\">"
			  "Choose a new password</a></p>\n"
			  "<p style=\"font-size: 13px; color: #667085\">Or open this address: %s<br>\n"
			  "It works once, for %ld minutes, and signs you out everywhere else.</p>\n"
			  "<p style=\"font-size: 13px; color: #667085\">If you did not ask for this, ignore this "
			  "email: your password stays as it is.</p>\n</body></html>\n",
			  hsite, hlink, hlink, minutes);
	free(hsite);
	free(hlink);
	free(site);
}
