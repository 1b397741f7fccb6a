/*
 * cli/up — `agora up`: the whole stack on one machine, for a first try.
 *
 * Creates <work_dir> (default ./var/agora) with generated credentials on
 * the first run (kept for later runs), starts `agora master`,
 * `agora agent` and `agora jobs` as children on loopback with
 * authentication on everywhere (the jobs API takes the same principal and
 * secret as HTTP Basic), waits until the agent shows up in /master/state,
 * prints the URLs, the
 * principal and where its secret is, then runs until SIGINT/SIGTERM and
 * stops the children (SIGTERM, then SIGKILL after 10 s). If a child dies
 * on its own, up stops the rest and exits 1. Children's logs go to
 * <work_dir>/logs/.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/flags.h"
#include "core/http.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "core/version.h"

struct up_flags {
	char *work_dir;
	char *ip;
	int64_t master_port;
	int64_t agent_port;
	int64_t jobs_port;
	char *resources;
	char *principal;
};

#define F(field) offsetof(struct up_flags, field)
static const struct flag_def up_flag_defs[] = {
	{ "work_dir", NULL, FLAG_PATH, F(work_dir), "./var/agora",
	  "Where state, credentials, sandboxes and logs go" },
	{ "ip", NULL, FLAG_STRING, F(ip), "127.0.0.1", "Address every daemon listens on" },
	{ "master_port", NULL, FLAG_INT, F(master_port), "5050", "Master port" },
	{ "agent_port", NULL, FLAG_INT, F(agent_port), "5051", "Agent port" },
	{ "jobs_port", NULL, FLAG_INT, F(jobs_port), "4400", "agora jobs (Chronos API) port" },
	{ "resources", NULL, FLAG_STRING, F(resources), NULL,
	  "Agent resources (default: detected)" },
	{ "principal", NULL, FLAG_STRING, F(principal), "agora",
	  "Principal of the generated credentials" },
};

enum { CHILD_MASTER, CHILD_AGENT, CHILD_JOBS, NCHILDREN };

struct up {
	struct event_base *base;
	struct up_flags flags;
	char work_dir[PATH_MAX];
	char self[PATH_MAX];
	char secret[65];
	pid_t pids[NCHILDREN];
	const char *names[NCHILDREN];
	struct http_client *client;
	struct event *poll_timer, *sigint, *sigterm, *sigchld;
	double started;
	bool ready, stopping;
	int exit_code;
};

static int write_file(const char *path, const char *text)
{
	return file_write_atomic(path, text, strlen(text), 0600);
}

/* Loads or creates the credentials: secret file, master list, agent pair. */
static int ensure_credentials(struct up *u, char *err, size_t errlen)
{
	char path[PATH_MAX], text[512];
	char *existing = NULL;

	if (str_printf(path, sizeof(path), "%s/secret", u->work_dir) < 0)
		return snprintf(err, errlen, "work_dir too long"), -ENAMETOOLONG;
	if (file_read_all(path, 4096, &existing, NULL) == 0) {
		str_copy(u->secret, str_trim(existing), sizeof(u->secret));
		free(existing);
	}
	if (strlen(u->secret) < 16) {
		if (random_hex(24, u->secret) < 0)
			return snprintf(err, errlen, "no randomness"), -EIO;
		snprintf(text, sizeof(text), "%s\n", u->secret);
		if (write_file(path, text) < 0)
			return snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno)),
			       -EIO;
	}
	snprintf(text, sizeof(text), "{\"credentials\":[{\"principal\":\"%s\",\"secret\":\"%s\"}]}\n",
		 u->flags.principal, u->secret);
	if (str_printf(path, sizeof(path), "%s/credentials.json", u->work_dir) < 0 ||
	    write_file(path, text) < 0)
		return snprintf(err, errlen, "cannot write %s", path), -EIO;
	snprintf(text, sizeof(text), "%s %s\n", u->flags.principal, u->secret);
	if (str_printf(path, sizeof(path), "%s/agent-credential", u->work_dir) < 0 ||
	    write_file(path, text) < 0)
		return snprintf(err, errlen, "cannot write %s", path), -EIO;
	return 0;
}

static pid_t spawn(struct up *u, const char *name, char *const argv[])
{
	char log_path[PATH_MAX];
	pid_t pid;
	int fd;

	if (str_printf(log_path, sizeof(log_path), "%s/logs/%s.log", u->work_dir, name) < 0)
		return -1;
	fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		/* Own process group: a Ctrl-C reaches up, which stops children in order. */
		setpgid(0, 0);
		execv(u->self, argv);
		_exit(127);
	}
	close(fd);
	return pid;
}

