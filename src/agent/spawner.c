/*
 * agent/spawner — the process that forks the tasks' supervisors.
 *
 * Why: fork() costs in proportion to the parent's mapped memory, and the
 * agent's grows with its tasks (at 1,000 tasks it copies tens of MB of page
 * tables per fork, then takes copy-on-write faults on its own heap). The
 * spawner is forked once at start-up, before the agent holds any task, so
 * it stays a few MB; its forks (and the supervisors' forks of the tasks)
 * stay cheap. It also does the launch's file work (mkdir of the
 * checkpoint, task.info) and the removal of completed checkpoints, so
 * neither runs on the agent's event loop. There is no exec of a helper
 * binary: the spawner is the agent's own code.
 *
 * Channels (both socketpairs, close-on-exec):
 *   agent → spawner  SOCK_STREAM, frames {u32 len, u8 op, u64 seq} +
 *                    payload; written through a bufferevent (never blocks)
 *     LAUNCH payload "<task_meta>\0<task.info text>"
 *     REMOVE payload "<run_meta>"
 *   spawner → agent  SOCK_SEQPACKET, one struct spawn_reply per LAUNCH, in
 *                    request order, with the supervisor's pidfd attached
 *                    (SCM_RIGHTS) when it started
 *
 * Invariants:
 *  1. task.info is written before the supervisor is forked (a supervisor
 *     always has a checkpoint a restarted agent can find).
 *  2. The pidfd is opened by the spawner while the supervisor cannot yet
 *     have been reaped (only the spawner reaps its children), so it names
 *     the right process; the agent only ever uses the pidfd.
 *  3. The spawner dies with the agent (parent-death signal; EOF on its
 *     channel); supervisors do not (own sessions). A spawner that dies
 *     under a running agent fails the pending launches and is restarted.
 *  4. The spawner process never logs and never touches libevent state
 *     (its signal dispositions are reset first thing).
 * The spawner's side runs in its own process; spawner_start/stop/launch/
 * remove and the reply handler run on the agent's event loop.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/spawner.h"
#include "agent/supervisor.h"
#include "agent/tasks.h"
#include "core/log.h"
#include "core/util.h"

enum { SPAWN_LAUNCH = 1, SPAWN_REMOVE = 2 };

struct spawn_frame {
	uint32_t len;
	uint8_t op;
	uint8_t pad[3];
	uint64_t seq;
};

struct spawn_reply {
	uint64_t seq;
	int32_t pid; /* > 0: started */
	int32_t err; /* -errno when not */
	char msg[SPAWNER_MSG_MAX];
};

#define REPLY_BATCH 256

void spawner_remove_run(const char *run_meta)
{
	char dir[PATH_MAX];
	char *slash;

	remove_tree(run_meta);
	str_copy(dir, run_meta, sizeof(dir));
	for (int up = 0; up < 3 && (slash = strrchr(dir, '/')); up++) {
		*slash = '\0'; /* runs, <executor_id>, executors */
		if (rmdir(dir) < 0)
			break;
	}
}

/* ---- the spawner process ---- */

