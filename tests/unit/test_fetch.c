/* test_fetch.c: collector/fetch.c against a scripted one-connection HTTP server on
 * 127.0.0.1 in a thread: request headers (User-Agent, validators, custom headers),
 * captured response headers, HTTP errors, the body cap (also after gzip decoding),
 * timeouts, refused protocols and the private-address refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "collector.h"
#include "core.h"
#include "internal.h"

struct srv {
	int lfd;
	unsigned short port;
	pthread_t th;
	int started;
	const char *resp; /* NULL: hold the connection without answering */
	size_t resp_len;
	char req[8192];
	size_t req_len;
	int accepted;
	char url[128];
};

static void *srv_main(void *p)
{
	struct srv *s = p;
	struct pollfd pf = {.fd = s->lfd, .events = POLLIN};

	if (poll(&pf, 1, 5000) != 1)
		return NULL;
	int fd = accept(s->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	s->accepted = 1;
	while (s->req_len + 1 < sizeof s->req) {
		struct pollfd cf = {.fd = fd, .events = POLLIN};
		if (poll(&cf, 1, 5000) != 1)
			break;
		ssize_t n = read(fd, s->req + s->req_len, sizeof s->req - 1 - s->req_len);
		if (n <= 0)
			break;
		s->req_len += (size_t)n;
		s->req[s->req_len] = '\0';
		if (strstr(s->req, "\r\n\r\n"))
			break;
	}
	if (s->resp) {
		size_t off = 0;
		while (off < s->resp_len) {
			ssize_t n = send(fd, s->resp + off, s->resp_len - off, MSG_NOSIGNAL);
			if (n <= 0)
				break;
			off += (size_t)n;
		}
	} else {
		/* Stall until the client gives up and closes. */
		char b[64];
		struct pollfd cf = {.fd = fd, .events = POLLIN};
		while (poll(&cf, 1, 5000) == 1 && read(fd, b, sizeof b) > 0)
			;
	}
	shutdown(fd, SHUT_RDWR);
	close(fd);
	return NULL;
}

/* Listens on an ephemeral port; serve != 0 starts the thread that answers once. */
static void srv_start(struct srv *s, const char *resp, size_t resp_len, int serve)
{
	struct sockaddr_in in;
	socklen_t len = sizeof in;

	memset(s, 0, sizeof *s);
	s->resp = resp;
	s->resp_len = resp_len;
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->lfd >= 0);
	memset(&in, 0, sizeof in);
	in.sin_family = AF_INET;
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&in, sizeof in), 0);
	assert_int_equal(listen(s->lfd, 4), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&in, &len), 0);
	s->port = ntohs(in.sin_port);
	snprintf(s->url, sizeof s->url, "http://127.0.0.1:%u/feed.rss", s->port);
	if (serve) {
		assert_int_equal(pthread_create(&s->th, NULL, srv_main, s), 0);
		s->started = 1;
	}
}

static void srv_stop(struct srv *s)
{
	if (s->started)
		pthread_join(s->th, NULL);
	close(s->lfd);
}

static void opts(struct col_fetch_opts *o, const char *url)
{
	col_fetch_opts_init(o);
	o->url = url;
	o->allow_private = 1;
	o->timeout_ms = 5000;
}

static void test_fetch_ok(void **state)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\n"
				   "Content-Type: application/rss+xml; charset=utf-8\r\n"
				   "ETag: \"v2\"\r\n"
				   "Last-Modified: Tue, 05 Mar 2024 10:00:00 GMT\r\n"
				   "Content-Length: 5\r\nConnection: close\r\n\r\nhallo";
	static const struct core_header hdr[] = {{"X-Test", "ja"}, {"Accept-Language", "nl"}};
	struct srv s;
	struct col_fetch_opts o;
	struct col_fetch_result r;
	struct core_err err;
	(void)state;

	srv_start(&s, resp, sizeof resp - 1, 1);
	opts(&o, s.url);
	o.contact = "mailto:team@example.org";
	o.etag = "\"v1\"";
	o.last_modified = "Mon, 04 Mar 2024 10:00:00 GMT";
	o.headers = hdr;
	o.n_headers = 2;
	int rc = col_fetch(&o, &r, &err);
	srv_stop(&s);
	if (rc != 0)
		fail_msg("fetch failed: %s", err.msg);
	assert_int_equal(r.http_status, 200);
	assert_int_equal(r.not_modified, 0);
	assert_int_equal(r.body.len, 5);
	assert_string_equal(r.body.data, "hallo");
	assert_string_equal(r.etag, "\"v2\"");
	assert_string_equal(r.last_modified, "Tue, 05 Mar 2024 10:00:00 GMT");
	assert_string_equal(r.content_type, "application/rss+xml; charset=utf-8");
	assert_non_null(strstr(s.req, "User-Agent: inspraak/" INSPRAAK_VERSION
					 " (+mailto:team@example.org)\r\n"));
	assert_non_null(strstr(s.req, "If-None-Match: \"v1\"\r\n"));
	assert_non_null(strstr(s.req, "If-Modified-Since: Mon, 04 Mar 2024 10:00:00 GMT\r\n"));
	assert_non_null(strstr(s.req, "X-Test: ja\r\n"));
	assert_non_null(strstr(s.req, "Accept-Language: nl\r\n"));
	assert_non_null(strstr(s.req, "Accept-Encoding: "));
	col_fetch_result_release(&r);
}

