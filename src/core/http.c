/*
 * http — see http.h.
 *
 * Runs on the owning daemon's event loop. The server dispatches every
 * request through one generic callback: route lookup (first match in table
 * order), method check (405 + Allow), Basic authentication for the route's
 * realm (401), then the handler. A struct http_req lives from dispatch until
 * the single reply; streams outlive it and own the evhttp_request until the
 * peer closes or the owner ends them.
 *
 * Streams switch the connection's read timeout off: a subscriber may stay
 * silent for hours while we write heartbeats, and evhttp would otherwise
 * drop it after the server timeout.
 */
#include "core/http.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"

#define STREAM_MAX_PENDING (8u << 20) /* bytes queued to a slow stream reader */

struct http_server {
	struct evhttp *evhttp;
	const struct http_route *routes;
	size_t nroutes;
	void *handler_arg;
	http_auth_fn auth;
	void *auth_arg;
};

struct http_stream {
	struct evhttp_request *ev;
	struct evhttp_connection *conn;
	http_stream_close_fn on_close;
	void *arg;
	bool open;
};

struct http_call {
	struct http_client *client;
	struct evhttp_request *ev;
	http_done_fn on_done;
	http_chunk_fn on_chunk;
	void *arg;
	struct http_call *prev, *next; /* the client's pending calls */
	bool starting;		       /* inside evhttp_make_request */
	bool failed_early;	       /* evhttp ended it there (DNS failure) */
	struct event *deferred;	       /* delivers that failure from the loop */
};

struct http_client {
	struct event_base *base;
	struct evhttp_connection *conn;
	char host[256];
	uint16_t port;
	double timeout;
	struct http_call *calls; /* pending, so freeing the client can drop them */
	bool dying;
};

static void call_free(struct http_call *call)
{
	if (call->deferred)
		event_free(call->deferred);
	free(call);
}

static void call_link(struct http_client *c, struct http_call *call)
{
	call->prev = NULL;
	call->next = c->calls;
	if (c->calls)
		c->calls->prev = call;
	c->calls = call;
}

static void call_unlink(struct http_call *call)
{
	if (call->prev)
		call->prev->next = call->next;
	else
		call->client->calls = call->next;
	if (call->next)
		call->next->prev = call->prev;
	call->prev = call->next = NULL;
}

/*
 * Event streams are runs of small writes with no traffic coming back on the
 * same connection to carry TCP ACKs, so Nagle's algorithm would hold each
 * event behind the peer's delayed ACK (up to 40 ms). Calls are one request,
 * one reply; they get the same treatment for the same reason.
 */
static void set_nodelay(evutil_socket_t fd)
{
	int one = 1;
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void req_free(struct http_req *r)
{
	evhttp_clear_headers(&r->query);
	free(r->body);
	free(r);
}

static const char *method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_TRACE: return "TRACE";
	case EVHTTP_REQ_CONNECT: return "CONNECT";
	case EVHTTP_REQ_PATCH: return "PATCH";
	}
	return "?";
}

static const char *reason_phrase(int code)
{
	switch (code) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 307: return "Temporary Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	}
	return "Status";
}

static bool route_matches(const struct http_route *rt, const char *path)
{
	if (rt->flags & HTTP_PREFIX)
		return str_starts_with(path, rt->path);
	return strcmp(rt->path, path) == 0;
}

static void reply_method_not_allowed(struct http_req *r, unsigned methods)
{
	static const enum evhttp_cmd_type all[] = { EVHTTP_REQ_GET, EVHTTP_REQ_POST,
						    EVHTTP_REQ_PUT, EVHTTP_REQ_DELETE,
						    EVHTTP_REQ_HEAD, EVHTTP_REQ_PATCH };
	char allow[128] = "";
	for (size_t i = 0; i < ARRAY_LEN(all); i++) {
		if (!(methods & all[i]))
			continue;
		if (allow[0])
			str_append(allow, ", ", sizeof(allow));
		str_append(allow, method_name(all[i]), sizeof(allow));
	}
	http_add_header(r, "Allow", allow);
	http_reply_text(r, 405, "Expecting one of { '%s' }, but received '%s'", allow,
			method_name(http_method(r)));
}

