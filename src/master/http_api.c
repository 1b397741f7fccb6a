/*
 * master/http_api — the master's route table, its authentication policy and
 * the read-only operator endpoints (Mesos-compatible shapes: /master/state,
 * /master/slaves, /health, /master/redirect, /metrics/snapshot, /flags,
 * /version).
 *
 * Realms: mesos-master-readonly (when --authenticate_http_readonly),
 * mesos-master-readwrite, mesos-master-scheduler. The agent endpoints carry
 * their own proof (agent_link.c) and have no Basic realm.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/daemon.h"
#include "core/util.h"
#include "core/version.h"
#include "master/master.h"

#define READONLY "mesos-master-readonly"
#define SCHEDULER "mesos-master-scheduler"

static int master_auth(void *arg, const char *realm, const char *user, const char *pass)
{
	struct master *m = arg;
	bool required = true;

	if (!strcmp(realm, READONLY))
		required = m->flags.authenticate_http_readonly;
	else if (!strcmp(realm, "mesos-master-readwrite"))
		required = m->flags.authenticate_http_readwrite;
	else if (!strcmp(realm, "mesos-master-scheduler"))
		required = m->flags.authenticate_frameworks || m->flags.authenticate_http_frameworks;
	if (!required)
		return 1;
	if (!user || !pass || !m->have_credentials)
		return -1;
	return cred_check(&m->credentials, user, pass) ? 0 : -1;
}

static void count_agents(const struct master *m, int counts[4])
{
	struct map_iter it;
	void *v;
	memset(counts, 0, 4 * sizeof(int));
	map_iter_init(&it, (struct map *)&m->agents);
	while (map_iter_next(&it, NULL, &v))
		counts[((struct master_agent *)v)->state]++;
}

static json_t *agents_json(struct master *m, json_t **recovered_out)
{
	json_t *slaves = json_array(), *recovered = json_array();
	struct map_iter it;
	void *v;

	map_iter_init(&it, &m->agents);
	while (map_iter_next(&it, NULL, &v)) {
		struct master_agent *a = v;
		if (a->state == AGENT_CONNECTED || a->state == AGENT_DISCONNECTED)
			json_array_append_new(slaves, master_agent_state_json(a));
		else if (a->state == AGENT_RECOVERED)
			json_array_append_new(recovered,
					      json_pack("{s:s, s:s, s:i, s:o}", "id", a->id,
							"hostname", a->hostname, "port",
							(int)a->port, "attributes", json_object()));
	}
	*recovered_out = recovered;
	return slaves;
}

static void handle_state(struct http_req *r, void *arg)
{
	struct master *m = arg;
	char pid[400];
	int counts[4];
	json_t *recovered, *slaves = agents_json(m, &recovered), *o;
	json_t *completed_fws, *frameworks = state_frameworks_json(m, &completed_fws);

	count_agents(m, counts);
	snprintf(pid, sizeof(pid), "master@%s:%u", m->advertised_ip, m->port);
	o = json_pack("{s:s, s:s, s:s, s:f, s:s, s:f, s:f, s:s, s:s, s:s, s:i, s:i, s:i, "
		      "s:s, s:{s:s, s:s, s:i, s:s}, s:o, s:o, s:o, s:o, s:o, s:[], s:[], "
		      "s:[s,s]}",
		      "version", MESOS_COMPAT_VERSION, "agora_version", AGORA_VERSION,
		      "build_date", __DATE__, "build_time", daemon_build_time(), "build_user",
		      "agora", "start_time", m->start_time, "elected_time", m->start_time, "id", m->id,
		      "pid", pid, "hostname", m->hostname, "activated_slaves",
		      counts[AGENT_CONNECTED], "deactivated_slaves", counts[AGENT_DISCONNECTED],
		      "unreachable_slaves", counts[AGENT_UNREACHABLE], "leader", pid,
		      "leader_info", "id", m->id, "pid", pid, "port", (int)m->port, "hostname",
		      m->hostname, "flags",
		      flags_to_json(master_flag_defs, master_flag_count, &m->flags), "slaves",
		      slaves, "recovered_slaves", recovered, "frameworks", frameworks,
		      "completed_frameworks", completed_fws,
		      "orphan_tasks", "unregistered_frameworks", "capabilities", "AGENT_UPDATE",
		      "AGENT_DRAINING");
	if (m->flags.cluster)
		json_object_set_new(o, "cluster", json_string(m->flags.cluster));
	if (m->flags.log_dir)
		json_object_set_new(o, "log_dir", json_string(m->flags.log_dir));
	if (m->auth_warning[0]) /* agora's addition: some authentication is off */
		json_object_set_new(o, "warning", json_string(m->auth_warning));
	http_reply_json(r, 200, o);
}

