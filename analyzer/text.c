/* text.c: tokens, stopwords, Snowball stems and language identification (text.h).
 * The only user of libstemmer and libexttextcat. Stemming is the hot path, so every
 * language keeps a cache from surface word to stem id: each distinct word is stemmed
 * once per run, however often it occurs. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libexttextcat/textcat.h>
#include <libstemmer.h>
#include <utf8proc.h>

#include "stance.h"
#include "text.h"

#define TEXTCAT_DIR "/usr/share/libexttextcat/"

/* ---------------------------------------------------------------- tokens */

enum cls { C_OTHER, C_LETTER, C_DIGIT, C_SPACE, C_NEWLINE, C_APOS, C_HYPHEN, C_SENTEND,
	   C_QUESTION, C_CLAUSE, C_HASH, C_AT, C_DOT, C_COMMA, C_UNDERSCORE };

/* ASCII by table (the tokenizer asks for every character): letters, digits; space,
 * tab, CR, FF, VT are C_SPACE; ' and ` C_APOS; ; : ( ) [ ] " / C_CLAUSE; and one class
 * each for newline, - . , ! ? # @ _. */
static const uint8_t ascii_cls[128] = {
	C_OTHER, C_OTHER, C_OTHER, C_OTHER, C_OTHER, C_OTHER, C_OTHER, C_OTHER,
	C_OTHER, C_SPACE, C_NEWLINE, C_SPACE, C_SPACE, C_SPACE, C_OTHER, C_OTHER,
	C_OTHER, C_OTHER, C_OTHER, C_OTHER, C_OTHER, C_OTHER, C_OTHER, C_OTHER,
	C_OTHER, C_OTHER, C_OTHER, C_OTHER, C_OTHER, C_OTHER, C_OTHER, C_OTHER,
	C_SPACE, C_SENTEND, C_CLAUSE, C_HASH, C_OTHER, C_OTHER, C_OTHER, C_APOS,
	C_CLAUSE, C_CLAUSE, C_OTHER, C_OTHER, C_COMMA, C_HYPHEN, C_DOT, C_CLAUSE,
	C_DIGIT, C_DIGIT, C_DIGIT, C_DIGIT, C_DIGIT, C_DIGIT, C_DIGIT, C_DIGIT,
	C_DIGIT, C_DIGIT, C_CLAUSE, C_CLAUSE, C_OTHER, C_OTHER, C_OTHER, C_QUESTION,
	C_AT, C_LETTER, C_LETTER, C_LETTER, C_LETTER, C_LETTER, C_LETTER, C_LETTER,
	C_LETTER, C_LETTER, C_LETTER, C_LETTER, C_LETTER, C_LETTER, C_LETTER, C_LETTER,
	C_LETTER, C_LETTER, C_LETTER, C_LETTER, C_LETTER, C_LETTER, C_LETTER, C_LETTER,
	C_LETTER, C_LETTER, C_LETTER, C_CLAUSE, C_OTHER, C_CLAUSE, C_OTHER, C_UNDERSCORE,
	C_APOS, C_LETTER, C_LETTER, C_LETTER, C_LETTER, C_LETTER, C_LETTER, C_LETTER,
	C_LETTER, C_LETTER, C_LETTER, C_LETTER, C_LETTER, C_LETTER, C_LETTER, C_LETTER,
	C_LETTER, C_LETTER, C_LETTER, C_LETTER, C_LETTER, C_LETTER, C_LETTER, C_LETTER,
	C_LETTER, C_LETTER, C_LETTER, C_OTHER, C_OTHER, C_OTHER, C_OTHER, C_OTHER,
};

static enum cls classify(int32_t cp)
{
	if (cp < 0x80)
		return cp < 0 ? C_OTHER : (enum cls)ascii_cls[cp];
	switch (cp) {
	case 0x2019: case 0x2018: case 0x02bc: case 0x00b4: return C_APOS;
	case 0x2010: case 0x2011: return C_HYPHEN;
	case 0x2026: case 0x3002: return C_SENTEND;
	case 0x00bf: case 0xff1f: return C_QUESTION;
	case 0x2028: case 0x2029: case 0x0085: return C_NEWLINE;
	default: break;
	}
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
		return C_LETTER;
	case UTF8PROC_CATEGORY_ND:
		return C_DIGIT;
	case UTF8PROC_CATEGORY_ZS:
		return C_SPACE;
	case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP:
		return C_NEWLINE;
	case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS: case UTF8PROC_CATEGORY_PE:
	case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF: case UTF8PROC_CATEGORY_PO:
		return C_CLAUSE;
	default:
		return C_OTHER;
	}
}

struct scan {
	const unsigned char *s;
	size_t n;
};

/* Code point at i (U+FFFD for a bad byte) and its length in *l. */
static int32_t cp_at(const struct scan *sc, size_t i, size_t *l)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t r;

	if (i >= sc->n) {
		*l = 0;
		return -1;
	}
	if (sc->s[i] < 0x80) {
		*l = 1;
		return sc->s[i];
	}
	r = utf8proc_iterate(sc->s + i, (utf8proc_ssize_t)(sc->n - i), &cp);
	if (r <= 0) {
		*l = 1;
		return 0xfffd;
	}
	*l = (size_t)r;
	return cp;
}

