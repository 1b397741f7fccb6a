/*
 * framework/scheduler — the I/O half of the v1 scheduler client (see
 * scheduler.h; the wire formats live in scheduler_json.c). Runs on the
 * caller's event loop and owns two HTTP connections to the master: the
 * subscription stream and a keep-alive connection for calls.
 *
 *            sched_start                 SUBSCRIBED event
 *   IDLE ───────────────▶ SUBSCRIBING ─────────────────────▶ SUBSCRIBED
 *                           │    ▲  ▲ 307 (≤5 in a row)           │
 *                           │    │  └────┘                        │
 *        stream ends, 401,  │    │ retry timer                    │ stream ends, ERROR,
 *        no SUBSCRIBED in   ▼    │ (random in [0,b], b: 1→30 s)   │ silence > 3·hb + 1 s
 *        call_timeout     BACKOFF ◀───────────────────────────────┘
 *   any state ── sched_stop / stream ends after TEARDOWN ──▶ STOPPED (final)
 *
 * Invariants:
 *  1. state changes only in sched_set_state(), which refuses transitions
 *     not drawn above; leaving SUBSCRIBING/SUBSCRIBED drops the stream.
 *  2. A stream exists exactly in SUBSCRIBING and SUBSCRIBED; stream_gen
 *     changes whenever it is dropped, so a loop over its records stops
 *     when a callback ends it.
 *  3. Calls go over `calls` to the master the stream talks to; when that
 *     master changes (redirect, retry) the old connection's pending calls
 *     are answered with status 0 before it is dropped.
 *  4. Clients are never freed inside their own callbacks
 *     (http_client_free_later); user callbacks run with depth > 0 and a
 *     sched_free() there only marks the client and frees it next turn.
 *  5. Memory is bounded: one event ≤ SCHED_EVENT_MAX (RecordIO reader),
 *     error text ≤ its buffer, stream id ≤ SCHED_STREAM_ID_MAX.
 */
#include "framework/scheduler.h"

#include <errno.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/recordio.h"
#include "core/util.h"

#define DEFAULT_HEARTBEAT 15.0 /* Mesos' constant, until SUBSCRIBED says otherwise */
#define DEFAULT_CALL_TIMEOUT 30.0
#define AUTH_HEADER_MAX 1100

/* One call in flight on the calls connection. */
struct sched_req {
	struct sched *s;
	struct http_call *call;
	sched_call_fn cb;
	void *arg;
	char type[40];
	struct sched_req *prev, *next;
};

struct sched {
	struct event_base *base;
	struct sched_callbacks cb;
	void *arg;
	enum sched_state state;

	json_t *framework_info;	  /* owned copy */
	json_t *suppressed_roles; /* array of role names, sent on resubscribe */
	char framework_id[SCHED_ID_MAX];
	char stream_id[SCHED_STREAM_ID_MAX + 1];
	char auth_header[AUTH_HEADER_MAX]; /* "Basic ..." or "" */
	char principal[256];
	int failures; /* attempts lost since the last SUBSCRIBED */

	/* configured master and the one talked to now (after redirects) */
	char conf_host[256], conf_path[256];
	uint16_t conf_port;
	char host[256], path[256];
	uint16_t port;
	char master_text[300];
	int redirects;

	/* the subscription stream */
	struct http_client *stream;
	struct http_call *stream_call;
	struct recordio_reader rio;
	unsigned stream_gen;
	bool stream_checked; /* the 200's headers were read */
	char stream_error[512];
	char last_error[1024]; /* why the last stream ended, for status pages */

	/* calls */
	struct http_client *calls;
	/*
	 * ACKNOWLEDGEs go over a small pool of their own connections: one
	 * keep-alive connection answers one request at a time, and a busy
	 * framework acknowledges thousands of updates a second. Acks of one
	 * task never race (the agent sends its next update only after the ack).
	 */
	struct http_client *acks[SCHED_ACK_CONNS];
	unsigned ack_next;
	struct sched_req *reqs;

	double heartbeat_interval;
	double backoff, backoff_min, backoff_max, call_timeout;
	struct event *liveness_timer, *retry_timer;
	bool manual_ack, torn_down;
	int depth;	    /* > 0 while a user callback runs */
	bool free_pending;
};

static void start_subscribe(struct sched *s);
static void lose_stream(struct sched *s, const char *why);

/* User callbacks run through here so sched_free() inside them is deferred. */
#define CALLBACK(s, fn, ...)                                          \
	do {                                                          \
		if ((s)->cb.fn && !(s)->free_pending) {               \
			(s)->depth++;                                 \
			(s)->cb.fn((s), __VA_ARGS__, (s)->arg);       \
			(s)->depth--;                                 \
		}                                                     \
	} while (0)

const char *sched_state_name(enum sched_state st)
{
	switch (st) {
	case SCHED_IDLE: return "idle";
	case SCHED_SUBSCRIBING: return "subscribing";
	case SCHED_SUBSCRIBED: return "subscribed";
	case SCHED_BACKOFF: return "backing off";
	case SCHED_STOPPED: return "stopped";
	}
	return "?";
}

