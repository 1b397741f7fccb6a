/*
 * Unit tests for framework/scheduler: the pure half (addresses, Call
 * builders, event/TaskStatus/Offer parsers, exit codes) byte for byte, and
 * the client's protocol handling against a scripted master on loopback
 * (core/http's server): a 307 to the leader, the Mesos-Stream-Id header on
 * calls, automatic acknowledgements, the liveness timeout and a
 * resubscription that carries the framework id in both places.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "core/json.h"
#include "core/log.h"
#include "core/resources.h"
#include "core/util.h"
#include "framework/scheduler.h"

/* ---- helpers ---- */

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);
	if (!v)
		fail_msg("bad test JSON '%s': %s", text, e.text);
	return v;
}

/* Compares v (consumed) with the JSON text, ignoring key order. */
static void assert_json(json_t *v, const char *expected)
{
	json_t *want = parse(expected);
	if (!v)
		fail_msg("got NULL, expected %s", expected);
	if (!json_equal(v, want)) {
		char *got = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT);
		char *exp = json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT);
		fail_msg("got      %s\nexpected %s", got, exp);
	}
	json_decref(want);
	json_decref(v);
}

/* ---- addresses ---- */

static void addr_ok(const char *text, const char *host, unsigned port, const char *path)
{
	char h[256] = "", p[256] = "x", err[256] = "";
	uint16_t got_port = 0;
	int rc = sched_parse_address(text, h, sizeof(h), &got_port, p, sizeof(p), err,
				     sizeof(err));
	if (rc != 0)
		fail_msg("'%s' failed: %s", text, err);
	assert_string_equal(h, host);
	assert_int_equal(got_port, port);
	assert_string_equal(p, path);
}

static void addr_err(const char *text, const char *needle)
{
	char h[256], p[256], err[512] = "";
	uint16_t port;
	int rc = sched_parse_address(text, h, sizeof(h), &port, p, sizeof(p), err, sizeof(err));
	if (rc != -EINVAL)
		fail_msg("'%s' parsed, expected an error with '%s'", text, needle);
	if (!strstr(err, needle))
		fail_msg("'%s': error '%s' lacks '%s'", text, err, needle);
}

static void test_addresses(void **state)
{
	(void)state;
	addr_ok("127.0.0.1:5050", "127.0.0.1", 5050, "");
	addr_ok("  master1  ", "master1", 5050, "");
	addr_ok("http://m:8080", "m", 8080, "");
	addr_ok("http://m", "m", 80, "");
	addr_ok("http://m:5050/", "m", 5050, "/");
	addr_ok("//leader:5051/api/v1/scheduler", "leader", 5051, "/api/v1/scheduler");
	addr_ok("http://leader:5051/master/api/v1/scheduler?x=1", "leader", 5051,
		"/master/api/v1/scheduler?x=1");
	addr_ok("[::1]:5050", "::1", 5050, "");
	addr_ok("[fe80::1]", "fe80::1", 5050, "");
	addr_err("zk://z1:2181/mesos", "ZooKeeper");
	addr_err("https://m:5050", "https");
	addr_err("ftp://m", "scheme");
	addr_err("m:0", "bad port");
	addr_err("m:65536", "bad port");
	addr_err("m:50x", "bad port");
	addr_err("::1:5050", "brackets");
	addr_err("[::1", "']'");
	addr_err("u:p@m:5050", "user names");
	addr_err("u@m:5050", "user names");
	addr_err("", "no host");
	addr_err(":5050", "no host");
	addr_err("http:///x", "no host");
}

/* ---- builders ---- */

static void test_call_envelope(void **state)
{
	(void)state;
	assert_json(sched_call_json("fw-1", "TEARDOWN", NULL),
		    "{\"type\":\"TEARDOWN\",\"framework_id\":{\"value\":\"fw-1\"}}");
	assert_json(sched_call_json("fw-1", "ACKNOWLEDGE_OPERATION_STATUS", json_object()),
		    "{\"type\":\"ACKNOWLEDGE_OPERATION_STATUS\",\"framework_id\":{\"value\":"
		    "\"fw-1\"},\"acknowledge_operation_status\":{}}");
	assert_json(sched_call_json(NULL, "REVIVE", json_object()),
		    "{\"type\":\"REVIVE\",\"revive\":{}}");
	assert_json(sched_call_json("", "REVIVE", NULL), "{\"type\":\"REVIVE\"}");
}

