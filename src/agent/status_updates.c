/*
 * agent/status_updates — the status update manager, agent side of
 * "status updates are delivered at least once, in order per task, until
 * acknowledged", the guarantee Mesos gives frameworks, kept here across
 * agent restarts. Runs on the agent's event loop.
 *
 * Owns, per task: the queue t->head..t->tail, t->retry_timer and the file
 * <task_meta>/task.updates, an append-only list of JSON lines:
 *
 *   {"status": TaskStatus}     an update, appended when it is queued
 *   {"ack": "<uuid>"}          the head with that uuid was acknowledged
 *
 * Invariants:
 *  1. Only the head of a queue is ever sent; the next one goes out when an
 *     ACKNOWLEDGE for the head's uuid arrives.
 *  2. An update is on disk before it is first sent. Appends are not synced
 *     one by one: the heads that become sendable in a loop turn wait for
 *     one syncfs() at the end of the turn (group commit), which covers every
 *     earlier append and new files' directory entries, and are sent then.
 *  3. The head is resent STATUS_RETRY_MIN seconds after it was sent, the
 *     interval doubling up to STATUS_RETRY_MAX, and at once whenever the
 *     agent (re-)subscribes. One timer per task.
 *  4. Replaying task.updates yields the queue the agent had: statuses in
 *     order, minus the prefix that acks popped. A torn last line (the agent
 *     died mid-append) is cut off; it was never sent (invariant 2).
 *  5. A failed append is rolled back with ftruncate, so the file never has
 *     a torn line in the middle.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/status_updates.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"

static const char *source_name(enum status_source s)
{
	return s == SOURCE_AGENT ? "SOURCE_AGENT" : "SOURCE_EXECUTOR";
}

json_t *status_make(const struct atask *t, const struct task_outcome *o)
{
	uint8_t raw[16];
	char *uuid;
	json_t *st, *cs;

	if (random_bytes(raw, sizeof(raw)) < 0)
		uuid_random(raw, NULL);
	uuid = base64_encode(raw, sizeof(raw));
	cs = json_pack("{s:{s:s}}", "container_id", "value", t->container_id);
	if (t->sup_pid > 0)
		json_object_set_new(cs, "executor_pid", json_integer(t->sup_pid));
	st = json_pack("{s:{s:s}, s:s, s:s, s:{s:s}, s:{s:s}, s:f, s:s, s:o}", "task_id", "value",
		       t->task_id, "state", mesos_task_state_name(o->state), "source",
		       source_name(o->source), "agent_id", "value", t->agent->id, "executor_id",
		       "value", t->executor_id, "timestamp", now_wall(), "uuid", uuid,
		       "container_status", cs);
	free(uuid);
	if (o->message[0])
		json_object_set_new(st, "message", json_string(o->message));
	if (o->reason)
		json_object_set_new(st, "reason", json_string(o->reason));
	if (o->limit_resource)
		json_object_set_new(st, "limitation",
				    json_pack("{s:[{s:s, s:s, s:{s:f}}]}", "resources", "name",
					      o->limit_resource, "type", "SCALAR", "scalar",
					      "value", o->limit_mb));
	return st;
}

static void history_add(struct atask *t, const struct task_update *u)
{
	json_t *entry = json_pack("{s:s, s:f}", "state", mesos_task_state_name(u->state),
				  "timestamp", u->timestamp);
	if (!entry)
		return;
	if (json_array_size(t->statuses) >= TASK_MAX_STATUSES)
		json_array_remove(t->statuses, 1); /* keep the first; drop the oldest after it */
	json_array_append_new(t->statuses, entry);
}

