/* ambitions.c: which ambitions an item speaks to (model.h). Each ambition becomes a set
 * of stemmed terms (keywords in both languages, title and description words, hashtags)
 * and an item scores by the weighted terms it contains, with diminishing returns for
 * repeats, so one long text cannot pile up evidence from a single word. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static int push_term(struct ana_ambitions *am, const struct ana_amb_term *t)
{
	void *v = am->terms;

	if (ana_grow(&v, &am->cap, am->n_terms + 1, sizeof(*am->terms)) != 0)
		return CORE_ENOMEM;
	am->terms = v;
	am->terms[am->n_terms++] = *t;
	return 0;
}

/* Adds the content words of text (language lang) to ambition a: as one phrase when
 * phrase is set (a keyword such as "één loket"), else word by word. */
static int add_text(struct ana_ambitions *am, struct ana_text *tx, int a, const char *text,
		    const char *lang, float weight, int phrase)
{
	struct ana_tokens t = {0};
	struct ana_amb_term term = {.amb = (uint16_t)a, .weight = weight};
	char *folded = core_utf8_fold(text);
	int rc = CORE_ENOMEM;

	if (!folded)
		goto out;
	if ((rc = ana_tokenize(folded, strlen(folded), &t)) != 0)
		goto out;
	for (size_t i = 0; i < t.n; i++) {
		const char *w = ana_tok_str(&t, i);
		if (t.v[i].kind != ANA_TOK_WORD && t.v[i].kind != ANA_TOK_HASHTAG)
			continue;
		if (t.v[i].nchars < 2 || ana_text_is_stop(tx, w, t.v[i].len))
			continue;
		const char *s = ana_text_stem(tx, lang, w, t.v[i].len);
		if (!s) {
			rc = CORE_ENOMEM;
			goto out;
		}
		uint32_t id = ana_intern_get(&tx->stems, s, strlen(s));
		if (phrase) {
			if (term.n < ANA_AMB_MAX_WORDS)
				term.stems[term.n++] = id;
			continue;
		}
		term.stems[0] = id;
		term.n = 1;
		/* One entry per stem and ambition: the strongest source wins. */
		int dup = 0;
		for (size_t j = 0; j < am->n_terms; j++) {
			struct ana_amb_term *o = &am->terms[j];
			if (o->amb == a && !o->hashtag && o->n == 1 && o->stems[0] == id) {
				if (o->weight < weight)
					o->weight = weight;
				dup = 1;
			}
		}
		if (!dup && (rc = push_term(am, &term)) != 0)
			goto out;
	}
	rc = 0;
	if (phrase && term.n > 0) {
		int dup = 0;
		for (size_t j = 0; j < am->n_terms; j++) {
			struct ana_amb_term *o = &am->terms[j];
			if (o->amb == a && !o->hashtag && o->n == term.n &&
			    memcmp(o->stems, term.stems, term.n * sizeof(uint32_t)) == 0) {
				if (o->weight < weight)
					o->weight = weight;
				dup = 1;
			}
		}
		if (!dup)
			rc = push_term(am, &term);
	}
out:
	free(folded);
	ana_tokens_release(&t);
	return rc;
}

static int add_list(struct ana_ambitions *am, struct ana_text *tx, int a,
		    const struct core_strlist *l, const char *lang)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < l->n; i++)
		rc = add_text(am, tx, a, l->v[i], lang, (float)ANA_W_KEYWORD, 1);
	return rc;
}

int ana_ambitions_build(struct ana_ambitions *am, struct ana_text *tx,
			const struct core_config *cfg, struct core_err *err)
{
	int rc = 0;

	memset(am, 0, sizeof(*am));
	ana_intern_init(&am->tags);
	am->n_amb = cfg->n_ambitions;
	for (size_t a = 0; rc == 0 && a < cfg->n_ambitions; a++) {
		const struct core_ambition *amb = &cfg->ambitions[a];
		int ai = (int)a;
		if (amb->title)
			rc = add_text(am, tx, ai, amb->title, "nl", (float)ANA_W_TITLE, 0);
		if (rc == 0 && amb->title_en)
			rc = add_text(am, tx, ai, amb->title_en, "en", (float)ANA_W_TITLE, 0);
		if (rc == 0 && amb->description)
			rc = add_text(am, tx, ai, amb->description, "nl", (float)ANA_W_DESC, 0);
		if (rc == 0 && amb->description_en)
			rc = add_text(am, tx, ai, amb->description_en, "en", (float)ANA_W_DESC, 0);
		if (rc == 0)
			rc = add_list(am, tx, ai, &amb->keywords_nl, "nl");
		if (rc == 0)
			rc = add_list(am, tx, ai, &amb->keywords_en, "en");
		for (size_t h = 0; rc == 0 && h < amb->hashtags.n; h++) {
			const char *tag = amb->hashtags.v[h];
			char *folded = core_utf8_fold(tag[0] == '#' ? tag + 1 : tag);
			struct ana_amb_term term = {.amb = (uint16_t)a, .hashtag = 1,
						    .weight = (float)ANA_W_HASHTAG};
			if (!folded) {
				rc = CORE_ENOMEM;
				break;
			}
			term.stems[0] = ana_intern_put(&am->tags, folded, strlen(folded), NULL);
			free(folded);
			if (term.stems[0] == ANA_NOID)
				rc = CORE_ENOMEM;
			else
				rc = push_term(am, &term);
		}
	}
	if (rc)
		goto out;

	/* Divide title and description words among the ambitions that share them:
	 * "dienstverlening" in every description says nothing about any one of them. */
	for (size_t i = 0; i < am->n_terms; i++) {
		struct ana_amb_term *t = &am->terms[i];
		if (t->hashtag || t->n != 1 || t->weight >= (float)ANA_W_KEYWORD)
			continue;
		int shared = 0;
		for (size_t j = 0; j < am->n_terms; j++) {
			const struct ana_amb_term *o = &am->terms[j];
			if (!o->hashtag && o->n == 1 && o->stems[0] == t->stems[0])
				shared++;
		}
		if (shared > 1)
			t->weight /= (float)shared;
	}

	/* Chains by first stem (or hashtag) for the per-token lookup. */
	am->n_head = tx->stems.n;
	am->head = malloc((am->n_head ? am->n_head : 1) * sizeof(uint32_t));
	am->tag_head = malloc((am->tags.n ? am->tags.n : 1) * sizeof(uint32_t));
	am->hits = calloc(am->n_terms ? am->n_terms : 1, sizeof(uint32_t));
	am->touched = malloc((am->n_terms ? am->n_terms : 1) * sizeof(uint32_t));
	if (!am->head || !am->tag_head || !am->hits || !am->touched) {
		rc = CORE_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < am->n_head; i++)
		am->head[i] = ANA_NOID;
	for (size_t i = 0; i < am->tags.n; i++)
		am->tag_head[i] = ANA_NOID;
	for (size_t i = am->n_terms; i-- > 0;) {
		struct ana_amb_term *t = &am->terms[i];
		uint32_t *head = t->hashtag ? am->tag_head : am->head;
		if (!t->hashtag && t->stems[0] >= am->n_head) {
			t->next = ANA_NOID;
			continue;
		}
		t->next = head[t->stems[0]];
		head[t->stems[0]] = (uint32_t)i;
	}
out:
	if (rc) {
		ana_ambitions_release(am);
		core_err_set(err, rc, "cannot prepare ambition matching: out of memory");
	}
	return rc;
}

