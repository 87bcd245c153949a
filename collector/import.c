/* import.c: imports form-tool exports (CSV via libcsv, a JSON array or JSONL via jansson)
 * into the store as items of one source of type "import". Files are read in chunks,
 * decoded to UTF-8 (windows-1252 on request), and every row is validated on its own:
 * a bad row is rejected with its number, the rest goes in one transaction. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <csv.h>
#include <jansson.h>

#include "collector.h"

/* Caps: every buffer fed by the file has one; hitting it is an error or a reject. */
#define IMPORT_MAX_FILE ((uint64_t)2 << 30)      /* 2 GiB */
#define IMPORT_MAX_JSON ((size_t)256 << 20)      /* a JSON array is loaded whole */
#define IMPORT_MAX_LINE ((size_t)1 << 20)        /* one JSONL line */
#define IMPORT_MAX_FIELD ((size_t)2 << 20)       /* libcsv's field buffer */
#define IMPORT_MAX_ROW ((size_t)16 << 20)        /* all fields of one CSV record */
#define IMPORT_MAX_COLUMNS 10000
#define IMPORT_MAX_TEXT 100000                   /* bytes of text after trimming */
#define IMPORT_MAX_ROWS ((size_t)10000000)       /* rows per file (id bookkeeping) */
#define IMPORT_MAX_REJECTS 1000                  /* reasons kept; all are counted */
#define IMPORT_CHUNK 65536

enum role { R_TEXT, R_ID, R_TIME, R_AUTHOR, R_AMBITION, R_STANCE, R_GROUP, R_LANG, N_ROLES };

static const char *const role_default[N_ROLES] = {
	"text", "id", "time", "author", "ambition", "stance", "group", "lang",
};

/* One value of a row: bytes (not necessarily NUL-terminated), absent when !present. */
struct val {
	const char *s;
	size_t n;
	int present;
};

/* A cfg ambition prepared for matching: titles NFC + case folded + squeezed. */
struct amb {
	const char *code;
	char *title, *title_en;
};

/* Open-addressing table of 64-bit keys, for ids seen in this file. */
struct seen_slot {
	uint64_t key;
	uint64_t fp;  /* fingerprint of the text, for ids from the id column */
	size_t n;     /* first row (id column) or occurrences (content ids) */
};
struct seen {
	struct seen_slot *v;
	size_t cap, used;
};

struct imp {
	struct core_db *db;
	const struct col_import_opts *opts;
	uint64_t file_size;      /* for progress reports */
	struct col_import_report *rep;
	struct core_err *err;
	const char *path;
	const char *names[N_ROLES];
	int explicit_col[N_ROLES];
	int64_t source_id;
	char *source;
	char now[21];
	int cp1252;
	struct amb *ambs;
	size_t n_ambs;
	struct seen ids, texts;
	/* JSON: which keys were found in any object, and the keys of the first one. */
	int key_seen[N_ROLES];
	size_t objects;
	struct core_buf first_keys;
};

/* ---------------------------------------------------------------- small helpers */

