/* learn.h: stance learning inside one analysis run (private): collects the items whose
 * stance a respondent gave as training examples during the reading pass, trains a
 * classifier per language (classify.h), then revisits the items whose stance the
 * analysis decided and lets the rules plus the classifier decide again. */
#ifndef INSPRAAK_ANA_LEARN_H
#define INSPRAAK_ANA_LEARN_H

#include "analyzer.h"
#include "classify.h"
#include "stance.h"
#include "text.h"
#include "util.h"

#define ANA_LEARN_LANGS 8

/* What the analysis noted of one stance row beside the row itself. */
struct ana_row_note {
	float rule;         /* the rules' support minus objection evidence */
	int8_t polarity;    /* its ambition's polarity */
	uint8_t cues;       /* the rules found a cue (the evidence lists it) */
	uint8_t classified; /* the classifier decided the row (learn.c sets it) */
};

/* The analysis rows of one item as the reading pass left them, with a note per row.
 * NULL rows: not an item of this run. */
struct ana_learn_rows {
	struct core_item_stance *rows;
	struct ana_row_note *notes;
	uint32_t n;
	const char *lang;
};

struct ana_learn {
	const struct ana_lexicons *lex;
	struct ana_text *tx;
	struct ana_arena *arena;       /* for rewritten evidence */
	char langs[ANA_LEARN_LANGS][8];
	size_t n_langs;
	struct ana_cls_example *ex;    /* feat holds offsets into feat until training */
	uint8_t *ex_lang;
	size_t n_ex, ex_cap, ex_lang_cap;
	uint32_t *feat;
	size_t n_feat, feat_cap;
	struct ana_cls_model models[ANA_LEARN_LANGS];
	size_t neutral[ANA_LEARN_LANGS]; /* items a respondent called neutral */
	struct ana_tokens toks;
	struct ana_stance_feats sf;
	struct core_buf ev;
	/* pass 2 */
	struct ana_learn_rows (*rows_of)(void *ctx, int64_t item_id);
	void *rows_ctx;
	size_t changed;
	struct core_err *err;
};

/* tx (may be NULL) stems words for the classifier's features. */
void ana_learn_init(struct ana_learn *L, const struct ana_lexicons *lex, struct ana_text *tx,
		    struct ana_arena *arena);
void ana_learn_release(struct ana_learn *L);

/* One labelled item (label +1 support, -1 objection toward the ambition of the given
 * polarity) with its tokens, the rules' evidence, answer and whether they found a cue,
 * and its stable key.
 * 0 or CORE_ENOMEM. */
int ana_learn_example(struct ana_learn *L, const char *lang, const struct ana_tokens *t,
		      int polarity, int label, double rule, enum core_stance rule_stance,
		      int rule_cues, const char *key);

/* An item whose respondent called it neutral: the classifier of its language will
 * leave texts it is unsure of neutral. 0. */
int ana_learn_neutral(struct ana_learn *L, const char *lang);

/* Trains a model per language with enough labels; when any is ready, walks the store
 * again and re-decides every analysis-origin row of the items in those languages
 * (rows_of finds them). Fills rep's stance fields. 0 or an error. */
int ana_learn_finish(struct ana_learn *L, struct core_db *db, struct ana_report *rep,
		     struct core_err *err);

#endif
