/* test_text.c: the analyzer's text layer: tokens that keep Dutch words whole, what is
 * left out of features (mentions, URLs, numbers, stopwords), language identification
 * and the short-text fallback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text.h"

static struct ana_tokens tokens_of(const char *text)
{
	struct ana_tokens t = {0};
	char *folded = core_utf8_fold(text);

	assert_non_null(folded);
	assert_int_equal(ana_tokenize(folded, strlen(folded), &t), 0);
	free(folded);
	return t;
}

/* Index of the token with text s and kind, or -1. */
static int find(const struct ana_tokens *t, const char *s, int kind)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(ana_tok_str(t, i), s) == 0 && (kind < 0 || t->v[i].kind == kind))
			return (int)i;
	return -1;
}

static void dutch_words_stay_whole(void **state)
{
	(void)state;
	struct ana_tokens t = tokens_of("Ideeën van geïnteresseerde burgers over e-mail, "
					 "auto's en digitaal-first; Zo’n app.");
	assert_true(find(&t, "ideeën", ANA_TOK_WORD) >= 0);
	assert_true(find(&t, "geïnteresseerde", ANA_TOK_WORD) >= 0);
	assert_true(find(&t, "e-mail", ANA_TOK_WORD) >= 0);
	assert_true(find(&t, "auto's", ANA_TOK_WORD) >= 0);
	assert_true(find(&t, "digitaal-first", ANA_TOK_WORD) >= 0);
	assert_true(find(&t, "zo'n", ANA_TOK_WORD) >= 0); /* typographic apostrophe normalised */
	assert_int_equal(find(&t, "e", -1), -1);
	assert_int_equal(find(&t, "mail", -1), -1);
	assert_int_equal(find(&t, "auto", -1), -1);
	assert_int_equal(t.n, 11);
	ana_tokens_release(&t);
}

static void apostrophes(void **state)
{
	(void)state;
	struct ana_tokens t = tokens_of("I don't like it. 's Avonds is het loket dicht, "
					"'t is jammer.");
	assert_true(find(&t, "don't", ANA_TOK_WORD) >= 0);
	assert_int_equal(find(&t, "'s", -1), -1);
	assert_int_equal(find(&t, "s", -1), -1);
	assert_int_equal(find(&t, "t", -1), -1);
	assert_true(find(&t, "avonds", ANA_TOK_WORD) >= 0);
	/* sentences: "i don't like it" | "avonds ... dicht, is jammer" */
	assert_int_equal(t.n_sent, 2);
	assert_int_equal(t.v[find(&t, "avonds", -1)].sent, 1);
	ana_tokens_release(&t);
}

static void hashtags_mentions_urls_numbers(void **state)
{
	(void)state;
	struct ana_tokens t = tokens_of("@Gemeente010 zie https://example.org/a?b=1, www.overheid.nl "
					"en mail naar info@example.org #DigitaalEerst in 2020: "
					"1,5 miljoen euro?");
	int i;
	assert_true((i = find(&t, "gemeente010", -1)) >= 0);
	assert_int_equal(t.v[i].kind, ANA_TOK_MENTION);
	assert_true((i = find(&t, "https://example.org/a?b=1", -1)) >= 0);
	assert_int_equal(t.v[i].kind, ANA_TOK_URL);
	assert_true((i = find(&t, "www.overheid.nl", -1)) >= 0);
	assert_int_equal(t.v[i].kind, ANA_TOK_URL);
	assert_true((i = find(&t, "info@example.org", -1)) >= 0);
	assert_int_equal(t.v[i].kind, ANA_TOK_MENTION);
	assert_true((i = find(&t, "digitaaleerst", -1)) >= 0);
	assert_int_equal(t.v[i].kind, ANA_TOK_HASHTAG);
	assert_true((i = find(&t, "2020", -1)) >= 0);
	assert_int_equal(t.v[i].kind, ANA_TOK_NUMBER);
	assert_true((i = find(&t, "1,5", -1)) >= 0);
	assert_int_equal(t.v[i].kind, ANA_TOK_NUMBER);
	assert_int_equal(find(&t, "example", -1), -1);
	assert_int_equal(find(&t, "org", -1), -1);
	assert_int_equal(t.n_sent, 1);
	assert_int_equal(t.question[0], 1);
	ana_tokens_release(&t);
}

