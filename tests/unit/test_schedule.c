/* test_schedule.c: when a source is polled next (collector/schedule.c): interval and
 * floor, max-age and RSS ttl as lower bounds, backoff with Retry-After on 429/503, the
 * cap that keeps every source alive, bounded jitter; and the header parsers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

#define NOW ((time_t)1700000000)

static long after(long interval, const char *name, struct col_poll p)
{
	return (long)(col_schedule_next(NOW, interval, name, &p) - NOW);
}

/* lo <= v <= lo * 1.1 (+1 for rounding): the jitter only ever adds up to a tenth */
static void within(long v, long lo)
{
	assert_true(v >= lo);
	assert_true(v <= lo + lo / 10 + 1);
}

static void success_uses_interval_and_floor(void **state)
{
	within(after(1800, "a", (struct col_poll){.ok = 1}), 1800);
	/* a configured 60 s is raised to the 5-minute floor */
	within(after(60, "a", (struct col_poll){.ok = 1}), COL_INTERVAL_FLOOR_S);
}

static void freshness_is_a_lower_bound(void **state)
{
	within(after(1800, "a", (struct col_poll){.ok = 1, .max_age_s = 7200}), 7200);
	within(after(1800, "a", (struct col_poll){.ok = 1, .ttl_s = 3600}), 3600);
	/* shorter than the interval changes nothing */
	within(after(1800, "a", (struct col_poll){.ok = 1, .max_age_s = 60, .ttl_s = 60}), 1800);
	/* a server asking for ten days is held to the cap */
	within(after(1800, "a", (struct col_poll){.ok = 1, .max_age_s = 864000}),
	       COL_BACKOFF_CAP_S);
}

static void failures_back_off_but_never_park(void **state)
{
	within(after(1800, "a", (struct col_poll){.ok = 0, .http_status = 500}), 1800);
	within(after(1800, "a", (struct col_poll){.ok = 0, .http_status = 500, .prev_errors = 3}),
	       8 * 1800);
	within(after(1800, "a", (struct col_poll){.ok = 0, .http_status = 500, .prev_errors = 60}),
	       COL_BACKOFF_CAP_S);
}

static void retry_after_on_429_and_503_only(void **state)
{
	within(after(1800, "a",
		     (struct col_poll){.ok = 0, .http_status = 429, .retry_after_s = 7200}),
	       7200);
	within(after(1800, "a",
		     (struct col_poll){.ok = 0, .http_status = 503, .retry_after_s = 7200}),
	       7200);
	within(after(1800, "a",
		     (struct col_poll){.ok = 0, .http_status = 500, .retry_after_s = 7200}),
	       1800);
	within(after(1800, "a",
		     (struct col_poll){.ok = 0, .http_status = 429, .retry_after_s = 30 * 86400}),
	       COL_BACKOFF_CAP_S);
}

static void floor_and_cap_are_configurable(void **state)
{
	within(after(30, "a", (struct col_poll){.ok = 1, .floor_s = 10}), 30);
	within(after(30, "a", (struct col_poll){.ok = 1, .floor_s = 60}), 60);
	within(after(60, "a", (struct col_poll){.ok = 0, .http_status = 500, .prev_errors = 9,
						.cap_s = 3600}),
	       3600);
}

static void jitter_is_reproducible_and_spreads(void **state)
{
	struct col_poll p = {.ok = 1};
	long first = after(3600, "feed-1", p);
	int differ = 0;

	assert_int_equal(after(3600, "feed-1", p), first);
	for (int i = 2; i < 12; i++) {
		char name[16];
		snprintf(name, sizeof(name), "feed-%d", i);
		differ += after(3600, name, p) != first;
	}
	assert_true(differ >= 8);
}

static void header_values(void **state)
{
	assert_int_equal(col_retry_after("120", NOW), 120);
	assert_int_equal(col_retry_after(" 120 ", NOW), 120);
	assert_int_equal(col_retry_after("soon", NOW), 0);
	assert_int_equal(col_retry_after("-5", NOW), 0);
	assert_int_equal(col_retry_after(NULL, NOW), 0);
	/* HTTP date: 1700003600 is Tue, 14 Nov 2023 23:13:20 GMT */
	assert_int_equal(col_retry_after("Tue, 14 Nov 2023 23:13:20 GMT", NOW), 3600);
	assert_int_equal(col_retry_after("Tue, 14 Nov 2023 21:00:00 GMT", NOW), 0);
	assert_int_equal(col_max_age("public, max-age=600"), 600);
	assert_int_equal(col_max_age("max-age=600, no-cache"), 0);
	assert_int_equal(col_max_age("no-store"), 0);
	assert_int_equal(col_max_age("max-age=abc"), 0);
	assert_int_equal(col_max_age(NULL), 0);
}

static void rss_ttl_reaches_the_scheduler(void **state)
{
	static const char rss[] =
		"<rss version=\"2.0\"><channel><title>t</title><ttl>90</ttl>"
		"<item><guid>1</guid><description>Goed idee</description></item></channel></rss>";
	static const char silly[] =
		"<rss version=\"2.0\"><channel><ttl>99999999</ttl>"
		"<item><guid>1</guid><description>x</description></item></channel></rss>";
	struct core_item_list items = {0};
	struct col_feed_meta meta;
	struct core_err err = {0};

	assert_int_equal(col_parse_feed_meta(rss, strlen(rss), NULL, &items, &meta, &err), 0);
	assert_int_equal(meta.ttl_s, 90 * 60);
	assert_int_equal(items.n, 1);
	core_item_list_release(&items);
	assert_int_equal(col_parse_feed_meta(silly, strlen(silly), NULL, &items, &meta, &err), 0);
	assert_int_equal(meta.ttl_s, 0);
	core_item_list_release(&items);
}

int test_schedule(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(success_uses_interval_and_floor),
		cmocka_unit_test(freshness_is_a_lower_bound),
		cmocka_unit_test(failures_back_off_but_never_park),
		cmocka_unit_test(retry_after_on_429_and_503_only),
		cmocka_unit_test(floor_and_cap_are_configurable),
		cmocka_unit_test(jitter_is_reproducible_and_spreads),
		cmocka_unit_test(header_values),
		cmocka_unit_test(rss_ttl_reaches_the_scheduler),
	};
	return cmocka_run_group_tests_name("schedule", tests, NULL, NULL);
}
