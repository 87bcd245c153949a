/* review.c: the /review pages' plumbing: who may come in (loopback unless
 * review.allow_remote; a token whose SHA-256 is configured, compared in constant time),
 * sessions (random ids from getrandom, kept in memory with an expiry, an HttpOnly
 * SameSite=Strict cookie), a CSRF token on every form, routing, and the actions, which
 * go to the store as audit-logged decisions (core_db_review) and redirect back. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>

#include "internal.h"

#define SESSIONS 256            /* at once; the oldest goes when full */
#define LOGIN_MAX_AGE 3600      /* a login page stays usable for an hour */
#define LOGIN_FAILS_PER_MIN 20  /* then logins are refused (429) for the rest of the minute */
#define RV_PAGE_MAX ((size_t)4 << 20)
#define COOKIE "inspraak_review"

struct session {
	char id[65];       /* 32 random bytes, hex; "" = free slot */
	char csrf[65];
	char reviewer[101];
	time_t expires;
};

struct srv_review {
	const struct core_config *cfg;
	struct core_db *db;
	char secret[65];
	char csp[200];
	pthread_mutex_t lock; /* the store connection and the sessions */
	struct session sessions[SESSIONS];
	time_t fail_minute;
	int fails;
};

static int random_hex(char *out, size_t bytes)
{
	unsigned char r[32];
	static const char digits[] = "0123456789abcdef";
	if (bytes > sizeof(r) || getrandom(r, bytes, 0) != (ssize_t)bytes)
		return -1; /* never a guessable session: refuse instead */
	for (size_t i = 0; i < bytes; i++) {
		out[2 * i] = digits[r[i] >> 4];
		out[2 * i + 1] = digits[r[i] & 15];
	}
	out[2 * bytes] = 0;
	return 0;
}

/* Equal strings, in time that depends only on the length of a (the secret we hold);
 * b is never read past its end. */
static int same_secret(const char *a, const char *b)
{
	size_t n = strlen(a), nb = strlen(b);
	unsigned char d = n != nb;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ (i < nb ? b[i] : 0));
	return d == 0;
}

static void base64(const unsigned char *in, size_t n, char *out)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? in[i + 2] : 0);
		out[o++] = t[(v >> 18) & 63];
		out[o++] = t[(v >> 12) & 63];
		out[o++] = i + 1 < n ? t[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? t[v & 63] : '=';
	}
	out[o] = 0;
}

struct srv_review *srv_review_new(const struct core_config *cfg, const char *db_path,
				  const char *secret, struct core_err *err)
{
	struct srv_review *r = calloc(1, sizeof(*r));
	unsigned char h[32];
	char b64[48];

	if (!r) {
		core_err_set(err, CORE_ENOMEM, "out of memory");
		return NULL;
	}
	r->cfg = cfg;
	snprintf(r->secret, sizeof(r->secret), "%s", secret);
	pthread_mutex_init(&r->lock, NULL);
	col_sha256(rv_css, strlen(rv_css), h);
	base64(h, sizeof(h), b64);
	snprintf(r->csp, sizeof(r->csp), "default-src 'none'; style-src 'sha256-%s'; "
		 "form-action 'self'; base-uri 'none'; frame-ancestors 'none'", b64);
	if (!(r->db = core_db_open(db_path, err)) ||
	    core_db_ambitions_sync(r->db, cfg, err)) {
		srv_review_free(r);
		return NULL;
	}
	return r;
}

void srv_review_free(struct srv_review *r)
{
	if (!r)
		return;
	core_db_close(r->db);
	pthread_mutex_destroy(&r->lock);
	memset(r->sessions, 0, sizeof(r->sessions));
	free(r);
}

/* ---------------------------------------------------------------- answers */

static int wants_json(struct MHD_Connection *c)
{
	const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	return a && strstr(a, "application/json") && !strstr(a, "text/html");
}

