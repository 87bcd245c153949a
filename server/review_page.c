/* review_page.c: the HTML of the review pages: overview (ambitions by stance, themes),
 * a theme with its items (filter, full-text search, paging, split), an item with its
 * evidence and every action, the uncertain list and the audit log. Every value is
 * escaped; no script; one inline stylesheet allowed by its hash in the CSP. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"

#define PAGE_SIZE 50
#define SNIPPET 300 /* bytes of an item's text in a list */

const char rv_css[] =
	"body{font-family:system-ui,sans-serif;line-height:1.45;margin:0;color:#1b1b1b}"
	"header{background:#12355b;color:#fff;padding:.5rem 1rem}"
	"header a{color:#fff;margin-right:1rem}header form{display:inline;float:right}"
	"main{max-width:70rem;margin:0 auto;padding:1rem}"
	"table{border-collapse:collapse;width:100%;margin:0 0 1rem}"
	"th,td{border-bottom:1px solid #ccc;padding:.3rem .5rem;text-align:left;"
	"vertical-align:top}td.n,th.n{text-align:right}"
	"form.inline{display:inline-block;margin:0 1rem .5rem 0}"
	"fieldset{border:1px solid #999;margin:0 0 1rem;padding:.5rem 1rem}"
	"blockquote{white-space:pre-wrap;border-left:4px solid #12355b;margin:0 0 1rem;"
	"padding:.25rem 1rem;background:#f4f6f8}"
	".flash{border:2px solid #1a7f37;padding:.5rem 1rem}"
	".err{border:2px solid #a00;padding:.5rem 1rem}"
	".muted{color:#555}header .muted{color:#dde}"
	"dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem}dd{margin:0}"
	"td code{white-space:normal;overflow-wrap:anywhere}"
	".tag{border:1px solid #888;border-radius:3px;padding:0 .3rem;"
	"margin-right:.3rem;white-space:nowrap}.reviewer{border-color:#1a7f37;font-weight:bold}"
	"button,input,select{font:inherit}:focus{outline:3px solid #0b57d0;outline-offset:2px}";

static const char *const stance_nl[] = {"", "steun", "bezwaar", "neutraal", "gemengd"};
static const char *const origin_nl[] = {"analyse", "respondent", "reviewer"};

/* Appends printf-formatted text, escaping nothing: only for markup and numbers. */
#define P(...)                                                                             \
	do {                                                                               \
		if ((rc = core_buf_printf(out, __VA_ARGS__)))                              \
			goto out;                                                          \
	} while (0)
/* Appends user text, escaped. */
#define E(s)                                                                               \
	do {                                                                               \
		if ((rc = page_esc(out, (s))))                                             \
			goto out;                                                          \
	} while (0)

/* Percent-encodes s for a query string. */
static int url_enc(struct core_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && !rc; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.')
			rc = core_buf_append(b, p, 1);
		else
			rc = core_buf_printf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
	return rc;
}

static int head(struct rv_view *v, struct core_buf *out, const char *title)
{
	int rc = 0;
	P("<!doctype html><html lang=\"nl\"><head><meta charset=\"utf-8\">"
	  "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>");
	E(title);
	P(" · inspraak review</title><style>%s</style></head><body>", rv_css);
	if (v) {
		P("<header><nav aria-label=\"review\"><a href=\"/review\">Overzicht</a>"
		  "<a href=\"/review/uncertain\">Onzeker</a><a href=\"/review/search\">Zoeken</a>"
		  "<a href=\"/review/log\">Logboek</a><span class=\"muted\">ingelogd als ");
		E(v->reviewer);
		P("</span><form method=\"post\" action=\"/review/logout\"><input type=\"hidden\" "
		  "name=\"csrf\" value=\"%s\"><button>Uitloggen</button></form></nav></header>",
		  v->csrf);
	}
	P("<main><h1>");
	E(title);
	P("</h1>");
	if (v && v->done > 0)
		P("<p class=\"flash\" role=\"status\">Opgeslagen als besluit %lld.</p>",
		  (long long)v->done);
out:
	return rc;
}

static int tail(struct core_buf *out)
{
	return core_buf_puts(out, "</main></body></html>\n");
}

