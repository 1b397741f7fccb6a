/*
 * supervisor_proto — the contract between the agent and a task's
 * supervisor (docs/process-model.md draws the processes). Both sides
 * include this header and nothing of each other; supervisor_proto.c holds
 * the encoders and the strict decoders, so the format lives in one file.
 *
 * Channels, all of which survive an agent restart:
 *   - task.info (<task_meta>/task.info, written by the spawner before it
 *     forks the supervisor): the checkpoint of one launch
 *       {"task": TaskInfo, "framework_info", "user", "sandbox", "run_meta",
 *        "container_id", "agent_id", "kill_grace",
 *        "launch"?: {"user"?, "hostname", "exec_file", "path_search",
 *                    "argv": [...], "env": ["K=V", ...], "uris"?: [...],
 *                    "fetch_limit_bytes"?, "fetch_limit_what"?,
 *                    "capabilities"?: {"effective"?: [names], "bounding"?: [names],
 *                                      "nnp"},
 *                    "notify", "container"?: {...}}}
 *     "launch" is what the supervisor runs (struct launch_spec); a launch
 *     the agent refused has none. "container" (struct sup_container,
 *     containerizer.h describes its fields) is what isolates the task.
 *   - datagrams on the agent's abstract unix socket (name "notify"): the
 *     command was exec'd (struct supervisor_msg), a sandbox measurement
 *     (struct supervisor_usage). The agent trusts one only when the
 *     kernel's SCM_CREDENTIALS name a supervisor of its own.
 *   - files under <run_meta>: pids/forked.pid "<pid> <start time>" (first
 *     thing the supervisor does), pids/task.pid "<pid>" (once the command
 *     was exec'd), exit_status (as the supervisor ends, durably):
 *       {"status": <wait status>, "pid", "started": true,
 *        "limitation"?: {"resource": "mem"|"disk", "message", "limit_mb"}}
 *       or {"error": "<why the launch failed>", "pid", "started": false}.
 *   - signals, through the supervisor's pidfd: SIGTERM asks it to SIGTERM
 *     the task's process group, SUPERVISOR_SIG_KILL to SIGKILL it.
 */
#ifndef AGORA_AGENT_SUPERVISOR_PROTO_H
#define AGORA_AGENT_SUPERVISOR_PROTO_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/capabilities.h"
#include "core/json.h"

struct cg_system;

#define SUPERVISOR_SIG_KILL SIGUSR1
#define SUPERVISOR_MSG_MAGIC 0x61677231u   /* "agr1" */
#define SUPERVISOR_USAGE_MAGIC 0x61677532u /* "agu2" */
#define SUP_EXIT_STATUS_MAX 4096	   /* bound of an exit_status file */

/* What the supervisor sends when the command was exec'd. */
struct supervisor_msg {
	unsigned magic;
	int task_pid;
};

/* What the supervisor sends after each sandbox measurement (containerizer.h). */
struct supervisor_usage {
	unsigned magic;
	unsigned pad;
	uint64_t disk_used_bytes;
};

/* A datagram from a supervisor, decoded. */
struct sup_datagram {
	enum { SUP_DGRAM_STARTED = 1, SUP_DGRAM_USAGE } kind;
	pid_t task_pid;		  /* STARTED */
	uint64_t disk_used_bytes; /* USAGE */
};

#define SUP_MAX_DEVICES 32 /* device nodes one task may be given */
#define SUP_MAX_GPUS 128   /* GPUs one task may hold */

/* A device node the task is given ("devices" of the container object). */
struct sup_device {
	char type; /* 'c' or 'b' */
	int64_t major, minor;
	const char *path; /* host path */
};

/* The "container" object of a launch (containerizer.h), decoded. */
struct sup_container {
	const char *cgroup; /* the task's cgroup (its container id); NULL: no cgroup */
	double cpus;	    /* 0: no limit */
	bool cfs;
	uint64_t mem_bytes; /* 0: no limit */
	bool mem_watch;	    /* end the task on an OOM kill */
	bool restrict_devices;
	bool private_dev;    /* a mount namespace with a private /dev */
	const char *dev_dir; /* where the GPU nodes live; NULL when absent */
	struct sup_device devices[SUP_MAX_DEVICES];
	size_t ndevices;
	unsigned gpus[SUP_MAX_GPUS]; /* NVML indices held */
	size_t ngpus;
	uint64_t disk_limit_bytes;
	double disk_watch; /* seconds between measurements; 0: none */
	bool enforce_disk;
};

