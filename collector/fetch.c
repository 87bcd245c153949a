/* fetch.c: the only libcurl user. Fetches one URL the careful way: http(s) only (also
 * after redirects), capped body counted after decoding, timeouts, conditional requests,
 * and an address policy enforced on the address curl actually connects to, so neither
 * DNS tricks nor redirects can reach loopback or private networks unless allowed. */
#include <stdlib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>

#include "collector.h"
#include "internal.h"

#define DEFAULT_MAX_BYTES ((size_t)10 << 20)
#define HEADER_VALUE_MAX 2048

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_setup(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void col_fetch_opts_init(struct col_fetch_opts *o)
{
	memset(o, 0, sizeof *o);
	o->connect_timeout_ms = 10000;
	o->timeout_ms = 60000;
	o->low_speed_limit = 10;
	o->low_speed_time_s = 20;
	o->max_redirs = 5;
}

void col_fetch_result_release(struct col_fetch_result *res)
{
	if (!res)
		return;
	core_buf_release(&res->body);
	free(res->etag);
	free(res->last_modified);
	free(res->content_type);
	free(res->retry_after);
	free(res->cache_control);
	free(res->link);
	memset(res, 0, sizeof *res);
}

/* ---------------------------------------------------------------- address policy */

struct v4_range {
	uint32_t net, mask;
	const char *what;
};

static const struct v4_range v4_blocked[] = {
	{0x00000000u, 0xff000000u, "unspecified (0.0.0.0/8)"},
	{0x0a000000u, 0xff000000u, "private (10.0.0.0/8)"},
	{0x64400000u, 0xffc00000u, "carrier-grade NAT (100.64.0.0/10)"},
	{0x7f000000u, 0xff000000u, "loopback (127.0.0.0/8)"},
	{0xa9fe0000u, 0xffff0000u, "link-local (169.254.0.0/16)"},
	{0xac100000u, 0xfff00000u, "private (172.16.0.0/12)"},
	{0xc0a80000u, 0xffff0000u, "private (192.168.0.0/16)"},
	{0xe0000000u, 0xf0000000u, "multicast (224.0.0.0/4)"},
	{0xf0000000u, 0xf0000000u, "reserved or broadcast (240.0.0.0/4)"},
};

static int v4_check(const unsigned char *b, char *why, size_t why_len)
{
	uint32_t a = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];

	for (size_t i = 0; i < sizeof v4_blocked / sizeof v4_blocked[0]; i++) {
		if ((a & v4_blocked[i].mask) == v4_blocked[i].net) {
			snprintf(why, why_len, "%s", v4_blocked[i].what);
			return 1;
		}
	}
	return 0;
}

int col_addr_blocked(const struct sockaddr *sa, char *why, size_t why_len)
{
	static const unsigned char zero12[12] = {0};
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
	char dummy[8];

	if (!why || why_len == 0) {
		why = dummy;
		why_len = sizeof dummy;
	}
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		return v4_check((const unsigned char *)&in->sin_addr.s_addr, why, why_len);
	}
	if (sa->sa_family != AF_INET6) {
		snprintf(why, why_len, "not an internet address");
		return 1;
	}
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
	const unsigned char *b = in6->sin6_addr.s6_addr;
	if (memcmp(b, zero12, 12) == 0) {
		if (b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] <= 1) {
			snprintf(why, why_len, "%s", b[15] ? "loopback (::1)" : "unspecified (::)");
			return 1;
		}
		return v4_check(b + 12, why, why_len); /* IPv4-compatible ::a.b.c.d */
	}
	if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0)
		return v4_check(b + 12, why, why_len);
	if (b[0] == 0x20 && b[1] == 0x02) /* 6to4 carries an IPv4 address */
		return v4_check(b + 2, why, why_len);
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) {
		snprintf(why, why_len, "link-local (fe80::/10)");
		return 1;
	}
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) {
		snprintf(why, why_len, "site-local (fec0::/10)");
		return 1;
	}
	if ((b[0] & 0xfe) == 0xfc) {
		snprintf(why, why_len, "unique local (fc00::/7)");
		return 1;
	}
	if (b[0] == 0xff) {
		snprintf(why, why_len, "multicast (ff00::/8)");
		return 1;
	}
	return 0;
}

