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
#include "agent/tasks.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"

#define ENV_FLAG_MAX (1u << 20)
#define EXIT_STATUS_MAX 4096
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

static int add_command_env(struct strv *sv, const json_t *command, char *err, size_t errlen)
{
	json_t *vars = json_object_get(json_object_get(command, "environment"), "variables");
	json_t *var;
	size_t i;

	if (vars && !json_is_array(vars))
		return snprintf(err, errlen, "command.environment.variables: expected an array"),
		       -EINVAL;
	json_array_foreach(vars, i, var) {
		const char *name = json_string_value(json_object_get(var, "name"));
		const char *type = json_string_value(json_object_get(var, "type"));
		json_t *value = json_object_get(var, "value");

		if (!name || !env_name_ok(name))
			return snprintf(err, errlen,
					"command.environment.variables[%zu].name: expected a "
					"variable name",
					i),
			       -EINVAL;
		if (type && strcmp(type, "VALUE"))
			return snprintf(err, errlen,
					"environment variable '%s' is of type %s; this agent only "
					"supports VALUE",
					name, type),
			       -EINVAL;
		if (value && !json_is_string(value))
			return snprintf(err, errlen,
					"command.environment.variables[%zu].value: expected a string",
					i),
			       -EINVAL;
		if (strv_setenv(sv, name, strlen(name), value ? json_string_value(value) : "") < 0)
			return snprintf(err, errlen, "too many environment variables"), -E2BIG;
	}
	return 0;
}

