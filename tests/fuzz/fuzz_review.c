/* fuzz_review.c: what a reviewer types reaches the store as a search, a label, a reason
 * and a note: any bytes must give results or a refusal with a message, never a crash, an
 * FTS5 syntax error or a leak. One in-memory store with one item and one theme. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

static int count(const struct core_item_view *v, void *ctx)
{
	(void)v;
	(*(int *)ctx)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct core_db *db;
	struct core_err err = {0};
	char *s = malloc(size + 1);
	int n = 0, rc;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	if (!db) {
		struct core_item it = {.external_id = "1", .text = "Het loket moet open blijven"};
		struct core_theme t = {.id = "T1", .label = "loket", .size = 1};
		struct core_item_result r = {.item_id = 0, .theme = "T1"};
		struct core_run run = {.themes = &t, .n_themes = 1, .results = &r, .n_results = 1};
		enum core_put put;
		int64_t src = 0;
		if (!(db = core_db_open(":memory:", &err)) ||
		    core_db_source_ensure(db, "s", CORE_SRC_IMPORT, NULL, &src, &err) ||
		    core_db_item_put(db, src, &it, &put, &err))
			abort();
		r.item_id = it.id;
		if (core_db_run_save(db, &run, &err))
			abort();
	}
	{
		struct core_review_query q = {.match = s};
		rc = core_db_review_items(db, &q, count, &n, NULL, &err);
		if (rc && rc != CORE_ELIMIT && rc != CORE_ERUNTIME)
			abort(); /* only "too long" or "not text": never a store error */
		if (rc && !err.msg[0])
			abort();
	}
	{
		/* rename and note: applied or refused with a reason; the log stays consistent */
		struct core_review_action a = {.act = CORE_REV_RENAME, .reviewer = "fuzz",
					       .target = "T1", .label = s};
		struct core_review_action b = {.act = CORE_REV_NOTE, .reviewer = s, .target = "1",
					       .note = s};
		core_err_clear(&err);
		if (core_db_review(db, &a, &err) && !err.msg[0])
			abort();
		core_err_clear(&err);
		if (core_db_review(db, &b, &err) && !err.msg[0])
			abort();
	}
	free(s);
	return 0;
}
