/*
 * agent/gc — garbage collection of finished sandboxes, as Mesos' agent
 * does it (flags --gc_delay, --disk_watch_interval, --gc_disk_headroom;
 * see docs/sandbox-gc.md and gc.c's design comment).
 *
 *   gc_init(a)                       after atasks_recover(): schedules what is on disk
 *   gc_schedule_sandbox(a, t->sandbox)  a task's terminal update was acknowledged
 *   gc_free(a)                       at shutdown (what is scheduled is found again
 *                                    from the sandboxes' mtimes at the next start)
 *
 * The remover (struct gc_rm) is exposed for the unit tests.
 */
#ifndef AGORA_AGENT_GC_H
#define AGORA_AGENT_GC_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct agent;

/*
 * Mesos' Slave::age(): how old a finished sandbox may get at this disk
 * usage (a fraction, 0..1): gc_delay * max(0, 1 - headroom - usage).
 * Seconds; 0 when gc_delay <= 0 or the disk is fuller than 1 - headroom.
 */
double gc_max_allowed_age(double gc_delay, double headroom, double usage);

/* Fraction of the file system holding path that is used (Mesos' fs::usage). */
int gc_disk_usage(const char *path, double *usage);

int gc_init(struct agent *a, char *err, size_t errlen);
void gc_free(struct agent *a);
/*
 * The sandbox (a run directory, <...>/executors/<eid>/runs/<cid>) of a task
 * whose terminal update was acknowledged: its mtime is set to now and it is
 * removed --gc_delay later (sooner when the disk fills), then its executor
 * and framework directories when they are empty and nothing live uses them.
 */
void gc_schedule_sandbox(struct agent *a, const char *sandbox);
/*
 * Mesos' agent metrics gc/path_removals_pending, _succeeded and _failed
 * into o (a /metrics/snapshot object).
 */
void gc_metrics(const struct agent *a, json_t *o);

/* ---- the batched remover: a directory tree, a bounded number of entries per call ---- */

#define GC_RM_MAX_DEPTH 48

struct gc_rm {
	int fds[GC_RM_MAX_DEPTH + 1];		  /* fds[0]: the root's parent; fds[i]: depth i */
	char names[GC_RM_MAX_DEPTH + 1][NAME_MAX + 1]; /* names[i]: fds[i]'s name in fds[i-1] */
	unsigned depth;				  /* index of the deepest open directory */
	bool active;
	unsigned long dev;			  /* the root's st_dev: mounts are not crossed */
	unsigned long long removed;		  /* entries removed so far */
	unsigned long long flattened;		  /* subtrees moved up (too deep for fds) */
	int error;				  /* 0, or why it stopped (negative errno) */
	char error_path[NAME_MAX + 1];		  /* the entry it stopped at */
};

/*
 * Starts removing path (no trailing '/'). Never follows a symbolic link:
 * a link (or file) at path is unlinked, links inside are unlinked, not
 * followed, and a directory on another file system stops the removal.
 * 0 (call gc_rm_step), 1 (nothing there: done), or negative errno.
 */
int gc_rm_start(struct gc_rm *rm, const char *path);
/*
 * Removes up to budget entries. 1: more to do; 0: done (rm->error == 0 when
 * the whole tree is gone); <0: stopped (== rm->error). Closes every fd it
 * holds when it returns <= 0.
 */
int gc_rm_step(struct gc_rm *rm, unsigned budget);
/* Stops a removal midway, closing its fds. */
void gc_rm_abort(struct gc_rm *rm);

#endif
