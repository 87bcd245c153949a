/* listing.c: the `themes` and `items` listings that cli/ prints: a table for people or a
 * JSON array for scripts. Themes come from the same model as summary.json; items stream
 * straight from the store, so a listing of a million items needs no memory per item. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define JSON_LIST_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))
#define JSON_ITEM_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))

/* Prints s as a column of width code points: an excerpt, padded with spaces. Control
 * characters (C0, DEL, C1) become spaces, so a respondent cannot drive the terminal. */
static int cell(FILE *out, const char *s, size_t width, int last)
{
	char *ex = exp_excerpt(s ? s : "", width);
	size_t n = 0;

	if (!ex)
		return CORE_ENOMEM;
	for (unsigned char *p = (unsigned char *)ex; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			*p = ' ';
		if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
			p[0] = ' ';
			p[1] = ' ';
		}
	}
	fputs(ex, out);
	n = exp_utf8_len(ex);
	free(ex);
	if (!last)
		for (; n < width + 2; n++)
			fputc(' ', out);
	return 0;
}

static int list_fail(int rc, FILE *out, const char *what, struct core_err *err)
{
	if (rc == CORE_ENOMEM)
		return core_err_set(err, rc, "listing %s: out of memory", what);
	if (!rc && ferror(out))
		return core_err_set(err, CORE_ERUNTIME, "listing %s: write error", what);
	return rc;
}

static int themes_table(const struct exp_model *m, FILE *out)
{
	struct core_buf terms = {0}, ambs = {0};
	char split[96];
	int rc = 0;

	if ((rc = cell(out, "id", 6, 0)) || (rc = cell(out, "size", 6, 0)) ||
	    (rc = cell(out, "label", 28, 0)) || (rc = cell(out, "top terms", 30, 0)) ||
	    (rc = cell(out, "ambitions", 18, 0)) ||
	    (rc = cell(out, "support/objection/neutral/mixed", 40, 1)))
		return rc;
	fputc('\n', out);
	for (size_t t = 0; t < m->n_themes; t++) {
		const struct exp_theme_row *row = &m->themes[t];
		char size[24];

		core_buf_init(&terms, 1 << 16);
		core_buf_init(&ambs, 1 << 16);
		rc = core_buf_puts(&terms, "") || core_buf_puts(&ambs, "");
		for (size_t i = 0; !rc && i < row->t.top_terms.n; i++)
			rc = core_buf_printf(&terms, "%s%s", i ? ", " : "", row->t.top_terms.v[i]);
		for (size_t a = 0; !rc && a < m->n_ambs; a++)
			if (row->amb_items[a])
				rc = core_buf_printf(&ambs, "%s%s:%lld", ambs.len ? " " : "",
						     m->ambs[a].amb->code,
						     (long long)row->amb_items[a]);
		if (rc) {
			rc = CORE_ENOMEM;
			break;
		}
		snprintf(size, sizeof(size), "%lld", (long long)row->size);
		snprintf(split, sizeof(split), "%lld/%lld/%lld/%lld", (long long)row->stance[1],
			 (long long)row->stance[2], (long long)row->stance[3],
			 (long long)row->stance[4]);
		/* A subtheme sits indented under its parent (the model lists it right after). */
		int sub = row->t.parent[0] != '\0';
		if (sub)
			fputs("  ", out);
		if ((rc = cell(out, row->t.id, sub ? 4 : 6, 0)) || (rc = cell(out, size, 6, 0)) ||
		    (rc = cell(out, row->t.label, 28, 0)) || (rc = cell(out, terms.data, 30, 0)) ||
		    (rc = cell(out, ambs.data, 18, 0)) || (rc = cell(out, split, 40, 1)))
			break;
		fputc('\n', out);
		core_buf_release(&terms);
		core_buf_release(&ambs);
	}
	core_buf_release(&terms);
	core_buf_release(&ambs);
	return rc;
}