static enum cls cls_at(const struct scan *sc, size_t i)
{
	size_t l;
	int32_t cp = cp_at(sc, i, &l);
	return cp < 0 ? C_SPACE : classify(cp);
}

static int is_word(enum cls c)
{
	return c == C_LETTER || c == C_DIGIT;
}

static int starts_with(const struct scan *sc, size_t i, const char *p)
{
	size_t n = strlen(p);
	return sc->n - i >= n && memcmp(sc->s + i, p, n) == 0;
}

static int push_sentence(struct ana_tokens *t, size_t sent)
{
	void *q = t->question;

	while (t->n_sent <= sent) {
		if (ana_grow(&q, &t->sent_cap, t->n_sent + 1, 1) != 0)
			return CORE_ENOMEM;
		t->question = q;
		t->question[t->n_sent++] = 0;
	}
	return 0;
}

/* Appends a token whose text is s[from..to) with apostrophes and hyphens normalised. */
static int emit(struct ana_tokens *t, const struct scan *sc, size_t from, size_t to,
		enum ana_tok_kind kind, uint32_t sent, uint32_t clause)
{
	void *v = t->v, *buf = t->buf;
	size_t nchars = 0, start;

	if (ana_grow(&v, &t->cap, t->n + 1, sizeof(*t->v)) != 0)
		return CORE_ENOMEM;
	t->v = v;
	if (ana_grow(&buf, &t->buf_cap, t->buf_len + (to - from) + 1, 1) != 0)
		return CORE_ENOMEM;
	t->buf = buf;
	if (push_sentence(t, sent) != 0)
		return CORE_ENOMEM;
	start = t->buf_len;
	for (size_t i = from; i < to;) {
		unsigned char b = sc->s[i];
		if (b < 0x80 && b != '\'' && b != '`' && b != '-') {
			t->buf[t->buf_len++] = (char)b; /* most characters: as they are */
			nchars++;
			i++;
			continue;
		}
		size_t l;
		int32_t cp = cp_at(sc, i, &l);
		enum cls c = classify(cp);
		if (c == C_APOS && kind != ANA_TOK_URL)
			t->buf[t->buf_len++] = '\'';
		else if (c == C_HYPHEN && kind != ANA_TOK_URL)
			t->buf[t->buf_len++] = '-';
		else {
			memcpy(t->buf + t->buf_len, sc->s + i, l);
			t->buf_len += l;
		}
		nchars++;
		i += l;
	}
	t->buf[t->buf_len++] = '\0';
	t->v[t->n] = (struct ana_token){
		.off = (uint32_t)start, .len = (uint32_t)(t->buf_len - 1 - start),
		.sent = sent, .clause = clause, .kind = (uint16_t)kind,
		.nchars = (uint16_t)(nchars > UINT16_MAX ? UINT16_MAX : nchars),
		.hash = ana_intern_hash(t->buf + start, t->buf_len - 1 - start),
	};
	t->n++;
	return 0;
}

/* End of the run of non-space characters at i. */
static size_t skip_to_space(const struct scan *sc, size_t i)
{
	while (i < sc->n) {
		enum cls c = cls_at(sc, i);
		if (c == C_SPACE || c == C_NEWLINE)
			break;
		size_t l;
		cp_at(sc, i, &l);
		i += l;
	}
	return i;
}

/* Strips trailing punctuation a URL or e-mail address does not end with. */
static size_t trim_trailing(const struct scan *sc, size_t from, size_t to)
{
	while (to > from) {
		unsigned char c = sc->s[to - 1];
		if (c == '.' || c == ',' || c == ')' || c == '!' || c == '?' || c == ';' ||
		    c == ':' || c == '"' || c == '\'')
			to--;
		else
			break;
	}
	return to;
}