static int csrf_field(struct rv_view *v, struct core_buf *out)
{
	return core_buf_printf(out, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", v->csrf);
}

/* An item's text cut to about n bytes on a character boundary. */
static int snippet(struct core_buf *out, const char *text, size_t n)
{
	size_t len = text ? strlen(text) : 0;
	char *cut;
	int rc;

	if (len <= n)
		return page_esc(out, text);
	while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
		n--;
	if (!(cut = core_strndup(text, n)))
		return CORE_ENOMEM;
	rc = page_esc(out, cut);
	free(cut);
	return rc ? rc : core_buf_puts(out, " …");
}

static int stance_tags(struct core_buf *out, const struct core_item_view *it)
{
	int rc = 0;
	if (!it->n_stances)
		return core_buf_puts(out, "<span class=\"muted\">algemeen</span>");
	for (size_t i = 0; i < it->n_stances && !rc; i++) {
		const struct core_item_stance *s = &it->stances[i];
		rc = core_buf_printf(out, "<span class=\"tag%s\" title=\"%s, score %.2f\">",
				     s->origin == CORE_ORIGIN_REVIEWER ? " reviewer" : "",
				     origin_nl[s->origin <= 2 ? s->origin : 0], s->score);
		if (!rc)
			rc = page_esc(out, s->code);
		if (!rc)
			rc = core_buf_printf(out, " %s</span>",
					     stance_nl[s->stance <= 4 ? s->stance : 0]);
	}
	return rc;
}

/* The end of a page that loaded the latest run's themes: keeps the store's message for
 * the error page and frees what was loaded. Returns rc. */
static int finish(struct rv_view *v, int rc, const struct core_err *err,
		  struct core_theme *themes, size_t n, struct core_run_info *info)
{
	if (rc && !v->error[0] && err->msg[0])
		snprintf(v->error, sizeof(v->error), "%s", err->msg);
	for (size_t i = 0; i < n; i++)
		core_theme_release(&themes[i]);
	free(themes);
	core_run_info_release(info);
	return rc;
}

/* ---------------------------------------------------------------- overview */

struct tally {
	char key[32];
	int64_t n[5];
};
struct tallies {
	struct tally *v;
	size_t n;
};

static struct tally *tally_of(struct tallies *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].key, key))
			return &t->v[i];
	return NULL;
}

static int tally_add(const char *key, enum core_stance s, int64_t n, void *ctx)
{
	struct tallies *t = ctx;
	struct tally *x = tally_of(t, key ? key : "");
	if (!x) {
		struct tally *g = realloc(t->v, (t->n + 1) * sizeof(*g));
		if (!g)
			return CORE_ENOMEM;
		t->v = g;
		x = &t->v[t->n++];
		memset(x, 0, sizeof(*x));
		snprintf(x->key, sizeof(x->key), "%s", key ? key : "");
	}
	x->n[(unsigned)s <= 4 ? s : 0] += n;
	return 0;
}

/* The four stance counts and the total; each count links to the items behind it
 * (base is a URL with a query string, already escaped for an attribute). */
static int split_cells(struct core_buf *out, const struct tally *t, const char *base)
{
	int64_t sum = 0;
	int rc = 0;

	for (int s = 1; s <= 4 && !rc; s++) {
		int64_t n = t ? t->n[s] : 0;
		sum += n;
		if (n)
			rc = core_buf_printf(out, "<td class=\"n\"><a href=\"%s&amp;stance=%s\">%lld"
					     "</a></td>", base, core_stance_name((enum core_stance)s),
					     (long long)n);
		else
			rc = core_buf_puts(out, "<td class=\"n\">0</td>");
	}
	return rc ? rc : core_buf_printf(out, "<td class=\"n\">%lld</td>", (long long)sum);
}

/* base = prefix, value url-encoded, suffix: the links of split_cells. */
static int link_base(struct core_buf *b, const char *prefix, const char *value,
		     const char *suffix)
{
	int rc;
	b->len = 0;
	if ((rc = core_buf_puts(b, prefix)) || (rc = url_enc(b, value)) ||
	    (rc = core_buf_puts(b, suffix)))
		return rc;
	return 0;
}

