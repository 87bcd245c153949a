/* write_csv.c: summary.csv, themes.csv and items.csv in RFC 4180 (CRLF, quoted when a
 * field holds the delimiter, a quote, CR or LF; UTF-8). Text cells that a spreadsheet
 * would run as a formula get a leading apostrophe. Columns: exports/README.md. */
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* One CSV being written. The plain export uses ',' and no byte order mark; the
 * Dutch-Excel variant (--excel) ';', a BOM and a decimal comma, because Excel with Dutch
 * regional settings splits on ';' and reads "0.538" as text (or a date), not a number. */
struct csv {
	FILE *f;
	char delim;
	char decimal;
	int bom;
	int fields; /* in the current row */
};

static struct csv csv_for(const struct exp_model *m)
{
	struct csv c = {.delim = ',', .decimal = '.'};

	if (m->excel) {
		c.delim = ';';
		c.decimal = ',';
		c.bom = 1;
	}
	return c;
}

static void csv_sep(struct csv *c)
{
	if (c->fields++)
		fputc(c->delim, c->f);
}

/* A cell from user or configuration text. Written in spans with fwrite rather than per
 * character: items.csv for a million reactions is mostly this loop. */
static void csv_text(struct csv *c, const char *s)
{
	const char specials[] = {c->delim, '"', '\r', '\n', '\0'};
	int quote;

	if (!s)
		s = "";
	csv_sep(c);
	quote = s[strcspn(s, specials)] != '\0';
	if (quote)
		fputc('"', c->f);
	/* Spreadsheets run cells starting like this as formulas: make them plain text. */
	if (*s && strchr("=+-@\t\r", *s))
		fputc('\'', c->f);
	if (!quote) {
		fputs(s, c->f);
		return;
	}
	for (;;) {
		const char *q = strchr(s, '"');
		if (!q) {
			fputs(s, c->f);
			break;
		}
		/* The quote itself, then once more: "" inside a quoted field. */
		fwrite(s, 1, (size_t)(q - s) + 1, c->f);
		fputc('"', c->f);
		s = q + 1;
	}
	fputc('"', c->f);
}

/* A cell the exporter formatted itself (numbers, ids built from digits). */
static void csv_int(struct csv *c, int64_t n)
{
	csv_sep(c);
	fprintf(c->f, "%lld", (long long)n);
}

static void csv_fixed(struct csv *c, int has, double v)
{
	char buf[32];

	csv_sep(c);
	if (has) {
		exp_fmt_fixed(v, 3, buf);
		for (char *p = buf; *p; p++)
			if (*p == '.')
				*p = c->decimal;
		fputs(buf, c->f);
	}
}

static void csv_end(struct csv *c)
{
	fputs("\r\n", c->f);
	c->fields = 0;
}

static void csv_header(struct csv *c, const char *const *cols)
{
	if (c->bom)
		fputs("\xEF\xBB\xBF", c->f);
	for (; *cols; cols++)
		csv_text(c, *cols);
	csv_end(c);
}

/* Joins parts into b with sep; a cap keeps a pathological list from growing forever. */
static int join_begin(struct core_buf *b)
{
	core_buf_init(b, 1 << 20);
	return core_buf_puts(b, "");
}

static int write_summary(const struct exp_model *m, const char *dir, struct core_strlist *written,
			 struct core_err *err)
{
	static const char *const cols[] = {
		"code", "title", "items", "support", "objection", "neutral", "mixed",
		"support_share", "support_ci_low", "support_ci_high", "themes",
		"items_unweighted", "support_unweighted", "objection_unweighted",
		"neutral_unweighted", "mixed_unweighted", NULL};
	struct exp_file o = {0};
	struct core_buf b = {0};
	struct csv c = csv_for(m);
	int rc;

	if ((rc = exp_file_open(&o, dir, "summary.csv", err)))
		goto out;
	c.f = o.f;
	csv_header(&c, cols);
	for (size_t a = 0; a < m->n_ambs; a++) {
		const struct exp_amb_row *row = &m->ambs[a];

		if (join_begin(&b))
			goto nomem;
		for (size_t i = 0; i < row->n_theme_order; i++)
			if (core_buf_printf(&b, "%s%s", i ? ";" : "",
					    m->themes[row->theme_order[i]].t.id))
				goto nomem;
		csv_text(&c, row->amb->code);
		csv_text(&c, row->amb->title);
		csv_int(&c, row->items);
		for (int s = CORE_STANCE_SUPPORT; s <= CORE_STANCE_MIXED; s++)
			csv_int(&c, row->stance[s]);
		csv_fixed(&c, row->has_share, row->share);
		csv_fixed(&c, row->has_share, row->ci_lo);
		csv_fixed(&c, row->has_share, row->ci_hi);
		csv_text(&c, b.data);
		csv_int(&c, row->items_unweighted);
		for (int s = CORE_STANCE_SUPPORT; s <= CORE_STANCE_MIXED; s++)
			csv_int(&c, row->stance_unweighted[s]);
		csv_end(&c);
		core_buf_release(&b);
	}
	rc = exp_file_commit(&o, written, err);
	goto out;
nomem:
	rc = core_err_set(err, CORE_ENOMEM, "writing summary.csv: out of memory");
out:
	core_buf_release(&b);
	exp_file_abort(&o);
	return rc;
}

