/* test_stance.c: stance toward an ambition: agreement cues against evaluative ones and
 * the ambition's own polarity, shifters ("reduces crime"), the title's polarity, the
 * classifier (it learns a word the lexicon lacks, and cross-validation beats the rules
 * on such items), its abstention, and the Wilson interval the figures use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"

#include "analyzer.h"
#include "classify.h"
#include "stance.h"
#include "text.h"

struct pol_case {
	const char *text, *lang, *ambition;
	enum core_stance want;
};

static struct ana_lexicons lxs;

static int setup(void **state)
{
	struct core_err err = {0};
	(void)state;
	return ana_lexicons_load(&lxs, &err);
}

static int teardown(void **state)
{
	(void)state;
	ana_lexicons_release(&lxs);
	return 0;
}

static enum core_stance toward(const char *text, const char *lang, const char *ambition)
{
	struct ana_tokens t = {0};
	struct ana_stance_result r;
	char *folded = core_utf8_fold(text);
	int pol = ambition ? ana_ambition_polarity(&lxs, ambition, lang) : 1;

	assert_non_null(folded);
	assert_int_equal(ana_tokenize(folded, strlen(folded), &t), 0);
	ana_stance_eval_pol(ana_lexicons_for(&lxs, lang), &t, NULL, pol, NULL, &r);
	free(folded);
	ana_tokens_release(&t);
	return r.stance;
}

static void title_polarity(void **state)
{
	(void)state;
	assert_int_equal(ana_ambition_polarity(&lxs, "This house would ban boxing", "en"), -1);
	assert_int_equal(ana_ambition_polarity(&lxs, "Abolish all collective bargaining rights",
					       "en"), -1);
	assert_int_equal(ana_ambition_polarity(&lxs, "States should not subsidize tobacco", "en"),
			 -1);
	assert_int_equal(ana_ambition_polarity(&lxs, "This house would introduce year round "
						     "schooling", "en"), 1);
	assert_int_equal(ana_ambition_polarity(&lxs, "This house supports the death penalty", "en"), 1);
	assert_int_equal(ana_ambition_polarity(&lxs, "Digitaal als standaard", "nl"), 1);
	assert_int_equal(ana_ambition_polarity(&lxs, "Bereikbaar via alle kanalen", "nl"), 1);
	assert_int_equal(ana_ambition_polarity(&lxs, "Vuurwerk verbieden", "nl"), -1);
}

static void polarity_cases(void **state)
{
	static const struct pol_case cases[] = {
		/* evaluative cues turn around for an ambition that wants something gone */
		{"Boxing is dangerous and harmful.", "en", "This house would ban boxing",
		 CORE_STANCE_SUPPORT},
		{"Boxing is dangerous and harmful.", "en", "This house would embrace boxing",
		 CORE_STANCE_OBJECTION},
		/* agreement cues do not */
		{"I strongly agree.", "en", "This house would ban boxing", CORE_STANCE_SUPPORT},
		{"I oppose this.", "en", "This house would ban boxing", CORE_STANCE_OBJECTION},
		/* shifters: reducing something bad is good */
		{"It reduces crime in the city.", "en", NULL, CORE_STANCE_SUPPORT},
		{"It prevents violence.", "en", NULL, CORE_STANCE_SUPPORT},
		{"Het voorkomt problemen aan de balie.", "nl", NULL, CORE_STANCE_SUPPORT},
		{"Vuurwerk is gevaarlijk.", "nl", "Vuurwerk verbieden", CORE_STANCE_SUPPORT},
		{"Ik ben het er niet mee eens.", "nl", "Vuurwerk verbieden", CORE_STANCE_OBJECTION},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum core_stance got = toward(cases[i].text, cases[i].lang, cases[i].ambition);
		if (got != cases[i].want)
			print_message("'%s' toward '%s': %s, want %s\n", cases[i].text,
				      cases[i].ambition ? cases[i].ambition : "(plain)",
				      core_stance_name(got), core_stance_name(cases[i].want));
		assert_int_equal(got, cases[i].want);
	}
}

