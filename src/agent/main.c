/*
 * agent/main — `agora agent`: flags, start-up checks, the event loop.
 *
 * Start-up order: flags (--isolation parsed) → credential → work_dir →
 * detected resources (GPUs through NVML) → checkpointed agent id (and the
 * resources it last registered with) → isolation (cgroups detected, the
 * root cgroup made; before the spawner forks, which inherits it) →
 * supervisor channel and spawner → HTTP listener → recovered tasks →
 * leftover cgroups swept → master link.
 * SIGINT/SIGTERM stop the loop; tasks keep running (their supervisors are
 * in their own sessions) and are re-adopted by the next start.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/gc.h"
#include "agent/containerizer.h"
#include "agent/tasks.h"
#include "core/attributes.h"
#include "core/daemon.h"
#include "core/log.h"
#include "core/util.h"
#include "core/version.h"

#define F(field) offsetof(struct agent_flags, field)

const struct flag_def agent_flag_defs[] = {
	{ "master", NULL, FLAG_STRING, F(master), NULL,
	  "The master: host:port (or file:///path holding it)" },
	{ "ip", NULL, FLAG_STRING, F(ip), "0.0.0.0", "IP address to listen on" },
	{ "port", NULL, FLAG_INT, F(port), "5051", "Port to listen on" },
	{ "advertise_ip", NULL, FLAG_STRING, F(advertise_ip), NULL,
	  "IP address advertised to the master" },
	{ "hostname", NULL, FLAG_STRING, F(hostname), NULL,
	  "Hostname advertised (default: the system hostname)" },
	{ "hostname_lookup", NULL, FLAG_BOOL, F(hostname_lookup), "true",
	  "Look up the hostname when --hostname is not given" },
	{ "work_dir", NULL, FLAG_PATH, F(work_dir), "/var/lib/agora/agent",
	  "Directory for sandboxes and checkpoints" },
	{ "resources", NULL, FLAG_STRING, F(resources), NULL,
	  "Resources, e.g. 'cpus:4;mem:8192;gpus:2;ports:[31000-32000]' or a JSON array; "
	  "unnamed resources are detected" },
	{ "attributes", NULL, FLAG_STRING, F(attributes), NULL, "Attributes: 'rack:r1;zone:2'" },
	{ "credential", NULL, FLAG_PATH, F(credential), NULL,
	  "File with this agent's principal and secret (JSON or 'principal secret')" },
	{ "http_credentials", NULL, FLAG_PATH, F(http_credentials), NULL,
	  "Credentials accepted by this agent's HTTP endpoints (default: --credential)" },
	{ "authenticate_http_readonly", NULL, FLAG_BOOL, F(authenticate_http_readonly), "true",
	  "Read-only endpoints (/state, /files) require HTTP Basic" },
	{ "authenticate_http_readwrite", NULL, FLAG_BOOL, F(authenticate_http_readwrite), "true",
	  "Read-write endpoints require HTTP Basic" },
	{ "isolation", NULL, FLAG_STRING, F(isolation), "posix/cpu,posix/mem",
	  "Isolators, comma separated (Mesos names)" },
	{ "containerizers", NULL, FLAG_STRING, F(containerizers), "mesos", "Containerizers" },
	{ "image_providers", NULL, FLAG_STRING, F(image_providers), NULL,
	  "Container image providers (docker)" },
	{ "executor_environment_variables", NULL, FLAG_JSON, F(executor_environment_variables),
	  NULL, "JSON object of environment variables given to every task" },
	{ "nvidia_gpu_devices", NULL, FLAG_STRING, F(nvidia_gpu_devices), NULL,
	  "NVML indices of the GPUs to offer, e.g. '0,1'" },
	{ "switch_user", NULL, FLAG_BOOL, F(switch_user), "true",
	  "Run tasks as their user (setuid)" },
	{ "registration_backoff_factor", NULL, FLAG_DURATION, F(registration_backoff_factor),
	  "1secs", "Initial ceiling of the random (re-)registration back-off" },
	{ "executor_shutdown_grace_period", NULL, FLAG_DURATION,
	  F(executor_shutdown_grace_period), "5secs",
	  "Time between SIGTERM and SIGKILL when killing a task" },
	{ "recover", NULL, FLAG_STRING, F(recover), "reconnect",
	  "reconnect: re-attach to running tasks after a restart; cleanup: kill them" },
	{ "strict", NULL, FLAG_BOOL, F(strict), "true", "Fail on checkpoint errors" },
	{ "launcher_dir", NULL, FLAG_PATH, F(launcher_dir), NULL, "Accepted for compatibility" },
	{ "logging_level", NULL, FLAG_STRING, F(logging_level), "INFO",
	  "Minimum level logged: DEBUG, INFO, WARNING, ERROR" },
	{ "log_dir", NULL, FLAG_PATH, F(log_dir), NULL, "Also write the log to <log_dir>/agora-agent.log" },
	{ "default_role", NULL, FLAG_STRING, F(default_role), "*",
	  "Role of resources given without one" },
	{ "cgroups_root", NULL, FLAG_STRING, F(cgroups_root), "agora",
	  "Name of the cgroup under which tasks' cgroups are made" },
	{ "cgroups_hierarchy", NULL, FLAG_PATH, F(cgroups_hierarchy), "/sys/fs/cgroup",
	  "Where the cgroup hierarchies are mounted" },
	{ "cgroups_enable_cfs", NULL, FLAG_BOOL, F(cgroups_enable_cfs), "false",
	  "Hard cpu limit (CFS quota) from the task's cpus" },
	{ "enforce_container_disk_quota", NULL, FLAG_BOOL, F(enforce_container_disk_quota),
	  "false", "Kill a task whose sandbox exceeds its disk" },
	{ "disk_watch_interval", NULL, FLAG_DURATION, F(disk_watch_interval), "1mins",
	  "Period of sandbox disk usage checks" },
	{ "recovery_timeout", NULL, FLAG_DURATION, F(recovery_timeout), "15mins",
	  "Accepted for compatibility" },
	{ "executor_registration_timeout", NULL, FLAG_DURATION,
	  F(executor_registration_timeout), "1mins", "Accepted for compatibility" },
	{ "reconfiguration_policy", NULL, FLAG_STRING, F(reconfiguration_policy), "additive",
	  "equal|additive: agora re-registers with changed resources either way" },
	{ "docker_store_dir", NULL, FLAG_PATH, F(docker_store_dir), NULL,
	  "Where image layers are stored" },
	{ "sandbox_directory", NULL, FLAG_PATH, F(sandbox_directory), "/mnt/mesos/sandbox",
	  "Sandbox path inside containers" },
	{ "gc_delay", NULL, FLAG_DURATION, F(gc_delay), "1weeks",
	  "How long a finished task's sandbox is kept (less when the disk fills)" },
	{ "gc_disk_headroom", NULL, FLAG_DOUBLE, F(gc_disk_headroom), "0.1",
	  "Fraction of the disk kept free: sandboxes older than gc_delay * max(0, 1 - "
	  "headroom - disk usage) are removed every --disk_watch_interval" },
	{ "fetcher_cache_dir", NULL, FLAG_PATH, F(fetcher_cache_dir), NULL,
	  "Accepted for compatibility" },
	{ "effective_capabilities", NULL, FLAG_JSON, F(effective_capabilities), NULL,
	  "With linux/capabilities: capabilities every task gets, as a CapabilityInfo "
	  "{\"capabilities\":[\"NET_RAW\"]} (ambient); absent = the user's default" },
	{ "bounding_capabilities", NULL, FLAG_JSON, F(bounding_capabilities), NULL,
	  "With linux/capabilities: the most any task may have or ask for (its bounding set), "
	  "a CapabilityInfo; absent = all" },
	{ "fetcher_max_size", NULL, FLAG_BYTES, F(fetcher_max_size), "16GB",
	  "Most a task's URIs may write into its sandbox in all (downloads and what their "
	  "archives unpack to); a task with a disk resource gets the smaller of the two" },
	{ "max_body", NULL, FLAG_BYTES, F(max_body), "16MB", "Largest accepted request body" },
};
const size_t agent_flag_count = ARRAY_LEN(agent_flag_defs);

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct agent *a = arg;
	(void)what;
	log_info("agent: received %s, shutting down (tasks keep running)",
		 sig == SIGINT ? "SIGINT" : "SIGTERM");
	event_base_loopexit(a->base, NULL);
}

/* linux/capabilities, linux/nnp and the capability flags (capabilities.h). */
static int caps_configure(struct agent *a, char *err, size_t errlen)
{
	struct caps_agent *c = &a->caps;
	const struct agent_flags *f = &a->flags;
	char e[512], b[512];

	memset(c, 0, sizeof(*c));
	c->on = iso_has(&a->iso, ISO_LINUX_CAPABILITIES);
	c->nnp = iso_has(&a->iso, ISO_LINUX_NNP);
	c->known = caps_kernel_known();
	if (f->effective_capabilities) {
		if (caps_flag_parse(f->effective_capabilities, "--effective_capabilities",
				    &c->effective, err, errlen) < 0)
			return -EINVAL;
		c->has_effective = true;
	}
	if (f->bounding_capabilities) {
		if (caps_flag_parse(f->bounding_capabilities, "--bounding_capabilities",
				    &c->bounding, err, errlen) < 0)
			return -EINVAL;
		c->has_bounding = true;
	}
	if (c->has_effective && c->has_bounding && (c->effective & ~c->bounding)) {
		caps_mask_text(c->effective & ~c->bounding, e, sizeof(e));
		return snprintf(err, errlen,
				"flag --effective_capabilities: %s outside --bounding_capabilities",
				e),
		       -EINVAL;
	}
	if (c->on && geteuid() != 0)
		return snprintf(err, errlen,
				"flag --isolation: linux/capabilities needs the agent to run as "
				"root (it drops capabilities with CAP_SETPCAP)"),
		       -EINVAL;
	if (!c->on && (c->has_effective || c->has_bounding))
		log_warnx("agent: --effective_capabilities and --bounding_capabilities have no "
			  "effect without linux/capabilities in --isolation");
	if (c->on) {
		caps_mask_text(c->effective, e, sizeof(e));
		caps_mask_text(c->bounding, b, sizeof(b));
		log_info("agent: linux/capabilities: effective %s, bounding %s%s",
			 c->has_effective ? e : "(the user's default)",
			 c->has_bounding ? b : "(all)", c->nnp ? "; no_new_privs" : "");
	}
	return 0;
}