int col_addr_loopback(const struct sockaddr *sa)
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const unsigned char one[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

	if (sa->sa_family == AF_INET)
		return ((const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)
				->sin_addr.s_addr)[0] == 127;
	if (sa->sa_family == AF_INET6) {
		const unsigned char *b = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
		return !memcmp(b, one, 16) || (!memcmp(b, mapped, 12) && b[12] == 127);
	}
	return 0;
}

/* ---------------------------------------------------------------- transfer */

/* One transfer from setup to finish: the easy handle and everything it points at. */
struct xfer {
	const struct col_fetch_opts *o;
	struct col_fetch_result *res;
	int over_cap;
	int blocked;
	char blocked_why[256];
	CURL *h;
	struct curl_slist *hdrs;
	char *ua;
	char errbuf[CURL_ERROR_SIZE];
	size_t max;
	struct timespec t0;
	int done; /* col_fetch_many: finished, outcome in rcs/errs */
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;

	/* Counted after content decoding, so a gzip bomb hits the cap too. */
	if (core_buf_append(&x->res->body, p, n) < 0) {
		x->over_cap = 1;
		return 0;
	}
	return n;
}

static void set_header(char **slot, const char *v, size_t n)
{
	while (n && (v[0] == ' ' || v[0] == '\t')) {
		v++;
		n--;
	}
	while (n && strchr(" \t\r\n", v[n - 1]))
		n--;
	if (n == 0 || n > HEADER_VALUE_MAX)
		return;
	char *s = core_strndup(v, n);
	if (!s)
		return;
	free(*slot);
	*slot = s;
}

static size_t on_header(char *p, size_t size, size_t nitems, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nitems;
	static const struct {
		const char *name;
		size_t off;
	} want[] = {
		{"etag", offsetof(struct col_fetch_result, etag)},
		{"last-modified", offsetof(struct col_fetch_result, last_modified)},
		{"content-type", offsetof(struct col_fetch_result, content_type)},
		{"retry-after", offsetof(struct col_fetch_result, retry_after)},
		{"cache-control", offsetof(struct col_fetch_result, cache_control)},
		{"link", offsetof(struct col_fetch_result, link)},
	};

	/* Each response of a redirect chain starts with a status line; keep only the
	 * last response's validators. */
	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		free(x->res->etag);
		free(x->res->last_modified);
		free(x->res->content_type);
		free(x->res->retry_after);
		free(x->res->cache_control);
		free(x->res->link);
		x->res->etag = x->res->last_modified = x->res->content_type = NULL;
		x->res->retry_after = x->res->cache_control = x->res->link = NULL;
		return n;
	}
	const char *colon = memchr(p, ':', n);
	if (!colon)
		return n;
	size_t name_len = (size_t)(colon - p);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		if (strlen(want[i].name) == name_len && strncasecmp(p, want[i].name, name_len) == 0)
			set_header((char **)(void *)((char *)x->res + want[i].off), colon + 1,
				   n - name_len - 1);
	}
	return n;
}

static curl_socket_t on_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct xfer *x = ud;
	char why[128];

	(void)purpose;
	int allowed = x->o->allow_private == CORE_ALLOW_ALL ||
		      (x->o->allow_private == CORE_ALLOW_LOOPBACK && col_addr_loopback(&a->addr));
	if (!allowed && col_addr_blocked(&a->addr, why, sizeof why)) {
		char host[INET6_ADDRSTRLEN] = "?";
		if (a->family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)&a->addr)->sin_addr, host,
				  sizeof host);
		else if (a->family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)&a->addr)->sin6_addr,
				  host, sizeof host);
		snprintf(x->blocked_why, sizeof x->blocked_why,
			 "address %s is %s and the source's allow_private does not permit it", host,
			 why);
		x->blocked = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static int header_ok(const char *s)
{
	return s && !strpbrk(s, "\r\n");
}

