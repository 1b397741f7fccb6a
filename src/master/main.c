/*
 * master/main — `agora master`: flags, start-up checks, the event loop.
 *
 * Start-up order: flags → credentials (refuse to start with authentication
 * on and no credentials) → work_dir and registry → HTTP listener → loop.
 * SIGINT/SIGTERM stop the loop; the registry is always consistent on disk,
 * so a kill -9 at any point loses nothing that was acknowledged.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <unistd.h>

#include "core/daemon.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/store.h"
#include "core/util.h"
#include "core/version.h"
#include "master/master.h"

#define F(field) offsetof(struct master_flags, field)

const struct flag_def master_flag_defs[] = {
	{ "ip", NULL, FLAG_STRING, F(ip), "0.0.0.0", "IP address to listen on" },
	{ "port", NULL, FLAG_INT, F(port), "5050", "Port to listen on" },
	{ "advertise_ip", NULL, FLAG_STRING, F(advertise_ip), NULL,
	  "IP address advertised to agents, frameworks and in redirects" },
	{ "advertise_port", NULL, FLAG_INT, F(advertise_port), NULL, "Port advertised" },
	{ "hostname", NULL, FLAG_STRING, F(hostname), NULL,
	  "Hostname advertised (default: the system hostname)" },
	{ "hostname_lookup", NULL, FLAG_BOOL, F(hostname_lookup), "true",
	  "Look up the hostname when --hostname is not given" },
	{ "cluster", NULL, FLAG_STRING, F(cluster), NULL, "Human readable cluster name" },
	{ "work_dir", NULL, FLAG_PATH, F(work_dir), "/var/lib/agora/master",
	  "Directory for the registry (SQLite)" },
	{ "credentials", NULL, FLAG_PATH, F(credentials), NULL,
	  "Credentials file (JSON {\"credentials\":[{principal,secret}]} or 'principal secret' lines)" },
	{ "acls", NULL, FLAG_JSON, F(acls), NULL, "ACLs in the Mesos JSON format" },
	{ "authenticate_agents", "authenticate_slaves", FLAG_BOOL, F(authenticate_agents), "true",
	  "Agents must prove their --credential (HMAC challenge-response)" },
	{ "authenticate_frameworks", "authenticate", FLAG_BOOL, F(authenticate_frameworks), "true",
	  "Frameworks must authenticate (HTTP Basic against --credentials)" },
	{ "authenticate_http_frameworks", NULL, FLAG_BOOL, F(authenticate_http_frameworks), NULL,
	  "Same as --authenticate_frameworks for the HTTP scheduler API" },
	{ "http_framework_authenticators", NULL, FLAG_STRING, F(http_framework_authenticators),
	  "basic", "HTTP framework authenticators (only 'basic')" },
	{ "authenticate_http_readonly", NULL, FLAG_BOOL, F(authenticate_http_readonly), "true",
	  "Read-only endpoints (/master/state ...) require HTTP Basic" },
	{ "authenticate_http_readwrite", NULL, FLAG_BOOL, F(authenticate_http_readwrite), "true",
	  "Read-write operator endpoints require HTTP Basic" },
	{ "agent_ping_timeout", "slave_ping_timeout", FLAG_DURATION, F(agent_ping_timeout),
	  "15secs", "Time within which an agent must ping" },
	{ "max_agent_ping_timeouts", "max_slave_ping_timeouts", FLAG_INT,
	  F(max_agent_ping_timeouts), "5",
	  "Missed ping timeouts after which an agent is unreachable" },
	{ "agent_reregister_timeout", "slave_reregister_timeout", FLAG_DURATION,
	  F(agent_reregister_timeout), "10mins",
	  "Time agents have to re-register after a master restart" },
	{ "offer_timeout", NULL, FLAG_DURATION, F(offer_timeout), NULL,
	  "Rescind offers not used within this time (default: never)" },
	{ "allocation_interval", NULL, FLAG_DURATION, F(allocation_interval), "1secs",
	  "Longest time between allocation passes" },
	{ "heartbeat_interval", NULL, FLAG_DURATION, F(heartbeat_interval), "5secs",
	  "Interval of HEARTBEAT events on event streams" },
	{ "zk", NULL, FLAG_STRING, F(zk), NULL, "ZooKeeper URL for leader election (zk://...)" },
	{ "quorum", NULL, FLAG_INT, F(quorum), NULL, "Registry quorum (replicated log)" },
	{ "registry", NULL, FLAG_STRING, F(registry), "replicated_log",
	  "Registry backend (agora keeps it in SQLite)" },
	{ "logging_level", NULL, FLAG_STRING, F(logging_level), "INFO",
	  "Minimum level logged: DEBUG, INFO, WARNING, ERROR" },
	{ "log_dir", NULL, FLAG_PATH, F(log_dir), NULL, "Also write the log to <log_dir>/agora-master.log" },
	{ "filter_gpu_resources", NULL, FLAG_BOOL, F(filter_gpu_resources), "true",
	  "Offer GPU agents only to frameworks with GPU_RESOURCES" },
	{ "root_submissions", NULL, FLAG_BOOL, F(root_submissions), "true",
	  "Frameworks may register as root" },
	{ "max_completed_frameworks", NULL, FLAG_INT, F(max_completed_frameworks), "50",
	  "Completed frameworks kept in memory" },
	{ "max_completed_tasks_per_framework", NULL, FLAG_INT,
	  F(max_completed_tasks_per_framework), "1000", "Completed tasks kept per framework" },
	{ "roles", NULL, FLAG_STRING, F(roles), NULL, "Deprecated; accepted" },
	{ "weights", NULL, FLAG_STRING, F(weights), NULL, "Role weights: role=weight,..." },
	{ "webui_dir", NULL, FLAG_PATH, F(webui_dir), NULL, "Directory of the web UI" },
	{ "authorizers", NULL, FLAG_STRING, F(authorizers), "local", "Authorizer (only 'local')" },
	{ "max_body", NULL, FLAG_BYTES, F(max_body), "16MB", "Largest accepted request body" },
	{ "allow_root_tasks", NULL, FLAG_BOOL, F(allow_root_tasks), "false",
	  "Without --acls, let tasks run as root (refused by default)" },
};
const size_t master_flag_count = ARRAY_LEN(master_flag_defs);

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct master *m = arg;
	(void)what;
	log_info("master: received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
	event_base_loopexit(m->base, NULL);
}

/* Checks flag values beyond their syntax; err names the flag. */
static int validate_flags(struct master *m, const struct flags_result *fr, char *err,
			  size_t errlen)
{
	struct master_flags *f = &m->flags;
	bool need_creds;

	if (f->port < 0 || f->port > 65535)
		return snprintf(err, errlen, "flag --port: %lld is not a port",
				(long long)f->port), -EINVAL;
	if (f->zk)
		return snprintf(err, errlen,
				"flag --zk: ZooKeeper leader election is not available in this "
				"version of agora; run a single master without --zk"),
		       -EINVAL;
	if (f->http_framework_authenticators &&
	    strcmp(f->http_framework_authenticators, "basic"))
		return snprintf(err, errlen,
				"flag --http_framework_authenticators: only 'basic' is supported"),
		       -EINVAL;
	if (f->authorizers && strcmp(f->authorizers, "local"))
		return snprintf(err, errlen, "flag --authorizers: only 'local' is supported"),
		       -EINVAL;
	if (f->agent_ping_timeout <= 0 || f->max_agent_ping_timeouts < 1)
		return snprintf(err, errlen,
				"flags --agent_ping_timeout and --max_agent_ping_timeouts must be "
				"positive"),
		       -EINVAL;
	if (f->heartbeat_interval <= 0)
		return snprintf(err, errlen, "flag --heartbeat_interval must be positive"),
		       -EINVAL;
	if (log_level_parse(f->logging_level) < 0)
		return snprintf(err, errlen, "flag --logging_level: unknown level '%s'",
				f->logging_level),
		       -EINVAL;
	if (!f->work_dir || !f->work_dir[0])
		return snprintf(err, errlen, "flag --work_dir is required"), -EINVAL;

	need_creds = f->authenticate_agents || f->authenticate_frameworks ||
		     f->authenticate_http_frameworks || f->authenticate_http_readonly ||
		     f->authenticate_http_readwrite;
	if (f->credentials) {
		if (cred_load_list(f->credentials, &m->credentials, err, errlen) < 0)
			return -EINVAL;
		m->have_credentials = true;
	}
	{
		char off[256] = "";
		const struct { bool on; const char *what; } parts[] = {
			{ f->authenticate_agents, "agent" },
			{ f->authenticate_frameworks || f->authenticate_http_frameworks,
			  "framework" },
			{ f->authenticate_http_readonly, "read-only HTTP" },
			{ f->authenticate_http_readwrite, "read-write HTTP" },
		};
		struct daemon_auth rule = {
			.need_creds = need_creds,
			.have_creds = m->have_credentials,
			.creds_flag = "--credentials=FILE",
			.off_flags = "--no-authenticate_agents --no-authenticate_frameworks "
				     "--no-authenticate_http_readonly "
				     "--no-authenticate_http_readwrite",
			.ip_flag = "--ip",
			.ip_given = fr->set[flags_find(master_flag_defs, master_flag_count, "ip")],
		};
		for (size_t i = 0; i < ARRAY_LEN(parts); i++)
			if (!parts[i].on) {
				if (off[0])
					str_append(off, ", ", sizeof(off));
				str_append(off, parts[i].what, sizeof(off));
			}
		if (off[0]) {
			str_append(off, " authentication", sizeof(off));
			rule.off_what = off;
		}
		if (daemon_auth_rule(&rule, &f->ip, m->auth_warning, sizeof(m->auth_warning), err,
				     errlen) < 0)
			return -EINVAL;
	}
	if (master_load_acls(m, err, errlen) < 0)
		return -EINVAL;
	return 0;
}

