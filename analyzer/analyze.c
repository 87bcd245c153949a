/* analyze.c: ana_run, the whole analysis over the store. One streaming pass does the
 * per-item work (language, tokens, stems, ambitions, stance) and keeps only compact
 * results; exact duplicates collapse into groups that enter clustering once; then
 * TF-IDF, k-means, labels and campaigns, and one core_db_run_save. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "model.h"
#include "stance.h"
#include "text.h"
#include "util.h"

#define LABEL_MAX_WORDS 3
#define TOP_TERMS 8
#define QUOTES 3
#define KEY_SEP '\x1f' /* between source and external id in a representative's key */

struct item_rec {
	int64_t id;
	uint32_t group;
	char lang[8];
	struct core_item_stance *stances; /* arena */
	uint32_t n_stances;
};

/* One set of exact duplicates (same content hash). Its representative, the member
 * with the smallest (source, external id), is chosen independently of store order.
 * Near-duplicate groups then join under a root group (dedup.c). */
struct group {
	char *key;          /* representative's source KEY_SEP external id (arena) */
	int64_t rep_item;
	int64_t first_item; /* smallest item id: the campaign's template */
	char *first_text;   /* arena */
	struct ana_bag bag; /* arena */
	uint32_t *sig;      /* MinHash signature (arena), NULL for short texts */
	int64_t count;      /* items with this exact content */
	int64_t total;      /* on a root: items in all its near-duplicate groups */
	uint32_t root;      /* near-duplicate root group (itself when alone) */
	int32_t doc;        /* the root's row in the matrix */
};

struct state {
	const struct core_config *cfg;
	struct ana_text *tx;
	struct ana_lexicons lex;
	struct ana_ambitions amb;
	struct ana_arena arena;
	struct ana_intern group_ids; /* content hash -> group index */
	struct group *groups;
	size_t n_groups, groups_cap;
	struct item_rec *items;
	size_t n_items, items_cap;
	/* scratch reused for every item */
	struct ana_tokens toks;
	uint32_t *tok_stem, *sorted;
	size_t tok_cap, sorted_cap;
	struct ana_amb_score *scores;
	uint8_t *masks;
	size_t masks_cap;
	struct core_buf ev;
	double t_text, t_stance;
	size_t *amb_items;
	struct core_err *err;
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* The bag of stems of the current tokens, in the arena. */
static int make_bag(struct state *st, struct ana_bag *bag)
{
	size_t n = 0, u = 0;
	void *v = st->sorted;

	if (ana_grow(&v, &st->sorted_cap, st->toks.n + 1, sizeof(uint32_t)) != 0)
		return CORE_ENOMEM;
	st->sorted = v;
	for (size_t i = 0; i < st->toks.n; i++)
		if (st->tok_stem[i] != ANA_NOID)
			st->sorted[n++] = st->tok_stem[i];
	qsort(st->sorted, n, sizeof(uint32_t), cmp_u32);
	for (size_t i = 0; i < n; i++)
		u += i == 0 || st->sorted[i] != st->sorted[i - 1];
	bag->n = (uint32_t)u;
	bag->stem = ana_arena_alloc(&st->arena, (u ? u : 1) * sizeof(uint32_t));
	bag->tf = ana_arena_alloc(&st->arena, (u ? u : 1) * sizeof(uint32_t));
	if (!bag->stem || !bag->tf)
		return CORE_ENOMEM;
	u = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || st->sorted[i] != st->sorted[i - 1]) {
			bag->stem[u] = st->sorted[i];
			bag->tf[u++] = 1;
		} else {
			bag->tf[u - 1]++;
		}
	}
	return 0;
}

static char *arena_key(struct state *st, const struct core_item *it)
{
	const char *src = it->source ? it->source : "", *ext = it->external_id ? it->external_id : "";
	size_t a = strlen(src), b = strlen(ext);
	char *k = ana_arena_alloc(&st->arena, a + b + 2);

	if (k) {
		memcpy(k, src, a);
		k[a] = KEY_SEP;
		memcpy(k + a + 1, ext, b + 1);
	}
	return k;
}

