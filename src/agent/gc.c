/*
 * agent/gc — removes the sandboxes of finished tasks, the way Mesos' agent
 * garbage-collects executor directories (Mesos agent flags --gc_delay,
 * --disk_watch_interval, --gc_disk_headroom; docs/sandbox-gc.md).
 *
 * What it owns: the run directories waiting for removal
 * (<work_dir>/slaves/<aid>/frameworks/<fid>/executors/<eid>/runs/<cid>),
 * ordered by removal time, one timer for the earliest, one disk-watch
 * timer, and the one removal in progress (struct gc_rm).
 *
 * Life of a sandbox:
 *   terminal update acknowledged (tasks.c) → mtime := now, removal at
 *     now + gc_delay;
 *   agent start (gc_init, after task recovery) → every run directory no
 *     live task uses, removal at its mtime + gc_delay;
 *   its time comes, or the disk fills → removed, a slice of about GC_SLICE
 *     per loop turn → then runs/latest, runs/ and executors/<eid> when no live task
 *     has that executor; executors/ and frameworks/<fid> when the framework
 *     has no live task; slaves/<aid> of an earlier agent id when empty.
 *
 * Disk pressure, as Mesos' Slave::_checkDiskUsage: every
 * --disk_watch_interval the used fraction u of the work_dir's file system
 * gives max_age = gc_delay × max(0, 1 − gc_disk_headroom − u), and every
 * sandbox due within gc_delay − max_age (one at least max_age old) goes now.
 *
 * Invariants:
 *  1. A run directory a live task (in a->tasks) uses is never scheduled.
 *     Parents are only rmdir'ed, on the loop, after checking that no live
 *     task of that executor / framework exists; a launch inserts its task
 *     before its supervisor creates directories, so the two never race.
 *  2. A removal never follows a symbolic link and never leaves the file
 *     system it started on: every step is an *at() call on directory fds
 *     opened O_NOFOLLOW, and a directory with another st_dev stops it. A
 *     task that left a link to /etc in its sandbox loses the link only.
 *  3. The loop is held for about GC_SLICE at a time (at least GC_STEP
 *     entries); between two slices it serves I/O (the next is a zero timeout).
 *  4. Nothing is persisted: the run directory's mtime, set at completion,
 *     is the schedule, so a restart finds the same removal times.
 * Runs on the agent's event loop.
 */
#include "agent/gc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/tasks.h"
#include "core/log.h"
#include "core/map.h"
#include "core/util.h"

#define GC_STEP 16		    /* entries removed between two clock reads */
#define GC_SLICE 0.005		    /* seconds of removal per loop turn, at most about */
#define GC_MAX_SCHEDULED (1u << 20) /* tracked at once; the rest are found at the next start */

/* ---------------------------------------------------------------- the age formula */

double gc_max_allowed_age(double gc_delay, double headroom, double usage)
{
	double left = 1.0 - headroom - usage;
	if (!(gc_delay > 0) || !(left > 0))
		return 0;
	return gc_delay * left;
}

int gc_disk_usage(const char *path, double *usage)
{
	struct statvfs vfs;
	if (statvfs(path, &vfs) < 0)
		return -errno;
	if (vfs.f_blocks == 0 || vfs.f_bfree > vfs.f_blocks)
		return -EINVAL;
	*usage = (double)(vfs.f_blocks - vfs.f_bfree) / (double)vfs.f_blocks;
	return 0;
}

/* "2.8 days", "40.0 secs": for log lines (format_duration is for flag values). */
static void fmt_age(double seconds, char *buf, size_t size)
{
	if (seconds >= 86400)
		snprintf(buf, size, "%.1f days", seconds / 86400);
	else if (seconds >= 3600)
		snprintf(buf, size, "%.1f hours", seconds / 3600);
	else if (seconds >= 60)
		snprintf(buf, size, "%.1f mins", seconds / 60);
	else
		snprintf(buf, size, "%.1f secs", seconds > 0 ? seconds : 0);
}

/* ---------------------------------------------------------------- the remover */