int rv_page_overview(struct rv_view *v, struct core_buf *out)
{
	struct tallies amb = {0}, th = {0};
	struct core_run_info info = {0};
	struct core_buf base;
	struct core_theme *themes = NULL;
	struct core_err err = {0};
	size_t n = 0;
	int rc;

	core_buf_init(&base, 512);
	if ((rc = head(v, out, "Overzicht")))
		goto out;
	if (core_db_run_latest(v->db, &info, &err)) {
		P("<p>Nog geen analyse. Draai <code>inspraak analyze</code>.</p>");
		rc = tail(out);
		goto out;
	}
	if ((rc = core_db_review_counts(v->db, 0, tally_add, &amb, &err)) ||
	    (rc = core_db_review_counts(v->db, 1, tally_add, &th, &err)) ||
	    (rc = core_db_run_themes(v->db, info.id, &themes, &n, &err)))
		goto out;
	P("<p class=\"muted\">Analyse %lld van %s, %lld reacties.</p>", (long long)info.id,
	  info.finished_at, (long long)info.items);
	P("<h2>Ambities en standpunten</h2><table><thead><tr><th>Ambitie</th>"
	  "<th class=\"n\">steun</th><th class=\"n\">bezwaar</th><th class=\"n\">neutraal</th>"
	  "<th class=\"n\">gemengd</th><th class=\"n\">totaal</th></tr></thead><tbody>");
	for (size_t i = 0; i < v->cfg->n_ambitions; i++) {
		const struct core_ambition *a = &v->cfg->ambitions[i];
		P("<tr><th scope=\"row\"><a href=\"/review/search?ambition=");
		if ((rc = url_enc(out, a->code)))
			goto out;
		P("\">");
		E(a->code);
		P("</a> ");
		E(a->title);
		P("</th>");
		if ((rc = link_base(&base, "/review/search?ambition=", a->code, "")) ||
		    (rc = split_cells(out, tally_of(&amb, a->code), base.data)))
			goto out;
		P("</tr>");
	}
	P("</tbody></table><h2>Thema's</h2><table><thead><tr><th>Id</th><th>Label</th>"
	  "<th class=\"n\">grootte</th><th class=\"n\">steun</th><th class=\"n\">bezwaar</th>"
	  "<th class=\"n\">neutraal</th><th class=\"n\">gemengd</th><th class=\"n\">totaal</th>"
	  "</tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		P("<tr><td><a href=\"/review/themes/");
		if ((rc = url_enc(out, themes[i].id)))
			goto out;
		P("\">");
		E(themes[i].id);
		P("</a></td><td>");
		E(themes[i].label);
		P("</td><td class=\"n\">%lld</td>", (long long)themes[i].size);
		if ((rc = link_base(&base, "/review/themes/", themes[i].id, "?page=1")) ||
		    (rc = split_cells(out, tally_of(&th, themes[i].id), base.data)))
			goto out;
		P("</tr>");
	}
	P("</tbody></table>");
	rc = tail(out);
out:
	if (rc && err.msg[0])
		snprintf(v->error, sizeof(v->error), "%s", err.msg);
	for (size_t i = 0; i < n; i++)
		core_theme_release(&themes[i]);
	free(themes);
	free(amb.v);
	free(th.v);
	core_buf_release(&base);
	core_run_info_release(&info);
	return rc;
}

static int history_row(const struct core_decision *d, void *ctx);
static int log_head(struct core_buf *out);

/* ---------------------------------------------------------------- item lists */

struct list {
	struct rv_view *v;
	struct core_buf *out;
	int split;     /* checkboxes for a split */
	int score;     /* show the lowest analysis score */
};

static int list_row(const struct core_item_view *it, void *ctx)
{
	struct list *l = ctx;
	struct core_buf *out = l->out;
	int rc = 0;
	double low = 2;

	P("<tr>");
	if (l->split)
		P("<td><input type=\"checkbox\" name=\"item\" value=\"%lld\" id=\"c%lld\" "
		  "aria-label=\"reactie %lld afsplitsen\"></td>", (long long)it->item.id,
		  (long long)it->item.id, (long long)it->item.id);
	P("<td><a href=\"/review/items/%lld\">%lld</a></td><td>", (long long)it->item.id,
	  (long long)it->item.id);
	if ((rc = snippet(out, it->item.text, SNIPPET)))
		goto out;
	P("</td><td>");
	if ((rc = stance_tags(out, it)))
		goto out;
	if (it->reviewed)
		P(" <span class=\"tag reviewer\">nagekeken</span>");
	P("</td><td>");
	if (it->theme) {
		P("<a href=\"/review/themes/");
		if ((rc = url_enc(out, it->theme)))
			goto out;
		P("\">");
		E(it->theme);
		P("</a>");
	}
	P("</td>");
	if (l->score) {
		for (size_t i = 0; i < it->n_stances; i++)
			if (it->stances[i].origin == CORE_ORIGIN_ANALYSIS && it->stances[i].score < low)
				low = it->stances[i].score;
		P("<td class=\"n\">%.2f</td>", low <= 1 ? low : 0);
	}
	P("</tr>");
out:
	return rc;
}

/* The page links: path plus the current filters and another page number. */
static int page_link(struct rv_view *v, struct core_buf *out, const char *path, int64_t page)
{
	int rc;
	if ((rc = core_buf_puts(out, path)) || (rc = core_buf_printf(out, "?page=%lld",
								     (long long)page)))
		return rc;
	if (v->ambition && ((rc = core_buf_puts(out, "&amp;ambition=")) ||
			    (rc = url_enc(out, v->ambition))))
		return rc;
	if (v->stance && (rc = core_buf_printf(out, "&amp;stance=%s", core_stance_name(v->stance))))
		return rc;
	if (v->q && *v->q && ((rc = core_buf_puts(out, "&amp;q=")) || (rc = url_enc(out, v->q))))
		return rc;
	return 0;
}