/* Synthetic reactions whose side shows only in a word no lexicon has: "fietsstraat"
 * people are for, "drempels" people are against. */
#define N_EX 80
static void make_examples(struct ana_cls_example *ex, uint32_t feats[N_EX][ANA_STANCE_MAX_FEATS],
			  size_t n)
{
	static const char *pro[] = {"de fietsstraat in onze wijk", "meer fietsstraat graag",
				    "een fietsstraat naar school", "fietsstraat langs het park"};
	static const char *con[] = {"de drempels in onze wijk", "meer drempels nee",
				    "drempels naar school", "drempels langs het park"};
	for (size_t i = 0; i < n; i++) {
		struct ana_tokens t = {0};
		struct ana_stance_feats f = {.n = 0};
		struct ana_stance_result r;
		const char *text = i % 2 ? con[(i / 2) % 4] : pro[(i / 2) % 4];
		char key[32];
		assert_int_equal(ana_tokenize(text, strlen(text), &t), 0);
		ana_stance_eval_pol(&lxs.nl, &t, NULL, 1, &f, &r);
		memcpy(feats[i], f.v, f.n * sizeof(uint32_t));
		snprintf(key, sizeof(key), "form\x1f%zu", i);
		ex[i] = (struct ana_cls_example){.feat = feats[i], .n_feat = (uint32_t)f.n,
						 .label = (int8_t)(i % 2 ? -1 : 1), .polarity = 1,
						 .fold = ana_cls_fold(key), .rule = (float)(r.pos - r.neg),
						 .rule_stance = r.stance, .rule_cues = r.n_cues > 0};
		ana_tokens_release(&t);
	}
}

static double prob_of(const struct ana_cls_model *m, const char *text)
{
	struct ana_tokens t = {0};
	struct ana_stance_feats f = {.n = 0};
	struct ana_stance_result r;
	assert_int_equal(ana_tokenize(text, strlen(text), &t), 0);
	ana_stance_eval_pol(&lxs.nl, &t, NULL, 1, &f, &r);
	ana_tokens_release(&t);
	return ana_cls_prob(m, f.v, f.n, 1, r.pos - r.neg);
}

static void classifier_learns(void **state)
{
	static struct ana_cls_example ex[N_EX];
	static uint32_t feats[N_EX][ANA_STANCE_MAX_FEATS];
	struct ana_cls_model m;
	(void)state;

	make_examples(ex, feats, N_EX);
	/* A handful of labels: too few, the rules decide alone. Nobody answered neutral:
	 * no abstention margin. */
	assert_int_equal(ana_cls_train(&m, ex, 6, 0), 0);
	assert_int_equal(m.ready, 0);
	assert_true(m.margin == 0.0);
	ana_cls_release(&m);
	/* Enough labels: the classifier reads the word the lexicon lacks. */
	assert_int_equal(ana_cls_train(&m, ex, N_EX, 3), 0);
	assert_int_equal(m.ready, 1);
	assert_true(m.cv.macro_f1 > 0.9);
	assert_true(m.rules.macro_f1 < 0.5); /* the rules see no cue in these texts */
	double p_pro = prob_of(&m, "een nieuwe fietsstraat bij het station");
	double p_con = prob_of(&m, "nieuwe drempels bij het station");
	assert_true(p_pro > 0.6);
	assert_true(p_con < 0.4);
	assert_int_equal(ana_cls_decide(p_pro, m.margin, CORE_STANCE_NEUTRAL, 0), CORE_STANCE_SUPPORT);
	assert_int_equal(ana_cls_decide(p_con, m.margin, CORE_STANCE_NEUTRAL, 0), CORE_STANCE_OBJECTION);
	/* Respondents also answered neutral: a text with nothing learnt or listed stays
	 * neutral. */
	assert_true(m.margin > 0);
	double p_none = prob_of(&m, "bij het station");
	assert_int_equal(ana_cls_decide(p_none, m.margin, CORE_STANCE_NEUTRAL, 0),
			 CORE_STANCE_NEUTRAL);
	ana_cls_release(&m);
}