/* The representative's bag and signature, in the arena. */
static int describe(struct state *st, struct group *gr)
{
	uint32_t sig[ANA_MH_K];

	if (make_bag(st, &gr->bag) != 0)
		return CORE_ENOMEM;
	gr->sig = NULL;
	if (ana_minhash(&st->toks, sig)) {
		if (!(gr->sig = ana_arena_alloc(&st->arena, sizeof(sig))))
			return CORE_ENOMEM;
		memcpy(gr->sig, sig, sizeof(sig));
	}
	return 0;
}

static int add_group(struct state *st, const struct core_item *it, const char *text, size_t len)
{
	char hash[17];
	int is_new;

	if (it->content_hash[0])
		memcpy(hash, it->content_hash, sizeof(hash));
	else
		core_text_fingerprint(text, hash);
	uint32_t g = ana_intern_put(&st->group_ids, hash, strlen(hash), &is_new);
	if (g == ANA_NOID)
		return CORE_ENOMEM;
	if (is_new) {
		void *v = st->groups;
		if (ana_grow(&v, &st->groups_cap, st->n_groups + 1, sizeof(*st->groups)) != 0)
			return CORE_ENOMEM;
		st->groups = v;
		struct group *gr = &st->groups[st->n_groups++];
		memset(gr, 0, sizeof(*gr));
		gr->key = arena_key(st, it);
		gr->first_text = ana_arena_strndup(&st->arena, text, len);
		if (!gr->key || !gr->first_text || describe(st, gr) != 0)
			return CORE_ENOMEM;
		gr->rep_item = gr->first_item = it->id;
		gr->count = 1;
		gr->doc = -1;
	} else {
		struct group *gr = &st->groups[g];
		char *key = arena_key(st, it);
		if (!key)
			return CORE_ENOMEM;
		gr->count++;
		if (it->id < gr->first_item) {
			gr->first_item = it->id;
			if (!(gr->first_text = ana_arena_strndup(&st->arena, text, len)))
				return CORE_ENOMEM;
		}
		if (strcmp(key, gr->key) < 0) {
			gr->key = key;
			gr->rep_item = it->id;
			if (describe(st, gr) != 0)
				return CORE_ENOMEM;
		}
	}
	st->items[st->n_items].group = g;
	return 0;
}

/* ---------------------------------------------------------------- stances */

static int evidence_terms(struct state *st, const struct ana_amb_score *s)
{
	struct core_buf *b = &st->ev;
	int rc = core_buf_puts(b, "\"terms\":[");
	size_t written = 0;

	for (size_t i = 0; rc == 0 && i < s->n_evidence; i++) {
		const struct ana_token *k = &st->toks.v[s->evidence[i]];
		char w[256];
		snprintf(w, sizeof(w), "%s%s", k->kind == ANA_TOK_HASHTAG ? "#" : "",
			 ana_tok_str(&st->toks, s->evidence[i]));
		int seen = 0;
		for (size_t j = 0; j < i; j++) {
			const struct ana_token *o = &st->toks.v[s->evidence[j]];
			if (o->kind == k->kind &&
			    strcmp(ana_tok_str(&st->toks, s->evidence[j]), ana_tok_str(&st->toks, s->evidence[i])) == 0)
				seen = 1;
		}
		if (seen)
			continue;
		if (written++)
			rc = core_buf_puts(b, ",");
		if (rc == 0)
			rc = ana_json_str(b, w);
	}
	return rc ? rc : core_buf_puts(b, "]");
}

static int stance_row(struct state *st, struct core_item_stance *row, size_t a,
		      enum core_origin origin, enum core_stance stance, double score,
		      const struct ana_amb_score *as, const struct ana_stance_result *sr,
		      int declared_amb)
{
	struct core_buf *b = &st->ev;
	int rc;

	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
	snprintf(row->code, sizeof(row->code), "%s", st->cfg->ambitions[a].code);
	row->stance = stance;
	row->score = score;
	row->origin = origin;
	if (declared_amb)
		rc = core_buf_puts(b, "{\"ambition\":\"respondent\"");
	else
		rc = core_buf_printf(b, "{\"ambition\":\"analysis\",\"ambition_score\":%.3f,",
				     as->score);
	if (rc == 0 && !declared_amb)
		rc = evidence_terms(st, as);
	if (rc == 0)
		rc = core_buf_printf(b, ",\"stance\":\"%s\"",
				     origin == CORE_ORIGIN_RESPONDENT && sr == NULL ? "respondent"
										: "analysis");
	if (rc == 0 && sr) {
		rc = core_buf_puts(b, ",\"cues\":");
		if (rc == 0)
			rc = ana_stance_cues_json(sr, b);
		if (rc == 0 && sr->condition)
			rc = core_buf_puts(b, ",\"condition\":true");
		if (rc == 0 && sr->question)
			rc = core_buf_puts(b, ",\"question\":true");
	}
	if (rc == 0)
		rc = core_buf_puts(b, "}");
	if (rc)
		return rc;
	row->evidence = ana_arena_strndup(&st->arena, b->data, b->len);
	return row->evidence ? 0 : CORE_ENOMEM;
}

