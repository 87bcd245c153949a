/* fuzz_html.c: col_html_to_text on arbitrary bytes: never a crash or leak, and the
 * text it returns is valid UTF-8 without NUL bytes. Where the one-pass converter takes
 * the input, its text must be exactly what libxml2's parser gives. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "internal.h"

/* Checked in release builds too (assert would vanish under NDEBUG). */
#define CHECK(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct core_err err = {0};
	char *text = NULL, *slow = NULL;
	int was_fast = 0;

	if (col_html_to_text_how((const char *)data, size, 1, &text, &was_fast, &err) == 0) {
		CHECK(text);
		CHECK(core_utf8_valid(text, strlen(text)));
		if (was_fast) {
			CHECK(col_html_to_text_how((const char *)data, size, 0, &slow, NULL,
						   &err) == 0);
			CHECK(strcmp(text, slow) == 0);
		}
	}
	free(text);
	free(slow);
	return 0;
}
