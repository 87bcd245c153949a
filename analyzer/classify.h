/* classify.h: the learned half of stance (private): a naive Bayes model per language
 * over the hashed features of stance.c, trained on the items whose stance a respondent
 * or reviewer gave, stacked with the rules' score by a small logistic regression, and
 * cross-validated so `analyze` can say how well it does. Pure functions; no store. */
#ifndef INSPRAAK_ANA_CLASSIFY_H
#define INSPRAAK_ANA_CLASSIFY_H

#include "core.h"

#define ANA_CLS_BITS 18          /* hashed feature space: 2^18 buckets */
#define ANA_CLS_FOLDS 5
#define ANA_CLS_MIN_PER_CLASS 10 /* labelled support and objection items needed */
#define ANA_CLS_MARGIN 0.1  /* no cue and P(support) within 0.5 +- this: neutral, when
			     * the respondents showed that neutral is an answer */

/* One labelled item. */
struct ana_cls_example {
	const uint32_t *feat;   /* hashed features (stance.c), any order, duplicates allowed */
	uint32_t n_feat;
	int8_t label;           /* +1 support, -1 objection (toward the ambition) */
	int8_t polarity;        /* the ambition's polarity (stance.h) */
	uint8_t fold;           /* 0 .. ANA_CLS_FOLDS - 1, from a hash of the item's key */
	uint32_t key_hash;      /* ana_cls_key_hash of the item's key: the training order */
	float rule;             /* the rules' support minus objection evidence */
	enum core_stance rule_stance;
	uint8_t rule_cues;      /* the rules found at least one cue */
};

struct ana_cls_metrics {
	size_t n, correct;
	double accuracy, macro_f1; /* over support and objection; other answers count wrong */
};

struct ana_cls_model {
	int ready;               /* 0: too few labels, the rules decide alone */
	float *logratio;         /* per bucket: log P(f | +) - log P(f | -); 0 unseen */
	double prior;            /* log P(+) - log P(-) */
	double a, b, c;          /* P(support) = sigma(a * score * polarity + b * rule + c) */
	double margin;           /* abstention margin: ANA_CLS_MARGIN when some labelled
				  * items are neutral, else 0 (everyone took a side) */
	size_t n_pos, n_neg;     /* training items */
	struct ana_cls_metrics rules, cv; /* on the labelled items: rules alone, and the
					   * stacked model under ANA_CLS_FOLDS-fold CV */
};

/* Trains m on ex (n items; n_neutral more were labelled neutral, which the model does
 * not learn from but which make it abstain near 0.5): cross-validates, then fits on all. Leaves m->ready 0 when
 * there are fewer than ANA_CLS_MIN_PER_CLASS items of either side (rules metrics are
 * still filled in). 0 or CORE_ENOMEM. */
int ana_cls_train(struct ana_cls_model *m, const struct ana_cls_example *ex, size_t n,
		  size_t n_neutral);
void ana_cls_release(struct ana_cls_model *m);

/* P(support toward the ambition) of one text (m->ready must be set). */
double ana_cls_prob(const struct ana_cls_model *m, const uint32_t *feat, size_t n_feat,
		    int polarity, double rule);

/* The stance from P(support) and the rules' own answer: the classifier picks the side;
 * a text where the rules found no cue and the classifier leans little (within margin)
 * stays neutral, as does a mixed reading when it is unsure (a quarter of margin). */
enum core_stance ana_cls_decide(double p, double margin, enum core_stance rule_stance,
				int rule_cues);

/* The fold of an item from its stable key (source and external id), and the hash that
 * orders training. */
uint8_t ana_cls_fold(const char *key);
uint32_t ana_cls_key_hash(const char *key);

#endif