static void stop_children(struct up *u)
{
	double deadline;

	if (u->stopping)
		return;
	u->stopping = true;
	/* Agent first, so it does not log a lost master on the way down. */
	for (int i = NCHILDREN - 1; i >= 0; i--)
		if (u->pids[i] > 0)
			kill(u->pids[i], SIGTERM);
	deadline = now_mono() + 10;
	for (int i = NCHILDREN - 1; i >= 0; i--) {
		while (u->pids[i] > 0) {
			int st;
			pid_t r = waitpid(u->pids[i], &st, WNOHANG);
			if (r == u->pids[i] || (r < 0 && errno == ECHILD)) {
				u->pids[i] = 0;
				break;
			}
			if (now_mono() > deadline) {
				kill(u->pids[i], SIGKILL);
				waitpid(u->pids[i], &st, 0);
				u->pids[i] = 0;
				break;
			}
			usleep(20000);
		}
	}
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct up *u = arg;
	(void)what;
	if (sig == SIGCHLD) {
		for (int i = 0; i < NCHILDREN; i++) {
			int st;
			if (u->pids[i] > 0 && waitpid(u->pids[i], &st, WNOHANG) == u->pids[i]) {
				u->pids[i] = 0;
				fprintf(stderr,
					"agora up: %s exited unexpectedly (%s %d); see %s/logs/%s.log\n",
					u->names[i], WIFSIGNALED(st) ? "signal" : "status",
					WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), u->work_dir,
					u->names[i]);
				u->exit_code = 1;
				event_base_loopexit(u->base, NULL);
			}
		}
		return;
	}
	printf("\nagora up: stopping...\n");
	fflush(stdout);
	event_base_loopexit(u->base, NULL);
}

/* Tasks as root are refused by default, so the example runs as nobody. */
static const char *task_user(void)
{
	struct passwd *pw;
	if (geteuid() == 0)
		return "nobody";
	pw = getpwuid(geteuid());
	return pw ? pw->pw_name : "nobody";
}

static void print_banner(struct up *u, const char *agent_id, const char *resources)
{
	const char *ip = u->flags.ip;
	printf("\nagora %s is up.\n\n", AGORA_VERSION);
	printf("  master     http://%s:%lld/            (Mesos API: /api/v1/scheduler, "
	       "/master/state)\n",
	       ip, (long long)u->flags.master_port);
	printf("  agent      http://%s:%lld/            id %s\n", ip,
	       (long long)u->flags.agent_port, agent_id);
	printf("             resources %s\n", resources);
	printf("  jobs       http://%s:%lld/            (Chronos API: /v1/scheduler/jobs)\n", ip,
	       (long long)u->flags.jobs_port);
	printf("  principal  %s\n", u->flags.principal);
	printf("  secret     in %s/secret\n", u->work_dir);
	printf("  state      %s (logs in %s/logs/)\n\n", u->work_dir, u->work_dir);
	printf("Try:\n");
	printf("  curl -u %s:$(cat %s/secret) http://%s:%lld/master/state\n",
	       u->flags.principal, u->work_dir, ip, (long long)u->flags.master_port);
	printf("  %s execute --master=%s:%lld --principal=%s --secret_file=%s/secret \\\n"
	       "      --name=hello --user=%s --command='echo hello from agora; id'\n",
	       u->self, ip, (long long)u->flags.master_port, u->flags.principal, u->work_dir,
	       task_user());
	printf("  echo '{\"name\":\"hello-job\",\"command\":\"date\",\"schedule\":\"R3//PT10S\"}' | \\\n"
	       "    AGORA_JOBS_CREDENTIALS=%s:$(cat %s/secret) %s job add --jobs=%s:%lld -\n\n",
	       u->flags.principal, u->work_dir, u->self, ip, (long long)u->flags.jobs_port);
	printf("Ctrl-C stops everything.\n");
	fflush(stdout);
}

static void poll_state(struct up *u);