static bool transition_ok(enum sched_state from, enum sched_state to)
{
	switch (from) {
	case SCHED_IDLE: return to == SCHED_SUBSCRIBING || to == SCHED_STOPPED;
	case SCHED_SUBSCRIBING:
		return to == SCHED_SUBSCRIBED || to == SCHED_SUBSCRIBING || to == SCHED_BACKOFF ||
		       to == SCHED_STOPPED;
	case SCHED_SUBSCRIBED: return to == SCHED_BACKOFF || to == SCHED_STOPPED;
	case SCHED_BACKOFF: return to == SCHED_SUBSCRIBING || to == SCHED_STOPPED;
	case SCHED_STOPPED: return false;
	}
	return false;
}

static void drop_stream(struct sched *s)
{
	if (s->stream) {
		http_client_free_later(s->stream);
		s->stream = NULL;
	}
	s->stream_call = NULL;
	recordio_free(&s->rio);
	s->stream_id[0] = '\0';
	s->stream_checked = false;
	s->stream_gen++;
}

/* Returns 0, or -EINVAL for a transition the diagram does not have. */
static int sched_set_state(struct sched *s, enum sched_state next)
{
	if (!transition_ok(s->state, next)) {
		log_error("scheduler: refused state change %s -> %s (framework %s)",
			  sched_state_name(s->state), sched_state_name(next),
			  s->framework_id[0] ? s->framework_id : "(none)");
		return -EINVAL;
	}
	log_debug("scheduler: %s -> %s", sched_state_name(s->state), sched_state_name(next));
	/* SUBSCRIBING -> SUBSCRIBING is a redirect: that stream goes too. */
	if ((s->state == SCHED_SUBSCRIBING || s->state == SCHED_SUBSCRIBED) &&
	    next != SCHED_SUBSCRIBED) {
		drop_stream(s);
		event_del(s->liveness_timer);
	}
	if (next != SCHED_BACKOFF)
		event_del(s->retry_timer);
	if (next == SCHED_SUBSCRIBED) {
		s->backoff = s->backoff_min;
		s->redirects = 0;
		s->failures = 0;
	}
	s->state = next;
	return 0;
}

static void tv_from(struct timeval *tv, double secs)
{
	if (secs < 0)
		secs = 0;
	tv->tv_sec = (time_t)secs;
	tv->tv_usec = (suseconds_t)((secs - (double)tv->tv_sec) * 1e6);
}

static void arm_liveness(struct sched *s, double secs)
{
	struct timeval tv;
	tv_from(&tv, secs);
	event_add(s->liveness_timer, &tv);
}

/* ---- calls connection ---- */

static void req_unlink(struct sched_req *q)
{
	struct sched *s = q->s;
	if (q->prev)
		q->prev->next = q->next;
	else
		s->reqs = q->next;
	if (q->next)
		q->next->prev = q->prev;
	q->prev = q->next = NULL;
}

/*
 * Answers every pending call with status 0 and drops the connection: the
 * master changed, so their replies would never come.
 */
static void drop_calls(struct sched *s, const char *why)
{
	while (s->reqs) {
		struct sched_req *q = s->reqs;
		req_unlink(q);
		http_call_cancel(q->call);
		if (q->cb) {
			s->depth++;
			if (!s->free_pending)
				q->cb(s, 0, why, q->arg);
			s->depth--;
		}
		free(q);
	}
	if (s->calls) {
		http_client_free_later(s->calls);
		s->calls = NULL;
	}
	for (size_t i = 0; i < SCHED_ACK_CONNS; i++) {
		http_client_free_later(s->acks[i]);
		s->acks[i] = NULL;
	}
}

static void on_call_done(int status, const char *body, size_t len, struct evkeyvalq *h,
			 void *arg)
{
	struct sched_req *q = arg;
	struct sched *s = q->s;
	(void)len;
	(void)h;

	req_unlink(q);
	if (status != 202 && !q->cb)
		log_warnx("scheduler: %s call for framework %s got %d from %s: %.300s", q->type,
			  s->framework_id, status, s->master_text,
			  status ? body : "no answer (connection failed or timed out)");
	if (q->cb && !s->free_pending) {
		s->depth++;
		q->cb(s, status, body, q->arg);
		s->depth--;
	}
	free(q);
}

/* Sends a call body (not SUBSCRIBE) with the stream id; 0 or -errno. */
static int post_call(struct sched *s, const char *type, json_t *call, sched_call_fn cb,
		     void *arg)
{
	const char *headers[12];
	size_t nh = 0;
	struct sched_req *q;
	char *body;

	struct http_client **conn = &s->calls;

	if (!strcmp(type, "ACKNOWLEDGE"))
		conn = &s->acks[s->ack_next++ % SCHED_ACK_CONNS];
	if (!*conn)
		*conn = http_client_new(s->base, s->host, s->port, s->call_timeout);
	headers[nh++] = "Content-Type";
	headers[nh++] = "application/json";
	headers[nh++] = "Accept";
	headers[nh++] = "application/json";
	headers[nh++] = "Mesos-Stream-Id";
	headers[nh++] = s->stream_id;
	if (s->auth_header[0]) {
		headers[nh++] = "Authorization";
		headers[nh++] = s->auth_header;
	}
	headers[nh] = NULL;
	body = json_compact(call);
	json_decref(call);
	q = xcalloc(1, sizeof(*q));
	q->s = s;
	q->cb = cb;
	q->arg = arg;
	str_copy(q->type, type, sizeof(q->type));
	q->call = http_client_request(*conn, EVHTTP_REQ_POST, s->path, headers, body,
				      strlen(body), on_call_done, NULL, q);
	free(body);
	if (!q->call) {
		free(q);
		return -EIO;
	}
	q->next = s->reqs;
	if (s->reqs)
		s->reqs->prev = q;
	s->reqs = q;
	return 0;
}

