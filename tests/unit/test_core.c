/* test_core.c: unit tests for core/: migrations and refusal of foreign or newer
 * databases, configuration errors with their path/line/column, dates, durations,
 * fingerprints, capped buffers and the store's item and run round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <utf8proc.h>

#include "core.h"
#include "support.h"

static char *temp_db(void)
{
	char *path = strdup("/tmp/inspraak-test-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path); /* let SQLite create it */
	return path;
}

static void remove_db(char *path)
{
	test_store_remove(path);
	free(path);
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *h;
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

/* ---------------------------------------------------------------- store schema */

static void migrations_create_current_schema(void **state)
{
	char *path = temp_db();
	struct core_err err = {0};
	struct core_db *db = core_db_open(path, &err);

	assert_non_null(db);
	assert_int_equal(core_db_schema_version(db), CORE_DB_SCHEMA_VERSION);
	core_db_close(db);
	/* reopening an up-to-date database changes nothing and works */
	db = core_db_open(path, &err);
	assert_non_null(db);
	assert_int_equal(core_db_schema_version(db), CORE_DB_SCHEMA_VERSION);
	assert_int_equal(core_db_item_count(db), 0);
	core_db_close(db);
	remove_db(path);
}

static void newer_database_is_refused(void **state)
{
	char *path = temp_db();
	struct core_err err = {0};
	struct core_db *db = core_db_open(path, &err);

	assert_non_null(db);
	core_db_close(db);
	raw_exec(path, "PRAGMA user_version = 99");
	db = core_db_open(path, &err);
	assert_null(db);
	assert_int_equal(err.code, CORE_EDB);
	assert_non_null(strstr(err.msg, "schema version 99"));
	assert_non_null(strstr(err.msg, "newer inspraak"));
	remove_db(path);
}

/* Item texts read on a thread of their own (core_db_item_texts_start/finish) are the
 * texts the store's own connection reads, in the order asked, NULL for an unknown id;
 * finish without out drops them. core_db_item_id_max bounds the items at once. */
static void item_texts_read_beside(void **state)
{
	(void)state;
	char *path = temp_db();
	struct core_err err = {0};
	struct core_db *db = core_db_open(path, &err);
	int64_t src, ids[4];
	char *direct[4], *beside[4];

	assert_non_null(db);
	assert_int_equal(core_db_item_id_max(db), 0);
	assert_int_equal(core_db_source_ensure(db, "forms", CORE_SRC_IMPORT, NULL, &src, &err), 0);
	test_put_item(db, src, "T-1", "De balie moet open blijven.", NULL, CORE_STANCE_NONE, NULL);
	test_put_item(db, src, "T-2", "Meer loketten op zaterdag.", NULL, CORE_STANCE_NONE, NULL);
	test_put_item(db, src, "T-3", "Digitaal als het kan.", NULL, CORE_STANCE_NONE, NULL);
	assert_int_equal(core_db_item_id_max(db), 3);
	ids[0] = 3;
	ids[1] = 1;
	ids[2] = 99; /* no such item */
	ids[3] = 2;
	assert_int_equal(core_db_item_texts(db, ids, 4, direct, &err), 0);
	struct core_text_fetch *f = core_db_item_texts_start(db, ids, 4);
	assert_non_null(f);
	assert_int_equal(core_db_item_texts_finish(db, f, beside, &err), 0);
	assert_string_equal(beside[0], "Digitaal als het kan.");
	assert_null(beside[2]);
	for (int i = 0; i < 4; i++) {
		if (direct[i])
			assert_string_equal(beside[i], direct[i]);
		free(direct[i]);
		free(beside[i]);
	}
	/* Dropped unread: nothing to hand over, nothing left behind (ASan checks). */
	assert_non_null(f = core_db_item_texts_start(db, ids, 4));
	assert_int_equal(core_db_item_texts_finish(db, f, NULL, NULL), 0);
	core_db_close(db);
	remove_db(path);
}

static void foreign_database_is_refused(void **state)
{
	char *path = temp_db();
	struct core_err err = {0};
	struct core_db *db;

	raw_exec(path, "CREATE TABLE t(x); PRAGMA user_version = 3;");
	db = core_db_open(path, &err);
	assert_null(db);
	assert_int_equal(err.code, CORE_EDB);
	assert_non_null(strstr(err.msg, "not an inspraak database"));
	remove_db(path);
}

static void garbage_file_is_a_db_error(void **state)
{
	char *path = temp_db();
	struct core_err err = {0};
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	for (int i = 0; i < 200; i++)
		fputs("this is not a database at all\n", f);
	fclose(f);
	assert_null(core_db_open(path, &err));
	assert_int_equal(err.code, CORE_EDB);
	assert_non_null(strstr(err.msg, path));
	remove_db(path);
}

/* ---------------------------------------------------------------- configuration */

static const char good_config[] =
	"{\n"
	"  \"vision\": {\n"
	"    \"title\": \"Visie\",\n"
	"    \"ambitions\": [\n"
	"      {\"code\": \"A1\", \"title\": \"Digitaal\", \"keywords\": {\"nl\": [\"online\"]},\n"
	"       \"hashtags\": [\"DigitaalStandaard\"]},\n"
	"      {\"code\": \"A2\", \"title\": \"Loket\"}\n"
	"    ]\n"
	"  },\n"
	"  \"sources\": [\n"
	"    {\"name\": \"blog\", \"type\": \"rss\", \"url\": \"http://127.0.0.1:1/f.rss\",\n"
	"     \"interval\": \"15m\", \"headers\": {\"X-Key\": \"v\"}}\n"
	"  ],\n"
	"  \"server\": {\"max_body\": \"128KiB\"}\n"
	"}\n";

static void config_valid_with_defaults(void **state)
{
	struct core_config cfg;
	struct core_err err = {0};

	assert_int_equal(core_config_parse(good_config, strlen(good_config), "/etc/x/c.json", &cfg,
					   &err), 0);
	assert_int_equal(cfg.n_ambitions, 2);
	assert_string_equal(cfg.ambitions[0].code, "A1");
	assert_string_equal(cfg.ambitions[0].hashtags.v[0], "#digitaalstandaard");
	assert_int_equal(cfg.n_sources, 1);
	assert_int_equal(cfg.sources[0].interval_s, 900);
	assert_int_equal(cfg.sources[0].type, CORE_SRC_RSS);
	assert_int_equal(cfg.sources[0].enabled, 1);
	assert_string_equal(cfg.sources[0].headers[0].name, "X-Key");
	assert_int_equal(cfg.server.max_body, 128 * 1024);
	assert_string_equal(cfg.server.listen, "127.0.0.1:8080");
	assert_int_equal(cfg.analysis.seed, 42);
	/* a relative database sits next to the configuration file */
	assert_string_equal(cfg.database, "/etc/x/inspraak.db");
	assert_non_null(core_config_ambition(&cfg, "a2"));
	core_config_release(&cfg);
}

/* Parses text expecting failure; returns the message in a static buffer. */
static const char *config_error(const char *text)
{
	static struct core_err err;
	struct core_config cfg;
	memset(&err, 0, sizeof(err));
	assert_int_equal(core_config_parse(text, strlen(text), "c.json", &cfg, &err), CORE_ECONFIG);
	return err.msg;
}

static void config_unknown_key_suggests(void **state)
{
	const char *msg = config_error("{\n"
				       "  \"vision\": {\"title\": \"V\", \"ambitions\": [{\"code\": "
				       "\"A1\", \"title\": \"T\"}]},\n"
				       "  \"sources\": [\n"
				       "    {\"name\": \"x\", \"typ\": \"rss\", \"url\": \"http://h/\"}\n"
				       "  ]\n"
				       "}\n");
	assert_string_equal(msg, "c.json:4:19: $.sources[0].typ: unknown key 'typ' (did you "
				 "mean 'type'?)");
}

static void config_wrong_type_names_value_position(void **state)
{
	const char *msg = config_error("{\"vision\": {\"title\": \"V\", \"ambitions\": [{\"code\": "
				       "\"A1\", \"title\": \"T\"}]},\n"
				       " \"analysis\": {\"max_themes\": \"many\"}}");
	assert_string_equal(msg, "c.json:2:29: $.analysis.max_themes: must be an integer, not "
				 "a string");
}

static void config_invalid_json_has_line_and_column(void **state)
{
	const char *msg = config_error("{\n  \"database\": \"x.db\",\n  \"vision\": }\n");
	assert_non_null(strstr(msg, "c.json:3:"));
	assert_non_null(strstr(msg, "invalid JSON"));
}

static void config_semantic_errors(void **state)
{
	const char *head = "{\"vision\": {\"title\": \"V\", \"ambitions\": [{\"code\": \"A1\", "
			   "\"title\": \"T\"}";
	char text[1024];

	assert_non_null(strstr(config_error("{\"database\": \"x\"}"),
			       "missing required key 'vision'"));
	snprintf(text, sizeof(text), "%s, {\"code\": \"A1\", \"title\": \"U\"}]}}", head);
	assert_non_null(strstr(config_error(text), "$.vision.ambitions[1].code: duplicate "
						   "ambition code 'A1'"));
	snprintf(text, sizeof(text), "%s]}, \"sources\": [{\"name\": \"s\", \"type\": \"gopher\", "
		 "\"url\": \"http://h/\"}]}", head);
	assert_non_null(strstr(config_error(text), "unknown source type 'gopher'"));
	snprintf(text, sizeof(text), "%s]}, \"sources\": [{\"name\": \"s\", \"type\": \"rss\", "
		 "\"url\": \"file:///etc/passwd\"}]}", head);
	assert_non_null(strstr(config_error(text), "not an http or https URL"));
	snprintf(text, sizeof(text), "%s]}, \"sources\": [{\"name\": \"s\", \"type\": \"rss\", "
		 "\"url\": \"http://h/\", \"interval\": \"soon\"}]}", head);
	assert_non_null(strstr(config_error(text), "$.sources[0].interval: must be a duration"));
	snprintf(text, sizeof(text), "%s]}, \"database\": \"a\", \"database\": \"b\"}", head);
	assert_non_null(strstr(config_error(text), "invalid JSON"));
	snprintf(text, sizeof(text), "%s]}, \"server\": {\"listen\": \"nowhere\"}}", head);
	assert_non_null(strstr(config_error(text), "$.server.listen"));
	snprintf(text, sizeof(text), "%s]}, \"forms\": [{\"name\": \"f\", \"fields\": [\"a\"], "
		 "\"text_field\": \"b\"}]}", head);
	assert_non_null(strstr(config_error(text), "'b' is not one of the form's fields"));
	assert_non_null(strstr(config_error("[1, 2]"), "must be a JSON object"));
}

static void config_collect_and_json_mapping(void **state)
{
	static const char text[] =
		"{\"vision\": {\"title\": \"V\", \"ambitions\": [{\"code\": \"A1\", \"title\": \"T\"}]},\n"
		" \"collect\": {\"min_interval\": \"1m\", \"max_backoff\": \"2h\", \"per_host\": 4},\n"
		" \"sources\": [{\"name\": \"api\", \"type\": \"json\", \"url\": \"http://h/x\",\n"
		"   \"mapping\": {\"items\": \"data.results\", \"text\": \"body\", \"id\": \"uuid\"}}]}";
	const char *head = "{\"vision\": {\"title\": \"V\", \"ambitions\": [{\"code\": \"A1\", "
			   "\"title\": \"T\"}]}";
	struct core_config cfg;
	struct core_err err = {0};
	char bad[1024];

	assert_int_equal(core_config_parse(text, strlen(text), "c.json", &cfg, &err), 0);
	assert_int_equal(cfg.collect.min_interval_s, 60);
	assert_int_equal(cfg.collect.max_backoff_s, 7200);
	assert_int_equal(cfg.collect.per_host, 4);
	assert_int_equal(cfg.collect.parallel, 8);
	assert_int_equal(cfg.collect.stall_s, 20);
	assert_int_equal(cfg.collect.timeout_s, 60);
	assert_int_equal(cfg.sources[0].n_mapping, 3);
	assert_string_equal(cfg.sources[0].mapping[0].name, "items");
	assert_string_equal(cfg.sources[0].mapping[0].value, "data.results");
	core_config_release(&cfg);

	snprintf(bad, sizeof(bad), "%s, \"sources\": [{\"name\": \"s\", \"type\": \"json\", "
		 "\"url\": \"http://h/\"}]}", head);
	assert_non_null(strstr(config_error(bad), "needs a 'mapping'"));
	snprintf(bad, sizeof(bad), "%s, \"sources\": [{\"name\": \"s\", \"type\": \"rss\", "
		 "\"url\": \"http://h/\", \"mapping\": {\"text\": \"t\"}}]}", head);
	assert_non_null(strstr(config_error(bad), "only for sources of type json"));
	snprintf(bad, sizeof(bad), "%s, \"sources\": [{\"name\": \"s\", \"type\": \"json\", "
		 "\"url\": \"http://h/\", \"mapping\": {\"txt\": \"t\"}}]}", head);
	assert_non_null(strstr(config_error(bad), "unknown key 'txt' (did you mean 'text'?)"));
	snprintf(bad, sizeof(bad), "%s, \"collect\": {\"min_interval\": \"1h\", "
		 "\"max_backoff\": \"10m\"}}", head);
	assert_non_null(strstr(config_error(bad), "$.collect.max_backoff"));
}

static void config_missing_file(void **state)
{
	struct core_config cfg;
	struct core_err err = {0};
	assert_int_equal(core_config_load("/nonexistent/inspraak.json", &cfg, &err), CORE_ECONFIG);
	assert_non_null(strstr(err.msg, "/nonexistent/inspraak.json"));
	assert_non_null(strstr(err.msg, "inspraak init"));
}

static void config_starter_is_valid(void **state)
{
	struct core_config cfg;
	struct core_err err = {0};
	const char *s = core_config_starter();
	assert_int_equal(core_config_parse(s, strlen(s), "starter", &cfg, &err), 0);
	assert_true(cfg.n_ambitions >= 1);
	core_config_release(&cfg);
}

/* ---------------------------------------------------------------- helpers */

static void time_formats(void **state)
{
	time_t t;
	char out[21];
	struct { const char *in, *want; } cases[] = {
		{"2024-03-05T10:15:00Z", "2024-03-05T10:15:00Z"},
		{"2024-03-05T11:15:00+01:00", "2024-03-05T10:15:00Z"},
		{"2024-03-05 14:22", "2024-03-05T14:22:00Z"},
		{"2024-03-05", "2024-03-05T00:00:00Z"},
		{"2024-03-05T10:15:00.123Z", "2024-03-05T10:15:00Z"},
		{"Tue, 05 Mar 2024 11:15:00 +0100", "2024-03-05T10:15:00Z"},
		{"05 Mar 2024 10:15:00 GMT", "2024-03-05T10:15:00Z"},
		{"Tue, 05 Mar 2024 05:15:00 EST", "2024-03-05T10:15:00Z"},
		{"05-03-2024 10:15", "2024-03-05T10:15:00Z"},
		{"5/3/2024", "2024-03-05T00:00:00Z"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(core_time_parse(cases[i].in, &t), 0);
		core_time_format(t, out);
		assert_string_equal(out, cases[i].want);
	}
	assert_int_equal(core_time_parse("yesterday", &t), -1);
	assert_int_equal(core_time_parse("2024-13-05", &t), -1);
	assert_int_equal(core_time_parse("2024-03-05T25:00", &t), -1);
	assert_int_equal(core_time_parse("2024-03-05 junk", &t), -1);
	/* found by fuzzing: a six-digit year overflowed the formatted date */
	assert_int_equal(core_time_parse("Tue, 05 Mar 123456 10:00:00 GMT", &t), -1);
	assert_int_equal(core_time_parse("10000-03-05", &t), -1);
	core_time_format((time_t)1 << 50, out);
	assert_string_equal(out, "9999-12-31T23:59:59Z");
	core_time_format(-((time_t)1 << 50), out);
	assert_string_equal(out, "0001-01-01T00:00:00Z");
}

static void durations(void **state)
{
	long s;
	assert_int_equal(core_duration_parse("90s", &s), 0);
	assert_int_equal(s, 90);
	assert_int_equal(core_duration_parse("30m", &s), 0);
	assert_int_equal(s, 1800);
	assert_int_equal(core_duration_parse("6h", &s), 0);
	assert_int_equal(s, 21600);
	assert_int_equal(core_duration_parse("120", &s), 0);
	assert_int_equal(s, 120);
	assert_int_equal(core_duration_parse("-5m", &s), -1);
	assert_int_equal(core_duration_parse("5 m", &s), -1);
	assert_int_equal(core_duration_parse("5y", &s), -1);
	assert_int_equal(core_duration_parse("", &s), -1);
}

static void fingerprints_ignore_case_space_punctuation(void **state)
{
	char a[17], b[17], c[17], d[17];
	core_text_fingerprint("Goed IDEE, die ideeën!", a);
	core_text_fingerprint("  goed idee die IDEEËN ", b);
	/* NFD input (e + combining diaeresis) is the same text */
	core_text_fingerprint("goed idee die ideee\xcc\x88n", c);
	core_text_fingerprint("slecht idee die ideeën", d);
	assert_string_equal(a, b);
	assert_string_equal(a, c);
	assert_string_not_equal(a, d);
	assert_int_equal(strlen(a), 16);
	/* full case folding beyond ASCII, and a combining mark with no letter before it */
	core_text_fingerprint("STRASSE \xc3\x89\xc3\x89N", a);
	core_text_fingerprint("Stra\xc3\x9f" "e \xc3\xa9\xc3\xa9n", b);
	assert_string_equal(a, b);
	core_text_fingerprint("\xcc\x88 x", c);
	core_text_fingerprint("x", d);
	assert_string_equal(c, d);
	core_text_fingerprint("caf\xc3\xa9", a);
	core_text_fingerprint("cafe", b);
	assert_string_not_equal(a, b);
}

static void utf8_checks(void **state)
{
	char *s;
	assert_true(core_utf8_valid("ideeën", strlen("ideeën")));
	assert_false(core_utf8_valid("caf\xe9", 4));
	assert_false(core_utf8_valid("a\0b", 3));
	s = core_utf8_sanitize("caf\xe9!", 5);
	assert_string_equal(s, "caf\xEF\xBF\xBD!");
	free(s);
	s = core_utf8_fold("IDEEËN Straße");
	assert_string_equal(s, "ideeën strasse");
	free(s);
}

/* core_utf8_fold maps only the stretches around non-ASCII characters; whatever the
 * mix, the result must equal utf8proc mapping the whole text. Pieces that compose
 * with the ASCII letter before them (combining marks), reorder (two marks), fold to
 * ASCII (Kelvin sign, sharp s) or grow (U+0130), in random strings. */
static void fold_equals_whole_text_mapping(void **state)
{
	(void)state;
	static const char *const piece[] = {
		"a", "E", "Z", " ", ".", "1", "e\xcc\x81", "\xcc\x88", "\xcc\xa3\xcc\x81",
		"\xe2\x84\xaa", "\xc3\x9f", "\xc4\xb0", "\xc3\x89", "\xea\xb0\x80", "\xe1\x84\x80\xe1\x85\xa1",
		"\xef\xac\x81", "\xce\xa3", "#", "\xf0\x9f\x98\x80", "A\xcc\x8a",
	};
	const size_t n_piece = sizeof(piece) / sizeof(*piece);
	uint64_t x = 42;
	char text[256];

	for (int round = 0; round < 5000; round++) {
		size_t len = 0;
		int n = 1 + (int)(round % 12);
		for (int k = 0; k < n; k++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			const char *pc = piece[(x >> 33) % n_piece];
			memcpy(text + len, pc, strlen(pc));
			len += strlen(pc);
		}
		text[len] = '\0';
		utf8proc_uint8_t *want = NULL;
		assert_true(utf8proc_map((const utf8proc_uint8_t *)text, 0, &want,
					 UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE |
						 UTF8PROC_CASEFOLD) >= 0);
		char *got = core_utf8_fold(text);
		assert_non_null(got);
		if (strcmp(got, (const char *)want) != 0)
			fail_msg("fold of '%s': '%s', want '%s'", text, got, (const char *)want);
		free(got);
		free(want);
	}
}

static void buffer_cap_is_an_error(void **state)
{
	struct core_buf b;
	core_buf_init(&b, 10);
	assert_int_equal(core_buf_puts(&b, "12345"), 0);
	assert_int_equal(core_buf_puts(&b, "67890"), 0);
	assert_int_equal(core_buf_puts(&b, "X"), CORE_ELIMIT);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "1234567890");
	core_buf_release(&b);
}

static void stance_names(void **state)
{
	assert_int_equal(core_stance_parse(" Steun "), CORE_STANCE_SUPPORT);
	assert_int_equal(core_stance_parse("BEZWAAR"), CORE_STANCE_OBJECTION);
	assert_int_equal(core_stance_parse("gemengd"), CORE_STANCE_MIXED);
	assert_int_equal(core_stance_parse("neutral"), CORE_STANCE_NEUTRAL);
	assert_int_equal(core_stance_parse("misschien"), CORE_STANCE_NONE);
	assert_string_equal(core_stance_name(CORE_STANCE_OBJECTION), "objection");
}

/* ---------------------------------------------------------------- store round trips */

struct collected {
	int n;
	int64_t ids[16];
	char themes[16][32];
	size_t stances[16];
	int declared[16];
};

static int collect_cb(const struct core_item_view *v, void *ctx)
{
	struct collected *c = ctx;
	if (c->n < 16) {
		c->ids[c->n] = v->item.id;
		snprintf(c->themes[c->n], 32, "%s", v->theme ? v->theme : "");
		c->stances[c->n] = v->n_stances;
		c->declared[c->n] = (int)v->item.declared_ambitions.n;
	}
	c->n++;
	return 0;
}

static void items_put_dedup_update(void **state)
{
	char *path = temp_db();
	struct core_err err = {0};
	struct core_db *db = core_db_open(path, &err);
	struct core_item it = {0};
	enum core_put r;
	int64_t src, src2, id;
	struct collected c = {0};

	assert_non_null(db);
	assert_int_equal(core_db_source_ensure(db, "forms", CORE_SRC_IMPORT, NULL, &src, &err), 0);
	assert_int_equal(core_db_source_ensure(db, "forms", CORE_SRC_IMPORT, NULL, &src2, &err), 0);
	assert_int_equal(src, src2);
	it.external_id = strdup("F-1");
	it.text = strdup("Goed idee, de balie moet open blijven.");
	it.declared_stance = CORE_STANCE_SUPPORT;
	core_strlist_push(&it.declared_ambitions, "A2");
	assert_int_equal(core_db_item_put(db, src, &it, &r, &err), 0);
	assert_int_equal(r, CORE_PUT_NEW);
	id = it.id;
	/* same id, same content (other spacing): a duplicate */
	free(it.text);
	it.text = strdup("Goed idee,  de balie moet open blijven");
	it.content_hash[0] = '\0';
	assert_int_equal(core_db_item_put(db, src, &it, &r, &err), 0);
	assert_int_equal(r, CORE_PUT_DUPLICATE);
	assert_int_equal(it.id, id);
	/* same id, changed content: updated and marked edited */
	free(it.text);
	it.text = strdup("Slecht idee, de balie mag dicht.");
	it.content_hash[0] = '\0';
	assert_int_equal(core_db_item_put(db, src, &it, &r, &err), 0);
	assert_int_equal(r, CORE_PUT_UPDATED);
	assert_int_equal(core_db_item_count(db), 1);
	assert_int_equal(core_db_items_each(db, NULL, collect_cb, &c, &err), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.declared[0], 1);
	core_item_release(&it);
	core_db_close(db);
	remove_db(path);
}

static enum core_put put(struct core_db *db, int64_t src, const char *id, const char *url,
			 const char *author, const char *text, int64_t *item_id)
{
	struct core_item it = {0};
	struct core_err err = {0};
	enum core_put r = 0;

	it.external_id = strdup(id);
	it.url = core_strdup(url);
	it.author = core_strdup(author);
	it.text = strdup(text);
	it.match_other_sources = 1;
	assert_int_equal(core_db_item_put(db, src, &it, &r, &err), 0);
	if (item_id)
		*item_id = it.id;
	core_item_release(&it);
	return r;
}

static void syndication_counts_once(void **state)
{
	static const char long_text[] =
		"Ik vind het een goed idee dat de balie in het dorp open blijft voor ouderen.";
	char *path = temp_db();
	struct core_err err = {0};
	struct core_db *db = core_db_open(path, &err);
	int64_t blog, masto, form, other, first, id;
	struct core_strlist copies = {0};

	assert_non_null(db);
	assert_int_equal(core_db_source_ensure(db, "blog", CORE_SRC_RSS, "http://h/b", &blog, &err), 0);
	assert_int_equal(core_db_source_ensure(db, "masto", CORE_SRC_MASTODON, "http://h/m", &masto, &err), 0);
	assert_int_equal(core_db_source_ensure(db, "form", CORE_SRC_IMPORT, NULL, &form, &err), 0);
	assert_int_equal(core_db_source_ensure(db, "other", CORE_SRC_RSS, "http://h/o", &other, &err), 0);
	assert_int_equal(put(db, blog, "b1", "https://Example.org/post/1/?utm_source=x#c", "Anna",
			     "Eerste versie van de tekst", &first), CORE_PUT_NEW);
	/* the same page linked from another feed: same normalised URL */
	assert_int_equal(put(db, masto, "m9", "https://example.org/post/1", NULL,
			     "Heel andere woorden", &id), CORE_PUT_SYNDICATED);
	assert_int_equal(id, first);
	/* seen again on that feed: a duplicate, not a new copy */
	assert_int_equal(put(db, masto, "m9", "https://example.org/post/1", NULL,
			     "Heel andere woorden", NULL), CORE_PUT_DUPLICATE);
	/* the same long text by the same person elsewhere */
	assert_int_equal(put(db, blog, "b2", NULL, "Bram", long_text, &first), CORE_PUT_NEW);
	assert_int_equal(put(db, masto, "m10", NULL, "bram", long_text, &id), CORE_PUT_SYNDICATED);
	assert_int_equal(id, first);
	/* ... but signed by someone else: a form letter, counted again */
	assert_int_equal(put(db, other, "o1", NULL, "Carla", long_text, NULL), CORE_PUT_NEW);
	/* short texts are too common to be one person's words */
	assert_int_equal(put(db, blog, "b3", NULL, NULL, "Helemaal eens!", NULL), CORE_PUT_NEW);
	assert_int_equal(put(db, masto, "m11", NULL, NULL, "Helemaal eens!", NULL), CORE_PUT_NEW);
	/* without the flag (imports) nothing is matched across sources */
	{
		struct core_item it = {0};
		enum core_put r;
		it.external_id = strdup("f1");
		it.author = strdup("Bram");
		it.text = strdup(long_text);
		assert_int_equal(core_db_item_put(db, form, &it, &r, &err), 0);
		assert_int_equal(r, CORE_PUT_NEW);
		core_item_release(&it);
	}
	assert_int_equal(core_db_item_count(db), 6);
	assert_int_equal(core_db_item_copies(db, first, &copies, &err), 0);
	assert_int_equal(copies.n, 1);
	assert_string_equal(copies.v[0], "masto");
	core_strlist_release(&copies);
	core_db_close(db);
	remove_db(path);
}

static void run_save_and_filters(void **state)
{
	char *path = temp_db();
	struct core_err err = {0};
	struct core_db *db = core_db_open(path, &err);
	struct core_run_info info;
	struct core_theme *themes = NULL;
	size_t n_themes = 0;
	int64_t src, ids[3];
	struct core_item_stance st[2] = {
		{.code = "A1", .stance = CORE_STANCE_SUPPORT, .score = 0.8},
		{.code = "A2", .stance = CORE_STANCE_OBJECTION, .score = 0.6,
		 .origin = CORE_ORIGIN_RESPONDENT},
	};
	struct core_item_result res[3] = {0};
	struct core_theme th[1] = {0};
	struct core_run run = {0};
	struct collected c = {0};

	assert_non_null(db);
	assert_int_equal(core_db_run_latest(db, &info, &err), CORE_ERUNTIME);
	assert_non_null(strstr(err.msg, "no analysis yet"));
	assert_int_equal(core_db_source_ensure(db, "s", CORE_SRC_RSS, "http://h/", &src, &err), 0);
	for (int i = 0; i < 3; i++) {
		struct core_item it = {0};
		enum core_put r;
		char text[64];
		snprintf(text, sizeof(text), "reactie nummer %d", i);
		it.external_id = core_asprintf("g%d", i);
		it.text = strdup(text);
		it.published_at = core_asprintf("2024-03-0%dT10:00:00Z", i + 1);
		assert_int_equal(core_db_item_put(db, src, &it, &r, &err), 0);
		ids[i] = it.id;
		core_item_release(&it);
	}
	snprintf(th[0].id, sizeof(th[0].id), "T1");
	th[0].label = "balie telefoon";
	th[0].size = 2;
	core_strlist_push(&th[0].top_terms, "balie");
	th[0].quotes = ids;
	th[0].n_quotes = 2;
	for (int i = 0; i < 3; i++) {
		res[i].item_id = ids[i];
		snprintf(res[i].lang, sizeof(res[i].lang), "nl");
	}
	snprintf(res[0].theme, sizeof(res[0].theme), "T1");
	snprintf(res[1].theme, sizeof(res[1].theme), "T1");
	res[0].stances = st;
	res[0].n_stances = 2;
	run.seed = 7;
	run.k = 1;
	run.items = 3;
	run.themes = th;
	run.n_themes = 1;
	run.results = res;
	run.n_results = 3;
	assert_int_equal(core_db_run_save(db, &run, &err), 0);
	assert_true(run.id > 0);
	core_strlist_release(&th[0].top_terms);

	assert_int_equal(core_db_run_latest(db, &info, &err), 0);
	assert_int_equal(info.id, run.id);
	assert_int_equal(info.seed, 7);
	core_run_info_release(&info);
	assert_int_equal(core_db_run_themes(db, run.id, &themes, &n_themes, &err), 0);
	assert_int_equal(n_themes, 1);
	assert_string_equal(themes[0].label, "balie telefoon");
	assert_int_equal(themes[0].n_quotes, 2);
	assert_int_equal(themes[0].quotes[1], ids[1]);
	assert_string_equal(themes[0].top_terms.v[0], "balie");
	core_theme_release(&themes[0]);
	free(themes);

	struct core_item_filter f = {.theme = "T1"};
	assert_int_equal(core_db_items_each(db, &f, collect_cb, &c, &err), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.stances[0], 2);
	memset(&c, 0, sizeof(c));
	f = (struct core_item_filter){.ambition = "A2", .stance = CORE_STANCE_OBJECTION};
	assert_int_equal(core_db_items_each(db, &f, collect_cb, &c, &err), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], ids[0]);
	memset(&c, 0, sizeof(c));
	f = (struct core_item_filter){.ambition = "general"};
	assert_int_equal(core_db_items_each(db, &f, collect_cb, &c, &err), 0);
	assert_int_equal(c.n, 2);
	memset(&c, 0, sizeof(c));
	f = (struct core_item_filter){.since = "2024-03-02", .until = "2024-03-02"};
	assert_int_equal(core_db_items_each(db, &f, collect_cb, &c, &err), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ids[0], ids[1]);
	memset(&c, 0, sizeof(c));
	f = (struct core_item_filter){.limit = 2, .lang = "nl"};
	assert_int_equal(core_db_items_each(db, &f, collect_cb, &c, &err), 0);
	assert_int_equal(c.n, 2);

	/* Four more runs: per-item results stay for the last three runs only, the
	 * themes of every run stay. */
	int64_t first = run.id;
	for (int r = 0; r < 4; r++) {
		core_strlist_push(&th[0].top_terms, "balie");
		assert_int_equal(core_db_run_save(db, &run, &err), 0);
		core_strlist_release(&th[0].top_terms);
	}
	assert_int_equal(run.id, first + 4);
	core_db_close(db);
	sqlite3 *h;
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT (SELECT min(run_id) || '-' || max(run_id) || "
					       "'/' || count(*) FROM item_themes), (SELECT min(run_id) "
					       "|| '-' || count(*) FROM item_stances), (SELECT count(*) "
					       "FROM themes)", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	char want[64];
	snprintf(want, sizeof(want), "%lld-%lld/9", (long long)first + 2, (long long)first + 4);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), want);
	snprintf(want, sizeof(want), "%lld-6", (long long)first + 2);
	assert_string_equal((const char *)sqlite3_column_text(q, 1), want);
	assert_int_equal(sqlite3_column_int(q, 2), 5);
	sqlite3_finalize(q);
	/* Pruning ahead of the next save (beside an analysis): what that save would
	 * prune goes on a thread of its own; closing waits for it. */
	db = core_db_open(path, &err);
	assert_non_null(db);
	core_db_prune_start(db);
	core_db_close(db);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT min(run_id) || '/' || count(*) FROM item_themes",
					    -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	snprintf(want, sizeof(want), "%lld/6", (long long)first + 3);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), want);
	sqlite3_finalize(q);
	sqlite3_close(h);
	remove_db(path);
}

