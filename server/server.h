/* server.h: the public face of server/: the HTTP intake (libmicrohttpd, used only here)
 * for web forms and form tools, with one writer thread that group-commits submissions.
 * `serve` runs it alone; `daemon` can start the same server beside its scheduler. */
#ifndef INSPRAAK_SERVER_H
#define INSPRAAK_SERVER_H

#include <stdint.h>

#include "core.h"

struct srv;

struct srv_opts {
	const struct core_config *cfg; /* borrowed: must outlive the server */
	const char *db_path;           /* the store; the writer opens its own connection */
	const char *listen;            /* "ADDR:PORT" (port 0: any free port); NULL: cfg's */
	/* More Prometheus text for GET /metrics after the server's own counters (the
	 * daemon's per-source figures). Called from request threads: must be thread-safe.
	 * NULL: the server's counters only. */
	int (*metrics)(struct core_buf *out, void *ctx);
	void *metrics_ctx;
};

/* Opens the store, binds the address and starts the HTTP threads and the writer.
 * Returns NULL with err set: CORE_EUSAGE for an address that is not "IPv4:PORT" or
 * "[IPv6]:PORT", CORE_ERUNTIME when it cannot listen, CORE_EDB when the store cannot be
 * opened. The caller stops it with srv_stop. */
struct srv *srv_start(const struct srv_opts *o, struct core_err *err);

/* The port actually bound (the chosen one when the address asked for port 0). */
unsigned srv_port(const struct srv *s);

/* Stops accepting connections, lets the writer commit and answer everything already
 * queued, then stops the threads, closes the store and frees s. NULL-safe. */
void srv_stop(struct srv *s);

/* Counters since start, for logs and a later /metrics. */
struct srv_stats {
	uint64_t requests;    /* all requests */
	uint64_t stored;      /* submissions committed (new) */
	uint64_t replayed;    /* retries answered from the store */
	uint64_t invalid;     /* 400/413/415/422 answers */
	uint64_t limited;     /* 429 answers */
	uint64_t unavailable; /* 503 answers */
	uint64_t batches;     /* write transactions */
	size_t queued;        /* waiting for the writer now */
};
void srv_stats_get(struct srv *s, struct srv_stats *out);

#endif