static void test_subscribe(void **state)
{
	json_t *info = parse("{\"user\":\"u\",\"name\":\"n\",\"id\":{\"value\":\"stale\"},"
			     "\"roles\":[\"*\"]}");
	json_t *roles = parse("[\"gpu\"]");
	(void)state;

	/* A new framework: no id anywhere, even if the caller's info had one. */
	assert_json(sched_subscribe_json(info, NULL, NULL),
		    "{\"type\":\"SUBSCRIBE\",\"subscribe\":{\"framework_info\":"
		    "{\"user\":\"u\",\"name\":\"n\",\"roles\":[\"*\"]}}}");
	/* A resubscription: both places, and the suppressed roles. */
	assert_json(sched_subscribe_json(info, "fw-7", roles),
		    "{\"type\":\"SUBSCRIBE\",\"framework_id\":{\"value\":\"fw-7\"},"
		    "\"subscribe\":{\"framework_info\":{\"user\":\"u\",\"name\":\"n\","
		    "\"roles\":[\"*\"],\"id\":{\"value\":\"fw-7\"}},"
		    "\"suppressed_roles\":[\"gpu\"]}}");
	/* The caller's object is not touched. */
	assert_json(json_incref(info), "{\"user\":\"u\",\"name\":\"n\",\"id\":{\"value\":"
				       "\"stale\"},\"roles\":[\"*\"]}");
	/* An empty suppressed list is left out. */
	json_array_clear(roles);
	assert_json(sched_subscribe_json(info, "fw-7", roles),
		    "{\"type\":\"SUBSCRIBE\",\"framework_id\":{\"value\":\"fw-7\"},"
		    "\"subscribe\":{\"framework_info\":{\"user\":\"u\",\"name\":\"n\","
		    "\"roles\":[\"*\"],\"id\":{\"value\":\"fw-7\"}}}}");
	json_decref(info);
	json_decref(roles);
}

static void test_accept_launch_decline(void **state)
{
	const char *ids[] = { "o-1", "o-2" };
	const char *bad[] = { "o-1", "a/b" };
	json_t *tasks = parse("[{\"name\":\"t\",\"task_id\":{\"value\":\"t\"}}]");
	(void)state;

	assert_json(sched_accept_payload(ids, 2, json_pack("[{s:s}]", "type", "RESERVE"), 1.5),
		    "{\"offer_ids\":[{\"value\":\"o-1\"},{\"value\":\"o-2\"}],"
		    "\"operations\":[{\"type\":\"RESERVE\"}],\"filters\":{\"refuse_seconds\":1.5}}");
	assert_json(sched_accept_payload(ids, 1, NULL, -1),
		    "{\"offer_ids\":[{\"value\":\"o-1\"}],\"operations\":[]}");
	assert_null(sched_accept_payload(bad, 2, NULL, -1));
	assert_null(sched_accept_payload(ids, 0, NULL, -1));
	assert_null(sched_accept_payload(ids, 1, json_object(), -1));
	assert_json(sched_launch_operation(tasks),
		    "{\"type\":\"LAUNCH\",\"launch\":{\"task_infos\":[{\"name\":\"t\","
		    "\"task_id\":{\"value\":\"t\"}}]}}");
	assert_null(sched_launch_operation(json_object()));
	assert_json(sched_decline_payload(ids, 2, 0),
		    "{\"offer_ids\":[{\"value\":\"o-1\"},{\"value\":\"o-2\"}],"
		    "\"filters\":{\"refuse_seconds\":0.0}}");
	assert_json(sched_decline_payload(ids, 1, -1), "{\"offer_ids\":[{\"value\":\"o-1\"}]}");
	assert_null(sched_decline_payload(NULL, 1, -1));
}

