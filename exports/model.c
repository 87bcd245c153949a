/* model.c: builds the one summary model every export format renders. It reads the latest
 * analysis run (themes, campaigns) and walks the filtered items once, so every count in
 * every file comes from the same filtered set. Also the small shared text helpers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* ---------------------------------------------------------------- text helpers */

char *exp_clean_text(const char *s)
{
	char *clean, *red;

	size_t n;

	if (!s)
		return core_strdup("");
	n = strlen(s);
	/* Stored text is valid UTF-8 already (the collector sanitises): skip the copy then. */
	if (core_utf8_valid(s, n))
		return exp_redact(s);
	clean = core_utf8_sanitize(s, n);
	if (!clean)
		return NULL;
	red = exp_redact(clean);
	free(clean);
	return red;
}

size_t exp_utf8_len(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

char *exp_excerpt(const char *s, size_t max_chars)
{
	char *copy = core_strdup(s ? s : "");
	size_t chars = 0, i;

	if (!copy)
		return NULL;
	core_text_squeeze(copy);
	for (i = 0; copy[i]; i++) {
		if (((unsigned char)copy[i] & 0xC0) == 0x80)
			continue;
		if (chars == max_chars)
			break;
		chars++;
	}
	if (copy[i]) {
		/* Cut on a code point boundary and mark the cut, so a reader knows. */
		char *cut = core_asprintf("%.*s…", (int)i, copy);
		free(copy);
		return cut;
	}
	return copy;
}

void exp_fmt_fixed(double v, int decimals, char out[32])
{
	long long scale = 1, r;
	char tmp[64], frac[32];
	size_t n;

	if (decimals < 0)
		decimals = 0;
	if (decimals > 9)
		decimals = 9;
	for (int i = 0; i < decimals; i++)
		scale *= 10;
	/* Integer arithmetic, so LC_NUMERIC can never turn '.' into ','. */
	if (!isfinite(v) || fabs(v) * (double)scale > 9e17)
		v = 0.0;
	r = llround(v * (double)scale);
	/* scale + |r| % scale has exactly decimals + 1 digits: drop the leading 1. */
	snprintf(frac, sizeof(frac), "%lld", scale + llabs(r) % scale);
	snprintf(tmp, sizeof(tmp), "%s%lld%s%s", r < 0 ? "-" : "", llabs(r) / scale,
		 decimals ? "." : "", decimals ? frac + 1 : "");
	n = strlen(tmp);
	if (n > 31)
		n = 31;
	memcpy(out, tmp, n);
	out[n] = '\0';
}

void exp_fmt_pct(double v, char out[16])
{
	snprintf(out, 16, "%lld", (long long)llround(v * 100.0));
}

void exp_wilson(int64_t k, int64_t n, double *lo, double *hi)
{
	const double z = 1.959963984540054;
	double p = (double)k / (double)n, z2 = z * z, nn = (double)n;
	double denom = 1.0 + z2 / nn;
	double centre = (p + z2 / (2.0 * nn)) / denom;
	double half = z * sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / denom;

	*lo = centre - half < 0.0 ? 0.0 : centre - half;
	*hi = centre + half > 1.0 ? 1.0 : centre + half;
}

static const struct exp_words words_nl = {
	.lang = "nl",
	.heard = "Wat we hoorden",
	.period = "Periode",
	.items_word = "reacties",
	.ambition = "Ambitie",
	.ambitions = "Ambities",
	.stance = {"onbekend", "steun", "bezwaar", "neutraal", "gemengd"},
	.stance_cap = {"Onbekend", "Steun", "Bezwaar", "Neutraal", "Gemengd"},
	.of_which = "waarvan",
	.no_ambition = "zonder ambitie",
	.share = "Steunaandeel",
	.interval = "95%-interval",
	.themes = "Thema's",
	.theme = "Thema",
	.size = "Reacties",
	.terms = "Kernwoorden",
	.quotes_for = "Voor",
	.quotes_against = "Tegen",
	.campaigns = "Campagnes",
	.campaign = "Campagne",
	.template = "Voorbeeldtekst",
	.no_campaigns = "Geen campagnes gevonden.",
	.method = "Werkwijze",
	.method_items = "Reacties in dit overzicht",
	.method_sources = "Bronnen",
	.method_langs = "Talen",
	.method_run = "Analyse",
	.method_auto = "Thema's, ambities en standpunten zijn automatisch bepaald; een ambitie "
		       "of standpunt dat de indiener zelf opgaf gaat altijd voor. Steunaandeel = "
		       "steun / (steun + bezwaar), met een 95%-Wilson-interval. Campagnes zijn "
		       "groepen (bijna) gelijke teksten en staan apart.",
	.general = "Algemeen (geen ambitie)",
	.unweighted = "Zonder campagneweging (een campagne telt één keer)",
	.by_group = "Steunaandeel per groep",
	.no_group = "geen groep",
	.no_share = "n.v.t.",
	.generated = "Gemaakt op",
	.quotes = "Citaten",
	.none = "geen",
	.chart_title = "Steun en bezwaar per ambitie",
	.table_alt = "Dezelfde cijfers als tabel",
	.unassigned = "zonder thema",
	.item_word = "reactie",
	.filters = "Filters",
	.in_campaigns = "in campagnes",
	.all_themes = "Alle thema's",
	.run_word = "analyserun",
	.seed = "seed",
	.themes_k = "thema's (k)",
	.decided_by = "Standpunten bepaald door",
	.origin = {"analyse", "indiener", "beoordelaar"},
	.time_title = "Reacties per week en kanaal",
	.week = "Week van",
	.total = "Totaal",
	.other = "overige",
	.theme_chart = "Omvang van de thema's",
	.reviewed = "Beoordeeld door een mens",
	.automated = "Automatisch bepaald",
	.method_auto_what = "taal, thema, campagne, ambities en standpunt van alle",
	.privacy = "Persoonsgegevens zijn weggelaten: e-mailadressen, telefoonnummers, IBAN's, "
		   "BSN's (alleen nummers die de elfproef doorstaan), postcode met huisnummer en "
		   "de parameters van webadressen zijn vervangen door [e-mail], [telefoon], "
		   "[iban], [bsn], [postcode+huisnummer] en ?[parameters]. Namen van indieners "
		   "staan er alleen in als daar uitdrukkelijk om is gevraagd; gemodereerde "
		   "reacties staan er nooit in.",
	.channel = "Kanaal",
	.period_word = "Periode",
};

static const struct exp_words words_en = {
	.lang = "en",
	.heard = "What we heard",
	.period = "Period",
	.items_word = "reactions",
	.ambition = "Ambition",
	.ambitions = "Ambitions",
	.stance = {"unknown", "support", "objection", "neutral", "mixed"},
	.stance_cap = {"Unknown", "Support", "Objection", "Neutral", "Mixed"},
	.of_which = "of which",
	.no_ambition = "without ambition",
	.share = "Support share",
	.interval = "95% interval",
	.themes = "Themes",
	.theme = "Theme",
	.size = "Reactions",
	.terms = "Key terms",
	.quotes_for = "For",
	.quotes_against = "Against",
	.campaigns = "Campaigns",
	.campaign = "Campaign",
	.template = "Sample text",
	.no_campaigns = "No campaigns found.",
	.method = "Method",
	.method_items = "Reactions in this summary",
	.method_sources = "Sources",
	.method_langs = "Languages",
	.method_run = "Analysis",
	.method_auto = "Themes, ambitions and stances were determined automatically; an ambition "
		       "or stance the respondent gave always wins. Support share = support / "
		       "(support + objection), with a 95% Wilson interval. Campaigns are groups of "
		       "(near-)identical texts and are shown separately.",
	.general = "General (no ambition)",
	.unweighted = "Without campaign weighting (a campaign counts once)",
	.by_group = "Support share by group",
	.no_group = "no group",
	.no_share = "n/a",
	.generated = "Generated",
	.quotes = "Quotes",
	.none = "none",
	.chart_title = "Support and objection per ambition",
	.table_alt = "The same figures as a table",
	.unassigned = "no theme",
	.item_word = "reaction",
	.filters = "Filters",
	.in_campaigns = "in campaigns",
	.all_themes = "All themes",
	.run_word = "analysis run",
	.seed = "seed",
	.themes_k = "themes (k)",
	.decided_by = "Stances decided by",
	.origin = {"analysis", "respondent", "reviewer"},
	.time_title = "Reactions per week and channel",
	.week = "Week of",
	.total = "Total",
	.other = "other",
	.theme_chart = "Theme sizes",
	.reviewed = "Reviewed by a person",
	.automated = "Determined automatically",
	.method_auto_what = "language, theme, campaign, ambitions and stance of all",
	.privacy = "Personal data is left out: e-mail addresses, phone numbers, IBANs, BSNs "
		   "(only numbers that pass the 11-check), postcode with house number and the "
		   "parameters of web addresses are replaced by [e-mail], [telefoon], [iban], "
		   "[bsn], [postcode+huisnummer] and ?[parameters]. Respondents' names appear "
		   "only when explicitly asked for; moderated reactions never appear.",
	.channel = "Channel",
	.period_word = "Period",
};

const struct exp_words *exp_words(const char *lang)
{
	return lang && strcmp(lang, "en") == 0 ? &words_en : &words_nl;
}

const char *exp_amb_title(const struct core_ambition *a, const char *lang)
{
	if (lang && strcmp(lang, "en") == 0 && a->title_en && *a->title_en)
		return a->title_en;
	return a->title ? a->title : a->code;
}

const char *exp_vision_title(const struct core_config *cfg, const char *lang)
{
	if (lang && strcmp(lang, "en") == 0 && cfg->vision_title_en && *cfg->vision_title_en)
		return cfg->vision_title_en;
	return cfg->vision_title ? cfg->vision_title : "inspraak";
}

/* ---------------------------------------------------------------- the walk */

/* A quote candidate; candidates in one pool always have distinct texts. */
struct cand {
	double score;
	int64_t item;
	char theme[EXP_ID_MAX];
	char fp[17];
	char *text;
};

struct pool {
	struct cand v[EXP_QUOTE_POOL];
	size_t n;
};

/* Run-recorded quote item of a theme: rank = position in the theme's quote list. */
struct quote_ref {
	int64_t item;
	size_t theme;
	size_t rank;
};

struct found {
	struct cand *v; /* score holds -rank so that "best first" is run order */
	size_t n, cap;
};

struct walk {
	struct exp_model *m;
	size_t n_themes_all, n_campaigns_all;
	struct pool *pools;          /* 2 per ambition */
	struct quote_ref *refs;
	size_t n_refs;
	struct found *found;         /* per theme: run quote items seen */
	struct pool *fallback;       /* per theme: first distinct non-campaign items */
	struct cand *best;           /* per theme, 2 each: best support / objection item */
	unsigned char *seen;         /* per ambition, reset per item */
	unsigned char *camp_seen;    /* per campaign and ambition: stances counted (bits) */
	const struct exp_item_hook *hook;
	struct core_err *err;
};

int exp_model_amb_index(const struct exp_model *m, const char *code)
{
	for (size_t i = 0; i < m->n_ambs; i++)
		if (strcmp(m->ambs[i].amb->code, code) == 0)
			return (int)i;
	return -1;
}

static long find_theme(const struct walk *w, const char *id)
{
	if (!id || !*id)
		return -1;
	for (size_t i = 0; i < w->n_themes_all; i++)
		if (strcmp(w->m->themes[i].t.id, id) == 0)
			return (long)i;
	return -1;
}

static long find_campaign(const struct walk *w, const char *id)
{
	if (!id || !*id)
		return -1;
	for (size_t i = 0; i < w->n_campaigns_all; i++)
		if (strcmp(w->m->campaigns[i].id, id) == 0)
			return (long)i;
	return -1;
}

/* Counts key; *hit (when not NULL) receives its row. */
static int tally_add(struct exp_tally **v, size_t *n, const char *key, struct exp_tally **hit)
{
	struct exp_tally *grown;

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i].key, key) == 0) {
			(*v)[i].n++;
			if (hit)
				*hit = &(*v)[i];
			return 0;
		}
	grown = realloc(*v, (*n + 1) * sizeof(**v));
	if (!grown)
		return CORE_ENOMEM;
	*v = grown;
	memset(&grown[*n], 0, sizeof(grown[0]));
	grown[*n].key = core_strdup(key);
	if (!grown[*n].key)
		return CORE_ENOMEM;
	grown[*n].n = 1;
	if (hit)
		*hit = &grown[*n];
	(*n)++;
	return 0;
}