/*
 * --work_dir (0711 when created here; an existing directory keeps its mode)
 * and <work_dir>/slaves, which holds every sandbox: 0711 even if it exists,
 * so tasks reach their own sandbox but nobody lists the others.
 */
static int make_work_dir(const char *work_dir, char *err, size_t errlen)
{
	char slaves[PATH_MAX];
	int r = mkdir_p(work_dir, 0711);

	if (r < 0)
		return snprintf(err, errlen, "flag --work_dir: cannot create %s: %s", work_dir,
				strerror(-r)),
		       r;
	if (str_printf(slaves, sizeof(slaves), "%s/slaves", work_dir) < 0)
		return snprintf(err, errlen, "flag --work_dir: path too long"), -ENAMETOOLONG;
	if ((mkdir(slaves, 0711) < 0 && errno != EEXIST) || chmod(slaves, 0711) < 0)
		return snprintf(err, errlen, "flag --work_dir: cannot create %s: %s", slaves,
				strerror(errno)),
		       -errno;
	return 0;
}

static int validate_and_load(struct agent *a, const struct flags_result *fr, char *err,
			     size_t errlen)
{
	struct agent_flags *f = &a->flags;
	char host[256] = "";

	if (f->port < 0 || f->port > 65535)
		return snprintf(err, errlen, "flag --port: %lld is not a port", (long long)f->port),
		       -EINVAL;
	if (log_level_parse(f->logging_level) < 0)
		return snprintf(err, errlen, "flag --logging_level: unknown level '%s'",
				f->logging_level),
		       -EINVAL;
	if (strcmp(f->recover, "reconnect") && strcmp(f->recover, "cleanup"))
		return snprintf(err, errlen, "flag --recover: expected reconnect or cleanup, got '%s'",
				f->recover),
		       -EINVAL;
	if (!(f->gc_disk_headroom >= 0 && f->gc_disk_headroom <= 1))
		return snprintf(err, errlen, "flag --gc_disk_headroom: expected a fraction between 0 "
				"and 1, got %g", f->gc_disk_headroom),
		       -EINVAL;
	if (f->gc_delay < 0)
		return snprintf(err, errlen, "flag --gc_delay: must not be negative"), -EINVAL;
	if (f->registration_backoff_factor <= 0)
		f->registration_backoff_factor = 0.01;
	if (link_parse_master(a, err, errlen) < 0)
		return -EINVAL;
	if (f->credential) {
		if (cred_load_single(f->credential, &a->credential, err, errlen) < 0)
			return -EINVAL;
		a->have_credential = true;
	}
	if (f->http_credentials) {
		if (cred_load_list(f->http_credentials, &a->http_credentials, err, errlen) < 0)
			return -EINVAL;
		a->have_http_credentials = true;
	}
	{
		bool ro = f->authenticate_http_readonly, rw = f->authenticate_http_readwrite;
		struct daemon_auth rule = {
			.need_creds = ro || rw,
			.have_creds = a->have_credential || a->have_http_credentials,
			.creds_flag = "--credential=FILE or --http_credentials=FILE",
			.off_flags = "--no-authenticate_http_readonly "
				     "--no-authenticate_http_readwrite",
			.off_what = ro && rw ? NULL
				    : ro     ? "read-write HTTP authentication"
				    : rw     ? "read-only HTTP authentication"
					     : "HTTP authentication",
			.ip_flag = "--ip",
			.ip_given = fr->set[flags_find(agent_flag_defs, agent_flag_count, "ip")],
		};
		if (daemon_auth_rule(&rule, &f->ip, a->auth_warning, sizeof(a->auth_warning), err,
				     errlen) < 0)
			return -EINVAL;
	}
	if (f->attributes) {
		char why[256];
		if (attributes_parse(f->attributes, &a->attributes, why, sizeof(why)) < 0)
			return snprintf(err, errlen, "flag --attributes: %s", why), -EINVAL;
	} else {
		a->attributes = json_array();
	}
	if (ctz_parse(a, err, errlen) < 0 || caps_configure(a, err, errlen) < 0)
		return -EINVAL;
	if (!f->work_dir || !f->work_dir[0])
		return snprintf(err, errlen, "flag --work_dir is required"), -EINVAL;
	if (make_work_dir(f->work_dir, err, errlen) < 0)
		return -EINVAL;
	if (detect_resources(a, err, errlen) < 0)
		return -EINVAL;
	if (launcher_parse_env_flag(a, err, errlen) < 0)
		return -EINVAL;

	if (f->hostname)
		str_copy(a->hostname, f->hostname, sizeof(a->hostname));
	else if (gethostname(host, sizeof(host)) == 0 && host[0])
		str_copy(a->hostname, host, sizeof(a->hostname));
	else
		str_copy(a->hostname, "localhost", sizeof(a->hostname));
	if (f->advertise_ip)
		str_copy(a->advertised_ip, f->advertise_ip, sizeof(a->advertised_ip));
	else if (strcmp(f->ip, "0.0.0.0") && strcmp(f->ip, "::"))
		str_copy(a->advertised_ip, f->ip, sizeof(a->advertised_ip));
	else
		str_copy(a->advertised_ip, "127.0.0.1", sizeof(a->advertised_ip));
	if (!f->hostname && !strcmp(f->ip, "127.0.0.1"))
		str_copy(a->hostname, "127.0.0.1", sizeof(a->hostname));
	return 0;
}

