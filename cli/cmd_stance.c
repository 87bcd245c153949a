/* cmd_stance.c: `inspraak stance`: the stance rules on texts given on the command line
 * or read line by line from stdin, with the cues that decided: for checking a lexicon
 * change, or seeing why a reaction reads as support or objection. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "cli.h"

#define LINE_MAX_BYTES (1 << 20)

static int one(struct cli *cli, struct ana_explainer *x, const char *text, const char *lang,
	       const char *motion, int json, struct core_buf *b)
{
	struct core_err err = {0};
	json_t *o = NULL;

	b->len = 0;
	if (ana_explain_stance(x, text, lang, motion, b, &err))
		return cli_fail(&err);
	if (json) {
		printf("%.*s\n", (int)b->len, b->data);
		return 0;
	}
	/* The text form: stance, confidence and cues, then the text. */
	if (!(o = json_loadb(b->data, b->len, 0, NULL))) {
		core_err_set(&err, CORE_ERUNTIME, "stance: unreadable explanation");
		return cli_fail(&err);
	}
	printf("%-9s %.2f  ", json_string_value(json_object_get(o, "stance")),
	       json_real_value(json_object_get(o, "confidence")));
	size_t i;
	json_t *cue;
	json_array_foreach(json_object_get(o, "cues"), i, cue)
		printf("%s%s", i ? ", " : "", json_string_value(cue));
	if (json_array_size(json_object_get(o, "cues")) == 0)
		printf("(no cue)");
	printf("  | %s\n", text);
	(void)cli;
	json_decref(o);
	return 0;
}

int cmd_stance(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, 0, 'j'}, {"lang", required_argument, 0, 'l'},
		{"ambition", required_argument, 0, 'a'}, {"motion", required_argument, 0, 'm'},
		{0}};
	struct core_err err = {0};
	struct core_buf b = {0};
	struct ana_explainer *x = NULL;
	const char *lang = NULL, *motion = NULL, *code = NULL;
	char *line = NULL;
	size_t cap = 0;
	int json = 0, c, rc = 0;

	core_buf_init(&b, 0);
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'l': lang = optarg; break;
		case 'a': code = optarg; break;
		case 'm': motion = optarg; break;
		default: return cli_opt_error("stance", c, argv);
		}
	}
	if (code && motion)
		return cli_usage("stance", "give --ambition or --motion, not both");
	if (code) {
		if ((rc = cli_config(cli)))
			return rc;
		const struct core_ambition *a = core_config_ambition(&cli->cfg, code);
		if (!a)
			return cli_usage("stance", "no ambition '%s' in the configuration", code);
		motion = a->title;
	}
	if (!(x = ana_explainer_new(&err)))
		return cli_fail(&err);
	if (optind < argc) {
		for (int i = optind; rc == 0 && i < argc; i++)
			rc = one(cli, x, argv[i], lang, motion, json, &b);
		goto out;
	}
	ssize_t n;
	long lineno = 0;
	while (rc == 0 && (n = getline(&line, &cap, stdin)) >= 0) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n > LINE_MAX_BYTES) {
			fprintf(stderr, "inspraak stance: stdin line %ld: longer than %d bytes\n",
				lineno, LINE_MAX_BYTES);
			rc = 1;
			break;
		}
		if (n == 0)
			continue;
		if (!core_utf8_valid(line, (size_t)n)) {
			fprintf(stderr, "inspraak stance: stdin line %ld: not valid UTF-8\n", lineno);
			rc = 1;
			break;
		}
		rc = one(cli, x, line, lang, motion, json, &b);
	}
out:
	free(line);
	core_buf_release(&b);
	ana_explainer_free(x);
	return rc;
}
