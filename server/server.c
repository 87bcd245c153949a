/* server.c: the HTTP intake on libmicrohttpd: routes, limits (body, fields, rate per
 * client), security headers, CORS for the JSON endpoint, and the writer thread. Request
 * threads decode and validate (collector/forms.c); a valid submission is queued and its
 * connection suspended; the writer commits whatever has queued up in one transaction
 * (group commit) and only then resumes the connections, so a 2xx always means stored. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "collector.h"
#include "internal.h"
#include "server.h"

#define TOKEN_MAX_AGE (12 * 3600L) /* a form page stays usable for half a day */
#define BATCH_MAX 512              /* submissions per transaction */
#define RATE_SLOTS 4096            /* clients tracked by the rate limiter */
#define PAGE_MAX ((size_t)1 << 20) /* a generated page */
#define MAX_KEY 200                /* bytes of an Idempotency-Key */

enum route { RT_NONE, RT_FORM_GET, RT_FORM_POST, RT_THANKS, RT_API_POST, RT_API_OPTIONS,
	     RT_HEALTH, RT_CSS, RT_FAVICON, RT_METRICS, RT_REVIEW };

/* Routes that belong to one of the configured forms (q->form is set). */
static int has_form(enum route r)
{
	return r == RT_FORM_GET || r == RT_FORM_POST || r == RT_THANKS || r == RT_API_POST ||
	       r == RT_API_OPTIONS;
}

enum job_state { JOB_NONE, JOB_QUEUED, JOB_DONE };

/* One submission (or a health probe: item.text NULL) on its way through the writer. */
struct job {
	struct job *next;
	struct MHD_Connection *conn;
	size_t form;             /* index into cfg->forms */
	struct core_item item;
	char request_hash[17];
	enum job_state state;    /* written by the writer under the queue lock */
	int ok;                  /* committed */
	enum core_sub_result result;
	char error[256];         /* why not, for the log and 503 answers */
};

struct bucket {
	char ip[48];
	double tokens;
	double last;             /* monotonic seconds */
};

struct srv {
	const struct core_config *cfg;
	struct MHD_Daemon *mhd;
	unsigned port;
	char secret[65];
	/* writer */
	struct core_db *db;
	int64_t *source_ids;     /* per form */
	pthread_t writer;
	int writer_started;
	pthread_mutex_t lock;    /* queue, stats and stopping */
	pthread_cond_t wake;
	struct job *head, *tail;
	size_t queued;
	int stopping;
	struct srv_stats stats;
	/* rate limiter */
	pthread_mutex_t rate_lock;
	struct bucket *buckets;
	/* GET /metrics: more text from the daemon */
	int (*metrics)(struct core_buf *out, void *ctx);
	void *metrics_ctx;
	struct srv_review *review; /* the /review pages (review.c) */
};

/* Per request; freed by request_done. */
struct req {
	enum route route;
	size_t form;
	int too_big;
	int json;                /* the client wants JSON answers */
	char lang[3];
	struct core_buf body;
	struct job job;
	char key[MAX_KEY + 1];   /* idempotency key used */
	int replay_header;
};

/* ---------------------------------------------------------------- small helpers */

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void random_hex(char *out, size_t bytes)
{
	unsigned char r[32];
	static const char digits[] = "0123456789abcdef";
	if (bytes > sizeof(r))
		bytes = sizeof(r);
	if (getrandom(r, bytes, 0) != (ssize_t)bytes) {
		/* Not for secrets then, but ids must still differ: mix the clock in. */
		uint64_t t = (uint64_t)(mono_now() * 1e9) ^ (uint64_t)(uintptr_t)out;
		for (size_t i = 0; i < bytes; i++)
			r[i] = (unsigned char)(t >> (8 * (i % 8))) ^ (unsigned char)i;
	}
	for (size_t i = 0; i < bytes; i++) {
		out[2 * i] = digits[r[i] >> 4];
		out[2 * i + 1] = digits[r[i] & 15];
	}
	out[2 * bytes] = 0;
}

static void count(struct srv *s, uint64_t *field)
{
	pthread_mutex_lock(&s->lock);
	(*field)++;
	pthread_mutex_unlock(&s->lock);
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static void client_ip(struct MHD_Connection *c, char out[48])
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	snprintf(out, 48, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, 48);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
			  48);
}

/* Token bucket per client address. Returns 0 when allowed, else seconds to wait. */
static long rate_take(struct srv *s, const char *ip)
{
	double rate = s->cfg->server.rate_per_min / 60.0, burst = s->cfg->server.burst, now;
	uint64_t h = core_hash64(ip, strlen(ip), 7);
	struct bucket *b = NULL;
	long wait = 0;

	pthread_mutex_lock(&s->rate_lock);
	now = mono_now();
	for (int probe = 0; probe < 8 && !b; probe++) {
		struct bucket *x = &s->buckets[(h + (uint64_t)probe) % RATE_SLOTS];
		double tokens = x->ip[0] ? fmin(burst, x->tokens + (now - x->last) * rate) : burst;
		if (!strcmp(x->ip, ip) || !x->ip[0] || tokens >= burst) {
			/* Ours, free, or a client whose bucket has refilled: nothing to forget. */
			if (strcmp(x->ip, ip)) {
				snprintf(x->ip, sizeof(x->ip), "%s", ip);
				x->tokens = burst;
				x->last = now;
			}
			b = x;
		}
	}
	if (!b) /* eight busy neighbours: share the first slot, erring on the strict side */
		b = &s->buckets[h % RATE_SLOTS];
	b->tokens = fmin(burst, b->tokens + (now - b->last) * rate);
	b->last = now;
	if (b->tokens >= 1)
		b->tokens -= 1;
	else
		wait = (long)ceil((1 - b->tokens) / rate);
	pthread_mutex_unlock(&s->rate_lock);
	return wait;
}

