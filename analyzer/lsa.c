/* lsa.c: latent semantic analysis for clustering short texts (model.h). Two reactions
 * on one subject often share no word; a rank-r truncated SVD of the TF-IDF matrix maps
 * co-occurring terms close together, so k-means sees the topic instead of the wording.
 * The basis is fitted with a seeded randomized SVD on an evenly spaced sample of rows,
 * so its cost is bounded; every row is then projected (nnz x r). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* Dot product of two columns in eight interleaved partial sums, combined in a fixed
 * order: one running sum waits on each addition in turn, eight keep the vector units
 * busy, and the result is the same on every run. */
static inline __attribute__((always_inline)) double col_dot(const double *x, const double *y,
							     size_t n)
{
	double acc[8] = {0};
	size_t i = 0;

	for (; i + 8 <= n; i += 8)
		for (int l = 0; l < 8; l++)
			acc[l] += x[i + l] * y[i + l];
	for (; i < n; i++)
		acc[0] += x[i] * y[i];
	return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* Modified Gram-Schmidt on the r columns of a (rows x r, row-major); a column that
 * vanishes becomes zero. The columns are worked on as contiguous copies (the same
 * arithmetic in the same order as in place, but without striding through memory), in
 * scratch (rows x r doubles, or NULL to allocate them). */
ANA_SIMD_CLONES
static int orthonormalise(double *a, size_t rows, int r, double *scratch)
{
	double *t = scratch ? scratch : malloc((rows ? rows : 1) * (size_t)r * sizeof(*t));

	if (!t)
		return CORE_ENOMEM;
	for (size_t i = 0; i < rows; i++)
		for (int c = 0; c < r; c++)
			t[(size_t)c * rows + i] = a[i * r + c];
	for (int c = 0; c < r; c++) {
		double *tc = t + (size_t)c * rows;
		for (int p = 0; p < c; p++) {
			const double *tp = t + (size_t)p * rows;
			double d = col_dot(tc, tp, rows);
			for (size_t i = 0; i < rows; i++)
				tc[i] -= d * tp[i];
		}
		double nrm = col_dot(tc, tc, rows);
		nrm = nrm > 1e-20 ? 1.0 / sqrt(nrm) : 0.0;
		for (size_t i = 0; i < rows; i++)
			tc[i] *= nrm;
	}
	for (size_t i = 0; i < rows; i++)
		for (int c = 0; c < r; c++)
			a[i * r + c] = t[(size_t)c * rows + i];
	if (!scratch)
		free(t);
	return 0;
}

/* Eigen-decomposition of the symmetric r x r matrix c (destroyed) by cyclic Jacobi:
 * eigenvalues into w, eigenvectors as the columns of v. */
static void jacobi(double *c, int r, double *w, double *v)
{
	for (int i = 0; i < r; i++)
		for (int j = 0; j < r; j++)
			v[i * r + j] = i == j;
	for (int sweep = 0; sweep < 60; sweep++) {
		double off = 0.0;
		for (int i = 0; i < r; i++)
			for (int j = i + 1; j < r; j++)
				off += c[i * r + j] * c[i * r + j];
		if (off < 1e-22)
			break;
		for (int p = 0; p < r; p++)
			for (int q = p + 1; q < r; q++) {
				double apq = c[p * r + q];
				if (fabs(apq) < 1e-300)
					continue;
				double theta = (c[q * r + q] - c[p * r + p]) / (2.0 * apq);
				double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
				double cs = 1.0 / sqrt(t * t + 1.0), sn = t * cs;
				for (int k = 0; k < r; k++) {
					double akp = c[k * r + p], akq = c[k * r + q];
					c[k * r + p] = cs * akp - sn * akq;
					c[k * r + q] = sn * akp + cs * akq;
				}
				for (int k = 0; k < r; k++) {
					double apk = c[p * r + k], aqk = c[q * r + k];
					c[p * r + k] = cs * apk - sn * aqk;
					c[q * r + k] = sn * apk + cs * aqk;
				}
				for (int k = 0; k < r; k++) {
					double vkp = v[k * r + p], vkq = v[k * r + q];
					v[k * r + p] = cs * vkp - sn * vkq;
					v[k * r + q] = sn * vkp + cs * vkq;
				}
			}
	}
	for (int i = 0; i < r; i++)
		w[i] = c[i * r + i];
}

/* y (rows of sample x r) = X_sample * z (V x r), or z (V x r) = X_sample^T * y; a
 * job does sample rows [from, to) of y, or terms [from, to) of z (scanning every sample
 * row, so each entry still sums its terms in row order). */
struct mul_job {
	const struct ana_matrix *m;
	const size_t *rows;
	size_t s;
	int r;
	const double *in;
	double *out;
	size_t from, to;
};

static void *mul_xz_range(void *arg)
{
	const struct mul_job *j = arg;
	const struct ana_matrix *m = j->m;
	int r = j->r;

	memset(j->out + j->from * r, 0, (j->to - j->from) * (size_t)r * sizeof(*j->out));
	for (size_t i = j->from; i < j->to; i++) {
		double *yi = j->out + i * r;
		for (size_t k = m->row[j->rows[i]]; k < m->row[j->rows[i] + 1]; k++) {
			const double *zj = j->in + (size_t)m->col[k] * r;
			double v = m->val[k];
			for (int c = 0; c < r; c++)
				yi[c] += v * zj[c];
		}
	}
	return NULL;
}

static void *mul_xty_range(void *arg)
{
	const struct mul_job *j = arg;
	const struct ana_matrix *m = j->m;
	int r = j->r;

	memset(j->out + j->from * r, 0, (j->to - j->from) * (size_t)r * sizeof(*j->out));
	for (size_t i = 0; i < j->s; i++) {
		const double *yi = j->in + i * r;
		for (size_t k = m->row[j->rows[i]]; k < m->row[j->rows[i] + 1]; k++) {
			uint32_t col = m->col[k];
			if (col < j->from || col >= j->to)
				continue;
			double *zj = j->out + (size_t)col * r;
			double v = m->val[k];
			for (int c = 0; c < r; c++)
				zj[c] += v * yi[c];
		}
	}
	return NULL;
}

static void mul_xz(const struct ana_matrix *m, const size_t *rows, size_t s, const double *z,
		   int r, double *y)
{
	struct mul_job j[2] = {{m, rows, s, r, z, y, 0, s / 2}, {m, rows, s, r, z, y, s / 2, s}};
	ana_two_halves(mul_xz_range, &j[0], &j[1], s > 1000);
}

static void mul_xty(const struct ana_matrix *m, const size_t *rows, size_t s, const double *y,
		    int r, double *z)
{
	size_t V = m->n_terms;
	struct mul_job j[2] = {{m, rows, s, r, y, z, 0, V / 2}, {m, rows, s, r, y, z, V / 2, V}};
	ana_two_halves(mul_xty_range, &j[0], &j[1], s > 1000);
}

/* Projects rows [from, to) of m onto the basis (V x r floats) into out's dense rows
 * (offsets set), each L2-normalised. */
struct project_job {
	const struct ana_matrix *m;
	const float *basis;
	int r;
	struct ana_matrix *out;
	size_t from, to;
};

static void *project_rows(void *arg)
{
	const struct project_job *p = arg;
	const struct ana_matrix *m = p->m;
	int r = p->r;
	double e[256];

	for (size_t d = p->from; d < p->to; d++) {
		if (m->row[d + 1] == m->row[d])
			continue;
		memset(e, 0, sizeof(e));
		for (size_t j = m->row[d]; j < m->row[d + 1]; j++) {
			const float *bj = p->basis + (size_t)m->col[j] * r;
			double v = m->val[j];
			for (int a = 0; a < r; a++)
				e[a] += v * bj[a];
		}
		double nrm = 0.0;
		for (int a = 0; a < r; a++)
			nrm += e[a] * e[a];
		nrm = nrm > 0.0 ? 1.0 / sqrt(nrm) : 0.0;
		float *o = p->out->val + p->out->row[d];
		for (int a = 0; a < r; a++)
			o[a] = (float)(e[a] * nrm);
	}
	return NULL;
}

int ana_lsa(const struct ana_matrix *m, int r, size_t max_sample, uint64_t seed,
	    struct ana_matrix *out)
{
	size_t n = m->n_docs, V = m->n_terms, s = 0;
	size_t *rows = NULL;
	double *y = NULL, *z = NULL, *c = NULL, *w = NULL, *ev = NULL, *bj = NULL;
	float *basis_f = NULL;
	int rc = CORE_ENOMEM;

	memset(out, 0, sizeof(*out));
	if ((size_t)r > V)
		r = (int)V;
	rows = malloc((n ? n : 1) * sizeof(*rows));
	if (!rows)
		goto out;
	size_t nonempty = 0;
	for (size_t d = 0; d < n; d++)
		nonempty += m->row[d + 1] > m->row[d];
	/* Evenly spaced non-empty rows: the matrix order is the content order, so the
	 * sample does not depend on the order items were stored in. */
	size_t step = max_sample && nonempty > max_sample ? (nonempty + max_sample - 1) / max_sample : 1;
	for (size_t d = 0, seen = 0; d < n; d++)
		if (m->row[d + 1] > m->row[d] && seen++ % step == 0)
			rows[s++] = d;
	if ((size_t)r > s)
		r = (int)s;
	if (r < 2) {
		rc = CORE_ERUNTIME;
		goto out;
	}
	y = malloc(s * (size_t)r * sizeof(*y));
	z = malloc(V * (size_t)r * sizeof(*z));
	c = malloc((size_t)r * r * sizeof(*c));
	w = malloc((size_t)r * sizeof(*w));
	ev = malloc((size_t)r * r * sizeof(*ev));
	bj = malloc((size_t)r * sizeof(*bj));
	basis_f = malloc(V * (size_t)r * sizeof(*basis_f));
	if (!y || !z || !c || !w || !ev || !bj || !basis_f)
		goto out;

	struct ana_rng rng;
	ana_rng_seed(&rng, seed ^ 0x5bd1e9955bd1e995ull);
	for (size_t i = 0; i < V * (size_t)r; i++)
		z[i] = ana_rng_double(&rng) - 0.5;
	/* Range finder with two power iterations (the spectrum of short texts decays
	 * slowly, and plain sketches then miss the topic directions). */
	mul_xz(m, rows, s, z, r, y);
	/* z is spent whenever y is orthonormalised (the next product overwrites it): the
	 * Gram-Schmidt works in it when it is large enough, rather than in 10 MB more. */
	double *gs = V >= s ? z : NULL;
	if (orthonormalise(y, s, r, gs) != 0)
		goto out;
	/* Each iteration's z = X^T Q spans what it must whatever its scaling (Q is
	 * orthonormal, so X X^T Q's columns grow by at most the squared condition of the
	 * sample, far inside double precision): only y is orthonormalised, as the
	 * subspace iteration needs. */
	for (int it = 0; it < 2; it++) {
		mul_xty(m, rows, s, y, r, z);
		mul_xz(m, rows, s, z, r, y);
		if (orthonormalise(y, s, r, gs) != 0)
			goto out;
	}
	/* B = Q^T X (r x V), stored transposed in z (V x r); C = B B^T. */
	mul_xty(m, rows, s, y, r, z);
	memset(c, 0, (size_t)r * r * sizeof(*c));
	for (size_t j = 0; j < V; j++) {
		const double *zj = z + j * r;
		for (int a = 0; a < r; a++)
			for (int b = a; b < r; b++)
				c[a * r + b] += zj[a] * zj[b];
	}
	for (int a = 0; a < r; a++)
		for (int b = 0; b < a; b++)
			c[a * r + b] = c[b * r + a];
	jacobi(c, r, w, ev);
	/* Right singular vectors: basis = B^T W Sigma^-1 (V x r), components sorted by
	 * singular value; a row's embedding x . basis equals its U Sigma row. */
	int order[256];
	int rr = r > 256 ? 256 : r;
	for (int a = 0; a < rr; a++)
		order[a] = a;
	for (int a = 1; a < rr; a++)
		for (int b = a; b > 0 && w[order[b]] > w[order[b - 1]]; b--) {
			int t = order[b];
			order[b] = order[b - 1];
			order[b - 1] = t;
		}
	/* basis[j][o] = sum_b z[j][b] ev[b][order[o]] / sv: the columns scaled and put in
	 * order first, so the inner loop runs along a row of each (vectorised, no
	 * running sum to wait on). A row is summed in doubles, then kept as floats. */
	double *evs = c; /* C is spent: r x rr, column o = eigenvector order[o] / its sv */
	for (int b = 0; b < r; b++)
		for (int o = 0; o < rr; o++) {
			int a = order[o];
			double sv = w[a] > 1e-12 ? sqrt(w[a]) : 0.0;
			evs[b * rr + o] = sv == 0.0 ? 0.0 : ev[b * r + a] / sv;
		}
	for (size_t j = 0; j < V; j++) {
		for (int o = 0; o < rr; o++)
			bj[o] = 0.0;
		for (int b = 0; b < r; b++) {
			double zb = z[j * r + b];
			const double *e = evs + b * rr;
			for (int o = 0; o < rr; o++)
				bj[o] += zb * e[o];
		}
		for (int o = 0; o < rr; o++)
			basis_f[j * rr + o] = (float)bj[o];
	}
	r = rr;
	free(z);
	z = NULL;

	/* Every row, projected and L2-normalised, as a dense matrix in CSR form. */
	size_t nnz = nonempty * (size_t)r;
	out->n_docs = n;
	out->n_terms = (size_t)r;
	out->row = malloc((n + 1) * sizeof(*out->row));
	out->col = NULL; /* dense: see ana_col */
	out->val = malloc((nnz ? nnz : 1) * sizeof(*out->val));
	out->term_stem = calloc((size_t)r, sizeof(*out->term_stem));
	if (!out->row || !out->val || !out->term_stem)
		goto out;
	size_t at = 0;
	for (size_t d = 0; d < n; d++) {
		out->row[d] = at;
		at += m->row[d + 1] > m->row[d] ? (size_t)r : 0;
	}
	out->row[n] = at;
	/* Rows are independent: two threads, each a fixed half. */
	struct project_job jobs[2] = {{m, basis_f, r, out, 0, n / 2}, {m, basis_f, r, out, n / 2, n}};
	ana_two_halves(project_rows, &jobs[0], &jobs[1], 1);
	rc = 0;
out:
	free(rows);
	free(y);
	free(z);
	free(c);
	free(w);
	free(ev);
	free(bj);
	free(basis_f);
	if (rc)
		ana_matrix_release(out);
	return rc;
}