/* Everything the supervisor and the task need: task.info's "launch", decoded. */
struct launch_spec {
	const char *sandbox;
	const char *run_meta;
	const char *user;      /* switch to this user; NULL = run as the agent's user */
	const char *hostname;  /* for messages */
	const char *exec_file; /* "/bin/sh", or CommandInfo.value when shell is false */
	bool path_search;      /* execvp(exec_file) rather than execv */
	char **argv, **envp;   /* NULL-terminated (the strings point into the JSON) */
	const json_t *uris;    /* CommandInfo.uris, or NULL */
	uint64_t fetch_limit_bytes; /* what the URIs may write in all (its disk); 0 = no limit */
	const char *fetch_limit_what; /* that limit in words, for the failure message */
	struct caps_plan caps;	       /* capabilities and no_new_privs (capabilities.h) */
	const char *notify_name; /* the agent's abstract socket name, without the leading NUL */
	unsigned notify_len;
	const json_t *container;    /* the "container" object (containerizer.h), or NULL */
	const struct cg_system *cg; /* the agent's cgroups (inherited memory), or NULL */
};

/* The top of task.info: what a restarted agent needs to re-adopt the task. */
struct sup_checkpoint {
	const json_t *task;	      /* TaskInfo */
	const json_t *framework_info;
	const char *user, *sandbox, *run_meta, *container_id, *agent_id;
	double kill_grace;
	const json_t *launch; /* the "launch" object, or NULL (a refused launch) */
};

/* A parsed exit_status file. */
struct exit_report {
	bool have;	 /* the file exists and parses */
	bool started;	 /* the command was exec'd */
	int wait_status; /* waitpid status when error is empty */
	pid_t task_pid;
	char error[512]; /* launch failure, "" when none */
	/* a limit the supervisor enforced: "mem" or "disk", "" when none */
	char limit_resource[8];
	char limit_message[256];
	double limit_mb;
};

/* ---- task.info ---- */

/* The task.info object (new reference); launch (stolen) may be NULL. */
json_t *sup_checkpoint_json(const struct sup_checkpoint *c, json_t *launch);
/* Reads task.info's top (strings point into info); -EINVAL with err naming the field. */
int sup_checkpoint_parse(const json_t *info, struct sup_checkpoint *out, struct jerr *err);
/* The "launch" object of l (sandbox, run_meta and cg are not part of it); new reference. */
json_t *sup_launch_json(const struct launch_spec *l);
/*
 * Decodes task.info's launch into *out (the strings point into info;
 * argv/envp are malloc'd vectors, sup_launch_free). NULL, or why not.
 */
const char *sup_launch_parse(const json_t *info, struct launch_spec *out);
void sup_launch_free(struct launch_spec *l);

/* The container object (new reference). */
json_t *sup_container_json(const struct sup_container *c);
/*
 * Decodes a container object (strict, bounded; the strings point into
 * obj). 0, or -EINVAL with why naming what is wrong.
 */
int sup_container_parse(const json_t *obj, struct sup_container *out, char *why, size_t whylen);

/* ---- datagrams ---- */

/* Sends one datagram to the agent's socket; blocking waits while its queue is full. */
void sup_notify(const char *notify_name, unsigned notify_len, const void *msg, size_t len,
		bool blocking);
/* Decodes a datagram of n bytes; -EINVAL when it is neither kind. */
int sup_datagram_parse(const void *buf, size_t n, struct sup_datagram *out);

/* ---- files under run_meta ---- */

/* pids/forked.pid for the calling process (mkdir of pids/ included); 0 or -errno. */
int sup_write_forked_pid(const char *run_meta);
/* pids/forked.pid: 0 with pid and start time, or -errno / -EINVAL. */
int sup_read_forked_pid(const char *run_meta, pid_t *pid, unsigned long long *start);
int sup_write_task_pid(const char *run_meta, pid_t pid);
/* pids/task.pid, or 0. */
pid_t sup_read_task_pid(const char *run_meta);
/* Field 22 (start time, clock ticks after boot) of /proc/<pid>/stat; 0 when gone or a zombie. */
unsigned long long sup_proc_start_time(pid_t pid);

/* Writes exit_status durably: a launch failure (error set) or the task's end. */
void sup_write_exit_error(const char *run_meta, pid_t pid, const char *error);
void sup_write_exit_ran(const char *run_meta, pid_t pid, int wait_status, bool started,
			json_t *limitation /* stolen, may be NULL */);
/* Parses exit_status text (bounded, strict); -EINVAL when malformed. */
int sup_parse_exit(const char *text, size_t len, struct exit_report *out);
/* Reads <run_meta>/exit_status; out->have is false when absent; -EINVAL when malformed. */
int sup_read_exit(const char *run_meta, struct exit_report *out);

#endif