int col_lang_code_valid(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && isalpha((unsigned char)s[i]))
		i++;
	if (i < 2 || i > 3)
		return 0;
	if (i == n)
		return 1;
	if (s[i] != '-' && s[i] != '_')
		return 0;
	size_t j = ++i;
	while (i < n && isalnum((unsigned char)s[i]))
		i++;
	return i == n && i - j >= 1 && i - j <= 8;
}

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static void trim(const char **s, size_t *n)
{
	while (*n > 0 && is_ws((unsigned char)(*s)[0])) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_ws((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* A short, printable, valid-UTF-8 copy of s for messages: at most 40 bytes, cut on a
 * character boundary, control characters shown as spaces. */
static void clip(const char *s, size_t n, char out[64])
{
	size_t i = 0, o = 0;

	while (i < n && o < 40) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
			: (c & 0xF8) == 0xF0 ? 4 : 0;
		if (len == 0 || i + len > n || !core_utf8_valid(s + i, len)) {
			out[o++] = '?';
			i++;
			continue;
		}
		if (o + len > 40)
			break;
		if (len == 1 && (c < 0x20 || c == 0x7f)) {
			out[o++] = ' ';
		} else {
			memcpy(out + o, s + i, len);
			o += len;
		}
		i += len;
	}
	if (i < n && o + 3 < 64) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* Column and key names match case-insensitively (Unicode case folding when either
 * side is not plain ASCII) after trimming. */
static int name_eq(const char *a, size_t an, const char *b)
{
	size_t bn = strlen(b);
	int ascii = 1, eq = 0;
	char *ca = NULL, *fa = NULL, *fb = NULL;

	trim(&a, &an);
	for (size_t i = 0; i < an; i++)
		if ((unsigned char)a[i] >= 0x80)
			ascii = 0;
	for (size_t i = 0; i < bn; i++)
		if ((unsigned char)b[i] >= 0x80)
			ascii = 0;
	if (ascii)
		return an == bn && strncasecmp(a, b, an) == 0;
	ca = core_strndup(a, an);
	if (ca && core_utf8_valid(ca, an) && core_utf8_valid(b, bn)) {
		fa = core_utf8_fold(ca);
		fb = core_utf8_fold(b);
		eq = fa && fb && strcmp(fa, fb) == 0;
	}
	free(ca);
	free(fa);
	free(fb);
	return eq;
}

static void reject(struct imp *im, size_t row, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Counts every rejected row; keeps the reason (without the "row N: " prefix, which
 * the caller adds from .row) for the first IMPORT_MAX_REJECTS. */
static void reject(struct imp *im, size_t row, const char *fmt, ...)
{
	struct col_import_report *rep = im->rep;
	va_list ap;

	rep->rejected++;
	if (rep->n_rejects >= IMPORT_MAX_REJECTS)
		return;
	if (!rep->rejects) {
		rep->rejects = calloc(IMPORT_MAX_REJECTS, sizeof *rep->rejects);
		if (!rep->rejects)
			return; /* the count above still tells the user */
	}
	struct col_reject *r = &rep->rejects[rep->n_rejects++];
	r->row = row;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof r->reason, fmt, ap);
	va_end(ap);
}

/* Appends ", name" to a list for a message, ending it with ", ..." when it gets long. */
static void list_add(struct core_buf *b, const char *name)
{
	char c1[64];

	if (b->len >= 480) {
		if (b->len < 600 && (b->len < 3 || strcmp(b->data + b->len - 3, "...") != 0))
			core_buf_puts(b, ", ...");
		return;
	}
	clip(name, strlen(name), c1);
	core_buf_printf(b, "%s%s", b->len ? ", " : "", c1);
}

/* ---------------------------------------------------------------- seen-id table */

static uint64_t seen_key(const char *s, size_t n)
{
	uint64_t k = core_hash64(s, n, 0x696d706f7274ULL);
	return k ? k : 1; /* 0 marks an empty slot */
}

/* Returns the slot for key, inserting a zeroed one (n == 0) when absent; NULL when
 * out of memory. */
static struct seen_slot *seen_get(struct seen *t, uint64_t key)
{
	if ((t->used + 1) * 2 > t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 1024;
		struct seen_slot *nv = calloc(ncap, sizeof *nv);
		if (!nv)
			return NULL;
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->v[i].key)
				continue;
			size_t j = t->v[i].key & (ncap - 1);
			while (nv[j].key)
				j = (j + 1) & (ncap - 1);
			nv[j] = t->v[i];
		}
		free(t->v);
		t->v = nv;
		t->cap = ncap;
	}
	size_t j = key & (t->cap - 1);
	while (t->v[j].key && t->v[j].key != key)
		j = (j + 1) & (t->cap - 1);
	if (!t->v[j].key) {
		t->v[j].key = key;
		t->used++;
	}
	return &t->v[j];
}

/* ---------------------------------------------------------------- ambitions */

static char *fold_squeezed(const char *s)
{
	char *f = core_utf8_fold(s);
	return f ? core_text_squeeze(f) : NULL;
}

static int ambs_prepare(struct imp *im, const struct core_config *cfg)
{
	if (!cfg || cfg->n_ambitions == 0)
		return 0;
	im->ambs = calloc(cfg->n_ambitions, sizeof *im->ambs);
	if (!im->ambs)
		return core_err_set(im->err, CORE_ENOMEM, "cannot import '%s': out of memory", im->path);
	im->n_ambs = cfg->n_ambitions;
	for (size_t i = 0; i < cfg->n_ambitions; i++) {
		const struct core_ambition *a = &cfg->ambitions[i];
		im->ambs[i].code = a->code;
		if (a->title)
			im->ambs[i].title = fold_squeezed(a->title);
		if (a->title_en)
			im->ambs[i].title_en = fold_squeezed(a->title_en);
	}
	return 0;
}

/* 1 matched (code in *code, NULL for "general"), 0 unknown. */
static int amb_match(struct imp *im, const char *s, size_t n, const char **code)
{
	char *tok = NULL, *f = NULL;
	int found = 0;

	trim(&s, &n);
	*code = NULL;
	if (n == 0)
		return 1;
	tok = core_strndup(s, n);
	if (!tok)
		return 0;
	if (strcasecmp(tok, "general") == 0 || strcasecmp(tok, "algemeen") == 0) {
		found = 1;
		goto out;
	}
	for (size_t i = 0; i < im->n_ambs; i++) {
		if (im->ambs[i].code && strcasecmp(tok, im->ambs[i].code) == 0) {
			*code = im->ambs[i].code;
			found = 1;
			goto out;
		}
	}
	f = fold_squeezed(tok);
	for (size_t i = 0; f && i < im->n_ambs; i++) {
		if ((im->ambs[i].title && strcmp(f, im->ambs[i].title) == 0) ||
		    (im->ambs[i].title_en && strcmp(f, im->ambs[i].title_en) == 0)) {
			*code = im->ambs[i].code;
			found = 1;
			goto out;
		}
	}
out:
	free(tok);
	free(f);
	return found;
}

/* Reads an ambition value: the whole value as a code or title first (titles may hold
 * commas and spaces), then pieces split on ';' or '|', then ',', then whitespace.
 * 0 ok; -1 unknown (the failing piece in bad/bad_n); CORE_ENOMEM. */
static int amb_parse(struct imp *im, const char *s, size_t n, int level,
		     struct core_strlist *out, const char **bad, size_t *bad_n)
{
	static const char *const seps[] = {";|", ",", " \t\r\n\v\f"};
	const char *code;

	trim(&s, &n);
	if (amb_match(im, s, n, &code)) {
		if (code && !core_strlist_contains(out, code) && core_strlist_push(out, code) != 0)
			return CORE_ENOMEM;
		return 0;
	}
	if (level >= 3) {
		*bad = s;
		*bad_n = n;
		return -1;
	}
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && (s[i] == '\0' || !strchr(seps[level], s[i])))
			continue;
		int rc = amb_parse(im, s + start, i - start, level + 1, out, bad, bad_n);
		if (rc != 0)
			return rc;
		start = i + 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- one row */

static const char *role_name(struct imp *im, enum role r)
{
	return im->names[r];
}

/* *out = trimmed copy of the value, NULL when absent or empty. 0 ok, -1 no memory. */
static int take_trimmed(const struct val *v, char **out)
{
	const char *s = v->s;
	size_t n = v->present ? v->n : 0;

	*out = NULL;
	trim(&s, &n);
	if (n == 0)
		return 0;
	return (*out = core_strndup(s, n)) ? 0 : -1;
}

/* Validates one row and stores it. Returns 0 when stored or rejected, a negative code
 * on a fatal error (database, memory): the import stops then. */
static int import_row(struct imp *im, size_t row, const struct val v[N_ROLES])
{
	struct core_item it;
	struct core_err e2;
	enum core_put put;
	char c1[64], idbuf[64], fp[17];
	const char *s;
	char *tmp = NULL;
	size_t n;
	int rc = 0;

	memset(&it, 0, sizeof it);
	for (int r = 0; r < N_ROLES; r++) {
		if (!v[r].present || core_utf8_valid(v[r].s, v[r].n))
			continue;
		if (memchr(v[r].s, '\0', v[r].n))
			reject(im, row, "NUL byte in column '%s'", role_name(im, r));
		else if (im->cp1252)
			reject(im, row, "invalid UTF-8 in column '%s'", role_name(im, r));
		else
			reject(im, row, "invalid UTF-8 in column '%s'; use --encoding windows-1252?",
			       role_name(im, r));
		goto out;
	}

	s = v[R_TEXT].s;
	n = v[R_TEXT].present ? v[R_TEXT].n : 0;
	trim(&s, &n);
	if (n == 0) {
		reject(im, row, "empty text");
		goto out;
	}
	if (n > IMPORT_MAX_TEXT) {
		reject(im, row, "text is %zu bytes, over the limit of %d", n, IMPORT_MAX_TEXT);
		goto out;
	}
	if (!(it.text = core_strndup(s, n)))
		goto nomem;

	if (take_trimmed(&v[R_STANCE], &tmp) != 0)
		goto nomem;
	if (tmp) {
		it.declared_stance = core_stance_parse(tmp);
		if (it.declared_stance == CORE_STANCE_NONE) {
			clip(tmp, strlen(tmp), c1);
			reject(im, row, "unknown stance '%s' (use steun, bezwaar, neutraal, gemengd "
			       "or support, objection, neutral, mixed)", c1);
			goto out;
		}
		free(tmp);
		tmp = NULL;
	}

	if (take_trimmed(&v[R_TIME], &tmp) != 0)
		goto nomem;
	if (tmp) {
		time_t t;
		if (core_time_parse(tmp, &t) != 0) {
			clip(tmp, strlen(tmp), c1);
			reject(im, row, "cannot read time '%s' (use 2024-03-01, "
			       "2024-03-01T10:00:00Z or 01-03-2024 10:00)", c1);
			goto out;
		}
		if (!(it.published_at = malloc(21)))
			goto nomem;
		core_time_format(t, it.published_at);
	}

	if (v[R_AMBITION].present) {
		const char *bad = NULL;
		size_t bad_n = 0;
		rc = amb_parse(im, v[R_AMBITION].s, v[R_AMBITION].n, 0, &it.declared_ambitions,
			       &bad, &bad_n);
		if (rc == CORE_ENOMEM)
			goto nomem;
		if (rc != 0) {
			struct core_buf known;
			core_buf_init(&known, 200);
			for (size_t i = 0; i < im->n_ambs; i++)
				if (core_buf_printf(&known, "%s%s", i ? ", " : "", im->ambs[i].code) != 0)
					break;
			clip(bad, bad_n, c1);
			reject(im, row, "unknown ambition '%s' (use a code%s%s, a title or 'algemeen')",
			       c1, known.len ? " such as " : "", known.data ? known.data : "");
			core_buf_release(&known);
			rc = 0;
			goto out;
		}
	}

	if (take_trimmed(&v[R_AUTHOR], &it.author) != 0 || take_trimmed(&v[R_GROUP], &it.group) != 0)
		goto nomem;
	for (char *p = it.group; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);

	/* The reaction's language, else the file's (--lang): a short text then keeps it
	 * instead of the analysis's default. */
	if (take_trimmed(&v[R_LANG], &it.lang) != 0)
		goto nomem;
	if (it.lang && !col_lang_code_valid(it.lang, strlen(it.lang))) {
		clip(it.lang, strlen(it.lang), c1);
		reject(im, row, "unknown language '%s' (use a code such as nl, en, de or fr)", c1);
		goto out;
	}
	if (!it.lang && im->opts->lang && *im->opts->lang && !(it.lang = core_strdup(im->opts->lang)))
		goto nomem;
	for (char *p = it.lang; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);

	/* The external id: the id column, else derived from the content. A content id is
	 * "row-hash:" + the text's fingerprint, so importing the same file again adds
	 * nothing even without an id column. Identical texts within one file are counted:
	 * the second becomes "row-hash:<fp>-2" and so on, so a campaign of identical
	 * reactions keeps all its members (and a re-import still matches them one to one). */
	core_text_fingerprint(it.text, fp);
	uint64_t fpv = strtoull(fp, NULL, 16);
	const char *id = v[R_ID].present ? v[R_ID].s : NULL;
	size_t id_n = v[R_ID].present ? v[R_ID].n : 0;
	trim(&id, &id_n);
	if (id_n > 0) {
		if (id_n > 1000) {
			reject(im, row, "id is %zu bytes, over the limit of 1000", id_n);
			goto out;
		}
		struct seen_slot *sl = seen_get(&im->ids, seen_key(id, id_n));
		if (!sl)
			goto nomem;
		if (sl->n && sl->fp != fpv) {
			/* Two different texts under one id would silently overwrite each other. */
			clip(id, id_n, c1);
			reject(im, row, "id '%s' is also used by row %zu, with a different text",
			       c1, sl->n);
			goto out;
		}
		if (!sl->n) {
			sl->n = row;
			sl->fp = fpv;
		}
		if (!(it.external_id = core_strndup(id, id_n)))
			goto nomem;
	} else {
		struct seen_slot *sl = seen_get(&im->texts, fpv ? fpv : 1);
		if (!sl)
			goto nomem;
		sl->n++;
		if (sl->n == 1)
			snprintf(idbuf, sizeof idbuf, "row-hash:%s", fp);
		else
			snprintf(idbuf, sizeof idbuf, "row-hash:%s-%zu", fp, sl->n);
		if (!(it.external_id = core_strdup(idbuf)))
			goto nomem;
	}

	if (!(it.source = core_strdup(im->source)) || !(it.collected_at = core_strdup(im->now)))
		goto nomem;
	memcpy(it.content_hash, fp, sizeof it.content_hash); /* what the store would compute */

	core_err_clear(&e2);
	rc = core_db_item_put(im->db, im->source_id, &it, &put, &e2);
	if (rc != 0) {
		*im->err = e2;
		core_err_prefix(im->err, "cannot import '%s' (row %zu)", im->path, row);
		goto out;
	}
	/* UPDATED (same id, changed text) counts as imported: the store now holds the
	 * file's version. DUPLICATE means nothing was written. */
	if (put == CORE_PUT_DUPLICATE)
		im->rep->duplicates++;
	else
		im->rep->imported++;
	goto out;
nomem:
	rc = core_err_set(im->err, CORE_ENOMEM, "cannot import '%s': out of memory at row %zu",
			  im->path, row);
out:
	free(tmp);
	core_item_release(&it);
	return rc;
}

/* ---------------------------------------------------------------- reading */

/* windows-1252 0x80..0x9F; the five undefined bytes map to C1 controls (as WHATWG). */
static const uint16_t cp1252_hi[32] = {
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

/* out must hold 3 * n bytes; returns the length written. */
static size_t cp1252_to_utf8(const unsigned char *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned c = in[i];
		if (c >= 0x80 && c < 0xA0)
			c = cp1252_hi[c - 0x80];
		if (c < 0x80) {
			out[o++] = (char)c;
		} else if (c < 0x800) {
			out[o++] = (char)(0xC0 | (c >> 6));
			out[o++] = (char)(0x80 | (c & 0x3F));
		} else {
			out[o++] = (char)(0xE0 | (c >> 12));
			out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
			out[o++] = (char)(0x80 | (c & 0x3F));
		}
	}
	return o;
}

/* Streams the file in chunks, decoded to UTF-8, with the BOM removed. */
struct reader {
	FILE *fp;
	uint64_t total;
	int started;
	char raw[IMPORT_CHUNK];
	char conv[3 * IMPORT_CHUNK];
};

/* Next chunk into *data / *n (n == 0 at the end of the file). */
static int reader_next(struct imp *im, struct reader *r, const char **data, size_t *n)
{
	size_t got = fread(r->raw, 1, sizeof r->raw, r->fp);
	const char *p = r->raw;

	if (got == 0 && ferror(r->fp))
		return core_err_set(im->err, CORE_ERUNTIME, "cannot import '%s': read error: %s",
				    im->path, strerror(errno));
	r->total += got;
	if (r->total > IMPORT_MAX_FILE)
		return core_err_set(im->err, CORE_ELIMIT,
				    "cannot import '%s': the file is over 2 GiB; split it", im->path);
	if (im->opts->progress && got)
		im->opts->progress(r->total, im->file_size, im->opts->progress_ctx);
	if (!r->started) {
		r->started = 1;
		/* Excel's "Unicode text" is UTF-16; read as bytes it would look like garbage. */
		if (got >= 2 && (memcmp(p, "\xFF\xFE", 2) == 0 || memcmp(p, "\xFE\xFF", 2) == 0))
			return core_err_set(im->err, CORE_ERUNTIME, "cannot import '%s': the file is "
					    "UTF-16 (Excel's \"Unicode text\"); save it as \"CSV UTF-8\" "
					    "instead", im->path);
		if (got >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
			p += 3;
			got -= 3;
		}
	}
	if (im->cp1252) {
		got = cp1252_to_utf8((const unsigned char *)p, got, r->conv);
		p = r->conv;
	}
	*data = p;
	*n = got;
	return 0;
}

static size_t count_nl(const char *s, size_t n)
{
	size_t c = 0;
	const char *e = s + n;

	while (s < e && (s = memchr(s, '\n', (size_t)(e - s))) != NULL) {
		c++;
		s++;
	}
	return c;
}

/* ---------------------------------------------------------------- CSV */

struct csv_field {
	size_t off, len;
};

struct csvctx {
	struct imp *im;
	int rc;                 /* first fatal error from a callback */
	struct core_buf row;    /* field bytes, each NUL-terminated */
	struct csv_field *f;
	size_t nf, f_cap;
	int overflow;           /* this record hit a cap */
	struct core_strlist header;
	int have_header;
	int col[N_ROLES];       /* header index per role, -1 absent */
	size_t rowno;           /* data records so far */
	size_t line;            /* newlines consumed, for messages */
};

static void csv_row_reset(struct csvctx *cx)
{
	cx->row.len = 0;
	if (cx->row.data)
		cx->row.data[0] = '\0';
	cx->nf = 0;
	cx->overflow = 0;
}

static void cb_field(void *s, size_t len, void *data)
{
	struct csvctx *cx = data;

	if (cx->rc || cx->overflow)
		return;
	if (cx->nf >= IMPORT_MAX_COLUMNS) {
		cx->overflow = 1;
		return;
	}
	if (cx->nf == cx->f_cap) {
		size_t ncap = cx->f_cap ? cx->f_cap * 2 : 16;
		struct csv_field *nf = realloc(cx->f, ncap * sizeof *nf);
		if (!nf) {
			cx->rc = core_err_set(cx->im->err, CORE_ENOMEM, "cannot import '%s': out of memory",
					      cx->im->path);
			return;
		}
		cx->f = nf;
		cx->f_cap = ncap;
	}
	size_t off = cx->row.len;
	if ((len && core_buf_append(&cx->row, s, len) != 0) || core_buf_append(&cx->row, "", 1) != 0) {
		cx->overflow = 1;
		return;
	}
	cx->f[cx->nf].off = off;
	cx->f[cx->nf].len = len;
	cx->nf++;
}

static int csv_header(struct csvctx *cx)
{
	struct imp *im = cx->im;
	struct core_buf cols;
	int rc = 0;

	if (cx->overflow)
		return core_err_set(im->err, CORE_ELIMIT,
				    "cannot import '%s': the header line has over %d columns or 16 MiB",
				    im->path, IMPORT_MAX_COLUMNS);
	for (size_t i = 0; i < cx->nf; i++) {
		const char *s = cx->row.data + cx->f[i].off;
		size_t n = cx->f[i].len;
		trim(&s, &n);
		char *h = core_strndup(s, n);
		if (!h || core_strlist_push(&cx->header, h) != 0) {
			free(h);
			return core_err_set(im->err, CORE_ENOMEM, "cannot import '%s': out of memory",
					    im->path);
		}
		free(h);
	}
	cx->have_header = 1;
	for (int r = 0; r < N_ROLES; r++) {
		cx->col[r] = -1;
		for (size_t i = 0; i < cx->header.n; i++) {
			if (name_eq(cx->header.v[i], strlen(cx->header.v[i]), im->names[r])) {
				cx->col[r] = (int)i;
				break;
			}
		}
		if (cx->col[r] >= 0 || (r != R_TEXT && !im->explicit_col[r]))
			continue;
		core_buf_init(&cols, 0);
		for (size_t i = 0; i < cx->header.n; i++)
			list_add(&cols, cx->header.v[i]);
		char c2[64];
		clip(im->names[r], strlen(im->names[r]), c2);
		rc = core_err_set(im->err, CORE_ERUNTIME, "cannot import '%s': no column '%s' (columns: %s)",
				  im->path, c2, cols.data ? cols.data : "");
		core_buf_release(&cols);
		return rc;
	}
	return 0;
}

static void cb_row(int c, void *data)
{
	struct csvctx *cx = data;
	struct imp *im = cx->im;
	struct val v[N_ROLES];
	int blank = 1;

	(void)c;
	if (cx->rc)
		goto out;
	/* A record of empty fields (";;;" from a spreadsheet) is a blank line. */
	for (size_t i = 0; i < cx->nf && blank; i++) {
		const char *s = cx->row.data + cx->f[i].off;
		size_t n = cx->f[i].len;
		trim(&s, &n);
		blank = n == 0;
	}
	if (blank && !cx->overflow)
		goto out;
	if (!cx->have_header) {
		cx->rc = csv_header(cx);
		goto out;
	}
	cx->rowno++;
	im->rep->read++;
	if (im->rep->read > IMPORT_MAX_ROWS) {
		cx->rc = core_err_set(im->err, CORE_ELIMIT,
				      "cannot import '%s': over %zu rows; split the file", im->path,
				      IMPORT_MAX_ROWS);
		goto out;
	}
	if (cx->overflow) {
		reject(im, cx->rowno, "over %d fields or 16 MiB", IMPORT_MAX_COLUMNS);
		goto out;
	}
	if (cx->nf != cx->header.n) {
		reject(im, cx->rowno, "%zu field%s, header has %zu", cx->nf, cx->nf == 1 ? "" : "s",
		       cx->header.n);
		goto out;
	}
	for (int r = 0; r < N_ROLES; r++) {
		v[r].present = cx->col[r] >= 0;
		v[r].s = v[r].present ? cx->row.data + cx->f[cx->col[r]].off : NULL;
		v[r].n = v[r].present ? cx->f[cx->col[r]].len : 0;
	}
	cx->rc = import_row(im, cx->rowno, v);
out:
	csv_row_reset(cx);
}

/* The delimiter with the most occurrences outside quotes on the header line; ties go
 * to ',' then ';' then tab. */
static char csv_detect_delim(const char *s, size_t n)
{
	size_t comma = 0, semi = 0, tab = 0;
	int inq = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '"')
			inq = !inq;
		else if (inq)
			continue;
		else if (c == '\n' || c == '\r')
			break;
		else if (c == ',')
			comma++;
		else if (c == ';')
			semi++;
		else if (c == '\t')
			tab++;
	}
	if (semi > comma && semi >= tab)
		return ';';
	if (tab > comma && tab > semi)
		return '\t';
	return ',';
}

