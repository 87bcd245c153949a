/* themes.c: spherical k-means over L2-normalised rows (TF-IDF or the LSA space; model.h):
 * k-means++ seeding from a seeded PRNG, over-clustering merged average-link, restarts
 * of which the consensus one wins, a bounded fit sample, two threads for assignment.
 * Given the documents' words, a Dirichlet multinomial mixture refines each restart's
 * clusters before and after the merge. Every loop runs in document order, every tie
 * goes to the lower index and the thread split is fixed, so a seed and an input give
 * one answer. */
#include <float.h>
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

/* Always inlined, so that each build of its callers (ANA_SIMD_CLONES) has its own. */
static inline __attribute__((always_inline)) double dot(const struct ana_matrix *m, size_t d,
							 const float *c)
{
	size_t a = m->row[d], b = m->row[d + 1];
	if (b - a == m->n_terms) {
		/* A dense row (the LSA space): no column lookups, eight independent float
		 * sums the compiler can keep in vector registers (in a fixed order, so the
		 * result does not vary between runs). */
		const float *v = m->val + a;
		size_t n = b - a, i = 0;
		float acc[8] = {0};
		for (; i + 8 <= n; i += 8)
			for (int l = 0; l < 8; l++)
				acc[l] += v[i + l] * c[i + l];
		for (; i < n; i++)
			acc[0] += v[i] * c[i];
		return (double)(((acc[0] + acc[1]) + (acc[2] + acc[3])) +
				((acc[4] + acc[5]) + (acc[6] + acc[7])));
	}
	double s = 0.0;
	for (size_t i = a; i < b; i++)
		s += (double)m->val[i] * c[ana_col(m, d, i)];
	return s;
}

/* a += row d of m (a has one entry per column). */
static void add_row(const struct ana_matrix *m, size_t d, double *a)
{
	size_t s = m->row[d], e = m->row[d + 1];

	if (!m->col) {
		const float *v = m->val + s;
		for (size_t j = 0; j < e - s; j++)
			a[j] += v[j];
		return;
	}
	for (size_t j = s; j < e; j++)
		a[m->col[j]] += m->val[j];
}

/* The assignment step over docs[from..to): nearest centre, its cosine, how many
 * changed and the objective of the range. Ranges are fixed halves, so the sums are
 * the same with one thread or two. */
struct assign_job {
	const struct ana_matrix *m;
	const size_t *docs;
	size_t from, to;
	int k;
	const float *cent;
	int *assign;
	float *sim;
	double *ub; /* per document and centre, or NULL: see below */
	size_t changed;
	double obj;
};

/* Elkan's bounds, kept so that the result is exactly what a full scan gives. ub[i k +
 * c] bounds from above the cosine of document i with centre c: its value when last
 * computed, raised after each update by the distance centre c moved (a unit row's
 * cosine with a centre changes by at most that distance). A centre whose bound stays
 * below the cosine with the document's own centre by more than the rounding of a float
 * dot product cannot win the comparison, and its dot product is skipped; the own
 * centre's cosine is always computed. A float dot product of unit rows of n entries
 * (the way dot() sums them) is within n float epsilons of the true cosine: the margin
 * below allows twice that and then some. */
static double dot_err(size_t n)
{
	return 2.0 * (double)(n + 8) * FLT_EPSILON;
}

ANA_SIMD_CLONES
static void *assign_range(void *arg)
{
	struct assign_job *j = arg;
	size_t V = j->m->n_terms;
	double err = dot_err(V);

	j->changed = 0;
	j->obj = 0.0;
	for (size_t i = j->from; i < j->to; i++) {
		int bc = 0;
		double bs = -2.0, own = 0.0;
		size_t d = j->docs[i];
		double *ub = j->ub ? j->ub + i * (size_t)j->k : NULL;
		int mine = ub ? j->assign[i] : -1;
		if (mine >= 0) {
			own = dot(j->m, d, j->cent + (size_t)mine * V);
			ub[mine] = own + err;
		}
		for (int c = 0; c < j->k; c++) {
			double s;
			if (c == mine) {
				s = own;
			} else if (mine >= 0 && ub[c] + err < own) {
				continue;
			} else {
				s = dot(j->m, d, j->cent + (size_t)c * V);
				if (ub)
					ub[c] = s + err;
			}
			if (s > bs) {
				bs = s;
				bc = c;
			}
		}
		j->changed += j->assign[i] != bc;
		j->assign[i] = bc;
		j->sim[i] = (float)bs;
		j->obj += bs;
	}
	return NULL;
}

/* Both halves, on two threads when split and the work is worth a thread (and one can
 * be had). */
static void assign_all(const struct ana_matrix *m, const size_t *docs, size_t n, int k,
		       const float *cent, int *assign, float *sim, double *ub, size_t *changed,
		       double *obj, int split)
{
	struct assign_job j[2];

	for (int h = 0; h < 2; h++)
		j[h] = (struct assign_job){m, docs, h == 0 ? 0 : n / 2, h == 0 ? n / 2 : n, k, cent,
					   assign, sim, ub, 0, 0.0};
	ana_two_halves(assign_range, &j[0], &j[1],
		       split && (double)n * (double)k *
						(double)(m->n_docs ? m->row[m->n_docs] / m->n_docs : 1) >
					2e5);
	*changed = j[0].changed + j[1].changed;
	*obj = j[0].obj + j[1].obj;
}