/* ---------------------------------------------------------------- responses */

static void security_headers(struct srv *s, struct MHD_Response *r, const struct core_form *f)
{
	const struct core_strlist *fa = f && f->frame_ancestors.n ? &f->frame_ancestors
								  : &s->cfg->server.frame_ancestors;
	struct core_buf csp;

	core_buf_init(&csp, 4096);
	if (core_buf_puts(&csp, "default-src 'none'; style-src 'self'; img-src 'self'; "
				"form-action 'self'; base-uri 'none'; frame-ancestors"))
		goto out;
	if (!fa->n && core_buf_puts(&csp, " 'none'"))
		goto out;
	for (size_t i = 0; i < fa->n; i++)
		if (core_buf_printf(&csp, " %s", fa->v[i]))
			goto out;
	MHD_add_response_header(r, "Content-Security-Policy", csp.data);
	if (!fa->n)
		MHD_add_response_header(r, "X-Frame-Options", "DENY");
out:
	core_buf_release(&csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
}

static enum MHD_Result respond(struct srv *s, struct MHD_Connection *c, unsigned status,
			       const char *type, char *body, size_t len,
			       const struct core_form *f, const char *const *extra)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	security_headers(s, r, f);
	for (; extra && extra[0]; extra += 2)
		MHD_add_response_header(r, extra[0], extra[1]);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	if (status == 429)
		count(s, &s->stats.limited);
	else if (status == 503)
		count(s, &s->stats.unavailable);
	else if (status >= 400 && status != 404 && status != 405)
		count(s, &s->stats.invalid);
	return ret;
}

/* JSON answer {"error": msg, "field": field} (field may be NULL). */
static enum MHD_Result json_error(struct srv *s, struct MHD_Connection *c, unsigned status,
				  const char *msg, const char *field, const struct core_form *f,
				  const char *const *extra)
{
	json_t *o = json_pack("{s:s, s:s?}", "error", msg, "field", field);
	char *txt = o ? json_dumps(o, JSON_COMPACT) : NULL;
	enum MHD_Result ret = txt ? respond(s, c, status, "application/json", txt, strlen(txt), f,
					    extra)
				  : MHD_NO;
	free(txt);
	json_decref(o);
	return ret;
}

/* An error for a human or a program, as the client asked. */
static enum MHD_Result fail(struct srv *s, struct MHD_Connection *c, struct req *q,
			    unsigned status, const char *msg, const char *field,
			    const char *const *extra)
{
	const struct core_form *f = q && has_form(q->route) ? &s->cfg->forms[q->form] : NULL;
	const char *lang = q && q->lang[0] ? q->lang : "nl";
	struct core_buf b;
	enum MHD_Result ret;
	char title[64];

	if (!q || q->json || q->route == RT_API_POST || q->route == RT_API_OPTIONS ||
	    q->route == RT_HEALTH || q->route == RT_METRICS)
		return json_error(s, c, status, msg, field, f, extra);
	core_buf_init(&b, PAGE_MAX);
	snprintf(title, sizeof(title), "%s %u", strcmp(lang, "en") ? "Fout" : "Error", status);
	if (page_message(lang, title, msg, &b)) {
		core_buf_release(&b);
		return MHD_NO;
	}
	ret = respond(s, c, status, "text/html; charset=utf-8", b.data, b.len, f, extra);
	core_buf_release(&b);
	return ret;
}

static enum MHD_Result page(struct srv *s, struct MHD_Connection *c, unsigned status,
			    const struct page_ctx *p, int thanks)
{
	struct core_buf b;
	enum MHD_Result ret;
	const char *extra[] = {"Cache-Control", "no-store", "Content-Language", p->lang, NULL};

	core_buf_init(&b, PAGE_MAX);
	if (thanks ? page_thanks(p, &b) : page_form(p, &b)) {
		core_buf_release(&b);
		return MHD_NO;
	}
	ret = respond(s, c, status, "text/html; charset=utf-8", b.data, b.len, p->form, extra);
	core_buf_release(&b);
	return ret;
}

static void make_token(struct srv *s, const char *form, char out[COL_TOKEN_MAX])
{
	char nonce[17];
	random_hex(nonce, 8);
	col_form_token_make(s->secret, form, time(NULL), nonce, out);
}

/* ---------------------------------------------------------------- the writer */

