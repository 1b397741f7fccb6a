/*
 * agent/container — the supervisor's half of isolating a task
 * (containerizer.h has the picture and the "container" object it reads).
 * Runs in the supervisor process and, for ctr_enter(), in the task
 * process between fork and exec; never on the agent's event loop.
 *
 * Order, per task:
 *   ctr_setup   supervisor, as root, before the task exists: cgroup with
 *               its limits (cg_create), OOM watch armed, private /dev
 *               planned (every path built here, on the heap);
 *   ctr_enter   task process: joins the cgroup, then, with a private /dev,
 *               unshare(CLONE_NEWNS), / made rslave, a tmpfs per overlay
 *               filled with bind mounts of the allowed nodes, moved over
 *               /dev (and over the GPU dev_dir when it is elsewhere);
 *   ctr_wait    supervisor: poll() on the task's pidfd, the OOM fd and a
 *               du child's pipe; a limit hit SIGKILLs the task's group;
 *   ctr_finish  supervisor, the task a zombie: cg_kill_all (disowned,
 *               setsid'd and forked-in-flight processes included), the
 *               OOM evidence, cg_destroy.
 *
 * Invariants:
 *  1. ctr_enter() makes system calls only: it may run in a vfork()ed child
 *     that shares the supervisor's memory.
 *  2. A task never starts outside the cgroup it was given: a failed join
 *     or /dev set-up is a launch failure, not a degraded run.
 *  3. The disk walk runs in a child of the supervisor, so the supervisor
 *     notices the task's exit and an OOM while a big sandbox is walked.
 *  4. Whatever ended the task, a cgroup created here is gone (or reported
 *     by the agent's leftover sweep) once the supervisor has exited.
 * No globals; the supervisor logs nothing (its stdio is /dev/null).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/container.h"
#include "agent/supervisor_proto.h"
#include "core/util.h"

#define WALK_MAX_DEPTH 128
#define MB (1024.0 * 1024.0)

/* ---- bytes in words ---- */

void ctr_bytes_text(uint64_t bytes, char *buf, size_t size)
{
	static const struct {
		uint64_t unit;
		const char *name;
	} units[] = { { 1ULL << 40, "TB" }, { 1ULL << 30, "GB" }, { 1ULL << 20, "MB" },
		      { 1ULL << 10, "KB" } };

	for (size_t i = 0; i < ARRAY_LEN(units); i++) {
		if (bytes >= units[i].unit && bytes % units[i].unit == 0) {
			snprintf(buf, size, "%llu%s", (unsigned long long)(bytes / units[i].unit),
				 units[i].name);
			return;
		}
	}
	snprintf(buf, size, "%lluB", (unsigned long long)bytes);
}

/* ---- the "container" object ---- */

static void read_devices(struct ctr *c, const struct sup_container *spec)
{
	for (size_t i = 0; i < spec->ndevices && i < CTR_MAX_DEVICES; i++) {
		struct cg_device *dev = &c->devices[i];
		dev->type = spec->devices[i].type;
		dev->major = spec->devices[i].major;
		dev->minor = spec->devices[i].minor;
		str_copy(dev->access, "rwm", sizeof(dev->access));
	}
	c->lim.allow = c->devices;
	c->lim.nallow = spec->ndevices;
}

static void read_limits(struct ctr *c, const struct sup_container *spec)
{
	c->lim.cpus = spec->cpus;
	c->lim.cfs_quota = spec->cfs;
	c->lim.mem_bytes = spec->mem_bytes;
	c->lim.restrict_devices = spec->restrict_devices;
	c->disk_limit = spec->disk_limit_bytes;
	c->disk_watch = spec->disk_watch;
	c->enforce_disk = spec->enforce_disk;
}

/* ---- OOM watch ---- */