int sched_send(struct sched *s, const char *type, json_t *payload, sched_call_fn cb, void *arg)
{
	if (!type || !*type || !strcmp(type, "SUBSCRIBE") || strlen(type) >= 40) {
		json_decref(payload);
		return -EINVAL;
	}
	if (s->state != SCHED_SUBSCRIBED || !s->stream_id[0] || !s->framework_id[0]) {
		json_decref(payload);
		return -ENOTCONN;
	}
	return post_call(s, type, sched_call_json(s->framework_id, type, payload), cb, arg);
}

/* ---- subscription life cycle ---- */

/* Points the client at host:port; calls pending at another master are answered with 0. */
static void use_master(struct sched *s, const char *host, uint16_t port, const char *path)
{
	if (strcmp(s->host, host) || s->port != port) {
		drop_calls(s, "the scheduler client moved to another master");
		str_copy(s->host, host, sizeof(s->host));
		s->port = port;
		snprintf(s->master_text, sizeof(s->master_text), "%s:%u", host, port);
	}
	str_copy(s->path, path && path[0] ? path : "/api/v1/scheduler", sizeof(s->path));
}

static void schedule_retry(struct sched *s, const char *why)
{
	uint32_t rnd = 0;
	double delay;
	struct timeval tv;

	if (sched_set_state(s, SCHED_BACKOFF) < 0)
		return;
	random_bytes(&rnd, sizeof(rnd));
	delay = s->backoff * ((double)rnd / 4294967295.0);
	if (delay < 0.01)
		delay = 0.01;
	log_warnx("scheduler: framework %s: %s; subscribing again in %.2fs",
		  s->framework_id[0] ? s->framework_id : "(new)", why, delay);
	s->backoff *= 2;
	if (s->backoff > s->backoff_max)
		s->backoff = s->backoff_max;
	tv_from(&tv, delay);
	event_add(s->retry_timer, &tv);
}

/* The stream is gone (or must go): back off, or stop after a TEARDOWN. */
static void lose_stream(struct sched *s, const char *why)
{
	bool was_subscribed = s->state == SCHED_SUBSCRIBED;

	if (s->state != SCHED_SUBSCRIBING && s->state != SCHED_SUBSCRIBED)
		return;
	str_copy(s->last_error, why, sizeof(s->last_error));
	if (s->torn_down) {
		log_info("scheduler: framework %s was torn down; %s", s->framework_id, why);
		sched_set_state(s, SCHED_STOPPED);
	} else {
		schedule_retry(s, why);
		s->failures++;
	}
	if (was_subscribed)
		CALLBACK(s, disconnected, why);
	if (s->state == SCHED_BACKOFF)
		CALLBACK(s, retrying, s->failures, why);
}

static void report_error(struct sched *s, enum sched_error_kind kind, int status,
			 const char *msg)
{
	CALLBACK(s, error, kind, status, msg);
}

static void protocol_error(struct sched *s, const char *why)
{
	log_warnx("scheduler: %s (master %s)", why, s->master_text);
	report_error(s, SCHED_ERR_PROTOCOL, 200, why);
	lose_stream(s, why);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct sched *s = arg;
	(void)fd;
	(void)what;
	if (s->state != SCHED_BACKOFF)
		return;
	/* Start over at the configured master: it knows who leads now. */
	s->redirects = 0;
	use_master(s, s->conf_host, s->conf_port, s->conf_path);
	if (s->state == SCHED_BACKOFF) /* a dropped call's callback may have stopped us */
		start_subscribe(s);
}

static void on_liveness(evutil_socket_t fd, short what, void *arg)
{
	struct sched *s = arg;
	char why[256];
	(void)fd;
	(void)what;

	if (s->state == SCHED_SUBSCRIBING)
		snprintf(why, sizeof(why), "no SUBSCRIBED event from %s within %.0fs",
			 s->master_text, s->call_timeout);
	else if (s->state == SCHED_SUBSCRIBED)
		snprintf(why, sizeof(why),
			 "no event (not even a HEARTBEAT) from %s for %.1fs, 3 heartbeat "
			 "intervals",
			 s->master_text, 3 * s->heartbeat_interval + 1);
	else
		return;
	lose_stream(s, why);
}

/* ---- events ---- */