int ana_ambitions_fork(const struct ana_ambitions *am, struct ana_ambitions *out)
{
	*out = *am;
	out->hits = calloc(am->n_terms ? am->n_terms : 1, sizeof(uint32_t));
	out->touched = malloc((am->n_terms ? am->n_terms : 1) * sizeof(uint32_t));
	out->n_touched = 0;
	if (!out->hits || !out->touched) {
		ana_ambitions_fork_release(out);
		return CORE_ENOMEM;
	}
	return 0;
}

void ana_ambitions_fork_release(struct ana_ambitions *f)
{
	free(f->hits);
	free(f->touched);
	memset(f, 0, sizeof(*f));
}

void ana_ambitions_release(struct ana_ambitions *am)
{
	free(am->terms);
	free(am->head);
	free(am->tag_head);
	free(am->hits);
	free(am->touched);
	ana_intern_release(&am->tags);
	memset(am, 0, sizeof(*am));
}

static void hit(struct ana_ambitions *am, uint32_t term, struct ana_amb_score *out,
		uint8_t *sent_mask, size_t n_sent, const struct ana_token *tok, uint32_t tok_idx)
{
	const struct ana_amb_term *t = &am->terms[term];
	struct ana_amb_score *s = &out[t->amb];

	if (am->hits[term]++ == 0)
		am->touched[am->n_touched++] = term;
	if (sent_mask)
		sent_mask[(size_t)t->amb * n_sent + tok->sent] = 1;
	if (s->n_evidence < ANA_AMB_MAX_EVIDENCE)
		s->evidence[s->n_evidence++] = tok_idx;
}

void ana_ambitions_score(struct ana_ambitions *am, const struct ana_tokens *t,
			 const uint32_t *tok_stem, struct ana_amb_score *out, uint8_t *sent_mask)
{
	memset(out, 0, am->n_amb * sizeof(*out));
	if (sent_mask)
		memset(sent_mask, 0, am->n_amb * t->n_sent);
	am->n_touched = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct ana_token *k = &t->v[i];
		if (k->kind == ANA_TOK_HASHTAG && am->tags.n) {
			uint32_t id = ana_intern_get(&am->tags, ana_tok_str(t, i), k->len);
			for (uint32_t j = id != ANA_NOID ? am->tag_head[id] : ANA_NOID; j != ANA_NOID;
			     j = am->terms[j].next)
				hit(am, j, out, sent_mask, t->n_sent, k, (uint32_t)i);
		}
		uint32_t s = tok_stem[i];
		if (s == ANA_NOID || s >= am->n_head)
			continue;
		for (uint32_t j = am->head[s]; j != ANA_NOID; j = am->terms[j].next) {
			const struct ana_amb_term *term = &am->terms[j];
			/* Phrases continue over the following content tokens. */
			size_t w = 1, q = i + 1;
			while (w < term->n && q < t->n) {
				if (tok_stem[q] == ANA_NOID) {
					q++;
					continue;
				}
				if (tok_stem[q] != term->stems[w])
					break;
				w++;
				q++;
			}
			if (w == term->n)
				hit(am, j, out, sent_mask, t->n_sent, k, (uint32_t)i);
		}
	}
	for (size_t i = 0; i < am->n_touched; i++) {
		uint32_t j = am->touched[i];
		const struct ana_amb_term *term = &am->terms[j];
		out[term->amb].x += term->weight * (1.0 + 0.5 * log((double)am->hits[j]));
		am->hits[j] = 0;
	}
	for (size_t a = 0; a < am->n_amb; a++)
		out[a].score = 1.0 - exp(-out[a].x);
}