static void finish_batch(struct srv *s, struct job *batch, int ok, const char *why)
{
	struct job *next;
	pthread_mutex_lock(&s->lock);
	for (struct job *j = batch; j; j = j->next) {
		j->ok = ok;
		if (!ok)
			snprintf(j->error, sizeof(j->error), "%s", why);
		else if (j->item.text && j->result == CORE_SUB_NEW)
			s->stats.stored++;
		else if (j->item.text && j->result == CORE_SUB_REPLAY)
			s->stats.replayed++;
		j->state = JOB_DONE;
	}
	s->stats.batches++;
	pthread_mutex_unlock(&s->lock);
	for (struct job *j = batch; j; j = next) {
		/* Once resumed, the request may finish and free j: read next first. */
		next = j->next;
		MHD_resume_connection(j->conn);
	}
}

static void *writer_main(void *arg)
{
	struct srv *s = arg;

	for (;;) {
		struct job *batch = NULL, **tail = &batch;
		struct core_err err = {0};
		size_t n = 0;
		int rc = 0;

		pthread_mutex_lock(&s->lock);
		while (!s->head && !s->stopping)
			pthread_cond_wait(&s->wake, &s->lock);
		if (!s->head && s->stopping) {
			pthread_mutex_unlock(&s->lock);
			break;
		}
		/* Everything that queued while the last commit ran goes in this one. */
		while (s->head && n < BATCH_MAX) {
			struct job *j = s->head;
			s->head = j->next;
			j->next = NULL;
			*tail = j;
			tail = &j->next;
			n++;
		}
		if (!s->head)
			s->tail = NULL;
		s->queued -= n;
		pthread_mutex_unlock(&s->lock);

		if ((rc = core_db_begin(s->db, &err)) == 0) {
			for (struct job *j = batch; j && !rc; j = j->next)
				if (j->item.text)
					rc = core_db_submission_put(s->db, s->source_ids[j->form],
								    &j->item, j->request_hash,
								    &j->result, &err);
			if (rc)
				core_db_rollback(s->db);
			else
				rc = core_db_commit(s->db, &err);
		}
		if (rc)
			core_log(CORE_LOG_WARN, "serve: cannot store %zu submission(s): %s", n, err.msg);
		else
			core_log(CORE_LOG_DEBUG, "serve: committed %zu submission(s)", n);
		finish_batch(s, batch, rc == 0, err.msg);
	}
	return NULL;
}

/* Queues q's job and suspends the connection; 0 when queued, else the HTTP status to
 * answer now (503 when stopping or the queue is full). */
static unsigned enqueue(struct srv *s, struct MHD_Connection *c, struct req *q)
{
	pthread_mutex_lock(&s->lock);
	/* A health probe is never shed: it must tell "busy" from "broken". */
	if (s->stopping ||
	    (q->route != RT_HEALTH && s->queued >= (size_t)s->cfg->server.queue)) {
		pthread_mutex_unlock(&s->lock);
		return 503;
	}
	q->job.conn = c;
	q->job.state = JOB_QUEUED;
	q->job.next = NULL;
	MHD_suspend_connection(c);
	if (s->tail)
		s->tail->next = &q->job;
	else
		s->head = &q->job;
	s->tail = &q->job;
	s->queued++;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* GET /metrics: Prometheus text, the server's counters and then the daemon's. */
static enum MHD_Result metrics(struct srv *s, struct MHD_Connection *c, struct req *q)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} rows[] = {
		{"inspraak_http_requests_total", "counter", "HTTP requests received.",
		 offsetof(struct srv_stats, requests)},
		{"inspraak_submissions_stored_total", "counter", "Form submissions committed.",
		 offsetof(struct srv_stats, stored)},
		{"inspraak_submissions_replayed_total", "counter",
		 "Retried submissions answered from the store.", offsetof(struct srv_stats, replayed)},
		{"inspraak_submissions_invalid_total", "counter", "Requests refused as invalid.",
		 offsetof(struct srv_stats, invalid)},
		{"inspraak_rate_limited_total", "counter", "Requests answered 429.",
		 offsetof(struct srv_stats, limited)},
		{"inspraak_unavailable_total", "counter", "Requests answered 503.",
		 offsetof(struct srv_stats, unavailable)},
		{"inspraak_write_batches_total", "counter", "Write transactions of the writer.",
		 offsetof(struct srv_stats, batches)},
	};
	struct srv_stats st;
	struct core_buf b;
	enum MHD_Result ret;
	int rc = 0;

	srv_stats_get(s, &st);
	core_buf_init(&b, PAGE_MAX);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]) && !rc; i++)
		rc = core_buf_printf(&b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", rows[i].name,
				     rows[i].help, rows[i].name, rows[i].type, rows[i].name,
				     (unsigned long long)*(const uint64_t *)(const void *)
					     ((const char *)&st + rows[i].off));
	if (!rc)
		rc = core_buf_printf(&b, "# HELP inspraak_submission_queue Submissions waiting "
					 "for the writer.\n# TYPE inspraak_submission_queue gauge\n"
					 "inspraak_submission_queue %zu\n", st.queued);
	if (!rc && s->metrics)
		rc = s->metrics(&b, s->metrics_ctx);
	if (rc) {
		core_buf_release(&b);
		return fail(s, c, q, 500, "cannot render the metrics", NULL, NULL);
	}
	ret = respond(s, c, 200, "text/plain; version=0.0.4; charset=utf-8", b.data ? b.data : "",
		      b.len, NULL, NULL);
	core_buf_release(&b);
	return ret;
}

