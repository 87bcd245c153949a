/* cmd_serve.c: `inspraak serve`: runs the form intake server until SIGTERM or SIGINT.
 * Prints the address it listens on (flushed, so scripts can wait for that line instead
 * of sleeping) and, on the way out, what it stored. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "server.h"

int cmd_serve(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {{"listen", required_argument, 0, 'l'}, {0}};
	struct srv_opts o = {0};
	struct core_err err = {0};
	struct srv_stats st;
	struct srv *s;
	sigset_t set;
	int c, rc, sig = 0;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': o.listen = optarg; break;
		default: return cli_opt_error("serve", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage("serve", "unexpected argument '%s'", argv[optind]);
	if ((rc = cli_config(cli)))
		return rc;
	o.cfg = &cli->cfg;
	o.db_path = cli->db_path ? cli->db_path : cli->cfg.database;
	/* Blocked before any thread starts, so only sigwait below sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!(s = srv_start(&o, &err)))
		return cli_fail(&err);
	{
		const char *l = o.listen ? o.listen : cli->cfg.server.listen;
		const char *colon = strrchr(l, ':');
		printf("listening on http://%.*s:%u\n", (int)(colon - l), l, srv_port(s));
		fflush(stdout);
	}
	while (sigwait(&set, &sig) == 0 && sig != SIGINT && sig != SIGTERM)
		;
	srv_stats_get(s, &st);
	srv_stop(s);
	cli_info(cli, "stopped: %llu requests, %llu stored, %llu retries answered, %llu invalid, "
		      "%llu rate-limited, %llu unavailable\n",
		 (unsigned long long)st.requests, (unsigned long long)st.stored,
		 (unsigned long long)st.replayed, (unsigned long long)st.invalid,
		 (unsigned long long)st.limited, (unsigned long long)st.unavailable);
	return 0;
}
