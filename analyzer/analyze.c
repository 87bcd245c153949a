/* analyze.c: ana_run, the whole analysis over the store. One streaming pass does the
 * per-item work (language, tokens, stems, ambitions, stance) and keeps only compact
 * results; exact duplicates collapse into groups that enter clustering once; then
 * TF-IDF, k-means, labels and campaigns, and one core_db_run_save. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
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
	uint32_t prev_sub;   /* same for its subtheme */
	char lang[8];
	struct core_item_stance *stances; /* arena */
	struct ana_row_note *notes; /* arena, per stance row (learn.h) */
	uint32_t n_stances;
	/* An item about no ambition: its best ambition below the threshold (0xff: none)
	 * and the rules' reading toward it, for the evidence its theme may lend. */
	uint8_t weak_amb;
	uint8_t weak_stance;
	uint8_t weak_respondent; /* weak_stance is the respondent's own */
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
	uint64_t hash;      /* content fingerprint as a number: the document order */
	char *key;          /* representative's source KEY_SEP external id (arena) */
	int64_t rep_item;
	int64_t first_item; /* smallest item id: the campaign's template (its text is read
			     * back from the store for campaigns only) */
	struct ana_bag bag; /* bag_arena, until the features are built */
	int has_sig;        /* a MinHash signature in state.sig_rows (none for short texts) */
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
	struct ana_arena bag_arena; /* the groups' bags, released once the features are built */
	struct ana_idmap group_of; /* content hash (64 bits) -> group index */
	struct ana_intern prev_ids;  /* theme ids of the previous run, as items carry them */
	struct ana_idmap pairs;      /* candidate bigrams: (stem a, stem b) -> id */
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
	/* the batched pass (see run_batch) */
	struct pass *pass;
	uint32_t sig[ANA_MH_K]; /* the current item's MinHash, made by a worker */
	int has_sig;
	/* Each group's signature, ANA_MH_K per group in group order: a block of its own,
	 * freed once the near-duplicates are found (10 MB at 100k items, 96 MB at 1M,
	 * which the semantic space then reuses). */
	uint32_t *sig_rows;
	size_t sig_cap;     /* groups */
};

#define ANA_MAX_WORKERS 2
struct slot;
struct worker;
struct pass {
	struct slot *slots[2];    /* two batches: one read while the other is prepared */
	size_t n, cap;            /* items read into the current batch */
	int cur;                  /* the batch being read */
	size_t pending;           /* items of the other batch, published, not merged */
	struct worker *workers;   /* [0]: the main thread's share, [1]: the thread's */
	size_t n_workers;
	/* The job of the worker thread: its batch, taken item by item through an atomic
	 * counter by both threads; the thread acknowledges each job when it leaves it. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot *batch;
	size_t batch_n;
	int stage1;               /* the job is stage 1 only (see prepare1) */
	atomic_size_t next;
	atomic_int stop;          /* a stage-1 job ends early */
	unsigned long gen, acked;
	int quit, started;
	pthread_t th;
	/* Where the main thread's time goes (the debug line): merging, its share of the
	 * preparation, and waiting for the worker thread; the rest is reading. */
	double t_merge, t_help, t_wait;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* A bigram candidate's key: its two stem ids. */
static uint64_t pair_key(uint32_t a, uint32_t b)
{
	return (uint64_t)a << 32 | b;
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
			uint32_t pid = ana_idmap_put(&st->pairs, pair_key(st->tok_stem[i], st->tok_stem[j]),
						     NULL);
			if (pid == ANA_NOID || pid >= PAIR_BIT)
				return CORE_ENOMEM;
			st->sorted[n++] = PAIR_BIT | pid;
		}
	}
	ana_sort_u32(st->sorted, n);
	for (size_t i = 0; i < n; i++)
		u += i == 0 || st->sorted[i] != st->sorted[i - 1];
	bag->n = (uint32_t)u;
	bag->stem = ana_arena_alloc(&st->bag_arena, (u ? u : 1) * sizeof(uint32_t));
	bag->tf = ana_arena_alloc(&st->bag_arena, (u ? u : 1) * sizeof(uint32_t));
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

/* The representative's bag (in bag_arena) and signature (in sig_rows). */
static int describe(struct state *st, struct group *gr)
{
	size_t g = (size_t)(gr - st->groups);
	void *v = st->sig_rows;

	if (make_bag(st, &gr->bag) != 0)
		return CORE_ENOMEM;
	gr->has_sig = st->has_sig;
	if (st->has_sig) {
		if (ana_grow(&v, &st->sig_cap, g + 1, sizeof(st->sig)) != 0)
			return CORE_ENOMEM;
		st->sig_rows = v;
		memcpy(st->sig_rows + g * ANA_MH_K, st->sig, sizeof(st->sig));
	}
	return 0;
}

static int add_group(struct state *st, const struct core_item *it, const char *text)
{
	char hash[17];
	int is_new;

	if (it->content_hash[0])
		memcpy(hash, it->content_hash, sizeof(hash));
	else
		core_text_fingerprint(text, hash);
	/* 16 hex digits (core_text_fingerprint): as a number, it orders as the string. */
	uint64_t hv = strtoull(hash, NULL, 16);
	uint32_t g = ana_idmap_put(&st->group_of, hv, &is_new);
	if (g == ANA_NOID)
		return CORE_ENOMEM;
	if (is_new) {
		void *v = st->groups;
		if (ana_grow(&v, &st->groups_cap, st->n_groups + 1, sizeof(*st->groups)) != 0)
			return CORE_ENOMEM;
		st->groups = v;
		struct group *gr = &st->groups[st->n_groups++];
		memset(gr, 0, sizeof(*gr));
		gr->hash = hv;
		gr->key = arena_key(st, it);
		if (!gr->key || describe(st, gr) != 0)
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
		if (it->id < gr->first_item)
			gr->first_item = it->id;
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
		/* General, unless its theme lends the best ambition it almost reached (with
		 * the respondent's own stance when they gave one, below). */
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
			/* The respondent's own stance wins here too, should the theme lend
			 * the ambition. */
			if (it->declared_stance != CORE_STANCE_NONE) {
				rec->weak_stance = (uint8_t)it->declared_stance;
				rec->weak_conf = 1.0f;
				rec->weak_respondent = 1;
			}
		}
	}
	if (n == 0)
		return 0; /* general: no ambition, no stance rows */
	rec->stances = ana_arena_alloc(&st->arena, n * sizeof(*rec->stances));
	rec->notes = ana_arena_alloc(&st->arena, n * sizeof(*rec->notes));
	if (!rec->stances || !rec->notes)
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
		/* Respondent rows list no cues; analysed ones list use's (stance_row). */
		rec->notes[r] = (struct ana_row_note){
			.rule = (float)(use->pos - use->neg), .polarity = (int8_t)pol,
			.cues = it->declared_stance == CORE_STANCE_NONE && use->n_cues > 0};
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
		rec->notes = ana_arena_alloc(&st->arena, sizeof(*rec->notes));
		if (!rec->stances || !rec->notes)
			break;
		struct core_item_stance *row = rec->stances;
		memset(row, 0, sizeof(*row));
		snprintf(row->code, sizeof(row->code), "%s", cfg->ambitions[a].code);
		row->stance = (enum core_stance)rec->weak_stance;
		row->score = rec->weak_conf;
		row->origin = rec->weak_respondent ? CORE_ORIGIN_RESPONDENT : CORE_ORIGIN_ANALYSIS;
		char ev[256];
		snprintf(ev, sizeof(ev), "{\"ambition\":\"theme\",\"theme\":\"%s\",\"theme_share\":%.3f,"
			 "\"ambition_score\":%.3f,\"stance\":\"%s\"}", themes[th].id, share, score,
			 rec->weak_respondent ? "respondent" : "analysis");
		if (!(row->evidence = ana_arena_strndup(&st->arena, ev, strlen(ev))))
			break;
		/* the theme's evidence lists no cues */
		rec->notes[0] = (struct ana_row_note){.rule = rec->weak_rule,
						      .polarity = st->polarity[a]};
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
		r.notes = rec->notes;
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
			if (row->origin != CORE_ORIGIN_ANALYSIS ||
			    !(rec->notes[k].cues || rec->notes[k].classified))
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