static void on_state(int status, const char *body, size_t len, struct evkeyvalq *h, void *arg)
{
	struct up *u = arg;
	json_t *state, *slaves, *agent;
	(void)h;

	if (status == 200 && (state = json_loadb(body, len, 0, NULL))) {
		slaves = json_object_get(state, "slaves");
		agent = json_array_get(slaves, 0);
		if (agent && json_is_true(json_object_get(agent, "active"))) {
			json_t *res = json_object_get(agent, "resources");
			char text[512];
			snprintf(text, sizeof(text), "cpus:%g;mem:%g;disk:%g;gpus:%g",
				 json_number_value(json_object_get(res, "cpus")),
				 json_number_value(json_object_get(res, "mem")),
				 json_number_value(json_object_get(res, "disk")),
				 json_number_value(json_object_get(res, "gpus")));
			u->ready = true;
			print_banner(u, json_string_value(json_object_get(agent, "id")), text);
		}
		json_decref(state);
	}
	if (!u->ready) {
		if (now_mono() - u->started > 30) {
			fprintf(stderr, "agora up: the agent did not register within 30s; see %s/logs/\n",
				u->work_dir);
			u->exit_code = 1;
			event_base_loopexit(u->base, NULL);
			return;
		}
		struct timeval tv = { 0, 100000 };
		event_add(u->poll_timer, &tv);
	}
}

static void poll_state(struct up *u)
{
	char auth[256], hdr[300];
	char *b64;
	const char *headers[] = { "Authorization", hdr, NULL };

	snprintf(auth, sizeof(auth), "%s:%s", u->flags.principal, u->secret);
	b64 = base64_encode(auth, strlen(auth));
	snprintf(hdr, sizeof(hdr), "Basic %s", b64);
	free(b64);
	if (!http_client_request(u->client, EVHTTP_REQ_GET, "/master/state", headers, NULL, 0,
				 on_state, NULL, u)) {
		struct timeval tv = { 0, 100000 };
		event_add(u->poll_timer, &tv);
	}
}

static void on_poll_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	poll_state(arg);
}