int exp_print_themes(struct core_db *db, const struct core_config *cfg, int json, FILE *out,
		     struct core_err *err)
{
	struct exp_model m = {0};
	json_t *arr = NULL;
	int rc;

	if ((rc = exp_model_build(db, cfg, NULL, NULL, NULL, &m, err)))
		goto out;
	if (!json) {
		rc = list_fail(themes_table(&m, out), out, "themes", err);
		goto out;
	}
	arr = json_array();
	if (!arr) {
		rc = list_fail(CORE_ENOMEM, out, "themes", err);
		goto out;
	}
	for (size_t t = 0; t < m.n_themes; t++) {
		json_t *o = exp_json_theme(&m, t);
		if (!o || json_array_append_new(arr, o) != 0) {
			rc = list_fail(CORE_ENOMEM, out, "themes", err);
			goto out;
		}
	}
	if (json_dumpf(arr, out, JSON_LIST_FLAGS) != 0 || fputc('\n', out) == EOF) {
		rc = core_err_set(err, CORE_ERUNTIME, "listing themes: write error");
		goto out;
	}
	rc = list_fail(0, out, "themes", err);
out:
	json_decref(arr);
	exp_model_release(&m);
	return rc;
}

struct items_list {
	struct core_db *db;
	const struct core_config *cfg;
	FILE *out;
	int json;
	size_t n;
	struct core_err *err;
};

/* Sets a key; a NULL value (no memory) marks the object bad. Steals v. */
static void set(json_t *o, const char *key, json_t *v, int *bad)
{
	if (!v || json_object_set_new(o, key, v) != 0)
		*bad = 1;
}