static void resolve_identity(struct master *m)
{
	struct master_flags *f = &m->flags;
	char host[256] = "";

	if (f->hostname)
		str_copy(m->hostname, f->hostname, sizeof(m->hostname));
	else if (gethostname(host, sizeof(host)) == 0 && host[0])
		str_copy(m->hostname, host, sizeof(m->hostname));
	else
		str_copy(m->hostname, "localhost", sizeof(m->hostname));

	if (f->advertise_ip)
		str_copy(m->advertised_ip, f->advertise_ip, sizeof(m->advertised_ip));
	else if (strcmp(f->ip, "0.0.0.0") && strcmp(f->ip, "::"))
		str_copy(m->advertised_ip, f->ip, sizeof(m->advertised_ip));
	else
		str_copy(m->advertised_ip, "127.0.0.1", sizeof(m->advertised_ip));
	if (!f->hostname && !strcmp(f->ip, "127.0.0.1"))
		str_copy(m->hostname, "127.0.0.1", sizeof(m->hostname));
	m->port = (uint16_t)(f->advertise_port ? f->advertise_port : f->port);
}

static void master_free(struct master *m)
{
	struct map_iter it;
	void *v;

	map_iter_init(&it, &m->frameworks);
	while (map_iter_next(&it, NULL, &v))
		framework_free(v);
	map_clear(&m->frameworks);
	if (m->base)
		alloc_fini(m);
	map_iter_init(&it, &m->agents);
	while (map_iter_next(&it, NULL, &v))
		master_agent_free(v);
	map_clear(&m->agents);
	if (m->have_acls)
		acl_free(&m->acls);
	map_clear(&m->agent_sessions);
	map_iter_init(&it, &m->nonce_replay);
	while (map_iter_next(&it, NULL, &v))
		free(v);
	map_clear(&m->nonce_replay);
	free(m->sources);
	OPENSSL_cleanse(m->nonce_key, sizeof(m->nonce_key));
	http_server_free(m->http);
	if (m->sigint)
		event_free(m->sigint);
	if (m->sigterm)
		event_free(m->sigterm);
	store_close(m->db);
	cred_free_list(&m->credentials);
	flags_free(master_flag_defs, master_flag_count, &m->flags);
	if (m->base)
		event_base_free(m->base);
}