/* ct = a / |a| (zeros when a is zero). */
static void unit_row(const double *a, size_t V, float *ct)
{
	double norm = 0.0;
	for (size_t j = 0; j < V; j++)
		norm += a[j] * a[j];
	norm = norm > 0.0 ? 1.0 / sqrt(norm) : 0.0;
	for (size_t j = 0; j < V; j++)
		ct[j] = (float)(a[j] * norm);
}

static void set_to_doc(const struct ana_matrix *m, size_t d, float *c)
{
	memset(c, 0, m->n_terms * sizeof(*c));
	for (size_t i = m->row[d]; i < m->row[d + 1]; i++)
		c[ana_col(m, d, i)] = m->val[i];
}

/* k-means++: each next centre is drawn with probability proportional to the squared
 * cosine distance to the nearest centre chosen so far. */
ANA_SIMD_CLONES
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

/* One k-means run from seeded centres; returns the objective (sum of cosines). ub (n x
 * k doubles) and prev (k x V floats) are scratch for the bounds of assign_range. */
static double run_once(const struct ana_matrix *m, const size_t *docs, size_t n, int k,
		       float *cent, double *acc, int *assign, float *sim, size_t *count, int max_iter,
		       int split, double *ub, float *prev)
{
	size_t V = m->n_terms;
	double obj = 0.0;

	for (size_t i = 0; i < n; i++)
		assign[i] = -1;
	for (int iter = 0; iter < max_iter; iter++) {
		size_t changed = 0;
		assign_all(m, docs, n, k, cent, assign, sim, ub, &changed, &obj, split);
		/* Converged when at most one document in a thousand still moves. */
		if (changed == 0 || (iter > 0 && changed * 1000 <= n))
			break;
		memcpy(prev, cent, (size_t)k * V * sizeof(*prev));
		memset(acc, 0, (size_t)k * V * sizeof(*acc));
		memset(count, 0, (size_t)k * sizeof(*count));
		for (size_t i = 0; i < n; i++) {
			count[assign[i]]++;
			add_row(m, docs[i], acc + (size_t)assign[i] * V);
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
			unit_row(acc + (size_t)c * V, V, ct);
		}
		/* Each centre's move raises every document's bound on its cosine (the rows'
		 * norms may exceed 1 by a rounding: allowed for). */
		for (int c = 0; c < k; c++) {
			double d2 = 0.0;
			for (size_t j = 0; j < V; j++) {
				double dj = (double)cent[(size_t)c * V + j] - prev[(size_t)c * V + j];
				d2 += dj * dj;
			}
			acc[c] = sqrt(d2) * (1.0 + 1e-6);
		}
		for (size_t i = 0; i < n; i++)
			for (int c = 0; c < k; c++)
				ub[i * (size_t)k + c] += acc[c];
	}
	return obj;
}

/* Average-link merging of kk clusters (assign over docs) down to k centres: the two
 * clusters whose members are on average most alike (sum_a . sum_b / (n_a n_b)) merge
 * first. Over-clustering and then merging finds the broad topics of short texts better
 * than k-means from k seeds, which splits a big topic and lumps small ones. cent_out
 * receives k L2-normalised centres (zero rows when fewer than k clusters were alive),
 * into[c] (kk entries) the merged cluster (0..k-1) that cluster c became part of.
 * acc holds kk x V doubles, pair kk x kk doubles. */
static void merge_to(const struct ana_matrix *m, const size_t *docs, size_t n, int kk, int k,
		     const int *assign, double *acc, double *pair, size_t *count, float *cent_out,
		     int *into)
{
	size_t V = m->n_terms;
	int alive = 0;

	for (int a = 0; a < kk; a++)
		into[a] = a;

	memset(acc, 0, (size_t)kk * V * sizeof(*acc));
	memset(count, 0, (size_t)kk * sizeof(*count));
	for (size_t i = 0; i < n; i++) {
		count[assign[i]]++;
		add_row(m, docs[i], acc + (size_t)assign[i] * V);
	}
	for (int a = 0; a < kk; a++)
		alive += count[a] > 0;
	for (int a = 0; a < kk; a++)
		for (int b = a + 1; b < kk; b++) {
			double s = -1.0;
			if (count[a] && count[b]) {
				const double *x = acc + (size_t)a * V, *y = acc + (size_t)b * V;
				s = 0.0;
				for (size_t j = 0; j < V; j++)
					s += x[j] * y[j];
				s /= (double)count[a] * (double)count[b];
			}
			pair[(size_t)a * kk + b] = s;
		}
	while (alive > k) {
		int ba = -1, bb = -1;
		double bs = -2.0;
		for (int a = 0; a < kk; a++) {
			if (!count[a])
				continue;
			for (int b = a + 1; b < kk; b++)
				if (count[b] && pair[(size_t)a * kk + b] > bs) {
					bs = pair[(size_t)a * kk + b];
					ba = a;
					bb = b;
				}
		}
		if (ba < 0)
			break;
		double *x = acc + (size_t)ba * V;
		const double *y = acc + (size_t)bb * V;
		for (size_t j = 0; j < V; j++)
			x[j] += y[j];
		count[ba] += count[bb];
		count[bb] = 0;
		alive--;
		for (int c = 0; c < kk; c++)
			if (into[c] == bb)
				into[c] = ba;
		for (int c = 0; c < kk; c++) {
			if (c == ba || !count[c])
				continue;
			const double *z = acc + (size_t)c * V;
			double s = 0.0;
			for (size_t j = 0; j < V; j++)
				s += x[j] * z[j];
			s /= (double)count[ba] * (double)count[c];
			pair[c < ba ? (size_t)c * kk + ba : (size_t)ba * kk + c] = s;
		}
	}
	memset(cent_out, 0, (size_t)k * V * sizeof(*cent_out));
	/* Survivors are numbered in order; into[] holds -1 - number while renaming. */
	int o = 0;
	for (int a = 0; a < kk && o < k; a++) {
		if (!count[a])
			continue;
		for (int c = 0; c < kk; c++)
			if (into[c] == a)
				into[c] = -1 - o;
		unit_row(acc + (size_t)a * V, V, cent_out + (size_t)o++ * V);
	}
	for (int c = 0; c < kk; c++)
		into[c] = into[c] < 0 ? -1 - into[c] : 0; /* 0: a cluster without members */
}

