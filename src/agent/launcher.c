/*
 * agent/launcher — the agent-process half of launching a task (the other
 * half, which runs in the forked processes, is supervisor.c; launcher.h
 * has the picture and the files they share).
 *
 * Owns: --executor_environment_variables (parsed once at start-up), the
 * supervisor channel (an abstract unix datagram socket named after the
 * real path of --work_dir, SO_PASSCRED on), the environment and argv of a
 * task, the fork of its supervisor, pids/forked.pid, and the meaning of
 * exit_status.
 *
 * Invariants:
 *  1. The agent never blocks on a supervisor: exits come through pidfds,
 *     "exec'd" through datagrams read without blocking.
 *  2. A datagram is trusted only when the kernel says it comes from a live
 *     supervisor of ours (SCM_CREDENTIALS pid in a->supervisors, uid equal
 *     to the agent's).
 *  3. A supervisor is re-adopted after a restart only when its pid still
 *     has the start time recorded in forked.pid (pid reuse), and is only
 *     ever signalled through its pidfd.
 *  4. Nothing a task asks for makes the agent run it differently from what
 *     it asked: an image, a custom executor or a secret it cannot honour
 *     is a TASK_FAILED, never a plain run on the host.
 * Everything here runs on the agent's event loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/containerizer.h"
#include "agent/launcher.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"

#define ENV_FLAG_MAX (1u << 20)
#define NOTIFY_BATCH 1024

/* ---- --executor_environment_variables ---- */

static bool env_name_ok(const char *name)
{
	return name[0] && !strchr(name, '=') && strlen(name) < 1024;
}

int launcher_parse_env_flag(struct agent *a, char *err, size_t errlen)
{
	const char *text = a->flags.executor_environment_variables;
	struct jerr jerr;
	const char *key;
	json_t *obj, *value;

	a->executor_env = NULL;
	if (!text)
		return 0;
	obj = json_parse_bounded(text, strlen(text), ENV_FLAG_MAX, "JSON", &jerr);
	if (!obj)
		return snprintf(err, errlen, "flag --executor_environment_variables: %s", jerr.msg),
		       -EINVAL;
	if (!json_is_object(obj)) {
		json_decref(obj);
		return snprintf(err, errlen,
				"flag --executor_environment_variables: expected a JSON object of "
				"strings"),
		       -EINVAL;
	}
	json_object_foreach(obj, key, value) {
		if (!env_name_ok(key) || !json_is_string(value) ||
		    json_object_size(obj) > LAUNCHER_MAX_ENV) {
			snprintf(err, errlen,
				 "flag --executor_environment_variables: '%.64s' must be a variable "
				 "name with a string value",
				 key);
			json_decref(obj);
			return -EINVAL;
		}
	}
	a->executor_env = obj;
	return 0;
}

/* ---- environment and argv ---- */

struct strv {
	char **v;
	size_t n;
};

/* Sets "name=value", replacing an earlier entry of the same name. */
static int strv_setenv(struct strv *sv, const char *name, size_t name_len, const char *value)
{
	size_t len = name_len + 1 + strlen(value) + 1;
	char *entry;

	if (sv->n >= LAUNCHER_MAX_ENV)
		return -E2BIG;
	entry = xmalloc(len);
	memcpy(entry, name, name_len);
	entry[name_len] = '=';
	memcpy(entry + name_len + 1, value, len - name_len - 1);
	for (size_t i = 0; i < sv->n; i++) {
		if (!strncmp(sv->v[i], entry, name_len + 1)) {
			free(sv->v[i]);
			sv->v[i] = entry;
			return 0;
		}
	}
	sv->v = xreallocarray(sv->v, sv->n + 2, sizeof(char *));
	sv->v[sv->n++] = entry;
	sv->v[sv->n] = NULL;
	return 0;
}

