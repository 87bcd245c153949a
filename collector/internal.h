/* internal.h: what the collector's files share among themselves and with their unit
 * tests, never with other modules: the one-URL fetch API (fetch.c, the only libcurl
 * user), the address policy, and the HTML tree walker that feed.c reuses for Atom
 * xhtml content. */
#ifndef INSPRAAK_COLLECTOR_INTERNAL_H
#define INSPRAAK_COLLECTOR_INTERNAL_H

#include <pthread.h>
#include <sys/socket.h>

#include "core.h"

/* ---- fetching one URL */

struct col_fetch_opts {
	const char *url;
	const char *contact;        /* for the User-Agent, may be NULL */
	const char *etag;           /* stored validators, NULL when none */
	const char *last_modified;
	const struct core_header *headers; /* extra request headers from the source config */
	size_t n_headers;
	size_t max_bytes;           /* cap on the decoded body; 0 = 10 MiB */
	int allow_private;          /* CORE_ALLOW_*: loopback only, or also private networks */
	long connect_timeout_ms;    /* col_fetch_opts_init: 10 s */
	long timeout_ms;            /* whole transfer: 60 s */
	long low_speed_limit;       /* bytes/s ... */
	long low_speed_time_s;      /* ... for this long aborts: 10 B/s for 20 s */
	long max_redirs;            /* 5 */
};

/* Fills o with the defaults above (url and the rest NULL/0). */
void col_fetch_opts_init(struct col_fetch_opts *o);

struct col_fetch_result {
	int http_status;            /* final status, 0 when no response */
	int not_modified;           /* 1 on 304 */
	struct core_buf body;       /* decoded body; NUL-terminated */
	char *etag, *last_modified, *content_type; /* of the final response, or NULL */
	char *retry_after, *cache_control, *link;  /* likewise */
	int aborted;                /* col_fetch_many: abandoned because of the stop flag */
	long ms;
};

/* Fetches o->url (http/https only, redirects followed within the policy). Returns 0
 * when a response arrived with status 2xx or 304; otherwise CORE_ERUNTIME (or
 * CORE_ELIMIT when the body cap was hit) with "cannot fetch 'URL': why" in err.
 * res is filled as far as it got either way; release it with col_fetch_result_release. */
int col_fetch(const struct col_fetch_opts *o, struct col_fetch_result *res,
	      struct core_err *err);
void col_fetch_result_release(struct col_fetch_result *res);

struct col_fetch_limits {
	int total;                   /* transfers at once, default 8 */
	int per_host;                /* connections per host at once, default 2 */
	volatile const int *stop;    /* when it becomes non-zero, in-flight transfers are abandoned */
};
/* Fetches o[0..n) in parallel within the limits (libcurl's multi interface queues the
 * rest). Each transfer's outcome is rcs[i] and errs[i], exactly as col_fetch would
 * give it; res[i] must be released by the caller either way. Returns 0, or CORE_ENOMEM
 * when the batch itself could not be set up. */
int col_fetch_many(const struct col_fetch_opts *o, size_t n, struct col_fetch_result *res,
		   int *rcs, struct core_err *errs, const struct col_fetch_limits *lim);

/* The address policy: 1 when sa (AF_INET or AF_INET6) is loopback, private, carrier
 * grade NAT, link-local, unique-local, unspecified, multicast or broadcast (also
 * inside IPv4-mapped / NAT64 IPv6 addresses), with a short reason in why. */
int col_addr_blocked(const struct sockaddr *sa, char *why, size_t why_len);
/* 1 when sa is a loopback address (127.0.0.0/8, ::1, or 127/8 inside ::ffff:0:0/96). */
int col_addr_loopback(const struct sockaddr *sa);

/* ---- feeds: what a feed says about itself, besides its items */

struct col_feed_meta {
	long ttl_s; /* RSS <ttl> in seconds, 0 when absent */
};
/* col_parse_feed that also fills meta (when not NULL). */
int col_parse_feed_meta(const char *body, size_t len, const char *content_type,
			struct core_item_list *out, struct col_feed_meta *meta,
			struct core_err *err);

/* Hands items to another thread while the parser is still at work (collect.c stores
 * a big feed on one core while the other parses it). The consumer reads out->v[i]
 * only for i < ready, never out->n, and only while busy is set (it sets busy under mu
 * when it takes an item and clears it when it asks for the next or stops); the parser
 * grows out's array only while busy is clear. */
struct col_pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t ready;
	int busy;
	int done; /* the parser has finished; rc is its result */
	int rc;
};
/* col_parse_feed_meta feeding pipe (initialised by the caller). Always ends with
 * done set, even on error; on error the items stay in out for the caller to release
 * once the consumer has stopped (they are not dropped here, the consumer may be
 * reading them). */
int col_parse_feed_piped(const char *body, size_t len, const char *content_type,
			 struct core_item_list *out, struct col_feed_meta *meta,
			 struct col_pipe *pipe, struct core_err *err);