static int read_exact(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void send_reply(int fd, uint64_t seq, pid_t pid, int err, const char *msg, int pidfd)
{
	struct spawn_reply r;

	memset(&r, 0, sizeof(r));
	r.seq = seq;
	r.pid = (int32_t)pid;
	r.err = err;
	str_copy(r.msg, msg ? msg : "", sizeof(r.msg));
	fd_send_msg(fd, &r, sizeof(r), pidfd);
}

static void fail_reply(int rep, uint64_t seq, int err, const char *what, const char *path)
{
	char msg[SPAWNER_MSG_MAX];
	snprintf(msg, sizeof(msg), "%s %.160s: %s", what, path, strerror(-err));
	send_reply(rep, seq, -1, err, msg, -1);
}

static void spawn_launch(int req, int rep, uint64_t seq, char *payload, size_t len,
			 const struct cg_system *cg)
{
	size_t meta_len = strnlen(payload, len);
	const char *task_meta = payload, *text = payload + meta_len + 1;
	char path[PATH_MAX];
	json_t *info;
	pid_t pid;
	int r, pidfd;

	if (meta_len == len ||
	    !(info = json_loadb(text, len - meta_len - 1, JSON_REJECT_DUPLICATES, NULL))) {
		send_reply(rep, seq, -1, -EINVAL, "malformed launch request", -1);
		return;
	}
	r = mkdir_p(task_meta, 0700);
	if (r == 0)
		r = str_printf(path, sizeof(path), "%s/task.info", task_meta);
	if (r == 0)
		r = file_replace(path, text, strlen(text), 0600);
	if (r < 0) {
		fail_reply(rep, seq, r, "cannot checkpoint the task in", task_meta);
		json_decref(info);
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(req);
		close(rep);
		supervisor_run(info, cg);
	}
	pidfd = pid > 0 ? pidfd_open(pid, 0) : -1;
	if (pid < 0 || pidfd < 0) {
		r = -errno;
		if (pid > 0)
			kill(pid, SIGKILL); /* unwatchable; its task dies by parent-death signal */
		fail_reply(rep, seq, r, "cannot start the supervisor for", task_meta);
	} else {
		send_reply(rep, seq, pid, 0, NULL, pidfd);
		close(pidfd);
	}
	json_decref(info);
}

static void reap(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/*
 * Loads the NSS modules (nsswitch.conf "passwd: files systemd" dlopens one)
 * here, once: every task's getpwnam/initgroups then finds them mapped in
 * the forked process instead of loading them again per task.
 */
static void warm_nss(void)
{
	gid_t groups[64];
	int n = 64;

	if (getpwnam("root"))
		getgrouplist("root", 0, groups, &n);
	endpwent();
	endgrent();
}

static void spawner_setup(int req, int rep, pid_t agent)
{
	struct sigaction sa;
	int devnull;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != agent)
		_exit(0);
	prctl(PR_SET_NAME, "agora-spawner", 0, 0, 0);
	warm_nss();
	devnull = open("/dev/null", O_RDWR);
	for (int i = 0; devnull >= 0 && i < 3; i++)
		if (devnull != i)
			dup2(devnull, i);
	/* Keep 0-2 and the two channel ends; req < rep (socketpairs made in order). */
	close_range(3, (unsigned)req - 1, 0);
	close_range((unsigned)req + 1, (unsigned)rep - 1, 0);
	close_range((unsigned)rep + 1, ~0U, 0);
}

/* cg: the agent's cgroups as they were when it forked us (NULL when off), read-only. */
static void __attribute__((noreturn))
spawner_main(int req, int rep, pid_t agent, const struct cg_system *cg)
{
	spawner_setup(req, rep, agent);
	for (;;) {
		struct pollfd p = { req, POLLIN, 0 };
		struct spawn_frame f;
		char *payload;

		/* Supervisors exit on their own; reap them at least once a second. */
		int n = poll(&p, 1, 1000);
		reap();
		if (n <= 0)
			continue;
		if (read_exact(req, &f, sizeof(f)) < 0 || f.len > SPAWNER_FRAME_MAX)
			_exit(0); /* the agent is gone, or the channel is broken */
		payload = xmalloc((size_t)f.len + 1);
		if (read_exact(req, payload, f.len) < 0)
			_exit(0);
		payload[f.len] = '\0';
		if (f.op == SPAWN_LAUNCH)
			spawn_launch(req, rep, f.seq, payload, f.len, cg);
		else if (f.op == SPAWN_REMOVE)
			spawner_remove_run(payload);
		free(payload);
	}
}

/* ---- the agent's side ---- */

static void pending_push(struct agent *a, struct atask *t)
{
	t->spawn_next = NULL;
	if (a->spawn_tail)
		a->spawn_tail->spawn_next = t;
	else
		a->spawn_head = t;
	a->spawn_tail = t;
}

static struct atask *pending_pop(struct agent *a)
{
	struct atask *t = a->spawn_head;
	if (!t)
		return NULL;
	a->spawn_head = t->spawn_next;
	if (!a->spawn_head)
		a->spawn_tail = NULL;
	t->spawn_next = NULL;
	return t;
}

static void spawner_lost(struct agent *a)
{
	struct atask *t;
	char err[256];
	size_t pending = 0;

	for (t = a->spawn_head; t; t = t->spawn_next)
		pending++;
	log_error("agent: the spawner process (pid %d) ended; failing its %zu pending "
		  "launch(es) and starting a new one",
		  (int)a->spawner_pid, pending);
	spawner_stop(a);
	while ((t = pending_pop(a)))
		a->spawn_done(t, -1, -1, "the agent's spawner process ended before the task "
					    "started");
	if (spawner_start(a, a->spawn_done, err, sizeof(err)) < 0)
		log_error("agent: cannot restart the spawner: %s; launches will fail", err);
}

/* 1: a reply (pidfd taken), 0: none waiting, -errno: the channel is gone or broken. */
static int recv_reply(int fd, struct spawn_reply *r, int *pidfd)
{
	ssize_t n = fd_recv_msg(fd, r, sizeof(*r), pidfd, NULL);

	if (n == -EAGAIN)
		return 0;
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -EPIPE;
	if (n != (ssize_t)sizeof(*r)) {
		if (*pidfd >= 0)
			close(*pidfd);
		return -EPROTO;
	}
	r->msg[sizeof(r->msg) - 1] = '\0';
	return 1;
}

static void on_reply(evutil_socket_t fd, short what, void *arg)
{
	struct agent *a = arg;
	(void)what;

	for (int i = 0; i < REPLY_BATCH; i++) {
		struct spawn_reply r;
		struct atask *t;
		int pidfd, n = recv_reply(fd, &r, &pidfd);

		if (n == 0)
			return;
		if (n < 0) {
			spawner_lost(a);
			return;
		}
		t = a->spawn_head;
		if (!t || t->spawn_seq != r.seq) {
			log_error("agent: the spawner answered request %llu out of order",
				  (unsigned long long)r.seq);
			if (pidfd >= 0)
				close(pidfd);
			spawner_lost(a);
			return;
		}
		pending_pop(a);
		a->spawn_done(t, r.pid > 0 && pidfd >= 0 ? r.pid : -1, pidfd,
				 r.msg[0] ? r.msg : "the spawner could not start the task");
	}
}

static void on_out_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		spawner_lost(arg);
}