static void test_small_payloads(void **state)
{
	const char *roles[] = { "a", "b" };
	const char *empty_role[] = { "" };
	const char *tasks[] = { "t1", "t2" };
	const char *agents[] = { "s1", NULL };
	(void)state;

	assert_json(sched_roles_payload(NULL, 0), "{}");
	assert_json(sched_roles_payload(roles, 2), "{\"roles\":[\"a\",\"b\"]}");
	assert_null(sched_roles_payload(empty_role, 1));
	assert_json(sched_kill_payload("t1", NULL, -1), "{\"task_id\":{\"value\":\"t1\"}}");
	assert_json(sched_kill_payload("t1", "s1", 2.5),
		    "{\"task_id\":{\"value\":\"t1\"},\"agent_id\":{\"value\":\"s1\"},"
		    "\"kill_policy\":{\"grace_period\":{\"nanoseconds\":2500000000}}}");
	assert_null(sched_kill_payload("", NULL, -1));
	assert_null(sched_kill_payload("t1", "..", -1));
	assert_json(sched_ack_payload("s1", "t1", "hTaLQ0b5Q1OZuab7QclTKQ=="),
		    "{\"agent_id\":{\"value\":\"s1\"},\"task_id\":{\"value\":\"t1\"},"
		    "\"uuid\":\"hTaLQ0b5Q1OZuab7QclTKQ==\"}");
	assert_null(sched_ack_payload(NULL, "t1", "u"));
	assert_null(sched_ack_payload("s1", "t1", ""));
	assert_json(sched_reconcile_payload(NULL, NULL, 0), "{\"tasks\":[]}");
	assert_json(sched_reconcile_payload(tasks, agents, 2),
		    "{\"tasks\":[{\"task_id\":{\"value\":\"t1\"},\"agent_id\":{\"value\":\"s1\"}},"
		    "{\"task_id\":{\"value\":\"t2\"}}]}");
	assert_json(sched_reconcile_payload(tasks, NULL, 1),
		    "{\"tasks\":[{\"task_id\":{\"value\":\"t1\"}}]}");
	assert_json(sched_message_payload("s1", "e1", "hi", 2),
		    "{\"agent_id\":{\"value\":\"s1\"},\"executor_id\":{\"value\":\"e1\"},"
		    "\"data\":\"aGk=\"}");
	assert_json(sched_message_payload("s1", "e1", NULL, 0),
		    "{\"agent_id\":{\"value\":\"s1\"},\"executor_id\":{\"value\":\"e1\"},"
		    "\"data\":\"\"}");
	assert_null(sched_message_payload("s1", NULL, "x", 1));
}

/* ---- parsers ---- */

static void event_err(const char *text, const char *needle)
{
	struct jerr err = { { 0 } };
	const char *type = NULL;
	json_t *ev = sched_event_parse(text, strlen(text), &type, &err);
	if (ev)
		fail_msg("'%s' parsed", text);
	if (!strstr(err.msg, needle))
		fail_msg("'%s': error '%s' lacks '%s'", text, err.msg, needle);
}

static void test_event_parse(void **state)
{
	struct jerr err = { { 0 } };
	const char *type = NULL;
	const char *hb = "{\"type\":\"HEARTBEAT\"}";
	json_t *ev = sched_event_parse(hb, strlen(hb), &type, &err);
	(void)state;

	assert_non_null(ev);
	assert_string_equal(type, "HEARTBEAT");
	json_decref(ev);
	event_err("[1]", "expected an object");
	event_err("{}", "type");
	event_err("{\"type\":5}", "type");
	event_err("{\"type\":", "event");
	event_err("{\"type\":\"A\",\"type\":\"B\"}", "event");
}