static int pager(struct rv_view *v, struct core_buf *out, const char *path, int64_t total)
{
	int64_t pages = total ? (total + PAGE_SIZE - 1) / PAGE_SIZE : 1;
	int rc = 0;

	P("<nav aria-label=\"pagina's\"><p>Pagina %lld van %lld (%lld reacties) ",
	  (long long)v->page, (long long)pages, (long long)total);
	if (v->page > 1) {
		P("<a rel=\"prev\" href=\"");
		if ((rc = page_link(v, out, path, v->page - 1)))
			goto out;
		P("\">vorige</a> ");
	}
	if (v->page < pages) {
		P("<a rel=\"next\" href=\"");
		if ((rc = page_link(v, out, path, v->page + 1)))
			goto out;
		P("\">volgende</a>");
	}
	P("</p></nav>");
out:
	return rc;
}

static int filter_form(struct rv_view *v, struct core_buf *out, const char *path)
{
	int rc = 0;
	P("<form method=\"get\" action=\"%s\" role=\"search\"><fieldset><legend>Filter en zoek"
	  "</legend><label>Ambitie <select name=\"ambition\"><option value=\"\">alle</option>",
	  path);
	for (size_t i = 0; i < v->cfg->n_ambitions; i++) {
		const char *code = v->cfg->ambitions[i].code;
		P("<option value=\"");
		E(code);
		P("\"%s>", v->ambition && !strcmp(v->ambition, code) ? " selected" : "");
		E(code);
		P(" ");
		E(v->cfg->ambitions[i].title);
		P("</option>");
	}
	P("</select></label> <label>Standpunt <select name=\"stance\"><option value=\"\">alle"
	  "</option>");
	for (int s = 1; s <= 4; s++)
		P("<option value=\"%s\"%s>%s</option>", core_stance_name((enum core_stance)s),
		  (int)v->stance == s ? " selected" : "", stance_nl[s]);
	P("</select></label> <label>Woorden <input type=\"search\" name=\"q\" value=\"");
	E(v->q);
	P("\"></label> <button>Toon</button></fieldset></form>");
out:
	return rc;
}

static int item_table(struct rv_view *v, struct core_buf *out, struct core_review_query *q,
		      const char *path, int split, int score)
{
	struct list l = {.v = v, .out = out, .split = split, .score = score};
	struct core_err err = {0};
	int64_t total = 0;
	int rc = 0;

	q->offset = (v->page - 1) * PAGE_SIZE;
	q->limit = PAGE_SIZE;
	P("<table><thead><tr>%s<th>Id</th><th>Tekst</th><th>Ambities en standpunten</th>"
	  "<th>Thema</th>%s</tr></thead><tbody>", split ? "<th>Kies</th>" : "",
	  score ? "<th class=\"n\">zekerheid</th>" : "");
	if ((rc = core_db_review_items(v->db, q, list_row, &l, &total, &err))) {
		if (rc == CORE_ELIMIT || rc == CORE_ERUNTIME) {
			v->status = 400;
			snprintf(v->error, sizeof(v->error), "%s", err.msg);
		} else {
			snprintf(v->error, sizeof(v->error), "%s", err.msg);
		}
		goto out;
	}
	P("</tbody></table>");
	rc = pager(v, out, path, total);
out:
	return rc;
}

