/*
 * master/agents — agent records and the agent state machine.
 *
 *   RECOVERED ──subscribe──▶ CONNECTED ◀──subscribe── DISCONNECTED
 *       │                       │   ▲                     │
 *       │                       │   └──────subscribe──────┤
 *       │                       ▼                         ▼
 *       └───reregister timeout──────────▶ UNREACHABLE ◀── ping timeouts
 *
 * CONNECTED → DISCONNECTED when the event stream closes or a ping period
 * passes without a ping; DISCONNECTED → UNREACHABLE when no ping arrived
 * for agent_ping_timeout × max_agent_ping_timeouts. Every transition goes
 * through master_agent_set_state(), which checks it and logs it with the reason.
 * One ping timer per agent (no scan of all agents).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/attributes.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "core/version.h"
#include "master/master.h"

const char *master_agent_state_name(enum agent_state s)
{
	switch (s) {
	case AGENT_RECOVERED: return "recovered";
	case AGENT_CONNECTED: return "connected";
	case AGENT_DISCONNECTED: return "disconnected";
	case AGENT_UNREACHABLE: return "unreachable";
	}
	return "?";
}

static bool transition_ok(enum agent_state from, enum agent_state to)
{
	switch (to) {
	case AGENT_CONNECTED: return true; /* (re-)subscribe from any state */
	case AGENT_DISCONNECTED: return from == AGENT_CONNECTED;
	case AGENT_UNREACHABLE: return from == AGENT_DISCONNECTED || from == AGENT_RECOVERED;
	case AGENT_RECOVERED: return false;
	}
	return false;
}

static void send_heartbeat(struct master_agent *a)
{
	if (a->state == AGENT_CONNECTED && a->stream &&
	    http_stream_send_record(a->stream, "{\"type\":\"HEARTBEAT\"}") < 0)
		master_agent_set_state(a, AGENT_DISCONNECTED, "event stream write failed");
}

void master_agent_send(struct master_agent *a, json_t *event)
{
	char *payload;
	if (!event)
		return;
	if (a->state != AGENT_CONNECTED || !a->stream) {
		json_decref(event);
		return;
	}
	payload = json_compact(event);
	json_decref(event);
	if (http_stream_send_record(a->stream, payload) < 0)
		master_agent_set_state(a, AGENT_DISCONNECTED, "event stream write failed");
	free(payload);
}

/* Runs every heartbeat period: heartbeat out, ping silence in. */
static void on_ping_timer(evutil_socket_t fd, short what, void *arg)
{
	struct master_agent *a = arg;
	struct master *m = a->master;
	double silent = now_mono() - a->last_ping;
	double limit = m->flags.agent_ping_timeout * (double)m->flags.max_agent_ping_timeouts;
	char why[128];
	(void)fd;
	(void)what;

	switch (a->state) {
	case AGENT_CONNECTED:
		send_heartbeat(a);
		if (a->state != AGENT_CONNECTED)
			return;
		if (silent > m->flags.agent_ping_timeout && !a->missed_pings) {
			a->missed_pings = 1;
			log_warnx("master: agent %s (%s:%u) missed a ping (silent %.1fs; "
				  "unreachable after %.1fs)",
				  a->id, a->hostname, a->port, silent, limit);
		}
		if (silent >= limit) {
			snprintf(why, sizeof(why), "no ping for %.1fs (ping timeout)", silent);
			master_agent_set_state(a, AGENT_DISCONNECTED, why);
			master_agent_set_state(a, AGENT_UNREACHABLE, why);
		}
		return;
	case AGENT_DISCONNECTED:
		if (silent >= limit) {
			snprintf(why, sizeof(why), "did not come back within %.1fs", limit);
			master_agent_set_state(a, AGENT_UNREACHABLE, why);
		}
		return;
	case AGENT_RECOVERED:
		if (now_wall() - m->start_time >= m->flags.agent_reregister_timeout) {
			snprintf(why, sizeof(why),
				 "did not re-register within %.0fs of the master's start",
				 m->flags.agent_reregister_timeout);
			master_agent_set_state(a, AGENT_UNREACHABLE, why);
		}
		return;
	case AGENT_UNREACHABLE:
		return;
	}
}

/* The period of the per-agent timer, in seconds. */
double master_agent_timer_period(const struct master *m)
{
	double p = m->flags.heartbeat_interval;
	if (m->flags.agent_ping_timeout / 2 < p)
		p = m->flags.agent_ping_timeout / 2;
	return p < 0.05 ? 0.05 : p;
}

struct master_agent *master_agent_new(struct master *m, const char *id)
{
	struct master_agent *a = xcalloc(1, sizeof(*a));
	double period;
	struct timeval tv;

	a->master = m;
	str_copy(a->id, id, sizeof(a->id));
	a->attributes = json_array();
	a->state = AGENT_RECOVERED;
	a->last_ping = now_mono();
	map_init(&a->tasks);
	map_init(&a->offers);
	map_init(&a->lost_tasks);
	map_put(&m->agents, a->id, a);
	a->ping_timer = event_new(m->base, -1, EV_PERSIST, on_ping_timer, a);
	period = master_agent_timer_period(m);
	tv.tv_sec = (time_t)period;
	tv.tv_usec = (suseconds_t)((period - (double)tv.tv_sec) * 1e6);
	event_add(a->ping_timer, &tv);
	return a;
}

static void rescind_offers(struct master_agent *a)
{
	struct map_iter it;
	void *v;
	map_iter_init(&it, &a->offers);
	while (map_iter_next(&it, NULL, &v))
		offer_remove(v, true);
}