/* breakdown.csv: each ambition's stance counts per respondent group, per source and
 * per week, one row per slice, for pivot tables. */
static int write_breakdown(const struct exp_model *m, const char *dir,
			   struct core_strlist *written, struct core_err *err)
{
	static const char *const cols[] = {
		"code", "by", "slice", "items", "support", "objection", "neutral", "mixed",
		"support_share", "support_ci_low", "support_ci_high", NULL};
	static const char *const by_name[EXP_BY_N] = {"group", "source", "week"};
	struct exp_file o = {0};
	struct csv c = csv_for(m);
	int rc;

	if ((rc = exp_file_open(&o, dir, "breakdown.csv", err)))
		goto out;
	c.f = o.f;
	csv_header(&c, cols);
	for (size_t a = 0; a < m->n_ambs; a++) {
		for (int d = 0; d < EXP_BY_N; d++) {
			const struct exp_breaks *by = &m->ambs[a].by[d];
			for (size_t i = 0; i < by->n; i++) {
				const int64_t *st = by->v[i].stance;
				int64_t k = st[CORE_STANCE_SUPPORT], n = k + st[CORE_STANCE_OBJECTION];
				double lo = 0, hi = 0;
				if (n > 0)
					exp_wilson(k, n, &lo, &hi);
				csv_text(&c, m->ambs[a].amb->code);
				csv_text(&c, by_name[d]);
				csv_text(&c, by->v[i].key);
				csv_int(&c, by->v[i].items);
				for (int s = CORE_STANCE_SUPPORT; s <= CORE_STANCE_MIXED; s++)
					csv_int(&c, st[s]);
				csv_fixed(&c, n > 0, n > 0 ? (double)k / (double)n : 0);
				csv_fixed(&c, n > 0, lo);
				csv_fixed(&c, n > 0, hi);
				csv_end(&c);
			}
		}
	}
	rc = exp_file_commit(&o, written, err);
out:
	exp_file_abort(&o);
	return rc;
}

static int write_themes(const struct exp_model *m, const char *dir, struct core_strlist *written,
			struct core_err *err)
{
	static const char *const cols[] = {
		"id", "label", "size", "top_terms", "ambitions", "support", "objection",
		"neutral", "mixed", "quote_1", "quote_2", "quote_3", "parent", NULL};
	struct exp_file o = {0};
	struct core_buf terms = {0}, ambs = {0};
	struct csv c = csv_for(m);
	int rc;

	if ((rc = exp_file_open(&o, dir, "themes.csv", err)))
		goto out;
	c.f = o.f;
	csv_header(&c, cols);
	for (size_t t = 0; t < m->n_themes; t++) {
		const struct exp_theme_row *row = &m->themes[t];
		int first = 1;

		if (join_begin(&terms) || join_begin(&ambs))
			goto nomem;
		for (size_t i = 0; i < row->t.top_terms.n; i++)
			if (core_buf_printf(&terms, "%s%s", i ? ";" : "", row->t.top_terms.v[i]))
				goto nomem;
		for (size_t a = 0; a < m->n_ambs; a++) {
			if (!row->amb_items[a])
				continue;
			if (core_buf_printf(&ambs, "%s%s:%lld", first ? "" : ";",
					    m->ambs[a].amb->code, (long long)row->amb_items[a]))
				goto nomem;
			first = 0;
		}
		csv_text(&c, row->t.id);
		csv_text(&c, row->t.label);
		csv_int(&c, row->size);
		csv_text(&c, terms.data);
		csv_text(&c, ambs.data);
		for (int s = CORE_STANCE_SUPPORT; s <= CORE_STANCE_MIXED; s++)
			csv_int(&c, row->stance[s]);
		for (size_t q = 0; q < EXP_QUOTES; q++)
			csv_text(&c, q < row->n_quotes ? row->quotes[q].text : "");
		csv_text(&c, row->t.parent);
		csv_end(&c);
		core_buf_release(&terms);
		core_buf_release(&ambs);
	}
	rc = exp_file_commit(&o, written, err);
	goto out;
nomem:
	rc = core_err_set(err, CORE_ENOMEM, "writing themes.csv: out of memory");
out:
	core_buf_release(&terms);
	core_buf_release(&ambs);
	exp_file_abort(&o);
	return rc;
}

