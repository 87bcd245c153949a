/* cmd_review.c: `inspraak review`: the reviewers' actions for scripting (the same ones
 * as the /review pages: rename, merge, split, move, set-stance, mark-reviewed, hide,
 * unhide, note), the audit log, and a token generator for the configuration. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <jansson.h>

#include "cli.h"
#include "collector.h"

#define USAGE "see 'inspraak help review'"

/* Positional arguments each action takes (after its name), and the most. */
static const struct {
	const char *name;
	enum core_review_act act;
	int min, max;
	const char *args;
} acts[] = {
	{"rename", CORE_REV_RENAME, 2, 2, "THEME LABEL"},
	{"merge", CORE_REV_MERGE, 2, 2, "THEME INTO"},
	{"split", CORE_REV_SPLIT, 2, 10001, "THEME ITEM... --label LABEL"},
	{"move", CORE_REV_MOVE, 2, 2, "ITEM THEME"},
	{"set-stance", CORE_REV_SET_STANCE, 3, 3, "ITEM AMBITION STANCE"},
	{"mark-reviewed", CORE_REV_MARK, 1, 1, "ITEM"},
	{"hide", CORE_REV_HIDE, 1, 1, "ITEM --reason TEXT"},
	{"unhide", CORE_REV_UNHIDE, 1, 1, "ITEM"},
	{"note", CORE_REV_NOTE, 2, 2, "ITEM|THEME TEXT"},
};

static int print_log_row(const struct core_decision *d, void *ctx)
{
	json_t *arr = ctx;
	if (arr) {
		json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)d->id,
				      "created_at", d->created_at, "reviewer", d->reviewer, "action",
				      d->action, "target_kind", d->target_kind, "target_id",
				      d->target_id);
		json_t *b = d->before ? json_loads(d->before, 0, NULL) : NULL;
		json_t *a = d->after ? json_loads(d->after, 0, NULL) : NULL;
		if (!o)
			return CORE_ENOMEM;
		json_object_set_new(o, "before", b ? b : json_null());
		json_object_set_new(o, "after", a ? a : json_null());
		json_object_set_new(o, "note", d->note ? json_string(d->note) : json_null());
		return json_array_append_new(arr, o) ? CORE_ENOMEM : 0;
	}
	printf("%-5lld %-20s %-12s %-13s %-6s %-8s %s%s%s\n", (long long)d->id, d->created_at,
	       d->reviewer, d->action, d->target_kind, d->target_id, d->after ? d->after : "",
	       d->note ? (d->after ? " note: " : "note: ") : "", d->note ? d->note : "");
	return 0;
}

static int skip_row(const struct core_decision *d, void *ctx)
{
	(void)d;
	(void)ctx;
	return 0;
}

static int review_log(struct cli *cli, int json, const char *target, const char *reviewer,
		      long limit)
{
	struct core_decision_filter f = {.reviewer = reviewer, .limit = limit > 0 ? limit : 0};
	struct core_err err = {0};
	json_t *arr = json ? json_array() : NULL;
	int rc;

	if (target) {
		f.target_id = target;
		f.target_kind = strspn(target, "0123456789") == strlen(target) ? "item" : "theme";
	}
	if (limit > 0) { /* the latest N, still oldest first */
		struct core_decision_filter count = f;
		int64_t total = 0;
		count.limit = 1;
		if ((rc = core_db_decisions_each(cli->db, &count, skip_row, NULL, &total, &err))) {
			json_decref(arr);
			return cli_fail(&err);
		}
		f.offset = total > limit ? total - limit : 0;
	}
	if (!json)
		printf("%-5s %-20s %-12s %-13s %-6s %-8s %s\n", "ID", "TIME", "REVIEWER", "ACTION",
		       "KIND", "TARGET", "DECISION");
	rc = core_db_decisions_each(cli->db, &f, print_log_row, arr, NULL, &err);
	if (rc) {
		json_decref(arr);
		if (rc == CORE_ENOMEM && !err.msg[0])
			core_err_set(&err, rc, "review log: out of memory");
		return cli_fail(&err);
	}
	if (json) {
		char *txt = json_dumps(arr, JSON_INDENT(2));
		json_decref(arr);
		if (!txt) {
			fprintf(stderr, "inspraak: review log: out of memory\n");
			return 1;
		}
		printf("%s\n", txt);
		free(txt);
	}
	return 0;
}

/* `review token NAME`: a new random token to hand to the reviewer, and the line with
 * its SHA-256 for the configuration (the token itself is never stored). */
static int review_token(const char *name)
{
	unsigned char r[24], h[32];
	char tok[49], hex[65];
	static const char digits[] = "0123456789abcdef";

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		fprintf(stderr, "inspraak: review token: no randomness from getrandom\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof(r); i++) {
		tok[2 * i] = digits[r[i] >> 4];
		tok[2 * i + 1] = digits[r[i] & 15];
	}
	tok[48] = 0;
	col_sha256(tok, 48, h);
	for (size_t i = 0; i < 32; i++) {
		hex[2 * i] = digits[h[i] >> 4];
		hex[2 * i + 1] = digits[h[i] & 15];
	}
	hex[64] = 0;
	printf("token for %s (give it to them; it is not stored): %s\n", name, tok);
	printf("for the configuration, in \"review\": {\"reviewers\": [...]}: "
	       "{\"name\": \"%s\", \"token_sha256\": \"%s\"}\n", name, hex);
	return 0;
}