/* Returns true when the request may proceed. */
static bool authenticate(struct http_req *r, const char *realm)
{
	struct http_server *s = r->server;
	const char *hdr;
	char user[256], pass[512];
	int verdict;

	if (!s->auth)
		return true;
	hdr = http_header(r, "Authorization");
	if (hdr && http_basic_parse(hdr, user, sizeof(user), pass, sizeof(pass)) == 0)
		verdict = s->auth(s->auth_arg, realm, user, pass);
	else
		verdict = s->auth(s->auth_arg, realm, NULL, NULL);
	if (verdict == 1)
		return true;
	if (verdict == 0) {
		str_copy(r->principal_buf, user, sizeof(r->principal_buf));
		r->principal = r->principal_buf;
		return true;
	}
	if (hdr)
		log_info("http: %s %s from %s: authentication failed for realm %s", 
			 method_name(http_method(r)), r->path, http_peer(r), realm);
	http_reply_unauthorized(r, realm);
	return false;
}

static void dispatch(struct evhttp_request *ev, void *arg)
{
	struct http_server *s = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
	const char *raw_path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *raw_query = uri ? evhttp_uri_get_query(uri) : NULL;
	struct http_req *r = xcalloc(1, sizeof(*r));
	char *decoded;

	r->ev = ev;
	r->server = s;
	TAILQ_INIT(&r->query);
	decoded = evhttp_uridecode(raw_path && *raw_path ? raw_path : "/", 0, NULL);
	if (!decoded || strlen(decoded) >= sizeof(r->path_buf)) {
		free(decoded);
		r->path = "/";
		http_reply_text(r, 414, "Request path is too long or malformed");
		return;
	}
	str_copy(r->path_buf, decoded, sizeof(r->path_buf));
	free(decoded);
	r->path = r->path_buf;
	if (raw_query && evhttp_parse_query_str(raw_query, &r->query) < 0) {
		http_reply_text(r, 400, "Malformed query string");
		return;
	}

	for (size_t i = 0; i < s->nroutes; i++) {
		const struct http_route *rt = &s->routes[i];
		if (!route_matches(rt, r->path))
			continue;
		if (rt->methods && !(rt->methods & evhttp_request_get_command(ev))) {
			reply_method_not_allowed(r, rt->methods);
			return;
		}
		if (rt->realm && !authenticate(r, rt->realm))
			return;
		rt->handler(r, s->handler_arg);
		return;
	}
	http_reply_text(r, 404, "No such endpoint: %s", r->path);
}

struct http_server *http_server_new(struct event_base *base, const struct http_route *routes,
				    size_t nroutes, void *handler_arg, http_auth_fn auth,
				    void *auth_arg, size_t max_body)
{
	struct http_server *s = xcalloc(1, sizeof(*s));
	s->evhttp = evhttp_new(base);
	if (!s->evhttp)
		fatalx("http: evhttp_new failed");
	s->routes = routes;
	s->nroutes = nroutes;
	s->handler_arg = handler_arg;
	s->auth = auth;
	s->auth_arg = auth_arg;
	evhttp_set_max_body_size(s->evhttp, (ev_ssize_t)max_body);
	evhttp_set_max_headers_size(s->evhttp, 64 * 1024);
	evhttp_set_timeout(s->evhttp, 60);
	evhttp_set_allowed_methods(s->evhttp, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
						      EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD |
						      EVHTTP_REQ_PATCH | EVHTTP_REQ_OPTIONS);
	evhttp_set_gencb(s->evhttp, dispatch, s);
	return s;
}

int http_server_bind(struct http_server *s, const char *ip, uint16_t port)
{
	struct evhttp_bound_socket *sock;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	sock = evhttp_bind_socket_with_handle(s->evhttp, ip, port);
	if (!sock)
		return errno ? -errno : -EADDRINUSE;
	if (getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return port;
}

void http_server_free(struct http_server *s)
{
	if (!s)
		return;
	evhttp_free(s->evhttp);
	free(s);
}

struct evhttp *http_server_evhttp(struct http_server *s) { return s->evhttp; }

void *http_handler_arg(struct http_req *r) { return r->server->handler_arg; }

const char *http_query(struct http_req *r, const char *name)
{
	return evhttp_find_header(&r->query, name);
}

const char *http_header(struct http_req *r, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(r->ev), name);
}

const char *http_body(struct http_req *r, size_t *len)
{
	struct evbuffer *in;
	size_t n;

	if (!r->body) {
		in = evhttp_request_get_input_buffer(r->ev);
		n = evbuffer_get_length(in);
		r->body = xmalloc(n + 1);
		if (n)
			evbuffer_copyout(in, r->body, n);
		r->body[n] = '\0';
		r->body_len = n;
	}
	if (len)
		*len = r->body_len;
	return r->body_len ? r->body : NULL;
}

