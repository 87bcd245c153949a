/* util.h: private building blocks of the analyzer: a bump arena (so hot loops do not
 * malloc per token or per item), a string interner (string -> dense id, the backbone
 * of stem caches and vocabularies), a seeded PRNG and small JSON/timing helpers. */
#ifndef INSPRAAK_ANA_UTIL_H
#define INSPRAAK_ANA_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

/* ---- FNV-1a: the interner's hash, the stance classifier's features and folds */
#define ANA_FNV_SEED 2166136261u
/* FNV-1a over n bytes, continuing from h (ANA_FNV_SEED to start). */
static inline uint32_t ana_fnv1a(uint32_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

/* ---- arena: memory freed all at once by ana_arena_release */
struct ana_arena_chunk;
struct ana_arena {
	struct ana_arena_chunk *head;
	size_t total; /* bytes handed out, for reports */
};
/* Aligned (16) block of n bytes, NULL on no memory. Lives until ana_arena_release. */
void *ana_arena_alloc(struct ana_arena *a, size_t n);
char *ana_arena_strndup(struct ana_arena *a, const char *s, size_t n);
void ana_arena_release(struct ana_arena *a);

/* ---- interner: distinct strings get ids 0, 1, 2... in order of first insertion */
#define ANA_NOID UINT32_MAX
struct ana_intern {
	uint64_t *slots;  /* open addressing: hash << 32 | (id + 1), 0 = empty */
	size_t n_slots;   /* power of two */
	char *chars;      /* all strings, each NUL-terminated */
	size_t chars_len, chars_cap;
	uint64_t *off;    /* per id: offset into chars */
	uint32_t n, cap;  /* ids in use */
};
void ana_intern_init(struct ana_intern *in);
void ana_intern_release(struct ana_intern *in);
/* Id of s[0..len), inserting it when new (*is_new set when not NULL). ANA_NOID on no
 * memory. Pointers from ana_intern_str stay valid only until the next put. */
uint32_t ana_intern_put(struct ana_intern *in, const char *s, size_t len, int *is_new);
/* Id of s[0..len) or ANA_NOID when absent. */
uint32_t ana_intern_get(const struct ana_intern *in, const char *s, size_t len);
/* The same with the hash of s[0..len) (ana_intern_hash) computed once by the caller,
 * for a word looked up in several interns. */
uint32_t ana_intern_hash(const char *s, size_t len);
uint32_t ana_intern_get_h(const struct ana_intern *in, const char *s, size_t len, uint32_t h);
static inline const char *ana_intern_str(const struct ana_intern *in, uint32_t id)
{
	return in->chars + in->off[id];
}

/* ---- 64-bit keys to dense ids (0, 1, ... in order of first put): open addressing,
 * one probe a lookup where the string interner takes four dependent loads. */
struct ana_idmap {
	uint64_t *key;    /* per slot */
	uint32_t *slot;   /* per slot: id + 1, 0 = empty */
	uint64_t *of_id;  /* per id: its key */
	size_t cap, n, id_cap;
};
/* Id of key, a new one (*is_new set) when absent; ANA_NOID on no memory. */
uint32_t ana_idmap_put(struct ana_idmap *m, uint64_t key, int *is_new);
void ana_idmap_release(struct ana_idmap *m);

/* ---- hot loops built twice, for AVX2 (chosen at load time where the processor has
 * it) and for any x86-64. Without FMA and with ISO C's -ffp-contract=off, the wider
 * registers do the same per-lane float arithmetic in the same order: the results are
 * bit for bit the same on either path. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ANA_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define ANA_SIMD_CLONES
#endif

/* ---- two halves of a job: fn(second) on a thread of its own when threaded (and one
 * can be had; else after fn(first) on this one), fn(first) here. Results must not
 * depend on which thread ran a half. */
void ana_two_halves(void *(*fn)(void *), void *first, void *second, int threaded);

/* ---- PRNG: xoshiro256** seeded through splitmix64; same seed, same sequence */
struct ana_rng {
	uint64_t s[4];
};
void ana_rng_seed(struct ana_rng *r, uint64_t seed);
uint64_t ana_rng_next(struct ana_rng *r);
double ana_rng_double(struct ana_rng *r); /* [0, 1) */

/* ---- helpers */
/* Appends s as a JSON string literal (quotes included) to b. */
int ana_json_str(struct core_buf *b, const char *s);
double ana_now(void); /* monotonic seconds */
/* Sorts v ascending: insertion sort for the few ids of one reaction (a million qsort
 * calls cost more than their sorting), qsort for more. */
void ana_sort_u32(uint32_t *v, size_t n);
/* Grows *v (elements of size sz) so that it holds at least need; 0 or CORE_ENOMEM. */
int ana_grow(void **v, size_t *cap, size_t need, size_t sz);

#endif
