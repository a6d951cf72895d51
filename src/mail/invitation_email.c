/* invitation_email.c: see invitation_email.h. */
#include "mail/invitation_email.h"
#include "util/util.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *html_escape_text(const char *s)
{
	struct strbuf sb = { 0 };
	strbuf_adds(&sb, "");
	for (; s && *s; s++) {
		switch (*s) {
		case '&': strbuf_adds(&sb, "&amp;"); break;
		case '<': strbuf_adds(&sb, "&lt;"); break;
		case '>': strbuf_adds(&sb, "&gt;"); break;
		case '"': strbuf_adds(&sb, "&quot;"); break;
		case '\'': strbuf_adds(&sb, "&#39;"); break;
		default: strbuf_add(&sb, s, 1);
		}
	}
	return strbuf_detach(&sb, NULL);
}

/* A copy of s fit for one header line: control characters become spaces. */
static char *one_line(const char *s)
{
	char *copy = xstrdup(s ? s : "");
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return copy;
}

/* "10 December 2026, 16:49 UTC": readable in every locale the renter may have. */
static void format_expiry(int64_t t, char *buf, size_t size)
{
	static const char *months[] = { "January", "February", "March", "April", "May", "June", "July",
					"August", "September", "October", "November", "December" };
	struct tm tm;
	if (time_utc(t, &tm) < 0) {
		snprintf(buf, size, "(no date)");
		return;
	}
	snprintf(buf, size, "%d %s %d, %02d:%02d UTC", tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
		 tm.tm_hour, tm.tm_min);
}

static const char *operator_label(const struct invitation_email *e)
{
	return e->operator_name && *e->operator_name ? e->operator_name : "your workspace";
}

static char *build_text(const struct invitation_email *e, const char *expiry)
{
	struct strbuf sb = { 0 };
	if (e->renter_name && *e->renter_name)
		strbuf_addf(&sb, "Hello %s,\n\n", e->renter_name);
	else
		strbuf_adds(&sb, "Hello,\n\n");
	strbuf_addf(&sb, "%s has set up a mailbox for you", operator_label(e));
	if (e->space_name && *e->space_name)
		strbuf_addf(&sb, " at %s", e->space_name);
	strbuf_addf(&sb, ".\n\nYour mailbox number (PMB): %s\n\n", e->pmb);
	strbuf_adds(&sb, "Choose a password to see your mail and tell us what to do with it:\n\n");
	strbuf_addf(&sb, "%s\n\n", e->link);
	strbuf_addf(&sb, "This link works once and until %s.\n\n", expiry);
	strbuf_addf(&sb, "If you did not expect this email, you can ignore it.\n\n-- \n%s, via pilotomail\n",
		    operator_label(e));
	return strbuf_detach(&sb, NULL);
}

static char *build_html(const struct invitation_email *e, const char *expiry)
{
	char *op = html_escape_text(operator_label(e));
	char *space = html_escape_text(e->space_name);
	char *pmb = html_escape_text(e->pmb);
	char *name = html_escape_text(e->renter_name);
	char *link = html_escape_text(e->link);
	struct strbuf sb = { 0 };
	strbuf_addf(&sb, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			 "<title>Your mailbox at %s</title></head>\n"
			 "<body style=\"font-family: system-ui, sans-serif; color: #1d2330; line-height: 1.5\">\n", op);
	strbuf_addf(&sb, "<p>Hello%s%s,</p>\n", *name ? " " : "", name);
	strbuf_addf(&sb, "<p><strong>%s</strong> has set up a mailbox for you", op);
	if (*space)
		strbuf_addf(&sb, " at <strong>%s</strong>", space);
	strbuf_addf(&sb, ".</p>\n<p>Your mailbox number (PMB): <strong>%s</strong></p>\n", pmb);
	strbuf_adds(&sb, "<p>Choose a password to see your mail and tell us what to do with it:</p>\n");
	strbuf_addf(&sb, "<p><a href=\"%s\" style=\"display: inline-block; padding: 10px 18px; "
			 "background: #2f5bea; color: #ffffff; border-radius: 8px; text-decoration: none\">"
			 "Set up my mailbox</a></p>\n", link);
	strbuf_addf(&sb, "<p style=\"font-size: 13px; color: #667085\">Or open this address: %s<br>\n"
			 "This link works once and until %s.</p>\n", link, expiry);
	strbuf_adds(&sb, "<p style=\"font-size: 13px; color: #667085\">If you did not expect this email, "
			 "you can ignore it.</p>\n</body></html>\n");
	free(op);
	free(space);
	free(pmb);
	free(name);
	free(link);
	return strbuf_detach(&sb, NULL);
}

void invitation_email_build(const struct invitation_email *e, char **subject, char **text, char **html)
{
	/* Names come from operators and OfficeRnD: keep each on one line wherever it appears. */
	char *op = one_line(e->operator_name), *space = one_line(e->space_name);
	char *pmb = one_line(e->pmb), *name = one_line(e->renter_name);
	struct invitation_email clean = { op, space, pmb, name, e->link ? e->link : "", e->expires_at };
	char expiry[64];
	format_expiry(e->expires_at, expiry, sizeof(expiry));
	*subject = xasprintf("Your mailbox at %s: PMB %s", operator_label(&clean), pmb);
	*text = build_text(&clean, expiry);
	*html = build_html(&clean, expiry);
	free(op);
	free(space);
	free(pmb);
	free(name);
}
