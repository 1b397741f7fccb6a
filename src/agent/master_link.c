/*
 * agent/master_link — registration with the master and the event stream,
 * agent side (the master side is master/agent_link.c, which documents the
 * protocol).
 *
 *   IDLE ──retry timer──▶ CHALLENGE ──nonce──▶ SUBSCRIBING ──SUBSCRIBED──▶ CONNECTED
 *     ▲                        │                    │                          │
 *     └──── back-off ◀─────────┴────────────────────┴── stream ends / 401 / ──┘
 *                                                       silent master / 403 ping
 *
 * Without a --credential the CHALLENGE step is skipped. Back-off is random
 * in [0, b] with b = --registration_backoff_factor doubling up to 60 s, and
 * reset when SUBSCRIBED arrives. A master that sends nothing (not even a
 * HEARTBEAT) for 3 heartbeat intervals is treated as gone. Clients are
 * never freed inside their own callbacks (http_client_free_later).
 *
 * Tasks ride on the link: the subscription lists every task the agent
 * still has (re-registration), SUBSCRIBED makes every task resend the head
 * of its update queue, LAUNCH/KILL/ACKNOWLEDGE/SHUTDOWN_FRAMEWORK events go
 * to tasks.c (payload under the lower-case type: {"type":"KILL","kill":
 * {...}}), and link_send_update() posts UPDATE calls on the ctl client
 * without waiting for them (status_updates.c resends until acknowledged).
 * Task events before SUBSCRIBED are ignored.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/master_events.h"
#include "agent/tasks.h"
#include "core/auth.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "core/version.h"

#define BACKOFF_MAX 60.0

static void link_set_state(struct agent *a, enum link_state next);
static void schedule_retry(struct agent *a, const char *why);
static void send_subscribe(struct agent *a, const char *nonce);

const char *link_state_name(enum link_state s)
{
	switch (s) {
	case LINK_IDLE: return "disconnected";
	case LINK_CHALLENGE: return "authenticating";
	case LINK_SUBSCRIBING: return "registering";
	case LINK_CONNECTED: return "registered";
	}
	return "?";
}

int link_parse_master(struct agent *a, char *err, size_t errlen)
{
	char buf[512];
	char *s, *colon;
	int64_t port = 5050;

	if (!a->flags.master) {
		snprintf(err, errlen, "flag --master is required (host:port of the master)");
		return -EINVAL;
	}
	str_copy(buf, a->flags.master, sizeof(buf));
	s = str_trim(buf);
	if (str_starts_with(s, "zk://")) {
		snprintf(err, errlen,
			 "flag --master: '%s' is a ZooKeeper URL; leader detection through "
			 "ZooKeeper is not available in this version of agora, give the "
			 "master as host:port",
			 s);
		return -EINVAL;
	}
	if (str_starts_with(s, "http://"))
		s += 7;
	s[strcspn(s, "/")] = '\0';
	colon = strrchr(s, ':');
	if (colon) {
		*colon = '\0';
		if (parse_int64(colon + 1, &port) < 0 || port < 1 || port > 65535) {
			snprintf(err, errlen, "flag --master: bad port in '%s'", a->flags.master);
			return -EINVAL;
		}
	}
	if (!*s) {
		snprintf(err, errlen, "flag --master: no host in '%s'", a->flags.master);
		return -EINVAL;
	}
	str_copy(a->master_host, s, sizeof(a->master_host));
	a->master_port = (uint16_t)port;
	return 0;
}

static void drop_stream(struct agent *a)
{
	if (a->stream) {
		http_client_free_later(a->stream);
		a->stream = NULL;
	}
	recordio_free(&a->rio);
	a->session[0] = '\0';
}

static void link_set_state(struct agent *a, enum link_state next)
{
	if (a->link == next)
		return;
	log_debug("agent: master link %s -> %s", link_state_name(a->link), link_state_name(next));
	if (next == LINK_IDLE || next == LINK_CHALLENGE)
		drop_stream(a);
	if (next != LINK_CONNECTED && a->ping_timer)
		event_del(a->ping_timer);
	a->link = next;
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	link_start(arg);
}

static void schedule_retry(struct agent *a, const char *why)
{
	uint32_t rnd = 0;
	double delay;
	struct timeval tv;

	link_set_state(a, LINK_IDLE);
	random_bytes(&rnd, sizeof(rnd));
	delay = a->backoff * ((double)rnd / 4294967295.0);
	if (delay < 0.01)
		delay = 0.01;
	log_warnx("agent: %s; retrying in %.2fs", why, delay);
	a->backoff *= 2;
	if (a->backoff > BACKOFF_MAX)
		a->backoff = BACKOFF_MAX;
	tv.tv_sec = (time_t)delay;
	tv.tv_usec = (suseconds_t)((delay - (double)tv.tv_sec) * 1e6);
	event_add(a->retry_timer, &tv);
}

static void on_call_done(int status, const char *body, size_t len, struct evkeyvalq *h,
			 void *arg)
{
	struct agent *a = arg;
	(void)len;
	(void)h;
	if (status == 403 && a->link == LINK_CONNECTED)
		schedule_retry(a, "the master no longer knows this session (403 on a call)");
	else if (status == 400)
		log_warnx("agent: the master refused a call: %.300s", body);
}

static void send_ping(struct agent *a)
{
	static const char body[] = "{\"type\":\"PING\"}";
	const char *headers[] = { "Content-Type", "application/json", "Agora-Agent-Session",
				  a->session, NULL };
	http_client_request(a->ctl, EVHTTP_REQ_POST, "/agent/call", headers, body,
			    sizeof(body) - 1, on_call_done, NULL, a);
}

static void on_ping_timer(evutil_socket_t fd, short what, void *arg)
{
	struct agent *a = arg;
	double silent = now_mono() - a->last_event;
	(void)fd;
	(void)what;
	if (a->link != LINK_CONNECTED)
		return;
	if (silent > 3 * a->heartbeat_interval + 1) {
		char why[128];
		snprintf(why, sizeof(why), "no event from the master for %.1fs", silent);
		schedule_retry(a, why);
		return;
	}
	send_ping(a);
}

static void handle_subscribed(struct agent *a, const struct mevent_subscribed *sub)
{
	const char *id = sub->agent_id;
	struct timeval tv;

	str_copy(a->master_id, sub->master_id, sizeof(a->master_id));
	if (a->id[0] && strcmp(a->id, id))
		log_warnx("agent: the master assigned a new id %s (was %s)", id, a->id);
	str_copy(a->id, id, sizeof(a->id));
	str_copy(a->session, sub->session, sizeof(a->session));
	a->ping_interval = sub->ping_interval;
	a->heartbeat_interval = sub->heartbeat_interval;
	if (checkpoint_save_agent(a) < 0)
		log_warn("agent: cannot checkpoint agent id %s under %s/meta", a->id,
			 a->flags.work_dir);
	link_set_state(a, LINK_CONNECTED);
	a->backoff = a->flags.registration_backoff_factor;
	log_info("agent: %s with master %s at %s:%u as agent %s",
		 sub->reregistered ? "re-registered" : "registered", a->master_id, a->master_host,
		 a->master_port, a->id);
	a->registered_once = true;
	tv.tv_sec = (time_t)a->ping_interval;
	tv.tv_usec = (suseconds_t)((a->ping_interval - (double)tv.tv_sec) * 1e6);
	event_add(a->ping_timer, &tv);
	atasks_on_subscribed(a);
}

void link_send_update(struct agent *a, const char *framework_id, const json_t *status)
{
	const char *headers[] = { "Content-Type", "application/json", "Agora-Agent-Session",
				  a->session, NULL };
	json_t *call;
	char *body;

	if (a->link != LINK_CONNECTED)
		return;
	call = json_pack("{s:s, s:{s:{s:s}, s:O}}", "type", "UPDATE", "update", "framework_id",
			 "value", framework_id, "status", status);
	body = json_compact(call);
	json_decref(call);
	{
		struct http_client **c = &a->updates[a->update_next++ % ARRAY_LEN(a->updates)];
		if (!*c)
			*c = http_client_new(a->base, a->master_host, a->master_port, 30);
		if (!http_client_request(*c, EVHTTP_REQ_POST, "/agent/call", headers, body,
					 strlen(body), on_call_done, NULL, a))
			log_warnx("agent: cannot send a status update to the master; it will be "
				  "resent");
	}
	free(body);
}

static void handle_event(struct agent *a, const char *data, size_t len)
{
	struct jerr err;
	struct mevent ev;

	a->last_event = now_mono();
	if (mevent_parse(data, len, &ev, &err) < 0) {
		log_warnx("agent: malformed event from the master (%s): %s",
			  ev.type_name ? ev.type_name : "no type", err.msg);
		if (ev.type == MEVENT_SUBSCRIBED)
			schedule_retry(a, "malformed SUBSCRIBED");
		mevent_free(&ev);
		return;
	}
	if (ev.type == MEVENT_SUBSCRIBED)
		handle_subscribed(a, &ev.u.subscribed);
	else if (ev.type == MEVENT_HEARTBEAT)
		;
	else if (a->link != LINK_CONNECTED)
		log_warnx("agent: ignoring a %s event that came before SUBSCRIBED", ev.type_name);
	else if (ev.type == MEVENT_LAUNCH)
		atasks_launch(a, &ev.u.launch);
	else if (ev.type == MEVENT_KILL)
		atasks_kill(a, &ev.u.kill);
	else if (ev.type == MEVENT_ACKNOWLEDGE)
		atasks_acknowledge(a, &ev.u.acknowledge);
	else if (ev.type == MEVENT_SHUTDOWN_FRAMEWORK)
		atasks_shutdown_framework(a, ev.u.shutdown_framework_id);
	else
		log_warnx("agent: ignoring unknown event type '%s' from the master", ev.type_name);
	mevent_free(&ev);
}

static void on_stream_chunk(int status, const char *data, size_t len, void *arg)
{
	struct agent *a = arg;
	const char *rec;
	size_t rlen;
	int r = 0;

	a->stream_status = status;
	if (status != 200) {
		/* An error reply: keep its text for the log line. */
		size_t have = strlen(a->stream_error);
		size_t room = sizeof(a->stream_error) - 1 - have;
		size_t n = len < room ? len : room;
		memcpy(a->stream_error + have, data, n);
		a->stream_error[have + n] = '\0';
		return;
	}
	if (recordio_feed(&a->rio, data, len) < 0) {
		schedule_retry(a, "malformed event stream from the master");
		return;
	}
	while (a->stream && (r = recordio_next(&a->rio, &rec, &rlen)) == 1)
		handle_event(a, rec, rlen);
	if (a->stream && r < 0)
		schedule_retry(a, "malformed event stream from the master");
}

