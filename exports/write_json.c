/* write_json.c: summary.json, the machine-readable summary (fields in SPEC.md and the
 * export README), built with jansson so all escaping is jansson's. The theme objects are
 * shared with the `themes --json` listing so both always agree. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))

/* Collects allocation failures so the builders stay readable; checked once at the end. */
struct jb {
	int bad;
};

json_t *exp_json_text(const char *s)
{
	json_t *v;

	if (!s)
		return json_null();
	v = json_string(s);
	if (!v) {
		/* Only invalid UTF-8 gets here (config text); replace rather than fail. */
		char *clean = core_utf8_sanitize(s, strlen(s));
		v = clean ? json_string(clean) : NULL;
		free(clean);
	}
	return v;
}

static json_t *jstr(struct jb *b, const char *s)
{
	json_t *v = exp_json_text(s);

	if (!v)
		b->bad = 1;
	return v;
}

static json_t *jstr_or_null(struct jb *b, const char *s)
{
	return s && *s ? jstr(b, s) : json_null();
}

static json_t *jint(struct jb *b, int64_t n)
{
	json_t *v = json_integer((json_int_t)n);
	if (!v)
		b->bad = 1;
	return v;
}

/* Shares are rounded to 4 decimals so files stay stable and readable. */
static json_t *jshare(struct jb *b, double x)
{
	json_t *v = json_real(round(x * 1e4) / 1e4);
	if (!v)
		b->bad = 1;
	return v;
}

/* Both steal v, also on failure (jansson drops the reference when setting fails). */
static void put(struct jb *b, json_t *obj, const char *key, json_t *v)
{
	if (!obj || !v) {
		json_decref(v);
		b->bad = 1;
	} else if (json_object_set_new(obj, key, v) != 0) {
		b->bad = 1;
	}
}

static void add(struct jb *b, json_t *arr, json_t *v)
{
	if (!arr || !v) {
		json_decref(v);
		b->bad = 1;
	} else if (json_array_append_new(arr, v) != 0) {
		b->bad = 1;
	}
}

static json_t *quote_list(struct jb *b, const struct exp_quote *q, size_t n, int with_theme)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		put(b, o, "item", jint(b, q[i].item));
		put(b, o, "text", jstr(b, q[i].text));
		if (with_theme)
			put(b, o, "theme", jstr_or_null(b, q[i].theme));
		add(b, arr, o);
	}
	if (!arr)
		b->bad = 1;
	return arr;
}

static json_t *stance_obj(struct jb *b, const int64_t st[5])
{
	json_t *o = json_object();

	for (int s = CORE_STANCE_SUPPORT; s <= CORE_STANCE_MIXED; s++)
		put(b, o, core_stance_name((enum core_stance)s), jint(b, st[s]));
	return o;
}

static json_t *theme_obj(struct jb *b, const struct exp_model *m, size_t i)
{
	const struct exp_theme_row *row = &m->themes[i];
	json_t *o = json_object(), *terms = json_array(), *ambs = json_array();

	put(b, o, "id", jstr(b, row->t.id));
	put(b, o, "label", jstr(b, row->t.label ? row->t.label : ""));
	put(b, o, "parent", jstr_or_null(b, row->t.parent));
	put(b, o, "size", jint(b, row->size));
	for (size_t j = 0; j < row->t.top_terms.n; j++)
		add(b, terms, jstr(b, row->t.top_terms.v[j]));
	put(b, o, "top_terms", terms);
	for (size_t a = 0; a < m->n_ambs; a++) {
		json_t *x;
		if (!row->amb_items[a])
			continue;
		x = json_object();
		put(b, x, "code", jstr(b, m->ambs[a].amb->code));
		put(b, x, "items", jint(b, row->amb_items[a]));
		add(b, ambs, x);
	}
	put(b, o, "ambitions", ambs);
	put(b, o, "general", jint(b, row->general));
	put(b, o, "stance", stance_obj(b, row->stance));
	put(b, o, "quotes", quote_list(b, row->quotes, row->n_quotes, 0));
	/* The theme's strongest voice for and against, for "what we heard" reports. */
	{
		json_t *sq = json_object();
		for (int q = 0; q < 2; q++) {
			const struct exp_quote *x = &row->stance_quote[q];
			const char *key = q == EXP_Q_SUPPORT ? "support" : "objection";
			json_t *one;
			if (!x->text) {
				put(b, sq, key, json_null());
				continue;
			}
			one = json_object();
			put(b, one, "item", jint(b, x->item));
			put(b, one, "text", jstr(b, x->text));
			put(b, sq, key, one);
		}
		put(b, o, "stance_quotes", sq);
	}
	return o;
}