/* NMI (arithmetic normalisation) of two partitions of n documents into k clusters;
 * scratch holds k * (k + 2) doubles. */
static double partition_nmi(const int *a, const int *b, size_t n, int k, double *scratch)
{
	double *ct = scratch, *pa = scratch + (size_t)k * k, *pb = pa + k;
	double mi = 0.0, ha = 0.0, hb = 0.0;

	memset(scratch, 0, (size_t)k * (k + 2) * sizeof(*scratch));
	for (size_t i = 0; i < n; i++) {
		ct[(size_t)a[i] * k + b[i]] += 1.0;
		pa[a[i]] += 1.0;
		pb[b[i]] += 1.0;
	}
	for (int x = 0; x < k; x++) {
		if (pa[x] > 0)
			ha -= pa[x] / n * log(pa[x] / n);
		if (pb[x] > 0)
			hb -= pb[x] / n * log(pb[x] / n);
		for (int y = 0; y < k; y++) {
			double c = ct[(size_t)x * k + y];
			if (c > 0)
				mi += c / n * log(c * n / (pa[x] * pb[y]));
		}
	}
	return ha + hb > 0 ? 2.0 * mi / (ha + hb) : 1.0;
}

/* ---- Refinement by a Dirichlet multinomial mixture (Yin and Wang 2014, GSDMM): one
 * theme per document, whose words are drawn from the theme's word distribution. On
 * short texts this reads the words themselves (a shared rare word weighs heavily, a
 * common one little), which the LSA space blurs; started from k-means it keeps the
 * number of clusters and moves the documents whose words fit another cluster better. */

/* The words of the fitted documents (docs[i] -> row i), columns renumbered 0..V-1 in
 * the order they first occur, so that the counts below are as large as the sample's
 * vocabulary, not the whole input's. Columns marked in skip are left out. Counts of
 * documents never exceed n, nor counts of words the row total, so their logarithms
 * come from tables. */
struct dmm_words {
	size_t n, V;
	size_t *row;
	uint32_t *col;
	float *log_beta;   /* [c] = log(c + beta), c = 0..n */
	double *log_alpha; /* [c] = log(c + alpha) */
	double *log_vb;    /* [c] = log(c + V beta), c = 0..row[n] */
	double *half_vb;   /* [c] = 0.5 / (c + V beta) */
	uint32_t *map;     /* per column of the term rows: its number, or ANA_NOID */
};

static void dmm_words_release(struct dmm_words *w)
{
	free(w->row);
	free(w->col);
	free(w->log_beta);
	free(w->log_alpha);
	free(w->log_vb);
	free(w->half_vb);
	free(w->map);
	memset(w, 0, sizeof(*w));
}

/* The row of words->m that holds document d's words. */
static size_t words_row(const struct ana_words *words, size_t d)
{
	return words->rows ? words->rows[d] : d;
}

static int dmm_words_build(const struct ana_words *words, const size_t *docs, size_t n,
			   struct dmm_words *w)
{
	memset(w, 0, sizeof(*w));
	const struct ana_matrix *t = words->m;
	uint32_t *map = w->map = malloc((t->n_terms ? t->n_terms : 1) * sizeof(*map));
	size_t nnz = 0;
	int rc = CORE_ENOMEM;