static int import_csv(struct imp *im, struct reader *rd, const char *data, size_t n)
{
	const unsigned char opts = CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL;
	struct csv_parser p;
	struct csvctx cx;
	char delim = im->opts->delimiter;
	int p_ok = 0, skipping = 0, rc = 0;

	memset(&cx, 0, sizeof cx);
	cx.im = im;
	core_buf_init(&cx.row, IMPORT_MAX_ROW);

	/* Excel's "sep=;" first line names the delimiter. */
	if (n >= 5 && strncasecmp(data, "sep=", 4) == 0 && (n == 5 || data[5] == '\n' ||
	    (data[5] == '\r'))) {
		if (!delim)
			delim = data[4];
		size_t skip = 5;
		while (skip < n && (data[skip] == '\r' || data[skip] == '\n') && skip < 7)
			skip++;
		data += skip;
		n -= skip;
		cx.line = 1;
	}
	if (!delim)
		delim = csv_detect_delim(data, n);
	core_log(CORE_LOG_DEBUG, "import '%s': CSV, delimiter '%s'", im->path,
		 delim == '\t' ? "\\t" : delim == ';' ? ";" : delim == ',' ? "," : "other");

	if (csv_init(&p, opts) != 0) {
		rc = core_err_set(im->err, CORE_ENOMEM, "cannot import '%s': out of memory", im->path);
		goto out;
	}
	p_ok = 1;
	csv_set_delim(&p, (unsigned char)delim);

	for (;;) {
		if (n == 0) {
			if ((rc = reader_next(im, rd, &data, &n)) != 0)
				goto out;
			if (n == 0)
				break;
		}
		if (skipping) {
			/* After a quoting error, carry on at the next line. */
			const char *nl = memchr(data, '\n', n);
			if (!nl) {
				n = 0;
				continue;
			}
			cx.line++;
			n -= (size_t)(nl + 1 - data);
			data = nl + 1;
			skipping = 0;
			continue;
		}
		size_t done = csv_parse(&p, data, n, cb_field, cb_row, &cx);
		if (cx.rc) {
			rc = cx.rc;
			goto out;
		}
		if (csv_get_buffer_size(&p) > IMPORT_MAX_FIELD) {
			rc = core_err_set(im->err, CORE_ELIMIT,
					  "cannot import '%s': row %zu has a field over 2 MiB "
					  "(a quote that is never closed?)", im->path, cx.rowno + 1);
			goto out;
		}
		if (done < n) {
			if (csv_error(&p) != CSV_EPARSE) {
				rc = core_err_set(im->err, CORE_ENOMEM, "cannot import '%s': %s", im->path,
						  csv_strerror(csv_error(&p)));
				goto out;
			}
			size_t line = cx.line + count_nl(data, done) + 1;
			if (!cx.have_header) {
				rc = core_err_set(im->err, CORE_ERUNTIME,
						  "cannot import '%s': bad quotes in the header, line %zu",
						  im->path, line);
				goto out;
			}
			cx.rowno++;
			im->rep->read++;
			reject(im, cx.rowno, "bad quotes on line %zu (a quote inside a field must be "
			       "doubled, and a quoted field must end at a delimiter)", line);
			csv_row_reset(&cx);
			csv_free(&p);
			p_ok = 0;
			if (csv_init(&p, opts) != 0) {
				rc = core_err_set(im->err, CORE_ENOMEM, "cannot import '%s': out of memory",
						  im->path);
				goto out;
			}
			p_ok = 1;
			csv_set_delim(&p, (unsigned char)delim);
			cx.line += count_nl(data, done);
			data += done;
			n -= done;
			skipping = 1;
			continue;
		}
		cx.line += count_nl(data, n);
		n = 0;
	}
	if (!skipping && csv_fini(&p, cb_field, cb_row, &cx) != 0) {
		if (cx.have_header) {
			cx.rowno++;
			im->rep->read++;
			reject(im, cx.rowno, "a quoted field is never closed; the rest of the file "
			       "was read as one field");
		} else {
			rc = core_err_set(im->err, CORE_ERUNTIME,
					  "cannot import '%s': a quoted field in the header is never closed",
					  im->path);
			goto out;
		}
	}
	if (cx.rc) {
		rc = cx.rc;
		goto out;
	}
	if (!cx.have_header)
		rc = core_err_set(im->err, CORE_ERUNTIME, "cannot import '%s': the file is empty "
				  "(a CSV file needs a header line)", im->path);
out:
	if (p_ok)
		csv_free(&p);
	core_buf_release(&cx.row);
	free(cx.f);
	core_strlist_release(&cx.header);
	return rc;
}

