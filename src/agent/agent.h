/*
 * agent — the state of one `agora agent` process and the functions its
 * files share. One event loop, one struct agent, no locks.
 *
 * Files (scripts/check-code.py keeps this list and the directory in step,
 * and holds the prefix each file exports):
 *   main.c         flags, start-up, shutdown
 *   detect.c       cpus/mem/disk/ports detection and --resources merging
 *   checkpoint.c   <work_dir>/meta: the agent id and what it registered with
 *   master_link.c  registration with the master: challenge, subscribe stream,
 *                  pings, back-off, events
 *   master_events.c the master's events, parsed into C types (master_events.h)
 *   http_api.c     route table and /state, /health, /flags, /metrics
 *   files_api.c    the Files API over the task sandboxes (files_api.h)
 *   tasks.c        the task table, task state machine, LAUNCH/KILL/ACKNOWLEDGE
 *   task_recovery.c re-adopting checkpointed tasks after a restart
 *   status_updates.c per-task status update queues, persisted and retried
 *   launcher.c     what a task runs with (env, argv, checks); the supervisor
 *                  channel's agent end; exit reports as TaskStatus
 *   spawner.c      the small process that forks supervisors and does the
 *                  launch's file work off the event loop
 *   supervisor_proto.c the agent<->supervisor contract: task.info, datagrams,
 *                  pid files, exit_status (docs/process-model.md)
 *   supervisor.c   the supervisor and task processes (not the event loop)
 *   fetcher.c      CommandInfo.uris into the sandbox (in the task process)
 *   fetch_libs.c   libcurl and libarchive, dlopen()ed for the fetcher
 *   isolation.c    parsing --isolation (isolation.h)
 *   containerizer.c isolation on the agent's side: cgroups, GPUs per task
 *   container.c    the supervisor's side of it: cgroup, private /dev, watches
 *                  (container.h)
 *   capabilities.c linux/capabilities and linux/nnp: a task's capability sets
 *                  and no_new_privs (capabilities.h)
 *   cgroups.c      cgroup v1/v2 detection and operations (cgroups.h)
 *   gpu.c          NVIDIA GPUs through NVML (gpu.h)
 *   monitor.c      /monitor/statistics and per-task usage
 *   gc.c           finished sandboxes removed --gc_delay later, sooner when the
 *                  disk fills (gc.h, docs/sandbox-gc.md)
 * tasks.h declares the task types (struct atask); TaskState is core/mesos.h.
 */
#ifndef AGORA_AGENT_AGENT_H
#define AGORA_AGENT_AGENT_H

#include <event2/event.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent/capabilities.h"
#include "agent/cgroups.h"
#include "agent/gpu.h"
#include "agent/isolation.h"
#include "core/credentials.h"
#include "core/flags.h"
#include "core/http.h"
#include "core/map.h"
#include "core/recordio.h"
#include "core/resources.h"

struct atask;
struct gc;
struct agent;
struct sup_datagram;

/* A datagram from a process of the agent's uid (launcher.c). */
typedef void launcher_notify_fn(struct agent *a, pid_t sender, const struct sup_datagram *d);
/* The spawner's answer to a launch: the supervisor's pid and pidfd, or pid < 0 and why. */
typedef void spawner_done_fn(struct atask *t, pid_t pid, int pidfd, const char *why);

struct agent_flags {
	char *master;
	char *ip;
	int64_t port;
	char *advertise_ip;
	char *hostname;
	bool hostname_lookup;
	char *work_dir;
	char *resources;
	char *attributes;
	char *credential;
	char *http_credentials;
	bool authenticate_http_readonly;
	bool authenticate_http_readwrite;
	char *isolation;
	char *containerizers;
	char *image_providers;
	char *executor_environment_variables;
	char *nvidia_gpu_devices;
	bool switch_user;
	double registration_backoff_factor;
	double executor_shutdown_grace_period;
	char *recover;
	bool strict;
	char *launcher_dir;
	char *logging_level;
	char *log_dir;
	char *default_role;
	char *cgroups_root;
	char *cgroups_hierarchy;
	bool cgroups_enable_cfs;
	bool enforce_container_disk_quota;
	double disk_watch_interval;
	double recovery_timeout;
	double executor_registration_timeout;
	char *reconfiguration_policy;
	char *docker_store_dir;
	char *sandbox_directory;
	double gc_delay;
	double gc_disk_headroom;
	char *fetcher_cache_dir;
	uint64_t fetcher_max_size;
	char *effective_capabilities;
	char *bounding_capabilities;
	uint64_t max_body;
};

