/* classify.c: naive Bayes over hashed stance features, refined by a logistic regression
 * that starts from it, stacked with the rules' score (classify.h). Naive Bayes trains
 * from counts (cheap to cross-validate, independent of store order); the refinement
 * visits items in the order of their keys' hashes, so it is too. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "util.h"

#define BUCKETS (1u << ANA_CLS_BITS)
#define ALPHA 0.5          /* additive smoothing */
#define NB_CLAMP 30.0      /* naive Bayes log-odds are overconfident; keep them finite */
#define L2 1e-3            /* ridge on the stacking weights */

/* Naive Bayes counts of the items whose fold is not skip (skip = -1: all). Each item
 * counts each bucket once. */
static int nb_fit(const struct ana_cls_example *ex, size_t n, int skip, float *logratio,
		  double *prior)
{
	uint32_t *cnt = calloc(2 * (size_t)BUCKETS, sizeof(uint32_t));
	uint32_t *seen = calloc(BUCKETS, sizeof(uint32_t)); /* last item + 1 per bucket */
	double tot[2] = {0, 0}, docs[2] = {0, 0};
	size_t vocab = 0;

	if (!cnt || !seen) {
		free(cnt);
		free(seen);
		return CORE_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if ((int)ex[i].fold == skip)
			continue;
		int c = ex[i].label * ex[i].polarity > 0; /* the text's own direction */
		docs[c]++;
		for (uint32_t j = 0; j < ex[i].n_feat; j++) {
			uint32_t h = ex[i].feat[j] & (BUCKETS - 1);
			if (seen[h] == i + 1)
				continue;
			seen[h] = (uint32_t)(i + 1);
			if (cnt[h] + cnt[BUCKETS + h] == 0)
				vocab++;
			cnt[(size_t)c * BUCKETS + h]++;
			tot[c]++;
		}
	}
	double dp = log(tot[1] + ALPHA * (double)vocab), dn = log(tot[0] + ALPHA * (double)vocab);
	for (uint32_t h = 0; h < BUCKETS; h++) {
		uint32_t p = cnt[BUCKETS + h], q = cnt[h];
		logratio[h] = p + q == 0 ? 0.0f
					 : (float)((log(p + ALPHA) - dp) - (log(q + ALPHA) - dn));
	}
	*prior = log((docs[1] + 1.0) / (docs[0] + 1.0));
	free(cnt);
	free(seen);
	return 0;
}

/* Refines naive Bayes' weights by logistic regression started from them, the change
 * from naive Bayes penalised (L2): where words are not independent (a phrase and its
 * words), the regression corrects the double counting. Examples are visited in the
 * order of their keys' hashes (order), so the result does not depend on store order. */
#define LR_EPOCHS 6
#define LR_RATE 0.2
#define LR_L2 0.01
#define LR_MAX_BUCKETS 1024 /* distinct buckets of one example considered */
static int lr_refine(const struct ana_cls_example *ex, const uint32_t *order, size_t n, int skip,
		     float *w, double *bias)
{
	float *w0 = malloc(BUCKETS * sizeof(float)), *g2 = calloc(BUCKETS, sizeof(float));
	uint32_t *u = malloc(LR_MAX_BUCKETS * sizeof(uint32_t));
	double gb2 = 1.0, b = *bias;

	if (!w0 || !g2 || !u) {
		free(w0);
		free(g2);
		free(u);
		return CORE_ENOMEM;
	}
	memcpy(w0, w, BUCKETS * sizeof(float));
	for (int ep = 0; ep < LR_EPOCHS; ep++) {
		for (size_t o = 0; o < n; o++) {
			const struct ana_cls_example *e = &ex[order[o]];
			if ((int)e->fold == skip)
				continue;
			/* the example's distinct buckets, as naive Bayes counts them */
			size_t nu = 0;
			for (uint32_t j = 0; j < e->n_feat && nu < LR_MAX_BUCKETS; j++) {
				uint32_t h = e->feat[j] & (BUCKETS - 1);
				size_t q = 0;
				while (q < nu && u[q] != h)
					q++;
				if (q == nu)
					u[nu++] = h;
			}
			double z = b;
			for (size_t j = 0; j < nu; j++)
				z += w[u[j]];
			z = z < -NB_CLAMP ? -NB_CLAMP : z > NB_CLAMP ? NB_CLAMP : z;
			double y = e->label * e->polarity > 0;
			double g = 1.0 / (1.0 + exp(-z)) - y;
			for (size_t j = 0; j < nu; j++) {
				uint32_t h = u[j];
				double gh = g + LR_L2 * (w[h] - w0[h]);
				g2[h] += (float)(gh * gh);
				w[h] -= (float)(LR_RATE * gh / sqrt(1.0 + g2[h]));
			}
			gb2 += g * g;
			b -= LR_RATE * g / sqrt(gb2);
		}
	}
	*bias = b;
	free(w0);
	free(g2);
	free(u);
	return 0;
}