static void rm_close_all(struct gc_rm *rm)
{
	for (unsigned i = 0; i <= GC_RM_MAX_DEPTH; i++) {
		if (rm->fds[i] >= 0)
			close(rm->fds[i]);
		rm->fds[i] = -1;
	}
	rm->depth = 0;
	rm->active = false;
}

static int rm_fail(struct gc_rm *rm, int err, const char *name)
{
	rm->error = err;
	str_copy(rm->error_path, name ? name : "", sizeof(rm->error_path));
	rm_close_all(rm);
	return err;
}

void gc_rm_abort(struct gc_rm *rm)
{
	rm_close_all(rm);
}

int gc_rm_start(struct gc_rm *rm, const char *path)
{
	char parent[PATH_MAX];
	const char *base = strrchr(path, '/');
	struct stat st;
	int pfd, fd, r;

	memset(rm, 0, sizeof(*rm));
	for (unsigned i = 0; i <= GC_RM_MAX_DEPTH; i++)
		rm->fds[i] = -1;
	if (!base || !base[1] || strlen(base + 1) > NAME_MAX || (size_t)(base - path) >= sizeof(parent))
		return -EINVAL;
	if (base == path)
		str_copy(parent, "/", sizeof(parent));
	else
		snprintf(parent, sizeof(parent), "%.*s", (int)(base - path), path);
	base++;
	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return errno == ENOENT ? 1 : -errno;
	fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = errno;
		if (r == ENOTDIR || r == ELOOP) { /* a file or a link: unlinked, never followed */
			r = unlinkat(pfd, base, 0) == 0 || errno == ENOENT ? 1 : -errno;
			rm->removed = r == 1;
		} else {
			r = r == ENOENT ? 1 : -r;
		}
		close(pfd);
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		close(pfd);
		return r;
	}
	rm->dev = (unsigned long)st.st_dev;
	rm->fds[0] = pfd;
	rm->fds[1] = fd;
	str_copy(rm->names[1], base, sizeof(rm->names[1]));
	rm->depth = 1;
	rm->active = true;
	return 0;
}

/*
 * Too deep for the fd stack: the subtree moves up into the root, where the
 * walk finds it again later (a rename within one file system; directories
 * have no cycles, so this ends). 0, or <0 after rm_fail.
 */
static int rm_flatten(struct gc_rm *rm, int fd, const char *name)
{
	char flat[64];
	for (int tries = 0; tries < 1000; tries++) {
		snprintf(flat, sizeof(flat), ".agora-gc-%llu", ++rm->flattened);
		if (renameat(fd, name, rm->fds[1], flat) == 0 || errno == ENOENT)
			return 0;
		if (errno != EEXIST && errno != ENOTEMPTY)
			break;
	}
	return rm_fail(rm, -errno, name);
}

/* A subdirectory: 1 pushed on the stack, 0 handled in place, <0 stopped. */
static int rm_descend(struct gc_rm *rm, int fd, const char *name)
{
	struct stat st;
	int cfd;

	if (rm->depth == GC_RM_MAX_DEPTH)
		return rm_flatten(rm, fd, name);
	cfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno != ENOTDIR && errno != ELOOP)
			return rm_fail(rm, -errno, name);
		/* replaced by a file or a link since readdir: unlink that instead */
		if (unlinkat(fd, name, 0) < 0 && errno != ENOENT)
			return rm_fail(rm, -errno, name);
		rm->removed++;
		return 0;
	}
	if (fstat(cfd, &st) < 0) {
		int err = -errno;
		close(cfd);
		return rm_fail(rm, err, name);
	}
	if ((unsigned long)st.st_dev != rm->dev) { /* a mount inside the sandbox: not ours */
		close(cfd);
		return rm_fail(rm, -EXDEV, name);
	}
	rm->depth++;
	rm->fds[rm->depth] = cfd;
	str_copy(rm->names[rm->depth], name, sizeof(rm->names[rm->depth]));
	return 1;
}

/*
 * Removes entries of the deepest open directory: 1 when it descended or ran
 * out of budget, 0 when the directory is now empty, <0 stopped.
 */