void launcher_strv_free(char **v)
{
	if (!v)
		return;
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

static int add_command_env(struct strv *sv, const struct task_spec *spec, char *err,
			   size_t errlen)
{
	for (size_t i = 0; spec && i < spec->command.nenv; i++) {
		const struct task_spec_env *e = &spec->command.env[i];

		if (e->secret)
			return snprintf(err, errlen,
					"environment variable '%s' is of type SECRET; this agent "
					"only supports VALUE",
					e->name),
			       -EINVAL;
		if (strv_setenv(sv, e->name, strlen(e->name), e->value) < 0)
			return snprintf(err, errlen, "too many environment variables"), -E2BIG;
	}
	return 0;
}

char **launcher_build_env(const json_t *executor_env, const char *const *mesos_vars,
			  const struct task_spec *spec, char *err, size_t errlen)
{
	struct strv sv = { xcalloc(1, sizeof(char *)), 0 };
	const char *key;
	json_t *value;
	int r = 0;

	json_object_foreach((json_t *)executor_env, key, value)
		r = r ? r : strv_setenv(&sv, key, strlen(key), json_string_value(value));
	if (!r && !jget(executor_env, "PATH"))
		r = strv_setenv(&sv, "PATH", 4, LAUNCHER_DEFAULT_PATH);
	for (size_t i = 0; !r && mesos_vars && mesos_vars[i]; i++) {
		const char *eq = strchr(mesos_vars[i], '=');
		if (eq)
			r = strv_setenv(&sv, mesos_vars[i], (size_t)(eq - mesos_vars[i]), eq + 1);
	}
	if (r)
		snprintf(err, errlen, "too many environment variables");
	if (!r)
		r = add_command_env(&sv, spec, err, errlen);
	if (r) {
		launcher_strv_free(sv.v);
		return NULL;
	}
	return sv.v;
}

static char *env_pair(const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);
	char *s = xmalloc(nl + vl + 2);
	memcpy(s, name, nl);
	s[nl] = '=';
	memcpy(s + nl + 1, value, vl + 1);
	return s;
}

/* The role the task's resources are allocated to (MESOS_ALLOCATION_ROLE). */
static const char *allocation_role(const struct atask *t)
{
	struct mesos_framework_info fi;
	struct jerr err;

	if (t->spec.allocation_role)
		return t->spec.allocation_role;
	if (mesos_framework_info_parse(t->framework_info, &fi, &err) < 0)
		return "*";
	/* a MULTI_ROLE framework's first role before the deprecated "role" */
	if (json_array_size(fi.roles) > 0)
		return json_string_value(json_array_get(fi.roles, 0));
	return fi.role;
}

/* The variables Mesos gives every executor, plus MESOS_TASK_ID (docs/mesos-api.md). */
static char **mesos_vars(const struct agent *a, const struct atask *t)
{
	char endpoint[128], pid[160], grace[32];
	char **extra = ctz_task_env(t);
	size_t n = 0, nextra = 0;
	char **v;

	while (extra && extra[nextra])
		nextra++;
	v = xcalloc(13 + nextra, sizeof(char *));

	snprintf(endpoint, sizeof(endpoint), "%s:%u", a->advertised_ip, a->port);
	snprintf(pid, sizeof(pid), "slave(1)@%s", endpoint);
	format_duration(t->kill_grace, grace, sizeof(grace));
	v[n++] = env_pair("MESOS_FRAMEWORK_ID", t->framework_id);
	v[n++] = env_pair("MESOS_EXECUTOR_ID", t->executor_id);
	v[n++] = env_pair("MESOS_TASK_ID", t->task_id);
	v[n++] = env_pair("MESOS_SLAVE_ID", a->id);
	v[n++] = env_pair("MESOS_AGENT_ID", a->id);
	v[n++] = env_pair("MESOS_DIRECTORY", t->sandbox);
	v[n++] = env_pair("MESOS_SANDBOX", t->sandbox);
	v[n++] = env_pair("MESOS_AGENT_ENDPOINT", endpoint);
	v[n++] = env_pair("MESOS_SLAVE_PID", pid);
	v[n++] = env_pair("MESOS_CHECKPOINT", "1");
	v[n++] = env_pair("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", grace);
	v[n++] = env_pair("MESOS_ALLOCATION_ROLE", allocation_role(t));
	for (size_t i = 0; i < nextra; i++)
		v[n++] = extra[i]; /* ownership moves to v */
	free(extra);
	return v;
}

/*
 * argv of the command (malloc'd, launcher_strv_free): sh -c value, or the
 * arguments (argv[0] included) for execvp of value.
 */
