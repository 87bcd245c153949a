/* config.c: loads and validates the JSON configuration (jansson) into struct core_config.
 * Every error names the file, line, column and JSON path, and unknown keys are errors
 * with a "did you mean" when a known key is close, because a typo silently ignored is
 * a feed never collected. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "config_locate.h"
#include "core.h"

#define CONFIG_MAX_BYTES (4 * 1024 * 1024)

struct ctx {
	const char *name;
	struct cfg_locs locs;
	struct core_err *err;
};

/* Fails with "name:line:col: path: message"; at_key points at the member's key. */
static int fail_at(struct ctx *c, const char *path, int at_key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail_at(struct ctx *c, const char *path, int at_key, const char *fmt, ...)
{
	char msg[600];
	const struct cfg_loc *l = cfg_locate_find(&c->locs, path);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l)
		return core_err_set(c->err, CORE_ECONFIG, "%s:%d:%d: %s: %s", c->name,
				    at_key ? l->kline : l->vline, at_key ? l->kcol : l->vcol, path,
				    msg);
	return core_err_set(c->err, CORE_ECONFIG, "%s: %s: %s", c->name, path, msg);
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];
	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (tolower((unsigned char)a[i - 1]) !=
						    tolower((unsigned char)b[j - 1]));
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof(size_t));
	}
	return prev[lb];
}

/* Checks that obj has only the allowed keys (and "_comment*" ones). */
static int check_keys(struct ctx *c, json_t *obj, const char *path, const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		int ok = strncmp(key, "_comment", 8) == 0;
		const char *best = NULL;
		size_t best_d = 3;
		for (const char *const *a = allowed; *a && !ok; a++) {
			size_t d = edit_distance(key, *a);
			if (d == 0)
				ok = 1;
			else if (d < best_d || (d <= 4 && strlen(key) > 4 &&
						(strstr(*a, key) || strstr(key, *a)))) {
				best = *a;
				best_d = d < best_d ? d : best_d;
			}
		}
		if (!ok) {
			char p[CFG_PATH_MAX];
			snprintf(p, sizeof(p), "%s.%s", path, key);
			if (best)
				return fail_at(c, p, 1, "unknown key '%s' (did you mean '%s'?)", key,
					       best);
			return fail_at(c, p, 1, "unknown key '%s'", key);
		}
	}
	return 0;
}

static const char *type_name(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static void member_path(char *out, const char *path, const char *key)
{
	snprintf(out, CFG_PATH_MAX, "%s.%s", path, key);
}

/* Reads obj[key] as a string into *out (malloc'ed). Missing: error when required. */
static int get_str(struct ctx *c, json_t *obj, const char *path, const char *key, int required,
		   char **out)
{
	char p[CFG_PATH_MAX];
	json_t *v = json_object_get(obj, key);

	member_path(p, path, key);
	if (!v) {
		if (required)
			return fail_at(c, path, 1, "missing required key '%s'", key);
		return 0;
	}
	if (!json_is_string(v))
		return fail_at(c, p, 0, "must be a string, not %s", type_name(v));
	if (required && json_string_length(v) == 0)
		return fail_at(c, p, 0, "must not be empty");
	free(*out);
	if (!(*out = strdup(json_string_value(v))))
		return core_err_set(c->err, CORE_ENOMEM, "out of memory");
	return 0;
}

static int get_int(struct ctx *c, json_t *obj, const char *path, const char *key, long lo,
		   long hi, long *out)
{
	char p[CFG_PATH_MAX];
	json_t *v = json_object_get(obj, key);

	member_path(p, path, key);
	if (!v)
		return 0;
	if (!json_is_integer(v))
		return fail_at(c, p, 0, "must be an integer, not %s", type_name(v));
	if (json_integer_value(v) < lo || json_integer_value(v) > hi)
		return fail_at(c, p, 0, "must be between %ld and %ld, not %lld", lo, hi,
			       (long long)json_integer_value(v));
	*out = (long)json_integer_value(v);
	return 0;
}

static int get_num(struct ctx *c, json_t *obj, const char *path, const char *key, double lo,
		   double hi, double *out)
{
	char p[CFG_PATH_MAX];
	json_t *v = json_object_get(obj, key);

	member_path(p, path, key);
	if (!v)
		return 0;
	if (!json_is_number(v))
		return fail_at(c, p, 0, "must be a number, not %s", type_name(v));
	if (json_number_value(v) < lo || json_number_value(v) > hi)
		return fail_at(c, p, 0, "must be between %g and %g, not %g", lo, hi,
			       json_number_value(v));
	*out = json_number_value(v);
	return 0;
}

static int get_bool(struct ctx *c, json_t *obj, const char *path, const char *key, int *out)
{
	char p[CFG_PATH_MAX];
	json_t *v = json_object_get(obj, key);

	member_path(p, path, key);
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return fail_at(c, p, 0, "must be true or false, not %s", type_name(v));
	*out = json_is_true(v);
	return 0;
}

static int get_duration(struct ctx *c, json_t *obj, const char *path, const char *key,
			long *out)
{
	char p[CFG_PATH_MAX];
	json_t *v = json_object_get(obj, key);

	member_path(p, path, key);
	if (!v)
		return 0;
	if (!json_is_string(v) || core_duration_parse(json_string_value(v), out) || *out <= 0)
		return fail_at(c, p, 0, "must be a duration such as \"90s\", \"30m\" or \"6h\"");
	return 0;
}

/* A byte size: an integer, or a string such as "64KiB", "10MiB", "1GiB", "500KB". */
static int get_size(struct ctx *c, json_t *obj, const char *path, const char *key, size_t lo,
		    size_t hi, size_t *out)
{
	char p[CFG_PATH_MAX];
	json_t *v = json_object_get(obj, key);
	double n;

	member_path(p, path, key);
	if (!v)
		return 0;
	if (json_is_integer(v)) {
		n = (double)json_integer_value(v);
	} else if (json_is_string(v)) {
		char *end;
		const char *s = json_string_value(v);
		n = strtod(s, &end);
		while (*end == ' ')
			end++;
		if (end == s)
			goto bad;
		if (!strcasecmp(end, "k") || !strcasecmp(end, "kib") || !strcasecmp(end, "kb"))
			n *= 1024;
		else if (!strcasecmp(end, "m") || !strcasecmp(end, "mib") || !strcasecmp(end, "mb"))
			n *= 1024.0 * 1024;
		else if (!strcasecmp(end, "g") || !strcasecmp(end, "gib") || !strcasecmp(end, "gb"))
			n *= 1024.0 * 1024 * 1024;
		else if (*end && strcasecmp(end, "b"))
			goto bad;
	} else {
		goto bad;
	}
	if (n < (double)lo || n > (double)hi)
		return fail_at(c, p, 0, "must be between %zu and %zu bytes", lo, hi);
	*out = (size_t)n;
	return 0;
bad:
	return fail_at(c, p, 0, "must be a byte size such as 65536, \"64KiB\" or \"10MiB\"");
}

static int get_strlist(struct ctx *c, json_t *obj, const char *path, const char *key,
		       struct core_strlist *out)
{
	char p[CFG_PATH_MAX], ep[CFG_PATH_MAX];
	json_t *v = json_object_get(obj, key), *e;
	size_t i;

	member_path(p, path, key);
	if (!v)
		return 0;
	if (!json_is_array(v))
		return fail_at(c, p, 0, "must be an array of strings, not %s", type_name(v));
	json_array_foreach(v, i, e) {
		snprintf(ep, sizeof(ep), "%s[%zu]", p, i);
		if (!json_is_string(e) || json_string_length(e) == 0)
			return fail_at(c, ep, 0, "must be a non-empty string");
		if (core_strlist_push(out, json_string_value(e)))
			return core_err_set(c->err, CORE_ENOMEM, "out of memory");
	}
	return 0;
}

static json_t *get_obj(struct ctx *c, json_t *obj, const char *path, const char *key, int *rc)
{
	char p[CFG_PATH_MAX];
	json_t *v = json_object_get(obj, key);

	*rc = 0;
	if (v && !json_is_object(v)) {
		member_path(p, path, key);
		*rc = fail_at(c, p, 0, "must be an object, not %s", type_name(v));
		return NULL;
	}
	return v;
}

static json_t *get_arr(struct ctx *c, json_t *obj, const char *path, const char *key, int *rc)
{
	char p[CFG_PATH_MAX];
	json_t *v = json_object_get(obj, key);

	*rc = 0;
	if (v && !json_is_array(v)) {
		member_path(p, path, key);
		*rc = fail_at(c, p, 0, "must be an array, not %s", type_name(v));
		return NULL;
	}
	return v;
}

static int valid_name(const char *s)
{
	if (!isalnum((unsigned char)*s))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return 0;
	return 1;
}

static int valid_lang(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 3)
		return 0;
	for (; *s; s++)
		if (!islower((unsigned char)*s))
			return 0;
	return 1;
}

