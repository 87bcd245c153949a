/* test_jsonsrc.c: the JSON source parsers (collector/jsonsrc.c): a generic API read
 * through a mapping, Mastodon statuses, and the Link header's rel="next". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

static const struct core_header mapping[] = {
	{"items", "data.results"}, {"id", "uuid"}, {"html", "body_html"}, {"text", "body"},
	{"time", "at"}, {"author", "who.name"}, {"url", "links.0"}, {"lang", "lang"},
};
#define N_MAPPING (sizeof(mapping) / sizeof(mapping[0]))

static int parse(const char *json, struct core_item_list *out, struct core_err *err)
{
	memset(out, 0, sizeof(*out));
	return col_parse_json_mapped(json, strlen(json), mapping, N_MAPPING, out, err);
}

static void mapped_fields(void **state)
{
	struct core_item_list l;
	struct core_err err = {0};
	const char *json =
		"{\"data\": {\"results\": ["
		"{\"uuid\": 7, \"body_html\": \"<p>Goed&nbsp;idee &amp; snel</p>\", \"at\": 1709287200,"
		" \"who\": {\"name\": \"Anna\"}, \"links\": [\"https://x.example/7\"], \"lang\": \"nl\"},"
		"{\"body\": \"  alleen   platte tekst \", \"at\": \"05-03-2024 10:00\"},"
		"{\"uuid\": \"leeg\", \"body\": \"\"},"
		"\"geen object\""
		"]}}";

	assert_int_equal(parse(json, &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].external_id, "7");
	assert_string_equal(l.v[0].text, "Goed idee & snel");
	assert_string_equal(l.v[0].published_at, "2024-03-01T10:00:00Z");
	assert_string_equal(l.v[0].author, "Anna");
	assert_string_equal(l.v[0].url, "https://x.example/7");
	assert_string_equal(l.v[0].lang, "nl");
	/* no id, no url: the content identifies it */
	assert_string_equal(l.v[1].text, "alleen platte tekst");
	assert_non_null(strstr(l.v[1].external_id, "hash:"));
	assert_string_equal(l.v[1].published_at, "2024-03-05T10:00:00Z");
	core_item_list_release(&l);
}

static void mapped_errors(void **state)
{
	struct core_item_list l;
	struct core_err err = {0};

	assert_int_equal(parse("{\"data\": {\"results\": {}}}", &l, &err), CORE_ERUNTIME);
	assert_non_null(strstr(err.msg, "no array of items at 'data.results'"));
	assert_int_equal(parse("{\"data\": ", &l, &err), CORE_ERUNTIME);
	assert_non_null(strstr(err.msg, "not valid JSON"));
	assert_int_equal(l.n, 0);
}

static void mastodon_statuses(void **state)
{
	struct core_item_list l = {0};
	struct core_err err = {0};
	const char *json =
		"[{\"id\": \"109\", \"url\": \"https://m.example/@a/109\", \"created_at\": "
		"\"2024-03-01T10:00:00.000Z\", \"content\": \"<p>Ik ben <b>tegen</b> de app</p>\","
		" \"language\": \"nl\", \"account\": {\"acct\": \"a@m.example\"}, \"reblog\": null},"
		" {\"id\": \"110\", \"content\": \"<p>boost</p>\", \"reblog\": {\"id\": \"1\"}},"
		" {\"id\": \"111\", \"uri\": \"https://m.example/s/111\", \"content\": \"\"}]";

	assert_int_equal(col_parse_mastodon(json, strlen(json), &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].external_id, "109");
	assert_string_equal(l.v[0].text, "Ik ben tegen de app");
	assert_string_equal(l.v[0].author, "a@m.example");
	assert_string_equal(l.v[0].lang, "nl");
	assert_string_equal(l.v[0].published_at, "2024-03-01T10:00:00Z");
	core_item_list_release(&l);
	assert_int_equal(col_parse_mastodon("{\"error\": \"x\"}", 14, &l, &err), CORE_ERUNTIME);
	assert_non_null(strstr(err.msg, "not a Mastodon timeline"));
}

static void link_next(void **state)
{
	char *u = col_link_next("<https://m.example/api/v1/timelines/tag/x?max_id=5>; rel=\"next\", "
				"<https://m.example/api/v1/timelines/tag/x?min_id=9>; rel=\"prev\"");
	assert_string_equal(u, "https://m.example/api/v1/timelines/tag/x?max_id=5");
	free(u);
	u = col_link_next("<https://m.example/p?min_id=9>; rel=\"prev\", <https://m.example/n>; "
			  "Rel=\"Next\"");
	assert_string_equal(u, "https://m.example/n");
	free(u);
	assert_null(col_link_next("<https://m.example/p?min_id=9>; rel=\"prev\""));
	assert_null(col_link_next("garbage without brackets"));
	assert_null(col_link_next(NULL));
}

int test_jsonsrc(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mapped_fields),
		cmocka_unit_test(mapped_errors),
		cmocka_unit_test(mastodon_statuses),
		cmocka_unit_test(link_next),
	};
	return cmocka_run_group_tests_name("jsonsrc", tests, NULL, NULL);
}
