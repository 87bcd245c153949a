/* internal.h: private to server/: the HTML pages of the form intake (page.c), kept apart
 * from the HTTP plumbing in server.c so the markup can be read and changed on its own. */
#ifndef INSPRAAK_SERVER_INTERNAL_H
#define INSPRAAK_SERVER_INTERNAL_H

#include <microhttpd.h>

#include "collector.h"
#include "core.h"

struct page_ctx {
	const struct core_config *cfg;
	const struct core_form *form;
	const char *lang;                     /* "nl" or "en" */
	const char *token;                    /* signed time token, NULL: none */
	const struct col_form_fields *values; /* what was sent, to fill in again; may be NULL */
	const struct col_submission *sub;     /* its field errors; may be NULL */
	const char *top_error;                /* code of an error about the whole form */
};

/* Appends the form page, the thank-you page or a short message page to out (capped
 * buffer: CORE_ELIMIT / CORE_ENOMEM on failure). Every value is HTML-escaped. */
int page_form(const struct page_ctx *p, struct core_buf *out);
int page_thanks(const struct page_ctx *p, struct core_buf *out);
int page_message(const char *lang, const char *title, const char *text, struct core_buf *out);

/* The one stylesheet (served at /static/form.css, so the CSP needs no inline style). */
extern const char page_css[];

/* Appends s with &, <, >, " and ' escaped (NULL appends nothing). */
int page_esc(struct core_buf *b, const char *s);

/* ---- the review pages (review.c: sessions, CSRF, actions; review_page.c: HTML) */

struct srv_review;
/* Opens its own connection to the store. secret signs the login form. NULL with err set. */
struct srv_review *srv_review_new(const struct core_config *cfg, const char *db_path,
				  const char *secret, struct core_err *err);
void srv_review_free(struct srv_review *r); /* NULL-safe */
/* Answers one whole request under /review (GET or POST with its body). too_big: the
 * body passed the server's max_body. Returns what MHD_queue_response returned. */
enum MHD_Result srv_review_handle(struct srv_review *r, struct MHD_Connection *c,
				  const char *url, const char *method, const char *body,
				  size_t len, int too_big);

/* What a review page needs: the store (under the module's lock), the reviewer and the
 * session's CSRF token for the forms it renders. */
struct rv_view {
	struct core_db *db;
	const struct core_config *cfg;
	const char *reviewer;
	const char *csrf;
	/* query parameters, already checked */
	const char *theme, *ambition, *q;
	enum core_stance stance;
	int64_t item, page, done;
	char error[256]; /* why a page failed (404 and the like) */
	unsigned status; /* 0, or the HTTP status the page asks for */
};
/* Each appends a whole page to out; non-zero on failure (v->status and v->error say
 * what to answer, else it is a 500). */
int rv_page_overview(struct rv_view *v, struct core_buf *out);
int rv_page_theme(struct rv_view *v, struct core_buf *out);    /* v->theme; NULL: search */
int rv_page_item(struct rv_view *v, struct core_buf *out);
int rv_page_uncertain(struct rv_view *v, struct core_buf *out);
int rv_page_log(struct rv_view *v, struct core_buf *out);
/* Asks before v->theme goes into the theme `into` (a merge cannot be undone). */
int rv_page_confirm_merge(struct rv_view *v, const char *into, struct core_buf *out);
int rv_page_login(const char *form_token, const char *error, int no_reviewers,
		  struct core_buf *out);
int rv_page_message(const char *title, const char *text, const char *back,
		    struct core_buf *out);
/* The stylesheet inlined in every review page, and its CSP hash. */
extern const char rv_css[];

#endif
