/* model.h: private to exports/. The summary model that every writer renders (built once
 * from the store per export), the atomic output-file helper, and the small text helpers
 * (excerpts, fixed-point numbers, report wording) that several writers share. */
#ifndef INSPRAAK_EXPORTS_MODEL_H
#define INSPRAAK_EXPORTS_MODEL_H

#include <jansson.h>
#include <stdio.h>

#include "core.h"
#include "exports.h"

#define EXP_QUOTES 3          /* quotes per ambition stance and per theme */
#define EXP_QUOTE_POOL 24     /* best distinct candidates kept while walking the items */
#define EXP_ID_MAX 32         /* theme / campaign id size, as in core.h */

/* A quote: an item id and its export text (owned). */
struct exp_quote {
	int64_t item;
	char *text;
	char theme[EXP_ID_MAX];
};

/* Index into exp_amb_row.quotes. */
enum { EXP_Q_SUPPORT = 0, EXP_Q_OBJECTION = 1 };

/* An ambition's stance counts within one slice of the items: a respondent group, a
 * source (channel) or a calendar week. */
struct exp_break {
	char *key;        /* group ("" when none was given), source name, or the week's Monday
			   * as YYYY-MM-DD */
	int64_t items;
	int64_t stance[5];
};
struct exp_breaks {
	struct exp_break *v; /* groups and sources by key, weeks oldest first */
	size_t n;
};
enum { EXP_BY_GROUP = 0, EXP_BY_SOURCE = 1, EXP_BY_WEEK = 2, EXP_BY_N = 3 };

struct exp_amb_row {
	const struct core_ambition *amb; /* borrowed from the configuration */
	int64_t items;                    /* items with a stance row for this ambition */
	int64_t stance[5];                /* by enum core_stance; NONE rows count as neutral */
	int64_t items_unweighted;         /* as items and stance, a campaign counted once per */
	int64_t stance_unweighted[5];     /* stance it holds (its members' usual one) */
	struct exp_breaks by[EXP_BY_N];
	int has_share;                    /* 0 when support + objection == 0 */
	double share, ci_lo, ci_hi;       /* support / (support + objection), Wilson 95 % */
	size_t *theme_order;              /* indices into model themes, most items first */
	int64_t *theme_items;             /* per theme (model order): this ambition's items */
	size_t n_theme_order;
	struct exp_quote quotes[2][EXP_QUOTES];
	size_t n_quotes[2];
};

struct exp_theme_row {
	struct core_theme t;      /* as stored by the run (label, top terms, quote ids) */
	int64_t size;             /* items of the filtered set in this theme */
	int64_t *amb_items;       /* per configured ambition */
	int64_t stance[5];        /* over (item, ambition) pairs, NONE counted as neutral */
	int64_t general;          /* items in the theme without any ambition */
	struct exp_quote quotes[EXP_QUOTES];
	size_t n_quotes;
	struct exp_quote stance_quote[2]; /* best-scored support / objection item, text NULL = none */
	size_t walk_index;        /* position while walking, before sorting */
	int64_t parent_size;      /* the parent's size for a subtheme (own size on top), to
				   * list subthemes right after their parent */
};

struct exp_campaign_row {
	char id[EXP_ID_MAX];
	int64_t size;             /* items of the filtered set in the campaign */
	int64_t size_run;         /* size the analysis run recorded */
	char *template_text;      /* export text of the representative item (owned) */
};

/* Items of one calendar week (Monday to Sunday). */
struct exp_week {
	int64_t week;             /* day number (days since 1970-01-01) of the week's Monday */
	int64_t n;
};

struct exp_tally {
	char *key;
	int64_t n;
	struct exp_week *weeks;   /* sources only: items per week, in week order */
	size_t n_weeks, cap_weeks;
};