static void handle_subscribed(struct sched *s, json_t *ev)
{
	struct jerr err = { { 0 } };
	json_t *sub = NULL;
	const char *fid = NULL;
	double hb = DEFAULT_HEARTBEAT;
	bool resubscribed = s->framework_id[0] != '\0';

	if (jget_obj(ev, "subscribed", "event", true, &sub, &err) ||
	    jget_id(sub, "framework_id", "subscribed", true, &fid, &err) ||
	    jget_double(sub, "heartbeat_interval_seconds", "subscribed", false, &hb, &err) < 0) {
		char why[600];
		snprintf(why, sizeof(why), "malformed SUBSCRIBED event: %s",
			 err.msg[0] ? err.msg : "subscribed.framework_id: required field is missing");
		protocol_error(s, why);
		return;
	}
	if (s->state != SCHED_SUBSCRIBING) {
		log_warnx("scheduler: ignoring a second SUBSCRIBED event from %s", s->master_text);
		return;
	}
	if (resubscribed && strcmp(s->framework_id, fid)) {
		log_warnx("scheduler: the master gave framework id %s instead of %s; the old "
			  "framework and its tasks are gone", fid, s->framework_id);
		resubscribed = false;
	}
	str_copy(s->framework_id, fid, sizeof(s->framework_id));
	s->heartbeat_interval = hb < 0.05 ? 0.05 : (hb > 3600 ? 3600 : hb);
	if (sched_set_state(s, SCHED_SUBSCRIBED) < 0)
		return;
	arm_liveness(s, 3 * s->heartbeat_interval + 1);
	log_info("scheduler: %s framework %s with master %s (heartbeats every %.1fs)",
		 resubscribed ? "resubscribed" : "subscribed", s->framework_id, s->master_text,
		 s->heartbeat_interval);
	CALLBACK(s, subscribed, s->framework_id, resubscribed);
}

/*
 * OFFERS: every offer is parsed here (mesos_offer_parse) and the callback
 * gets the well-formed ones. A malformed offer that has an id is declined
 * at once, so it never sits unused until the master's offer timeout.
 */
static void handle_offers(struct sched *s, json_t *ev)
{
	struct jerr err = { { 0 } };
	json_t *payload = NULL, *offers = NULL, *item;
	struct mesos_offer *parsed;
	const char **bad;
	size_t n, i, good = 0, nbad = 0;

	if (jget_obj(ev, "offers", "event", true, &payload, &err) ||
	    jget_array(payload, "offers", "offers", true, SCHED_OFFERS_MAX, &offers, &err)) {
		log_warnx("scheduler: ignoring malformed OFFERS event: %s", err.msg);
		return;
	}
	n = json_array_size(offers);
	parsed = xcalloc(n ? n : 1, sizeof(*parsed));
	bad = xcalloc(n ? n : 1, sizeof(*bad));
	json_array_foreach(offers, i, item) {
		struct mesos_offer *o = &parsed[good];
		if (mesos_offer_parse(item, o, &err) < 0) {
			log_warnx("scheduler: declining a malformed offer: %s", err.msg);
			if (o->id)
				bad[nbad++] = o->id;
			mesos_offer_free(o);
			continue;
		}
		good++;
	}
	if (nbad)
		sched_decline(s, bad, nbad, -1, NULL, NULL);
	if (good)
		CALLBACK(s, offers, parsed, good);
	for (i = 0; i < good; i++)
		mesos_offer_free(&parsed[i]);
	free(parsed);
	free(bad);
}

static void handle_rescind(struct sched *s, json_t *ev)
{
	struct jerr err = { { 0 } };
	json_t *payload = NULL;
	const char *offer_id = NULL;

	if (jget_obj(ev, "rescind", "event", true, &payload, &err) ||
	    jget_id(payload, "offer_id", "rescind", true, &offer_id, &err)) {
		log_warnx("scheduler: ignoring malformed RESCIND event: %s", err.msg);
		return;
	}
	CALLBACK(s, rescind, offer_id);
}

static void handle_update(struct sched *s, json_t *ev)
{
	struct jerr err = { { 0 } };
	json_t *payload = NULL, *status = NULL;
	struct mesos_task_status st;
	unsigned gen = s->stream_gen;
	int rc;

	if (jget_obj(ev, "update", "event", true, &payload, &err) ||
	    jget_obj(payload, "status", "update", true, &status, &err) ||
	    mesos_task_status_parse(status, &st, &err) < 0) {
		log_warnx("scheduler: ignoring malformed UPDATE event: %s", err.msg);
		return;
	}
	CALLBACK(s, update, &st);
	/*
	 * Acknowledge after the callback, so a framework that records the
	 * update first never loses it. Not on a stream the callback ended: the
	 * agent will resend it on the next one.
	 */
	if (!st.uuid || s->manual_ack || s->free_pending || s->state != SCHED_SUBSCRIBED ||
	    gen != s->stream_gen)
		return;
	if (!st.agent_id) {
		log_warnx("scheduler: update %s for task %s has a uuid but no agent_id; "
			  "cannot acknowledge it", mesos_task_state_name(st.state), st.task_id);
		return;
	}
	rc = sched_acknowledge(s, st.agent_id, st.task_id, st.uuid, NULL, NULL);
	if (rc < 0)
		log_warnx("scheduler: cannot acknowledge %s for task %s: %s",
			  mesos_task_state_name(st.state),
			  st.task_id, strerror(-rc));
}

static void handle_message(struct sched *s, json_t *ev)
{
	struct jerr err = { { 0 } };
	json_t *payload = NULL;
	const char *agent_id = NULL, *executor_id = NULL, *data = "";
	uint8_t *bytes = NULL;
	size_t len = 0;

	if (jget_obj(ev, "message", "event", true, &payload, &err) ||
	    jget_id(payload, "agent_id", "message", true, &agent_id, &err) ||
	    jget_id(payload, "executor_id", "message", true, &executor_id, &err) ||
	    jget_str(payload, "data", "message", false, SCHED_EVENT_MAX, &data, &err) < 0) {
		log_warnx("scheduler: ignoring malformed MESSAGE event: %s", err.msg);
		return;
	}
	if (*data && base64_decode(data, &bytes, &len) < 0) {
		log_warnx("scheduler: ignoring MESSAGE from executor %s: data is not base64",
			  executor_id);
		return;
	}
	CALLBACK(s, message, agent_id, executor_id, bytes ? bytes : (const uint8_t *)"", len);
	free(bytes);
}