int ana_tokenize(const char *folded, size_t len, struct ana_tokens *t)
{
	struct scan sc = {(const unsigned char *)folded, len};
	uint32_t sent = 0, clause = 0;
	size_t sent_tokens = 0; /* tokens in the current sentence */
	size_t i = 0;
	int rc = 0;

	t->n = 0;
	t->buf_len = 0;
	t->n_sent = 0;
	while (i < sc.n && rc == 0) {
		size_t l;
		int32_t cp = cp_at(&sc, i, &l);
		enum cls c = classify(cp);
		size_t before = t->n;

		if (c == C_LETTER && (starts_with(&sc, i, "http://") ||
				      starts_with(&sc, i, "https://") ||
				      starts_with(&sc, i, "www."))) {
			size_t end = trim_trailing(&sc, i, skip_to_space(&sc, i));
			rc = emit(t, &sc, i, end, ANA_TOK_URL, sent, clause);
			i = end;
		} else if ((c == C_HASH || c == C_AT) &&
			   (is_word(cls_at(&sc, i + 1)) || cls_at(&sc, i + 1) == C_UNDERSCORE)) {
			size_t j = i + 1;
			for (;;) {
				enum cls d = cls_at(&sc, j);
				if (is_word(d) || d == C_UNDERSCORE ||
				    (c == C_AT && d == C_DOT && is_word(cls_at(&sc, j + 1)))) {
					cp_at(&sc, j, &l);
					j += l;
				} else {
					break;
				}
			}
			rc = emit(t, &sc, i + 1, j, c == C_HASH ? ANA_TOK_HASHTAG : ANA_TOK_MENTION,
				  sent, clause);
			i = j;
		} else if (is_word(c)) {
			size_t j = i + l, end;
			int has_at = 0;
			for (;;) {
				enum cls d = cls_at(&sc, j);
				size_t dl;
				cp_at(&sc, j, &dl);
				if (is_word(d)) {
					j += dl;
					continue;
				}
				enum cls e = cls_at(&sc, j + dl);
				enum cls p = cls_at(&sc, j - 1);
				/* Inner hyphens and apostrophes join ("e-mail", "auto's");
				 * dots and commas join digits ("1,5"); '@' makes an address. */
				if ((d == C_HYPHEN || d == C_APOS) && is_word(e)) {
					j += dl;
				} else if ((d == C_DOT || d == C_COMMA) && p == C_DIGIT && e == C_DIGIT) {
					j += dl;
				} else if (d == C_AT && is_word(e)) {
					has_at = 1;
					break;
				} else {
					break;
				}
			}
			if (has_at) {
				end = trim_trailing(&sc, i, skip_to_space(&sc, j));
				rc = emit(t, &sc, i, end, ANA_TOK_MENTION, sent, clause);
				i = end;
			} else {
				rc = emit(t, &sc, i, j, c == C_DIGIT ? ANA_TOK_NUMBER : ANA_TOK_WORD,
					  sent, clause);
				i = j;
			}
		} else if (c == C_APOS) {
			/* "'s avonds", "'t": a clitic of one letter is dropped with its
			 * apostrophe; any other apostrophe is just skipped. */
			size_t l2;
			int32_t c2 = cp_at(&sc, i + l, &l2);
			if (c2 >= 0 && classify(c2) == C_LETTER && !is_word(cls_at(&sc, i + l + l2))) {
				i += l + l2;
			} else {
				i += l;
			}
		} else {
			if (c == C_SENTEND || c == C_QUESTION || c == C_NEWLINE ||
			    (c == C_DOT && !is_word(cls_at(&sc, i + l)))) {
				if (sent_tokens > 0) {
					if (push_sentence(t, sent) != 0)
						return CORE_ENOMEM;
					if (c == C_QUESTION)
						t->question[sent] = 1;
					sent++;
					sent_tokens = 0;
				} else if (c == C_QUESTION && sent > 0) {
					t->question[sent - 1] = 1; /* "?!" or "? " after the end */
				}
				clause++;
			} else if (c == C_CLAUSE || c == C_COMMA || c == C_HYPHEN) {
				clause++;
			}
			i += l;
		}
		sent_tokens += t->n - before;
	}
	return rc;
}

void ana_tokens_release(struct ana_tokens *t)
{
	free(t->buf);
	free(t->v);
	free(t->question);
	memset(t, 0, sizeof(*t));
}

/* ---------------------------------------------------------------- languages, stems */

/* Puts each word of a list (one per line, '#' comments) into set; with mask, also
 * marks the word's id there with bit (mask has room for cap ids). */
static int load_words_mask(struct ana_intern *set, const unsigned char *data, size_t len,
			   uint8_t *mask, size_t cap, uint8_t bit)
{
	const char *p = (const char *)data, *end = p + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *a = p, *b = e;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r'))
			b--;
		if (b > a && *a != '#') {
			uint32_t id = ana_intern_put(set, a, (size_t)(b - a), NULL);
			if (id == ANA_NOID || (mask && id >= cap))
				return CORE_ENOMEM;
			if (mask)
				mask[id] |= bit;
		}
		p = e + 1;
	}
	return 0;
}

static int load_words(struct ana_intern *set, const unsigned char *data, size_t len)
{
	return load_words_mask(set, data, len, NULL, 0, 0);
}

/* The one-word cues of the stance lexicons say how someone feels, not what about, so
 * they never name a theme (ana_text_is_cue). Agreement with the ambition itself
 * ("steun*", "bezwaar", "agree") is no clustering feature either: it would part
 * supporters from objectors instead of subjects. Evaluative words are: what people
 * praise or regret tells their subjects apart too ("friendly", "rude" go with staff,
 * "clean" with a ward), and a reaction made of such words alone would otherwise have
 * nothing to cluster on. The lexicons are parsed by stance.c, once. */
static int load_cues(struct ana_text *tx, struct core_err *err)
{
	struct ana_lexicons lxs;
	int rc = ana_lexicons_load(&lxs, err);

	if (rc)
		return rc;
	for (size_t i = 0; rc == 0 && i < lxs.all.n; i++) {
		const struct ana_cue *c = &lxs.all.cues[i];
		if (c->kind != ANA_CUE_POLAR || c->subject || c->n_words != 1)
			continue;
		struct ana_intern *set = c->agree ? (c->prefix[0] ? &tx->agree_prefix : &tx->agree)
						  : (c->prefix[0] ? &tx->cue_prefix : &tx->cues);
		if (ana_intern_put(set, c->words[0], strlen(c->words[0]), NULL) == ANA_NOID)
			rc = core_err_set(err, CORE_ENOMEM, "cannot set up text analysis: out of memory");
	}
	ana_lexicons_release(&lxs);
	return rc;
}