/* ---------------------------------------------------------------- sections */

static int load_ambition(struct ctx *c, json_t *o, const char *path, struct core_ambition *a)
{
	static const char *const keys[] = {"code", "title", "title_en", "description",
					   "description_en", "keywords", "hashtags", NULL};
	char p[CFG_PATH_MAX];
	json_t *kw;
	int rc;

	if (!json_is_object(o))
		return fail_at(c, path, 0, "an ambition must be an object, not %s", type_name(o));
	if ((rc = check_keys(c, o, path, keys)) || (rc = get_str(c, o, path, "code", 1, &a->code)) ||
	    (rc = get_str(c, o, path, "title", 1, &a->title)) ||
	    (rc = get_str(c, o, path, "title_en", 0, &a->title_en)) ||
	    (rc = get_str(c, o, path, "description", 0, &a->description)) ||
	    (rc = get_str(c, o, path, "description_en", 0, &a->description_en)) ||
	    (rc = get_strlist(c, o, path, "hashtags", &a->hashtags)))
		return rc;
	member_path(p, path, "code");
	if (!valid_name(a->code) || strlen(a->code) > 16 || !strcasecmp(a->code, "general"))
		return fail_at(c, p, 0, "'%s' is not a valid ambition code (letters, digits, "
			       "'.', '_', '-'; at most 16; not 'general')", a->code);
	for (size_t i = 0; i < a->hashtags.n; i++) {
		/* stored lower-case with '#', the form they are matched in */
		char *h = a->hashtags.v[i], *n = core_asprintf("#%s", h + (*h == '#'));
		if (!n)
			return core_err_set(c->err, CORE_ENOMEM, "out of memory");
		for (char *q = n; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		free(h);
		a->hashtags.v[i] = n;
	}
	if (!(kw = get_obj(c, o, path, "keywords", &rc)))
		return rc;
	{
		static const char *const langs[] = {"nl", "en", NULL};
		member_path(p, path, "keywords");
		if ((rc = check_keys(c, kw, p, langs)) ||
		    (rc = get_strlist(c, kw, p, "nl", &a->keywords_nl)) ||
		    (rc = get_strlist(c, kw, p, "en", &a->keywords_en)))
			return rc;
	}
	return 0;
}

static int load_vision(struct ctx *c, json_t *root, struct core_config *cfg)
{
	static const char *const keys[] = {"title", "title_en", "ambitions", NULL};
	json_t *v, *arr, *e;
	size_t i;
	int rc;

	if (!(v = get_obj(c, root, "$", "vision", &rc))) {
		if (rc)
			return rc;
		return fail_at(c, "$", 0, "missing required key 'vision' (the vision's title "
			       "and ambitions)");
	}
	if ((rc = check_keys(c, v, "$.vision", keys)) ||
	    (rc = get_str(c, v, "$.vision", "title", 1, &cfg->vision_title)) ||
	    (rc = get_str(c, v, "$.vision", "title_en", 0, &cfg->vision_title_en)))
		return rc;
	if (!(arr = get_arr(c, v, "$.vision", "ambitions", &rc)) || json_array_size(arr) == 0) {
		if (rc)
			return rc;
		return fail_at(c, "$.vision", 1, "'ambitions' must list at least one ambition");
	}
	if (json_array_size(arr) > 64)
		return fail_at(c, "$.vision.ambitions", 0, "at most 64 ambitions are supported");
	if (!(cfg->ambitions = calloc(json_array_size(arr), sizeof(*cfg->ambitions))))
		return core_err_set(c->err, CORE_ENOMEM, "out of memory");
	json_array_foreach(arr, i, e) {
		char p[CFG_PATH_MAX];
		snprintf(p, sizeof(p), "$.vision.ambitions[%zu]", i);
		cfg->n_ambitions = i + 1;
		if ((rc = load_ambition(c, e, p, &cfg->ambitions[i])))
			return rc;
		for (size_t j = 0; j < i; j++)
			if (!strcasecmp(cfg->ambitions[j].code, cfg->ambitions[i].code)) {
				strncat(p, ".code", sizeof(p) - strlen(p) - 1);
				return fail_at(c, p, 0, "duplicate ambition code '%s'",
					       cfg->ambitions[i].code);
			}
	}
	return 0;
}

static int parse_type(const char *s, enum core_source_type *t)
{
	static const struct { const char *n; enum core_source_type t; } types[] = {
		{"auto", CORE_SRC_AUTO}, {"rss", CORE_SRC_RSS}, {"atom", CORE_SRC_ATOM},
		{"jsonfeed", CORE_SRC_JSONFEED}, {"mastodon", CORE_SRC_MASTODON},
		{"json", CORE_SRC_JSON},
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(s, types[i].n)) {
			*t = types[i].t;
			return 0;
		}
	return -1;
}

/* allow_private: true, false or "loopback". */
static int get_allow(struct ctx *c, json_t *o, const char *path, int *out)
{
	char p[CFG_PATH_MAX];
	json_t *v = json_object_get(o, "allow_private");

	member_path(p, path, "allow_private");
	if (!v)
		return 0;
	if (json_is_boolean(v))
		*out = json_is_true(v) ? CORE_ALLOW_ALL : CORE_ALLOW_PUBLIC;
	else if (json_is_string(v) && !strcmp(json_string_value(v), "loopback"))
		*out = CORE_ALLOW_LOOPBACK;
	else
		return fail_at(c, p, 0, "must be true, false or \"loopback\"");
	return 0;
}

/* A json source's mapping: which dotted path of the response holds what. */
static int load_mapping(struct ctx *c, json_t *o, const char *path, struct core_source *s)
{
	static const char *const roles[] = {"items", "id", "text", "html", "time", "author",
					    "url", "title", "lang", NULL};
	char p[CFG_PATH_MAX];
	const char *key;
	json_t *m, *v;
	int rc;

	member_path(p, path, "mapping");
	if (!(m = get_obj(c, o, path, "mapping", &rc))) {
		if (rc)
			return rc;
		if (s->type == CORE_SRC_JSON)
			return fail_at(c, path, 1, "a source of type json needs a 'mapping' (which "
				       "fields hold the items, id, text, time, ...)");
		return 0;
	}
	if (s->type != CORE_SRC_JSON)
		return fail_at(c, p, 1, "'mapping' is only for sources of type json");
	if ((rc = check_keys(c, m, p, roles)))
		return rc;
	if (!json_object_get(m, "text") && !json_object_get(m, "html"))
		return fail_at(c, p, 0, "the mapping needs 'text' or 'html' (the field with the "
			       "reaction)");
	if (!(s->mapping = calloc(json_object_size(m), sizeof(*s->mapping))))
		return core_err_set(c->err, CORE_ENOMEM, "out of memory");
	json_object_foreach(m, key, v) {
		char mp[CFG_PATH_MAX];
		if (!strncmp(key, "_comment", 8))
			continue;
		snprintf(mp, sizeof(mp), "%s.%s", p, key);
		if (!json_is_string(v) || !json_string_length(v))
			return fail_at(c, mp, 0, "must be a dotted path such as \"data.items\"");
		if (!(s->mapping[s->n_mapping].name = strdup(key)) ||
		    !(s->mapping[s->n_mapping].value = strdup(json_string_value(v))))
			return core_err_set(c->err, CORE_ENOMEM, "out of memory");
		s->n_mapping++;
	}
	return 0;
}

static int load_source(struct ctx *c, json_t *o, const char *path, struct core_source *s)
{
	static const char *const keys[] = {"name", "type", "url", "interval", "enabled",
					   "headers", "max_bytes", "allow_private", "lang",
					   "group", "mapping", NULL};
	char p[CFG_PATH_MAX], *type = NULL;
	json_t *h;
	int rc;

	if (!json_is_object(o))
		return fail_at(c, path, 0, "a source must be an object, not %s", type_name(o));
	s->interval_s = 1800;
	s->enabled = 1;
	s->max_bytes = 10 * 1024 * 1024;
	if ((rc = check_keys(c, o, path, keys)) || (rc = get_str(c, o, path, "name", 1, &s->name)) ||
	    (rc = get_str(c, o, path, "type", 1, &type)) ||
	    (rc = get_str(c, o, path, "url", 1, &s->url)) ||
	    (rc = get_duration(c, o, path, "interval", &s->interval_s)) ||
	    (rc = get_bool(c, o, path, "enabled", &s->enabled)) ||
	    (rc = get_size(c, o, path, "max_bytes", 1024, (size_t)1 << 30, &s->max_bytes)) ||
	    (rc = get_allow(c, o, path, &s->allow_private)) ||
	    (rc = get_str(c, o, path, "lang", 0, &s->lang)) ||
	    (rc = get_str(c, o, path, "group", 0, &s->group)))
		goto out;
	member_path(p, path, "name");
	if (!valid_name(s->name)) {
		rc = fail_at(c, p, 0, "'%s' is not a valid source name (letters, digits, '.', "
			     "'_', '-')", s->name);
		goto out;
	}
	member_path(p, path, "type");
	if (parse_type(type, &s->type)) {
		rc = fail_at(c, p, 0, "unknown source type '%s' (rss, atom, jsonfeed, mastodon, "
			     "json or auto)", type);
		goto out;
	}
	member_path(p, path, "url");
	if (strncasecmp(s->url, "http://", 7) && strncasecmp(s->url, "https://", 8)) {
		rc = fail_at(c, p, 0, "'%s' is not an http or https URL", s->url);
		goto out;
	}
	member_path(p, path, "lang");
	if (s->lang && !valid_lang(s->lang)) {
		rc = fail_at(c, p, 0, "'%s' is not a language code such as \"nl\"", s->lang);
		goto out;
	}
	if ((rc = load_mapping(c, o, path, s)))
		goto out;
	if (!(h = get_obj(c, o, path, "headers", &rc)))
		goto out;
	{
		const char *key;
		json_t *v;
		s->headers = calloc(json_object_size(h) ? json_object_size(h) : 1,
				    sizeof(*s->headers));
		if (!s->headers) {
			rc = core_err_set(c->err, CORE_ENOMEM, "out of memory");
			goto out;
		}
		member_path(p, path, "headers");
		json_object_foreach(h, key, v) {
			char hp[CFG_PATH_MAX];
			snprintf(hp, sizeof(hp), "%s.%s", p, key);
			if (!json_is_string(v) || strpbrk(json_string_value(v), "\r\n") ||
			    strpbrk(key, ":\r\n ")) {
				rc = fail_at(c, hp, 0, "a header must be a name and a one-line "
					     "string value");
				goto out;
			}
			s->headers[s->n_headers].name = strdup(key);
			s->headers[s->n_headers].value = strdup(json_string_value(v));
			s->n_headers++;
		}
	}
out:
	free(type);
	return rc;
}

static int load_form(struct ctx *c, json_t *o, const char *path, struct core_form *f)
{
	static const char *const keys[] = {"name", "title", "fields", "text_field",
					   "ambition_field", "stance_field", "group_field",
					   "groups", "lang", "max_text",
					   /* issue 4: the web-form intake */
					   "api_mapping", "api_secret", "frame_ancestors",
					   "cors_origins", "min_fill_seconds", NULL};
	static const char *const roles[] = {"text", "id", "time", "author", "ambition",
					    "stance", "group", "email", "consent", "lang", NULL};
	char p[CFG_PATH_MAX];
	long max_text = 10000, min_fill = 3;
	json_t *map;
	int rc;

	if (!json_is_object(o))
		return fail_at(c, path, 0, "a form must be an object, not %s", type_name(o));
	if ((rc = check_keys(c, o, path, keys)) || (rc = get_str(c, o, path, "name", 1, &f->name)) ||
	    (rc = get_str(c, o, path, "title", 0, &f->title)) ||
	    (rc = get_strlist(c, o, path, "fields", &f->fields)) ||
	    (rc = get_str(c, o, path, "text_field", 0, &f->text_field)) ||
	    (rc = get_str(c, o, path, "ambition_field", 0, &f->ambition_field)) ||
	    (rc = get_str(c, o, path, "stance_field", 0, &f->stance_field)) ||
	    (rc = get_str(c, o, path, "group_field", 0, &f->group_field)) ||
	    (rc = get_strlist(c, o, path, "groups", &f->groups)) ||
	    (rc = get_str(c, o, path, "lang", 0, &f->lang)) ||
	    (rc = get_int(c, o, path, "max_text", 10, 1000000, &max_text)))
		return rc;
	f->max_text = (size_t)max_text;
	if ((rc = get_str(c, o, path, "api_secret", 0, &f->api_secret)) ||
	    (rc = get_strlist(c, o, path, "frame_ancestors", &f->frame_ancestors)) ||
	    (rc = get_strlist(c, o, path, "cors_origins", &f->cors_origins)) ||
	    (rc = get_int(c, o, path, "min_fill_seconds", 0, 86400, &min_fill)))
		return rc;
	f->min_fill_s = min_fill;
	if ((map = get_obj(c, o, path, "api_mapping", &rc))) {
		const char *key;
		json_t *v;
		f->api_mapping = calloc(json_object_size(map) + 1, sizeof(*f->api_mapping));
		if (!f->api_mapping)
			return core_err_set(c->err, CORE_ENOMEM, "out of memory");
		json_object_foreach(map, key, v) {
			char mp[CFG_PATH_MAX];
			int known = 0;
			snprintf(mp, sizeof(mp), "%s.api_mapping.%s", path, key);
			for (int i = 0; roles[i]; i++)
				known |= !strcmp(roles[i], key);
			if (!known)
				return fail_at(c, mp, 0, "unknown role (text, id, time, author, "
					       "ambition, stance, group, email, consent, lang)");
			if (!json_is_string(v) || json_string_length(v) == 0)
				return fail_at(c, mp, 0, "must be a JSON path such as "
					       "\"answers.reactie\"");
			f->api_mapping[f->n_api_mapping].name = strdup(key);
			f->api_mapping[f->n_api_mapping].value = strdup(json_string_value(v));
			f->n_api_mapping++;
			if (!f->api_mapping[f->n_api_mapping - 1].name ||
			    !f->api_mapping[f->n_api_mapping - 1].value)
				return core_err_set(c->err, CORE_ENOMEM, "out of memory");
		}
	} else if (rc) {
		return rc;
	}
	member_path(p, path, "name");
	if (!valid_name(f->name))
		return fail_at(c, p, 0, "'%s' is not a valid form name", f->name);
	if (!f->text_field && !(f->text_field = strdup("text")))
		return core_err_set(c->err, CORE_ENOMEM, "out of memory");
	if (!f->lang && !(f->lang = strdup("nl")))
		return core_err_set(c->err, CORE_ENOMEM, "out of memory");
	if (f->fields.n) {
		const char *named[] = {f->text_field, f->ambition_field, f->stance_field,
				       f->group_field};
		const char *which[] = {"text_field", "ambition_field", "stance_field",
				       "group_field"};
		for (int i = 0; i < 4; i++)
			if (named[i] && !core_strlist_contains(&f->fields, named[i])) {
				member_path(p, path, which[i]);
				return fail_at(c, p, 0, "'%s' is not one of the form's fields",
					       named[i]);
			}
	}
	return 0;
}

static int load_server(struct ctx *c, json_t *root, struct core_server *s)
{
	static const char *const keys[] = {"listen", "max_body", "rate_per_minute", "burst",
					   /* issue 4: the web-form intake */
					   "secret", "api_secret", "frame_ancestors", "max_fields",
					   "queue", "per_ip_connections", NULL};
	json_t *o;
	long burst = s->burst, max_fields = s->max_fields, queue = s->queue;
	long per_ip = s->per_ip_connections;
	int rc;

	if (!(o = get_obj(c, root, "$", "server", &rc)))
		return rc;
	if ((rc = check_keys(c, o, "$.server", keys)) ||
	    (rc = get_str(c, o, "$.server", "listen", 0, &s->listen)) ||
	    (rc = get_size(c, o, "$.server", "max_body", 1024, 64 * 1024 * 1024, &s->max_body)) ||
	    (rc = get_num(c, o, "$.server", "rate_per_minute", 0.01, 1e6, &s->rate_per_min)) ||
	    (rc = get_int(c, o, "$.server", "burst", 1, 100000, &burst)))
		return rc;
	s->burst = (int)burst;
	if ((rc = get_str(c, o, "$.server", "secret", 0, &s->secret)) ||
	    (rc = get_str(c, o, "$.server", "api_secret", 0, &s->api_secret)) ||
	    (rc = get_strlist(c, o, "$.server", "frame_ancestors", &s->frame_ancestors)) ||
	    (rc = get_int(c, o, "$.server", "max_fields", 4, 1000, &max_fields)) ||
	    (rc = get_int(c, o, "$.server", "queue", 1, 1000000, &queue)) ||
	    (rc = get_int(c, o, "$.server", "per_ip_connections", 1, 100000, &per_ip)))
		return rc;
	s->per_ip_connections = (int)per_ip;
	s->max_fields = (int)max_fields;
	s->queue = (int)queue;
	if (s->secret && strlen(s->secret) < 16)
		return fail_at(c, "$.server.secret", 0, "must be at least 16 characters");
	{
		const char *colon = strrchr(s->listen, ':');
		char *end;
		long port = colon ? strtol(colon + 1, &end, 10) : -1;
		if (!colon || colon == s->listen || *end || port < 0 || port > 65535)
			return fail_at(c, "$.server.listen", 0,
				       "'%s' is not an address such as \"127.0.0.1:8080\"", s->listen);
	}
	return 0;
}

static int load_analysis(struct ctx *c, json_t *root, struct core_analysis *a)
{
	static const char *const keys[] = {"seed", "max_themes", "themes", "ambition_threshold",
					   "campaign_min", "default_lang", NULL};
	json_t *o;
	long seed = (long)a->seed, max_themes = a->max_themes, themes = a->themes,
	     campaign_min = a->campaign_min;
	int rc;

	if (!(o = get_obj(c, root, "$", "analysis", &rc)))
		return rc;
	if ((rc = check_keys(c, o, "$.analysis", keys)) ||
	    (rc = get_int(c, o, "$.analysis", "seed", 0, LONG_MAX, &seed)) ||
	    (rc = get_int(c, o, "$.analysis", "max_themes", 2, 500, &max_themes)) ||
	    (rc = get_int(c, o, "$.analysis", "themes", 0, 500, &themes)) ||
	    (rc = get_num(c, o, "$.analysis", "ambition_threshold", 0, 1, &a->ambition_threshold)) ||
	    (rc = get_int(c, o, "$.analysis", "campaign_min", 2, 1000000, &campaign_min)) ||
	    (rc = get_str(c, o, "$.analysis", "default_lang", 0, &a->default_lang)))
		return rc;
	if (!valid_lang(a->default_lang))
		return fail_at(c, "$.analysis.default_lang", 0,
			       "'%s' is not a language code such as \"nl\"", a->default_lang);
	a->seed = (uint64_t)seed;
	a->max_themes = (int)max_themes;
	a->themes = (int)themes;
	a->campaign_min = (int)campaign_min;
	return 0;
}

static int load_collect(struct ctx *c, json_t *root, struct core_collect *k)
{
	static const char *const keys[] = {"min_interval", "max_backoff", "parallel",
					   "per_host", "connect_timeout", "timeout", "stall_timeout",
					   NULL};
	long parallel = k->parallel, per_host = k->per_host;
	json_t *o;
	int rc;

	if (!(o = get_obj(c, root, "$", "collect", &rc)))
		return rc;
	if ((rc = check_keys(c, o, "$.collect", keys)) ||
	    (rc = get_duration(c, o, "$.collect", "min_interval", &k->min_interval_s)) ||
	    (rc = get_duration(c, o, "$.collect", "max_backoff", &k->max_backoff_s)) ||
	    (rc = get_int(c, o, "$.collect", "parallel", 1, 256, &parallel)) ||
	    (rc = get_int(c, o, "$.collect", "per_host", 1, 64, &per_host)) ||
	    (rc = get_duration(c, o, "$.collect", "connect_timeout", &k->connect_timeout_s)) ||
	    (rc = get_duration(c, o, "$.collect", "timeout", &k->timeout_s)) ||
	    (rc = get_duration(c, o, "$.collect", "stall_timeout", &k->stall_s)))
		return rc;
	if (k->max_backoff_s < k->min_interval_s)
		return fail_at(c, "$.collect.max_backoff", 0,
			       "must not be shorter than min_interval");
	k->parallel = (int)parallel;
	k->per_host = (int)per_host;
	return 0;
}

static int load_exports(struct ctx *c, json_t *root, struct core_exports *e)
{
	static const char *const keys[] = {"dir", "include_authors", "lang", NULL};
	json_t *o;
	int rc;

	if (!(o = get_obj(c, root, "$", "exports", &rc)))
		return rc;
	if ((rc = check_keys(c, o, "$.exports", keys)) ||
	    (rc = get_str(c, o, "$.exports", "dir", 0, &e->dir)) ||
	    (rc = get_bool(c, o, "$.exports", "include_authors", &e->include_authors)) ||
	    (rc = get_str(c, o, "$.exports", "lang", 0, &e->lang)))
		return rc;
	if (strcmp(e->lang, "nl") && strcmp(e->lang, "en"))
		return fail_at(c, "$.exports.lang", 0, "must be \"nl\" or \"en\", not '%s'", e->lang);
	return 0;
}

/* review: reviewers with the SHA-256 of their token (never the token itself). */
static int load_review(struct ctx *c, json_t *root, struct core_review_cfg *r)
{
	static const char *const keys[] = {"reviewers", "session_ttl", "allow_remote", NULL};
	static const char *const rkeys[] = {"name", "token_sha256", NULL};
	json_t *o, *arr, *e;
	size_t i;
	int rc;

	if (!(o = get_obj(c, root, "$", "review", &rc)))
		return rc;
	if ((rc = check_keys(c, o, "$.review", keys)) ||
	    (rc = get_duration(c, o, "$.review", "session_ttl", &r->session_ttl_s)) ||
	    (rc = get_bool(c, o, "$.review", "allow_remote", &r->allow_remote)))
		return rc;
	if (!(arr = get_arr(c, o, "$.review", "reviewers", &rc)) || !json_array_size(arr))
		return rc;
	if (!(r->reviewers = calloc(json_array_size(arr), sizeof(*r->reviewers))))
		return core_err_set(c->err, CORE_ENOMEM, "out of memory");
	json_array_foreach(arr, i, e) {
		char p[CFG_PATH_MAX], hp[CFG_PATH_MAX];
		struct core_reviewer *rv = &r->reviewers[i];
		char *hash = NULL;
		size_t n;
		snprintf(p, sizeof(p), "$.review.reviewers[%zu]", i);
		snprintf(hp, sizeof(hp), "%s.token_sha256", p);
		if (!json_is_object(e))
			return fail_at(c, p, 0, "must be an object with name and token_sha256");
		r->n_reviewers = i + 1;
		if ((rc = check_keys(c, e, p, rkeys)) ||
		    (rc = get_str(c, e, p, "name", 1, &rv->name)) ||
		    (rc = get_str(c, e, p, "token_sha256", 1, &hash)))
			return rc;
		n = strspn(hash, "0123456789abcdefABCDEF");
		if (strlen(hash) != 64 || n != 64) {
			free(hash);
			return fail_at(c, hp, 0, "must be the SHA-256 of the token as 64 hex digits "
				       "(inspraak review token NAME makes one)");
		}
		for (size_t k = 0; k < 64; k++)
			rv->token_sha256[k] = (char)tolower((unsigned char)hash[k]);
		free(hash);
		if (!*rv->name || strlen(rv->name) > 100 || strpbrk(rv->name, "\r\n\t<>&\"'"))
			return fail_at(c, p, 0, "name must be 1 to 100 characters without markup");
		for (size_t j = 0; j < i; j++)
			if (!strcmp(r->reviewers[j].name, rv->name) ||
			    !strcmp(r->reviewers[j].token_sha256, rv->token_sha256))
				return fail_at(c, p, 0, "reviewer '%s' repeats a name or a token of "
					       "reviewers[%zu]", rv->name, j);
	}
	return 0;
}

static int set_defaults(struct core_config *cfg)
{
	cfg->review.session_ttl_s = 8 * 3600;
	cfg->server.max_body = 64 * 1024;
	cfg->server.rate_per_min = 30;
	cfg->server.burst = 10;
	cfg->server.max_fields = 32;
	cfg->server.queue = 4096;
	cfg->server.per_ip_connections = 64;
	cfg->analysis.seed = 42;
	cfg->analysis.max_themes = 12;
	cfg->analysis.ambition_threshold = 0.15;
	cfg->analysis.campaign_min = 5;
	cfg->collect.min_interval_s = 300;
	cfg->collect.max_backoff_s = 86400;
	cfg->collect.parallel = 8;
	cfg->collect.per_host = 2;
	cfg->collect.connect_timeout_s = 10;
	cfg->collect.timeout_s = 60;
	cfg->collect.stall_s = 20;
	if (!(cfg->database = strdup("inspraak.db")) ||
	    !(cfg->server.listen = strdup("127.0.0.1:8080")) ||
	    !(cfg->analysis.default_lang = strdup("nl")) || !(cfg->exports.dir = strdup("export")) ||
	    !(cfg->exports.lang = strdup("nl")))
		return CORE_ENOMEM;
	return 0;
}

/* A relative database path is taken relative to the configuration file's folder, so
 * `inspraak --config /etc/inspraak/x.json` works from any directory. */
static int resolve_database(struct core_config *cfg, const char *name)
{
	const char *slash = strrchr(name, '/');
	char *joined;

	if (cfg->database[0] == '/' || !slash || !strcmp(cfg->database, ":memory:"))
		return 0;
	if (!(joined = core_asprintf("%.*s/%s", (int)(slash - name), name, cfg->database)))
		return CORE_ENOMEM;
	free(cfg->database);
	cfg->database = joined;
	return 0;
}

int core_config_parse(const char *text, size_t len, const char *name, struct core_config *cfg,
		      struct core_err *err)
{
	static const char *const keys[] = {"database", "contact", "vision", "sources", "forms",
					   "server", "analysis", "exports", "collect", "review", NULL};
	struct ctx c = {name, {0}, err};
	json_error_t jerr;
	json_t *root = NULL, *arr, *e;
	size_t i;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if ((rc = set_defaults(cfg))) {
		core_err_set(err, CORE_ENOMEM, "out of memory");
		goto out;
	}
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
		text += 3;
		len -= 3;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		rc = core_err_set(err, CORE_ECONFIG, "%s:%d:%d: invalid JSON: %s", name, jerr.line,
				  jerr.column, jerr.text);
		goto out;
	}
	cfg_locate(text, len, &c.locs);
	if (!json_is_object(root)) {
		rc = fail_at(&c, "$", 0, "the configuration must be a JSON object, not %s",
			     type_name(root));
		goto out;
	}
	if ((rc = check_keys(&c, root, "$", keys)) ||
	    (rc = get_str(&c, root, "$", "database", 0, &cfg->database)) ||
	    (rc = get_str(&c, root, "$", "contact", 0, &cfg->contact)) ||
	    (rc = load_vision(&c, root, cfg)) || (rc = load_server(&c, root, &cfg->server)) ||
	    (rc = load_analysis(&c, root, &cfg->analysis)) ||
	    (rc = load_exports(&c, root, &cfg->exports)) ||
	    (rc = load_collect(&c, root, &cfg->collect)) ||
	    (rc = load_review(&c, root, &cfg->review)))
		goto out;

	if (!(arr = get_arr(&c, root, "$", "sources", &rc)) && rc)
		goto out;
	if (arr && json_array_size(arr)) {
		if (!(cfg->sources = calloc(json_array_size(arr), sizeof(*cfg->sources)))) {
			rc = core_err_set(err, CORE_ENOMEM, "out of memory");
			goto out;
		}
		json_array_foreach(arr, i, e) {
			char p[CFG_PATH_MAX];
			snprintf(p, sizeof(p), "$.sources[%zu]", i);
			cfg->n_sources = i + 1;
			if ((rc = load_source(&c, e, p, &cfg->sources[i])))
				goto out;
			for (size_t j = 0; j < i; j++)
				if (!strcmp(cfg->sources[j].name, cfg->sources[i].name)) {
					strncat(p, ".name", sizeof(p) - strlen(p) - 1);
					rc = fail_at(&c, p, 0, "duplicate source name '%s'",
						     cfg->sources[i].name);
					goto out;
				}
		}
	}
	if (!(arr = get_arr(&c, root, "$", "forms", &rc)) && rc)
		goto out;
	if (arr && json_array_size(arr)) {
		if (!(cfg->forms = calloc(json_array_size(arr), sizeof(*cfg->forms)))) {
			rc = core_err_set(err, CORE_ENOMEM, "out of memory");
			goto out;
		}
		json_array_foreach(arr, i, e) {
			char p[CFG_PATH_MAX];
			snprintf(p, sizeof(p), "$.forms[%zu]", i);
			cfg->n_forms = i + 1;
			if ((rc = load_form(&c, e, p, &cfg->forms[i])))
				goto out;
			for (size_t j = 0; j < i; j++)
				if (!strcmp(cfg->forms[j].name, cfg->forms[i].name)) {
					strncat(p, ".name", sizeof(p) - strlen(p) - 1);
					rc = fail_at(&c, p, 0, "duplicate form name '%s'",
						     cfg->forms[i].name);
					goto out;
				}
			for (size_t j = 0; j < cfg->n_sources; j++)
				if (!strcmp(cfg->sources[j].name, cfg->forms[i].name)) {
					strncat(p, ".name", sizeof(p) - strlen(p) - 1);
					rc = fail_at(&c, p, 0, "'%s' is already the name of a source",
						     cfg->forms[i].name);
					goto out;
				}
		}
	}
	if (resolve_database(cfg, name)) {
		rc = core_err_set(err, CORE_ENOMEM, "out of memory");
		goto out;
	}
	if (!(cfg->path = strdup(name)))
		rc = core_err_set(err, CORE_ENOMEM, "out of memory");
out:
	json_decref(root);
	cfg_locs_release(&c.locs);
	if (rc)
		core_config_release(cfg);
	return rc;
}

