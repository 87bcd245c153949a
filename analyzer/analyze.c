/* analyze.c: ana_run, the whole analysis over the store. One streaming pass does the
 * per-item work (language, tokens, stems, ambitions, stance) and keeps only compact
 * results; exact duplicates collapse into groups that enter clustering once; then
 * TF-IDF, k-means, labels and campaigns, and one core_db_run_save. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer.h"
#include "learn.h"
#include "model.h"
#include "review.h"
#include "stance.h"
#include "text.h"
#include "util.h"

#define LABEL_MAX_WORDS 4
#define TOP_TERMS 8
#define QUOTES 5      /* at most, best first */
#define QUOTES_MIN 3  /* filled up with less varied ones when needed */
#define QUOTE_MAX_OVERLAP 0.5 /* cosine above which a quote repeats an earlier one */
#define KEY_SEP '\x1f' /* between source and external id in a representative's key */

struct item_rec {
	int64_t id;
	uint32_t group;
	uint32_t prev_theme; /* id in state.prev_ids of its theme in the previous run */
	char lang[8];
	struct core_item_stance *stances; /* arena */
	float *rule;     /* arena, per stance row: the rules' support minus objection */
	int8_t *pol;     /* arena, per stance row: its ambition's polarity */
	uint32_t n_stances;
	/* An item about no ambition: its best ambition below the threshold (0xff: none)
	 * and the rules' reading toward it, for the evidence its theme may lend. */
	uint8_t weak_amb;
	uint8_t weak_stance;
	float weak_score, weak_conf, weak_rule;
	/* An item whose respondent gave a stance: the rules' reading toward its first
	 * ambition, for the classifier (ex_pol 0: nothing to learn from). */
	int8_t ex_pol;
	uint8_t ex_rule_stance, ex_cues;
	float ex_rule;
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
	int8_t polarity[64]; /* per ambition, from its title (stance.h) */
	struct ana_learn learn;
	struct ana_review_stance *reviewed; /* reviewers' stances, by item then code */
	size_t n_reviewed;
	struct ana_ambitions amb;
	struct ana_arena arena;
	struct ana_intern group_ids; /* content hash -> group index */
	struct ana_intern prev_ids;  /* theme ids of the previous run, as items carry them */
	struct ana_intern pairs;     /* candidate bigrams: two encoded stem ids */
	struct group *groups;
	size_t n_groups, groups_cap;
	struct item_rec *items;
	size_t n_items, items_cap;
	/* scratch reused for every item */
	struct ana_tokens toks;
	uint32_t *tok_stem, *sorted;
	uint8_t *tok_feat;   /* per token: 1 when its stem is a theme feature */
	size_t tok_cap, sorted_cap, feat_cap;
	struct ana_amb_score *scores;
	uint8_t *masks;
	size_t masks_cap;
	struct core_buf ev;
	double t_text, t_stance;
	/* progress on a terminal */
	int tty;
	int64_t n_total;
	double t_begin, t_shown;
	size_t *amb_items;
	struct core_err *err;
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* A bigram candidate's key: two stem ids in 7-bit groups with the high bit set, so
 * the key has no NUL byte and fits the string interner. */
static void pair_key(uint32_t a, uint32_t b, char key[10])
{
	for (int i = 0; i < 5; i++) {
		key[i] = (char)(0x80 | ((a >> (7 * i)) & 0x7f));
		key[5 + i] = (char)(0x80 | ((b >> (7 * i)) & 0x7f));
	}
}

static void pair_unkey(const char *key, uint32_t *a, uint32_t *b)
{
	*a = *b = 0;
	for (int i = 0; i < 5; i++) {
		*a |= (uint32_t)((unsigned char)key[i] & 0x7f) << (7 * i);
		*b |= (uint32_t)((unsigned char)key[5 + i] & 0x7f) << (7 * i);
	}
}

/* The bag of stems of the current tokens, in the arena: single feature stems, and
 * candidate bigrams (two adjacent feature words of one clause) as PAIR_BIT | id in
 * st->pairs; after the pass the significant ones become stems, the rest are dropped. */
#define PAIR_BIT 0x80000000u
static int make_bag(struct state *st, struct ana_bag *bag)
{
	size_t n = 0, u = 0;
	void *v = st->sorted;

	if (ana_grow(&v, &st->sorted_cap, 2 * st->toks.n + 1, sizeof(uint32_t)) != 0)
		return CORE_ENOMEM;
	st->sorted = v;
	for (size_t i = 0; i < st->toks.n; i++) {
		if (st->tok_stem[i] == ANA_NOID || !st->tok_feat[i])
			continue;
		st->sorted[n++] = st->tok_stem[i];
		size_t j = i + 1;
		if (j < st->toks.n && st->tok_stem[j] != ANA_NOID && st->tok_feat[j] &&
		    st->toks.v[i].kind == ANA_TOK_WORD && st->toks.v[j].kind == ANA_TOK_WORD &&
		    st->toks.v[i].clause == st->toks.v[j].clause &&
		    st->tok_stem[i] != st->tok_stem[j]) {
			char key[10];
			pair_key(st->tok_stem[i], st->tok_stem[j], key);
			uint32_t pid = ana_intern_put(&st->pairs, key, sizeof(key), NULL);
			if (pid == ANA_NOID || pid >= PAIR_BIT)
				return CORE_ENOMEM;
			st->sorted[n++] = PAIR_BIT | pid;
		}
	}
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
	struct ana_stance_result whole[2]; /* the whole text for polarity +1 and -1 */
	int have_whole[2] = {0, 0};
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
	rec->weak_amb = 0xff;
	if (n == 0 && !declared) {
		/* General, unless its theme lends the best ambition it almost reached. */
		size_t best = na;
		for (size_t a = 0; a < na; a++)
			if (st->scores[a].x > 0 && (best == na || st->scores[a].x > st->scores[best].x))
				best = a;
		if (best < na) {
			ana_stance_eval_pol(lx, &st->toks, NULL, st->polarity[best], NULL, &whole[0]);
			rec->weak_amb = (uint8_t)best;
			rec->weak_score = (float)st->scores[best].score;
			rec->weak_stance = (uint8_t)whole[0].stance;
			rec->weak_conf = (float)whole[0].confidence;
			rec->weak_rule = (float)(whole[0].pos - whole[0].neg);
		}
	}
	if (n == 0)
		return 0; /* general: no ambition, no stance rows */
	rec->stances = ana_arena_alloc(&st->arena, n * sizeof(*rec->stances));
	rec->rule = ana_arena_alloc(&st->arena, n * sizeof(float));
	rec->pol = ana_arena_alloc(&st->arena, n);
	if (!rec->stances || !rec->rule || !rec->pol)
		return CORE_ENOMEM;
	memset(rec->stances, 0, n * sizeof(*rec->stances));

	size_t r = 0;
	int learned = 0;
	for (size_t a = 0; a < na; a++) {
		if (!chosen[a])
			continue;
		st->amb_items[a]++;
		struct core_item_stance *row = &rec->stances[r];
		int pol = st->polarity[a], w = pol < 0;
		int rc;
		if (!have_whole[w]) {
			ana_stance_eval_pol(lx, &st->toks, NULL, pol, NULL, &whole[w]);
			have_whole[w] = 1;
		}
		/* Several analysed ambitions: each takes the stance of its own sentences,
		 * unless those carry no cue at all. */
		struct ana_stance_result own;
		const struct ana_stance_result *use = &whole[w];
		if (!declared && n > 1) {
			size_t ns = st->toks.n_sent ? st->toks.n_sent : 1;
			ana_stance_eval_pol(lx, &st->toks, st->masks + a * ns, pol, NULL, &own);
			if (own.n_cues > 0 || own.condition)
				use = &own;
		}
		rec->rule[r] = (float)(use->pos - use->neg);
		rec->pol[r] = (int8_t)pol;
		r++;
		if (it->declared_stance != CORE_STANCE_NONE) {
			/* The respondent's own stance wins for every ambition of the item, and
			 * teaches the classifier (once per item, see learn_from). */
			rc = stance_row(st, row, a, CORE_ORIGIN_RESPONDENT, it->declared_stance, 1.0,
					declared ? NULL : &st->scores[a], NULL, declared);
			if (!learned) {
				/* what learn_from needs, kept until the item is merged */
				rec->ex_pol = (int8_t)pol;
				rec->ex_rule = (float)(use->pos - use->neg);
				rec->ex_rule_stance = (uint8_t)use->stance;
				rec->ex_cues = use->n_cues > 0;
				learned = 1;
			}
		} else if (declared) {
			/* The respondent chose the ambition, the analysis reads the stance:
			 * the row's origin and score are the stance's. */
			rc = stance_row(st, row, a, CORE_ORIGIN_ANALYSIS, use->stance,
					use->confidence, NULL, use, 1);
		} else {
			rc = stance_row(st, row, a, CORE_ORIGIN_ANALYSIS, use->stance, use->confidence,
					&st->scores[a], use, 0);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* Weak evidence from themes: an item about no ambition whose theme is mostly about one
 * ambition (at least THEME_SHARE of the theme's items that have one) gains
 * THEME_LEND * share evidence for it; when that lifts its own evidence for that
 * ambition over the threshold, it gets a stance row, its origin the analysis and its
 * evidence naming the theme. Items with no evidence of their own gain nothing. */
#define THEME_SHARE 0.5
#define THEME_LEND 0.1
#define THEME_MIN_ITEMS 3
static int lend_theme_ambitions(struct state *st, const int *theme_of_doc,
				const struct core_theme *themes, size_t n_themes)
{
	const struct core_config *cfg = st->cfg;
	size_t na = cfg->n_ambitions < 64 ? cfg->n_ambitions : 64;
	uint32_t *cnt = calloc((n_themes ? n_themes : 1) * (na + 1), sizeof(uint32_t));

	if (!cnt)
		return CORE_ENOMEM;
	for (size_t i = 0; i < st->n_items; i++) {
		const struct item_rec *rec = &st->items[i];
		int th = theme_of_doc[st->groups[rec->group].doc];
		if (th < 0 || rec->n_stances == 0)
			continue;
		uint32_t *c = &cnt[(size_t)th * (na + 1)];
		c[na]++;
		for (uint32_t k = 0; k < rec->n_stances; k++) {
			const struct core_ambition *amb = core_config_ambition(cfg, rec->stances[k].code);
			if (amb && (size_t)(amb - cfg->ambitions) < na)
				c[amb - cfg->ambitions]++;
		}
	}
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < st->n_items; i++) {
		struct item_rec *rec = &st->items[i];
		int th = theme_of_doc[st->groups[rec->group].doc];
		if (th < 0 || rec->n_stances != 0 || rec->weak_amb == 0xff)
			continue;
		const uint32_t *c = &cnt[(size_t)th * (na + 1)];
		size_t a = rec->weak_amb;
		double share = c[na] ? (double)c[a] / (double)c[na] : 0.0;
		if (c[na] < THEME_MIN_ITEMS || share < THEME_SHARE)
			continue;
		double x = -log(1.0 - (rec->weak_score < 0.999f ? rec->weak_score : 0.999f));
		double score = 1.0 - exp(-(x + THEME_LEND * share));
		if (score < cfg->analysis.ambition_threshold)
			continue;
		rc = CORE_ENOMEM;
		rec->stances = ana_arena_alloc(&st->arena, sizeof(*rec->stances));
		rec->rule = ana_arena_alloc(&st->arena, sizeof(float));
		rec->pol = ana_arena_alloc(&st->arena, 1);
		if (!rec->stances || !rec->rule || !rec->pol)
			break;
		struct core_item_stance *row = rec->stances;
		memset(row, 0, sizeof(*row));
		snprintf(row->code, sizeof(row->code), "%s", cfg->ambitions[a].code);
		row->stance = (enum core_stance)rec->weak_stance;
		row->score = rec->weak_conf;
		row->origin = CORE_ORIGIN_ANALYSIS;
		char ev[256];
		snprintf(ev, sizeof(ev), "{\"ambition\":\"theme\",\"theme\":\"%s\",\"theme_share\":%.3f,"
			 "\"ambition_score\":%.3f,\"stance\":\"analysis\"}", themes[th].id, share, score);
		if (!(row->evidence = ana_arena_strndup(&st->arena, ev, strlen(ev))))
			break;
		rec->rule[0] = rec->weak_rule;
		rec->pol[0] = st->polarity[a];
		rec->n_stances = 1;
		st->amb_items[a]++;
		rc = 0;
	}
	free(cnt);
	return rc;
}

/* Hands an item whose stance a reviewer or its respondent gave to the classifier (in
 * store order, on the thread that owns st->learn): its tokens are still in t. */
static int learn_from(struct state *st, const struct core_item *it, const struct item_rec *rec,
		      const struct ana_tokens *t)
{
	char key[512];

	snprintf(key, sizeof(key), "%s%c%s", it->source, KEY_SEP, it->external_id);
	/* A reviewer's stance teaches first: it corrects the analysis (or the respondent). */
	for (size_t a = 0; st->n_reviewed && a < st->cfg->n_ambitions && a < 64; a++) {
		enum core_stance rs;
		if (!ana_review_stance_of(st->reviewed, st->n_reviewed, it->id,
					  st->cfg->ambitions[a].code, &rs))
			continue;
		if (rs == CORE_STANCE_NEUTRAL)
			return ana_learn_neutral(&st->learn, rec->lang);
		if (rs != CORE_STANCE_SUPPORT && rs != CORE_STANCE_OBJECTION)
			continue; /* "not about this ambition" says nothing about stance */
		struct ana_stance_result r;
		ana_stance_eval_pol(ana_lexicons_for(&st->lex, rec->lang), t, NULL, st->polarity[a],
				    NULL, &r);
		return ana_learn_example(&st->learn, rec->lang, t, st->polarity[a],
					 rs == CORE_STANCE_SUPPORT ? 1 : -1, r.pos - r.neg, r.stance,
					 r.n_cues > 0, key);
	}
	if (rec->ex_pol == 0)
		return 0;
	if (it->declared_stance == CORE_STANCE_NEUTRAL)
		return ana_learn_neutral(&st->learn, rec->lang);
	if (it->declared_stance != CORE_STANCE_SUPPORT && it->declared_stance != CORE_STANCE_OBJECTION)
		return 0;
	return ana_learn_example(&st->learn, rec->lang, t, rec->ex_pol,
				 it->declared_stance == CORE_STANCE_SUPPORT ? 1 : -1, rec->ex_rule,
				 (enum core_stance)rec->ex_rule_stance, rec->ex_cues, key);
}

/* learn.c's way back to an item's stance rows: the items are in id order. */
static struct ana_learn_rows rows_of(void *ctx, int64_t id)
{
	struct state *st = ctx;
	struct ana_learn_rows r = {0};
	size_t lo = 0, hi = st->n_items;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (st->items[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < st->n_items && st->items[lo].id == id) {
		struct item_rec *rec = &st->items[lo];
		r.rows = rec->stances;
		r.rule = rec->rule;
		r.polarity = rec->pol;
		r.n = rec->n_stances;
		r.lang = rec->lang;
	}
	return r;
}

/* The analysed stances the run is least sure of (rows with some evidence: a cue or the
 * classifier), least sure first, ties by item id. */
static void least_certain(struct state *st, struct ana_report *rep)
{
	const size_t cap = sizeof(rep->uncertain) / sizeof(rep->uncertain[0]);

	rep->n_uncertain = 0;
	for (size_t i = 0; i < st->n_items; i++) {
		const struct item_rec *rec = &st->items[i];
		for (uint32_t k = 0; k < rec->n_stances; k++) {
			const struct core_item_stance *row = &rec->stances[k];
			if (row->origin != CORE_ORIGIN_ANALYSIS || !row->evidence ||
			    (!strstr(row->evidence, "\"cues\":[\"") &&
			     !strstr(row->evidence, "\"classifier\"")))
				continue;
			size_t pos = rep->n_uncertain;
			while (pos > 0 && rep->uncertain[pos - 1].confidence > row->score)
				pos--;
			if (pos >= cap)
				continue;
			size_t last = rep->n_uncertain < cap ? rep->n_uncertain : cap - 1;
			memmove(&rep->uncertain[pos + 1], &rep->uncertain[pos],
				(last - pos) * sizeof(rep->uncertain[0]));
			rep->uncertain[pos].item = rec->id;
			snprintf(rep->uncertain[pos].code, sizeof(rep->uncertain[pos].code), "%s",
				 row->code);
			rep->uncertain[pos].stance = row->stance;
			rep->uncertain[pos].confidence = row->score;
			if (rep->n_uncertain < cap)
				rep->n_uncertain++;
		}
	}
}

/* ---------------------------------------------------------------- progress */

/* One progress line on stderr (through the log), at most once a second, only when
 * stderr is a terminal: the stage, how far, and an estimate of the time left for the
 * reading pass, which dominates. Logs and pipes stay quiet. */
static void progress(struct state *st, const char *stage, int64_t done, int64_t total)
{
	if (!st->tty)
		return;
	double now = ana_now();
	if (now - st->t_begin < 1.0 || (done > 0 && now - st->t_shown < 1.0))
		return; /* quick runs need no progress */
	st->t_shown = now;
	if (total > 1 && done > 0) {
		double left = (now - st->t_begin) / (double)done * (double)(total - done);
		core_log(CORE_LOG_INFO, "analysis: %s %3d%% (about %.0f s left)", stage,
			 (int)(100 * done / total), left);
	} else {
		core_log(CORE_LOG_INFO, "analysis: %s (%.1f s so far)", stage, now - st->t_begin);
	}
}

/* ---------------------------------------------------------------- per item */

static int on_item(const struct core_item_view *v, void *ctx)
{
	struct state *st = ctx;
	const struct core_item *it = &v->item;
	const char *text = it->text && *it->text ? it->text : it->title ? it->title : "";
	size_t len = strlen(text);
	char *clean = NULL, *folded = NULL, *split = NULL;
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
	/* Camel-case hashtags gain their words before case folding erases the breaks. */
	split = ana_text_split_hashtags(clean, len);
	if (!split)
		goto out;
	folded = core_utf8_fold(split);
	if (!folded)
		goto out;

	void *iv = st->items;
	if (ana_grow(&iv, &st->items_cap, st->n_items + 1, sizeof(*st->items)) != 0)
		goto out;
	st->items = iv;
	struct item_rec *rec = &st->items[st->n_items];
	memset(rec, 0, sizeof(*rec));
	rec->id = it->id;
	rec->prev_theme = ANA_NOID;
	if (v->theme && *v->theme &&
	    (rec->prev_theme = ana_intern_put(&st->prev_ids, v->theme, strlen(v->theme), NULL)) == ANA_NOID)
		goto out;
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
	void *tf = st->tok_feat;
	if (ana_grow(&tf, &st->feat_cap, st->toks.n + 1, 1) != 0)
		goto out;
	st->tok_feat = tf;
	for (size_t i = 0; i < st->toks.n; i++) {
		const struct ana_token *k = &st->toks.v[i];
		st->tok_stem[i] = ANA_NOID;
		st->tok_feat[i] = 0;
		if (k->kind == ANA_TOK_WORD || k->kind == ANA_TOK_HASHTAG) {
			if (ana_text_term(st->tx, li, ana_tok_str(&st->toks, i), k->len,
					  &st->tok_stem[i], NULL) != 0)
				goto out;
			st->tok_feat[i] = st->tok_stem[i] != ANA_NOID &&
					  ana_text_is_feature(st->tx, ana_tok_str(&st->toks, i), k->len);
		}
	}
	if ((rc = add_group(st, it, clean, len)) != 0)
		goto out;
	double t1 = ana_now();
	st->t_text += t1 - t0;
	if ((rc = item_stances(st, it, rec)) != 0 || (rc = learn_from(st, it, rec, &st->toks)) != 0)
		goto out;
	st->t_stance += ana_now() - t1;
	st->n_items++;
	if (st->tty && (st->n_items & 4095) == 0)
		progress(st, "reading", (int64_t)st->n_items, st->n_total);
out:
	free(clean);
	free(split);
	free(folded);
	if (rc)
		core_err_set(st->err, rc, "cannot analyse item %lld: out of memory", (long long)it->id);
	return rc;
}

/* ---------------------------------------------------------------- themes */

/* ---------------------------------------------------------------- bigrams */

/* Dunning's log-likelihood ratio of a 2x2 table of document counts. */
static double llr(double k11, double k12, double k21, double k22)
{
	double n = k11 + k12 + k21 + k22, s = 0.0;
	double r1 = k11 + k12, r2 = k21 + k22, c1 = k11 + k21, c2 = k12 + k22;
	const double k[4] = {k11, k12, k21, k22}, e[4] = {r1 * c1 / n, r1 * c2 / n, r2 * c1 / n,
							   r2 * c2 / n};
	for (int i = 0; i < 4; i++)
		if (k[i] > 0 && e[i] > 0)
			s += k[i] * log(k[i] / e[i]);
	return 2.0 * s;
}

/* Turns the candidate bigrams of the documents' bags into features: a bigram in at
 * least ANA_PAIR_MIN_DF documents whose words occur together far more often than
 * chance (log-likelihood ratio above ANA_PAIR_MIN_LLR, p < 0.001) becomes a stem of
 * its own; the others leave the bags. *kept counts the significant bigrams. */
#define ANA_PAIR_MIN_DF 3
#define ANA_PAIR_MIN_LLR 10.83
static int bigrams(struct state *st, struct ana_bag *bags, size_t n_docs, size_t *kept)
{
	size_t np = st->pairs.n, ns = st->tx->stems.n;
	uint32_t *df_pair = calloc(np ? np : 1, sizeof(*df_pair));
	uint32_t *df_stem = calloc(ns ? ns : 1, sizeof(*df_stem));
	uint32_t *map = malloc((np ? np : 1) * sizeof(*map));
	int rc = CORE_ENOMEM;

	*kept = 0;
	if (!df_pair || !df_stem || !map)
		goto out;
	for (size_t d = 0; d < n_docs; d++)
		for (uint32_t i = 0; i < bags[d].n; i++) {
			uint32_t s = bags[d].stem[i];
			if (s & PAIR_BIT)
				df_pair[s & ~PAIR_BIT]++;
			else
				df_stem[s]++;
		}
	for (uint32_t p = 0; p < np; p++) {
		uint32_t a, b;
		map[p] = ANA_NOID;
		if (df_pair[p] < ANA_PAIR_MIN_DF)
			continue;
		pair_unkey(ana_intern_str(&st->pairs, p), &a, &b);
		double k11 = df_pair[p], k12 = (double)df_stem[a] - k11, k21 = (double)df_stem[b] - k11;
		double k22 = (double)n_docs - k11 - (k12 > 0 ? k12 : 0) - (k21 > 0 ? k21 : 0);
		if (k12 < 0 || k21 < 0 || k22 < 0)
			continue;
		if (k11 * (double)n_docs <= (double)df_stem[a] * (double)df_stem[b])
			continue; /* not attracted to each other */
		if (llr(k11, k12, k21, k22) < ANA_PAIR_MIN_LLR)
			continue;
		if ((map[p] = ana_text_pair(st->tx, a, b)) == ANA_NOID)
			goto out;
		(*kept)++;
	}
	for (size_t d = 0; d < n_docs; d++) {
		uint32_t o = 0;
		for (uint32_t i = 0; i < bags[d].n; i++) {
			uint32_t s = bags[d].stem[i];
			if (s & PAIR_BIT) {
				s = map[s & ~PAIR_BIT];
				if (s == ANA_NOID)
					continue;
			}
			bags[d].stem[o] = s;
			bags[d].tf[o++] = bags[d].tf[i];
		}
		bags[d].n = o;
	}
	rc = 0;
out:
	free(df_pair);
	free(df_stem);
	free(map);
	return rc;
}

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

/* Whether stems x and y name the same thing for a label: equal surface forms, stem
 * variants, or (for a bigram) a shared part. */
static int same_term(const struct ana_text *tx, uint32_t x, uint32_t y)
{
	uint32_t xa, xb, ya, yb;
	int xp = ana_text_pair_parts(tx, x, &xa, &xb), yp = ana_text_pair_parts(tx, y, &ya, &yb);

	if (xp && yp)
		return xa == ya || xa == yb || xb == ya || xb == yb;
	if (xp)
		return same_term(tx, xa, y) || same_term(tx, xb, y);
	if (yp)
		return same_term(tx, x, ya) || same_term(tx, x, yb);
	return strcmp(ana_text_surface(tx, x), ana_text_surface(tx, y)) == 0 ||
	       variants(ana_intern_str(&tx->stems, x), ana_intern_str(&tx->stems, y));
}

static void theme_terms(const struct ana_text *tx, const struct ana_matrix *m, const float *cent,
			struct theme_build *tb)
{
	/* Partial selection of the best columns: k is small, so repeated scans are fine;
	 * ties go to the lower column (the smaller string). */
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
		uint32_t stem = m->term_stem[best], a, b;
		const char *surf = ana_text_surface(tx, stem);
		if (ana_text_is_stop(tx, surf, strlen(surf)))
			continue;
		if (ana_text_pair_parts(tx, stem, &a, &b)) {
			/* A significant phrase reads better than its words: it takes the
			 * place of the first of them already chosen and drops the rest. */
			size_t o = 0, at = tb->n_cand;
			for (size_t i = 0; i < tb->n_cand; i++) {
				if (same_term(tx, m->term_stem[tb->cand[i]], stem)) {
					if (at == tb->n_cand)
						at = o, tb->cand[o++] = (uint32_t)best;
					continue;
				}
				tb->cand[o++] = tb->cand[i];
			}
			if (at == tb->n_cand)
				tb->cand[o++] = (uint32_t)best;
			tb->n_cand = o;
			continue;
		}
		int skip = 0;
		for (size_t i = 0; !skip && i < tb->n_cand; i++)
			skip = same_term(tx, m->term_stem[tb->cand[i]], stem);
		if (!skip)
			tb->cand[tb->n_cand++] = (uint32_t)best;
	}
	free(used);
}

static size_t n_words(const char *s)
{
	size_t n = 1;
	for (; *s; s++)
		n += *s == ' ';
	return n;
}

/* The label from the first terms candidates, at most LABEL_MAX_WORDS words (a phrase
 * counts its words): "wachttijd, afspraak", "waiting time, appointment". */
static void label_from(const struct ana_text *tx, const struct ana_matrix *m,
		       const struct theme_build *tb, size_t terms, char *out, size_t cap)
{
	size_t at = 0, words = 0;
	out[0] = '\0';
	for (size_t i = 0; i < terms && i < tb->n_cand; i++) {
		const char *s = ana_text_surface(tx, m->term_stem[tb->cand[i]]);
		size_t nw = n_words(s);
		if (words && words + nw > LABEL_MAX_WORDS)
			break;
		int w = snprintf(out + at, cap - at, "%s%s", at ? ", " : "", s);
		if (w < 0 || (size_t)w >= cap - at)
			break;
		at += (size_t)w;
		words += nw;
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

/* Cosine of two L2-normalised sparse rows (columns ascending in each). */
static double row_cosine(const struct ana_matrix *m, size_t a, size_t b)
{
	size_t i = m->row[a], j = m->row[b];
	double s = 0.0;
	while (i < m->row[a + 1] && j < m->row[b + 1]) {
		if (m->col[i] == m->col[j])
			s += (double)m->val[i++] * m->val[j++];
		else if (m->col[i] < m->col[j])
			i++;
		else
			j++;
	}
	return s;
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
		label_from(st->tx, m, &tb[c], 3, tb[c].base, sizeof(tb[c].base));
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

		/* Label: two terms, a third when it still carries weight, at most four
		 * words; extended until it differs from every earlier label. */
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
				snprintf(label + l, sizeof(label) - l, " (%d)", t + 1);
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
		th->quotes = malloc(QUOTES * sizeof(int64_t));
		if (!th->quotes)
			goto out;
		/* Central (closest to the centre first) and varied: a candidate that says
		 * what an earlier quote said (term cosine above QUOTE_MAX_OVERLAP) waits;
		 * campaigns are one document each, so one campaign yields one quote. */
		size_t chosen[QUOTES], nc = 0, look = nq < 200 ? nq : 200;
		for (size_t q = 0; q < look && nc < QUOTES; q++) {
			int similar = 0;
			for (size_t c = 0; c < nc && !similar; c++)
				similar = row_cosine(m, (size_t)qc[q].doc, (size_t)qc[chosen[c]].doc) >
					  QUOTE_MAX_OVERLAP;
			if (!similar)
				chosen[nc++] = q;
		}
		for (size_t q = 0; q < look && nc < QUOTES_MIN; q++) {
			int dup = 0;
			for (size_t c = 0; c < nc; c++)
				dup |= chosen[c] == q;
			if (!dup)
				chosen[nc++] = q;
		}
		th->n_quotes = nc;
		for (size_t q = 0; q < nc; q++)
			th->quotes[q] = qc[chosen[q]].item;
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

/* ---------------------------------------------------------------- identity */

struct id_pair {
	double jaccard;
	uint32_t t, p;
};

static int by_pair(const void *a, const void *b)
{
	const struct id_pair *x = a, *y = b;
	if (x->jaccard != y->jaccard)
		return x->jaccard > y->jaccard ? -1 : 1;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->p > y->p) - (x->p < y->p);
}

static long id_number(const char *id)
{
	return id[0] == 'T' ? strtol(id + 1, NULL, 10) : 0;
}

/* Gives each new theme the id of the previous run's theme it shares most members with
 * (Jaccard over items at least ANA_ID_MIN_JACCARD, best pairs first, each id once), so
 * reviewers' decisions on a theme survive a re-run; other themes get ids never used
 * in the previous run. The previous membership comes from the items' theme as the
 * store reported it during the pass (the latest run, before this one is saved). */
#define ANA_ID_MIN_JACCARD 0.3
static int carry_ids(struct state *st, struct core_db *db, struct core_run *run,
		     const int *theme_of_doc)
{
	size_t nt = run->n_themes, np = st->prev_ids.n;
	int64_t *ov = NULL, *tsize = NULL, *psize = NULL;
	struct id_pair *pairs = NULL;
	uint8_t *pused = NULL, *tdone = NULL;
	long next = 0;
	int rc = CORE_ENOMEM;

	if (nt == 0)
		return 0;
	ov = calloc(nt * (np ? np : 1), sizeof(*ov));
	tsize = calloc(nt, sizeof(*tsize));
	psize = calloc(np ? np : 1, sizeof(*psize));
	pairs = malloc(nt * (np ? np : 1) * sizeof(*pairs));
	pused = calloc(np ? np : 1, 1);
	tdone = calloc(nt, 1);
	if (!ov || !tsize || !psize || !pairs || !pused || !tdone)
		goto out;
	for (size_t i = 0; i < st->n_items; i++) {
		const struct item_rec *rec = &st->items[i];
		int t = theme_of_doc[st->groups[rec->group].doc];
		if (t >= 0)
			tsize[t]++;
		if (rec->prev_theme != ANA_NOID) {
			psize[rec->prev_theme]++;
			if (t >= 0)
				ov[(size_t)t * np + rec->prev_theme]++;
		}
	}
	size_t n_pairs = 0;
	for (size_t t = 0; t < nt; t++)
		for (size_t p = 0; p < np; p++) {
			int64_t o = ov[t * np + p];
			if (o == 0)
				continue;
			double j = (double)o / (double)(tsize[t] + psize[p] - o);
			if (j >= ANA_ID_MIN_JACCARD)
				pairs[n_pairs++] = (struct id_pair){j, (uint32_t)t, (uint32_t)p};
		}
	qsort(pairs, n_pairs, sizeof(*pairs), by_pair);
	/* New ids start above every id of the previous run, including themes that no
	 * longer have members. */
	for (size_t p = 0; p < np; p++) {
		long v = id_number(ana_intern_str(&st->prev_ids, (uint32_t)p));
		if (v > next)
			next = v;
	}
	struct core_run_info info = {0};
	struct core_err ignored = {0};
	if (core_db_run_latest(db, &info, &ignored) == 0) {
		struct core_theme *old = NULL;
		size_t n_old = 0;
		if (core_db_run_themes(db, info.id, &old, &n_old, &ignored) == 0) {
			for (size_t i = 0; i < n_old; i++) {
				long v = id_number(old[i].id);
				if (v > next)
					next = v;
				core_theme_release(&old[i]);
			}
			free(old);
		}
		core_run_info_release(&info);
	}
	for (size_t i = 0; i < n_pairs; i++) {
		if (tdone[pairs[i].t] || pused[pairs[i].p])
			continue;
		tdone[pairs[i].t] = pused[pairs[i].p] = 1;
		snprintf(run->themes[pairs[i].t].id, sizeof(run->themes[0].id), "%s",
			 ana_intern_str(&st->prev_ids, pairs[i].p));
	}
	for (size_t t = 0; t < nt; t++)
		if (!tdone[t])
			snprintf(run->themes[t].id, sizeof(run->themes[0].id), "T%ld", ++next);
	rc = 0;
out:
	free(ov);
	free(tsize);
	free(psize);
	free(pairs);
	free(pused);
	free(tdone);
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
	struct ana_matrix m = {0}, lsa = {0};
	struct ana_clustering cl = {0};
	struct ana_bag *bags = NULL;
	struct sortable *order = NULL;
	struct camp_sort *camps = NULL;
	uint32_t *doc_group = NULL, *rank = NULL, *root = NULL, **sigs = NULL;
	int *theme_of_doc = NULL, *campaign_of_group = NULL;
	struct core_item_filter filter = {0};
	struct ana_report local;
	double t_start = ana_now(), t, t_pass = 0, t_dedup = 0, t_feat = 0, t_lsa = 0, t_kmeans = 0,
	       t_themes = 0;
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
	ana_intern_init(&st.prev_ids);
	ana_intern_init(&st.pairs);

	if ((rc = core_db_ambitions_sync(db, cfg, err)) != 0)
		goto out;
	if (!(st.tx = ana_text_new(err))) {
		rc = CORE_ENOMEM;
		goto out;
	}
	if ((rc = ana_lexicons_load(&st.lex, err)) != 0)
		goto out;
	for (size_t a = 0; a < cfg->n_ambitions && a < 64; a++)
		st.polarity[a] = (int8_t)ana_ambition_polarity(&st.lex, cfg->ambitions[a].title,
								 cfg->analysis.default_lang);
	ana_learn_init(&st.learn, &st.lex, st.tx, &st.arena);
	/* Reviewers' corrections teach the stance classifier too. */
	if ((rc = ana_review_stances(db, &st.reviewed, &st.n_reviewed, err)) != 0)
		goto out;
	if ((rc = ana_ambitions_build(&st.amb, st.tx, cfg, err)) != 0)
		goto out;
	st.scores = calloc(cfg->n_ambitions ? cfg->n_ambitions : 1, sizeof(*st.scores));
	if (!st.scores) {
		rc = core_err_set(err, CORE_ENOMEM, "analysis: out of memory");
		goto out;
	}

	/* Pass over the store: everything per item. */
	st.t_begin = ana_now();
	st.tty = isatty(STDERR_FILENO) && core_log_get_level() >= CORE_LOG_INFO;
	st.n_total = st.tty ? core_db_item_count(db) : 0;
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
	t_pass = ana_now();
	progress(&st, "duplicates", 0, 1);

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
	size_t n_pairs = 0;
	if (bigrams(&st, bags, n_docs, &n_pairs) != 0)
		goto nomem;
	if (ana_text_surfaces(st.tx) != 0)
		goto nomem;
	t_dedup = ana_now();
	progress(&st, "features", 0, 1);
	if (ana_features_build(bags, n_docs, &st.tx->stems, &m) != 0)
		goto nomem;
	t_feat = ana_now();
	size_t nonempty = 0;
	for (size_t d = 0; d < m.n_docs; d++)
		nonempty += m.row[d + 1] > m.row[d];
	uint64_t seed = opts ? opts->seed : cfg->analysis.seed;
	int k = opts && opts->themes > 0 ? opts->themes
		: cfg->analysis.themes > 0 ? cfg->analysis.themes
		: ana_auto_k(nonempty, cfg->analysis.max_themes);
	progress(&st, "semantic space", 0, 1);
	rc = ana_lsa(&m, ANA_LSA_RANK, ANA_LSA_SAMPLE, seed, &lsa);
	if (rc == CORE_ENOMEM)
		goto nomem;
	t_lsa = ana_now();
	progress(&st, "clustering", 0, 1);
	if (ana_kmeans(rc == 0 ? &lsa : &m, k, seed, &cl) != 0)
		goto nomem;
	t_kmeans = ana_now();
	if (rc == 0 && ana_term_centroids(&m, &cl) != 0)
		goto nomem;
	rc = CORE_ENOMEM;
	if (build_themes(&st, &m, &cl, doc_group, &run, theme_of_doc) != 0)
		goto nomem;
	if (carry_ids(&st, db, &run, theme_of_doc) != 0)
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

	/* Themes lend weak ambition evidence; then the stances the respondents gave teach
	 * a classifier that decides the rest. */
	t = ana_now();
	if ((rc = lend_theme_ambitions(&st, theme_of_doc, run.themes, run.n_themes)) != 0)
		goto nomem;
	st.learn.rows_of = rows_of;
	st.learn.rows_ctx = &st;
	if ((rc = ana_learn_finish(&st.learn, db, rep, err)) != 0)
		goto out;
	least_certain(&st, rep);
	st.t_stance += ana_now() - t;
	rep->seconds_stance = st.t_stance;

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
	t_themes = ana_now();
	progress(&st, "saving", 0, 1);

	run.seed = seed;
	run.k = (int)run.n_themes;
	run.items = (int64_t)st.n_items;
	run.params = core_asprintf(
		"{\"seed\":%llu,\"themes\":%d,\"k\":%d,\"max_themes\":%d,\"auto_k\":%s,"
		"\"ambition_threshold\":%.3f,\"campaign_min\":%d,\"default_lang\":\"%s\","
		"\"restarts\":%d,\"max_iter\":%d,\"min_df\":2,\"max_df\":0.5,"
		"\"documents\":%zu,\"terms\":%zu,\"bigrams\":%zu,\"near_duplicate_merges\":%zu,"
		"\"objective\":%.4f}",
		(unsigned long long)seed, opts ? opts->themes : 0, cl.k, cfg->analysis.max_themes,
		(opts && opts->themes > 0) || cfg->analysis.themes > 0 ? "false" : "true",
		cfg->analysis.ambition_threshold, cmin,
		cfg->analysis.default_lang ? cfg->analysis.default_lang : "",
		ANA_KMEANS_RESTARTS, ANA_KMEANS_MAX_ITER, m.n_docs, m.n_terms, n_pairs, merged,
		cl.objective);
	if (!run.params)
		goto nomem;
	{
		/* The stance classifier's figures join the run's parameters. */
		struct core_buf pb;
		core_buf_init(&pb, 0);
		size_t pl = strlen(run.params);
		rc = core_buf_append(&pb, run.params, pl - 1);
		if (rc == 0)
			rc = core_buf_puts(&pb, ",\"stance_classifier\":[");
		for (size_t i = 0; rc == 0 && i < rep->n_stance_eval; i++) {
			const struct ana_stance_eval *e = &rep->stance_eval[i];
			rc = core_buf_printf(&pb, "%s{\"lang\":\"%s\",\"labelled\":%zu,\"used\":%s,"
					     "\"folds\":%d,\"rules_accuracy\":%.4f,\"rules_macro_f1\":%.4f,"
					     "\"cv_accuracy\":%.4f,\"cv_macro_f1\":%.4f}",
					     i ? "," : "", e->lang, e->labelled,
					     e->used ? "true" : "false", e->folds, e->rules_accuracy,
					     e->rules_f1, e->cv_accuracy, e->cv_f1);
		}
		if (rc == 0)
			rc = core_buf_printf(&pb, "],\"stance_changed\":%zu}", rep->stance_changed);
		if (rc) {
			core_buf_release(&pb);
			goto nomem;
		}
		free(run.params);
		run.params = core_buf_take(&pb);
	}
	core_time_format(time(NULL), run.finished_at);

	t = ana_now();
	if ((rc = ana_review_save(db, &run, err)) != 0) /* reviewers' decisions, then save */
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
		core_log(CORE_LOG_DEBUG, "analysis: %zu items, %zu documents, %zu terms, k %d: read+text "
			 "%.2f s (text %.2f, stance %.2f), dedup %.2f s, features %.2f s, lsa %.2f s, "
			 "k-means %.2f s, themes %.2f s, store %.2f s, total %.2f s",
			 st.n_items, m.n_docs, m.n_terms, cl.k, t_pass - t_start, rep->seconds_text,
			 rep->seconds_stance, t_dedup - t_pass, t_feat - t_dedup, t_lsa - t_feat,
			 t_kmeans - t_lsa, t_themes - t_kmeans, rep->seconds_store, rep->seconds_total);
	for (size_t c = 0; c < run.n_campaigns; c++)
		run.campaigns[c].template_text = NULL;
	run_release(&run);
	ana_matrix_release(&m);
	ana_matrix_release(&lsa);
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
	ana_learn_release(&st.learn);
	free(st.reviewed);
	ana_lexicons_release(&st.lex);
	ana_text_free(st.tx);
	ana_tokens_release(&st.toks);
	free(st.tok_stem);
	free(st.tok_feat);
	free(st.sorted);
	free(st.scores);
	free(st.masks);
	core_buf_release(&st.ev);
	ana_intern_release(&st.group_ids);
	ana_intern_release(&st.prev_ids);
	ana_intern_release(&st.pairs);
	free(st.groups);
	free(st.items);
	ana_arena_release(&st.arena);
	return rc;
}