static void handle_slaves(struct http_req *r, void *arg)
{
	struct master *m = arg;
	json_t *recovered, *slaves = agents_json(m, &recovered);
	const char *only = http_query(r, "slave_id");
	if (only) {
		json_t *filtered = json_array();
		size_t i;
		json_t *s;
		json_array_foreach(slaves, i, s) {
			if (!strcmp(json_string_value(json_object_get(s, "id")), only))
				json_array_append(filtered, s);
		}
		json_decref(slaves);
		slaves = filtered;
	}
	http_reply_json(r, 200, json_pack("{s:o, s:o}", "slaves", slaves, "recovered_slaves",
					   recovered));
}

static void handle_health(struct http_req *r, void *arg)
{
	(void)arg;
	http_reply_empty(r, 200);
}

static void handle_redirect(struct http_req *r, void *arg)
{
	struct master *m = arg;
	char loc[400];
	if (strcmp(r->path, "/master/redirect") && strcmp(r->path, "/redirect")) {
		http_reply_text(r, 404, "No such endpoint: %s", r->path);
		return;
	}
	snprintf(loc, sizeof(loc), "//%s:%u", m->hostname, m->port);
	http_reply_redirect(r, 307, loc);
}

static void handle_flags(struct http_req *r, void *arg)
{
	struct master *m = arg;
	http_reply_json(r, 200, json_pack("{s:o}", "flags",
					   flags_to_json(master_flag_defs, master_flag_count,
							 &m->flags)));
}

static void handle_version(struct http_req *r, void *arg)
{
	(void)arg;
	http_reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:f, s:s}", "version",
					   MESOS_COMPAT_VERSION, "agora_version", AGORA_VERSION,
					   "build_date", __DATE__, "build_time", daemon_build_time(),
					   "build_user", "agora"));
}

static void put_resource_metrics(json_t *o, const char *name, double total, double used)
{
	char key[64];
	snprintf(key, sizeof(key), "master/%s_total", name);
	json_object_set_new(o, key, json_real(total));
	snprintf(key, sizeof(key), "master/%s_used", name);
	json_object_set_new(o, key, json_real(used));
	snprintf(key, sizeof(key), "master/%s_percent", name);
	json_object_set_new(o, key, json_real(total > 0 ? used / total : 0));
}

