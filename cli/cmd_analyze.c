/* cmd_analyze.c: `inspraak analyze`: one analysis run over the store. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "analyzer.h"
#include "cli.h"

#define ANALYZE_HUGE_MIN_BYTES (1 << 20) /* store size from which analyze uses huge pages */

/* For -v: how much of the process's memory sits on transparent huge pages (main.c
 * starts `analyze` with glibc's heap on them); -1 when the kernel does not say. */
static long huge_kib(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	long kib = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* `analyze --json`: the run's report for scripts (bench/stance_eval.py reads it). */
static int print_json(struct cli *cli, const struct ana_report *rep)
{
	json_t *o = json_object(), *amb = json_object(), *ev = json_array(), *unc = json_array();

	if (!o || !amb || !ev || !unc)
		goto nomem;
	json_object_set_new(o, "run", json_integer(rep->run_id));
	json_object_set_new(o, "items", json_integer((json_int_t)rep->items));
	json_object_set_new(o, "themes", json_integer((json_int_t)rep->themes));
	json_object_set_new(o, "campaigns", json_integer((json_int_t)rep->campaigns));
	json_object_set_new(o, "unassigned", json_integer((json_int_t)rep->unassigned));
	json_object_set_new(o, "seconds", json_real(rep->seconds_total));
	for (size_t i = 0; i < cli->cfg.n_ambitions && i < 64; i++)
		json_object_set_new(amb, cli->cfg.ambitions[i].code,
				    json_integer((json_int_t)rep->ambition_items[i]));
	json_object_set_new(o, "ambition_items", amb);
	for (size_t i = 0; i < rep->n_stance_eval; i++) {
		const struct ana_stance_eval *e = &rep->stance_eval[i];
		json_array_append_new(ev, json_pack("{s:s,s:I,s:I,s:I,s:b,s:i,s:f,s:f,s:f,s:f}",
						    "lang", e->lang, "labelled",
						    (json_int_t)e->labelled, "support",
						    (json_int_t)e->support, "objection",
						    (json_int_t)e->objection, "used", e->used,
						    "folds", e->folds, "rules_accuracy",
						    e->rules_accuracy, "rules_macro_f1", e->rules_f1,
						    "cv_accuracy", e->cv_accuracy, "cv_macro_f1",
						    e->cv_f1));
	}
	json_object_set_new(o, "stance_classifier", ev);
	json_object_set_new(o, "stance_changed", json_integer((json_int_t)rep->stance_changed));
	for (size_t i = 0; i < rep->n_uncertain; i++)
		json_array_append_new(unc, json_pack("{s:I,s:s,s:s,s:f}", "item",
						     (json_int_t)rep->uncertain[i].item, "ambition",
						     rep->uncertain[i].code, "stance",
						     core_stance_name(rep->uncertain[i].stance),
						     "confidence", rep->uncertain[i].confidence));
	json_object_set_new(o, "least_certain", unc);
	char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		goto nomem_done;
	printf("%s\n", s);
	free(s);
	return 0;
nomem:
	json_decref(o);
	json_decref(amb);
	json_decref(ev);
	json_decref(unc);
nomem_done:
	fprintf(stderr, "inspraak: analyze: out of memory\n");
	return 1;
}

int cmd_analyze(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"seed", required_argument, 0, 's'}, {"themes", required_argument, 0, 't'},
		{"json", no_argument, 0, 'j'}, {0}};
	struct ana_opts opts = {0};
	struct ana_report rep = {0};
	struct core_err err = {0};
	long seed = -1, themes = -1;
	int c, rc, json = 0;

	opterr = 0;
	optind = 0; /* glibc: a full reset, and options may follow operands */
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c == 's') {
			if ((seed = cli_parse_long(optarg, 0, 0x7fffffffffffffffL)) < 0)
				return cli_usage("analyze", "--seed needs a whole number, not '%s'",
						 optarg);
		} else if (c == 'j') {
			json = 1;
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
	/* Huge pages pay from a few thousand items on: with the second start (37 ms, 47
	 * shared libraries) 500 items took 134 ms instead of 108, 10,000 items 657 ms
	 * instead of 750. The store's size tells, before it is opened. */
	if ((rc = cli_config(cli)))
		return rc;
	struct stat sb;
	if (stat(cli->db_path ? cli->db_path : cli->cfg.database, &sb) == 0 &&
	    sb.st_size >= ANALYZE_HUGE_MIN_BYTES)
		cli_reexec_huge_pages(cli);
	if ((rc = cli_store(cli)))
		return rc;
	opts.seed = seed >= 0 ? (uint64_t)seed : cli->cfg.analysis.seed;
	opts.themes = themes > 0 ? (int)themes : cli->cfg.analysis.themes;
#ifdef __GLIBC__
	/* One run that builds large arrays and frees them stage after stage: keep freed
	 * memory for the next stage instead of handing it back to the kernel and faulting
	 * it in again (page faults were 9% of the CPU at 100k items; this command exits
	 * when the run is done). */
	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	mallopt(M_TRIM_THRESHOLD, 512 << 20);
	mallopt(M_TOP_PAD, 64 << 20);
#endif
	if (ana_run(cli->db, &cli->cfg, &opts, &rep, &err))
		return cli_fail(&err);
	if (core_log_get_level() >= CORE_LOG_DEBUG)
		core_log(CORE_LOG_DEBUG, "analysis: %ld KiB on huge pages", huge_kib());
	if (json)
		return print_json(cli, &rep);
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
	for (size_t i = 0; i < rep.n_stance_eval; i++) {
		const struct ana_stance_eval *e = &rep.stance_eval[i];
		if (!e->used) {
			cli_info(cli, "stance (%s): %zu items with the respondent's stance (%zu support, "
				      "%zu objection): too few to train on, the rules decide\n",
				 e->lang, e->labelled, e->support, e->objection);
			continue;
		}
		cli_info(cli, "stance (%s): learnt from %zu items with the respondent's stance; on "
			      "them the rules alone score macro-F1 %.2f, rules with the classifier "
			      "%.2f (%d-fold cross-validation)\n", e->lang, e->labelled, e->rules_f1,
			 e->cv_f1, e->folds);
	}
	if (rep.n_uncertain) {
		cli_info(cli, "least certain stances, for review first:");
		for (size_t i = 0; i < rep.n_uncertain && i < 5; i++)
			cli_info(cli, " item %lld (%s %s %.2f)%s", (long long)rep.uncertain[i].item,
				 rep.uncertain[i].code, core_stance_name(rep.uncertain[i].stance),
				 rep.uncertain[i].confidence, i + 1 < rep.n_uncertain && i < 4 ? "," : "");
		cli_info(cli, "\n");
	}
	return 0;
}