static void test_status_parse(void **state)
{
	json_t *st = parse(
		"{\"task_id\":{\"value\":\"t1\"},\"state\":\"TASK_RUNNING\","
		"\"source\":\"SOURCE_EXECUTOR\",\"agent_id\":{\"value\":\"m-S0\"},"
		"\"executor_id\":{\"value\":\"t1\"},\"timestamp\":1470820172.07315,"
		"\"uuid\":\"hTaLQ0b5Q1OZuab7QclTKQ==\",\"container_status\":{\"executor_pid\":4242},"
		"\"unknown_key\":[1,2]}");
	struct mesos_task_status s;
	struct jerr err = { { 0 } };
	json_t *bad;
	(void)state;

	assert_int_equal(mesos_task_status_parse(st, &s, &err), 0);
	assert_string_equal(s.task_id, "t1");
	assert_int_equal(s.state, TASK_RUNNING);
	assert_string_equal(s.agent_id, "m-S0");
	assert_string_equal(s.executor_id, "t1");
	assert_string_equal(s.source, "SOURCE_EXECUTOR");
	assert_string_equal(s.uuid, "hTaLQ0b5Q1OZuab7QclTKQ==");
	assert_null(s.message);
	assert_null(s.reason);
	assert_true(s.timestamp > 1470820172.0);
	assert_ptr_equal(s.json, st);
	json_decref(st);

	/* Reconciliation answers carry no uuid; an empty one is none too. */
	st = parse("{\"task_id\":{\"value\":\"t1\"},\"state\":\"TASK_LOST\",\"uuid\":\"\","
		   "\"reason\":\"REASON_RECONCILIATION\",\"message\":\"m\"}");
	assert_int_equal(mesos_task_status_parse(st, &s, &err), 0);
	assert_null(s.uuid);
	assert_null(s.agent_id);
	assert_string_equal(s.reason, "REASON_RECONCILIATION");
	assert_string_equal(s.message, "m");
	json_decref(st);

	bad = parse("{\"state\":\"TASK_RUNNING\"}");
	assert_int_equal(mesos_task_status_parse(bad, &s, &err), -EINVAL);
	assert_string_equal(err.msg, "status.task_id: required field is missing");
	json_decref(bad);
	bad = parse("{\"task_id\":{\"value\":\"t\"},\"state\":7}");
	assert_int_equal(mesos_task_status_parse(bad, &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "status.state"));
	json_decref(bad);
	bad = parse("{\"task_id\":{\"value\":\"t\"},\"state\":\"TASK_NOPE\"}");
	assert_int_equal(mesos_task_status_parse(bad, &s, &err), -EINVAL);
	assert_string_equal(err.msg, "status.state: unknown TaskState 'TASK_NOPE'");
	json_decref(bad);
	bad = parse("{\"task_id\":{\"value\":\"t\"},\"state\":\"TASK_RUNNING\","
		    "\"agent_id\":\"s1\"}");
	assert_int_equal(mesos_task_status_parse(bad, &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "status.agent_id"));
	json_decref(bad);
}

/* ---- task states ---- */

static void test_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(sched_exit_code(TASK_FINISHED, NULL), 0);
	assert_int_equal(sched_exit_code(TASK_FINISHED, "Command exited with status 0"), 0);
	assert_int_equal(sched_exit_code(TASK_FAILED, "Command exited with status 3"), 3);
	assert_int_equal(sched_exit_code(TASK_FAILED, "Command exited with status 255"), 255);
	/* Out of range, missing, or a claimed 0 on a failure: 1. */
	assert_int_equal(sched_exit_code(TASK_FAILED, "Command exited with status 256"), 1);
	assert_int_equal(sched_exit_code(TASK_FAILED, "Command exited with status 0"), 1);
	assert_int_equal(sched_exit_code(TASK_FAILED, "Command exited with status x"), 1);
	assert_int_equal(sched_exit_code(TASK_FAILED, NULL), 1);
	/* Signals as Mesos writes them (strsignal text) and as numbers or names. */
	assert_int_equal(sched_exit_code(TASK_FAILED, "Command terminated with signal Killed"),
			 128 + 9);
	assert_int_equal(sched_exit_code(TASK_KILLED,
					 "Command terminated with signal Terminated"),
			 128 + 15);
	assert_int_equal(sched_exit_code(TASK_FAILED,
					 "Command terminated with signal Segmentation fault"),
			 128 + 11);
	assert_int_equal(sched_exit_code(TASK_FAILED, "Command terminated by signal 9"), 137);
	assert_int_equal(sched_exit_code(TASK_FAILED, "killed by signal: SIGTERM"), 143);
	assert_int_equal(sched_exit_code(TASK_FAILED, "signal KILL"), 137);
	assert_int_equal(sched_exit_code(TASK_FAILED, "signal 99"), 1);
	assert_int_equal(sched_exit_code(TASK_FAILED, "signal Bogus"), 1);
	assert_int_equal(sched_exit_code(TASK_ERROR, "Task uses more resources"), 1);
	assert_int_equal(sched_exit_code(TASK_LOST, NULL), 1);
	assert_int_equal(sched_exit_code(TASK_KILLED, "Killed by the framework"), 1);
}

/* ---- the client against a scripted master on loopback ---- */

