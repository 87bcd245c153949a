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
};

/* Runs the whole analysis over every stored, non-hidden item and saves it as a new run.
 * Deterministic for a given seed and store content. Respondent-declared ambitions and
 * stances always win over inferred ones. CORE_ERUNTIME when the store has no items. */
int ana_run(struct core_db *db, const struct core_config *cfg, const struct ana_opts *opts,
	    struct ana_report *rep, struct core_err *err);

#endif