int core_config_load(const char *path, struct core_config *cfg, struct core_err *err)
{
	FILE *f = fopen(path, "rb");
	struct core_buf b;
	char chunk[8192];
	size_t n;
	int rc = 0;

	memset(cfg, 0, sizeof(*cfg));
	core_buf_init(&b, CONFIG_MAX_BYTES);
	if (!f)
		return core_err_set(err, CORE_ECONFIG, "cannot read configuration '%s': %s%s", path,
				    strerror(errno),
				    errno == ENOENT ? " (create one with 'inspraak init')" : "");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (core_buf_append(&b, chunk, n)) {
			rc = core_err_set(err, CORE_ECONFIG,
					  "cannot read configuration '%s': larger than %d bytes",
					  path, CONFIG_MAX_BYTES);
			goto out;
		}
	if (ferror(f)) {
		rc = core_err_set(err, CORE_ECONFIG, "cannot read configuration '%s': %s", path,
				  strerror(errno));
		goto out;
	}
	rc = core_config_parse(b.data ? b.data : "", b.len, path, cfg, err);
out:
	fclose(f);
	core_buf_release(&b);
	return rc;
}

void core_config_release(struct core_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->path);
	free(cfg->database);
	free(cfg->contact);
	free(cfg->vision_title);
	free(cfg->vision_title_en);
	for (size_t i = 0; i < cfg->n_ambitions; i++) {
		struct core_ambition *a = &cfg->ambitions[i];
		free(a->code);
		free(a->title);
		free(a->title_en);
		free(a->description);
		free(a->description_en);
		core_strlist_release(&a->keywords_nl);
		core_strlist_release(&a->keywords_en);
		core_strlist_release(&a->hashtags);
	}
	free(cfg->ambitions);
	for (size_t i = 0; i < cfg->n_sources; i++) {
		struct core_source *s = &cfg->sources[i];
		free(s->name);
		free(s->url);
		free(s->lang);
		free(s->group);
		for (size_t j = 0; j < s->n_headers; j++) {
			free(s->headers[j].name);
			free(s->headers[j].value);
		}
		free(s->headers);
		for (size_t j = 0; j < s->n_mapping; j++) {
			free(s->mapping[j].name);
			free(s->mapping[j].value);
		}
		free(s->mapping);
	}
	free(cfg->sources);
	for (size_t i = 0; i < cfg->n_forms; i++) {
		struct core_form *f = &cfg->forms[i];
		free(f->name);
		free(f->title);
		core_strlist_release(&f->fields);
		free(f->text_field);
		free(f->ambition_field);
		free(f->stance_field);
		free(f->group_field);
		core_strlist_release(&f->groups);
		free(f->lang);
		for (size_t j = 0; j < f->n_api_mapping; j++) {
			free(f->api_mapping[j].name);
			free(f->api_mapping[j].value);
		}
		free(f->api_mapping);
		free(f->api_secret);
		core_strlist_release(&f->frame_ancestors);
		core_strlist_release(&f->cors_origins);
	}
	free(cfg->forms);
	free(cfg->server.listen);
	free(cfg->server.secret);
	free(cfg->server.api_secret);
	core_strlist_release(&cfg->server.frame_ancestors);
	free(cfg->analysis.default_lang);
	free(cfg->exports.dir);
	free(cfg->exports.lang);
	for (size_t i = 0; i < cfg->review.n_reviewers; i++)
		free(cfg->review.reviewers[i].name);
	free(cfg->review.reviewers);
	memset(cfg, 0, sizeof(*cfg));
}

