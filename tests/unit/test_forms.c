/* test_forms.c: the pure half of the web-form intake (collector/forms.c): url-encoded
 * decoding and its caps, the JSON mapping of form tools, validation against a form's
 * configuration, SHA-256/HMAC against published vectors, and the signed time token. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"

#include "collector.h"
#include "core.h"

static const char cfg_json[] =
	"{\"vision\": {\"title\": \"V\", \"ambitions\": ["
	" {\"code\": \"A1\", \"title\": \"Digitaal\", \"keywords\": {\"nl\": [\"d\"]}},"
	" {\"code\": \"A2\", \"title\": \"Een deur\", \"keywords\": {\"nl\": [\"e\"]}}]},"
	" \"forms\": [{\"name\": \"f\", \"fields\": [\"text\", \"ambition\", \"stance\", \"group\","
	"  \"email\", \"consent\"], \"ambition_field\": \"ambition\", \"stance_field\": \"stance\","
	"  \"group_field\": \"group\", \"groups\": [\"inwoner\", \"organisatie\"], \"max_text\": 10,"
	"  \"api_mapping\": {\"text\": \"answers.reactie\", \"id\": \"meta.id\","
	"   \"ambition\": \"answers.ambities\", \"consent\": \"answers.ok\"}}]}";

struct fx {
	struct core_config cfg;
	const struct core_form *form;
};

static int setup(void **state)
{
	static struct fx fx;
	struct core_err err = {0};
	memset(&fx, 0, sizeof(fx));
	if (core_config_parse(cfg_json, strlen(cfg_json), "t.json", &fx.cfg, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	fx.form = core_config_form(&fx.cfg, "f");
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	core_config_release(&fx->cfg);
	return 0;
}

static void urldecode_basics(void **state)
{
	struct col_form_fields f = {0};
	struct core_err err = {0};
	(void)state;
	const char *body = "text=Hallo+w%C3%A9reld&a=1&a=2&&empty=&flag";
	assert_int_equal(col_form_urldecode(body, strlen(body), &f, &err), 0);
	assert_int_equal(f.n, 5);
	assert_string_equal(col_form_fields_get(&f, "text"), "Hallo wéreld");
	assert_string_equal(f.v[1].value, "1");
	assert_string_equal(f.v[2].value, "2");
	assert_string_equal(col_form_fields_get(&f, "empty"), "");
	assert_string_equal(col_form_fields_get(&f, "flag"), "");
	assert_null(col_form_fields_get(&f, "nope"));
	col_form_fields_release(&f);
}

static void urldecode_refuses(void **state)
{
	struct col_form_fields f = {.max_fields = 3, .max_value = 8};
	struct core_err err = {0};
	(void)state;
	assert_int_equal(col_form_urldecode("a=%zz", 5, &f, &err), CORE_ERUNTIME);
	col_form_fields_release(&f);
	assert_int_equal(col_form_urldecode("a=%4", 4, &f, &err), CORE_ERUNTIME);
	col_form_fields_release(&f);
	assert_int_equal(col_form_urldecode("a=x%00y", 7, &f, &err), CORE_ERUNTIME);
	assert_non_null(strstr(err.msg, "NUL"));
	col_form_fields_release(&f);
	assert_int_equal(col_form_urldecode("a=%ff", 5, &f, &err), CORE_ERUNTIME);
	assert_non_null(strstr(err.msg, "UTF-8"));
	col_form_fields_release(&f);
	assert_int_equal(col_form_urldecode("a=1&b=2&c=3&d=4", 15, &f, &err), CORE_ELIMIT);
	col_form_fields_release(&f);
	assert_int_equal(col_form_urldecode("a=123456789", 11, &f, &err), CORE_ELIMIT);
	assert_non_null(strstr(err.msg, "'a'"));
	col_form_fields_release(&f);
}

static void validate_ok(void **state)
{
	struct fx *fx = *state;
	struct col_form_fields f = {0};
	struct col_submission sub;
	struct core_err err = {0};
	const char *body = "text=+Goed+plan+&ambition=A2&ambition=a1&stance=bezwaar&group=inwoner"
			   "&email=an%40example.org&consent=on";

	assert_int_equal(col_form_urldecode(body, strlen(body), &f, &err), 0);
	assert_int_equal(col_form_validate(&fx->cfg, fx->form, &f, "en", &sub, &err), 0);
	assert_int_equal(sub.n_errors, 0);
	assert_string_equal(sub.item.text, "Goed plan");
	assert_int_equal(sub.item.declared_stance, CORE_STANCE_OBJECTION);
	assert_int_equal(sub.item.declared_ambitions.n, 2);
	assert_string_equal(sub.item.declared_ambitions.v[0], "A2");
	assert_string_equal(sub.item.declared_ambitions.v[1], "A1");
	assert_string_equal(sub.item.group, "inwoner");
	assert_string_equal(sub.item.email, "an@example.org");
	assert_string_equal(sub.item.lang, "en");
	assert_int_equal(strlen(sub.request_hash), 16);
	col_submission_release(&sub);
	col_form_fields_release(&f);
}

/* Validates body and returns the code of field's error ("" when none). */
static const char *error_for(struct fx *fx, const char *body, const char *field)
{
	static char code[32];
	struct col_form_fields f = {0};
	struct col_submission sub;
	struct core_err err = {0};

	assert_int_equal(col_form_urldecode(body, strlen(body), &f, &err), 0);
	assert_int_equal(col_form_validate(&fx->cfg, fx->form, &f, NULL, &sub, &err), 0);
	code[0] = 0;
	for (size_t i = 0; i < sub.n_errors; i++)
		if (!strcmp(sub.errors[i].field, field))
			snprintf(code, sizeof(code), "%s", sub.errors[i].code);
	if (sub.n_errors)
		assert_null(sub.item.text); /* nothing to store from an invalid submission */
	col_submission_release(&sub);
	col_form_fields_release(&f);
	return code;
}

