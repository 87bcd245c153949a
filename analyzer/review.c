/* review.c: re-applies the audit log of reviewer decisions to a fresh analysis run
 * before it is saved. Theme decisions follow the stable theme ids (analyze.c carries ids
 * across runs by shared members); item decisions follow the item. Decisions replay in
 * the order they were taken, so a later decision sees the earlier ones' result. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "review.h"

static void *own(struct ana_review *rv, void *p)
{
	if (!p)
		return NULL;
	if (rv->n_owned == rv->cap) {
		size_t cap = rv->cap ? rv->cap * 2 : 32;
		void **v = realloc(rv->owned, cap * sizeof(*v));
		if (!v) {
			free(p);
			return NULL;
		}
		rv->owned = v;
		rv->cap = cap;
	}
	rv->owned[rv->n_owned++] = p;
	return p;
}

void ana_review_release(struct ana_review *rv)
{
	for (size_t i = 0; i < rv->n_owned; i++)
		free(rv->owned[i]);
	free(rv->owned);
	memset(rv, 0, sizeof(*rv));
}

struct apply {
	struct core_run *run;
	struct ana_review *rv;
	struct core_item_result **by_item; /* sorted by item id */
	long next_id;                      /* for a theme that must give up its id */
	struct core_err *err;
};

static int by_item_id(const void *a, const void *b)
{
	const struct core_item_result *x = *(const struct core_item_result *const *)a;
	const struct core_item_result *y = *(const struct core_item_result *const *)b;
	return (x->item_id > y->item_id) - (x->item_id < y->item_id);
}