static int rm_visit(struct gc_rm *rm, unsigned *budget)
{
	int fd = rm->fds[rm->depth];
	int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (dfd < 0)
		return rm_fail(rm, -errno, rm->names[rm->depth]);
	d = fdopendir(dfd);
	if (!d) {
		r = -errno;
		close(dfd);
		return rm_fail(rm, r, rm->names[rm->depth]);
	}
	rewinddir(d); /* the offset is shared with fd: start from the top every time */
	for (;;) {
		const char *name;
		bool is_dir;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				r = rm_fail(rm, -errno, rm->names[rm->depth]);
			break;
		}
		name = de->d_name;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (*budget == 0) {
			r = 1;
			break;
		}
		is_dir = de->d_type == DT_DIR;
		if (de->d_type == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				if (errno == ENOENT)
					continue;
				r = rm_fail(rm, -errno, name);
				break;
			}
			is_dir = S_ISDIR(st.st_mode);
		}
		(*budget)--;
		if (!is_dir) {
			if (unlinkat(fd, name, 0) == 0 || errno == ENOENT) {
				rm->removed++;
				continue;
			}
			if (errno != EISDIR) {
				r = rm_fail(rm, -errno, name);
				break;
			}
		}
		r = rm_descend(rm, fd, name);
		if (r != 0)
			break;
	}
	closedir(d);
	return r;
}

int gc_rm_step(struct gc_rm *rm, unsigned budget)
{
	while (rm->active && budget > 0) {
		int r = rm_visit(rm, &budget);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		/* empty: remove it and go back up */
		close(rm->fds[rm->depth]);
		rm->fds[rm->depth] = -1;
		rm->depth--;
		if (unlinkat(rm->fds[rm->depth], rm->names[rm->depth + 1], AT_REMOVEDIR) < 0 &&
		    errno != ENOENT)
			return rm_fail(rm, -errno, rm->names[rm->depth + 1]);
		rm->removed++;
		if (budget)
			budget--;
		if (rm->depth == 0) {
			rm_close_all(rm);
			return 0;
		}
	}
	return rm->active ? 1 : rm->error;
}

/* ---------------------------------------------------------------- the schedule */

struct gc_entry {
	TAILQ_ENTRY(gc_entry) link;
	double remove_at; /* wall clock */
	char *path;	  /* a run directory */
};
TAILQ_HEAD(gc_list, gc_entry);

struct gc {
	struct agent *agent;
	struct gc_list scheduled;  /* by remove_at, earliest first */
	struct gc_list due;	   /* to remove now, in order */
	size_t count;		   /* entries in both lists and removing */
	struct gc_entry *removing; /* off the lists; rm works on it */
	struct gc_rm rm;
	struct event *timer, *work, *disk_timer;
	bool full_warned, disk_warned;
	uint64_t succeeded, failed; /* removals since start (metrics) */
};

static void entry_free(struct gc_entry *e)
{
	free(e->path);
	free(e);
}

static void kick(struct gc *g)
{
	struct timeval zero = { 0, 0 };
	if ((g->removing || !TAILQ_EMPTY(&g->due)) && !evtimer_pending(g->work, NULL))
		evtimer_add(g->work, &zero);
}

static void arm(struct gc *g)
{
	struct gc_entry *e = TAILQ_FIRST(&g->scheduled);
	double delay;
	struct timeval tv;

	evtimer_del(g->timer);
	if (!e)
		return;
	delay = e->remove_at - now_wall();
	if (delay < 0)
		delay = 0;
	if (delay > 365.0 * 86400)
		delay = 365.0 * 86400; /* looked at again then */
	tv.tv_sec = (time_t)delay;
	tv.tv_usec = (suseconds_t)((delay - (double)tv.tv_sec) * 1e6);
	evtimer_add(g->timer, &tv);
}

