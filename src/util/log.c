/* log.c: see log.h. Lines are built whole and written with one call so processes don't interleave. */
#include "util/log.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* Per thread: webhook.fcgi serves several requests at once. */
static _Thread_local char request_id[40];

void log_set_request_id(const char *rid)
{
	str_copy(request_id, sizeof(request_id), rid ? rid : "");
}

/* One byte, escaped when it could break the line; quotes tells whether \ and " are too. */
static void escape_byte(struct strbuf *sb, unsigned char c, int quotes)
{
	static const char hex[] = "0123456789abcdef";
	char esc[4] = { '\\', 0, 0, 0 };
	size_t len = 2;
	if (c == '\n')
		esc[1] = 'n';
	else if (c == '\r')
		esc[1] = 'r';
	else if (c == '\t')
		esc[1] = 't';
	else if (c < 0x20 || c == 0x7f) {
		esc[1] = 'x';
		esc[2] = hex[c >> 4];
		esc[3] = hex[c & 15];
		len = 4;
	} else if (quotes && (c == '\\' || c == '"'))
		esc[1] = (char)c;
	else {
		strbuf_add(sb, &c, 1);
		return;
	}
	strbuf_add(sb, esc, len);
}

void log_escape(struct strbuf *sb, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i]; i++)
		escape_byte(sb, (unsigned char)s[i], 1);
}

/* One conversion spec, as parsed from the format. */
struct log_spec {
	char flags[8];
	int width, precision; /* -1 when absent */
	char length[3];       /* "", "hh", "h", "l", "ll", "z", "j", "t", "L" */
	char conv;
};

static int spec_number(const char **p, va_list *ap)
{
	if (**p == '*') {
		(*p)++;
		return va_arg(*ap, int);
	}
	int v = 0;
	while (**p >= '0' && **p <= '9')
		v = v * 10 + (*(*p)++ - '0');
	return v;
}

/* Parses the spec after '%'; returns where the format continues. */
static const char *spec_parse(const char *p, struct log_spec *sp, va_list *ap)
{
	size_t nf = 0;
	memset(sp, 0, sizeof(*sp));
	sp->width = sp->precision = -1;
	while (*p && strchr("-+ #0", *p) && nf + 1 < sizeof(sp->flags))
		sp->flags[nf++] = *p++;
	if (*p == '*' || (*p >= '0' && *p <= '9'))
		sp->width = spec_number(&p, ap);
	if (*p == '.') {
		p++;
		sp->precision = spec_number(&p, ap);
	}
	size_t nl = 0;
	while (*p && strchr("hljztL", *p) && nl + 1 < sizeof(sp->length))
		sp->length[nl++] = *p++;
	sp->conv = *p;
	return *p ? p + 1 : p;
}

/* The spec rebuilt without '*' (already read) for snprintf. */
static void spec_rebuild(const struct log_spec *sp, char *out, size_t size)
{
	char width[16] = "", precision[16] = "";
	if (sp->width >= 0)
		snprintf(width, sizeof(width), "%d", sp->width);
	if (sp->precision >= 0)
		snprintf(precision, sizeof(precision), ".%d", sp->precision);
	snprintf(out, size, "%%%s%s%s%s%c", sp->flags, width, precision, sp->length, sp->conv);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/* A number, character or pointer: printf does it, with the argument type the length says. */
static void format_scalar(struct strbuf *sb, const struct log_spec *sp, va_list *ap)
{
	char spec[48], out[128];
	const char *l = sp->length;
	int is_signed = sp->conv == 'd' || sp->conv == 'i';
	spec_rebuild(sp, spec, sizeof(spec));
	if (strchr("diouxX", sp->conv)) {
		if (!strcmp(l, "ll"))
			is_signed ? snprintf(out, sizeof(out), spec, va_arg(*ap, long long))
				  : snprintf(out, sizeof(out), spec, va_arg(*ap, unsigned long long));
		else if (!strcmp(l, "l"))
			is_signed ? snprintf(out, sizeof(out), spec, va_arg(*ap, long))
				  : snprintf(out, sizeof(out), spec, va_arg(*ap, unsigned long));
		else if (!strcmp(l, "z"))
			is_signed ? snprintf(out, sizeof(out), spec, va_arg(*ap, ssize_t))
				  : snprintf(out, sizeof(out), spec, va_arg(*ap, size_t));
		else if (!strcmp(l, "j"))
			is_signed ? snprintf(out, sizeof(out), spec, va_arg(*ap, intmax_t))
				  : snprintf(out, sizeof(out), spec, va_arg(*ap, uintmax_t));
		else if (!strcmp(l, "t"))
			snprintf(out, sizeof(out), spec, va_arg(*ap, ptrdiff_t));
		else
			is_signed ? snprintf(out, sizeof(out), spec, va_arg(*ap, int))
				  : snprintf(out, sizeof(out), spec, va_arg(*ap, unsigned int));
	} else if (strchr("fFeEgGaA", sp->conv)) {
		if (!strcmp(l, "L"))
			snprintf(out, sizeof(out), spec, va_arg(*ap, long double));
		else
			snprintf(out, sizeof(out), spec, va_arg(*ap, double));
	} else if (sp->conv == 'p') {
		snprintf(out, sizeof(out), spec, va_arg(*ap, void *));
	} else {
		snprintf(out, sizeof(out), "%%%c", sp->conv); /* unknown, or %n: no argument read */
	}
	strbuf_adds(sb, out);
}
#pragma GCC diagnostic pop

static void format_one(struct strbuf *sb, const struct log_spec *sp, va_list *ap)
{
	if (!sp->conv) {
		strbuf_adds(sb, "%"); /* a lone '%' ends the format: no argument goes with it */
	} else if (sp->conv == '%') {
		strbuf_adds(sb, "%");
	} else if (sp->conv == 's') {
		const char *s = va_arg(*ap, const char *);
		log_escape(sb, s ? s : "(null)", sp->precision >= 0 ? (size_t)sp->precision : SIZE_MAX);
	} else if (sp->conv == 'c') {
		escape_byte(sb, (unsigned char)va_arg(*ap, int), 1);
	} else {
		format_scalar(sb, sp, ap);
	}
}

void log_vformat(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list args;
	va_copy(args, ap);
	for (const char *p = fmt; *p;) {
		if (*p != '%') {
			escape_byte(sb, (unsigned char)*p++, 0);
			continue;
		}
		struct log_spec sp;
		p = spec_parse(p + 1, &sp, &args);
		format_one(sb, &sp, &args);
	}
	va_end(args);
}

void log_msg(enum log_level level, const char *component, const char *fmt, ...)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	if (level == LOG_DEBUG && !getenv("PILOTOMAIL_DEBUG"))
		return;
	struct strbuf sb = { 0 };
	strbuf_adds(&sb, names[level]);
	strbuf_adds(&sb, " ");
	log_escape(&sb, component, SIZE_MAX);
	strbuf_adds(&sb, " ");
	va_list ap;
	va_start(ap, fmt);
	log_vformat(&sb, fmt, ap);
	va_end(ap);
	if (request_id[0]) {
		strbuf_adds(&sb, " rid=");
		log_escape(&sb, request_id, SIZE_MAX);
	}
	strbuf_adds(&sb, "\n");
	ssize_t ignored = write(STDERR_FILENO, sb.buf, sb.len);
	(void)ignored;
	strbuf_free(&sb);
}
