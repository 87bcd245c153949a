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
	/* appended (issue 4): called after each chunk read with the bytes read so far and the
	 * file's size, so cli/ can show progress; NULL for none. Never called with done >
	 * total for a file that does not grow while it is read. */
	void (*progress)(uint64_t done, uint64_t total, void *ctx);
	void *progress_ctx;
	/* appended (issue 5): the column with each reaction's language (NULL = default
	 * "lang", used when present), and the language of rows without one (NULL: none,
	 * the analysis detects it). Both a code such as nl, en or en-GB. */
	const char *col_lang;
	const char *lang;
};

/* 1 when s is a language code: two or three letters, optionally '-' or '_' and a region
 * or script of up to eight letters or digits ("nl", "en-GB", "sr_Latn"). */
int col_lang_code_valid(const char *s, size_t n);

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

/* ---- web-form intake (forms.c): pure decoding and validation, no I/O. The server
 * (server/) feeds request bytes in and gets a validated submission or per-field errors. */

#define COL_FORM_HONEYPOT "website" /* hidden by CSS; only bots fill it */
#define COL_FORM_TOKEN "_token"     /* the signed time token of the page */
#define COL_FORM_EMAIL "email"
#define COL_FORM_CONSENT "consent"
#define COL_FORM_GENERAL "general"  /* ambition choice: about the vision as a whole */

struct col_form_field {
	char *name, *value; /* NUL-terminated, valid UTF-8 without NUL bytes */
};
/* Decoded fields in arrival order; repeated names (checkboxes) appear repeatedly.
 * Set max_fields and max_value before adding (0 = 64 fields / 1 MiB). */
struct col_form_fields {
	struct col_form_field *v;
	size_t n, cap;
	size_t max_fields, max_value;
};
/* Adds a copy of name=value. CORE_ELIMIT past max_fields or max_value bytes;
 * CORE_ERUNTIME on invalid UTF-8 or a NUL byte. err names the field either way. */
int col_form_fields_add(struct col_form_fields *f, const char *name, size_t nlen,
			const char *value, size_t vlen, struct core_err *err);
/* First value of name, NULL when absent. Borrowed from f. */
const char *col_form_fields_get(const struct col_form_fields *f, const char *name);
void col_form_fields_release(struct col_form_fields *f);

/* Decodes an application/x-www-form-urlencoded body ('+' is a space, %XX escapes)
 * into f. A bad escape is CORE_ERUNTIME; caps as col_form_fields_add. */
int col_form_urldecode(const char *body, size_t len, struct col_form_fields *f,
		       struct core_err *err);

/* Maps a form tool's JSON submission (an object) to fields through form->api_mapping
 * (role -> dotted path such as "answers.reactie" or "answers.0.text"); roles without a
 * mapping are looked up at the top level under the form's field name (text_field,
 * ambition_field, ...; "id", "time", "author", "email", "consent", "lang"). Arrays give
 * repeated fields, numbers and booleans their JSON spelling. The tool's own id goes to
 * *submission_id (malloc'ed, caller frees; NULL when absent); time and author become the
 * fields "_time" and "_author". Errors name the role: CORE_ERUNTIME, or CORE_ELIMIT. */
int col_form_map_json(const struct core_form *form, const char *body, size_t len,
		      struct col_form_fields *f, char **submission_id, struct core_err *err);

#define COL_FORM_MAX_ERRORS 16
struct col_form_error {
	char field[64];   /* the form's field name */
	const char *code; /* required, too_long, unknown_value, unknown_field, repeated,
			   * invalid_email, consent_needed, invalid_time, token */
};
struct col_submission {
	struct core_item item;  /* text, lang, group, email (only with consent), author,
				 * published_at, declared stance and ambitions */
	int consent;
	int honeypot;           /* 1 when the honeypot field was filled */
	struct col_form_error errors[COL_FORM_MAX_ERRORS];
	size_t n_errors;
	char request_hash[17];  /* fingerprint of everything stored, for idempotency */
};
/* Validates f against form and the vision's ambitions in cfg; lang is the page language
 * (NULL: the form's). Returns 0 (n_errors says whether it is valid) or CORE_ENOMEM.
 * sub->item is filled only when valid; release sub with col_submission_release. */
int col_form_validate(const struct core_config *cfg, const struct core_form *form,
		      const struct col_form_fields *f, const char *lang,
		      struct col_submission *sub, struct core_err *err);
void col_submission_release(struct col_submission *sub);
/* The message for an error code in lang ("en", else Dutch). Static string. */
const char *col_form_message(const char *code, const char *lang);

/* SHA-256 and HMAC-SHA256 (FIPS 180-4, RFC 2104). */
void col_sha256(const void *data, size_t len, unsigned char out[32]);
void col_hmac_sha256(const void *key, size_t klen, const void *data, size_t len,
		     unsigned char out[32]);
/* 0 when sig (hex, optionally "sha256=" first) is HMAC-SHA256(key, data); compared in
 * constant time. -1 otherwise. */
int col_hmac_check(const char *key, const void *data, size_t len, const char *sig);

/* Signed time token of a form page: "<unix time>.<16 hex nonce>.<64 hex HMAC over form
 * name, time and nonce>". out needs COL_TOKEN_MAX bytes. */
#define COL_TOKEN_MAX 112
void col_form_token_make(const char *secret, const char *form, time_t now,
			 const char nonce[17], char out[COL_TOKEN_MAX]);
/* 0: genuine and at least min_fill seconds old, at most max_age; -1 malformed or forged;
 * -2 too fresh; -3 expired. nonce_out[17] receives the nonce when genuine. */
int col_form_token_check(const char *secret, const char *form, const char *token,
			 time_t now, long min_fill, long max_age, char nonce_out[17]);

#endif