const struct core_ambition *core_config_ambition(const struct core_config *cfg, const char *code)
{
	for (size_t i = 0; i < cfg->n_ambitions; i++)
		if (!strcasecmp(cfg->ambitions[i].code, code))
			return &cfg->ambitions[i];
	return NULL;
}

const struct core_source *core_config_source(const struct core_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_sources; i++)
		if (!strcmp(cfg->sources[i].name, name))
			return &cfg->sources[i];
	return NULL;
}

const struct core_form *core_config_form(const struct core_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_forms; i++)
		if (!strcmp(cfg->forms[i].name, name))
			return &cfg->forms[i];
	return NULL;
}

const char *core_config_starter(void)
{
	return "{\n"
	       "  \"_comment\": \"inspraak configuration. Keys starting with _comment are notes; "
	       "any other unknown key is an error. Check with: inspraak check-config\",\n"
	       "  \"database\": \"inspraak.db\",\n"
	       "  \"_comment_contact\": \"Sent in the User-Agent when fetching feeds, so feed "
	       "owners can reach you.\",\n"
	       "  \"contact\": \"mailto:you@example.org\",\n"
	       "  \"vision\": {\n"
	       "    \"title\": \"Onze visie op dienstverlening\",\n"
	       "    \"title_en\": \"Our vision on public service\",\n"
	       "    \"_comment\": \"One entry per ambition; keywords per language help the "
	       "analysis decide which ambition a reaction is about.\",\n"
	       "    \"ambitions\": [\n"
	       "      {\n"
	       "        \"code\": \"A1\",\n"
	       "        \"title\": \"Digitaal als standaard\",\n"
	       "        \"title_en\": \"Digital by default\",\n"
	       "        \"description\": \"Inwoners en ondernemers regelen hun zaken online.\",\n"
	       "        \"description_en\": \"Residents and businesses arrange their affairs "
	       "online.\",\n"
	       "        \"keywords\": {\"nl\": [\"digitaal\", \"online\", \"website\", \"app\"], "
	       "\"en\": [\"digital\", \"online\", \"website\", \"app\"]},\n"
	       "        \"hashtags\": [\"#digitaalstandaard\"]\n"
	       "      },\n"
	       "      {\n"
	       "        \"code\": \"A2\",\n"
	       "        \"title\": \"Bereikbaar via alle kanalen\",\n"
	       "        \"title_en\": \"Reachable through every channel\",\n"
	       "        \"description\": \"Balie, telefoon en online blijven open.\",\n"
	       "        \"keywords\": {\"nl\": [\"balie\", \"telefoon\", \"loket\"], "
	       "\"en\": [\"counter\", \"phone\", \"desk\"]}\n"
	       "      }\n"
	       "    ]\n"
	       "  },\n"
	       "  \"_comment_sources\": \"Feeds to collect: type rss, atom, jsonfeed, mastodon, "
	       "json or auto; interval such as 30m or 6h.\",\n"
	       "  \"sources\": [\n"
	       "    {\"name\": \"example-feed\", \"type\": \"rss\", \"url\": "
	       "\"https://example.org/reacties.rss\", \"interval\": \"30m\", \"enabled\": false}\n"
	       "  ],\n"
	       "  \"forms\": [\n"
	       "    {\"name\": \"reacties\", \"title\": \"Reageer op de visie\", \"fields\": "
	       "[\"text\", \"ambition\", \"stance\", \"group\"], \"text_field\": \"text\", "
	       "\"ambition_field\": \"ambition\", \"stance_field\": \"stance\", "
	       "\"group_field\": \"group\", \"groups\": [\"inwoner\", \"medewerker\", "
	       "\"organisatie\", \"buitenland\"]}\n"
	       "  ],\n"
	       "  \"_comment_collect\": \"How feeds are polled: no source more often than "
	       "min_interval; after failures a source backs off, at most max_backoff.\",\n"
	       "  \"collect\": {\"min_interval\": \"5m\", \"max_backoff\": \"24h\", "
	       "\"parallel\": 8, \"per_host\": 2},\n"
	       "  \"server\": {\"listen\": \"127.0.0.1:8080\", \"max_body\": \"64KiB\", "
	       "\"rate_per_minute\": 30, \"burst\": 10},\n"
	       "  \"analysis\": {\"seed\": 42, \"max_themes\": 12, \"ambition_threshold\": 0.15, "
	       "\"campaign_min\": 5, \"default_lang\": \"nl\"},\n"
	       "  \"exports\": {\"dir\": \"export\", \"include_authors\": false, \"lang\": "
	       "\"nl\"},\n"
	       "  \"_comment_review\": \"Who may use the /review pages. Make a token with: "
	       "inspraak review token NAME; only its SHA-256 goes here.\",\n"
	       "  \"review\": {\"reviewers\": [], \"session_ttl\": \"8h\", "
	       "\"allow_remote\": false}\n"
	       "}\n";
}
