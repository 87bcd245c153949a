/* stance.c: support / objection / neutral / mixed from cue lexicons (stance.h).
 * Cues are phrases over folded tokens, the longest match wins at each place, so a
 * listed "geen goed idee" beats negation of "goed idee"; negation flips a cue within a
 * short window in the same clause; after a contrast marker the rest of the sentence
 * weighs double; a condition turns support into mixed; questions weaken their cues. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stance.h"

#define WILD_KEY 3  /* bytes of a prefix pattern that index it; patterns are longer */
#define NEG_WINDOW 5
#define NEG_FLIP 0.8f      /* "niet slecht" is weaker than "goed" */
#define CONTRAST_GAIN 2.0f
#define QUESTION_GAIN 0.3f
#define DECIDE_T 0.5       /* |support - objection| needed for a side */
#define MIXED_RATIO 0.6    /* weaker side at least this share of the stronger: mixed */

/* ---------------------------------------------------------------- lexicon */

static int add_cue(struct ana_lexicon *lx, enum ana_cue_kind kind, float weight, int agree,
		   int subject, const char *phrase, size_t plen)
{
	char *words[16];
	uint8_t prefix[16];
	size_t n = 0;
	const char *p = phrase, *end = phrase + plen;
	void *cues = lx->cues;

	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		const char *w = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
		if (p == w)
			break;
		if (n == 16)
			return CORE_ECONFIG;
		size_t wl = (size_t)(p - w);
		prefix[n] = wl > 1 && w[wl - 1] == '*';
		words[n] = ana_arena_strndup(&lx->arena, w, wl - prefix[n]);
		if (!words[n])
			return CORE_ENOMEM;
		n++;
	}
	if (n == 0)
		return CORE_ECONFIG;
	if (ana_grow(&cues, &lx->cap, lx->n + 1, sizeof(*lx->cues)) != 0)
		return CORE_ENOMEM;
	lx->cues = cues;
	struct ana_cue *c = &lx->cues[lx->n];
	c->kind = (uint8_t)kind;
	c->agree = (uint8_t)agree;
	c->subject = (uint8_t)subject;
	c->n_words = (uint8_t)n;
	c->weight = weight;
	c->words = ana_arena_alloc(&lx->arena, n * sizeof(char *));
	c->prefix = ana_arena_alloc(&lx->arena, n);
	c->text = ana_arena_strndup(&lx->arena, phrase, plen);
	if (!c->words || !c->prefix || !c->text)
		return CORE_ENOMEM;
	memcpy(c->words, words, n * sizeof(char *));
	memcpy(c->prefix, prefix, n);
	uint32_t idx = (uint32_t)lx->n++;
	/* Chains by first word; a prefix pattern chains by its first WILD_KEY bytes, so
	 * a token meets only the patterns that can match it. Keep file order within a
	 * chain: append at the tail. */
	struct ana_intern *keys = prefix[0] ? &lx->wild_first : &lx->first;
	uint32_t **headp = prefix[0] ? &lx->wild_head : &lx->head;
	size_t *capp = prefix[0] ? &lx->wild_cap : &lx->head_cap;
	size_t klen = prefix[0] ? WILD_KEY : strlen(words[0]);
	if (prefix[0] && strlen(words[0]) < WILD_KEY)
		return CORE_ERUNTIME;
	uint32_t id = ana_intern_put(keys, words[0], klen, NULL);
	if (id == ANA_NOID)
		return CORE_ENOMEM;
	void *head = *headp;
	size_t old = *capp;
	if (ana_grow(&head, capp, (size_t)id + 1, sizeof(uint32_t)) != 0)
		return CORE_ENOMEM;
	*headp = head;
	for (size_t i = old; i < *capp; i++)
		(*headp)[i] = ANA_NOID;
	c->next = ANA_NOID;
	if ((*headp)[id] == ANA_NOID) {
		(*headp)[id] = idx;
	} else {
		uint32_t j = (*headp)[id];
		while (lx->cues[j].next != ANA_NOID)
			j = lx->cues[j].next;
		lx->cues[j].next = idx;
	}
	return 0;
}

int ana_lexicon_add(struct ana_lexicon *lx, const char *text, size_t len, const char *name,
		    struct core_err *err)
{
	const char *p = text, *end = text + len;
	int line = 0;