void http_content_type(struct http_req *r, char *buf, size_t size)
{
	const char *ct = http_header(r, "Content-Type");
	size_t i = 0;
	buf[0] = '\0';
	if (!ct)
		return;
	while (*ct == ' ')
		ct++;
	for (; ct[i] && ct[i] != ';' && ct[i] != ' ' && i + 1 < size; i++)
		buf[i] = (char)((ct[i] >= 'A' && ct[i] <= 'Z') ? ct[i] + 32 : ct[i]);
	buf[i] = '\0';
}

const char *http_peer(struct http_req *r)
{
	char *addr = NULL;
	ev_uint16_t port = 0;
	struct evhttp_connection *c = evhttp_request_get_connection(r->ev);
	if (c)
		evhttp_connection_get_peer(c, &addr, &port);
	return addr ? addr : "?";
}

enum evhttp_cmd_type http_method(struct http_req *r)
{
	return evhttp_request_get_command(r->ev);
}

void http_add_header(struct http_req *r, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(r->ev), name, value);
}

static bool jsonp_name_ok(const char *cb)
{
	size_t n = strlen(cb);
	if (n == 0 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = cb[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '$' || c == '.'))
			return false;
	}
	return true;
}

void http_reply_raw(struct http_req *r, int code, const char *content_type, const void *data,
		    size_t len)
{
	struct evbuffer *buf = evbuffer_new();
	if (content_type)
		http_add_header(r, "Content-Type", content_type);
	if (len)
		evbuffer_add(buf, data, len);
	evhttp_send_reply(r->ev, code, reason_phrase(code), buf);
	evbuffer_free(buf);
	req_free(r);
}

void http_reply_json(struct http_req *r, int code, json_t *body)
{
	char *text = json_compact(body);
	const char *cb = http_query(r, "jsonp");
	json_decref(body);
	if (cb && jsonp_name_ok(cb)) {
		size_t n = strlen(cb) + strlen(text) + 3;
		char *wrapped = xmalloc(n);
		snprintf(wrapped, n, "%s(%s)", cb, text);
		http_reply_raw(r, code, "text/javascript", wrapped, strlen(wrapped));
		free(wrapped);
	} else {
		http_reply_raw(r, code, "application/json", text, strlen(text));
	}
	free(text);
}

