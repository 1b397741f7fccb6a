/*
 * agent/supervisor_proto — the agent↔supervisor contract's encoders and
 * decoders (supervisor_proto.h has the formats). Used by the agent's
 * event loop (launcher.c, tasks.c, task_recovery.c), the spawner, the
 * supervisor and the task process (supervisor.c, container.c); it keeps
 * no state and never logs, so every one of those processes may call it.
 *
 * Invariants:
 *  1. Every decoder is strict and bounded (task.info by TASK_INFO_MAX at
 *     its reader, exit_status by SUP_EXIT_STATUS_MAX, pid files by their
 *     buffers) and fuzzed (fuzz_agent_checkpoint).
 *  2. Files are replaced whole (temp + rename): a reader never sees half
 *     of one; exit_status is also durable, it is the task's last word.
 *  3. The agent only trusts a datagram's kind and numbers; who sent it is
 *     the kernel's word (SCM_CREDENTIALS), checked by the agent.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/supervisor_proto.h"
#include "core/util.h"

/* ---- task.info ---- */

json_t *sup_checkpoint_json(const struct sup_checkpoint *c, json_t *launch)
{
	json_t *o = json_pack("{s:O, s:O, s:s, s:s, s:s, s:s, s:s, s:f}", "task", c->task,
			      "framework_info", c->framework_info, "user", c->user, "sandbox",
			      c->sandbox, "run_meta", c->run_meta, "container_id", c->container_id,
			      "agent_id", c->agent_id, "kill_grace", c->kill_grace);
	if (launch)
		json_object_set_new(o, "launch", launch);
	return o;
}

int sup_checkpoint_parse(const json_t *info, struct sup_checkpoint *out, struct jerr *err)
{
	json_t *task = NULL, *fi = NULL, *launch = NULL;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(info))
		return jerr_set(err, NULL, NULL, "expected an object");
	if (jget_obj(info, "task", NULL, true, &task, err) ||
	    jget_obj(info, "framework_info", NULL, true, &fi, err) ||
	    jget_str(info, "user", NULL, true, 255, &out->user, err) ||
	    jget_str(info, "sandbox", NULL, true, PATH_MAX, &out->sandbox, err) ||
	    jget_str(info, "run_meta", NULL, false, PATH_MAX, &out->run_meta, err) < 0 ||
	    jget_str(info, "container_id", NULL, true, 64, &out->container_id, err) ||
	    jget_str(info, "agent_id", NULL, false, 255, &out->agent_id, err) < 0 ||
	    jget_double(info, "kill_grace", NULL, false, &out->kill_grace, err) < 0 ||
	    jget_obj(info, "launch", NULL, false, &launch, err) < 0)
		return -EINVAL;
	out->task = task;
	out->framework_info = fi;
	out->launch = launch;
	return 0;
}

json_t *sup_launch_json(const struct launch_spec *l)
{
	json_t *argv = json_array(), *env = json_array(), *o, *caps;

	for (size_t i = 0; l->argv && l->argv[i]; i++)
		json_array_append_new(argv, json_string(l->argv[i]));
	for (size_t i = 0; l->envp && l->envp[i]; i++)
		json_array_append_new(env, json_string(l->envp[i]));
	o = json_pack("{s:s?, s:s, s:s, s:b, s:o, s:o, s:s%}", "user", l->user, "hostname",
		      l->hostname, "exec_file", l->exec_file, "path_search", l->path_search,
		      "argv", argv, "env", env, "notify", l->notify_name,
		      (size_t)l->notify_len);
	if (l->uris && json_array_size(l->uris) > 0)
		json_object_set(o, "uris", (json_t *)l->uris);
	if (l->fetch_limit_bytes) {
		json_object_set_new(o, "fetch_limit_bytes",
				    json_integer((json_int_t)l->fetch_limit_bytes));
		json_object_set_new(o, "fetch_limit_what",
				    json_string(l->fetch_limit_what ? l->fetch_limit_what : ""));
	}
	if (l->container)
		json_object_set(o, "container", (json_t *)l->container);
	if ((caps = caps_plan_json(&l->caps)))
		json_object_set_new(o, "capabilities", caps);
	return o;
}

/* NULL-terminated vector of the strings of arr (pointers into arr), or NULL. */
static char **strv_of(const json_t *arr)
{
	size_t n = json_array_size(arr);
	char **v;

	if (!json_is_array(arr) || n == 0)
		return NULL;
	v = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const char *str = json_string_value(json_array_get(arr, i));
		if (!str) {
			free(v);
			return NULL;
		}
		v[i] = (char *)str;
	}
	return v;
}

