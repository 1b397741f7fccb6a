/*
 * agent/http_api — the agent's route table and its read-only endpoints in
 * Mesos shapes: /state (≡ /slave(1)/state, /state.json), /health, /flags,
 * /metrics/snapshot, /version, /monitor/statistics (monitor.c) and the
 * /files API (files_api.c). Tasks appear under frameworks[].executors[]
 * (tasks.c builds them, each live one with its "statistics"); /state also
 * has "isolation", "cgroups" and "gpus" (containerizer.c).
 *
 * Realm mesos-agent-readonly, on unless --no-authenticate_http_readonly;
 * credentials: --http_credentials, else the agent's own --credential.
 */
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/containerizer.h"
#include "agent/files_api.h"
#include "agent/gc.h"
#include "agent/tasks.h"
#include "core/attributes.h"
#include "core/daemon.h"
#include "core/util.h"
#include "core/version.h"

#define READONLY "mesos-agent-readonly"

static int agent_auth(void *arg, const char *realm, const char *user, const char *pass)
{
	struct agent *a = arg;
	bool required = true;

	if (!strcmp(realm, READONLY))
		required = a->flags.authenticate_http_readonly;
	else if (!strcmp(realm, "mesos-agent-readwrite"))
		required = a->flags.authenticate_http_readwrite;
	if (!required)
		return 1;
	if (!user || !pass)
		return -1;
	if (a->have_http_credentials)
		return cred_check(&a->http_credentials, user, pass) ? 0 : -1;
	if (a->have_credential) {
		struct credentials one = { &a->credential, 1 };
		return cred_check(&one, user, pass) ? 0 : -1;
	}
	return -1;
}

static void handle_state(struct http_req *r, void *arg)
{
	struct agent *a = arg;
	char pid[400];
	json_t *o;

	snprintf(pid, sizeof(pid), "slave(1)@%s:%u", a->advertised_ip, a->port);
	o = json_pack("{s:s, s:s, s:s, s:f, s:s, s:f, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, "
		      "s:s, s:s, s:o, s:o, s:[s,s]}",
		      "version", MESOS_COMPAT_VERSION, "agora_version", AGORA_VERSION,
		      "build_date", __DATE__, "build_time", daemon_build_time(), "build_user",
		      "agora", "start_time", a->start_time, "id", a->id, "pid", pid, "hostname",
		      a->hostname, "resources", res_to_summary(&a->resources),
		      "unreserved_resources", res_to_summary(&a->resources),
		      "reserved_resources", json_object(), "attributes",
		      attributes_summary(a->attributes), "flags",
		      flags_to_json(agent_flag_defs, agent_flag_count, &a->flags),
		      "master_hostname", a->master_host, "master_link",
		      link_state_name(a->link), "frameworks", atasks_state_json(a, false),
		      "completed_frameworks", atasks_state_json(a, true), "capabilities",
		      "MULTI_ROLE", "HIERARCHICAL_ROLE");
	ctz_state_json(a, o);
	if (a->auth_warning[0]) /* agora's addition: some HTTP authentication is off */
		json_object_set_new(o, "warning", json_string(a->auth_warning));
	http_reply_json(r, 200, o);
}

static void handle_health(struct http_req *r, void *arg)
{
	(void)arg;
	http_reply_empty(r, 200);
}

static void handle_flags(struct http_req *r, void *arg)
{
	struct agent *a = arg;
	http_reply_json(r, 200, json_pack("{s:o}", "flags",
					   flags_to_json(agent_flag_defs, agent_flag_count,
							 &a->flags)));
}

static void handle_version(struct http_req *r, void *arg)
{
	(void)arg;
	http_reply_json(r, 200, json_pack("{s:s, s:s}", "version", MESOS_COMPAT_VERSION,
					   "agora_version", AGORA_VERSION));
}

static void handle_metrics(struct http_req *r, void *arg)
{
	struct agent *a = arg;
	json_t *o = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f}", "slave/registered",
			      a->link == LINK_CONNECTED ? 1.0 : 0.0, "slave/uptime_secs",
			      now_wall() - a->start_time, "slave/cpus_total",
			      res_scalar(&a->resources, "cpus"), "slave/mem_total",
			      res_scalar(&a->resources, "mem"), "slave/disk_total",
			      res_scalar(&a->resources, "disk"), "slave/gpus_total",
			      res_scalar(&a->resources, "gpus"));
	gc_metrics(a, o);
	http_reply_json(r, 200, o);
}

static const struct http_route agent_routes[] = {
	{ EVHTTP_REQ_GET, "/health", handle_health, NULL, 0 },
	{ EVHTTP_REQ_GET, "/slave(1)/health", handle_health, NULL, 0 },
	{ EVHTTP_REQ_GET, "/state", handle_state, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/state.json", handle_state, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/slave(1)/state", handle_state, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/slave(1)/state.json", handle_state, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/flags", handle_flags, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/slave(1)/flags", handle_flags, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/metrics/snapshot", handle_metrics, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/version", handle_version, NULL, 0 },
	{ EVHTTP_REQ_GET, "/monitor/statistics", mon_handle_statistics, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/monitor/statistics.json", mon_handle_statistics, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/files/browse", files_browse, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/files/browse.json", files_browse, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/files/read", files_read, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/files/read.json", files_read, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/files/download", files_download, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/files/download.json", files_download, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/files/debug", files_debug, READONLY, 0 },
	{ EVHTTP_REQ_GET, "/files/debug.json", files_debug, READONLY, 0 },
};

int agent_http_start(struct agent *a, char *err, size_t errlen)
{
	int port;
	a->http = http_server_new(a->base, agent_routes, ARRAY_LEN(agent_routes), a, agent_auth,
				  a, (size_t)a->flags.max_body);
	port = http_server_bind(a->http, a->flags.ip, (uint16_t)a->flags.port);
	if (port < 0) {
		snprintf(err, errlen, "cannot listen on %s:%lld: %s", a->flags.ip,
			 (long long)a->flags.port, strerror(-port));
		return port;
	}
	a->port = (uint16_t)port;
	return 0;
}