	for (size_t i = 0; i < n; i++)
		nnz += t->row[words_row(words, docs[i]) + 1] - t->row[words_row(words, docs[i])];
	w->row = malloc((n + 1) * sizeof(*w->row));
	w->col = malloc((nnz ? nnz : 1) * sizeof(*w->col));
	w->log_beta = malloc((n + 1) * sizeof(*w->log_beta));
	w->log_alpha = malloc((n + 1) * sizeof(*w->log_alpha));
	if (!map || !w->row || !w->col || !w->log_beta || !w->log_alpha)
		goto out;
	for (size_t c = 0; c <= n; c++) {
		w->log_beta[c] = (float)log((double)c + ANA_DMM_BETA);
		w->log_alpha[c] = log((double)c + ANA_DMM_ALPHA);
	}
	for (size_t c = 0; c < t->n_terms; c++)
		map[c] = ANA_NOID;
	w->n = n;
	nnz = 0;
	for (size_t i = 0; i < n; i++) {
		size_t r = words_row(words, docs[i]);
		w->row[i] = nnz;
		for (size_t j = t->row[r]; j < t->row[r + 1]; j++) {
			uint32_t c = t->col[j];
			if (words->skip && words->skip[c])
				continue;
			if (map[c] == ANA_NOID)
				map[c] = (uint32_t)w->V++;
			w->col[nnz++] = map[c];
		}
	}
	w->row[n] = nnz;
	w->log_vb = malloc((nnz + 1) * sizeof(*w->log_vb));
	w->half_vb = malloc((nnz + 1) * sizeof(*w->half_vb));
	if (!w->log_vb || !w->half_vb)
		goto out;
	double vb = (double)w->V * ANA_DMM_BETA;
	for (size_t c = 0; c <= nnz; c++) {
		w->log_vb[c] = log((double)c + vb);
		w->half_vb[c] = 0.5 / ((double)c + vb);
	}
	rc = 0;
out:
	if (rc)
		dmm_words_release(w);
	return rc;
}

/* The mixture's counts for one restart, for up to kmax clusters: documents (mz), words
 * (nz) and each word (nzw) per cluster, with the logarithms the assignment needs kept
 * up to date. */
struct dmm {
	const struct dmm_words *w;
	int kmax;
	uint32_t *nzw, *nz, *mz; /* nzw word by word, kmax clusters each */
	float *lw;   /* log(nzw + beta), laid out as nzw */
	double *lnz; /* log(nz + V beta) */
	double *hnz; /* 0.5 / (nz + V beta) */
	double *lmz; /* log(mz + alpha) */
	float *sc;   /* per cluster: a document's sum over its words of lw */
};

static void dmm_release(struct dmm *q)
{
	free(q->nzw);
	free(q->lw);
	free(q->nz);
	free(q->mz);
	free(q->lnz);
	free(q->hnz);
	free(q->lmz);
	free(q->sc);
	memset(q, 0, sizeof(*q));
}

static int dmm_init(struct dmm *q, const struct dmm_words *w, int kmax)
{
	size_t cells = (size_t)kmax * (w->V ? w->V : 1);

	memset(q, 0, sizeof(*q));
	q->w = w;
	q->kmax = kmax;
	q->nzw = malloc(cells * sizeof(*q->nzw));
	q->lw = malloc(cells * sizeof(*q->lw));
	q->nz = malloc((size_t)kmax * sizeof(*q->nz));
	q->mz = malloc((size_t)kmax * sizeof(*q->mz));
	q->lnz = malloc((size_t)kmax * sizeof(*q->lnz));
	q->hnz = malloc((size_t)kmax * sizeof(*q->hnz));
	q->lmz = malloc((size_t)kmax * sizeof(*q->lmz));
	q->sc = malloc((size_t)kmax * sizeof(*q->sc));
	if (q->nzw && q->lw && q->nz && q->mz && q->lnz && q->hnz && q->lmz && q->sc)
		return 0;
	dmm_release(q);
	return CORE_ENOMEM;
}

/* Document i joins (sign 1) or leaves (sign -1) cluster z. */
static void dmm_move(struct dmm *q, size_t i, int z, int sign)
{
	const struct dmm_words *w = q->w;
	uint32_t len = (uint32_t)(w->row[i + 1] - w->row[i]);

	if (sign > 0) {
		q->mz[z]++;
		q->nz[z] += len;
	} else {
		q->mz[z]--;
		q->nz[z] -= len;
	}
	q->lnz[z] = w->log_vb[q->nz[z]];
	q->hnz[z] = w->half_vb[q->nz[z]];
	q->lmz[z] = w->log_alpha[q->mz[z]];
	for (size_t j = w->row[i]; j < w->row[i + 1]; j++) {
		size_t x = (size_t)w->col[j] * (size_t)q->kmax + (size_t)z;
		q->nzw[x] = sign > 0 ? q->nzw[x] + 1 : q->nzw[x] - 1;
		q->lw[x] = w->log_beta[q->nzw[x]];
	}
}

