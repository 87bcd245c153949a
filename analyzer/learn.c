/* learn.c: stance learning within one run (learn.h). The reading pass hands over the
 * labelled items; after it, one model per language is cross-validated and trained,
 * and a second walk over the store re-decides the analysed stances of the items in the
 * languages that have a model. A run without labelled items costs nothing here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn.h"

void ana_learn_init(struct ana_learn *L, const struct ana_lexicons *lex, struct ana_text *tx,
		    struct ana_arena *arena)
{
	memset(L, 0, sizeof(*L));
	L->lex = lex;
	L->tx = tx;
	L->arena = arena;
	core_buf_init(&L->ev, 1 << 20);
}

void ana_learn_release(struct ana_learn *L)
{
	for (size_t i = 0; i < ANA_LEARN_LANGS; i++)
		ana_cls_release(&L->models[i]);
	free(L->ex);
	free(L->ex_lang);
	free(L->feat);
	ana_tokens_release(&L->toks);
	core_buf_release(&L->ev);
	memset(L, 0, sizeof(*L));
}

/* The slot of a language ("nl", "en", ...; anything past the slots shares the last). */
static int lang_slot(struct ana_learn *L, const char *lang, int add)
{
	for (size_t i = 0; i < L->n_langs; i++)
		if (strcmp(L->langs[i], lang) == 0)
			return (int)i;
	if (!add)
		return -1;
	if (L->n_langs == ANA_LEARN_LANGS)
		return ANA_LEARN_LANGS - 1;
	snprintf(L->langs[L->n_langs], sizeof(L->langs[0]), "%s", lang);
	return (int)L->n_langs++;
}

/* Adds the Snowball stems of the words as features, so "benefit", "benefits" and
 * "beneficial" teach each other (the stance features are surface words). */
static void add_stems(struct ana_learn *L, const char *lang, const struct ana_tokens *t)
{
	if (!L->tx)
		return;
	for (size_t i = 0; i < t->n && L->sf.n < ANA_STANCE_MAX_FEATS; i++) {
		if (t->v[i].kind != ANA_TOK_WORD)
			continue;
		const char *stem = ana_text_stem(L->tx, lang, ana_tok_str(t, i), t->v[i].len);
		if (!stem)
			continue;
		L->sf.v[L->sf.n++] = ana_stance_feat_hash('S', stem, strlen(stem));
	}
}

int ana_learn_neutral(struct ana_learn *L, const char *lang)
{
	L->neutral[lang_slot(L, lang, 1)]++;
	return 0;
}

int ana_learn_example(struct ana_learn *L, const char *lang, const struct ana_tokens *t,
		      int polarity, int label, double rule, enum core_stance rule_stance,
		      int rule_cues, const char *key)
{
	struct ana_stance_result r;
	void *v;

	L->sf.n = 0;
	ana_stance_eval_pol(ana_lexicons_for(L->lex, lang), t, NULL, polarity, &L->sf, &r);
	add_stems(L, lang, t);
	v = L->feat;
	if (ana_grow(&v, &L->feat_cap, L->n_feat + L->sf.n + 1, sizeof(uint32_t)) != 0)
		return CORE_ENOMEM;
	L->feat = v;
	v = L->ex;
	if (ana_grow(&v, &L->ex_cap, L->n_ex + 1, sizeof(*L->ex)) != 0)
		return CORE_ENOMEM;
	L->ex = v;
	v = L->ex_lang;
	if (ana_grow(&v, &L->ex_lang_cap, L->n_ex + 1, 1) != 0)
		return CORE_ENOMEM;
	L->ex_lang = v;
	struct ana_cls_example *e = &L->ex[L->n_ex];
	memset(e, 0, sizeof(*e));
	e->feat = (const uint32_t *)(uintptr_t)L->n_feat; /* an offset until training */
	e->n_feat = (uint32_t)L->sf.n;
	e->label = (int8_t)(label > 0 ? 1 : -1);
	e->polarity = (int8_t)(polarity < 0 ? -1 : 1);
	e->fold = ana_cls_fold(key);
	e->key_hash = ana_cls_key_hash(key);
	e->rule = (float)rule;
	e->rule_stance = rule_stance;
	e->rule_cues = (uint8_t)(rule_cues != 0);
	memcpy(L->feat + L->n_feat, L->sf.v, L->sf.n * sizeof(uint32_t));
	L->n_feat += L->sf.n;
	L->ex_lang[L->n_ex++] = (uint8_t)lang_slot(L, lang, 1);
	return 0;
}

/* Appends ,"classifier":P,"rules":"STANCE" to the row's evidence object. */
static int note_evidence(struct ana_learn *L, struct core_item_stance *row, double p,
			 enum core_stance rules)
{
	const char *e = row->evidence ? row->evidence : "{}";
	size_t n = strlen(e);
	int rc;

