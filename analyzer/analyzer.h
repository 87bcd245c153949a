/* analyzer.h: the public face of analyzer/: text normalisation, language, tokens and
 * stems (libstemmer and libexttextcat are used only here), TF-IDF features, themes
 * (duplicates, k-means clustering, labels), ambitions and stance. ana_run reads every
 * stored item and writes one complete analysis run back to the store. */
#ifndef INSPRAAK_ANALYZER_H
#define INSPRAAK_ANALYZER_H

#include "core.h"

struct ana_opts {
	uint64_t seed;     /* k-means seed */
	int themes;        /* top-level themes; 0 = choose up to cfg->analysis.max_themes */
	int threads;       /* 1: the per-item pass in one thread (same result); else two */
};

struct ana_report {
	int64_t run_id;
	size_t items, themes, campaigns, unassigned;
	size_t ambition_items[64]; /* per configured ambition (config order), items about it */
	double seconds_total;
	double seconds_text, seconds_cluster, seconds_stance, seconds_store;
	/* The stance classifier, per language with items whose stance a respondent gave:
	 * how the rules alone and the rules with the classifier (cross-validated) do on
	 * those items, and whether the classifier decided the other items' stances. */
	struct ana_stance_eval {
		char lang[8];
		size_t labelled, support, objection;
		int used;
		int folds;
		double rules_accuracy, rules_f1, cv_accuracy, cv_f1;
	} stance_eval[8];
	size_t n_stance_eval;
	size_t stance_changed;   /* analysis stances the classifier changed */
	/* The analysed stances the run is least sure of, least sure first: where a reviewer
	 * helps most. */
	struct ana_uncertain {
		int64_t item;
		char code[32];
		enum core_stance stance;
		double confidence;
	} uncertain[10];
	size_t n_uncertain;
};

/* Runs the whole analysis over every stored, non-hidden item and saves it as a new run.
 * Deterministic for a given seed and store content. Respondent-declared ambitions and
 * stances always win over inferred ones. CORE_ERUNTIME when the store has no items. */
int ana_run(struct core_db *db, const struct core_config *cfg, const struct ana_opts *opts,
	    struct ana_report *rep, struct core_err *err);

/* The stance rules on single texts, for `inspraak stance`. */
struct ana_explainer;
struct ana_explainer *ana_explainer_new(struct core_err *err);
void ana_explainer_free(struct ana_explainer *x);
/* Appends to b one JSON object: text, lang (detected when lang is NULL or empty),
 * polarity of the ambition title (NULL: +1), stance, confidence, support and objection
 * evidence, condition, question and the cues that counted. 0 or CORE_ENOMEM. */
int ana_explain_stance(struct ana_explainer *x, const char *text, const char *lang,
		       const char *ambition, struct core_buf *b, struct core_err *err);

#endif
