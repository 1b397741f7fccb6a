/*
 * master/frameworks — framework records and their state machine.
 *
 *   (new) ──subscribe──▶ CONNECTED ──stream closes──▶ DISCONNECTED
 *                           ▲  │                          │  │
 *                           │  └──── TEARDOWN ────────┐   │  │ failover_timeout
 *                           └──── resubscribe ────────┼───┘  ▼ expires
 *                                                     └──▶ REMOVED
 *
 * A CONNECTED framework owns exactly one event stream (a resubscription
 * replaces it; the old one gets ERROR "Framework failed over"); it gets a
 * HEARTBEAT every --heartbeat_interval from its own timer. DISCONNECTED
 * loses its offers at once and keeps its tasks until the failover timer
 * fires. REMOVED frameworks have their tasks killed and stay listed as
 * completed (at most --max_completed_frameworks of them). Every
 * transition goes through framework_set_state().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "master/master.h"

const char *framework_state_name(enum framework_state s)
{
	switch (s) {
	case FW_CONNECTED: return "connected";
	case FW_DISCONNECTED: return "disconnected";
	case FW_REMOVED: return "removed";
	}
	return "?";
}

unsigned framework_caps_parse(const json_t *info)
{
	static const struct {
		const char *name;
		unsigned bit;
	} known[] = {
		{ "GPU_RESOURCES", FW_CAP_GPU_RESOURCES },
		{ "PARTITION_AWARE", FW_CAP_PARTITION_AWARE },
		{ "MULTI_ROLE", FW_CAP_MULTI_ROLE },
		{ "TASK_KILLING_STATE", FW_CAP_TASK_KILLING_STATE },
		{ "REVOCABLE_RESOURCES", FW_CAP_REVOCABLE },
	};
	unsigned caps = 0;
	size_t i;
	json_t *c;

	json_array_foreach(jget(info, "capabilities"), i, c) {
		const char *type = json_string_value(json_object_get(c, "type"));
		for (size_t k = 0; type && k < ARRAY_LEN(known); k++)
			if (!strcmp(type, known[k].name))
				caps |= known[k].bit;
	}
	return caps;
}

static void timeval_from(double secs, struct timeval *tv)
{
	if (secs < 0)
		secs = 0;
	if (secs > 1e9)
		secs = 1e9;
	tv->tv_sec = (time_t)secs;
	tv->tv_usec = (suseconds_t)((secs - (double)tv->tv_sec) * 1e6);
}

static void on_heartbeat(evutil_socket_t fd, short what, void *arg)
{
	struct framework *fw = arg;
	(void)fd;
	(void)what;
	framework_send(fw, json_pack("{s:s}", "type", "HEARTBEAT"));
}

static void on_failover_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct framework *fw = arg;
	char why[128];
	(void)fd;
	(void)what;
	snprintf(why, sizeof(why), "did not resubscribe within its failover_timeout of %gs",
		 fw->failover_timeout);
	framework_set_state(fw, FW_REMOVED, why);
}

void framework_update_info(struct framework *fw, const json_t *info)
{
	const char *s;
	json_t *copy = json_deep_copy(info);
	double failover = 0;

	s = json_string_value(json_object_get(info, "name"));
	str_copy(fw->name, s ? s : "", sizeof(fw->name));
	/* user and principal never change after the first subscription */
	if (!fw->user[0]) {
		s = json_string_value(json_object_get(info, "user"));
		str_copy(fw->user, s ? s : "", sizeof(fw->user));
	} else {
		json_object_set_new(copy, "user", json_string(fw->user));
	}
	s = json_string_value(json_object_get(info, "role"));
	str_copy(fw->role, s && *s ? s : "*", sizeof(fw->role));
	if (json_is_array(json_object_get(info, "roles")) &&
	    json_array_size(json_object_get(info, "roles")) > 0)
		str_copy(fw->role,
			 json_string_value(json_array_get(json_object_get(info, "roles"), 0)),
			 sizeof(fw->role));
	fw->caps = framework_caps_parse(info);
	if (json_is_number(jget(info, "failover_timeout")))
		failover = json_number_value(jget(info, "failover_timeout"));
	else if (json_is_string(jget(info, "failover_timeout")))
		parse_double(json_string_value(jget(info, "failover_timeout")), &failover);
	fw->failover_timeout = failover;
	json_object_set_new(copy, "id", json_id(fw->id));
	if (fw->principal[0])
		json_object_set_new(copy, "principal", json_string(fw->principal));
	/* Drop the nulls some clients send for every unset field. */
	{
		const char *key;
		json_t *v;
		void *tmp;
		json_object_foreach_safe(copy, tmp, key, v) {
			if (json_is_null(v))
				json_object_del(copy, key);
		}
	}
	json_decref(fw->info);
	fw->info = copy;
}

struct framework *framework_new(struct master *m, const char *id, const json_t *info)
{
	struct framework *fw = xcalloc(1, sizeof(*fw));
	const char *principal = json_string_value(jget(info, "principal"));

	fw->master = m;
	str_copy(fw->id, id, sizeof(fw->id));
	if (principal)
		str_copy(fw->principal, principal, sizeof(fw->principal));
	map_init(&fw->tasks);
	map_init(&fw->offers);
	map_init(&fw->filters);
	fw->completed = json_array();
	fw->state = FW_DISCONNECTED;
	fw->seq = m->next_framework_seq++;
	fw->registered_time = now_wall();
	fw->heartbeat_timer = event_new(m->base, -1, EV_PERSIST, on_heartbeat, fw);
	fw->failover_timer = event_new(m->base, -1, 0, on_failover_timeout, fw);
	framework_update_info(fw, info);
	map_put(&m->frameworks, fw->id, fw);
	return fw;
}