/* ---------------------------------------------------------------- routing */

static int find_form(struct srv *s, const char *name, size_t len, size_t *idx)
{
	for (size_t i = 0; i < s->cfg->n_forms; i++)
		if (strlen(s->cfg->forms[i].name) == len && !strncmp(s->cfg->forms[i].name, name, len)) {
			*idx = i;
			return 1;
		}
	return 0;
}

static int set_route(struct req *q, enum route r)
{
	q->route = r;
	return 1;
}

/* Maps method and URL to a route; 0 = not found, -1 = found but wrong method. */
static int route_of(struct srv *s, const char *method, const char *url, struct req *q)
{
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	int post = !strcmp(method, "POST");
	const char *rest;
	size_t n;

	if (!strcmp(url, "/healthz"))
		return get ? set_route(q, RT_HEALTH) : -1;
	if (!strcmp(url, "/metrics"))
		return get ? set_route(q, RT_METRICS) : -1;
	if (!strcmp(url, "/static/form.css"))
		return get ? set_route(q, RT_CSS) : -1;
	/* The review pages; review.c checks the session (and loopback) itself. */
	if (!strcmp(url, "/review") || !strncmp(url, "/review/", 8))
		return get || post ? set_route(q, RT_REVIEW) : -1;
	if (!strcmp(url, "/favicon.ico")) /* browsers ask; no icon, no 404 in their console */
		return get ? set_route(q, RT_FAVICON) : -1;
	if (!strncmp(url, "/forms/", 7)) {
		rest = url + 7;
		n = strcspn(rest, "/");
		if (!find_form(s, rest, n, &q->form))
			return 0;
		if (!rest[n])
			return get ? set_route(q, RT_FORM_GET) : post ? set_route(q, RT_FORM_POST) : -1;
		if (!strcmp(rest + n, "/bedankt") || !strcmp(rest + n, "/thanks"))
			return get ? set_route(q, RT_THANKS) : -1;
		return 0;
	}
	if (!strncmp(url, "/api/forms/", 11)) {
		rest = url + 11;
		n = strcspn(rest, "/");
		if (!find_form(s, rest, n, &q->form) || strcmp(rest + n, "/submissions"))
			return 0;
		return post ? set_route(q, RT_API_POST)
			    : !strcmp(method, "OPTIONS") ? set_route(q, RT_API_OPTIONS) : -1;
	}
	return 0;
}

/* ?lang=en, else the first Accept-Language preference we speak, else the form's. */
static void pick_lang(struct MHD_Connection *c, const struct core_form *f, char out[3])
{
	const char *l = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
	const char *al = header(c, MHD_HTTP_HEADER_ACCEPT_LANGUAGE);

	if (l && (!strcmp(l, "en") || !strcmp(l, "nl"))) {
		snprintf(out, 3, "%s", l);
		return;
	}
	while (al && *al) {
		al += strspn(al, " ,");
		if (!strncasecmp(al, "nl", 2) || !strncasecmp(al, "en", 2)) {
			out[0] = (char)(al[0] | 0x20);
			out[1] = (char)(al[1] | 0x20);
			out[2] = 0;
			return;
		}
		al = strchr(al, ',');
	}
	snprintf(out, 3, "%s", f && !strcmp(f->lang, "en") ? "en" : "nl");
}

static int wants_json(struct MHD_Connection *c)
{
	const char *a = header(c, MHD_HTTP_HEADER_ACCEPT);
	return a && strstr(a, "application/json") && !strstr(a, "text/html");
}

static int content_type_is(struct MHD_Connection *c, const char *want)
{
	const char *ct = header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = strlen(want);
	return ct && !strncasecmp(ct, want, n) && (!ct[n] || ct[n] == ';' || ct[n] == ' ');
}

/* ---------------------------------------------------------------- multipart */

struct mp {
	struct col_form_fields *f;
	struct core_buf name, value;
	int open;
	int rc;
	struct core_err *err;
	size_t max_value;
};

static int mp_flush(struct mp *m)
{
	int rc = 0;
	if (m->open)
		rc = col_form_fields_add(m->f, m->name.data, m->name.len, m->value.data ? m->value.data
											: "",
					 m->value.len, m->err);
	m->open = 0;
	m->name.len = m->value.len = 0;
	return rc;
}

static enum MHD_Result mp_iter(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *filename, const char *content_type,
			       const char *transfer_encoding, const char *data, uint64_t off,
			       size_t size)
{
	struct mp *m = cls;
	if (m->rc)
		return MHD_NO;
	if (filename) {
		m->rc = core_err_set(m->err, CORE_ERUNTIME, "file uploads are not accepted");
		return MHD_NO;
	}
	if (off == 0) {
		if ((m->rc = mp_flush(m)))
			return MHD_NO;
		m->name.len = 0;
		if ((m->rc = core_buf_puts(&m->name, key ? key : ""))) {
			core_err_set(m->err, CORE_ELIMIT, "a field name is too long");
			return MHD_NO;
		}
		m->open = 1;
	}
	if (size && core_buf_append(&m->value, data, size)) {
		m->rc = core_err_set(m->err, CORE_ELIMIT, "field '%s' is too long", m->name.data);
		return MHD_NO;
	}
	return MHD_YES;
}