int cmd_review(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"reviewer", required_argument, 0, 'r'}, {"json", no_argument, 0, 'j'},
		{"label", required_argument, 0, 'l'},    {"reason", required_argument, 0, 'R'},
		{"note", required_argument, 0, 'n'},     {"target", required_argument, 0, 't'},
		{"limit", required_argument, 0, 'L'},    {0}};
	struct core_review_action a = {0};
	struct core_err err = {0};
	const char *reviewer = NULL, *target = NULL, *what;
	int64_t *items = NULL;
	long limit = 0;
	int json = 0, c, rc, nargs;
	size_t k;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': reviewer = optarg; break;
		case 'j': json = 1; break;
		case 'l': a.label = optarg; break;
		case 'R': a.reason = optarg; break;
		case 'n': a.note = optarg; break;
		case 't': target = optarg; break;
		case 'L':
			if ((limit = cli_parse_long(optarg, 1, 0x7fffffffL)) < 0)
				return cli_usage("review", "--limit needs a positive number");
			break;
		default: return cli_opt_error("review", c, argv);
		}
	}
	if (optind >= argc)
		return cli_usage("review", "which action? rename, merge, split, move, set-stance, "
					   "mark-reviewed, hide, unhide, note, log or token");
	what = argv[optind++];
	nargs = argc - optind;
	if (!strcmp(what, "token")) {
		if (nargs != 1)
			return cli_usage("review", "token takes the reviewer's name");
		return review_token(argv[optind]);
	}
	if (!strcmp(what, "log")) {
		if (nargs)
			return cli_usage("review", "log takes no arguments, not '%s'", argv[optind]);
		if ((rc = cli_store(cli)))
			return rc;
		return review_log(cli, json, target, reviewer, limit);
	}
	for (k = 0; k < sizeof(acts) / sizeof(acts[0]) && strcmp(acts[k].name, what); k++)
		;
	if (k == sizeof(acts) / sizeof(acts[0]))
		return cli_usage("review", "'%s' is not a review action", what);
	if (nargs < acts[k].min || nargs > acts[k].max)
		return cli_usage("review", "usage: review %s %s", what, acts[k].args);
	if (json)
		return cli_usage("review", "--json belongs to 'review log'");
	a.act = acts[k].act;
	a.target = argv[optind];
	if (!reviewer || !*reviewer)
		reviewer = getenv("USER");
	a.reviewer = reviewer && *reviewer ? reviewer : "cli";
	switch (a.act) {
	case CORE_REV_RENAME: a.label = argv[optind + 1]; break;
	case CORE_REV_MERGE:
	case CORE_REV_MOVE: a.theme = argv[optind + 1]; break;
	case CORE_REV_NOTE: a.note = argv[optind + 1]; break;
	case CORE_REV_SET_STANCE:
		a.ambition = argv[optind + 1];
		if (strcmp(argv[optind + 2], "none") && strcmp(argv[optind + 2], "geen") &&
		    !(a.stance = core_stance_parse(argv[optind + 2])))
			return cli_usage("review", "the stance must be support, objection, neutral, "
						   "mixed or none, not '%s'", argv[optind + 2]);
		break;
	case CORE_REV_SPLIT:
		if (!a.label)
			return cli_usage("review", "split needs --label LABEL for the new theme");
		if (!(items = calloc((size_t)nargs, sizeof(*items)))) {
			fprintf(stderr, "inspraak: review split: out of memory\n");
			return 1;
		}
		for (int i = 1; i < nargs; i++) {
			long long v = cli_parse_long(argv[optind + i], 1, 0x7fffffffffffL);
			if (v < 0) {
				free(items);
				return cli_usage("review", "'%s' is not an item id", argv[optind + i]);
			}
			items[a.n_items++] = v;
		}
		a.items = items;
		break;
	case CORE_REV_HIDE:
		if (!a.reason)
			return cli_usage("review", "hide needs --reason TEXT");
		break;
	default: break;
	}
	if ((rc = cli_store(cli))) {
		free(items);
		return rc;
	}
	/* The vision's ambitions, so set-stance knows them before any analysis. */
	if (a.act == CORE_REV_SET_STANCE) {
		const struct core_ambition *amb = core_config_ambition(&cli->cfg, a.ambition);
		if (!amb)
			return cli_usage("review", "no ambition '%s' in the configuration",
					 a.ambition);
		a.ambition = amb->code;
		if (core_db_ambitions_sync(cli->db, &cli->cfg, &err))
			return cli_fail(&err);
	}
	rc = core_db_review(cli->db, &a, &err);
	free(items);
	if (rc) {
		core_err_prefix(&err, "review %s %s", what, a.target);
		return cli_fail(&err);
	}
	if (a.act == CORE_REV_SPLIT)
		cli_info(cli, "decision %lld: %s %s: new theme %s\n", (long long)a.decision_id, what,
			 a.target, a.new_theme);
	else
		cli_info(cli, "decision %lld: %s %s\n", (long long)a.decision_id, what, a.target);
	return 0;
}