/* Counts one stance of an ambition in the slice key of a breakdown. */
static int break_add(struct exp_breaks *b, const char *key, enum core_stance st)
{
	size_t i = 0;

	while (i < b->n && strcmp(b->v[i].key, key) < 0)
		i++;
	if (i == b->n || strcmp(b->v[i].key, key) != 0) {
		struct exp_break *grown = realloc(b->v, (b->n + 1) * sizeof(*grown));
		char *k = core_strdup(key);
		if (grown)
			b->v = grown;
		if (!grown || !k) {
			free(k);
			return CORE_ENOMEM;
		}
		memmove(&b->v[i + 1], &b->v[i], (b->n - i) * sizeof(*b->v));
		memset(&b->v[i], 0, sizeof(b->v[i]));
		b->v[i].key = k;
		b->n++;
	}
	b->v[i].items++;
	b->v[i].stance[st]++;
	return 0;
}

int64_t exp_week_of(const char *ts, int *ok)
{
	int64_t y, mo, d, era, yoe, doy, doe, days, wd;

	*ok = 0;
	if (!ts || strlen(ts) < 10 || ts[4] != '-' || ts[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (ts[i] < '0' || ts[i] > '9'))
			return 0;
	y = atoi(ts);
	mo = atoi(ts + 5);
	d = atoi(ts + 8);
	if (mo < 1 || mo > 12 || d < 1 || d > 31)
		return 0;
	/* Days from the civil date (Howard Hinnant's algorithm), proleptic Gregorian. */
	y -= mo <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = era * 146097 + doe - 719468;
	/* 1970-01-01 was a Thursday: weekday 0 = Monday. */
	wd = ((days + 3) % 7 + 7) % 7;
	*ok = 1;
	return days - wd;
}

/* Items are walked in id order, which mostly follows time: search from the end. */
static int week_add(struct exp_tally *t, int64_t week)
{
	size_t i = t->n_weeks;

	while (i > 0 && t->weeks[i - 1].week > week)
		i--;
	if (i > 0 && t->weeks[i - 1].week == week) {
		t->weeks[i - 1].n++;
		return 0;
	}
	if (t->n_weeks == t->cap_weeks) {
		size_t cap = t->cap_weeks ? 2 * t->cap_weeks : 16;
		struct exp_week *grown = realloc(t->weeks, cap * sizeof(*grown));
		if (!grown)
			return CORE_ENOMEM;
		t->weeks = grown;
		t->cap_weeks = cap;
	}
	memmove(&t->weeks[i + 1], &t->weeks[i], (t->n_weeks - i) * sizeof(t->weeks[0]));
	t->weeks[i] = (struct exp_week){week, 1};
	t->n_weeks++;
	return 0;
}

static void cand_fill(struct cand *c, double score, const struct core_item_view *v,
		      const char *fp, char *text)
{
	free(c->text);
	c->score = score;
	c->item = v->item.id;
	snprintf(c->theme, sizeof(c->theme), "%s", v->theme ? v->theme : "");
	snprintf(c->fp, sizeof(c->fp), "%s", fp);
	c->text = text;
}

/* Keeps the EXP_QUOTE_POOL best distinct texts; earlier items win ties (id order). */
static int pool_offer(struct pool *p, double score, const struct core_item_view *v)
{
	char fp[17];
	size_t min = 0;
	char *text;

	for (size_t i = 1; i < p->n; i++)
		if (p->v[i].score <= p->v[min].score)
			min = i;
	if (p->n == EXP_QUOTE_POOL && score <= p->v[min].score)
		return 0;
	if (!v->item.text || !*v->item.text)
		return 0;
	core_text_fingerprint(v->item.text, fp);
	for (size_t i = 0; i < p->n; i++) {
		if (strcmp(p->v[i].fp, fp) != 0)
			continue;
		if (score <= p->v[i].score)
			return 0;
		text = exp_clean_text(v->item.text);
		if (!text)
			return CORE_ENOMEM;
		cand_fill(&p->v[i], score, v, fp, text);
		return 0;
	}
	text = exp_clean_text(v->item.text);
	if (!text)
		return CORE_ENOMEM;
	if (p->n < EXP_QUOTE_POOL) {
		memset(&p->v[p->n], 0, sizeof(p->v[0]));
		cand_fill(&p->v[p->n++], score, v, fp, text);
	} else {
		cand_fill(&p->v[min], score, v, fp, text);
	}
	return 0;
}

/* qsort, but fine with an empty (NULL) array, which qsort itself does not promise. */
static void sort_n(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static int cmp_ref(const void *a, const void *b)
{
	const struct quote_ref *x = a, *y = b;

	if (x->item != y->item)
		return x->item < y->item ? -1 : 1;
	if (x->theme != y->theme)
		return x->theme < y->theme ? -1 : 1;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

static int found_add(struct found *f, size_t rank, const struct core_item_view *v)
{
	char fp[17];
	char *text;

	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 4;
		struct cand *grown = realloc(f->v, cap * sizeof(*grown));
		if (!grown)
			return CORE_ENOMEM;
		f->v = grown;
		f->cap = cap;
	}
	core_text_fingerprint(v->item.text ? v->item.text : "", fp);
	text = exp_clean_text(v->item.text);
	if (!text)
		return CORE_ENOMEM;
	memset(&f->v[f->n], 0, sizeof(f->v[0]));
	cand_fill(&f->v[f->n++], -(double)rank, v, fp, text);
	return 0;
}

static int theme_quote_seen(struct walk *w, const struct core_item_view *v)
{
	struct quote_ref key = {.item = v->item.id};
	size_t lo = 0, hi = w->n_refs;

	/* Lower bound on item id, then every ref of that item. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (w->refs[mid].item < key.item)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < w->n_refs && w->refs[lo].item == key.item; lo++) {
		int rc = found_add(&w->found[w->refs[lo].theme], w->refs[lo].rank, v);
		if (rc)
			return rc;
	}
	return 0;
}

static int fallback_offer(struct pool *p, const struct core_item_view *v)
{
	char fp[17];
	char *text;

	if (p->n >= EXP_QUOTES + 2 || v->campaign || !v->item.text || !*v->item.text)
		return 0;
	core_text_fingerprint(v->item.text, fp);
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].fp, fp) == 0)
			return 0;
	text = exp_clean_text(v->item.text);
	if (!text)
		return CORE_ENOMEM;
	memset(&p->v[p->n], 0, sizeof(p->v[0]));
	cand_fill(&p->v[p->n], -(double)p->n, v, fp, text);
	p->n++;
	return 0;
}

/* The theme's single best item of a stance; earlier items win ties. */
static int best_offer(struct cand *c, double score, const struct core_item_view *v)
{
	char *text;

	if (c->text && score <= c->score)
		return 0;
	if (!v->item.text || !*v->item.text)
		return 0;
	text = exp_clean_text(v->item.text);
	if (!text)
		return CORE_ENOMEM;
	cand_fill(c, score, v, "", text);
	return 0;
}

static int walk_item(const struct core_item_view *v, void *ctx)
{
	struct walk *w = ctx;
	struct exp_model *m = w->m;
	const char *when = v->item.published_at && *v->item.published_at ? v->item.published_at
									    : v->item.collected_at;
	long t, sub, c;
	int any = 0, reviewed = 0, rc, dated;
	struct exp_tally *src = NULL;
	int64_t week;

	if (m->group && (!v->item.group || strcmp(v->item.group, m->group) != 0))
		return 0;
	if (w->hook && (rc = w->hook->fn(m, v, w->hook->ctx)))
		return rc;
	t = find_theme(w, v->theme);
	sub = find_theme(w, v->subtheme); /* counted in its parent t as well */
	c = find_campaign(w, v->campaign);
	m->items++;
	if (when && *when) {
		if (!m->first_at[0] || strcmp(when, m->first_at) < 0)
			snprintf(m->first_at, sizeof(m->first_at), "%s", when);
		if (!m->last_at[0] || strcmp(when, m->last_at) > 0)
			snprintf(m->last_at, sizeof(m->last_at), "%s", when);
	}
	if ((rc = tally_add(&m->sources, &m->n_sources, v->item.source ? v->item.source : "",
			    &src)))
		goto out;
	week = exp_week_of(when, &dated);
	char week_key[21] = "";
	if (dated) {
		core_time_format((time_t)(week * 86400), week_key);
		week_key[10] = '\0'; /* the date */
		if ((rc = week_add(src, week)))
			goto out;
		if (!m->has_weeks || week < m->week_first)
			m->week_first = week;
		if (!m->has_weeks || week > m->week_last)
			m->week_last = week;
		m->has_weeks = 1;
	}
	if ((rc = tally_add(&m->langs, &m->n_langs,
			    v->item.lang && *v->item.lang ? v->item.lang : "und", NULL)))
		goto out;
	if (t < 0)
		m->unassigned++;
	else
		m->themes[t].size++;
	if (sub >= 0)
		m->themes[sub].size++;
	if (v->campaign && *v->campaign)
		m->campaign_items++;
	if (c >= 0)
		m->campaigns[c].size++;

	memset(w->seen, 0, m->n_ambs ? m->n_ambs : 1);
	for (size_t i = 0; i < v->n_stances; i++) {
		const struct core_item_stance *s = &v->stances[i];
		int a = exp_model_amb_index(m, s->code);
		enum core_stance st = s->stance;
		struct exp_amb_row *row;

		/* An item counts once per ambition, whatever the store holds. */
		if (a < 0 || w->seen[a])
			continue;
		w->seen[a] = 1;
		any = 1;
		if (st < CORE_STANCE_SUPPORT || st > CORE_STANCE_MIXED)
			st = CORE_STANCE_NEUTRAL;
		row = &m->ambs[a];
		if (s->origin <= CORE_ORIGIN_REVIEWER)
			m->origins[s->origin]++;
		if (s->origin == CORE_ORIGIN_REVIEWER)
			reviewed = 1;
		row->items++;
		row->stance[st]++;
		/* Without campaign weighting a campaign counts once per stance its members
		 * hold toward the ambition. */
		unsigned char *cs = c >= 0 ? &w->camp_seen[(size_t)c * m->n_ambs + (size_t)a] : NULL;
		if (!cs || !(*cs & (1u << st))) {
			if (cs)
				*cs |= (unsigned char)(1u << st);
			row->items_unweighted++;
			row->stance_unweighted[st]++;
		}
		if ((rc = break_add(&row->by[EXP_BY_GROUP], v->item.group ? v->item.group : "", st)) ||
		    (rc = break_add(&row->by[EXP_BY_SOURCE], v->item.source ? v->item.source : "",
				    st)) ||
		    (dated && (rc = break_add(&row->by[EXP_BY_WEEK], week_key, st))))
			goto out;
		if (t >= 0) {
			m->themes[t].amb_items[a]++;
			m->themes[t].stance[st]++;
			row->theme_items[t]++;
		}
		if (sub >= 0) {
			m->themes[sub].amb_items[a]++;
			m->themes[sub].stance[st]++;
		}
		if (st == CORE_STANCE_SUPPORT || st == CORE_STANCE_OBJECTION) {
			struct pool *p = &w->pools[2 * (size_t)a +
						   (st == CORE_STANCE_SUPPORT ? EXP_Q_SUPPORT
									      : EXP_Q_OBJECTION)];
			if ((rc = pool_offer(p, s->score, v)))
				goto out;
			if (t >= 0 && (rc = best_offer(&w->best[2 * (size_t)t +
						(st == CORE_STANCE_SUPPORT ? EXP_Q_SUPPORT
									   : EXP_Q_OBJECTION)],
						s->score, v)))
				goto out;
			if (sub >= 0 && (rc = best_offer(&w->best[2 * (size_t)sub +
						(st == CORE_STANCE_SUPPORT ? EXP_Q_SUPPORT
									   : EXP_Q_OBJECTION)],
						s->score, v)))
				goto out;
		}
	}
	/* A reviewer's correction, or a mark, move or split by one (items.reviewed_at). */
	m->reviewed += reviewed || v->reviewed;
	if (!any) {
		m->general++;
		if (t >= 0)
			m->themes[t].general++;
		if (sub >= 0)
			m->themes[sub].general++;
	}
	if ((rc = theme_quote_seen(w, v)))
		goto out;
	if (t >= 0 && (rc = fallback_offer(&w->fallback[t], v)))
		goto out;
	if (sub >= 0 && (rc = fallback_offer(&w->fallback[sub], v)))
		goto out;
out:
	if (rc)
		core_err_set(w->err, rc, "building the export model: out of memory at item %lld",
			     (long long)v->item.id);
	return rc;
}

/* ---------------------------------------------------------------- after the walk */

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->item < y->item ? -1 : x->item > y->item;
}

/* Picks up to max quotes from cands (best first): first one per theme, then the rest.
 * Moves the chosen texts into out; the others stay with cands. */
static size_t pick_quotes(struct cand *cands, size_t n, struct exp_quote *out, size_t max,
			  int per_theme)
{
	size_t got = 0;
	unsigned char taken[EXP_QUOTE_POOL * 4] = {0};

	if (n > sizeof(taken))
		n = sizeof(taken);
	sort_n(cands, n, sizeof(*cands), cmp_cand);
	for (int pass = per_theme ? 0 : 1; pass < 2 && got < max; pass++) {
		for (size_t i = 0; i < n && got < max; i++) {
			int dup = 0;
			if (taken[i])
				continue;
			for (size_t j = 0; j < got; j++) {
				if (pass == 0 && strcmp(out[j].theme, cands[i].theme) == 0)
					dup = 1;
			}
			if (dup)
				continue;
			taken[i] = 1;
			out[got].item = cands[i].item;
			memcpy(out[got].theme, cands[i].theme, sizeof(out[got].theme));
			out[got].text = cands[i].text;
			cands[i].text = NULL;
			got++;
		}
	}
	return got;
}

static int cmp_theme_row(const void *a, const void *b)
{
	const struct exp_theme_row *x = a, *y = b;

	const char *xg = x->t.parent[0] ? x->t.parent : x->t.id;
	const char *yg = y->t.parent[0] ? y->t.parent : y->t.id;
	int c;

	/* Top-level themes largest first, each followed by its subthemes. */
	if (x->parent_size != y->parent_size)
		return x->parent_size > y->parent_size ? -1 : 1;
	if ((c = strcmp(xg, yg)) != 0)
		return c;
	if ((x->t.parent[0] != 0) != (y->t.parent[0] != 0))
		return x->t.parent[0] ? 1 : -1;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return strcmp(x->t.id, y->t.id);
}

static int cmp_campaign_row(const void *a, const void *b)
{
	const struct exp_campaign_row *x = a, *y = b;

	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int cmp_tally_key(const void *a, const void *b)
{
	return strcmp(((const struct exp_tally *)a)->key, ((const struct exp_tally *)b)->key);
}

static int cmp_tally_count(const void *a, const void *b)
{
	const struct exp_tally *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Theme quotes: the run's quote items that fall in the filtered set, in run order and
 * with distinct texts; topped up with the theme's first other items. */
static void theme_quotes(struct exp_theme_row *row, struct found *f, struct pool *fb)
{
	struct cand all[EXP_QUOTE_POOL * 2];
	size_t n = 0;

	sort_n(f->v, f->n, sizeof(*f->v), cmp_cand);
	for (size_t i = 0; i < f->n + fb->n && n < sizeof(all) / sizeof(all[0]); i++) {
		struct cand *c = i < f->n ? &f->v[i] : &fb->v[i - f->n];
		int dup = 0;
		for (size_t j = 0; j < n; j++)
			if (strcmp(all[j].fp, c->fp) == 0)
				dup = 1;
		if (dup)
			continue;
		all[n] = *c;
		/* Keep the given order: run quotes first, then fallbacks. */
		all[n].score = -(double)n;
		c->text = NULL;
		n++;
	}
	row->n_quotes = pick_quotes(all, n, row->quotes, EXP_QUOTES, 0);
	for (size_t i = 0; i < n; i++)
		free(all[i].text);
}

static int finish(struct walk *w, struct core_err *err)
{
	struct exp_model *m = w->m;
	size_t n_all = w->n_themes_all, kept = 0;
	size_t *new_index = NULL;
	struct exp_theme_row *rows = m->themes;
	int rc = 0;

	for (size_t t = 0; t < n_all; t++) {
		theme_quotes(&rows[t], &w->found[t], &w->fallback[t]);
		for (int q = 0; q < 2; q++) {
			struct cand *c = &w->best[2 * t + (size_t)q];
			if (!c->text)
				continue;
			rows[t].stance_quote[q].item = c->item;
			memcpy(rows[t].stance_quote[q].theme, c->theme, EXP_ID_MAX);
			rows[t].stance_quote[q].text = c->text;
			c->text = NULL;
		}
	}

	/* Remember each theme's old position, sort, drop empty themes, remap. */
	new_index = calloc(n_all ? n_all : 1, sizeof(*new_index));
	if (!new_index) {
		rc = core_err_set(err, CORE_ENOMEM, "building the export model: out of memory");
		goto out;
	}
	for (size_t t = 0; t < n_all; t++) {
		rows[t].walk_index = t;
		rows[t].parent_size = rows[t].size;
		for (size_t p = 0; rows[t].t.parent[0] && p < n_all; p++)
			if (strcmp(rows[p].t.id, rows[t].t.parent) == 0)
				rows[t].parent_size = rows[p].size;
	}
	sort_n(rows, n_all, sizeof(*rows), cmp_theme_row);
	for (size_t t = 0; t < n_all; t++) {
		if (rows[t].size == 0) {
			core_theme_release(&rows[t].t);
			free(rows[t].amb_items);
			for (size_t q = 0; q < rows[t].n_quotes; q++)
				free(rows[t].quotes[q].text);
			free(rows[t].stance_quote[0].text);
			free(rows[t].stance_quote[1].text);
			continue;
		}
		new_index[rows[t].walk_index] = kept;
		rows[kept++] = rows[t];
	}
	m->n_themes = kept;

	for (size_t a = 0; a < m->n_ambs; a++) {
		struct exp_amb_row *row = &m->ambs[a];
		int64_t *counts = calloc(kept ? kept : 1, sizeof(*counts));
		size_t n = 0;

		if (!counts) {
			rc = core_err_set(err, CORE_ENOMEM, "building the export model: out of memory");
			goto out;
		}
		for (size_t t = 0; t < n_all; t++)
			if (row->theme_items[t])
				counts[new_index[t]] = row->theme_items[t];
		free(row->theme_items);
		row->theme_items = counts;
		row->theme_order = calloc(kept ? kept : 1, sizeof(*row->theme_order));
		if (!row->theme_order) {
			rc = core_err_set(err, CORE_ENOMEM, "building the export model: out of memory");
			goto out;
		}
		for (size_t t = 0; t < kept; t++)
			if (counts[t])
				row->theme_order[n++] = t;
		/* Insertion sort: most of this ambition's items first, ties keep theme order. */
		for (size_t i = 1; i < n; i++) {
			size_t x = row->theme_order[i], j = i;
			while (j > 0 && counts[row->theme_order[j - 1]] < counts[x]) {
				row->theme_order[j] = row->theme_order[j - 1];
				j--;
			}
			row->theme_order[j] = x;
		}
		row->n_theme_order = n;

		if (row->stance[CORE_STANCE_SUPPORT] + row->stance[CORE_STANCE_OBJECTION] > 0) {
			int64_t k = row->stance[CORE_STANCE_SUPPORT];
			int64_t nn = k + row->stance[CORE_STANCE_OBJECTION];
			row->has_share = 1;
			row->share = (double)k / (double)nn;
			exp_wilson(k, nn, &row->ci_lo, &row->ci_hi);
		}
		for (int q = 0; q < 2; q++) {
			struct pool *p = &w->pools[2 * a + (size_t)q];
			row->n_quotes[q] = pick_quotes(p->v, p->n, row->quotes[q], EXP_QUOTES, 1);
		}
	}

	/* Campaigns: only those with items in the filtered set, largest first. */
	kept = 0;
	for (size_t c = 0; c < w->n_campaigns_all; c++) {
		if (m->campaigns[c].size == 0) {
			free(m->campaigns[c].template_text);
			continue;
		}
		m->campaigns[kept++] = m->campaigns[c];
	}
	m->n_campaigns = kept;
	sort_n(m->campaigns, m->n_campaigns, sizeof(*m->campaigns), cmp_campaign_row);
	sort_n(m->sources, m->n_sources, sizeof(*m->sources), cmp_tally_key);
	sort_n(m->langs, m->n_langs, sizeof(*m->langs), cmp_tally_count);
out:
	free(new_index);
	return rc;
}

static void walk_release(struct walk *w)
{
	for (size_t i = 0; w->pools && i < 2 * w->m->n_ambs; i++)
		for (size_t j = 0; j < w->pools[i].n; j++)
			free(w->pools[i].v[j].text);
	for (size_t t = 0; t < w->n_themes_all; t++) {
		if (w->found) {
			for (size_t j = 0; j < w->found[t].n; j++)
				free(w->found[t].v[j].text);
			free(w->found[t].v);
		}
		if (w->fallback)
			for (size_t j = 0; j < w->fallback[t].n; j++)
				free(w->fallback[t].v[j].text);
		if (w->best) {
			free(w->best[2 * t].text);
			free(w->best[2 * t + 1].text);
		}
	}
	free(w->best);
	free(w->pools);
	free(w->found);
	free(w->fallback);
	free(w->refs);
	free(w->seen);
	free(w->camp_seen);
}

int exp_model_build(struct core_db *db, const struct core_config *cfg,
		    const struct core_item_filter *f, const char *group,
		    const struct exp_item_hook *hook, struct exp_model *m, struct core_err *err)
{
	struct core_theme *themes = NULL;
	struct core_campaign *camps = NULL;
	size_t n_themes = 0, n_camps = 0, n_refs = 0, only = 0;
	int one_ambition = 0;
	struct walk w = {0};
	int rc;

	memset(m, 0, sizeof(*m));
	m->cfg = cfg;
	m->report_lang = "nl";
	m->group = group;
	if (f)
		m->filter = *f;
	if (m->filter.ambition && strcmp(m->filter.ambition, "general") != 0) {
		const struct core_ambition *a = core_config_ambition(cfg, m->filter.ambition);
		if (!a) {
			struct core_buf codes;
			core_buf_init(&codes, 4096);
			for (size_t i = 0; i < cfg->n_ambitions; i++)
				core_buf_printf(&codes, "%s%s", i ? ", " : "", cfg->ambitions[i].code);
			rc = core_err_set(err, CORE_EUSAGE,
					  "unknown ambition '%s' for --ambition: configured are %s",
					  m->filter.ambition, codes.data ? codes.data : "none");
			core_buf_release(&codes);
			return rc;
		}
		one_ambition = 1;
		only = (size_t)(a - cfg->ambitions);
	}
	if ((rc = core_db_run_latest(db, &m->run, err)))
		goto out;
	if ((rc = core_db_run_themes(db, m->run.id, &themes, &n_themes, err)))
		goto out;
	if ((rc = core_db_run_campaigns(db, m->run.id, &camps, &n_camps, err)))
		goto out;

	w.m = m;
	w.err = err;
	w.hook = hook;
	/* With --ambition the report is about that one ambition only. */
	m->n_ambs = one_ambition ? 1 : cfg->n_ambitions;
	m->ambs = calloc(m->n_ambs ? m->n_ambs : 1, sizeof(*m->ambs));
	m->themes = calloc(n_themes ? n_themes : 1, sizeof(*m->themes));
	m->campaigns = calloc(n_camps ? n_camps : 1, sizeof(*m->campaigns));
	w.pools = calloc(2 * (m->n_ambs ? m->n_ambs : 1), sizeof(*w.pools));
	w.found = calloc(n_themes ? n_themes : 1, sizeof(*w.found));
	w.fallback = calloc(n_themes ? n_themes : 1, sizeof(*w.fallback));
	w.seen = calloc(m->n_ambs ? m->n_ambs : 1, 1);
	w.camp_seen = calloc((n_camps ? n_camps : 1) * (m->n_ambs ? m->n_ambs : 1), 1);
	w.best = calloc(2 * (n_themes ? n_themes : 1), sizeof(*w.best));
	if (!m->ambs || !m->themes || !m->campaigns || !w.pools || !w.found || !w.fallback ||
	    !w.seen || !w.camp_seen || !w.best)
		goto nomem;

	/* Themes move into the model one by one, so a failure releases them exactly once. */
	m->n_themes = 0;
	for (size_t t = 0; t < n_themes; t++) {
		m->themes[t].t = themes[t];
		memset(&themes[t], 0, sizeof(themes[t]));
		m->n_themes = t + 1;
		n_refs += m->themes[t].t.n_quotes;
		/* Labels and terms come from the texts: they get the same redaction. */
		if (m->themes[t].t.label) {
			char *label = exp_clean_text(m->themes[t].t.label);
			if (!label)
				goto nomem;
			free(m->themes[t].t.label);
			m->themes[t].t.label = label;
		}
		for (size_t i = 0; i < m->themes[t].t.top_terms.n; i++) {
			char *term = exp_clean_text(m->themes[t].t.top_terms.v[i]);
			if (!term)
				goto nomem;
			free(m->themes[t].t.top_terms.v[i]);
			m->themes[t].t.top_terms.v[i] = term;
		}
		m->themes[t].amb_items = calloc(m->n_ambs ? m->n_ambs : 1, sizeof(int64_t));
		if (!m->themes[t].amb_items)
			goto nomem;
	}
	w.n_themes_all = n_themes;
	for (size_t c = 0; c < n_camps; c++) {
		snprintf(m->campaigns[c].id, sizeof(m->campaigns[c].id), "%s", camps[c].id);
		m->campaigns[c].size_run = camps[c].size;
		m->campaigns[c].template_text = exp_clean_text(camps[c].template_text);
		m->n_campaigns = c + 1;
		if (!m->campaigns[c].template_text)
			goto nomem;
	}
	w.n_campaigns_all = n_camps;
	for (size_t a = 0; a < m->n_ambs; a++) {
		m->ambs[a].amb = &cfg->ambitions[one_ambition ? only : a];
		m->ambs[a].theme_items = calloc(n_themes ? n_themes : 1, sizeof(int64_t));
		if (!m->ambs[a].theme_items)
			goto nomem;
	}
	w.refs = calloc(n_refs ? n_refs : 1, sizeof(*w.refs));
	if (!w.refs)
		goto nomem;
	for (size_t t = 0; t < n_themes; t++)
		for (size_t q = 0; q < m->themes[t].t.n_quotes; q++)
			w.refs[w.n_refs++] = (struct quote_ref){m->themes[t].t.quotes[q], t, q};
	sort_n(w.refs, w.n_refs, sizeof(*w.refs), cmp_ref);

	if ((rc = core_db_items_each(db, &m->filter, walk_item, &w, err)))
		goto out;
	rc = finish(&w, err);
	goto out;
nomem:
	rc = core_err_set(err, CORE_ENOMEM, "building the export model: out of memory");
out:
	/* Before finish() compacts the themes, their count is still the full one. */
	if (w.m)
		walk_release(&w);
	for (size_t t = 0; t < n_themes; t++)
		core_theme_release(&themes[t]);
	free(themes);
	for (size_t c = 0; c < n_camps; c++)
		free(camps[c].template_text);
	free(camps);
	return rc;
}

void exp_model_release(struct exp_model *m)
{
	if (!m)
		return;
	core_run_info_release(&m->run);
	for (size_t a = 0; m->ambs && a < m->n_ambs; a++) {
		for (int d = 0; d < EXP_BY_N; d++) {
			for (size_t i = 0; i < m->ambs[a].by[d].n; i++)
				free(m->ambs[a].by[d].v[i].key);
			free(m->ambs[a].by[d].v);
		}
		free(m->ambs[a].theme_order);
		free(m->ambs[a].theme_items);
		for (int q = 0; q < 2; q++)
			for (size_t i = 0; i < m->ambs[a].n_quotes[q]; i++)
				free(m->ambs[a].quotes[q][i].text);
	}
	free(m->ambs);
	for (size_t t = 0; m->themes && t < m->n_themes; t++) {
		core_theme_release(&m->themes[t].t);
		free(m->themes[t].amb_items);
		for (size_t q = 0; q < m->themes[t].n_quotes; q++)
			free(m->themes[t].quotes[q].text);
		free(m->themes[t].stance_quote[0].text);
		free(m->themes[t].stance_quote[1].text);
	}
	free(m->themes);
	for (size_t c = 0; m->campaigns && c < m->n_campaigns; c++)
		free(m->campaigns[c].template_text);
	free(m->campaigns);
	for (size_t i = 0; i < m->n_sources; i++) {
		free(m->sources[i].key);
		free(m->sources[i].weeks);
	}
	free(m->sources);
	for (size_t i = 0; i < m->n_langs; i++)
		free(m->langs[i].key);
	free(m->langs);
	memset(m, 0, sizeof(*m));
}

void exp_amb_extras(FILE *f, const struct exp_amb_row *row, const struct exp_words *w,
		    void (*text)(FILE *f, const char *s), const char *open, const char *close)
{
	char p[16];

	if (row->items_unweighted != row->items) {
		const int64_t *u = row->stance_unweighted;
		fprintf(f, "%s%s: %lld %s, %lld %s, %lld %s", open, w->unweighted,
			(long long)row->items_unweighted, exp_count_word(w, row->items_unweighted),
			(long long)u[1], w->stance[1], (long long)u[2], w->stance[2]);
		if (u[1] + u[2] > 0) {
			exp_fmt_pct((double)u[1] / (double)(u[1] + u[2]), p);
			fprintf(f, ". %s: %s%%", w->share, p);
		}
		fprintf(f, ".%s", close);
	}
	const struct exp_breaks *g = &row->by[EXP_BY_GROUP];
	if (g->n > 1 || (g->n == 1 && *g->v[0].key)) {
		fprintf(f, "%s%s: ", open, w->by_group);
		for (size_t i = 0; i < g->n; i++) {
			const int64_t *st = g->v[i].stance;
			fputs(i ? ", " : "", f);
			text(f, *g->v[i].key ? g->v[i].key : w->no_group);
			if (st[1] + st[2] > 0) {
				exp_fmt_pct((double)st[1] / (double)(st[1] + st[2]), p);
				fprintf(f, " %s%% (n = %lld)", p, (long long)(st[1] + st[2]));
			} else {
				fprintf(f, " %s", w->no_share);
			}
		}
		fprintf(f, ".%s", close);
	}
}