static enum MHD_Result answer(struct srv_review *r, struct MHD_Connection *c, unsigned status,
			      const char *type, const char *body, size_t len,
			      const char *const *extra)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, "Content-Security-Policy", r->csp);
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	/* same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on
	 * our own forms, and the Origin check could not tell them from a forged post. */
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	for (; extra && extra[0]; extra += 2)
		MHD_add_response_header(resp, extra[0], extra[1]);
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* An error as JSON {"error": msg} for programs, or a short page for people. */
static enum MHD_Result fail(struct srv_review *r, struct MHD_Connection *c, unsigned status,
			    const char *msg, const char *back)
{
	struct core_buf b;
	enum MHD_Result ret;
	char title[32];

	if (wants_json(c)) {
		json_t *o = json_pack("{s:s, s:i}", "error", msg, "status", (int)status);
		char *txt = o ? json_dumps(o, JSON_COMPACT) : NULL;
		ret = txt ? answer(r, c, status, "application/json", txt, strlen(txt), NULL) : MHD_NO;
		free(txt);
		json_decref(o);
		return ret;
	}
	core_buf_init(&b, RV_PAGE_MAX);
	snprintf(title, sizeof(title), "Fout %u", status);
	if (rv_page_message(title, msg, back, &b)) {
		core_buf_release(&b);
		return answer(r, c, status, "text/plain; charset=utf-8", msg, strlen(msg), NULL);
	}
	ret = answer(r, c, status, "text/html; charset=utf-8", b.data, b.len, NULL);
	core_buf_release(&b);
	return ret;
}

static enum MHD_Result redirect(struct srv_review *r, struct MHD_Connection *c,
				const char *to, const char *cookie)
{
	const char *extra[] = {"Location", to, cookie ? "Set-Cookie" : NULL, cookie, NULL};
	return answer(r, c, 303, "text/plain; charset=utf-8", "", 0, extra);
}

/* ---------------------------------------------------------------- who is asking */

static int loopback(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (sa && sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr) >>
			24) == 127;
	if (sa && sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) || (!memcmp(a->s6_addr, mapped, 12) &&
						   a->s6_addr[12] == 127);
	}
	return 0;
}

/* The session of the request's cookie, copied to *out; 0 when there is none. Called
 * under the lock. Every slot is compared, so timing tells nothing about ids. */
static int session_of(struct srv_review *r, struct MHD_Connection *c, struct session *out)
{
	const char *id = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE);
	time_t now = time(NULL);
	int found = 0;

	if (!id || strlen(id) != 64)
		return 0;
	for (int i = 0; i < SESSIONS; i++) {
		struct session *s = &r->sessions[i];
		if (s->id[0] && s->expires <= now)
			memset(s, 0, sizeof(*s));
		if (s->id[0] && same_secret(s->id, id) && !found) {
			*out = *s;
			found = 1;
		}
	}
	return found;
}

/* A new session for reviewer; writes its cookie header into cookie[]. */
static int session_new(struct srv_review *r, const char *reviewer, char *cookie, size_t n)
{
	struct session *slot = NULL;
	time_t now = time(NULL);

	for (int i = 0; i < SESSIONS; i++) {
		struct session *s = &r->sessions[i];
		if (!s->id[0] || s->expires <= now) {
			slot = s;
			break;
		}
		if (!slot || s->expires < slot->expires)
			slot = s; /* full: the one closest to expiry makes room */
	}
	memset(slot, 0, sizeof(*slot));
	if (random_hex(slot->id, 32) || random_hex(slot->csrf, 32)) {
		memset(slot, 0, sizeof(*slot));
		return -1;
	}
	snprintf(slot->reviewer, sizeof(slot->reviewer), "%s", reviewer);
	slot->expires = now + r->cfg->review.session_ttl_s;
	snprintf(cookie, n, COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/review; Max-Age=%ld",
		 slot->id, r->cfg->review.session_ttl_s);
	return 0;
}

static void session_end(struct srv_review *r, const char *id)
{
	for (int i = 0; i < SESSIONS; i++)
		if (r->sessions[i].id[0] && same_secret(r->sessions[i].id, id))
			memset(&r->sessions[i], 0, sizeof(r->sessions[i]));
}

/* The configured reviewer whose token hashes to a configured hash, or NULL. All hashes
 * are compared whatever matches, in constant time. */
static const char *reviewer_for(struct srv_review *r, const char *token)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char h[32];
	char hex[65];
	const char *who = NULL;

	col_sha256(token, strlen(token), h);
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[h[i] >> 4];
		hex[2 * i + 1] = digits[h[i] & 15];
	}
	hex[64] = 0;
	for (size_t i = 0; i < r->cfg->review.n_reviewers; i++)
		if (same_secret(r->cfg->review.reviewers[i].token_sha256, hex) && !who)
			who = r->cfg->review.reviewers[i].name;
	return who;
}