/* The per-item pass runs in batches: two threads prepare the items of a batch
 * (normalise, tokenise, language, stems through the shared cache read-only, MinHash,
 * ambitions and stance, each with its own scratch), then the main thread merges them
 * in store order (new words into the stem cache, duplicate groups, bags). Everything
 * order-dependent happens in the merge, so the result equals a one-thread run. */
#define ANA_BATCH 512

struct slot {
	struct core_item item;   /* a copy: the store's view lives only during its callback */
	char *theme, *subtheme;  /* in the previous run */
	char *clean;             /* sanitised text (cut to ANA_MAX_TEXT) */
	size_t len;
	int cut;                 /* the text was longer than ANA_MAX_TEXT */
	struct ana_tokens toks;
	uint32_t *tok_stem, *tok_surf;
	uint8_t *tok_feat, *tok_new; /* tok_new: a word the stem cache does not know yet */
	size_t tok_cap, feat_cap, surf_cap, new_cap;
	int li;                  /* language index, -1: not set up yet (the merge does it) */
	int stanced;             /* stances done by the worker */
	int s1;                  /* stage 1 done (see prepare1) */
	uint32_t sig[ANA_MH_K];
	int has_sig;
	struct item_rec rec;
	double t_text, t_stance;
	int rc;
};

struct worker {
	struct state ws;         /* scratch, arena (stance rows live there) and counters */
	struct ana_text_worker tw;
	size_t amb_items[64];
};

/* Exchanges the token scratch of st and s, so functions written for st's scratch
 * (make_bag, item_stances) work on a slot without copying. */
static void swap_scratch(struct state *st, struct slot *s)
{
	struct ana_tokens t = st->toks;
	uint32_t *ts = st->tok_stem;
	uint8_t *tf = st->tok_feat;
	size_t tc = st->tok_cap, fc = st->feat_cap;

	st->toks = s->toks;
	s->toks = t;
	st->tok_stem = s->tok_stem;
	s->tok_stem = ts;
	st->tok_feat = s->tok_feat;
	s->tok_feat = tf;
	st->tok_cap = s->tok_cap;
	s->tok_cap = tc;
	st->feat_cap = s->feat_cap;
	s->feat_cap = fc;
}

/* The text the analysis reads: sanitised, cut to ANA_MAX_TEXT bytes (*cut set then). */
static char *clean_text(const char *text, int *cut)
{
	size_t len = strlen(text);

	*cut = len > ANA_MAX_TEXT;
	if (*cut) {
		len = ANA_MAX_TEXT;
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
	}
	return core_utf8_sanitize(text, len);
}

static int slot_fill(struct slot *s, const struct core_item_view *v)
{
	const struct core_item *it = &v->item;
	struct core_item *c = &s->item;
	const char *text = it->text && *it->text ? it->text : it->title ? it->title : "";

	core_item_release(c);
	free(s->theme);
	free(s->subtheme);
	free(s->clean);
	s->theme = s->subtheme = s->clean = NULL;
	memset(c, 0, sizeof(*c));
	c->id = it->id;
	c->declared_stance = it->declared_stance;
	memcpy(c->content_hash, it->content_hash, sizeof(c->content_hash));
	c->match_other_sources = it->match_other_sources;
	/* Text first (the worker reads it), then what the stances and groups need. */
	s->clean = clean_text(text, &s->cut);
	if (!s->clean)
		return CORE_ENOMEM;
	s->len = strlen(s->clean);
#define DUP(f) if (it->f && !(c->f = core_strdup(it->f))) return CORE_ENOMEM
	/* Only what the stances, the groups and the classifier read (the rest is not
	 * even read from the store: core_item_filter.lean). */
	DUP(source);
	DUP(external_id);
	DUP(title);
	DUP(lang);
#undef DUP
	for (size_t i = 0; i < it->declared_ambitions.n; i++)
		if (core_strlist_push(&c->declared_ambitions, it->declared_ambitions.v[i]) != 0)
			return CORE_ENOMEM;
	if (v->theme && *v->theme && !(s->theme = core_strdup(v->theme)))
		return CORE_ENOMEM;
	if (v->subtheme && *v->subtheme && !(s->subtheme = core_strdup(v->subtheme)))
		return CORE_ENOMEM;
	return 0;
}

static void slot_release(struct slot *s)
{
	core_item_release(&s->item);
	free(s->theme);
	free(s->subtheme);
	free(s->clean);
	ana_tokens_release(&s->toks);
	free(s->tok_stem);
	free(s->tok_surf);
	free(s->tok_feat);
	free(s->tok_new);
}

/* The worker's part of one item: everything that reads shared state only. */
/* Stage 1: normalise, tokenise, language, MinHash. It reads nothing the merge
 * changes (the stopword lists only), so it may run at any time. */
static int prepare1(struct state *ws, struct ana_text_worker *tw, struct slot *s)
{
	const struct ana_text *tx = ws->tx;
	char *split = NULL, *folded = NULL;
	double t0 = ana_now();
	int rc = CORE_ENOMEM;

	memset(&s->rec, 0, sizeof(s->rec));
	s->rec.id = s->item.id;
	s->rec.prev_theme = s->rec.prev_sub = ANA_NOID;
	s->stanced = 0;
	/* Camel-case hashtags gain their words before case folding erases the breaks. */
	if (!(split = ana_text_split_hashtags(s->clean, s->len)) || !(folded = core_utf8_fold(split)))
		goto out;
	if ((rc = ana_tokenize(folded, strlen(folded), &s->toks)) != 0)
		goto out;
	ana_text_detect_tokens_with(tx, tw, &s->toks, s->clean, s->len, s->item.lang,
				    ws->cfg->analysis.default_lang, s->rec.lang);
	s->has_sig = ana_minhash(&s->toks, s->sig);
	s->t_text = ana_now() - t0;
	s->s1 = 1;
out:
	free(split);
	free(folded);
	return rc;
}

/* Stage 2: stems through the cache, features and stances. It reads the stem caches,
 * so it never runs while the main thread merges (and so adds to them). */
static int prepare2(struct state *ws, struct ana_text_worker *tw, struct slot *s)
{
	const struct ana_text *tx = ws->tx;
	double t0 = ana_now();
	int rc = CORE_ENOMEM;
	void *v;

	s->li = ana_text_lang_find(tx, s->rec.lang);
	size_t n = s->toks.n + 1;
	if ((v = s->tok_stem, ana_grow(&v, &s->tok_cap, n, sizeof(uint32_t))) != 0 ||
	    !(s->tok_stem = v) ||
	    (v = s->tok_surf, ana_grow(&v, &s->surf_cap, n, sizeof(uint32_t))) != 0 ||
	    !(s->tok_surf = v) || (v = s->tok_feat, ana_grow(&v, &s->feat_cap, n, 1)) != 0 ||
	    !(s->tok_feat = v) || (v = s->tok_new, ana_grow(&v, &s->new_cap, n, 1)) != 0 ||
	    !(s->tok_new = v))
		goto out;
	for (size_t i = 0; i < s->toks.n; i++) {
		const struct ana_token *k = &s->toks.v[i];
		s->tok_stem[i] = s->tok_surf[i] = ANA_NOID;
		s->tok_feat[i] = s->tok_new[i] = 0;
		if ((k->kind != ANA_TOK_WORD && k->kind != ANA_TOK_HASHTAG) || s->li < 0)
			continue;
		int known = ana_text_term_peek(tx, tw, s->li, ana_tok_str(&s->toks, i), k->len, k->hash,
					       &s->tok_stem[i], &s->tok_surf[i]);
		if (known < 0)
			goto out;
		s->tok_new[i] = known == 0;
		s->tok_feat[i] = s->tok_stem[i] != ANA_NOID &&
				 (s->tok_surf[i] != ANA_NOID
					  ? ana_text_surf_feature(tx, s->li, s->tok_surf[i])
					  : ana_text_is_feature(tx, ana_tok_str(&s->toks, i), k->len));
	}
	double t1 = ana_now();
	s->t_text += t1 - t0;
	s->t_stance = 0;
	if (s->li >= 0) {
		/* A word new to the cache has a stem no ambition uses (their stems are in the
		 * cache since the start), so the stances need not wait for the merge. */
		swap_scratch(ws, s);
		rc = item_stances(ws, &s->item, &s->rec);
		swap_scratch(ws, s);
		if (rc)
			goto out;
		s->stanced = 1;
		s->t_stance = ana_now() - t1;
	}
	rc = 0;
out:
	return rc;
}