/* The counts of assign (k clusters) over the fitted documents. */
static void dmm_count(struct dmm *q, int k, const int *assign)
{
	const struct dmm_words *w = q->w;
	size_t V = w->V, n = w->n, K = (size_t)q->kmax;

	memset(q->nzw, 0, K * V * sizeof(*q->nzw));
	memset(q->nz, 0, (size_t)k * sizeof(*q->nz));
	memset(q->mz, 0, (size_t)k * sizeof(*q->mz));
	for (size_t i = 0; i < n; i++) {
		q->mz[assign[i]]++;
		q->nz[assign[i]] += (uint32_t)(w->row[i + 1] - w->row[i]);
		for (size_t j = w->row[i]; j < w->row[i + 1]; j++)
			q->nzw[(size_t)w->col[j] * K + (size_t)assign[i]]++;
	}
	for (size_t x = 0; x < K * V; x++)
		q->lw[x] = w->log_beta[q->nzw[x]];
	for (int z = 0; z < k; z++) {
		q->lnz[z] = w->log_vb[q->nz[z]];
		q->hnz[z] = w->half_vb[q->nz[z]];
		q->lmz[z] = w->log_alpha[q->mz[z]];
	}
}

/* The cluster (of k) of highest posterior for a document of words col[0..len). With
 * z0 >= 0 the document is one of cluster z0's, scored as if it had left it (dmm_move
 * -1) without changing the counts: z0's terms are taken one lower, the same values
 * summed in the same order, so the choice is the one the move would give. */
ANA_SIMD_CLONES
static int dmm_best(struct dmm *q, int k, const uint32_t *col, size_t len, int z0)
{
	const struct dmm_words *w = q->w;
	size_t K = (size_t)q->kmax;
	float *sc = q->sc;
	double dl = (double)len, best = -INFINITY;
	int bz = 0;

	/* Word by word, all clusters at once: contiguous, so it vectorises; each
	 * cluster's sum still runs in the row's order. */
	for (int z = 0; z < k; z++)
		sc[z] = 0.0f;
	for (size_t j = 0; j < len; j++) {
		const float *lz = q->lw + (size_t)col[j] * K;
		for (int z = 0; z < k; z++)
			sc[z] += lz[z];
	}
	if (z0 >= 0) {
		float s0 = 0.0f;
		for (size_t j = 0; j < len; j++)
			s0 += w->log_beta[q->nzw[(size_t)col[j] * K + (size_t)z0] - 1];
		sc[z0] = s0;
	}
	for (int z = 0; z < k; z++) {
		double lm = q->lmz[z], ln = q->lnz[z], hn = q->hnz[z];
		if (z == z0) {
			lm = w->log_alpha[q->mz[z] - 1];
			ln = w->log_vb[q->nz[z] - len];
			hn = w->half_vb[q->nz[z] - len];
		}
		double v = lm + sc[z] - dl * ln - dl * (dl - 1.0) * hn;
		if (v > best) {
			best = v;
			bz = z;
		}
	}
	return bz;
}

/* Iterated conditional modes on the collapsed mixture of k clusters: in document
 * order, each document leaves its cluster and joins the one of highest posterior
 *   log(m_z + alpha) + sum_w log(n_zw + beta) - sum_{i<len} log(n_z + V beta + i)
 * (a word counted once per document; the last sum as len log(n_z + V beta) plus its
 * first-order term, n_z being far larger than a reaction). A cluster's last document
 * stays, so k clusters remain k. Stops when at most one document in a thousand moved;
 * no random draws, so a seed and an input give one answer. assign[i] is document i's
 * cluster on entry and exit. */
static void dmm_refine(struct dmm *q, int k, int *assign)
{
	const struct dmm_words *w = q->w;
	size_t n = w->n;

	dmm_count(q, k, assign);
	for (int s = 0; s < ANA_DMM_SWEEPS; s++) {
		size_t moved = 0;
		for (size_t i = 0; i < n; i++) {
			int z0 = assign[i], bz;
			if (q->mz[z0] == 1)
				continue;
			/* A document that stays (most, once the sweeps settle) moves no counts. */
			bz = dmm_best(q, k, w->col + w->row[i], w->row[i + 1] - w->row[i], z0);
			if (bz == z0)
				continue;
			moved++;
			assign[i] = bz;
			dmm_move(q, i, z0, -1);
			dmm_move(q, i, bz, 1);
		}
		if (moved * 1000 <= n)
			break;
	}
}

/* Centres (L2-normalised member means of m) of assign over docs and each document's
 * cosine to its own; returns the sum of those cosines. acc holds k x V doubles. */
static double centres_of(const struct ana_matrix *m, const size_t *docs, size_t n, int k,
			 const int *assign, double *acc, float *cent, float *sim)
{
	size_t V = m->n_terms;
	double obj = 0.0;

	memset(acc, 0, (size_t)k * V * sizeof(*acc));
	for (size_t i = 0; i < n; i++)
		add_row(m, docs[i], acc + (size_t)assign[i] * V);
	for (int c = 0; c < k; c++)
		unit_row(acc + (size_t)c * V, V, cent + (size_t)c * V);
	for (size_t i = 0; i < n; i++) {
		sim[i] = (float)dot(m, docs[i], cent + (size_t)assign[i] * V);
		obj += sim[i];
	}
	return obj;
}

/* Restarts r0, r0 + step, ... of ana_kmeans into their slices of r_cent, r_assign,
 * r_sim and objs; rc 0 when done. */
struct restart_job {
	const struct ana_matrix *m;
	const struct dmm_words *words; /* NULL: k-means alone */
	const size_t *docs;
	size_t n;
	int k, kk;
	uint64_t seed;
	int r0, step, split;
	float *r_cent;
	int *r_assign;
	float *r_sim;
	double *objs;
	int rc;
};