json_t *exp_json_theme(const struct exp_model *m, size_t i)
{
	struct jb b = {0};
	json_t *o = theme_obj(&b, m, i);

	if (b.bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* items, the four stances, support_share and its Wilson 95 % interval into o. */
static void stance_counts(struct jb *b, json_t *o, int64_t items, const int64_t stance[5])
{
	int64_t k = stance[CORE_STANCE_SUPPORT], n = k + stance[CORE_STANCE_OBJECTION];

	put(b, o, "items", jint(b, items));
	for (int s = CORE_STANCE_SUPPORT; s <= CORE_STANCE_MIXED; s++)
		put(b, o, core_stance_name((enum core_stance)s), jint(b, stance[s]));
	if (n > 0) {
		json_t *ci = json_array();
		double lo, hi;
		exp_wilson(k, n, &lo, &hi);
		put(b, o, "support_share", jshare(b, (double)k / (double)n));
		add(b, ci, jshare(b, lo));
		add(b, ci, jshare(b, hi));
		put(b, o, "support_ci", ci);
	} else {
		put(b, o, "support_share", json_null());
		put(b, o, "support_ci", json_null());
	}
}

/* One breakdown of an ambition: [{KEY: slice, items, support, ...}]. */
static json_t *breakdown(struct jb *b, const struct exp_breaks *by, const char *key)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < by->n; i++) {
		json_t *o = json_object();
		put(b, o, key, *by->v[i].key ? jstr(b, by->v[i].key) : json_null());
		stance_counts(b, o, by->v[i].items, by->v[i].stance);
		add(b, arr, o);
	}
	return arr;
}

static json_t *ambition_obj(struct jb *b, const struct exp_model *m, size_t a)
{
	const struct exp_amb_row *row = &m->ambs[a];
	json_t *o = json_object(), *themes = json_array(), *quotes = json_object();
	json_t *unw = json_object();

	put(b, o, "code", jstr(b, row->amb->code));
	put(b, o, "title", jstr(b, row->amb->title));
	put(b, o, "title_en", jstr_or_null(b, row->amb->title_en));
	stance_counts(b, o, row->items, row->stance);
	stance_counts(b, unw, row->items_unweighted, row->stance_unweighted);
	put(b, o, "unweighted", unw);
	put(b, o, "by_group", breakdown(b, &row->by[EXP_BY_GROUP], "group"));
	put(b, o, "by_channel", breakdown(b, &row->by[EXP_BY_SOURCE], "source"));
	put(b, o, "by_week", breakdown(b, &row->by[EXP_BY_WEEK], "week"));
	for (size_t i = 0; i < row->n_theme_order; i++)
		add(b, themes, jstr(b, m->themes[row->theme_order[i]].t.id));
	put(b, o, "themes", themes);
	put(b, quotes, "support",
	    quote_list(b, row->quotes[EXP_Q_SUPPORT], row->n_quotes[EXP_Q_SUPPORT], 1));
	put(b, quotes, "objection",
	    quote_list(b, row->quotes[EXP_Q_OBJECTION], row->n_quotes[EXP_Q_OBJECTION], 1));
	put(b, o, "quotes", quotes);
	return o;
}

static json_t *run_obj(struct jb *b, const struct exp_model *m)
{
	json_t *o = json_object(), *params = NULL;

	put(b, o, "id", jint(b, m->run.id));
	put(b, o, "started_at", jstr_or_null(b, m->run.started_at));
	put(b, o, "finished_at", jstr_or_null(b, m->run.finished_at));
	/* JSON integers are signed 64-bit; a larger seed is kept exact as a string. */
	if (m->run.seed <= (uint64_t)INT64_MAX) {
		put(b, o, "seed", jint(b, (int64_t)m->run.seed));
	} else {
		char seed[24];
		snprintf(seed, sizeof(seed), "%llu", (unsigned long long)m->run.seed);
		put(b, o, "seed", jstr(b, seed));
	}
	put(b, o, "k", jint(b, m->run.k));
	put(b, o, "items", jint(b, m->run.items));
	if (m->run.params && *m->run.params)
		params = json_loads(m->run.params, JSON_DECODE_ANY, NULL);
	if (!params)
		params = m->run.params && *m->run.params ? jstr(b, m->run.params) : json_null();
	put(b, o, "params", params);
	return o;
}

static json_t *tally_obj(struct jb *b, const struct exp_tally *v, size_t n)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n; i++)
		put(b, o, v[i].key, jint(b, v[i].n));
	return o;
}

