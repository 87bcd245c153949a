/* text.c: UTF-8 helpers on top of utf8proc (the only module that links it): validation,
 * sanitising, NFC, case folding, and the normalised-content fingerprint that the store
 * uses to recognise the same reaction written with other case, spacing or punctuation. */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "core.h"

int core_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	while (p < end) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k;
		if (*p < 0x80) { /* most text is ASCII: no decoding needed */
			if (*p == 0)
				return 0;
			p++;
			continue;
		}
		k = utf8proc_iterate(p, end - p, &cp);
		if (k <= 0 || cp == 0)
			return 0;
		p += k;
	}
	return 1;
}

char *core_utf8_sanitize(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	struct core_buf b;

	/* Valid text (nearly all of it) is copied in one piece. */
	if (core_utf8_valid(s, n)) {
		char *c = malloc(n + 1);
		if (c) {
			memcpy(c, s, n);
			c[n] = '\0';
		}
		return c;
	}

	core_buf_init(&b, 0);
	if (core_buf_append(&b, "", 0))
		return NULL;
	while (p < end) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k;
		int rc;
		/* A run of ASCII (but NUL) is copied as it is, without decoding. */
		const unsigned char *q = p;
		while (q < end && *q && *q < 0x80)
			q++;
		if (q > p) {
			if (core_buf_append(&b, p, (size_t)(q - p))) {
				core_buf_release(&b);
				return NULL;
			}
			p = q;
			continue;
		}
		k = utf8proc_iterate(p, end - p, &cp);
		if (k <= 0) {
			rc = core_buf_append(&b, "\xEF\xBF\xBD", 3);
			k = 1;
		} else if (cp == 0) {
			rc = 0;
		} else {
			rc = core_buf_append(&b, p, (size_t)k);
		}
		if (rc) {
			core_buf_release(&b);
			return NULL;
		}
		p += k;
	}
	return core_buf_take(&b);
}

static char *map(const char *s, utf8proc_option_t opts)
{
	utf8proc_uint8_t *out = NULL;
	if (utf8proc_map((const utf8proc_uint8_t *)s, 0, &out, opts | UTF8PROC_NULLTERM) < 0)
		return NULL;
	return (char *)out;
}

char *core_utf8_nfc(const char *s)
{
	return map(s, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
}

/* NFC and case folding leave ASCII as it is but for A-Z, so only the stretches around
 * other characters go through utf8proc. An ASCII character followed by another (or
 * the end) can join no composition: the marks that compose with a letter are never
 * ASCII. So a stretch for utf8proc starts at the ASCII character before a non-ASCII
 * one and ends before an ASCII character followed by ASCII. Most reactions are
 * mostly ASCII; the result is the same as mapping the whole text (unit.core checks). */
char *core_utf8_fold(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	char *out = malloc(n + 1);

	if (!out)
		return NULL;
	size_t o = 0, cap = n + 1;
	while (i < n) {
		if (p[i] < 0x80 && (i + 1 == n || p[i + 1] < 0x80)) {
			out[o++] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
			i++;
			continue;
		}
		size_t j = i + 1;
		while (j < n && !(p[j] < 0x80 && (j + 1 == n || p[j + 1] < 0x80)))
			j++;
		utf8proc_uint8_t *m = NULL;
		utf8proc_ssize_t k = utf8proc_map(p + i, (utf8proc_ssize_t)(j - i), &m,
						  UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
		if (k < 0) {
			free(out);
			return NULL;
		}
		if (o + (size_t)k + (n - j) + 1 > cap) {
			cap = o + (size_t)k + (n - j) + 1 + cap / 2;
			char *grown = realloc(out, cap);
			if (!grown) {
				free(m);
				free(out);
				return NULL;
			}
			out = grown;
		}
		memcpy(out + o, m, (size_t)k);
		o += (size_t)k;
		free(m);
		i = j;
	}
	out[o] = '\0';
	return out;
}

char *core_text_squeeze(char *s)
{
	char *w = s;
	int space = 0;

	for (char *r = s; *r; r++) {
		if (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r' || *r == '\f' ||
		    *r == '\v') {
			space = w != s;
			continue;
		}
		if (space)
			*w++ = ' ';
		space = 0;
		*w++ = *r;
	}
	*w = '\0';
	return s;
}

uint64_t core_hash64(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	/* FNV alone mixes the last bytes poorly; finish with the splitmix64 avalanche. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

static inline uint64_t fnv_byte(uint64_t h, unsigned char b)
{
	return (h ^ b) * 0x100000001b3ULL;
}

void core_text_fingerprint(const char *text, char out[17])
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	uint64_t h = 0xcbf29ce484222325ULL;
	int pending_space = 0, any = 0;

	/* Letters and digits only, case folded and canonically decomposed, one space between
	 * words: texts that differ in case, punctuation, spacing or in composed versus
	 * decomposed accents get the same fingerprint. ASCII is folded inline; only other
	 * code points go through utf8proc, one at a time, so there is no allocation. */
	while (*p) {
		if (*p < 0x80) {
			unsigned char c = *p++;
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')) {
				if (pending_space && any)
					h = fnv_byte(h, ' ');
				h = fnv_byte(h, (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
				pending_space = 0;
				any = 1;
			} else {
				pending_space = 1;
			}
			continue;
		}
		utf8proc_int32_t cp, parts[16];
		utf8proc_ssize_t k = utf8proc_iterate(p, -1, &cp), n;
		if (k <= 0) {
			p++;
			pending_space = 1;
			continue;
		}
		p += k;
		n = utf8proc_decompose_char(cp, parts, 16, UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD,
					    NULL);
		for (utf8proc_ssize_t i = 0; i < n && i < 16; i++) {
			utf8proc_category_t cat = utf8proc_category(parts[i]);
			int letter = (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
				     (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO);
			int mark = cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME;
			if (!letter && !(mark && any && !pending_space)) {
				pending_space = 1;
				continue;
			}
			unsigned char enc[4];
			utf8proc_ssize_t m = utf8proc_encode_char(parts[i], enc);
			if (pending_space && any)
				h = fnv_byte(h, ' ');
			for (utf8proc_ssize_t j = 0; j < m; j++)
				h = fnv_byte(h, enc[j]);
			pending_space = 0;
			any = 1;
		}
	}
	h = core_hash64(&h, sizeof(h), 0);
	for (int i = 15; i >= 0; i--, h >>= 4)
		out[i] = hex[h & 15];
	out[16] = '\0';
}