/* libexttextcat reads its models through a configuration file; a private one that
 * lists only our candidate languages keeps detection fast and avoids exotic answers
 * (Afrikaans, Frisian) for short Dutch texts. */
static void *open_textcat(void)
{
	static const char *const langs[] = {"nl", "en", "de", "fr"};
	const char *tmp = getenv("TMPDIR");
	char path[512];
	void *h = NULL;
	int fd;
	FILE *f;

	if (!tmp || !*tmp || strlen(tmp) > 400)
		tmp = "/tmp";
	snprintf(path, sizeof(path), "%s/inspraak-textcat-XXXXXX", tmp);

	for (size_t i = 0; i < sizeof(langs) / sizeof(*langs); i++) {
		char lm[128];
		snprintf(lm, sizeof(lm), TEXTCAT_DIR "%s.lm", langs[i]);
		if (access(lm, R_OK) != 0)
			return NULL;
	}
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(langs) / sizeof(*langs); i++)
		fprintf(f, "%s.lm %s--utf8\n", langs[i], langs[i]);
	if (fclose(f) == 0)
		h = special_textcat_Init(path, TEXTCAT_DIR);
	unlink(path);
	return h;
}

struct ana_text *ana_text_new(struct core_err *err)
{
	struct ana_text *tx = calloc(1, sizeof(*tx));

	if (!tx)
		goto nomem;
	ana_intern_init(&tx->stems);
	ana_intern_init(&tx->stop);
	ana_intern_init(&tx->fw);
	ana_intern_init(&tx->stop_de);
	ana_intern_init(&tx->stop_fr);
	ana_intern_init(&tx->nofeat);
	ana_intern_init(&tx->cues);
	ana_intern_init(&tx->cue_prefix);
	ana_intern_init(&tx->agree);
	ana_intern_init(&tx->agree_prefix);
	ana_intern_init(&tx->pair_surf);
	if (load_words(&tx->stop, ana_embed_stop_nl, ana_embed_stop_nl_len) != 0 ||
	    load_words(&tx->stop, ana_embed_stop_en, ana_embed_stop_en_len) != 0 ||
	    load_words_mask(&tx->fw, ana_embed_stop_nl, ana_embed_stop_nl_len, tx->fw_lang,
			    ANA_FW_MAX, ANA_FW_NL) != 0 ||
	    load_words_mask(&tx->fw, ana_embed_stop_en, ana_embed_stop_en_len, tx->fw_lang,
			    ANA_FW_MAX, ANA_FW_EN) != 0 ||
	    load_words_mask(&tx->fw, ana_embed_stop_de, ana_embed_stop_de_len, tx->fw_lang,
			    ANA_FW_MAX, ANA_FW_DE) != 0 ||
	    load_words_mask(&tx->fw, ana_embed_stop_fr, ana_embed_stop_fr_len, tx->fw_lang,
			    ANA_FW_MAX, ANA_FW_FR) != 0 ||
	    load_words(&tx->stop_de, ana_embed_stop_de, ana_embed_stop_de_len) != 0 ||
	    load_words(&tx->stop_fr, ana_embed_stop_fr, ana_embed_stop_fr_len) != 0 ||
	    load_words(&tx->nofeat, ana_embed_stop_domain, ana_embed_stop_domain_len) != 0)
		goto nomem;
	if (load_cues(tx, err) != 0) {
		ana_text_free(tx);
		return NULL;
	}
	tx->textcat = open_textcat();
	if (!tx->textcat)
		core_log(CORE_LOG_WARN, "language detection off: cannot load libexttextcat models "
			 "from %s (or write their list to TMPDIR); items keep their declared "
			 "language", TEXTCAT_DIR);
	return tx;
nomem:
	ana_text_free(tx);
	core_err_set(err, CORE_ENOMEM, "cannot set up text analysis: out of memory");
	return NULL;
}

void ana_text_free(struct ana_text *tx)
{
	if (!tx)
		return;
	for (size_t i = 0; i < tx->n_langs; i++) {
		struct ana_lang *lg = &tx->langs[i];
		sb_stemmer_delete(lg->stemmer);
		ana_intern_release(&lg->surf);
		free(lg->stem);
		free(lg->count);
		free(lg->feat);
	}
	if (tx->textcat)
		textcat_Done(tx->textcat);
	ana_intern_release(&tx->stems);
	ana_intern_release(&tx->stop);
	ana_intern_release(&tx->fw);
	ana_intern_release(&tx->stop_de);
	ana_intern_release(&tx->stop_fr);
	ana_intern_release(&tx->nofeat);
	ana_intern_release(&tx->cues);
	ana_intern_release(&tx->cue_prefix);
	ana_intern_release(&tx->agree);
	ana_intern_release(&tx->agree_prefix);
	free(tx->best);
	free(tx->pair_a);
	free(tx->pair_b);
	ana_intern_release(&tx->pair_surf);
	free(tx->pair_surf_of);
	free(tx);
}

