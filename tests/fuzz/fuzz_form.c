/* fuzz_form.c: the url-encoded form decoder and the validation behind POST /forms/NAME:
 * any bytes must decode or be refused with a message, never crash or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"

static const char cfg_json[] =
	"{\"vision\": {\"title\": \"V\", \"ambitions\": ["
	" {\"code\": \"A1\", \"title\": \"Digitaal\", \"keywords\": {\"nl\": [\"d\"]}}]},"
	" \"forms\": [{\"name\": \"f\", \"ambition_field\": \"ambition\", \"stance_field\": \"stance\","
	"  \"group_field\": \"group\", \"groups\": [\"inwoner\"], \"max_text\": 50}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct core_config cfg;
	static int loaded;
	struct col_form_fields f = {.max_fields = 32, .max_value = 4096};
	struct col_submission sub;
	struct core_err err = {0};

	if (!loaded) {
		if (core_config_parse(cfg_json, strlen(cfg_json), "fuzz.json", &cfg, &err))
			abort();
		loaded = 1;
	}
	if (col_form_urldecode((const char *)data, size, &f, &err) == 0) {
		if (col_form_validate(&cfg, core_config_form(&cfg, "f"), &f, "nl", &sub, &err) == 0) {
			if (!sub.n_errors && (!sub.item.text || !sub.item.text[0]))
				abort(); /* valid means there is text */
			col_submission_release(&sub);
		}
	} else if (!err.msg[0]) {
		abort(); /* a refusal always says why */
	}
	col_form_fields_release(&f);
	return 0;
}
