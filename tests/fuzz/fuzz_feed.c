/* fuzz_feed.c: col_parse_feed on arbitrary bytes (RSS, RDF, Atom, JSON Feed). It must
 * never crash, leak or append items on failure; what it appends must be valid UTF-8. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"

/* Checked in release builds too (assert would vanish under NDEBUG). */
#define CHECK(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct core_item_list items = {0};
	struct core_err err = {0};
	int rc = col_parse_feed((const char *)data, size, NULL, &items, &err);

	if (rc)
		CHECK(items.n == 0);
	for (size_t i = 0; i < items.n; i++) {
		const struct core_item *it = &items.v[i];
		CHECK(it->external_id && it->text);
		CHECK(core_utf8_valid(it->text, strlen(it->text)));
	}
	core_item_list_release(&items);
	return 0;
}