static const char *snowball_name(const char *code)
{
	static const char *const map[][2] = {
		{"nl", "dutch"}, {"en", "english"}, {"de", "german"}, {"fr", "french"},
		{"es", "spanish"}, {"it", "italian"}, {"pt", "portuguese"}, {"da", "danish"},
		{"sv", "swedish"}, {"no", "norwegian"}, {"nb", "norwegian"}, {"fi", "finnish"},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(*map); i++)
		if (strcmp(map[i][0], code) == 0)
			return map[i][1];
	return code; /* libstemmer also knows ISO 639 codes */
}

/* "nl-BE" -> "nl" into c[8]. */
static void lang_code(const char *code, char c[8])
{
	size_t n = 0;

	for (; code && code[n] && n < 7; n++) {
		char ch = code[n];
		if (ch == '-' || ch == '_')
			break;
		c[n] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
	}
	c[n] = '\0';
}

int ana_text_lang_find(const struct ana_text *tx, const char *code)
{
	char c[8];

	lang_code(code, c);
	for (size_t i = 0; i < tx->n_langs; i++)
		if (strcmp(tx->langs[i].code, c) == 0)
			return (int)i;
	return -1;
}

int ana_text_lang(struct ana_text *tx, const char *code)
{
	char c[8] = "";
	int found = ana_text_lang_find(tx, code);

	if (found >= 0)
		return found;
	lang_code(code, c);
	if (tx->n_langs == ANA_MAX_LANGS)
		return -1;
	struct ana_lang *lg = &tx->langs[tx->n_langs];
	memset(lg, 0, sizeof(*lg));
	memcpy(lg->code, c, sizeof(c));
	ana_intern_init(&lg->surf);
	if (c[0])
		lg->stemmer = sb_stemmer_new(snowball_name(c), "UTF_8");
	lg->own_stop = strcmp(c, "de") == 0 ? &tx->stop_de : strcmp(c, "fr") == 0 ? &tx->stop_fr : NULL;
	return (int)tx->n_langs++;
}

int ana_text_is_stop(const struct ana_text *tx, const char *word, size_t len)
{
	return ana_intern_get(&tx->stop, word, len) != ANA_NOID ||
	       ana_intern_get(&tx->nofeat, word, len) != ANA_NOID ||
	       ana_intern_get(&tx->agree, word, len) != ANA_NOID ||
	       ana_intern_get(&tx->cues, word, len) != ANA_NOID;
}

/* Whether some prefix of word is in set: a few hash lookups instead of a comparison
 * with every listed prefix (the lexicons hold a few hundred). */
static int has_prefix_in(const struct ana_intern *set, const char *word, size_t len)
{
	for (size_t l = 1; set->n && l <= len; l++)
		if (ana_intern_get(set, word, l) != ANA_NOID)
			return 1;
	return 0;
}

int ana_text_is_feature(const struct ana_text *tx, const char *word, size_t len)
{
	return ana_intern_get(&tx->nofeat, word, len) == ANA_NOID &&
	       ana_intern_get(&tx->agree, word, len) == ANA_NOID &&
	       !has_prefix_in(&tx->agree_prefix, word, len);
}

int ana_text_is_cue(const struct ana_text *tx, const char *word, size_t len)
{
	return ana_intern_get(&tx->cues, word, len) != ANA_NOID ||
	       ana_intern_get(&tx->agree, word, len) != ANA_NOID ||
	       has_prefix_in(&tx->cue_prefix, word, len) ||
	       has_prefix_in(&tx->agree_prefix, word, len);
}

static int is_upper(int32_t cp)
{
	return cp < 0x80 ? cp >= 'A' && cp <= 'Z' : utf8proc_category(cp) == UTF8PROC_CATEGORY_LU;
}

static int is_lower(int32_t cp)
{
	return cp < 0x80 ? cp >= 'a' && cp <= 'z' : utf8proc_category(cp) == UTF8PROC_CATEGORY_LL;
}