static void source_health_is_recorded(void **state)
{
	char *path = temp_db();
	struct core_err err = {0};
	struct core_db *db = core_db_open(path, &err);
	struct core_source_state s;
	int64_t id;

	assert_non_null(db);
	assert_int_equal(core_db_source_ensure(db, "feed", CORE_SRC_ATOM, "http://h/a", &id, &err), 0);
	assert_int_equal(core_db_source_record(db, "feed", 0, 503, "HTTP 503", NULL, NULL, 1000,
					       1600, &err), 0);
	assert_int_equal(core_db_source_record(db, "feed", 0, 503, "HTTP 503 again", NULL, NULL,
					       1700, 2900, &err), 0);
	assert_int_equal(core_db_source_state(db, "feed", &s, &err), 0);
	assert_int_equal(s.consecutive_errors, 2);
	assert_int_equal(s.error_count, 2);
	assert_string_equal(s.last_error, "HTTP 503 again");
	assert_null(s.last_success);
	core_source_state_release(&s);
	assert_int_equal(core_db_source_record(db, "feed", 1, 200, NULL, "\"e1\"", NULL, 3000,
					       4800, &err), 0);
	assert_int_equal(core_db_source_state(db, "feed", &s, &err), 0);
	assert_int_equal(s.consecutive_errors, 0);
	assert_int_equal(s.error_count, 2);
	assert_string_equal(s.etag, "\"e1\"");
	assert_non_null(s.last_success);
	core_source_state_release(&s);
	/* moving the feed to another URL drops the old URL's validators */
	assert_int_equal(core_db_source_ensure(db, "feed", CORE_SRC_ATOM, "http://h/b", &id, &err), 0);
	assert_int_equal(core_db_source_state(db, "feed", &s, &err), 0);
	assert_null(s.etag);
	assert_string_equal(s.url, "http://h/b");
	core_source_state_release(&s);
	assert_int_equal(core_db_source_state(db, "nope", &s, &err), CORE_ERUNTIME);
	core_db_close(db);
	remove_db(path);
}

