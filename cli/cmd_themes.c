/* cmd_themes.c: `inspraak themes`: the latest run's themes. */
#include <stdio.h>

#include "cli.h"
#include "exports.h"

int cmd_themes(struct cli *cli, int argc, char **argv)
{
	struct core_err err = {0};
	int json = 0, rc;

	if ((rc = cli_json_flag("themes", argc, argv, &json)) || (rc = cli_store(cli)))
		return rc;
	if (exp_print_themes(cli->db, &cli->cfg, json, stdout, &err))
		return cli_fail(&err);
	return 0;
}
