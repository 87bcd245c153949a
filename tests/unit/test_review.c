/* test_review.c: the reviewers' decisions: each action through the store (checked,
 * logged with before and after, applied at once to the latest run), bad input refused
 * without a trace, re-application to a fresh run (renames and merges by theme id, splits
 * re-created, moves and stance corrections by item, a carried id giving way to a split),
 * the reviewer stances for the classifier, and the review pages' reads (full-text
 * search, paging, the uncertain order). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "support.h"

#include "core.h"
#include "review.h"

static const char config_text[] =
	"{\"vision\": {\"title\": \"Visie\", \"ambitions\": ["
	" {\"code\": \"A1\", \"title\": \"Digitaal\"}, {\"code\": \"A2\", \"title\": \"Loket\"}]}}";

static const char *const texts[] = {
	"Het loket moet open blijven voor ouderen",       /* 1: T1 */
	"Een café als loket, dat zou gezellig zijn",       /* 2: T1 */
	"Ik wil alles online kunnen regelen",              /* 3: T1 */
	"De website van de gemeente is traag",             /* 4: T2 */
	"DigiD werkt niet op mijn telefoon",               /* 5: T2 */
	"Graag een app voor afspraken",                    /* 6: T2 */
};
#define N_ITEMS 6

struct fx {
	char path[64];
	struct core_config cfg;
	struct core_db *db;
	int64_t ids[N_ITEMS];
};

/* A run of the fixture: T1 = items 1..3, T2 = items 4..6, every item A1 with analysis
 * scores 0.1 .. 0.6 (item 1 least certain). */
static void make_run(struct fx *x, struct core_run *run, struct core_theme themes[3],
		     struct core_item_result res[N_ITEMS], struct core_item_stance st[N_ITEMS])
{
	memset(run, 0, sizeof(*run));
	memset(themes, 0, 3 * sizeof(*themes));
	for (int t = 0; t < 2; t++) {
		snprintf(themes[t].id, sizeof(themes[t].id), "T%d", t + 1);
		themes[t].label = strdup(t ? "website" : "loket");
		themes[t].size = 3;
	}
	for (int i = 0; i < N_ITEMS; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		memset(&st[i], 0, sizeof(st[i]));
		res[i].item_id = x->ids[i];
		snprintf(res[i].theme, sizeof(res[i].theme), "T%d", i < 3 ? 1 : 2);
		snprintf(st[i].code, sizeof(st[i].code), "A1");
		st[i].stance = CORE_STANCE_SUPPORT;
		st[i].score = 0.1 * (i + 1);
		st[i].origin = CORE_ORIGIN_ANALYSIS;
		res[i].stances = &st[i];
		res[i].n_stances = 1;
	}
	run->seed = 42;
	run->k = 2;
	run->items = N_ITEMS;
	run->themes = themes;
	run->n_themes = 2;
	run->results = res;
	run->n_results = N_ITEMS;
}

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	struct core_err err = {0};
	struct core_run run;
	struct core_theme themes[3];
	struct core_item_result res[N_ITEMS];
	struct core_item_stance st[N_ITEMS];
	int64_t src = 0;

	snprintf(x->path, sizeof(x->path), "/tmp/inspraak-review-%d.db", (int)getpid());
	test_store_remove(x->path);
	assert_int_equal(core_config_parse(config_text, strlen(config_text), "t.json", &x->cfg,
					   &err), 0);
	assert_non_null(x->db = core_db_open(x->path, &err));
	assert_int_equal(core_db_schema_version(x->db), CORE_DB_SCHEMA_VERSION);
	assert_int_equal(core_db_ambitions_sync(x->db, &x->cfg, &err), 0);
	assert_int_equal(core_db_source_ensure(x->db, "s", CORE_SRC_IMPORT, NULL, &src, &err), 0);
	for (int i = 0; i < N_ITEMS; i++) {
		struct core_item it = {0};
		enum core_put put;
		char ext[8];
		snprintf(ext, sizeof(ext), "e%d", i);
		it.external_id = ext;
		it.text = (char *)texts[i];
		assert_int_equal(core_db_item_put(x->db, src, &it, &put, &err), 0);
		x->ids[i] = it.id;
	}
	make_run(x, &run, themes, res, st);
	assert_int_equal(core_db_run_save(x->db, &run, &err), 0);
	core_theme_release(&themes[0]);
	core_theme_release(&themes[1]);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	core_db_close(x->db);
	core_config_release(&x->cfg);
	test_store_remove(x->path);
	free(x);
	return 0;
}

