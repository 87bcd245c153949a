/* themes.c: spherical k-means over L2-normalised sparse TF-IDF rows (model.h), with
 * k-means++ seeding from a seeded PRNG and a few restarts. Every loop runs in document
 * order and every tie goes to the lower index, so a seed and an input give one answer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

int ana_auto_k(size_t n_docs, int max_themes)
{
	int k = (int)lround(sqrt((double)n_docs / 2.0));

	if (max_themes < 1)
		max_themes = 1;
	if (k > max_themes)
		k = max_themes;
	if (k < 2)
		k = 2;
	if ((size_t)k > n_docs)
		k = (int)n_docs;
	return k;
}

static double dot(const struct ana_matrix *m, size_t d, const float *c)
{
	double s = 0.0;
	for (size_t i = m->row[d]; i < m->row[d + 1]; i++)
		s += (double)m->val[i] * c[m->col[i]];
	return s;
}

static void set_to_doc(const struct ana_matrix *m, size_t d, float *c)
{
	memset(c, 0, m->n_terms * sizeof(*c));
	for (size_t i = m->row[d]; i < m->row[d + 1]; i++)
		c[m->col[i]] = m->val[i];
}

/* k-means++: each next centre is drawn with probability proportional to the squared
 * cosine distance to the nearest centre chosen so far. */
static void seed_centres(const struct ana_matrix *m, const size_t *docs, size_t n, int k,
			 struct ana_rng *rng, float *cent, double *best)
{
	size_t first = docs[ana_rng_next(rng) % n];

	set_to_doc(m, first, cent);
	for (size_t i = 0; i < n; i++)
		best[i] = -2.0;
	for (int c = 1; c < k; c++) {
		double total = 0.0;
		const float *prev = cent + (size_t)(c - 1) * m->n_terms;
		for (size_t i = 0; i < n; i++) {
			double s = dot(m, docs[i], prev);
			if (s > best[i])
				best[i] = s;
			double dist = 1.0 - best[i];
			total += dist > 0 ? dist * dist : 0.0;
		}
		size_t pick = n;
		if (total > 0.0) {
			double r = ana_rng_double(rng) * total, acc = 0.0;
			for (size_t i = 0; i < n; i++) {
				double dist = 1.0 - best[i];
				acc += dist > 0 ? dist * dist : 0.0;
				if (acc > r && dist > 0) {
					pick = i;
					break;
				}
			}
			if (pick == n) /* rounding at the very end */
				for (size_t i = n; i-- > 0;)
					if (1.0 - best[i] > 0) {
						pick = i;
						break;
					}
		}
		if (pick == n)
			pick = (size_t)c % n; /* all documents identical: any will do */
		set_to_doc(m, docs[pick], cent + (size_t)c * m->n_terms);
	}
}

/* One k-means run from seeded centres; returns the objective (sum of cosines). */
static double run_once(const struct ana_matrix *m, const size_t *docs, size_t n, int k,
		       float *cent, double *acc, int *assign, float *sim, size_t *count)
{
	size_t V = m->n_terms;
	double obj = 0.0;

	for (size_t i = 0; i < n; i++)
		assign[i] = -1;
	for (int iter = 0; iter < ANA_KMEANS_MAX_ITER; iter++) {
		size_t changed = 0;
		obj = 0.0;
		for (size_t i = 0; i < n; i++) {
			int bc = 0;
			double bs = -2.0;
			for (int c = 0; c < k; c++) {
				double s = dot(m, docs[i], cent + (size_t)c * V);
				if (s > bs) {
					bs = s;
					bc = c;
				}
			}
			changed += assign[i] != bc;
			assign[i] = bc;
			sim[i] = (float)bs;
			obj += bs;
		}
		if (changed == 0)
			break;
		memset(acc, 0, (size_t)k * V * sizeof(*acc));
		memset(count, 0, (size_t)k * sizeof(*count));
		for (size_t i = 0; i < n; i++) {
			double *a = acc + (size_t)assign[i] * V;
			count[assign[i]]++;
			for (size_t j = m->row[docs[i]]; j < m->row[docs[i] + 1]; j++)
				a[m->col[j]] += m->val[j];
		}
		for (int c = 0; c < k; c++) {
			float *ct = cent + (size_t)c * V;
			if (count[c] == 0) {
				/* An empty cluster restarts at the worst-fitting document of a
				 * cluster that can spare it. */
				size_t worst = n;
				for (size_t i = 0; i < n; i++)
					if (count[assign[i]] > 1 && (worst == n || sim[i] < sim[worst]))
						worst = i;
				if (worst < n) {
					count[assign[worst]]--;
					assign[worst] = c;
					count[c] = 1;
					set_to_doc(m, docs[worst], ct);
				}
				continue;
			}
			const double *a = acc + (size_t)c * V;
			double norm = 0.0;
			for (size_t j = 0; j < V; j++)
				norm += a[j] * a[j];
			norm = norm > 0.0 ? 1.0 / sqrt(norm) : 0.0;
			for (size_t j = 0; j < V; j++)
				ct[j] = (float)(a[j] * norm);
		}
	}
	return obj;
}