struct fake_master {
	struct event_base *base;
	struct http_server *follower, *leader;
	int follower_port, leader_port;
	json_t *subscribes; /* SUBSCRIBE bodies the leader got */
	json_t *calls;	    /* [{type, stream_id, body}] of every other call */
	struct http_stream *stream;
	int nstreams;
	bool teardown_closes; /* answer TEARDOWN by ending the stream, as Mesos does */
	bool refuse;	      /* answer SUBSCRIBE with an ERROR event */
};

struct client_ctx {
	struct fake_master *fm;
	struct sched *s;
	int subscribed, resubscribed, updates, errors, disconnected, offers;
	enum sched_error_kind last_error;
	char last_message[256];
	bool stop_on_error;
	int exit_after_subscribed;
	int teardown_status;
	bool timed_out;
};

static void fm_stream_closed(struct http_stream *st, void *arg)
{
	struct fake_master *fm = arg;
	if (fm->stream == st)
		fm->stream = NULL;
	http_stream_free(st);
}

static void fm_send(struct fake_master *fm, const char *text)
{
	assert_int_equal(http_stream_send_record(fm->stream, text), 0);
}

static void fm_subscribe(struct fake_master *fm, struct http_req *r, json_t *call)
{
	char sid[32];

	json_array_append(fm->subscribes, call);
	snprintf(sid, sizeof(sid), "stream-%d", ++fm->nstreams);
	http_add_header(r, "Mesos-Stream-Id", sid);
	if (fm->stream)
		http_stream_free(fm->stream); /* one live stream per framework */
	fm->stream = http_stream_start(r, 200, "application/json", fm_stream_closed, fm);
	if (fm->refuse) {
		fm_send(fm, "{\"type\":\"ERROR\",\"error\":{\"message\":\"Not authorized to "
			    "use role 'x'\"}}");
		http_stream_free(fm->stream);
		fm->stream = NULL;
		return;
	}
	/* Heartbeats every 0.2 s are announced but never sent: the client must notice. */
	fm_send(fm, "{\"type\":\"SUBSCRIBED\",\"subscribed\":{\"framework_id\":{\"value\":"
		    "\"fw-1\"},\"heartbeat_interval_seconds\":0.2}}");
	fm_send(fm, "{\"type\":\"HEARTBEAT\"}");
	if (fm->nstreams == 1)
		/* one good offer, one without agent_id (declined), one without id (dropped) */
		fm_send(fm, "{\"type\":\"OFFERS\",\"offers\":{\"offers\":["
			    "{\"id\":{\"value\":\"o-good\"},\"agent_id\":{\"value\":\"s1\"},"
			    "\"hostname\":\"h1\",\"url\":{\"address\":{\"ip\":\"10.1.2.3\","
			    "\"port\":5051}},\"resources\":[{\"name\":\"cpus\",\"type\":"
			    "\"SCALAR\",\"scalar\":{\"value\":2}}]},"
			    "{\"id\":{\"value\":\"o-bad\"},\"hostname\":\"h2\"},"
			    "{\"hostname\":\"h3\"}]}}");
	if (fm->nstreams == 1)
		fm_send(fm, "{\"type\":\"UPDATE\",\"update\":{\"status\":{\"task_id\":{\"value\":"
			    "\"t1\"},\"state\":\"TASK_RUNNING\",\"agent_id\":{\"value\":\"s1\"},"
			    "\"uuid\":\"hTaLQ0b5Q1OZuab7QclTKQ==\"}}}");
}

static void fm_leader(struct http_req *r, void *arg)
{
	struct fake_master *fm = arg;
	size_t len = 0;
	const char *body = http_body(r, &len);
	json_t *call = body ? json_loadb(body, len, 0, NULL) : NULL;
	const char *type = json_string_value(json_object_get(call, "type"));
	const char *sid = http_header(r, "Mesos-Stream-Id");

	if (type && !strcmp(type, "SUBSCRIBE")) {
		fm_subscribe(fm, r, call);
	} else {
		json_array_append_new(fm->calls, json_pack("{s:s?, s:s?, s:O?}", "type", type,
							   "stream_id", sid, "body", call));
		http_reply_empty(r, 202);
		if (type && !strcmp(type, "TEARDOWN") && fm->teardown_closes && fm->stream) {
			http_stream_free(fm->stream);
			fm->stream = NULL;
		}
	}
	json_decref(call);
}

