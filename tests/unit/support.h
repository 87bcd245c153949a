/* support.h: what the unit-test groups share. */
#ifndef INSPRAAK_TEST_SUPPORT_H
#define INSPRAAK_TEST_SUPPORT_H

#include "core.h"

/* Removes a store's file and its -wal and -shm companions (absent ones are fine). */
void test_store_remove(const char *path);

/* Stores one item of source "forms" (store id src) with its text, language (NULL: nl)
 * and, when given, the respondent's ambition and stance; fails the test otherwise. */
void test_put_item(struct core_db *db, int64_t src, const char *ext, const char *text,
		   const char *ambition, enum core_stance stance, const char *lang);

#endif
