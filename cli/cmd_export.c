/* cmd_export.c: `inspraak export`: write the summaries of the latest run. The report
 * language comes from --report-lang, else exports.lang in the configuration (SPEC's
 * --lang is the item-language filter); privacy redaction is always on. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "exports.h"

static int valid_date(const char *s)
{
	time_t t;
	return core_time_parse(s, &t) == 0;
}

int cmd_export(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"format", required_argument, 0, 'f'},   {"out", required_argument, 0, 'o'},
		{"since", required_argument, 0, 'S'},    {"until", required_argument, 0, 'U'},
		{"source", required_argument, 0, 's'},   {"lang", required_argument, 0, 'l'},
		{"include-authors", no_argument, 0, 'a'}, {"report-lang", required_argument, 0, 'r'},
		{"reproducible", no_argument, 0, 'R'},   {"ambition", required_argument, 0, 'A'},
		{"group", required_argument, 0, 'g'},    {"excel", no_argument, 0, 'x'},
		{0}};
	struct exp_opts o = {0};
	struct core_strlist written = {0};
	struct core_err err = {0};
	int c, rc;

	opterr = 0;
	optind = 0; /* glibc: a full reset, and options may follow operands */
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': {
			char *list = strdup(optarg), *save = NULL;
			if (!list) {
				struct core_err nomem = {0};
				core_err_set(&nomem, CORE_ENOMEM, "export: out of memory");
				return cli_fail(&nomem);
			}
			for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				int f = !strcmp(t, "all") ? (EXP_CSV | EXP_JSON | EXP_MD | EXP_HTML)
							  : exp_format_parse(t);
				if (!f) {
					rc = cli_usage("export", "--format must be csv, json, md or "
								 "html, not '%s'", t);
					free(list);
					return rc;
				}
				o.formats |= f;
			}
			free(list);
			break;
		}
		case 'o': o.out_dir = optarg; break;
		case 'S':
		case 'U':
			if (!valid_date(optarg))
				return cli_usage("export", "%s needs a date such as 2024-03-01, not '%s'",
						 c == 'S' ? "--since" : "--until", optarg);
			*(c == 'S' ? &o.since : &o.until) = optarg;
			break;
		case 's': o.source = optarg; break;
		case 'l': o.lang = optarg; break;
		case 'a': o.include_authors = 1; break;
		case 'r':
			if (strcmp(optarg, "nl") && strcmp(optarg, "en"))
				return cli_usage("export", "--report-lang must be nl or en");
			o.report_lang = optarg;
			break;
		case 'R': o.reproducible = 1; break;
		case 'A':
			/* Checked against the configuration once it is loaded (exp_write). */
			if (!*optarg)
				return cli_usage("export", "--ambition needs a code such as A1");
			o.ambition = optarg;
			break;
		case 'g':
			if (!*optarg)
				return cli_usage("export", "--group needs a respondent group");
			o.group = optarg;
			break;
		case 'x': o.excel = 1; break;
		default: return cli_opt_error("export", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage("export", "unexpected argument '%s'", argv[optind]);
	if ((rc = cli_store(cli)))
		return rc;
	if (!o.formats)
		o.formats = EXP_CSV | EXP_JSON | EXP_MD | EXP_HTML;
	if (!o.out_dir)
		o.out_dir = cli->cfg.exports.dir;
	if (!o.report_lang)
		o.report_lang = cli->cfg.exports.lang;
	o.include_authors |= cli->cfg.exports.include_authors;
	if (exp_write(cli->db, &cli->cfg, &o, &written, &err)) {
		core_strlist_release(&written);
		return cli_fail(&err);
	}
	for (size_t i = 0; i < written.n; i++)
		cli_info(cli, "wrote %s\n", written.v[i]);
	core_strlist_release(&written);
	return 0;
}