static void recover_identity(struct agent *a)
{
	struct resources previous = RESOURCES_EMPTY;
	char old_text[2048], new_text[2048];

	if (checkpoint_load_id(a, &previous) < 0) {
		log_info("agent: no checkpointed agent id under %s/meta; registering as a new agent",
			 a->flags.work_dir);
		return;
	}
	if (previous.n && !res_equal(&previous, &a->resources)) {
		res_to_text(&previous, old_text, sizeof(old_text));
		res_to_text(&a->resources, new_text, sizeof(new_text));
		log_info("agent: resources changed since agent %s last registered (was %s, now "
			 "%s); re-registering under the same id with the new resources",
			 a->id, old_text, new_text);
	} else {
		log_info("agent: recovered agent id %s from %s/meta", a->id, a->flags.work_dir);
	}
	res_free(&previous);
}

static void agent_free(struct agent *a)
{
	http_client_free(a->stream);
	a->stream = NULL;
	link_stop(a);
	gc_free(a);
	atasks_free(a);
	/* Run the deferred work (frees, the last group sync) still queued. */
	if (a->base)
		event_base_loop(a->base, EVLOOP_NONBLOCK);
	json_decref(a->sync_batch);
	a->sync_batch = NULL;
	http_client_free(a->ctl);
	for (size_t i = 0; i < ARRAY_LEN(a->updates); i++)
		http_client_free(a->updates[i]);
	http_client_free(a->stream);
	recordio_free(&a->rio);
	http_server_free(a->http);
	if (a->ping_timer)
		event_free(a->ping_timer);
	if (a->retry_timer)
		event_free(a->retry_timer);
	if (a->sigint)
		event_free(a->sigint);
	if (a->sigterm)
		event_free(a->sigterm);
	res_free(&a->resources);
	ctz_free(a);
	json_decref(a->attributes);
	json_decref(a->executor_env);
	cred_free(&a->credential);
	cred_free_list(&a->http_credentials);
	flags_free(agent_flag_defs, agent_flag_count, &a->flags);
	if (a->base)
		event_base_free(a->base);
}