static int decode_multipart(struct MHD_Connection *c, struct req *q, struct col_form_fields *f,
			    struct core_err *err)
{
	struct mp m = {.f = f, .err = err};
	struct MHD_PostProcessor *pp;
	int rc = 0;

	core_buf_init(&m.name, 256);
	core_buf_init(&m.value, q->body.max);
	if (!(pp = MHD_create_post_processor(c, 4096, mp_iter, &m))) {
		rc = core_err_set(err, CORE_ERUNTIME, "multipart body without a boundary");
		goto out;
	}
	if (MHD_post_process(pp, q->body.data ? q->body.data : "", q->body.len) != MHD_YES &&
	    !m.rc)
		m.rc = core_err_set(err, CORE_ERUNTIME, "malformed multipart body");
	if (MHD_destroy_post_processor(pp) != MHD_YES && !m.rc)
		m.rc = core_err_set(err, CORE_ERUNTIME, "truncated multipart body");
	if (!m.rc)
		m.rc = mp_flush(&m);
	rc = m.rc;
out:
	core_buf_release(&m.name);
	core_buf_release(&m.value);
	return rc;
}

/* ---------------------------------------------------------------- handlers */

static const char *msg_for(int code)
{
	return code == CORE_ELIMIT ? "too large" : "bad request";
}

/* The answer for a submission the writer has finished. */
static enum MHD_Result answer_stored(struct srv *s, struct MHD_Connection *c, struct req *q)
{
	const struct core_form *f = &s->cfg->forms[q->form];
	struct job *j = &q->job;

	if (!j->ok) {
		const char *extra[] = {"Retry-After", "5", NULL};
		return fail(s, c, q, 503,
			    strcmp(q->lang, "en") ? "De reactie kon niet worden opgeslagen; "
						    "probeer het zo opnieuw."
						  : "The reaction could not be stored; please try again "
						    "shortly.",
			    NULL, extra);
	}
	if (j->result == CORE_SUB_CONFLICT)
		return json_error(s, c, 422, "Idempotency-Key was used before for a different "
					     "submission", "Idempotency-Key", f, NULL);
	if (q->route == RT_FORM_POST && !q->json) {
		char loc[300];
		const char *extra[] = {"Location", loc, NULL};
		snprintf(loc, sizeof(loc), "/forms/%s/bedankt?lang=%s", f->name, q->lang);
		return respond(s, c, 303, "text/plain; charset=utf-8", "", 0, f, extra);
	}
	{
		json_t *o = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)j->item.id, "submission",
				      j->item.external_id, "status",
				      j->result == CORE_SUB_REPLAY ? "replayed" : "stored");
		char *txt = o ? json_dumps(o, JSON_COMPACT) : NULL;
		const char *replay[] = {"Idempotent-Replayed", "true", NULL};
		const char *cors[] = {"Access-Control-Allow-Origin", NULL, "Vary", "Origin", NULL};
		const char *origin = header(c, "Origin");
		const char *const *extra = j->result == CORE_SUB_REPLAY ? replay : NULL;
		enum MHD_Result ret;
		if (q->route == RT_API_POST && origin &&
		    core_strlist_contains(&f->cors_origins, origin)) {
			cors[1] = origin;
			extra = cors;
		}
		ret = txt ? respond(s, c, 201, "application/json", txt, strlen(txt), f, extra)
			  : MHD_NO;
		free(txt);
		json_decref(o);
		return ret;
	}
}

static enum MHD_Result form_errors(struct srv *s, struct MHD_Connection *c, struct req *q,
				   const struct col_form_fields *fields,
				   const struct col_submission *sub, const char *top,
				   const char *token)
{
	const struct core_form *f = &s->cfg->forms[q->form];
	struct page_ctx p = {.cfg = s->cfg, .form = f, .lang = q->lang, .values = fields,
			     .sub = sub, .top_error = top, .token = token};

	if (q->json || q->route == RT_API_POST) {
		json_t *o = json_object(), *list = json_array();
		char *txt;
		enum MHD_Result ret;
		for (size_t i = 0; sub && i < sub->n_errors; i++)
			json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "field",
							      sub->errors[i].field, "code",
							      sub->errors[i].code, "error",
							      col_form_message(sub->errors[i].code, "en")));
		if (top)
			json_object_set_new(o, "error", json_string(col_form_message(top, "en")));
		else if (sub && sub->n_errors)
			json_object_set_new(o, "error", json_string(col_form_message(
								sub->errors[0].code, "en")));
		json_object_set_new(o, "field", json_string(top ? COL_FORM_TOKEN
							       : sub->errors[0].field));
		json_object_set_new(o, "errors", list);
		txt = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (!txt)
			return MHD_NO;
		ret = respond(s, c, 422, "application/json", txt, strlen(txt), f, NULL);
		free(txt);
		return ret;
	}
	return page(s, c, 422, &p, 0);
}

