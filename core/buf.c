/* buf.c: capped growable buffers and string lists. The cap is how every input-fed
 * buffer refuses to grow without bound: hitting it is an error, never a truncation. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

void core_buf_init(struct core_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max ? max : SIZE_MAX - 1;
}

void core_buf_release(struct core_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

static int grow(struct core_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > b->max || b->len > b->max - extra)
		return CORE_ELIMIT;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (!(p = realloc(b->data, cap)))
		return CORE_ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int core_buf_append(struct core_buf *b, const void *p, size_t n)
{
	int rc = grow(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int core_buf_puts(struct core_buf *b, const char *s)
{
	return core_buf_append(b, s, strlen(s));
}

int core_buf_printf(struct core_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return CORE_ERUNTIME;
	if ((rc = grow(b, (size_t)n)))
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

char *core_buf_take(struct core_buf *b)
{
	char *p = b->data ? b->data : strdup("");
	size_t max = b->max;
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
	return p;
}

int core_strlist_push(struct core_strlist *l, const char *s)
{
	char *copy;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return CORE_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (!(copy = strdup(s)))
		return CORE_ENOMEM;
	l->v[l->n++] = copy;
	return 0;
}

void core_strlist_release(struct core_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int core_strlist_contains(const struct core_strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}
