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

/* One permutation per slot: multiply-add-shift (a odd) of the shingle's 64-bit hash,
 * whose bits are already mixed. Two operations a slot instead of a full mix. */
static const uint64_t perm[][2] = {
	{0x910a2dec89025cc1ull, 0x975835de1c9756ceull},
	{0x1d0b14e4db018fedull, 0x6e73e372e2338acaull},
	{0x63033b0ca389c35bull, 0xbd64a5d9adefe000ull},
	{0x63cbe1e459320dd7ull, 0x9e5651b0ef953636ull},
	{0xaeaf52febe706065ull, 0x088712be8a582fcaull},
	{0x50f5647d2380309dull, 0x943ff9fc99de8f03ull},
	{0xc4ca37b7f8ad8affull, 0x6aa9d61435dbe63eull},
	{0x875b9307abf55005ull, 0x5de186dcba779207ull},
	{0x808475f02ee37363ull, 0x1120b3d00955f032ull},
	{0xbc4075f2ef431a45ull, 0x362259904816818cull},
	{0x06ca0a95b7e825c7ull, 0xc80de0f9d4d60e0aull},
	{0xe8d7da001b0181d7ull, 0xaac8c00000a81e44ull},
	{0xa208c12cf0c7b709ull, 0xc3b7f4e80f554ddaull},
	{0x974e35325981068bull, 0x905c768ad49f146cull},
	{0xbb7b49ab8801cf71ull, 0xa8ee577af2720dceull},
	{0xd7599677879feaebull, 0xeaeb7f27b54e2401ull},
	{0x2c0e0fedbe2218a9ull, 0x89242d2dd9d4a40dull},
	{0x4d5cb825dfaab05bull, 0xe9b316290724ba1bull},
	{0xc7ab56057c8da907ull, 0xeb01cfaf16b47eb0ull},
	{0xce6a57a6e3ccdeedull, 0x369eae0b0ca19112ull},
	{0x118e846ea93bc949ull, 0xbdd732262feb6e95ull},
	{0xba69ec90eb4fef89ull, 0xfb452912299a5453ull},
	{0xf7e9f3f88cc04ad7ull, 0xbaee56f32e223007ull},
	{0x7bb3c45c597cdb85ull, 0x040a2076f607ff23ull},
	{0x1c4a97a6edc2a959ull, 0xbb0802c412d354cbull},
	{0x5ddad83b4e874069ull, 0xf9b44ecd07b4404aull},
	{0xc85e84f460206f77ull, 0xbc46b610e9d3f375ull},
	{0x6e1351b2349f331dull, 0x9d189ecfff7b2147ull},
	{0x36057413850f2a31ull, 0x7daf7bd7b0085fd2ull},
	{0x9691c38b30d2b83dull, 0xbb0af0f391997767ull},
	{0x417ffd1301eaa631ull, 0x322f69afa8a70beaull},
	{0x8c741196acc47e35ull, 0xd6967248fbe68cc3ull},
};
_Static_assert(sizeof(perm) / sizeof(*perm) == ANA_MH_K, "one permutation per MinHash slot");

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
			uint32_t v = (uint32_t)((s * perm[j][0] + perm[j][1]) >> 32);
			if (v < sig[j])
				sig[j] = v;
		}
		shingles++;
	}
	return n >= ANA_MH_MIN_TOKENS && shingles > 0;
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

/* The bands of one thread: for each band, the signatures in rank order fall into
 * buckets by their band key (an open-addressing table of key, first and last member);
 * a newcomer is compared with its bucket's first member, else with the last one, and
 * each similar pair is kept for the union below. Which pairs are found depends only on
 * the ranks, not on the thread or the band order. */
struct band_job {
	uint32_t *const *sigs;
	const uint32_t *by_rank; /* signature index per rank */
	size_t n;
	int band0, step;         /* bands band0, band0 + step, ... */
	uint32_t (*pair)[2];     /* found pairs (grows) */
	size_t n_pair, cap_pair;
	int rc;
};