int spawner_start(struct agent *a, spawner_done_fn *done, char *err, size_t errlen)
{
	int req[2], rep[2];
	pid_t agent = getpid(), pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, req) < 0)
		return snprintf(err, errlen, "spawner: socketpair: %s", strerror(errno)), -errno;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, rep) < 0) {
		int e = errno;
		close(req[0]);
		close(req[1]);
		return snprintf(err, errlen, "spawner: socketpair: %s", strerror(e)), -e;
	}
	pid = fork();
	if (pid == 0) {
		close(req[0]);
		close(rep[0]);
		spawner_main(req[1], rep[1], agent, a->cg_on ? &a->cg : NULL);
	}
	close(req[1]);
	close(rep[1]);
	if (pid < 0) {
		close(req[0]);
		close(rep[0]);
		return snprintf(err, errlen, "cannot fork the spawner: %s", strerror(errno)), -errno;
	}
	a->spawner_pid = pid;
	a->spawn_done = done;
	evutil_make_socket_nonblocking(req[0]);
	a->spawn_out = bufferevent_socket_new(a->base, req[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(a->spawn_out, NULL, NULL, on_out_event, a);
	bufferevent_enable(a->spawn_out, EV_WRITE);
	a->spawn_reply_fd = rep[0];
	a->spawn_in = event_new(a->base, rep[0], EV_READ | EV_PERSIST, on_reply, a);
	event_add(a->spawn_in, NULL);
	return 0;
}

void spawner_stop(struct agent *a)
{
	if (a->spawn_out) {
		bufferevent_free(a->spawn_out);
		a->spawn_out = NULL;
	}
	if (a->spawn_in) {
		event_free(a->spawn_in);
		a->spawn_in = NULL;
	}
	if (a->spawn_reply_fd >= 0) {
		close(a->spawn_reply_fd);
		a->spawn_reply_fd = -1;
	}
}

static void send_frame(struct agent *a, uint8_t op, uint64_t seq, const char *p1, size_t l1,
		       const char *p2, size_t l2)
{
	struct spawn_frame f;

	memset(&f, 0, sizeof(f));
	f.len = (uint32_t)(l1 + l2);
	f.op = op;
	f.seq = seq;
	bufferevent_write(a->spawn_out, &f, sizeof(f));
	bufferevent_write(a->spawn_out, p1, l1);
	if (l2)
		bufferevent_write(a->spawn_out, p2, l2);
}

void spawner_launch(struct agent *a, struct atask *t, const char *info_text)
{
	size_t l1 = strlen(t->task_meta) + 1, l2 = strlen(info_text);

	if (!a->spawn_out || l1 + l2 > SPAWNER_FRAME_MAX) {
		a->spawn_done(t, -1, -1,
				 a->spawn_out ? "the task description is too large"
					      : "the agent's spawner process is not running");
		return;
	}
	t->spawning = true;
	t->spawn_seq = ++a->spawn_seq;
	pending_push(a, t);
	send_frame(a, SPAWN_LAUNCH, t->spawn_seq, t->task_meta, l1, info_text, l2);
}

void spawner_remove(struct agent *a, const char *run_meta)
{
	if (!a->spawn_out) {
		spawner_remove_run(run_meta);
		return;
	}
	send_frame(a, SPAWN_REMOVE, ++a->spawn_seq, run_meta, strlen(run_meta), NULL, 0);
}