	if (lx->n == 0 && lx->cap == 0) {
		ana_intern_init(&lx->first);
		ana_intern_init(&lx->wild_first);
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *a = p, *b = e;
		line++;
		p = e + 1;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r'))
			b--;
		if (a == b || *a == '#')
			continue;
		const char *k = a;
		while (a < b && *a != ' ' && *a != '\t')
			a++;
		size_t kl = (size_t)(a - k);
		enum ana_cue_kind kind;
		float weight = 1.0f;
		int agree = 0, subject = 0;
		if (kl > 1 && (*k == 'a' || *k == 's') && (k[1] == '+' || k[1] == '-')) {
			/* "a+": agreement with the ambition itself; "s+": an evaluative word
			 * that also names a subject ("safety", "crime"), which therefore stays
			 * a theme feature (text.c leaves out the other one-word cues) */
			agree = *k == 'a';
			subject = *k == 's';
			k++;
			kl--;
		}
		if (kl == 3 && memcmp(k, "neg", 3) == 0) {
			kind = ANA_CUE_NEG;
		} else if (kl == 8 && memcmp(k, "contrast", 8) == 0) {
			kind = ANA_CUE_CONTRAST;
		} else if (kl == 4 && memcmp(k, "cond", 4) == 0) {
			kind = ANA_CUE_COND;
		} else if (*k == '+' || *k == '-') {
			char num[32];
			char *stop;
			kind = ANA_CUE_POLAR;
			if (kl > 1) {
				if (kl - 1 >= sizeof(num))
					return core_err_set(err, CORE_ECONFIG, "%s:%d: weight too long", name,
							    line);
				memcpy(num, k + 1, kl - 1);
				num[kl - 1] = '\0';
				weight = strtof(num, &stop);
				if (*stop || !(weight > 0.0f) || weight > 10.0f)
					return core_err_set(err, CORE_ECONFIG,
							    "%s:%d: bad weight '%s' (want 0 < w <= 10)",
							    name, line, num);
			}
			if (*k == '-')
				weight = -weight;
		} else {
			return core_err_set(err, CORE_ECONFIG,
					    "%s:%d: unknown cue kind '%.*s' (want +, -, a+, a-, neg, "
					    "contrast or cond)", name, line, (int)kl, k);
		}
		if (agree && kind != ANA_CUE_POLAR)
			return core_err_set(err, CORE_ECONFIG, "%s:%d: only + and - cues take 'a'",
					    name, line);
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		int rc = add_cue(lx, kind, weight, agree, subject, a, (size_t)(b - a));
		if (rc == CORE_ENOMEM)
			return core_err_set(err, rc, "%s:%d: out of memory", name, line);
		if (rc == CORE_ERUNTIME)
			return core_err_set(err, CORE_ECONFIG, "%s:%d: a prefix pattern needs at "
					    "least %d letters before '*'", name, line, WILD_KEY);
		if (rc)
			return core_err_set(err, rc, "%s:%d: a cue needs one to 16 words", name, line);
	}
	return 0;
}

void ana_lexicon_release(struct ana_lexicon *lx)
{
	free(lx->cues);
	free(lx->head);
	free(lx->wild_head);
	ana_intern_release(&lx->first);
	ana_intern_release(&lx->wild_first);
	ana_arena_release(&lx->arena);
	memset(lx, 0, sizeof(*lx));
}

int ana_lexicons_load(struct ana_lexicons *lxs, struct core_err *err)
{
	const char *nl = (const char *)ana_embed_stance_nl, *en = (const char *)ana_embed_stance_en;
	int rc;

	memset(lxs, 0, sizeof(*lxs));
	if ((rc = ana_lexicon_add(&lxs->nl, nl, ana_embed_stance_nl_len, "stance_nl.txt", err)) ||
	    (rc = ana_lexicon_add(&lxs->en, en, ana_embed_stance_en_len, "stance_en.txt", err)) ||
	    (rc = ana_lexicon_add(&lxs->all, nl, ana_embed_stance_nl_len, "stance_nl.txt", err)) ||
	    (rc = ana_lexicon_add(&lxs->all, en, ana_embed_stance_en_len, "stance_en.txt", err)))
		ana_lexicons_release(lxs);
	return rc;
}