static int has_header(const struct col_fetch_opts *o, const char *name)
{
	for (size_t i = 0; i < o->n_headers; i++)
		if (o->headers[i].name && strcasecmp(o->headers[i].name, name) == 0)
			return 1;
	return 0;
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Prepares x->h for o; on failure err is set and x can still be released. */
static int xfer_setup(struct xfer *x, const struct col_fetch_opts *o,
		      struct col_fetch_result *res, struct core_err *err)
{
	struct curl_slist *tmp;
	char *line = NULL;
	const char *url = o->url ? o->url : "";
	int rc = 0;

	memset(x, 0, sizeof *x);
	memset(res, 0, sizeof *res);
	x->max = o->max_bytes ? o->max_bytes : DEFAULT_MAX_BYTES;
	core_buf_init(&res->body, x->max);
	x->o = o;
	x->res = res;
	clock_gettime(CLOCK_MONOTONIC, &x->t0);

	pthread_once(&curl_once, curl_setup);
	if (curl_init_rc != CURLE_OK)
		return core_err_set(err, CORE_ERUNTIME, "cannot fetch '%s': curl_global_init: %s",
				    url, curl_easy_strerror(curl_init_rc));
	if (!(x->h = curl_easy_init()))
		return core_err_set(err, CORE_ENOMEM, "cannot fetch '%s': curl_easy_init failed",
				    url);

	/* Request headers: what we accept, validators for a conditional GET, then the
	 * source's own (which may override Accept). */
	x->ua = o->contact && *o->contact
			? core_asprintf("inspraak/%s (+%s)", INSPRAAK_VERSION, o->contact)
			: core_asprintf("inspraak/%s", INSPRAAK_VERSION);
	if (!x->ua)
		goto nomem;
	if (!header_ok(x->ua))
		return core_err_set(err, CORE_ERUNTIME,
				    "cannot fetch '%s': the contact contains a line break", url);
	if (!has_header(o, "Accept")) {
		tmp = curl_slist_append(x->hdrs, "Accept: application/rss+xml, application/atom+xml, "
						 "application/feed+json, application/xml;q=0.9, "
						 "*/*;q=0.8");
		if (!tmp)
			goto nomem;
		x->hdrs = tmp;
	}
	if (o->etag && header_ok(o->etag)) {
		line = core_asprintf("If-None-Match: %s", o->etag);
		if (!line || !(tmp = curl_slist_append(x->hdrs, line)))
			goto nomem;
		x->hdrs = tmp;
		free(line);
		line = NULL;
	}
	if (o->last_modified && header_ok(o->last_modified)) {
		line = core_asprintf("If-Modified-Since: %s", o->last_modified);
		if (!line || !(tmp = curl_slist_append(x->hdrs, line)))
			goto nomem;
		x->hdrs = tmp;
		free(line);
		line = NULL;
	}
	for (size_t i = 0; i < o->n_headers; i++) {
		const struct core_header *hd = &o->headers[i];
		if (!header_ok(hd->name) || !*hd->name || !header_ok(hd->value) ||
		    strpbrk(hd->name, ": \t"))
			return core_err_set(err, CORE_ERUNTIME,
					    "cannot fetch '%s': header %zu has a bad name or value",
					    url, i + 1);
		line = core_asprintf("%s: %s", hd->name, hd->value);
		if (!line || !(tmp = curl_slist_append(x->hdrs, line)))
			goto nomem;
		x->hdrs = tmp;
		free(line);
		line = NULL;
	}

	CURL *h = x->h;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_USERAGENT, x->ua);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->hdrs);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, o->max_redirs);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_limit);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, o->low_speed_time_s);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	/* An environment proxy would make the address check apply to the proxy, not the
	 * feed; feeds are fetched directly. */
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, x);
	curl_easy_setopt(h, CURLOPT_PRIVATE, x);
	return rc;
nomem:
	free(line);
	return core_err_set(err, CORE_ENOMEM, "cannot fetch '%s': out of memory", url);
}