static void test_fetch_304_and_errors(void **state)
{
	static const char r304[] = "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n"
				   "Connection: close\r\n\r\n";
	static const char r503[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n"
				   "Connection: close\r\n\r\nweg!";
	struct srv s;
	struct col_fetch_opts o;
	struct col_fetch_result r;
	struct core_err err;
	char want[256];
	(void)state;

	srv_start(&s, r304, sizeof r304 - 1, 1);
	opts(&o, s.url);
	o.etag = "\"v1\"";
	assert_int_equal(col_fetch(&o, &r, &err), 0);
	srv_stop(&s);
	assert_int_equal(r.http_status, 304);
	assert_int_equal(r.not_modified, 1);
	assert_int_equal(r.body.len, 0);
	col_fetch_result_release(&r);

	srv_start(&s, r503, sizeof r503 - 1, 1);
	opts(&o, s.url);
	assert_int_equal(col_fetch(&o, &r, &err), CORE_ERUNTIME);
	srv_stop(&s);
	assert_int_equal(r.http_status, 503);
	snprintf(want, sizeof want, "cannot fetch '%s': HTTP 503", s.url);
	assert_string_equal(err.msg, want);
	col_fetch_result_release(&r);
}

static void test_fetch_body_cap(void **state)
{
	struct core_buf resp;
	struct srv s;
	struct col_fetch_opts o;
	struct col_fetch_result r;
	struct core_err err;
	(void)state;

	/* with and without a Content-Length the cap holds */
	for (int with_len = 0; with_len < 2; with_len++) {
		core_buf_init(&resp, 0);
		core_buf_puts(&resp, "HTTP/1.1 200 OK\r\nConnection: close\r\n");
		if (with_len)
			core_buf_puts(&resp, "Content-Length: 5000\r\n");
		core_buf_puts(&resp, "\r\n");
		for (int i = 0; i < 5000; i++)
			core_buf_append(&resp, "x", 1);
		srv_start(&s, resp.data, resp.len, 1);
		opts(&o, s.url);
		o.max_bytes = 1000;
		assert_int_equal(col_fetch(&o, &r, &err), CORE_ELIMIT);
		srv_stop(&s);
		assert_non_null(strstr(err.msg, "body exceeds 1000 bytes"));
		assert_true(r.body.len <= 1000);
		col_fetch_result_release(&r);
		core_buf_release(&resp);
	}
}

/* 133 bytes of gzip that decode to 100000 'a's: the cap counts decoded bytes. */
static const unsigned char gzip_bomb[133] = {
	0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xed, 0xc1, 0x31, 0x01,
	0x00, 0x00, 0x00, 0xc2, 0xa0, 0xac, 0xeb, 0x5f, 0xc2, 0x1a, 0x1e, 0x40, 0x01,
	[123] = 0xaf, 0x06, 0x87, 0xfa, 0xe2, 0x1b, 0xa0, 0x86, 0x01, 0x00};

static void test_fetch_gzip_cap(void **state)
{
	struct core_buf resp;
	struct srv s;
	struct col_fetch_opts o;
	struct col_fetch_result r;
	struct core_err err;
	(void)state;

	for (int small = 0; small < 2; small++) {
		core_buf_init(&resp, 0);
		core_buf_puts(&resp, "HTTP/1.1 200 OK\r\nConnection: close\r\n"
				     "Content-Encoding: gzip\r\nContent-Length: 133\r\n\r\n");
		core_buf_append(&resp, gzip_bomb, sizeof gzip_bomb);
		srv_start(&s, resp.data, resp.len, 1);
		opts(&o, s.url);
		o.max_bytes = small ? 1000 : 200000;
		int rc = col_fetch(&o, &r, &err);
		srv_stop(&s);
		if (small) {
			assert_int_equal(rc, CORE_ELIMIT);
			assert_non_null(strstr(err.msg, "body exceeds 1000 bytes"));
		} else {
			if (rc != 0)
				fail_msg("gzip fetch failed: %s", err.msg);
			assert_int_equal(r.body.len, 100000);
			assert_int_equal(r.body.data[99999], 'a');
		}
		col_fetch_result_release(&r);
		core_buf_release(&resp);
	}
}

static void test_fetch_timeout(void **state)
{
	struct srv s;
	struct col_fetch_opts o;
	struct col_fetch_result r;
	struct core_err err;
	(void)state;

	/* the server stalls for 5 s; only curl's 300 ms timeout can end this with
	 * "timed out" */
	srv_start(&s, NULL, 0, 1);
	opts(&o, s.url);
	o.timeout_ms = 300;
	assert_int_equal(col_fetch(&o, &r, &err), CORE_ERUNTIME);
	srv_stop(&s);
	assert_non_null(strstr(err.msg, "cannot fetch"));
	if (!strstr(err.msg, "timed out"))
		fail_msg("unexpected error: %s", err.msg);
	col_fetch_result_release(&r);
}

/* A batch told to stop abandons what is in flight: reported, never half-stored. */
static void test_fetch_many_stop(void **state)
{
	struct srv s;
	struct col_fetch_opts o;
	struct col_fetch_result r;
	struct core_err err;
	volatile int stop = 1;
	struct col_fetch_limits lim = {.stop = &stop};
	int rc = 0;
	(void)state;

	srv_start(&s, NULL, 0, 1);
	opts(&o, s.url);
	assert_int_equal(col_fetch_many(&o, 1, &r, &rc, &err, &lim), 0);
	srv_stop(&s);
	assert_int_equal(rc, CORE_ERUNTIME);
	assert_non_null(strstr(err.msg, "aborted at shutdown"));
	assert_int_equal(r.aborted, 1);
	col_fetch_result_release(&r);
}

/* A batch gives each transfer its own outcome, as col_fetch would. */
static void test_fetch_many_outcomes(void **state)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
	static const char gone[] = "HTTP/1.1 410 Gone\r\nContent-Length: 0\r\n\r\n";
	struct srv a, b;
	struct col_fetch_opts o[2];
	struct col_fetch_result r[2];
	struct core_err err[2];
	int rc[2];
	(void)state;

	srv_start(&a, ok, sizeof ok - 1, 1);
	srv_start(&b, gone, sizeof gone - 1, 1);
	opts(&o[0], a.url);
	opts(&o[1], b.url);
	assert_int_equal(col_fetch_many(o, 2, r, rc, err, NULL), 0);
	srv_stop(&a);
	srv_stop(&b);
	assert_int_equal(rc[0], 0);
	assert_int_equal(r[0].http_status, 200);
	assert_string_equal(r[0].body.data, "hi");
	assert_int_equal(rc[1], CORE_ERUNTIME);
	assert_non_null(strstr(err[1].msg, "HTTP 410"));
	col_fetch_result_release(&r[0]);
	col_fetch_result_release(&r[1]);
}