/* Moves every entry due within `within` seconds from now to the due list. */
static size_t take_due(struct gc *g, double within)
{
	double now = now_wall();
	size_t n = 0;
	struct gc_entry *e;

	while ((e = TAILQ_FIRST(&g->scheduled)) && e->remove_at - now <= within) {
		TAILQ_REMOVE(&g->scheduled, e, link);
		TAILQ_INSERT_TAIL(&g->due, e, link);
		n++;
	}
	if (n) {
		arm(g);
		kick(g);
	}
	return n;
}

static bool schedule_at(struct gc *g, const char *path, double remove_at)
{
	struct gc_entry *e, *after;

	if (g->count >= GC_MAX_SCHEDULED) {
		if (!g->full_warned)
			log_warnx("agent: gc: %zu sandboxes already wait for removal; %s and later "
				  "ones are left until the next agent start",
				  g->count, path);
		g->full_warned = true;
		return false;
	}
	e = xcalloc(1, sizeof(*e));
	e->path = xstrdup(path);
	e->remove_at = remove_at;
	after = TAILQ_LAST(&g->scheduled, gc_list);
	while (after && after->remove_at > remove_at)
		after = TAILQ_PREV(after, gc_list, link);
	if (after)
		TAILQ_INSERT_AFTER(&g->scheduled, after, e, link);
	else
		TAILQ_INSERT_HEAD(&g->scheduled, e, link);
	g->count++;
	if (TAILQ_FIRST(&g->scheduled) == e)
		arm(g);
	return true;
}

/* ---------------------------------------------------------------- parents */

/* The components of <work_dir>/slaves/<aid>/frameworks/<fid>/executors/<eid>/runs/<cid>. */
struct run_path {
	char aid[256], fid[256], eid[256];
};

