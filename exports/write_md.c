/* write_md.c: summary.md, the "what we heard" report in Markdown (Dutch by default,
 * English with report_lang "en"). Every piece of user or configuration text goes through
 * md_text, which escapes Markdown syntax and HTML, so no markup of a respondent renders. */
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define QUOTE_CHARS 280
#define MAX_THEME_SECTIONS 8

/* Backslash-escapes Markdown punctuation and turns <, >, & into entities, so a text can
 * neither format the report nor inject raw HTML. With [ and ] escaped no link or image
 * can form, so ( ) ! stay readable. Newlines become spaces (callers pass
 * excerpts, which are squeezed already). */
static void md_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '\r':
		case '\n': fputc(' ', f); break;
		case '\\': case '`': case '*': case '_': case '[': case ']': case '|':
		case '#': case '~':
			fputc('\\', f);
			fputc(*s, f);
			break;
		default: fputc(*s, f);
		}
	}
}

/* A quote: excerpt, escaped, in typographic quotes, with the item id for traceability. */
static int md_quote(FILE *f, const struct exp_words *w, const char *prefix,
		    const struct exp_quote *q)
{
	char *ex = exp_excerpt(q->text, QUOTE_CHARS);

	if (!ex)
		return CORE_ENOMEM;
	fprintf(f, "%s“", prefix);
	md_text(f, ex);
	fprintf(f, "” (%s %lld)\n", w->item_word, (long long)q->item);
	free(ex);
	return 0;
}

static void share_cell(FILE *f, const struct exp_words *w, const struct exp_amb_row *row)
{
	char p[16], lo[16], hi[16];

	if (!row->has_share) {
		fputs(w->no_share, f);
		return;
	}
	exp_fmt_pct(row->share, p);
	exp_fmt_pct(row->ci_lo, lo);
	exp_fmt_pct(row->ci_hi, hi);
	fprintf(f, "%s%% (%s–%s%%)", p, lo, hi);
}

/* The date part of a timestamp, "" when there is none. */
static void date_of(const char *ts, char out[11])
{
	size_t n = ts ? strlen(ts) : 0;

	if (n > 10)
		n = 10;
	memcpy(out, ts ? ts : "", n);
	out[n] = '\0';
}

static int md_ambitions(FILE *f, const struct exp_model *m, const struct exp_words *w)
{
	int rc;

	fprintf(f, "## %s\n\n", w->ambitions);
	fprintf(f, "| %s | %s | %s | %s | %s | %s | %s (%s) |\n", w->ambition, w->size,
		w->stance_cap[1], w->stance_cap[2], w->stance_cap[3], w->stance_cap[4], w->share,
		w->interval);
	fputs("|---|---:|---:|---:|---:|---:|---|\n", f);
	for (size_t a = 0; a < m->n_ambs; a++) {
		const struct exp_amb_row *row = &m->ambs[a];
		fputs("| ", f);
		md_text(f, row->amb->code);
		fputs(" ", f);
		md_text(f, exp_amb_title(row->amb, m->report_lang));
		fprintf(f, " | %lld | %lld | %lld | %lld | %lld | ", (long long)row->items,
			(long long)row->stance[1], (long long)row->stance[2],
			(long long)row->stance[3], (long long)row->stance[4]);
		share_cell(f, w, row);
		fputs(" |\n", f);
	}
	fprintf(f, "| %s | %lld | | | | | |\n\n", w->general, (long long)m->general);

	for (size_t a = 0; a < m->n_ambs; a++) {
		const struct exp_amb_row *row = &m->ambs[a];
		fputs("### ", f);
		md_text(f, row->amb->code);
		fputs(" ", f);
		md_text(f, exp_amb_title(row->amb, m->report_lang));
		fprintf(f, "\n\n%lld %s: %lld %s, %lld %s, %lld %s, %lld %s. %s: ",
			(long long)row->items, exp_count_word(w, row->items), (long long)row->stance[1],
			w->stance[1], (long long)row->stance[2], w->stance[2],
			(long long)row->stance[3], w->stance[3], (long long)row->stance[4],
			w->stance[4], w->share);
		share_cell(f, w, row);
		fputs(".\n", f);
		exp_amb_extras(f, row, w, md_text, "", "\n");
		if (row->n_theme_order) {
			fprintf(f, "%s: ", w->themes);
			for (size_t i = 0; i < row->n_theme_order && i < 5; i++) {
				const struct exp_theme_row *t = &m->themes[row->theme_order[i]];
				fputs(i ? ", " : "", f);
				md_text(f, t->t.label ? t->t.label : t->t.id);
				fprintf(f, " (%lld)", (long long)row->theme_items[row->theme_order[i]]);
			}
			fputs(".\n", f);
		}
		for (int q = 0; q < 2; q++) {
			if (!row->n_quotes[q])
				continue;
			fprintf(f, "\n%s:\n\n", q == EXP_Q_SUPPORT ? w->quotes_for : w->quotes_against);
			/* One blockquote per quote: a blank line keeps them apart. */
			for (size_t i = 0; i < row->n_quotes[q]; i++) {
				if ((rc = md_quote(f, w, i ? "\n> " : "> ", &row->quotes[q][i])))
					return rc;
			}
		}
		fputs("\n", f);
	}
	return 0;
}