char *ana_text_split_hashtags(const char *text, size_t len)
{
	struct scan sc = {(const unsigned char *)text, len};
	struct core_buf b;
	int rc = 0;

	core_buf_init(&b, 0);
	for (size_t i = 0; i < len && rc == 0;) {
		/* Everything up to the next '#' is copied as it is, in one piece. */
		const char *hash = memchr(text + i, '#', len - i);
		size_t h = hash ? (size_t)(hash - text) : len;
		if (h > i) {
			rc = core_buf_append(&b, text + i, h - i);
			i = h;
			continue;
		}
		if (i > 0 && is_word(cls_at(&sc, i - 1))) {
			rc = core_buf_append(&b, "#", 1);
			i++;
			continue;
		}
		/* The hashtag's extent, and whether a lower case letter is followed by an
		 * upper case one somewhere in it (camel case). */
		size_t j = i + 1;
		int camel = 0;
		int32_t prev = 0;
		while (j < len) {
			size_t cl;
			int32_t c = cp_at(&sc, j, &cl);
			enum cls k = classify(c);
			if (!is_word(k) && k != C_UNDERSCORE)
				break;
			if (is_upper(c) && (is_lower(prev) || (prev >= '0' && prev <= '9')))
				camel = 1;
			prev = c;
			j += cl;
		}
		rc = core_buf_append(&b, text + i, j - i);
		if (rc == 0 && camel) {
			/* " word word word": a break before each upper case letter that
			 * follows a lower case one, and at underscores. */
			prev = 0;
			rc = core_buf_append(&b, " ", 1);
			for (size_t q = i + 1; q < j && rc == 0;) {
				size_t cl;
				int32_t c = cp_at(&sc, q, &cl);
				if (c == '_' || (is_upper(c) && is_lower(prev)))
					rc = core_buf_append(&b, " ", 1);
				if (rc == 0 && c != '_')
					rc = core_buf_append(&b, text + q, cl);
				prev = c;
				q += cl;
			}
			if (rc == 0)
				rc = core_buf_append(&b, " ", 1);
		}
		i = j;
	}
	if (rc != 0) {
		core_buf_release(&b);
		return NULL;
	}
	return b.data ? b.data : core_strdup("");
}

/* Surface id of word in lg, computing and caching its stem on first sight. */
static uint32_t cached(struct ana_text *tx, struct ana_lang *lg, const char *word, size_t len)
{
	int is_new;
	uint32_t id = ana_intern_put(&lg->surf, word, len, &is_new);

	if (id == ANA_NOID || !is_new)
		return id;
	void *stem = lg->stem, *count = lg->count;
	size_t cap = lg->cap, cap2 = lg->cap;
	if (ana_grow(&stem, &cap, (size_t)id + 1, sizeof(uint32_t)) != 0)
		return ANA_NOID;
	lg->stem = stem;
	if (ana_grow(&count, &cap2, (size_t)id + 1, sizeof(uint64_t)) != 0)
		return ANA_NOID;
	lg->count = count;
	void *feat = lg->feat;
	size_t cap3 = lg->cap;
	if (ana_grow(&feat, &cap3, (size_t)id + 1, 1) != 0)
		return ANA_NOID;
	lg->feat = feat;
	lg->cap = cap;
	lg->count[id] = 0;
	lg->feat[id] = (uint8_t)ana_text_is_feature(tx, word, len);

	const char *in = word;
	size_t in_len = len;
	/* Dutch plurals and English possessives in "'s" stem as their base word. */
	if (len > 3 && word[len - 2] == '\'' && word[len - 1] == 's')
		in_len -= 2;
	const char *out = in;
	size_t out_len = in_len;
	if (lg->stemmer) {
		const sb_symbol *s = sb_stemmer_stem(lg->stemmer, (const sb_symbol *)in, (int)in_len);
		if (!s)
			return ANA_NOID;
		out = (const char *)s;
		out_len = (size_t)sb_stemmer_length(lg->stemmer);
	}
	uint32_t sid = ana_intern_put(&tx->stems, out, out_len, NULL);
	if (sid == ANA_NOID)
		return ANA_NOID;
	lg->stem[id] = sid;
	return id;
}

/* Words that are never terms: shorter than two characters, or a stopword. */
/* h: ana_intern_hash of the word. */
static int not_a_term(const struct ana_text *tx, const struct ana_lang *lg, const char *word,
		      size_t len, uint32_t h)
{
	size_t nchars = 0;

	for (size_t i = 0; i < len && nchars < 2; i++)
		nchars += ((unsigned char)word[i] & 0xc0) != 0x80;
	return nchars < 2 || ana_intern_get_h(&tx->stop, word, len, h) != ANA_NOID ||
	       (lg->own_stop && ana_intern_get_h(lg->own_stop, word, len, h) != ANA_NOID);
}

int ana_text_term(struct ana_text *tx, int li, const char *word, size_t len, uint32_t *stem,
		  uint32_t *surf)
{
	struct ana_lang *lg = &tx->langs[li];

	*stem = ANA_NOID;
	if (surf)
		*surf = ANA_NOID;
	if (not_a_term(tx, lg, word, len, ana_intern_hash(word, len)))
		return 0;
	uint32_t id = cached(tx, lg, word, len);
	if (id == ANA_NOID)
		return CORE_ENOMEM;
	lg->count[id]++;
	*stem = lg->stem[id];
	if (surf)
		*surf = id;
	return 0;
}

int ana_text_term_peek(const struct ana_text *tx, struct ana_text_worker *w, int li,
		       const char *word, size_t len, uint32_t h, uint32_t *stem, uint32_t *surf)
{
	const struct ana_lang *lg = &tx->langs[li];

	*stem = *surf = ANA_NOID;
	if (not_a_term(tx, lg, word, len, h))
		return 1;
	uint32_t id = ana_intern_get_h(&lg->surf, word, len, h);
	if (id != ANA_NOID) {
		*stem = lg->stem[id];
		*surf = id;
		return 1;
	}
	/* As cached() does, with this thread's stemmer. */
	size_t in_len = len;
	if (len > 3 && word[len - 2] == '\'' && word[len - 1] == 's')
		in_len -= 2;
	const char *out = word;
	size_t out_len = in_len;
	if (lg->stemmer) {
		if (!w->stemmer[li] && !(w->stemmer[li] = sb_stemmer_new(snowball_name(lg->code), "UTF_8")))
			return -1;
		const sb_symbol *st = sb_stemmer_stem(w->stemmer[li], (const sb_symbol *)word, (int)in_len);
		if (!st)
			return -1;
		out = (const char *)st;
		out_len = (size_t)sb_stemmer_length(w->stemmer[li]);
	}
	*stem = ana_intern_get(&tx->stems, out, out_len);
	return 0;
}