static int item_stances(struct state *st, const struct core_item *it, struct item_rec *rec)
{
	const struct core_config *cfg = st->cfg;
	size_t na = cfg->n_ambitions, n = 0;
	uint8_t chosen[64] = {0};
	int declared = 0;
	struct ana_stance_result whole;
	const struct ana_lexicon *lx = ana_lexicons_for(&st->lex, rec->lang);

	if (na > 64)
		na = 64; /* the report has 64 slots; config validation keeps it far below */
	for (size_t i = 0; i < it->declared_ambitions.n; i++) {
		/* Codes the vision does not know ("A9") are ignored, not guessed at. */
		const struct core_ambition *amb = core_config_ambition(cfg, it->declared_ambitions.v[i]);
		size_t a = amb ? (size_t)(amb - cfg->ambitions) : na;
		if (a < na) {
			chosen[a] = 1;
			declared = 1;
		}
	}
	if (!declared) {
		size_t ns = st->toks.n_sent ? st->toks.n_sent : 1;
		void *v = st->masks;
		if (ana_grow(&v, &st->masks_cap, na * ns, 1) != 0)
			return CORE_ENOMEM;
		st->masks = v;
		ana_ambitions_score(&st->amb, &st->toks, st->tok_stem, st->scores, st->masks);
		for (size_t a = 0; a < na; a++)
			chosen[a] = st->scores[a].score >= cfg->analysis.ambition_threshold &&
				    st->scores[a].x > 0;
	}
	for (size_t a = 0; a < na; a++)
		n += chosen[a];
	rec->n_stances = (uint32_t)n;
	rec->stances = NULL;
	if (n == 0)
		return 0; /* general: no ambition, no stance rows */
	rec->stances = ana_arena_alloc(&st->arena, n * sizeof(*rec->stances));
	if (!rec->stances)
		return CORE_ENOMEM;
	memset(rec->stances, 0, n * sizeof(*rec->stances));
	ana_stance_eval(lx, &st->toks, NULL, &whole);

	size_t r = 0;
	for (size_t a = 0; a < na; a++) {
		if (!chosen[a])
			continue;
		st->amb_items[a]++;
		struct core_item_stance *row = &rec->stances[r++];
		int rc;
		if (it->declared_stance != CORE_STANCE_NONE) {
			/* The respondent's own stance wins for every ambition of the item. */
			rc = stance_row(st, row, a, CORE_ORIGIN_RESPONDENT, it->declared_stance, 1.0,
					declared ? NULL : &st->scores[a], NULL, declared);
		} else if (declared) {
			/* The respondent chose the ambition, the analysis reads the stance:
			 * the row's origin and score are the stance's. */
			rc = stance_row(st, row, a, CORE_ORIGIN_ANALYSIS, whole.stance,
					whole.confidence, NULL, &whole, 1);
		} else {
			/* Several ambitions: each takes the stance of its own sentences,
			 * unless those carry no cue at all. */
			struct ana_stance_result own;
			const struct ana_stance_result *use = &whole;
			if (n > 1) {
				size_t ns = st->toks.n_sent ? st->toks.n_sent : 1;
				ana_stance_eval(lx, &st->toks, st->masks + a * ns, &own);
				if (own.n_cues > 0 || own.condition)
					use = &own;
			}
			rc = stance_row(st, row, a, CORE_ORIGIN_ANALYSIS, use->stance, use->confidence,
					&st->scores[a], use, 0);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* ---------------------------------------------------------------- per item */

static int on_item(const struct core_item_view *v, void *ctx)
{
	struct state *st = ctx;
	const struct core_item *it = &v->item;
	const char *text = it->text && *it->text ? it->text : it->title ? it->title : "";
	size_t len = strlen(text);
	char *clean = NULL, *folded = NULL;
	double t0 = ana_now();
	int rc = CORE_ENOMEM;

	if (len > ANA_MAX_TEXT) {
		len = ANA_MAX_TEXT;
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
		if (!st->tx->warned_long++)
			core_log(CORE_LOG_WARN, "item %lld: text longer than %u bytes; analysing "
				 "its first %zu bytes", (long long)it->id, ANA_MAX_TEXT, len);
	}
	clean = core_utf8_sanitize(text, len);
	if (!clean)
		goto out;
	len = strlen(clean);
	folded = core_utf8_fold(clean);
	if (!folded)
		goto out;

	void *iv = st->items;
	if (ana_grow(&iv, &st->items_cap, st->n_items + 1, sizeof(*st->items)) != 0)
		goto out;
	st->items = iv;
	struct item_rec *rec = &st->items[st->n_items];
	memset(rec, 0, sizeof(*rec));
	rec->id = it->id;
	if ((rc = ana_tokenize(folded, strlen(folded), &st->toks)) != 0)
		goto out;
	rc = CORE_ENOMEM;
	ana_text_detect_tokens(st->tx, &st->toks, clean, len, it->lang,
			       st->cfg->analysis.default_lang, rec->lang);
	int li = ana_text_lang(st->tx, rec->lang);
	if (li < 0)
		li = ana_text_lang(st->tx, st->cfg->analysis.default_lang);
	if (li < 0)
		goto out;
	void *ts = st->tok_stem;
	if (ana_grow(&ts, &st->tok_cap, st->toks.n + 1, sizeof(uint32_t)) != 0)
		goto out;
	st->tok_stem = ts;
	for (size_t i = 0; i < st->toks.n; i++) {
		const struct ana_token *k = &st->toks.v[i];
		st->tok_stem[i] = ANA_NOID;
		if (k->kind == ANA_TOK_WORD || k->kind == ANA_TOK_HASHTAG)
			if (ana_text_term(st->tx, li, ana_tok_str(&st->toks, i), k->len,
					  &st->tok_stem[i], NULL) != 0)
				goto out;
	}
	if ((rc = add_group(st, it, clean, len)) != 0)
		goto out;
	double t1 = ana_now();
	st->t_text += t1 - t0;
	if ((rc = item_stances(st, it, rec)) != 0)
		goto out;
	st->t_stance += ana_now() - t1;
	st->n_items++;
out:
	free(clean);
	free(folded);
	if (rc)
		core_err_set(st->err, rc, "cannot analyse item %lld: out of memory", (long long)it->id);
	return rc;
}

/* ---------------------------------------------------------------- themes */

struct sortable {
	const char *hash;
	const char *key;
	uint32_t g;
};

static int by_sortable(const void *a, const void *b)
{
	const struct sortable *x = a, *y = b;
	int c = strcmp(x->hash, y->hash);
	return c ? c : strcmp(x->key, y->key);
}

/* Stem variants such as "digitaal"/"digital": a long shared beginning. */
static int variants(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), l = 0, m = la < lb ? la : lb;
	while (l < m && a[l] == b[l])
		l++;
	return l == m || (l >= 4 && (double)l >= 0.8 * (double)m);
}

struct theme_build {
	int cluster;
	int64_t size;
	uint32_t cand[16]; /* columns: best terms, no stopwords or variants */
	size_t n_cand;
	char base[256];    /* label from the first words, for ordering */
};

static void theme_terms(const struct ana_text *tx, const struct ana_matrix *m, const float *cent,
			struct theme_build *tb)
{
	/* Partial selection of the best columns: k is small, so repeated scans are fine
	 * for now; ties go to the lower column (the smaller string). */
	size_t V = m->n_terms;
	tb->n_cand = 0;
	uint8_t *used = calloc(V ? V : 1, 1);
	if (!used)
		return;
	while (tb->n_cand < sizeof(tb->cand) / sizeof(*tb->cand)) {
		size_t best = V;
		for (size_t j = 0; j < V; j++)
			if (!used[j] && cent[j] > 0.0f && (best == V || cent[j] > cent[best]))
				best = j;
		if (best == V)
			break;
		used[best] = 1;
		uint32_t stem = m->term_stem[best];
		const char *surf = ana_text_surface(tx, stem);
		const char *sstr = ana_intern_str(&tx->stems, stem);
		int skip = ana_text_is_stop(tx, surf, strlen(surf));
		for (size_t i = 0; !skip && i < tb->n_cand; i++) {
			uint32_t o = m->term_stem[tb->cand[i]];
			skip = strcmp(ana_text_surface(tx, o), surf) == 0 ||
			       variants(ana_intern_str(&tx->stems, o), sstr);
		}
		if (!skip)
			tb->cand[tb->n_cand++] = (uint32_t)best;
	}
	free(used);
}

static void label_from(const struct ana_text *tx, const struct ana_matrix *m,
		       const struct theme_build *tb, size_t words, char *out, size_t cap)
{
	size_t at = 0;
	out[0] = '\0';
	for (size_t i = 0; i < words && i < tb->n_cand; i++) {
		const char *s = ana_text_surface(tx, m->term_stem[tb->cand[i]]);
		int w = snprintf(out + at, cap - at, "%s%s", i ? ", " : "", s);
		if (w < 0 || (size_t)w >= cap - at)
			break;
		at += (size_t)w;
	}
}

static int by_theme(const void *a, const void *b)
{
	const struct theme_build *x = a, *y = b;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	int c = strcmp(x->base, y->base);
	return c ? c : x->cluster - y->cluster;
}

struct quote_cand {
	float sim;
	int32_t doc;
	int64_t item;
};

static int by_quote(const void *a, const void *b)
{
	const struct quote_cand *x = a, *y = b;
	if (x->sim != y->sim)
		return x->sim > y->sim ? -1 : 1;
	return x->doc - y->doc;
}

/* Builds run->themes from the clustering; per group, its theme index in *theme_of. */
static int build_themes(struct state *st, const struct ana_matrix *m,
			const struct ana_clustering *cl, const uint32_t *doc_group,
			struct core_run *run, int *theme_of_doc)
{
	struct theme_build *tb = NULL;
	struct quote_cand *qc = NULL;
	int *rank = NULL;
	int k = cl->k, nt = 0, rc = CORE_ENOMEM;

	for (size_t d = 0; d < m->n_docs; d++)
		theme_of_doc[d] = -1;
	if (k <= 0)
		return 0;
	tb = calloc((size_t)k, sizeof(*tb));
	rank = malloc((size_t)k * sizeof(*rank));
	qc = malloc((m->n_docs ? m->n_docs : 1) * sizeof(*qc));
	if (!tb || !rank || !qc)
		goto out;
	for (int c = 0; c < k; c++)
		tb[c].cluster = c;
	for (size_t d = 0; d < m->n_docs; d++)
		if (cl->assign[d] >= 0)
			tb[cl->assign[d]].size += st->groups[doc_group[d]].total;
	for (int c = 0; c < k; c++) {
		theme_terms(st->tx, m, cl->centroid + (size_t)c * m->n_terms, &tb[c]);
		label_from(st->tx, m, &tb[c], LABEL_MAX_WORDS, tb[c].base, sizeof(tb[c].base));
	}
	qsort(tb, (size_t)k, sizeof(*tb), by_theme);
	for (int c = 0; c < k; c++)
		if (tb[c].size > 0)
			nt++;
	run->themes = calloc(nt ? (size_t)nt : 1, sizeof(*run->themes));
	if (!run->themes)
		goto out;
	run->n_themes = 0;
	for (int i = 0; i < k; i++) {
		struct theme_build *b = &tb[i];
		if (b->size == 0)
			continue;
		int t = (int)run->n_themes++;
		struct core_theme *th = &run->themes[t];
		rank[b->cluster] = t;
		snprintf(th->id, sizeof(th->id), "T%d", t + 1);
		th->size = b->size;

		/* Label: two or three words (the third when it still carries weight),
		 * extended until it differs from every earlier label. */
		const float *cent = cl->centroid + (size_t)b->cluster * m->n_terms;
		size_t words = b->n_cand < 2 ? b->n_cand : 2;
		if (b->n_cand >= 3 && cent[b->cand[2]] >= 0.5f * cent[b->cand[0]])
			words = 3;
		char label[512];
		for (;;) {
			label_from(st->tx, m, b, words, label, sizeof(label));
			int dup = 0;
			for (int j = 0; j < t; j++)
				dup |= strcmp(run->themes[j].label, label) == 0;
			if (!dup)
				break;
			if (words >= b->n_cand) {
				size_t l = strlen(label);
				snprintf(label + l, sizeof(label) - l, " (%s)", th->id);
				break;
			}
			words++;
		}
		if (!label[0])
			snprintf(label, sizeof(label), "%s", th->id);
		th->label = core_strdup(label);
		if (!th->label)
			goto out;
		for (size_t j = 0; j < b->n_cand && th->top_terms.n < TOP_TERMS; j++)
			if (core_strlist_push(&th->top_terms,
					      ana_text_surface(st->tx, m->term_stem[b->cand[j]])) != 0)
				goto out;

		size_t nq = 0;
		for (size_t d = 0; d < m->n_docs; d++)
			if (cl->assign[d] == b->cluster)
				qc[nq++] = (struct quote_cand){cl->sim[d], (int32_t)d,
							       st->groups[doc_group[d]].rep_item};
		qsort(qc, nq, sizeof(*qc), by_quote);
		th->n_quotes = nq < QUOTES ? nq : QUOTES;
		th->quotes = malloc((th->n_quotes ? th->n_quotes : 1) * sizeof(int64_t));
		if (!th->quotes)
			goto out;
		for (size_t q = 0; q < th->n_quotes; q++)
			th->quotes[q] = qc[q].item;
		/* The centroid is not stored: its columns mean nothing without this run's
		 * vocabulary, and at a million items it would add megabytes per run. Theme
		 * identity across runs can use top terms and shared members instead. */
	}
	for (size_t d = 0; d < m->n_docs; d++)
		if (cl->assign[d] >= 0)
			theme_of_doc[d] = rank[cl->assign[d]];
	rc = 0;
out:
	free(tb);
	free(rank);
	free(qc);
	return rc;
}

struct camp_sort {
	int64_t count, first;
	uint32_t g;
};

static int by_campaign(const void *a, const void *b)
{
	const struct camp_sort *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return (x->first > y->first) - (x->first < y->first);
}

static void run_release(struct core_run *run)
{
	for (size_t i = 0; i < run->n_themes; i++)
		core_theme_release(&run->themes[i]);
	free(run->themes);
	free(run->campaigns);
	free(run->results);
	free(run->params);
}

int ana_run(struct core_db *db, const struct core_config *cfg, const struct ana_opts *opts,
	    struct ana_report *rep, struct core_err *err)
{
	struct state st = {0};
	struct core_run run = {0};
	struct ana_matrix m = {0};
	struct ana_clustering cl = {0};
	struct ana_bag *bags = NULL;
	struct sortable *order = NULL;
	struct camp_sort *camps = NULL;
	uint32_t *doc_group = NULL, *rank = NULL, *root = NULL, **sigs = NULL;
	int *theme_of_doc = NULL, *campaign_of_group = NULL;
	struct core_item_filter filter = {0};
	struct ana_report local;
	double t_start = ana_now(), t;
	int rc;

	if (!rep)
		rep = &local;
	memset(rep, 0, sizeof(*rep));
	core_time_format(time(NULL), run.started_at);
	st.cfg = cfg;
	st.err = err;
	st.amb_items = rep->ambition_items;
	core_buf_init(&st.ev, 1 << 20);
	ana_intern_init(&st.group_ids);

	if ((rc = core_db_ambitions_sync(db, cfg, err)) != 0)
		goto out;
	if (!(st.tx = ana_text_new(err))) {
		rc = CORE_ENOMEM;
		goto out;
	}
	if ((rc = ana_lexicons_load(&st.lex, err)) != 0)
		goto out;
	if ((rc = ana_ambitions_build(&st.amb, st.tx, cfg, err)) != 0)
		goto out;
	st.scores = calloc(cfg->n_ambitions ? cfg->n_ambitions : 1, sizeof(*st.scores));
	if (!st.scores) {
		rc = core_err_set(err, CORE_ENOMEM, "analysis: out of memory");
		goto out;
	}

	/* Pass over the store: everything per item. */
	filter.include_hidden = 0;
	if ((rc = core_db_items_each(db, &filter, on_item, &st, err)) != 0)
		goto out;
	if (st.n_items == 0) {
		rc = core_err_set(err, CORE_ERUNTIME,
				  "nothing to analyse: the store has no items (run 'inspraak collect' "
				  "or 'inspraak import' first)");
		goto out;
	}
	rep->seconds_text = st.t_text;
	rep->seconds_stance = st.t_stance;

	/* Documents: one per duplicate group, ordered by content hash then key, so the
	 * clustering does not depend on the order items were stored in. */
	t = ana_now();
	rc = CORE_ENOMEM;
	order = malloc(st.n_groups * sizeof(*order));
	bags = malloc(st.n_groups * sizeof(*bags));
	doc_group = malloc(st.n_groups * sizeof(*doc_group));
	theme_of_doc = malloc(st.n_groups * sizeof(*theme_of_doc));
	campaign_of_group = malloc(st.n_groups * sizeof(*campaign_of_group));
	camps = malloc(st.n_groups * sizeof(*camps));
	rank = malloc(st.n_groups * sizeof(*rank));
	root = malloc(st.n_groups * sizeof(*root));
	sigs = malloc(st.n_groups * sizeof(*sigs));
	if (!order || !bags || !doc_group || !theme_of_doc || !campaign_of_group || !camps ||
	    !rank || !root || !sigs)
		goto nomem;
	if (ana_text_surfaces(st.tx) != 0)
		goto nomem;
	for (uint32_t g = 0; g < st.n_groups; g++)
		order[g] = (struct sortable){ana_intern_str(&st.group_ids, g), st.groups[g].key, g};
	qsort(order, st.n_groups, sizeof(*order), by_sortable);
	for (size_t r = 0; r < st.n_groups; r++)
		rank[order[r].g] = (uint32_t)r;
	for (size_t g = 0; g < st.n_groups; g++)
		sigs[g] = st.groups[g].sig;
	size_t merged = 0;
	if (ana_near_dups(sigs, st.n_groups, rank, root, &merged) != 0)
		goto nomem;
	for (size_t g = 0; g < st.n_groups; g++) {
		st.groups[g].root = root[g];
		st.groups[g].total = 0;
	}
	for (size_t g = 0; g < st.n_groups; g++) {
		struct group *rt = &st.groups[root[g]];
		rt->total += st.groups[g].count;
		/* The campaign template is the earliest item of the whole near-group. */
		if (st.groups[g].first_item < rt->first_item) {
			rt->first_item = st.groups[g].first_item;
			rt->first_text = st.groups[g].first_text;
		}
	}
	/* One document per root, in the order above. */
	size_t n_docs = 0;
	for (size_t r = 0; r < st.n_groups; r++) {
		uint32_t g = order[r].g;
		if (root[g] != g)
			continue;
		doc_group[n_docs] = g;
		st.groups[g].doc = (int32_t)n_docs;
		bags[n_docs++] = st.groups[g].bag;
	}
	for (size_t g = 0; g < st.n_groups; g++)
		st.groups[g].doc = st.groups[root[g]].doc;
	if (ana_features_build(bags, n_docs, &st.tx->stems, &m) != 0)
		goto nomem;
	size_t nonempty = 0;
	for (size_t d = 0; d < m.n_docs; d++)
		nonempty += m.row[d + 1] > m.row[d];
	uint64_t seed = opts ? opts->seed : cfg->analysis.seed;
	int k = opts && opts->themes > 0 ? opts->themes
		: cfg->analysis.themes > 0 ? cfg->analysis.themes
		: ana_auto_k(nonempty, cfg->analysis.max_themes);
	if (ana_kmeans(&m, k, seed, &cl) != 0)
		goto nomem;
	if (build_themes(&st, &m, &cl, doc_group, &run, theme_of_doc) != 0)
		goto nomem;

	/* Campaigns: (near-)duplicate groups of at least campaign_min items. */
	size_t nc = 0;
	int cmin = cfg->analysis.campaign_min > 1 ? cfg->analysis.campaign_min : 2;
	for (uint32_t g = 0; g < st.n_groups; g++) {
		campaign_of_group[g] = -1;
		if (root[g] == g && st.groups[g].total >= cmin)
			camps[nc++] = (struct camp_sort){st.groups[g].total, st.groups[g].first_item, g};
	}
	qsort(camps, nc, sizeof(*camps), by_campaign);
	run.campaigns = calloc(nc ? nc : 1, sizeof(*run.campaigns));
	if (!run.campaigns)
		goto nomem;
	run.n_campaigns = nc;
	for (size_t c = 0; c < nc; c++) {
		struct core_campaign *cp = &run.campaigns[c];
		const struct group *gr = &st.groups[camps[c].g];
		snprintf(cp->id, sizeof(cp->id), "C%zu", c + 1);
		cp->size = gr->total;
		cp->template_text = gr->first_text; /* borrowed: the arena outlives the save */
		cp->first_item = gr->first_item;
		campaign_of_group[camps[c].g] = (int)c;
	}

	/* Per-item results. */
	run.results = calloc(st.n_items, sizeof(*run.results));
	if (!run.results)
		goto nomem;
	run.n_results = st.n_items;
	for (size_t i = 0; i < st.n_items; i++) {
		const struct item_rec *rec = &st.items[i];
		const struct group *gr = &st.groups[rec->group];
		struct core_item_result *r = &run.results[i];
		r->item_id = rec->id;
		snprintf(r->lang, sizeof(r->lang), "%s", rec->lang);
		int th = theme_of_doc[gr->doc];
		if (th >= 0) {
			snprintf(r->theme, sizeof(r->theme), "%s", run.themes[th].id);
			r->theme_score = cl.sim[gr->doc];
		} else {
			rep->unassigned++;
		}
		int cg = campaign_of_group[gr->root];
		if (cg >= 0)
			snprintf(r->campaign, sizeof(r->campaign), "%s", run.campaigns[cg].id);
		r->stances = rec->stances;
		r->n_stances = rec->n_stances;
	}
	rep->seconds_cluster = ana_now() - t;

	run.seed = seed;
	run.k = (int)run.n_themes;
	run.items = (int64_t)st.n_items;
	run.params = core_asprintf(
		"{\"seed\":%llu,\"themes\":%d,\"k\":%d,\"max_themes\":%d,\"auto_k\":%s,"
		"\"ambition_threshold\":%.3f,\"campaign_min\":%d,\"default_lang\":\"%s\","
		"\"restarts\":%d,\"max_iter\":%d,\"min_df\":2,\"max_df\":0.5,"
		"\"documents\":%zu,\"terms\":%zu,\"near_duplicate_merges\":%zu,"
		"\"objective\":%.4f}",
		(unsigned long long)seed, opts ? opts->themes : 0, cl.k, cfg->analysis.max_themes,
		(opts && opts->themes > 0) || cfg->analysis.themes > 0 ? "false" : "true",
		cfg->analysis.ambition_threshold, cmin,
		cfg->analysis.default_lang ? cfg->analysis.default_lang : "",
		ANA_KMEANS_RESTARTS, ANA_KMEANS_MAX_ITER, m.n_docs, m.n_terms, merged, cl.objective);
	if (!run.params)
		goto nomem;
	core_time_format(time(NULL), run.finished_at);

	t = ana_now();
	if ((rc = core_db_run_save(db, &run, err)) != 0)
		goto out;
	rep->seconds_store = ana_now() - t;
	rep->run_id = run.id;
	rep->items = st.n_items;
	rep->themes = run.n_themes;
	rep->campaigns = run.n_campaigns;
	rc = 0;
	goto out;
nomem:
	rc = core_err_set(err, CORE_ENOMEM, "analysis of %zu items: out of memory", st.n_items);
out:
	rep->seconds_total = ana_now() - t_start;
	if (rc == 0)
		core_log(CORE_LOG_DEBUG, "analysis: %zu items, %zu documents, %zu terms, k %d: text "
			 "%.2f s, cluster %.2f s, stance %.2f s, store %.2f s, total %.2f s",
			 st.n_items, m.n_docs, m.n_terms, cl.k, rep->seconds_text, rep->seconds_cluster,
			 rep->seconds_stance, rep->seconds_store, rep->seconds_total);
	for (size_t c = 0; c < run.n_campaigns; c++)
		run.campaigns[c].template_text = NULL;
	run_release(&run);
	ana_matrix_release(&m);
	ana_clustering_release(&cl);
	free(bags);
	free(order);
	free(camps);
	free(doc_group);
	free(rank);
	free(root);
	free(sigs);
	free(theme_of_doc);
	free(campaign_of_group);
	ana_ambitions_release(&st.amb);
	ana_lexicons_release(&st.lex);
	ana_text_free(st.tx);
	ana_tokens_release(&st.toks);
	free(st.tok_stem);
	free(st.sorted);
	free(st.scores);
	free(st.masks);
	core_buf_release(&st.ev);
	ana_intern_release(&st.group_ids);
	free(st.groups);
	free(st.items);
	ana_arena_release(&st.arena);
	return rc;
}
