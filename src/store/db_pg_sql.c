/* db_pg_sql.c: see db_pg.h. No libpq here, so the rewrite is tested without a server. */
#include "store/db_pg.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Where a quoted run or comment starting at s ends (just past it), or s when none starts. */
static const char *sql_skip(const char *s)
{
	if (*s == '\'' || *s == '"') {
		char q = *s++;
		while (*s && *s != q)
			s++;
		return *s ? s + 1 : s; /* a doubled quote reads as two runs: same result */
	}
	if (s[0] == '-' && s[1] == '-') {
		while (*s && *s != '\n')
			s++;
		return s;
	}
	if (s[0] == '/' && s[1] == '*') {
		const char *end = strstr(s + 2, "*/");
		return end ? end + 2 : s + strlen(s);
	}
	return s;
}

static int is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Length of the word at s when it is w (any case) and stands alone, else 0. */
static size_t word_at(const char *sql, const char *s, const char *w)
{
	size_t n = strlen(w);
	if ((s > sql && is_word(s[-1])) || strncasecmp(s, w, n) != 0 || is_word(s[n]))
		return 0;
	return n;
}

/* SQLite's "INDEXED BY name" (a planner hint PostgreSQL lacks): where it ends, or s. */
static const char *skip_indexed_by(const char *sql, const char *s)
{
	size_t n = word_at(sql, s, "INDEXED");
	if (!n)
		return s;
	const char *p = s + n;
	while (*p == ' ' || *p == '\n')
		p++;
	if (!(n = word_at(sql, p, "BY")))
		return s;
	p += n;
	while (*p == ' ' || *p == '\n')
		p++;
	while (is_word(*p))
		p++;
	return p;
}

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t')
		p++;
	return p;
}

/*
 * "[NOT] GLOB 'pattern'" as "[!]~ '^regex$'": where it ends (having written it at *o), or s.
 * The pattern's * ? and [...] keep their meaning; everything else is literal.
 */
static const char *glob_to_regex(const char *sql, const char *s, char **o)
{
	const char *p = s;
	int neg = 0;
	size_t n = word_at(sql, p, "NOT");
	if (n && word_at(sql, skip_space(p + n), "GLOB")) {
		neg = 1;
		p = skip_space(p + n);
	}
	if (!(n = word_at(sql, p, "GLOB")))
		return s;
	p = skip_space(p + n);
	if (*p != '\'')
		return s;
	*o += sprintf(*o, "%s '^", neg ? "!~" : "~");
	int in_class = 0;
	for (p++; *p && *p != '\''; p++) {
		if (in_class || *p == '[') {
			in_class = *p != ']' || (p[-1] == '[') || (p[-1] == '^' && p[-2] == '[');
			*(*o)++ = *p;
		} else if (*p == '*') {
			*o += sprintf(*o, ".*");
		} else if (*p == '?') {
			*(*o)++ = '.';
		} else {
			if (strchr(".+()|{}$^\\", *p))
				*(*o)++ = '\\';
			*(*o)++ = *p;
		}
	}
	*o += sprintf(*o, "$'");
	return *p ? p + 1 : p;
}

char *db_pg_number_params(const char *sql, int *nparams)
{
	size_t len = strlen(sql);
	char *out = xmalloc(len * 6 + 1), *o = out; /* "?" becomes at most "$99999" */
	int max = 0;
	const char *s = sql;
	while (*s) {
		const char *end = sql_skip(s);
		if (end != s) {
			memcpy(o, s, (size_t)(end - s));
			o += end - s;
			s = end;
			continue;
		}
		if ((end = skip_indexed_by(sql, s)) != s) {
			s = end;
			continue;
		}
		if ((end = glob_to_regex(sql, s, &o)) != s) {
			s = end;
			continue;
		}
		if (word_at(sql, s, "INTEGER")) {
			o += sprintf(o, "BIGINT"); /* SQLite's integers are 64-bit: CAST(x AS INTEGER) */
			s += 7;
			continue;
		}
		if (word_at(sql, s, "LIKE")) {
			/* SQLite's LIKE ignores ASCII case; PostgreSQL's ILIKE is that. */
			o += sprintf(o, "ILIKE");
			s += 4;
			continue;
		}
		if (*s != '?') {
			*o++ = *s++;
			continue;
		}
		s++;
		int n = 0;
		if (*s >= '0' && *s <= '9') {
			while (*s >= '0' && *s <= '9')
				n = n * 10 + (*s++ - '0');
		} else {
			n = max + 1;
		}
		if (n > max)
			max = n;
		o += sprintf(o, "$%d", n);
	}
	*o = '\0';
	*nparams = max;
	return out;
}