static int count_one(const struct core_decision *d, void *ctx)
{
	(void)d;
	(void)ctx;
	return 0;
}

static int64_t n_decisions(struct fx *x)
{
	struct core_err err = {0};
	struct core_decision_filter f = {.limit = 1};
	int64_t total = -1;
	assert_int_equal(core_db_decisions_each(x->db, &f, count_one, NULL, &total, &err), 0);
	return total;
}

static const char *label_of(struct core_theme *v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].id, id))
			return v[i].label;
	return NULL;
}

struct seen {
	int64_t id;
	char theme[32], sub[32];
	enum core_stance a1;
	enum core_origin origin;
	int found, count;
};

static int see(const struct core_item_view *v, void *ctx)
{
	struct seen *s = ctx;
	s->count++;
	if (v->item.id != s->id)
		return 0;
	s->found = 1;
	snprintf(s->theme, sizeof(s->theme), "%s", v->theme ? v->theme : "");
	snprintf(s->sub, sizeof(s->sub), "%s", v->subtheme ? v->subtheme : "");
	for (size_t i = 0; i < v->n_stances; i++)
		if (!strcmp(v->stances[i].code, "A1")) {
			s->a1 = v->stances[i].stance;
			s->origin = v->stances[i].origin;
		}
	return 0;
}

static struct seen item_now(struct fx *x, int64_t id)
{
	struct seen s = {.id = id};
	struct core_err err = {0};
	assert_int_equal(core_db_items_each(x->db, NULL, see, &s, &err), 0);
	return s;
}

static int act(struct fx *x, struct core_review_action *a)
{
	struct core_err err = {0};
	if (!a->reviewer)
		a->reviewer = "anna";
	return core_db_review(x->db, a, &err);
}

static char *id_str(int64_t id, char buf[24])
{
	snprintf(buf, 24, "%lld", (long long)id);
	return buf;
}

static struct core_decision last;
static int keep_last(const struct core_decision *d, void *ctx)
{
	(void)ctx;
	core_decision_release(&last);
	last.id = d->id;
	last.reviewer = strdup(d->reviewer);
	last.action = strdup(d->action);
	last.target_kind = strdup(d->target_kind);
	last.target_id = strdup(d->target_id);
	last.before = d->before ? strdup(d->before) : NULL;
	last.after = d->after ? strdup(d->after) : NULL;
	return 0;
}