static void *restarts(void *arg)
{
	struct restart_job *j = arg;
	const struct ana_matrix *m = j->m;
	size_t V = m->n_terms, n = j->n;
	int k = j->k, kk = j->kk;
	float *cent = malloc((size_t)k * V * sizeof(float));
	float *over = malloc((size_t)kk * V * sizeof(float));
	double *acc = malloc((size_t)kk * V * sizeof(double));
	double *pair = malloc((size_t)kk * (size_t)kk * sizeof(double));
	size_t *count = malloc((size_t)kk * sizeof(*count));
	double *best = malloc(n * sizeof(*best)), *ub = malloc(n * (size_t)kk * sizeof(*ub));
	float *prev = malloc((size_t)kk * V * sizeof(float));
	int *assign = malloc(n * sizeof(*assign));
	float *sim = malloc(n * sizeof(*sim));
	int *into = malloc((size_t)kk * sizeof(*into));
	struct dmm q = {0};

	j->rc = CORE_ENOMEM;
	if (!cent || !over || !acc || !pair || !count || !best || !ub || !prev || !assign || !sim ||
	    !into)
		goto out;
	if (j->words && dmm_init(&q, j->words, kk) != 0)
		goto out;
	for (int r = j->r0; r < ANA_KMEANS_RESTARTS; r += j->step) {
		struct ana_rng rng;
		ana_rng_seed(&rng, j->seed + 0x632be59bd9b4e019ull * (uint64_t)r);
		if (kk > k) {
			seed_centres(m, j->docs, n, kk, &rng, over, best);
			/* Only a start for merging: a rough fit will do. */
			run_once(m, j->docs, n, kk, over, acc, assign, sim, count,
				 ANA_KMEANS_OVER_ITER, j->split, ub, prev);
			if (j->words)
				dmm_refine(&q, kk, assign);
			merge_to(m, j->docs, n, kk, k, assign, acc, pair, count, cent, into);
		} else {
			seed_centres(m, j->docs, n, k, &rng, cent, best);
		}
		if (j->words && kk > k) {
			/* The merged clusters as they are (k-means from the merged centres would
			 * pull the documents the mixture placed back to the semantic space),
			 * refined once more at k. */
			for (size_t i = 0; i < n; i++)
				assign[i] = into[assign[i]];
			dmm_refine(&q, k, assign);
			j->objs[r] = centres_of(m, j->docs, n, k, assign, acc, cent, sim);
		} else {
			j->objs[r] = run_once(m, j->docs, n, k, cent, acc, assign, sim, count,
					      ANA_KMEANS_MAX_ITER, j->split, ub, prev);
			if (j->words) {
				dmm_refine(&q, k, assign);
				j->objs[r] = centres_of(m, j->docs, n, k, assign, acc, cent, sim);
			}
		}
		memcpy(j->r_cent + (size_t)r * k * V, cent, (size_t)k * V * sizeof(float));
		memcpy(j->r_assign + (size_t)r * n, assign, n * sizeof(*assign));
		memcpy(j->r_sim + (size_t)r * n, sim, n * sizeof(*sim));
	}
	j->rc = 0;
out:
	free(cent);
	free(over);
	free(acc);
	free(pair);
	free(count);
	free(best);
	free(ub);
	free(prev);
	free(assign);
	free(sim);
	free(into);
	dmm_release(&q);
	return NULL;
}

/* Places docs[0..n) by the mixture of the fitted documents (their words w, in clusters
 * fit_assign of k): z[i] is the cluster of highest posterior, -1 for a document with no
 * word w has. 0 or CORE_ENOMEM. */
static int dmm_place(const struct dmm_words *w, const struct ana_words *words, int k,
		     const int *fit_assign, const size_t *docs, size_t n, int *z)
{
	const struct ana_matrix *t = words->m;
	size_t max_row = 0;
	uint32_t *col;
	struct dmm q;

	for (size_t i = 0; i < n; i++) {
		size_t r = words_row(words, docs[i]);
		if (t->row[r + 1] - t->row[r] > max_row)
			max_row = t->row[r + 1] - t->row[r];
	}
	if (!(col = malloc((max_row ? max_row : 1) * sizeof(*col))))
		return CORE_ENOMEM;
	if (dmm_init(&q, w, k) != 0) {
		free(col);
		return CORE_ENOMEM;
	}
	dmm_count(&q, k, fit_assign);
	for (size_t i = 0; i < n; i++) {
		size_t len = 0, r = words_row(words, docs[i]);
		for (size_t j = t->row[r]; j < t->row[r + 1]; j++)
			if (w->map[t->col[j]] != ANA_NOID)
				col[len++] = w->map[t->col[j]];
		z[i] = len ? dmm_best(&q, k, col, len, -1) : -1;
	}
	free(col);
	dmm_release(&q);
	return 0;
}

/* Each of docs[0..n) (left out of the fit) that has a word the sample has joins the
 * cluster of highest posterior under the fitted documents' mixture (fit_assign), counting
 * those words; its similarity is to that theme's centre, and placed[d] becomes 1.
 * 0 or CORE_ENOMEM. */