const char *sup_launch_parse(const json_t *info, struct launch_spec *l)
{
	json_t *launch = NULL, *argv = NULL, *env = NULL, *uris = NULL, *container = NULL;
	int64_t fetch_limit = 0;
	struct jerr err;

	memset(l, 0, sizeof(*l));
	if (jget_str(info, "run_meta", NULL, true, PATH_MAX, &l->run_meta, &err) ||
	    jget_str(info, "sandbox", NULL, true, PATH_MAX, &l->sandbox, &err) ||
	    jget_obj(info, "launch", NULL, true, &launch, &err) ||
	    jget_str(launch, "user", "launch", false, 255, &l->user, &err) < 0 ||
	    jget_str(launch, "hostname", "launch", true, 255, &l->hostname, &err) ||
	    jget_str(launch, "exec_file", "launch", true, PATH_MAX, &l->exec_file, &err) ||
	    jget_bool(launch, "path_search", "launch", false, &l->path_search, &err) < 0 ||
	    jget_array(launch, "argv", "launch", true, 1u << 20, &argv, &err) ||
	    jget_array(launch, "env", "launch", true, 1u << 20, &env, &err) ||
	    jget_array(launch, "uris", "launch", false, 1u << 20, &uris, &err) < 0 ||
	    jget_int64(launch, "fetch_limit_bytes", "launch", false, &fetch_limit, &err) < 0 ||
	    jget_str(launch, "fetch_limit_what", "launch", false, 255, &l->fetch_limit_what,
		     &err) < 0 ||
	    jget_str(launch, "notify", "launch", false, 107, &l->notify_name, &err) < 0 ||
	    jget_obj(launch, "container", "launch", false, &container, &err) < 0)
		return "the task's checkpoint has no usable launch description";
	if (fetch_limit < 0)
		return "the task's checkpoint has a negative launch.fetch_limit_bytes";
	if (caps_plan_parse(jget(launch, "capabilities"), "launch.capabilities", &l->caps, &err) < 0)
		return "the task's checkpoint has an unusable launch.capabilities";
	l->uris = uris;
	l->fetch_limit_bytes = (uint64_t)fetch_limit;
	l->container = container;
	l->notify_len = l->notify_name ? (unsigned)strlen(l->notify_name) : 0;
	l->argv = strv_of(argv);
	l->envp = strv_of(env);
	if (!l->argv || !l->envp)
		return "the task's checkpoint has no usable launch description";
	return NULL;
}

void sup_launch_free(struct launch_spec *l)
{
	free(l->argv);
	free(l->envp);
	l->argv = l->envp = NULL;
}

/* ---- the container object ---- */

json_t *sup_container_json(const struct sup_container *c)
{
	json_t *o = json_object();

	if (c->cgroup) {
		json_object_set_new(o, "cgroup", json_string(c->cgroup));
		json_object_set_new(o, "cpus", json_real(c->cpus));
		json_object_set_new(o, "cfs", json_boolean(c->cfs));
		json_object_set_new(o, "mem_bytes", json_integer((json_int_t)c->mem_bytes));
		if (c->mem_watch)
			json_object_set_new(o, "mem_watch", json_true());
	}
	if (c->restrict_devices)
		json_object_set_new(o, "restrict_devices", json_true());
	if (c->private_dev) {
		json_object_set_new(o, "private_dev", json_true());
		if (c->dev_dir)
			json_object_set_new(o, "dev_dir", json_string(c->dev_dir));
	}
	if (c->ndevices) {
		json_t *arr = json_array();
		for (size_t i = 0; i < c->ndevices && i < SUP_MAX_DEVICES; i++) {
			char type[2] = { c->devices[i].type, '\0' };
			json_array_append_new(arr, json_pack("{s:s, s:I, s:I, s:s}", "type", type,
							     "major", (json_int_t)c->devices[i].major,
							     "minor", (json_int_t)c->devices[i].minor,
							     "path", c->devices[i].path));
		}
		json_object_set_new(o, "devices", arr);
	}
	if (c->ngpus) {
		json_t *arr = json_array();
		for (size_t i = 0; i < c->ngpus && i < SUP_MAX_GPUS; i++)
			json_array_append_new(arr, json_integer(c->gpus[i]));
		json_object_set_new(o, "gpus", arr);
	}
	if (c->disk_watch > 0 || c->disk_limit_bytes || c->enforce_disk) {
		json_object_set_new(o, "disk_watch", json_real(c->disk_watch));
		json_object_set_new(o, "disk_limit_bytes",
				    json_integer((json_int_t)c->disk_limit_bytes));
		json_object_set_new(o, "enforce_disk", json_boolean(c->enforce_disk));
	}
	return o;
}