/* ---------------------------------------------------------------- JSON and JSONL */

/* Finds key (case-insensitively) in obj. */
static json_t *json_find(json_t *obj, const char *key)
{
	const char *k;
	json_t *v = json_object_get(obj, key);

	if (v)
		return v;
	json_object_foreach(obj, k, v) {
		if (name_eq(k, strlen(k), key))
			return v;
	}
	return NULL;
}

/* Scalar JSON value as text into buf (numbers) or pointing into the value (strings).
 * 1 ok, 0 not a scalar. null is absent. */
static int json_scalar(json_t *j, char buf[64], struct val *out)
{
	switch (json_typeof(j)) {
	case JSON_STRING:
		out->s = json_string_value(j);
		out->n = json_string_length(j);
		break;
	case JSON_INTEGER:
		snprintf(buf, 64, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		out->s = buf;
		out->n = strlen(buf);
		break;
	case JSON_REAL:
		snprintf(buf, 64, "%.15g", json_real_value(j));
		out->s = buf;
		out->n = strlen(buf);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		out->s = json_is_true(j) ? "true" : "false";
		out->n = strlen(out->s);
		break;
	case JSON_NULL:
		out->present = 0;
		return 1;
	default:
		return 0;
	}
	out->present = 1;
	return 1;
}

static int import_object(struct imp *im, size_t row, json_t *obj)
{
	struct val v[N_ROLES];
	char nums[N_ROLES][64];
	struct core_buf amb;
	int rc = 0;

	core_buf_init(&amb, 65536);
	if (!json_is_object(obj)) {
		reject(im, row, "not a JSON object");
		goto out;
	}
	if (im->objects++ == 0) {
		const char *k;
		json_t *x;
		json_object_foreach(obj, k, x)
			list_add(&im->first_keys, k);
	}
	for (int r = 0; r < N_ROLES; r++) {
		json_t *j = json_find(obj, im->names[r]);
		memset(&v[r], 0, sizeof v[r]);
		if (!j)
			continue;
		im->key_seen[r] = 1;
		if (json_scalar(j, nums[r], &v[r]))
			continue;
		if (r == R_AMBITION && json_is_array(j)) {
			size_t i;
			json_t *el;
			json_array_foreach(j, i, el) {
				char nb[64];
				struct val ev = {0};
				if (!json_scalar(el, nb, &ev)) {
					reject(im, row, "column '%s' holds a list with a list or object in it",
					       im->names[r]);
					goto out;
				}
				if (ev.present && (core_buf_append(&amb, amb.len ? ";" : "", amb.len ? 1 : 0) != 0 ||
						   core_buf_append(&amb, ev.s, ev.n) != 0)) {
					reject(im, row, "column '%s' is over 64 KiB", im->names[r]);
					goto out;
				}
			}
			v[r].present = 1;
			v[r].s = amb.data ? amb.data : "";
			v[r].n = amb.len;
			continue;
		}
		reject(im, row, "column '%s' holds %s, expected text", im->names[r],
		       json_is_array(j) ? "a list" : "an object");
		goto out;
	}
	rc = import_row(im, row, v);
out:
	core_buf_release(&amb);
	return rc;
}

/* JSON keys are known only after reading: a text key (or an explicitly named key)
 * that no object has is an error for the whole file, as a missing CSV column is. */
static int json_check_keys(struct imp *im)
{
	if (im->objects == 0)
		return 0;
	for (int r = 0; r < N_ROLES; r++) {
		if (im->key_seen[r] || (r != R_TEXT && !im->explicit_col[r]))
			continue;
		char c1[64];
		clip(im->names[r], strlen(im->names[r]), c1);
		return core_err_set(im->err, CORE_ERUNTIME,
				    "cannot import '%s': no key '%s' in any object (keys: %s)",
				    im->path, c1, im->first_keys.data ? im->first_keys.data : "");
	}
	return 0;
}

static int import_json(struct imp *im, struct reader *rd, const char *data, size_t n)
{
	struct core_buf all;
	json_error_t je;
	json_t *root = NULL;
	size_t i;
	json_t *el;
	int rc = 0;

	core_buf_init(&all, IMPORT_MAX_JSON);
	while (n > 0) {
		if (core_buf_append(&all, data, n) != 0) {
			rc = core_err_set(im->err, CORE_ELIMIT, "cannot import '%s': a JSON array over "
					  "256 MiB is too big to load; use JSONL (one object per line)",
					  im->path);
			goto out;
		}
		if ((rc = reader_next(im, rd, &data, &n)) != 0)
			goto out;
	}
	root = json_loadb(all.data ? all.data : "", all.len, 0, &je);
	if (!root) {
		const char *p = all.data ? all.data : "";
		while (is_ws((unsigned char)*p))
			p++;
		rc = core_err_set(im->err, CORE_ERUNTIME, "cannot import '%s': JSON error at line %d, "
				  "column %d: %s%s", im->path, je.line, je.column, je.text,
				  *p == '{' ? " (one object per line? use --format jsonl)" :
				  strstr(je.text, "decode") ? " (use --encoding windows-1252?)" : "");
		goto out;
	}
	if (!json_is_array(root)) {
		rc = core_err_set(im->err, CORE_ERUNTIME, "cannot import '%s': the top level is %s, "
				  "expected an array of objects", im->path,
				  json_is_object(root) ? "an object" : "not an array");
		goto out;
	}
	json_array_foreach(root, i, el) {
		if (++im->rep->read > IMPORT_MAX_ROWS) {
			rc = core_err_set(im->err, CORE_ELIMIT, "cannot import '%s': over %zu rows; "
					  "split the file", im->path, IMPORT_MAX_ROWS);
			goto out;
		}
		if ((rc = import_object(im, i + 1, el)) != 0)
			goto out;
	}
	rc = json_check_keys(im);
out:
	json_decref(root);
	core_buf_release(&all);
	return rc;
}

static int jsonl_line(struct imp *im, size_t lineno, struct core_buf *line, int oversize)
{
	const char *s = line->data ? line->data : "";
	size_t n = line->len;
	json_error_t je;
	json_t *obj;
	int rc;

	trim(&s, &n);
	if (n == 0 && !oversize)
		return 0;
	im->rep->read++;
	if (im->rep->read > IMPORT_MAX_ROWS)
		return core_err_set(im->err, CORE_ELIMIT, "cannot import '%s': over %zu rows; "
				    "split the file", im->path, IMPORT_MAX_ROWS);
	if (oversize) {
		reject(im, lineno, "line over 1 MiB");
		return 0;
	}
	if (!core_utf8_valid(s, n)) {
		reject(im, lineno, "invalid UTF-8%s", im->cp1252 ? "" :
		       "; use --encoding windows-1252?");
		return 0;
	}
	obj = json_loadb(s, n, 0, &je);
	if (!obj) {
		reject(im, lineno, "JSON error at column %d: %s", je.column, je.text);
		return 0;
	}
	rc = import_object(im, lineno, obj);
	json_decref(obj);
	return rc;
}

static int import_jsonl(struct imp *im, struct reader *rd, const char *data, size_t n)
{
	struct core_buf line;
	size_t lineno = 1;
	int oversize = 0, rc = 0;

	core_buf_init(&line, IMPORT_MAX_LINE);
	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) : n;
		if (!oversize && core_buf_append(&line, data, take) != 0)
			oversize = 1;
		if (nl) {
			if ((rc = jsonl_line(im, lineno, &line, oversize)) != 0)
				goto out;
			lineno++;
			oversize = 0;
			line.len = 0;
			take++;
		}
		data += take;
		n -= take;
		if (n == 0 && (rc = reader_next(im, rd, &data, &n)) != 0)
			goto out;
	}
	if ((line.len > 0 || oversize) && (rc = jsonl_line(im, lineno, &line, oversize)) != 0)
		goto out;
	rc = json_check_keys(im);