static void drop_stream(struct master_agent *a)
{
	if (a->session[0])
		map_del(&a->master->agent_sessions, a->session);
	a->session[0] = '\0';
	http_stream_free(a->stream);
	a->stream = NULL;
}

void master_agent_set_state(struct master_agent *a, enum agent_state next, const char *why)
{
	enum agent_state prev = a->state;

	if (prev == next && next != AGENT_CONNECTED)
		return;
	if (!transition_ok(prev, next)) {
		log_error("master: agent %s: refused transition %s -> %s (%s)", a->id,
			  master_agent_state_name(prev), master_agent_state_name(next), why);
		return;
	}
	a->state = next;
	switch (next) {
	case AGENT_CONNECTED:
		a->missed_pings = 0;
		a->last_ping = now_mono();
		alloc_agent_total(a);
		alloc_agent_changed(a);
		break;
	case AGENT_DISCONNECTED:
		drop_stream(a);
		rescind_offers(a);
		alloc_agent_total(a);
		a->disconnected_at = now_mono();
		log_warnx("master: agent %s (%s:%u) disconnected: %s; it has %.0fs to come back",
			  a->id, a->hostname, a->port, why,
			  a->master->flags.agent_ping_timeout *
				  (double)a->master->flags.max_agent_ping_timeouts);
		break;
	case AGENT_UNREACHABLE:
		drop_stream(a);
		rescind_offers(a);
		alloc_agent_total(a);
		log_warnx("master: agent %s (%s:%u) is unreachable: %s", a->id, a->hostname,
			  a->port, why);
		a->unreachable_time = now_wall();
		if (registry_save_agent(a->master, a) < 0)
			log_error("master: agent %s: cannot record in the registry that it is "
				  "unreachable; should the master restart before it comes back, its "
				  "tasks would be adopted rather than killed",
				  a->id);
		tasks_agent_lost(a, why);
		break;
	case AGENT_RECOVERED:
		break;
	}
}

void master_agent_free(struct master_agent *a)
{
	if (!a)
		return;
	if (a->session[0])
		map_del(&a->master->agent_sessions, a->session);
	http_stream_free(a->stream);
	if (a->ping_timer)
		event_free(a->ping_timer);
	map_clear(&a->tasks); /* the tasks belong to their frameworks */
	map_clear(&a->offers);
	map_clear(&a->lost_tasks);
	res_free(&a->used);
	res_free(&a->offered);
	res_free(&a->counted);
	res_free(&a->total);
	json_decref(a->attributes);
	free(a);
}

json_t *master_agent_state_json(const struct master_agent *a)
{
	char pid[400];
	json_t *o;

	snprintf(pid, sizeof(pid), "slave(1)@%s:%u", a->ip, a->port);
	o = json_pack("{s:s, s:s, s:i, s:s, s:f, s:o, s:o, s:o, s:o, s:o, s:b, s:b, s:s, s:s, "
		      "s:[s,s]}",
		      "id", a->id, "hostname", a->hostname, "port", (int)a->port, "pid", pid,
		      "registered_time", a->registered_time, "attributes",
		      attributes_summary(a->attributes), "resources", res_to_summary(&a->total),
		      "used_resources", res_to_summary(&a->used),
		      "offered_resources", res_to_summary(&a->offered),
		      "unreserved_resources", res_to_summary(&a->total), "active",
		      a->state == AGENT_CONNECTED, "deactivated", false, "version",
		      MESOS_COMPAT_VERSION, "agora_state", master_agent_state_name(a->state),
		      "capabilities", "MULTI_ROLE", "HIERARCHICAL_ROLE");
	json_object_set_new(o, "reserved_resources", json_object());
	if (a->reregistered_time > 0)
		json_object_set_new(o, "reregistered_time", json_real(a->reregistered_time));
	return o;
}

json_t *master_info_json(const struct master *m)
{
	char pid[400];
	struct in_addr_bytes {
		unsigned char b[4];
	} ipb = { { 0, 0, 0, 0 } };
	unsigned a0, a1, a2, a3;
	uint32_t ip_le = 0;

	snprintf(pid, sizeof(pid), "master@%s:%u", m->advertised_ip, m->port);
	if (sscanf(m->advertised_ip, "%u.%u.%u.%u", &a0, &a1, &a2, &a3) == 4) {
		ipb.b[0] = (unsigned char)a0;
		ipb.b[1] = (unsigned char)a1;
		ipb.b[2] = (unsigned char)a2;
		ipb.b[3] = (unsigned char)a3;
		/* Mesos packs the address in network order and reads it as a uint32. */
		ip_le = (uint32_t)ipb.b[0] | (uint32_t)ipb.b[1] << 8 | (uint32_t)ipb.b[2] << 16 |
			(uint32_t)ipb.b[3] << 24;
	}
	return json_pack("{s:s, s:I, s:i, s:s, s:s, s:s, s:{s:s, s:s, s:i}, s:[{s:s},{s:s}]}",
			 "id", m->id, "ip", (json_int_t)ip_le, "port", (int)m->port, "pid", pid,
			 "hostname", m->hostname, "version", MESOS_COMPAT_VERSION, "address",
			 "hostname", m->hostname, "ip", m->advertised_ip, "port", (int)m->port,
			 "capabilities", "type", "AGENT_UPDATE", "type", "AGENT_DRAINING");
}

double master_agent_ping_interval(const struct master *m)
{
	double p = m->flags.agent_ping_timeout / 3;
	return p < 0.05 ? 0.05 : p;
}