static int md_themes(FILE *f, const struct exp_model *m, const struct exp_words *w)
{
	int rc;

	fprintf(f, "## %s\n\n", w->themes);
	if (!m->n_themes) {
		fprintf(f, "%s.\n\n", w->none);
		return 0;
	}
	fprintf(f, "| %s | %s | %s | %s |\n|---|---|---:|---|\n", "id", w->theme, w->size, w->terms);
	for (size_t t = 0; t < m->n_themes; t++) {
		const struct exp_theme_row *row = &m->themes[t];
		fputs("| ", f);
		md_text(f, row->t.id);
		fputs(" | ", f);
		md_text(f, row->t.label);
		fprintf(f, " | %lld | ", (long long)row->size);
		for (size_t i = 0; i < row->t.top_terms.n && i < 6; i++) {
			fputs(i ? ", " : "", f);
			md_text(f, row->t.top_terms.v[i]);
		}
		fputs(" |\n", f);
	}
	fputs("\n", f);
	for (size_t t = 0; t < m->n_themes && t < MAX_THEME_SECTIONS; t++) {
		const struct exp_theme_row *row = &m->themes[t];
		int first = 1;

		fputs("### ", f);
		md_text(f, row->t.id);
		fputs(": ", f);
		md_text(f, row->t.label);
		fprintf(f, "\n\n%lld %s", (long long)row->size, exp_count_word(w, row->size));
		for (size_t a = 0; a < m->n_ambs; a++) {
			if (!row->amb_items[a])
				continue;
			fputs(first ? "; " : ", ", f);
			md_text(f, m->ambs[a].amb->code);
			fprintf(f, " %lld", (long long)row->amb_items[a]);
			first = 0;
		}
		fprintf(f, "; %s %lld, %s %lld, %s %lld, %s %lld.\n\n", w->stance[1],
			(long long)row->stance[1], w->stance[2], (long long)row->stance[2],
			w->stance[3], (long long)row->stance[3], w->stance[4],
			(long long)row->stance[4]);
		for (int q = 0; q < 2; q++) {
			char prefix[64];
			if (!row->stance_quote[q].text)
				continue;
			snprintf(prefix, sizeof(prefix), "- %s: ",
				 q == EXP_Q_SUPPORT ? w->quotes_for : w->quotes_against);
			if ((rc = md_quote(f, w, prefix, &row->stance_quote[q])))
				return rc;
		}
		if (!row->stance_quote[0].text && !row->stance_quote[1].text && row->n_quotes) {
			char prefix[64];
			snprintf(prefix, sizeof(prefix), "- %s: ", w->quotes);
			if ((rc = md_quote(f, w, prefix, &row->quotes[0])))
				return rc;
		}
		fputs("\n", f);
	}
	return 0;
}

static int md_campaigns(FILE *f, const struct exp_model *m, const struct exp_words *w)
{
	fprintf(f, "## %s\n\n", w->campaigns);
	if (!m->n_campaigns) {
		fprintf(f, "%s\n\n", w->no_campaigns);
		return 0;
	}
	fprintf(f, "| id | %s | %s |\n|---|---:|---|\n", w->size, w->template);
	for (size_t c = 0; c < m->n_campaigns; c++) {
		char *ex = exp_excerpt(m->campaigns[c].template_text, QUOTE_CHARS);
		if (!ex)
			return CORE_ENOMEM;
		fputs("| ", f);
		md_text(f, m->campaigns[c].id);
		fprintf(f, " | %lld | ", (long long)m->campaigns[c].size);
		md_text(f, ex);
		fputs(" |\n", f);
		free(ex);
	}
	fputs("\n", f);
	return 0;
}

