/* fuzz_html.c: col_html_to_text on arbitrary bytes: never a crash or leak, and the
 * text it returns is valid UTF-8 without NUL bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"

/* Checked in release builds too (assert would vanish under NDEBUG). */
#define CHECK(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct core_err err = {0};
	char *text = NULL;

	if (col_html_to_text((const char *)data, size, &text, &err) == 0) {
		CHECK(text);
		CHECK(core_utf8_valid(text, strlen(text)));
	}
	free(text);
	return 0;
}