/* v1: an eventfd registered on memory.oom_control; v2: memory.events polled for POLLPRI. */
static void arm_oom(struct ctr *c)
{
	char path[PATH_MAX], line[64];
	int efd;

	if (c->cg->version == CG_V2) {
		if (cg_path(c->cg, CG_MEM, c->cgroup, "memory.events", path, sizeof(path)) == 0)
			c->oom_fd = open(path, O_RDONLY | O_CLOEXEC);
		return;
	}
	if (cg_path(c->cg, CG_MEM, c->cgroup, "memory.oom_control", path, sizeof(path)) ||
	    (c->oom_ctl = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	snprintf(line, sizeof(line), "%d %d", efd, c->oom_ctl);
	if (efd >= 0 &&
	    cg_path(c->cg, CG_MEM, c->cgroup, "cgroup.event_control", path, sizeof(path)) == 0) {
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0 && write(fd, line, strlen(line)) == (ssize_t)strlen(line))
			c->oom_fd = efd;
		if (fd >= 0)
			close(fd);
	}
	if (c->oom_fd < 0 && efd >= 0)
		close(efd);
}

/* Records the memory limitation from the cgroup's counters; true when there was an OOM kill. */
static bool check_oom(struct ctr *c, bool fired)
{
	struct cg_stats st;
	char limit[32], used[32];

	if (c->limit_resource[0] || !c->have_cgroup || !c->lim.mem_bytes ||
	    cg_stats(c->cg, c->cgroup, &st) < 0 || !(st.have & CG_MEM))
		return false;
	if (!fired && st.oom_kills == 0)
		return false;
	if (fired && c->cg->version == CG_V2 && st.oom_kills == 0)
		return false; /* memory.events changed for "high"/"max", not an OOM kill */
	ctr_bytes_text(c->lim.mem_bytes, limit, sizeof(limit));
	ctr_bytes_text(st.mem_max_bytes ? st.mem_max_bytes : st.mem_usage_bytes, used,
		       sizeof(used));
	str_copy(c->limit_resource, "mem", sizeof(c->limit_resource));
	snprintf(c->limit_message, sizeof(c->limit_message),
		 "Memory limit exceeded: Requested: %s Maximum Used: %s", limit, used);
	c->limit_mb = (double)c->lim.mem_bytes / MB;
	return true;
}

/* ---- private /dev ---- */

static int add_mount(struct ctr *c, char kind, const char *src, const char *staging,
		     const char *name, bool optional)
{
	struct ctr_mount *m;
	char dst[PATH_MAX];
	struct stat st;

	if (optional && src && kind != 'l' && stat(src, &st) < 0)
		return 0;
	if (c->nmounts == CTR_MAX_MOUNTS || str_printf(dst, sizeof(dst), "%s/%s", staging, name))
		return -E2BIG;
	m = &c->mounts[c->nmounts++];
	m->kind = kind;
	m->src = src ? xstrdup(src) : NULL;
	m->dst = xstrdup(dst);
	m->optional = optional;
	return 0;
}

static int add_overlay(struct ctr *c, const char *run_meta, const char *name, const char *target)
{
	char staging[PATH_MAX];

	if (str_printf(staging, sizeof(staging), "%s/%s", run_meta, name))
		return -ENAMETOOLONG;
	if (mkdir(staging, 0700) < 0 && errno != EEXIST)
		return -errno;
	c->overlays[c->noverlays].staging = xstrdup(staging);
	c->overlays[c->noverlays].target = xstrdup(target);
	c->noverlays++;
	return 0;
}

/* The nodes every container gets (Mesos' default whitelist, as paths). */
static int plan_standard_dev(struct ctr *c, const char *stg)
{
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
	static const char *const links[][2] = { { "ptmx", "pts/ptmx" },
						{ "fd", "/proc/self/fd" },
						{ "stdin", "/proc/self/fd/0" },
						{ "stdout", "/proc/self/fd/1" },
						{ "stderr", "/proc/self/fd/2" } };
	char src[64];
	int r = 0;

	for (size_t i = 0; !r && i < ARRAY_LEN(nodes); i++) {
		snprintf(src, sizeof(src), "/dev/%s", nodes[i]);
		r = add_mount(c, 'f', src, stg, nodes[i], i > 0);
	}
	if (!r)
		r = add_mount(c, 'd', "/dev/pts", stg, "pts", true);
	if (!r)
		r = add_mount(c, 'd', "/dev/shm", stg, "shm", true);
	if (!r)
		r = add_mount(c, 'd', "/dev/mqueue", stg, "mqueue", true);
	for (size_t i = 0; !r && i < ARRAY_LEN(links); i++)
		r = add_mount(c, 'l', links[i][1], stg, links[i][0], false);
	return r;
}

/*
 * Overlay 0 replaces /dev; with the GPU nodes elsewhere (tests point
 * AGORA_NVIDIA_DEV_DIR at a directory), overlay 1 replaces that directory
 * with only the task's nodes.
 */
static int plan_private_dev(struct ctr *c, const struct sup_container *spec,
			    const char *run_meta)
{
	const char *dev_dir = spec->dev_dir;
	bool separate = dev_dir && strcmp(dev_dir, "/dev");
	int r;

	r = add_overlay(c, run_meta, "dev", "/dev");
	if (!r)
		r = plan_standard_dev(c, c->overlays[0].staging);
	if (!r && separate)
		r = add_overlay(c, run_meta, "gpudev", dev_dir);
	for (size_t i = 0; i < spec->ndevices; i++) {
		const char *path = spec->devices[i].path;
		const char *base = path ? strrchr(path, '/') : NULL;
		if (r || !base || !base[1])
			break;
		/* optional: nvidiactl is listed even where the node does not exist */
		r = add_mount(c, 'f', path, c->overlays[separate ? 1 : 0].staging, base + 1, true);
	}
	return r;
}

/* Task process (invariant 1). */
static int private_dev(const struct ctr *c)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return -errno;
	for (size_t i = 0; i < c->noverlays; i++)
		if (mount("tmpfs", c->overlays[i].staging, "tmpfs", MS_NOSUID,
			  "mode=755,size=65536") < 0)
			return -errno;
	for (size_t i = 0; i < c->nmounts; i++) {
		const struct ctr_mount *m = &c->mounts[i];
		int fd;

		if (m->kind == 'l') {
			if (symlink(m->src, m->dst) < 0)
				return -errno;
			continue;
		}
		if (m->kind == 'f') {
			fd = open(m->dst, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
			if (fd < 0)
				return -errno;
			close(fd);
		} else if (mkdir(m->dst, 0755) < 0) {
			return -errno;
		}
		if (m->src && mount(m->src, m->dst, NULL, MS_BIND | MS_REC, NULL) < 0)
			return -errno;
	}
	for (size_t i = 0; i < c->noverlays; i++)
		if (mount(c->overlays[i].staging, c->overlays[i].target, NULL, MS_MOVE, NULL) < 0)
			return -errno;
	return 0;
}

int ctr_enter(const struct ctr *c, int *stage)
{
	int r;

	*stage = 1;
	if (c->have_cgroup && (r = cg_enter(c->cg, c->cgroup, NULL, 0)) < 0)
		return r;
	*stage = 2;
	return c->noverlays ? private_dev(c) : 0;
}

/* ---- set-up and teardown ---- */

static void release(struct ctr *c)
{
	for (size_t i = 0; i < c->nmounts; i++) {
		free(c->mounts[i].src);
		free(c->mounts[i].dst);
	}
	c->nmounts = 0;
	for (size_t i = 0; i < c->noverlays; i++) {
		rmdir(c->overlays[i].staging);
		free(c->overlays[i].staging);
		free(c->overlays[i].target);
	}
	c->noverlays = 0;
	if (c->oom_fd >= 0)
		close(c->oom_fd);
	if (c->oom_ctl >= 0)
		close(c->oom_ctl);
	c->oom_fd = c->oom_ctl = -1;
}

static int setup(struct ctr *c, const struct sup_container *spec, const struct cg_system *cg,
		 const char *run_meta, char *why, size_t whylen);

int ctr_setup(struct ctr *c, const json_t *obj, const struct cg_system *cg,
	      const char *run_meta, char *why, size_t whylen)
{
	struct sup_container *spec;
	int r;

	memset(c, 0, sizeof(*c));
	c->oom_fd = c->oom_ctl = -1;
	if (!obj)
		return 0;
	spec = xcalloc(1, sizeof(*spec));
	r = sup_container_parse(obj, spec, why, whylen);
	if (r == 0)
		r = setup(c, spec, cg, run_meta, why, whylen);
	free(spec);
	return r;
}

/* ctr_setup() for a decoded container object. */
static int setup(struct ctr *c, const struct sup_container *spec, const struct cg_system *cg,
		 const char *run_meta, char *why, size_t whylen)
{
	const char *name = spec->cgroup;
	char err[512];
	int r;

	read_limits(c, spec);
	read_devices(c, spec);
	if (name) {
		if (!cg || cg->nhier == 0)
			return snprintf(why, whylen, "the task asks for cgroup %s but this agent "
						     "has no cgroups set up", name),
			       -ENOENT;
		c->cg = cg;
		str_copy(c->cgroup, name, sizeof(c->cgroup));
		if ((r = cg_create(cg, name, &c->lim, err, sizeof(err))) < 0)
			return snprintf(why, whylen, "cannot create the task's cgroup: %s", err), r;
		c->have_cgroup = true;
		if (spec->mem_watch && (cg->have & CG_MEM))
			arm_oom(c);
	}
	if (spec->private_dev &&
	    (r = plan_private_dev(c, spec, run_meta)) < 0) {
		snprintf(why, whylen, "cannot prepare the task's private /dev under %s: %s",
			 run_meta, strerror(-r));
		ctr_finish(c);
		return r;
	}
	return 0;
}

void ctr_finish(struct ctr *c)
{
	if (c->have_cgroup) {
		/* With memory watched, an OOM kill is the reason, however the task ended. */
		if (c->oom_fd >= 0)
			check_oom(c, false);
		cg_kill_all(c->cg, c->cgroup, 10, NULL, 0);
		cg_destroy(c->cg, c->cgroup, NULL, 0);
		c->have_cgroup = false;
	}
	release(c);
}

json_t *ctr_limitation_json(const struct ctr *c)
{
	if (!c->limit_resource[0])
		return NULL;
	return json_pack("{s:s, s:s, s:f}", "resource", c->limit_resource, "message",
			 c->limit_message, "limit_mb", c->limit_mb);
}

/* ---- disk usage ---- */

static int64_t walk(int dirfd, dev_t dev, int depth)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;
	int64_t total = 0;

	if (!d) {
		close(dirfd);
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;
		int fd;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		total += (int64_t)st.st_blocks * 512;
		if (!S_ISDIR(st.st_mode) || st.st_dev != dev || depth >= WALK_MAX_DEPTH)
			continue;
		fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			total += walk(fd, dev, depth + 1);
	}
	closedir(d);
	return total;
}

