/*
 * tasks — the agent's running tasks: what one task is, its state machine,
 * and the functions tasks.c, task_recovery.c, status_updates.c and
 * launcher.c share. Everything here lives on the agent's event loop.
 *
 * A task here is always a Mesos "command task": executor_id = task_id, one
 * container (random UUID) per launch, one supervisor process per container
 * (launcher.h). Its state machine is the TaskState of the last update it
 * produced:
 *
 *   STAGING ──▶ STARTING ──▶ RUNNING ──▶ FINISHED | FAILED | KILLED
 *      │            │                          ▲
 *      └────────────┴──── FAILED | KILLED | LOST┘  (launch refused, kill, lost)
 *
 * STAGING: accepted, asked the spawner (t->spawning) or refused;
 * STARTING: its supervisor exists; RUNNING: its command was exec'd.
 *
 * Every change goes through atask_set_state(), which checks the transition
 * and queues the matching status update (status_updates.h). A task stays
 * in a->tasks until the framework acknowledged its terminal update; then
 * its checkpoint is removed and a summary moves to its framework's
 * bounded completed list (for /state).
 *
 * Prefixes: atask_ (one task), atasks_ (the table); the master's own
 * tasks.c has task_/tasks_ and both live in one binary.
 */
#ifndef AGORA_AGENT_TASKS_H
#define AGORA_AGENT_TASKS_H

#include <event2/event.h>
#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "core/ids.h"
#include "core/mesos.h"
#include "core/task_spec.h"

struct agent;
struct mevent_launch;
struct mevent_kill;
struct mevent_acknowledge;


enum status_source { SOURCE_AGENT = 0, SOURCE_EXECUTOR };

/* One status to report: what atask_set_state() turns into a TaskStatus. */
struct task_outcome {
	enum mesos_task_state state;
	enum status_source source;
	const char *reason; /* "REASON_..." (static string) or NULL */
	char message[512];
	const char *limit_resource; /* "mem"/"disk" (static) for a TaskResourceLimitation, or NULL */
	double limit_mb;	    /* its limit, MB */
};

struct task_update {
	struct task_update *next;
	json_t *status; /* TaskStatus, owned */
	char uuid[32];	/* base64 of 16 random bytes */
	enum mesos_task_state state; /* status's */
	double timestamp;	     /* status's */
	bool terminal;
};

#define TASK_KEY_MAX 520 /* "<framework_id>/<task_id>": ids have no '/' */

struct atask {
	struct agent *agent;
	char key[TASK_KEY_MAX];
	char *framework_id, *task_id, *executor_id; /* owned */
	char container_id[UUID_STR_LEN];
	char *sandbox;	 /* <work_dir>/slaves/<aid>/frameworks/<fid>/executors/<eid>/runs/<cid> */
	char *run_meta;	 /* the same under <work_dir>/meta: pids/, exit_status */
	char *task_meta; /* run_meta/tasks/<tid>: task.info, task.updates */
	struct task_spec spec;	/* the TaskInfo as received in LAUNCH, parsed (spec.json) */
	char *spec_error;	/* why spec did not parse (the task is refused), or NULL; owned */
	json_t *framework_info; /* as received in LAUNCH, owned */
	char *user;		/* the user the command runs as (the master's, in LAUNCH) */
	enum mesos_task_state state;
	json_t *statuses;	   /* [{state, timestamp}] for /state, bounded */
	json_t *resources_summary; /* res_to_summary of the task's resources */

	/* supervisor (launcher.c, spawner.c) */
	bool spawning;		  /* asked the spawner; its reply has not come */
	struct atask *spawn_next;  /* in a->spawn_head's list */
	uint64_t spawn_seq;
	pid_t sup_pid;
	unsigned long long sup_start; /* /proc/<pid>/stat field 22: defeats pid reuse */
	int pidfd;		      /* -1 when not watched */
	struct event *sup_event;
	pid_t task_pid; /* 0 until the command was exec'd */
	bool sup_alive;

	/* isolation (containerizer.c) */
	double cpus_limit;	     /* from its resources; 0 = none */
	uint64_t mem_limit_bytes;    /* 0 = none */
	uint64_t disk_limit_bytes;   /* 0 = none */
	unsigned *gpus;		     /* NVML indices it holds, owned; NULL when none */
	size_t ngpus;
	bool has_cgroup;	     /* its cgroup is named container_id */
	bool disk_measured;	     /* disk_used_bytes holds a report */
	uint64_t disk_used_bytes;    /* the supervisor's last sandbox measurement */

	/* kill */
	bool kill_requested;
	struct task_outcome kill_outcome; /* reported when the kill ends it, when kill_outcome_set */
	bool kill_outcome_set;
	double kill_grace;		  /* seconds between SIGTERM and SIGKILL */
	struct event *kill_timer;