static void fm_follower(struct http_req *r, void *arg)
{
	struct fake_master *fm = arg;
	char loc[128];
	snprintf(loc, sizeof(loc), "//127.0.0.1:%d/api/v1/scheduler", fm->leader_port);
	http_reply_redirect(r, 307, loc);
}

static int fm_auth(void *arg, const char *realm, const char *user, const char *pass)
{
	(void)arg;
	(void)realm;
	return user && !strcmp(user, "p") && !strcmp(pass, "s") ? 0 : -1;
}

static const struct http_route leader_routes[] = {
	{ EVHTTP_REQ_POST, "/api/v1/scheduler", fm_leader, "mesos-master-scheduler", 0 },
};
static const struct http_route follower_routes[] = {
	{ EVHTTP_REQ_POST, "/api/v1/scheduler", fm_follower, NULL, 0 },
};

static void fm_start(struct fake_master *fm)
{
	memset(fm, 0, sizeof(*fm));
	fm->base = event_base_new();
	fm->subscribes = json_array();
	fm->calls = json_array();
	fm->leader = http_server_new(fm->base, leader_routes, 1, fm, fm_auth, NULL, 1 << 20);
	fm->follower = http_server_new(fm->base, follower_routes, 1, fm, NULL, NULL, 1 << 20);
	fm->leader_port = http_server_bind(fm->leader, "127.0.0.1", 0);
	fm->follower_port = http_server_bind(fm->follower, "127.0.0.1", 0);
	assert_true(fm->leader_port > 0 && fm->follower_port > 0);
}

static void fm_stop(struct fake_master *fm)
{
	/* Let deferred frees (http_client_free_later) run before the base goes. */
	for (int i = 0; i < 4; i++)
		event_base_loop(fm->base, EVLOOP_NONBLOCK);
	http_stream_free(fm->stream);
	http_server_free(fm->leader);
	http_server_free(fm->follower);
	event_base_free(fm->base);
	json_decref(fm->subscribes);
	json_decref(fm->calls);
}

static void cb_subscribed(struct sched *s, const char *fid, bool resub, void *arg)
{
	struct client_ctx *c = arg;
	(void)s;
	assert_string_equal(fid, "fw-1");
	c->subscribed++;
	c->resubscribed += resub;
	if (c->subscribed == c->exit_after_subscribed)
		event_base_loopexit(c->fm->base, NULL);
	if (c->fm->teardown_closes)
		assert_int_equal(sched_teardown(s, NULL, NULL), 0);
}

static void cb_update(struct sched *s, const struct mesos_task_status *st, void *arg)
{
	struct client_ctx *c = arg;
	(void)s;
	assert_string_equal(st->task_id, "t1");
	c->updates++;
}

static void cb_offers(struct sched *s, const struct mesos_offer *offers, size_t n, void *arg)
{
	struct client_ctx *c = arg;
	(void)s;
	/* only the well-formed offer reaches the framework, parsed */
	assert_int_equal(n, 1);
	assert_string_equal(offers[0].id, "o-good");
	assert_string_equal(offers[0].agent_id, "s1");
	assert_string_equal(offers[0].agent_host, "10.1.2.3");
	assert_int_equal(offers[0].agent_port, 5051);
	assert_true(res_scalar(&offers[0].resources, "cpus") == 2);
	c->offers++;
}

static void cb_error(struct sched *s, enum sched_error_kind kind, int status, const char *msg,
		     void *arg)
{
	struct client_ctx *c = arg;
	(void)status;
	c->errors++;
	c->last_error = kind;
	snprintf(c->last_message, sizeof(c->last_message), "%s", msg);
	if (c->stop_on_error) {
		sched_stop(s);
		/* Freeing inside a callback must be safe (deferred). */
		sched_free(s);
		c->s = NULL;
		event_base_loopexit(c->fm->base, NULL);
	}
}

static void cb_disconnected(struct sched *s, const char *why, void *arg)
{
	struct client_ctx *c = arg;
	(void)why;
	c->disconnected++;
	if (sched_get_state(s) == SCHED_STOPPED)
		event_base_loopexit(c->fm->base, NULL);
}

static void on_guard(evutil_socket_t fd, short what, void *arg)
{
	struct client_ctx *c = arg;
	(void)fd;
	(void)what;
	c->timed_out = true;
	event_base_loopexit(c->fm->base, NULL);
}

