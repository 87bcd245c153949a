/* cmd_check_config.c: `inspraak check-config`: validate, and say what was found. */
#include <stdio.h>

#include "cli.h"

int cmd_check_config(struct cli *cli, int argc, char **argv)
{
	size_t enabled = 0;
	int rc;

	(void)argv;
	if (argc > 1)
		return cli_usage("check-config", "unexpected argument '%s'", argv[1]);
	if ((rc = cli_config(cli)))
		return rc;
	for (size_t i = 0; i < cli->cfg.n_sources; i++)
		enabled += cli->cfg.sources[i].enabled != 0;
	cli_info(cli, "%s: valid: %zu ambitions, %zu sources (%zu enabled), %zu forms; database %s\n",
		 cli->config_path, cli->cfg.n_ambitions, cli->cfg.n_sources, enabled,
		 cli->cfg.n_forms, cli->db_path ? cli->db_path : cli->cfg.database);
	return 0;
}
