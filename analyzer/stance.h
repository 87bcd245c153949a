/* stance.h: rule-based stance (private): cue lexicons (config/lexicons, embedded at
 * build time) matched on folded tokens, with negation scope, contrast, conditions and
 * questions. Pure functions over tokens; no store, no globals. */
#ifndef INSPRAAK_ANA_STANCE_H
#define INSPRAAK_ANA_STANCE_H

#include "core.h"
#include "text.h"
#include "util.h"

enum ana_cue_kind { ANA_CUE_POLAR = 0, ANA_CUE_NEG = 1, ANA_CUE_CONTRAST = 2, ANA_CUE_COND = 3 };

struct ana_cue {
	uint8_t kind;     /* enum ana_cue_kind */
	uint8_t n_words;
	uint8_t agree;    /* POLAR: agreement with the ambition ("mee eens", "oppose"), which
			   * an ambition's own polarity does not turn around */
	uint8_t subject;  /* POLAR: an evaluative word that also names a subject ("s-
			   * crime"), which stays a theme feature */
	uint8_t *prefix;  /* per word: 1 when it ended in '*' */
	char **words;
	float weight;     /* signed for POLAR */
	const char *text; /* the phrase as written, for evidence */
	uint32_t next;    /* next cue with the same first word, ANA_NOID ends */
};

struct ana_lexicon {
	struct ana_cue *cues;
	size_t n, cap;
	struct ana_intern first; /* exact first words */
	uint32_t *head;          /* per first-word id: first cue */
	size_t head_cap;
	struct ana_intern wild_first; /* first bytes of prefix patterns */
	uint32_t *wild_head;     /* per wild_first id: first cue */
	size_t wild_cap;
	struct ana_arena arena;
};

/* Parses a lexicon in the format of config/lexicons/stance_nl.txt and adds its cues
 * to lx (several files may go into one lexicon). name is used in messages. 0, or
 * CORE_ECONFIG with "name:LINE: why", or CORE_ENOMEM. */
int ana_lexicon_add(struct ana_lexicon *lx, const char *text, size_t len, const char *name,
		    struct core_err *err);
void ana_lexicon_release(struct ana_lexicon *lx);

/* The three lexicons a run needs: Dutch, English and both (other languages). */
struct ana_lexicons {
	struct ana_lexicon nl, en, all;
};
int ana_lexicons_load(struct ana_lexicons *lxs, struct core_err *err);
void ana_lexicons_release(struct ana_lexicons *lxs);
const struct ana_lexicon *ana_lexicons_for(const struct ana_lexicons *lxs, const char *lang);

#define ANA_STANCE_MAX_CUES 8
struct ana_stance_result {
	enum core_stance stance;
	double confidence;  /* [0, 1] */
	double pos, neg;    /* weighted support and objection evidence, the ambition's
			     * polarity applied */
	double apos, aneg;  /* of which agreement cues ("mee eens", "oppose") */
	double spos, sneg;  /* evaluative cues as written ("goed", "harmful"), before the
			     * ambition's polarity */
	int condition;      /* a condition cue was seen */
	int question;       /* some considered sentence is a question */
	size_t n_cues;      /* all polar cues that counted (evidence holds the first few) */
	struct {
		const struct ana_cue *cue;
		float value;    /* signed contribution after negation and weighting */
		uint8_t negated;
	} cues[ANA_STANCE_MAX_CUES];
};

/* Stance of the tokens of the sentences with sent_mask[s] != 0 (all when sent_mask is
 * NULL). Never fails. */
void ana_stance_eval(const struct ana_lexicon *lx, const struct ana_tokens *t,
		     const uint8_t *sent_mask, struct ana_stance_result *out);

/* Hashed classifier features of the considered sentences (classify.c): words, marked
 * within a negator's clause, adjacent word pairs and the matched cues. A long text
 * contributes its first ANA_STANCE_MAX_FEATS features: enough to decide on. */
#define ANA_STANCE_MAX_FEATS 256
/* One feature: FNV-1a over a tag byte ('w' word, 'W' negated word, 'b' pair, 'c'/'C'
 * cue, 'S' stem) and the bytes of s. */
uint32_t ana_stance_feat_hash(char tag, const char *s, size_t len);
struct ana_stance_feats {
	uint32_t v[ANA_STANCE_MAX_FEATS];
	size_t n;
};

/* ana_stance_eval for an ambition of the given polarity: +1 for an ambition that wants
 * something, -1 for one that wants it gone ("ban X": objections to X support it).
 * Agreement cues keep their sign, evaluative cues take the polarity. feats may be NULL. */
void ana_stance_eval_pol(const struct ana_lexicon *lx, const struct ana_tokens *t,
			 const uint8_t *sent_mask, int polarity, struct ana_stance_feats *feats,
			 struct ana_stance_result *out);

/* The polarity of an ambition from its title (the lexicon of lang): -1 when its
 * evaluative cues lean negative ("ban", "afschaffen", "should not"), else +1. */
int ana_ambition_polarity(const struct ana_lexicons *lxs, const char *title, const char *lang);

/* Convenience for tests and tools: folds and tokenizes text, picks the lexicon of lang,
 * evaluates the whole text. 0 or CORE_ENOMEM. */
int ana_stance_text(const struct ana_lexicons *lxs, const char *text, const char *lang,
		    struct ana_stance_result *out);

/* Appends the cues of r as a JSON array of strings ("+goed idee", "-goed idee (negated)"). */
int ana_stance_cues_json(const struct ana_stance_result *r, struct core_buf *b);

#endif