int ana_kmeans(const struct ana_matrix *m, int k, uint64_t seed, struct ana_clustering *out)
{
	size_t n_all = m->n_docs, V = m->n_terms, n = 0;
	size_t *docs = NULL, *count = NULL;
	float *cent = NULL, *sim = NULL;
	double *acc = NULL, *best = NULL;
	int *assign = NULL;
	int rc = CORE_ENOMEM;

	memset(out, 0, sizeof(*out));
	out->assign = malloc((n_all ? n_all : 1) * sizeof(int));
	out->sim = calloc(n_all ? n_all : 1, sizeof(float));
	docs = malloc((n_all ? n_all : 1) * sizeof(*docs));
	if (!out->assign || !out->sim || !docs)
		goto out;
	for (size_t d = 0; d < n_all; d++) {
		out->assign[d] = -1;
		if (m->row[d + 1] > m->row[d])
			docs[n++] = d;
	}
	if ((size_t)k > n)
		k = (int)n;
	out->k = k;
	out->objective = 0.0;
	if (k < 1 || V == 0) {
		out->k = 0;
		rc = 0;
		goto out;
	}
	out->centroid = malloc((size_t)k * V * sizeof(float));
	cent = malloc((size_t)k * V * sizeof(float));
	acc = malloc((size_t)k * V * sizeof(double));
	count = malloc((size_t)k * sizeof(*count));
	best = malloc(n * sizeof(*best));
	assign = malloc(n * sizeof(*assign));
	sim = malloc(n * sizeof(*sim));
	if (!out->centroid || !cent || !acc || !count || !best || !assign || !sim)
		goto out;

	double best_obj = -1.0;
	for (int r = 0; r < ANA_KMEANS_RESTARTS; r++) {
		struct ana_rng rng;
		ana_rng_seed(&rng, seed + 0x632be59bd9b4e019ull * (uint64_t)r);
		seed_centres(m, docs, n, k, &rng, cent, best);
		double obj = run_once(m, docs, n, k, cent, acc, assign, sim, count);
		if (obj > best_obj) {
			best_obj = obj;
			memcpy(out->centroid, cent, (size_t)k * V * sizeof(float));
			for (size_t i = 0; i < n; i++) {
				out->assign[docs[i]] = assign[i];
				out->sim[docs[i]] = sim[i];
			}
		}
	}
	out->objective = best_obj;
	for (size_t i = 0; i < n; i++)
		if (out->sim[docs[i]] < ANA_MIN_THEME_SIM)
			out->assign[docs[i]] = -1;
	rc = 0;
out:
	free(docs);
	free(count);
	free(cent);
	free(sim);
	free(acc);
	free(best);
	free(assign);
	if (rc)
		ana_clustering_release(out);
	return rc;
}

void ana_clustering_release(struct ana_clustering *c)
{
	free(c->assign);
	free(c->sim);
	free(c->centroid);
	memset(c, 0, sizeof(*c));
}