static json_t *item_json(const struct items_list *x, const struct core_item_view *v)
{
	const struct core_item *it = &v->item;
	json_t *o = json_object(), *ambs = json_array();
	int bad = !o || !ambs;

	if (bad) {
		json_decref(o);
		json_decref(ambs);
		return NULL;
	}
	set(o, "id", json_integer((json_int_t)it->id), &bad);
	set(o, "source", exp_json_text(it->source), &bad);
	set(o, "external_id", exp_json_text(it->external_id), &bad);
	set(o, "url", exp_json_text(it->url), &bad);
	set(o, "title", exp_json_text(it->title), &bad);
	set(o, "text", exp_json_text(it->text), &bad);
	set(o, "lang", exp_json_text(it->lang), &bad);
	set(o, "published_at", exp_json_text(it->published_at), &bad);
	set(o, "collected_at", exp_json_text(it->collected_at), &bad);
	set(o, "group", exp_json_text(it->group), &bad);
	if (x->cfg && x->cfg->exports.include_authors)
		set(o, "author", exp_json_text(it->author), &bad);
	set(o, "theme", exp_json_text(v->theme && *v->theme ? v->theme : NULL), &bad);
	set(o, "subtheme", exp_json_text(v->subtheme && *v->subtheme ? v->subtheme : NULL), &bad);
	set(o, "campaign", exp_json_text(v->campaign && *v->campaign ? v->campaign : NULL), &bad);
	for (size_t i = 0; i < v->n_stances; i++) {
		const struct core_item_stance *s = &v->stances[i];
		json_t *a = json_object();
		if (!a) {
			bad = 1;
			break;
		}
		set(a, "code", exp_json_text(s->code), &bad);
		set(a, "stance", s->stance == CORE_STANCE_NONE ? json_null()
							       : exp_json_text(core_stance_name(s->stance)),
		    &bad);
		set(a, "score", json_real(round(s->score * 1e4) / 1e4), &bad);
		set(a, "origin", exp_json_text(core_origin_name(s->origin)), &bad);
		if (json_array_append_new(ambs, a) != 0)
			bad = 1;
	}
	set(o, "ambitions", ambs, &bad);
	if (it->declared_ambitions.n || it->declared_stance != CORE_STANCE_NONE) {
		json_t *d = json_object(), *codes = json_array();
		if (!d || !codes) {
			json_decref(d);
			json_decref(codes);
			bad = 1;
		} else {
			for (size_t i = 0; i < it->declared_ambitions.n; i++)
				if (json_array_append_new(codes,
							  exp_json_text(it->declared_ambitions.v[i])))
					bad = 1;
			set(d, "ambitions", codes, &bad);
			set(d, "stance", it->declared_stance == CORE_STANCE_NONE
						 ? json_null()
						 : exp_json_text(core_stance_name(it->declared_stance)),
			    &bad);
			set(o, "declared", d, &bad);
		}
	}
	set(o, "edited", json_boolean(v->edited), &bad);
	{
		/* the other sources that carried the same reaction (counted once) */
		struct core_strlist copies = {0};
		json_t *also = json_array();
		if (!also || core_db_item_copies(x->db, it->id, &copies, NULL))
			bad = 1;
		for (size_t i = 0; !bad && i < copies.n; i++)
			if (json_array_append_new(also, json_string(copies.v[i])))
				bad = 1;
		core_strlist_release(&copies);
		set(o, "also_in", also, &bad);
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int item_line(const struct core_item_view *v, void *ctx)
{
	struct items_list *x = ctx;
	struct core_buf ambs = {0};
	char id[24];
	int rc = 0;

	if (x->json) {
		json_t *o = item_json(x, v);
		if (!o)
			return list_fail(CORE_ENOMEM, x->out, "items", x->err);
		fputs(x->n ? ",\n  " : "[\n  ", x->out);
		if (json_dumpf(o, x->out, JSON_ITEM_FLAGS) != 0)
			rc = CORE_ERUNTIME;
		json_decref(o);
		x->n++;
		if (rc || ferror(x->out))
			return core_err_set(x->err, CORE_ERUNTIME, "listing items: write error");
		return 0;
	}
	core_buf_init(&ambs, 1 << 16);
	rc = core_buf_puts(&ambs, "");
	for (size_t i = 0; !rc && i < v->n_stances; i++)
		rc = core_buf_printf(&ambs, "%s%s:%s", i ? "," : "", v->stances[i].code,
				     v->stances[i].stance == CORE_STANCE_NONE
					     ? "-"
					     : core_stance_name(v->stances[i].stance));
	if (rc) {
		rc = CORE_ENOMEM;
		goto out;
	}
	snprintf(id, sizeof(id), "%lld", (long long)v->item.id);
	if ((rc = cell(x->out, id, 7, 0)) || (rc = cell(x->out, v->item.lang, 4, 0)) ||
	    (rc = cell(x->out, v->theme, 6, 0)) || (rc = cell(x->out, ambs.data, 26, 0)) ||
	    (rc = cell(x->out, v->item.text, 60, 1)))
		goto out;
	fputc('\n', x->out);
	x->n++;
out:
	core_buf_release(&ambs);
	return list_fail(rc, x->out, "items", x->err);
}

int exp_print_items(struct core_db *db, const struct core_config *cfg,
		    const struct core_item_filter *f, int json, FILE *out, struct core_err *err)
{
	struct core_item_filter all = {0};
	struct items_list x = {.db = db, .cfg = cfg, .out = out, .json = json, .err = err};
	int rc;

	if (!json) {
		if ((rc = cell(out, "id", 7, 0)) || (rc = cell(out, "lang", 4, 0)) ||
		    (rc = cell(out, "theme", 6, 0)) || (rc = cell(out, "ambitions:stance", 26, 0)) ||
		    (rc = cell(out, "text", 60, 1)))
			return list_fail(rc, out, "items", err);
		fputc('\n', out);
	}
	if ((rc = core_db_items_each(db, f ? f : &all, item_line, &x, err)))
		return rc;
	if (json)
		fputs(x.n ? "\n]\n" : "[]\n", out);
	return list_fail(0, out, "items", err);
}