int ana_text_worker_init(struct ana_text_worker *w, const struct ana_text *tx)
{
	memset(w, 0, sizeof(*w));
	if (tx->textcat && !(w->textcat = open_textcat()))
		return CORE_ENOMEM;
	return 0;
}

void ana_text_worker_release(struct ana_text_worker *w)
{
	for (size_t i = 0; i < ANA_MAX_LANGS; i++)
		if (w->stemmer[i])
			sb_stemmer_delete(w->stemmer[i]);
	if (w->textcat)
		textcat_Done(w->textcat);
	memset(w, 0, sizeof(*w));
}

const char *ana_text_stem(struct ana_text *tx, const char *code, const char *word, size_t len)
{
	int li = ana_text_lang(tx, code);

	if (li < 0)
		return NULL;
	struct ana_lang *lg = &tx->langs[li];
	uint32_t id = cached(tx, lg, word, len);
	return id == ANA_NOID ? NULL : ana_intern_str(&tx->stems, lg->stem[id]);
}

static void detect_with(void *textcat, const char *text, size_t len, const char *declared,
			const char *dflt, char out[8]);

void ana_text_detect(struct ana_text *tx, const char *text, size_t len, const char *declared,
		     const char *dflt, char out[8])
{
	detect_with(tx->textcat, text, len, declared, dflt, out);
}

static void detect_with(void *textcat, const char *text, size_t len, const char *declared,
			const char *dflt, char out[8])
{
	const char *fallback = declared && *declared ? declared : dflt ? dflt : "";
	size_t letters = 0, cut = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0xc0)
			letters++;
		/* Classify at most ~2 KB: plenty for a language guess, and bounded. */
		if (i >= 2048 && (c & 0xc0) != 0x80 && !cut)
			cut = i;
	}
	if (cut)
		len = cut;
	snprintf(out, 8, "%s", fallback);
	for (char *p = out; *p; p++) {
		if (*p == '-' || *p == '_') {
			*p = '\0';
			break;
		}
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	}
	if (!textcat || letters < ANA_LANG_MIN_LETTERS)
		return;
	const char *r = textcat_Classify(textcat, text, len);
	if (!r || r[0] != '[')
		return; /* "UNKNOWN" or "SHORT" */
	/* The answer lists the candidates best first: "[nl--utf8][de--utf8]". When the
	 * declared language is among them, trust the declaration. */
	char first[8] = "";
	for (const char *p = r; *p == '['; ) {
		const char *e = strchr(p, ']');
		if (!e)
			break;
		char cand[8] = "";
		size_t k = 0;
		for (const char *q = p + 1; q < e && *q != '-' && k < sizeof(cand) - 1; q++)
			cand[k++] = *q;
		cand[k] = '\0';
		if (!first[0])
			memcpy(first, cand, sizeof(cand));
		if (out[0] && strcmp(cand, out) == 0 && declared && *declared)
			return;
		p = e + 1;
	}
	if (first[0])
		memcpy(out, first, 8);
}

void ana_text_detect_tokens(struct ana_text *tx, const struct ana_tokens *t, const char *text,
			    size_t len, const char *declared, const char *dflt, char out[8])
{
	struct ana_text_worker w = {.textcat = tx->textcat};

	ana_text_detect_tokens_with(tx, &w, t, text, len, declared, dflt, out);
}

void ana_text_detect_tokens_with(const struct ana_text *tx, struct ana_text_worker *wk,
				 const struct ana_tokens *t, const char *text, size_t len,
				 const char *declared, const char *dflt, char out[8])
{
	size_t words = 0, own[4] = {0};

	/* Function words that belong to one language's list only are a strong signal:
	 * when Dutch or English has at least two of them, three times as many as any
	 * other language and one word in eight, it decides. That settles most short
	 * reactions, which the n-gram detector finds too short, and skips its cost (a
	 * fifth of the reading pass). Everything else goes to the detector: German and
	 * French texts too, whose function words point away from nl and en. Measured
	 * against gold languages in bench/lang_eval.sh. */
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].kind != ANA_TOK_WORD)
			continue;
		words++;
		uint32_t id = ana_intern_get_h(&tx->fw, ana_tok_str(t, i), t->v[i].len, t->v[i].hash);
		if (id == ANA_NOID)
			continue;
		uint8_t m = tx->fw_lang[id];
		if (m && !(m & (m - 1)))
			own[m == ANA_FW_NL ? 0 : m == ANA_FW_EN ? 1 : m == ANA_FW_DE ? 2 : 3]++;
	}
	int best = own[0] >= own[1] ? 0 : 1;
	size_t second = 0;
	for (int l = 0; l < 4; l++)
		if (l != best && own[l] > second)
			second = own[l];
	if (own[best] >= 2 && own[best] >= 3 * second + 1 && 8 * own[best] >= words) {
		snprintf(out, 8, "%s", best == 0 ? "nl" : "en");
		return;
	}
	detect_with(wk->textcat, text, len, declared, dflt, out);
}