static void on_stream_done(int status, const char *body, size_t len, struct evkeyvalq *h,
			   void *arg)
{
	struct agent *a = arg;
	char why[768];
	(void)body;
	(void)len;
	(void)h;

	if (a->link != LINK_SUBSCRIBING && a->link != LINK_CONNECTED)
		return;
	if (status == 401)
		snprintf(why, sizeof(why),
			 "the master refused authentication for principal '%s': %s",
			 a->have_credential ? a->credential.principal : "(none)",
			 a->stream_error[0] ? a->stream_error : "401 Unauthorized");
	else if (status == 0)
		snprintf(why, sizeof(why), "lost the connection to the master at %s:%u",
			 a->master_host, a->master_port);
	else if (status == 200)
		snprintf(why, sizeof(why), "the master closed the event stream");
	else
		snprintf(why, sizeof(why), "the master answered %d: %s", status,
			 a->stream_error[0] ? a->stream_error : "");
	if (status == 401)
		log_error("agent: %s", why);
	schedule_retry(a, why);
}

static void send_subscribe(struct agent *a, const char *nonce)
{
	const char *headers[] = { "Content-Type", "application/json", "Accept",
				  "application/json", NULL };
	json_t *info, *req;
	char *body;

	info = json_pack("{s:s, s:i, s:o, s:O, s:s}", "hostname", a->hostname, "port",
			 (int)a->port, "resources", res_to_json(&a->resources), "attributes",
			 a->attributes, "version", AGORA_VERSION);
	if (a->id[0])
		json_object_set_new(info, "id", json_id(a->id));
	req = json_pack("{s:o, s:o}", "agent_info", info, "tasks", atasks_subscribe_json(a));
	if (a->have_credential && nonce) {
		char mac[AUTH_MAC_HEX];
		auth_mac(a->credential.secret, a->credential.principal, nonce, mac);
		json_object_set_new(req, "auth",
				    json_pack("{s:s, s:s, s:s}", "principal",
					      a->credential.principal, "nonce", nonce, "mac", mac));
	}
	body = json_compact(req);
	json_decref(req);

	link_set_state(a, LINK_SUBSCRIBING);
	recordio_init(&a->rio, MEVENT_MAX);
	a->stream_error[0] = '\0';
	a->stream_status = 0;
	a->stream = http_client_new(a->base, a->master_host, a->master_port, 0);
	a->last_event = now_mono();
	if (!http_client_request(a->stream, EVHTTP_REQ_POST, "/agent/subscribe", headers, body,
				 strlen(body), on_stream_done, on_stream_chunk, a))
		schedule_retry(a, "cannot send the subscription");
	free(body);
}

