/* exports.h: the public face of exports/: one summary model built from the store
 * (latest analysis run), then one writer per format. Exports only read the store.
 * Also renders the `themes` and `items` listings that cli/ prints. */
#ifndef INSPRAAK_EXPORTS_H
#define INSPRAAK_EXPORTS_H

#include "core.h"

enum exp_format { EXP_CSV = 1, EXP_JSON = 2, EXP_MD = 4, EXP_HTML = 8 };
/* "csv", "json", "md", "html"; 0 when unknown. */
int exp_format_parse(const char *s);

struct exp_opts {
	int formats;              /* bit set of enum exp_format */
	const char *out_dir;      /* created if missing */
	const char *since, *until; /* "YYYY-MM-DD", inclusive */
	const char *source;
	const char *lang;         /* item language filter */
	int include_authors;
	const char *report_lang;  /* "nl" (default) or "en" for md/html */
	int reproducible;         /* fixed generated_at */
	/* Appended for issue 7 (fields above unchanged): */
	const char *ambition;     /* only items with a stance on this code ("general": none) */
	const char *group;        /* only items of this respondent group */
	int excel;                /* CSV for Dutch Excel: BOM, ';' delimiter, decimal comma */
};

/* Writes the files of the chosen formats into out_dir: csv -> summary.csv, themes.csv,
 * items.csv; json -> summary.json; md -> summary.md; html -> report.html. Each file is
 * written to a temporary name and renamed, so a failed export leaves no half file.
 * Paths written are appended to *written (caller releases). CORE_ERUNTIME with
 * "no analysis yet: run 'inspraak analyze'" when there is no run. */
int exp_write(struct core_db *db, const struct core_config *cfg, const struct exp_opts *opts,
	      struct core_strlist *written, struct core_err *err);

/* `themes`: the latest run's themes as a table (json=0) or a JSON array (json=1). */
int exp_print_themes(struct core_db *db, const struct core_config *cfg, int json, FILE *out,
		     struct core_err *err);
/* `items`: matching items with their analysis, as a table or a JSON array of objects with
 * id, source, external_id, url, title, text, lang, published_at, group, theme, campaign,
 * ambitions [{code, stance, score, origin}]. */
int exp_print_items(struct core_db *db, const struct core_config *cfg,
		    const struct core_item_filter *f, int json, FILE *out, struct core_err *err);

#endif
