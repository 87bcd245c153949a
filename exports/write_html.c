/* write_html.c: report.html, one self-contained page (inline CSS and SVG, no script, a
 * Content-Security-Policy that forbids every external request) that prints well. All
 * user and configuration text goes through html_text; every chart has a table beside it. */
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define QUOTE_CHARS 400
#define LABEL_CHARS 34
#define MAX_THEME_SECTIONS 10
#define MAX_THEME_BARS 15
#define MAX_SERIES 8     /* channels in the time chart; the 8th is "other" when needed */
#define MAX_COLUMNS 60   /* time chart columns; a longer period groups weeks */

/* Colour-blind-safe pair (blue / orange) plus two greys; also used in the legend. */
#define C_SUPPORT "#1f77b4"
#define C_OBJECTION "#d95f02"
#define C_NEUTRAL "#c7c7c7"
#define C_MIXED "#7f7f7f"
#define C_THEME "#4a6f8a"

static const char css[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1a1a1a;"
	"max-width:62rem;margin:0 auto;padding:1.5rem;line-height:1.45}\n"
	"h1{font-size:1.7rem;margin-bottom:.2rem}h2{border-bottom:2px solid #ddd;"
	"padding-bottom:.2rem;margin-top:2.2rem}\n"
	".meta{color:#555}\n"
	"table{border-collapse:collapse;width:100%;margin:.8rem 0;font-size:.95rem}\n"
	"th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;"
	"vertical-align:top}\n"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	"caption{text-align:left;font-weight:600;padding:.3rem 0}\n"
	"blockquote{margin:.4rem 0 .4rem 0;padding:.3rem .8rem;border-left:4px solid #ccc;"
	"background:#f7f7f7}\n"
	"blockquote.for{border-left-color:" C_SUPPORT "}blockquote.against{border-left-color:"
	C_OBJECTION "}\n"
	".src{color:#555;font-size:.85rem}\n"
	".sw{display:inline-block;width:.9rem;height:.9rem;vertical-align:middle;"
	"margin:0 .3rem 0 .8rem;border:1px solid #888}\n"
	".s1{background:" C_SUPPORT "}.s2{background:" C_OBJECTION "}.s3{background:"
	C_NEUTRAL "}.s4{background:" C_MIXED "}\n"
	"figure{margin:1rem 0}svg{max-width:100%;height:auto}\n"
	"@media print{body{max-width:none;padding:0;font-size:10.5pt}"
	"h2{break-after:avoid}table,figure,blockquote,article{break-inside:avoid}"
	".sw,.s1,.s2,.s3,.s4,svg rect{print-color-adjust:exact;-webkit-print-color-adjust:exact}}\n";

/* Escapes the five HTML specials; enough for text content and quoted attributes. */
static void html_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* The date part of a timestamp, "-" when there is none. */
static void date_of(const char *ts, char out[11])
{
	size_t n = ts ? strlen(ts) : 0;

	if (!n) {
		memcpy(out, "-", 2);
		return;
	}
	if (n > 10)
		n = 10;
	memcpy(out, ts, n);
	out[n] = '\0';
}

static int html_excerpt(FILE *f, const char *s, size_t max)
{
	char *ex = exp_excerpt(s, max);

	if (!ex)
		return CORE_ENOMEM;
	html_text(f, ex);
	free(ex);
	return 0;
}

static int html_quote(FILE *f, const struct exp_words *w, const char *cls,
		      const struct exp_quote *q)
{
	fprintf(f, "<blockquote class=\"%s\"><p>", cls);
	if (html_excerpt(f, q->text, QUOTE_CHARS))
		return CORE_ENOMEM;
	fprintf(f, "</p><span class=\"src\">%s %lld</span></blockquote>\n", w->item_word,
		(long long)q->item);
	return 0;
}

static void share_text(FILE *f, const struct exp_words *w, const struct exp_amb_row *row)
{
	char p[16], lo[16], hi[16];

	if (!row->has_share) {
		html_text(f, w->no_share);
		return;
	}
	exp_fmt_pct(row->share, p);
	exp_fmt_pct(row->ci_lo, lo);
	exp_fmt_pct(row->ci_hi, hi);
	fprintf(f, "%s%% (%s–%s%%)", p, lo, hi);
}

static void rect(FILE *f, double x, double y, double wd, double h, const char *fill,
		 const char *label, int64_t n)
{
	char sx[32], sy[32], sw[32], sh[32];

	if (wd <= 0.0)
		return;
	exp_fmt_fixed(x, 1, sx);
	exp_fmt_fixed(y, 1, sy);
	exp_fmt_fixed(wd, 1, sw);
	exp_fmt_fixed(h, 1, sh);
	fprintf(f, "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"%s\"><title>", sx,
		sy, sw, sh, fill);
	html_text(f, label);
	fprintf(f, ": %lld</title></rect>\n", (long long)n);
}

/* Diverging stacked bars: objection left of the axis, support right, neutral and mixed
 * centred on it, one row per ambition, one shared scale. */
static int ambition_chart(FILE *f, const struct exp_model *m, const struct exp_words *w)
{
	const double label_w = 260.0, half = 270.0, row_h = 30.0, bar_h = 20.0, top = 26.0;
	const double width = label_w + 2.0 * half + 20.0, centre = label_w + half + 10.0;
	double height = top * 2.0 + row_h * (double)(m->n_ambs ? m->n_ambs : 1), most = 0.0;
	char sv[32], sc[32];

	for (size_t a = 0; a < m->n_ambs; a++) {
		const int64_t *s = m->ambs[a].stance;
		double mid = (double)(s[3] + s[4]) / 2.0;
		double l = (double)s[2] + mid, r = (double)s[1] + mid;
		if (l > most)
			most = l;
		if (r > most)
			most = r;
	}
	exp_fmt_fixed(width, 0, sv);
	exp_fmt_fixed(height, 0, sc);
	fprintf(f, "<figure id=\"chart-ambitions\">\n<svg viewBox=\"0 0 %s %s\" "
		   "width=\"%s\" height=\"%s\" role=\"img\" aria-labelledby=\"chart-title\">\n"
		   "<title id=\"chart-title\">", sv, sc, sv, sc);
	html_text(f, w->chart_title);
	fputs("</title>\n", f);
	exp_fmt_fixed(centre - 6.0, 1, sv);
	fprintf(f, "<text x=\"%s\" y=\"14\" font-size=\"13\" text-anchor=\"end\" "
		   "fill=\"#333\">&#8592; %s</text>\n", sv, w->stance_cap[2]);
	exp_fmt_fixed(centre + 6.0, 1, sv);
	fprintf(f, "<text x=\"%s\" y=\"14\" font-size=\"13\" fill=\"#333\">%s &#8594;</text>\n",
		sv, w->stance_cap[1]);
	for (size_t a = 0; a < m->n_ambs; a++) {
		const struct exp_amb_row *row = &m->ambs[a];
		const int64_t *s = row->stance;
		double scale = most > 0.0 ? half / most : 0.0;
		double y = top + row_h * (double)a, by = y + (row_h - bar_h) / 2.0;
		double start = centre - (double)(s[3] + s[4]) / 2.0 * scale;
		char ty[32];
		char *label = core_asprintf("%s %s", row->amb->code,
					    exp_amb_title(row->amb, m->report_lang));
		char *ex = label ? exp_excerpt(label, LABEL_CHARS) : NULL;

		free(label);
		if (!ex)
			return CORE_ENOMEM;
		exp_fmt_fixed(y + row_h / 2.0 + 5.0, 1, ty);
		fprintf(f, "<text x=\"0\" y=\"%s\" font-size=\"14\">", ty);
		html_text(f, ex);
		fputs("</text>\n", f);
		free(ex);
		rect(f, start - (double)s[2] * scale, by, (double)s[2] * scale, bar_h, C_OBJECTION,
		     w->stance[2], s[2]);
		rect(f, start, by, (double)s[3] * scale, bar_h, C_NEUTRAL, w->stance[3], s[3]);
		rect(f, start + (double)s[3] * scale, by, (double)s[4] * scale, bar_h, C_MIXED,
		     w->stance[4], s[4]);
		rect(f, start + (double)(s[3] + s[4]) * scale, by, (double)s[1] * scale, bar_h,
		     C_SUPPORT, w->stance[1], s[1]);
	}
	exp_fmt_fixed(centre, 1, sv);
	fprintf(f, "<line x1=\"%s\" y1=\"20\" x2=\"%s\" y2=\"%s\" stroke=\"#333\" "
		   "stroke-width=\"1\"/>\n</svg>\n<figcaption>", sv, sv, sc);
	fprintf(f, "<span class=\"sw s2\"></span>%s<span class=\"sw s3\"></span>%s"
		   "<span class=\"sw s4\"></span>%s<span class=\"sw s1\"></span>%s",
		w->stance[2], w->stance[3], w->stance[4], w->stance[1]);
	fputs("</figcaption>\n</figure>\n", f);
	return 0;
}

static int html_ambitions(FILE *f, const struct exp_model *m, const struct exp_words *w)
{
	int rc;

	fprintf(f, "<section id=\"ambitions\">\n<h2>%s</h2>\n", w->ambitions);
	if ((rc = ambition_chart(f, m, w)))
		return rc;
	fprintf(f, "<table id=\"table-ambitions\">\n<caption>%s</caption>\n<thead><tr><th>%s</th><th class=\"n\">%s</th>"
		   "<th class=\"n\">%s</th><th class=\"n\">%s</th><th class=\"n\">%s</th>"
		   "<th class=\"n\">%s</th><th>%s (%s)</th></tr></thead>\n<tbody>\n",
		w->table_alt, w->ambition, w->size, w->stance_cap[1], w->stance_cap[2],
		w->stance_cap[3], w->stance_cap[4], w->share, w->interval);
	for (size_t a = 0; a < m->n_ambs; a++) {
		const struct exp_amb_row *row = &m->ambs[a];
		fputs("<tr><td>", f);
		html_text(f, row->amb->code);
		fputs(" ", f);
		html_text(f, exp_amb_title(row->amb, m->report_lang));
		fprintf(f, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
			   "<td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
			   "<td class=\"n\">%lld</td><td>",
			(long long)row->items, (long long)row->stance[1], (long long)row->stance[2],
			(long long)row->stance[3], (long long)row->stance[4]);
		share_text(f, w, row);
		fputs("</td></tr>\n", f);
	}
	fprintf(f, "<tr><td>%s</td><td class=\"n\">%lld</td><td></td><td></td><td></td><td></td>"
		   "<td></td></tr>\n</tbody>\n</table>\n", w->general, (long long)m->general);

	for (size_t a = 0; a < m->n_ambs; a++) {
		const struct exp_amb_row *row = &m->ambs[a];
		fputs("<article>\n<h3>", f);
		html_text(f, row->amb->code);
		fputs(" ", f);
		html_text(f, exp_amb_title(row->amb, m->report_lang));
		fprintf(f, "</h3>\n<p>%lld %s; %s: ", (long long)row->items, exp_count_word(w, row->items), w->share);
		share_text(f, w, row);
		if (row->n_theme_order) {
			fprintf(f, ". %s: ", w->themes);
			for (size_t i = 0; i < row->n_theme_order && i < 5; i++) {
				const struct exp_theme_row *t = &m->themes[row->theme_order[i]];
				fputs(i ? ", " : "", f);
				html_text(f, t->t.label ? t->t.label : t->t.id);
				fprintf(f, " (%lld)",
					(long long)row->theme_items[row->theme_order[i]]);
			}
		}
		fputs(".</p>\n", f);
		exp_amb_extras(f, row, w, html_text, "<p>", "</p>\n");
		for (int q = 0; q < 2; q++) {
			if (!row->n_quotes[q])
				continue;
			fprintf(f, "<h4>%s</h4>\n",
				q == EXP_Q_SUPPORT ? w->quotes_for : w->quotes_against);
			for (size_t i = 0; i < row->n_quotes[q]; i++)
				if ((rc = html_quote(f, w, q == EXP_Q_SUPPORT ? "for" : "against",
						     &row->quotes[q][i])))
					return rc;
		}
		fputs("</article>\n", f);
	}
	fputs("</section>\n", f);
	return 0;
}

/* Horizontal bars of theme sizes, largest first; the themes table is its alternative. */
static int theme_chart(FILE *f, const struct exp_model *m, const struct exp_words *w)
{
	const double label_w = 300.0, bar_w = 440.0, row_h = 24.0, bar_h = 16.0;
	size_t n = m->n_themes < MAX_THEME_BARS ? m->n_themes : MAX_THEME_BARS;
	double height = row_h * (double)n + 8.0;
	int64_t most = 1;
	char sh[32], sx[32], sy[32], sw[32];

	for (size_t t = 0; t < n; t++)
		if (m->themes[t].size > most)
			most = m->themes[t].size;
	exp_fmt_fixed(height, 0, sh);
	fprintf(f, "<figure id=\"chart-themes\">\n<svg viewBox=\"0 0 820 %s\" width=\"820\" "
		   "height=\"%s\" role=\"img\" aria-labelledby=\"theme-chart-title\">\n"
		   "<title id=\"theme-chart-title\">", sh, sh);
	html_text(f, w->theme_chart);
	fputs("</title>\n", f);
	for (size_t t = 0; t < n; t++) {
		const struct exp_theme_row *row = &m->themes[t];
		double y = 4.0 + row_h * (double)t;
		double wd = bar_w * (double)row->size / (double)most;
		char *label = core_asprintf("%s %s", row->t.id, row->t.label ? row->t.label : "");
		char *ex = label ? exp_excerpt(label, LABEL_CHARS) : NULL;

		free(label);
		if (!ex)
			return CORE_ENOMEM;
		exp_fmt_fixed(y + row_h / 2.0 + 4.0, 1, sy);
		fprintf(f, "<text x=\"0\" y=\"%s\" font-size=\"13\">", sy);
		html_text(f, ex);
		fputs("</text>\n", f);
		free(ex);
		exp_fmt_fixed(y + (row_h - bar_h) / 2.0, 1, sy);
		exp_fmt_fixed(wd < 1.0 ? 1.0 : wd, 1, sw);
		exp_fmt_fixed(label_w, 1, sx);
		fprintf(f, "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"%s\"/>\n",
			sx, sy, sw, "16.0", C_THEME);
		exp_fmt_fixed(label_w + (wd < 1.0 ? 1.0 : wd) + 6.0, 1, sx);
		exp_fmt_fixed(y + row_h / 2.0 + 4.0, 1, sy);
		fprintf(f, "<text x=\"%s\" y=\"%s\" font-size=\"13\">%lld</text>\n", sx, sy,
			(long long)row->size);
	}
	fputs("</svg>\n</figure>\n", f);
	return 0;
}

static int html_themes(FILE *f, const struct exp_model *m, const struct exp_words *w)
{
	int rc;

	fprintf(f, "<section id=\"themes\">\n<h2>%s</h2>\n", w->themes);
	if (!m->n_themes) {
		fprintf(f, "<p>%s.</p>\n</section>\n", w->none);
		return 0;
	}
	if ((rc = theme_chart(f, m, w)))
		return rc;
	fprintf(f, "<table id=\"table-themes\">\n<caption>%s</caption>\n<thead><tr><th>id</th>"
		   "<th>%s</th><th class=\"n\">%s</th><th>%s</th><th class=\"n\">%s</th>"
		   "<th class=\"n\">%s</th></tr></thead>\n<tbody>\n", w->table_alt, w->theme,
		w->size, w->terms, w->stance_cap[1], w->stance_cap[2]);
	for (size_t t = 0; t < m->n_themes; t++) {
		const struct exp_theme_row *row = &m->themes[t];

		fputs("<tr><td>", f);
		html_text(f, row->t.id);
		fputs("</td><td>", f);
		html_text(f, row->t.label);
		fprintf(f, "</td><td class=\"n\">%lld</td><td>", (long long)row->size);
		for (size_t i = 0; i < row->t.top_terms.n && i < 6; i++) {
			fputs(i ? ", " : "", f);
			html_text(f, row->t.top_terms.v[i]);
		}
		fprintf(f, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td></tr>\n",
			(long long)row->stance[1], (long long)row->stance[2]);
	}
	fputs("</tbody>\n</table>\n", f);
	for (size_t t = 0; t < m->n_themes && t < MAX_THEME_SECTIONS; t++) {
		const struct exp_theme_row *row = &m->themes[t];
		int shown = 0;

		fputs("<article>\n<h3>", f);
		html_text(f, row->t.id);
		fputs(": ", f);
		html_text(f, row->t.label);
		fprintf(f, "</h3>\n<p>%lld %s", (long long)row->size, exp_count_word(w, row->size));
		for (size_t a = 0; a < m->n_ambs; a++) {
			if (!row->amb_items[a])
				continue;
			fputs(shown ? ", " : "; ", f);
			html_text(f, m->ambs[a].amb->code);
			fprintf(f, " %lld", (long long)row->amb_items[a]);
			shown = 1;
		}
		fputs(".</p>\n", f);
		shown = 0;
		for (int q = 0; q < 2; q++) {
			if (!row->stance_quote[q].text)
				continue;
			fprintf(f, "<h4>%s</h4>\n",
				q == EXP_Q_SUPPORT ? w->quotes_for : w->quotes_against);
			if ((rc = html_quote(f, w, q == EXP_Q_SUPPORT ? "for" : "against",
					     &row->stance_quote[q])))
				return rc;
			shown = 1;
		}
		if (!shown && row->n_quotes) {
			fprintf(f, "<h4>%s</h4>\n", w->quotes);
			if ((rc = html_quote(f, w, "", &row->quotes[0])))
				return rc;
		}
		fputs("</article>\n", f);
	}
	fputs("</section>\n", f);
	return 0;
}

/* The week (Monday) of column col as "YYYY-MM-DD". */
static void week_label(int64_t day, char out[11])
{
	char iso[21];

	core_time_format((time_t)(day * 86400), iso);
	memcpy(out, iso, 10);
	out[10] = '\0';
}

/* Reactions over time: stacked bars per week (or per few weeks for a long period), one
 * colour per channel (the largest sources; the rest together as "other"), then the same
 * counts as a table. */
static int time_chart(FILE *f, const struct exp_model *m, const struct exp_words *w)
{
	static const char *const palette[MAX_SERIES] = {
		"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000",
		"#999999"};
	const double left = 48.0, plot_w = 760.0, plot_h = 200.0, top = 10.0;
	size_t order[MAX_SERIES], n_series = 0, *series = NULL, n_cols, span;
	int64_t bucket, *counts = NULL, most = 1;
	int other = 0, rc = 0;
	char sx[32], sy[32], sw[32], sh[32], d[11];

	fprintf(f, "<section id=\"timeline\">\n<h2>%s</h2>\n", w->time_title);
	if (!m->has_weeks || !m->n_sources) {
		fprintf(f, "<p>%s.</p>\n</section>\n", w->none);
		return 0;
	}
	/* Series: the largest sources (ties by name), the rest merged into "other". */
	series = calloc(m->n_sources, sizeof(*series));
	if (!series)
		return CORE_ENOMEM;
	for (size_t k = 0; k < m->n_sources; k++) {
		size_t best = m->n_sources;
		for (size_t i = 0; i < m->n_sources; i++) {
			int used = 0;
			for (size_t j = 0; j < n_series; j++)
				used |= order[j] == i;
			if (used)
				continue;
			if (best == m->n_sources || m->sources[i].n > m->sources[best].n)
				best = i;
		}
		if (n_series == MAX_SERIES - 1 && m->n_sources > MAX_SERIES) {
			other = 1;
			break;
		}
		order[n_series++] = best;
	}
	for (size_t i = 0; i < m->n_sources; i++) {
		series[i] = MAX_SERIES - 1;
		for (size_t j = 0; j < n_series; j++)
			if (order[j] == i)
				series[i] = j;
	}
	if (other)
		n_series = MAX_SERIES;
	span = (size_t)((m->week_last - m->week_first) / 7 + 1);
	bucket = (int64_t)((span + MAX_COLUMNS - 1) / MAX_COLUMNS);
	n_cols = (size_t)((int64_t)span + bucket - 1) / (size_t)bucket;
	counts = calloc(n_cols * MAX_SERIES, sizeof(*counts));
	if (!counts) {
		rc = CORE_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < m->n_sources; i++)
		for (size_t k = 0; k < m->sources[i].n_weeks; k++) {
			const struct exp_week *wk = &m->sources[i].weeks[k];
			size_t col = (size_t)((wk->week - m->week_first) / 7 / bucket);
			counts[col * MAX_SERIES + series[i]] += wk->n;
		}
	for (size_t c = 0; c < n_cols; c++) {
		int64_t sum = 0;
		for (size_t j = 0; j < MAX_SERIES; j++)
			sum += counts[c * MAX_SERIES + j];
		if (sum > most)
			most = sum;
	}

	exp_fmt_fixed(top + plot_h + 30.0, 0, sh);
	fprintf(f, "<figure id=\"chart-timeline\">\n<svg viewBox=\"0 0 820 %s\" width=\"820\" "
		   "height=\"%s\" role=\"img\" aria-labelledby=\"time-chart-title\">\n"
		   "<title id=\"time-chart-title\">", sh, sh);
	html_text(f, w->time_title);
	fputs("</title>\n", f);
	exp_fmt_fixed(top + plot_h, 1, sy);
	exp_fmt_fixed(left + plot_w, 1, sx);
	fprintf(f, "<line x1=\"%.1f\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"#333\"/>\n"
		   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%s\" stroke=\"#333\"/>\n",
		left, sy, sx, sy, left, top, left, sy);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">%lld</text>\n"
		   "<text x=\"%.1f\" y=\"%s\" font-size=\"12\" text-anchor=\"end\">0</text>\n",
		left - 4.0, top + 10.0, (long long)most, left - 4.0, sy);
	for (size_t c = 0; c < n_cols; c++) {
		double slot = plot_w / (double)n_cols, x = left + slot * (double)c + slot * 0.1;
		double bw = slot * 0.8, y = top + plot_h;

		for (size_t j = 0; j < MAX_SERIES; j++) {
			int64_t v = counts[c * MAX_SERIES + j];
			double h = plot_h * (double)v / (double)most;
			const char *name = NULL;
			if (!v)
				continue;
			y -= h;
			for (size_t i = 0; i < m->n_sources && !name; i++)
				if (series[i] == j)
					name = j == MAX_SERIES - 1 && other ? w->other : m->sources[i].key;
			week_label(m->week_first + (int64_t)c * bucket * 7, d);
			exp_fmt_fixed(x, 1, sx);
			exp_fmt_fixed(y, 1, sy);
			exp_fmt_fixed(bw, 1, sw);
			exp_fmt_fixed(h, 1, sh);
			fprintf(f, "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"%s\">"
				   "<title>%s %s, ", sx, sy, sw, sh, palette[j], w->week, d);
			html_text(f, name ? name : "");
			fprintf(f, ": %lld</title></rect>\n", (long long)v);
		}
	}
	/* Dates under the first, middle and last column. */
	for (int k = 0; k < 3; k++) {
		size_t c = k == 0 ? 0 : k == 1 ? n_cols / 2 : n_cols - 1;
		double slot = plot_w / (double)n_cols;
		if ((k == 1 && (c == 0 || c == n_cols - 1)) || (k == 2 && c == 0))
			continue;
		week_label(m->week_first + (int64_t)c * bucket * 7, d);
		exp_fmt_fixed(left + slot * ((double)c + 0.5), 1, sx);
		fprintf(f, "<text x=\"%s\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">%s"
			   "</text>\n", sx, top + plot_h + 18.0, d);
	}
	fputs("</svg>\n<figcaption>", f);
	for (size_t j = 0; j < n_series; j++) {
		fprintf(f, "<span class=\"sw\" style=\"background:%s\"></span>", palette[j]);
		if (j == MAX_SERIES - 1 && other)
			html_text(f, w->other);
		else
			html_text(f, m->sources[order[j]].key);
	}
	fputs("</figcaption>\n</figure>\n", f);

	/* The table alternative: one row per column, one column per series. */
	fprintf(f, "<table id=\"table-timeline\">\n<caption>%s</caption>\n<thead><tr><th>%s</th>",
		w->table_alt, w->week);
	for (size_t j = 0; j < n_series; j++) {
		fputs("<th class=\"n\">", f);
		html_text(f, j == MAX_SERIES - 1 && other ? w->other : m->sources[order[j]].key);
		fputs("</th>", f);
	}
	fprintf(f, "<th class=\"n\">%s</th></tr></thead>\n<tbody>\n", w->total);
	for (size_t c = 0; c < n_cols; c++) {
		int64_t sum = 0;
		week_label(m->week_first + (int64_t)c * bucket * 7, d);
		fprintf(f, "<tr><td>%s</td>", d);
		for (size_t j = 0; j < n_series; j++) {
			int64_t v = counts[c * MAX_SERIES + j];
			sum += v;
			fprintf(f, "<td class=\"n\">%lld</td>", (long long)v);
		}
		fprintf(f, "<td class=\"n\">%lld</td></tr>\n", (long long)sum);
	}
	fputs("</tbody>\n</table>\n</section>\n", f);
out:
	free(series);
	free(counts);
	return rc;
}