int rv_page_theme(struct rv_view *v, struct core_buf *out)
{
	struct core_review_query q = {.theme = v->theme, .ambition = v->ambition,
				      .stance = v->stance, .match = v->q};
	struct core_run_info info = {0};
	struct core_theme *themes = NULL, *t = NULL;
	struct core_err err = {0};
	char path[64], title[300];
	size_t n = 0;
	int rc = 0;

	if (!v->theme) {
		if ((rc = head(v, out, "Zoeken")) || (rc = filter_form(v, out, "/review/search")) ||
		    (rc = item_table(v, out, &q, "/review/search", 0, 0)))
			goto out;
		rc = tail(out);
		goto out;
	}
	if (core_db_run_latest(v->db, &info, &err) == 0 &&
	    (rc = core_db_run_themes(v->db, info.id, &themes, &n, &err)))
		goto out;
	for (size_t i = 0; i < n && !t; i++)
		if (!strcmp(themes[i].id, v->theme))
			t = &themes[i];
	if (!t) {
		v->status = 404;
		snprintf(v->error, sizeof(v->error), "Thema '%s' staat niet in de laatste analyse.",
			 v->theme);
		rc = CORE_ERUNTIME;
		goto out;
	}
	snprintf(path, sizeof(path), "/review/themes/%s", t->id);
	snprintf(title, sizeof(title), "Thema %s: %s", t->id, t->label ? t->label : "");
	if ((rc = head(v, out, title)))
		goto out;
	P("<p>%lld reacties. Kernwoorden: ", (long long)t->size);
	for (size_t i = 0; i < t->top_terms.n; i++) {
		E(t->top_terms.v[i]);
		P("%s", i + 1 < t->top_terms.n ? ", " : "");
	}
	P("</p><h2>Citaten</h2><table><tbody>");
	for (size_t i = 0; i < t->n_quotes && i < 5; i++) {
		struct core_review_query one = {.item = t->quotes[i]};
		struct list l = {.v = v, .out = out};
		if ((rc = core_db_review_items(v->db, &one, list_row, &l, NULL, &err)))
			goto out;
	}
	P("</tbody></table>");
	/* Theme actions. */
	P("<h2>Acties</h2><form class=\"inline\" method=\"post\" action=\"%s/rename\">", path);
	if ((rc = csrf_field(v, out)))
		goto out;
	P("<label>Nieuw label <input name=\"label\" required maxlength=\"200\" value=\"");
	E(t->label);
	P("\"></label> <button>Hernoemen</button></form>"
	  "<form class=\"inline\" method=\"post\" action=\"%s/merge\">", path);
	if ((rc = csrf_field(v, out)))
		goto out;
	P("<label>Dit thema opnemen in <select name=\"into\">");
	for (size_t i = 0; i < n; i++) {
		if (&themes[i] == t)
			continue;
		P("<option value=\"");
		E(themes[i].id);
		P("\">");
		E(themes[i].id);
		P(" ");
		E(themes[i].label);
		P("</option>");
	}
	P("</select></label> <button>Samenvoegen</button></form>"
	  "<form class=\"inline\" method=\"post\" action=\"%s/note\">", path);
	if ((rc = csrf_field(v, out)))
		goto out;
	P("<label>Notitie <input name=\"note\" required maxlength=\"4000\"></label> "
	  "<button>Notitie opslaan</button></form>");
	P("<h2>Reacties</h2>");
	if ((rc = filter_form(v, out, path)))
		goto out;
	P("<form method=\"post\" action=\"%s/split\">", path);
	if ((rc = csrf_field(v, out)) || (rc = item_table(v, out, &q, path, 1, 0)))
		goto out;
	P("<fieldset><legend>Gekozen reacties afsplitsen naar een nieuw thema</legend>"
	  "<label>Label van het nieuwe thema <input name=\"label\" required maxlength=\"200\">"
	  "</label> <button>Afsplitsen</button></fieldset></form><h2>Geschiedenis</h2>");
	{
		struct core_decision_filter f = {.target_kind = "theme", .target_id = t->id};
		if ((rc = log_head(out)) ||
		    (rc = core_db_decisions_each(v->db, &f, history_row, out, NULL, &err)))
			goto out;
	}
	P("</tbody></table>");
	rc = tail(out);
out:
	return finish(v, rc, &err, themes, n, &info);
}

int rv_page_uncertain(struct rv_view *v, struct core_buf *out)
{
	struct core_review_query q = {.uncertain = 1};
	int rc;

	if ((rc = head(v, out, "Onzekere standpunten")))
		return rc;
	if ((rc = core_buf_puts(out, "<p>Reacties waarvan de analyse het minst zeker is van het "
				     "standpunt, de onzekerste eerst. Nagekeken reacties staan hier "
				     "niet meer.</p>")) ||
	    (rc = item_table(v, out, &q, "/review/uncertain", 0, 1)))
		return rc;
	return tail(out);
}

/* ---------------------------------------------------------------- item */

/* The evidence JSON as a readable list: key, then the value (lists joined). */
static int evidence(struct core_buf *out, const char *json)
{
	json_t *o = json ? json_loads(json, 0, NULL) : NULL;
	const char *key;
	json_t *val;
	int rc = 0;

	if (!json_is_object(o)) {
		json_decref(o);
		return page_esc(out, json ? json : "");
	}
	json_object_foreach(o, key, val) {
		char *txt = NULL;
		if (json_is_array(val)) {
			struct core_buf b;
			size_t i;
			json_t *e;
			core_buf_init(&b, 1 << 16);
			json_array_foreach(val, i, e) {
				char *one = json_is_string(e) ? NULL : json_dumps(e, JSON_ENCODE_ANY);
				core_buf_printf(&b, "%s%s", i ? ", " : "",
						one ? one : json_string_value(e));
				free(one);
			}
			txt = core_buf_take(&b);
		} else {
			txt = json_is_string(val) ? core_strdup(json_string_value(val))
						  : json_dumps(val, JSON_ENCODE_ANY);
		}
		if ((rc = core_buf_puts(out, "<span class=\"tag\">")) ||
		    (rc = page_esc(out, key)) || (rc = core_buf_puts(out, ": ")) ||
		    (rc = page_esc(out, txt)) || (rc = core_buf_puts(out, "</span> "))) {
			free(txt);
			break;
		}
		free(txt);
	}
	json_decref(o);
	return rc;
}