static void features_skip_stopwords_and_non_words(void **state)
{
	(void)state;
	struct core_err err = {0};
	struct ana_text *tx = ana_text_new(&err);
	assert_non_null(tx);
	int li = ana_text_lang(tx, "nl-BE");
	assert_true(li >= 0);
	assert_string_equal(tx->langs[li].code, "nl");

	uint32_t stem;
	const char *stops[] = {"de", "het", "een", "niet", "gewoon", "echt", "the", "and", "x"};
	for (size_t i = 0; i < sizeof(stops) / sizeof(*stops); i++) {
		assert_int_equal(ana_text_term(tx, li, stops[i], strlen(stops[i]), &stem, NULL), 0);
		assert_int_equal(stem, ANA_NOID);
	}
	assert_int_equal(ana_text_term(tx, li, "loketten", 8, &stem, NULL), 0);
	assert_int_not_equal(stem, ANA_NOID);
	uint32_t stem2;
	assert_int_equal(ana_text_term(tx, li, "loket", 5, &stem2, NULL), 0);
	assert_int_equal(stem, stem2); /* one stem for singular and plural */
	assert_string_equal(ana_intern_str(&tx->stems, stem), "loket");
	assert_int_equal(ana_text_term(tx, li, "auto's", 6, &stem, NULL), 0);
	assert_string_equal(ana_intern_str(&tx->stems, stem), "auto");

	/* The surface map gives a label word back for a stem: the most frequent form. */
	assert_int_equal(ana_text_term(tx, li, "loketten", 8, &stem, NULL), 0);
	assert_int_equal(ana_text_surfaces(tx), 0);
	assert_string_equal(ana_text_surface(tx, stem2), "loketten");
	ana_text_free(tx);
}

static void language_detection(void **state)
{
	(void)state;
	struct core_err err = {0};
	struct ana_text *tx = ana_text_new(&err);
	char lang[8];
	assert_non_null(tx);
	if (!tx->textcat) {
		ana_text_free(tx);
		skip(); /* libexttextcat-data absent */
	}
	const char *nl = "Ik vind het een goed idee dat de gemeente haar dienstverlening "
			 "digitaal maakt, maar het loket moet wel open blijven voor ouderen.";
	const char *en = "I think it is a good idea that the council moves its services "
			 "online, but the front desk must stay open for older people.";
	ana_text_detect(tx, nl, strlen(nl), NULL, "en", lang);
	assert_string_equal(lang, "nl");
	ana_text_detect(tx, en, strlen(en), NULL, "nl", lang);
	assert_string_equal(lang, "en");
	/* A long text overrides a wrong declaration. */
	ana_text_detect(tx, en, strlen(en), "nl", "nl", lang);
	assert_string_equal(lang, "en");
	/* Short texts keep the declared language, else the default. */
	ana_text_detect(tx, "Top!", 4, "en-GB", "nl", lang);
	assert_string_equal(lang, "en");
	ana_text_detect(tx, "Prima plan", 10, NULL, "nl", lang);
	assert_string_equal(lang, "nl");
	ana_text_detect(tx, "Prima plan", 10, "", "fr", lang);
	assert_string_equal(lang, "fr");
	ana_text_free(tx);
}

static void language_vote_then_ngrams(void **state)
{
	(void)state;
	struct core_err err = {0};
	struct ana_text *tx = ana_text_new(&err);
	assert_non_null(tx);
	if (!tx->textcat) {
		ana_text_free(tx);
		skip();
	}
	static const char *const cases[][2] = {
		{"Ik vind het een goed idee dat de gemeente haar dienstverlening digitaal maakt.", "nl"},
		{"I think it is a good idea that the council moves all of its services online.", "en"},
		{"Ich finde es gut, dass die Stadt ihre Dienstleistungen digitalisiert und vereinfacht.",
		 "de"},
		{"Je trouve que la commune doit garder ses guichets ouverts pour les personnes âgées.",
		 "fr"},
		{"Het loket moet open blijven, niet iedereen kan online zaken regelen.", "nl"},
		/* Too short for the n-gram detector; the function words decide, over the
		 * declared language too. */
		{"Je zult in goede handen zijn.", "nl"},
		{"It is what it is.", "en"},
		/* German and French function words keep the vote from nl and en. */
		{"Wir wollen nicht, dass der Park verschwindet.", "de"},
		{"Es gibt zu wenig Parkplätze für die Anwohner.", "de"},
		{"Je ne suis pas d'accord avec ce projet.", "fr"},
		{"La commune doit faire plus pour les jeunes.", "fr"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct ana_tokens t = tokens_of(cases[i][0]);
		char lang[8];
		/* Declared wrong: Dutch texts say "en", the others "nl". */
		const char *declared = strcmp(cases[i][1], "nl") == 0 ? "en" : "nl";
		ana_text_detect_tokens(tx, &t, cases[i][0], strlen(cases[i][0]), declared, declared,
				       lang);
		if (strcmp(lang, cases[i][1]) != 0)
			fail_msg("'%s': %s, want %s", cases[i][0], lang, cases[i][1]);
		ana_tokens_release(&t);
	}
	ana_text_free(tx);
}

int test_text(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dutch_words_stay_whole),
		cmocka_unit_test(apostrophes),
		cmocka_unit_test(hashtags_mentions_urls_numbers),
		cmocka_unit_test(features_skip_stopwords_and_non_words),
		cmocka_unit_test(language_detection),
		cmocka_unit_test(language_vote_then_ngrams),
	};
	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
