/*
 * agent/supervisor — the per-task supervisor process and the task process
 * it forks. Nothing here runs on the agent's event loop: supervisor_main()
 * is entered in the child right after the agent's fork() and never
 * returns. The agent is single-threaded, so the child may use the heap,
 * but it touches no libevent state and logs nothing (its stdio is
 * /dev/null; failures are reported through exit_status).
 *
 * Supervisor (a child of the spawner, spawner.c), in order:
 *  0. supervisor_run(): the launch spec from task.info, the sandbox and its
 *     runs/latest link, pids/forked.pid (its pid and start time);
 *  1. every signal disposition back to default (libevent's handlers must
 *     not run here), setsid(), stdio on /dev/null, every other fd closed;
 *  2. SIGTERM / SUPERVISOR_SIG_KILL become "SIGTERM / SIGKILL the task's
 *     process group" (remembered until the task exists);
 *  3. forks the task with a close-on-exec pipe: EOF without a message
 *     means the command was exec'd; a message is a launch failure;
 *  4. after exec: writes pids/task.pid, tells the agent (datagram);
 *  5. waits for the task without reaping it (WNOWAIT; with an OOM or disk
 *     watch, container.c polls its pidfd instead), SIGKILLs what is left in
 *     its process group while the zombie still pins the group id, kills and
 *     removes its cgroup (ctr_finish), reaps it and what is left of its group
 *     (the supervisor is a child subreaper), writes exit_status durably
 *     (with the limit that ended it, if one did), exits.
 *
 * With a "container" object in the launch spec (containerizer.h) the
 * supervisor creates the task's cgroup before forking it, and the task
 * joins it (and builds its private /dev) first thing, as root.
 *
 * The supervisor resolves the task's user (getpwnam, getgrouplist) before
 * the task exists: a user that does not exist, or a non-root agent asked
 * to switch, never starts a task — it never silently stays root.
 *
 * Task process (vfork()ed, so no copy of memory, unless it must fetch
 * URIs), in order: own process group; default signals; its cgroup and
 * private /dev (ctr_enter); cwd = sandbox (as
 * root, so a 0700 parent of --work_dir does not matter); chown of the
 * sandbox, setgroups, setgid, setuid; stdout/stderr files in the sandbox,
 * created as that user, mode 0600; fetch the URIs (fork path); parent-death signal
 * SIGKILL; every fd above 2 close-on-exec; exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/capabilities.h"
#include "agent/container.h"
#include "agent/fetcher.h"
#include "agent/supervisor.h"
#include "agent/supervisor_proto.h"
#include "core/log.h"
#include "core/util.h"

extern char **environ;

static volatile sig_atomic_t task_pgid;	 /* 0 until the task is forked, and after it is reaped */
static volatile sig_atomic_t pending_sig; /* asked for before the task existed */
static volatile sig_atomic_t kill_sent;

static void on_command(int sig)
{
	int saved = errno;
	int fwd = sig == SUPERVISOR_SIG_KILL ? SIGKILL : SIGTERM;

	kill_sent = 1;
	if (task_pgid > 0)
		kill(-(pid_t)task_pgid, fwd);
	else if (pending_sig != SIGKILL)
		pending_sig = fwd;
	errno = saved;
}

static void reset_signals(void)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, &sa, NULL); /* fails harmlessly for libc's reserved ones */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void stdio_to_devnull(void)
{
	int fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		if (fd != i)
			dup2(fd, i);
	if (fd > 2)
		close(fd);
}

/* ---- the task process ---- */

/*
 * The task process runs between vfork() (or fork(), when it must fetch)
 * and exec: without URIs to fetch it shares the supervisor's memory, so
 * it only makes system calls — the user was resolved before, and failures
 * go to the supervisor as {stage, errno} for it to put into words.
 */