struct one {
	struct core_item_view v;
	int found;
	char *text, *source, *ext, *url, *lang, *published, *group, *theme, *campaign, *reason;
	struct core_item_stance st[64];
	size_t n_st;
	int hidden, reviewed;
};

static int keep_one(const struct core_item_view *it, void *ctx)
{
	struct one *o = ctx;
	o->found = 1;
	o->text = core_strdup(it->item.text);
	o->source = core_strdup(it->item.source);
	o->ext = core_strdup(it->item.external_id);
	o->url = core_strdup(it->item.url);
	o->lang = core_strdup(it->item.lang);
	o->published = core_strdup(it->item.published_at ? it->item.published_at
							  : it->item.collected_at);
	o->group = core_strdup(it->item.group);
	o->theme = core_strdup(it->theme);
	o->campaign = core_strdup(it->campaign);
	o->reason = core_strdup(it->hidden_reason);
	o->hidden = it->hidden;
	o->reviewed = it->reviewed;
	for (size_t i = 0; i < it->n_stances && o->n_st < 64; i++) {
		o->st[o->n_st] = it->stances[i];
		o->st[o->n_st++].evidence = core_strdup(it->stances[i].evidence);
	}
	return 0;
}

static void one_release(struct one *o)
{
	free(o->text);
	free(o->source);
	free(o->ext);
	free(o->url);
	free(o->lang);
	free(o->published);
	free(o->group);
	free(o->theme);
	free(o->campaign);
	free(o->reason);
	for (size_t i = 0; i < o->n_st; i++)
		free(o->st[i].evidence);
}

static int history_row(const struct core_decision *d, void *ctx)
{
	struct core_buf *out = ctx;
	int rc = 0;
	P("<tr><td>%lld</td><td>", (long long)d->id);
	E(d->created_at);
	P("</td><td>");
	E(d->reviewer);
	P("</td><td>");
	E(d->action);
	P("</td><td>");
	E(d->target_kind);
	P(" ");
	E(d->target_id);
	P("</td><td><code>");
	E(d->before);
	P("</code></td><td><code>");
	E(d->after);
	P("</code></td><td>");
	E(d->note);
	P("</td></tr>");
out:
	return rc;
}

static int log_head(struct core_buf *out)
{
	return core_buf_puts(out, "<table><thead><tr><th>Besluit</th><th>Tijd</th>"
				  "<th>Reviewer</th><th>Actie</th><th>Doel</th><th>Voor</th>"
				  "<th>Na</th><th>Notitie</th></tr></thead><tbody>");
}

static int row_dd(struct core_buf *out, const char *dt, const char *dd)
{
	int rc;
	if ((rc = core_buf_puts(out, "<dt>")) || (rc = page_esc(out, dt)) ||
	    (rc = core_buf_puts(out, "</dt><dd>")) || (rc = page_esc(out, dd && *dd ? dd : "–")))
		return rc;
	return core_buf_puts(out, "</dd>");
}

