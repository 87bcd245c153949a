/* text.h: the analyzer's text layer (private): tokens over case-folded text, stopwords,
 * Snowball stems with a per-language cache, the stem -> surface-form map used for
 * labels, and language identification. text.c is the only user of libstemmer and
 * libexttextcat; everything else sees stems as ids in one interner. */
#ifndef INSPRAAK_ANA_TEXT_H
#define INSPRAAK_ANA_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "util.h"

/* Analysis reads at most this much of one item's text (and logs when it cuts). */
#define ANA_MAX_TEXT (1u << 20)
/* A text with fewer letters than this keeps its declared language. */
#define ANA_LANG_MIN_LETTERS 25
#define ANA_MAX_LANGS 32

enum ana_tok_kind {
	ANA_TOK_WORD = 0,    /* letters (digits, inner hyphens and apostrophes allowed) */
	ANA_TOK_HASHTAG = 1, /* "#digitaal", stored without '#' */
	ANA_TOK_MENTION = 2, /* "@gemeente" or an e-mail address: never a feature */
	ANA_TOK_URL = 3,     /* never a feature */
	ANA_TOK_NUMBER = 4,  /* starts with a digit: "2020", "1,5", "2e"; never a feature */
};

struct ana_token {
	uint32_t off, len; /* into ana_tokens.buf; NUL-terminated there */
	uint32_t sent;     /* sentence index, from 0 */
	uint32_t clause;   /* clause index over the whole text (commas, ';', ':' split) */
	uint16_t kind;     /* enum ana_tok_kind */
	uint16_t nchars;   /* code points, saturating */
	uint32_t hash;     /* ana_intern_hash of the text: looked up in several interns */
};

/* Tokens of one text. Reused across items (ana_tokenize resets it) so the hot loop
 * does not allocate; release once with ana_tokens_release. */
struct ana_tokens {
	char *buf; /* token texts, each NUL-terminated, apostrophes and hyphens normalised */
	size_t buf_len, buf_cap;
	struct ana_token *v;
	size_t n, cap;
	uint8_t *question; /* per sentence: 1 when it ends with '?' */
	size_t n_sent, sent_cap;
};
static inline const char *ana_tok_str(const struct ana_tokens *t, size_t i)
{
	return t->buf + t->v[i].off;
}
/* Splits folded (NFC + case folded, valid UTF-8) text into tokens. 0 or CORE_ENOMEM. */
int ana_tokenize(const char *folded, size_t len, struct ana_tokens *out);
void ana_tokens_release(struct ana_tokens *t);

/* Per language: its stemmer and the cache from folded surface word to stem. */
struct ana_lang {
	char code[8];
	void *stemmer;        /* struct sb_stemmer *, NULL when Snowball has none */
	const struct ana_intern *own_stop; /* the language's own list beyond nl + en, or NULL */
	struct ana_intern surf;
	uint32_t *stem;       /* per surface id: stem id, ANA_NOID for a non-feature word */
	uint64_t *count;      /* per surface id: occurrences seen as a feature */
	uint8_t *feat;        /* per surface id: ana_text_is_feature of the word */
	size_t cap;
};

#define ANA_FW_MAX 4096 /* words in the four stopword lists together */
enum { ANA_FW_NL = 1, ANA_FW_EN = 2, ANA_FW_DE = 4, ANA_FW_FR = 8 };

struct ana_text {
	struct ana_intern stems;  /* every stem of every language; ids shared by all */
	struct ana_intern stop;   /* Dutch and English stopwords: reactions mix the two, so
				   * every item drops both, plus its own language's list */
	struct ana_intern stop_de, stop_fr; /* a German or French item's own list */
	/* Every list's words, and per id which lists have it (ANA_FW_*): language
	 * detection counts the function words only one language uses. */
	struct ana_intern fw;
	uint8_t fw_lang[ANA_FW_MAX];
	struct ana_intern nofeat; /* domain stopwords: kept for ambitions and stance, left
				   * out of themes */
	struct ana_intern agree;  /* one-word agreement cues ("bezwaar"): left out too */
	struct ana_intern agree_prefix; /* agreement cues "steun*": prefixes, likewise */
	struct ana_intern cues;   /* one-word evaluative cues: features, never theme labels */
	struct ana_intern cue_prefix; /* evaluative cues "waardeer*": prefixes, likewise */
	struct ana_lang langs[ANA_MAX_LANGS];
	size_t n_langs;
	void *textcat;            /* NULL when libexttextcat's data is absent */
	uint64_t *best;           /* per stem id after ana_text_surfaces: lang << 32 | surface id */
	size_t n_best;
	/* Significant bigrams are stems too ("wacht tijd"); per such stem its two parts. */
	uint32_t *pair_a, *pair_b; /* per stem id, ANA_NOID for a single word */
	size_t pair_cap;
	struct ana_intern pair_surf; /* "waiting time": surface of each bigram stem */
	uint32_t *pair_surf_of;      /* per stem id after ana_text_surfaces */
	int warned_long;
};

/* Loads the embedded stopword lists (nl, en, de, fr, domain), the one-word stance cues and opens the language identifier (restricted to
 * nl, en, de, fr). Missing libexttextcat data only disables detection (logged once).
 * Returns NULL with err set on no memory. Free with ana_text_free (NULL-safe). */
struct ana_text *ana_text_new(struct core_err *err);
void ana_text_free(struct ana_text *tx);

/* Language index for code ("nl", "nl-BE" -> "nl"), creating its entry and stemmer on
 * first use; -1 on no memory or too many languages. */
int ana_text_lang(struct ana_text *tx, const char *code);
/* 1 when word is a Dutch or English stopword, a domain stopword or a one-word stance
 * cue listed whole (label rule). */