out:
	core_buf_release(&line);
	return rc;
}

/* ---------------------------------------------------------------- the entry point */

static enum col_format format_by_name(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot = strrchr(base ? base + 1 : path, '.');

	if (!dot)
		return COL_FMT_AUTO;
	if (!strcasecmp(dot, ".csv") || !strcasecmp(dot, ".tsv") || !strcasecmp(dot, ".txt"))
		return COL_FMT_CSV;
	if (!strcasecmp(dot, ".json"))
		return COL_FMT_JSON;
	if (!strcasecmp(dot, ".jsonl") || !strcasecmp(dot, ".ndjson"))
		return COL_FMT_JSONL;
	return COL_FMT_AUTO;
}

static char first_byte(const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_ws((unsigned char)data[i]))
			return data[i];
	return '\0';
}

/* The file name without folder and last extension; "import" when that is empty. */
static char *source_from_path(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	const char *dot = strrchr(base, '.');
	size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	return n ? core_strndup(base, n) : core_strdup("import");
}

void col_import_report_release(struct col_import_report *r)
{
	if (!r)
		return;
	free(r->rejects);
	memset(r, 0, sizeof *r);
}

int col_import_file(struct core_db *db, const struct core_config *cfg,
		    const struct col_import_opts *opts, struct col_import_report *rep,
		    struct core_err *err)
{
	struct imp im;
	struct reader *rd = NULL;
	struct stat st;
	const char *data = NULL;
	size_t n = 0;
	enum col_format fmt;
	int in_tx = 0, rc = 0;
	const char *cols[N_ROLES];