static int parse_run_path(const struct agent *a, const char *path, struct run_path *rp)
{
	static const char *const fixed[] = { NULL, "frameworks", NULL, "executors", NULL, "runs",
					     NULL };
	char prefix[PATH_MAX], *copy, *save = NULL, *part;
	char *parts[7];
	size_t n = 0, plen;
	int r = -EINVAL;

	if (str_printf(prefix, sizeof(prefix), "%s/slaves/", a->flags.work_dir) < 0)
		return -ENAMETOOLONG;
	plen = strlen(prefix);
	if (strncmp(path, prefix, plen))
		return -EINVAL;
	copy = xstrdup(path + plen);
	for (part = strtok_r(copy, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		if (n == 7)
			goto out;
		parts[n++] = part;
	}
	if (n != 7)
		goto out;
	for (size_t i = 0; i < 7; i++)
		if (fixed[i] && strcmp(parts[i], fixed[i]))
			goto out;
	if (str_copy(rp->aid, parts[0], sizeof(rp->aid)) >= sizeof(rp->aid) ||
	    str_copy(rp->fid, parts[2], sizeof(rp->fid)) >= sizeof(rp->fid) ||
	    str_copy(rp->eid, parts[4], sizeof(rp->eid)) >= sizeof(rp->eid))
		goto out;
	r = 0;
out:
	free(copy);
	return r;
}

/* Whether dir holds nothing but a "latest" link. */
static bool only_latest(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool only = true;

	if (!d)
		return errno == ENOENT;
	while (only && (de = readdir(d)))
		only = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		       !strcmp(de->d_name, "latest");
	closedir(d);
	return only;
}

/* Empty executor and framework directories of rp go (invariant 1). */
static void tidy(struct gc *g, const struct run_path *rp)
{
	struct agent *a = g->agent;
	struct agent_framework *fw = map_get(&a->frameworks, rp->fid);
	const char *w = a->flags.work_dir;
	char fdir[PATH_MAX], edir[PATH_MAX], runs[PATH_MAX], latest[PATH_MAX], path[PATH_MAX];
	struct stat st;

	if (str_printf(fdir, sizeof(fdir), "%s/slaves/%s/frameworks/%s", w, rp->aid, rp->fid) < 0 ||
	    str_printf(edir, sizeof(edir), "%s/executors/%s", fdir, rp->eid) < 0 ||
	    str_printf(runs, sizeof(runs), "%s/runs", edir) < 0 ||
	    str_printf(latest, sizeof(latest), "%s/latest", runs) < 0)
		return;
	/* agora's tasks are command tasks: the executor id is the task id (tasks.h) */
	if (atasks_find(a, rp->fid, rp->eid) || !only_latest(runs))
		return;
	if (lstat(latest, &st) == 0 && S_ISLNK(st.st_mode))
		unlink(latest);
	if ((rmdir(runs) < 0 && errno != ENOENT) || (rmdir(edir) < 0 && errno != ENOENT))
		return;
	log_debug("agent: gc: removed the directory of executor %s of framework %s", rp->eid,
		  rp->fid);
	if (fw && fw->active)
		return;
	if (str_printf(path, sizeof(path), "%s/executors", fdir) < 0 ||
	    (rmdir(path) < 0 && errno != ENOENT) || (rmdir(fdir) < 0 && errno != ENOENT))
		return;
	log_info("agent: gc: removed the directory of framework %s (no sandbox left)", rp->fid);
	if (!strcmp(rp->aid, a->id))
		return;
	/* a directory of an earlier agent id, empty now */
	if (str_printf(path, sizeof(path), "%s/slaves/%s/frameworks", w, rp->aid) == 0 &&
	    rmdir(path) == 0 && str_printf(path, sizeof(path), "%s/slaves/%s", w, rp->aid) == 0)
		rmdir(path);
}

/* ---------------------------------------------------------------- removal */

static void finish(struct gc *g, int r)
{
	struct gc_entry *e = g->removing;
	struct run_path rp;

	g->removing = NULL;
	g->count--;
	if (r >= 0) {
		g->succeeded++;
		if (g->rm.removed)
			log_info("agent: gc: removed sandbox %s (%llu entries)", e->path,
				 g->rm.removed);
		if (parse_run_path(g->agent, e->path, &rp) == 0)
			tidy(g, &rp);
	} else {
		g->failed++;
		log_warnx("agent: gc: cannot remove sandbox %s (stopped at '%s': %s); it is left "
			  "in place until the next agent start",
			  e->path, g->rm.error_path, strerror(-r));
	}
	entry_free(e);
}

static void on_work(evutil_socket_t fd, short what, void *arg)
{
	struct gc *g = arg;
	double until;
	int r;
	(void)fd;
	(void)what;

	if (!g->removing) {
		struct gc_entry *e = TAILQ_FIRST(&g->due);
		if (!e)
			return;
		TAILQ_REMOVE(&g->due, e, link);
		g->removing = e;
		r = gc_rm_start(&g->rm, e->path);
		if (r != 0) {
			finish(g, r);
			kick(g);
			return;
		}
	}
	until = now_mono() + GC_SLICE;
	do
		r = gc_rm_step(&g->rm, GC_STEP);
	while (r == 1 && now_mono() < until);
	if (r != 1)
		finish(g, r);
	kick(g);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct gc *g = arg;
	(void)fd;
	(void)what;
	if (!take_due(g, 0))
		arm(g); /* woke early (the clock moved): sleep again */
}

static void on_disk_watch(evutil_socket_t fd, short what, void *arg)
{
	struct gc *g = arg;
	struct agent *a = g->agent;
	double usage, age;
	char age_text[64];
	size_t n;
	int r;
	(void)fd;
	(void)what;

	r = gc_disk_usage(a->flags.work_dir, &usage);
	if (r < 0) {
		if (!g->disk_warned)
			log_warnx("agent: gc: cannot measure the disk usage of %s (%s); sandboxes "
				  "are removed after --gc_delay only",
				  a->flags.work_dir, strerror(-r));
		g->disk_warned = true;
		return;
	}
	age = gc_max_allowed_age(a->flags.gc_delay, a->flags.gc_disk_headroom, usage);
	fmt_age(age, age_text, sizeof(age_text));
	n = take_due(g, a->flags.gc_delay - age);
	if (n)
		log_info("agent: gc: disk usage %.2f%% of %s: max allowed sandbox age %s; removing "
			 "%zu sandbox(es) early",
			 usage * 100, a->flags.work_dir, age_text, n);
	else
		log_debug("agent: gc: disk usage %.2f%%, max allowed sandbox age %s", usage * 100,
			  age_text);
}

/* ---------------------------------------------------------------- start-up scan */

struct found {
	char *path;
	double remove_at;
};

struct found_list {
	struct found *v;
	size_t n, cap;
};

static int by_remove_at(const void *x, const void *y)
{
	const struct found *a = x, *b = y;
	return (a->remove_at > b->remove_at) - (a->remove_at < b->remove_at);
}

/* Calls fn for every subdirectory (not a link) of dir, "latest" excluded. */
static void each_subdir(const char *dir, void (*fn)(struct gc *, const char *, void *),
			struct gc *g, void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[PATH_MAX];
	struct stat st;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, "latest"))
			continue;
		if (str_printf(path, sizeof(path), "%s/%s", dir, de->d_name) < 0 ||
		    lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		fn(g, path, arg);
	}
	closedir(d);
}