static int updates_path(const struct atask *t, char *buf, size_t size)
{
	return str_printf(buf, size, "%s/task.updates", t->task_meta);
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0;
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* Appends one line to task.updates; with sync, fdatasync covers every earlier append. */
static int append_record(struct atask *t, const char *line, size_t len, bool sync)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, r;

	if (updates_path(t, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = fstat(fd, &st) < 0 ? -errno : 0;
	if (!r && st.st_size + (off_t)len > (off_t)TASK_UPDATES_MAX)
		r = -EFBIG;
	if (!r)
		r = fd_write_all(fd, line, len);
	if (r < 0 && r != -EFBIG && ftruncate(fd, st.st_size) < 0)
		log_warn("agent: task %s: cannot roll back a failed append to %s", t->task_id, path);
	if (!r && sync && fdatasync(fd) < 0)
		r = -errno;
	close(fd);
	if (r < 0)
		return r;
	t->unsynced = !sync;
	if (sync && !t->updates_made) {
		/* The file is new: make its directory entry durable too. */
		r = sync_dir(t->task_meta);
		t->updates_made = r == 0;
	}
	return r;
}

static void arm_retry(struct atask *t)
{
	struct timeval tv;
	tv.tv_sec = (time_t)t->retry_interval;
	tv.tv_usec = (suseconds_t)((t->retry_interval - (double)tv.tv_sec) * 1e6);
	event_add(t->retry_timer, &tv);
}

static void send_now(struct atask *t)
{
	struct agent *a = t->agent;
	if (a->link == LINK_CONNECTED)
		link_send_update(a, t->framework_id, t->head->status);
	arm_retry(t);
}

/*
 * Group commit: the updates that become sendable in one loop turn are made
 * durable together by one syncfs() of the work_dir's filesystem at the end
 * of the turn (it also covers the directory entries of new task.updates
 * files), instead of an fdatasync() per task file; then they are sent.
 */
static void flush_syncs(evutil_socket_t fd, short what, void *arg)
{
	struct agent *a = arg;
	json_t *batch = a->sync_batch, *item;
	size_t i;
	int dirfd;
	(void)fd;
	(void)what;

	a->sync_batch = NULL;
	a->sync_scheduled = false;
	if (!batch)
		return;
	dirfd = open(a->flags.work_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 || syncfs(dirfd) < 0)
		log_warn("agent: cannot sync %s; sending status updates anyway", a->flags.work_dir);
	if (dirfd >= 0)
		close(dirfd);
	json_array_foreach(batch, i, item) {
		struct atask *t = atasks_find(a, json_string_value(json_array_get(item, 0)),
					     json_string_value(json_array_get(item, 1)));
		if (!t || !t->head)
			continue;
		t->unsynced = false;
		t->updates_made = true;
		send_now(t);
	}
	json_decref(batch);
}

static void send_head(struct atask *t)
{
	struct agent *a = t->agent;
	struct timeval zero = { 0, 0 };

	if (!t->head)
		return;
	if (!t->unsynced && t->updates_made) {
		send_now(t);
		return;
	}
	if (!a->sync_batch)
		a->sync_batch = json_array();
	json_array_append_new(a->sync_batch, json_pack("[s,s]", t->framework_id, t->task_id));
	if (!a->sync_scheduled) {
		a->sync_scheduled = true;
		if (event_base_once(a->base, -1, EV_TIMEOUT, flush_syncs, a, &zero) < 0)
			flush_syncs(-1, 0, a);
	}
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct atask *t = arg;
	(void)fd;
	(void)what;
	if (!t->head)
		return;
	if (t->agent->link == LINK_CONNECTED)
		log_info("agent: resending unacknowledged %s of task %s of framework %s",
			 mesos_task_state_name(t->head->state), t->task_id,
			 t->framework_id);
	t->retry_interval *= 2;
	if (t->retry_interval > STATUS_RETRY_MAX)
		t->retry_interval = STATUS_RETRY_MAX;
	send_head(t);
}

/* An update of a TaskStatus (stolen) the agent made, or read back from task.updates. */
static struct task_update *update_new(json_t *status, const struct mesos_task_status *st)
{
	struct task_update *u = xcalloc(1, sizeof(*u));

	u->status = status;
	str_copy(u->uuid, st->uuid ? st->uuid : "", sizeof(u->uuid));
	u->state = st->state;
	u->timestamp = st->timestamp;
	u->terminal = mesos_task_state_terminal(st->state);
	return u;
}

static void queue_push(struct atask *t, struct task_update *u)
{
	if (!t->retry_timer) {
		t->retry_timer = evtimer_new(t->agent->base, on_retry, t);
		t->retry_interval = STATUS_RETRY_MIN;
	}
	if (t->tail)
		t->tail->next = u;
	else
		t->head = u;
	t->tail = u;
	t->queued++;
	history_add(t, u);
}

static struct task_update *queue_pop(struct atask *t)
{
	struct task_update *u = t->head;
	if (!u)
		return NULL;
	t->head = u->next;
	if (!t->head)
		t->tail = NULL;
	t->queued--;
	return u;
}

static void update_free(struct task_update *u)
{
	if (!u)
		return;
	json_decref(u->status);
	free(u);
}

int status_enqueue(struct atask *t, const struct task_outcome *o)
{
	json_t *status = status_make(t, o), *rec;
	struct mesos_task_status st;
	struct task_update *u;
	struct jerr jerr;

	if (mesos_task_status_parse(status, &st, &jerr) < 0) /* its own making: never */
		log_error("agent: task %s: a status update of its own is malformed: %s",
			  t->task_id, jerr.msg);
	u = update_new(status, &st);
	rec = json_pack("{s:O}", "status", u->status);
	char *line = json_compact(rec);
	size_t len = strlen(line);
	bool head = t->head == NULL;
	int r;

	json_decref(rec);
	line = xrealloc(line, len + 2);
	line[len++] = '\n';
	line[len] = '\0';
	r = append_record(t, line, len, false);
	free(line);
	if (r < 0)
		log_error("agent: task %s of framework %s: cannot persist its %s update in %s: "
			  "%s; sending it anyway",
			  t->task_id, t->framework_id, mesos_task_state_name(o->state), t->task_meta,
			  strerror(-r));
	queue_push(t, u);
	if (head)
		send_head(t);
	return r;
}

int status_acknowledge(struct atask *t, const char *uuid)
{
	struct task_update *u;
	char line[128];
	bool terminal;
	int n;

	if (!t->head || strcmp(t->head->uuid, uuid))
		return -ENOENT;
	n = snprintf(line, sizeof(line), "{\"ack\":\"%s\"}\n", t->head->uuid);
	u = queue_pop(t);
	terminal = u->terminal;
	update_free(u);
	if (append_record(t, line, (size_t)n, false) < 0)
		log_warn("agent: task %s: cannot record an acknowledgement in %s", t->task_id,
			 t->task_meta);
	event_del(t->retry_timer);
	t->retry_interval = STATUS_RETRY_MIN;
	if (terminal)
		return 1;
	send_head(t);
	return 0;
}

void status_resend(struct atask *t)
{
	if (!t->head)
		return;
	t->retry_interval = STATUS_RETRY_MIN;
	send_head(t);
}

static int replay_line(struct atask *t, const char *line, size_t len, size_t lineno, char *err,
		       size_t errlen)
{
	struct jerr jerr;
	json_t *rec = json_parse_bounded(line, len, STATUS_LINE_MAX, "record", &jerr);
	json_t *status = jget(rec, "status");
	const char *ack = json_string_value(jget(rec, "ack"));
	struct mesos_task_status st;

	if (!rec)
		return snprintf(err, errlen, "line %zu: %s", lineno, jerr.msg), -EINVAL;
	if (json_is_object(status)) {
		if (mesos_task_status_parse(status, &st, &jerr) < 0 || !st.uuid) {
			json_decref(rec);
			return snprintf(err, errlen, "line %zu: a status without a known state "
						     "and a uuid", lineno),
			       -EINVAL;
		}
		queue_push(t, update_new(json_incref(status), &st));
		t->state = st.state;
	} else if (ack) {
		if (t->head && !strcmp(t->head->uuid, ack))
			update_free(queue_pop(t));
	} else {
		json_decref(rec);
		return snprintf(err, errlen, "line %zu: expected a status or an ack", lineno),
		       -EINVAL;
	}
	json_decref(rec);
	return 0;
}

int status_replay_text(struct atask *t, const char *text, size_t len, size_t *valid_len,
		       char *err, size_t errlen)
{
	size_t off = 0, lineno = 0;

	*valid_len = 0;
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		int r;
		if (!nl)
			break; /* torn last line */
		lineno++;
		r = replay_line(t, text + off, (size_t)(nl - (text + off)), lineno, err, errlen);
		if (r < 0)
			return r;
		off = (size_t)(nl - text) + 1;
		*valid_len = off;
	}
	return 0;
}

int status_replay(struct atask *t, char *err, size_t errlen)
{
	char path[PATH_MAX], why[512];
	char *text = NULL;
	size_t len = 0, valid = 0;
	int r;

	if (updates_path(t, path, sizeof(path)) < 0)
		return snprintf(err, errlen, "%s: path too long", t->task_meta), -ENAMETOOLONG;
	r = file_read_all(path, TASK_UPDATES_MAX, &text, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return snprintf(err, errlen, "%s: %s", path, strerror(-r)), r;
	t->updates_made = true;
	r = status_replay_text(t, text, len, &valid, why, sizeof(why));
	free(text);
	if (r < 0)
		return snprintf(err, errlen, "%s: %s", path, why), r;
	if (valid < len) {
		log_warnx("agent: %s: cutting off a torn last line (%zu bytes) left by a crash",
			  path, len - valid);
		if (truncate(path, (off_t)valid) < 0)
			log_warn("agent: cannot truncate %s", path);
	}
	return 0;
}

void status_clear(struct atask *t)
{
	while (t->head)
		update_free(queue_pop(t));
	if (t->retry_timer) {
		event_free(t->retry_timer);
		t->retry_timer = NULL;
	}
}