	memset(rep, 0, sizeof *rep);
	memset(&im, 0, sizeof im);
	core_buf_init(&im.first_keys, 0);
	im.db = db;
	im.opts = opts;
	im.rep = rep;
	im.err = err;
	im.path = opts->path ? opts->path : "";

	if (!opts->path || !*opts->path) {
		rc = core_err_set(err, CORE_EUSAGE, "import: no file given");
		goto out;
	}
	if (opts->encoding && *opts->encoding && strcasecmp(opts->encoding, "utf-8") != 0 &&
	    strcasecmp(opts->encoding, "utf8") != 0) {
		static const char *const w[] = {"windows-1252", "cp1252", "latin1", "latin-1",
						 "iso-8859-1"};
		for (size_t i = 0; i < sizeof w / sizeof *w; i++)
			if (strcasecmp(opts->encoding, w[i]) == 0)
				im.cp1252 = 1;
		if (!im.cp1252) {
			rc = core_err_set(err, CORE_EUSAGE, "cannot import '%s': unknown encoding '%s' "
					  "(use utf-8 or windows-1252)", im.path, opts->encoding);
			goto out;
		}
	}
	cols[R_TEXT] = opts->col_text;
	cols[R_ID] = opts->col_id;
	cols[R_TIME] = opts->col_time;
	cols[R_AUTHOR] = opts->col_author;
	cols[R_AMBITION] = opts->col_ambition;
	cols[R_STANCE] = opts->col_stance;
	cols[R_GROUP] = opts->col_group;
	cols[R_LANG] = opts->col_lang;
	for (int r = 0; r < N_ROLES; r++) {
		im.explicit_col[r] = cols[r] && *cols[r];
		im.names[r] = im.explicit_col[r] ? cols[r] : role_default[r];
	}

