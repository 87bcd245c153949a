/* config_locate.c: maps JSON paths ("$.sources[1].type") to line and column in the
 * configuration text. jansson reports positions only for syntax errors, so after it has
 * accepted the text this small scanner walks it again to place every semantic error. */
#include <stdlib.h>
#include <string.h>

#include "config_locate.h"

struct scan {
	const char *p, *end;
	int line, col;
	struct cfg_locs *locs;
};

static void adv(struct scan *s)
{
	if (*s->p == '\n') {
		s->line++;
		s->col = 1;
	} else if (((unsigned char)*s->p & 0xC0) != 0x80) {
		s->col++;
	}
	s->p++;
	/* columns count characters: continuation bytes of the last character follow it */
	while (s->p < s->end && ((unsigned char)*s->p & 0xC0) == 0x80)
		s->p++;
}

static void ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		adv(s);
}

static void add(struct scan *s, const char *path, int kline, int kcol, int vline, int vcol)
{
	struct cfg_locs *l = s->locs;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct cfg_loc *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return;
		l->v = v;
		l->cap = cap;
	}
	char *copy = strdup(path);
	if (!copy)
		return;
	l->v[l->n++] = (struct cfg_loc){copy, kline, kcol, vline, vcol};
}

/* Scans a string literal; when out is given, copies its raw contents (escapes kept,
 * which is fine for the plain keys of our configuration). */
static void string_lit(struct scan *s, char *out, size_t cap)
{
	size_t n = 0;
	adv(s); /* opening quote */
	while (s->p < s->end && *s->p != '"') {
		if (*s->p == '\\') {
			if (out && n + 1 < cap)
				out[n++] = *s->p;
			s->p++;
			s->col++;
		}
		if (out && n + 1 < cap && s->p < s->end)
			out[n++] = *s->p;
		if (s->p < s->end)
			adv(s);
	}
	if (s->p < s->end)
		adv(s);
	if (out)
		out[n] = '\0';
}

static void value(struct scan *s, char *path, size_t plen, int depth);

static void object(struct scan *s, char *path, size_t plen, int depth)
{
	adv(s);
	ws(s);
	while (s->p < s->end && *s->p != '}') {
		char key[128];
		int kl = s->line, kc = s->col;
		string_lit(s, key, sizeof(key));
		ws(s);
		if (s->p < s->end && *s->p == ':')
			adv(s);
		ws(s);
		snprintf(path + plen, CFG_PATH_MAX - plen, ".%s", key);
		size_t nl = strlen(path);
		add(s, path, kl, kc, s->line, s->col);
		value(s, path, nl, depth + 1);
		path[plen] = '\0';
		ws(s);
		if (s->p < s->end && *s->p == ',')
			adv(s);
		ws(s);
	}
	if (s->p < s->end)
		adv(s);
}

static void array(struct scan *s, char *path, size_t plen, int depth)
{
	size_t i = 0;
	adv(s);
	ws(s);
	while (s->p < s->end && *s->p != ']') {
		snprintf(path + plen, CFG_PATH_MAX - plen, "[%zu]", i++);
		size_t nl = strlen(path);
		add(s, path, s->line, s->col, s->line, s->col);
		value(s, path, nl, depth + 1);
		path[plen] = '\0';
		ws(s);
		if (s->p < s->end && *s->p == ',')
			adv(s);
		ws(s);
	}
	if (s->p < s->end)
		adv(s);
}

static void value(struct scan *s, char *path, size_t plen, int depth)
{
	ws(s);
	if (s->p >= s->end || depth > 64)
		return;
	switch (*s->p) {
	case '{': object(s, path, plen, depth); break;
	case '[': array(s, path, plen, depth); break;
	case '"': string_lit(s, NULL, 0); break;
	default:
		while (s->p < s->end && !strchr(",]} \t\r\n", *s->p))
			adv(s);
	}
}

void cfg_locate(const char *text, size_t len, struct cfg_locs *out)
{
	struct scan s = {text, text + len, 1, 1, out};
	char path[CFG_PATH_MAX] = "$";
	memset(out, 0, sizeof(*out));
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		s.p += 3;
	ws(&s);
	add(&s, "$", s.line, s.col, s.line, s.col);
	value(&s, path, 1, 0);
}

const struct cfg_loc *cfg_locate_find(const struct cfg_locs *l, const char *path)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].path, path) == 0)
			return &l->v[i];
	return NULL;
}

void cfg_locs_release(struct cfg_locs *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	memset(l, 0, sizeof(*l));
}
