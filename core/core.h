/* core.h: the one public header of core/: errors, capped buffers, logging, UTF-8
 * helpers, the configuration model and the store API. Every other module builds on
 * this; nothing outside core/ includes sqlite3.h or parses the configuration itself. */
#ifndef INSPRAAK_CORE_H
#define INSPRAAK_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define INSPRAAK_VERSION "0.1.0"

/* ---------------------------------------------------------------- errors */

/* Negative error codes; cli/ maps them to the exit codes of SPEC.md. */
enum core_code {
	CORE_OK = 0,
	CORE_ERUNTIME = -1, /* exit 1: a fetch, a file, an input that failed */
	CORE_EUSAGE = -2,   /* exit 2: wrong options or arguments */
	CORE_ECONFIG = -3,  /* exit 3: the configuration is missing or invalid */
	CORE_EDB = -4,      /* exit 4: the database cannot be opened, is locked or newer */
	CORE_ENOMEM = -5,   /* exit 1 */
	CORE_ELIMIT = -6,   /* exit 1: a cap was hit (body, field, file size) */
};

/* What failed, on what, why: "cannot fetch 'https://x/feed': HTTP 503". */
struct core_err {
	int code;
	char msg[1024];
};

/* Sets err (when not NULL) and returns code, so callers can `return core_err_set(...)`. */
int core_err_set(struct core_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefixes an already set message: "importing 'f.csv': <old message>". */
int core_err_prefix(struct core_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void core_err_clear(struct core_err *err);

/* ---------------------------------------------------------------- memory */

/* Abort-free allocation helpers: return NULL on failure like malloc. */
char *core_strdup(const char *s);               /* NULL-safe: NULL in, NULL out */
char *core_strndup(const char *s, size_t n);
char *core_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer with a hard cap. data is always NUL-terminated when non-NULL.
 * Appending past max fails with CORE_ELIMIT and leaves the buffer as it was. */
struct core_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max; /* 0 means SIZE_MAX */
};
void core_buf_init(struct core_buf *b, size_t max);
void core_buf_release(struct core_buf *b);
int core_buf_append(struct core_buf *b, const void *p, size_t n);
int core_buf_puts(struct core_buf *b, const char *s);
int core_buf_printf(struct core_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the data to the caller (free() it) and resets b. Never NULL: "" when empty. */
char *core_buf_take(struct core_buf *b);

/* A growable list of owned strings. */
struct core_strlist {
	char **v;
	size_t n, cap;
};
int core_strlist_push(struct core_strlist *l, const char *s); /* copies s */
void core_strlist_release(struct core_strlist *l);
int core_strlist_contains(const struct core_strlist *l, const char *s);

/* ---------------------------------------------------------------- logging */

enum core_log_level { CORE_LOG_ERROR, CORE_LOG_WARN, CORE_LOG_INFO, CORE_LOG_DEBUG };
/* Default level INFO, sink stderr. cli/ sets both; modules only call core_log. */
void core_log_set_level(enum core_log_level lvl);
enum core_log_level core_log_get_level(void);
void core_log(enum core_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---------------------------------------------------------------- text (utf8proc) */

/* 1 when s[0..n) is valid UTF-8 without NUL bytes. */
int core_utf8_valid(const char *s, size_t n);
/* Copy of s[0..n) with invalid sequences replaced by U+FFFD and NULs dropped; caller frees. */
char *core_utf8_sanitize(const char *s, size_t n);
/* NFC-normalised copy; NULL on invalid UTF-8 or no memory. Caller frees. */
char *core_utf8_nfc(const char *s);
/* NFC + case fold (utf8proc CASEFOLD|COMPOSE|STABLE); caller frees. */
char *core_utf8_fold(const char *s);
/* Whitespace collapsed to single spaces, trimmed; in place; returns s. */
char *core_text_squeeze(char *s);
/* Fingerprint of the normalised content (NFC, case folded, only letters and digits
 * kept, whitespace collapsed): 16 lowercase hex digits into out[17]. Two texts that
 * differ only in case, punctuation or spacing get the same fingerprint. */
void core_text_fingerprint(const char *text, char out[17]);
/* 64-bit hash of bytes (stable across runs and machines). */
uint64_t core_hash64(const void *p, size_t n, uint64_t seed);

/* ---------------------------------------------------------------- time */

/* Parses RFC 3339 / ISO 8601 ("2024-03-01", "2024-03-01T10:00:00Z", "+01:00" offsets,
 * "2024-03-01 10:00"), RFC 822 dates as in RSS ("Tue, 05 Mar 2024 10:00:00 +0100"),
 * and Dutch day-first dates "05-03-2024" / "05-03-2024 10:00". 0 ok, -1 unparseable. */
int core_time_parse(const char *s, time_t *out);
/* Formats t as "YYYY-MM-DDTHH:MM:SSZ" into out[21], always 20 characters: times
 * outside the years 1..9999 are clamped to that range. */
void core_time_format(time_t t, char out[21]);
/* Parses "90s", "30m", "6h", "2d" (also a bare number of seconds). 0 ok, -1 invalid. */
int core_duration_parse(const char *s, long *seconds);

/* ---------------------------------------------------------------- stance and ambitions */

enum core_stance {
	CORE_STANCE_NONE = 0,
	CORE_STANCE_SUPPORT = 1,
	CORE_STANCE_OBJECTION = 2,
	CORE_STANCE_NEUTRAL = 3,
	CORE_STANCE_MIXED = 4,
};
/* "support"/"objection"/"neutral"/"mixed"; "" for NONE. */
const char *core_stance_name(enum core_stance s);
/* Accepts English and Dutch forms, case-insensitive: support/steun/voor/eens/pro,
 * objection/bezwaar/tegen/oneens/con, neutral/neutraal, mixed/gemengd. NONE when unknown. */
enum core_stance core_stance_parse(const char *s);

enum core_origin { CORE_ORIGIN_ANALYSIS = 0, CORE_ORIGIN_RESPONDENT = 1, CORE_ORIGIN_REVIEWER = 2 };
const char *core_origin_name(enum core_origin o); /* "analysis", "respondent", "reviewer" */

/* ---------------------------------------------------------------- configuration */

enum core_source_type {
	CORE_SRC_AUTO = 0, CORE_SRC_RSS, CORE_SRC_ATOM, CORE_SRC_JSONFEED, CORE_SRC_MASTODON,
	CORE_SRC_JSON, CORE_SRC_FORM, CORE_SRC_IMPORT,
};
const char *core_source_type_name(enum core_source_type t);

struct core_ambition {
	char *code;           /* "A1" */
	char *title;          /* Dutch title */
	char *title_en;       /* optional English title */
	char *description;    /* Dutch */
	char *description_en; /* optional */
	struct core_strlist keywords_nl, keywords_en, hashtags;
};

struct core_header {
	char *name, *value;
};

/* sources[].allow_private: false, "loopback" (this machine only: tests, a local proxy)
 * or true (also private networks: intranet feeds). */
enum { CORE_ALLOW_PUBLIC = 0, CORE_ALLOW_ALL = 1, CORE_ALLOW_LOOPBACK = 2 };

struct core_source {
	char *name;
	enum core_source_type type;
	char *url;
	long interval_s;     /* default 1800 */
	int enabled;         /* default 1 */
	struct core_header *headers;
	size_t n_headers;
	size_t max_bytes;    /* default 10 MiB */
	int allow_private;   /* CORE_ALLOW_*: which non-public addresses may be fetched */
	char *lang;          /* fallback language for short texts, optional */
	char *group;         /* respondent group for its items, optional */
	/* type json: role -> dotted path in the response, e.g. items -> data.results,
	 * text -> body; roles: items, id, text, html, time, author, url, title, lang */
	struct core_header *mapping;
	size_t n_mapping;
};

struct core_form {
	char *name, *title;
	struct core_strlist fields; /* accepted field names */
	char *text_field;           /* default "text" */
	char *ambition_field;       /* optional */
	char *stance_field;         /* optional */
	char *group_field;          /* optional */
	struct core_strlist groups; /* allowed respondent groups, empty = any */
	char *lang;                 /* default "nl" */
	size_t max_text;            /* default 10000 characters */
	/* appended for the web-form intake (issue 4) */
	struct core_header *api_mapping; /* role -> dotted JSON path, e.g. text -> answers.reactie */
	size_t n_api_mapping;
	char *api_secret;            /* HMAC-SHA256 key for the JSON endpoint, optional */
	struct core_strlist frame_ancestors; /* CSP frame-ancestors, empty = server's */
	struct core_strlist cors_origins;    /* origins allowed to call the JSON endpoint */
	long min_fill_s;             /* minimum seconds between GET and POST, default 3 */
};

struct core_server {
	char *listen;        /* default "127.0.0.1:8080" */
	size_t max_body;     /* default 64 KiB */
	double rate_per_min; /* per client, default 30 */
	int burst;           /* default 10 */
	/* appended for the web-form intake (issue 4) */
	char *secret;        /* key for the forms' signed time tokens; default: random per start */
	char *api_secret;    /* default HMAC key for every form's JSON endpoint, optional */
	struct core_strlist frame_ancestors; /* CSP frame-ancestors, default 'none' */
	int max_fields;      /* form fields per request, default 32 */
	int queue;           /* submissions waiting for the writer before 503, default 4096 */
	int per_ip_connections; /* open connections per client address, default 64 */
};

struct core_analysis {
	uint64_t seed;             /* default 42 */
	int max_themes;            /* default 12 */
	int themes;                /* 0 = choose automatically */
	double ambition_threshold; /* default 0.15 */
	int campaign_min;          /* group size that makes a campaign, default 5 */
	char *default_lang;        /* default "nl" */
};

struct core_exports {
	char *dir;           /* default "export" */
	int include_authors; /* default 0 */
	char *lang;          /* report language, default "nl" */
};

/* review (issue 8): who may use the /review pages. A token is never stored: only the
 * SHA-256 of it, as 64 lowercase hex digits. */
struct core_reviewer {
	char *name;
	char token_sha256[65];
};
struct core_review_cfg {
	struct core_reviewer *reviewers;
	size_t n_reviewers;
	long session_ttl_s;  /* default 8 h */
	int allow_remote;    /* serve /review to non-loopback clients too; default 0 */
};

struct core_config {
	char *path;     /* the file it came from, NULL for defaults */
	char *database; /* default "inspraak.db", relative to the config file's folder */
	char *contact;  /* optional contact for the User-Agent */
	char *vision_title, *vision_title_en;
	struct core_ambition *ambitions;
	size_t n_ambitions;
	struct core_source *sources;
	size_t n_sources;
	struct core_form *forms;
	size_t n_forms;
	struct core_server server;
	struct core_analysis analysis;
	struct core_exports exports;
	struct core_collect {
		long min_interval_s; /* floor for every source's interval, default 300 */
		long max_backoff_s;  /* longest wait after failures, default 86400 */
		int parallel;        /* transfers at once, default 8 */
		int per_host;        /* connections per host at once, default 2 */
		long connect_timeout_s; /* default 10 */
		long timeout_s;      /* a whole fetch, default 60 */
		long stall_s;        /* a fetch slower than 10 bytes/s this long fails, default 20 */
	} collect;
	struct core_review_cfg review; /* appended (issue 8) */
};

/* Loads and validates path. On failure returns CORE_ECONFIG with a message such as
 * "inspraak.json:12:5: sources[1].typ: unknown key (did you mean 'type'?)" and leaves
 * cfg empty. A missing file is CORE_ECONFIG too. Caller releases cfg. */
int core_config_load(const char *path, struct core_config *cfg, struct core_err *err);
/* Same as load, from memory; name is used in messages. */
int core_config_parse(const char *text, size_t len, const char *name, struct core_config *cfg,
		      struct core_err *err);
void core_config_release(struct core_config *cfg);
const struct core_ambition *core_config_ambition(const struct core_config *cfg, const char *code);
const struct core_source *core_config_source(const struct core_config *cfg, const char *name);
const struct core_form *core_config_form(const struct core_config *cfg, const char *name);
/* The commented starter configuration that `init` writes (static string). JSON has no
 * comments, so explanations live in "_comment" keys, which the loader accepts anywhere. */
const char *core_config_starter(void);

/* ---------------------------------------------------------------- store */

struct core_db;

/* One piece of feedback. All strings owned by the struct (core_item_release frees them);
 * optional ones may be NULL. Times are "YYYY-MM-DDTHH:MM:SSZ". */
struct core_item {
	int64_t id;          /* store id; 0 before it is stored */
	char *source;        /* source name */
	char *external_id;   /* id within the source (guid, form submission id, row id) */
	char *url;
	char *author;
	char *title;
	char *text;          /* plain UTF-8 */
	char *lang;          /* declared or detected ("nl", "en", ...), may be NULL */
	char *published_at;
	char *collected_at;
	char *group;         /* respondent group */
	char *email;         /* only with consent */
	enum core_stance declared_stance;  /* the respondent's own, NONE when not asked */
	struct core_strlist declared_ambitions; /* codes the respondent chose */
	char content_hash[17];
	/* core_db_item_put: a new item that another source already has (same normalised
	 * URL, or same normalised text of 40+ characters by no other author) is recorded
	 * as a copy of that item, not stored twice. The collector sets it for feeds. */
	int match_other_sources;
};
void core_item_release(struct core_item *it);

struct core_item_list {
	struct core_item *v;
	size_t n, cap;
};
/* Appends a zeroed item and returns it, NULL on no memory. */
struct core_item *core_item_list_add(struct core_item_list *l);
void core_item_list_release(struct core_item_list *l);

/* Opens (creating if needed) and migrates the database: WAL, foreign keys, busy timeout
 * 5 s. A database with a newer schema than this program is refused (CORE_EDB).
 * Returns NULL with err set on failure. */
struct core_db *core_db_open(const char *path, struct core_err *err);
void core_db_close(struct core_db *db); /* NULL-safe */
int core_db_schema_version(struct core_db *db);
#define CORE_DB_SCHEMA_VERSION 5

/* Transactions (IMMEDIATE). Nesting is not supported. */
int core_db_begin(struct core_db *db, struct core_err *err);
int core_db_commit(struct core_db *db, struct core_err *err);
void core_db_rollback(struct core_db *db);

/* Creates the source row if missing (updating type/url when they changed) and returns
 * its id in *id. */
int core_db_source_ensure(struct core_db *db, const char *name, enum core_source_type type,
			  const char *url, int64_t *id, struct core_err *err);

/* Health of a source, as `sources` shows it. */
struct core_source_state {
	char *name, *type, *url;
	char *last_attempt, *last_success, *next_due, *last_error, *etag, *last_modified;
	int last_status;        /* last HTTP status, 0 when none */
	int consecutive_errors; /* since the last success */
	int64_t error_count;    /* all time */
	int64_t items;          /* stored items */
};
void core_source_state_release(struct core_source_state *s);
/* Loads the state of one source; CORE_ERUNTIME when it is not in the store. */
int core_db_source_state(struct core_db *db, const char *name, struct core_source_state *out,
			 struct core_err *err);
/* Records one fetch attempt. ok: success (304 counts); error text NULL on success.
 * etag / last_modified: NULL keeps the stored value. next_due: time of the next poll. */
int core_db_source_record(struct core_db *db, const char *name, int ok, int http_status,
			  const char *error, const char *etag, const char *last_modified,
			  time_t attempt, time_t next_due, struct core_err *err);
/* Calls cb for every source row, ordered by name. A non-zero return from cb stops. */
int core_db_sources_each(struct core_db *db,
			 int (*cb)(const struct core_source_state *s, void *ctx), void *ctx,
			 struct core_err *err);

enum core_put {
	CORE_PUT_NEW = 1, CORE_PUT_DUPLICATE = 2, CORE_PUT_UPDATED = 3,
	CORE_PUT_SYNDICATED = 4, /* another source's item: recorded as its copy, it->id set */
};
/* Stores an item of source_id, unique per (source, external_id). An existing row with
 * the same content is a DUPLICATE (nothing written); with changed text it is UPDATED
 * and marked edited. Computes content_hash when it is empty. it->id is set. Must run
 * inside core_db_begin/commit for speed; works without. */
int core_db_item_put(struct core_db *db, int64_t source_id, struct core_item *it,
		     enum core_put *result, struct core_err *err);
int64_t core_db_item_count(struct core_db *db);
/* The largest item id, 0 for none, -1 on error: at once (where counting reads every
 * row) an upper bound on the items a read returns, items never being deleted. */
int64_t core_db_item_id_max(struct core_db *db);
/* The text of each of n items (its title when the text is empty), as out[i] (free()
 * each); NULL for an id the store does not have. */
int core_db_item_texts(struct core_db *db, const int64_t *ids, size_t n, char **out,
		       struct core_err *err);
/* The same read on a thread with a connection of its own, so that it overlaps other
 * work: start copies ids (NULL only when out of memory); finish waits, hands over the
 * texts in out (or, with out NULL, drops them) and frees the fetch. When no thread
 * could start, or it could not read them, finish reads them on db. 0 or an error code
 * (err set). */
struct core_text_fetch;
struct core_text_fetch *core_db_item_texts_start(struct core_db *db, const int64_t *ids, size_t n);
int core_db_item_texts_finish(struct core_db *db, struct core_text_fetch *f, char **out,
			      struct core_err *err);
/* Sources that carry item_id as a copy (syndication), appended to out as names. */
int core_db_item_copies(struct core_db *db, int64_t item_id, struct core_strlist *out,
			struct core_err *err);

/* Filter for reading items with their analysis. NULL/0 fields do not filter. */
struct core_item_filter {
	const char *since, *until; /* on published_at (falls back to collected_at), inclusive dates */
	const char *source;
	const char *lang;
	const char *theme;         /* theme id in the latest run (a top-level theme also
				    * matches its subthemes' items) */
	const char *ambition;      /* code; "general" = items with no ambition */
	enum core_stance stance;   /* with ambition: stance toward it; else any ambition's */
	int64_t limit;             /* 0 = all */
	int include_hidden;
	int no_stances;            /* appended: leave the views' stances out (the analysis
				    * makes its own and need not read a million old rows) */
	int lean;                  /* appended: the views carry only what the analysis reads:
				    * id, source, external id, title, text, language, declared
				    * stance and ambitions, content hash, theme and subtheme;
				    * url, author, dates, group, email, campaign and hidden
				    * reason stay NULL (two fewer copies per field a row).
				    * Its strings are SQLite's own, not copies: like any
				    * view, read them during the call only. Without a lang
				    * or theme filter, lang is the declared language (not
				    * the latest run's detected one) */
};

/* One item as the latest analysis run (if any) sees it. */
struct core_item_stance {
	char code[32];
	enum core_stance stance;
	double score;
	enum core_origin origin;
	char *evidence; /* JSON text or NULL */
};
struct core_item_view {
	struct core_item item;
	char *theme;        /* top-level theme id, NULL when unassigned or no run */
	char *campaign;     /* campaign id, NULL when none */
	struct core_item_stance *stances;
	size_t n_stances;
	int edited, hidden;
	int reviewed;       /* appended (review): a reviewer decided on this item */
	char *hidden_reason; /* appended (review): moderation reason, NULL when none */
	char *subtheme;     /* appended (subthemes): subtheme id within theme, NULL when none */
};
/* Calls cb for each matching item in id order; the view is valid only during the call.
 * A non-zero return from cb stops the walk and is returned. */
int core_db_items_each(struct core_db *db, const struct core_item_filter *f,
		       int (*cb)(const struct core_item_view *v, void *ctx), void *ctx,
		       struct core_err *err);

/* Ambitions of the vision, copied into the store so results stay readable. */
int core_db_ambitions_sync(struct core_db *db, const struct core_config *cfg, struct core_err *err);

/* ---- analysis runs */

struct core_theme {
	char id[32];         /* stable id, e.g. "T3" */
	char parent[32];     /* "" for a top-level theme */
	char *label;
	int64_t size;        /* members (campaigns count once per member item) */
	struct core_strlist top_terms; /* surface words, best first */
	int64_t *quotes;     /* item ids of representative quotes, best first */
	size_t n_quotes;
	float *centroid;     /* optional, n_centroid floats, stored as a blob */
	size_t n_centroid;
};
void core_theme_release(struct core_theme *t);

struct core_campaign {
	char id[32];         /* "C1" */
	int64_t size;        /* items in the group */
	char *template_text; /* a representative text */
	int64_t first_item;
};

struct core_item_result {
	int64_t item_id;
	char lang[8];        /* detected language, "" unknown */
	char theme[32];      /* "" = unassigned */
	char campaign[32];   /* "" = none */
	double theme_score;
	struct core_item_stance *stances; /* per ambition; borrowed by core_db_run_save */
	size_t n_stances;
	const char *subtheme; /* NULL = none; else the id of a theme whose parent is theme
			       * (borrowed: a million results should not carry 32 bytes each) */
};

struct core_run {
	int64_t id;          /* set by core_db_run_save */
	char started_at[21], finished_at[21];
	uint64_t seed;
	int k;               /* top-level themes */
	int64_t items;
	char *params;        /* JSON text describing options, optional */
	struct core_theme *themes;
	size_t n_themes;
	struct core_campaign *campaigns;
	size_t n_campaigns;
	struct core_item_result *results;
	size_t n_results;
};
/* Writes a complete run (run row, themes, campaigns, per-item results) in one
 * transaction; the run becomes the latest. Does not take ownership of run's memory. */
int core_db_run_save(struct core_db *db, struct core_run *run, struct core_err *err);
/* Starts pruning what the next core_db_run_save would prune (the per-item results of
 * old runs) on a thread with a connection of its own, so that it runs beside the
 * analysis instead of inside the save. It takes the write lock for its own short
 * transaction; core_db_run_save and core_db_close wait for it. Best effort: when it
 * cannot run, the save prunes as before. Call it only while this connection holds no
 * transaction. */
void core_db_prune_start(struct core_db *db);

/* The latest finished run's header (no themes/results loaded); CORE_ERUNTIME with
 * "no analysis yet: run 'inspraak analyze'" when there is none. */
struct core_run_info {
	int64_t id;
	char started_at[21], finished_at[21];
	uint64_t seed;
	int k;
	int64_t items;
	char *params;
};
int core_db_run_latest(struct core_db *db, struct core_run_info *out, struct core_err *err);
void core_run_info_release(struct core_run_info *r);
/* Loads the themes (ordered by size desc, then id) and campaigns of run_id. Caller
 * releases each theme with core_theme_release, frees the arrays and campaign texts. */
int core_db_run_themes(struct core_db *db, int64_t run_id, struct core_theme **themes,
		       size_t *n, struct core_err *err);
int core_db_run_campaigns(struct core_db *db, int64_t run_id, struct core_campaign **out,
			  size_t *n, struct core_err *err);

/* ---- review decisions (the review issue writes these; analysis reads them) */

/* One row of the audit log (review_decisions). before and after are JSON text. */
struct core_decision {
	int64_t id;
	char *created_at, *reviewer, *action, *target_kind, *target_id, *before, *after, *note;
};
void core_decision_release(struct core_decision *d);

/* ---- web-form submissions (issue 4) */

enum core_sub_result {
	CORE_SUB_NEW = 1,      /* stored now */
	CORE_SUB_REPLAY = 2,   /* this key was stored before with the same request: it->id set */
	CORE_SUB_CONFLICT = 3, /* this key was stored before with a different request */
};
/* Stores a form submission as a new item of source_id whose external_id is the
 * submission's idempotency key, together with request_hash (a fingerprint of the whole
 * request, not just the text) so a retry can be told from a reuse of the key. Runs in
 * the caller's transaction (core_db_begin/commit): the item and its key commit together.
 * An existing (source, external_id) is never changed. */
int core_db_submission_put(struct core_db *db, int64_t source_id, struct core_item *it,
			   const char *request_hash, enum core_sub_result *result,
			   struct core_err *err);
/* 0 when the database accepts writes (an empty IMMEDIATE transaction commits), else
 * CORE_EDB with err set. */
int core_db_writable(struct core_db *db, struct core_err *err);

/* ---- review (issue 8): reviewer actions, the audit log and the review pages' reads */

/* The actions a reviewer can take. Each is one row of the audit log. */
enum core_review_act {
	CORE_REV_RENAME = 1,  /* theme: label */
	CORE_REV_MERGE,       /* theme: into (another theme of the latest run) */
	CORE_REV_SPLIT,       /* theme: items (of that theme) into a new theme with label */
	CORE_REV_MOVE,        /* item: theme */
	CORE_REV_SET_STANCE,  /* item: ambition, stance (NONE: not about that ambition) */
	CORE_REV_MARK,        /* item: mark as reviewed */
	CORE_REV_HIDE,        /* item: reason (moderation; analysis and exports skip it) */
	CORE_REV_UNHIDE,      /* item */
	CORE_REV_NOTE,        /* item or theme: note */
};
/* "rename", "merge", ... as the log shows them; NULL for an unknown value. */
const char *core_review_act_name(enum core_review_act a);
/* 0 when name is not an action. */
enum core_review_act core_review_act_parse(const char *name);

struct core_review_action {
	enum core_review_act act;
	const char *reviewer;       /* required */
	const char *target;         /* theme id ("T3") or item id ("42") */
	const char *label;          /* rename, split */
	const char *theme;          /* merge: into; move: to */
	const char *ambition;       /* set-stance */
	enum core_stance stance;    /* set-stance */
	const int64_t *items;       /* split */
	size_t n_items;
	const char *reason;         /* hide */
	const char *note;           /* note (required), any other action (optional) */
	/* out */
	int64_t decision_id;
	char new_theme[32];         /* split: the new theme's id */
};
/* Checks the action against the store, records it in the audit log with what it
 * changes (before) and the decision (after), and applies it at once to the latest
 * analysis run (labels, theme membership and sizes, stances with origin "reviewer",
 * items.hidden), all in one transaction. An action that cannot apply (unknown theme or
 * item, empty label, an item outside the theme it is split from) is CORE_ERUNTIME with
 * a message naming it and changes nothing; a too-long text is CORE_ELIMIT. */
int core_db_review(struct core_db *db, struct core_review_action *a, struct core_err *err);

/* Audit log filter. NULL/0 fields do not filter. */
struct core_decision_filter {
	const char *target_kind, *target_id, *reviewer;
	int newest_first;
	int64_t offset, limit;
};
/* Calls cb for each decision (oldest first unless newest_first); *total (optional) is
 * the number matching without offset and limit. cb's non-zero return stops the walk. */
int core_db_decisions_each(struct core_db *db, const struct core_decision_filter *f,
			   int (*cb)(const struct core_decision *d, void *ctx), void *ctx,
			   int64_t *total, struct core_err *err);

/* Items for the review pages, paged. Reads the latest run. */
struct core_review_query {
	int64_t item;              /* one item, 0 = any */
	const char *theme;
	const char *ambition;
	enum core_stance stance;
	const char *match;         /* words that must all occur (full-text, FTS5), NULL none */
	int uncertain;             /* order by the lowest analysis score first, leaving out
				    * items a reviewer marked or corrected */
	int include_hidden;
	int64_t offset, limit;     /* limit 0 = 50 */
};
/* Calls cb per item on the page, with its stances in the latest run; *total (optional)
 * is how many match. For uncertain, each view's stances keep their scores. */
int core_db_review_items(struct core_db *db, const struct core_review_query *q,
			 int (*cb)(const struct core_item_view *v, void *ctx), void *ctx,
			 int64_t *total, struct core_err *err);

/* Stance counts of the latest run's visible items: per ambition code (by_theme 0) or
 * per theme id (by_theme 1), cb(key, stance, count). */
int core_db_review_counts(struct core_db *db, int by_theme,
			  int (*cb)(const char *key, enum core_stance s, int64_t n, void *ctx),
			  void *ctx, struct core_err *err);

#endif