/* The whole body is in; decode, validate, queue. */
static enum MHD_Result submit(struct srv *s, struct MHD_Connection *c, struct req *q)
{
	const struct core_form *f = &s->cfg->forms[q->form];
	struct col_form_fields fields = {.max_fields = (size_t)s->cfg->server.max_fields,
					 .max_value = s->cfg->server.max_body};
	struct col_submission sub = {0};
	struct core_err err = {0};
	char *tool_id = NULL, token[COL_TOKEN_MAX] = "", nonce[17] = "";
	const char *top = NULL, *v;
	enum MHD_Result ret;
	unsigned status;
	int rc;

	if (q->route == RT_API_POST) {
		const char *secret = f->api_secret ? f->api_secret : s->cfg->server.api_secret;
		if (secret && col_hmac_check(secret, q->body.data ? q->body.data : "", q->body.len,
					     header(c, "X-Inspraak-Signature"))) {
			ret = json_error(s, c, 401, "signature missing or wrong",
					 "X-Inspraak-Signature", f, NULL);
			goto out;
		}
		rc = col_form_map_json(f, q->body.data ? q->body.data : "", q->body.len, &fields,
				       &tool_id, &err);
	} else if (content_type_is(c, "application/x-www-form-urlencoded")) {
		rc = col_form_urldecode(q->body.data ? q->body.data : "", q->body.len, &fields, &err);
	} else {
		rc = decode_multipart(c, q, &fields, &err);
	}
	if (rc) {
		ret = fail(s, c, q, rc == CORE_ELIMIT ? 413 : 400, err.msg[0] ? err.msg : msg_for(rc),
			   NULL, NULL);
		goto out;
	}
	if ((rc = col_form_validate(s->cfg, f, &fields, q->lang, &sub, &err))) {
		ret = fail(s, c, q, 500, "out of memory", NULL, NULL);
		goto out;
	}
	if (sub.honeypot) {
		core_log(CORE_LOG_INFO, "serve: form %s: honeypot filled; not stored", f->name);
		if (q->json || q->route == RT_API_POST) {
			ret = json_error(s, c, 400, "rejected as automated", COL_FORM_HONEYPOT, f, NULL);
		} else {
			/* Tell a bot nothing: it looks like success, but nothing was stored. */
			char loc[300];
			const char *extra[] = {"Location", loc, NULL};
			snprintf(loc, sizeof(loc), "/forms/%s/bedankt", f->name);
			ret = respond(s, c, 303, "text/plain; charset=utf-8", "", 0, f, extra);
		}
		goto out;
	}
	if (q->route == RT_FORM_POST) {
		/* The time token: required when a minimum fill time is set; checked if sent. */
		v = col_form_fields_get(&fields, COL_FORM_TOKEN);
		if (v || f->min_fill_s > 0) {
			int t = col_form_token_check(s->secret, f->name, v, time(NULL), f->min_fill_s,
						     TOKEN_MAX_AGE, nonce);
			if (t == -2) {
				snprintf(token, sizeof(token), "%s", v); /* keep counting */
				top = "token";
			} else if (t) {
				make_token(s, f->name, token);
				top = "token";
			}
		}
	}
	if (top || sub.n_errors) {
		if (!token[0] && (v = col_form_fields_get(&fields, COL_FORM_TOKEN)))
			snprintf(token, sizeof(token), "%s", v);
		ret = form_errors(s, c, q, &fields, &sub, top, token[0] ? token : NULL);
		goto out;
	}
	/* The submission's key: header, the tool's id, the page's nonce, or a fresh one. */
	if ((v = header(c, "Idempotency-Key")) && *v) {
		if (strlen(v) > MAX_KEY || strpbrk(v, "\r\n\t")) {
			ret = json_error(s, c, 400, "Idempotency-Key is longer than 200 bytes",
					 "Idempotency-Key", f, NULL);
			goto out;
		}
		snprintf(q->key, sizeof(q->key), "%s", v);
	} else if (tool_id) {
		snprintf(q->key, sizeof(q->key), "%s", tool_id);
	} else if (nonce[0]) {
		snprintf(q->key, sizeof(q->key), "f-%s", nonce);
	} else {
		char r[33];
		random_hex(r, 16);
		snprintf(q->key, sizeof(q->key), "s-%s", r);
	}
	q->job.item = sub.item;
	memset(&sub.item, 0, sizeof(sub.item));
	q->job.form = q->form;
	snprintf(q->job.request_hash, sizeof(q->job.request_hash), "%s", sub.request_hash);
	if (!(q->job.item.source = core_strdup(f->name)) ||
	    !(q->job.item.external_id = core_strdup(q->key))) {
		ret = fail(s, c, q, 500, "out of memory", NULL, NULL);
		goto out;
	}
	if ((status = enqueue(s, c, q))) {
		const char *extra[] = {"Retry-After", "1", NULL};
		ret = fail(s, c, q, status, strcmp(q->lang, "en") ? "Het is nu te druk; probeer het "
								    "zo opnieuw."
								  : "Too busy right now; please try "
								    "again shortly.",
			   NULL, extra);
		goto out;
	}
	ret = MHD_YES;
out:
	free(tool_id);
	col_submission_release(&sub);
	col_form_fields_release(&fields);
	return ret;
}