void http_reply_text(struct http_req *r, int code, const char *fmt, ...)
{
	char text[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	http_reply_raw(r, code, "text/plain; charset=utf-8", text, strlen(text));
}

void http_reply_empty(struct http_req *r, int code)
{
	http_reply_raw(r, code, NULL, NULL, 0);
}

void http_reply_redirect(struct http_req *r, int code, const char *location)
{
	http_add_header(r, "Location", location);
	http_reply_empty(r, code);
}

void http_reply_unauthorized(struct http_req *r, const char *realm)
{
	char hdr[256];
	snprintf(hdr, sizeof(hdr), "Basic realm=\"%s\"", realm);
	http_add_header(r, "WWW-Authenticate", hdr);
	http_reply_empty(r, 401);
}

int http_basic_parse(const char *header, char *user, size_t user_size, char *pass,
		     size_t pass_size)
{
	const char *token, *colon;
	uint8_t *decoded = NULL;
	size_t len;
	int err = -EINVAL;

	/* RFC 7235 section 2.1: the scheme is case-insensitive, then 1*SP. */
	if (strncasecmp(header, "Basic ", 6))
		return -EINVAL;
	token = header + 6;
	while (*token == ' ')
		token++;
	if (!*token || strchr(token, ' '))
		return -EINVAL;
	if (base64_decode(token, &decoded, &len) < 0)
		return -EINVAL;
	if (memchr(decoded, 0, len))
		goto out;
	decoded = xrealloc(decoded, len + 1);
	decoded[len] = '\0';
	/* RFC 7617 section 2: the user-id ends at the first ':'; the password may hold ':'. */
	colon = strchr((char *)decoded, ':');
	if (!colon)
		goto out;
	if ((size_t)(colon - (char *)decoded) >= user_size || strlen(colon + 1) >= pass_size)
		goto out;
	memcpy(user, decoded, (size_t)(colon - (char *)decoded));
	user[colon - (char *)decoded] = '\0';
	str_copy(pass, colon + 1, pass_size);
	err = 0;
out:
	if (decoded)
		explicit_bzero(decoded, len);
	free(decoded);
	return err;
}

/* ---- streams ---- */

static void stream_conn_closed(struct evhttp_connection *conn, void *arg)
{
	struct http_stream *st = arg;
	(void)conn;
	if (!st->open)
		return;
	st->open = false;
	/*
	 * On EOF evhttp detaches a request whose reply is still being streamed
	 * (its connection pointer is cleared) and leaves it to us to free.
	 */
	if (st->ev && !evhttp_request_get_connection(st->ev))
		evhttp_request_free(st->ev);
	st->ev = NULL;
	st->conn = NULL;
	if (st->on_close)
		st->on_close(st, st->arg);
}

struct http_stream *http_stream_start(struct http_req *r, int code, const char *content_type,
				      http_stream_close_fn on_close, void *arg)
{
	struct http_stream *st = xcalloc(1, sizeof(*st));
	struct bufferevent *bev;

	st->ev = r->ev;
	st->conn = evhttp_request_get_connection(r->ev);
	st->on_close = on_close;
	st->arg = arg;
	st->open = st->conn != NULL;
	if (content_type)
		http_add_header(r, "Content-Type", content_type);
	req_free(r);
	if (!st->open)
		return st;
	evhttp_send_reply_start(st->ev, code, reason_phrase(code));
	evhttp_connection_set_closecb(st->conn, stream_conn_closed, st);
	bev = evhttp_connection_get_bufferevent(st->conn);
	if (bev) {
		struct timeval write_tv = { 60, 0 };
		bufferevent_set_timeouts(bev, NULL, &write_tv);
		set_nodelay(bufferevent_getfd(bev));
	}
	return st;
}

bool http_stream_open(const struct http_stream *st) { return st && st->open; }

int http_stream_send(struct http_stream *st, const void *data, size_t len)
{
	struct bufferevent *bev;
	struct evbuffer *buf;

	if (!st->open)
		return -EPIPE;
	bev = evhttp_connection_get_bufferevent(st->conn);
	if (bev && evbuffer_get_length(bufferevent_get_output(bev)) > STREAM_MAX_PENDING)
		return -ENOBUFS;
	buf = evbuffer_new();
	evbuffer_add(buf, data, len);
	evhttp_send_reply_chunk(st->ev, buf);
	evbuffer_free(buf);
	return 0;
}

int http_stream_send_record(struct http_stream *st, const char *payload)
{
	size_t plen = strlen(payload);
	char head[32];
	int hlen = snprintf(head, sizeof(head), "%zu\n", plen);
	char *rec = xmalloc((size_t)hlen + plen);
	int r;
	memcpy(rec, head, (size_t)hlen);
	memcpy(rec + hlen, payload, plen);
	r = http_stream_send(st, rec, (size_t)hlen + plen);
	free(rec);
	return r;
}

void http_stream_free(struct http_stream *st)
{
	if (!st)
		return;
	if (st->open) {
		st->open = false;
		evhttp_connection_set_closecb(st->conn, NULL, NULL);
		evhttp_send_reply_end(st->ev);
	}
	free(st);
}

/* ---- client ---- */

struct http_client *http_client_new(struct event_base *base, const char *host, uint16_t port,
				    double timeout_secs)
{
	struct http_client *c = xcalloc(1, sizeof(*c));
	c->base = base;
	str_copy(c->host, host, sizeof(c->host));
	c->port = port;
	c->timeout = timeout_secs;
	return c;
}

static struct evhttp_connection *client_conn(struct http_client *c)
{
	if (!c->conn) {
		c->conn = evhttp_connection_base_new(c->base, NULL, c->host, c->port);
		if (!c->conn)
			return NULL;
		if (c->timeout > 0) {
			struct timeval tv = { (time_t)c->timeout,
					      (suseconds_t)((c->timeout - (time_t)c->timeout) * 1e6) };
			evhttp_connection_set_timeout_tv(c->conn, &tv);
		}
		evhttp_connection_set_retries(c->conn, 0);
	}
	return c->conn;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	/* evhttp frees pending requests without running their callbacks. */
	while (c->calls) {
		struct http_call *call = c->calls;
		call_unlink(call);
		call_free(call);
	}
	if (c->conn)
		evhttp_connection_free(c->conn);
	free(c);
}

static void free_later_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	http_client_free(arg);
}

void http_client_free_later(struct http_client *c)
{
	struct timeval zero = { 0, 0 };
	if (!c || c->dying)
		return;
	c->dying = true;
	for (struct http_call *call = c->calls; call; call = call->next) {
		call->on_done = NULL;
		call->on_chunk = NULL;
	}
	if (event_base_once(c->base, -1, EV_TIMEOUT, free_later_cb, c, &zero) < 0)
		http_client_free(c);
}

