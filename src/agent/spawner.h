/*
 * spawner — a small process, forked by the agent at start-up, that forks
 * the tasks' supervisors and does the file work of a launch, so the agent's
 * event loop never forks (see spawner.c for why and how).
 */
#ifndef AGORA_AGENT_SPAWNER_H
#define AGORA_AGENT_SPAWNER_H

#include <stddef.h>
#include <stdint.h>

#include "agent/agent.h"

struct agent;
struct atask;

#define SPAWNER_FRAME_MAX (64u << 20) /* one request */
#define SPAWNER_MSG_MAX 240	       /* a failure text in a reply */

/* Forks the spawner and watches its replies, which go to done; err names the reason. */
int spawner_start(struct agent *a, spawner_done_fn *done, char *err, size_t errlen);
/* Closes the channel (the spawner then exits); pending launches stay pending. */
void spawner_stop(struct agent *a);

/*
 * Asks the spawner to write <t->task_meta>/task.info = info_text (which
 * holds the "launch" spec) and fork t's supervisor. Never blocks. The
 * answer arrives through the done function of spawner_start(), in request order; a spawner
 * that dies fails every pending launch.
 */
void spawner_launch(struct agent *a, struct atask *t, const char *info_text);

/* Asks the spawner to remove a run's checkpoint and the then-empty directories above. */
void spawner_remove(struct agent *a, const char *run_meta);

/* remove_tree(run_meta) and rmdir of up to three emptied parents (both processes use it). */
void spawner_remove_run(const char *run_meta);

#endif