/* ---------------------------------------------------------------- surfaces */

uint32_t ana_text_pair(struct ana_text *tx, uint32_t a, uint32_t b)
{
	const char *sa = ana_intern_str(&tx->stems, a);
	size_t la = strlen(sa), lb = strlen(ana_intern_str(&tx->stems, b));
	char *key = malloc(la + lb + 2);
	int is_new;

	if (!key)
		return ANA_NOID;
	memcpy(key, sa, la);
	key[la] = ' ';
	memcpy(key + la + 1, ana_intern_str(&tx->stems, b), lb + 1);
	uint32_t id = ana_intern_put(&tx->stems, key, la + lb + 1, &is_new);
	free(key);
	if (id == ANA_NOID)
		return ANA_NOID;
	size_t old = tx->pair_cap, cap = tx->pair_cap;
	void *pa = tx->pair_a, *pb = tx->pair_b;
	if (ana_grow(&pa, &cap, (size_t)id + 1, sizeof(uint32_t)) != 0)
		return ANA_NOID;
	tx->pair_a = pa;
	cap = old;
	if (ana_grow(&pb, &cap, (size_t)id + 1, sizeof(uint32_t)) != 0)
		return ANA_NOID;
	tx->pair_b = pb;
	for (size_t i = old; i < cap; i++)
		tx->pair_a[i] = tx->pair_b[i] = ANA_NOID;
	tx->pair_cap = cap;
	tx->pair_a[id] = a;
	tx->pair_b[id] = b;
	return id;
}

int ana_text_pair_parts(const struct ana_text *tx, uint32_t stem, uint32_t *a, uint32_t *b)
{
	if (stem >= tx->pair_cap || tx->pair_a[stem] == ANA_NOID)
		return 0;
	*a = tx->pair_a[stem];
	*b = tx->pair_b[stem];
	return 1;
}

int ana_text_surfaces(struct ana_text *tx)
{
	uint64_t *best = NULL;
	uint64_t *cnt = NULL;
	size_t n = tx->stems.n;

	best = malloc((n ? n : 1) * sizeof(*best));
	cnt = calloc(n ? n : 1, sizeof(*cnt));
	if (!best || !cnt) {
		free(best);
		free(cnt);
		return CORE_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		best[i] = UINT64_MAX;
	for (size_t li = 0; li < tx->n_langs; li++) {
		struct ana_lang *lg = &tx->langs[li];
		for (uint32_t id = 0; id < lg->surf.n; id++) {
			uint32_t s = lg->stem[id];
			uint64_t c = lg->count[id];
			if (c == 0)
				continue;
			int better = best[s] == UINT64_MAX || c > cnt[s];
			if (!better && c == cnt[s]) {
				const struct ana_lang *bl = &tx->langs[best[s] >> 32];
				const char *cur = ana_intern_str(&bl->surf, (uint32_t)best[s]);
				better = strcmp(ana_intern_str(&lg->surf, id), cur) < 0;
			}
			if (better) {
				best[s] = (uint64_t)li << 32 | id;
				cnt[s] = c;
			}
		}
	}
	free(cnt);
	free(tx->best);
	tx->best = best;
	tx->n_best = n;

	/* Bigrams read as their parts' surface forms: "waiting time". */
	uint32_t *of = malloc((n ? n : 1) * sizeof(*of));
	if (!of)
		return CORE_ENOMEM;
	free(tx->pair_surf_of);
	tx->pair_surf_of = of;
	for (size_t i = 0; i < n; i++)
		of[i] = ANA_NOID;
	for (size_t i = 0; i < n; i++) {
		uint32_t a, b;
		if (!ana_text_pair_parts(tx, (uint32_t)i, &a, &b))
			continue;
		char *both = core_asprintf("%s %s", ana_text_surface(tx, a), ana_text_surface(tx, b));
		if (!both)
			return CORE_ENOMEM;
		of[i] = ana_intern_put(&tx->pair_surf, both, strlen(both), NULL);
		free(both);
		if (of[i] == ANA_NOID)
			return CORE_ENOMEM;
	}
	return 0;
}

const char *ana_text_surface(const struct ana_text *tx, uint32_t stem)
{
	if (tx->pair_surf_of && stem < tx->n_best && tx->pair_surf_of[stem] != ANA_NOID)
		return ana_intern_str(&tx->pair_surf, tx->pair_surf_of[stem]);
	if (stem < tx->n_best && tx->best[stem] != UINT64_MAX) {
		const struct ana_lang *lg = &tx->langs[tx->best[stem] >> 32];
		return ana_intern_str(&lg->surf, (uint32_t)tx->best[stem]);
	}
	return ana_intern_str(&tx->stems, stem);
}