enum link_state {
	LINK_IDLE = 0,	  /* nothing in flight; a retry is scheduled */
	LINK_CHALLENGE,	  /* asked the master for a nonce */
	LINK_SUBSCRIBING, /* subscribe sent, waiting for SUBSCRIBED */
	LINK_CONNECTED,	  /* SUBSCRIBED received, stream open */
};

struct agent {
	struct event_base *base;
	struct agent_flags flags;
	struct http_server *http;
	double start_time;

	char master_host[256];
	uint16_t master_port;
	struct credential credential;
	bool have_credential;
	struct credentials http_credentials;
	bool have_http_credentials;
	char auth_warning[512]; /* "" unless some HTTP authentication is off */

	char id[128]; /* empty until first registration */
	char hostname[256];
	char advertised_ip[64];
	uint16_t port;
	struct resources resources;
	json_t *attributes; /* Mesos Attribute array */

	/* master link */
	enum link_state link;
	struct http_client *ctl;    /* calls: challenge, pings */
	/*
	 * Status updates spread over a few connections of their own: one
	 * keep-alive connection carries one request at a time, and updates of
	 * different tasks are independent (one task has one update in flight).
	 */
	struct http_client *updates[4];
	unsigned update_next;
	json_t *sync_batch;	/* [[framework id, task id]] awaiting the group sync (status_updates.c) */
	bool sync_scheduled;
	struct http_client *stream; /* the subscribe stream, own connection */
	struct recordio_reader rio;
	char session[65];
	char master_id[64];
	double ping_interval;
	double heartbeat_interval;
	double last_event; /* monotonic */
	double backoff;	   /* current back-off ceiling, seconds */
	int stream_status;
	char stream_error[512];
	struct event *ping_timer, *retry_timer;
	bool registered_once;

	struct event *sigint, *sigterm;

	/* tasks (tasks.h) */
	json_t *executor_env;	   /* --executor_environment_variables, parsed */
	struct map tasks;	   /* "<framework_id>/<task_id>" -> struct atask */
	struct map frameworks;	   /* framework id -> struct agent_framework */
	struct map supervisors;	   /* supervisor pid (decimal) -> struct atask */
	int notify_fd;		   /* datagrams from supervisors; -1 when closed */
	char notify_name[108];	   /* its abstract socket name (leading NUL) */
	unsigned notify_name_len;  /* bytes of notify_name in the address */
	struct event *notify_event;
	launcher_notify_fn *notify_cb;
	struct event *sigchld;

	/* isolation (containerizer.c) */
	struct isolation iso;
	struct caps_agent caps; /* linux/capabilities, linux/nnp and their flags */
	struct cg_system cg;	/* valid when cg_on; the spawner inherits it */
	bool cg_on;		/* a cgroups isolator is on: every task gets a cgroup */
	bool private_dev;	/* tasks get a private /dev (v2 devices isolation, or forced) */
	struct gpu_set gpus;	/* NVML discovery (detect.c) and allocation */

	/* spawner (spawner.c) */
	pid_t spawner_pid;
	struct bufferevent *spawn_out; /* requests (stream) */
	int spawn_reply_fd;	       /* replies (seqpacket, with pidfds); -1 when closed */
	struct event *spawn_in;
	uint64_t spawn_seq;			  /* last request number */
	struct atask *spawn_head, *spawn_tail; /* launches awaiting their reply, in order */
	spawner_done_fn *spawn_done;	       /* who hears the replies (tasks.c) */

	struct gc *gc; /* finished sandboxes waiting for removal (gc.c) */
};

extern const struct flag_def agent_flag_defs[];
extern const size_t agent_flag_count;

/* detect.c: fills a->resources from detection + --resources; err names the flag. */
int detect_resources(struct agent *a, char *err, size_t errlen);

/* checkpoint.c */
int checkpoint_load_id(struct agent *a, struct resources *previous);
int checkpoint_save_agent(struct agent *a);

/* master_link.c */
int link_parse_master(struct agent *a, char *err, size_t errlen);
void link_init_timers(struct agent *a);
void link_start(struct agent *a);
void link_stop(struct agent *a);
const char *link_state_name(enum link_state s);

/* master_link.c: fire-and-forget UPDATE call (status_updates.c retries). */
void link_send_update(struct agent *a, const char *framework_id, const json_t *status);

/* launcher.c: parses --executor_environment_variables into a->executor_env. */
int launcher_parse_env_flag(struct agent *a, char *err, size_t errlen);

/* http_api.c */
int agent_http_start(struct agent *a, char *err, size_t errlen);

int agent_main(int argc, char **argv);

#endif