/* Turns the transfer's outcome into the result and err. */
static int xfer_finish(struct xfer *x, CURLcode cc, struct core_err *err)
{
	const char *url = x->o->url ? x->o->url : "";
	curl_off_t us = 0;
	long status = 0;
	int rc = 0;

	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
	x->res->http_status = (int)status;
	/* curl's own clock: in a batch, time spent queued behind the limits is not ours */
	if (curl_easy_getinfo(x->h, CURLINFO_TOTAL_TIME_T, &us) == CURLE_OK && us > 0)
		x->res->ms = (long)(us / 1000);
	else
		x->res->ms = elapsed_ms(&x->t0);

	if (x->over_cap || cc == CURLE_FILESIZE_EXCEEDED) {
		rc = core_err_set(err, CORE_ELIMIT, "cannot fetch '%s': body exceeds %zu bytes", url,
				  x->max);
	} else if (x->blocked && cc != CURLE_OK) {
		rc = core_err_set(err, CORE_ERUNTIME, "cannot fetch '%s': %s", url, x->blocked_why);
	} else if (cc != CURLE_OK) {
		size_t n = strlen(x->errbuf);
		while (n && strchr("\r\n", x->errbuf[n - 1]))
			x->errbuf[--n] = '\0';
		rc = core_err_set(err, CORE_ERUNTIME, "cannot fetch '%s': %s", url,
				  n ? x->errbuf : curl_easy_strerror(cc));
	} else if (status == 304) {
		x->res->not_modified = 1;
	} else if (status < 200 || status > 299) {
		rc = core_err_set(err, CORE_ERUNTIME, "cannot fetch '%s': HTTP %ld", url, status);
	}
	return rc;
}

static void xfer_release(struct xfer *x)
{
	if (x->h)
		curl_easy_cleanup(x->h);
	curl_slist_free_all(x->hdrs);
	free(x->ua);
	x->h = NULL;
	x->hdrs = NULL;
	x->ua = NULL;
}

int col_fetch(const struct col_fetch_opts *o, struct col_fetch_result *res,
	      struct core_err *err)
{
	struct xfer x;
	int rc = xfer_setup(&x, o, res, err);

	if (rc == 0)
		rc = xfer_finish(&x, curl_easy_perform(x.h), err);
	else
		res->ms = elapsed_ms(&x.t0);
	xfer_release(&x);
	return rc;
}

int col_fetch_many(const struct col_fetch_opts *o, size_t n, struct col_fetch_result *res,
		   int *rcs, struct core_err *errs, const struct col_fetch_limits *lim)
{
	struct xfer *x = calloc(n ? n : 1, sizeof *x);
	CURLM *m = NULL;
	size_t added = 0;
	int running = 0, rc = 0;

	if (!x)
		return CORE_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		core_err_clear(&errs[i]);
		rcs[i] = xfer_setup(&x[i], &o[i], &res[i], &errs[i]);
	}
	if (!(m = curl_multi_init())) {
		rc = CORE_ENOMEM;
		goto out;
	}
	/* libcurl queues what exceeds the limits and starts it as connections free up */
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS,
			  (long)(lim && lim->total > 0 ? lim->total : 8));
	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS,
			  (long)(lim && lim->per_host > 0 ? lim->per_host : 2));
	for (size_t i = 0; i < n; i++) {
		if (rcs[i] != 0)
			continue;
		if (curl_multi_add_handle(m, x[i].h) != CURLM_OK) {
			rcs[i] = core_err_set(&errs[i], CORE_ENOMEM, "cannot fetch '%s': out of memory",
					      o[i].url ? o[i].url : "");
			continue;
		}
		added++;
	}
	while (added) {
		CURLMcode mc = curl_multi_perform(m, &running);
		CURLMsg *msg;
		int left;

		while ((msg = curl_multi_info_read(m, &left))) {
			struct xfer *t = NULL;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
			size_t i = (size_t)(t - x);
			rcs[i] = xfer_finish(t, msg->data.result, &errs[i]);
			t->done = 1;
			curl_multi_remove_handle(m, t->h);
			added--;
		}
		if (mc != CURLM_OK || !added)
			break;
		if (lim && lim->stop && *lim->stop) {
			/* shutting down: whatever is still in flight is abandoned, not half-stored */
			for (size_t i = 0; i < n; i++) {
				if (rcs[i] == 0 && x[i].h && !x[i].done) {
					curl_multi_remove_handle(m, x[i].h);
					rcs[i] = core_err_set(&errs[i], CORE_ERUNTIME,
							      "cannot fetch '%s': aborted at shutdown",
							      o[i].url ? o[i].url : "");
					res[i].aborted = 1;
				}
			}
			break;
		}
		curl_multi_poll(m, NULL, 0, 200, NULL);
	}
out:
	for (size_t i = 0; i < n; i++) {
		if (m && x[i].h)
			curl_multi_remove_handle(m, x[i].h);
		xfer_release(&x[i]);
	}
	curl_multi_cleanup(m);
	free(x);
	return rc;
}
