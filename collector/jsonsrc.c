/* jsonsrc.c: pure parsers for JSON sources: a generic API with a field mapping from the
 * configuration (form tools, other platforms), and the Mastodon tag timeline. Bytes in,
 * items out; no I/O. Also the Link header's rel="next", which Mastodon pages with. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "collector.h"
#include "internal.h"

#define MAX_ITEMS 100000 /* per response: more is not a feed page, it is an attack */

/* Walks a dotted path ("data.results", "answers.0.text") from v; NULL when absent. */
static json_t *walk(json_t *v, const char *path)
{
	const char *p = path;

	while (v && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		char key[128];
		if (n == 0 || n >= sizeof key)
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		if (json_is_object(v)) {
			v = json_object_get(v, key);
		} else if (json_is_array(v)) {
			char *end;
			long i = strtol(key, &end, 10);
			v = *end || i < 0 ? NULL : json_array_get(v, (size_t)i);
		} else {
			return NULL;
		}
		p += n + (dot != NULL);
	}
	return v;
}

/* A scalar as text (caller frees); NULL for objects, arrays, null and empty strings. */
static char *scalar(json_t *v)
{
	char buf[64];

	if (json_is_string(v))
		return json_string_length(v) ? core_utf8_sanitize(json_string_value(v),
								   json_string_length(v))
					      : NULL;
	if (json_is_integer(v)) {
		snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
		return strdup(buf);
	}
	if (json_is_real(v)) {
		snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
		return strdup(buf);
	}
	return NULL;
}

static const char *role(const struct core_header *m, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(m[i].name, name))
			return m[i].value;
	return NULL;
}

/* A time as text or as epoch seconds (or milliseconds) into "YYYY-MM-DDTHH:MM:SSZ". */
static char *when(json_t *v)
{
	char out[21];
	time_t t;

	if (json_is_integer(v)) {
		long long x = json_integer_value(v);
		if (x > 100000000000LL) /* milliseconds */
			x /= 1000;
		if (x <= 0 || x > 253402300799LL) /* after 9999-12-31: not a time */
			return NULL;
		t = (time_t)x;
	} else if (!json_is_string(v) || core_time_parse(json_string_value(v), &t)) {
		return NULL;
	}
	core_time_format(t, out);
	return strdup(out);
}

/* Fills the item's text from a plain or an HTML value; 0 when there is no text. */
static int text_of(json_t *plain, json_t *html, char **out, struct core_err *err)
{
	*out = NULL;
	if (json_is_string(html) && json_string_length(html)) {
		int rc = col_html_to_text(json_string_value(html), json_string_length(html), out, err);
		if (rc < 0)
			return rc;
	}
	if ((!*out || !**out) && plain) {
		free(*out);
		*out = scalar(plain);
		if (*out)
			core_text_squeeze(*out);
	}
	if (*out && !**out) {
		free(*out);
		*out = NULL;
	}
	return 0;
}

/* A language code ("nl", "fry") as text, NULL when it is not one. Caller frees. */
static char *lang_of(json_t *v)
{
	char *l = scalar(v);
	size_t n = l ? strlen(l) : 0;

	if (n >= 2 && n <= 3)
		return l;
	free(l);
	return NULL;
}

/* Gives an item without an id one from its URL, else from its content. */
static int ensure_id(struct core_item *it)
{
	if (it->external_id)
		return 0;
	if (it->url) {
		it->external_id = strdup(it->url);
	} else {
		core_text_fingerprint(it->text, it->content_hash);
		it->external_id = core_asprintf("hash:%s", it->content_hash);
	}
	return it->external_id ? 0 : CORE_ENOMEM;
}