static void handle_metrics(struct http_req *r, void *arg)
{
	struct master *m = arg;
	static const char *const names[] = { "cpus", "gpus", "mem", "disk" };
	int counts[4];
	double totals[4] = { 0, 0, 0, 0 };
	struct map_iter it;
	void *v;
	json_t *o;

	double used[4] = { 0, 0, 0, 0 };
	double fw_connected = 0, fw_disconnected = 0;
	double task_counts[MESOS_TASK_STATE_COUNT] = { 0 };

	count_agents(m, counts);
	map_iter_init(&it, &m->agents);
	while (map_iter_next(&it, NULL, &v)) {
		struct master_agent *a = v;
		if (a->state != AGENT_CONNECTED)
			continue;
		for (size_t i = 0; i < ARRAY_LEN(names); i++) {
			totals[i] += res_scalar(&a->total, names[i]);
			used[i] += res_scalar(&a->used, names[i]);
		}
	}
	map_iter_init(&it, &m->frameworks);
	while (map_iter_next(&it, NULL, &v)) {
		struct framework *fw = v;
		struct map_iter ti;
		void *tv;
		size_t k;
		json_t *c;
		fw_connected += fw->state == FW_CONNECTED;
		fw_disconnected += fw->state == FW_DISCONNECTED;
		map_iter_init(&ti, &fw->tasks);
		while (map_iter_next(&ti, NULL, &tv))
			task_counts[((struct master_task *)tv)->state]++;
		json_array_foreach(fw->completed, k, c) {
			int st = mesos_task_state_parse(json_string_value(json_object_get(c, "state")));
			if (st >= 0)
				task_counts[st]++;
		}
	}
	o = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
		      "master/elected", 1.0, "master/uptime_secs", now_wall() - m->start_time,
		      "master/slaves_active", (double)counts[AGENT_CONNECTED],
		      "master/slaves_connected", (double)counts[AGENT_CONNECTED],
		      "master/slaves_disconnected", (double)counts[AGENT_DISCONNECTED],
		      "master/slaves_inactive", 0.0, "master/slaves_unreachable",
		      (double)counts[AGENT_UNREACHABLE], "master/frameworks_active", fw_connected,
		      "master/frameworks_connected", fw_connected, "master/outstanding_offers",
		      (double)map_count(&m->offers), "registrar/log/recovered", 1.0);
	json_object_set_new(o, "master/frameworks_disconnected", json_real(fw_disconnected));
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		put_resource_metrics(o, names[i], totals[i], used[i]);
	task_counts[TASK_ERROR] += (double)m->tasks_error;
	for (int st = 0; st < MESOS_TASK_STATE_COUNT; st++) {
		char key[64], lower[32];
		const char *name = mesos_task_state_name((enum mesos_task_state)st) + 5;
		size_t k;
		for (k = 0; name[k] && k + 1 < sizeof(lower); k++)
			lower[k] = (char)(name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32 : name[k]);
		lower[k] = '\0';
		snprintf(key, sizeof(key), "master/tasks_%s", lower);
		json_object_set_new(o, key, json_real(task_counts[st]));
	}
	http_reply_json(r, 200, o);
}

static const struct http_route master_routes[] = {
	{ EVHTTP_REQ_GET, "/health", handle_health, NULL, 0 },
	{ EVHTTP_REQ_GET, "/master/health", handle_health, NULL, 0 },
	{ EVHTTP_REQ_GET, "/master/redirect", handle_redirect, NULL, 0 },
	{ EVHTTP_REQ_GET, "/redirect", handle_redirect, NULL, HTTP_PREFIX },
	{ EVHTTP_REQ_GET, "/master/state", handle_state, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/master/state.json", handle_state, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/state", handle_state, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/state.json", handle_state, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/master/slaves", handle_slaves, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/slaves", handle_slaves, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/master/frameworks", state_handle_frameworks, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/frameworks", state_handle_frameworks, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/master/tasks", state_handle_tasks, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/master/tasks.json", state_handle_tasks, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/tasks", state_handle_tasks, READONLY, 0 },
	{ EVHTTP_REQ_POST, "/api/v1/scheduler", scheduler_api_handle, SCHEDULER, 0 },
	{ EVHTTP_REQ_POST, "/master/api/v1/scheduler", scheduler_api_handle, SCHEDULER, 0 },
	{ EVHTTP_REQ_GET, "/master/flags", handle_flags, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/flags", handle_flags, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/metrics/snapshot", handle_metrics, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/version", handle_version, NULL, 0 },
	{ EVHTTP_REQ_POST, "/agent/challenge", agent_link_challenge, NULL, 0 },
	{ EVHTTP_REQ_POST, "/agent/subscribe", agent_link_subscribe, NULL, 0 },
	{ EVHTTP_REQ_POST, "/agent/call", agent_link_call, NULL, 0 },
};

int master_http_start(struct master *m, char *err, size_t errlen)
{
	int port;
	m->http = http_server_new(m->base, master_routes, ARRAY_LEN(master_routes), m,
				  master_auth, m, (size_t)m->flags.max_body);
	port = http_server_bind(m->http, m->flags.ip, (uint16_t)m->flags.port);
	if (port < 0) {
		snprintf(err, errlen, "cannot listen on %s:%lld: %s", m->flags.ip,
			 (long long)m->flags.port, strerror(-port));
		return port;
	}
	if (!m->flags.advertise_port)
		m->port = (uint16_t)port;
	return 0;
}
