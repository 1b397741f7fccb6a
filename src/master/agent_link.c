/*
 * master/agent_link — the agent protocol, master side.
 *
 * The agent always dials the master (never the reverse):
 *   1. POST /agent/challenge {"principal":P}          -> {"nonce":N}
 *   2. POST /agent/subscribe {agent_info, auth:{principal,nonce,mac}}
 *        -> 401 when the proof fails (the log names the principal),
 *           403 when the principal may not register agents (ACL
 *           register_agents) or asks for an agent id bound to another
 *           principal (the first principal of an id keeps it, in the
 *           registry), or
 *           200 chunked RecordIO stream: SUBSCRIBED{agent_id, session,
 *           ping_interval_seconds, master_info}, then HEARTBEAT, LAUNCH,
 *           KILL ... events.
 *   3. POST /agent/call with header Agora-Agent-Session: <session>
 *        {"type":"PING"} ...                            -> 202
 *        unknown session -> 403 (the agent re-subscribes).
 * mac = HMAC-SHA256(secret, "agora-agent-v1\n" P "\n" N) (core/auth.h), so
 * the secret never crosses the wire. Nonces are stateless (core/auth.h:
 * a MAC under the master's key over principal, time and random bytes),
 * verify for NONCE_TTL seconds and at most once (a small replay cache per
 * principal that proved its secret); every failed proof gets the same 401
 * body, and each source address has a token bucket for challenges and
 * subscriptions (429 when empty). The agent row is committed to the
 * registry before SUBSCRIBED is sent (durable before acknowledged), and the
 * re-registration's task list is reconciled (tasks.c) right after
 * SUBSCRIBED, so the KILLs it may cause reach an agent that listens.
 *
 * agent_link_subscribe() is five steps, each of which may refuse with a
 * status and a sentence: parse, authenticate_agent, authorize_agent,
 * admit_agent (record + registry), attach_agent (stream + SUBSCRIBED).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/auth.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "master/agent_msg.h"
#include "master/master.h"

#define NONCE_TTL 30.0	  /* seconds a nonce verifies after it was handed out */
#define SOURCE_RATE 100.0 /* challenges + subscriptions per second and source address */
#define SOURCE_BURST 200.0
#define AUTH_FAILED "authentication failed" /* the one 401 body, whatever failed */

/* Bounded by --max_body (evhttp refuses larger bodies with 413 before this). */
static json_t *parse_body(struct master *m, struct http_req *r, struct jerr *err)
{
	size_t len;
	const char *body = http_body(r, &len);
	char ct[64];

	http_content_type(r, ct, sizeof(ct));
	if (strcmp(ct, "application/json")) {
		jerr_set(err, NULL, NULL, "expected Content-Type: application/json");
		return NULL;
	}
	if (!body) {
		jerr_set(err, NULL, NULL, "empty body");
		return NULL;
	}
	return json_parse_bounded(body, len, (size_t)m->flags.max_body, "body", err);
}

/*
 * One token from the bucket of this source address; false when it is empty.
 * Addresses share AGENT_SOURCE_SLOTS slots by hash; a slot taken over by
 * another address starts full, so a crowd of addresses gets no more than
 * a burst each, and each request costs at most one HMAC.
 */