int64_t ctr_disk_usage(const char *dir)
{
	struct stat st;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	/* A file with several links counts once per link (du: once); mounts below are skipped. */
	return (int64_t)st.st_blocks * 512 + walk(fd, st.st_dev, 0);
}

void ctr_report_usage(const char *notify_name, unsigned notify_len, uint64_t disk_bytes)
{
	struct supervisor_usage msg;

	memset(&msg, 0, sizeof(msg));
	msg.magic = SUPERVISOR_USAGE_MAGIC;
	msg.disk_used_bytes = disk_bytes;
	/* Best effort: a busy agent misses one report, the next interval sends another. */
	sup_notify(notify_name, notify_len, &msg, sizeof(msg), false);
}

/* ---- the watch loop ---- */

struct du_job {
	pid_t pid; /* 0 when none runs */
	int fd;
};

static void du_start(struct du_job *j, const char *sandbox)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		struct sigaction sa;
		int64_t used;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		for (int s = 1; s < NSIG; s++)
			if (s != SIGKILL && s != SIGSTOP)
				sigaction(s, &sa, NULL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[0]);
		used = ctr_disk_usage(sandbox);
		if (write(p[1], &used, sizeof(used)) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return;
	}
	j->pid = pid;
	j->fd = p[0];
}

static void du_stop(struct du_job *j)
{
	if (j->pid <= 0)
		return;
	kill(j->pid, SIGKILL);
	while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
		;
	close(j->fd);
	j->pid = 0;
	j->fd = -1;
}