static int place_rest(const struct ana_matrix *m, const struct ana_words *words,
		      const struct dmm_words *w, int k, const int *fit_assign, const size_t *docs,
		      size_t n, struct ana_clustering *out, uint8_t *placed)
{
	int *z = malloc((n ? n : 1) * sizeof(*z)), rc = CORE_ENOMEM;

	if (!z || dmm_place(w, words, k, fit_assign, docs, n, z) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (z[i] < 0)
			continue;
		size_t d = docs[i];
		out->assign[d] = z[i];
		out->sim[d] = (float)dot(m, d, out->centroid + (size_t)z[i] * m->n_terms);
		placed[d] = 1;
	}
	rc = 0;
out:
	free(z);
	return rc;
}

int ana_dmm_place(const struct ana_words *words, const size_t *sample, size_t ns,
		  const int *sample_assign, int k, const size_t *docs, size_t n, int *assign)
{
	struct dmm_words w = {0};
	int rc = CORE_ENOMEM;

	for (size_t i = 0; i < n; i++)
		assign[i] = -1;
	if (ns == 0 || k < 1)
		return 0;
	if (dmm_words_build(words, sample, ns, &w) == 0)
		rc = dmm_place(&w, words, k, sample_assign, docs, n, assign);
	dmm_words_release(&w);
	return rc;
}

