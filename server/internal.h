/* internal.h: private to server/: the HTML pages of the form intake (page.c), kept apart
 * from the HTTP plumbing in server.c so the markup can be read and changed on its own. */
#ifndef INSPRAAK_SERVER_INTERNAL_H
#define INSPRAAK_SERVER_INTERNAL_H

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

#endif
