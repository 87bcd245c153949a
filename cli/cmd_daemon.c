/* cmd_daemon.c: `inspraak daemon`: the feed scheduler and the intake server in one
 * process until SIGTERM or SIGINT. Signals are blocked in every thread and taken by one
 * signal thread, so a shutdown request reaches an in-flight fetch batch (which checks
 * its stop flag every 200 ms) and the process exits 0 within seconds. SIGHUP reloads the
 * configuration: added, removed and changed sources take effect on the next pass. The
 * server's GET /metrics ends with this daemon's per-source figures. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "collector.h"
#include "server.h"

static volatile int stop_flag; /* read by the fetch batch; written by the signal thread */
static atomic_int reload_flag;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;

static void *signal_thread(void *arg)
{
	sigset_t *set = arg;

	for (;;) {
		int sig = 0;
		if (sigwait(set, &sig) != 0)
			continue;
		pthread_mutex_lock(&mu);
		if (sig == SIGHUP) {
			atomic_store(&reload_flag, 1);
		} else {
			__atomic_store_n(&stop_flag, 1, __ATOMIC_SEQ_CST);
		}
		pthread_cond_signal(&wake);
		pthread_mutex_unlock(&mu);
		if (sig != SIGHUP)
			return NULL;
	}
}

static int stopping(void)
{
	return __atomic_load_n(&stop_flag, __ATOMIC_SEQ_CST);
}

/* Sleeps until `until` or a signal, whichever comes first. */
static void wait_until(time_t until)
{
	struct timespec ts = {until, 0};

	pthread_mutex_lock(&mu);
	while (!stopping() && !atomic_load(&reload_flag) && time(NULL) < until)
		if (pthread_cond_timedwait(&wake, &mu, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&mu);
}

/* ---- /metrics: per-source figures, rendered after each pass, copied by the server */

struct src_count {
	char *name;
	uint64_t fetches, errors;
};

static struct {
	pthread_mutex_t mu;
	char *text;             /* the latest rendering, NULL before the first */
	struct src_count *v;    /* since the daemon started */
	size_t n;
} mx = {PTHREAD_MUTEX_INITIALIZER, NULL, NULL, 0};

static void count_results(const struct col_collect_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		const struct col_source_result *r = &rep->v[i];
		struct src_count *c = NULL;
		if (r->aborted)
			continue;
		for (size_t j = 0; j < mx.n && !c; j++)
			if (!strcmp(mx.v[j].name, r->name))
				c = &mx.v[j];
		if (!c) {
			struct src_count *grown = realloc(mx.v, (mx.n + 1) * sizeof(*grown));
			if (!grown)
				continue;
			mx.v = grown;
			c = &mx.v[mx.n];
			*c = (struct src_count){strdup(r->name), 0, 0};
			if (!c->name)
				continue;
			mx.n++;
		}
		c->fetches++;
		c->errors += !r->ok;
	}
}

/* Renders the configured sources' figures; keeps the last rendering when it fails. */
static void render_metrics(struct cli *cli)
{
	static const char *const head =
		"# HELP inspraak_fetches_total Fetches of a source since the daemon started.\n"
		"# TYPE inspraak_fetches_total counter\n"
		"# HELP inspraak_fetch_errors_total Failed fetches since the daemon started.\n"
		"# TYPE inspraak_fetch_errors_total counter\n"
		"# HELP inspraak_items Items stored from a source.\n"
		"# TYPE inspraak_items gauge\n"
		"# HELP inspraak_source_consecutive_errors Failures since the last success.\n"
		"# TYPE inspraak_source_consecutive_errors gauge\n"
		"# HELP inspraak_last_success_timestamp_seconds Time of the last successful fetch.\n"
		"# TYPE inspraak_last_success_timestamp_seconds gauge\n";
	struct core_buf b;
	int rc;

	core_buf_init(&b, 16 << 20);
	rc = core_buf_puts(&b, head);
	for (size_t i = 0; i < cli->cfg.n_sources && !rc; i++) {
		const char *name = cli->cfg.sources[i].name; /* [A-Za-z0-9._-]: no escaping */
		struct core_source_state st;
		struct core_err ignored;
		uint64_t fetches = 0, errors = 0;
		time_t ok = 0;
		for (size_t j = 0; j < mx.n; j++)
			if (!strcmp(mx.v[j].name, name)) {
				fetches = mx.v[j].fetches;
				errors = mx.v[j].errors;
			}
		if (core_db_source_state(cli->db, name, &st, &ignored) != 0)
			memset(&st, 0, sizeof(st));
		if (st.last_success)
			core_time_parse(st.last_success, &ok);
		rc = core_buf_printf(&b,
				     "inspraak_fetches_total{source=\"%s\"} %llu\n"
				     "inspraak_fetch_errors_total{source=\"%s\"} %llu\n"
				     "inspraak_items{source=\"%s\"} %lld\n"
				     "inspraak_source_consecutive_errors{source=\"%s\"} %d\n"
				     "inspraak_last_success_timestamp_seconds{source=\"%s\"} %lld\n",
				     name, (unsigned long long)fetches, name,
				     (unsigned long long)errors, name, (long long)st.items, name,
				     st.consecutive_errors, name, (long long)ok);
		core_source_state_release(&st);
	}
	if (rc) {
		core_buf_release(&b);
		return;
	}
	char *text = core_buf_take(&b);
	pthread_mutex_lock(&mx.mu);
	free(mx.text);
	mx.text = text;
	pthread_mutex_unlock(&mx.mu);
}

