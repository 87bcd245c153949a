/* The one unit-test runner: `unit_tests GROUP [FILTER]` runs one group (ctest -R
 * unit.GROUP), `unit_tests` runs all. FILTER is a cmocka test-name pattern. A group
 * returns 77 to say it skipped (data absent). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "groups.h"

int main(int argc, char **argv)
{
	int failed = 0, found = 0;

	if (argc > 2)
		cmocka_set_test_filter(argv[2]);
	for (const struct group *g = groups; g->name; g++) {
		if (argc > 1 && strcmp(argv[1], g->name) != 0)
			continue;
		found = 1;
		int rc = g->run();
		if (argc > 1 && rc == 77)
			return 77;
		if (rc != 77)
			failed += rc;
	}
	if (!found) {
		fprintf(stderr, "unit_tests: no group '%s'\n", argv[1]);
		return 2;
	}
	return failed ? 1 : 0;
}