int ana_text_is_stop(const struct ana_text *tx, const char *word, size_t len);
/* 0 when word (folded) may not be a theme feature: a domain stopword ("visie",
 * "gemeente") or a one-word agreement cue ("support", "bezwaar", "steunen" via
 * "steun*"). */
int ana_text_is_feature(const struct ana_text *tx, const char *word, size_t len);
/* 1 when word (folded) is a one-word stance cue of any kind ("steun", "helpful",
 * "onveilig"): no theme label or top term, though the evaluative ones are clustering
 * features (ana_text_is_feature). */
int ana_text_is_cue(const struct ana_text *tx, const char *word, size_t len);
/* A copy of text (valid UTF-8) in which each hashtag written in camel case is followed
 * by its words: "#DigitaalAlsStandaard" -> "#DigitaalAlsStandaard digitaal als
 * standaard" (case is folded later). Caller frees; NULL on no memory. */
char *ana_text_split_hashtags(const char *text, size_t len);

/* The feature stem of one word token of language li: *stem is its stem id, or ANA_NOID
 * for stopwords and words shorter than two characters. Counts the surface form for
 * ana_text_surfaces. *surf (may be NULL) receives the surface id. 0 or CORE_ENOMEM. */
int ana_text_term(struct ana_text *tx, int li, const char *word, size_t len, uint32_t *stem,
		  uint32_t *surf);
/* The Snowball stem of word in language code, through the cache; the pointer is valid
 * until the next call into tx. NULL on no memory. Words are not filtered. */
const char *ana_text_stem(struct ana_text *tx, const char *code, const char *word, size_t len);

/* Identifies the language of text into out[8]: the detector's answer among nl, en, de,
 * fr; for short texts or an unsure answer, declared (when set) else dflt. */
void ana_text_detect(struct ana_text *tx, const char *text, size_t len, const char *declared,
		     const char *dflt, char out[8]);

/* Like ana_text_detect, but first lets the text's function words vote between Dutch
 * and English (t: its tokens); only texts where that vote is unclear go to the slower
 * n-gram detector. */
void ana_text_detect_tokens(struct ana_text *tx, const struct ana_tokens *t, const char *text,
			    size_t len, const char *declared, const char *dflt, char out[8]);

/* The stem id of the bigram of stems a and b (interned as "a b"), remembering its parts.
 * ANA_NOID on no memory. */
uint32_t ana_text_pair(struct ana_text *tx, uint32_t a, uint32_t b);
/* 1 and the parts in *a, *b when stem is a bigram, else 0. */
int ana_text_pair_parts(const struct ana_text *tx, uint32_t stem, uint32_t *a, uint32_t *b);

/* Builds the stem -> most frequent surface form map (ties: the smaller string). Call
 * after all items went through ana_text_term; 0 or CORE_ENOMEM. */
int ana_text_surfaces(struct ana_text *tx);
/* The surface form of stem id (after ana_text_surfaces), or the stem itself. */
const char *ana_text_surface(const struct ana_text *tx, uint32_t stem);

/* ---- worker threads: the per-item pass runs in two threads that only read tx. Each
 * has its own language detector handle and stemmers (neither library is thread-safe
 * per handle); words new to the stem cache wait for the sequential merge. */
struct ana_text_worker {
	void *textcat;                  /* own handle, NULL when detection is off */
	void *stemmer[ANA_MAX_LANGS];   /* per language index of tx, made on first use */
};
/* 0 or CORE_ENOMEM (a missing detector is not an error: tx has none either). */
int ana_text_worker_init(struct ana_text_worker *w, const struct ana_text *tx);
void ana_text_worker_release(struct ana_text_worker *w);
/* ana_text_lang without creating: the index of code, or -1 when not set up yet. */
int ana_text_lang_find(const struct ana_text *tx, const char *code);
/* ana_text_detect_tokens with w's detector; tx is only read. */
void ana_text_detect_tokens_with(const struct ana_text *tx, struct ana_text_worker *w,
				 const struct ana_tokens *t, const char *text, size_t len,
				 const char *declared, const char *dflt, char out[8]);
/* ana_text_term for a worker: reads tx only and counts nothing. 1 when the word is in
 * the cache or filtered out (*stem, *surf as ana_text_term gives them, without the
 * count); 0 when the word is new: *surf is ANA_NOID and *stem the id of its stem when
 * that stem is known already (what ana_text_term will give), else ANA_NOID; the merge
 * then calls ana_text_term for it. -1 on no memory. */
int ana_text_term_peek(const struct ana_text *tx, struct ana_text_worker *w, int li,
		       const char *word, size_t len, uint32_t hash, uint32_t *stem,
		       uint32_t *surf); /* hash: the token's (ana_intern_hash of word) */
/* Whether the known surface id of language li may be a theme feature (cached
 * ana_text_is_feature). */
static inline int ana_text_surf_feature(const struct ana_text *tx, int li, uint32_t surf)
{
	return tx->langs[li].feat[surf];
}

/* Embedded lists (generated from config/ by embed.cmake). */
extern const unsigned char ana_embed_stop_nl[], ana_embed_stop_en[];
extern const unsigned char ana_embed_stop_de[], ana_embed_stop_fr[], ana_embed_stop_domain[];
extern const size_t ana_embed_stop_de_len, ana_embed_stop_fr_len, ana_embed_stop_domain_len;
extern const unsigned char ana_embed_stance_nl[], ana_embed_stance_en[];
extern const size_t ana_embed_stop_nl_len, ana_embed_stop_en_len;
extern const size_t ana_embed_stance_nl_len, ana_embed_stance_en_len;

#endif
