/* cmd_analyze.c: `inspraak analyze`: one analysis run over the store. */
#include <getopt.h>
#include <stdio.h>

#include "analyzer.h"
#include "cli.h"

int cmd_analyze(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"seed", required_argument, 0, 's'}, {"themes", required_argument, 0, 't'}, {0}};
	struct ana_opts opts = {0};
	struct ana_report rep = {0};
	struct core_err err = {0};
	long seed = -1, themes = -1;
	int c, rc;

	opterr = 0;
	optind = 0; /* glibc: a full reset, and options may follow operands */
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c == 's') {
			if ((seed = cli_parse_long(optarg, 0, 0x7fffffffffffffffL)) < 0)
				return cli_usage("analyze", "--seed needs a whole number, not '%s'",
						 optarg);
		} else if (c == 't') {
			if ((themes = cli_parse_long(optarg, 1, 500)) < 0)
				return cli_usage("analyze", "--themes needs a number from 1 to 500, "
							    "not '%s'", optarg);
		} else {
			return cli_opt_error("analyze", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage("analyze", "unexpected argument '%s'", argv[optind]);
	if ((rc = cli_store(cli)))
		return rc;
	opts.seed = seed >= 0 ? (uint64_t)seed : cli->cfg.analysis.seed;
	opts.themes = themes > 0 ? (int)themes : cli->cfg.analysis.themes;
	if (ana_run(cli->db, &cli->cfg, &opts, &rep, &err))
		return cli_fail(&err);
	cli_info(cli, "analysis run %lld: %zu items, %zu themes, %zu campaign%s, %zu unassigned "
		      "(%.2f s)\n", (long long)rep.run_id, rep.items, rep.themes, rep.campaigns,
		 rep.campaigns == 1 ? "" : "s", rep.unassigned, rep.seconds_total);
	for (size_t i = 0; i < cli->cfg.n_ambitions && i < 64; i++) {
		const char *title = cli->cfg.ambitions[i].title;
		/* pad by characters, not bytes: "Eén overheid" has two-byte letters */
		int chars = 0;
		for (const char *p = title; *p; p++)
			chars += ((unsigned char)*p & 0xC0) != 0x80;
		cli_info(cli, "  %-4s %s%*s %zu items\n", cli->cfg.ambitions[i].code, title,
			 chars < 40 ? 40 - chars : 0, "", rep.ambition_items[i]);
	}
	return 0;
}