void ana_lexicons_release(struct ana_lexicons *lxs)
{
	ana_lexicon_release(&lxs->nl);
	ana_lexicon_release(&lxs->en);
	ana_lexicon_release(&lxs->all);
}

const struct ana_lexicon *ana_lexicons_for(const struct ana_lexicons *lxs, const char *lang)
{
	if (lang && strncmp(lang, "nl", 2) == 0)
		return &lxs->nl;
	if (lang && strncmp(lang, "en", 2) == 0)
		return &lxs->en;
	return &lxs->all;
}

/* ---------------------------------------------------------------- evaluation */

static int word_match(const struct ana_cue *c, size_t w, const char *tok, size_t len)
{
	size_t wl = strlen(c->words[w]);
	if (c->prefix[w])
		return len >= wl && memcmp(tok, c->words[w], wl) == 0;
	return len == wl && memcmp(tok, c->words[w], wl) == 0;
}

/* Does cue c match the tokens starting at p, all within one sentence? */
static int cue_at(const struct ana_cue *c, const struct ana_tokens *t, size_t p)
{
	if (p + c->n_words > t->n)
		return 0;
	for (size_t w = 0; w < c->n_words; w++) {
		const struct ana_token *k = &t->v[p + w];
		if (k->sent != t->v[p].sent || !word_match(c, w, ana_tok_str(t, p + w), k->len))
			return 0;
	}
	return 1;
}

static const struct ana_cue *longest_at(const struct ana_lexicon *lx, const struct ana_tokens *t,
					size_t p)
{
	const struct ana_cue *best = NULL;
	const char *s = ana_tok_str(t, p);
	uint32_t id = ana_intern_get_h(&lx->first, s, t->v[p].len, t->v[p].hash);

	for (uint32_t i = id != ANA_NOID ? lx->head[id] : ANA_NOID; i != ANA_NOID; i = lx->cues[i].next)
		if ((!best || lx->cues[i].n_words > best->n_words) && cue_at(&lx->cues[i], t, p))
			best = &lx->cues[i];
	id = t->v[p].len >= WILD_KEY ? ana_intern_get(&lx->wild_first, s, WILD_KEY) : ANA_NOID;
	for (uint32_t i = id != ANA_NOID ? lx->wild_head[id] : ANA_NOID; i != ANA_NOID;
	     i = lx->cues[i].next)
		if ((!best || lx->cues[i].n_words > best->n_words) && cue_at(&lx->cues[i], t, p))
			best = &lx->cues[i];
	return best;
}

static int ends_nt(const struct ana_tokens *t, size_t i)
{
	const struct ana_token *k = &t->v[i];
	return k->len > 3 && memcmp(ana_tok_str(t, i) + k->len - 3, "n't", 3) == 0;
}

/* Polar matches of one evaluation; on the stack for typical texts. */
struct match {
	const struct ana_cue *cue;
	uint32_t p;
};

void ana_stance_eval(const struct ana_lexicon *lx, const struct ana_tokens *t,
		     const uint8_t *sent_mask, struct ana_stance_result *out)
{
	ana_stance_eval_pol(lx, t, sent_mask, 1, NULL, out);
}

uint32_t ana_stance_feat_hash(char tag, const char *s, size_t len)
{
	return ana_fnv1a(ana_fnv1a(ANA_FNV_SEED, &tag, 1), s, len);
}

static void feat_add(struct ana_stance_feats *f, uint32_t h)
{
	if (f && f->n < ANA_STANCE_MAX_FEATS)
		f->v[f->n++] = h;
}

void ana_stance_eval_pol(const struct ana_lexicon *lx, const struct ana_tokens *t,
			 const uint8_t *sent_mask, int polarity, struct ana_stance_feats *feats,
			 struct ana_stance_result *out)
{
	/* Markers per token: 1 negator, 2 contrast start. Bounded work: a text has at most
	 * ANA_MAX_TEXT bytes, so a few hundred thousand tokens. */
	uint8_t small[512];
	uint8_t *mark = t->n <= sizeof(small) ? small : calloc(t->n, 1);
	size_t p = 0;

	memset(out, 0, sizeof(*out));
	out->stance = CORE_STANCE_NEUTRAL;
	if (!mark) {
		out->confidence = 0.0;
		return; /* no memory: say nothing rather than guess */
	}
	memset(mark, 0, t->n <= sizeof(small) ? t->n : 0);

