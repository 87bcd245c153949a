/* collector.h: the public face of collector/: fetching feeds (libcurl, in fetch.c only),
 * pure feed parsers (bytes in, items out), HTML-to-text, and import of form-tool exports.
 * Nothing here prints; results come back in report structs for cli/ to show. */
#ifndef INSPRAAK_COLLECTOR_H
#define INSPRAAK_COLLECTOR_H

#include "core.h"

/* ---- pure parsers (no I/O, no network, no entity expansion) */

/* Parses an RSS 2.0 / RSS 0.9x / Atom 1.0 document. Items get external_id (guid, else
 * link, else content hash), url, author, title, text (HTML converted to plain text),
 * published_at. content_type may be NULL. Appends to out; on malformed XML returns
 * CORE_ERUNTIME ("not a feed: XML error at line 3: ...") and appends nothing. */
int col_parse_feed(const char *body, size_t len, const char *content_type,
		   struct core_item_list *out, struct core_err *err);

/* HTML fragment or document to plain UTF-8 text: entities decoded, block elements
 * become line breaks, scripts and styles dropped, whitespace normalised.
 * *out is malloc'ed; caller frees. */
int col_html_to_text(const char *html, size_t len, char **out, struct core_err *err);

/* ---- fetching and collecting */

struct col_source_result {
	char *name;
	int ok;             /* 1 on success (304 included) */
	int http_status;
	int not_modified;   /* 1 on 304 */
	size_t bytes;
	long ms;
	size_t found, new_items, updated;
	char *error;        /* NULL on success */
	int aborted;        /* col_collect_until: abandoned at shutdown, nothing recorded */
};

struct col_collect_report {
	struct col_source_result *v;
	size_t n;
	size_t failed;      /* sources that failed */
};
void col_collect_report_release(struct col_collect_report *r);

/* Fetches the enabled feed sources of cfg that are due at `now` (all when all != 0;
 * only those named in only[0..n_only) when n_only > 0), parses them and stores new items,
 * recording each attempt in the store. One failing source never stops the others:
 * its failure is in the report and the store. Returns 0 when the run itself worked
 * (even if sources failed); CORE_EUSAGE when a name in only is not configured. */
int col_collect(struct core_db *db, const struct core_config *cfg, const char *const *only,
		size_t n_only, int all, time_t now, struct col_collect_report *rep,
		struct core_err *err);
/* col_collect for the due sources that abandons in-flight fetches within a fraction of
 * a second once *stop becomes non-zero (shutdown). An abandoned source is reported with
 * aborted = 1 and its attempt is not recorded: shutting down is not the feed's fault. */
int col_collect_until(struct core_db *db, const struct core_config *cfg, time_t now,
		      volatile const int *stop, struct col_collect_report *rep,
		      struct core_err *err);
/* The earliest time an enabled source of cfg is due (now when one was never fetched);
 * now + 3600 when there are none. */
time_t col_next_due(struct core_db *db, const struct core_config *cfg, time_t now);

/* ---- import of form-tool exports */

enum col_format { COL_FMT_AUTO = 0, COL_FMT_CSV, COL_FMT_JSON, COL_FMT_JSONL };

struct col_import_opts {
	const char *path;
	enum col_format format; /* AUTO: by extension, then by content */
	const char *source;     /* source name; default: file name without extension */
	/* column names (CSV header names or JSON keys); NULL = defaults:
	 * text "text", id "id", time "time", author "author", ambition "ambition",
	 * stance "stance", group "group". Only the text column must exist; an explicitly
	 * named column that is absent is an error. */
	const char *col_text, *col_id, *col_time, *col_author, *col_ambition, *col_stance,
		*col_group;
	const char *encoding;   /* NULL/"utf-8" or "windows-1252"/"cp1252"/"latin1" */
	char delimiter;         /* 0 = detect (',' or ';' or tab) */
	int dry_run;
};

struct col_reject {
	size_t row;             /* 1-based data row (CSV: line of the header is row 0) */
	char reason[256];
};

struct col_import_report {
	size_t read, imported, duplicates, rejected;
	struct col_reject *rejects; /* first 1000 */
	size_t n_rejects;
};
void col_import_report_release(struct col_import_report *r);

/* Imports a CSV, JSON array or JSONL file into source opts->source (type "import").
 * Ambition values may be codes ("A1"), titles or lists ("A1;A3"); unknown ones reject
 * the row. A row without text, with an unknown stance or with invalid UTF-8 is rejected
 * with its row number; the rest is imported in one transaction. Re-importing the same
 * file adds nothing (rows without an id column get the content hash as id).
 * Errors: unreadable file, unknown column (CORE_ERUNTIME); nothing stored then. */
int col_import_file(struct core_db *db, const struct core_config *cfg,
		    const struct col_import_opts *opts, struct col_import_report *rep,
		    struct core_err *err);

#endif
