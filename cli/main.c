/* main.c: the inspraak program: global options, the sorted command table (the one
 * place that names every command and documents its options, from which all help is
 * generated), and the mapping from error codes to the exit codes of SPEC.md. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct cli_option analyze_opts[] = {
	{"--seed N", "seed for the clustering (default: analysis.seed, 42)"},
	{"--themes K", "fix the number of top-level themes (default: chosen up to "
		       "analysis.max_themes)"},
	{"--json", "print the run's report as JSON: counts, stance classifier scores, least "
	 "certain stances"},
	{0},
};
static const struct cli_option collect_opts[] = {
	{"--source NAME", "collect only this source (repeatable); fetched even when not due"},
	{"--all", "fetch every enabled source now, due or not"},
	{0},
};
static const struct cli_option daemon_opts[] = {
	{"--listen ADDR:PORT", "address of the intake server (default: server.listen)"},
	{"--no-server", "only the feed scheduler, no intake server"},
	{0},
};
static const struct cli_option export_opts[] = {
	{"--format F", "csv, json, md, html or all; repeat or separate with commas; default all"},
	{"--out DIR", "folder to write into (default: exports.dir, \"export\")"},
	{"--since DATE", "only items published on or after DATE (YYYY-MM-DD)"},
	{"--until DATE", "only items published on or before DATE (YYYY-MM-DD)"},
	{"--source NAME", "only items from this source"},
	{"--lang L", "only items in language L (nl, en, ...)"},
	{"--ambition CODE", "only items with a stance on this ambition (\"general\": items "
			    "without one)"},
	{"--group G", "only items of this respondent group"},
	{"--excel", "CSV for Dutch Excel: BOM, ';' delimiter, decimal comma"},
	{"--include-authors", "include author names (left out by default)"},
	{"--report-lang L", "language of the Markdown and HTML report: nl (default) or en"},
	{"--reproducible", "fixed generated_at, so the same store gives identical files"},
	{0},
};
static const struct cli_option import_opts[] = {
	{"--format F", "csv, json or jsonl (default: from the file name, then the content)"},
	{"--source NAME", "source name for the items (default: the file name)"},
	{"--text COL", "column (or JSON key) with the reaction text (default \"text\")"},
	{"--id COL", "column with the tool's submission id (default \"id\"; without it, "
		     "the text identifies the row)"},
	{"--time COL", "column with the submission time (default \"time\")"},
	{"--author COL", "column with the author (default \"author\")"},
	{"--ambition COL", "column with the respondent's chosen ambition(s) (default "
			   "\"ambition\")"},
	{"--stance COL", "column with the respondent's stance (default \"stance\")"},
	{"--group COL", "column with the respondent group (default \"group\")"},
	{"--lang L", "the reactions' language (nl, en, ...) where a row gives none; default: "
		     "detected per text"},
	{"--lang-column COL", "column with each reaction's language code (default \"lang\")"},
	{"--encoding E", "utf-8 (default) or windows-1252"},
	{"--delimiter C", "CSV delimiter: ',', ';' or 'tab' (default: detected)"},
	{"--dry-run", "check everything, store nothing"},
	{0},
};
static const struct cli_option stance_opts[] = {
	{"--lang L", "read the texts as language L (nl, en, ...); default: detected per text"},
	{"--ambition CODE", "the stance toward this configured ambition"},
	{"--motion TEXT", "the stance toward this proposition"},
	{"--json", "one JSON object per text: stance, confidence, support, objection, cues"},
	{0},
};

static const struct cli_option items_opts[] = {
	{"--json", "print a JSON array"},
	{"--theme ID", "only items in this theme"},
	{"--ambition CODE", "only items about this ambition (\"general\": about none)"},
	{"--stance S", "only items with this stance (support, objection, neutral, mixed)"},
	{"--source NAME", "only items from this source"},
	{"--lang L", "only items in this language"},
	{"--since DATE", "only items published on or after DATE"},
	{"--until DATE", "only items published on or before DATE"},
	{"--limit N", "at most N items"},
	{0},
};
static const struct cli_option json_opts[] = {
	{"--json", "print JSON instead of a table"},
	{0},
};
static const struct cli_option init_opts[] = {
	{"--force", "overwrite an existing configuration file"},
	{0},
};
static const struct cli_option serve_opts[] = {
	{"--listen ADDR:PORT", "address to listen on (default: server.listen, "
			       "127.0.0.1:8080; port 0 picks a free one)"},
	{0},
};
static const struct cli_option review_opts[] = {
	{"--reviewer NAME", "who decides (default: $USER, else \"cli\")"},
	{"--label LABEL", "split: the new theme's label"},
	{"--reason TEXT", "hide: why (moderation); required"},
	{"--note TEXT", "a note kept with the decision"},
	{"--json", "log: print a JSON array"},
	{"--target ID", "log: only decisions on this item or theme"},
	{"--limit N", "log: only the latest N decisions"},
	{0},
};
static const struct cli_option no_opts[] = {{0}};

/* Sorted by name; `help` prints them in this order. */
const struct cli_command cli_commands[] = {
	{"analyze", cmd_analyze, "[--seed N] [--themes K]",
	 "cluster the stored items into themes, assign ambitions and stances",
	 "Runs the whole analysis over all stored items and records it as a new analysis run:\n"
	 "language, tokens and stems, exact duplicates and campaigns, themes (k-means over\n"
	 "TF-IDF), ambitions per item and the stance toward each. A respondent's own ambition\n"
	 "and stance always win; those stances also train a classifier (per language, naive\n"
	 "Bayes over words and cues, stacked with the rules) that decides the other items'\n"
	 "stances, and its cross-validated score is printed. The same seed and store give\n"
	 "the same themes. Prints the stances it is least sure of, for review first.",
	 analyze_opts},
	{"check-config", cmd_check_config, "",
	 "validate the configuration",
	 "Loads the configuration and reports the first error with its file, line, column and\n"
	 "JSON path, or a summary when it is valid. Exit code 3 when it is invalid.",
	 no_opts},
	{"collect", cmd_collect, "[--source NAME]... [--all]",
	 "fetch the feeds that are due once, store new items, exit",
	 "Fetches each enabled feed source that is due (or all, or the named ones), stores new\n"
	 "items once and records every attempt. A failing source does not stop the others;\n"
	 "the exit code is 1 when any source failed.",
	 collect_opts},
	{"daemon", cmd_daemon, "[--listen ADDR:PORT] [--no-server]",
	 "run the feed scheduler and the intake server until SIGTERM",
	 "Runs until SIGTERM or SIGINT: polls each enabled source when it is due (interval,\n"
	 "floor, backoff, Retry-After, max-age and ttl as stored per source) with one log line\n"
	 "per fetch, and serves the forms as `serve` does. A shutdown abandons fetches in\n"
	 "flight and exits 0 within seconds. SIGHUP reloads the configuration; when the new\n"
	 "one is invalid the running one stays and the error is logged.",
	 daemon_opts},
	{"export", cmd_export, "[--format csv|json|md|html] [--out DIR] [filters]",
	 "write the summaries of the latest analysis",
	 "Writes summary.csv, themes.csv and items.csv (csv), summary.json (json), summary.md\n"
	 "(md) and report.html (html) from the latest analysis run. Author names and e-mail\n"
	 "addresses are left out unless asked for.",
	 export_opts},
	{"help", cmd_help, "[COMMAND]", "show the commands, or one command's options",
	 "Without a command, lists all commands; with one, shows its options.", no_opts},
	{"import", cmd_import, "FILE [--format csv|json|jsonl] [--source NAME] [--text COL] ...",
	 "import a form-tool export (CSV, JSON or JSONL)",
	 "Imports reactions from a file. Columns are found by header name (case-insensitive).\n"
	 "A broken row is reported with its row number and skipped; the rest is imported in\n"
	 "one transaction. Importing the same file again adds nothing.",
	 import_opts},
	{"init", cmd_init, "[DIR]", "write a starter configuration and an empty database",
	 "Writes DIR/inspraak.json (a commented starter configuration) and creates the empty\n"
	 "database it names. DIR defaults to the current folder. An existing configuration is\n"
	 "kept unless --force is given.",
	 init_opts},
	{"items", cmd_items, "[--json] [--theme ID] [--ambition CODE] [--stance S] [--limit N]",
	 "list the items with their analysis",
	 "Lists stored items with their language, theme, campaign and the ambitions and\n"
	 "stances of the latest analysis run (before any run: without analysis).",
	 items_opts},
	{"review", cmd_review, "ACTION ARGS... [--reviewer NAME] | log [--json] | token NAME",
	 "correct the analysis: rename, merge, split, move, set-stance, hide; the audit log",
	 "The reviewers' actions, as on the /review pages; each is recorded in the audit log\n"
	 "(who, when, before, after) and applied at once to the latest analysis, and every\n"
	 "later 'analyze' applies it again:\n"
	 "  review rename THEME LABEL           give a theme a label\n"
	 "  review merge THEME INTO             merge a theme into another\n"
	 "  review split THEME ITEM... --label LABEL   items of a theme into a new theme\n"
	 "  review move ITEM THEME              put an item in another theme\n"
	 "  review set-stance ITEM AMBITION STANCE   support, objection, neutral, mixed, or\n"
	 "                                      none (the item is not about that ambition)\n"
	 "  review mark-reviewed ITEM           count the item as reviewed\n"
	 "  review hide ITEM --reason TEXT      moderation: analysis and exports skip it\n"
	 "  review unhide ITEM\n"
	 "  review note ITEM|THEME TEXT\n"
	 "  review log [--json] [--target ID] [--reviewer NAME] [--limit N]\n"
	 "  review token NAME                   a new login token and its hash for the\n"
	 "                                      configuration (review.reviewers)",
	 review_opts},
	{"serve", cmd_serve, "[--listen ADDR:PORT]",
	 "run the web-form intake server until SIGTERM/SIGINT",
	 "Serves the configured forms at /forms/NAME (HTML, Dutch or English) and takes form\n"
	 "tools' JSON at /api/forms/NAME/submissions. A submission is answered (303 or 201)\n"
	 "only after it is committed to the database; retries with the same Idempotency-Key\n"
	 "are stored once. GET /healthz reports whether the database takes writes. Prints\n"
	 "\"listening on http://ADDR:PORT\" once it accepts connections.",
	 serve_opts},
	{"sources", cmd_sources, "[--json]",
	 "show each source's health: last fetch, status, next due, errors",
	 "Per source: type, URL, last attempt and success, HTTP status, next due time,\n"
	 "consecutive and total errors, the last error and the number of stored items.",
	 json_opts},
	{"stance", cmd_stance, "[--lang L] [--ambition CODE | --motion TEXT] [--json] [TEXT]...",
	 "show the stance the rules read in texts, with their cues",
	 "Applies the stance rules (config/lexicons) to each TEXT, or to each line of stdin\n"
	 "when no TEXT is given, and prints the stance, its confidence and the cues that\n"
	 "counted (negated ones marked). The language is detected unless --lang is given.\n"
	 "--ambition CODE or --motion TEXT reads the stance toward that ambition: an ambition\n"
	 "that wants something gone (\"ban\", \"afschaffen\") turns evaluative cues around,\n"
	 "agreement cues (\"mee eens\", \"oppose\") keep their sign. --json prints one JSON\n"
	 "object per text (JSON Lines). Needs no configuration unless --ambition is given.",
	 stance_opts},
	{"themes", cmd_themes, "[--json]", "list the themes of the latest analysis",
	 "Per theme: id, label, size, top terms, ambitions and the stance split.", json_opts},
	{0},
};

