/* cmd_themes.c: `inspraak themes`: the latest run's themes. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "exports.h"

int cmd_themes(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {{"json", no_argument, 0, 'j'}, {0}};
	struct core_err err = {0};
	int json = 0, c, rc;

	opterr = 0;
	optind = 0; /* glibc: a full reset, and options may follow operands */
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else
			return cli_opt_error("themes", c, argv);
	}
	if (optind < argc)
		return cli_usage("themes", "unexpected argument '%s'", argv[optind]);
	if ((rc = cli_store(cli)))
		return rc;
	if (exp_print_themes(cli->db, &cli->cfg, json, stdout, &err))
		return cli_fail(&err);
	return 0;
}