int agent_main(int argc, char **argv)
{
	struct agent a;
	struct flags_result fr;
	char err[1024], res_text[2048];
	int rc = 1;

	memset(&a, 0, sizeof(a));
	memset(&fr, 0, sizeof(fr));
	a.notify_fd = -1;
	a.spawn_reply_fd = -1;
	log_init("agent", LOG_LEVEL_INFO);
	rc = daemon_load_flags("agent", "agora agent --master=HOST:PORT [--flag=value ...]",
			       agent_flag_defs, agent_flag_count, &a.flags, argc, argv, &fr);
	if (rc != DAEMON_CONTINUE)
		goto out;
	rc = 1;
	if (validate_and_load(&a, &fr, err, sizeof(err)) < 0) {
		fprintf(stderr, "agora agent: %s\n", err);
		goto out;
	}
	if (fr.check_config) {
		printf("agora agent: configuration OK\n");
		rc = 0;
		goto out;
	}
	daemon_logging("agent", a.flags.logging_level, a.flags.log_dir);
	daemon_auth_warn("agent", a.auth_warning);
	signal(SIGPIPE, SIG_IGN);
	a.start_time = now_wall();
	a.backoff = a.flags.registration_backoff_factor;
	recover_identity(&a);

	a.base = event_base_new();
	if (!a.base)
		fatalx("agent: event_base_new failed");
	if (ctz_init(&a, err, sizeof(err)) < 0 || atasks_init(&a, err, sizeof(err)) < 0 ||
	    agent_http_start(&a, err, sizeof(err)) < 0 || atasks_recover(&a, err, sizeof(err)) < 0) {
		log_error("agent: %s", err);
		goto out;
	}
	ctz_cleanup_leftovers(&a);
	if (gc_init(&a, err, sizeof(err)) < 0) {
		log_error("agent: %s", err);
		goto out;
	}
	a.ctl = http_client_new(a.base, a.master_host, a.master_port, 30);
	link_init_timers(&a);
	a.sigint = evsignal_new(a.base, SIGINT, on_signal, &a);
	a.sigterm = evsignal_new(a.base, SIGTERM, on_signal, &a);
	evsignal_add(a.sigint, NULL);
	evsignal_add(a.sigterm, NULL);

	res_to_text(&a.resources, res_text, sizeof(res_text));
	log_info("agent: agora %s agent listening on %s:%u as %s, master %s:%u, resources %s",
		 AGORA_VERSION, a.flags.ip, a.port, a.hostname, a.master_host, a.master_port,
		 res_text);
	link_start(&a);
	event_base_dispatch(a.base);
	rc = 0;
out:
	agent_free(&a);
	return rc;
}