	/* Pass 1: find negators, contrasts and conditions so polar cues can look around. */
	while (p < t->n) {
		if (sent_mask && !sent_mask[t->v[p].sent]) {
			p++;
			continue;
		}
		const struct ana_cue *c = longest_at(lx, t, p);
		if (c && c->kind == ANA_CUE_NEG)
			mark[p] = 1;
		else if (!c && ends_nt(t, p))
			mark[p] = 1;
		else if (c && c->kind == ANA_CUE_CONTRAST)
			mark[p] = 2;
		else if (c && c->kind == ANA_CUE_COND)
			out->condition = 1;
		p += c ? c->n_words : 1;
	}

	for (size_t s = 0; s < t->n_sent; s++)
		if (t->question[s] && (!sent_mask || sent_mask[s]))
			out->question = 1;

	/* Pass 2: polar cues with negation, contrast and question weighting; and, when
	 * asked, the classifier's features: words (marked when a negator came earlier in
	 * their clause), adjacent word pairs, and the cues. */
	p = 0;
	uint32_t neg_clause = UINT32_MAX;
	size_t prev_word = SIZE_MAX;
	while (p < t->n) {
		const struct ana_token *k = &t->v[p];
		if (sent_mask && !sent_mask[k->sent]) {
			p++;
			continue;
		}
		if (mark[p] == 1)
			neg_clause = k->clause;
		if (feats && (k->kind == ANA_TOK_WORD || k->kind == ANA_TOK_HASHTAG)) {
			const char *w = ana_tok_str(t, p);
			feat_add(feats, ana_stance_feat_hash(k->clause == neg_clause ? 'W' : 'w', w, k->len));
			if (prev_word != SIZE_MAX && t->v[prev_word].clause == k->clause) {
				/* the pair as "first\0second": both strings are NUL-terminated */
				const char *f = ana_tok_str(t, prev_word);
				uint32_t h = ana_stance_feat_hash('b', f, t->v[prev_word].len + 1);
				feat_add(feats, ana_fnv1a(h, w, k->len));
			}
			prev_word = p;
		} else if (k->kind != ANA_TOK_WORD) {
			prev_word = SIZE_MAX;
		}
		const struct ana_cue *c = longest_at(lx, t, p);
		if (!c) {
			p++;
			continue;
		}
		if (c->kind != ANA_CUE_POLAR) {
			p += c->n_words;
			continue;
		}
		int negated = 0;
		float gain = 1.0f;
		/* Negator shortly before, same clause: "niet mee eens", "not agree". */
		for (size_t q = p; q-- > 0 && p - q <= NEG_WINDOW;) {
			if (t->v[q].sent != k->sent || t->v[q].clause != k->clause)
				break;
			if (mark[q] == 1)
				negated = 1;
		}
		/* Dutch puts negation late: "ik steun dit voorstel niet." counts when the
		 * negator closes the clause. */
		size_t after = p + c->n_words;
		for (size_t q = after; !negated && q < t->n && q < after + NEG_WINDOW; q++) {
			if (t->v[q].sent != k->sent || t->v[q].clause != k->clause)
				break;
			int last = q + 1 == t->n || t->v[q + 1].clause != t->v[q].clause;
			if (mark[q] == 1 && last)
				negated = 1;
		}
		for (size_t q = p; q-- > 0;) {
			if (t->v[q].sent != k->sent)
				break;
			if (mark[q] == 2) {
				gain *= CONTRAST_GAIN;
				break;
			}
		}
		if (t->question[k->sent])
			gain *= QUESTION_GAIN;
		float v = c->weight * gain * (negated ? -NEG_FLIP : 1.0f);
		if (c->agree) {
			if (v > 0)
				out->apos += v;
			else
				out->aneg -= v;
		} else {
			if (v > 0)
				out->spos += v;
			else
				out->sneg -= v;
			if (polarity < 0)
				v = -v; /* "harmful" supports an ambition to ban the thing */
		}
		if (v > 0)
			out->pos += v;
		else
			out->neg -= v;
		feat_add(feats, ana_stance_feat_hash(negated ? 'C' : 'c', c->text, strlen(c->text)));
		if (out->n_cues < ANA_STANCE_MAX_CUES) {
			out->cues[out->n_cues].cue = c;
			out->cues[out->n_cues].value = v;
			out->cues[out->n_cues].negated = (uint8_t)negated;
		}
		out->n_cues++;
		p += c->n_words;
	}
	if (mark != small)
		free(mark);

