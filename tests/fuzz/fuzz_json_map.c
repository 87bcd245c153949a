/* fuzz_json_map.c: the JSON mapping of form tools' submissions (POST /api/forms/NAME/
 * submissions) and the validation after it: any bytes must map or be refused. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"

static const char cfg_json[] =
	"{\"vision\": {\"title\": \"V\", \"ambitions\": ["
	" {\"code\": \"A1\", \"title\": \"Digitaal\", \"keywords\": {\"nl\": [\"d\"]}}]},"
	" \"forms\": [{\"name\": \"f\", \"ambition_field\": \"ambition\", \"stance_field\": \"stance\","
	"  \"group_field\": \"group\", \"max_text\": 200,"
	"  \"api_mapping\": {\"text\": \"answers.reactie\", \"id\": \"meta.id\","
	"   \"ambition\": \"answers.ambities\", \"time\": \"meta.0.t\"}}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct core_config cfg;
	static int loaded;
	struct col_form_fields f = {.max_fields = 32, .max_value = 4096};
	struct col_submission sub;
	struct core_err err = {0};
	const struct core_form *form;
	char *id = NULL;

	if (!loaded) {
		if (core_config_parse(cfg_json, strlen(cfg_json), "fuzz.json", &cfg, &err))
			abort();
		loaded = 1;
	}
	form = core_config_form(&cfg, "f");
	if (col_form_map_json(form, (const char *)data, size, &f, &id, &err) == 0) {
		if (col_form_validate(&cfg, form, &f, NULL, &sub, &err) == 0)
			col_submission_release(&sub);
	} else if (!err.msg[0]) {
		abort();
	}
	free(id);
	col_form_fields_release(&f);
	return 0;
}