int col_parse_json_mapped(const char *body, size_t len, const struct core_header *mapping,
			  size_t n_mapping, struct core_item_list *out, struct core_err *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr), *items, *v;
	const char *ipath = role(mapping, n_mapping, "items");
	size_t start = out->n, i;
	int rc = 0;

	if (!root)
		return core_err_set(err, CORE_ERUNTIME, "not valid JSON: line %d: %s", jerr.line,
				    jerr.text);
	items = ipath && *ipath ? walk(root, ipath) : root;
	if (!json_is_array(items)) {
		rc = core_err_set(err, CORE_ERUNTIME, "no array of items at '%s' in the response",
				  ipath && *ipath ? ipath : "(the top level)");
		goto out;
	}
	if (json_array_size(items) > MAX_ITEMS) {
		rc = core_err_set(err, CORE_ELIMIT, "more than %d items in one response", MAX_ITEMS);
		goto out;
	}
	json_array_foreach(items, i, v) {
		const char *p;
		struct core_item *it;
		char *text = NULL;

		if (!json_is_object(v))
			continue;
		const char *tp = role(mapping, n_mapping, "text");
		const char *hp = role(mapping, n_mapping, "html");
		if ((rc = text_of(tp ? walk(v, tp) : NULL, hp ? walk(v, hp) : NULL, &text, err)) < 0)
			goto out;
		if (!text)
			continue; /* nothing to hear in it */
		if (!(it = core_item_list_add(out))) {
			free(text);
			goto nomem;
		}
		it->text = text;
		if ((p = role(mapping, n_mapping, "id")))
			it->external_id = scalar(walk(v, p));
		if ((p = role(mapping, n_mapping, "url")))
			it->url = scalar(walk(v, p));
		if ((p = role(mapping, n_mapping, "title")))
			it->title = scalar(walk(v, p));
		if ((p = role(mapping, n_mapping, "author")))
			it->author = scalar(walk(v, p));
		if ((p = role(mapping, n_mapping, "time")))
			it->published_at = when(walk(v, p));
		if ((p = role(mapping, n_mapping, "lang")))
			it->lang = lang_of(walk(v, p));
		if (ensure_id(it))
			goto nomem;
	}
	goto out;
nomem:
	rc = core_err_set(err, CORE_ENOMEM, "reading JSON items: out of memory");
out:
	json_decref(root);
	if (rc < 0)
		while (out->n > start)
			core_item_release(&out->v[--out->n]);
	return rc;
}

int col_parse_mastodon(const char *body, size_t len, struct core_item_list *out,
		       struct core_err *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(body, len, 0, &jerr), *v;
	size_t start = out->n, i;
	int rc = 0;

	if (!root)
		return core_err_set(err, CORE_ERUNTIME, "not a Mastodon timeline: line %d: %s",
				    jerr.line, jerr.text);
	if (!json_is_array(root)) {
		rc = core_err_set(err, CORE_ERUNTIME,
				  "not a Mastodon timeline: expected an array of statuses");
		goto out;
	}
	if (json_array_size(root) > MAX_ITEMS) {
		rc = core_err_set(err, CORE_ELIMIT, "more than %d statuses in one page", MAX_ITEMS);
		goto out;
	}
	json_array_foreach(root, i, v) {
		struct core_item *it;
		json_t *acct;
		char *text = NULL;

		/* a boost repeats someone else's status, which arrives on its own */
		if (!json_is_object(v) || (json_object_get(v, "reblog") &&
					   !json_is_null(json_object_get(v, "reblog"))))
			continue;
		if ((rc = text_of(NULL, json_object_get(v, "content"), &text, err)) < 0)
			goto out;
		if (!text)
			continue;
		if (!(it = core_item_list_add(out))) {
			free(text);
			goto nomem;
		}
		it->text = text;
		it->external_id = scalar(json_object_get(v, "id"));
		it->url = scalar(json_object_get(v, "url"));
		if (!it->url)
			it->url = scalar(json_object_get(v, "uri"));
		it->published_at = when(json_object_get(v, "created_at"));
		acct = json_object_get(v, "account");
		it->author = scalar(json_object_get(acct, "acct"));
		it->title = scalar(json_object_get(v, "spoiler_text"));
		it->lang = lang_of(json_object_get(v, "language"));
		if (ensure_id(it))
			goto nomem;
	}
	goto out;
nomem:
	rc = core_err_set(err, CORE_ENOMEM, "reading a Mastodon timeline: out of memory");
out:
	json_decref(root);
	if (rc < 0)
		while (out->n > start)
			core_item_release(&out->v[--out->n]);
	return rc;
}

char *col_link_next(const char *link)
{
	const char *p = link;

	/* Link: <https://h/a?max_id=1>; rel="next", <https://h/a?min_id=9>; rel="prev" */
	while (p && *p) {
		const char *lt = strchr(p, '<'), *gt = lt ? strchr(lt, '>') : NULL;
		if (!gt)
			return NULL;
		const char *end = strchr(gt, ',');
		size_t n = end ? (size_t)(end - gt) : strlen(gt);
		char params[256];
		if (n >= sizeof params)
			n = sizeof params - 1;
		memcpy(params, gt, n);
		params[n] = '\0';
		for (char *q = params; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		if (strstr(params, "rel=\"next\"") || strstr(params, "rel=next"))
			return core_strndup(lt + 1, (size_t)(gt - lt - 1));
		p = end ? end + 1 : NULL;
	}
	return NULL;
}