static enum MHD_Result health(struct srv *s, struct MHD_Connection *c, struct req *q)
{
	if (q->job.state == JOB_NONE) {
		/* A probe through the writer: the real write path, not a guess. */
		unsigned status = enqueue(s, c, q);
		if (status)
			return json_error(s, c, 503, "queue full or stopping", NULL, NULL, NULL);
		return MHD_YES;
	}
	{
		json_t *o = json_pack("{s:s, s:s, s:s?}", "status", q->job.ok ? "ok" : "degraded",
				      "database", q->job.ok ? "writable" : "not writable", "error",
				      q->job.ok ? NULL : q->job.error);
		char *txt = o ? json_dumps(o, JSON_COMPACT) : NULL;
		enum MHD_Result ret = txt ? respond(s, c, q->job.ok ? 200 : 503, "application/json",
						    txt, strlen(txt), NULL, NULL)
					  : MHD_NO;
		free(txt);
		json_decref(o);
		return ret;
	}
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	struct srv *s = cls;
	struct req *q = *con_cls;

	if (!q) {
		int r;
		if (!(q = calloc(1, sizeof(*q))))
			return MHD_NO;
		*con_cls = q;
		count(s, &s->stats.requests);
		core_buf_init(&q->body, s->cfg->server.max_body);
		r = route_of(s, method, url, q);
		pick_lang(c, r > 0 && has_form(q->route) ? &s->cfg->forms[q->form] : NULL, q->lang);
		q->json = wants_json(c);
		if (r == 0)
			return fail(s, c, q, 404, strcmp(q->lang, "en") ? "Deze pagina bestaat niet."
									: "No such page.", NULL, NULL);
		if (r < 0) {
			const char *extra[] = {"Allow", "GET, POST, OPTIONS", NULL};
			return fail(s, c, q, 405, "method not allowed", NULL, extra);
		}
		if (q->route == RT_FORM_POST || q->route == RT_API_POST) {
			const char *cl = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
			char ip[48];
			long wait;
			if (q->route == RT_API_POST) {
				if (!content_type_is(c, "application/json"))
					return fail(s, c, q, 415, "send application/json", NULL, NULL);
			} else if (!content_type_is(c, "application/x-www-form-urlencoded") &&
				   !content_type_is(c, "multipart/form-data")) {
				return fail(s, c, q, 415, "send application/x-www-form-urlencoded or "
							  "multipart/form-data", NULL, NULL);
			}
			if (cl && strtoull(cl, NULL, 10) > s->cfg->server.max_body)
				return fail(s, c, q, 413, "body too large", NULL, NULL);
			client_ip(c, ip);
			if ((wait = rate_take(s, ip)) > 0) {
				char after[24];
				const char *extra[] = {"Retry-After", after, NULL};
				snprintf(after, sizeof(after), "%ld", wait);
				return fail(s, c, q, 429, strcmp(q->lang, "en")
								  ? "Te veel reacties achter elkaar; "
								    "probeer het later opnieuw."
								  : "Too many submissions; please try "
								    "again later.", NULL, extra);
			}
		}
		return MHD_YES;
	}
	if (*upload_size) {
		/* After an answer was queued (413 and friends) MHD still hands us the rest. */
		if (!q->too_big && core_buf_append(&q->body, upload, *upload_size))
			q->too_big = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	if (q->job.state == JOB_DONE)
		return q->route == RT_HEALTH ? health(s, c, q) : answer_stored(s, c, q);
	if (q->job.state == JOB_QUEUED)
		return MHD_YES; /* resumed spuriously; the writer has not answered yet */
	switch (q->route) {
	case RT_HEALTH: return health(s, c, q);
	case RT_METRICS: return metrics(s, c, q);
	case RT_FAVICON: return respond(s, c, 204, "image/x-icon", "", 0, NULL, NULL);
	case RT_CSS: {
		const char *extra[] = {"Cache-Control", "max-age=3600", NULL};
		return respond(s, c, 200, "text/css; charset=utf-8", (char *)page_css,
			       strlen(page_css), NULL, extra);
	}
	case RT_FORM_GET: {
		char token[COL_TOKEN_MAX];
		struct page_ctx p = {.cfg = s->cfg, .form = &s->cfg->forms[q->form],
				     .lang = q->lang, .token = token};
		make_token(s, p.form->name, token);
		return page(s, c, 200, &p, 0);
	}
	case RT_THANKS: {
		struct page_ctx p = {.cfg = s->cfg, .form = &s->cfg->forms[q->form],
				     .lang = q->lang};
		return page(s, c, 200, &p, 1);
	}
	case RT_API_OPTIONS: {
		const struct core_form *f = &s->cfg->forms[q->form];
		const char *origin = header(c, "Origin");
		const char *extra[] = {"Access-Control-Allow-Origin", origin,
				       "Access-Control-Allow-Methods", "POST",
				       "Access-Control-Allow-Headers",
				       "Content-Type, Idempotency-Key, X-Inspraak-Signature",
				       "Access-Control-Max-Age", "600", "Vary", "Origin", NULL};
		if (!origin || !core_strlist_contains(&f->cors_origins, origin))
			return json_error(s, c, 403, "origin not allowed", "Origin", f, NULL);
		return respond(s, c, 204, "text/plain", "", 0, f, extra);
	}
	case RT_REVIEW:
		return srv_review_handle(s->review, c, url, method, q->body.data, q->body.len,
					 q->too_big);
	case RT_FORM_POST:
	case RT_API_POST:
		if (q->too_big)
			return fail(s, c, q, 413, "body too large", NULL, NULL);
		return submit(s, c, q);
	default: return fail(s, c, q, 404, "not found", NULL, NULL);
	}
}

static void request_done(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct req *q = *con_cls;
	if (!q)
		return;
	core_item_release(&q->job.item);
	core_buf_release(&q->body);
	free(q);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = 0;
	core_log(CORE_LOG_DEBUG, "serve: libmicrohttpd: %s", msg);
}

/* "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:0". */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, struct core_err *err)
{
	char host[128];
	const char *colon = strrchr(listen, ':');
	char *end;
	long port;

	memset(ss, 0, sizeof(*ss));
	if (!colon || (size_t)(colon - listen) >= sizeof(host))
		goto bad;
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 0 || port > 65535)
		goto bad;
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = 0;
	if (host[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		size_t n = strlen(host);
		if (n < 3 || host[n - 1] != ']')
			goto bad;
		host[n - 1] = 0;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			goto bad;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			goto bad;
	}
	return 0;
bad:
	return core_err_set(err, CORE_EUSAGE, "cannot listen on '%s': not an address such as "
			    "127.0.0.1:8080 or [::1]:8080", listen);
}