/* Takes items of the job's batch until none is left (or a stage-1 job is stopped). */
static void help(struct pass *p, struct worker *w, int stage1)
{
	for (;;) {
		if (stage1 && atomic_load(&p->stop))
			break;
		size_t i = atomic_fetch_add(&p->next, 1);
		if (i >= p->batch_n)
			break;
		struct slot *s = &p->batch[i];
		if (!s->s1 && (s->rc = prepare1(&w->ws, &w->tw, s)) != 0)
			continue;
		if (!stage1)
			s->rc = prepare2(&w->ws, &w->tw, s);
	}
}

static void *work(void *arg)
{
	struct pass *p = arg;
	unsigned long seen = 0;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (!p->quit && p->gen == seen)
			pthread_cond_wait(&p->cv, &p->mu);
		int quit = p->quit, stage1 = p->stage1;
		seen = p->gen;
		pthread_mutex_unlock(&p->mu);
		if (quit)
			break;
		help(p, &p->workers[1], stage1);
		pthread_mutex_lock(&p->mu);
		p->acked = seen;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	return NULL;
}

/* Gives the worker thread a job on batch b (n items). */
static void publish(struct pass *p, struct slot *b, size_t n, int stage1)
{
	pthread_mutex_lock(&p->mu);
	p->batch = b;
	p->batch_n = n;
	p->stage1 = stage1;
	atomic_store(&p->next, 0);
	atomic_store(&p->stop, 0);
	p->gen++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* Ends the current job: the main thread takes its share of a full job (none of a
 * stage-1 job, which it stops), then waits until the worker thread has left it. */
static void finish(struct pass *p)
{
	double t0 = ana_now();

	if (p->stage1)
		atomic_store(&p->stop, 1);
	else
		help(p, &p->workers[0], 0);
	double t1 = ana_now();
	pthread_mutex_lock(&p->mu);
	while (p->started && p->acked != p->gen)
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
	p->t_help += t1 - t0;
	p->t_wait += ana_now() - t1;
}

/* The main thread's part of one item, in store order. */
static int merge(struct state *st, struct slot *s)
{
	struct ana_text *tx = st->tx;
	const struct core_item *it = &s->item;
	int rc = CORE_ENOMEM;

	if (s->cut && !tx->warned_long++)
		core_log(CORE_LOG_WARN, "item %lld: text longer than %u bytes; analysing its first "
			 "%zu bytes", (long long)it->id, ANA_MAX_TEXT, s->len);
	void *iv = st->items;
	if (ana_grow(&iv, &st->items_cap, st->n_items + 1, sizeof(*st->items)) != 0)
		return rc;
	st->items = iv;
	struct item_rec *rec = &st->items[st->n_items];
	*rec = s->rec;
	if (s->theme &&
	    (rec->prev_theme = ana_intern_put(&st->prev_ids, s->theme, strlen(s->theme), NULL)) == ANA_NOID)
		return rc;
	if (s->subtheme &&
	    (rec->prev_sub = ana_intern_put(&st->prev_ids, s->subtheme, strlen(s->subtheme), NULL)) == ANA_NOID)
		return rc;
	int li = s->li;
	if (li < 0 && (li = ana_text_lang(tx, rec->lang)) < 0)
		li = ana_text_lang(tx, st->cfg->analysis.default_lang);
	if (li < 0)
		return rc;
	for (size_t i = 0; i < s->toks.n; i++) {
		const struct ana_token *k = &s->toks.v[i];
		if (k->kind != ANA_TOK_WORD && k->kind != ANA_TOK_HASHTAG)
			continue;
		if (s->li >= 0 && !s->tok_new[i]) {
			if (s->tok_surf[i] != ANA_NOID)
				tx->langs[li].count[s->tok_surf[i]]++;
			continue;
		}
		if (ana_text_term(tx, li, ana_tok_str(&s->toks, i), k->len, &s->tok_stem[i], NULL) != 0)
			return rc;
		s->tok_feat[i] = s->tok_stem[i] != ANA_NOID &&
				 ana_text_is_feature(tx, ana_tok_str(&s->toks, i), k->len);
	}
	swap_scratch(st, s);
	memcpy(st->sig, s->sig, sizeof(st->sig));
	st->has_sig = s->has_sig;
	rc = add_group(st, it, s->clean);
	if (rc == 0 && !s->stanced)
		rc = item_stances(st, it, rec);
	/* The classifier's examples are taken here, in store order, on the main thread. */
	if (rc == 0)
		rc = learn_from(st, it, rec, &st->toks);
	swap_scratch(st, s);
	/* The merge's own time is counted per batch (merge_all), as text. */
	st->t_text += s->t_text;
	st->t_stance += s->t_stance;
	if (rc)
		return rc;
	st->n_items++;
	if (st->tty && (st->n_items & 4095) == 0)
		progress(st, "reading", (int64_t)st->n_items, st->n_total);
	return 0;
}

static int merge_all(struct state *st, struct slot *b, size_t n)
{
	double t0 = ana_now();
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++)
		if ((rc = b[i].rc) != 0 || (rc = merge(st, &b[i])) != 0)
			core_err_set(st->err, rc, "cannot analyse item %lld: out of memory",
				     (long long)b[i].item.id);
	double t = ana_now() - t0;
	st->pass->t_merge += t;
	st->t_text += t;
	return rc;
}

/* Runs while the main thread reads batch k + 1: the worker thread prepares batch k.
 * When batch k + 1 is read: both finish batch k; the worker thread starts stage 1 of
 * batch k + 1 while the main thread merges batch k (stage 2 reads what the merge
 * writes, so it waits); then batch k + 1 is published in full and reading goes on
 * into batch k's slots. Each slot is prepared by whichever thread takes it, with the
 * same result, and merged in store order. */
static int run_batch(struct state *st)
{
	struct pass *p = st->pass;
	struct slot *read = p->slots[p->cur], *other = p->slots[1 - p->cur];
	size_t n_other = p->pending, n_read = p->n;
	int rc = 0;

	for (size_t i = 0; i < n_read; i++)
		read[i].s1 = 0;
	if (n_other) {
		finish(p);
		publish(p, read, n_read, 1);
		rc = merge_all(st, other, n_other);
		finish(p);
	}
	publish(p, read, n_read, 0);
	p->pending = n_read;
	p->cur = 1 - p->cur;
	p->n = 0;
	return rc;
}

/* After the last item: the partial batch and the one before it. */
static int run_last(struct state *st)
{
	struct pass *p = st->pass;
	int rc = 0;

	if (p->n && (rc = run_batch(st)) != 0)
		return rc;
	if (p->pending) {
		finish(p);
		rc = merge_all(st, p->slots[1 - p->cur], p->pending);
		p->pending = 0;
	}
	return rc;
}