static void usage_all(FILE *out)
{
	fprintf(out,
		"usage: inspraak [--config FILE] [--db FILE] [-q] [-v] COMMAND [ARGS]\n\n"
		"Collects reactions to a vision from forms and feeds, finds the themes in them and\n"
		"tells which ambitions draw support and which draw objections.\n\n"
		"Global options:\n"
		"  --config FILE   configuration file (default ./inspraak.json)\n"
		"  --db FILE       database (default: the configuration's \"database\")\n"
		"  -q, --quiet     only errors\n"
		"  -v, --verbose   also debug messages\n"
		"  --version       print the version\n\n"
		"Commands:\n");
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(out, "  %-14s %s\n", c->name, c->summary);
	fprintf(out, "\nRun 'inspraak help COMMAND' for a command's options.\n"
		     "Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 configuration error,\n"
		     "4 database error.\n");
}

void cli_help_command(const struct cli_command *c, FILE *out)
{
	fprintf(out, "usage: inspraak %s %s\n\n%s\n", c->name, c->synopsis, c->description);
	if (c->options && c->options[0].spelling) {
		fprintf(out, "\nOptions:\n");
		for (const struct cli_option *o = c->options; o->spelling; o++)
			fprintf(out, "  %-20s %s\n", o->spelling, o->help);
	}
	fprintf(out, "  %-20s %s\n", "--help", "show this help");
}