static void validate_errors(void **state)
{
	struct fx *fx = *state;
	assert_string_equal(error_for(fx, "text=+++", "text"), "required");
	assert_string_equal(error_for(fx, "stance=steun", "text"), "required");
	/* max_text is 10 characters, not bytes: ten é's pass, eleven do not */
	assert_string_equal(error_for(fx, "text=%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9"
					  "%C3%A9%C3%A9", "text"), "");
	assert_string_equal(error_for(fx, "text=%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9"
					  "%C3%A9%C3%A9%C3%A9", "text"), "too_long");
	assert_string_equal(error_for(fx, "text=x&ambition=A7", "ambition"), "unknown_value");
	assert_string_equal(error_for(fx, "text=x&ambition=general", "ambition"), "");
	assert_string_equal(error_for(fx, "text=x&ambition=algemeen&ambition=A1", "ambition"),
			    "general_alone");
	assert_string_equal(error_for(fx, "text=x&stance=wellicht", "stance"), "unknown_value");
	assert_string_equal(error_for(fx, "text=x&group=medewerker", "group"), "unknown_value");
	assert_string_equal(error_for(fx, "text=x&email=an%40example.org", "consent"),
			    "consent_needed");
	assert_string_equal(error_for(fx, "text=x&email=nope&consent=on", "email"), "invalid_email");
	assert_string_equal(error_for(fx, "text=x&email=a%40b&consent=on", "email"), "invalid_email");
	assert_string_equal(error_for(fx, "text=x&text=y", "text"), "repeated");
	assert_string_equal(error_for(fx, "text=x&wie=ik", "wie"), "unknown_field");
	assert_string_equal(error_for(fx, "text=x&lang=Nederlands", "lang"), "unknown_value");
}

static void consent_without_email_keeps_nothing(void **state)
{
	struct fx *fx = *state;
	struct col_form_fields f = {0};
	struct col_submission sub;
	struct core_err err = {0};
	const char *body = "text=x&email=&consent=on&website=";

	assert_int_equal(col_form_urldecode(body, strlen(body), &f, &err), 0);
	assert_int_equal(col_form_validate(&fx->cfg, fx->form, &f, NULL, &sub, &err), 0);
	assert_int_equal(sub.n_errors, 0);
	assert_null(sub.item.email);
	assert_int_equal(sub.honeypot, 0);
	assert_string_equal(sub.item.lang, "nl");
	col_submission_release(&sub);
	col_form_fields_release(&f);
	body = "text=x&website=http%3A%2F%2Fspam";
	assert_int_equal(col_form_urldecode(body, strlen(body), &f, &err), 0);
	assert_int_equal(col_form_validate(&fx->cfg, fx->form, &f, NULL, &sub, &err), 0);
	assert_int_equal(sub.honeypot, 1);
	col_submission_release(&sub);
	col_form_fields_release(&f);
}