static void handle_failure(struct sched *s, json_t *ev)
{
	struct jerr err = { { 0 } };
	json_t *payload = NULL;
	const char *agent_id = NULL, *executor_id = NULL;
	int64_t status = -1;

	if (jget_obj(ev, "failure", "event", true, &payload, &err) ||
	    jget_id(payload, "agent_id", "failure", false, &agent_id, &err) < 0 ||
	    jget_id(payload, "executor_id", "failure", false, &executor_id, &err) < 0 ||
	    jget_int64(payload, "status", "failure", false, &status, &err) < 0) {
		log_warnx("scheduler: ignoring malformed FAILURE event: %s", err.msg);
		return;
	}
	if (status < INT32_MIN || status > INT32_MAX)
		status = -1;
	CALLBACK(s, failure, agent_id, executor_id, (int)status);
}

static void handle_error(struct sched *s, json_t *ev)
{
	const char *msg = json_string_value(json_object_get(json_object_get(ev, "error"), "message"));
	char why[1024];

	/* The Mesos docs show a top-level "message"; accept both. */
	if (!msg)
		msg = json_string_value(json_object_get(ev, "message"));
	snprintf(why, sizeof(why), "the master sent ERROR: %.900s", msg ? msg : "(no message)");
	log_warnx("scheduler: framework %s: %s", s->framework_id[0] ? s->framework_id : "(new)",
		  why);
	report_error(s, SCHED_ERR_EVENT, 200, msg ? msg : "(no message)");
	lose_stream(s, why);
}

static void dispatch_event(struct sched *s, const char *type, json_t *ev)
{
	if (!strcmp(type, "SUBSCRIBED"))
		handle_subscribed(s, ev);
	else if (!strcmp(type, "ERROR"))
		handle_error(s, ev); /* also a refused subscription, before SUBSCRIBED */
	else if (s->state != SCHED_SUBSCRIBED)
		log_warnx("scheduler: ignoring %s event before SUBSCRIBED", type);
	else if (!strcmp(type, "HEARTBEAT")) {
		if (s->cb.heartbeat && !s->free_pending) {
			s->depth++;
			s->cb.heartbeat(s, s->arg);
			s->depth--;
		}
	} else if (!strcmp(type, "OFFERS"))
		handle_offers(s, ev);
	else if (!strcmp(type, "RESCIND"))
		handle_rescind(s, ev);
	else if (!strcmp(type, "UPDATE"))
		handle_update(s, ev);
	else if (!strcmp(type, "MESSAGE"))
		handle_message(s, ev);
	else if (!strcmp(type, "FAILURE"))
		handle_failure(s, ev);
	else
		CALLBACK(s, other, type, ev);
}

static void handle_record(struct sched *s, const char *rec, size_t len)
{
	struct jerr err = { { 0 } };
	const char *type = NULL;
	json_t *ev = sched_event_parse(rec, len, &type, &err);

	if (!ev) {
		log_warnx("scheduler: ignoring a malformed event from %s: %s", s->master_text,
			  err.msg);
		return;
	}
	if (s->state == SCHED_SUBSCRIBED)
		arm_liveness(s, 3 * s->heartbeat_interval + 1);
	dispatch_event(s, type, ev);
	json_decref(ev);
}

/* ---- the stream ---- */

/* Takes the Mesos-Stream-Id from the 200's headers; -EPROTO when unusable. */
static int check_stream_headers(struct sched *s)
{
	struct evkeyvalq *h = s->stream_call ? http_call_response_headers(s->stream_call) : NULL;
	const char *id = h ? evhttp_find_header(h, "Mesos-Stream-Id") : NULL;

	s->stream_checked = true;
	if (!id || !*id || strlen(id) > SCHED_STREAM_ID_MAX) {
		protocol_error(s, "the master's 200 to SUBSCRIBE has no usable Mesos-Stream-Id "
				  "header");
		return -EPROTO;
	}
	str_copy(s->stream_id, id, sizeof(s->stream_id));
	return 0;
}

static void on_stream_chunk(int status, const char *data, size_t len, void *arg)
{
	struct sched *s = arg;
	unsigned gen = s->stream_gen;
	const char *rec;
	size_t rlen;
	int r = 0;

	if (status != 200) {
		/* An error reply: keep the start of its text for the report. */
		size_t have = strlen(s->stream_error);
		size_t room = sizeof(s->stream_error) - 1 - have;
		size_t n = len < room ? len : room;
		memcpy(s->stream_error + have, data, n);
		s->stream_error[have + n] = '\0';
		return;
	}
	if (!s->stream_checked && check_stream_headers(s) < 0)
		return;
	if (recordio_feed(&s->rio, data, len) < 0) {
		protocol_error(s, "malformed event stream (bad RecordIO framing or an event "
				  "larger than 16 MiB)");
		return;
	}
	while (gen == s->stream_gen && (r = recordio_next(&s->rio, &rec, &rlen)) == 1)
		handle_record(s, rec, rlen);
	if (gen == s->stream_gen && r < 0)
		protocol_error(s, "malformed event stream (bad RecordIO framing)");
}

