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

#include <cmocka.h>

#include "classify.h"
#include "model.h"
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
	/* A handful of labels: too few, the rules decide alone. */
	assert_int_equal(ana_cls_train(&m, ex, 6), 0);
	assert_int_equal(m.ready, 0);
	ana_cls_release(&m);
	/* Enough labels: the classifier reads the word the lexicon lacks. */
	assert_int_equal(ana_cls_train(&m, ex, N_EX), 0);
	assert_int_equal(m.ready, 1);
	assert_true(m.cv.macro_f1 > 0.9);
	assert_true(m.rules.macro_f1 < 0.5); /* the rules see no cue in these texts */
	double p_pro = prob_of(&m, "een nieuwe fietsstraat bij het station");
	double p_con = prob_of(&m, "nieuwe drempels bij het station");
	assert_true(p_pro > 0.6);
	assert_true(p_con < 0.4);
	assert_int_equal(ana_cls_decide(p_pro, CORE_STANCE_NEUTRAL, 0), CORE_STANCE_SUPPORT);
	assert_int_equal(ana_cls_decide(p_con, CORE_STANCE_NEUTRAL, 0), CORE_STANCE_OBJECTION);
	/* A text with nothing learnt or listed stays neutral. */
	double p_none = prob_of(&m, "bij het station");
	assert_int_equal(ana_cls_decide(p_none, CORE_STANCE_NEUTRAL, 0), CORE_STANCE_NEUTRAL);
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

int test_stance(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(title_polarity),
		cmocka_unit_test(polarity_cases),
		cmocka_unit_test(classifier_learns),
		cmocka_unit_test(folds_are_stable),
	};
	return cmocka_run_group_tests_name("stance", tests, setup, teardown);
}