static int html_campaigns(FILE *f, const struct exp_model *m, const struct exp_words *w)
{
	fprintf(f, "<section id=\"campaigns\">\n<h2>%s</h2>\n", w->campaigns);
	if (!m->n_campaigns) {
		fprintf(f, "<p>%s</p>\n</section>\n", w->no_campaigns);
		return 0;
	}
	fprintf(f, "<table>\n<thead><tr><th>id</th><th class=\"n\">%s</th><th>%s</th></tr></thead>\n"
		   "<tbody>\n", w->size, w->template);
	for (size_t c = 0; c < m->n_campaigns; c++) {
		fputs("<tr><td>", f);
		html_text(f, m->campaigns[c].id);
		fprintf(f, "</td><td class=\"n\">%lld</td><td>", (long long)m->campaigns[c].size);
		if (html_excerpt(f, m->campaigns[c].template_text, QUOTE_CHARS))
			return CORE_ENOMEM;
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody>\n</table>\n</section>\n", f);
	return 0;
}

static void html_method(FILE *f, const struct exp_model *m, const struct exp_words *w)
{
	char from[11], to[11];

	date_of(m->first_at, from);
	date_of(m->last_at, to);
	fprintf(f, "<section id=\"method\">\n<h2>%s</h2>\n<ul>\n", w->method);
	fprintf(f, "<li>%s: %s – %s</li>\n", w->period_word, from, to);
	fprintf(f, "<li>%s: %lld (%s %lld %s, %lld %s, %lld %s)</li>\n", w->method_items,
		(long long)m->items, w->of_which, (long long)m->campaign_items, w->in_campaigns,
		(long long)m->general, w->no_ambition, (long long)m->unassigned, w->unassigned);
	fprintf(f, "<li>%s: ", w->method_sources);
	for (size_t i = 0; i < m->n_sources; i++) {
		fputs(i ? ", " : "", f);
		html_text(f, m->sources[i].key);
		fprintf(f, " (%lld)", (long long)m->sources[i].n);
	}
	fprintf(f, "%s</li>\n<li>%s: ", m->n_sources ? "" : w->none, w->method_langs);
	for (size_t i = 0; i < m->n_langs; i++) {
		fputs(i ? ", " : "", f);
		html_text(f, m->langs[i].key);
		fprintf(f, " (%lld)", (long long)m->langs[i].n);
	}
	fprintf(f, "%s</li>\n", m->n_langs ? "" : w->none);
	fprintf(f, "<li>%s: %s %lld, %s %lld, %s %lld</li>\n", w->decided_by, w->origin[0],
		(long long)m->origins[0], w->origin[1], (long long)m->origins[1], w->origin[2],
		(long long)m->origins[2]);
	fprintf(f, "<li>%s: %s %lld %s</li>\n<li>%s: %lld %s</li>\n", w->automated,
		w->method_auto_what, (long long)m->items, exp_count_word(w, m->items), w->reviewed,
		(long long)m->reviewed, exp_count_word(w, m->reviewed));
	fprintf(f, "<li>%s: %s %lld, %s %llu, %s %d, ", w->method_run, w->run_word,
		(long long)m->run.id, w->seed, (unsigned long long)m->run.seed, w->themes_k,
		m->run.k);
	html_text(f, m->run.finished_at);
	fputs("</li>\n", f);
	if (m->filter.since || m->filter.until || m->filter.source || m->filter.lang ||
	    m->filter.ambition || m->group) {
		const char *names[] = {"since", "until", "source", "lang", "ambition", "group"};
		const char *vals[] = {m->filter.since, m->filter.until, m->filter.source,
				      m->filter.lang, m->filter.ambition, m->group};
		fprintf(f, "<li>%s:", w->filters);
		for (int i = 0; i < 6; i++) {
			if (!vals[i])
				continue;
			fprintf(f, " %s ", names[i]);
			html_text(f, vals[i]);
		}
		fputs("</li>\n", f);
	}
	fputs("</ul>\n<p>", f);
	html_text(f, w->method_auto);
	fputs("</p>\n<p>", f);
	html_text(f, w->privacy);
	fputs("</p>\n</section>\n", f);
}

int exp_write_html(const struct exp_model *m, const char *dir, struct core_strlist *written,
		   struct core_err *err)
{
	const struct exp_words *w = exp_words(m->report_lang);
	const char *title = exp_vision_title(m->cfg, m->report_lang);
	struct exp_file o = {0};
	char from[11], to[11];
	int rc;

	if ((rc = exp_file_open(&o, dir, "report.html", err)))
		goto out;
	date_of(m->first_at, from);
	date_of(m->last_at, to);
	fprintf(o.f, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
		     "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		     "style-src 'unsafe-inline'; img-src data:\">\n"
		     "<meta name=\"referrer\" content=\"no-referrer\">\n"
		     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		     "<title>", w->lang);
	html_text(o.f, w->heard);
	fputs(": ", o.f);
	html_text(o.f, title);
	fprintf(o.f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", css);
	html_text(o.f, w->heard);
	fputs(": ", o.f);
	html_text(o.f, title);
	fprintf(o.f, "</h1>\n<p class=\"meta\">%s: %s – %s · %lld %s · %s ", w->period, from, to,
		(long long)m->items, exp_count_word(w, m->items), w->generated);
	html_text(o.f, m->generated_at);
	fputs("</p>\n</header>\n<main>\n", o.f);
	if ((rc = html_ambitions(o.f, m, w)) || (rc = html_themes(o.f, m, w)) ||
	    (rc = time_chart(o.f, m, w)) || (rc = html_campaigns(o.f, m, w))) {
		rc = core_err_set(err, rc, "writing report.html: out of memory");
		goto out;
	}
	html_method(o.f, m, w);
	fputs("</main>\n</body>\n</html>\n", o.f);
	rc = exp_file_commit(&o, written, err);
out:
	exp_file_abort(&o);
	return rc;
}