enum task_stage {
	STAGE_SANDBOX = 1,
	STAGE_CHOWN,
	STAGE_SETUID,
	STAGE_OUTPUT,
	STAGE_FETCH,
	STAGE_ORPHANED,
	STAGE_EXEC,
	STAGE_CGROUP,
	STAGE_DEVICES,
	STAGE_CAPABILITIES,
};

struct task_failure {
	int stage;
	int err;
	char text[400]; /* the fetcher's message (fork path only) */
};

/* The user a task switches to, resolved by the supervisor before the task exists. */
struct creds {
	bool change;
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	int ngroups;
};

static void __attribute__((noreturn)) task_fail(int errfd, int stage, int err, const char *text)
{
	struct task_failure f;
	size_t len = offsetof(struct task_failure, text);

	memset(&f, 0, sizeof(f));
	f.stage = stage;
	f.err = err;
	if (text) {
		str_copy(f.text, text, sizeof(f.text));
		len += strlen(f.text) + 1;
	}
	if (write(errfd, &f, len) < 0)
		_exit(126);
	_exit(127);
}

static void open_output(int errfd, const char *name, int target)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || dup2(fd, target) < 0)
		task_fail(errfd, STAGE_OUTPUT, errno, NULL);
	close(fd);
}

static void __attribute__((noreturn)) task_main(const struct launch_spec *s, const struct creds *c,
						const struct ctr *ctr, int errfd, pid_t supervisor,
						bool fetch)
{
	struct fetch_limit limit = { s->fetch_limit_bytes, s->fetch_limit_what };
	char fetch_err[400];
	int stage, r;

	setpgid(0, 0);
	reset_signals();
	if ((r = ctr_enter(ctr, &stage)) < 0)
		task_fail(errfd, stage == 1 ? STAGE_CGROUP : STAGE_DEVICES, -r, NULL);
	if (chdir(s->sandbox) < 0)
		task_fail(errfd, STAGE_SANDBOX, errno, NULL);
	if ((r = caps_apply_as_root(&s->caps, c->change ? c->uid == 0 : geteuid() == 0)) < 0)
		task_fail(errfd, STAGE_CAPABILITIES, -r, NULL);
	if (c->change) {
		if (chown(".", c->uid, c->gid) < 0)
			task_fail(errfd, STAGE_CHOWN, errno, NULL);
		if (setgroups((size_t)c->ngroups, c->groups) < 0 || setgid(c->gid) < 0 ||
		    setuid(c->uid) < 0)
			task_fail(errfd, STAGE_SETUID, errno, NULL);
		if (setuid(0) == 0)
			task_fail(errfd, STAGE_SETUID, EPERM, NULL);
	}
	if ((r = caps_apply_as_user(&s->caps)) < 0)
		task_fail(errfd, STAGE_CAPABILITIES, -r, NULL);
	open_output(errfd, "stdout", STDOUT_FILENO);
	open_output(errfd, "stderr", STDERR_FILENO);
	/* "." (the cwd): the sandbox's parents need not be searchable by the task's user. */
	if (fetch && fetcher_fetch(s->uris, ".", &limit, fetch_err, sizeof(fetch_err)) < 0)
		task_fail(errfd, STAGE_FETCH, 0, fetch_err);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != supervisor)
		task_fail(errfd, STAGE_ORPHANED, 0, NULL);
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	environ = s->envp;
	if (s->path_search)
		execvp(s->exec_file, s->argv);
	else
		execv(s->exec_file, s->argv);
	task_fail(errfd, STAGE_EXEC, errno, NULL);
}