struct scan {
	struct map live; /* sandboxes of live tasks */
	struct found_list found;
	size_t executors_seen;
};

static void scan_run(struct gc *g, const char *path, void *arg)
{
	struct scan *sc = arg;
	struct stat st;

	if (map_get(&sc->live, path) || lstat(path, &st) < 0 || sc->found.n >= GC_MAX_SCHEDULED)
		return;
	if (sc->found.n == sc->found.cap) {
		sc->found.cap = sc->found.cap ? 2 * sc->found.cap : 64;
		sc->found.v = xreallocarray(sc->found.v, sc->found.cap, sizeof(*sc->found.v));
	}
	sc->found.v[sc->found.n].path = xstrdup(path);
	sc->found.v[sc->found.n].remove_at = (double)st.st_mtim.tv_sec +
					     (double)st.st_mtim.tv_nsec / 1e9 +
					     g->agent->flags.gc_delay;
	sc->found.n++;
}

static void scan_executor(struct gc *g, const char *path, void *arg)
{
	struct scan *sc = arg;
	char runs[PATH_MAX];
	size_t before = sc->found.n;
	struct run_path rp;

	if (str_printf(runs, sizeof(runs), "%s/runs", path) < 0)
		return;
	sc->executors_seen++;
	each_subdir(runs, scan_run, g, sc);
	/* an executor directory left without runs (a stop mid-removal) is tidied now */
	if (sc->found.n == before && str_printf(runs, sizeof(runs), "%s/runs/x", path) == 0 &&
	    parse_run_path(g->agent, runs, &rp) == 0)
		tidy(g, &rp);
}

static void scan_framework(struct gc *g, const char *path, void *arg)
{
	char dir[PATH_MAX];
	if (str_printf(dir, sizeof(dir), "%s/executors", path) == 0)
		each_subdir(dir, scan_executor, g, arg);
}

static void scan_agent_id(struct gc *g, const char *path, void *arg)
{
	char dir[PATH_MAX];
	if (str_printf(dir, sizeof(dir), "%s/frameworks", path) == 0)
		each_subdir(dir, scan_framework, g, arg);
}

static void scan(struct gc *g)
{
	struct agent *a = g->agent;
	struct scan sc;
	struct map_iter it;
	char dir[PATH_MAX], delay_text[64];
	void *v;
	double first = 0;

	memset(&sc, 0, sizeof(sc));
	map_init(&sc.live);
	map_iter_init(&it, &a->tasks);
	while (map_iter_next(&it, NULL, &v)) {
		struct atask *t = v;
		if (t->sandbox)
			map_put(&sc.live, t->sandbox, t);
	}
	if (str_printf(dir, sizeof(dir), "%s/slaves", a->flags.work_dir) == 0)
		each_subdir(dir, scan_agent_id, g, &sc);
	if (sc.found.n) /* qsort(NULL, 0, ...) is undefined behaviour */
		qsort(sc.found.v, sc.found.n, sizeof(*sc.found.v), by_remove_at);
	for (size_t i = 0; i < sc.found.n; i++) {
		schedule_at(g, sc.found.v[i].path, sc.found.v[i].remove_at);
		free(sc.found.v[i].path);
	}
	if (sc.found.n) {
		first = sc.found.v[0].remove_at - now_wall();
		fmt_age(first > 0 ? first : 0, delay_text, sizeof(delay_text));
		log_info("agent: gc: %zu finished sandbox(es) found under %s; the first is removed "
			 "in %s",
			 sc.found.n, dir, delay_text);
	}
	free(sc.found.v);
	map_clear(&sc.live);
}