/* Items per calendar week and source, only weeks that have items, oldest first. */
static json_t *weeks_arr(struct jb *b, const struct exp_model *m)
{
	json_t *arr = json_array();
	size_t *next = calloc(m->n_sources ? m->n_sources : 1, sizeof(*next));

	if (!arr || !next) {
		b->bad = 1;
		free(next);
		return arr;
	}
	for (;;) {
		int64_t week = 0, total = 0;
		int any = 0;
		json_t *o, *src;
		char iso[21];

		/* The smallest week still pending in any source is the next row. */
		for (size_t i = 0; i < m->n_sources; i++)
			if (next[i] < m->sources[i].n_weeks &&
			    (!any || m->sources[i].weeks[next[i]].week < week)) {
				week = m->sources[i].weeks[next[i]].week;
				any = 1;
			}
		if (!any)
			break;
		o = json_object();
		src = json_object();
		for (size_t i = 0; i < m->n_sources; i++)
			if (next[i] < m->sources[i].n_weeks && m->sources[i].weeks[next[i]].week == week) {
				put(b, src, m->sources[i].key, jint(b, m->sources[i].weeks[next[i]].n));
				total += m->sources[i].weeks[next[i]].n;
				next[i]++;
			}
		core_time_format((time_t)(week * 86400), iso);
		iso[10] = '\0';
		put(b, o, "week", jstr(b, iso));
		put(b, o, "items", jint(b, total));
		put(b, o, "sources", src);
		add(b, arr, o);
	}
	free(next);
	return arr;
}

json_t *exp_json_summary(const struct exp_model *m)
{
	struct jb b = {0};
	json_t *root = json_object(), *camps = json_array(), *ambs = json_array(),
	       *themes = json_array(), *vision = json_object(), *filters = json_object(),
	       *period = json_object();

	put(&b, root, "generated_at", jstr(&b, m->generated_at));
	put(&b, root, "run", run_obj(&b, m));
	put(&b, root, "items", jint(&b, m->items));
	for (size_t c = 0; c < m->n_campaigns; c++) {
		json_t *o = json_object();
		put(&b, o, "id", jstr(&b, m->campaigns[c].id));
		put(&b, o, "size", jint(&b, m->campaigns[c].size));
		put(&b, o, "size_run", jint(&b, m->campaigns[c].size_run));
		put(&b, o, "template", jstr(&b, m->campaigns[c].template_text));
		add(&b, camps, o);
	}
	put(&b, root, "campaigns", camps);
	for (size_t a = 0; a < m->n_ambs; a++)
		add(&b, ambs, ambition_obj(&b, m, a));
	put(&b, root, "ambitions", ambs);
	for (size_t t = 0; t < m->n_themes; t++)
		add(&b, themes, theme_obj(&b, m, t));
	put(&b, root, "themes", themes);
	put(&b, root, "general", jint(&b, m->general));
	put(&b, root, "unassigned", jint(&b, m->unassigned));
	put(&b, root, "campaign_items", jint(&b, m->campaign_items));
	{
		json_t *o = json_object();
		for (int i = CORE_ORIGIN_ANALYSIS; i <= CORE_ORIGIN_REVIEWER; i++)
			put(&b, o, core_origin_name((enum core_origin)i), jint(&b, m->origins[i]));
		put(&b, root, "stance_origins", o);
	}
	put(&b, root, "reviewed_items", jint(&b, m->reviewed));
	put(&b, root, "sources", tally_obj(&b, m->sources, m->n_sources));
	put(&b, root, "weeks", weeks_arr(&b, m));
	put(&b, root, "languages", tally_obj(&b, m->langs, m->n_langs));
	put(&b, period, "first", jstr_or_null(&b, m->first_at));
	put(&b, period, "last", jstr_or_null(&b, m->last_at));
	put(&b, root, "period", period);
	put(&b, filters, "since", jstr_or_null(&b, m->filter.since));
	put(&b, filters, "until", jstr_or_null(&b, m->filter.until));
	put(&b, filters, "source", jstr_or_null(&b, m->filter.source));
	put(&b, filters, "lang", jstr_or_null(&b, m->filter.lang));
	put(&b, filters, "ambition", jstr_or_null(&b, m->filter.ambition));
	put(&b, filters, "group", jstr_or_null(&b, m->group));
	put(&b, root, "filters", filters);
	put(&b, vision, "title", jstr(&b, m->cfg->vision_title));
	put(&b, vision, "title_en", jstr_or_null(&b, m->cfg->vision_title_en));
	put(&b, root, "vision", vision);
	if (b.bad) {
		json_decref(root);
		return NULL;
	}
	return root;
}

int exp_write_json(const struct exp_model *m, const char *dir, struct core_strlist *written,
		   struct core_err *err)
{
	struct exp_file o = {0};
	json_t *root = exp_json_summary(m);
	int rc;

	if (!root)
		return core_err_set(err, CORE_ENOMEM, "building summary.json: out of memory");
	if ((rc = exp_file_open(&o, dir, "summary.json", err)))
		goto out;
	if (json_dumpf(root, o.f, JSON_FLAGS) != 0 || fputc('\n', o.f) == EOF) {
		rc = core_err_set(err, CORE_ERUNTIME, "cannot write '%s': write error", o.tmp);
		goto out;
	}
	rc = exp_file_commit(&o, written, err);
out:
	exp_file_abort(&o);
	json_decref(root);
	return rc;
}