static void test_fetch_private_refused(void **state)
{
	struct srv s;
	struct col_fetch_opts o;
	struct col_fetch_result r;
	struct core_err err;
	(void)state;

	srv_start(&s, NULL, 0, 0); /* listening, never accepting */
	opts(&o, s.url);
	o.allow_private = 0;
	assert_int_equal(col_fetch(&o, &r, &err), CORE_ERUNTIME);
	assert_non_null(strstr(err.msg, "address 127.0.0.1 is loopback"));
	/* refused before connecting: nothing is waiting in the backlog */
	struct pollfd pf = {.fd = s.lfd, .events = POLLIN};
	assert_int_equal(poll(&pf, 1, 0), 0);
	srv_stop(&s);
	col_fetch_result_release(&r);

	opts(&o, "http://[::1]:9/x");
	o.allow_private = 0;
	assert_int_equal(col_fetch(&o, &r, &err), CORE_ERUNTIME);
	assert_non_null(strstr(err.msg, "loopback (::1)"));
	col_fetch_result_release(&r);
}

static void test_fetch_protocols(void **state)
{
	static const char resp[] = "HTTP/1.1 302 Found\r\nLocation: file:///etc/passwd\r\n"
				   "Content-Length: 0\r\nConnection: close\r\n\r\n";
	static const char *const bad[] = {"file:///etc/passwd", "ftp://127.0.0.1/x",
					  "gopher://127.0.0.1/x", "dict://127.0.0.1/x"};
	struct srv s;
	struct col_fetch_opts o;
	struct col_fetch_result r;
	struct core_err err;
	(void)state;

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		opts(&o, bad[i]);
		assert_int_equal(col_fetch(&o, &r, &err), CORE_ERUNTIME);
		assert_int_equal(r.body.len, 0);
		col_fetch_result_release(&r);
	}
	srv_start(&s, resp, sizeof resp - 1, 1);
	opts(&o, s.url);
	assert_int_equal(col_fetch(&o, &r, &err), CORE_ERUNTIME);
	srv_stop(&s);
	assert_true(r.body.len == 0 || !strstr(r.body.data, "root:"));
	col_fetch_result_release(&r);
}

int test_fetch(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fetch_ok),
		cmocka_unit_test(test_fetch_304_and_errors),
		cmocka_unit_test(test_fetch_body_cap),
		cmocka_unit_test(test_fetch_gzip_cap),
		cmocka_unit_test(test_fetch_timeout),
		cmocka_unit_test(test_fetch_many_stop),
		cmocka_unit_test(test_fetch_many_outcomes),
		cmocka_unit_test(test_fetch_private_refused),
		cmocka_unit_test(test_fetch_protocols),
	};
	return cmocka_run_group_tests_name("fetch", tests, NULL, NULL);
}