const struct cli_command *cli_find(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

int cmd_help(struct cli *cli, int argc, char **argv)
{
	const struct cli_command *c;

	(void)cli;
	if (argc < 2) {
		usage_all(stdout);
		return 0;
	}
	if (!(c = cli_find(argv[1])))
		return cli_usage("help", "no command '%s'", argv[1]);
	cli_help_command(c, stdout);
	return 0;
}

static int exit_code(int code)
{
	switch (code) {
	case CORE_OK: return 0;
	case CORE_EUSAGE: return 2;
	case CORE_ECONFIG: return 3;
	case CORE_EDB: return 4;
	default: return 1;
	}
}

int cli_fail(const struct core_err *err)
{
	fprintf(stderr, "inspraak: %s\n", err->msg[0] ? err->msg : "unknown error");
	return exit_code(err->code);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "inspraak %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'inspraak help %s')\n", cmd);
	return 2;
}

int cli_opt_error(const char *cmd, int c, char **argv)
{
	if (c == ':')
		return cli_usage(cmd, "option '%s' needs a value", argv[optind - 1]);
	return cli_usage(cmd, "unknown option '%s'", argv[optind - 1]);
}

int cli_json_flag(const char *cmd, int argc, char **argv, int *json)
{
	static const struct option longopts[] = {{"json", no_argument, 0, 'j'}, {0}};
	int c;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c != 'j')
			return cli_opt_error(cmd, c, argv);
		*json = 1;
	}
	if (optind < argc)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
	return 0;
}