	while (n > 0 && e[n - 1] != '}')
		n--;
	if (n == 0)
		return 0;
	L->ev.len = 0;
	rc = core_buf_append(&L->ev, e, n - 1);
	if (rc == 0)
		rc = core_buf_printf(&L->ev, "%s\"classifier\":%.3f,\"rules\":\"%s\"}",
				     n > 2 ? "," : "", p, core_stance_name(rules));
	if (rc)
		return rc;
	row->evidence = ana_arena_strndup(L->arena, L->ev.data, L->ev.len);
	return row->evidence ? 0 : CORE_ENOMEM;
}

static int revisit(const struct core_item_view *v, void *ctx)
{
	struct ana_learn *L = ctx;
	const struct core_item *it = &v->item;
	struct ana_learn_rows r = L->rows_of(L->rows_ctx, it->id);
	char *clean = NULL, *split = NULL, *folded = NULL;
	int rc = 0;

	if (!r.rows || r.n == 0)
		return 0;
	int li = lang_slot(L, r.lang, 0);
	if (li < 0 || !L->models[li].ready)
		return 0;
	int any = 0;
	for (uint32_t i = 0; i < r.n; i++)
		any |= r.rows[i].origin == CORE_ORIGIN_ANALYSIS;
	if (!any)
		return 0;
	/* The same text preparation as the reading pass. */
	const char *text = it->text && *it->text ? it->text : it->title ? it->title : "";
	size_t len = strlen(text);
	if (len > ANA_MAX_TEXT) {
		len = ANA_MAX_TEXT;
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
	}
	rc = CORE_ENOMEM;
	if (!(clean = core_utf8_sanitize(text, len)) ||
	    !(split = ana_text_split_hashtags(clean, strlen(clean))) ||
	    !(folded = core_utf8_fold(split)))
		goto out;
	if ((rc = ana_tokenize(folded, strlen(folded), &L->toks)) != 0)
		goto out;
	struct ana_stance_result sr;
	L->sf.n = 0;
	ana_stance_eval_pol(ana_lexicons_for(L->lex, r.lang), &L->toks, NULL, 1, &L->sf, &sr);
	add_stems(L, r.lang, &L->toks);
	for (uint32_t i = 0; i < r.n; i++) {
		struct core_item_stance *row = &r.rows[i];
		if (row->origin != CORE_ORIGIN_ANALYSIS)
			continue;
		struct ana_row_note *note = &r.notes[i];
		double p = ana_cls_prob(&L->models[li], L->sf.v, L->sf.n, note->polarity, note->rule);
		enum core_stance rules = row->stance;
		enum core_stance now = ana_cls_decide(p, L->models[li].margin, rules, note->cues);
		note->classified = 1;
		if (now != rules)
			L->changed++;
		row->stance = now;
		row->score = p >= 0.5 ? 2 * p - 1 : 1 - 2 * p;
		if ((rc = note_evidence(L, row, p, rules)) != 0)
			goto out;
	}
	rc = 0;
out:
	free(clean);
	free(split);
	free(folded);
	if (rc)
		core_err_set(L->err, rc, "stance of item %lld: out of memory", (long long)it->id);
	return rc;
}

int ana_learn_finish(struct ana_learn *L, struct core_db *db, struct ana_report *rep,
		     struct core_err *err)
{
	struct ana_cls_example *sub = NULL;
	int any = 0, rc = 0;

	L->err = err;
	for (size_t i = 0; i < L->n_ex; i++)
		L->ex[i].feat = L->feat + (uintptr_t)L->ex[i].feat;
	if (L->n_ex && !(sub = malloc(L->n_ex * sizeof(*sub))))
		return core_err_set(err, CORE_ENOMEM, "stance classifier: out of memory");
	for (size_t li = 0; li < L->n_langs; li++) {
		size_t n = 0;
		for (size_t i = 0; i < L->n_ex; i++)
			if (L->ex_lang[i] == li)
				sub[n++] = L->ex[i];
		struct ana_cls_model *m = &L->models[li];
		if ((rc = ana_cls_train(m, sub, n, L->neutral[li])) != 0) {
			rc = core_err_set(err, rc, "stance classifier: out of memory");
			goto out;
		}
		struct ana_stance_eval *e = &rep->stance_eval[rep->n_stance_eval++];
		snprintf(e->lang, sizeof(e->lang), "%s", L->langs[li]);
		e->labelled = n;
		e->support = m->n_pos;
		e->objection = m->n_neg;
		e->used = m->ready;
		e->folds = m->ready ? ANA_CLS_FOLDS : 0;
		e->rules_accuracy = m->rules.accuracy;
		e->rules_f1 = m->rules.macro_f1;
		e->cv_accuracy = m->cv.accuracy;
		e->cv_f1 = m->cv.macro_f1;
		any |= m->ready;
	}
	if (any) {
		struct core_item_filter f = {.no_stances = 1, .lean = 1};
		if ((rc = core_db_items_each(db, &f, revisit, L, err)) != 0)
			goto out;
	}
	rep->stance_changed = L->changed;
out:
	free(sub);
	return rc;
}