/* ---------------------------------------------------------------- pages */

static enum MHD_Result login_page(struct srv_review *r, struct MHD_Connection *c,
				  unsigned status, const char *error)
{
	char token[COL_TOKEN_MAX], nonce[17];
	struct core_buf b;
	enum MHD_Result ret;

	if (random_hex(nonce, 8))
		return fail(r, c, 503, "no randomness for the login form", NULL);
	col_form_token_make(r->secret, "review-login", time(NULL), nonce, token);
	core_buf_init(&b, RV_PAGE_MAX);
	if (rv_page_login(token, error, r->cfg->review.n_reviewers == 0, &b)) {
		core_buf_release(&b);
		return fail(r, c, 500, "cannot render the login page", NULL);
	}
	ret = answer(r, c, status, "text/html; charset=utf-8", b.data, b.len, NULL);
	core_buf_release(&b);
	return ret;
}

static int valid_theme_id(const char *s, size_t n)
{
	if (n == 0 || n > 31)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

/* Reads ?ambition, ?stance, ?q, ?page and ?done into v; a message when one is wrong. */
static const char *read_query(struct srv_review *r, struct MHD_Connection *c, struct rv_view *v)
{
	const char *amb = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "ambition");
	const char *st = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "stance");
	const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "q");
	const char *page = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "page");
	const char *done = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "done");
	char *end;

	v->page = 1;
	if (amb && *amb) {
		const struct core_ambition *a = core_config_ambition(r->cfg, amb);
		if (!a)
			return "unknown ambition";
		v->ambition = a->code;
	}
	if (st && *st && !(v->stance = core_stance_parse(st)))
		return "stance must be support, objection, neutral or mixed";
	if (q && *q) {
		if (strlen(q) > 400 || !core_utf8_valid(q, strlen(q)))
			return "the search must be valid text of at most 400 bytes";
		v->q = q;
	}
	if (page && *page) {
		long p = strtol(page, &end, 10);
		if (*end || p < 1 || p > 1000000)
			return "page must be a number from 1";
		v->page = p;
	}
	if (done && *done) {
		long long d = strtoll(done, &end, 10);
		v->done = *end || d < 0 ? 0 : d;
	}
	return NULL;
}

static enum MHD_Result show(struct srv_review *r, struct MHD_Connection *c, struct rv_view *v,
			    int (*render)(struct rv_view *, struct core_buf *))
{
	struct core_buf b;
	enum MHD_Result ret;
	const char *bad = read_query(r, c, v);

	if (bad)
		return fail(r, c, 400, bad, "/review");
	core_buf_init(&b, RV_PAGE_MAX);
	if (render(v, &b)) {
		core_buf_release(&b);
		if (v->status)
			return fail(r, c, v->status, v->error, "/review");
		core_log(CORE_LOG_WARN, "review: cannot render a page: %s", v->error);
		return fail(r, c, 500, "the page could not be made; see the server log", "/review");
	}
	ret = answer(r, c, 200, "text/html; charset=utf-8", b.data, b.len, NULL);
	core_buf_release(&b);
	return ret;
}

/* ---------------------------------------------------------------- actions */

/* Records one action and answers with a redirect to back (?done=ID), or the error. */
static enum MHD_Result act(struct srv_review *r, struct MHD_Connection *c,
			   struct core_review_action *a, const char *back)
{
	struct core_err err = {0};
	char loc[300];
	int rc = core_db_review(r->db, a, &err);

	if (rc)
		return fail(r, c, rc == CORE_ELIMIT ? 413 : rc == CORE_ERUNTIME ? 422 : 503, err.msg,
			    back);
	if (a->act == CORE_REV_SPLIT)
		snprintf(loc, sizeof(loc), "/review/themes/%s?done=%lld", a->new_theme,
			 (long long)a->decision_id);
	else if (a->act == CORE_REV_MERGE)
		snprintf(loc, sizeof(loc), "/review/themes/%s?done=%lld", a->theme,
			 (long long)a->decision_id);
	else
		snprintf(loc, sizeof(loc), "%s?done=%lld", back, (long long)a->decision_id);
	return redirect(r, c, loc, NULL);
}

struct current {
	char code[64][32];
	enum core_stance stance[64];
	size_t n;
	int found;
};