static void review_store_actions(void **state)
{
	struct fx *x = *state;
	struct core_err err = {0};
	struct core_run_info info = {0};
	struct core_theme *themes = NULL;
	size_t n = 0;
	char b1[24], b2[24], b3[24];
	int64_t split[3] = {x->ids[1], x->ids[2], x->ids[1]}; /* a repeated id moves once */

	/* rename: applied at once, logged with before and after */
	struct core_review_action r = {.act = CORE_REV_RENAME, .target = "T1", .label = "Loketten"};
	assert_int_equal(act(x, &r), 0);
	assert_true(r.decision_id > 0);
	assert_int_equal(core_db_decisions_each(x->db, NULL, keep_last, NULL, NULL, &err), 0);
	assert_string_equal(last.action, "rename");
	assert_string_equal(last.reviewer, "anna");
	assert_string_equal(last.before, "{\"label\":\"loket\",\"size\":3}");
	assert_string_equal(last.after, "{\"label\":\"Loketten\"}");

	/* refused: nothing logged, nothing changed */
	int64_t before = n_decisions(x);
	char longlabel[300];
	memset(longlabel, 'x', sizeof(longlabel) - 1);
	longlabel[sizeof(longlabel) - 1] = 0;
	struct core_review_action bad[] = {
		{.act = CORE_REV_RENAME, .target = "T9", .label = "x"},
		{.act = CORE_REV_RENAME, .target = "T1", .label = "  "},
		{.act = CORE_REV_RENAME, .target = "T1", .label = "\xff\xfe"},
		{.act = CORE_REV_MERGE, .target = "T1", .theme = "T1"},
		{.act = CORE_REV_MOVE, .target = "T1", .theme = "T2"},
		{.act = CORE_REV_MOVE, .target = "999", .theme = "T2"},
		{.act = CORE_REV_SET_STANCE, .target = id_str(x->ids[0], b1), .ambition = "A9",
		 .stance = CORE_STANCE_SUPPORT},
		{.act = CORE_REV_HIDE, .target = id_str(x->ids[0], b1)},
		{.act = CORE_REV_SPLIT, .target = "T2", .label = "x", .items = split, .n_items = 2},
		{.act = CORE_REV_NOTE, .target = "T1"},
		{.act = CORE_REV_RENAME, .target = "T1", .label = "x", .reviewer = ""},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(act(x, &bad[i]), CORE_ERUNTIME);
	struct core_review_action toolong = {.act = CORE_REV_RENAME, .target = "T1",
					     .label = longlabel};
	assert_int_equal(act(x, &toolong), CORE_ELIMIT);
	assert_int_equal(n_decisions(x), before);

	/* set-stance: a reviewer row at once */
	struct core_review_action s = {.act = CORE_REV_SET_STANCE, .target = id_str(x->ids[0], b1),
				       .ambition = "A1", .stance = CORE_STANCE_OBJECTION};
	assert_int_equal(act(x, &s), 0);
	struct seen it = item_now(x, x->ids[0]);
	assert_int_equal(it.a1, CORE_STANCE_OBJECTION);
	assert_int_equal(it.origin, CORE_ORIGIN_REVIEWER);

	/* split two items of T1 off: a new id above all, sizes follow */
	struct core_review_action sp = {.act = CORE_REV_SPLIT, .target = "T1", .label = "Café",
					.items = split, .n_items = 3};
	assert_int_equal(act(x, &sp), 0);
	assert_string_equal(sp.new_theme, "T3");
	assert_int_equal(core_db_decisions_each(x->db, NULL, keep_last, NULL, NULL, &err), 0);
	{
		char want[96];
		snprintf(want, sizeof(want), "\"items\":[%lld,%lld]", (long long)x->ids[1],
			 (long long)x->ids[2]);
		assert_non_null(strstr(last.after, want));
	}
	assert_string_equal(item_now(x, x->ids[2]).theme, "T3");

	/* move, merge, hide */
	struct core_review_action mv = {.act = CORE_REV_MOVE, .target = id_str(x->ids[3], b2),
					.theme = "T1"};
	assert_int_equal(act(x, &mv), 0);
	assert_string_equal(item_now(x, x->ids[3]).theme, "T1");
	struct core_review_action mg = {.act = CORE_REV_MERGE, .target = "T3", .theme = "T2"};
	assert_int_equal(act(x, &mg), 0);
	assert_string_equal(item_now(x, x->ids[1]).theme, "T2");
	struct core_review_action hd = {.act = CORE_REV_HIDE, .target = id_str(x->ids[5], b3),
					.reason = "spam"};
	assert_int_equal(act(x, &hd), 0);
	assert_false(item_now(x, x->ids[5]).found);
	struct core_review_action nt = {.act = CORE_REV_NOTE, .target = "T2", .note = "ok"};
	assert_int_equal(act(x, &nt), 0);

	assert_int_equal(core_db_run_latest(x->db, &info, &err), 0);
	assert_int_equal(core_db_run_themes(x->db, info.id, &themes, &n, &err), 0);
	assert_int_equal(n, 2); /* T3 merged away */
	assert_string_equal(label_of(themes, n, "T1"), "Loketten");
	for (size_t i = 0; i < n; i++) {
		/* T1: item 1 and the moved 4; T2: 5, the hidden 6 no more, 2 and 3 merged in */
		assert_int_equal(themes[i].size, !strcmp(themes[i].id, "T1") ? 2 : 3);
		core_theme_release(&themes[i]);
	}
	free(themes);
	core_run_info_release(&info);
	core_decision_release(&last);
}

/* The fixture's run with T3 a subtheme of T1 holding item 3. */
static void sub_run(struct fx *x, struct core_run *run, struct core_theme themes[3],
		    struct core_item_result res[N_ITEMS], struct core_item_stance st[N_ITEMS])
{
	make_run(x, run, themes, res, st);
	snprintf(themes[2].id, sizeof(themes[2].id), "T3");
	snprintf(themes[2].parent, sizeof(themes[2].parent), "T1");
	themes[2].label = strdup("café");
	themes[2].size = 1;
	run->n_themes = 3;
	res[2].subtheme = "T3";
}

/* Subthemes: an item moved into a subtheme sits in its parent with the subtheme beside
 * it; merging a subtheme into a top-level theme takes its items there (no subtheme
 * left); the same holds when the decisions are re-applied to a fresh run. */
static void review_subthemes(void **state)
{
	struct fx *x = *state;
	struct core_err err = {0};
	struct core_run run;
	struct core_theme themes[3];
	struct core_item_result res[N_ITEMS];
	struct core_item_stance st[N_ITEMS];
	struct ana_review rv;
	char b[24];

	/* The latest run: T3 a subtheme of T1 holding item 3. */
	sub_run(x, &run, themes, res, st);
	assert_int_equal(core_db_run_save(x->db, &run, &err), 0);
	for (int t = 0; t < 3; t++)
		core_theme_release(&themes[t]);
	struct seen s = item_now(x, x->ids[2]);
	assert_string_equal(s.theme, "T1");
	assert_string_equal(s.sub, "T3");

	struct core_review_action mv = {.act = CORE_REV_MOVE, .target = id_str(x->ids[4], b),
					.theme = "T3"};
	assert_int_equal(act(x, &mv), 0);
	s = item_now(x, x->ids[4]);
	assert_string_equal(s.theme, "T1");
	assert_string_equal(s.sub, "T3");
	struct core_review_action mg = {.act = CORE_REV_MERGE, .target = "T3", .theme = "T2"};
	assert_int_equal(act(x, &mg), 0);
	s = item_now(x, x->ids[4]);
	assert_string_equal(s.theme, "T2");
	assert_string_equal(s.sub, "");
	s = item_now(x, x->ids[2]);
	assert_string_equal(s.theme, "T2");
	assert_string_equal(s.sub, "");

	/* Re-applied to a fresh run with the same subtheme. */
	sub_run(x, &run, themes, res, st);
	struct core_theme *heap = malloc(3 * sizeof(*heap));
	memcpy(heap, themes, sizeof(themes));
	run.themes = heap;
	assert_int_equal(ana_review_apply(x->db, &run, &rv, &err), 0);
	assert_string_equal(res[4].theme, "T2");
	assert_null(res[4].subtheme);
	assert_string_equal(res[2].theme, "T2");
	assert_null(res[2].subtheme);
	assert_null(label_of(run.themes, run.n_themes, "T3")); /* merged away */
	for (size_t t = 0; t < run.n_themes; t++)
		core_theme_release(&run.themes[t]);
	free(run.themes);
	ana_review_release(&rv);
}

static void review_reapply(void **state)
{
	struct fx *x = *state;
	struct core_err err = {0};
	struct core_run run;
	struct core_theme themes[3];
	struct core_item_result res[N_ITEMS];
	struct core_item_stance st[N_ITEMS];
	struct ana_review rv;
	char b[24];
	int64_t split[2] = {x->ids[1], x->ids[2]};

	struct core_review_action acts[] = {
		{.act = CORE_REV_RENAME, .target = "T1", .label = "Loketten"},
		{.act = CORE_REV_SPLIT, .target = "T1", .label = "Café", .items = split, .n_items = 2},
		{.act = CORE_REV_SET_STANCE, .target = id_str(x->ids[4], b), .ambition = "A2",
		 .stance = CORE_STANCE_MIXED},
	};
	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++)
		assert_int_equal(act(x, &acts[i]), 0);
	struct core_review_action fix = {.act = CORE_REV_SET_STANCE, .target = b, .ambition = "A1",
					 .stance = CORE_STANCE_NONE};
	assert_int_equal(act(x, &fix), 0);
	struct core_review_action mv = {.act = CORE_REV_MOVE, .target = id_str(x->ids[3], b),
					.theme = "T1"};
	assert_int_equal(act(x, &mv), 0);

	/* A fresh analysis as analyze makes it, with T3 carried onto a cluster of its own */
	make_run(x, &run, themes, res, st);
	snprintf(themes[2].id, sizeof(themes[2].id), "T3");
	themes[2].label = strdup("carried");
	themes[2].size = 1;
	run.n_themes = 3;
	snprintf(res[5].theme, sizeof(res[5].theme), "T3");
	struct core_theme *heap = malloc(3 * sizeof(*heap));
	memcpy(heap, themes, sizeof(themes));
	run.themes = heap; /* the run owns its themes, as analyze's does */
	assert_int_equal(ana_review_apply(x->db, &run, &rv, &err), 0);
	assert_string_equal(label_of(run.themes, run.n_themes, "T1"), "Loketten");
	assert_string_equal(label_of(run.themes, run.n_themes, "T3"), "Café");
	assert_string_equal(label_of(run.themes, run.n_themes, "T4"), "carried");
	assert_string_equal(res[1].theme, "T3");
	assert_string_equal(res[2].theme, "T3");
	assert_string_equal(res[5].theme, "T4");
	assert_string_equal(res[3].theme, "T1");
	assert_int_equal(res[4].n_stances, 1); /* A1 said "not about it", A2 added */
	assert_string_equal(res[4].stances[0].code, "A2");
	assert_int_equal(res[4].stances[0].stance, CORE_STANCE_MIXED);
	assert_int_equal(res[4].stances[0].origin, CORE_ORIGIN_REVIEWER);
	assert_int_equal(res[0].stances[0].origin, CORE_ORIGIN_ANALYSIS);
	/* saved, the reviewer row is in the store */
	assert_int_equal(core_db_run_save(x->db, &run, &err), 0);
	ana_review_release(&rv);
	struct seen it = item_now(x, x->ids[3]);
	assert_string_equal(it.theme, "T1");
	for (size_t i = 0; i < run.n_themes; i++)
		core_theme_release(&run.themes[i]);
	free(run.themes);

	/* the classifier's view: the latest decision per (item, ambition) */
	struct ana_review_stance *v = NULL;
	size_t n = 0;
	enum core_stance s = CORE_STANCE_SUPPORT;
	struct core_review_action again = {.act = CORE_REV_SET_STANCE, .target = id_str(x->ids[4], b),
					   .ambition = "A2", .stance = CORE_STANCE_OBJECTION};
	assert_int_equal(act(x, &again), 0);
	assert_int_equal(ana_review_stances(x->db, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ana_review_stance_of(v, n, x->ids[4], "A2", &s), 1);
	assert_int_equal(s, CORE_STANCE_OBJECTION);
	assert_int_equal(ana_review_stance_of(v, n, x->ids[4], "A1", &s), 1);
	assert_int_equal(s, CORE_STANCE_NONE);
	assert_int_equal(ana_review_stance_of(v, n, x->ids[0], "A1", &s), 0);
	free(v);
}

struct page {
	int64_t ids[16];
	int n;
};

static int collect(const struct core_item_view *v, void *ctx)
{
	struct page *p = ctx;
	if (p->n < 16)
		p->ids[p->n++] = v->item.id;
	return 0;
}

static void review_search_and_pages(void **state)
{
	struct fx *x = *state;
	struct core_err err = {0};
	struct page p = {0};
	int64_t total = 0;
	char b[24];

	/* words must all occur; diacritics do not matter; odd input is no syntax error */
	struct core_review_query q = {.match = "cafe loket"};
	assert_int_equal(core_db_review_items(x->db, &q, collect, &p, &total, &err), 0);
	assert_int_equal(total, 1);
	assert_int_equal(p.ids[0], x->ids[1]);
	const char *odd[] = {"\"", "NEAR(loket", "loket OR", "*", "AND AND", "-x", "'", "((("};
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		struct core_review_query o = {.match = odd[i]};
		memset(&p, 0, sizeof(p));
		assert_int_equal(core_db_review_items(x->db, &o, collect, &p, NULL, &err), 0);
	}
	/* theme pages, paged */
	struct core_review_query t = {.theme = "T2", .limit = 2, .offset = 2};
	memset(&p, 0, sizeof(p));
	assert_int_equal(core_db_review_items(x->db, &t, collect, &p, &total, &err), 0);
	assert_int_equal(total, 3);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.ids[0], x->ids[5]);
	/* an edited text is found by its new words (the FTS triggers) */
	{
		struct core_item it = {.external_id = "e0", .text = "Nieuwe tekst over wachttijden"};
		enum core_put put;
		int64_t src = 0;
		assert_int_equal(core_db_source_ensure(x->db, "s", CORE_SRC_IMPORT, NULL, &src, &err), 0);
		assert_int_equal(core_db_item_put(x->db, src, &it, &put, &err), 0);
		assert_int_equal(put, CORE_PUT_UPDATED);
		struct core_review_query w = {.match = "wachttijden"}, old = {.match = "ouderen"};
		assert_int_equal(core_db_review_items(x->db, &w, collect, &p, &total, &err), 0);
		assert_int_equal(total, 1);
		struct core_review_query pre = {.match = "wachttijd"}; /* a prefix finds it too */
		assert_int_equal(core_db_review_items(x->db, &pre, collect, &p, &total, &err), 0);
		assert_int_equal(total, 1);
		assert_int_equal(core_db_review_items(x->db, &old, collect, &p, &total, &err), 0);
		assert_int_equal(total, 0);
		/* an item stored after the last search is indexed by the next one */
		struct core_item late = {.external_id = "late", .text = "Een zeldzaam woord: kwispel"};
		struct core_review_query k = {.match = "kwispel"};
		assert_int_equal(core_db_item_put(x->db, src, &late, &put, &err), 0);
		assert_int_equal(core_db_review_items(x->db, &k, collect, &p, &total, &err), 0);
		assert_int_equal(total, 1);
	}
	/* uncertain: lowest analysis score first; a marked item leaves the list */
	struct core_review_query u = {.uncertain = 1};
	memset(&p, 0, sizeof(p));
	assert_int_equal(core_db_review_items(x->db, &u, collect, &p, &total, &err), 0);
	assert_int_equal(total, N_ITEMS);
	assert_int_equal(p.ids[0], x->ids[0]);
	assert_int_equal(p.ids[5], x->ids[5]);
	struct core_review_action mark = {.act = CORE_REV_MARK, .target = id_str(x->ids[0], b)};
	assert_int_equal(act(x, &mark), 0);
	memset(&p, 0, sizeof(p));
	assert_int_equal(core_db_review_items(x->db, &u, collect, &p, &total, &err), 0);
	assert_int_equal(total, N_ITEMS - 1);
	assert_int_equal(p.ids[0], x->ids[1]);
	/* a search too long is an error the page can show */
	char big[600];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	struct core_review_query l = {.match = big};
	assert_int_equal(core_db_review_items(x->db, &l, collect, &p, NULL, &err), CORE_ELIMIT);
}