struct exp_model {
	const struct core_config *cfg;   /* borrowed */
	struct core_item_filter filter;  /* as used; strings borrowed from the caller */
	struct core_run_info run;
	char generated_at[21];
	char first_at[21], last_at[21];  /* period of the filtered items ("" when none) */
	int64_t items, general, unassigned, campaign_items;
	int64_t origins[3];              /* (item, ambition) pairs by enum core_origin */
	struct exp_amb_row *ambs;        /* config order */
	size_t n_ambs;
	struct exp_theme_row *themes;    /* themes holding filtered items, largest first */
	size_t n_themes;
	struct exp_campaign_row *campaigns;
	size_t n_campaigns;
	struct exp_tally *sources;       /* by name */
	size_t n_sources;
	struct exp_tally *langs;         /* most items first, then by code; "und" = unknown */
	size_t n_langs;
	const char *group;               /* respondent group filter (borrowed), NULL = all */
	int64_t reviewed;                /* items with at least one reviewer decision */
	int64_t week_first, week_last;   /* Monday day numbers of the period (has_weeks) */
	int has_weeks;
	const char *report_lang;         /* "nl" or "en" */
	int include_authors;
	int reproducible;
	int excel;                       /* CSV for Dutch Excel */
};

/* Called for each item of the set during the model walk, so writers that list every
 * item (items.csv) need no second pass over the store. A non-zero return stops the
 * walk; the hook sets err itself. */
struct exp_item_hook {
	int (*fn)(const struct exp_model *m, const struct core_item_view *v, void *ctx);
	void *ctx;
};

/* Builds the model: latest run, its themes and campaigns, then one walk over the items
 * matching f (NULL = all) and, when group is not NULL, of that respondent group; hook
 * (may be NULL) sees each item of that set. With f->ambition set to a configured code
 * the model has that one ambition row only; an unknown code is CORE_EUSAGE. Fails with
 * the store's "no analysis yet" when there is no run. The caller releases m with
 * exp_model_release, also after a failure. */
int exp_model_build(struct core_db *db, const struct core_config *cfg,
		    const struct core_item_filter *f, const char *group,
		    const struct exp_item_hook *hook, struct exp_model *m, struct core_err *err);
/* Day number (days since 1970-01-01) of the Monday of the week holding the date at the
 * start of ts ("YYYY-MM-DD..."); 0 with *ok = 0 when ts has no such date. */
int64_t exp_week_of(const char *ts, int *ok);
void exp_model_release(struct exp_model *m);
/* Index of a configured ambition code, -1 when not configured. */
int exp_model_amb_index(const struct exp_model *m, const char *code);

/* The one place where user text leaves the store for an export: a copy with invalid
 * UTF-8 replaced and personal data redacted (exp_redact). NULL-safe ("" for NULL).
 * Caller frees; NULL only on no memory. */
char *exp_clean_text(const char *s);

/* Redaction markers (Dutch, the same in every format and report language, so files
 * stay comparable). A URL keeps scheme, host and path; its query becomes "?[parameters]". */
#define EXP_MARK_EMAIL "[e-mail]"
#define EXP_MARK_PHONE "[telefoon]"
#define EXP_MARK_IBAN "[iban]"
#define EXP_MARK_BSN "[bsn]"
#define EXP_MARK_ADDRESS "[postcode+huisnummer]"
#define EXP_MARK_QUERY "?[parameters]"
/* Copy of s (valid UTF-8) with e-mail addresses, phone numbers (Dutch and international),
 * IBANs passing the mod-97 check, BSNs passing the 11-check, postcode plus house number
 * and URL query strings replaced by the markers above. Caller frees; NULL on no memory. */
char *exp_redact(const char *s);

/* A display excerpt: whitespace squeezed, at most max_chars code points, "…" appended
 * when cut. Caller frees; NULL on no memory. */
char *exp_excerpt(const char *s, size_t max_chars);
/* Number of UTF-8 code points in s. */
size_t exp_utf8_len(const char *s);
/* v with exactly `decimals` decimals and '.' whatever the locale, into out[32]. */
void exp_fmt_fixed(double v, int decimals, char out[32]);
/* Whole percent of v (0..1), into out[16], e.g. "80". */
void exp_fmt_pct(double v, char out[16]);

/* Wilson score interval (95 %) for k successes of n; n > 0. */
void exp_wilson(int64_t k, int64_t n, double *lo, double *hi);

