/* model.h: the analyzer's private stages after the text layer: ambition matching
 * (ambitions.c), sparse TF-IDF features (features.c) and themes: spherical k-means and
 * labels (themes.c). analyze.c strings them together in ana_run. */
#ifndef INSPRAAK_ANA_MODEL_H
#define INSPRAAK_ANA_MODEL_H

#include "core.h"
#include "text.h"
#include "util.h"

/* ---------------------------------------------------------------- ambitions */

/* Evidence weights: an explicit keyword counts most, a configured hashtag even more,
 * a title word less and a description word least (two of them are needed to clear
 * the default threshold). Title and description words shared by several ambitions
 * are divided among them. */
#define ANA_W_HASHTAG 2.0
#define ANA_W_KEYWORD 1.0
#define ANA_W_TITLE 0.5
#define ANA_W_DESC 0.15
#define ANA_AMB_MAX_WORDS 4

struct ana_amb_term {
	uint32_t stems[ANA_AMB_MAX_WORDS]; /* a phrase of content stems */
	uint8_t n;
	uint8_t hashtag;     /* matches a hashtag token by its folded text, stems[0] unused */
	uint16_t amb;        /* ambition index (config order) */
	float weight;
	uint32_t next;       /* next term with the same first stem / hashtag */
};

struct ana_ambitions {
	size_t n_amb;
	struct ana_amb_term *terms;
	size_t n_terms, cap;
	uint32_t *head;       /* per stem id (ids interned at build time): first term */
	size_t n_head;
	struct ana_intern tags;   /* configured hashtags, folded, without '#' */
	uint32_t *tag_head;
	/* scratch for one item */
	uint32_t *hits;       /* per term */
	uint32_t *touched;
	size_t n_touched;
};

/* Builds the matchers of cfg's ambitions (stems via tx). 0 or CORE_ENOMEM. */
int ana_ambitions_build(struct ana_ambitions *am, struct ana_text *tx,
			const struct core_config *cfg, struct core_err *err);
void ana_ambitions_release(struct ana_ambitions *am);
/* A copy of am for another thread: it shares am's matchers (read-only while both are in
 * use) and owns its per-item scratch. Release with ana_ambitions_fork_release, before
 * am. 0 or CORE_ENOMEM. */
int ana_ambitions_fork(const struct ana_ambitions *am, struct ana_ambitions *out);
void ana_ambitions_fork_release(struct ana_ambitions *f);

#define ANA_AMB_MAX_EVIDENCE 6
struct ana_amb_score {
	double x, score;      /* raw evidence and 1 - exp(-x) */
	uint32_t evidence[ANA_AMB_MAX_EVIDENCE]; /* token indices that matched */
	size_t n_evidence;
};
/* Scores one tokenized item against every ambition. tok_stem[i] is the feature stem of
 * token i (ANA_NOID for none). out has am->n_amb entries; sent_mask (n_amb rows of
 * t->n_sent bytes, may be NULL) receives the sentences where each ambition matched. */
void ana_ambitions_score(struct ana_ambitions *am, const struct ana_tokens *t,
			 const uint32_t *tok_stem, struct ana_amb_score *out, uint8_t *sent_mask);

/* ---------------------------------------------------------------- near-duplicates */

#define ANA_MH_K 32          /* MinHash slots */
#define ANA_MH_BANDS 8       /* LSH bands of 4 rows: pairs at Jaccard 0.8 meet with p ~ 0.98 */
#define ANA_MH_AGREE 25      /* agreeing slots (of 32) for estimated Jaccard >= 0.8 */
#define ANA_MH_MIN_TOKENS 8  /* shorter texts only group when exactly equal */

/* MinHash signature of the word 3-shingles of t into sig; 1 when the text is long
 * enough for near-duplicate grouping, 0 otherwise. */
int ana_minhash(const struct ana_tokens *t, uint32_t sig[ANA_MH_K]);
/* Groups near-duplicates among n signatures (sigs[i] NULL: never grouped). rank gives a
 * deterministic order; root[i] receives the member of i's group with the lowest rank.
 * *merged counts the merges. 0 or CORE_ENOMEM. */
int ana_near_dups(uint32_t *const *sigs, size_t n, const uint32_t *rank, uint32_t *root,
		  size_t *merged);

/* ---------------------------------------------------------------- features */

/* Documents x terms, rows L2-normalised TF-IDF, columns sorted by term string (or a
 * dense matrix with col NULL, see ana_col). */
struct ana_matrix {
	size_t n_docs, n_terms;
	size_t *row;      /* n_docs + 1 offsets */
	uint32_t *col;    /* ascending within a row */
	float *val;
	uint32_t *term_stem; /* per column: stem id */
};
/* Column of entry j (of row d): a dense matrix (the LSA space) has no col array, its
 * non-empty rows hold every column in order. */
