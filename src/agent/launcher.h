/*
 * launcher — starting a task's supervisor and talking to it.
 *
 *   agora agent (event loop)                      launcher.c, tasks.c
 *     └─ spawner (forked at start-up, stays small)  spawner.c
 *          └─ fork ─▶ supervisor (setsid, tiny)     supervisor.c
 *                       └─ fork ─▶ task (own process group, its user, exec)
 *
 * The agent learns about a supervisor three ways, all of which survive an
 * agent restart:
 *   - its pidfd (pidfd_open) turns readable when it exits;
 *   - a datagram on the agent's abstract unix socket, sent when the command
 *     was exec'd (the agent checks the sender's pid and uid with
 *     SCM_CREDENTIALS; the socket name is derived from --work_dir, so a
 *     restarted agent gets the same one);
 *   - files under <run_meta>: pids/forked.pid "<supervisor pid> <start
 *     time>" (written by the supervisor first thing), pids/task.pid "<pid>" (by the
 *     supervisor once the command was exec'd) and exit_status (by the
 *     supervisor as it ends): {"status": <wait status>, "pid": P,
 *     "started": true, "limitation"?: {"resource": "mem"|"disk", "message",
 *     "limit_mb"}} or {"error": "<why the launch failed>", "pid": P,
 *     "started": false}.
 * The agent signals the supervisor, never the task: SIGTERM asks it to
 * SIGTERM the task's process group, SUPERVISOR_SIG_KILL to SIGKILL it.
 * Signals go through the pidfd (pidfd_send_signal), so a reused pid is
 * never hit.
 */
#ifndef AGORA_AGENT_LAUNCHER_H
#define AGORA_AGENT_LAUNCHER_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/tasks.h"

struct cg_system;

#define SUPERVISOR_SIG_KILL SIGUSR1
#define SUPERVISOR_MSG_MAGIC 0x61677231u /* "agr1" */
#define LAUNCHER_MAX_ENV 4096
#define LAUNCHER_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* What the supervisor sends when the command was exec'd. */
struct supervisor_msg {
	unsigned magic;
	int task_pid;
};

/* What the supervisor sends after each sandbox measurement (containerizer.h). */
#define SUPERVISOR_USAGE_MAGIC 0x61677532u /* "agu2" */
struct supervisor_usage {
	unsigned magic;
	unsigned pad;
	uint64_t disk_used_bytes;
};

/* Everything the supervisor and the task need, built by the agent before fork. */
struct launch_spec {
	const char *sandbox;
	const char *run_meta;
	const char *user;     /* switch to this user; NULL = run as the agent's user */
	const char *hostname; /* for messages */
	const char *exec_file; /* "/bin/sh", or CommandInfo.value when shell is false */
	bool path_search;      /* execvp(exec_file) rather than execv */
	char **argv, **envp;   /* NULL-terminated */
	const json_t *uris;    /* CommandInfo.uris, or NULL */
	const char *notify_name; /* the agent's abstract socket name, without the leading NUL */
	unsigned notify_len;
	const json_t *container;       /* the "container" object (containerizer.h), or NULL */
	const struct cg_system *cg;    /* the agent's cgroups (inherited memory), or NULL */
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

/* ---- launcher.c (agent process) ---- */

/* Binds the supervisor channel and watches it; err names the reason. */
int launcher_notify_open(struct agent *a, char *err, size_t errlen);
void launcher_notify_close(struct agent *a);

/*
 * Decides whether this agent can run t at all. Returns 0, or 1 with o
 * filled with the TASK_FAILED to report (custom executor, container
 * image, secret environment variable, no user, no command).
 */
int launcher_check(const struct agent *a, const struct atask *t, struct task_outcome *o);

/*
 * The task's environment: executor_env (the flag's object, may be NULL;
 * PATH defaults to LAUNCHER_DEFAULT_PATH), then mesos_vars ("K=V",
 * NULL-terminated), then command.environment.variables, later names
 * replacing earlier ones. Returns a malloc'd NULL-terminated vector
 * (launcher_strv_free), or NULL with err filled.
 */
char **launcher_build_env(const json_t *executor_env, const char *const *mesos_vars,
			  const json_t *command, char *err, size_t errlen);
void launcher_strv_free(char **v);

/*
 * The "launch" object of task.info: everything the supervisor needs to
 * start t's command ({user|null, hostname, exec_file, path_search, argv[],
 * env[] ("K=V"), uris[]?, notify}). NULL with err filled when the
 * environment cannot be built. New reference.
 */
json_t *launcher_spec_json(struct agent *a, const struct atask *t, char *err, size_t errlen);

/* Signals t's supervisor through its pidfd: SIGTERM or SUPERVISOR_SIG_KILL. */
int launcher_signal(struct atask *t, int sig);

/*
 * Re-attaches to a checkpointed supervisor: true when pids/forked.pid names
 * a live process with the recorded start time (t->pidfd, sup_pid and
 * sup_start set), false otherwise.
 */
bool launcher_reattach(struct atask *t);
/* pids/task.pid, or 0. */
pid_t launcher_read_task_pid(const struct atask *t);
/* The process's start time (clock ticks after boot), or 0. */
unsigned long long launcher_proc_start_time(pid_t pid);

/* Reads <run_meta>/exit_status; out->have is false when absent or unreadable. */
void launcher_read_exit(const char *run_meta, struct exit_report *out);
/* Parses exit_status text (bounded, strict); -EINVAL when malformed. */
int launcher_parse_exit(const char *text, size_t len, struct exit_report *out);
/*
 * The terminal update for an exit report. killed: a kill was requested;
 * kill_why, when not NULL, replaces the default TASK_KILLED.
 */
void launcher_exit_outcome(const struct exit_report *e, bool killed,
			   const struct task_outcome *kill_why, struct task_outcome *out);

/* Writes path via temp + rename; durable adds fsyncs of file and directory. */
int launcher_write_file(const char *path, const char *text, bool durable);

/* ---- supervisor.c (supervisor and task processes; never return) ---- */
/*
 * Entered in the spawner's child: info is the parsed task.info, cg the
 * agent's cgroups (NULL when off). Creates the sandbox (and runs/latest),
 * pids/forked.pid, then supervises.
 */
void supervisor_run(json_t *info, const struct cg_system *cg) __attribute__((noreturn));
void supervisor_main(const struct launch_spec *spec) __attribute__((noreturn));

#endif