static int parse_bytes_field(const json_t *o, const char *key, uint64_t *out, struct jerr *err)
{
	double v = 0;
	int r = jget_double(o, key, "container", false, &v, err);

	if (r < 0)
		return r;
	if (!(v >= 0) || v > 9e18)
		return jerr_set(err, "container", key, "expected a byte count");
	*out = (uint64_t)v;
	return 0;
}

static int parse_device(const json_t *d, size_t i, struct sup_device *dev, struct jerr *err)
{
	const char *type = NULL;
	char p[64];

	jpath_index(p, sizeof(p), "container.devices", i);
	if (!json_is_object(d) || jget_str(d, "type", p, true, 1, &type, err) ||
	    jget_int64(d, "major", p, true, &dev->major, err) ||
	    jget_int64(d, "minor", p, true, &dev->minor, err) ||
	    jget_str(d, "path", p, true, PATH_MAX, &dev->path, err) || (strcmp(type, "c") &&
									 strcmp(type, "b")) ||
	    dev->major < 0 || dev->minor < 0 || dev->major > 0xfffff || dev->minor > 0xfffff)
		return -EINVAL;
	dev->type = type[0];
	return 0;
}

int sup_container_parse(const json_t *obj, struct sup_container *out, char *why, size_t whylen)
{
	json_t *devices = NULL, *gpus = NULL, *item;
	struct jerr err;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(obj))
		return snprintf(why, whylen, "the task's container description is not an object"),
		       -EINVAL;
	if (jget_str(obj, "cgroup", "container", false, 255, &out->cgroup, &err) < 0 ||
	    jget_double(obj, "cpus", "container", false, &out->cpus, &err) < 0 ||
	    jget_bool(obj, "cfs", "container", false, &out->cfs, &err) < 0 ||
	    parse_bytes_field(obj, "mem_bytes", &out->mem_bytes, &err) < 0 ||
	    jget_bool(obj, "mem_watch", "container", false, &out->mem_watch, &err) < 0 ||
	    jget_bool(obj, "restrict_devices", "container", false, &out->restrict_devices, &err) <
		    0 ||
	    jget_bool(obj, "private_dev", "container", false, &out->private_dev, &err) < 0 ||
	    jget_str(obj, "dev_dir", "container", false, PATH_MAX, &out->dev_dir, &err) < 0 ||
	    parse_bytes_field(obj, "disk_limit_bytes", &out->disk_limit_bytes, &err) < 0 ||
	    jget_double(obj, "disk_watch", "container", false, &out->disk_watch, &err) < 0 ||
	    jget_bool(obj, "enforce_disk", "container", false, &out->enforce_disk, &err) < 0 ||
	    jget_array(obj, "gpus", "container", false, SUP_MAX_GPUS, &gpus, &err) < 0)
		return snprintf(why, whylen, "the task's container description: %s", err.msg),
		       -EINVAL;
	if (!(out->cpus >= 0) || !(out->disk_watch >= 0))
		return snprintf(why, whylen, "the task's container description has a negative "
					     "limit"),
		       -EINVAL;
	devices = jget(obj, "devices");
	if (devices && (!json_is_array(devices) || json_array_size(devices) > SUP_MAX_DEVICES))
		return snprintf(why, whylen, "the task is given more than %d devices",
				SUP_MAX_DEVICES),
		       -EINVAL;
	json_array_foreach(devices, i, item) {
		if (parse_device(item, i, &out->devices[i], &err) < 0)
			return snprintf(why, whylen,
					"the task's checkpoint has a malformed device entry %zu", i),
			       -EINVAL;
		out->ndevices++;
	}
	json_array_foreach(gpus, i, item) {
		if (!json_is_integer(item) || json_integer_value(item) < 0 ||
		    json_integer_value(item) >= 65536)
			return snprintf(why, whylen, "container.gpus[%zu]: expected a GPU index", i),
			       -EINVAL;
		out->gpus[out->ngpus++] = (unsigned)json_integer_value(item);
	}
	return 0;
}

/* ---- datagrams ---- */

void sup_notify(const char *notify_name, unsigned notify_len, const void *msg, size_t len,
		bool blocking)
{
	struct sockaddr_un addr;
	socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + notify_len);
	int fd;

	if (!notify_name || notify_len == 0 || notify_len >= sizeof(addr.sun_path))
		return;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path + 1, notify_name, notify_len); /* abstract: leading NUL */
	/* Fails at once when no agent listens; blocking waits while its queue is full. */
	while (sendto(fd, msg, len, MSG_NOSIGNAL | (blocking ? 0 : MSG_DONTWAIT),
		      (struct sockaddr *)&addr, alen) < 0 &&
	       errno == EINTR)
		;
	close(fd);
}