/* 0, or -1 when the mutex or condition cannot be set up. */
int col_pipe_init(struct col_pipe *pipe);
void col_pipe_destroy(struct col_pipe *pipe);
/* The consumer's side: waits until item i is published (1: out->v[i] may be read
 * until the next call) or the parser is done without it (0). *parse_rc: the parser's
 * result once it is done, else 0. A failed parse ends the items at once. */
int col_pipe_take(struct col_pipe *pipe, size_t i, int *parse_rc);
/* The consumer stops reading items (call before it goes away). */
void col_pipe_leave(struct col_pipe *pipe);

/* ---- JSON sources (jsonsrc.c) */

/* A JSON API response read with a source's mapping (role -> dotted path: items, id,
 * text, html, time, author, url, title, lang). Items without text are skipped; an item
 * without id takes its URL, else its content fingerprint. All or nothing on error. */
int col_parse_json_mapped(const char *body, size_t len, const struct core_header *mapping,
			  size_t n_mapping, struct core_item_list *out, struct core_err *err);
/* A Mastodon timeline page (an array of statuses); boosts are skipped. */
int col_parse_mastodon(const char *body, size_t len, struct core_item_list *out,
		       struct core_err *err);
/* The rel="next" URL of a Link header value (malloc'ed), or NULL. */
char *col_link_next(const char *link);

/* ---- scheduling */

/* What one attempt tells about when to poll a source next. */
struct col_poll {
	int ok;                /* the attempt succeeded (304 included) */
	int http_status;
	long retry_after_s;    /* Retry-After of a 429/503, 0 when none */
	long max_age_s;        /* Cache-Control max-age of a success, 0 when none */
	long ttl_s;            /* RSS ttl of a success, 0 when none */
	int prev_errors;       /* consecutive failures before this attempt */
	long floor_s;          /* collect.min_interval; 0 = COL_INTERVAL_FLOOR_S */
	long cap_s;            /* collect.max_backoff; 0 = COL_BACKOFF_CAP_S */
};

#define COL_INTERVAL_FLOOR_S 300L       /* default: no source polled more often than this */
#define COL_BACKOFF_CAP_S (24L * 3600)  /* default: nor waited on longer after failures */

/* The next poll after an attempt at `now` for a source polled every interval_s: on
 * success the interval, raised to the floor and to max-age and ttl (lower bounds); on
 * failure the interval doubled per earlier consecutive failure, at least Retry-After,
 * capped (never parked forever). Then up to +10% jitter, derived from name and now so
 * sources configured alike do not all fire at once, yet the result is reproducible. */
time_t col_schedule_next(time_t now, long interval_s, const char *name, const struct col_poll *p);

/* Seconds from a Retry-After value (delta-seconds or an HTTP date, relative to now);
 * 0 when absent or unparseable. */
long col_retry_after(const char *value, time_t now);
/* max-age from a Cache-Control value; 0 when absent, or no-store / no-cache present. */
long col_max_age(const char *value);

/* ---- HTML to text */

/* Appends the text of the tree under node (an xmlNode *, void here so this header
 * stays free of libxml2) to out, following col_html_to_text's rules; the caller
 * finishes with col_text_finish. Iterative, so deep nesting cannot overflow the stack.
 * xml_refs: the tree came from the XML parser, so entity references are mapped to
 * their HTML character by name and never expanded. */
struct col_text {
	struct core_buf buf;
	int pending_nl;    /* line breaks owed before the next visible character */
	int pending_space;
	int pre;           /* inside <pre> */
};
void col_text_init(struct col_text *t, size_t max);
/* Sets up libxml2 once and silences its error output in the calling thread (libxml2's
 * generic and structured error handlers are per thread): modules never print. Call
 * before every parse. */
void col_xml_quiet(void);
int col_text_walk(struct col_text *t, const void *node, int xml_refs, struct core_err *err);
/* Plain text: whitespace runs become one space, line breaks are kept (at most one
 * blank line in a row). */
int col_text_plain(struct col_text *t, const char *s, size_t n, struct core_err *err);
/* Hands out the result (malloc'ed, valid UTF-8, trimmed) and resets t. */
char *col_text_finish(struct col_text *t);
void col_text_release(struct col_text *t);

/* The UTF-8 bytes of the HTML character entity name ("eacute"), by name only;
 * returns the byte count (0 when the name is unknown). */
size_t col_entity_utf8(const char *name, char out[4]);

#define COL_HTML_MAX ((size_t)10 << 20)

/* col_html_to_text with a choice: fast 1 lets the one-pass converter take the common
 * subset of HTML (the same text as libxml2's parser, in a fraction of the time), 0
 * always runs libxml2. *was_fast (may be NULL): whether the one-pass converter did it.
 * For tests and fuzzing, which compare the two. */
int col_html_to_text_how(const char *html, size_t len, int fast, char **out, int *was_fast,
			 struct core_err *err);

#endif