static bool is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 ||
	       status == 308;
}

static void follow_redirect(struct sched *s, struct evkeyvalq *headers)
{
	const char *loc = headers ? evhttp_find_header(headers, "Location") : NULL;
	char host[256], path[256], err[300], why[600];
	uint16_t port = s->port;

	if (loc && loc[0] == '/' && loc[1] != '/') {
		/* A bare path: same master, another endpoint. */
		str_copy(host, s->host, sizeof(host));
		if (strlen(loc) >= sizeof(path)) {
			lose_stream(s, "redirected to a path that is too long");
			return;
		}
		str_copy(path, loc, sizeof(path));
	} else if (!loc || sched_parse_address(loc, host, sizeof(host), &port, path,
					       sizeof(path), err, sizeof(err)) < 0) {
		snprintf(why, sizeof(why), "redirected without a usable Location (%s)",
			 loc ? err : "none");
		lose_stream(s, why);
		return;
	}
	if (++s->redirects > SCHED_REDIRECTS_MAX) {
		snprintf(why, sizeof(why), "more than %d redirects in a row (last to %.300s)",
			 SCHED_REDIRECTS_MAX, loc);
		lose_stream(s, why);
		return;
	}
	log_info("scheduler: %s redirects to the leading master at %s:%u", s->master_text,
		 host, port);
	use_master(s, host, port, path);
	if (s->state == SCHED_SUBSCRIBING) /* a dropped call's callback may have stopped us */
		start_subscribe(s);
}

static void on_stream_done(int status, const char *body, size_t len, struct evkeyvalq *headers,
			   void *arg)
{
	struct sched *s = arg;
	const char *text = s->stream_error[0] ? s->stream_error : "";
	char why[1024];
	(void)body;
	(void)len;

	s->stream_call = NULL; /* freed by the http layer when we return */
	if (s->state != SCHED_SUBSCRIBING && s->state != SCHED_SUBSCRIBED)
		return;
	if (is_redirect(status)) {
		follow_redirect(s, headers);
		return;
	}
	if ((status == 401 || status == 403) && !s->principal[0]) {
		snprintf(why, sizeof(why),
			 "the master at %s requires authentication (%d) and no principal was given",
			 s->master_text, status);
		log_error("scheduler: %s", why);
		report_error(s, SCHED_ERR_AUTH, status, why);
	} else if (status == 401 || status == 403) {
		snprintf(why, sizeof(why),
			 "the master at %s refused the credentials of principal '%s' (%d %s)%s%.300s",
			 s->master_text, s->principal, status,
			 status == 401 ? "Unauthorized" : "Forbidden", *text ? ": " : "", text);
		log_error("scheduler: %s", why);
		report_error(s, SCHED_ERR_AUTH, status, why);
	} else if (status == 0) {
		snprintf(why, sizeof(why), "%s the master at %s",
			 s->state == SCHED_SUBSCRIBED ? "lost the connection to" : "cannot reach",
			 s->master_text);
	} else if (status == 200) {
		snprintf(why, sizeof(why), "the master at %s closed the event stream",
			 s->master_text);
	} else {
		snprintf(why, sizeof(why), "the master at %s answered SUBSCRIBE with %d: %.400s",
			 s->master_text, status, text);
		report_error(s, SCHED_ERR_SUBSCRIBE, status, why);
	}
	lose_stream(s, why);
}

static void start_subscribe(struct sched *s)
{
	const char *headers[10];
	size_t nh = 0;
	json_t *call;
	char *body;

	if (sched_set_state(s, SCHED_SUBSCRIBING) < 0)
		return;
	headers[nh++] = "Content-Type";
	headers[nh++] = "application/json";
	headers[nh++] = "Accept";
	headers[nh++] = "application/json";
	if (s->auth_header[0]) {
		headers[nh++] = "Authorization";
		headers[nh++] = s->auth_header;
	}
	headers[nh] = NULL;
	recordio_init(&s->rio, SCHED_EVENT_MAX);
	s->stream_error[0] = '\0';
	/* No client timeout: liveness is ours (heartbeats), the stream is long-lived. */
	s->stream = http_client_new(s->base, s->host, s->port, 0);
	call = sched_subscribe_json(s->framework_info, s->framework_id, s->suppressed_roles);
	body = json_compact(call);
	json_decref(call);
	arm_liveness(s, s->call_timeout);
	log_debug("scheduler: SUBSCRIBE to %s%s: %s", s->master_text, s->path, body);
	s->stream_call = http_client_request(s->stream, EVHTTP_REQ_POST, s->path, headers, body,
					     strlen(body), on_stream_done, on_stream_chunk, s);
	free(body);
	if (!s->stream_call)
		lose_stream(s, "cannot send SUBSCRIBE");
}

/* ---- creation and teardown ---- */

static int check_framework_info(const json_t *info, const char *principal, char *err,
				size_t errlen)
{
	struct jerr je = { { 0 } };
	const char *user = NULL, *name = NULL, *p = NULL;

	if (!json_is_object(info))
		return snprintf(err, errlen, "framework_info: expected an object"), -EINVAL;
	if (jget_str(info, "user", "framework_info", true, 255, &user, &je) ||
	    jget_str(info, "name", "framework_info", true, 255, &name, &je) ||
	    jget_str(info, "principal", "framework_info", false, 255, &p, &je) < 0) {
		snprintf(err, errlen, "%s",
			 je.msg[0] ? je.msg : "framework_info: 'user' and 'name' are required");
		return -EINVAL;
	}
	/* The master refuses a principal that differs from the authenticated one. */
	if (p && principal && strcmp(p, principal)) {
		snprintf(err, errlen,
			 "framework_info.principal '%s' differs from the principal '%s' used to "
			 "authenticate",
			 p, principal);
		return -EINVAL;
	}
	return 0;
}

