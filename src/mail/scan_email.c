/* scan_email.c: see scan_email.h. */
#include "mail/scan_email.h"
#include "mail/invitation_email.h"
#include "util/util.h"

#include <stdlib.h>

static const char *operator_label(const struct scan_email *e)
{
	return e->operator_name && *e->operator_name ? e->operator_name : "your workspace";
}

static char *build_text(const struct scan_email *e)
{
	struct strbuf sb = { 0 };
	if (e->renter_name && *e->renter_name)
		strbuf_addf(&sb, "Hello %s,\n\n", e->renter_name);
	else
		strbuf_adds(&sb, "Hello,\n\n");
	strbuf_addf(&sb, "Your %s %s", e->kind, e->reference);
	if (e->sender && *e->sender)
		strbuf_addf(&sb, " from %s", e->sender);
	strbuf_addf(&sb, " (received %s) has been scanned. View or download the scan here:\n\n", e->received_on);
	strbuf_addf(&sb, "%s\n\n", e->link);
	strbuf_adds(&sb, "Sign in with your email and password if you are asked to.\n\n");
	strbuf_addf(&sb, "-- \n%s, via pilotomail\n", operator_label(e));
	return strbuf_detach(&sb, NULL);
}

static char *build_html(const struct scan_email *e)
{
	char *name = html_escape_text(e->renter_name);
	char *kind = html_escape_text(e->kind);
	char *ref = html_escape_text(e->reference);
	char *sender = html_escape_text(e->sender);
	char *day = html_escape_text(e->received_on);
	char *link = html_escape_text(e->link);
	char *op = html_escape_text(operator_label(e));
	struct strbuf sb = { 0 };
	strbuf_adds(&sb, "<!DOCTYPE html><html><body style=\"font-family:sans-serif\">");
	strbuf_addf(&sb, "<p>Hello%s%s,</p>", *name ? " " : "", name);
	strbuf_addf(&sb, "<p>Your %s <strong>%s</strong>%s%s (received %s) has been scanned.</p>", kind, ref,
		    *sender ? " from " : "", sender, day);
	strbuf_addf(&sb, "<p><a href=\"%s\">View or download the scan</a></p>", link);
	strbuf_adds(&sb, "<p>Sign in with your email and password if you are asked to.</p>");
	strbuf_addf(&sb, "<p>&mdash;<br>%s, via pilotomail</p></body></html>", op);
	free(name);
	free(kind);
	free(ref);
	free(sender);
	free(day);
	free(link);
	free(op);
	return strbuf_detach(&sb, NULL);
}

void scan_email_build(const struct scan_email *e, char **subject, char **text, char **html)
{
	char *s = xasprintf("Your scan of %s is ready", e->reference);
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	*subject = s;
	*text = build_text(e);
	*html = build_html(e);
}
