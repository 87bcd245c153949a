/* fuzz_jsonsrc.c: the JSON source parsers on arbitrary bytes: the first byte picks the
 * Mastodon parser, the mapped-API parser or the Link header parser. Never a crash or
 * leak; what is appended is valid UTF-8 with an id. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Checked in release builds too (assert would vanish under NDEBUG). */
#define CHECK(c) do { if (!(c)) abort(); } while (0)

static const struct core_header mapping[] = {
	{"items", "data.results"}, {"id", "id"}, {"html", "html"}, {"text", "text"},
	{"time", "time"}, {"author", "a.b"}, {"url", "u.0"}, {"title", "t"}, {"lang", "l"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct core_item_list items = {0};
	struct core_err err = {0};
	int rc;

	if (size == 0)
		return 0;
	if (data[0] == 'L') {
		char *s = core_strndup((const char *)data + 1, size - 1);
		if (s) {
			free(col_link_next(s));
			free(s);
		}
		return 0;
	}
	if (data[0] == 'M')
		rc = col_parse_mastodon((const char *)data + 1, size - 1, &items, &err);
	else
		rc = col_parse_json_mapped((const char *)data + 1, size - 1, mapping,
					   sizeof(mapping) / sizeof(mapping[0]), &items, &err);
	if (rc)
		CHECK(items.n == 0);
	for (size_t i = 0; i < items.n; i++) {
		CHECK(items.v[i].external_id && items.v[i].text);
		CHECK(core_utf8_valid(items.v[i].text, strlen(items.v[i].text)));
	}
	core_item_list_release(&items);
	return 0;
}