static void folds_are_stable(void **state)
{
	size_t per[ANA_CLS_FOLDS] = {0};
	char key[32];
	(void)state;
	assert_int_equal(ana_cls_fold("form\x1f" "1"), ana_cls_fold("form\x1f" "1"));
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "src\x1f%d", i);
		per[ana_cls_fold(key)]++;
	}
	for (int k = 0; k < ANA_CLS_FOLDS; k++)
		assert_true(per[k] > 150 && per[k] < 250);
}

/* ---------------------------------------------------------------- through ana_run */

static const char run_config[] =
	"{\"vision\": {\"title\": \"Wijk 2030\", \"ambitions\": [\n"
	" {\"code\": \"A1\", \"title\": \"Veilig fietsen in de wijk\",\n"
	"  \"keywords\": {\"nl\": [\"fietsstraat\", \"drempels\", \"fietsers\"]}}]},\n"
	" \"analysis\": {\"default_lang\": \"nl\"}}";

/* A store in a fresh temporary folder with one source, "forms". */
struct store_fx {
	char dir[40], path[64];
	struct core_config cfg;
	struct core_db *db;
	int64_t src;
};

static void store_open(struct store_fx *x, const char *config)
{
	struct core_err err = {0};

	memset(x, 0, sizeof(*x));
	snprintf(x->dir, sizeof(x->dir), "/tmp/inspraak-stance-XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	snprintf(x->path, sizeof(x->path), "%s/s.db", x->dir);
	assert_int_equal(core_config_parse(config, strlen(config), "t.json", &x->cfg, &err), 0);
	assert_non_null(x->db = core_db_open(x->path, &err));
	assert_int_equal(core_db_source_ensure(x->db, "forms", CORE_SRC_IMPORT, NULL, &x->src, &err),
			 0);
}

static void store_close(struct store_fx *x)
{
	core_db_close(x->db);
	test_store_remove(x->path);
	core_config_release(&x->cfg);
	rmdir(x->dir);
}

struct found_row {
	const char *ext;
	char stance[16], origin[16], evidence[512];
	int classified;
	int64_t id;
};

static int find_row(const struct core_item_view *v, void *ctx)
{
	struct found_row *f = ctx;
	if (strcmp(v->item.external_id, f->ext) != 0)
		return 0;
	f->id = v->item.id;
	if (v->n_stances == 0)
		return 0;
	snprintf(f->stance, sizeof(f->stance), "%s", core_stance_name(v->stances[0].stance));
	snprintf(f->origin, sizeof(f->origin), "%s", core_origin_name(v->stances[0].origin));
	f->classified = v->stances[0].evidence && strstr(v->stances[0].evidence, "\"classifier\"");
	snprintf(f->evidence, sizeof(f->evidence), "%s",
		 v->stances[0].evidence ? v->stances[0].evidence : "");
	return 0;
}

static struct found_row row_of(struct core_db *db, const char *ext)
{
	struct found_row f = {.ext = ext};
	struct core_item_filter flt = {0};
	struct core_err err = {0};
	assert_int_equal(core_db_items_each(db, &flt, find_row, &f, &err), 0);
	return f;
}

/* The respondents' stances teach the run: an item the rules cannot read (no cue) is
 * neutral while few stances are known, and takes the learnt side once enough are. The
 * respondent's own stance always stays, even against the rules. */
static void run_learns_from_respondents(void **state)
{
	static const char *const places[] = {"bij de school", "in onze straat", "naar het park",
					      "langs de kerk", "bij het station", "in het centrum",
					      "naar de markt", "bij de sporthal"};
	struct core_err err = {0};
	struct ana_opts opts = {.seed = 42};
	struct ana_report rep;
	struct store_fx x;
	char text[128], ext[32];
	(void)state;

	store_open(&x, run_config);
	struct core_db *db = x.db;
	const int64_t src = x.src;
	test_put_item(db, src, "target", "Een fietsstraat richting de haven.", NULL,
		      CORE_STANCE_NONE, NULL);
	test_put_item(db, src, "own", "Drempels, geen goed idee, maar toch doen.", "A1",
		 CORE_STANCE_SUPPORT, NULL);
	test_put_item(db, src, "neutral", "Fietsers rijden hier elke dag.", "A1",
		      CORE_STANCE_NEUTRAL, NULL);
	for (int i = 0; i < 4; i++) {
		snprintf(ext, sizeof(ext), "l%d", i);
		snprintf(text, sizeof(text), "%s %s.", i % 2 ? "Drempels" : "Een fietsstraat",
			 places[i]);
		test_put_item(db, src, ext, text, "A1",
			      i % 2 ? CORE_STANCE_OBJECTION : CORE_STANCE_SUPPORT, NULL);
	}
	assert_int_equal(ana_run(db, &x.cfg, &opts, &rep, &err), 0);
	struct found_row t = row_of(db, "target");
	assert_string_equal(t.origin, "analysis");
	assert_string_equal(t.stance, "neutral");
	assert_int_equal(t.classified, 0);
	assert_true(rep.n_stance_eval >= 1);
	assert_int_equal(rep.stance_eval[0].used, 0);

	for (int i = 4; i < 40; i++) {
		snprintf(ext, sizeof(ext), "l%d", i);
		snprintf(text, sizeof(text), "%s %s %d.", i % 2 ? "Drempels" : "Een fietsstraat",
			 places[i % 8], i);
		test_put_item(db, src, ext, text, "A1",
			      i % 2 ? CORE_STANCE_OBJECTION : CORE_STANCE_SUPPORT, NULL);
	}
	assert_int_equal(ana_run(db, &x.cfg, &opts, &rep, &err), 0);
	t = row_of(db, "target");
	assert_string_equal(t.origin, "analysis");
	assert_string_equal(t.stance, "support");
	assert_int_equal(t.classified, 1);
	assert_int_equal(rep.stance_eval[0].used, 1);
	assert_string_equal(rep.stance_eval[0].lang, "nl");
	assert_true(rep.stance_eval[0].cv_f1 > rep.stance_eval[0].rules_f1);
	/* The least certain analysed stances come first in the report. */
	assert_true(rep.n_uncertain >= 1);
	for (size_t i = 1; i < rep.n_uncertain; i++)
		assert_true(rep.uncertain[i - 1].confidence <= rep.uncertain[i].confidence);
	struct found_row own = row_of(db, "own");
	assert_string_equal(own.origin, "respondent");
	assert_string_equal(own.stance, "support");

	store_close(&x);
}

/* The same labelled items stored in opposite orders train the same classifier: the
 * same cross-validated score and the same probability for an unlabelled item. */
static void classifier_order_independent(void **state)
{
	static const char *const places[] = {"bij de school", "in onze straat", "naar het park",
					      "langs de kerk", "bij het station", "in het centrum"};
	struct core_config cfg = {0};
	struct core_err err = {0};
	struct ana_opts opts = {.seed = 42};
	struct ana_report rep[2];
	struct found_row t[2];
	char dir[] = "/tmp/inspraak-order-XXXXXX", path[64], text[128], ext[32];
	(void)state;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(core_config_parse(run_config, strlen(run_config), "t.json", &cfg, &err), 0);
	for (int pass = 0; pass < 2; pass++) {
		int64_t src;
		snprintf(path, sizeof(path), "%s/%d.db", dir, pass);
		struct core_db *db = core_db_open(path, &err);
		assert_non_null(db);
		assert_int_equal(core_db_source_ensure(db, "forms", CORE_SRC_IMPORT, NULL, &src, &err),
				 0);
		for (int k = 0; k < 41; k++) {
			int i = pass ? 40 - k : k;
			if (i == 40) {
				test_put_item(db, src, "target", "Een fietsstraat en drempels bij de haven.",
					 NULL, CORE_STANCE_NONE, NULL);
				continue;
			}
			snprintf(ext, sizeof(ext), "l%d", i);
			snprintf(text, sizeof(text), "%s %s %s.", i % 3 ? "Drempels" : "Een fietsstraat",
				 places[i % 6], i % 4 ? "graag" : "nu");
			/* every seventh label goes against its word: the models stay unsure */
			test_put_item(db, src, ext, text, "A1",
				 (i % 3 != 0) != (i % 7 == 0) ? CORE_STANCE_OBJECTION
							     : CORE_STANCE_SUPPORT, NULL);
		}
		assert_int_equal(ana_run(db, &cfg, &opts, &rep[pass], &err), 0);
		t[pass] = row_of(db, "target");
		core_db_close(db);
		test_store_remove(path);
	}
	assert_int_equal(rep[0].stance_eval[0].used, 1);
	assert_true(rep[0].stance_eval[0].cv_f1 == rep[1].stance_eval[0].cv_f1);
	assert_int_equal(t[0].classified, 1);
	assert_string_equal(t[0].evidence, t[1].evidence);
	/* to the last bit: the least certain stances' confidences */
	assert_int_equal(rep[0].n_uncertain, rep[1].n_uncertain);
	for (size_t i = 0; i < rep[0].n_uncertain; i++)
		assert_true(rep[0].uncertain[i].confidence == rep[1].uncertain[i].confidence);
	assert_string_equal(t[0].stance, t[1].stance);
	core_config_release(&cfg);
	rmdir(dir);
}

/* Reviewers' corrections teach the classifier: items whose stance nobody gave, once a
 * reviewer sets it, are labelled examples of the next run. */
static void run_learns_from_reviewers(void **state)
{
	static const char *const places[] = {"bij de school", "in onze straat", "naar het park",
					      "langs de kerk", "bij het station", "in het centrum"};
	struct core_err err = {0};
	struct ana_opts opts = {.seed = 42};
	struct ana_report rep;
	struct store_fx x;
	char text[128], ext[32];
	(void)state;

	store_open(&x, run_config);
	struct core_db *db = x.db;
	const int64_t src = x.src;
	test_put_item(db, src, "target", "Een fietsstraat richting de haven.", NULL,
		      CORE_STANCE_NONE, NULL);
	for (int i = 0; i < 30; i++) {
		snprintf(ext, sizeof(ext), "r%d", i);
		snprintf(text, sizeof(text), "%s %s %d.", i % 2 ? "Drempels" : "Een fietsstraat",
			 places[i % 6], i);
		test_put_item(db, src, ext, text, NULL, CORE_STANCE_NONE, NULL);
	}
	assert_int_equal(ana_run(db, &x.cfg, &opts, &rep, &err), 0);
	assert_string_equal(row_of(db, "target").stance, "neutral");
	assert_int_equal(rep.n_stance_eval, 0); /* nobody gave a stance */

	for (int i = 0; i < 30; i++) {
		char id[24];
		snprintf(ext, sizeof(ext), "r%d", i);
		snprintf(id, sizeof(id), "%lld", (long long)row_of(db, ext).id);
		struct core_review_action a = {.act = CORE_REV_SET_STANCE, .reviewer = "anna",
					       .target = id, .ambition = "A1",
					       .stance = i % 2 ? CORE_STANCE_OBJECTION
							       : CORE_STANCE_SUPPORT};
		assert_int_equal(core_db_review(db, &a, &err), 0);
	}
	assert_int_equal(ana_run(db, &x.cfg, &opts, &rep, &err), 0);
	assert_int_equal(rep.n_stance_eval, 1);
	assert_int_equal(rep.stance_eval[0].labelled, 30);
	assert_int_equal(rep.stance_eval[0].used, 1);
	struct found_row t = row_of(db, "target");
	assert_string_equal(t.stance, "support");
	assert_int_equal(t.classified, 1);
	/* the corrected items keep the reviewer's stance */
	struct found_row r1 = row_of(db, "r1");
	assert_string_equal(r1.origin, "reviewer");
	assert_string_equal(r1.stance, "objection");
	store_close(&x);
}

/* A theme mostly about one ambition lends it to a member that almost named it (one
 * description word), not to an item of another theme with the same word; a member
 * whose respondent gave a stance keeps that stance on the lent ambition. */
static const char lend_config[] =
	"{\"vision\": {\"title\": \"Wijk 2030\", \"ambitions\": [\n"
	" {\"code\": \"A1\", \"title\": \"Fietsstraten\", \"description\": \"Brede fietspaden.\",\n"
	"  \"keywords\": {\"nl\": [\"fietsstraat\"]}},\n"
	" {\"code\": \"A2\", \"title\": \"Schone straten\",\n"
	"  \"keywords\": {\"nl\": [\"zwerfafval\"]}}]},\n"
	" \"analysis\": {\"default_lang\": \"nl\", \"themes\": 2}}";

static void theme_lends_ambition(void **state)
{
	static const char *const bike[] = {"fietsers", "school", "kinderen", "veilig", "auto's",
					   "snelheid"};
	static const char *const bins[] = {"containers", "vuilniszakken", "glasbak", "ophalen",
					   "stank", "meeuwen"};
	struct core_err err = {0};
	struct ana_opts opts = {.seed = 42};
	struct store_fx x;
	char text[256], ext[32];
	(void)state;

	store_open(&x, lend_config);
	struct core_db *db = x.db;
	const int64_t src = x.src;
	for (int i = 0; i < 12; i++) {
		snprintf(ext, sizeof(ext), "b%d", i);
		snprintf(text, sizeof(text), "De fietsstraat met %s en %s bij de %s.", bike[i % 6],
			 bike[(i + 1) % 6], bike[(i + 3) % 6]);
		test_put_item(db, src, ext, text, NULL, CORE_STANCE_NONE, NULL);
		snprintf(ext, sizeof(ext), "z%d", i);
		snprintf(text, sizeof(text), "Zwerfafval: %s en %s bij de %s.", bins[i % 6],
			 bins[(i + 1) % 6], bins[(i + 3) % 6]);
		test_put_item(db, src, ext, text, NULL, CORE_STANCE_NONE, NULL);
	}
	test_put_item(db, src, "weak", "Fietspaden voor fietsers en kinderen bij school, veilig.", NULL,
		 CORE_STANCE_NONE, NULL);
	test_put_item(db, src, "other", "Fietspaden? De containers en vuilniszakken stinken, meeuwen.",
		 NULL, CORE_STANCE_NONE, NULL);
	test_put_item(db, src, "declared", "Fietspaden voor kinderen en fietsers bij school, veilig.",
		      NULL, CORE_STANCE_OBJECTION, NULL);
	assert_int_equal(ana_run(db, &x.cfg, &opts, NULL, &err), 0);
	struct found_row w = row_of(db, "weak"), o = row_of(db, "other"), d = row_of(db, "declared");
	assert_string_equal(w.origin, "analysis");
	assert_string_equal(o.origin, "");
	assert_string_equal(d.origin, "respondent");
	assert_string_equal(d.stance, "objection");
	store_close(&x);
}

int test_stance(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(title_polarity),
		cmocka_unit_test(polarity_cases),
		cmocka_unit_test(classifier_learns),
		cmocka_unit_test(folds_are_stable),
		cmocka_unit_test(run_learns_from_respondents),
		cmocka_unit_test(theme_lends_ambition),
		cmocka_unit_test(classifier_order_independent),
		cmocka_unit_test(run_learns_from_reviewers),
	};
	return cmocka_run_group_tests_name("stance", tests, setup, teardown);
}