static void request_hash_tells_requests_apart(void **state)
{
	struct fx *fx = *state;
	const char *bodies[] = {"text=Goed&stance=steun", "text=Goed&stance=steun",
				"text=Goed&stance=bezwaar"};
	char hash[3][17];
	for (int i = 0; i < 3; i++) {
		struct col_form_fields f = {0};
		struct col_submission sub;
		struct core_err err = {0};
		assert_int_equal(col_form_urldecode(bodies[i], strlen(bodies[i]), &f, &err), 0);
		assert_int_equal(col_form_validate(&fx->cfg, fx->form, &f, NULL, &sub, &err), 0);
		memcpy(hash[i], sub.request_hash, 17);
		col_submission_release(&sub);
		col_form_fields_release(&f);
	}
	assert_string_equal(hash[0], hash[1]);
	assert_string_not_equal(hash[0], hash[2]);
}

static void map_json(void **state)
{
	struct fx *fx = *state;
	struct col_form_fields f = {0};
	struct col_submission sub;
	struct core_err err = {0};
	char *id = NULL;
	const char *body = "{\"meta\": {\"id\": 42}, \"answers\": {\"reactie\": \"Prima\","
			   " \"ambities\": [\"A1\", \"A2\"], \"ok\": true}, \"stance\": \"neutraal\","
			   " \"email\": \"x@y.nl\", \"time\": \"2024-03-01 10:00\"}";

	assert_int_equal(col_form_map_json(fx->form, body, strlen(body), &f, &id, &err), 0);
	assert_string_equal(id, "42");
	assert_int_equal(col_form_validate(&fx->cfg, fx->form, &f, NULL, &sub, &err), 0);
	assert_int_equal(sub.n_errors, 0);
	assert_string_equal(sub.item.text, "Prima");
	assert_int_equal(sub.item.declared_ambitions.n, 2);
	assert_int_equal(sub.item.declared_stance, CORE_STANCE_NEUTRAL);
	assert_string_equal(sub.item.email, "x@y.nl");
	assert_string_equal(sub.item.published_at, "2024-03-01T10:00:00Z");
	col_submission_release(&sub);
	col_form_fields_release(&f);
	free(id);
}

static void map_json_refuses(void **state)
{
	struct fx *fx = *state;
	const char *bad[] = {"[1]", "{\"answers\": ", "{\"answers\": {\"reactie\": {\"x\": 1}}}",
			     "{\"answers\": {\"ambities\": [{}]}}", "{\"a\": 1, \"a\": 2}",
			     "{\"meta\": {\"id\": [1]}}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct col_form_fields f = {0};
		struct core_err err = {0};
		char *id = NULL;
		assert_int_not_equal(col_form_map_json(fx->form, bad[i], strlen(bad[i]), &f, &id,
						       &err), 0);
		assert_true(err.msg[0] != 0);
		free(id);
		col_form_fields_release(&f);
	}
}

