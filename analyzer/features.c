/* features.c: sparse TF-IDF document vectors (model.h). Columns are ordered by the
 * term's string, not by when a term was first seen, so the matrix (and every float sum
 * over it) is the same whatever order the items were stored in. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static const struct ana_intern *sort_stems;

static int by_string(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return strcmp(ana_intern_str(sort_stems, x), ana_intern_str(sort_stems, y));
}

struct entry {
	uint32_t col;
	float val;
};

static int by_col(const void *a, const void *b)
{
	uint32_t x = ((const struct entry *)a)->col, y = ((const struct entry *)b)->col;
	return (x > y) - (x < y);
}

/* A row's entries by column: insertion sort for the short rows of reactions (a
 * million qsort calls cost more than the sorting), qsort for long ones. */
static void sort_row(struct entry *e, size_t r)
{
	if (r > 32) {
		qsort(e, r, sizeof(*e), by_col);
		return;
	}
	for (size_t i = 1; i < r; i++) {
		struct entry x = e[i];
		size_t j = i;
		for (; j > 0 && e[j - 1].col > x.col; j--)
			e[j] = e[j - 1];
		e[j] = x;
	}
}

int ana_features_build(const struct ana_bag *bags, size_t n_docs, const struct ana_intern *stems,
		       struct ana_matrix *m)
{
	uint32_t *df = NULL, *colof = NULL, *kept = NULL;
	struct entry *tmp = NULL;
	double *idf = NULL;
	size_t n_stems = stems->n, n_kept = 0, nnz = 0, max_row = 0;
	int rc = CORE_ENOMEM;

	memset(m, 0, sizeof(*m));
	df = calloc(n_stems ? n_stems : 1, sizeof(*df));
	colof = malloc((n_stems ? n_stems : 1) * sizeof(*colof));
	kept = malloc((n_stems ? n_stems : 1) * sizeof(*kept));
	if (!df || !colof || !kept)
		goto out;
	for (size_t d = 0; d < n_docs; d++)
		for (uint32_t i = 0; i < bags[d].n; i++)
			df[bags[d].stem[i]]++;
	for (uint32_t s = 0; s < n_stems; s++) {
		colof[s] = ANA_NOID;
		if (df[s] >= 2 && (double)df[s] <= 0.5 * (double)n_docs)
			kept[n_kept++] = s;
	}
	/* qsort with a file-level pointer: the comparator needs the strings. Single
	 * threaded here, so the static is safe. */
	sort_stems = stems;
	qsort(kept, n_kept, sizeof(*kept), by_string);
	sort_stems = NULL;
	for (size_t c = 0; c < n_kept; c++)
		colof[kept[c]] = (uint32_t)c;

	for (size_t d = 0; d < n_docs; d++) {
		size_t r = 0;
		for (uint32_t i = 0; i < bags[d].n; i++)
			r += colof[bags[d].stem[i]] != ANA_NOID;
		nnz += r;
		if (r > max_row)
			max_row = r;
	}
	m->n_docs = n_docs;
	m->n_terms = n_kept;
	m->row = malloc((n_docs + 1) * sizeof(*m->row));
	m->col = malloc((nnz ? nnz : 1) * sizeof(*m->col));
	m->val = malloc((nnz ? nnz : 1) * sizeof(*m->val));
	m->term_stem = malloc((n_kept ? n_kept : 1) * sizeof(*m->term_stem));
	tmp = malloc((max_row ? max_row : 1) * sizeof(*tmp));
	idf = malloc((n_stems ? n_stems : 1) * sizeof(*idf));
	if (!m->row || !m->col || !m->val || !m->term_stem || !tmp || !idf)
		goto out;
	for (size_t c = 0; c < n_kept; c++)
		idf[kept[c]] = log((1.0 + (double)n_docs) / (1.0 + (double)df[kept[c]])) + 1.0;
	memcpy(m->term_stem, kept, n_kept * sizeof(*kept));

	size_t at = 0;
	for (size_t d = 0; d < n_docs; d++) {
		size_t r = 0;
		double norm = 0.0;
		m->row[d] = at;
		for (uint32_t i = 0; i < bags[d].n; i++) {
			uint32_t s = bags[d].stem[i];
			if (colof[s] == ANA_NOID)
				continue;
			uint32_t tf = bags[d].tf[i];
			double w = (tf == 1 ? 1.0 : 1.0 + log((double)tf)) * idf[s];
			tmp[r].col = colof[s];
			tmp[r].val = (float)w;
			r++;
		}
		sort_row(tmp, r);
		for (size_t i = 0; i < r; i++) /* in column order: same sum for any input order */
			norm += (double)tmp[i].val * tmp[i].val;
		norm = norm > 0.0 ? 1.0 / sqrt(norm) : 0.0;
		for (size_t i = 0; i < r; i++) {
			m->col[at] = tmp[i].col;
			m->val[at] = (float)(tmp[i].val * norm);
			at++;
		}
	}
	m->row[n_docs] = at;
	rc = 0;
out:
	free(df);
	free(colof);
	free(kept);
	free(tmp);
	free(idf);
	if (rc)
		ana_matrix_release(m);
	return rc;
}

void ana_matrix_release(struct ana_matrix *m)
{
	free(m->row);
	free(m->col);
	free(m->val);
	free(m->term_stem);
	memset(m, 0, sizeof(*m));
}