static int keep_stances(const struct core_item_view *v, void *ctx)
{
	struct current *cur = ctx;
	cur->found = 1;
	for (size_t i = 0; i < v->n_stances && cur->n < 64; i++) {
		snprintf(cur->code[cur->n], sizeof(cur->code[0]), "%s", v->stances[i].code);
		cur->stance[cur->n++] = v->stances[i].stance;
	}
	return 0;
}

/* The item page's stance form: one set-stance decision per ambition that changed. */
static enum MHD_Result set_stances(struct srv_review *r, struct MHD_Connection *c,
				   const struct session *s, const char *target, int64_t item,
				   const struct col_form_fields *f, const char *back)
{
	struct core_review_query q = {.item = item};
	struct core_err err = {0};
	struct current cur;
	int64_t last = 0;
	char loc[300];

	memset(&cur, 0, sizeof(cur));
	if (core_db_review_items(r->db, &q, keep_stances, &cur, NULL, &err))
		return fail(r, c, 503, err.msg, back);
	if (!cur.found)
		return fail(r, c, 404, "no such item", "/review");
	for (size_t i = 0; i < r->cfg->n_ambitions; i++) {
		const struct core_ambition *amb = &r->cfg->ambitions[i];
		struct core_review_action a = {.act = CORE_REV_SET_STANCE, .reviewer = s->reviewer,
					       .target = target, .ambition = amb->code};
		enum core_stance have = CORE_STANCE_NONE;
		const char *val;
		char name[64];

		snprintf(name, sizeof(name), "s_%s", amb->code);
		if (!(val = col_form_fields_get(f, name)) || !*val)
			continue; /* not on the form: unchanged */
		a.stance = core_stance_parse(val);
		if (a.stance == CORE_STANCE_NONE && strcmp(val, "none"))
			return fail(r, c, 422, "a stance must be support, objection, neutral, mixed "
				    "or none", back);
		for (size_t k = 0; k < cur.n; k++)
			if (!strcmp(cur.code[k], amb->code))
				have = cur.stance[k];
		if (have == a.stance)
			continue;
		if (core_db_review(r->db, &a, &err))
			return fail(r, c, err.code == CORE_ERUNTIME ? 422 : 503, err.msg, back);
		last = a.decision_id;
	}
	snprintf(loc, sizeof(loc), "%s?done=%lld", back, (long long)last);
	return redirect(r, c, last ? loc : back, NULL);
}

/* A merge cannot be undone: the first POST shows what it will do and asks again. */
static enum MHD_Result confirm_merge(struct srv_review *r, struct MHD_Connection *c,
				     const struct session *s, const char *theme, const char *into)
{
	struct rv_view v = {.db = r->db, .cfg = r->cfg, .reviewer = s->reviewer,
			    .csrf = s->csrf, .theme = theme};
	struct core_buf b;
	enum MHD_Result ret;

	core_buf_init(&b, RV_PAGE_MAX);
	if (rv_page_confirm_merge(&v, into, &b)) {
		core_buf_release(&b);
		return fail(r, c, v.status ? v.status : 500,
			    v.error[0] ? v.error : "the page could not be made", "/review");
	}
	ret = answer(r, c, 200, "text/html; charset=utf-8", b.data, b.len, NULL);
	core_buf_release(&b);
	return ret;
}

