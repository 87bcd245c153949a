/* lang_eval.c: language identification against gold languages (bench/lang_eval.sh).
 * Reads one text per line on stdin, the gold language in argv[1], and prints how often
 * the analysis's detector (function-word vote, then libexttextcat) and libexttextcat
 * alone are right, and how many texts the vote settles without the n-gram detector. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "text.h"

int main(int argc, char **argv)
{
	struct core_err err = {0};
	struct ana_text *tx;
	struct ana_tokens t = {0};
	static char line[1 << 16];
	size_t n = 0, ok = 0, ok_ngrams = 0, voted = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: lang_eval GOLD <texts\n");
		return 2;
	}
	if (!(tx = ana_text_new(&err)) || !tx->textcat) {
		fprintf(stderr, "lang_eval: %s\n", tx ? "libexttextcat data missing" : err.msg);
		return 1;
	}
	struct ana_text_worker novote = {.textcat = NULL};
	while (fgets(line, sizeof(line), stdin)) {
		size_t len = strcspn(line, "\n");
		line[len] = '\0';
		char *folded = core_utf8_fold(line);
		char got[8], ngrams[8], vote[8];
		if (!len || !folded || ana_tokenize(folded, strlen(folded), &t) != 0) {
			free(folded);
			continue;
		}
		ana_text_detect_tokens(tx, &t, line, len, NULL, "nl", got);
		ana_text_detect(tx, line, len, NULL, "nl", ngrams);
		/* Without the n-gram detector an undecided vote falls back to "xx". */
		ana_text_detect_tokens_with(tx, &novote, &t, line, len, NULL, "xx", vote);
		n++;
		ok += strcmp(got, argv[1]) == 0;
		ok_ngrams += strcmp(ngrams, argv[1]) == 0;
		voted += strcmp(vote, "xx") != 0;
		free(folded);
	}
	printf("%-4s %6zu texts: right %.4f (n-grams alone %.4f), settled by the vote %.1f%%\n",
	       argv[1], n, n ? (double)ok / (double)n : 0.0, n ? (double)ok_ngrams / (double)n : 0.0,
	       n ? 100.0 * (double)voted / (double)n : 0.0);
	ana_tokens_release(&t);
	ana_text_free(tx);
	return 0;
}