static bool source_admit(struct master *m, const char *addr)
{
	uint32_t h = 2166136261u;
	struct agent_source *src;
	double now = now_mono();

	for (const char *p = addr; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	src = &m->sources[h % AGENT_SOURCE_SLOTS];
	if (strcmp(src->addr, addr)) {
		str_copy(src->addr, addr, sizeof(src->addr));
		src->tokens = SOURCE_BURST;
		src->last = now;
	}
	src->tokens += (now - src->last) * SOURCE_RATE;
	if (src->tokens > SOURCE_BURST)
		src->tokens = SOURCE_BURST;
	src->last = now;
	if (src->tokens < 1.0)
		return false;
	src->tokens -= 1.0;
	return true;
}

static void reply_slow_down(struct http_req *r)
{
	http_add_header(r, "Retry-After", "1");
	http_reply_text(r, 429, "too many authentication attempts from %s; retry later",
			http_peer(r));
}

/*
 * A nonce for any principal, known or not (the answer must not tell), made
 * from the master's key: nothing is stored, so a flood of challenges can
 * fill nothing.
 */
void agent_link_challenge(struct http_req *r, void *arg)
{
	struct master *m = arg;
	struct jerr err;
	json_t *req;
	const char *principal = NULL;
	char nonce[AUTH_NONCE_HEX];
	int rc;

	if (!source_admit(m, http_peer(r))) {
		reply_slow_down(r);
		return;
	}
	req = parse_body(m, r, &err);
	if (!req) {
		http_reply_text(r, 400, "%s", err.msg);
		return;
	}
	if (jget_str(req, "principal", NULL, true, CRED_MAX_FIELD, &principal, &err) != 0) {
		json_decref(req);
		http_reply_text(r, 400, "%s", err.msg);
		return;
	}
	rc = auth_nonce_issue(m->nonce_key, principal, (uint64_t)(now_mono() * 1000), nonce);
	json_decref(req);
	if (rc == -EINVAL) {
		http_reply_text(r, 400, "principal: must not contain a newline");
		return;
	}
	if (rc < 0) {
		http_reply_text(r, 503, "no randomness for a nonce; retry later");
		return;
	}
	http_reply_json(r, 200, json_pack("{s:s}", "nonce", nonce));
}

/*
 * Single use: true when principal had not used nonce yet (and now has).
 * Only principals that proved their secret get here, so the caches are as
 * many as --credentials has principals, each at most AGENT_REPLAY_MAX.
 */
static bool replay_first_use(struct master *m, const char *principal, const char *nonce,
			     char *why, size_t whylen)
{
	struct agent_replay *rc = map_get(&m->nonce_replay, principal);
	double now = now_mono();
	size_t kept = 0;

	if (!rc) {
		rc = xcalloc(1, sizeof(*rc));
		map_put(&m->nonce_replay, principal, rc);
	}
	for (size_t i = 0; i < rc->n; i++) {
		if (rc->used[i].expires < now)
			continue;
		if (!strcmp(rc->used[i].nonce, nonce)) {
			snprintf(why, whylen, "principal '%s': nonce used before", principal);
			return false;
		}
		rc->used[kept++] = rc->used[i];
	}
	rc->n = kept;
	if (rc->n == AGENT_REPLAY_MAX) {
		snprintf(why, whylen,
			 "principal '%s': more than %d registrations within %.0fs; retry later",
			 principal, AGENT_REPLAY_MAX, NONCE_TTL);
		return false;
	}
	str_copy(rc->used[rc->n].nonce, nonce, sizeof(rc->used[rc->n].nonce));
	rc->used[rc->n].expires = now + NONCE_TTL + 1;
	rc->n++;
	return true;
}

/*
 * Checks the proof in auth{}; on failure fills why (for the log only: the
 * peer gets AUTH_FAILED whatever went wrong, so it cannot tell a principal
 * that does not exist from a wrong secret). The same work is done either way.
 */
static bool check_proof(struct master *m, const json_t *auth, const char *peer,
			const char **principal_out, char *why, size_t whylen)
{
	const char *principal = NULL, *nonce = NULL, *mac = NULL, *secret;
	struct jerr err;
	bool ok;
	int fresh;

	(void)peer;
	if (!auth) {
		snprintf(why, whylen, "no credentials presented (the master requires agent "
				      "authentication; give the agent --credential)");
		return false;
	}
	if (jget_str(auth, "principal", "auth", true, CRED_MAX_FIELD, &principal, &err) ||
	    jget_str(auth, "nonce", "auth", true, 128, &nonce, &err) ||
	    jget_str(auth, "mac", "auth", true, 128, &mac, &err)) {
		snprintf(why, whylen, "%s", err.msg);
		return false;
	}
	*principal_out = principal;
	fresh = auth_nonce_check(m->nonce_key, principal, nonce, (uint64_t)(now_mono() * 1000),
				 (uint64_t)(NONCE_TTL * 1000));
	secret = cred_lookup(&m->credentials, principal);
	/* Verify against a dummy secret for unknown principals: same work either way. */
	ok = auth_mac_verify(secret ? secret : "\x01unknown", principal, nonce, mac);
	if (fresh == -ETIMEDOUT) {
		snprintf(why, whylen, "principal '%s': expired nonce (older than %.0fs)", principal,
			 NONCE_TTL);
		return false;
	}
	if (fresh < 0) {
		snprintf(why, whylen, "principal '%s': not a nonce of this master", principal);
		return false;
	}
	if (!secret) {
		snprintf(why, whylen, "principal '%s' is not in --credentials", principal);
		return false;
	}
	if (!ok) {
		snprintf(why, whylen, "principal '%s': wrong secret (MAC mismatch)", principal);
		return false;
	}
	return replay_first_use(m, principal, nonce, why, whylen);
}

static void on_agent_stream_closed(struct http_stream *st, void *arg)
{
	struct master_agent *a = arg;
	(void)st;
	if (a->stream != st)
		return;
	/* The stream is dead; forget it before the state change frees it. */
	a->stream = NULL;
	http_stream_free(st);
	if (a->state == AGENT_CONNECTED)
		master_agent_set_state(a, AGENT_DISCONNECTED, "connection closed");
}

static int new_agent_id(struct master *m, char *out, size_t size)
{
	return str_printf(out, size, "%s-S%llu", m->id, (unsigned long long)m->next_agent_seq++);
}

/* Why a subscription is refused: the reply's status and text. */
struct refusal {
	int status; /* 0 while nothing refused it */
	bool challenge; /* 401: add WWW-Authenticate */
	char text[700];
};

static int refuse(struct refusal *no, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(struct refusal *no, int status, const char *fmt, ...)
{
	va_list ap;

	no->status = status;
	va_start(ap, fmt);
	vsnprintf(no->text, sizeof(no->text), fmt, ap);
	va_end(ap);
	return -1;
}

/* The proof of the principal (when --authenticate_agents); *principal stays "" without. */
static int authenticate_agent(struct master *m, const struct agent_sub *sub, const char *peer,
			      const char **principal, struct refusal *no)
{
	char why[512];

	if (!m->flags.authenticate_agents)
		return 0;
	if (check_proof(m, sub->auth, peer, principal, why, sizeof(why)))
		return 0;
	log_warnx("master: refused agent at %s (%s:%lld): authentication failed: %s", peer,
		  sub->info.hostname, (long long)sub->info.port, why);
	no->challenge = true;
	if (!sub->auth) /* nothing about any principal: say what is missing */
		return refuse(no, 401, "%s: %s", AUTH_FAILED, why);
	return refuse(no, 401, "%s", AUTH_FAILED);
}

/*
 * The principal may register agents (ACL register_agents) and, when it asks
 * for a known agent id, is the principal that id was first registered by:
 * an agent id is bound to its principal for good (kept in the registry), so
 * another principal cannot take over an agent and have its tasks declared
 * lost while they still run.
 */
static int authorize_agent(struct master *m, const struct agent_sub *sub, const char *peer,
			   const char *principal, struct refusal *no)
{
	struct master_agent *a = sub->info.id ? map_get(&m->agents, sub->info.id) : NULL;
	char why[600];

	if (!master_authorize_agent(m, principal, why, sizeof(why))) {
		log_warnx("master: refused agent at %s (%s:%lld): %s", peer, sub->info.hostname,
			  (long long)sub->info.port, why);
		return refuse(no, 403, "%s", why);
	}
	if (a && m->flags.authenticate_agents && a->principal[0] &&
	    strcmp(a->principal, principal)) {
		log_warnx("master: refused agent at %s (%s:%lld): principal '%s' asked for agent "
			  "id %s, which belongs to principal '%s'; the agent keeps running",
			  peer, sub->info.hostname, (long long)sub->info.port, principal, a->id,
			  a->principal);
		return refuse(no, 403,
			      "agent id %s is registered by another principal; principal '%s' "
			      "may not take it over",
			      a->id, principal);
	}
	return 0;
}

/*
 * Finds or creates the agent's record, takes the subscription's resources
 * into it (sub->info.resources is emptied) and commits it to the registry.
 */
static int admit_agent(struct master *m, struct agent_sub *sub, const char *peer,
		       const char *principal, struct master_agent **out, bool *known,
		       bool *was_unreachable, struct refusal *no)
{
	struct master_agent *a = sub->info.id ? map_get(&m->agents, sub->info.id) : NULL;
	char idbuf[128];
	bool changed;

	*known = a != NULL;
	if (!a) {
		if (sub->info.id) {
			log_warnx("master: agent %s (%s:%lld) is not in the registry (was the "
				  "master's --work_dir replaced?); admitting it under its id",
				  sub->info.id, sub->info.hostname, (long long)sub->info.port);
			str_copy(idbuf, sub->info.id, sizeof(idbuf));
		} else if (new_agent_id(m, idbuf, sizeof(idbuf)) < 0) {
			return refuse(no, 500, "agent id too long");
		}
		a = master_agent_new(m, idbuf);
		a->registered_time = now_wall();
	} else {
		a->reregistered_time = now_wall();
	}
	changed = *known && !res_equal(&a->total, &sub->info.resources);
	if (changed) {
		char old_text[1024], new_text[1024];
		res_to_text(&a->total, old_text, sizeof(old_text));
		res_to_text(&sub->info.resources, new_text, sizeof(new_text));
		log_info("master: agent %s re-registers with changed resources: %s -> %s", a->id,
			 old_text, new_text);
	}
	res_free(&a->total);
	a->total = sub->info.resources;
	sub->info.resources = RESOURCES_EMPTY;
	str_copy(a->hostname, sub->info.hostname, sizeof(a->hostname));
	str_copy(a->ip, peer, sizeof(a->ip));
	a->port = (uint16_t)sub->info.port;
	if (!a->principal[0]) /* the first principal binds the id */
		str_copy(a->principal, principal, sizeof(a->principal));
	json_decref(a->attributes);
	a->attributes = sub->info.attributes ? json_incref((json_t *)sub->info.attributes)
					     : json_array();
	*was_unreachable = a->unreachable_time > 0;
	a->unreachable_time = 0;

	if (registry_save_agent(m, a) < 0) {
		if (!*known) {
			map_del(&m->agents, a->id);
			master_agent_free(a);
		}
		return refuse(no, 503, "registry write failed; retry");
	}
	*out = a;
	return 0;
}

/* Opens the agent's event stream on r (replacing an old one) and sends SUBSCRIBED. */
static int attach_agent(struct master *m, struct http_req *r, struct master_agent *a,
			const json_t *reported, bool known, bool was_unreachable,
			struct refusal *no)
{
	json_t *event;
	char *payload;

	if (a->stream) {
		if (a->session[0])
			map_del(&m->agent_sessions, a->session);
		http_stream_free(a->stream);
		a->stream = NULL;
	}
	if (random_hex(32, a->session) < 0)
		return refuse(no, 503, "no randomness");
	map_put(&m->agent_sessions, a->session, a);
	a->stream = http_stream_start(r, 200, "application/json", on_agent_stream_closed, a);
	master_agent_set_state(a, AGENT_CONNECTED, "subscribed");
	log_info("master: agent %s (%s:%u, principal '%s') %s", a->id, a->hostname, a->port,
		 a->principal[0] ? a->principal : "-", known ? "re-registered" : "registered");

	event = json_pack("{s:s, s:{s:o, s:s, s:f, s:f, s:o, s:b}}", "type", "SUBSCRIBED",
			  "subscribed", "agent_id", json_id(a->id), "session", a->session,
			  "ping_interval_seconds", master_agent_ping_interval(m),
			  "heartbeat_interval_seconds", master_agent_timer_period(m), "master_info",
			  master_info_json(m), "reregistered", known);
	payload = json_compact(event);
	json_decref(event);
	if (http_stream_send_record(a->stream, payload) < 0)
		master_agent_set_state(a, AGENT_DISCONNECTED, "event stream write failed");
	free(payload);
	/* After SUBSCRIBED: the agent ignores task events (KILL) that come before it. */
	tasks_agent_reregistered(a, reported, was_unreachable);
	return 0;
}

/* POST /agent/subscribe: parse, authenticate, authorize, admit, attach. */
void agent_link_subscribe(struct http_req *r, void *arg)
{
	struct master *m = arg;
	const char *peer = http_peer(r), *principal = "";
	struct refusal no = { 0 };
	struct agent_sub sub = { 0 };
	struct master_agent *a = NULL;
	struct jerr err;
	json_t *req;
	bool known = false, was_unreachable = false;

	if (m->flags.authenticate_agents && !source_admit(m, peer)) {
		reply_slow_down(r);
		return;
	}
	req = parse_body(m, r, &err);
	if (!req || agent_subscribe_parse(req, &sub, &err) < 0) {
		log_warnx("master: bad subscription from agent at %s: %s", peer, err.msg);
		refuse(&no, 400, "%s", err.msg);
		goto out;
	}
	if (authenticate_agent(m, &sub, peer, &principal, &no) < 0 ||
	    authorize_agent(m, &sub, peer, principal, &no) < 0 ||
	    admit_agent(m, &sub, peer, principal, &a, &known, &was_unreachable, &no) < 0)
		goto out;
	attach_agent(m, r, a, sub.tasks, known, was_unreachable, &no);
out:
	if (no.status) {
		if (no.challenge)
			http_add_header(r, "WWW-Authenticate",
					"AgoraAgent realm=\"mesos-master-agent\"");
		http_reply_text(r, no.status, "%s", no.text);
	}
	mesos_agent_info_free(&sub.info);
	json_decref(req);
}

void agent_link_call(struct http_req *r, void *arg)
{
	struct master *m = arg;
	const char *session = http_header(r, "Agora-Agent-Session");
	struct master_agent *a = session ? map_get(&m->agent_sessions, session) : NULL;
	struct jerr err;
	json_t *req;
	const char *type = NULL;

	if (!a || a->state != AGENT_CONNECTED) {
		http_reply_text(r, 403, "agent is not subscribed");
		return;
	}
	req = parse_body(m, r, &err);
	if (!req || jget_str(req, "type", NULL, true, 64, &type, &err) != 0) {
		json_decref(req);
		http_reply_text(r, 400, "%s", err.msg);
		return;
	}
	a->last_ping = now_mono();
	if (a->missed_pings) {
		a->missed_pings = 0;
		log_info("master: agent %s pings again", a->id);
	}
	if (!strcmp(type, "PING")) {
		json_decref(req);
		http_reply_empty(r, 202);
		return;
	}
	if (!strcmp(type, "UPDATE")) {
		json_t *update = NULL;
		if (jget_obj(req, "update", NULL, true, &update, &err)) {
			json_decref(req);
			http_reply_text(r, 400, "%s", err.msg);
			return;
		}
		tasks_on_agent_update(m, a, update);
		json_decref(req);
		http_reply_empty(r, 202);
		return;
	}
	log_warnx("master: agent %s sent unknown call type '%s'", a->id, type);
	http_reply_text(r, 400, "type: unknown call type '%s'", type);
	json_decref(req);
}