static void run_client(struct client_ctx *c, const char *secret)
{
	static const struct sched_callbacks cbs = { .subscribed = cb_subscribed,
						    .update = cb_update,
						    .offers = cb_offers,
						    .error = cb_error,
						    .disconnected = cb_disconnected };
	json_t *info = parse("{\"user\":\"nobody\",\"name\":\"test\"}");
	char master[64], err[256] = "";
	struct sched_config cfg = { .master = master, .principal = "p", .secret = secret,
				    .framework_info = info, .backoff_min = 0.05,
				    .backoff_max = 0.1 };
	struct timeval guard_tv = { 10, 0 };
	struct event *guard = evtimer_new(c->fm->base, on_guard, c);

	snprintf(master, sizeof(master), "http://127.0.0.1:%d", c->fm->follower_port);
	assert_int_equal(sched_new(c->fm->base, &cfg, &cbs, c, &c->s, err, sizeof(err)), 0);
	json_decref(info);
	assert_int_equal(sched_get_state(c->s), SCHED_IDLE);
	assert_int_equal(sched_teardown(c->s, NULL, NULL), -ENOTCONN);
	sched_start(c->s);
	evtimer_add(guard, &guard_tv);
	event_base_dispatch(c->fm->base);
	event_free(guard);
	assert_false(c->timed_out);
}

static void test_client_redirect_ack_liveness(void **state)
{
	struct fake_master fm;
	struct client_ctx c = { .fm = &fm, .exit_after_subscribed = 2 };
	json_t *first, *second, *ack = NULL, *decline = NULL, *call;
	char leader[64];
	size_t i;
	(void)state;

	fm_start(&fm);
	run_client(&c, "s");
	assert_int_equal(c.subscribed, 2);
	assert_int_equal(c.resubscribed, 1);
	assert_int_equal(c.updates, 1);
	assert_int_equal(c.offers, 1);
	assert_int_equal(c.disconnected, 1); /* the silent stream */
	assert_int_equal(sched_get_state(c.s), SCHED_SUBSCRIBED);
	assert_string_equal(sched_framework_id(c.s), "fw-1");
	assert_true(sched_heartbeat_interval(c.s) < 0.3);
	snprintf(leader, sizeof(leader), "127.0.0.1:%d", fm.leader_port);
	assert_string_equal(sched_master(c.s), leader); /* followed the 307 */
	assert_int_equal(json_array_size(fm.subscribes), 2);
	first = json_array_get(fm.subscribes, 0);
	second = json_array_get(fm.subscribes, 1);
	/* The principal was filled in; the first SUBSCRIBE carries no id. */
	assert_json(json_incref(first),
		    "{\"type\":\"SUBSCRIBE\",\"subscribe\":{\"framework_info\":{\"user\":\"nobody\","
		    "\"name\":\"test\",\"principal\":\"p\"}}}");
	assert_json(json_incref(second),
		    "{\"type\":\"SUBSCRIBE\",\"framework_id\":{\"value\":\"fw-1\"},\"subscribe\":"
		    "{\"framework_info\":{\"user\":\"nobody\",\"name\":\"test\",\"principal\":\"p\","
		    "\"id\":{\"value\":\"fw-1\"}}}}");
	/*
	 * The update was acknowledged on the first stream, with its uuid
	 * unchanged; the malformed offer that had an id was declined.
	 */
	assert_int_equal(json_array_size(fm.calls), 2);
	json_array_foreach(fm.calls, i, call) {
		const char *type = json_string_value(json_object_get(call, "type"));
		if (type && !strcmp(type, "ACKNOWLEDGE"))
			ack = call;
		else if (type && !strcmp(type, "DECLINE"))
			decline = call;
	}
	assert_non_null(ack);
	assert_non_null(decline);
	assert_json(json_incref(json_object_get(json_object_get(decline, "body"), "decline")),
		    "{\"offer_ids\":[{\"value\":\"o-bad\"}]}");
	assert_json(json_incref(ack),
		    "{\"type\":\"ACKNOWLEDGE\",\"stream_id\":\"stream-1\",\"body\":{"
		    "\"type\":\"ACKNOWLEDGE\",\"framework_id\":{\"value\":\"fw-1\"},"
		    "\"acknowledge\":{\"agent_id\":{\"value\":\"s1\"},\"task_id\":{\"value\":\"t1\"},"
		    "\"uuid\":\"hTaLQ0b5Q1OZuab7QclTKQ==\"}}}");
	sched_free(c.s);
	fm_stop(&fm);
}