static int on_item(const struct core_item_view *v, void *ctx)
{
	struct state *st = ctx;
	struct pass *p = st->pass;
	int rc = slot_fill(&p->slots[p->cur][p->n++], v);

	if (rc)
		return core_err_set(st->err, rc, "cannot analyse item %lld: out of memory",
				    (long long)v->item.id);
	return p->n == p->cap ? run_batch(st) : 0;
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
		a = (uint32_t)(st->pairs.of_id[p] >> 32);
		b = (uint32_t)st->pairs.of_id[p];
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

/* Dutch (and German) write compounds as one word ("wachttijd", "ziekenhuisopname");
 * one that occurs in a single document would fall below min_df and say nothing, while
 * its parts are words other documents use. Such a stem of at least ANA_SPLIT_MIN characters
 * becomes its two parts when both are stems of at least two documents (a linking "s"
 * or "e" after the first part may go). *n_split counts the stems split. */
#define ANA_SPLIT_MIN 8
#define ANA_PART_MIN 3
static int decompound(struct state *st, struct ana_bag *bags, size_t n_docs, size_t *n_split)
{
	const struct ana_intern *stems = &st->tx->stems;
	size_t ns = stems->n;
	uint32_t *df = calloc(ns ? ns : 1, sizeof(*df));
	uint32_t *pa = malloc((ns ? ns : 1) * sizeof(*pa)), *pb = malloc((ns ? ns : 1) * sizeof(*pb));
	int rc = CORE_ENOMEM;

	*n_split = 0;
	if (!df || !pa || !pb)
		goto out;
	for (size_t d = 0; d < n_docs; d++)
		for (uint32_t i = 0; i < bags[d].n; i++)
			if (!(bags[d].stem[i] & PAIR_BIT))
				df[bags[d].stem[i]]++;
	/* Only words of languages that write compounds as one word (English ones mostly
	 * are two words already): their stems are marked in pa. */
	for (uint32_t s = 0; s < ns; s++)
		pa[s] = 0;
	for (size_t l = 0; l < st->tx->n_langs; l++) {
		const struct ana_lang *lg = &st->tx->langs[l];
		if (strcmp(lg->code, "nl") != 0 && strcmp(lg->code, "de") != 0)
			continue;
		for (uint32_t id = 0; id < lg->surf.n; id++)
			if (lg->stem[id] != ANA_NOID && lg->count[id] > 0)
				pa[lg->stem[id]] = 1;
	}
	for (uint32_t s = 0; s < ns; s++) {
		const char *w = ana_intern_str(stems, s);
		size_t len = strlen(w), best = 0;
		int compounding = pa[s] == 1;
		pa[s] = pb[s] = ANA_NOID;
		if (!compounding || df[s] != 1 || len < ANA_SPLIT_MIN || strchr(w, ' '))
			continue;
		for (size_t cut = ANA_PART_MIN; cut + ANA_PART_MIN <= len; cut++) {
			uint32_t q = ana_intern_get(stems, w + cut, len - cut);
			if (q == ANA_NOID || df[q] < 2)
				continue;
			uint32_t p = ana_intern_get(stems, w, cut);
			if ((p == ANA_NOID || df[p] < 2) && cut > ANA_PART_MIN &&
			    (w[cut - 1] == 's' || w[cut - 1] == 'e'))
				p = ana_intern_get(stems, w, cut - 1);
			if (p == ANA_NOID || df[p] < 2)
				continue;
			/* The most even split: "ziekenhuis|opnam", not "zieken|huisopnam". */
			size_t even = cut < len - cut ? cut : len - cut;
			if (even > best) {
				best = even;
				pa[s] = p;
				pb[s] = q;
			}
		}
		*n_split += pa[s] != ANA_NOID;
	}
	for (size_t d = 0; d < n_docs; d++) {
		struct ana_bag *b = &bags[d];
		uint32_t extra = 0, o = 0;
		for (uint32_t i = 0; i < b->n; i++)
			extra += !(b->stem[i] & PAIR_BIT) && pa[b->stem[i]] != ANA_NOID;
		if (!extra)
			continue;
		uint32_t n = b->n + extra;
		uint32_t *stem = ana_arena_alloc(&st->bag_arena, n * sizeof(*stem));
		uint32_t *tf = ana_arena_alloc(&st->bag_arena, n * sizeof(*tf));
		uint64_t *pair = malloc(n * sizeof(*pair));
		if (!stem || !tf || !pair) {
			free(pair);
			goto out;
		}
		for (uint32_t i = 0; i < b->n; i++) {
			uint32_t x = b->stem[i];
			if (!(x & PAIR_BIT) && pa[x] != ANA_NOID) {
				pair[o++] = (uint64_t)pa[x] << 32 | b->tf[i];
				pair[o++] = (uint64_t)pb[x] << 32 | b->tf[i];
			} else {
				pair[o++] = (uint64_t)x << 32 | b->tf[i];
			}
		}
		qsort(pair, o, sizeof(*pair), cmp_u64);
		uint32_t u = 0;
		for (uint32_t i = 0; i < o; i++) {
			uint32_t x = (uint32_t)(pair[i] >> 32), f = (uint32_t)pair[i];
			if (u && stem[u - 1] == x) {
				tf[u - 1] += f;
			} else {
				stem[u] = x;
				tf[u++] = f;
			}
		}
		free(pair);
		b->stem = stem;
		b->tf = tf;
		b->n = u;
	}
	rc = 0;
out:
	free(df);
	free(pa);
	free(pb);
	return rc;
}

struct sortable {
	uint64_t hash;          /* unique per group */
	uint32_t g;
};

static int by_sortable(const void *a, const void *b)
{
	const struct sortable *x = a, *y = b;
	return (x->hash > y->hash) - (x->hash < y->hash);
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

/* Stance cues cluster but name no theme: a term is no label or top term when it is a
 * stopword or a cue, or a phrase with a cue in it ("friendly staff"). */
static int names_no_subject(const struct ana_text *tx, uint32_t stem)
{
	uint32_t a, b;
	const char *surf = ana_text_surface(tx, stem);

	if (ana_text_is_stop(tx, surf, strlen(surf)) || ana_text_is_cue(tx, surf, strlen(surf)))
		return 1;
	if (!ana_text_pair_parts(tx, stem, &a, &b))
		return 0;
	const char *sa = ana_text_surface(tx, a), *sb = ana_text_surface(tx, b);
	return ana_text_is_cue(tx, sa, strlen(sa)) || ana_text_is_cue(tx, sb, strlen(sb));
}

/* Bounded selection of a theme's heaviest columns (theme_terms): a min-heap of at most
 * TERMS_TOP columns, the lightest (ties: the higher column) at its root. */
#define TERMS_TOP 256

static int term_before(const float *w, uint32_t a, uint32_t b)
{
	return w[a] > w[b] || (w[a] == w[b] && a < b);
}

static void top_sift(const float *w, uint32_t *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, low = i;
		if (l < n && term_before(w, h[low], h[l]))
			low = l;
		if (r < n && term_before(w, h[low], h[r]))
			low = r;
		if (low == i)
			return;
		uint32_t t = h[i];
		h[i] = h[low];
		h[low] = t;
		i = low;
	}
}

/* Adds column j; returns the heap's new size. */
static size_t top_push(const float *w, uint32_t *h, size_t n, uint32_t j)
{
	if (n == TERMS_TOP) {
		if (term_before(w, j, h[0])) {
			h[0] = j;
			top_sift(w, h, n, 0);
		}
		return n;
	}
	size_t i = n++;
	h[i] = j;
	while (i > 0 && term_before(w, h[(i - 1) / 2], h[i])) {
		uint32_t t = h[i];
		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
	return n;
}

/* Heap to list, heaviest first: the root (lightest) goes to the end each time. */
static void top_sort(const float *w, uint32_t *h, size_t n)
{
	for (size_t end = n; end > 1; end--) {
		uint32_t t = h[0];
		h[0] = h[end - 1];
		h[end - 1] = t;
		top_sift(w, h, end - 1, 0);
	}
}

static void theme_terms(const struct ana_text *tx, const struct ana_matrix *m, const float *cent,
			struct theme_build *tb)
{
	/* Columns in order of weight, ties to the lower column (the smaller string): the
	 * best TERMS_TOP from one pass, then, should the rules skip that many, a scan per
	 * column for the rest. */
	size_t V = m->n_terms, n_top = 0, next = 0;
	uint32_t top[TERMS_TOP];
	tb->n_cand = 0;
	uint8_t *used = calloc(V ? V : 1, 1);
	if (!used)
		return;
	for (size_t j = 0; j < V; j++)
		if (cent[j] > 0.0f)
			n_top = top_push(cent, top, n_top, (uint32_t)j);
	top_sort(cent, top, n_top);
	while (tb->n_cand < sizeof(tb->cand) / sizeof(*tb->cand)) {
		size_t best = V;
		if (next < n_top) {
			best = top[next++];
		} else {
			for (size_t j = 0; j < V; j++)
				if (!used[j] && cent[j] > 0.0f && (best == V || cent[j] > cent[best]))
					best = j;
		}
		if (best == V)
			break;
		used[best] = 1;
		uint32_t stem = m->term_stem[best], a, b;
		if (names_no_subject(tx, stem))
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

/* Appends the clustering's non-empty clusters to run->themes (largest first); per
 * document of a cluster, its theme index in theme_of_doc (others are left alone).
 * cl->centroid is in the term space; labels take its best terms and must differ from
 * every label already in run->themes. */
static int build_themes(struct state *st, const struct ana_matrix *m,
			const struct ana_clustering *cl, const uint32_t *doc_group,
			struct core_run *run, int *theme_of_doc)
{
	struct theme_build *tb = NULL;
	struct quote_cand *qc = NULL;
	int *rank = NULL;
	int k = cl->k, nt = 0, rc = CORE_ENOMEM;
	size_t first = run->n_themes;

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
	struct core_theme *grown = realloc(run->themes, (first + (size_t)nt + 1) * sizeof(*grown));
	if (!grown)
		goto out;
	run->themes = grown;
	memset(run->themes + first, 0, ((size_t)nt + 1) * sizeof(*grown));
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

/* ---------------------------------------------------------------- subthemes */

/* A theme of at least ANA_SUB_MIN_DOCS documents splits into one subtheme per
 * ANA_SUB_DOCS_PER documents, 2 to ANA_SUB_MAX; the split is fitted on at most
 * ANA_SUB_SAMPLE evenly spaced members. A subtheme under ANA_SUB_MIN_SHARE of its
 * parent's documents is too thin to name: its members join their nearest sibling. */
#define ANA_SUB_MIN_DOCS 40
#define ANA_SUB_DOCS_PER 40
#define ANA_SUB_MAX 4
#define ANA_SUB_SAMPLE 1000
#define ANA_SUB_MIN_SHARE 0.1

/* Row d of s minus the members' mean mu, L2-normalised, into out (s->n_terms floats):
 * within a theme every row leans towards the theme's centre, and what tells its
 * sub-subjects apart is what is left. */
static void centred_row(const struct ana_matrix *s, size_t d, const float *mu, float *out)
{
	size_t D = s->n_terms;
	double norm = 0.0;

	for (size_t j = 0; j < D; j++)
		out[j] = -mu[j];
	for (size_t j = s->row[d]; j < s->row[d + 1]; j++)
		out[ana_col(s, d, j)] += s->val[j];
	for (size_t j = 0; j < D; j++)
		norm += (double)out[j] * out[j];
	norm = norm > 0.0 ? 1.0 / sqrt(norm) : 0.0;
	for (size_t j = 0; j < D; j++)
		out[j] = (float)(out[j] * norm);
}

/* Splits the members docs[0..n) of one theme in space (the LSA rows, or the term rows
 * when there is no LSA space) into sub->k clusters over all documents of m (others
 * -1), sub->centroid in m's term space, contrasted with the siblings so that labels
 * name what sets a subtheme apart. sub->k 0: no split. 0 or CORE_ENOMEM. */
static int split_theme(const struct ana_matrix *m, const struct ana_matrix *space,
		       const uint8_t *skip, const uint32_t *docs, size_t n, uint64_t seed,
		       struct ana_clustering *sub)
{
	size_t D = space->n_terms, V = m->n_terms, step = (n + ANA_SUB_SAMPLE - 1) / ANA_SUB_SAMPLE;
	size_t ns = (n + step - 1) / step;
	struct ana_matrix smp = {0};
	struct ana_clustering fit = {0};
	float *mu = calloc(D ? D : 1, sizeof(*mu)), *x = malloc((D ? D : 1) * sizeof(*x));
	size_t *ids = NULL, *srows = NULL, *sids = NULL;
	int *place = NULL, *sa = NULL;
	int64_t count[ANA_SUB_MAX] = {0};
	int keep[ANA_SUB_MAX] = {0}, k = (int)(n / ANA_SUB_DOCS_PER), kept = 0, rc = CORE_ENOMEM;

	memset(sub, 0, sizeof(*sub));
	k = k < 2 ? 2 : k > ANA_SUB_MAX ? ANA_SUB_MAX : k;
	sub->assign = malloc((m->n_docs ? m->n_docs : 1) * sizeof(int));
	sub->sim = calloc(m->n_docs ? m->n_docs : 1, sizeof(float));
	smp.row = malloc((ns + 1) * sizeof(*smp.row));
	smp.val = malloc((ns * D + 1) * sizeof(*smp.val));
	if (!mu || !x || !sub->assign || !sub->sim || !smp.row || !smp.val)
		goto out;
	for (size_t d = 0; d < m->n_docs; d++)
		sub->assign[d] = -1;
	for (size_t i = 0; i < n; i++)
		for (size_t j = space->row[docs[i]]; j < space->row[docs[i] + 1]; j++)
			mu[ana_col(space, docs[i], j)] += space->val[j] / (float)n;
	smp.n_docs = ns;
	smp.n_terms = D;
	for (size_t i = 0; i <= ns; i++)
		smp.row[i] = i * D;
	for (size_t i = 0; i < ns; i++)
		centred_row(space, docs[i * step], mu, smp.val + i * D);
	/* With an LSA space the split is refined on the sample's words as the themes are
	 * (sample row i's words are row docs[i * step] of m), and every member is then
	 * placed by that mixture; a member without any of the sample's words, or one whose
	 * subtheme dissolves, joins the nearest centre. */
	int by_words = !space->col;
	if (by_words) {
		if (!(srows = malloc((ns ? ns : 1) * sizeof(*srows))))
			goto out;
		for (size_t i = 0; i < ns; i++)
			srows[i] = docs[i * step];
	}
	struct ana_words sample_words = {m, skip, srows};
	/* One thread: the themes are split two at a time already. */
	if (ana_kmeans(&smp, by_words ? &sample_words : NULL, k, seed, 1, &fit) != 0)
		goto out;
	k = fit.k;
	if (by_words && k >= 1) {
		size_t nsv = 0;
		struct ana_words all_words = {m, skip, NULL};
		ids = malloc((n ? n : 1) * sizeof(*ids));
		sids = malloc((ns ? ns : 1) * sizeof(*sids));
		sa = malloc((ns ? ns : 1) * sizeof(*sa));
		place = malloc((n ? n : 1) * sizeof(*place));
		if (!ids || !sids || !sa || !place)
			goto out;
		for (size_t i = 0; i < n; i++)
			ids[i] = docs[i];
		for (size_t i = 0; i < ns; i++)
			if (fit.assign[i] >= 0) {
				sids[nsv] = srows[i];
				sa[nsv++] = fit.assign[i];
			}
		if (ana_dmm_place(&all_words, sids, nsv, sa, k, ids, n, place) != 0)
			goto out;
	}
	/* Thin clusters dissolve into the others. */
	for (int pass = 0; pass < 2 && k >= 2; pass++) {
		memset(count, 0, sizeof(count));
		for (size_t i = 0; i < n; i++) {
			int bc = -1, z = place ? place[i] : -1;
			double bs = -2.0;
			centred_row(space, docs[i], mu, x);
			for (int c = 0; c < k; c++) {
				if ((pass && !keep[c]) || (z >= 0 && (!pass || keep[z]) && c != z))
					continue;
				double sc = 0.0;
				for (size_t j = 0; j < D; j++)
					sc += (double)x[j] * fit.centroid[(size_t)c * D + j];
				if (sc > bs) {
					bs = sc;
					bc = c;
				}
			}
			if (z >= 0 && (!pass || keep[z]))
				sub->assign[docs[i]] = z; /* the mixture's, whatever the cosine */
			else
				sub->assign[docs[i]] = bs >= ANA_MIN_THEME_SIM ? bc : -1;
			sub->sim[docs[i]] = (float)bs;
			if (sub->assign[docs[i]] >= 0)
				count[bc]++;
		}
		if (pass)
			break;
		kept = 0;
		for (int c = 0; c < k; c++)
			kept += keep[c] = (double)count[c] >= ANA_SUB_MIN_SHARE * (double)n && count[c] >= 5;
		if (kept == k)
			break;
	}
	kept = 0;
	for (int c = 0; c < k; c++)
		kept += count[c] > 0;
	sub->k = kept >= 2 ? k : 0;
	if (sub->k == 0) {
		rc = 0;
		goto out;
	}
	if (ana_term_centroids(m, sub) != 0)
		goto out;
	/* Contrast: what a subtheme says beyond the mean of its siblings. */
	float *sum = malloc((V ? V : 1) * sizeof(*sum));
	if (!sum)
		goto out;
	for (size_t j = 0; j < V; j++) {
		double a = 0.0;
		for (int c = 0; c < k; c++)
			a += count[c] > 0 ? sub->centroid[(size_t)c * V + j] : 0.0f;
		sum[j] = (float)a;
	}
	for (int c = 0; c < k; c++) {
		if (count[c] == 0)
			continue;
		float *cent = sub->centroid + (size_t)c * V;
		for (size_t j = 0; j < V; j++)
			cent[j] -= (sum[j] - cent[j]) / (float)(kept - 1);
	}
	free(sum);
	rc = 0;
out:
	if (rc)
		ana_clustering_release(sub);
	ana_clustering_release(&fit);
	ana_matrix_release(&smp);
	free(mu);
	free(x);
	free(ids);
	free(srows);
	free(sids);
	free(sa);
	free(place);
	return rc;
}

struct split_job {
	const struct ana_matrix *m, *space;
	const uint8_t *skip;       /* columns the mixture leaves out (bigrams) */
	const uint32_t *docs;      /* members of all themes, theme by theme */
	const size_t *start;       /* per theme: its first member in docs; n_top + 1 */
	size_t n_top;
	atomic_size_t *next;       /* the next theme to split, shared by both jobs */
	uint64_t seed;
	struct ana_clustering *subs; /* per theme */
	int rc;
};

static void *split_range(void *arg)
{
	struct split_job *j = arg;

	for (size_t t; !j->rc && (t = atomic_fetch_add(j->next, 1)) < j->n_top;) {
		size_t n = j->start[t + 1] - j->start[t];
		if (n >= ANA_SUB_MIN_DOCS)
			j->rc = split_theme(j->m, j->space, j->skip, j->docs + j->start[t], n,
					    j->seed + 0x9e3779b97f4a7c15ull * (t + 1), &j->subs[t]);
	}
	return NULL;
}

/* Subthemes of each of the first n_top themes of run, appended to run->themes;
 * parent_of[t] receives each new theme's parent index, sub_of_doc each document's
 * subtheme (-1 none). The splits run in two threads, each taking the next theme left
 * (each theme on its own, seeded by its rank, so which thread splits it does not
 * matter); labels are then chosen in theme order, so they stay unique the same way
 * every time. 0 or CORE_ENOMEM. */
static int build_subthemes(struct state *st, const struct ana_matrix *m,
			   const struct ana_matrix *space, const uint8_t *skip,
			   const uint32_t *doc_group,
			   uint64_t seed, size_t n_top, struct core_run *run,
			   const int *theme_of_doc, int *sub_of_doc, int *parent_of)
{
	uint32_t *docs = malloc((m->n_docs ? m->n_docs : 1) * sizeof(*docs));
	size_t *start = calloc(n_top + 2, sizeof(*start));
	struct ana_clustering *subs = calloc(n_top ? n_top : 1, sizeof(*subs));
	struct split_job jobs[2];
	atomic_size_t next;
	int rc = CORE_ENOMEM;

	atomic_init(&next, 0);
	if (!docs || !start || !subs)
		goto out;
	for (size_t d = 0; d < m->n_docs; d++) {
		sub_of_doc[d] = -1;
		if (theme_of_doc[d] >= 0)
			start[theme_of_doc[d] + 2]++;
	}
	for (size_t t = 0; t < n_top; t++)
		start[t + 2] += start[t + 1];
	for (size_t d = 0; d < m->n_docs; d++)
		if (theme_of_doc[d] >= 0)
			docs[start[theme_of_doc[d] + 1]++] = (uint32_t)d;
	for (int k = 0; k < 2; k++)
		jobs[k] = (struct split_job){m, space, skip, docs, start, n_top, &next, seed, subs, 0};
	ana_two_halves(split_range, &jobs[0], &jobs[1], 1);
	if (jobs[0].rc || jobs[1].rc)
		goto out;
	for (size_t t = 0; t < n_top; t++) {
		size_t first = run->n_themes;
		if (subs[t].k == 0)
			continue;
		if (build_themes(st, m, &subs[t], doc_group, run, sub_of_doc) != 0)
			goto out;
		for (size_t i = first; i < run->n_themes; i++)
			parent_of[i] = (int)t;
	}
	rc = 0;
out:
	for (size_t t = 0; subs && t < n_top; t++)
		ana_clustering_release(&subs[t]);
	free(subs);
	free(start);
	free(docs);
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
		     const int *theme_of_doc, const int *sub_of_doc)
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
	/* Both levels at once: a theme meets the previous run's themes, a subtheme the
	 * previous subthemes (ids are unique across levels, so they never mix). */
	for (size_t i = 0; i < st->n_items; i++) {
		const struct item_rec *rec = &st->items[i];
		int32_t doc = st->groups[rec->group].doc;
		const int cur[2] = {theme_of_doc[doc], sub_of_doc[doc]};
		const uint32_t prev[2] = {rec->prev_theme, rec->prev_sub};
		for (int l = 0; l < 2; l++) {
			if (cur[l] >= 0)
				tsize[cur[l]]++;
			if (prev[l] != ANA_NOID) {
				psize[prev[l]]++;
				if (cur[l] >= 0)
					ov[(size_t)cur[l] * np + prev[l]]++;
			}
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

/* Each campaign's template: its earliest item's text as the analysis read it, from the
 * store (keeping every group's text through the pass cost a copy per group), into the
 * arena, which outlives the save. fetch (NULL: no campaigns) has been reading them, in
 * campaign order, since the campaigns were known; it is finished here, whatever
 * happens. */
static int campaign_texts(struct state *st, struct core_db *db, struct core_text_fetch *fetch,
			  struct core_run *run)
{
	size_t n = run->n_campaigns;
	char **texts;
	int rc;

	if (!fetch)
		return 0; /* no campaigns */
	if (!(texts = malloc(n * sizeof(*texts)))) {
		core_db_item_texts_finish(db, fetch, NULL, NULL);
		return core_err_set(st->err, CORE_ENOMEM, "analysis: out of memory");
	}
	if ((rc = core_db_item_texts_finish(db, fetch, texts, st->err)) != 0)
		goto out;
	for (size_t c = 0; c < n && !rc; c++) {
		int cut;
		char *clean = clean_text(texts[c] ? texts[c] : "", &cut);
		if (!clean || !(run->campaigns[c].template_text =
					ana_arena_strndup(&st->arena, clean, strlen(clean))))
			rc = core_err_set(st->err, CORE_ENOMEM, "analysis: out of memory");
		free(clean);
	}
	for (size_t c = 0; c < n; c++)
		free(texts[c]);
out:
	free(texts);
	return rc;
}

/* A short id into a fixed field (cut to fit, NUL-terminated): a million results
 * copy three each, where snprintf cost a third of a second. */
static void copy_id(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

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

/* Ends the worker thread (idempotent). */
static void pass_stop(struct pass *p)
{
	if (!p->started)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->th, NULL);
	p->started = 0;
}

int ana_run(struct core_db *db, const struct core_config *cfg, const struct ana_opts *opts,
	    struct ana_report *rep, struct core_err *err)
{
	struct state st = {0};
	struct pass pass = {0};
	struct core_run run = {0};
	struct ana_matrix m = {0}, lsa = {0};
	struct ana_clustering cl = {0};
	struct ana_bag *bags = NULL;
	struct sortable *order = NULL;
	struct camp_sort *camps = NULL;
	uint32_t *doc_group = NULL, *rank = NULL, *root = NULL, **sigs = NULL;
	struct core_text_fetch *fetch = NULL; /* the campaign templates, being read */
	int *theme_of_doc = NULL, *sub_of_doc = NULL, *parent_of = NULL, *campaign_of_group = NULL;
	const char **sub_ids = NULL;
	uint8_t *pair_col = NULL; /* per term column: 1 for a bigram */
	struct core_item_filter filter = {0};
	struct ana_report local;
	double t_start = ana_now(), t, t_pass = 0, t_dedup = 0, t_feat = 0, t_lsa = 0, t_kmeans = 0,
	       t_top = 0, t_sub = 0, t_themes = 0;
	size_t n_top = 0;
	int rc;

	if (!rep)
		rep = &local;
	memset(rep, 0, sizeof(*rep));
	core_time_format(time(NULL), run.started_at);
	st.cfg = cfg;
	st.err = err;
	st.amb_items = rep->ambition_items;
	core_buf_init(&st.ev, 1 << 20);
	ana_intern_init(&st.prev_ids);

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

	/* Pass over the store: everything per item, in batches over two threads. One
	 * thread takes one item at a time, the plain streaming order the batches must
	 * reproduce. */
	st.t_begin = ana_now();
	st.tty = isatty(STDERR_FILENO) && core_log_get_level() >= CORE_LOG_INFO;
	st.n_total = st.tty ? core_db_item_count(db) : 0;
	/* The per-item and per-group arrays take room for every item at once: grown by
	 * doubling, each step would copy them into fresh memory, which costs most on a
	 * first run (see README, Benchmarks). Room never used is never touched. */
	int64_t most = core_db_item_id_max(db);
	if (most > 0 && most < (int64_t)1 << 31) {
		void *v = st.items, *g = st.groups, *sg = st.sig_rows;
		if (ana_grow(&v, &st.items_cap, (size_t)most, sizeof(*st.items)) == 0)
			st.items = v;
		if (ana_grow(&g, &st.groups_cap, (size_t)most, sizeof(*st.groups)) == 0)
			st.groups = g;
		if (ana_grow(&sg, &st.sig_cap, (size_t)most, sizeof(st.sig)) == 0)
			st.sig_rows = sg;
	}
	st.pass = &pass;
	pass.n_workers = opts && opts->threads == 1 ? 1 : ANA_MAX_WORKERS;
	pass.cap = pass.n_workers == 1 ? 1 : ANA_BATCH;
	pass.slots[0] = calloc(pass.cap, sizeof(*pass.slots[0]));
	pass.slots[1] = calloc(pass.cap, sizeof(*pass.slots[1]));
	pass.workers = calloc(ANA_MAX_WORKERS, sizeof(*pass.workers));
	pthread_mutex_init(&pass.mu, NULL);
	pthread_cond_init(&pass.cv, NULL);
	atomic_init(&pass.next, 0);
	atomic_init(&pass.stop, 0);
	if (!pass.slots[0] || !pass.slots[1] || !pass.workers) {
		rc = core_err_set(err, CORE_ENOMEM, "analysis: out of memory");
		goto out;
	}
	/* Every language the detector answers has its stemmer and cache before the
	 * workers start: they only read them. */
	static const char *const known[] = {"nl", "en", "de", "fr"};
	for (size_t i = 0; i < sizeof(known) / sizeof(*known); i++)
		ana_text_lang(st.tx, known[i]);
	if (cfg->analysis.default_lang)
		ana_text_lang(st.tx, cfg->analysis.default_lang);
	for (size_t w = 0; w < ANA_MAX_WORKERS; w++) {
		struct worker *wk = &pass.workers[w];
		struct state *ws = &wk->ws;
		ws->cfg = cfg;
		ws->tx = st.tx;
		ws->lex = st.lex; /* shared, read-only */
		memcpy(ws->polarity, st.polarity, sizeof(ws->polarity));
		ws->amb_items = wk->amb_items;
		ws->err = err;
		core_buf_init(&ws->ev, 1 << 20);
		ws->scores = calloc(cfg->n_ambitions ? cfg->n_ambitions : 1, sizeof(*ws->scores));
		if (!ws->scores || ana_ambitions_fork(&st.amb, &ws->amb) != 0 ||
		    ana_text_worker_init(&wk->tw, st.tx) != 0) {
			rc = core_err_set(err, CORE_ENOMEM, "analysis: out of memory");
			goto out;
		}
	}
	/* Without a thread (one asked for, or none to be had) the main thread prepares
	 * every item itself, in the same batches. */
	if (pass.n_workers > 1)
		pass.started = pthread_create(&pass.th, NULL, work, &pass) == 0;
	filter.include_hidden = 0;
	filter.no_stances = 1; /* the run makes its own */
	filter.lean = 1;
	double t_read = ana_now();
	rc = core_db_items_each(db, &filter, on_item, &st, err);
	if (rc == 0)
		rc = run_last(&st);
	pass_stop(&pass);
	if (rc)
		goto out;
	for (size_t w = 0; w < ANA_MAX_WORKERS; w++)
		for (size_t a = 0; a < 64; a++)
			rep->ambition_items[a] += pass.workers[w].amb_items[a];
	if (st.n_items == 0) {
		rc = core_err_set(err, CORE_ERUNTIME,
				  "nothing to analyse: the store has no items (run 'inspraak collect' "
				  "or 'inspraak import' first)");
		goto out;
	}
	rep->seconds_text = st.t_text;
	/* The old runs' per-item results go while the themes are worked out (a second
	 * of the save at 1M items), not inside the save. */
	core_db_prune_start(db);
	t_pass = ana_now();
	core_log(CORE_LOG_DEBUG, "analysis: reading pass %.2f s on the main thread: read %.2f s, "
		 "merge %.2f s, prepare %.2f s, wait %.2f s", t_pass - t_read,
		 t_pass - t_read - pass.t_merge - pass.t_help - pass.t_wait, pass.t_merge,
		 pass.t_help, pass.t_wait);
	progress(&st, "duplicates", 0, 1);

	/* Documents: one per duplicate group, ordered by content hash then key, so the
	 * clustering does not depend on the order items were stored in. */
	t = ana_now();
	rc = CORE_ENOMEM;
	order = malloc(st.n_groups * sizeof(*order));
	bags = malloc(st.n_groups * sizeof(*bags));
	doc_group = malloc(st.n_groups * sizeof(*doc_group));
	theme_of_doc = malloc(st.n_groups * sizeof(*theme_of_doc));
	sub_of_doc = malloc(st.n_groups * sizeof(*sub_of_doc));
	campaign_of_group = malloc(st.n_groups * sizeof(*campaign_of_group));
	camps = malloc(st.n_groups * sizeof(*camps));
	rank = malloc(st.n_groups * sizeof(*rank));
	root = malloc(st.n_groups * sizeof(*root));
	sigs = malloc(st.n_groups * sizeof(*sigs));
	if (!order || !bags || !doc_group || !theme_of_doc || !sub_of_doc || !campaign_of_group || !camps ||
	    !rank || !root || !sigs)
		goto nomem;
	for (uint32_t g = 0; g < st.n_groups; g++)
		order[g] = (struct sortable){st.groups[g].hash, g};
	qsort(order, st.n_groups, sizeof(*order), by_sortable);
	for (size_t r = 0; r < st.n_groups; r++)
		rank[order[r].g] = (uint32_t)r;
	for (size_t g = 0; g < st.n_groups; g++)
		sigs[g] = st.groups[g].has_sig ? st.sig_rows + g * ANA_MH_K : NULL;
	size_t merged = 0;
	if (ana_near_dups(sigs, st.n_groups, rank, root, &merged) != 0)
		goto nomem;
	free(st.sig_rows);
	st.sig_rows = NULL;
	free(sigs);
	sigs = NULL;
	for (size_t g = 0; g < st.n_groups; g++) {
		st.groups[g].root = root[g];
		st.groups[g].total = 0;
	}
	for (size_t g = 0; g < st.n_groups; g++) {
		struct group *rt = &st.groups[root[g]];
		rt->total += st.groups[g].count;
		/* The campaign template is the earliest item of the whole near-group. */
		if (st.groups[g].first_item < rt->first_item)
			rt->first_item = st.groups[g].first_item;
	}
	/* Campaigns: (near-)duplicate groups of at least campaign_min items, largest
	 * first. Their templates are read back from the store on a thread of its own
	 * while the features are built (one core is idle then). */
	size_t nc = 0;
	int cmin = cfg->analysis.campaign_min > 1 ? cfg->analysis.campaign_min : 2;
	for (uint32_t g = 0; g < st.n_groups; g++) {
		campaign_of_group[g] = -1;
		if (root[g] == g && st.groups[g].total >= cmin)
			camps[nc++] = (struct camp_sort){st.groups[g].total, st.groups[g].first_item, g};
	}
	qsort(camps, nc, sizeof(*camps), by_campaign);
	if (nc) {
		int64_t *first = malloc(nc * sizeof(*first));
		if (!first)
			goto nomem;
		for (size_t c = 0; c < nc; c++)
			first[c] = camps[c].first;
		fetch = core_db_item_texts_start(db, first, nc);
		free(first);
		if (!fetch)
			goto nomem;
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
	size_t n_pairs = 0, n_split = 0;
	if (decompound(&st, bags, n_docs, &n_split) != 0)
		goto nomem;
	if (bigrams(&st, bags, n_docs, &n_pairs) != 0)
		goto nomem;
	if (ana_text_surfaces(st.tx) != 0)
		goto nomem;
	t_dedup = ana_now();
	progress(&st, "features", 0, 1);
	if (ana_features_build(bags, n_docs, &st.tx->stems, &m) != 0)
		goto nomem;
	/* The bags have served: their memory goes to the semantic space. */
	ana_arena_release(&st.bag_arena);
	for (size_t g = 0; g < st.n_groups; g++)
		st.groups[g].bag = (struct ana_bag){0};
	free(bags);
	bags = NULL;
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
	/* The clusters of the LSA space are refined on the words (not the bigrams). */
	if (!(pair_col = malloc(m.n_terms ? m.n_terms : 1)))
		goto nomem;
	for (size_t c = 0; c < m.n_terms; c++) {
		uint32_t a, b;
		pair_col[c] = (uint8_t)ana_text_pair_parts(st.tx, m.term_stem[c], &a, &b);
	}
	struct ana_words words = {&m, pair_col, NULL};
	if (ana_kmeans(rc == 0 ? &lsa : &m, rc == 0 ? &words : NULL, k, seed, 2, &cl) != 0)
		goto nomem;
	t_kmeans = ana_now();
	if (rc == 0 && ana_term_centroids(&m, &cl) != 0)
		goto nomem;
	const struct ana_matrix *space = rc == 0 ? &lsa : &m;
	rc = CORE_ENOMEM;
	for (size_t d = 0; d < m.n_docs; d++)
		theme_of_doc[d] = -1;
	if (build_themes(&st, &m, &cl, doc_group, &run, theme_of_doc) != 0)
		goto nomem;
	n_top = run.n_themes;
	t_top = ana_now();
	if (!(parent_of = malloc((n_top * (1 + ANA_SUB_MAX) + 1) * sizeof(*parent_of))))
		goto nomem;
	for (size_t i = 0; i < n_top; i++)
		parent_of[i] = -1;
	if (build_subthemes(&st, &m, space, pair_col, doc_group, seed, n_top, &run, theme_of_doc,
			    sub_of_doc, parent_of) != 0)
		goto nomem;
	t_sub = ana_now();
	/* The semantic space has served: free it before the results and the save (at a
	 * million items it is 150 MB of the peak). */
	ana_matrix_release(&lsa);
	space = NULL;
	if (carry_ids(&st, db, &run, theme_of_doc, sub_of_doc) != 0)
		goto nomem;
	for (size_t i = n_top; i < run.n_themes; i++)
		snprintf(run.themes[i].parent, sizeof(run.themes[i].parent), "%s",
			 run.themes[parent_of[i]].id);

	run.campaigns = calloc(nc ? nc : 1, sizeof(*run.campaigns));
	if (!run.campaigns)
		goto nomem;
	run.n_campaigns = nc;
	for (size_t c = 0; c < nc; c++) {
		struct core_campaign *cp = &run.campaigns[c];
		const struct group *gr = &st.groups[camps[c].g];
		snprintf(cp->id, sizeof(cp->id), "C%zu", c + 1);
		cp->size = gr->total;
		cp->first_item = gr->first_item;
		campaign_of_group[camps[c].g] = (int)c;
	}
	rc = campaign_texts(&st, db, fetch, &run);
	fetch = NULL;
	if (rc != 0)
		goto out;

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

	/* Per-item results. A result's subtheme points at a copy of the id in the arena:
	 * the review step may reallocate run.themes before the run is saved. */
	run.results = calloc(st.n_items, sizeof(*run.results));
	sub_ids = calloc(run.n_themes ? run.n_themes : 1, sizeof(*sub_ids));
	if (!run.results || !sub_ids)
		goto nomem;
	for (size_t q = 0; q < run.n_themes; q++)
		if (run.themes[q].parent[0] &&
		    !(sub_ids[q] = ana_arena_strndup(&st.arena, run.themes[q].id,
						     strlen(run.themes[q].id))))
			goto nomem;
	run.n_results = st.n_items;
	for (size_t i = 0; i < st.n_items; i++) {
		const struct item_rec *rec = &st.items[i];
		const struct group *gr = &st.groups[rec->group];
		struct core_item_result *r = &run.results[i];
		r->item_id = rec->id;
		copy_id(r->lang, sizeof(r->lang), rec->lang);
		int th = theme_of_doc[gr->doc];
		if (th >= 0) {
			copy_id(r->theme, sizeof(r->theme), run.themes[th].id);
			r->theme_score = cl.sim[gr->doc];
			if (sub_of_doc[gr->doc] >= 0)
				r->subtheme = sub_ids[sub_of_doc[gr->doc]];
		} else {
			rep->unassigned++;
		}
		int cg = campaign_of_group[gr->root];
		if (cg >= 0)
			copy_id(r->campaign, sizeof(r->campaign), run.campaigns[cg].id);
		r->stances = rec->stances;
		r->n_stances = rec->n_stances;
	}
	rep->seconds_cluster = ana_now() - t;
	t_themes = ana_now();
	progress(&st, "saving", 0, 1);

	run.seed = seed;
	run.k = (int)n_top;
	run.items = (int64_t)st.n_items;
	run.params = core_asprintf(
		"{\"seed\":%llu,\"themes\":%d,\"k\":%d,\"max_themes\":%d,\"auto_k\":%s,"
		"\"ambition_threshold\":%.3f,\"campaign_min\":%d,\"default_lang\":\"%s\","
		"\"restarts\":%d,\"max_iter\":%d,\"min_df\":2,\"max_df\":0.5,"
		"\"documents\":%zu,\"terms\":%zu,\"bigrams\":%zu,\"compounds_split\":%zu,"
		"\"near_duplicate_merges\":%zu,"
		"\"objective\":%.4f}",
		(unsigned long long)seed, opts ? opts->themes : 0, cl.k, cfg->analysis.max_themes,
		(opts && opts->themes > 0) || cfg->analysis.themes > 0 ? "false" : "true",
		cfg->analysis.ambition_threshold, cmin,
		cfg->analysis.default_lang ? cfg->analysis.default_lang : "",
		ANA_KMEANS_RESTARTS, ANA_KMEANS_MAX_ITER, m.n_docs, m.n_terms, n_pairs, n_split, merged,
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
	rep->themes = n_top;
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
			 "k-means %.2f s, themes %.2f s (subthemes %.2f), store %.2f s, "
			 "total %.2f s",
			 st.n_items, m.n_docs, m.n_terms, cl.k, t_pass - t_start, rep->seconds_text,
			 rep->seconds_stance, t_dedup - t_pass, t_feat - t_dedup, t_lsa - t_feat,
			 t_kmeans - t_lsa, t_themes - t_kmeans, t_sub - t_top, rep->seconds_store,
			 rep->seconds_total);
	if (fetch)
		core_db_item_texts_finish(db, fetch, NULL, NULL);
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
	free(sub_ids);
	free(sub_of_doc);
	free(parent_of);
	free(pair_col);
	free(campaign_of_group);
	pass_stop(&pass);
	for (int b = 0; b < 2; b++) {
		for (size_t i = 0; pass.slots[b] && i < pass.cap; i++)
			slot_release(&pass.slots[b][i]);
		free(pass.slots[b]);
	}
	pthread_mutex_destroy(&pass.mu);
	pthread_cond_destroy(&pass.cv);
	for (size_t w = 0; pass.workers && w < ANA_MAX_WORKERS; w++) {
		struct worker *wk = &pass.workers[w];
		ana_ambitions_fork_release(&wk->ws.amb);
		ana_text_worker_release(&wk->tw);
		ana_tokens_release(&wk->ws.toks);
		free(wk->ws.tok_stem);
		free(wk->ws.tok_feat);
		free(wk->ws.sorted);
		free(wk->ws.scores);
		free(wk->ws.masks);
		core_buf_release(&wk->ws.ev);
		ana_arena_release(&wk->ws.arena); /* its stance rows are saved by now */
	}
	free(pass.workers);
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
	ana_idmap_release(&st.group_of);
	ana_idmap_release(&st.pairs);
	ana_intern_release(&st.prev_ids);
	free(st.groups);
	free(st.items);
	free(st.sig_rows);
	ana_arena_release(&st.bag_arena);
	ana_arena_release(&st.arena);
	return rc;
}
