/*
 * container — the supervisor's half of a task's isolation (container.c):
 * the "container" object of the launch spec (containerizer.h describes
 * it) turned into a cgroup, a private /dev and the OOM and disk watches.
 * Runs in the supervisor and task processes only; includes nothing of the
 * agent's event loop.
 */
#ifndef AGORA_AGENT_CONTAINER_H
#define AGORA_AGENT_CONTAINER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/cgroups.h"
#include "agent/supervisor_proto.h"

#define CTR_MAX_DEVICES SUP_MAX_DEVICES
#define CTR_MAX_MOUNTS 48  /* entries of a private /dev */


struct ctr_mount {
	char *src;     /* host path to bind, symlink target, or NULL for a directory */
	char *dst;     /* path inside the staging tmpfs */
	char kind;     /* 'f' bind a node, 'd' bind a directory tree, 'l' symlink, 'm' mkdir */
	bool optional; /* a missing source is skipped */
};

struct ctr_overlay {
	char *staging; /* <run_meta>/<name>: where the tmpfs is built */
	char *target;  /* where it is moved: /dev, or the GPU dev_dir */
};

/* What the supervisor set up for one task, and what happened to it. */
struct ctr {
	const struct cg_system *cg; /* NULL: no cgroup */
	char cgroup[CG_NAME_MAX + 1];
	bool have_cgroup;
	struct cg_limits lim;
	struct cg_device devices[CTR_MAX_DEVICES];
	struct ctr_mount mounts[CTR_MAX_MOUNTS];
	size_t nmounts;
	struct ctr_overlay overlays[2];
	size_t noverlays;
	int oom_fd;  /* v1 eventfd / v2 memory.events; -1 when not watched */
	int oom_ctl; /* v1 memory.oom_control kept open for the eventfd; -1 */
	uint64_t disk_limit;
	double disk_watch; /* seconds; 0 = no disk watch */
	bool enforce_disk;
	/* the outcome */
	char limit_resource[8]; /* "mem", "disk" or "" */
	char limit_message[256];
	double limit_mb; /* the limit that was hit, in MB */
};

/*
 * Reads spec (the container object, may be NULL) and sets the container
 * up: creates the cgroup with its limits, arms the OOM watch, plans the
 * private /dev. run_meta holds the staging directories. Returns 0, or
 * -errno with why filled (nothing is left behind then).
 */
int ctr_setup(struct ctr *c, const json_t *spec, const struct cg_system *cg,
	      const char *run_meta, char *why, size_t whylen);
/*
 * In the task process between fork and exec, as root: joins the cgroup,
 * builds the private /dev. Only system calls (it may run in a vfork()ed
 * child). Returns 0 or -errno; *stage says which step failed (1 cgroup,
 * 2 devices).
 */
int ctr_enter(const struct ctr *c, int *stage);
/*
 * Waits until the task process pid has exited, without reaping it,
 * watching for OOM kills and the sandbox's disk usage meanwhile (a limit
 * hit kills the task and is recorded in c). Usage reports go to the
 * agent's socket (notify_name, may be NULL).
 */
void ctr_wait(struct ctr *c, pid_t pid, const char *sandbox, const char *notify_name,
	      unsigned notify_len);
/*
 * The task process has exited (a zombie still): SIGKILLs everything left
 * in its cgroup, reads the OOM evidence, removes the cgroup.
 */
void ctr_finish(struct ctr *c);
/* The exit_status "limitation" object, or NULL when no limit was hit (new reference). */
json_t *ctr_limitation_json(const struct ctr *c);
/* Sends a usage datagram to the agent (never blocks). */
void ctr_report_usage(const char *notify_name, unsigned notify_len, uint64_t disk_bytes);
/* Sandbox usage as du -sk counts it (allocated blocks), in bytes; -errno on error. */
int64_t ctr_disk_usage(const char *dir);

/* Mesos' Bytes text: "64MB", "1536KB", "100B". */
void ctr_bytes_text(uint64_t bytes, char *buf, size_t size);

#endif