/* Why the task did not start, in words. */
static void describe_failure(const struct launch_spec *s, const struct task_failure *f,
			     char *out, size_t size)
{
	const char *e = strerror(f->err);

	switch (f->stage) {
	case STAGE_SANDBOX:
		snprintf(out, size, "cannot enter the sandbox %s: %s", s->sandbox, e);
		break;
	case STAGE_CHOWN:
		snprintf(out, size, "cannot give the sandbox %s to user '%s': %s", s->sandbox,
			 s->user, e);
		break;
	case STAGE_SETUID:
		snprintf(out, size, "cannot switch to user '%s': %s", s->user, e);
		break;
	case STAGE_OUTPUT:
		snprintf(out, size, "cannot create stdout/stderr in the sandbox %s: %s",
			 s->sandbox, e);
		break;
	case STAGE_FETCH:
		snprintf(out, size, "Failed to fetch URIs: %.400s", f->text);
		break;
	case STAGE_ORPHANED:
		snprintf(out, size, "the task's supervisor went away during the launch");
		break;
	case STAGE_CGROUP:
		snprintf(out, size, "cannot move the task into its cgroup: %s", e);
		break;
	case STAGE_DEVICES:
		snprintf(out, size, "cannot give the task its private /dev: %s", e);
		break;
	case STAGE_CAPABILITIES:
		snprintf(out, size, "cannot set the task's Linux capabilities or no_new_privs: %s",
			 e);
		break;
	default:
		snprintf(out, size, "cannot execute '%s': %s", s->exec_file, e);
		break;
	}
}

/* Resolves the task's user; NULL, or why the task cannot run as it. */
static const char *resolve_user(const struct launch_spec *s, struct creds *c, char *why,
				size_t whylen)
{
	struct passwd *pw;

	memset(c, 0, sizeof(*c));
	if (!s->user)
		return NULL;
	errno = 0;
	pw = getpwnam(s->user);
	if (!pw && errno && errno != ENOENT && errno != ESRCH)
		return snprintf(why, whylen, "cannot look up user '%s' on agent %s: %s", s->user,
				s->hostname, strerror(errno)),
		       why;
	if (!pw)
		return snprintf(why, whylen, "user '%s' does not exist on agent %s", s->user,
				s->hostname),
		       why;
	if (pw->pw_uid == geteuid())
		return NULL;
	if (geteuid() != 0)
		return snprintf(why, whylen,
				"cannot run the task as user '%s': the agent on %s does not run "
				"as root (start it with --no-switch_user to run tasks as the "
				"agent's user)",
				s->user, s->hostname),
		       why;
	c->change = true;
	c->uid = pw->pw_uid;
	c->gid = pw->pw_gid;
	c->ngroups = 64;
	c->groups = xcalloc((size_t)c->ngroups, sizeof(gid_t));
	if (getgrouplist(s->user, c->gid, c->groups, &c->ngroups) < 0) {
		c->groups = xreallocarray(c->groups, (size_t)c->ngroups, sizeof(gid_t));
		if (getgrouplist(s->user, c->gid, c->groups, &c->ngroups) < 0)
			c->ngroups = 0;
	}
	return NULL;
}

/*
 * Starts the task process: vfork() (no copy of the supervisor's memory)
 * unless it must fetch URIs, which takes long and runs library code.
 */
static pid_t start_task(const struct launch_spec *s, const struct creds *c,
			const struct ctr *ctr, int errfd, pid_t self)
{
	pid_t pid;

	if (s->uris && json_array_size(s->uris) > 0) {
		pid = fork();
		if (pid == 0)
			task_main(s, c, ctr, errfd, self, true);
		return pid;
	}
	pid = vfork();
	if (pid == 0)
		task_main(s, c, ctr, errfd, self, false);
	return pid;
}

/* ---- the supervisor ---- */

static void __attribute__((noreturn))
finish_error(const struct launch_spec *s, pid_t pid, const char *error)
{
	sup_write_exit_error(s->run_meta, pid, error);
	_exit(1);
}

static void notify_agent(const struct launch_spec *s, pid_t task_pid)
{
	struct supervisor_msg msg = { SUPERVISOR_MSG_MAGIC, (int)task_pid };

	/* Blocks while the agent's queue is full: this one must not be lost. */
	sup_notify(s->notify_name, s->notify_len, &msg, sizeof(msg), true);
}