/* ---------------------------------------------------------------- API */

int gc_init(struct agent *a, char *err, size_t errlen)
{
	struct gc *g = xcalloc(1, sizeof(*g));
	char delay_text[64], interval_text[64];

	g->agent = a;
	TAILQ_INIT(&g->scheduled);
	TAILQ_INIT(&g->due);
	for (unsigned i = 0; i <= GC_RM_MAX_DEPTH; i++)
		g->rm.fds[i] = -1;
	g->timer = evtimer_new(a->base, on_timer, g);
	g->work = evtimer_new(a->base, on_work, g);
	g->disk_timer = event_new(a->base, -1, EV_PERSIST, on_disk_watch, g);
	if (!g->timer || !g->work || !g->disk_timer) {
		snprintf(err, errlen, "gc: cannot create its timers");
		a->gc = g;
		gc_free(a);
		return -ENOMEM;
	}
	a->gc = g;
	scan(g);
	if (a->flags.disk_watch_interval > 0) {
		struct timeval tv;
		double i = a->flags.disk_watch_interval;
		tv.tv_sec = (time_t)i;
		tv.tv_usec = (suseconds_t)((i - (double)tv.tv_sec) * 1e6);
		event_add(g->disk_timer, &tv);
	}
	fmt_age(a->flags.gc_delay, delay_text, sizeof(delay_text));
	fmt_age(a->flags.disk_watch_interval, interval_text, sizeof(interval_text));
	log_debug("agent: gc: sandboxes go %s after their task ends, sooner when the disk is "
		  "more than %.0f%% full (checked every %s)",
		  delay_text, (1 - a->flags.gc_disk_headroom) * 100, interval_text);
	return 0;
}

void gc_free(struct agent *a)
{
	struct gc *g = a->gc;
	struct gc_entry *e;

	if (!g)
		return;
	gc_rm_abort(&g->rm);
	if (g->removing)
		entry_free(g->removing);
	while ((e = TAILQ_FIRST(&g->scheduled))) {
		TAILQ_REMOVE(&g->scheduled, e, link);
		entry_free(e);
	}
	while ((e = TAILQ_FIRST(&g->due))) {
		TAILQ_REMOVE(&g->due, e, link);
		entry_free(e);
	}
	if (g->timer)
		event_free(g->timer);
	if (g->work)
		event_free(g->work);
	if (g->disk_timer)
		event_free(g->disk_timer);
	free(g);
	a->gc = NULL;
}

void gc_schedule_sandbox(struct agent *a, const char *sandbox)
{
	struct gc *g = a->gc;
	char delay_text[64];

	if (!g || !sandbox)
		return;
	/* the mtime is the schedule a restart finds again (invariant 4); gone is fine */
	if (utimensat(AT_FDCWD, sandbox, NULL, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
		log_warnx("agent: gc: cannot touch sandbox %s: %s", sandbox, strerror(errno));
	if (!schedule_at(g, sandbox, now_wall() + a->flags.gc_delay))
		return;
	fmt_age(a->flags.gc_delay, delay_text, sizeof(delay_text));
	log_debug("agent: gc: sandbox %s is removed in %s", sandbox, delay_text);
}

void gc_metrics(const struct agent *a, json_t *o)
{
	const struct gc *g = a->gc;
	json_object_set_new(o, "gc/path_removals_pending", json_real(g ? (double)g->count : 0));
	json_object_set_new(o, "gc/path_removals_succeeded",
			    json_real(g ? (double)g->succeeded : 0));
	json_object_set_new(o, "gc/path_removals_failed", json_real(g ? (double)g->failed : 0));
}
