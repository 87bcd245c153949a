/* review.h: private to analyzer/: the reviewers' decisions (the audit log in the store)
 * re-applied to a fresh analysis run before it is saved, so a re-analysis keeps every
 * rename, merge, split, move and stance correction; and the reviewers' stances for the
 * stance classifier to learn from. */
#ifndef INSPRAAK_ANALYZER_REVIEW_H
#define INSPRAAK_ANALYZER_REVIEW_H

#include "core.h"

/* What applying allocated (labels, stance arrays, evidence) and what it did. */
struct ana_review {
	void **owned;
	size_t n_owned, cap;
	size_t applied, skipped; /* decisions applied, decisions with nothing to act on */
	size_t kept;             /* hides, marks, notes: on the items, not in the run */
};

/* Applies every decision of the audit log, oldest first, to run (themes, per-item theme
 * and stances): renames and merges by stable theme id; splits re-create their theme
 * (same id and label) from the items split off; moves and stance corrections follow the
 * item (corrected rows get origin "reviewer", score 1); hidden items are not in the run
 * at all (the analysis skips them). A decision whose theme or item is gone is skipped.
 * Memory it gives run is owned by rv: keep rv until run is saved, then
 * ana_review_release. */
int ana_review_apply(struct core_db *db, struct core_run *run, struct ana_review *rv,
		     struct core_err *err);
void ana_review_release(struct ana_review *rv);

/* ana_review_apply, core_db_run_save, ana_review_release: the one call the analysis
 * makes after themes and stances are computed. */
int ana_review_save(struct core_db *db, struct core_run *run, struct core_err *err);

/* A reviewer's stance on one (item, ambition): the latest set-stance decision for it.
 * stance NONE means the reviewer said the item is not about that ambition. */
struct ana_review_stance {
	int64_t item_id;
	char code[32];
	enum core_stance stance;
	int64_t decision; /* the audit log row that decided it */
};
/* All reviewer stances, sorted by item id then ambition code, for the stance classifier
 * to train on (each is a labelled example: the item's text, the ambition, the stance).
 * *out is malloc'ed (free() it), *n its length; both zero when there are none. */
int ana_review_stances(struct core_db *db, struct ana_review_stance **out, size_t *n,
		       struct core_err *err);
/* Looks up (item, code) in a list from ana_review_stances (binary search): 1 with
 * *stance set when a reviewer decided, else 0. */
int ana_review_stance_of(const struct ana_review_stance *v, size_t n, int64_t item,
			 const char *code, enum core_stance *stance);

#endif
