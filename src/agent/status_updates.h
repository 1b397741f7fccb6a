/*
 * status_updates — the agent's status update manager: per task a FIFO of
 * TaskStatus updates, persisted in task.updates, delivered to the master
 * at least once and in order (see status_updates.c for the invariants).
 */
#ifndef AGORA_AGENT_STATUS_UPDATES_H
#define AGORA_AGENT_STATUS_UPDATES_H

#include <jansson.h>
#include <stddef.h>

#include "agent/tasks.h"

#define STATUS_RETRY_MIN 10.0  /* first resend of an unacknowledged head, seconds */
#define STATUS_RETRY_MAX 600.0 /* the resend interval doubles up to this */
#define STATUS_LINE_MAX (1u << 20)

/* The TaskStatus JSON for an outcome of t, with a fresh uuid (new reference). */
json_t *status_make(const struct atask *t, const struct task_outcome *o);

/*
 * Appends the update for o to t's queue and to task.updates; sends it now
 * when it is the head. Returns 0, or -errno when it could not be persisted
 * (the update is still queued and sent: delivery beats durability).
 */
int status_enqueue(struct atask *t, const struct task_outcome *o);

/*
 * The framework acknowledged uuid. Pops the head when it matches, records
 * the ack and sends the next update. Returns 1 when the popped update was
 * the terminal one (the task is complete), 0 when another was popped,
 * -ENOENT when uuid is not the head's (a duplicate or stale ack).
 */
int status_acknowledge(struct atask *t, const char *uuid);

/* Sends the head now (after a (re-)subscription) and restarts its back-off. */
void status_resend(struct atask *t);

/*
 * Rebuilds t's queue, its /state history and t->state from task.updates
 * (recovery). A torn last line (a crash mid-append) is cut off. Returns 0,
 * or -errno with err naming the file and line.
 */
int status_replay(struct atask *t, char *err, size_t errlen);

/*
 * Replays the text of a task.updates file into t (no I/O). *valid_len is
 * how many leading bytes were whole lines. Exposed for the unit tests.
 */
int status_replay_text(struct atask *t, const char *text, size_t len, size_t *valid_len,
		       char *err, size_t errlen);

/* Drops t's queue and timer (t is being freed). */
void status_clear(struct atask *t);

#endif