/* A du result: report it, and end the task when it is over an enforced quota. */
static void du_done(struct ctr *c, struct du_job *j, pid_t task, const char *notify_name,
		    unsigned notify_len)
{
	int64_t used = -1;
	char quota[32], usage[32];

	if (read(j->fd, &used, sizeof(used)) != (ssize_t)sizeof(used))
		used = -1;
	du_stop(j);
	if (used < 0)
		return;
	ctr_report_usage(notify_name, notify_len, (uint64_t)used);
	if (!c->enforce_disk || !c->disk_limit || (uint64_t)used <= c->disk_limit ||
	    c->limit_resource[0])
		return;
	ctr_bytes_text((uint64_t)used, usage, sizeof(usage));
	ctr_bytes_text(c->disk_limit, quota, sizeof(quota));
	str_copy(c->limit_resource, "disk", sizeof(c->limit_resource));
	snprintf(c->limit_message, sizeof(c->limit_message), "Disk usage (%s) exceeds quota (%s)",
		 usage, quota);
	c->limit_mb = (double)c->disk_limit / MB;
	kill(-task, SIGKILL);
}

static void on_oom_event(struct ctr *c, pid_t task)
{
	char buf[1024];
	ssize_t n;

	if (c->cg->version == CG_V2) {
		/* Re-reading resets the file's change notification. */
		lseek(c->oom_fd, 0, SEEK_SET);
		n = read(c->oom_fd, buf, sizeof(buf));
	} else {
		n = read(c->oom_fd, buf, sizeof(uint64_t));
	}
	(void)n;
	if (check_oom(c, true))
		kill(-task, SIGKILL); /* ctr_finish() kills what left the group */
}