/* Report wording in Dutch or English. */
struct exp_words {
	const char *lang, *heard, *period, *items_word, *ambition, *ambitions, *stance[5],
		*stance_cap[5], *share, *of_which, *no_ambition,
		*interval, *themes, *theme, *size, *terms, *quotes_for, *quotes_against,
		*campaigns, *campaign, *template, *no_campaigns, *method, *method_items,
		*method_sources, *method_langs, *method_run, *method_auto, *general,
		*no_share, *generated, *quotes, *none, *chart_title, *table_alt, *unassigned,
		*item_word, *filters, *in_campaigns, *all_themes, *run_word, *seed, *themes_k,
		*decided_by, *origin[3], *time_title, *week, *total, *other, *theme_chart,
		*reviewed, *automated, *method_auto_what, *privacy, *channel, *period_word,
		*unweighted, *by_group, *no_group;
};

/* "1 reactie", "2 reacties": the word that goes with a count. */
static inline const char *exp_count_word(const struct exp_words *w, long long n)
{
	return n == 1 ? w->item_word : w->items_word;
}
const struct exp_words *exp_words(const char *lang);
/* Title of ambition a in the report language. */
const char *exp_amb_title(const struct core_ambition *a, const char *lang);
const char *exp_vision_title(const struct core_config *cfg, const char *lang);

/* The lines the reports add under an ambition's counts: the counts without campaign
 * weighting (when a campaign touched it) and the support share per respondent group
 * (when groups were given), each between open and close; text escapes user text. */
void exp_amb_extras(FILE *f, const struct exp_amb_row *row, const struct exp_words *w,
		    void (*text)(FILE *f, const char *s), const char *open, const char *close);

/* Output files: written as "<dir>/<name>.tmp", renamed to "<dir>/<name>" on commit. */
struct exp_file {
	FILE *f;
	char *tmp, *path;
};
/* Creates dir and its parents when missing (mkdir -p). */
int exp_mkdirs(const char *dir, struct core_err *err);
int exp_file_open(struct exp_file *o, const char *dir, const char *name, struct core_err *err);
/* Flushes, syncs, closes and renames; appends the final path to written (may be NULL).
 * On failure the temporary file is removed. */
int exp_file_commit(struct exp_file *o, struct core_strlist *written, struct core_err *err);
/* Closes and removes the temporary file; safe on a committed or never opened file. */
void exp_file_abort(struct exp_file *o);

/* items.csv is written during the model walk: open it before exp_model_build (header
 * written; excel and include_authors as in the model), pass exp_items_csv_row with the
 * handle as the walk's hook, and hand the handle to exp_write_csv, which commits it
 * after summary.csv and themes.csv. exp_items_csv_abort (NULL-safe) removes the
 * temporary file and frees the handle when the export fails before that. */
struct exp_items_csv;
int exp_items_csv_open(struct exp_items_csv **out, const char *dir, int excel,
		       int include_authors, struct core_err *err);
int exp_items_csv_row(const struct exp_model *m, const struct core_item_view *v, void *ctx);
void exp_items_csv_abort(struct exp_items_csv *x);

/* Writers: each renders the model into dir. exp_write_csv takes over items (freed
 * whatever the result). */
int exp_write_csv(const struct exp_model *m, const char *dir, struct exp_items_csv *items,
		  struct core_strlist *written, struct core_err *err);
int exp_write_json(const struct exp_model *m, const char *dir, struct core_strlist *written,
		   struct core_err *err);
int exp_write_md(const struct exp_model *m, const char *dir, struct core_strlist *written,
		 struct core_err *err);
int exp_write_html(const struct exp_model *m, const char *dir, struct core_strlist *written,
		   struct core_err *err);

/* summary.json pieces, shared with the `themes --json` listing. New references; NULL on
 * no memory. */
/* A JSON string of s (invalid UTF-8 replaced), null for NULL; NULL on no memory. */
json_t *exp_json_text(const char *s);
json_t *exp_json_theme(const struct exp_model *m, size_t i);
json_t *exp_json_summary(const struct exp_model *m);

#endif