static char **build_argv(const struct task_spec *spec, const char **exec_file, bool *path_search)
{
	const char *value = spec->command.value ? spec->command.value : "";
	char **argv = xcalloc(spec->command.nargs + 4, sizeof(char *));
	size_t n = 0;

	if (spec->command.shell) {
		argv[n++] = xstrdup("sh");
		argv[n++] = xstrdup("-c");
		argv[n++] = xstrdup(value);
		*exec_file = "/bin/sh";
		*path_search = false;
		return argv;
	}
	for (size_t i = 0; i < spec->command.nargs; i++)
		argv[n++] = xstrdup(spec->command.args[i]);
	if (n == 0)
		argv[n++] = xstrdup(value);
	*exec_file = value;
	*path_search = true;
	return argv;
}

/*
 * What the task's URIs may write into its sandbox in all: its disk resource,
 * at most --fetcher_max_size (which alone bounds a task without disk).
 */
static void fetch_limit_of(const struct agent *a, const struct atask *t, uint64_t *bytes,
			   char *what, size_t whatlen)
{
	double disk_mb = res_scalar(&t->spec.resources, "disk");
	uint64_t flag = a->flags.fetcher_max_size;

	if (disk_mb > 0 && disk_mb * 1048576.0 < (double)flag) {
		*bytes = (uint64_t)(disk_mb * 1048576.0);
		snprintf(what, whatlen, "its disk resource (%g MB)", disk_mb);
	} else {
		*bytes = flag;
		snprintf(what, whatlen, "the agent's --fetcher_max_size (%llu bytes)",
			 (unsigned long long)flag);
	}
}

json_t *launcher_spec_json(struct agent *a, const struct atask *t, char *err, size_t errlen)
{
	char **vars = mesos_vars(a, t);
	struct launch_spec l;
	char what[128] = "";
	json_t *spec;

	memset(&l, 0, sizeof(l));
	l.envp = launcher_build_env(a->executor_env, (const char *const *)vars, &t->spec, err,
				    errlen);
	launcher_strv_free(vars);
	if (!l.envp)
		return NULL;
	l.argv = build_argv(&t->spec, &l.exec_file, &l.path_search);
	l.user = a->flags.switch_user ? t->user : NULL;
	l.hostname = a->hostname;
	l.uris = t->spec.command.uris_json;
	if (json_array_size(l.uris) > 0)
		fetch_limit_of(a, t, &l.fetch_limit_bytes, what, sizeof(what));
	l.fetch_limit_what = what;
	if (caps_plan_for(&a->caps, jget(jget(t->spec.json, "container"), "linux_info"), &l.caps,
			  err, errlen)) {
		launcher_strv_free(l.envp);
		launcher_strv_free(l.argv);
		return NULL;
	}
	l.notify_name = a->notify_name + 1;
	l.notify_len = a->notify_name_len - 1;
	spec = sup_launch_json(&l);
	launcher_strv_free(l.envp);
	launcher_strv_free(l.argv);
	return spec;
}


/* ---- supervisors ---- */

bool launcher_reattach(struct atask *t)
{
	unsigned long long start = 0;
	pid_t pid = 0;
	int fd;

	if (sup_read_forked_pid(t->run_meta, &pid, &start) < 0)
		return false;
	fd = pidfd_open(pid, 0);
	if (fd < 0)
		return false;
	/* The pidfd pins the process, so this start time is the pinned one's. */
	if (sup_proc_start_time(pid) != start) {
		close(fd);
		return false;
	}
	t->sup_pid = pid;
	t->sup_start = start;
	t->pidfd = fd;
	t->sup_alive = true;
	return true;
}

/* ---- exit reports ---- */