static int set_credentials(struct sched *s, const char *principal, const char *secret,
			   char *err, size_t errlen)
{
	char pair[600];
	char *b64;

	if (!principal)
		return 0;
	if (!*principal || strchr(principal, ':') || strlen(principal) > 255 || !secret ||
	    strlen(secret) > 255) {
		snprintf(err, errlen, "the principal must be 1-255 characters without ':' and "
				      "come with a secret of at most 255 characters");
		return -EINVAL;
	}
	str_copy(s->principal, principal, sizeof(s->principal));
	snprintf(pair, sizeof(pair), "%s:%s", principal, secret);
	b64 = base64_encode(pair, strlen(pair));
	snprintf(s->auth_header, sizeof(s->auth_header), "Basic %s", b64);
	explicit_bzero(pair, sizeof(pair));
	free(b64);
	return 0;
}

int sched_new(struct event_base *base, const struct sched_config *cfg,
	      const struct sched_callbacks *cb, void *arg, struct sched **out, char *err,
	      size_t errlen)
{
	struct sched *s = NULL;
	const char *known_id = NULL;
	struct jerr je;
	int rc;

	*out = NULL;
	s = xcalloc(1, sizeof(*s));
	rc = sched_parse_address(cfg->master, s->conf_host, sizeof(s->conf_host), &s->conf_port,
				 s->conf_path, sizeof(s->conf_path), err, errlen);
	if (rc < 0 || (rc = check_framework_info(cfg->framework_info, cfg->principal, err,
						 errlen)) < 0 ||
	    (rc = set_credentials(s, cfg->principal, cfg->secret, err, errlen)) < 0)
		goto out;
	s->base = base;
	if (cb)
		s->cb = *cb;
	s->arg = arg;
	s->framework_info = json_deep_copy(cfg->framework_info);
	if (cfg->principal && !json_object_get(s->framework_info, "principal"))
		json_object_set_new(s->framework_info, "principal", json_string(cfg->principal));
	if (jget_id(s->framework_info, "id", "framework_info", false, &known_id, &je) == 0)
		str_copy(s->framework_id, known_id, sizeof(s->framework_id));
	s->suppressed_roles = json_array();
	s->manual_ack = cfg->manual_ack;
	s->call_timeout = cfg->call_timeout > 0 ? cfg->call_timeout : DEFAULT_CALL_TIMEOUT;
	s->backoff_min = cfg->backoff_min > 0 ? cfg->backoff_min : 1.0;
	s->backoff_max = cfg->backoff_max > 0 ? cfg->backoff_max : 30.0;
	if (s->backoff_max < s->backoff_min)
		s->backoff_max = s->backoff_min;
	s->backoff = s->backoff_min;
	s->heartbeat_interval = DEFAULT_HEARTBEAT;
	s->liveness_timer = evtimer_new(base, on_liveness, s);
	s->retry_timer = evtimer_new(base, on_retry, s);
	/* The conf path is the scheduler endpoint only when one was given. */
	if (!str_starts_with(s->conf_path, "/api/v1/scheduler") &&
	    !str_ends_with(s->conf_path, "/api/v1/scheduler"))
		s->conf_path[0] = '\0';
	use_master(s, s->conf_host, s->conf_port, s->conf_path);
	*out = s;
	return 0;
out:
	free(s);
	return rc;
}

void sched_start(struct sched *s)
{
	if (s->state == SCHED_IDLE)
		start_subscribe(s);
}

void sched_stop(struct sched *s)
{
	if (s->state != SCHED_STOPPED)
		sched_set_state(s, SCHED_STOPPED);
}

static void sched_destroy(struct sched *s)
{
	while (s->reqs) {
		struct sched_req *q = s->reqs;
		req_unlink(q);
		http_call_cancel(q->call);
		free(q);
	}
	http_client_free(s->calls);
	for (size_t i = 0; i < SCHED_ACK_CONNS; i++)
		http_client_free(s->acks[i]);
	http_client_free(s->stream);
	recordio_free(&s->rio);
	event_free(s->liveness_timer);
	event_free(s->retry_timer);
	json_decref(s->framework_info);
	json_decref(s->suppressed_roles);
	explicit_bzero(s->auth_header, sizeof(s->auth_header));
	free(s);
}

static void free_later_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sched_destroy(arg);
}

void sched_free(struct sched *s)
{
	struct timeval zero = { 0, 0 };

	if (!s || s->free_pending)
		return;
	if (s->depth == 0) {
		sched_destroy(s);
		return;
	}
	/* Inside one of our callbacks: the caller's stack still uses s. */
	sched_stop(s);
	s->free_pending = true;
	if (event_base_once(s->base, -1, EV_TIMEOUT, free_later_cb, s, &zero) < 0)
		log_error("scheduler: cannot schedule freeing the client; it leaks");
}

