/* support.c: helpers the unit-test groups share (see support.h). */
#include <stdio.h>
#include <unistd.h>

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