/* A POST under /review/themes/ID/ACTION or /review/items/ID/ACTION. */
static enum MHD_Result post_action(struct srv_review *r, struct MHD_Connection *c,
				   const struct session *s, const char *path,
				   const struct col_form_fields *f)
{
	struct core_review_action a = {.reviewer = s->reviewer,
				       .note = col_form_fields_get(f, "note")};
	int theme = !strncmp(path, "/review/themes/", 15);
	const char *id = path + (theme ? 15 : 14), *slash = strchr(id, '/'), *what;
	char target[32], back[96];
	int64_t *items = NULL;
	enum MHD_Result ret;

	if (!slash || !(theme ? valid_theme_id(id, (size_t)(slash - id))
			      : (slash > id && (size_t)(slash - id) < 19 &&
				 strspn(id, "0123456789") == (size_t)(slash - id))))
		return fail(r, c, 404, "no such page", "/review");
	snprintf(target, sizeof(target), "%.*s", (int)(slash - id), id);
	snprintf(back, sizeof(back), "/review/%s/%s", theme ? "themes" : "items", target);
	what = slash + 1;
	a.target = target;
	if (theme && !strcmp(what, "rename")) {
		a.act = CORE_REV_RENAME;
		a.label = col_form_fields_get(f, "label");
	} else if (theme && !strcmp(what, "merge")) {
		a.act = CORE_REV_MERGE;
		a.theme = col_form_fields_get(f, "into");
		if (!col_form_fields_get(f, "confirm"))
			return confirm_merge(r, c, s, target, a.theme ? a.theme : "");
	} else if (theme && !strcmp(what, "split")) {
		size_t n = 0;
		a.act = CORE_REV_SPLIT;
		a.label = col_form_fields_get(f, "label");
		if (!(items = calloc(f->n ? f->n : 1, sizeof(*items))))
			return fail(r, c, 503, "out of memory", back);
		for (size_t i = 0; i < f->n; i++) {
			char *end;
			long long v;
			if (strcmp(f->v[i].name, "item"))
				continue;
			v = strtoll(f->v[i].value, &end, 10);
			if (*end || v <= 0) {
				free(items);
				return fail(r, c, 422, "an item to split off is not an item id", back);
			}
			items[n++] = v;
		}
		if (!n) {
			free(items);
			return fail(r, c, 422, "choose the items to split off first", back);
		}
		a.items = items;
		a.n_items = n;
	} else if (!strcmp(what, "note")) {
		a.act = CORE_REV_NOTE;
	} else if (!theme && !strcmp(what, "stance")) {
		return set_stances(r, c, s, target, strtoll(target, NULL, 10), f, back);
	} else if (!theme && !strcmp(what, "move")) {
		a.act = CORE_REV_MOVE;
		a.theme = col_form_fields_get(f, "theme");
	} else if (!theme && !strcmp(what, "mark")) {
		a.act = CORE_REV_MARK;
	} else if (!theme && !strcmp(what, "hide")) {
		a.act = CORE_REV_HIDE;
		a.reason = col_form_fields_get(f, "reason");
	} else if (!theme && !strcmp(what, "unhide")) {
		a.act = CORE_REV_UNHIDE;
	} else {
		return fail(r, c, 404, "no such action", back);
	}
	ret = act(r, c, &a, back);
	free(items);
	return ret;
}

static enum MHD_Result login(struct srv_review *r, struct MHD_Connection *c,
			     const struct col_form_fields *f)
{
	const char *token = col_form_fields_get(f, "token");
	const char *form = col_form_fields_get(f, "form_token");
	time_t now = time(NULL);
	const char *who;
	char nonce[17], cookie[200];

	if (now / 60 != r->fail_minute) {
		r->fail_minute = now / 60;
		r->fails = 0;
	}
	if (r->fails >= LOGIN_FAILS_PER_MIN) {
		const char *extra[] = {"Retry-After", "60", NULL};
		const char *msg = "too many failed logins; try again in a minute";
		return answer(r, c, 429, "text/plain; charset=utf-8", msg, strlen(msg), extra);
	}
	if (!form || col_form_token_check(r->secret, "review-login", form, now, 0, LOGIN_MAX_AGE,
					  nonce))
		return login_page(r, c, 403, "Het inlogformulier is verlopen of ongeldig; "
				  "probeer het opnieuw.");
	if (!token || !*token || strlen(token) > 512 || !(who = reviewer_for(r, token))) {
		r->fails++;
		core_log(CORE_LOG_INFO, "review: a login failed");
		return login_page(r, c, 401, "Dit token is onbekend.");
	}
	if (session_new(r, who, cookie, sizeof(cookie)))
		return fail(r, c, 503, "no randomness for a session", NULL);
	core_log(CORE_LOG_INFO, "review: %s logged in", who);
	return redirect(r, c, "/review", cookie);
}

/* A cross-site request carries another Origin; same-origin browsers send ours or none. */
static int foreign_origin(struct MHD_Connection *c)
{
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	const char *rest;

	/* "null" comes from privacy settings, not only from sandboxes: the CSRF token still
	 * stands guard then. */
	if (!origin || !strcmp(origin, "null"))
		return 0;
	if (!host)
		return 1;
	rest = !strncmp(origin, "http://", 7) ? origin + 7
	       : !strncmp(origin, "https://", 8) ? origin + 8 : NULL;
	return !rest || strcmp(rest, host);
}

