/* util.c: arena, string interner, PRNG and JSON helpers for the analyzer (see util.h).
 * The interner keeps all strings in one growing buffer and ids in an open-addressing
 * table, so a million distinct words cost a few allocations, not a million. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

/* ---------------------------------------------------------------- arena */

struct ana_arena_chunk {
	struct ana_arena_chunk *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

#define ARENA_CHUNK (1u << 20)

void *ana_arena_alloc(struct ana_arena *a, size_t n)
{
	struct ana_arena_chunk *c = a->head;

	n = (n + 15) & ~(size_t)15;
	if (!c || c->size - c->used < n) {
		size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->used = 0;
		c->size = size;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += n;
	a->total += n;
	return p;
}

char *ana_arena_strndup(struct ana_arena *a, const char *s, size_t n)
{
	char *p = ana_arena_alloc(a, n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

void ana_arena_release(struct ana_arena *a)
{
	struct ana_arena_chunk *c = a->head;

	while (c) {
		struct ana_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->total = 0;
}

/* ---------------------------------------------------------------- interner */

static uint32_t str_hash(const char *s, size_t len)
{
	/* FNV-1a: fast on short words, which is all we intern. */
	return ana_fnv1a(ANA_FNV_SEED, s, len);
}

void ana_intern_init(struct ana_intern *in)
{
	memset(in, 0, sizeof(*in));
}

void ana_intern_release(struct ana_intern *in)
{
	free(in->slots);
	free(in->chars);
	free(in->off);
	memset(in, 0, sizeof(*in));
}

/* A slot holds the hash beside the id, so a probe that meets another word's slot
 * reads nothing else, and a lookup goes to the strings only for its own hash. */
static uint32_t lookup(const struct ana_intern *in, const char *s, size_t len, uint32_t h,
		       size_t *slot)
{
	size_t mask = in->n_slots - 1;
	size_t i = h & mask;
	uint64_t want = (uint64_t)h << 32;

	for (;;) {
		uint64_t v = in->slots[i];
		if (v == 0) {
			*slot = i;
			return ANA_NOID;
		}
		if ((v & 0xffffffff00000000u) == want) {
			uint32_t id = (uint32_t)v - 1;
			const char *t = in->chars + in->off[id];
			if (strncmp(t, s, len) == 0 && t[len] == '\0')
				return id;
		}
		i = (i + 1) & mask;
	}
}

static int rehash(struct ana_intern *in, size_t n_slots)
{
	uint64_t *slots = calloc(n_slots, sizeof(*slots));

	if (!slots)
		return CORE_ENOMEM;
	for (size_t o = 0; o < in->n_slots; o++) {
		uint64_t v = in->slots[o];
		if (!v)
			continue;
		size_t i = (v >> 32) & (n_slots - 1);
		while (slots[i])
			i = (i + 1) & (n_slots - 1);
		slots[i] = v;
	}
	free(in->slots);
	in->slots = slots;
	in->n_slots = n_slots;
	return 0;
}

uint32_t ana_intern_hash(const char *s, size_t len)
{
	return str_hash(s, len);
}

uint32_t ana_intern_get_h(const struct ana_intern *in, const char *s, size_t len, uint32_t h)
{
	size_t slot;

	if (!in->n_slots)
		return ANA_NOID;
	return lookup(in, s, len, h, &slot);
}

uint32_t ana_intern_get(const struct ana_intern *in, const char *s, size_t len)
{
	return ana_intern_get_h(in, s, len, str_hash(s, len));
}

uint32_t ana_intern_put(struct ana_intern *in, const char *s, size_t len, int *is_new)
{
	uint32_t h = str_hash(s, len);
	size_t slot = 0;

	if (is_new)
		*is_new = 0;
	if (!in->n_slots && rehash(in, 1024) != 0)
		return ANA_NOID;
	uint32_t id = lookup(in, s, len, h, &slot);
	if (id != ANA_NOID)
		return id;
	if (in->n == ANA_NOID - 1)
		return ANA_NOID;
	if ((size_t)(in->n + 1) * 2 > in->n_slots) {
		if (rehash(in, in->n_slots * 2) != 0)
			return ANA_NOID;
		lookup(in, s, len, h, &slot);
	}
	if (in->n == in->cap) {
		size_t cap = in->cap;
		void *off = in->off;
		if (ana_grow(&off, &cap, (size_t)in->n + 1, sizeof(uint64_t)) != 0)
			return ANA_NOID;
		in->off = off;
		in->cap = (uint32_t)cap;
	}
	if (in->chars_len + len + 1 > in->chars_cap) {
		void *chars = in->chars;
		if (ana_grow(&chars, &in->chars_cap, in->chars_len + len + 1, 1) != 0)
			return ANA_NOID;
		in->chars = chars;
	}
	memcpy(in->chars + in->chars_len, s, len);
	in->chars[in->chars_len + len] = '\0';
	id = in->n++;
	in->off[id] = in->chars_len;
	in->chars_len += len + 1;
	in->slots[slot] = (uint64_t)h << 32 | (uint64_t)(id + 1);
	if (is_new)
		*is_new = 1;
	return id;
}

/* ---------------------------------------------------------------- PRNG */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void ana_rng_seed(struct ana_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t ana_rng_next(struct ana_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double ana_rng_double(struct ana_rng *r)
{
	return (double)(ana_rng_next(r) >> 11) * 0x1.0p-53;
}

/* ---------------------------------------------------------------- helpers */

int ana_json_str(struct core_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	int rc = core_buf_append(b, "\"", 1);

	for (const unsigned char *p = (const unsigned char *)s; rc == 0 && *p; p++) {
		if (*p == '"' || *p == '\\') {
			char e[2] = {'\\', (char)*p};
			rc = core_buf_append(b, e, 2);
		} else if (*p < 0x20) {
			char e[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
			rc = core_buf_append(b, e, 6);
		} else {
			rc = core_buf_append(b, p, 1);
		}
	}
	return rc ? rc : core_buf_append(b, "\"", 1);
}

double ana_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

void ana_sort_u32(uint32_t *v, size_t n)
{
	if (n > 32) {
		qsort(v, n, sizeof(*v), cmp_u32);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		uint32_t x = v[i];
		size_t j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

int ana_grow(void **v, size_t *cap, size_t need, size_t sz)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 16;
	while (n < need) {
		if (n > SIZE_MAX / 2 / sz)
			return CORE_ENOMEM;
		n *= 2;
	}
	void *p = realloc(*v, n * sz);
	if (!p)
		return CORE_ENOMEM;
	*v = p;
	*cap = n;
	return 0;
}

void ana_two_halves(void *(*fn)(void *), void *first, void *second, int threaded)
{
	pthread_t th;

	threaded = threaded && pthread_create(&th, NULL, fn, second) == 0;
	fn(first);
	if (threaded)
		pthread_join(th, NULL);
	else
		fn(second);
}

static size_t idmap_hash(uint64_t k)
{
	k ^= k >> 30;
	k *= 0xbf58476d1ce4e5b9ull;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebull;
	return (size_t)(k ^ (k >> 31));
}

static int idmap_grow(struct ana_idmap *m)
{
	size_t cap = m->cap ? 2 * m->cap : 1024;
	uint64_t *key = malloc(cap * sizeof(*key));
	uint32_t *slot = calloc(cap, sizeof(*slot));

	if (!key || !slot) {
		free(key);
		free(slot);
		return CORE_ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slot[i])
			continue;
		size_t h = idmap_hash(m->key[i]) & (cap - 1);
		while (slot[h])
			h = (h + 1) & (cap - 1);
		key[h] = m->key[i];
		slot[h] = m->slot[i];
	}
	free(m->key);
	free(m->slot);
	m->key = key;
	m->slot = slot;
	m->cap = cap;
	return 0;
}

uint32_t ana_idmap_put(struct ana_idmap *m, uint64_t key, int *is_new)
{
	if (is_new)
		*is_new = 0;
	if ((2 * (m->n + 1) > m->cap && idmap_grow(m) != 0) || m->n >= ANA_NOID - 1)
		return ANA_NOID;
	size_t h = idmap_hash(key) & (m->cap - 1);
	while (m->slot[h]) {
		if (m->key[h] == key)
			return m->slot[h] - 1;
		h = (h + 1) & (m->cap - 1);
	}
	void *v = m->of_id;
	if (ana_grow(&v, &m->id_cap, m->n + 1, sizeof(*m->of_id)) != 0)
		return ANA_NOID;
	m->of_id = v;
	m->of_id[m->n] = key;
	m->key[h] = key;
	m->slot[h] = (uint32_t)++m->n;
	if (is_new)
		*is_new = 1;
	return (uint32_t)(m->n - 1);
}

void ana_idmap_release(struct ana_idmap *m)
{
	free(m->key);
	free(m->slot);
	free(m->of_id);
	memset(m, 0, sizeof(*m));
}