	if (stat(opts->path, &st) != 0) {
		rc = core_err_set(err, CORE_ERUNTIME, "cannot import '%s': %s", im.path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = core_err_set(err, CORE_ERUNTIME, "cannot import '%s': not a regular file", im.path);
		goto out;
	}
	if ((uint64_t)st.st_size > IMPORT_MAX_FILE) {
		rc = core_err_set(err, CORE_ELIMIT, "cannot import '%s': the file is over 2 GiB; "
				  "split it", im.path);
		goto out;
	}
	im.file_size = (uint64_t)st.st_size;

	im.source = opts->source && *opts->source ? core_strdup(opts->source)
						  : source_from_path(opts->path);
	if (!im.source) {
		rc = core_err_set(err, CORE_ENOMEM, "cannot import '%s': out of memory", im.path);
		goto out;
	}
	/* Importing into a configured feed or form would turn its source row into an
	 * import source; refuse instead. */
	if (cfg && (core_config_source(cfg, im.source) || core_config_form(cfg, im.source))) {
		rc = core_err_set(err, CORE_EUSAGE, "cannot import '%s' into source '%s': that name "
				  "is a configured %s; choose another with --source", im.path, im.source,
				  core_config_source(cfg, im.source) ? "feed" : "form");
		goto out;
	}

	if (!(rd = calloc(1, sizeof *rd))) {
		rc = core_err_set(err, CORE_ENOMEM, "cannot import '%s': out of memory", im.path);
		goto out;
	}
	if (!(rd->fp = fopen(opts->path, "rb"))) {
		rc = core_err_set(err, CORE_ERUNTIME, "cannot import '%s': %s", im.path, strerror(errno));
		goto out;
	}
	if ((rc = reader_next(&im, rd, &data, &n)) != 0)
		goto out;

	fmt = opts->format;
	if (fmt == COL_FMT_AUTO) {
		fmt = format_by_name(opts->path);
		char c = first_byte(data, n);
		/* A ".json" file of one object per line is common; the content decides. */
		if (fmt == COL_FMT_JSON && c == '{')
			fmt = COL_FMT_JSONL;
		if (fmt == COL_FMT_AUTO)
			fmt = c == '[' ? COL_FMT_JSON : c == '{' ? COL_FMT_JSONL : COL_FMT_CSV;
	}
	if (fmt != COL_FMT_CSV && fmt != COL_FMT_JSON && fmt != COL_FMT_JSONL) {
		rc = core_err_set(err, CORE_EUSAGE, "cannot import '%s': unknown format", im.path);
		goto out;
	}

	if ((rc = ambs_prepare(&im, cfg)) != 0)
		goto out;
	core_time_format(time(NULL), im.now);

	if ((rc = core_db_begin(db, err)) != 0)
		goto out;
	in_tx = 1;
	if ((rc = core_db_source_ensure(db, im.source, CORE_SRC_IMPORT, opts->path, &im.source_id,
					err)) != 0)
		goto out;

	if (fmt == COL_FMT_CSV)
		rc = import_csv(&im, rd, data, n);
	else if (fmt == COL_FMT_JSON)
		rc = import_json(&im, rd, data, n);
	else
		rc = import_jsonl(&im, rd, data, n);
	if (rc != 0)
		goto out;

	/* A dry run does all the work, store lookups included, so the counts are what a
	 * real run would give; then throws it away. */
	if (opts->dry_run) {
		core_db_rollback(db);
		in_tx = 0;
	} else {
		rc = core_db_commit(db, err);
		in_tx = 0;
		if (rc != 0)
			core_db_rollback(db);
	}
out:
	if (in_tx)
		core_db_rollback(db);
	if (rc != 0) {
		/* Nothing was stored. */
		rep->imported = 0;
		rep->duplicates = 0;
	}
	if (rd && rd->fp)
		fclose(rd->fp);
	free(rd);
	for (size_t i = 0; i < im.n_ambs; i++) {
		free(im.ambs[i].title);
		free(im.ambs[i].title_en);
	}
	free(im.ambs);
	free(im.ids.v);
	free(im.texts.v);
	free(im.source);
	core_buf_release(&im.first_keys);
	return rc;
}
