/* support.h: what the unit-test groups share. */
#ifndef INSPRAAK_TEST_SUPPORT_H
#define INSPRAAK_TEST_SUPPORT_H

/* Removes a store's file and its -wal and -shm companions (absent ones are fine). */
void test_store_remove(const char *path);

#endif