void launcher_exit_outcome(const struct exit_report *e, bool killed,
			   const struct task_outcome *kill_why, struct task_outcome *out)
{
	int ws = e->wait_status;

	memset(out, 0, sizeof(*out));
	out->source = SOURCE_EXECUTOR;
	if (e->have && !e->error[0] && WIFEXITED(ws))
		snprintf(out->message, sizeof(out->message), "Command exited with status %d",
			 WEXITSTATUS(ws));
	else if (e->have && !e->error[0] && WIFSIGNALED(ws))
		snprintf(out->message, sizeof(out->message), "Command terminated with signal %s",
			 strsignal(WTERMSIG(ws)));
	if (killed && kill_why) {
		*out = *kill_why;
	} else if (killed) {
		out->state = TASK_KILLED;
		if (!e->started) {
			out->reason = "REASON_TASK_KILLED_DURING_LAUNCH";
			str_copy(out->message, "the task was killed before its command started",
				 sizeof(out->message));
		}
	} else if (!e->have) {
		out->state = TASK_FAILED;
		out->source = SOURCE_AGENT;
		out->reason = "REASON_EXECUTOR_TERMINATED";
		str_copy(out->message, "the task's supervisor ended without reporting an exit status",
			 sizeof(out->message));
	} else if (e->error[0]) {
		out->state = TASK_FAILED;
		out->source = SOURCE_AGENT;
		out->reason = "REASON_CONTAINER_LAUNCH_FAILED";
		str_copy(out->message, e->error, sizeof(out->message));
	} else if (e->limit_resource[0]) {
		/* Mesos: a container limitation ends the task as the agent's TASK_FAILED. */
		bool mem = !strcmp(e->limit_resource, "mem");
		out->state = TASK_FAILED;
		out->source = SOURCE_AGENT;
		out->reason = mem ? "REASON_CONTAINER_LIMITATION_MEMORY"
				  : "REASON_CONTAINER_LIMITATION_DISK";
		out->limit_resource = mem ? "mem" : "disk";
		out->limit_mb = e->limit_mb;
		str_copy(out->message, e->limit_message, sizeof(out->message));
	} else {
		out->state = WIFEXITED(ws) && WEXITSTATUS(ws) == 0 ? TASK_FINISHED : TASK_FAILED;
	}
}

/* ---- the supervisor ---- */

int launcher_signal(struct atask *t, int sig)
{
	if (t->pidfd < 0)
		return -ESRCH;
	if (pidfd_send_signal(t->pidfd, sig, NULL, 0) < 0)
		return -errno;
	return 0;
}

/* ---- the supervisor channel ---- */

static void on_notify(evutil_socket_t fd, short what, void *arg)
{
	struct agent *a = arg;
	(void)what;

	for (int i = 0; i < NOTIFY_BATCH; i++) {
		char buf[64];
		struct sup_datagram d;
		struct ucred cred;
		ssize_t n = fd_recv_msg(fd, buf, sizeof(buf), NULL, &cred);

		if (n < 0)
			return;
		if (!cred.pid || cred.uid != geteuid() ||
		    sup_datagram_parse(buf, (size_t)n, &d) < 0)
			continue;
		a->notify_cb(a, cred.pid, &d);
	}
}

/* FNV-1a: the socket name only has to differ between work_dirs. */
static unsigned long long hash_text(const char *s)
{
	unsigned long long h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

int launcher_notify_open(struct agent *a, launcher_notify_fn *cb, char *err, size_t errlen)
{
	struct sockaddr_un addr;
	char real[PATH_MAX];
	int one = 1, fd;

	if (!realpath(a->flags.work_dir, real))
		str_copy(real, a->flags.work_dir, sizeof(real));
	memset(a->notify_name, 0, sizeof(a->notify_name));
	snprintf(a->notify_name + 1, sizeof(a->notify_name) - 1, "agora-agent-%016llx",
		 hash_text(real));
	a->notify_name_len = (unsigned)(1 + strlen(a->notify_name + 1));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return snprintf(err, errlen, "cannot create the supervisor socket: %s",
				strerror(errno)),
		       -errno;
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, a->notify_name, a->notify_name_len);
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&addr,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + a->notify_name_len)) < 0) {
		int e = errno;
		close(fd);
		if (e == EADDRINUSE)
			snprintf(err, errlen,
				 "another agent is already running with --work_dir=%s; two agents "
				 "cannot share a work_dir",
				 real);
		else
			snprintf(err, errlen, "cannot bind the supervisor socket: %s", strerror(e));
		return -e;
	}
	a->notify_fd = fd;
	a->notify_cb = cb;
	a->notify_event = event_new(a->base, fd, EV_READ | EV_PERSIST, on_notify, a);
	event_add(a->notify_event, NULL);
	return 0;
}

void launcher_notify_close(struct agent *a)
{
	if (a->notify_event) {
		event_free(a->notify_event);
		a->notify_event = NULL;
	}
	if (a->notify_fd >= 0) {
		close(a->notify_fd);
		a->notify_fd = -1;
	}
}