int sup_datagram_parse(const void *buf, size_t n, struct sup_datagram *out)
{
	struct supervisor_msg started;
	struct supervisor_usage usage;

	memset(out, 0, sizeof(*out));
	if (n == sizeof(usage)) {
		memcpy(&usage, buf, sizeof(usage));
		if (usage.magic != SUPERVISOR_USAGE_MAGIC)
			return -EINVAL;
		out->kind = SUP_DGRAM_USAGE;
		out->disk_used_bytes = usage.disk_used_bytes;
		return 0;
	}
	if (n == sizeof(started)) {
		memcpy(&started, buf, sizeof(started));
		if (started.magic != SUPERVISOR_MSG_MAGIC)
			return -EINVAL;
		out->kind = SUP_DGRAM_STARTED;
		out->task_pid = started.task_pid;
		return 0;
	}
	return -EINVAL;
}

/* ---- files under run_meta ---- */

static int read_small(const char *dir, const char *name, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if (str_printf(path, sizeof(path), "%s/%s", dir, name) < 0)
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

static int write_small(const char *run_meta, const char *name, const char *text, bool durable)
{
	char path[PATH_MAX];

	if (str_printf(path, sizeof(path), "%s/%s", run_meta, name) < 0)
		return -ENAMETOOLONG;
	return durable ? file_write_atomic(path, text, strlen(text), 0600)
		       : file_replace(path, text, strlen(text), 0600);
}

unsigned long long sup_proc_start_time(pid_t pid)
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

int sup_write_forked_pid(const char *run_meta)
{
	char path[PATH_MAX], text[64];

	if (str_printf(path, sizeof(path), "%s/pids", run_meta) < 0)
		return -ENAMETOOLONG;
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	snprintf(text, sizeof(text), "%d %llu\n", (int)getpid(), sup_proc_start_time(getpid()));
	return write_small(run_meta, "pids/forked.pid", text, false);
}

int sup_read_forked_pid(const char *run_meta, pid_t *pid, unsigned long long *start)
{
	char buf[128];
	int p = 0, r = read_small(run_meta, "pids/forked.pid", buf, sizeof(buf));

	if (r < 0)
		return r;
	if (sscanf(buf, "%d %llu", &p, start) != 2 || p <= 1 || *start == 0)
		return -EINVAL;
	*pid = p;
	return 0;
}

int sup_write_task_pid(const char *run_meta, pid_t pid)
{
	char text[32];

	snprintf(text, sizeof(text), "%d\n", (int)pid);
	return write_small(run_meta, "pids/task.pid", text, false);
}

pid_t sup_read_task_pid(const char *run_meta)
{
	char buf[32];
	int64_t pid;

	if (read_small(run_meta, "pids/task.pid", buf, sizeof(buf)) <= 0)
		return 0;
	buf[strcspn(buf, "\n")] = '\0';
	if (parse_int64(buf, &pid) < 0 || pid <= 1 || pid > INT32_MAX)
		return 0;
	return (pid_t)pid;
}

static void write_exit(const char *run_meta, json_t *report /* stolen */)
{
	char *text = json_dumps(report, JSON_COMPACT);

	json_decref(report);
	if (text)
		write_small(run_meta, "exit_status", text, true);
	free(text);
}

void sup_write_exit_error(const char *run_meta, pid_t pid, const char *error)
{
	write_exit(run_meta, json_pack("{s:s, s:i, s:b}", "error", error, "pid", (int)pid,
				       "started", 0));
}

void sup_write_exit_ran(const char *run_meta, pid_t pid, int wait_status, bool started,
			json_t *limitation)
{
	json_t *report = json_pack("{s:i, s:i, s:b}", "status", wait_status, "pid", (int)pid,
				   "started", started);

	if (limitation)
		json_object_set_new(report, "limitation", limitation);
	write_exit(run_meta, report);
}

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

int sup_parse_exit(const char *text, size_t len, struct exit_report *out)
{
	struct jerr jerr;
	json_t *o = json_parse_bounded(text, len, SUP_EXIT_STATUS_MAX, "exit_status", &jerr);
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
	if ((!error && !jget(o, "status")) || status < 0 || status > 0xffff || pid < 0 ||
	    pid > INT32_MAX || parse_limitation(o, out) < 0)
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

int sup_read_exit(const char *run_meta, struct exit_report *out)
{
	char buf[SUP_EXIT_STATUS_MAX + 1];
	int n = read_small(run_meta, "exit_status", buf, sizeof(buf));

	memset(out, 0, sizeof(*out));
	if (n > 0 && sup_parse_exit(buf, (size_t)n, out) < 0)
		return -EINVAL;
	return 0;
}