static double nb_score(const float *logratio, double prior, const uint32_t *feat, size_t n)
{
	/* Each bucket once, as in training; a small open-addressed set on the stack. */
	uint32_t set[1024];
	double s = prior;

	memset(set, 0xff, sizeof(set));
	for (size_t j = 0; j < n; j++) {
		uint32_t h = feat[j] & (BUCKETS - 1), k = (h * 2654435761u) >> 22;
		int dup = 0;
		for (;; k = (k + 1) & 1023) {
			if (set[k] == h) {
				dup = 1;
				break;
			}
			if (set[k] == UINT32_MAX) {
				set[k] = h;
				break;
			}
		}
		if (!dup)
			s += logratio[h];
	}
	return s < -NB_CLAMP ? -NB_CLAMP : s > NB_CLAMP ? NB_CLAMP : s;
}

static double sigma(double x)
{
	return 1.0 / (1.0 + exp(-x));
}

/* Logistic regression on two inputs and a bias by Newton's method (ridge L2), summing
 * in the given order so the last bits do not depend on store order either. */
static void stack_fit(const double *u, const double *v, const int8_t *z, const uint32_t *order,
		      size_t n, double w[3])
{
	w[0] = 0.1;
	w[1] = 0.5;
	w[2] = 0.0;
	for (int it = 0; it < 30; it++) {
		double g[3] = {L2 * w[0], L2 * w[1], L2 * w[2]};
		double H[3][3] = {{L2, 0, 0}, {0, L2, 0}, {0, 0, L2}};
		for (size_t o = 0; o < n; o++) {
			size_t i = order[o];
			double x[3] = {u[i], v[i], 1.0};
			double p = sigma(w[0] * x[0] + w[1] * x[1] + w[2]);
			double y = z[i] > 0, r = p * (1 - p);
			for (int a = 0; a < 3; a++) {
				g[a] += (p - y) * x[a];
				for (int b = 0; b < 3; b++)
					H[a][b] += r * x[a] * x[b];
			}
		}
		/* Solve H d = g (3 x 3, Cramer's rule; H is positive definite). */
		double det = H[0][0] * (H[1][1] * H[2][2] - H[1][2] * H[2][1]) -
			     H[0][1] * (H[1][0] * H[2][2] - H[1][2] * H[2][0]) +
			     H[0][2] * (H[1][0] * H[2][1] - H[1][1] * H[2][0]);
		if (fabs(det) < 1e-12)
			break;
		double d[3];
		for (int c = 0; c < 3; c++) {
			double M[3][3];
			memcpy(M, H, sizeof(M));
			for (int a = 0; a < 3; a++)
				M[a][c] = g[a];
			d[c] = (M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1]) -
				M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0]) +
				M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0])) / det;
		}
		double step = 0;
		for (int a = 0; a < 3; a++) {
			w[a] -= d[a];
			step += fabs(d[a]);
		}
		if (step < 1e-9)
			break;
	}
}

enum core_stance ana_cls_decide(double p, double margin, enum core_stance rule_stance,
				int rule_cues)
{
	double mg = rule_cues ? margin / 4 : margin;
	if (p >= 0.5 + mg && p > 0.5)
		return CORE_STANCE_SUPPORT;
	if (p <= 0.5 - mg && p < 0.5)
		return CORE_STANCE_OBJECTION;
	return rule_stance == CORE_STANCE_MIXED ? CORE_STANCE_MIXED : CORE_STANCE_NEUTRAL;
}

static void metrics(struct ana_cls_metrics *m, const int8_t *z, const enum core_stance *pred,
		    size_t n)
{
	double tp[2] = {0, 0}, fp[2] = {0, 0}, fn[2] = {0, 0};

	memset(m, 0, sizeof(*m));
	m->n = n;
	for (size_t i = 0; i < n; i++) {
		int g = z[i] > 0; /* 1 support, 0 objection */
		int p = pred[i] == CORE_STANCE_SUPPORT ? 1 : pred[i] == CORE_STANCE_OBJECTION ? 0 : -1;
		if (p == g) {
			m->correct++;
			tp[g]++;
		} else {
			fn[g]++;
			if (p >= 0)
				fp[p]++;
		}
	}
	double f1 = 0;
	for (int c = 0; c < 2; c++) {
		double pr = tp[c] + fp[c] > 0 ? tp[c] / (tp[c] + fp[c]) : 0;
		double rc = tp[c] + fn[c] > 0 ? tp[c] / (tp[c] + fn[c]) : 0;
		f1 += pr + rc > 0 ? 2 * pr * rc / (pr + rc) : 0;
	}
	m->accuracy = n ? (double)m->correct / (double)n : 0;
	m->macro_f1 = f1 / 2;
}

