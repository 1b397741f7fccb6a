/*
 * launcher — the agent-process half of launching a task: what the task
 * runs with (environment, argv, the checks of what this agent can run),
 * the supervisor channel's receiving end, re-attaching to a supervisor
 * after a restart, and what a supervisor's exit_status means as a
 * TaskStatus. docs/process-model.md draws the processes;
 * supervisor_proto.h is the contract with the supervisor.
 */
#ifndef AGORA_AGENT_LAUNCHER_H
#define AGORA_AGENT_LAUNCHER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/supervisor_proto.h"
#include "agent/tasks.h"

#define LAUNCHER_MAX_ENV 4096
#define LAUNCHER_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ---- launcher.c (agent process) ---- */

/*
 * Binds the supervisor channel and watches it: cb gets each datagram whose
 * sender the kernel vouches for (SCM_CREDENTIALS: the agent's uid); it
 * decides whether that pid is a supervisor of its own. err names the
 * reason of a failure.
 */
int launcher_notify_open(struct agent *a, launcher_notify_fn *cb, char *err, size_t errlen);
void launcher_notify_close(struct agent *a);

/*
 * The task's environment: executor_env (the flag's object, may be NULL;
 * PATH defaults to LAUNCHER_DEFAULT_PATH), then mesos_vars ("K=V",
 * NULL-terminated), then spec's command.environment.variables (spec may
 * be NULL), later names replacing earlier ones. Returns a malloc'd
 * NULL-terminated vector (launcher_strv_free), or NULL with err filled.
 */
char **launcher_build_env(const json_t *executor_env, const char *const *mesos_vars,
			  const struct task_spec *spec, char *err, size_t errlen);
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

/*
 * The terminal update for an exit report. killed: a kill was requested;
 * kill_why, when not NULL, replaces the default TASK_KILLED.
 */
void launcher_exit_outcome(const struct exit_report *e, bool killed,
			   const struct task_outcome *kill_why, struct task_outcome *out);

#endif