static void test_client_auth_refused(void **state)
{
	struct fake_master fm;
	struct client_ctx c = { .fm = &fm, .stop_on_error = true };
	(void)state;

	fm_start(&fm);
	run_client(&c, "wrong");
	assert_int_equal(c.errors, 1);
	assert_int_equal(c.last_error, SCHED_ERR_AUTH);
	assert_int_equal(c.subscribed, 0);
	assert_null(c.s); /* freed inside the callback, for real on the next turn */
	assert_int_equal(json_array_size(fm.subscribes), 0);
	fm_stop(&fm);
}

static void test_client_error_event(void **state)
{
	struct fake_master fm;
	struct client_ctx c = { .fm = &fm, .stop_on_error = true };
	(void)state;

	fm_start(&fm);
	fm.refuse = true;
	run_client(&c, "s");
	assert_int_equal(c.errors, 1);
	assert_int_equal(c.last_error, SCHED_ERR_EVENT);
	assert_string_equal(c.last_message, "Not authorized to use role 'x'");
	assert_int_equal(c.subscribed, 0);
	fm_stop(&fm);
}

static void test_client_teardown_stops(void **state)
{
	struct fake_master fm;
	struct client_ctx c = { .fm = &fm };
	json_t *td;
	(void)state;

	fm_start(&fm);
	fm.teardown_closes = true;
	run_client(&c, "s");
	assert_int_equal(c.subscribed, 1);
	assert_int_equal(sched_get_state(c.s), SCHED_STOPPED);
	assert_int_equal(sched_kill(c.s, "t1", NULL, -1, NULL, NULL), -ENOTCONN);
	/*
	 * Calls after TEARDOWN are refused; TEARDOWN itself went out with the
	 * stream id (ACKNOWLEDGEs travel on their own connections, so they may
	 * arrive after it).
	 */
	td = NULL;
	for (size_t i = 0; i < json_array_size(fm.calls); i++) {
		json_t *call = json_array_get(fm.calls, i);
		if (!strcmp(json_string_value(json_object_get(call, "type")), "TEARDOWN"))
			td = call;
	}
	assert_non_null(td);
	assert_string_equal(json_string_value(json_object_get(td, "stream_id")), "stream-1");
	assert_int_equal(json_array_size(fm.subscribes), 1);
	sched_free(c.s);
	fm_stop(&fm);
}

static void test_client_config_errors(void **state)
{
	struct event_base *base = event_base_new();
	json_t *info = parse("{\"user\":\"u\",\"name\":\"n\",\"principal\":\"other\"}");
	json_t *noname = parse("{\"user\":\"u\"}");
	struct sched_config cfg = { .master = "zk://x/mesos", .framework_info = info };
	struct sched *s = NULL;
	char err[256];
	(void)state;

	assert_int_equal(sched_new(base, &cfg, NULL, NULL, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "ZooKeeper"));
	cfg.master = "m:5050";
	cfg.principal = "p";
	cfg.secret = "s";
	assert_int_equal(sched_new(base, &cfg, NULL, NULL, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "differs"));
	cfg.framework_info = noname;
	assert_int_equal(sched_new(base, &cfg, NULL, NULL, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "framework_info.name"));
	assert_null(s);
	json_decref(info);
	json_decref(noname);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_call_envelope),
		cmocka_unit_test(test_subscribe),
		cmocka_unit_test(test_accept_launch_decline),
		cmocka_unit_test(test_small_payloads),
		cmocka_unit_test(test_event_parse),
		cmocka_unit_test(test_status_parse),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_client_config_errors),
		cmocka_unit_test(test_client_redirect_ack_liveness),
		cmocka_unit_test(test_client_auth_refused),
		cmocka_unit_test(test_client_error_event),
		cmocka_unit_test(test_client_teardown_stops),
	};
	log_init("test", getenv("TEST_LOG") ? LOG_LEVEL_DEBUG : (enum log_level)(LOG_LEVEL_ERROR + 1));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