static void on_challenge_done(int status, const char *body, size_t len, struct evkeyvalq *h,
			      void *arg)
{
	struct agent *a = arg;
	struct jerr err;
	json_t *reply;
	const char *nonce = NULL;
	char why[600];
	(void)h;

	if (a->link != LINK_CHALLENGE)
		return;
	if (status != 200) {
		if (status == 0)
			snprintf(why, sizeof(why), "cannot reach the master at %s:%u",
				 a->master_host, a->master_port);
		else
			snprintf(why, sizeof(why), "authentication challenge failed (%d: %.200s)",
				 status, body);
		schedule_retry(a, why);
		return;
	}
	reply = json_parse_bounded(body, len, 4096, "challenge", &err);
	if (!reply || jget_str(reply, "nonce", NULL, true, 128, &nonce, &err)) {
		json_decref(reply);
		schedule_retry(a, "malformed challenge from the master");
		return;
	}
	send_subscribe(a, nonce);
	json_decref(reply);
}

void link_init_timers(struct agent *a)
{
	a->ping_timer = event_new(a->base, -1, EV_PERSIST, on_ping_timer, a);
	a->retry_timer = event_new(a->base, -1, 0, on_retry, a);
}

void link_start(struct agent *a)
{
	const char *headers[] = { "Content-Type", "application/json", NULL };
	json_t *req;
	char *body;

	if (a->link != LINK_IDLE)
		return;
	if (!a->have_credential) {
		send_subscribe(a, NULL);
		return;
	}
	link_set_state(a, LINK_CHALLENGE);
	req = json_pack("{s:s}", "principal", a->credential.principal);
	body = json_compact(req);
	json_decref(req);
	if (!http_client_request(a->ctl, EVHTTP_REQ_POST, "/agent/challenge", headers, body,
				 strlen(body), on_challenge_done, NULL, a))
		schedule_retry(a, "cannot send the authentication challenge");
	free(body);
}

void link_stop(struct agent *a)
{
	link_set_state(a, LINK_IDLE);
	if (a->retry_timer)
		event_del(a->retry_timer);
}