static struct core_item_result *find_item(struct apply *ap, int64_t id)
{
	size_t lo = 0, hi = ap->run->n_results;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int64_t v = ap->by_item[mid]->item_id;
		if (v == id)
			return ap->by_item[mid];
		if (v < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct core_theme *find_theme(struct core_run *run, const char *id)
{
	for (size_t i = 0; id && i < run->n_themes; i++)
		if (!strcmp(run->themes[i].id, id))
			return &run->themes[i];
	return NULL;
}

static void resize(struct core_run *run, const char *id, int64_t delta)
{
	struct core_theme *t = find_theme(run, id);
	if (t)
		t->size = t->size + delta < 0 ? 0 : t->size + delta;
}

/* Every result in theme `from` (or in subtheme `from`) moves to `to`, whose parent is
 * to_parent ("" for a top-level theme): an item keeps its top-level theme in theme and
 * its subtheme beside it. Sizes are the caller's. 0 or CORE_ENOMEM. */
static int relabel_members(struct apply *ap, const char *from, const char *to,
			   const char *to_parent)
{
	struct core_run *run = ap->run;
	const char *sub = NULL;

	if (to_parent[0] && !(sub = own(ap->rv, strdup(to))))
		return CORE_ENOMEM;
	for (size_t i = 0; i < run->n_results; i++) {
		struct core_item_result *r = &run->results[i];
		int in_sub = r->subtheme && !strcmp(r->subtheme, from);
		if (!in_sub && strcmp(r->theme, from))
			continue;
		snprintf(r->theme, sizeof(r->theme), "%s", to_parent[0] ? to_parent : to);
		if (sub)
			r->subtheme = sub;
		else if (in_sub)
			r->subtheme = NULL;
	}
	return 0;
}

static void drop_theme(struct core_run *run, struct core_theme *t)
{
	size_t i = (size_t)(t - run->themes);
	for (size_t j = 0; j < run->n_themes; j++)
		if (!strcmp(run->themes[j].parent, t->id))
			snprintf(run->themes[j].parent, sizeof(run->themes[j].parent), "%s", "");
	core_theme_release(t);
	memmove(t, t + 1, (run->n_themes - i - 1) * sizeof(*t));
	run->n_themes--;
}

/* One item into theme `to` (a subtheme: into its parent, with the subtheme beside). */
static int move_item(struct apply *ap, struct core_item_result *r, const char *to)
{
	struct core_run *run = ap->run;
	struct core_theme *t = find_theme(run, to);
	const char *cur = r->subtheme ? r->subtheme : r->theme;

	if (!strcmp(cur, to))
		return 0;
	resize(run, r->theme, -1);
	if (r->subtheme)
		resize(run, r->subtheme, -1);
	resize(run, to, 1);
	if (t && t->parent[0]) {
		char *sub = own(ap->rv, strdup(to));
		if (!sub)
			return CORE_ENOMEM;
		resize(run, t->parent, 1);
		snprintf(r->theme, sizeof(r->theme), "%s", t->parent);
		r->subtheme = sub;
	} else {
		snprintf(r->theme, sizeof(r->theme), "%s", to);
		r->subtheme = NULL;
	}
	return 0;
}

static int rename_theme(struct apply *ap, struct core_theme *t, const char *label)
{
	char *copy = strdup(label);
	if (!copy)
		return CORE_ENOMEM;
	free(t->label); /* the run owns its labels */
	t->label = copy;
	return 0;
}

/* Re-creates a split's theme: its id and label, with the items that still exist. */
static int apply_split(struct apply *ap, json_t *after)
{
	struct core_run *run = ap->run;
	const char *id = json_string_value(json_object_get(after, "theme"));
	const char *label = json_string_value(json_object_get(after, "label"));
	json_t *items = json_object_get(after, "items"), *v;
	struct core_theme *t, *grown;
	size_t i, n_quotes = 0;

	if (!id || !label || !json_is_array(items) || strlen(id) >= sizeof(t->id))
		return 1;
	if ((t = find_theme(run, id))) {
		/* The analysis carried this id onto a cluster of its own: that cluster takes
		 * a new id, the split theme keeps its own. */
		char fresh[32];
		snprintf(fresh, sizeof(fresh), "T%ld", ++ap->next_id);
		if (relabel_members(ap, t->id, fresh, t->parent) != 0)
			return CORE_ENOMEM;
		for (size_t j = 0; j < run->n_themes; j++)
			if (!strcmp(run->themes[j].parent, t->id))
				snprintf(run->themes[j].parent, sizeof(run->themes[j].parent), "%s",
					 fresh);
		snprintf(t->id, sizeof(t->id), "%s", fresh);
	}
	if (!(grown = realloc(run->themes, (run->n_themes + 1) * sizeof(*grown))))
		return CORE_ENOMEM;
	run->themes = grown;
	t = &run->themes[run->n_themes];
	memset(t, 0, sizeof(*t));
	snprintf(t->id, sizeof(t->id), "%s", id);
	if (!(t->label = strdup(label)) ||
	    !(t->quotes = calloc(3, sizeof(*t->quotes)))) {
		core_theme_release(t);
		return CORE_ENOMEM;
	}
	run->n_themes++;
	json_array_foreach(items, i, v) {
		struct core_item_result *r = find_item(ap, json_integer_value(v));
		if (!r)
			continue;
		if (move_item(ap, r, id) != 0)
			return CORE_ENOMEM;
		if (n_quotes < 3)
			t->quotes[n_quotes++] = r->item_id;
	}
	t->n_quotes = n_quotes;
	if (n_quotes == 0) { /* every item is gone or hidden: no theme */
		drop_theme(run, find_theme(run, id));
		return 1;
	}
	return 0;
}

/* The item's stance on code becomes stance (NONE: the row goes). The new array and
 * evidence belong to rv; the other rows are shared with the analysis. */
static int apply_stance(struct apply *ap, struct core_item_result *r, const char *code,
			enum core_stance stance, int64_t decision)
{
	struct core_item_stance *v = own(ap->rv, calloc(r->n_stances + 1, sizeof(*v)));
	size_t n = 0;

	if (!v || strlen(code) >= sizeof(v->code))
		return v ? 1 : CORE_ENOMEM;
	for (size_t i = 0; i < r->n_stances; i++)
		if (strcmp(r->stances[i].code, code))
			v[n++] = r->stances[i];
	if (stance != CORE_STANCE_NONE) {
		struct core_item_stance *s = &v[n++];
		snprintf(s->code, sizeof(s->code), "%s", code);
		s->stance = stance;
		s->score = 1.0;
		s->origin = CORE_ORIGIN_REVIEWER;
		s->evidence = own(ap->rv, core_asprintf("{\"stance\":\"reviewer\",\"decision\":%lld}",
							(long long)decision));
		if (!s->evidence)
			return CORE_ENOMEM;
	}
	r->stances = v;
	r->n_stances = n;
	return 0;
}

/* One decision; 0 applied, 1 nothing to act on, negative on failure. */
static int apply_one(const struct core_decision *d, void *ctx)
{
	struct apply *ap = ctx;
	struct core_run *run = ap->run;
	json_t *after = d->after ? json_loads(d->after, 0, NULL) : NULL;
	const char *s;
	char *end;
	int rc = 1;

	/* Moderation, marks and notes live on the items themselves, not in the run. */
	if (!strcmp(d->action, "hide") || !strcmp(d->action, "unhide") ||
	    !strcmp(d->action, "mark-reviewed") || !strcmp(d->action, "note")) {
		json_decref(after);
		ap->rv->kept++;
		return 0;
	}
	if (!strcmp(d->target_kind, "theme")) {
		struct core_theme *t = find_theme(run, d->target_id), *into;
		if (!strcmp(d->action, "split")) {
			rc = apply_split(ap, after);
		} else if (!t) {
			rc = 1;
		} else if (!strcmp(d->action, "rename") &&
			   (s = json_string_value(json_object_get(after, "label")))) {
			rc = rename_theme(ap, t, s);
		} else if (!strcmp(d->action, "merge") &&
			   (s = json_string_value(json_object_get(after, "into"))) &&
			   (into = find_theme(run, s)) && into != t) {
			into->size += t->size;
			if ((rc = relabel_members(ap, t->id, into->id, into->parent)) == 0) {
				for (size_t j = 0; j < run->n_themes; j++)
					if (!strcmp(run->themes[j].parent, t->id))
						snprintf(run->themes[j].parent,
							 sizeof(run->themes[j].parent), "%s",
							 into->id);
				drop_theme(run, t);
			}
		}
	} else {
		int64_t id = strtoll(d->target_id, &end, 10);
		struct core_item_result *r = *end ? NULL : find_item(ap, id);
		struct core_theme *t;
		if (!r) {
			rc = 1;
		} else if (!strcmp(d->action, "move") &&
			   (t = find_theme(run, json_string_value(json_object_get(after, "theme"))))) {
			rc = move_item(ap, r, t->id);
		} else if (!strcmp(d->action, "set-stance") &&
			   (s = json_string_value(json_object_get(after, "ambition")))) {
			json_t *sv = json_object_get(after, "stance");
			rc = apply_stance(ap, r, s, json_is_string(sv)
						  ? core_stance_parse(json_string_value(sv))
						  : CORE_STANCE_NONE, d->id);
		}
	}
	json_decref(after);
	if (rc < 0)
		return core_err_set(ap->err, rc, "re-applying review decision %lld (%s %s): out of "
				    "memory", (long long)d->id, d->action, d->target_id);
	if (rc == 0)
		ap->rv->applied++;
	else
		ap->rv->skipped++;
	return 0;
}

int ana_review_apply(struct core_db *db, struct core_run *run, struct ana_review *rv,
		     struct core_err *err)
{
	struct apply ap = {.run = run, .rv = rv, .err = err};
	int rc;

	memset(rv, 0, sizeof(*rv));
	if (!(ap.by_item = malloc((run->n_results ? run->n_results : 1) * sizeof(*ap.by_item))))
		return core_err_set(err, CORE_ENOMEM, "re-applying review decisions: out of memory");
	int sorted = 1;
	for (size_t i = 0; i < run->n_results; i++) {
		ap.by_item[i] = &run->results[i];
		sorted &= i == 0 || run->results[i - 1].item_id < run->results[i].item_id;
	}
	/* The analysis gives its results in item order already; sorting a million
	 * sorted pointers still cost a fifth of a second. */
	if (!sorted)
		qsort(ap.by_item, run->n_results, sizeof(*ap.by_item), by_item_id);
	/* Ids a displaced theme may take: above everything the run and the log hold. */
	for (size_t i = 0; i < run->n_themes; i++)
		if (run->themes[i].id[0] == 'T' && strtol(run->themes[i].id + 1, NULL, 10) > ap.next_id)
			ap.next_id = strtol(run->themes[i].id + 1, NULL, 10);
	rc = core_db_decisions_each(db, NULL, apply_one, &ap, NULL, err);
	free(ap.by_item);
	if (rc == 0 && (rv->applied || rv->skipped))
		core_log(CORE_LOG_DEBUG, "analysis: %zu review decision(s) re-applied, %zu with "
			 "nothing left to act on", rv->applied, rv->skipped);
	return rc;
}

static int count_row(const struct core_decision *d, void *ctx)
{
	(void)d;
	(void)ctx;
	return 0;
}

int ana_review_save(struct core_db *db, struct core_run *run, struct core_err *err)
{
	struct core_decision_filter one = {.limit = 1};
	struct core_err ignored = {0};
	struct ana_review rv;
	int64_t seen, now = 0;
	int rc = ana_review_apply(db, run, &rv, err);

	seen = (int64_t)(rv.applied + rv.skipped);
	if (rc == 0)
		rc = core_db_run_save(db, run, err);
	/* A decision taken between reading the log and saving went to the previous run
	 * only: say so (the next analyze applies it; the log has it). */
	if (rc == 0 && core_db_decisions_each(db, &one, count_row, NULL, &now, &ignored) == 0 &&
	    now > seen + (int64_t)rv.kept)
		core_log(CORE_LOG_WARN, "analysis: %lld review decision(s) arrived while the run was "
			 "saved; run 'inspraak analyze' again to apply them",
			 (long long)(now - seen - (int64_t)rv.kept));
	ana_review_release(&rv);
	return rc;
}

/* ---------------------------------------------------------------- for the classifier */

struct collect {
	struct ana_review_stance *v;
	size_t n, cap;
};

static int collect_stance(const struct core_decision *d, void *ctx)
{
	struct collect *c = ctx;
	json_t *after;
	const char *code;
	char *end;
	int64_t id;

	if (strcmp(d->action, "set-stance") || strcmp(d->target_kind, "item"))
		return 0;
	id = strtoll(d->target_id, &end, 10);
	after = d->after ? json_loads(d->after, 0, NULL) : NULL;
	code = json_string_value(json_object_get(after, "ambition"));
	if (!*end && code && strlen(code) < sizeof(c->v[0].code)) {
		json_t *sv = json_object_get(after, "stance");
		struct ana_review_stance *s;
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 64;
			struct ana_review_stance *g = realloc(c->v, cap * sizeof(*g));
			if (!g) {
				json_decref(after);
				return CORE_ENOMEM;
			}
			c->v = g;
			c->cap = cap;
		}
		s = &c->v[c->n++];
		s->item_id = id;
		snprintf(s->code, sizeof(s->code), "%s", code);
		s->stance = json_is_string(sv) ? core_stance_parse(json_string_value(sv))
					       : CORE_STANCE_NONE;
		s->decision = d->id;
	}
	json_decref(after);
	return 0;
}

static int by_item_code(const void *a, const void *b)
{
	const struct ana_review_stance *x = a, *y = b;
	if (x->item_id != y->item_id)
		return (x->item_id > y->item_id) - (x->item_id < y->item_id);
	return strcmp(x->code, y->code);
}

static int by_decision(const void *a, const void *b)
{
	const struct ana_review_stance *x = a, *y = b;
	int c = by_item_code(a, b);
	return c ? c : (x->decision > y->decision) - (x->decision < y->decision);
}

int ana_review_stances(struct core_db *db, struct ana_review_stance **out, size_t *n,
		       struct core_err *err)
{
	struct core_decision_filter f = {.target_kind = "item"};
	struct collect c = {0};
	int rc = core_db_decisions_each(db, &f, collect_stance, &c, NULL, err);

	if (rc) {
		if (rc == CORE_ENOMEM)
			core_err_set(err, rc, "reading reviewer stances: out of memory");
		free(c.v);
		c.v = NULL;
		c.n = 0;
	} else if (c.n) {
		/* The latest decision per (item, ambition) is the one that counts. */
		size_t k = 0;
		qsort(c.v, c.n, sizeof(*c.v), by_decision);
		for (size_t i = 0; i < c.n; i++) {
			if (k && !by_item_code(&c.v[k - 1], &c.v[i]))
				k--;
			c.v[k++] = c.v[i];
		}
		c.n = k;
	}
	*out = c.v;
	*n = c.n;
	return rc;
}

int ana_review_stance_of(const struct ana_review_stance *v, size_t n, int64_t item,
			 const char *code, enum core_stance *stance)
{
	struct ana_review_stance key = {.item_id = item};
	const struct ana_review_stance *hit;

	if (!v || !n || strlen(code) >= sizeof(key.code))
		return 0;
	snprintf(key.code, sizeof(key.code), "%s", code);
	hit = bsearch(&key, v, n, sizeof(*v), by_item_code);
	if (hit && stance)
		*stance = hit->stance;
	return hit != NULL;
}
