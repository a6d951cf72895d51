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

char *db_pg_placeholders(const char *sql, int *nparams)
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