int ana_kmeans(const struct ana_matrix *m, const struct ana_words *words, int k, uint64_t seed,
	       int threads, struct ana_clustering *out)
{
	size_t n_all = m->n_docs, V = m->n_terms, n = 0;
	size_t *docs = NULL, *all = NULL, n_fit = 0;
	float *r_cent = NULL, *r_sim = NULL;
	int *r_assign = NULL;
	double *count_kk = NULL;
	uint8_t *fitted = NULL;
	struct ana_matrix packed = {0};
	const struct ana_matrix *fm = m;
	size_t *fdocs = NULL;
	struct dmm_words w = {0};
	int rc = CORE_ENOMEM, kk;

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
	/* Large inputs: fit on evenly spaced documents (content order, so independent of
	 * storage order), then assign everyone; topics of a million reactions show in a
	 * sample of tens of thousands, and the fit then costs the same at any size. */
	all = malloc((n ? n : 1) * sizeof(*all));
	fitted = calloc(n_all ? n_all : 1, 1);
	if (!all || !fitted)
		goto out;
	memcpy(all, docs, n * sizeof(*docs));
	n_fit = n;
	if (n > ANA_KMEANS_SAMPLE) {
		size_t step = (n + ANA_KMEANS_SAMPLE - 1) / ANA_KMEANS_SAMPLE, s = 0;
		for (size_t i = 0; i < n; i += step)
			docs[s++] = all[i];
		n = s;
	}
	for (size_t i = 0; i < n; i++)
		fitted[docs[i]] = 1;
	/* A sample of dense rows is fitted on a packed copy: every step of every restart
	 * runs over it, and evenly spaced rows of a large matrix are a cache miss each. */
	if (!m->col && n < n_fit) {
		size_t nv = n * V;
		packed = (struct ana_matrix){.n_docs = n, .n_terms = V};
		packed.row = malloc((n + 1) * sizeof(*packed.row));
		packed.val = malloc((nv ? nv : 1) * sizeof(*packed.val));
		fdocs = malloc((n ? n : 1) * sizeof(*fdocs));
		if (!packed.row || !packed.val || !fdocs)
			goto out;
		for (size_t i = 0; i < n; i++) {
			packed.row[i] = i * V;
			memcpy(packed.val + i * V, m->val + m->row[docs[i]], V * sizeof(*packed.val));
			fdocs[i] = i;
		}
		packed.row[n] = n * V;
		fm = &packed;
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
	/* Over-cluster by ANA_KMEANS_OVER, at least ten documents per cluster. */
	kk = k * ANA_KMEANS_OVER;
	if ((size_t)kk > n / 10)
		kk = (int)(n / 10);
	if (kk > 128)
		kk = 128; /* merging cost grows with kk squared */
	if (kk < k)
		kk = k;
	out->centroid = malloc((size_t)k * V * sizeof(float));
	r_cent = malloc((size_t)ANA_KMEANS_RESTARTS * k * V * sizeof(float));
	r_assign = malloc((size_t)ANA_KMEANS_RESTARTS * n * sizeof(int));
	r_sim = malloc((size_t)ANA_KMEANS_RESTARTS * n * sizeof(float));
	count_kk = malloc((size_t)k * (k + 2) * sizeof(double));
	if (!out->centroid || !r_cent || !r_assign || !r_sim || !count_kk)
		goto out;

	if (words && words->m && words->m->col && dmm_words_build(words, docs, n, &w) != 0)
		goto out;
	int R = ANA_KMEANS_RESTARTS;
	double objs[ANA_KMEANS_RESTARTS];
	/* The restarts are independent: two threads take every other one (each with its
	 * own scratch, assigning on one thread) when the fit is large enough to pay. */
	int parallel = threads > 1 && (double)n * (double)kk * (double)V > 1e6;
	struct restart_job rj[2];
	for (int h = 0; h < 2; h++)
		rj[h] = (struct restart_job){fm, w.row ? &w : NULL, fdocs ? fdocs : docs, n, k, kk, seed,
					     h, 2, threads > 1 && !parallel,
					     r_cent, r_assign, r_sim, objs, CORE_ENOMEM};
	ana_two_halves(restarts, &rj[0], &rj[1], parallel);
	if (rj[0].rc || rj[1].rc)
		goto out;
	/* The restart that agrees best with all the others (mean NMI) wins, not the one
	 * with the best objective: on short texts many partitions score alike, and the
	 * consensus one is the topic structure that keeps coming back. */
	int win = 0;
	double win_score = -1.0;
	for (int a = 0; a < R; a++) {
		double sum = 0.0;
		for (int b = 0; b < R; b++)
			if (b != a)
				sum += partition_nmi(r_assign + (size_t)a * n, r_assign + (size_t)b * n, n, k,
						     count_kk);
		if (sum > win_score + 1e-12 || (fabs(sum - win_score) <= 1e-12 && objs[a] > objs[win])) {
			win_score = sum;
			win = a;
		}
	}
	double best_obj = objs[win];
	memcpy(out->centroid, r_cent + (size_t)win * k * V, (size_t)k * V * sizeof(float));
	for (size_t i = 0; i < n; i++) {
		out->assign[docs[i]] = r_assign[(size_t)win * n + i];
		out->sim[docs[i]] = r_sim[(size_t)win * n + i];
	}
	out->objective = best_obj;
	/* Documents left out of the sample go where the mixture of the fitted ones puts
	 * them when they have words the sample has, the others join their nearest final
	 * centre (two threads; the list is reused as scratch). */
	size_t n_rest = 0, n_left = 0;
	for (size_t i = 0; i < n_fit; i++)
		if (!(out->assign[all[i]] >= 0 && fitted[all[i]]))
			all[n_rest++] = all[i];
	if (w.row && n_rest && place_rest(m, words, &w, k, r_assign + (size_t)win * n, all, n_rest,
					  out, fitted) != 0)
		goto out;
	for (size_t i = 0; i < n_rest; i++)
		if (!fitted[all[i]])
			all[n_left++] = all[i];
	int *rest_assign = malloc((n_left ? n_left : 1) * sizeof(*rest_assign));
	float *rest_sim = malloc((n_left ? n_left : 1) * sizeof(*rest_sim));
	if (!rest_assign || !rest_sim) {
		free(rest_assign);
		free(rest_sim);
		goto out;
	}
	size_t changed_rest;
	double obj_rest;
	for (size_t i = 0; i < n_left; i++)
		rest_assign[i] = -1;
	assign_all(m, all, n_left, k, out->centroid, rest_assign, rest_sim, NULL, &changed_rest,
		   &obj_rest, threads > 1);
	for (size_t i = 0; i < n_left; i++) {
		out->assign[all[i]] = rest_assign[i];
		out->sim[all[i]] = rest_sim[i];
	}
	free(rest_assign);
	free(rest_sim);
	/* all[] again: every non-empty document, for the threshold below. */
	n_fit = 0;
	for (size_t d = 0; d < n_all; d++)
		if (m->row[d + 1] > m->row[d])
			all[n_fit++] = d;
	/* A document the mixture placed by its words (fitted[] 1) keeps its theme; one
	 * that joined the nearest centre needs ANA_MIN_THEME_SIM. */
	for (size_t i = 0; i < n_fit; i++)
		if (out->sim[all[i]] < ANA_MIN_THEME_SIM && !(w.row && fitted[all[i]]))
			out->assign[all[i]] = -1;
	rc = 0;
out:
	free(r_cent);
	free(r_assign);
	free(r_sim);
	free(count_kk);
	free(docs);
	free(all);
	free(fitted);
	free(fdocs);
	free(packed.row);
	free(packed.val);
	dmm_words_release(&w);
	if (rc)
		ana_clustering_release(out);
	return rc;
}

int ana_term_centroids(const struct ana_matrix *m, struct ana_clustering *c)
{
	size_t V = m->n_terms;
	double *acc = NULL;
	float *cent = NULL;

	if (c->k <= 0)
		return 0;
	acc = calloc((size_t)c->k * (V ? V : 1), sizeof(*acc));
	cent = malloc((size_t)c->k * (V ? V : 1) * sizeof(*cent));
	if (!acc || !cent) {
		free(acc);
		free(cent);
		return CORE_ENOMEM;
	}
	for (size_t d = 0; d < m->n_docs; d++) {
		if (c->assign[d] < 0)
			continue;
		add_row(m, d, acc + (size_t)c->assign[d] * V);
	}
	for (int k = 0; k < c->k; k++)
		unit_row(acc + (size_t)k * V, V, cent + (size_t)k * V);
	free(acc);
	free(c->centroid);
	c->centroid = cent;
	return 0;
}

void ana_clustering_release(struct ana_clustering *c)
{
	free(c->assign);
	free(c->sim);
	free(c->centroid);
	memset(c, 0, sizeof(*c));
}
