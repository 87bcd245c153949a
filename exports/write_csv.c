/* write_csv.c: summary.csv, themes.csv and items.csv in RFC 4180 (CRLF, quoted when a
 * field holds the delimiter, a quote, CR or LF; UTF-8). Text cells that a spreadsheet
 * would run as a formula get a leading apostrophe. Columns: exports/README.md. */
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* One CSV being written. delim and bom are there for the Dutch-Excel variant (issue 7):
 * ';' and a byte order mark; the plain export uses ',' and none. */
struct csv {
	FILE *f;
	char delim;
	int bom;
	int fields; /* in the current row */
};

static void csv_sep(struct csv *c)
{
	if (c->fields++)
		fputc(c->delim, c->f);
}

/* A cell from user or configuration text. */
static void csv_text(struct csv *c, const char *s)
{
	int quote = 0;

	if (!s)
		s = "";
	csv_sep(c);
	for (const char *p = s; *p; p++)
		if (*p == c->delim || *p == '"' || *p == '\r' || *p == '\n')
			quote = 1;
	if (quote)
		fputc('"', c->f);
	/* Spreadsheets run cells starting like this as formulas: make them plain text. */
	if (strchr("=+-@\t\r", *s) && *s)
		fputc('\'', c->f);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			fputc('"', c->f);
		fputc(*p, c->f);
	}
	if (quote)
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
		"support_share", "support_ci_low", "support_ci_high", "themes", NULL};
	struct exp_file o = {0};
	struct core_buf b = {0};
	struct csv c = {.delim = ','};
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

static int write_themes(const struct exp_model *m, const char *dir, struct core_strlist *written,
			struct core_err *err)
{
	static const char *const cols[] = {
		"id", "label", "size", "top_terms", "ambitions", "support", "objection",
		"neutral", "mixed", "quote_1", "quote_2", "quote_3", NULL};
	struct exp_file o = {0};
	struct core_buf terms = {0}, ambs = {0};
	struct csv c = {.delim = ','};
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

struct items_ctx {
	const struct exp_model *m;
	struct csv c;
	unsigned char *seen; /* per ambition */
	struct core_err *err;
};

static int item_row(const struct core_item_view *v, void *ctx)
{
	struct items_ctx *x = ctx;
	const struct exp_model *m = x->m;
	struct core_buf ambs = {0}, stances = {0};
	char *text = NULL;
	int rc = 0, first = 1;

	/* Items stored after the model was built are not part of this export. */
	if (v->item.id > m->max_item_id)
		return 0;
	if (join_begin(&ambs) || join_begin(&stances))
		goto nomem;
	memset(x->seen, 0, m->n_ambs ? m->n_ambs : 1);
	for (size_t i = 0; i < v->n_stances; i++) {
		int a = exp_model_amb_index(m, v->stances[i].code);
		enum core_stance st = v->stances[i].stance;

		if (a < 0 || x->seen[a])
			continue;
		x->seen[a] = 1;
		if (st < CORE_STANCE_SUPPORT || st > CORE_STANCE_MIXED)
			st = CORE_STANCE_NEUTRAL;
		if (core_buf_printf(&ambs, "%s%s", first ? "" : ";", v->stances[i].code) ||
		    core_buf_printf(&stances, "%s%s:%s", first ? "" : ";", v->stances[i].code,
				    core_stance_name(st)))
			goto nomem;
		first = 0;
	}
	text = exp_clean_text(v->item.text);
	if (!text)
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
	if (m->include_authors)
		csv_text(&x->c, v->item.author);
	csv_end(&x->c);
	if (ferror(x->c.f))
		rc = core_err_set(x->err, CORE_ERUNTIME, "writing items.csv: write error");
	goto out;
nomem:
	rc = core_err_set(x->err, CORE_ENOMEM, "writing items.csv: out of memory");
out:
	free(text);
	core_buf_release(&ambs);
	core_buf_release(&stances);
	return rc;
}

static int write_items(struct core_db *db, const struct exp_model *m, const char *dir,
		       struct core_strlist *written, struct core_err *err)
{
	static const char *const cols[] = {
		"id", "source", "external_id", "published_at", "lang", "theme", "campaign",
		"ambitions", "stances", "text", NULL};
	struct exp_file o = {0};
	struct items_ctx x = {.m = m, .c = {.delim = ','}, .err = err};
	int rc;

	x.seen = calloc(m->n_ambs ? m->n_ambs : 1, 1);
	if (!x.seen)
		return core_err_set(err, CORE_ENOMEM, "writing items.csv: out of memory");
	if ((rc = exp_file_open(&o, dir, "items.csv", err)))
		goto out;
	x.c.f = o.f;
	if (x.c.bom)
		fputs("\xEF\xBB\xBF", x.c.f);
	for (size_t i = 0; cols[i]; i++)
		csv_text(&x.c, cols[i]);
	if (m->include_authors)
		csv_text(&x.c, "author");
	csv_end(&x.c);
	if ((rc = core_db_items_each(db, &m->filter, item_row, &x, err)))
		goto out;
	rc = exp_file_commit(&o, written, err);
out:
	exp_file_abort(&o);
	free(x.seen);
	return rc;
}

int exp_write_csv(struct core_db *db, const struct exp_model *m, const char *dir,
		  struct core_strlist *written, struct core_err *err)
{
	int rc;

	if ((rc = write_summary(m, dir, written, err)))
		return rc;
	if ((rc = write_themes(m, dir, written, err)))
		return rc;
	return write_items(db, m, dir, written, err);
}
