/* export.c: exp_write, the entry point of `inspraak export`: checks the options, builds
 * the summary model once with the chosen filters and hands it to each chosen writer in
 * a fixed order (csv, json, md, html). */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "model.h"

int exp_format_parse(const char *s)
{
	static const struct {
		const char *name;
		int format;
	} names[] = {
		{"csv", EXP_CSV}, {"json", EXP_JSON}, {"md", EXP_MD}, {"markdown", EXP_MD},
		{"html", EXP_HTML}, {"all", EXP_CSV | EXP_JSON | EXP_MD | EXP_HTML},
	};

	for (size_t i = 0; s && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0)
			return names[i].format;
	return 0;
}

/* The store compares dates as text, so the filter must be in ISO form. ISO input (a date,
 * optionally with a time) is used as given; any other form core_time_parse understands
 * ("05-03-2024") becomes its ISO date. Unparseable input is a usage error rather than a
 * silently empty export. */
static int norm_date(const char *what, const char *s, char out[21], const char **res,
		     struct core_err *err)
{
	time_t t;
	char iso[21];

	*res = NULL;
	if (!s)
		return 0;
	if (core_time_parse(s, &t) != 0)
		return core_err_set(err, CORE_EUSAGE, "invalid %s date '%s': expected YYYY-MM-DD",
				    what, s);
	if (strlen(s) >= 10 && isdigit((unsigned char)s[0]) && s[4] == '-' && s[7] == '-') {
		*res = s;
		return 0;
	}
	core_time_format(t, iso);
	memcpy(out, iso, 10);
	out[10] = '\0';
	*res = out;
	return 0;
}

int exp_write(struct core_db *db, const struct core_config *cfg, const struct exp_opts *opts,
	      struct core_strlist *written, struct core_err *err)
{
	const int all = EXP_CSV | EXP_JSON | EXP_MD | EXP_HTML;
	struct core_item_filter f = {0};
	struct exp_model m = {0};
	struct core_run_info run = {0};
	struct exp_items_csv *items = NULL;
	struct exp_item_hook hook = {exp_items_csv_row, NULL};
	const char *dir, *lang;
	char since[21], until[21];
	int rc, include_authors;

	if (!opts || !opts->formats || (opts->formats & ~all))
		return core_err_set(err, CORE_EUSAGE,
				    "exporting: choose a format (csv, json, md or html)");
	if ((rc = norm_date("--since", opts->since, since, &f.since, err)) ||
	    (rc = norm_date("--until", opts->until, until, &f.until, err)))
		return rc;
	dir = opts->out_dir && *opts->out_dir ? opts->out_dir
		: cfg->exports.dir && *cfg->exports.dir ? cfg->exports.dir : "export";
	f.source = opts->source;
	f.lang = opts->lang;
	f.ambition = opts->ambition && *opts->ambition ? opts->ambition : NULL;
	include_authors = opts->include_authors || cfg->exports.include_authors;
	/* No folder and no file before we know there is something to export. */
	rc = core_db_run_latest(db, &run, err);
	core_run_info_release(&run);
	if (rc)
		return rc;
	if ((rc = exp_mkdirs(dir, err)))
		return rc;
	/* items.csv is written during the one walk over the store that builds the model. */
	if ((opts->formats & EXP_CSV) &&
	    (rc = exp_items_csv_open(&items, dir, opts->excel, include_authors, err)))
		return rc;
	hook.ctx = items;
	if ((rc = exp_model_build(db, cfg, &f, opts->group && *opts->group ? opts->group : NULL,
				  items ? &hook : NULL, &m, err)))
		goto out;
	lang = opts->report_lang && *opts->report_lang ? opts->report_lang : cfg->exports.lang;
	m.report_lang = lang && strcmp(lang, "en") == 0 ? "en" : "nl";
	m.include_authors = include_authors;
	m.reproducible = opts->reproducible;
	m.excel = opts->excel;
	if (opts->reproducible)
		snprintf(m.generated_at, sizeof(m.generated_at), "1970-01-01T00:00:00Z");
	else
		core_time_format(time(NULL), m.generated_at);
	if (items) {
		rc = exp_write_csv(&m, dir, items, written, err);
		items = NULL; /* taken over */
		if (rc)
			goto out;
	}
	if ((opts->formats & EXP_JSON) && (rc = exp_write_json(&m, dir, written, err)))
		goto out;
	if ((opts->formats & EXP_MD) && (rc = exp_write_md(&m, dir, written, err)))
		goto out;
	if ((opts->formats & EXP_HTML) && (rc = exp_write_html(&m, dir, written, err)))
		goto out;
out:
	exp_items_csv_abort(items);
	exp_model_release(&m);
	return rc;
}