void cli_info(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;
	if (cli->quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

long cli_parse_long(const char *s, long lo, long hi)
{
	char *end;
	long v;
	if (!s || !*s)
		return -1;
	v = strtol(s, &end, 10);
	if (*end || v < lo || v > hi)
		return -1;
	return v;
}

int cli_config(struct cli *cli)
{
	struct core_err err = {0};
	if (cli->cfg_loaded)
		return 0;
	if (core_config_load(cli->config_path, &cli->cfg, &err))
		return cli_fail(&err);
	cli->cfg_loaded = 1;
	return 0;
}

int cli_store(struct cli *cli)
{
	struct core_err err = {0};
	int rc;
	if ((rc = cli_config(cli)))
		return rc;
	if (cli->db)
		return 0;
	if (!(cli->db = core_db_open(cli->db_path ? cli->db_path : cli->cfg.database, &err)))
		return cli_fail(&err);
	return 0;
}

/* A batch analysis faults in hundreds of MiB a page at a time, and in a virtual
 * machine every fault is a trip to the hypervisor: at 100k items 38,000 faults took a
 * sixth of the CPU. glibc backs its heap with transparent huge pages when its hugetlb
 * tunable says so, and reads tunables only at start-up; so `analyze` starts itself once
 * more with the tunable added (cmd_analyze, for stores large enough to pay for a
 * second start), when the kernel gives huge pages on request (madvise
 * mode) and GLIBC_TUNABLES does not already set it either way (hugetlb=0 keeps the
 * process as it is). Not under valgrind (its preload library is in LD_PRELOAD), which
 * would run the new image outside itself. Nothing has been opened yet, and a failed
 * exec leaves the run to go on without. */
void cli_reexec_huge_pages(const struct cli *cli)
{
	char **argv = cli->argv;
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
	static const char key[] = "glibc.malloc.hugetlb=";
	const char *old = getenv("GLIBC_TUNABLES"), *preload = getenv("LD_PRELOAD");
	char mode[128] = "", prev[1024] = "", val[1100];
	FILE *f;

	if ((old && strstr(old, key)) || (preload && strstr(preload, "vgpreload")))
		return; /* set either way, or under valgrind, which would not follow */
	if (old && snprintf(prev, sizeof(prev), "%s", old) >= (int)sizeof(prev))
		return;
	if (!(f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r")))
		return;
	if (!fgets(mode, sizeof(mode), f))
		mode[0] = '\0';
	fclose(f);
	if (!strstr(mode, "[madvise]"))
		return;
	snprintf(val, sizeof(val), "%s%s%s1", prev, prev[0] ? ":" : "", key);
	if (setenv("GLIBC_TUNABLES", val, 1))
		return;
	fflush(NULL); /* nothing is printed before, but nothing buffered may be lost */
	execv("/proc/self/exe", argv);
	if (old)
		setenv("GLIBC_TUNABLES", prev, 1);
	else
		unsetenv("GLIBC_TUNABLES");
#else
	(void)argv;
#endif
}

int main(int argc, char **argv)
{
	struct cli cli = {.config_path = "inspraak.json", .argv = argv};
	const struct cli_command *cmd;
	int i, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--config") || !strcmp(a, "--db")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "inspraak: %s needs a file name\n", a);
				return 2;
			}
			if (!strcmp(a, "--config"))
				cli.config_path = argv[++i];
			else
				cli.db_path = argv[++i];
		} else if (!strncmp(a, "--config=", 9)) {
			cli.config_path = a + 9;
		} else if (!strncmp(a, "--db=", 5)) {
			cli.db_path = a + 5;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			cli.quiet = 1;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			cli.verbose = 1;
		} else if (!strcmp(a, "--version")) {
			printf("inspraak %s\n", INSPRAAK_VERSION);
			return 0;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage_all(stdout);
			return 0;
		} else {
			fprintf(stderr, "inspraak: unknown global option '%s' (see 'inspraak help')\n",
				a);
			return 2;
		}
	}
	if (i >= argc) {
		usage_all(stderr);
		return 2;
	}
	if (!(cmd = cli_find(argv[i]))) {
		fprintf(stderr, "inspraak: '%s' is not a command (see 'inspraak help')\n", argv[i]);
		return 2;
	}
	core_log_set_level(cli.quiet ? CORE_LOG_ERROR : cli.verbose ? CORE_LOG_DEBUG
								     : CORE_LOG_INFO);
	for (int j = i + 1; j < argc; j++) {
		if (!strcmp(argv[j], "--"))
			break;
		if (!strcmp(argv[j], "--help") || !strcmp(argv[j], "-h")) {
			cli_help_command(cmd, stdout);
			return 0;
		}
	}
	rc = cmd->run(&cli, argc - i, argv + i);
	core_db_close(cli.db);
	if (cli.cfg_loaded)
		core_config_release(&cli.cfg);
	return rc;
}