static int content_type_form(struct MHD_Connection *c)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = strlen("application/x-www-form-urlencoded");
	return ct && !strncasecmp(ct, "application/x-www-form-urlencoded", n) &&
	       (!ct[n] || ct[n] == ';' || ct[n] == ' ');
}

static enum MHD_Result post(struct srv_review *r, struct MHD_Connection *c, const char *url,
			    const char *body, size_t len, int too_big)
{
	struct col_form_fields f = {.max_fields = 10050, .max_value = 8192};
	struct core_err err = {0};
	struct session s;
	enum MHD_Result ret;
	const char *csrf;

	if (too_big)
		return fail(r, c, 413, "the request is too large", NULL);
	if (!content_type_form(c))
		return fail(r, c, 415, "send application/x-www-form-urlencoded", NULL);
	if (foreign_origin(c))
		return fail(r, c, 403, "cross-site request refused", "/review");
	if (col_form_urldecode(body ? body : "", len, &f, &err)) {
		ret = fail(r, c, err.code == CORE_ELIMIT ? 413 : 400, err.msg, "/review");
		goto out;
	}
	if (!strcmp(url, "/review/login")) {
		ret = login(r, c, &f);
		goto out;
	}
	if (!session_of(r, c, &s)) {
		ret = fail(r, c, 401, "log in first: /review/login", "/review/login");
		goto out;
	}
	csrf = col_form_fields_get(&f, "csrf");
	if (!csrf || !same_secret(s.csrf, csrf)) {
		ret = fail(r, c, 403, "the form's CSRF token is missing or wrong; reload the page "
			   "and try again", "/review");
		goto out;
	}
	if (!strcmp(url, "/review/logout")) {
		session_end(r, s.id);
		ret = redirect(r, c, "/review/login",
			       COOKIE "=; HttpOnly; SameSite=Strict; Path=/review; Max-Age=0");
		goto out;
	}
	if (!strncmp(url, "/review/themes/", 15) || !strncmp(url, "/review/items/", 14))
		ret = post_action(r, c, &s, url, &f);
	else
		ret = fail(r, c, 404, "no such page", "/review");
out:
	col_form_fields_release(&f);
	return ret;
}

static enum MHD_Result get(struct srv_review *r, struct MHD_Connection *c, const char *url)
{
	struct rv_view v = {.db = r->db, .cfg = r->cfg};
	struct session s;

	if (!strcmp(url, "/review/login"))
		return login_page(r, c, 200, NULL);
	if (!session_of(r, c, &s)) {
		if (wants_json(c))
			return fail(r, c, 401, "log in first: /review/login", NULL);
		return redirect(r, c, "/review/login", NULL);
	}
	v.reviewer = s.reviewer;
	v.csrf = s.csrf;
	if (!strcmp(url, "/review") || !strcmp(url, "/review/"))
		return show(r, c, &v, rv_page_overview);
	if (!strcmp(url, "/review/uncertain"))
		return show(r, c, &v, rv_page_uncertain);
	if (!strcmp(url, "/review/log"))
		return show(r, c, &v, rv_page_log);
	if (!strcmp(url, "/review/search"))
		return show(r, c, &v, rv_page_theme);
	if (!strncmp(url, "/review/themes/", 15) && valid_theme_id(url + 15, strlen(url + 15))) {
		v.theme = url + 15;
		return show(r, c, &v, rv_page_theme);
	}
	if (!strncmp(url, "/review/items/", 14)) {
		const char *id = url + 14;
		size_t n = strspn(id, "0123456789");
		if (n && n < 19 && !id[n] && (v.item = strtoll(id, NULL, 10)) > 0)
			return show(r, c, &v, rv_page_item);
	}
	return fail(r, c, 404, "no such page", "/review");
}

enum MHD_Result srv_review_handle(struct srv_review *r, struct MHD_Connection *c,
				  const char *url, const char *method, const char *body,
				  size_t len, int too_big)
{
	enum MHD_Result ret;

	if (!r->cfg->review.allow_remote && !loopback(c))
		return fail(r, c, 403, "the review pages answer only on this machine "
			    "(review.allow_remote)", NULL);
	pthread_mutex_lock(&r->lock);
	if (!strcmp(method, "POST"))
		ret = post(r, c, url, body, len, too_big);
	else
		ret = get(r, c, url);
	pthread_mutex_unlock(&r->lock);
	return ret;
}