static int metrics_hook(struct core_buf *out, void *ctx)
{
	int rc = 0;
	(void)ctx;
	pthread_mutex_lock(&mx.mu);
	if (mx.text)
		rc = core_buf_puts(out, mx.text);
	pthread_mutex_unlock(&mx.mu);
	return rc;
}

static void metrics_release(void)
{
	for (size_t i = 0; i < mx.n; i++)
		free(mx.v[i].name);
	free(mx.v);
	free(mx.text);
	mx.v = NULL;
	mx.text = NULL;
	mx.n = 0;
}

static struct srv *start_server(struct cli *cli, const char *listen, struct core_err *err)
{
	struct srv_opts o = {&cli->cfg, cli->db_path ? cli->db_path : cli->cfg.database, listen,
			     metrics_hook, NULL};
	struct srv *s = srv_start(&o, err);

	if (s) {
		const char *l = listen ? listen : cli->cfg.server.listen, *colon = strrchr(l, ':');
		core_log(CORE_LOG_INFO, "listening on http://%.*s:%u/",
			 (int)(colon ? colon - l : (long)strlen(l)), l, srv_port(s));
	}
	return s;
}

/* Loads the configuration anew; on failure keeps the old one and says why. */
static void reload(struct cli *cli, struct srv **server, const char *listen, int serve)
{
	struct core_config fresh;
	struct core_err err = {0};

	if (core_config_load(cli->config_path, &fresh, &err)) {
		core_log(CORE_LOG_ERROR, "reload failed, keeping the running configuration: %s",
			 err.msg);
		return;
	}
	/* An address that asked for any free port keeps the port it got, so clients and
	 * proxies are not cut off by a reload. */
	char same[300] = "";
	const char *was = listen ? listen : cli->cfg.server.listen;
	const char *now = listen ? listen : fresh.server.listen;
	size_t n = strlen(was);
	if (*server && !strcmp(was, now) && n > 2 && !strcmp(was + n - 2, ":0"))
		snprintf(same, sizeof same, "%.*s:%u", (int)(n - 2), was, srv_port(*server));
	/* the server borrows the configuration: stop it before the swap */
	srv_stop(*server);
	*server = NULL;
	core_config_release(&cli->cfg);
	cli->cfg = fresh;
	if (serve && !(*server = start_server(cli, same[0] ? same : listen, &err)))
		core_log(CORE_LOG_ERROR, "after reload the server did not start: %s", err.msg);
	core_log(CORE_LOG_INFO, "reloaded %s: %zu sources, %zu forms", cli->config_path,
		 cli->cfg.n_sources, cli->cfg.n_forms);
}

static void log_results(const struct col_collect_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		const struct col_source_result *r = &rep->v[i];
		if (r->aborted)
			core_log(CORE_LOG_INFO, "fetch %s: abandoned at shutdown", r->name);
		else if (r->ok)
			core_log(CORE_LOG_INFO, "fetch %s: HTTP %d, %zu bytes, %ld ms, %zu new%s",
				 r->name, r->http_status, r->bytes, r->ms, r->new_items,
				 r->not_modified ? ", not modified (304)" : "");
		else
			core_log(CORE_LOG_WARN, "fetch %s: HTTP %d, %zu bytes, %ld ms, failed: %s",
				 r->name, r->http_status, r->bytes, r->ms,
				 r->error ? r->error : "unknown error");
	}
}

int cmd_daemon(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {{"listen", required_argument, 0, 'l'},
						 {"no-server", no_argument, 0, 'n'},
						 {0}};
	const char *listen = NULL;
	struct srv *server = NULL;
	struct core_err err = {0};
	sigset_t set;
	pthread_t sig_th;
	int serve = 1, c, rc;

	opterr = 0;
	optind = 0; /* glibc: a full reset, and options may follow operands */
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c == 'l')
			listen = optarg;
		else if (c == 'n')
			serve = 0;
		else
			return cli_opt_error("daemon", c, argv);
	}
	if (optind < argc)
		return cli_usage("daemon", "unexpected argument '%s'", argv[optind]);
	if ((rc = cli_store(cli)))
		return rc;

	/* before any thread starts, so that every thread inherits the mask; and with the
	 * default action restored, because an inherited "ignore" (nohup, some service
	 * managers) discards a signal even while it is blocked, and sigwait would never
	 * see it */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (serve && !(server = start_server(cli, listen, &err)))
		return cli_fail(&err);
	if (pthread_create(&sig_th, NULL, signal_thread, &set) != 0) {
		srv_stop(server);
		fprintf(stderr, "inspraak: daemon: cannot start the signal thread\n");
		return 1;
	}
	core_log(CORE_LOG_INFO, "daemon started: %zu sources, %zu forms", cli->cfg.n_sources,
		 cli->cfg.n_forms);

	while (!stopping()) {
		struct col_collect_report rep;
		time_t now = time(NULL);

		if (atomic_exchange(&reload_flag, 0))
			reload(cli, &server, listen, serve);
		if (col_collect_until(cli->db, &cli->cfg, now, &stop_flag, &rep, &err) < 0) {
			/* the store failed: say so and try again on the next pass */
			core_log(CORE_LOG_ERROR, "collect: %s", err.msg);
		}
		log_results(&rep);
		count_results(&rep);
		render_metrics(cli);
		col_collect_report_release(&rep);
		if (stopping())
			break;
		time_t next = col_next_due(cli->db, &cli->cfg, time(NULL));
		/* a minute at most: sources that become due by the clock alone are noticed */
		if (next > time(NULL) + 60)
			next = time(NULL) + 60;
		wait_until(next);
	}
	core_log(CORE_LOG_INFO, "stopping");
	srv_stop(server);
	pthread_join(sig_th, NULL);
	metrics_release();
	return 0;
}