	double pos = out->pos, neg = out->neg, total = pos + neg, diff = pos - neg;
	double hi = pos > neg ? pos : neg, lo = pos > neg ? neg : pos;
	if (total <= 0.0) {
		out->stance = CORE_STANCE_NEUTRAL;
		out->confidence = out->condition ? 0.3 : 0.5;
		return;
	}
	if (lo >= 1.0 && lo >= MIXED_RATIO * hi) {
		out->stance = CORE_STANCE_MIXED;
		out->confidence = (lo / hi) * (1.0 - exp(-total / 2.0));
	} else if (diff > DECIDE_T) {
		out->stance = out->condition ? CORE_STANCE_MIXED : CORE_STANCE_SUPPORT;
		out->confidence = (fabs(diff) / total) * (1.0 - exp(-fabs(diff)));
		if (out->condition)
			out->confidence *= 0.7;
	} else if (diff < -DECIDE_T) {
		out->stance = CORE_STANCE_OBJECTION;
		out->confidence = (fabs(diff) / total) * (1.0 - exp(-fabs(diff)));
	} else {
		out->stance = lo > 0.0 ? CORE_STANCE_MIXED : CORE_STANCE_NEUTRAL;
		out->confidence = lo > 0.0 ? 0.3 : 0.4;
	}
}

int ana_stance_text(const struct ana_lexicons *lxs, const char *text, const char *lang,
		    struct ana_stance_result *out)
{
	struct ana_tokens t = {0};
	char *folded = core_utf8_fold(text);
	int rc = CORE_ENOMEM;

	if (!folded)
		goto out;
	rc = ana_tokenize(folded, strlen(folded), &t);
	if (rc == 0)
		ana_stance_eval(ana_lexicons_for(lxs, lang), &t, NULL, out);
out:
	free(folded);
	ana_tokens_release(&t);
	return rc;
}

int ana_stance_cues_json(const struct ana_stance_result *r, struct core_buf *b)
{
	size_t n = r->n_cues < ANA_STANCE_MAX_CUES ? r->n_cues : ANA_STANCE_MAX_CUES;
	int rc = core_buf_append(b, "[", 1);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *s = core_asprintf("%c%s%s", r->cues[i].value > 0 ? '+' : '-', r->cues[i].cue->text,
					r->cues[i].negated ? " (negated)" : "");
		if (!s)
			return CORE_ENOMEM;
		if (i)
			rc = core_buf_append(b, ",", 1);
		if (rc == 0)
			rc = ana_json_str(b, s);
		free(s);
	}
	return rc ? rc : core_buf_append(b, "]", 1);
}

int ana_ambition_polarity(const struct ana_lexicons *lxs, const char *title, const char *lang)
{
	/* The first evaluative cue or negator of the title decides: it is usually the
	 * policy verb acting on the ambition's subject ("ban boxing", "lift the blockade",
	 * "should not subsidize tobacco"), whose own words would mislead ("abolish ...
	 * rights"). An agreement cue first ("supports the one-child policy", "opposes
	 * ...") says the same of the subject. */
	struct ana_tokens t = {0};
	char *folded = title ? core_utf8_fold(title) : NULL;
	const struct ana_lexicon *lx = ana_lexicons_for(lxs, lang);
	int polarity = 1;

	if (!folded || ana_tokenize(folded, strlen(folded), &t) != 0)
		goto out;
	for (size_t p = 0; p < t.n;) {
		const struct ana_cue *c = longest_at(lx, &t, p);
		if ((c && c->kind == ANA_CUE_NEG) || (!c && ends_nt(&t, p))) {
			polarity = -1;
			break;
		}
		if (c && c->kind == ANA_CUE_POLAR) {
			polarity = c->weight < 0 ? -1 : 1;
			break;
		}
		p += c ? c->n_words : 1;
	}
out:
	free(folded);
	ana_tokens_release(&t);
	return polarity;
}