char **launcher_build_env(const json_t *executor_env, const char *const *mesos_vars,
			  const json_t *command, char *err, size_t errlen)
{
	struct strv sv = { xcalloc(1, sizeof(char *)), 0 };
	const char *key;
	json_t *value;
	int r = 0;

	json_object_foreach((json_t *)executor_env, key, value)
		r = r ? r : strv_setenv(&sv, key, strlen(key), json_string_value(value));
	if (!r && !json_object_get(executor_env, "PATH"))
		r = strv_setenv(&sv, "PATH", 4, LAUNCHER_DEFAULT_PATH);
	for (size_t i = 0; !r && mesos_vars && mesos_vars[i]; i++) {
		const char *eq = strchr(mesos_vars[i], '=');
		if (eq)
			r = strv_setenv(&sv, mesos_vars[i], (size_t)(eq - mesos_vars[i]), eq + 1);
	}
	if (r)
		snprintf(err, errlen, "too many environment variables");
	if (!r)
		r = add_command_env(&sv, command, err, errlen);
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
	json_t *res = json_object_get(t->task_info, "resources"), *r, *roles;
	const char *role;
	size_t i;

	json_array_foreach(res, i, r) {
		role = json_string_value(
			json_object_get(json_object_get(r, "allocation_info"), "role"));
		if (role)
			return role;
	}
	roles = json_object_get(t->framework_info, "roles");
	if (json_array_size(roles) > 0 && json_is_string(json_array_get(roles, 0)))
		return json_string_value(json_array_get(roles, 0));
	role = json_string_value(json_object_get(t->framework_info, "role"));
	return role ? role : "*";
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

/* argv of the command: /bin/sh -c value, or arguments (argv[0] included) for execvp. */
static json_t *build_argv(const json_t *command, const char **exec_file, bool *path_search)
{
	const char *value = json_string_value(json_object_get(command, "value"));
	json_t *args = json_object_get(command, "arguments"), *arg, *argv = json_array();
	size_t i;

	if (!value)
		value = "";
	if (!json_is_false(json_object_get(command, "shell"))) {
		json_array_append_new(argv, json_string("sh"));
		json_array_append_new(argv, json_string("-c"));
		json_array_append_new(argv, json_string(value));
		*exec_file = "/bin/sh";
		*path_search = false;
		return argv;
	}
	json_array_foreach(args, i, arg)
		if (json_is_string(arg))
			json_array_append(argv, arg);
	if (json_array_size(argv) == 0)
		json_array_append_new(argv, json_string(value));
	*exec_file = value;
	*path_search = true;
	return argv;
}

json_t *launcher_spec_json(struct agent *a, const struct atask *t, char *err, size_t errlen)
{
	const json_t *command = json_object_get(t->task_info, "command");
	json_t *uris = json_object_get(command, "uris"), *env, *argv, *spec;
	char **vars = mesos_vars(a, t), **envp;
	const char *exec_file = NULL;
	bool path_search = false;

	envp = launcher_build_env(a->executor_env, (const char *const *)vars, command, err,
				  errlen);
	launcher_strv_free(vars);
	if (!envp)
		return NULL;
	env = json_array();
	for (size_t i = 0; envp[i]; i++)
		json_array_append_new(env, json_string(envp[i]));
	launcher_strv_free(envp);
	argv = build_argv(command, &exec_file, &path_search);
	spec = json_pack("{s:s?, s:s, s:s, s:b, s:o, s:o, s:s}", "user",
			 a->flags.switch_user ? t->user : NULL, "hostname", a->hostname,
			 "exec_file", exec_file, "path_search", path_search, "argv", argv, "env",
			 env, "notify", a->notify_name + 1);
	if (json_array_size(uris) > 0)
		json_object_set(spec, "uris", uris);
	return spec;
}

/* ---- what this agent can run ---- */

int atask_refuse(struct task_outcome *o, const char *reason, const char *fmt, ...)
{
	va_list ap;

	memset(o, 0, sizeof(*o));
	o->state = TASK_FAILED;
	o->source = SOURCE_AGENT;
	o->reason = reason;
	va_start(ap, fmt);
	vsnprintf(o->message, sizeof(o->message), fmt, ap);
	va_end(ap);
	return 1;
}

static const char *image_name(const json_t *container)
{
	json_t *image = json_object_get(json_object_get(container, "mesos"), "image");
	const char *name;

	if (!image)
		image = json_object_get(container, "docker");
	name = json_string_value(json_object_get(json_object_get(image, "docker"), "name"));
	if (!name)
		name = json_string_value(json_object_get(json_object_get(image, "appc"), "name"));
	if (!name)
		name = json_string_value(json_object_get(image, "image"));
	return name ? name : "?";
}

int launcher_check(const struct agent *a, const struct atask *t, struct task_outcome *o)
{
	const json_t *ti = t->task_info;
	json_t *command = json_object_get(ti, "command");
	json_t *container = json_object_get(ti, "container"), *vars, *var;
	const char *type = json_string_value(json_object_get(container, "type"));
	size_t i;

	if (json_object_get(ti, "executor"))
		return atask_refuse(o, "REASON_TASK_INVALID",
			      "custom executors (TaskInfo.executor) are not supported by this "
			      "agent yet; send a command task");
	if (!json_is_object(command) ||
	    !json_is_string(json_object_get(command, "value")))
		return atask_refuse(o, "REASON_TASK_INVALID", "the task has no command.value");
	if ((type && !strcmp(type, "DOCKER")) ||
	    json_object_get(json_object_get(container, "mesos"), "image"))
		return atask_refuse(o, "REASON_CONTAINER_LAUNCH_FAILED",
			      "container images are not supported by this agent yet (the task "
			      "asks for image '%s'); it was not run on the host instead",
			      image_name(container));
	vars = json_object_get(json_object_get(command, "environment"), "variables");
	json_array_foreach(vars, i, var) {
		const char *vtype = json_string_value(json_object_get(var, "type"));
		const char *name = json_string_value(json_object_get(var, "name"));
		if (vtype && strcmp(vtype, "VALUE"))
			return atask_refuse(o, "REASON_CONTAINER_LAUNCH_FAILED",
				      "environment variable '%.128s' is of type %.32s; secrets are "
				      "not supported by this agent yet",
				      name ? name : "?", vtype);
	}
	if (a->flags.switch_user && !t->user[0])
		return atask_refuse(o, "REASON_TASK_INVALID",
			      "the task has no user (set FrameworkInfo.user or "
			      "CommandInfo.user)");
	return 0;
}

/* ---- files ---- */

int launcher_write_file(const char *path, const char *text, bool durable)
{
	char tmp[PATH_MAX];
	size_t len = strlen(text);
	int fd, r = 0;

	if (durable)
		return file_write_atomic(path, text, len, 0600);
	if (str_printf(tmp, sizeof(tmp), "%s.tmp", path) < 0)
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	while (len > 0 && !r) {
		ssize_t n = write(fd, text, len);
		if (n < 0 && errno != EINTR)
			r = -errno;
		if (n > 0) {
			text += n;
			len -= (size_t)n;
		}
	}
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

static int read_small(const char *run_meta, const char *name, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if (str_printf(path, sizeof(path), "%s/%s", run_meta, name) < 0)
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

/* Field 22 (start time) of /proc/<pid>/stat; 0 when gone or a zombie. */
unsigned long long launcher_proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	const char *p;
	unsigned long long start = 0;
	int field = 2;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (read_small(path, "stat", buf, sizeof(buf)) <= 0)
		return 0;
	p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return 0;
	for (p++; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (field == 22 && sscanf(p, "%llu", &start) != 1)
		return 0;
	return start;
}

pid_t launcher_read_task_pid(const struct atask *t)
{
	char buf[32];
	int64_t pid;

	if (read_small(t->run_meta, "pids/task.pid", buf, sizeof(buf)) <= 0)
		return 0;
	buf[strcspn(buf, "\n")] = '\0';
	if (parse_int64(buf, &pid) < 0 || pid <= 1 || pid > INT32_MAX)
		return 0;
	return (pid_t)pid;
}

bool launcher_reattach(struct atask *t)
{
	char buf[128];
	int pid = 0, fd;
	unsigned long long start = 0;

	if (read_small(t->run_meta, "pids/forked.pid", buf, sizeof(buf)) <= 0 ||
	    sscanf(buf, "%d %llu", &pid, &start) != 2 || pid <= 1 || start == 0)
		return false;
	fd = pidfd_open(pid, 0);
	if (fd < 0)
		return false;
	/* The pidfd pins the process, so this start time is the pinned one's. */
	if (launcher_proc_start_time(pid) != start) {
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

/* The optional "limitation" object: {"resource": "mem"|"disk", "message", "limit_mb"}. */
static int parse_limitation(const json_t *o, struct exit_report *out)
{
	json_t *lim = json_object_get(o, "limitation");
	const char *resource = NULL, *message = NULL;
	struct jerr jerr;
	double mb = 0;

	if (!lim)
		return 0;
	if (!json_is_object(lim) ||
	    jget_str(lim, "resource", NULL, true, sizeof(out->limit_resource) - 1, &resource,
		     &jerr) < 0 ||
	    jget_str(lim, "message", NULL, true, sizeof(out->limit_message) - 1, &message,
		     &jerr) < 0 ||
	    jget_double(lim, "limit_mb", NULL, false, &mb, &jerr) < 0 ||
	    (strcmp(resource, "mem") && strcmp(resource, "disk")) || !(mb >= 0))
		return -EINVAL;
	str_copy(out->limit_resource, resource, sizeof(out->limit_resource));
	str_copy(out->limit_message, message, sizeof(out->limit_message));
	out->limit_mb = mb;
	return 0;
}

int launcher_parse_exit(const char *text, size_t len, struct exit_report *out)
{
	struct jerr jerr;
	json_t *o = json_parse_bounded(text, len, EXIT_STATUS_MAX, "exit_status", &jerr);
	int64_t status = 0, pid = 0;
	const char *error = NULL;
	bool started = false;
	int r = -EINVAL;

	memset(out, 0, sizeof(*out));
	if (!o || !json_is_object(o))
		goto out;
	if (jget_int64(o, "status", NULL, false, &status, &jerr) < 0 ||
	    jget_str(o, "error", NULL, false, sizeof(out->error) - 1, &error, &jerr) < 0 ||
	    jget_int64(o, "pid", NULL, false, &pid, &jerr) < 0 ||
	    jget_bool(o, "started", NULL, false, &started, &jerr) < 0)
		goto out;
	if ((!error && !json_object_get(o, "status")) || status < 0 || status > 0xffff ||
	    pid < 0 || pid > INT32_MAX || parse_limitation(o, out) < 0)
		goto out;
	out->have = true;
	out->started = started;
	out->wait_status = (int)status;
	out->task_pid = (pid_t)pid;
	str_copy(out->error, error ? error : "", sizeof(out->error));
	r = 0;
out:
	json_decref(o);
	return r;
}

void launcher_read_exit(const char *run_meta, struct exit_report *out)
{
	char buf[EXIT_STATUS_MAX + 1];
	int n = read_small(run_meta, "exit_status", buf, sizeof(buf));

	memset(out, 0, sizeof(*out));
	if (n > 0 && launcher_parse_exit(buf, (size_t)n, out) < 0)
		log_warnx("agent: %s/exit_status is malformed; treating the task as lost",
			  run_meta);
}

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
		union {
			struct supervisor_msg started;
			struct supervisor_usage usage;
		} msg;
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(struct ucred))];
		} control;
		struct iovec iov = { &msg, sizeof(msg) };
		bool is_usage;
		struct msghdr mh;
		struct cmsghdr *c;
		struct ucred *cred = NULL;
		struct atask *t;
		ssize_t n;

		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof(control.buf);
		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
				cred = (struct ucred *)CMSG_DATA(c);
		is_usage = n == (ssize_t)sizeof(msg.usage) && msg.usage.magic == SUPERVISOR_USAGE_MAGIC;
		if (!cred || cred->uid != geteuid() ||
		    (!is_usage && (n != (ssize_t)sizeof(msg.started) ||
				   msg.started.magic != SUPERVISOR_MSG_MAGIC)))
			continue;
		t = atasks_find_by_supervisor(a, cred->pid);
		if (t && is_usage)
			ctz_on_usage(t, msg.usage.disk_used_bytes);
		else if (t)
			atask_on_started(t, msg.started.task_pid);
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

int launcher_notify_open(struct agent *a, char *err, size_t errlen)
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
