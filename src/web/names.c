/* names.c: see names.h. */
#include "web/names.h"
#include "util/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ID_MIN 6
#define ID_MAX 64
#define MAX_PARTS 24

/* The words a stored text puts before an OfficeRnD id, and what the page says instead. */
static const struct {
	const char *word;
	const char *shown;
	enum orn_name_kind kind;
} id_words[] = {
	{ "OfficeRnD location ", "location ", ORN_NAME_LOCATION },
	{ "location ", "location ", ORN_NAME_LOCATION },
	{ "plan ", "plan ", ORN_NAME_PLAN },
	{ "member ", "member ", ORN_NAME_MEMBER },
};

/* How long the OfficeRnD id at s is (letters, digits, '-', '_', with a digit), or 0. */
static size_t id_length(const char *s)
{
	size_t n = 0;
	int digit = 0;
	while (n <= ID_MAX && (isalnum((unsigned char)s[n]) || s[n] == '-' || s[n] == '_')) {
		digit |= isdigit((unsigned char)s[n]);
		n++;
	}
	return n >= ID_MIN && n <= ID_MAX && digit ? n : 0;
}

char *names_mapping_href(enum orn_name_kind kind, const char *id)
{
	return xasprintf("/settings/integrations/officernd#%s-%s", kind == ORN_NAME_PLAN ? "plan" : "location", id);
}

struct parts {
	struct web_ctx *ctx;
	const char *prefix;
	struct strbuf plain;
	struct strbuf pending; /* text not yet put into a part */
	int n;
};

static void part_add(struct parts *p, const char *text, size_t len, const char *href)
{
	char key[160];
	if (!len)
		return;
	strbuf_add(&p->plain, text, len);
	char *copy = xstrndup(text, len);
	snprintf(key, sizeof(key), "%s.parts.%d.text", p->prefix, p->n);
	web_set(p->ctx, key, copy);
	free(copy);
	if (href) {
		snprintf(key, sizeof(key), "%s.parts.%d.href", p->prefix, p->n);
		web_set(p->ctx, key, href);
	}
	p->n++;
}

static void pending_flush(struct parts *p)
{
	part_add(p, p->pending.buf ? p->pending.buf : "", p->pending.len, NULL);
	strbuf_reset(&p->pending);
}

/* At text[i]: an id word and its id? Returns the word's index (and *id_at, *id_len), or -1. */
static int id_word_at(const char *text, size_t i, size_t *id_at, size_t *id_len)
{
	if (i > 0 && isalnum((unsigned char)text[i - 1]))
		return -1;
	for (size_t w = 0; w < ARRAY_SIZE(id_words); w++) {
		size_t wl = strlen(id_words[w].word);
		if (strncmp(text + i, id_words[w].word, wl) != 0)
			continue;
		size_t n = id_length(text + i + wl);
		if (!n)
			continue;
		*id_at = i + wl;
		*id_len = n;
		return (int)w;
	}
	return -1;
}

/* Puts the named reference (word w, id) into parts; the text goes on at the id's end. */
static void named_add(struct parts *p, int w, const char *id, int capital, const char *rest)
{
	char name[512];
	const char *shown = id_words[w].shown;
	strbuf_addf(&p->pending, "%c%s", capital ? toupper((unsigned char)shown[0]) : shown[0], shown + 1);
	pending_flush(p);
	int known = officernd_name_find(p->ctx->db, p->ctx->operator_id, id_words[w].kind, id, name, sizeof(name)) == 1;
	char *label = known ? xasprintf("\xe2\x80\x9c%s\xe2\x80\x9d", name) : xstrdup(id);
	char *href = NULL;
	if (id_words[w].kind != ORN_NAME_MEMBER && str_starts_with(rest, " is not linked"))
		href = names_mapping_href(id_words[w].kind, id);
	part_add(p, label, strlen(label), href);
	free(label);
	free(href);
}

void web_set_named_text(struct web_ctx *ctx, const char *prefix, const char *text)
{
	struct parts p = { ctx, prefix, { 0 }, { 0 }, 0 };
	text = text ? text : "";
	for (size_t i = 0; text[i];) {
		size_t id_at = 0, id_len = 0;
		int w = p.n < MAX_PARTS - 2 ? id_word_at(text, i, &id_at, &id_len) : -1;
		if (w < 0) {
			strbuf_add(&p.pending, text + i, 1);
			i++;
			continue;
		}
		char *id = xstrndup(text + id_at, id_len);
		/* A text that starts with the reference starts with a capital. */
		named_add(&p, w, id, i == 0 || (i >= 2 && text[i - 2] == '.'), text + id_at + id_len);
		free(id);
		i = id_at + id_len;
	}
	pending_flush(&p);
	web_set(ctx, prefix, p.plain.buf ? p.plain.buf : "");
	strbuf_free(&p.plain);
	strbuf_free(&p.pending);
}

void web_set_officernd_name(struct web_ctx *ctx, const char *name, enum orn_name_kind kind, const char *id)
{
	char found[512];
	if (!id || !*id)
		return;
	if (officernd_name_find(ctx->db, ctx->operator_id, kind, id, found, sizeof(found)) == 1)
		web_set(ctx, name, found);
	else
		web_set(ctx, name, id);
}