static void call_done(struct evhttp_request *ev, void *arg)
{
	struct http_call *call = arg;
	int status = ev ? evhttp_request_get_response_code(ev) : 0;
	struct evkeyvalq *headers = ev ? evhttp_request_get_input_headers(ev) : NULL;
	char *body = NULL;
	size_t len = 0;

	if (call->starting) {
		/*
		 * evhttp failed the request inside evhttp_make_request (a host
		 * name that does not resolve is reported synchronously) and frees
		 * it when we return: remember that and report it from the loop.
		 */
		call->failed_early = true;
		call->ev = NULL;
		return;
	}
	if (ev && !call->on_chunk) {
		struct evbuffer *in = evhttp_request_get_input_buffer(ev);
		len = evbuffer_get_length(in);
		body = xmalloc(len + 1);
		evbuffer_copyout(in, body, len);
		body[len] = '\0';
	}
	call_unlink(call);
	if (call->on_done)
		call->on_done(status, body ? body : "", len, headers, call->arg);
	free(body);
	free(call);
}

/* The on_done(0) of a call that failed inside evhttp_make_request. */
static void call_failed_early(evutil_socket_t fd, short what, void *arg)
{
	struct http_call *call = arg;
	(void)fd;
	(void)what;
	call_unlink(call);
	event_free(call->deferred);
	if (call->on_done)
		call->on_done(0, "", 0, NULL, call->arg);
	free(call);
}

static void call_chunk(struct evhttp_request *ev, void *arg)
{
	struct http_call *call = arg;
	struct evbuffer *in = evhttp_request_get_input_buffer(ev);
	size_t len = evbuffer_get_length(in);
	char *data;

	if (!len)
		return;
	data = (char *)evbuffer_pullup(in, (ev_ssize_t)len);
	if (call->on_chunk)
		call->on_chunk(evhttp_request_get_response_code(ev), data, len, call->arg);
	evbuffer_drain(in, len);
}

static void call_error(enum evhttp_request_error err, void *arg)
{
	(void)err;
	(void)arg;
}

struct http_call *http_client_request(struct http_client *c, enum evhttp_cmd_type method,
				      const char *uri, const char *const *headers,
				      const char *body, size_t body_len, http_done_fn on_done,
				      http_chunk_fn on_chunk, void *arg)
{
	struct evhttp_connection *conn = client_conn(c);
	struct http_call *call;
	struct evkeyvalq *out;
	char hostport[300];

	if (!conn || c->dying)
		return NULL;
	call = xcalloc(1, sizeof(*call));
	call->client = c;
	call->on_done = on_done;
	call->on_chunk = on_chunk;
	call->arg = arg;
	call->ev = evhttp_request_new(call_done, call);
	if (on_chunk)
		evhttp_request_set_chunked_cb(call->ev, call_chunk);
	evhttp_request_set_error_cb(call->ev, call_error);
	out = evhttp_request_get_output_headers(call->ev);
	snprintf(hostport, sizeof(hostport), "%s:%u", c->host, c->port);
	evhttp_add_header(out, "Host", hostport);
	for (size_t i = 0; headers && headers[i] && headers[i + 1]; i += 2)
		evhttp_add_header(out, headers[i], headers[i + 1]);
	if (body && body_len)
		evbuffer_add(evhttp_request_get_output_buffer(call->ev), body, body_len);
	call->starting = true;
	if (evhttp_make_request(conn, call->ev, method, uri) < 0) {
		/* libevent freed the request */
		free(call);
		return NULL;
	}
	call->starting = false;
	call_link(c, call);
	if (call->failed_early) {
		struct timeval zero = { 0, 0 };
		call->deferred = evtimer_new(c->base, call_failed_early, call);
		if (!call->deferred)
			fatalx("http: evtimer_new failed");
		evtimer_add(call->deferred, &zero);
		return call;
	}
	{
		struct bufferevent *bev = evhttp_connection_get_bufferevent(conn);
		if (bev)
			set_nodelay(bufferevent_getfd(bev));
	}
	return call;
}

void http_call_cancel(struct http_call *call)
{
	if (!call)
		return;
	call->on_done = NULL;
	call->on_chunk = NULL;
	call_unlink(call);
	/* Cancellation never runs call_done, so the handle is ours to free. */
	if (call->ev)
		evhttp_cancel_request(call->ev);
	call_free(call);
}

struct evkeyvalq *http_call_response_headers(struct http_call *call)
{
	if (!call->ev)
		return NULL;
	return evhttp_request_get_input_headers(call->ev);
}
