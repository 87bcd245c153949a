/* dedup.c: near-duplicate grouping (model.h): MinHash signatures over word 3-shingles
 * and locality-sensitive hashing in bands, so form letters with a changed name or an
 * added sentence join one group without comparing every pair of texts. */
#include <stdlib.h>
#include <string.h>

#include "model.h"

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t tok_hash(const struct ana_tokens *t, size_t i)
{
	return core_hash64(ana_tok_str(t, i), t->v[i].len, 0x5bd1e995u);
}

int ana_minhash(const struct ana_tokens *t, uint32_t sig[ANA_MH_K])
{
	uint64_t h[3] = {0, 0, 0};
	size_t n = 0, shingles = 0;

	for (int j = 0; j < ANA_MH_K; j++)
		sig[j] = UINT32_MAX;
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].kind != ANA_TOK_WORD && t->v[i].kind != ANA_TOK_NUMBER &&
		    t->v[i].kind != ANA_TOK_HASHTAG)
			continue;
		h[0] = h[1];
		h[1] = h[2];
		h[2] = tok_hash(t, i);
		if (++n < 3)
			continue;
		uint64_t s = mix(h[0] * 3 + mix(h[1] * 5 + mix(h[2])));
		for (int j = 0; j < ANA_MH_K; j++) {
			/* One cheap permutation per slot: mix with a per-slot constant. */
			uint32_t v = (uint32_t)(mix(s ^ (0x9e3779b97f4a7c15ull * (uint64_t)(j + 1))) >> 32);
			if (v < sig[j])
				sig[j] = v;
		}
		shingles++;
	}
	return n >= ANA_MH_MIN_TOKENS && shingles > 0;
}

struct band_entry {
	uint64_t key;
	uint32_t rank; /* position in the deterministic document order */
	uint32_t idx;
};

static int by_band(const void *a, const void *b)
{
	const struct band_entry *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->rank > y->rank) - (x->rank < y->rank);
}

static uint32_t find(uint32_t *parent, uint32_t i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

static int similar(const uint32_t *a, const uint32_t *b)
{
	int same = 0;
	for (int j = 0; j < ANA_MH_K; j++)
		same += a[j] == b[j];
	return same >= ANA_MH_AGREE;
}

int ana_near_dups(uint32_t *const *sigs, size_t n, const uint32_t *rank, uint32_t *root,
		  size_t *merged)
{
	struct band_entry *e = malloc((n ? n : 1) * sizeof(*e));
	const int rows = ANA_MH_K / ANA_MH_BANDS;

	*merged = 0;
	if (!e)
		return CORE_ENOMEM;
	for (size_t i = 0; i < n; i++)
		root[i] = (uint32_t)i;
	for (int b = 0; b < ANA_MH_BANDS; b++) {
		size_t m = 0;
		for (size_t i = 0; i < n; i++) {
			if (!sigs[i])
				continue;
			uint64_t key = (uint64_t)b;
			for (int r = 0; r < rows; r++)
				key = mix(key * 31 + sigs[i][b * rows + r]);
			e[m++] = (struct band_entry){key, rank[i], (uint32_t)i};
		}
		qsort(e, m, sizeof(*e), by_band);
		/* Within a bucket compare with its first member, else with the previous one:
		 * linear in the bucket, and chains still join through the union-find. */
		for (size_t s = 0; s < m;) {
			size_t t = s + 1;
			while (t < m && e[t].key == e[s].key)
				t++;
			for (size_t i = s + 1; i < t; i++) {
				uint32_t x = e[i].idx, y = e[s].idx;
				if (!similar(sigs[x], sigs[y])) {
					y = e[i - 1].idx;
					if (!similar(sigs[x], sigs[y]))
						continue;
				}
				uint32_t rx = find(root, x), ry = find(root, y);
				if (rx == ry)
					continue;
				/* The root is the member first in document order: deterministic. */
				if (rank[rx] < rank[ry])
					root[ry] = rx;
				else
					root[rx] = ry;
				(*merged)++;
			}
			s = t;
		}
	}
	for (size_t i = 0; i < n; i++)
		root[i] = find(root, (uint32_t)i);
	free(e);
	return 0;
}