int test_core(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(migrations_create_current_schema),
		cmocka_unit_test(newer_database_is_refused),
		cmocka_unit_test(foreign_database_is_refused),
		cmocka_unit_test(item_texts_read_beside),
		cmocka_unit_test(garbage_file_is_a_db_error),
		cmocka_unit_test(config_valid_with_defaults),
		cmocka_unit_test(config_unknown_key_suggests),
		cmocka_unit_test(config_wrong_type_names_value_position),
		cmocka_unit_test(config_invalid_json_has_line_and_column),
		cmocka_unit_test(config_semantic_errors),
		cmocka_unit_test(config_collect_and_json_mapping),
		cmocka_unit_test(config_missing_file),
		cmocka_unit_test(config_starter_is_valid),
		cmocka_unit_test(time_formats),
		cmocka_unit_test(durations),
		cmocka_unit_test(fingerprints_ignore_case_space_punctuation),
		cmocka_unit_test(utf8_checks),
		cmocka_unit_test(fold_equals_whole_text_mapping),
		cmocka_unit_test(buffer_cap_is_an_error),
		cmocka_unit_test(stance_names),
		cmocka_unit_test(items_put_dedup_update),
		cmocka_unit_test(syndication_counts_once),
		cmocka_unit_test(run_save_and_filters),
		cmocka_unit_test(source_health_is_recorded),
	};
	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