static inline uint32_t ana_col(const struct ana_matrix *m, size_t d, size_t j)
{
	return m->col ? m->col[j] : (uint32_t)(j - m->row[d]);
}
/* A bag of stems for one document: parallel arrays, sorted by stem id. */
struct ana_bag {
	uint32_t *stem;
	uint32_t *tf;
	uint32_t n;
};
/* Builds TF-IDF over bags (one per document): keeps terms in at least 2 documents and
 * at most half of them, tf is sublinear (1 + ln tf), idf smoothed. stem_str gives the
 * string of a stem id for the column order. 0 or CORE_ENOMEM. */
int ana_features_build(const struct ana_bag *bags, size_t n_docs, const struct ana_intern *stems,
		       struct ana_matrix *m);
void ana_matrix_release(struct ana_matrix *m);

/* ---------------------------------------------------------------- LSA */

#define ANA_LSA_RANK 60          /* components kept */
#define ANA_LSA_SAMPLE 20000      /* rows that fit the basis */

/* Projects every row of m onto its top r singular directions (randomized SVD fitted on
 * at most max_sample evenly spaced rows, seeded), rows L2-normalised, into out (dense:
 * col is NULL, empty rows stay empty; term_stem is meaningless).
 * 0, CORE_ENOMEM, or CORE_ERUNTIME when there is too little to decompose. */
int ana_lsa(const struct ana_matrix *m, int r, size_t max_sample, uint64_t seed,
	    struct ana_matrix *out);

/* ---------------------------------------------------------------- themes */

#define ANA_KMEANS_RESTARTS 6
#define ANA_KMEANS_OVER 4     /* over-clustering factor before merging */
#define ANA_KMEANS_MAX_ITER 50
#define ANA_KMEANS_OVER_ITER 15 /* iterations of the over-clustering */
#define ANA_MIN_THEME_SIM 0.05f
#define ANA_KMEANS_SAMPLE 10000   /* documents the centres are fitted on */
/* The mixture that refines the clusters: alpha large enough that a cluster's size
 * barely sways where a document goes (with a small one, big clusters swallow the
 * rest); beta as in GSDMM. */
#define ANA_DMM_ALPHA 100.0
#define ANA_DMM_BETA 0.1
#define ANA_DMM_SWEEPS 10

struct ana_clustering {
	int k;
	int *assign;      /* per doc: cluster, -1 = unassigned */
	float *sim;       /* per doc: cosine to its centroid */
	float *centroid;  /* k x n_terms, L2-normalised */
	double objective;
};
/* The words a clustering is refined on: sparse term rows of the same documents (row
 * rows[d] of m for document d of the clustered matrix; rows NULL: row d), and the
 * columns to leave out (skip[c] 1; skip NULL reads all). Bigrams are left out: they
 * repeat their own words, which the mixture's independent draws would count twice. */
struct ana_words {
	const struct ana_matrix *m;
	const uint8_t *skip;
	const size_t *rows;
};
/* Spherical k-means: per restart (ANA_KMEANS_RESTARTS), k-means++ seeds k *
 * ANA_KMEANS_OVER centres, whose clusters merge average-link down to k before the
 * final iterations. With words (NULL: none), a Dirichlet multinomial mixture on the
 * words refines the clusters before the merge and the merged ones instead of the final
 * iterations. The restart agreeing best with the others (mean NMI) is kept. Fits on at
 * most ANA_KMEANS_SAMPLE evenly spaced documents; the others go where the mixture puts
 * them, or (without words, or with none the sample has) to the nearest centre. A
 * document placed by a centre, not by the mixture, stays unassigned (-1) under
 * ANA_MIN_THEME_SIM. Deterministic for (m, words, k, seed), the same with threads 1
 * (for callers that are on a thread of their own already) or 2 (a second thread where
 * the work pays for it). 0 or CORE_ENOMEM. */
int ana_kmeans(const struct ana_matrix *m, const struct ana_words *words, int k, uint64_t seed,
	       int threads, struct ana_clustering *out);
/* Places documents docs[0..n) by the Dirichlet multinomial mixture of a fitted sample:
 * documents sample[0..ns) in clusters sample_assign (0..k-1). assign[i]
 * gets the cluster of highest posterior, -1 for a document with no word the sample
 * has. 0 or CORE_ENOMEM. */
int ana_dmm_place(const struct ana_words *words, const size_t *sample, size_t ns,
		  const int *sample_assign, int k, const size_t *docs, size_t n, int *assign);
void ana_clustering_release(struct ana_clustering *c);
/* Replaces c's centroids by the L2-normalised mean of its members' rows of m (the term
 * space, for labels, when the clustering ran in the LSA space). 0 or CORE_ENOMEM. */
int ana_term_centroids(const struct ana_matrix *m, struct ana_clustering *c);

/* The automatic number of themes for n documents: round(sqrt(n / 2)) within
 * [2, max_themes] (and at most n). */
int ana_auto_k(size_t n_docs, int max_themes);

#endif