/* A store of schema 3 with items, as before this issue: migration 4 must index them. It
 * is made by taking a fresh store back to version 3. */
static void review_migration_indexes_old_items(void **state)
{
	struct fx *x = *state;
	struct core_err err = {0};
	struct core_review_query q = {.match = "website"};
	struct page p = {0};
	int64_t total = 0;
	sqlite3 *h = NULL;

	core_db_close(x->db);
	x->db = NULL;
	assert_int_equal(sqlite3_open(x->path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h,
		"DROP TRIGGER items_fts_delete; DROP TRIGGER items_fts_update;"
		"DROP TABLE items_fts; DROP TABLE items_fts_state; DROP INDEX item_themes_theme;"
		"ALTER TABLE items DROP COLUMN reviewed_at;"
		"ALTER TABLE item_themes DROP COLUMN subtheme_id; PRAGMA user_version = 3;",
		NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_non_null(x->db = core_db_open(x->path, &err));
	assert_int_equal(core_db_schema_version(x->db), CORE_DB_SCHEMA_VERSION);
	assert_int_equal(core_db_review_items(x->db, &q, collect, &p, &total, &err), 0);
	assert_int_equal(total, 1);
	assert_int_equal(p.ids[0], x->ids[3]);
}

int test_review(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(review_store_actions, setup, teardown),
		cmocka_unit_test_setup_teardown(review_reapply, setup, teardown),
		cmocka_unit_test_setup_teardown(review_subthemes, setup, teardown),
		cmocka_unit_test_setup_teardown(review_search_and_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(review_migration_indexes_old_items, setup, teardown),
	};
	return cmocka_run_group_tests_name("review", tests, NULL, NULL);
}