/* items.csv, written row by row during the model walk (see exp_items_csv_open). */
struct exp_items_csv {
	struct exp_file o;
	struct csv c;
	int include_authors;
	unsigned char *seen; /* per ambition of the model, allocated on the first row */
	size_t n_seen;
	struct core_err *err;
};

int exp_items_csv_open(struct exp_items_csv **out, const char *dir, int excel,
		       int include_authors, struct core_err *err)
{
	static const char *const cols[] = {
		"id", "source", "external_id", "published_at", "lang", "theme", "campaign",
		"ambitions", "stances", "text", NULL};
	struct exp_model flags = {.excel = excel};
	struct exp_items_csv *x = calloc(1, sizeof(*x));
	int rc;

	*out = NULL;
	if (!x)
		return core_err_set(err, CORE_ENOMEM, "writing items.csv: out of memory");
	if ((rc = exp_file_open(&x->o, dir, "items.csv", err))) {
		free(x);
		return rc;
	}
	x->c = csv_for(&flags);
	x->c.f = x->o.f;
	x->include_authors = include_authors;
	x->err = err;
	if (x->c.bom)
		fputs("\xEF\xBB\xBF", x->c.f);
	for (size_t i = 0; cols[i]; i++)
		csv_text(&x->c, cols[i]);
	if (include_authors)
		csv_text(&x->c, "author");
	csv_end(&x->c);
	*out = x;
	return 0;
}

int exp_items_csv_row(const struct exp_model *m, const struct core_item_view *v, void *ctx)
{
	struct exp_items_csv *x = ctx;
	struct core_buf ambs = {0}, stances = {0};
	char *text = NULL, *author = NULL;
	int rc = 0, first = 1;

	if (!x->seen) {
		x->n_seen = m->n_ambs ? m->n_ambs : 1;
		if (!(x->seen = calloc(x->n_seen, 1)))
			goto nomem;
	}
	if (join_begin(&ambs) || join_begin(&stances))
		goto nomem;
	memset(x->seen, 0, x->n_seen);
	for (size_t i = 0; i < v->n_stances; i++) {
		int a = exp_model_amb_index(m, v->stances[i].code);
		enum core_stance st = v->stances[i].stance;

		if (a < 0 || (size_t)a >= x->n_seen || x->seen[a])
			continue;
		x->seen[a] = 1;
		if (st < CORE_STANCE_SUPPORT || st > CORE_STANCE_MIXED)
			st = CORE_STANCE_NEUTRAL;
		if ((!first && (core_buf_puts(&ambs, ";") || core_buf_puts(&stances, ";"))) ||
		    core_buf_puts(&ambs, v->stances[i].code) ||
		    core_buf_puts(&stances, v->stances[i].code) || core_buf_puts(&stances, ":") ||
		    core_buf_puts(&stances, core_stance_name(st)))
			goto nomem;
		first = 0;
	}
	text = exp_clean_text(v->item.text);
	if (!text || (x->include_authors && !(author = exp_clean_text(v->item.author))))
		goto nomem;
	csv_int(&x->c, v->item.id);
	csv_text(&x->c, v->item.source);
	csv_text(&x->c, v->item.external_id);
	csv_text(&x->c, v->item.published_at);
	csv_text(&x->c, v->item.lang);
	csv_text(&x->c, v->theme);
	csv_text(&x->c, v->campaign);
	csv_text(&x->c, ambs.data);
	csv_text(&x->c, stances.data);
	csv_text(&x->c, text);
	if (x->include_authors)
		csv_text(&x->c, author);
	csv_end(&x->c);
	if (ferror(x->c.f))
		rc = core_err_set(x->err, CORE_ERUNTIME, "cannot write '%s': write error", x->o.tmp);
	goto out;
nomem:
	rc = core_err_set(x->err, CORE_ENOMEM, "writing items.csv: out of memory");
out:
	free(text);
	free(author);
	core_buf_release(&ambs);
	core_buf_release(&stances);
	return rc;
}

void exp_items_csv_abort(struct exp_items_csv *x)
{
	if (!x)
		return;
	exp_file_abort(&x->o);
	free(x->seen);
	free(x);
}

int exp_write_csv(const struct exp_model *m, const char *dir, struct exp_items_csv *items,
		  struct core_strlist *written, struct core_err *err)
{
	int rc;

	if ((rc = write_summary(m, dir, written, err)) || (rc = write_themes(m, dir, written, err)) ||
	    (rc = write_breakdown(m, dir, written, err)))
		goto out;
	rc = exp_file_commit(&items->o, written, err);
out:
	exp_items_csv_abort(items);
	return rc;
}
