/* explain.c: ana_explain_stance, the stance rules applied to one text on request, with
 * every cue that counted: what `inspraak stance` prints, so a reviewer or a lexicon
 * author can see why a reaction reads as support or objection. */
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "stance.h"
#include "text.h"
#include "util.h"

struct ana_explainer {
	struct ana_text *tx;
	struct ana_lexicons lex;
	struct ana_tokens toks;
};

struct ana_explainer *ana_explainer_new(struct core_err *err)
{
	struct ana_explainer *x = calloc(1, sizeof(*x));

	if (!x) {
		core_err_set(err, CORE_ENOMEM, "stance: out of memory");
		return NULL;
	}
	if (!(x->tx = ana_text_new(err)) || ana_lexicons_load(&x->lex, err) != 0) {
		ana_text_free(x->tx);
		free(x);
		return NULL;
	}
	return x;
}

void ana_explainer_free(struct ana_explainer *x)
{
	if (!x)
		return;
	ana_text_free(x->tx);
	ana_lexicons_release(&x->lex);
	ana_tokens_release(&x->toks);
	free(x);
}

int ana_explain_stance(struct ana_explainer *x, const char *text, const char *lang,
		       const char *ambition, struct core_buf *b, struct core_err *err)
{
	struct ana_stance_result r;
	char detected[8];
	char *folded = NULL;
	int rc = CORE_ENOMEM;
	size_t len = strlen(text);

	if (!(folded = core_utf8_fold(text)))
		goto out;
	if ((rc = ana_tokenize(folded, strlen(folded), &x->toks)) != 0)
		goto out;
	/* The language as the analysis finds it: function words first, then n-grams. */
	if (!lang || !*lang) {
		ana_text_detect_tokens(x->tx, &x->toks, text, len, NULL, "nl", detected);
		lang = detected;
	}
	int polarity = ambition ? ana_ambition_polarity(&x->lex, ambition, lang) : 1;
	ana_stance_eval_pol(ana_lexicons_for(&x->lex, lang), &x->toks, NULL, polarity, NULL, &r);
	rc = core_buf_puts(b, "{\"text\":");
	if (rc == 0)
		rc = ana_json_str(b, text);
	if (rc == 0)
		rc = core_buf_printf(b, ",\"lang\":\"%s\",\"polarity\":%d,\"stance\":\"%s\","
					"\"confidence\":%.3f,\"support\":%.3f,\"objection\":%.3f,"
					"\"condition\":%s,\"question\":%s,\"cues\":",
				     lang, polarity, core_stance_name(r.stance), r.confidence, r.pos,
				     r.neg, r.condition ? "true" : "false",
				     r.question ? "true" : "false");
	if (rc == 0)
		rc = ana_stance_cues_json(&r, b);
	if (rc == 0)
		rc = core_buf_puts(b, "}");
out:
	free(folded);
	if (rc)
		core_err_set(err, rc, "stance: %s", rc == CORE_ENOMEM ? "out of memory"
								   : "explanation too long");
	return rc;
}
