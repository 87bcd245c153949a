/* cmd_collect.c: `inspraak collect`: one pass over the due feeds, one line per source. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli.h"
#include "collector.h"

int cmd_collect(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"source", required_argument, 0, 's'}, {"all", no_argument, 0, 'a'}, {0}};
	struct col_collect_report rep = {0};
	struct core_err err = {0};
	const char **only = NULL;
	size_t n_only = 0;
	int all = 0, c, rc;

	opterr = 0;
	optind = 0; /* glibc: a full reset, and options may follow operands */
	if (!(only = calloc((size_t)argc, sizeof(*only))))
		return 1;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c == 's') {
			only[n_only++] = optarg;
		} else if (c == 'a') {
			all = 1;
		} else {
			rc = cli_opt_error("collect", c, argv);
			goto out;
		}
	}
	if (optind < argc) {
		rc = cli_usage("collect", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if ((rc = cli_store(cli)))
		goto out;
	if (col_collect(cli->db, &cli->cfg, only, n_only, all, time(NULL), &rep, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	for (size_t i = 0; i < rep.n; i++) {
		const struct col_source_result *r = &rep.v[i];
		if (r->ok)
			cli_info(cli, "%s: %s%d, %zu bytes, %ld ms, %zu found, %zu new, %zu updated\n",
				 r->name, r->not_modified ? "not modified, HTTP " : "HTTP ",
				 r->http_status, r->bytes, r->ms, r->found, r->new_items, r->updated);
		else
			fprintf(stderr, "inspraak: %s: %s\n", r->name, r->error ? r->error : "failed");
	}
	if (rep.n == 0)
		cli_info(cli, "nothing is due (use --all to fetch every source now)\n");
	if (rep.failed) {
		fprintf(stderr, "inspraak: collect: %zu of %zu sources failed\n", rep.failed, rep.n);
		rc = 1;
	}
out:
	col_collect_report_release(&rep);
	free(only);
	return rc;
}
