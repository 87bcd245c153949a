/* support.c: helpers the unit-test groups share (see support.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"

void test_store_remove(const char *path)
{
	char side[4096];

	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

void test_put_item(struct core_db *db, int64_t src, const char *ext, const char *text,
		   const char *ambition, enum core_stance stance, const char *lang)
{
	struct core_item it = {0};
	struct core_err err = {0};
	enum core_put res;

	it.source = core_strdup("forms");
	it.external_id = core_strdup(ext);
	it.text = core_strdup(text);
	it.lang = core_strdup(lang ? lang : "nl");
	it.declared_stance = stance;
	if (ambition)
		assert_int_equal(core_strlist_push(&it.declared_ambitions, ambition), 0);
	if (core_db_item_put(db, src, &it, &res, &err) != 0)
		fail_msg("item_put: %s", err.msg);
	core_item_release(&it);
}