int cli_up_main(int argc, char **argv)
{
	struct up u;
	struct flags_result fr;
	char err[1024], path[PATH_MAX];
	char a_master[300], a_ip[100], a_port[64], a_wd[PATH_MAX + 64], a_creds[PATH_MAX + 64],
		a_host[100], m_port[64], m_wd[PATH_MAX + 64], m_creds[PATH_MAX + 64], a_res[2048];
	ssize_t n;

	memset(&u, 0, sizeof(u));
	memset(&fr, 0, sizeof(fr));
	u.names[CHILD_MASTER] = "master";
	u.names[CHILD_AGENT] = "agent";
	u.names[CHILD_JOBS] = "jobs";
	log_init("up", LOG_LEVEL_INFO);
	if (flags_load(up_flag_defs, ARRAY_LEN(up_flag_defs), &u.flags, argc, argv, 2, false, &fr,
		       err, sizeof(err)) < 0) {
		fprintf(stderr, "agora up: %s\n", err);
		return 1;
	}
	if (fr.help) {
		flags_usage(stdout, "agora up [--work_dir=DIR] [--flag=value ...]", up_flag_defs,
			    ARRAY_LEN(up_flag_defs));
		flags_free(up_flag_defs, ARRAY_LEN(up_flag_defs), &u.flags);
		return 0;
	}
	if (mkdir_p(u.flags.work_dir, 0700) < 0 || !realpath(u.flags.work_dir, u.work_dir)) {
		fprintf(stderr, "agora up: cannot create %s: %s\n", u.flags.work_dir, strerror(errno));
		return 1;
	}
	n = readlink("/proc/self/exe", u.self, sizeof(u.self) - 1);
	if (n <= 0) {
		fprintf(stderr, "agora up: cannot find my own binary\n");
		return 1;
	}
	u.self[n] = '\0';
	if (str_printf(path, sizeof(path), "%s/logs", u.work_dir) < 0 || mkdir_p(path, 0755) < 0 ||
	    ensure_credentials(&u, err, sizeof(err)) < 0) {
		fprintf(stderr, "agora up: %s\n", err[0] ? err : "cannot prepare the work_dir");
		return 1;
	}

	u.base = event_base_new();
	u.sigint = evsignal_new(u.base, SIGINT, on_signal, &u);
	u.sigterm = evsignal_new(u.base, SIGTERM, on_signal, &u);
	u.sigchld = evsignal_new(u.base, SIGCHLD, on_signal, &u);
	evsignal_add(u.sigint, NULL);
	evsignal_add(u.sigterm, NULL);
	evsignal_add(u.sigchld, NULL);

	snprintf(m_port, sizeof(m_port), "--port=%lld", (long long)u.flags.master_port);
	snprintf(m_wd, sizeof(m_wd), "--work_dir=%s/master", u.work_dir);
	snprintf(m_creds, sizeof(m_creds), "--credentials=%s/credentials.json", u.work_dir);
	snprintf(a_ip, sizeof(a_ip), "--ip=%s", u.flags.ip);
	snprintf(a_host, sizeof(a_host), "--hostname=%s", u.flags.ip);
	{
		char *const argv_master[] = { "agora", "master", a_ip, m_port, m_wd, m_creds,
					      a_host, NULL };
		u.pids[CHILD_MASTER] = spawn(&u, "master", argv_master);
	}
	snprintf(a_master, sizeof(a_master), "--master=%s:%lld", u.flags.ip,
		 (long long)u.flags.master_port);
	snprintf(a_port, sizeof(a_port), "--port=%lld", (long long)u.flags.agent_port);
	snprintf(a_wd, sizeof(a_wd), "--work_dir=%s/agent", u.work_dir);
	snprintf(a_creds, sizeof(a_creds), "--credential=%s/agent-credential", u.work_dir);
	snprintf(a_res, sizeof(a_res), "--resources=%s", u.flags.resources ? u.flags.resources : "");
	{
		char *argv_agent[] = { "agora", "agent", a_master, a_ip, a_port, a_wd, a_creds,
				       a_host, "--registration_backoff_factor=200ms",
				       u.flags.resources ? a_res : NULL, NULL };
		u.pids[CHILD_AGENT] = spawn(&u, "agent", argv_agent);
	}
	{
		char j_port[64], j_wd[PATH_MAX + 64], j_secret[PATH_MAX + 64], j_creds[600],
			j_principal[300], j_user[300];
		snprintf(j_port, sizeof(j_port), "--http_port=%lld", (long long)u.flags.jobs_port);
		snprintf(j_wd, sizeof(j_wd), "--work_dir=%s/jobs", u.work_dir);
		snprintf(j_secret, sizeof(j_secret), "--mesos_authentication_secret_file=%s/secret",
			 u.work_dir);
		snprintf(j_creds, sizeof(j_creds), "--http_credentials=%s:%s", u.flags.principal,
			 u.secret);
		snprintf(j_principal, sizeof(j_principal), "--mesos_authentication_principal=%s",
			 u.flags.principal);
		snprintf(j_user, sizeof(j_user), "--user=%s", task_user());
		char *argv_jobs[] = { "agora", "jobs", a_master, j_port, j_wd, j_secret, j_creds,
				      j_principal, j_user, "--http_address=127.0.0.1",
				      "--enable_features=gpu_resources", NULL };
		if (strcmp(u.flags.ip, "127.0.0.1"))
			argv_jobs[9] = "--http_address=0.0.0.0";
		u.pids[CHILD_JOBS] = spawn(&u, "jobs", argv_jobs);
	}
	if (u.pids[CHILD_MASTER] <= 0 || u.pids[CHILD_AGENT] <= 0 || u.pids[CHILD_JOBS] <= 0) {
		fprintf(stderr, "agora up: cannot start the daemons: %s\n", strerror(errno));
		stop_children(&u);
		return 1;
	}
	printf("agora up: starting master (pid %d), agent (pid %d) and jobs (pid %d) in %s ...\n",
	       (int)u.pids[CHILD_MASTER], (int)u.pids[CHILD_AGENT], (int)u.pids[CHILD_JOBS],
	       u.work_dir);
	fflush(stdout);

	u.client = http_client_new(u.base, u.flags.ip, (uint16_t)u.flags.master_port, 5);
	u.poll_timer = event_new(u.base, -1, 0, on_poll_timer, &u);
	u.started = now_mono();
	{
		struct timeval tv = { 0, 200000 };
		event_add(u.poll_timer, &tv);
	}
	event_base_dispatch(u.base);

	stop_children(&u);
	http_client_free(u.client);
	event_free(u.poll_timer);
	event_free(u.sigint);
	event_free(u.sigterm);
	event_free(u.sigchld);
	event_base_free(u.base);
	flags_free(up_flag_defs, ARRAY_LEN(up_flag_defs), &u.flags);
	if (!u.exit_code)
		printf("agora up: stopped.\n");
	return u.exit_code;
}