static void hex(const unsigned char *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void sha256_vectors(void **state)
{
	unsigned char d[32];
	char h[65];
	(void)state;
	col_sha256("", 0, d);
	hex(d, 32, h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	col_sha256("abc", 3, d);
	hex(d, 32, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	col_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, d);
	hex(d, 32, h);
	assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* RFC 4231 test case 2 */
	col_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d);
	hex(d, 32, h);
	assert_string_equal(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	assert_int_equal(col_hmac_check("Jefe", "what do ya want for nothing?", 28,
					 "sha256=5BDCC146bf60754e6a042426089575c75a003f089d2739839dec"
					 "58b964ec3843"), 0);
	assert_int_equal(col_hmac_check("Jefe", "what do ya want for nothing!", 28, h), -1);
	assert_int_equal(col_hmac_check("Jefe", "x", 1, NULL), -1);
	assert_int_equal(col_hmac_check("Jefe", "x", 1, "abc"), -1);
}

static void tokens(void **state)
{
	char tok[COL_TOKEN_MAX], nonce[17];
	(void)state;
	col_form_token_make("secret-secret-secret", "f", 1000, "0123456789abcdef", tok);
	assert_int_equal(col_form_token_check("secret-secret-secret", "f", tok, 1005, 3, 100,
					      nonce), 0);
	assert_string_equal(nonce, "0123456789abcdef");
	assert_int_equal(col_form_token_check("secret-secret-secret", "f", tok, 1001, 3, 100, nonce),
			 -2);
	assert_int_equal(col_form_token_check("secret-secret-secret", "f", tok, 1101, 3, 100, nonce),
			 -3);
	/* another form, another secret, a changed time: forged */
	assert_int_equal(col_form_token_check("secret-secret-secret", "g", tok, 1005, 3, 100, nonce),
			 -1);
	assert_int_equal(col_form_token_check("other-secret-secret", "f", tok, 1005, 3, 100, nonce),
			 -1);
	tok[0] = '2';
	assert_int_equal(col_form_token_check("secret-secret-secret", "f", tok, 2005, 3, 100, nonce),
			 -1);
	assert_int_equal(col_form_token_check("s", "f", "", 0, 0, 1, nonce), -1);
	assert_int_equal(col_form_token_check("s", "f", NULL, 0, 0, 1, nonce), -1);
	assert_int_equal(col_form_token_check("s", "f", "1.2.3", 0, 0, 1, nonce), -1);
}

/* The store keeps a submission once per key and tells a retry from a reused key. */
static void store_submissions(void **state)
{
	char path[] = "/tmp/inspraak-forms-XXXXXX";
	char db_path[64];
	struct core_err err = {0};
	struct core_db *db;
	struct core_item it = {0};
	enum core_sub_result r;
	int64_t src, first;
	int fd = mkstemp(path);
	(void)state;
	assert_true(fd >= 0);
	close(fd);
	snprintf(db_path, sizeof(db_path), "%s.db", path);
	assert_non_null(db = core_db_open(db_path, &err));
	assert_int_equal(core_db_source_ensure(db, "f", CORE_SRC_FORM, NULL, &src, &err), 0);
	it.external_id = strdup("key-1");
	it.text = strdup("Eerste");
	assert_int_equal(core_db_begin(db, &err), 0);
	assert_int_equal(core_db_submission_put(db, src, &it, "aaaa", &r, &err), 0);
	assert_int_equal(core_db_commit(db, &err), 0);
	assert_int_equal(r, CORE_SUB_NEW);
	first = it.id;
	assert_int_equal(core_db_submission_put(db, src, &it, "aaaa", &r, &err), 0);
	assert_int_equal(r, CORE_SUB_REPLAY);
	assert_int_equal(it.id, first);
	free(it.text);
	it.text = strdup("Anders");
	assert_int_equal(core_db_submission_put(db, src, &it, "bbbb", &r, &err), 0);
	assert_int_equal(r, CORE_SUB_CONFLICT);
	assert_int_equal(core_db_item_count(db), 1);
	assert_int_equal(core_db_writable(db, &err), 0);
	core_item_release(&it);
	core_db_close(db);
	unlink(path);
	test_store_remove(db_path);
}

static void messages(void **state)
{
	(void)state;
	assert_string_equal(col_form_message("required", "nl"), "Dit veld is verplicht.");
	assert_string_equal(col_form_message("required", "en"), "This field is required.");
	assert_string_equal(col_form_message("required", NULL), "Dit veld is verplicht.");
}

int test_forms(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(urldecode_basics),
		cmocka_unit_test(urldecode_refuses),
		cmocka_unit_test_setup_teardown(validate_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(validate_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(consent_without_email_keeps_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(request_hash_tells_requests_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(map_json, setup, teardown),
		cmocka_unit_test_setup_teardown(map_json_refuses, setup, teardown),
		cmocka_unit_test(sha256_vectors),
		cmocka_unit_test(tokens),
		cmocka_unit_test(store_submissions),
		cmocka_unit_test(messages),
	};
	return cmocka_run_group_tests_name("forms", tests, NULL, NULL);
}