void framework_send(struct framework *fw, json_t *event)
{
	char *payload;
	if (!event)
		return;
	if (fw->state != FW_CONNECTED || !fw->stream) {
		json_decref(event);
		return;
	}
	payload = json_compact(event);
	json_decref(event);
	if (http_stream_send_record(fw->stream, payload) < 0)
		framework_set_state(fw, FW_DISCONNECTED, "event stream write failed (slow or gone)");
	free(payload);
}

static void on_stream_closed(struct http_stream *st, void *arg)
{
	struct framework *fw = arg;
	if (fw->stream != st)
		return;
	fw->stream = NULL;
	http_stream_free(st);
	if (fw->state == FW_CONNECTED)
		framework_set_state(fw, FW_DISCONNECTED, "connection closed");
}

int framework_attach_stream(struct framework *fw, struct http_req *r)
{
	struct http_stream *st;
	char stream_id[UUID_STR_LEN];

	if (uuid_random(NULL, stream_id) < 0)
		return -EIO;
	if (fw->stream) {
		/* One live stream per framework: tell the old subscriber and close it. */
		struct http_stream *old = fw->stream;
		json_t *ev = json_pack("{s:s, s:{s:s}}", "type", "ERROR", "error", "message",
				       "Framework failed over");
		char *payload = json_compact(ev);
		json_decref(ev);
		http_stream_send_record(old, payload);
		free(payload);
		fw->stream = NULL;
		http_stream_free(old);
	}
	str_copy(fw->stream_id, stream_id, sizeof(fw->stream_id));
	http_add_header(r, "Mesos-Stream-Id", stream_id);
	st = http_stream_start(r, 200, "application/json", on_stream_closed, fw);
	fw->stream = st;
	framework_set_state(fw, FW_CONNECTED, "subscribed");
	return 0;
}

static void drop_offers(struct framework *fw)
{
	struct map_iter it;
	void *v;
	map_iter_init(&it, &fw->offers);
	while (map_iter_next(&it, NULL, &v))
		offer_remove(v, false);
}

/* Keeps at most --max_completed_frameworks removed frameworks. */
static void evict_completed(struct master *m)
{
	while (m->completed_frameworks > (size_t)(m->flags.max_completed_frameworks > 0
							  ? m->flags.max_completed_frameworks
							  : 0)) {
		struct framework *oldest = NULL;
		struct map_iter it;
		void *v;
		map_iter_init(&it, &m->frameworks);
		while (map_iter_next(&it, NULL, &v)) {
			struct framework *f = v;
			if (f->state == FW_REMOVED &&
			    (!oldest || f->unregistered_time < oldest->unregistered_time))
				oldest = f;
		}
		if (!oldest)
			break;
		map_del(&m->frameworks, oldest->id);
		framework_free(oldest);
		m->completed_frameworks--;
	}
}

static void close_stream(struct framework *fw)
{
	struct http_stream *st = fw->stream;
	fw->stream = NULL; /* before the free: no close callback may see it */
	http_stream_free(st);
}

static bool transition_ok(enum framework_state from, enum framework_state to)
{
	switch (to) {
	case FW_CONNECTED: return from != FW_REMOVED;
	case FW_DISCONNECTED: return from == FW_CONNECTED;
	case FW_REMOVED: return from != FW_REMOVED;
	}
	return false;
}

void framework_set_state(struct framework *fw, enum framework_state next, const char *why)
{
	struct master *m = fw->master;
	enum framework_state prev = fw->state;
	struct timeval tv;

	if (!transition_ok(prev, next) && !(prev == FW_CONNECTED && next == FW_CONNECTED)) {
		log_error("master: framework %s: refused transition %s -> %s (%s)", fw->id,
			  framework_state_name(prev), framework_state_name(next), why);
		return;
	}
	fw->state = next;
	switch (next) {
	case FW_CONNECTED:
		event_del(fw->failover_timer);
		fw->recovered = false;
		timeval_from(m->flags.heartbeat_interval, &tv);
		event_add(fw->heartbeat_timer, &tv);
		break;
	case FW_DISCONNECTED:
		event_del(fw->heartbeat_timer);
		close_stream(fw);
		fw->unregistered_time = now_wall();
		drop_offers(fw);
		log_warnx("master: framework %s (%s) disconnected: %s; removing it in %gs unless it "
			  "resubscribes",
			  fw->id, fw->name, why, fw->failover_timeout);
		timeval_from(fw->failover_timeout, &tv);
		event_add(fw->failover_timer, &tv);
		break;
	case FW_REMOVED:
		event_del(fw->heartbeat_timer);
		event_del(fw->failover_timer);
		close_stream(fw);
		fw->unregistered_time = now_wall();
		drop_offers(fw);
		alloc_clear_filters(fw);
		log_info("master: framework %s (%s) removed: %s", fw->id, fw->name, why);
		tasks_framework_removed(fw);
		m->completed_frameworks++;
		evict_completed(m);
		return;
	}
}

void framework_free(struct framework *fw)
{
	struct map_iter it;
	void *v;

	if (!fw)
		return;
	map_iter_init(&it, &fw->offers);
	while (map_iter_next(&it, NULL, &v))
		offer_remove(v, false);
	map_clear(&fw->offers);
	alloc_clear_filters(fw);
	map_clear(&fw->filters);
	map_iter_init(&it, &fw->tasks);
	while (map_iter_next(&it, NULL, &v))
		task_free(v);
	map_clear(&fw->tasks);
	http_stream_free(fw->stream);
	event_free(fw->heartbeat_timer);
	event_free(fw->failover_timer);
	res_free(&fw->allocated);
	json_decref(fw->completed);
	json_decref(fw->info);
	free(fw);
}