	/* status updates (status_updates.c) */
	struct task_update *head, *tail;
	size_t queued;
	struct event *retry_timer;
	double retry_interval;
	bool unsynced;	   /* task.updates has appends not yet fdatasync'd */
	bool updates_made; /* task.updates exists (its directory entry was synced) */
};

/* A framework the agent has run tasks of. */
struct agent_framework {
	char *id;
	json_t *info;		     /* latest FrameworkInfo, owned */
	size_t active;		     /* tasks in a->tasks */
	json_t *completed_executors; /* /state executor objects, oldest first, bounded */
	double idle_since;	     /* wall clock when active dropped to 0 */
};

#define TASKS_MAX_COMPLETED_PER_FRAMEWORK 150
#define TASKS_MAX_COMPLETED_FRAMEWORKS 50
#define TASK_INFO_MAX (16u << 20)    /* bound of a task.info file */
#define TASK_UPDATES_MAX (4u << 20)  /* bound of a task.updates file */
#define TASK_MAX_STATUSES 32	     /* history kept per task for /state */

/* ---- tasks.c ---- */
/* Sets up the task table, the SIGCHLD reaper and the supervisor channel. */
int atasks_init(struct agent *a, char *err, size_t errlen);
/* Frees every task record (the tasks themselves keep running). */
void atasks_free(struct agent *a);

/* Master events (master_events.h). */
void atasks_launch(struct agent *a, const struct mevent_launch *ev);
void atasks_kill(struct agent *a, const struct mevent_kill *ev);
void atasks_acknowledge(struct agent *a, const struct mevent_acknowledge *ev);
void atasks_shutdown_framework(struct agent *a, const char *framework_id);
/* After SUBSCRIBED: resend the head update of every task. */
void atasks_on_subscribed(struct agent *a);
/* The "tasks" array of the subscribe body (new reference). */
json_t *atasks_subscribe_json(struct agent *a);
/* /state "frameworks" (completed=false) or "completed_frameworks" (new reference). */
json_t *atasks_state_json(struct agent *a, bool completed);
/* Live tasks, for metrics. */
size_t atasks_count(const struct agent *a);

/*
 * Decides whether this agent can run t at all. Returns 0, or 1 with o
 * filled with the TASK_FAILED to report: a TaskInfo that did not parse
 * (core/task_spec.h), what task_spec_unsupported() names, no user.
 */
int atask_check(const struct atask *t, struct task_outcome *o);
/* Fills o as an agent-made TASK_FAILED with reason and message; returns 1. */
int atask_refuse(struct task_outcome *o, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * The one place a task changes state: checks the transition, records it
 * and queues the status update. -EINVAL (nothing changes) when the
 * transition is not allowed.
 */
int atask_set_state(struct atask *t, const struct task_outcome *o);
/* Allocates a task record for fid/tid (not inserted). */
struct atask *atask_alloc(struct agent *a, const char *framework_id, const char *task_id);
/*
 * Parses task_info into t->spec (t->spec_error says why when it does not)
 * and fills t->user (user, the master's resolution in LAUNCH; NULL: the
 * same rule applied here to t->framework_info), resources_summary and
 * kill_grace.
 */
void atask_describe(struct atask *t, const json_t *task_info, const char *user);
/* Inserts t into the table and its framework (creating it from info). */
void atask_insert(struct atask *t);
void atask_free(struct atask *t);
/* Watches t->pidfd; the supervisor's exit leads to the terminal update. */
void atask_watch_supervisor(struct atask *t);
/*
 * The spawner answered a launch: pidfd/pid of the supervisor, or pid < 0
 * with why. Takes the pidfd.
 */
void atask_on_spawned(struct atask *t, pid_t pid, int pidfd, const char *why);
/* The supervisor reported that the command was exec'd (pid = the task). */
void atask_on_started(struct atask *t, pid_t task_pid);
/* The supervisor is gone: turns its exit_status into the terminal update. */
void atask_on_supervisor_exit(struct atask *t);
/* Sends SIGTERM (through the supervisor) and arms the SIGKILL timer. */
void atask_kill(struct atask *t, double grace, const struct task_outcome *why);
/* Called when the terminal update was acknowledged; frees t. */
void atask_complete(struct atask *t);
/* Mesos' command executor name of t ("Command Executor (Task: ...) (Command: ...)"). */
void atask_executor_name(const struct atask *t, char *buf, size_t size);
/* Finds a live task by framework and task id. */
struct atask *atasks_find(struct agent *a, const char *framework_id, const char *task_id);
struct atask *atasks_find_by_supervisor(struct agent *a, pid_t sup_pid);

/* ---- task_recovery.c ---- */
/*
 * Scans <work_dir>/meta/slaves/<a->id> and re-adopts every checkpointed
 * task (see the file's comment). Runs once at start-up, before the master
 * link starts. Returns the number of tasks recovered, or -errno when
 * --strict and a checkpoint is unreadable.
 */
int atasks_recover(struct agent *a, char *err, size_t errlen);

#endif