static int ms_until(double when)
{
	double left = when - now_mono();
	return left <= 0 ? 0 : left > 3600 ? 3600 * 1000 : (int)(left * 1000) + 1;
}

void ctr_wait(struct ctr *c, pid_t pid, const char *sandbox, const char *notify_name,
	      unsigned notify_len)
{
	struct du_job du = { 0, -1 };
	double next = now_mono() + c->disk_watch;
	int pfd;

	if (c->oom_fd < 0 && c->disk_watch <= 0)
		return; /* nothing to watch: the caller's blocking wait does it */
	pfd = pidfd_open(pid, 0);
	if (pfd < 0)
		return;
	for (;;) {
		struct pollfd p[3] = { { pfd, POLLIN, 0 }, { -1, 0, 0 }, { -1, 0, 0 } };
		int timeout = -1;

		if (c->oom_fd >= 0)
			p[1] = (struct pollfd){ c->oom_fd, c->cg->version == CG_V2 ? POLLPRI : POLLIN, 0 };
		if (du.pid > 0)
			p[2] = (struct pollfd){ du.fd, POLLIN, 0 };
		else if (c->disk_watch > 0)
			timeout = ms_until(next);
		if (poll(p, 3, timeout) < 0) {
			if (errno == EINTR)
				continue; /* a kill command: its handler already forwarded it */
			break;
		}
		if (p[0].revents)
			break;
		if (p[1].revents)
			on_oom_event(c, pid);
		if (p[2].revents) {
			du_done(c, &du, pid, notify_name, notify_len);
			next = now_mono() + c->disk_watch;
		}
		if (du.pid == 0 && c->disk_watch > 0 && now_mono() >= next)
			du_start(&du, sandbox);
	}
	du_stop(&du);
	close(pfd);
}