static void md_method(FILE *f, const struct exp_model *m, const struct exp_words *w)
{
	char from[11], to[11];

	date_of(m->first_at, from);
	date_of(m->last_at, to);
	fprintf(f, "## %s\n\n", w->method);
	fprintf(f, "- %s: %s – %s\n", w->period_word, from[0] ? from : "-", to[0] ? to : "-");
	fprintf(f, "- %s: %lld (%s %lld %s, %lld %s, %lld %s)\n", w->method_items,
		(long long)m->items, w->of_which, (long long)m->campaign_items, w->in_campaigns,
		(long long)m->general, w->no_ambition, (long long)m->unassigned, w->unassigned);
	fprintf(f, "- %s: ", w->method_sources);
	for (size_t i = 0; i < m->n_sources; i++) {
		fputs(i ? ", " : "", f);
		md_text(f, m->sources[i].key);
		fprintf(f, " (%lld)", (long long)m->sources[i].n);
	}
	fprintf(f, "%s\n- %s: ", m->n_sources ? "" : w->none, w->method_langs);
	for (size_t i = 0; i < m->n_langs; i++) {
		fputs(i ? ", " : "", f);
		md_text(f, m->langs[i].key);
		fprintf(f, " (%lld)", (long long)m->langs[i].n);
	}
	fprintf(f, "%s\n", m->n_langs ? "" : w->none);
	fprintf(f, "- %s: %s %lld, %s %lld, %s %lld\n", w->decided_by, w->origin[0],
		(long long)m->origins[0], w->origin[1], (long long)m->origins[1], w->origin[2],
		(long long)m->origins[2]);
	fprintf(f, "- %s: %s %lld %s\n- %s: %lld %s\n", w->automated, w->method_auto_what,
		(long long)m->items, exp_count_word(w, m->items), w->reviewed, (long long)m->reviewed,
		exp_count_word(w, m->reviewed));
	fprintf(f, "- %s: %s %lld, %s %llu, %s %d, %s\n", w->method_run, w->run_word,
		(long long)m->run.id, w->seed, (unsigned long long)m->run.seed, w->themes_k,
		m->run.k, m->run.finished_at);
	if (m->filter.since || m->filter.until || m->filter.source || m->filter.lang ||
	    m->filter.ambition || m->group) {
		fprintf(f, "- %s:", w->filters);
		if (m->filter.since) {
			fputs(" since ", f);
			md_text(f, m->filter.since);
		}
		if (m->filter.until) {
			fputs(" until ", f);
			md_text(f, m->filter.until);
		}
		if (m->filter.source) {
			fputs(" source ", f);
			md_text(f, m->filter.source);
		}
		if (m->filter.lang) {
			fputs(" lang ", f);
			md_text(f, m->filter.lang);
		}
		if (m->filter.ambition) {
			fputs(" ambition ", f);
			md_text(f, m->filter.ambition);
		}
		if (m->group) {
			fputs(" group ", f);
			md_text(f, m->group);
		}
		fputs("\n", f);
	}
	fprintf(f, "\n%s\n\n", w->method_auto);
	md_text(f, w->privacy);
	fputs("\n", f);
}

int exp_write_md(const struct exp_model *m, const char *dir, struct core_strlist *written,
		 struct core_err *err)
{
	const struct exp_words *w = exp_words(m->report_lang);
	struct exp_file o = {0};
	char from[11], to[11];
	int rc;

	if ((rc = exp_file_open(&o, dir, "summary.md", err)))
		goto out;
	date_of(m->first_at, from);
	date_of(m->last_at, to);
	fprintf(o.f, "# %s: ", w->heard);
	md_text(o.f, exp_vision_title(m->cfg, m->report_lang));
	fprintf(o.f, "\n\n%s: %s – %s · %lld %s · %s %s\n\n", w->period, from[0] ? from : "-",
		to[0] ? to : "-", (long long)m->items, exp_count_word(w, m->items), w->generated,
		m->generated_at);
	if ((rc = md_ambitions(o.f, m, w)) || (rc = md_themes(o.f, m, w)) ||
	    (rc = md_campaigns(o.f, m, w))) {
		rc = core_err_set(err, rc, "writing summary.md: out of memory");
		goto out;
	}
	md_method(o.f, m, w);
	rc = exp_file_commit(&o, written, err);
out:
	exp_file_abort(&o);
	return rc;
}