enum sched_state sched_get_state(const struct sched *s) { return s->state; }
const char *sched_framework_id(const struct sched *s) { return s->framework_id; }
const char *sched_master(const struct sched *s) { return s->master_text; }
double sched_heartbeat_interval(const struct sched *s) { return s->heartbeat_interval; }
const char *sched_last_error(const struct sched *s) { return s->last_error; }

/* ---- calls ---- */

int sched_accept(struct sched *s, const char *const *offer_ids, size_t n, json_t *operations,
		 double refuse_seconds, sched_call_fn cb, void *arg)
{
	json_t *payload = sched_accept_payload(offer_ids, n, operations, refuse_seconds);
	return payload ? sched_send(s, "ACCEPT", payload, cb, arg) : -EINVAL;
}

int sched_launch(struct sched *s, const char *offer_id, json_t *task_infos,
		 double refuse_seconds, sched_call_fn cb, void *arg)
{
	json_t *op = sched_launch_operation(task_infos);
	if (!op)
		return -EINVAL;
	return sched_accept(s, &offer_id, 1, json_pack("[o]", op), refuse_seconds, cb, arg);
}

int sched_decline(struct sched *s, const char *const *offer_ids, size_t n,
		  double refuse_seconds, sched_call_fn cb, void *arg)
{
	json_t *payload = sched_decline_payload(offer_ids, n, refuse_seconds);
	return payload ? sched_send(s, "DECLINE", payload, cb, arg) : -EINVAL;
}

/* The roles "all roles" means for this framework. */
static json_t *framework_roles(const struct sched *s)
{
	json_t *roles = json_object_get(s->framework_info, "roles");
	const char *role = json_string_value(json_object_get(s->framework_info, "role"));

	if (json_is_array(roles) && json_array_size(roles))
		return json_deep_copy(roles);
	return json_pack("[s]", role ? role : "*");
}

static bool roles_have(const json_t *arr, const char *role)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		const char *r = json_string_value(v);
		if (r && !strcmp(r, role))
			return true;
	}
	return false;
}

/* Remembers what is suppressed so a resubscription keeps it that way. */
static void track_suppressed(struct sched *s, bool suppress, const char *const *roles,
			     size_t n)
{
	json_t *next = json_array();
	json_t *named = json_array();
	size_t i;
	json_t *v;

	for (i = 0; i < n; i++)
		json_array_append_new(named, json_string(roles[i]));
	if (n == 0 && suppress) {
		json_decref(named);
		named = framework_roles(s);
	}
	/* Revive of all roles (n == 0) keeps nothing; a named revive drops those roles. */
	json_array_foreach(s->suppressed_roles, i, v) {
		if (suppress || (n > 0 && !roles_have(named, json_string_value(v))))
			json_array_append(next, v);
	}
	if (suppress) {
		json_array_foreach(named, i, v) {
			const char *r = json_string_value(v);
			if (r && !roles_have(next, r))
				json_array_append(next, v);
		}
	}
	json_decref(named);
	json_decref(s->suppressed_roles);
	s->suppressed_roles = next;
}

int sched_revive(struct sched *s, const char *const *roles, size_t n, sched_call_fn cb,
		 void *arg)
{
	json_t *payload = sched_roles_payload(roles, n);
	int rc = payload ? sched_send(s, "REVIVE", payload, cb, arg) : -EINVAL;
	if (rc == 0)
		track_suppressed(s, false, roles, n);
	return rc;
}

int sched_suppress(struct sched *s, const char *const *roles, size_t n, sched_call_fn cb,
		   void *arg)
{
	json_t *payload = sched_roles_payload(roles, n);
	int rc = payload ? sched_send(s, "SUPPRESS", payload, cb, arg) : -EINVAL;
	if (rc == 0)
		track_suppressed(s, true, roles, n);
	return rc;
}

int sched_kill(struct sched *s, const char *task_id, const char *agent_id, double grace_seconds,
	       sched_call_fn cb, void *arg)
{
	json_t *payload = sched_kill_payload(task_id, agent_id, grace_seconds);
	return payload ? sched_send(s, "KILL", payload, cb, arg) : -EINVAL;
}

int sched_acknowledge(struct sched *s, const char *agent_id, const char *task_id,
		      const char *uuid, sched_call_fn cb, void *arg)
{
	json_t *payload = sched_ack_payload(agent_id, task_id, uuid);
	return payload ? sched_send(s, "ACKNOWLEDGE", payload, cb, arg) : -EINVAL;
}

int sched_reconcile(struct sched *s, const char *const *task_ids, const char *const *agent_ids,
		    size_t n, sched_call_fn cb, void *arg)
{
	json_t *payload = sched_reconcile_payload(task_ids, agent_ids, n);
	return payload ? sched_send(s, "RECONCILE", payload, cb, arg) : -EINVAL;
}

int sched_teardown(struct sched *s, sched_call_fn cb, void *arg)
{
	int rc = sched_send(s, "TEARDOWN", NULL, cb, arg);
	if (rc == 0)
		s->torn_down = true;
	return rc;
}

int sched_message(struct sched *s, const char *agent_id, const char *executor_id,
		  const void *data, size_t len, sched_call_fn cb, void *arg)
{
	json_t *payload = sched_message_payload(agent_id, executor_id, data, len);
	return payload ? sched_send(s, "MESSAGE", payload, cb, arg) : -EINVAL;
}
