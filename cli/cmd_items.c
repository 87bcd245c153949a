/* cmd_items.c: `inspraak items`: stored items with their analysis, filtered. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "exports.h"

int cmd_items(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, 0, 'j'},         {"theme", required_argument, 0, 't'},
		{"ambition", required_argument, 0, 'a'}, {"stance", required_argument, 0, 's'},
		{"source", required_argument, 0, 'S'}, {"lang", required_argument, 0, 'l'},
		{"since", required_argument, 0, 'F'},  {"until", required_argument, 0, 'U'},
		{"limit", required_argument, 0, 'n'},  {0}};
	struct core_item_filter f = {0};
	struct core_err err = {0};
	int json = 0, c, rc;
	time_t t;

	opterr = 0;
	optind = 0; /* glibc: a full reset, and options may follow operands */
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 't': f.theme = optarg; break;
		case 'a': f.ambition = optarg; break;
		case 's':
			if (!(f.stance = core_stance_parse(optarg)))
				return cli_usage("items", "--stance must be support, objection, "
							  "neutral or mixed, not '%s'", optarg);
			break;
		case 'S': f.source = optarg; break;
		case 'l': f.lang = optarg; break;
		case 'F':
		case 'U':
			if (core_time_parse(optarg, &t))
				return cli_usage("items", "%s needs a date such as 2024-03-01",
						 c == 'F' ? "--since" : "--until");
			*(c == 'F' ? &f.since : &f.until) = optarg;
			break;
		case 'n':
			if ((f.limit = cli_parse_long(optarg, 1, 0x7fffffffL)) < 0)
				return cli_usage("items", "--limit needs a positive number");
			break;
		default: return cli_opt_error("items", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage("items", "unexpected argument '%s'", argv[optind]);
	if ((rc = cli_store(cli)))
		return rc;
	if (f.ambition && strcmp(f.ambition, "general")) {
		const struct core_ambition *a = core_config_ambition(&cli->cfg, f.ambition);
		if (!a)
			return cli_usage("items", "no ambition '%s' in the configuration",
					 f.ambition);
		f.ambition = a->code; /* the store keeps the configured spelling */
	}
	if (exp_print_items(cli->db, &cli->cfg, &f, json, stdout, &err))
		return cli_fail(&err);
	return 0;
}