int rv_page_item(struct rv_view *v, struct core_buf *out)
{
	struct core_review_query q = {.item = v->item};
	struct core_decision_filter f = {.target_kind = "item"};
	struct core_run_info info = {0};
	struct core_theme *themes = NULL;
	struct core_err err = {0};
	struct one o;
	char title[64], id[24];
	size_t n = 0;
	int rc;

	memset(&o, 0, sizeof(o));
	if ((rc = core_db_review_items(v->db, &q, keep_one, &o, NULL, &err)))
		goto out;
	if (!o.found) {
		v->status = 404;
		snprintf(v->error, sizeof(v->error), "Reactie %lld bestaat niet.", (long long)v->item);
		rc = CORE_ERUNTIME;
		goto out;
	}
	if (core_db_run_latest(v->db, &info, &err) == 0 &&
	    (rc = core_db_run_themes(v->db, info.id, &themes, &n, &err)))
		goto out;
	snprintf(title, sizeof(title), "Reactie %lld", (long long)v->item);
	snprintf(id, sizeof(id), "%lld", (long long)v->item);
	if ((rc = head(v, out, title)))
		goto out;
	P("<blockquote>");
	E(o.text);
	P("</blockquote><dl>");
	if ((rc = row_dd(out, "Bron", o.source)) || (rc = row_dd(out, "Id in de bron", o.ext)) ||
	    (rc = row_dd(out, "Adres", o.url)) || (rc = row_dd(out, "Taal", o.lang)) ||
	    (rc = row_dd(out, "Datum", o.published)) || (rc = row_dd(out, "Groep", o.group)) ||
	    (rc = row_dd(out, "Campagne", o.campaign)) || (rc = row_dd(out, "Thema", o.theme)) ||
	    (rc = row_dd(out, "Nagekeken", o.reviewed ? "ja" : "nee")) ||
	    (rc = row_dd(out, "Verborgen", o.hidden ? (o.reason ? o.reason : "ja") : "nee")))
		goto out;
	P("</dl>");
	if (o.theme) {
		P("<p><a href=\"/review/themes/");
		if ((rc = url_enc(out, o.theme)))
			goto out;
		P("\">Naar thema ");
		E(o.theme);
		P("</a></p>");
	}
	/* Ambitions and stances: one form, one select per ambition. */
	P("<h2>Ambities en standpunten</h2><form method=\"post\" action=\"/review/items/%s/stance\">",
	  id);
	if ((rc = csrf_field(v, out)))
		goto out;
	P("<table><thead><tr><th>Ambitie</th><th>Standpunt</th><th>Herkomst</th>"
	  "<th>Onderbouwing</th></tr></thead><tbody>");
	for (size_t i = 0; i < v->cfg->n_ambitions; i++) {
		const struct core_ambition *a = &v->cfg->ambitions[i];
		const struct core_item_stance *s = NULL;
		for (size_t j = 0; j < o.n_st && !s; j++)
			if (!strcmp(o.st[j].code, a->code))
				s = &o.st[j];
		P("<tr><th scope=\"row\"><label for=\"s_");
		E(a->code);
		P("\">");
		E(a->code);
		P(" ");
		E(a->title);
		P("</label></th><td><select id=\"s_");
		E(a->code);
		P("\" name=\"s_");
		E(a->code);
		P("\"><option value=\"none\"%s>niet over deze ambitie</option>", s ? "" : " selected");
		for (int k = 1; k <= 4; k++)
			P("<option value=\"%s\"%s>%s</option>", core_stance_name((enum core_stance)k),
			  s && (int)s->stance == k ? " selected" : "", stance_nl[k]);
		P("</select></td><td>%s</td><td>", s ? origin_nl[s->origin <= 2 ? s->origin : 0] : "");
		if (s && s->origin == CORE_ORIGIN_ANALYSIS)
			P("<span class=\"tag\">score %.2f</span>", s->score);
		if (s && (rc = evidence(out, s->evidence)))
			goto out;
		P("</td></tr>");
	}
	P("</tbody></table><button>Standpunten opslaan</button></form>");
	/* The other actions. */
	P("<h2>Acties</h2><form class=\"inline\" method=\"post\" action=\"/review/items/%s/move\">",
	  id);
	if ((rc = csrf_field(v, out)))
		goto out;
	P("<label>Naar thema <select name=\"theme\">");
	for (size_t i = 0; i < n; i++) {
		P("<option value=\"");
		E(themes[i].id);
		P("\"%s>", o.theme && !strcmp(o.theme, themes[i].id) ? " selected" : "");
		E(themes[i].id);
		P(" ");
		E(themes[i].label);
		P("</option>");
	}
	P("</select></label> <button>Verplaatsen</button></form>"
	  "<form class=\"inline\" method=\"post\" action=\"/review/items/%s/mark\">", id);
	if ((rc = csrf_field(v, out)))
		goto out;
	P("<button>Markeer als nagekeken</button></form>");
	if (o.hidden) {
		P("<form class=\"inline\" method=\"post\" action=\"/review/items/%s/unhide\">", id);
		if ((rc = csrf_field(v, out)))
			goto out;
		P("<button>Weer tonen</button></form>");
	} else {
		P("<form class=\"inline\" method=\"post\" action=\"/review/items/%s/hide\">", id);
		if ((rc = csrf_field(v, out)))
			goto out;
		P("<label>Reden <input name=\"reason\" required maxlength=\"4000\"></label> "
		  "<button>Verbergen</button></form>");
	}
	P("<form class=\"inline\" method=\"post\" action=\"/review/items/%s/note\">", id);
	if ((rc = csrf_field(v, out)))
		goto out;
	P("<label>Notitie <input name=\"note\" required maxlength=\"4000\"></label> "
	  "<button>Notitie opslaan</button></form><h2>Geschiedenis</h2>");
	if ((rc = log_head(out)))
		goto out;
	f.target_id = id;
	if ((rc = core_db_decisions_each(v->db, &f, history_row, out, NULL, &err)))
		goto out;
	P("</tbody></table>");
	rc = tail(out);
out:
	one_release(&o);
	return finish(v, rc, &err, themes, n, &info);
}