struct bucket {
	uint64_t key;
	uint32_t first, last;    /* signature indexes; first == UINT32_MAX: empty */
};

static void *band_range(void *arg)
{
	struct band_job *j = arg;
	const int rows = ANA_MH_K / ANA_MH_BANDS;
	size_t cap = 16;
	while (cap < 2 * j->n)
		cap *= 2;
	struct bucket *tab = malloc(cap * sizeof(*tab));
	uint32_t *used = malloc((j->n ? j->n : 1) * sizeof(*used)); /* buckets to empty */
	size_t n_used = 0;

	j->rc = CORE_ENOMEM;
	if (!tab || !used)
		goto out;
	for (size_t i = 0; i < cap; i++)
		tab[i].first = UINT32_MAX;
	for (int b = j->band0; b < ANA_MH_BANDS; b += j->step) {
		while (n_used)
			tab[used[--n_used]].first = UINT32_MAX;
		for (size_t r = 0; r < j->n; r++) {
			uint32_t x = j->by_rank[r];
			const uint32_t *sx = j->sigs[x];
			if (!sx)
				continue;
			uint64_t key = (uint64_t)b;
			for (int q = 0; q < rows; q++)
				key = mix(key * 31 + sx[b * rows + q]);
			size_t h = (size_t)key & (cap - 1);
			while (tab[h].first != UINT32_MAX && tab[h].key != key)
				h = (h + 1) & (cap - 1);
			struct bucket *bk = &tab[h];
			if (bk->first == UINT32_MAX) {
				*bk = (struct bucket){key, x, x};
				used[n_used++] = (uint32_t)h;
				continue;
			}
			uint32_t y = bk->first;
			if (!similar(sx, j->sigs[y]))
				y = similar(sx, j->sigs[bk->last]) ? bk->last : UINT32_MAX;
			bk->last = x;
			if (y == UINT32_MAX)
				continue;
			if (j->n_pair == j->cap_pair) {
				size_t c = j->cap_pair ? 2 * j->cap_pair : 1024;
				void *grown = realloc(j->pair, c * sizeof(*j->pair));
				if (!grown)
					goto out;
				j->pair = grown;
				j->cap_pair = c;
			}
			j->pair[j->n_pair][0] = x;
			j->pair[j->n_pair++][1] = y;
		}
	}
	j->rc = 0;
out:
	free(tab);
	free(used);
	return NULL;
}

int ana_near_dups(uint32_t *const *sigs, size_t n, const uint32_t *rank, uint32_t *root,
		  size_t *merged)
{
	uint32_t *by_rank = malloc((n ? n : 1) * sizeof(*by_rank));
	struct band_job j[2];
	int rc = CORE_ENOMEM;

	*merged = 0;
	if (!by_rank)
		return CORE_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		root[i] = (uint32_t)i;
		by_rank[rank[i]] = (uint32_t)i;
	}
	for (int h = 0; h < 2; h++)
		j[h] = (struct band_job){sigs, by_rank, n, h, 2, NULL, 0, 0, 0};
	ana_two_halves(band_range, &j[0], &j[1], n > 10000);
	if (j[0].rc || j[1].rc)
		goto out;
	/* The root of a group is its member first in rank order, whatever order the
	 * pairs join in. */
	for (int h = 0; h < 2; h++)
		for (size_t p = 0; p < j[h].n_pair; p++) {
			uint32_t rx = find(root, j[h].pair[p][0]), ry = find(root, j[h].pair[p][1]);
			if (rx == ry)
				continue;
			if (rank[rx] < rank[ry])
				root[ry] = rx;
			else
				root[rx] = ry;
			(*merged)++;
		}
	for (size_t i = 0; i < n; i++)
		root[i] = find(root, (uint32_t)i);
	rc = 0;
out:
	free(j[0].pair);
	free(j[1].pair);
	free(by_rank);
	return rc;
}