/* Training order: by key hash, ties by position. */
struct key_idx {
	uint32_t hash, idx;
};

static int by_key(const void *a, const void *b)
{
	const struct key_idx *x = a, *y = b;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

int ana_cls_train(struct ana_cls_model *m, const struct ana_cls_example *ex, size_t n,
		  size_t n_neutral)
{
	double *u = malloc((n ? n : 1) * sizeof(double)), *v = malloc((n ? n : 1) * sizeof(double));
	int8_t *z = malloc(n ? n : 1);
	enum core_stance *pred = malloc((n ? n : 1) * sizeof(*pred));
	uint32_t *order = malloc((n ? n : 1) * sizeof(uint32_t));
	struct key_idx *keys = malloc((n ? n : 1) * sizeof(*keys));
	int rc = CORE_ENOMEM;

	memset(m, 0, sizeof(*m));
	if (!u || !v || !z || !pred || !order || !keys)
		goto out;
	for (size_t i = 0; i < n; i++)
		keys[i] = (struct key_idx){ex[i].key_hash, (uint32_t)i};
	qsort(keys, n, sizeof(*keys), by_key);
	for (size_t i = 0; i < n; i++)
		order[i] = keys[i].idx;
	for (size_t i = 0; i < n; i++) {
		z[i] = ex[i].label;
		pred[i] = ex[i].rule_stance;
		if (ex[i].label > 0)
			m->n_pos++;
		else
			m->n_neg++;
	}
	metrics(&m->rules, z, pred, n);
	m->margin = n_neutral > 0 ? ANA_CLS_MARGIN : 0.0;
	rc = 0;
	if (m->n_pos < ANA_CLS_MIN_PER_CLASS || m->n_neg < ANA_CLS_MIN_PER_CLASS)
		goto out;
	rc = CORE_ENOMEM;
	if (!(m->logratio = malloc(BUCKETS * sizeof(float))))
		goto out;
	/* Out-of-fold naive Bayes scores, then the stacking fitted on them. */
	for (int k = 0; k < ANA_CLS_FOLDS; k++) {
		double prior;
		if ((rc = nb_fit(ex, n, k, m->logratio, &prior)) != 0 ||
		    (rc = lr_refine(ex, order, n, k, m->logratio, &prior)) != 0)
			goto out;
		for (size_t i = 0; i < n; i++)
			if (ex[i].fold == k)
				u[i] = nb_score(m->logratio, prior, ex[i].feat, ex[i].n_feat) *
				       ex[i].polarity;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = ex[i].rule;
	double w[3];
	stack_fit(u, v, z, order, n, w);
	m->a = w[0];
	m->b = w[1];
	m->c = w[2];
	for (size_t i = 0; i < n; i++)
		pred[i] = ana_cls_decide(sigma(m->a * u[i] + m->b * v[i] + m->c), m->margin,
					 ex[i].rule_stance, ex[i].rule_cues);
	metrics(&m->cv, z, pred, n);
	if ((rc = nb_fit(ex, n, -1, m->logratio, &m->prior)) != 0 ||
	    (rc = lr_refine(ex, order, n, -1, m->logratio, &m->prior)) != 0)
		goto out;
	m->ready = 1;
out:
	free(u);
	free(v);
	free(z);
	free(pred);
	free(order);
	free(keys);
	if (rc) {
		free(m->logratio);
		m->logratio = NULL;
	}
	return rc;
}

void ana_cls_release(struct ana_cls_model *m)
{
	free(m->logratio);
	memset(m, 0, sizeof(*m));
}

double ana_cls_prob(const struct ana_cls_model *m, const uint32_t *feat, size_t n_feat,
		    int polarity, double rule)
{
	double s = nb_score(m->logratio, m->prior, feat, n_feat) * polarity;
	return sigma(m->a * s + m->b * rule + m->c);
}

uint32_t ana_cls_key_hash(const char *key)
{
	return ana_fnv1a(ANA_FNV_SEED, key, strlen(key));
}

uint8_t ana_cls_fold(const char *key)
{
	return (uint8_t)((ana_cls_key_hash(key) >> 8) % ANA_CLS_FOLDS);
}
