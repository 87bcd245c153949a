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

/* One permutation per slot: multiply-add-shift of the shingle's hash (folded to 32
 * bits; its bits are mixed already) with fixed 64-bit constants, a = hi:lo odd, in
 * 32-bit pieces so the 32 slots go through vector units. */
static const uint32_t perm_lo[] = {
	0x89025cc1u,
	0xe2338acbu,
	0x59320dd7u,
	0x8a582fcbu,
	0xf8ad8affu,
	0xba779207u,
	0xef431a45u,
	0xd4d60e0bu,
	0xf0c7b709u,
	0xd49f146du,
	0x879feaebu,
	0xd9d4a40du,
	0x7c8da907u,
	0x0ca19113u,
	0xeb4fef89u,
	0x2e223007u,
	0xedc2a959u,
	0x07b4404bu,
	0x349f331du,
	0xb0085fd3u,
	0x01eaa631u,
	0xfbe68cc3u,
	0x75ad84c5u,
	0x3343cb0fu,
	0x50439a4bu,
	0xd870dbb3u,
	0x3eda4f23u,
	0x88454a0du,
	0x300518f9u,
	0x1af7f223u,
	0x4c69f9d3u,
	0xf98bf127u,
};
static const uint32_t perm_hi[] = {
	0x975835deu,
	0x63033b0cu,
	0x9e5651b0u,
	0x50f5647du,
	0x6aa9d614u,
	0x808475f0u,
	0x36225990u,
	0xe8d7da00u,
	0xc3b7f4e8u,
	0xbb7b49abu,
	0xeaeb7f27u,
	0x4d5cb825u,
	0xeb01cfafu,
	0x118e846eu,
	0xfb452912u,
	0x7bb3c45cu,
	0xbb0802c4u,
	0xc85e84f4u,
	0x9d189ecfu,
	0x9691c38bu,
	0x322f69afu,
	0x3706970bu,
	0x051c9d6du,
	0xd0b1b125u,
	0x49f64e7au,
	0x6258cbe0u,
	0xbd9e8145u,
	0x0981d32au,
	0xd34711b5u,
	0xd0f82525u,
	0x9d589011u,
	0xfb761138u,
};
static const uint64_t perm_b[] = {
	0x1d0b14e4db018fedull,
	0xbd64a5d9adefe000ull,
	0xaeaf52febe706064ull,
	0x943ff9fc99de8f03ull,
	0x875b9307abf55005ull,
	0x1120b3d00955f032ull,
	0x06ca0a95b7e825c7ull,
	0xaac8c00000a81e44ull,
	0x974e35325981068aull,
	0xa8ee577af2720dceull,
	0x2c0e0fedbe2218a8ull,
	0xe9b316290724ba1bull,
	0xce6a57a6e3ccdeecull,
	0xbdd732262feb6e95ull,
	0xf7e9f3f88cc04ad6ull,
	0x040a2076f607ff23ull,
	0x5ddad83b4e874068ull,
	0xbc46b610e9d3f375ull,
	0x36057413850f2a31ull,
	0xbb0af0f391997767ull,
	0x8c741196acc47e35ull,
	0x2c1c719d2c17b759ull,
	0x5351ebfc8b302867ull,
	0x8e64bfa85c308c9aull,
	0x8b425770edf587a4ull,
	0x5709ba31dfe2649cull,
	0x9192105c8367ccf5ull,
	0xcf64624732260342ull,
	0xf4c4962e561469c2ull,
	0xef96e022e649cec6ull,
	0xfb43e48309ca2db7ull,
	0x6232969000262121ull,
};
_Static_assert(sizeof(perm_lo) / sizeof(*perm_lo) == ANA_MH_K, "one permutation per slot");

/* Built for AVX2 and for any x86-64 (util.h); integers, the same either way. */
ANA_SIMD_CLONES
static void slots_min(uint32_t *restrict sig, uint32_t x)
{
	for (int j = 0; j < ANA_MH_K; j++) {
		uint64_t p = (uint64_t)perm_lo[j] * x + ((uint64_t)(perm_hi[j] * x) << 32) + perm_b[j];
		uint32_t v = (uint32_t)(p >> 32);
		sig[j] = v < sig[j] ? v : sig[j];
	}
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
		slots_min(sig, (uint32_t)(s ^ (s >> 32)));
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

/* A signature's key in band b (0 for no signature: never looked up). */
static uint64_t band_key(const uint32_t *sx, int b, int rows)
{
	uint64_t key = (uint64_t)b;

	if (!sx)
		return 0;
	for (int q = 0; q < rows; q++)
		key = mix(key * 31 + sx[b * rows + q]);
	return key;
}

#define AHEAD 8 /* ranks fetched ahead in band_range */

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
		/* Ranks visit signatures and buckets in no memory order: each is fetched
		 * ahead (the pointer three steps of AHEAD early, the signature two, the
		 * bucket of a key computed one step early), so the misses overlap. */
		uint64_t keys[2 * AHEAD];
		while (n_used)
			tab[used[--n_used]].first = UINT32_MAX;
		for (size_t r = 0; r < AHEAD && r < j->n; r++)
			keys[r % (2 * AHEAD)] = band_key(j->sigs[j->by_rank[r]], b, rows);
		for (size_t r = 0; r < j->n; r++) {
			if (r + 3 * AHEAD < j->n)
				__builtin_prefetch(&j->sigs[j->by_rank[r + 3 * AHEAD]]);
			if (r + 2 * AHEAD < j->n && j->sigs[j->by_rank[r + 2 * AHEAD]])
				__builtin_prefetch(j->sigs[j->by_rank[r + 2 * AHEAD]] + b * rows);
			if (r + AHEAD < j->n) {
				uint64_t ka = band_key(j->sigs[j->by_rank[r + AHEAD]], b, rows);
				keys[(r + AHEAD) % (2 * AHEAD)] = ka;
				__builtin_prefetch(&tab[(size_t)ka & (cap - 1)]);
			}
			uint32_t x = j->by_rank[r];
			const uint32_t *sx = j->sigs[x];
			if (!sx)
				continue;
			uint64_t key = keys[r % (2 * AHEAD)];
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