int master_main(int argc, char **argv)
{
	struct master m;
	struct flags_result fr;
	char err[1024];
	int rc = 1;

	memset(&m, 0, sizeof(m));
	memset(&fr, 0, sizeof(fr));
	map_init(&m.agents);
	map_init(&m.agent_sessions);
	map_init(&m.nonce_replay);
	map_init(&m.frameworks);
	log_init("master", LOG_LEVEL_INFO);

	rc = daemon_load_flags("master", "agora master [--flag=value ...]", master_flag_defs,
			       master_flag_count, &m.flags, argc, argv, &fr);
	if (rc != DAEMON_CONTINUE)
		goto out;
	rc = 1;
	if (validate_flags(&m, &fr, err, sizeof(err)) < 0) {
		fprintf(stderr, "agora master: %s\n", err);
		goto out;
	}
	if (fr.check_config) {
		printf("agora master: configuration OK\n");
		rc = 0;
		goto out;
	}
	daemon_logging("master", m.flags.logging_level, m.flags.log_dir);
	daemon_auth_warn("master", m.auth_warning);
	signal(SIGPIPE, SIG_IGN);
	resolve_identity(&m);
	if (uuid_random(NULL, m.id) < 0 || random_bytes(m.nonce_key, sizeof(m.nonce_key)) < 0)
		fatalx("master: no randomness available");
	m.sources = xcalloc(AGENT_SOURCE_SLOTS, sizeof(*m.sources));
	m.start_time = now_wall();

	if (registry_open(&m, err, sizeof(err)) < 0) {
		log_error("master: %s", err);
		goto out;
	}
	m.base = event_base_new();
	if (!m.base)
		fatalx("master: event_base_new failed");
	alloc_init(&m);
	if (registry_load(&m) < 0)
		goto out;
	if (master_http_start(&m, err, sizeof(err)) < 0) {
		log_error("master: %s", err);
		goto out;
	}
	m.sigint = evsignal_new(m.base, SIGINT, on_signal, &m);
	m.sigterm = evsignal_new(m.base, SIGTERM, on_signal, &m);
	evsignal_add(m.sigint, NULL);
	evsignal_add(m.sigterm, NULL);

	log_info("master: agora %s (Mesos API %s) master %s listening on %s:%d as %s:%u%s%s",
		 AGORA_VERSION, MESOS_COMPAT_VERSION, m.id, m.flags.ip, (int)m.flags.port,
		 m.hostname, m.port, m.flags.cluster ? ", cluster " : "",
		 m.flags.cluster ? m.flags.cluster : "");
	log_info("master: authentication: agents %s, frameworks %s, read-only HTTP %s",
		 m.flags.authenticate_agents ? "on" : "OFF",
		 (m.flags.authenticate_frameworks || m.flags.authenticate_http_frameworks)
			 ? "on" : "OFF",
		 m.flags.authenticate_http_readonly ? "on" : "OFF");
	event_base_dispatch(m.base);
	rc = 0;
out:
	master_free(&m);
	return rc;
}