struct srv *srv_start(const struct srv_opts *o, struct core_err *err)
{
	const char *listen = o->listen ? o->listen : o->cfg->server.listen;
	struct sockaddr_storage ss;
	struct srv *s = calloc(1, sizeof(*s));
	const union MHD_DaemonInfo *di;

	if (!s) {
		core_err_set(err, CORE_ENOMEM, "out of memory");
		return NULL;
	}
	s->cfg = o->cfg;
	s->metrics = o->metrics;
	s->metrics_ctx = o->metrics_ctx;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->rate_lock, NULL);
	pthread_cond_init(&s->wake, NULL);
	if (parse_listen(listen, &ss, err))
		goto fail;
	if (s->cfg->server.secret)
		snprintf(s->secret, sizeof(s->secret), "%s", s->cfg->server.secret);
	else
		random_hex(s->secret, 32);
	if (!(s->buckets = calloc(RATE_SLOTS, sizeof(*s->buckets))) ||
	    !(s->source_ids = calloc(s->cfg->n_forms + 1, sizeof(*s->source_ids)))) {
		core_err_set(err, CORE_ENOMEM, "out of memory");
		goto fail;
	}
	if (!(s->db = core_db_open(o->db_path, err)))
		goto fail;
	for (size_t i = 0; i < s->cfg->n_forms; i++)
		if (core_db_source_ensure(s->db, s->cfg->forms[i].name, CORE_SRC_FORM, NULL,
					  &s->source_ids[i], err))
			goto fail;
	if (!(s->review = srv_review_new(s->cfg, o->db_path, s->secret, err)))
		goto fail;
	if (pthread_create(&s->writer, NULL, writer_main, s)) {
		core_err_set(err, CORE_ERUNTIME, "cannot start the writer thread");
		goto fail;
	}
	s->writer_started = 1;
	s->mhd = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
			MHD_USE_ITC | MHD_USE_ERROR_LOG | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
		0, NULL, NULL, handler, s,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)2,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)s->cfg->server.per_ip_connections,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
		MHD_OPTION_NOTIFY_COMPLETED, request_done, s,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
		MHD_OPTION_END);
	if (!s->mhd) {
		core_err_set(err, CORE_ERUNTIME, "cannot listen on '%s': %s", listen,
			     errno ? strerror(errno) : "libmicrohttpd refused to start");
		goto fail;
	}
	di = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : 0;
	return s;
fail:
	srv_stop(s);
	return NULL;
}

unsigned srv_port(const struct srv *s)
{
	return s->port;
}

void srv_stop(struct srv *s)
{
	if (!s)
		return;
	if (s->mhd) {
		/* No new connections; the listening socket is ours to close from now on. */
		MHD_socket fd = MHD_quiesce_daemon(s->mhd);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
	}
	if (s->writer_started) {
		pthread_mutex_lock(&s->lock);
		s->stopping = 1;
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->lock);
		/* It commits and answers what is queued before it returns. */
		pthread_join(s->writer, NULL);
	}
	if (s->mhd)
		MHD_stop_daemon(s->mhd);
	core_db_close(s->db);
	srv_review_free(s->review);
	free(s->source_ids);
	free(s->buckets);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->rate_lock);
	free(s);
}

void srv_stats_get(struct srv *s, struct srv_stats *out)
{
	pthread_mutex_lock(&s->lock);
	*out = s->stats;
	out->queued = s->queued;
	pthread_mutex_unlock(&s->lock);
}
