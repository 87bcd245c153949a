/* cmd_init.c: `inspraak init [DIR]`: a starter configuration and an empty database,
 * so a new user has something valid to edit. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int cmd_init(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {{"force", no_argument, 0, 'f'}, {0}};
	const char *dir = ".";
	char path[4096], tmp[4200];
	struct core_config cfg;
	struct core_err err = {0};
	struct core_db *db;
	int force = 0, c, rc;
	FILE *f;

	opterr = 0;
	optind = 0; /* glibc: a full reset, and options may follow operands */
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c == 'f')
			force = 1;
		else
			return cli_opt_error("init", c, argv);
	}
	if (optind < argc)
		dir = argv[optind++];
	if (optind < argc)
		return cli_usage("init", "too many arguments");
	if (mkdir(dir, 0777) && errno != EEXIST) {
		fprintf(stderr, "inspraak: cannot create folder '%s': %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/inspraak.json", dir);
	if (!force && access(path, F_OK) == 0) {
		fprintf(stderr, "inspraak: '%s' already exists; use --force to overwrite it\n", path);
		return 1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (!(f = fopen(tmp, "w")) || fputs(core_config_starter(), f) < 0 || fclose(f)) {
		fprintf(stderr, "inspraak: cannot write '%s': %s\n", tmp, strerror(errno));
		return 1;
	}
	if (rename(tmp, path)) {
		fprintf(stderr, "inspraak: cannot write '%s': %s\n", path, strerror(errno));
		return 1;
	}
	/* load what we wrote: it proves the starter is valid and tells where the store goes */
	if ((rc = core_config_load(path, &cfg, &err)))
		return cli_fail(&err);
	db = core_db_open(cli->db_path ? cli->db_path : cfg.database, &err);
	if (!db) {
		core_config_release(&cfg);
		return cli_fail(&err);
	}
	cli_info(cli, "wrote %s\ncreated %s (schema version %d)\n", path,
		 cli->db_path ? cli->db_path : cfg.database, core_db_schema_version(db));
	core_db_close(db);
	core_config_release(&cfg);
	return 0;
}