/* 1: pid runs our image, 0: another one, -1: it has no image any more (exiting). */
static int image_of(pid_t pid)
{
	char path[64], mine[PATH_MAX], theirs[PATH_MAX];
	ssize_t a, b;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	a = readlink("/proc/self/exe", mine, sizeof(mine) - 1);
	b = readlink(path, theirs, sizeof(theirs) - 1);
	if (b <= 0)
		return -1;
	return a == b && !memcmp(mine, theirs, (size_t)a) ? 1 : 0;
}

/*
 * EOF on the pipe is exec or death. It only matters after a kill: a task
 * killed before its command started was never RUNNING. exec replaces the
 * image before it closes the pipe; an exit drops the image before it
 * closes the pipe. So after EOF: our image → dying before exec; no image →
 * exiting, its wait status tells; another image → it exec'd.
 */
static bool died_before_exec(pid_t pid)
{
	siginfo_t si;
	int image;

	if (!kill_sent)
		return false;
	image = image_of(pid);
	if (image >= 0)
		return image == 1;
	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	return si.si_pid == pid && (si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED);
}

/*
 * The group's other members, SIGKILLed while the leader's zombie pinned the
 * group id, may still be dying when the leader is reaped. The supervisor is
 * their subreaper (supervisor_run), so they come back to it as children and
 * are reaped here: the task is not reported ended while a process of its
 * group is alive. Bounded (about 2 s): a process stuck in the kernel longer
 * than that is left to the cgroup, if any, and does not hold the update.
 */