/* ---------------------------------------------------------------- log, login, messages */

int rv_page_log(struct rv_view *v, struct core_buf *out)
{
	struct core_decision_filter f = {.newest_first = 1, .limit = PAGE_SIZE,
					 .offset = (v->page - 1) * PAGE_SIZE};
	struct core_err err = {0};
	int64_t total = 0;
	int rc;

	if ((rc = head(v, out, "Logboek")) || (rc = log_head(out)) ||
	    (rc = core_db_decisions_each(v->db, &f, history_row, out, &total, &err)) ||
	    (rc = core_buf_puts(out, "</tbody></table>")))
		goto out;
	v->q = NULL;
	v->ambition = NULL;
	v->stance = CORE_STANCE_NONE;
	if ((rc = pager(v, out, "/review/log", total)))
		goto out;
	rc = tail(out);
out:
	if (rc && err.msg[0])
		snprintf(v->error, sizeof(v->error), "%s", err.msg);
	return rc;
}

int rv_page_login(const char *form_token, const char *error, int no_reviewers,
		  struct core_buf *out)
{
	int rc;
	if ((rc = head(NULL, out, "Inloggen voor review")))
		goto out;
	if (no_reviewers)
		P("<p class=\"err\">Er zijn geen reviewers ingesteld (review.reviewers in de "
		  "configuratie; maak een token met <code>inspraak review token NAAM</code>).</p>");
	if (error) {
		P("<p class=\"err\" role=\"alert\">");
		E(error);
		P("</p>");
	}
	P("<form method=\"post\" action=\"/review/login\"><input type=\"hidden\" "
	  "name=\"form_token\" value=\"");
	E(form_token);
	P("\"><p><label for=\"token\">Uw token</label><br><input id=\"token\" name=\"token\" "
	  "type=\"password\" autocomplete=\"current-password\" required size=\"50\"></p>"
	  "<p><button>Inloggen</button></p></form>");
	rc = tail(out);
out:
	return rc;
}

int rv_page_message(const char *title, const char *text, const char *back, struct core_buf *out)
{
	int rc;
	if ((rc = head(NULL, out, title)))
		goto out;
	P("<p>");
	E(text);
	P("</p><p><a href=\"");
	E(back ? back : "/review");
	P("\">Terug</a></p>");
	rc = tail(out);
out:
	return rc;
}

int rv_page_confirm_merge(struct rv_view *v, const char *into, struct core_buf *out)
{
	struct core_run_info info = {0};
	struct core_theme *themes = NULL;
	const struct core_theme *from = NULL, *to = NULL;
	struct core_err err = {0};
	size_t n = 0;
	int rc;

	if ((rc = core_db_run_latest(v->db, &info, &err)) ||
	    (rc = core_db_run_themes(v->db, info.id, &themes, &n, &err)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(themes[i].id, v->theme))
			from = &themes[i];
		if (!strcmp(themes[i].id, into))
			to = &themes[i];
	}
	if (!from || !to || from == to) {
		v->status = 422;
		snprintf(v->error, sizeof(v->error), "Kies een ander thema van de laatste analyse.");
		rc = CORE_ERUNTIME;
		goto out;
	}
	if ((rc = head(v, out, "Thema's samenvoegen?")))
		goto out;
	P("<p>Thema <strong>");
	E(from->id);
	P(" ");
	E(from->label);
	P("</strong> (%lld reacties) gaat op in thema <strong>", (long long)from->size);
	E(to->id);
	P(" ");
	E(to->label);
	P("</strong> (%lld reacties). Dit is niet terug te draaien; reacties kunnen daarna wel "
	  "weer worden afgesplitst.</p><form method=\"post\" action=\"/review/themes/",
	  (long long)to->size);
	E(from->id);
	P("/merge\">");
	if ((rc = csrf_field(v, out)))
		goto out;
	P("<input type=\"hidden\" name=\"into\" value=\"");
	E(to->id);
	P("\"><input type=\"hidden\" name=\"confirm\" value=\"1\"><button>Ja, samenvoegen"
	  "</button> <a href=\"/review/themes/");
	E(from->id);
	P("\">Nee, terug</a></form>");
	rc = tail(out);
out:
	return finish(v, rc, &err, themes, n, &info);
}
