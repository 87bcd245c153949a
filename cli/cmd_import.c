/* cmd_import.c: `inspraak import FILE`: form-tool exports in, with a closing summary
 * and every rejected row named on stderr. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "collector.h"

/* Progress on stderr, only for a terminal and files over 8 MiB, at most every 1 %. */
struct progress {
	int last;
};

static void show_progress(uint64_t done, uint64_t total, void *ctx)
{
	struct progress *p = ctx;
	int pct = total ? (int)(done * 100 / total) : 0;
	if (pct > 100)
		pct = 100;
	if (pct == p->last)
		return;
	p->last = pct;
	fprintf(stderr, "\rimport: %3d%% (%llu of %llu MiB)", pct,
		(unsigned long long)(done >> 20), (unsigned long long)(total >> 20));
	if (pct == 100)
		fputc('\n', stderr);
	fflush(stderr);
}

int cmd_import(struct cli *cli, int argc, char **argv)
{
	struct progress prog = {.last = -1};
	struct stat st;
	static const struct option longopts[] = {
		{"format", required_argument, 0, 'f'},  {"source", required_argument, 0, 's'},
		{"text", required_argument, 0, 'T'},    {"id", required_argument, 0, 'I'},
		{"time", required_argument, 0, 'W'},    {"author", required_argument, 0, 'A'},
		{"ambition", required_argument, 0, 'M'}, {"stance", required_argument, 0, 'S'},
		{"group", required_argument, 0, 'G'},   {"encoding", required_argument, 0, 'e'},
		{"delimiter", required_argument, 0, 'd'}, {"dry-run", no_argument, 0, 'n'},
		{"lang", required_argument, 0, 'L'},    {"lang-column", required_argument, 0, 'C'},
		{0}};
	struct col_import_opts o = {0};
	struct col_import_report rep = {0};
	struct core_err err = {0};
	int c, rc;

	opterr = 0;
	optind = 0; /* glibc: a full reset, and options may follow operands */
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!strcasecmp(optarg, "csv"))
				o.format = COL_FMT_CSV;
			else if (!strcasecmp(optarg, "json"))
				o.format = COL_FMT_JSON;
			else if (!strcasecmp(optarg, "jsonl") || !strcasecmp(optarg, "ndjson"))
				o.format = COL_FMT_JSONL;
			else
				return cli_usage("import", "--format must be csv, json or jsonl, "
							   "not '%s'", optarg);
			break;
		case 's': o.source = optarg; break;
		case 'T': o.col_text = optarg; break;
		case 'I': o.col_id = optarg; break;
		case 'W': o.col_time = optarg; break;
		case 'A': o.col_author = optarg; break;
		case 'M': o.col_ambition = optarg; break;
		case 'S': o.col_stance = optarg; break;
		case 'G': o.col_group = optarg; break;
		case 'C': o.col_lang = optarg; break;
		case 'L':
			if (!col_lang_code_valid(optarg, strlen(optarg)))
				return cli_usage("import", "--lang needs a language code such as nl, en, "
							   "de or fr, not '%s'", optarg);
			o.lang = optarg;
			break;
		case 'e':
			if (strcasecmp(optarg, "utf-8") && strcasecmp(optarg, "utf8") &&
			    strcasecmp(optarg, "windows-1252") && strcasecmp(optarg, "cp1252") &&
			    strcasecmp(optarg, "latin1") && strcasecmp(optarg, "iso-8859-1"))
				return cli_usage("import", "--encoding must be utf-8 or windows-1252, "
							   "not '%s'", optarg);
			o.encoding = optarg;
			break;
		case 'd':
			if (!strcmp(optarg, "tab") || !strcmp(optarg, "\\t"))
				o.delimiter = '\t';
			else if (strlen(optarg) == 1 && strchr(",;|\t", optarg[0]))
				o.delimiter = optarg[0];
			else
				return cli_usage("import", "--delimiter must be ',', ';', '|' or "
							   "'tab', not '%s'", optarg);
			break;
		case 'n': o.dry_run = 1; break;
		default: return cli_opt_error("import", c, argv);
		}
	}
	if (optind >= argc)
		return cli_usage("import", "which file? (inspraak import FILE)");
	o.path = argv[optind++];
	if (optind < argc)
		return cli_usage("import", "unexpected argument '%s'", argv[optind]);
	if ((rc = cli_store(cli)))
		return rc;
	if (!cli->quiet && isatty(STDERR_FILENO) && stat(o.path, &st) == 0 &&
	    st.st_size > (8 << 20)) {
		o.progress = show_progress;
		o.progress_ctx = &prog;
	}
	if (col_import_file(cli->db, &cli->cfg, &o, &rep, &err)) {
		col_import_report_release(&rep);
		return cli_fail(&err);
	}
	for (size_t i = 0; i < rep.n_rejects; i++)
		fprintf(stderr, "inspraak: import '%s': row %zu: %s\n", o.path, rep.rejects[i].row,
			rep.rejects[i].reason);
	if (rep.rejected > rep.n_rejects)
		fprintf(stderr, "inspraak: import '%s': %zu more rejected rows not listed\n", o.path,
			rep.rejected - rep.n_rejects);
	cli_info(cli, "%simport '%s': read %zu, imported %zu, duplicates %zu, rejected %zu\n",
		 o.dry_run ? "dry run: nothing stored: " : "", o.path, rep.read, rep.imported,
		 rep.duplicates, rep.rejected);
	col_import_report_release(&rep);
	return 0;
}