static void reap_group(pid_t pgid)
{
	const struct timespec tick = { 0, 1000000 };

	for (int i = 0; i < 2000 && kill(-pgid, 0) == 0; i++) {
		kill(-pgid, SIGKILL);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		nanosleep(&tick, NULL);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static int wait_task(const struct launch_spec *s, struct ctr *ctr, pid_t pid,
		     const sigset_t *cmds)
{
	siginfo_t si;
	int status = 0;

	ctr_wait(ctr, pid, s->sandbox, s->notify_name, s->notify_len);
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	/* The zombie still holds the group id: nothing else can own it yet. */
	sigprocmask(SIG_BLOCK, cmds, NULL);
	kill(-pid, SIGKILL);
	ctr_finish(ctr); /* what left the group (setsid, disowned) is still in the cgroup */
	task_pgid = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	reap_group(pid);
	return status;
}

static void install_handlers(sigset_t *cmds)
{
	struct sigaction sa;

	sigemptyset(cmds);
	sigaddset(cmds, SIGTERM);
	sigaddset(cmds, SUPERVISOR_SIG_KILL);
	sigprocmask(SIG_BLOCK, cmds, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_command;
	sa.sa_mask = *cmds;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SUPERVISOR_SIG_KILL, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
}

/* Reads the task process's failure report; "" when it exec'd. */
static void read_failure(const struct launch_spec *s, int fd, char *out, size_t size)
{
	struct task_failure f;
	size_t have = 0;

	memset(&f, 0, sizeof(f));
	for (;;) {
		ssize_t n = read(fd, (char *)&f + have, sizeof(f) - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	out[0] = '\0';
	if (have >= offsetof(struct task_failure, text))
		describe_failure(s, &f, out, size);
}

/* exit_status for a task that ran (or was forked): its wait status and the limit it hit. */
static void __attribute__((noreturn))
finish_ran(const struct launch_spec *s, const struct ctr *ctr, pid_t pid, int status, bool started)
{
	sup_write_exit_ran(s->run_meta, pid, status, started, ctr_limitation_json(ctr));
	_exit(0);
}

void supervisor_main(const struct launch_spec *s)
{
	char failure[512];
	struct creds creds;
	struct ctr ctr;
	int errpipe[2];
	sigset_t cmds;
	pid_t pid, self = getpid();
	int status;

	reset_signals();
	setsid();
	prctl(PR_SET_NAME, "agora-supervis", 0, 0, 0);
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); /* the task's orphans come back here */
	stdio_to_devnull();
	close_range(3, ~0U, 0);
	log_set_level(LOG_LEVEL_ERROR); /* library code must not write where a log fd was */
	install_handlers(&cmds);
	if (resolve_user(s, &creds, failure, sizeof(failure)))
		finish_error(s, 0, failure);
	if (ctr_setup(&ctr, s->container, s->cg, s->run_meta, failure, sizeof(failure)) < 0)
		finish_error(s, 0, failure);
	pid = pipe2(errpipe, O_CLOEXEC) < 0 ? -1 : start_task(s, &creds, &ctr, errpipe[1], self);
	if (pid < 0) {
		ctr_finish(&ctr);
		finish_error(s, 0, "cannot fork the task in its supervisor");
	}
	setpgid(pid, pid);
	task_pgid = pid;
	if (pending_sig)
		kill(-pid, pending_sig);
	sigprocmask(SIG_UNBLOCK, &cmds, NULL);
	close(errpipe[1]);
	read_failure(s, errpipe[0], failure, sizeof(failure));
	close(errpipe[0]);
	if (!failure[0] && !died_before_exec(pid)) {
		sup_write_task_pid(s->run_meta, pid);
		notify_agent(s, pid);
		status = wait_task(s, &ctr, pid, &cmds);
		finish_ran(s, &ctr, pid, status, true);
	}
	status = wait_task(s, &ctr, pid, &cmds);
	if (failure[0])
		finish_error(s, pid, failure);
	finish_ran(s, &ctr, pid, status, false);
}

/* ---- entry from the spawner ---- */

/*
 * The sandbox's parents (frameworks/<id>/executors/<id>/runs) are 0711 and
 * the sandbox itself 0700, owned by the task's user once the task chowns it
 * (task_main): a task of another user reaches its own sandbox but cannot
 * list the frameworks or read anything of this one. The agent and /files
 * read it as root. Modes are those of mkdir under the agent's umask.
 */
static int make_sandbox(const char *sandbox)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(sandbox, '/');
	int r;

	if (!slash || slash == sandbox || (size_t)(slash - sandbox) >= sizeof(parent))
		return -ENAMETOOLONG;
	memcpy(parent, sandbox, (size_t)(slash - sandbox));
	parent[slash - sandbox] = '\0';
	if ((r = mkdir_p(parent, 0711)) < 0)
		return r;
	if (mkdir(sandbox, 0700) < 0 && errno != EEXIST)
		return -errno;
	return chmod(sandbox, 0700) < 0 ? -errno : 0;
}

/* Sandbox, runs/latest and pids/forked.pid; NULL or why not. */
static const char *prepare(const struct launch_spec *s, char *why, size_t whylen)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	const char *cid = strrchr(s->sandbox, '/');
	int r = make_sandbox(s->sandbox);

	if (r < 0)
		return snprintf(why, whylen, "cannot create the sandbox %s: %s", s->sandbox,
				strerror(-r)),
		       why;
	if (cid && str_printf(path, sizeof(path), "%.*s/latest", (int)(cid - s->sandbox),
			      s->sandbox) == 0 &&
	    str_printf(tmp, sizeof(tmp), "%s.%s", path, cid + 1) == 0 &&
	    (symlink(cid + 1, tmp) < 0 || rename(tmp, path) < 0))
		unlink(tmp); /* a missing "latest" link only costs the Files API a path form */
	r = sup_write_forked_pid(s->run_meta);
	if (r < 0)
		return snprintf(why, whylen, "cannot write %s/pids/forked.pid: %s", s->run_meta,
				strerror(-r)),
		       why;
	return NULL;
}

void supervisor_run(json_t *info, const struct cg_system *cg)
{
	struct launch_spec s;
	const char *bad = sup_launch_parse(info, &s);
	char why[512];

	s.cg = cg;
	if (!s.run_meta)
		_exit(2);
	if (bad)
		finish_error(&s, 0, bad);
	if (prepare(&s, why, sizeof(why)))
		finish_error(&s, 0, why);
	supervisor_main(&s);
}
