/*
 * http — agora's HTTP/1.1 layer on libevent's evhttp: a server with a
 * declarative route table, HTTP Basic authentication per realm, bounded
 * request bodies, JSON/JSONP replies, long-lived chunked streams (the
 * RecordIO event streams) and a small client used by agents, frameworks
 * and the CLI.
 *
 * Invariants:
 *  1. A handler runs on the daemon's event loop and must reply exactly once
 *     (http_reply_*) or start a stream (http_stream_start).
 *  2. Request bodies are capped by the server's max_body (evhttp answers 413
 *     itself); http_body() returns a NUL-terminated copy.
 *  3. A stream whose peer goes away calls its on_close exactly once; the
 *     owner then frees it with http_stream_free() (on_close may do so).
 */
#ifndef AGORA_CORE_HTTP_H
#define AGORA_CORE_HTTP_H

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_server;
struct http_req;

typedef void (*http_handler_fn)(struct http_req *r, void *arg);

/* Route flags */
#define HTTP_PREFIX 0x1 /* path matches as a prefix ("/files/" matches "/files/read") */

struct http_route {
	unsigned methods;	 /* EVHTTP_REQ_GET | EVHTTP_REQ_POST ... ; 0 = any */
	const char *path;	 /* exact path, or a prefix with HTTP_PREFIX */
	http_handler_fn handler; /* called with the server's handler_arg */
	const char *realm;	 /* NULL = no authentication, else the Basic realm */
	unsigned flags;
};

/*
 * Decides whether a realm needs credentials right now and checks them.
 * Returns 1 when the realm is open (no auth required), 0 when the user/pass
 * pair is valid, -1 when invalid. user/pass are NULL when the request had
 * no (parsable) Authorization header.
 */
typedef int (*http_auth_fn)(void *arg, const char *realm, const char *user, const char *pass);

struct http_req {
	struct evhttp_request *ev;
	struct http_server *server;
	const char *path; /* decoded path without the query */
	struct evkeyvalq query;
	const char *principal; /* authenticated principal, or NULL */
	char principal_buf[256];
	char *body; /* lazily filled by http_body() */
	size_t body_len;
	char path_buf[1024];
};

struct http_server *http_server_new(struct event_base *base, const struct http_route *routes,
				    size_t nroutes, void *handler_arg, http_auth_fn auth,
				    void *auth_arg, size_t max_body);
/* Binds ip:port (port 0 picks one); returns the bound port or -errno. */
int http_server_bind(struct http_server *s, const char *ip, uint16_t port);
void http_server_free(struct http_server *s);
struct evhttp *http_server_evhttp(struct http_server *s);

/* Request accessors */
/* The handler_arg the request's server was made with. */
void *http_handler_arg(struct http_req *r);
const char *http_query(struct http_req *r, const char *name);
const char *http_header(struct http_req *r, const char *name);
/* The body as NUL-terminated text (owned by r); NULL when empty. */
const char *http_body(struct http_req *r, size_t *len);
/* The media type of Content-Type without parameters, lower-cased, or "". */
void http_content_type(struct http_req *r, char *buf, size_t size);
/* Peer address text ("127.0.0.1"). */
const char *http_peer(struct http_req *r);
enum evhttp_cmd_type http_method(struct http_req *r);

/* Replies (each frees r). JSON replies honour ?jsonp=cb. */
void http_reply_json(struct http_req *r, int code, json_t *body /* stolen */);
void http_reply_text(struct http_req *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void http_reply_raw(struct http_req *r, int code, const char *content_type, const void *data,
		    size_t len);
void http_reply_empty(struct http_req *r, int code);
void http_reply_redirect(struct http_req *r, int code, const char *location);
/* 401 with WWW-Authenticate: Basic realm="<realm>". */
void http_reply_unauthorized(struct http_req *r, const char *realm);
void http_add_header(struct http_req *r, const char *name, const char *value);

/*
 * Parses "Basic base64(user:pass)" the way Mesos does: exactly two
 * space-separated tokens, scheme "Basic", decoded text with exactly one ':'.
 * Returns 0 and fills user/pass, or -EINVAL.
 */
int http_basic_parse(const char *header, char *user, size_t user_size, char *pass,
		     size_t pass_size);

/* ---- streams (chunked replies that stay open) ---- */
struct http_stream;
typedef void (*http_stream_close_fn)(struct http_stream *st, void *arg);

/*
 * Starts a 200 chunked reply. r is consumed (do not use it afterwards).
 * on_close fires once if the peer disconnects. Extra headers may be added
 * to r before the call with http_add_header().
 */
struct http_stream *http_stream_start(struct http_req *r, int code, const char *content_type,
				      http_stream_close_fn on_close, void *arg);
/* Sends one chunk; -EPIPE when closed, -ENOBUFS when the peer is too slow. */
int http_stream_send(struct http_stream *st, const void *data, size_t len);
/* Sends "<len>\n<payload>" as one chunk (RecordIO). */
int http_stream_send_record(struct http_stream *st, const char *payload);
bool http_stream_open(const struct http_stream *st);
/* Ends the reply (if still open) and frees; on_close does not fire. */
void http_stream_free(struct http_stream *st);

/* ---- client ---- */
struct http_client;
struct http_call;

/*
 * Response callback: status is the HTTP status, or 0 when the request
 * failed (connection refused/reset, timeout). body is NUL-terminated.
 */
typedef void (*http_done_fn)(int status, const char *body, size_t len, struct evkeyvalq *headers,
			     void *arg);
/* Called for each received piece of a streaming response's body. */
typedef void (*http_chunk_fn)(int status, const char *data, size_t len, void *arg);

/* A persistent (keep-alive) connection to host:port. */
struct http_client *http_client_new(struct event_base *base, const char *host, uint16_t port,
				    double timeout_secs);
/* Drops pending calls (their on_done never fires). Not from its own callbacks. */
void http_client_free(struct http_client *c);
/*
 * Frees c on the next loop turn: the way to drop a client from inside one
 * of its own callbacks. From this call on, none of its callbacks fire.
 */
void http_client_free_later(struct http_client *c);

/*
 * Issues a request. headers is a NULL-terminated list of "Name", "value"
 * pairs. With on_chunk set, the body is delivered incrementally and
 * on_done gets status with an empty body at the end. Returns a handle that
 * can be cancelled until on_done fires, or NULL on immediate failure.
 */
struct http_call *http_client_request(struct http_client *c, enum evhttp_cmd_type method,
				      const char *uri, const char *const *headers,
				      const char *body, size_t body_len, http_done_fn on_done,
				      http_chunk_fn on_chunk, void *arg);
/* Cancels a pending call; its on_done will not fire. */
void http_call_cancel(struct http_call *call);
/*
 * The response headers of a pending call, for streaming callers that need
 * them before the body ends (Mesos-Stream-Id): valid inside the call's
 * on_chunk, empty before the response line has arrived.
 */
struct evkeyvalq *http_call_response_headers(struct http_call *call);

#endif
