/* test_stemmer.c: the analyzer's cached stemmer against the complete Snowball test
 * vocabularies that Debian's snowball-data ships (voc.txt in, output.txt expected):
 * every Dutch and English word must match exactly. Skips when the data is absent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text.h"

#define SNOWBALL_DATA "/usr/share/snowball/data"

static int have_data(void)
{
	FILE *f = fopen(SNOWBALL_DATA "/dutch/voc.txt", "r");
	if (f)
		fclose(f);
	return f != NULL;
}

static void chomp(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* Stems every word of lang's vocabulary twice (the second pass comes from the cache)
 * and counts the mismatches. */
static void check_language(const char *dir, const char *code)
{
	char voc_path[256], out_path[256], w[512], e[512];
	struct core_err err = {0};
	struct ana_text *tx = ana_text_new(&err);
	size_t words = 0, bad = 0;

	assert_non_null(tx);
	snprintf(voc_path, sizeof(voc_path), SNOWBALL_DATA "/%s/voc.txt", dir);
	snprintf(out_path, sizeof(out_path), SNOWBALL_DATA "/%s/output.txt", dir);
	for (int pass = 0; pass < 2; pass++) {
		FILE *voc = fopen(voc_path, "r"), *out = fopen(out_path, "r");
		assert_non_null(voc);
		assert_non_null(out);
		while (fgets(w, sizeof(w), voc)) {
			assert_non_null(fgets(e, sizeof(e), out));
			chomp(w);
			chomp(e);
			const char *s = ana_text_stem(tx, code, w, strlen(w));
			assert_non_null(s);
			if (strcmp(s, e) != 0) {
				if (bad < 10)
					print_message("%s: '%s' -> '%s', expected '%s'\n", code, w, s, e);
				bad++;
			}
			words += pass == 0;
		}
		assert_null(fgets(e, sizeof(e), out)); /* same number of lines */
		fclose(voc);
		fclose(out);
	}
	print_message("stemmer %s: %zu words, %zu mismatches over two passes\n", code, words, bad);
	assert_true(words > 1000);
	assert_int_equal(bad, 0);
	ana_text_free(tx);
}

static void dutch(void **state)
{
	(void)state;
	check_language("dutch", "nl");
}

static void english(void **state)
{
	(void)state;
	check_language("english", "en");
}

int test_stemmer(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dutch),
		cmocka_unit_test(english),
	};
	if (!have_data()) {
		fprintf(stderr, "stemmer: skipped, %s absent (install snowball-data)\n", SNOWBALL_DATA);
		return 77;
	}
	return cmocka_run_group_tests_name("stemmer", tests, NULL, NULL);
}
