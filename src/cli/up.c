/*
 * cli/up — `agora up`: the whole stack on one machine, for a first try.
 *
 * Creates <work_dir> (default ./var/agora) with generated credentials on
 * the first run (kept for later runs), starts `agora master`,
 * `agora agent` and `agora jobs` as children with authentication on
 * everywhere, waits until the agent shows up in /master/state, prints the
 * URLs and where the secrets are, then runs until SIGINT/SIGTERM and stops
 * the children (SIGTERM, then SIGKILL after 10 s). If a child dies on its
 * own, up stops the rest and exits 1. Children's logs go to
 * <work_dir>/logs/.
 *
 * Three principals, each with its own secret, so a task that learns one
 * cannot act as the others: agora-agent (only it may register agents, by
 * the master's ACLs), agora-framework (the jobs service and `agora
 * execute`), and the operator (--principal, default "agora": the HTTP
 * APIs, `agora job`, curl). Every secret lives in a 0600 file under
 * <work_dir>/credentials/ (mode 0700); daemons get file paths only, never
 * a secret in argv or their environment.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
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
	  "Principal of the operator (HTTP APIs, agora job); agents and frameworks get "
	  "agora-agent and agora-framework" },
};

enum { CHILD_MASTER, CHILD_AGENT, CHILD_JOBS, NCHILDREN };
enum { P_AGENT, P_FRAMEWORK, P_OPERATOR, NPRINCIPALS };
static const char *const role_names[NPRINCIPALS] = { "agent", "framework", "operator" };

struct up {
	struct event_base *base;
	struct up_flags flags;
	char work_dir[PATH_MAX];
	char self[PATH_MAX];
	char creds_dir[PATH_MAX];
	struct { const char *name; char secret[65]; } who[NPRINCIPALS];
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

/* <creds_dir>/<name>; errors into err. */
static int creds_path(struct up *u, const char *name, char *path, size_t size, char *err,
		      size_t errlen)
{
	if (str_printf(path, size, "%s/%s", u->creds_dir, name) < 0)
		return snprintf(err, errlen, "work_dir too long"), -ENAMETOOLONG;
	return 0;
}

/* Writes one credentials file (0600) from a printf-style template. */
static int write_creds(struct up *u, const char *name, char *err, size_t errlen,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int write_creds(struct up *u, const char *name, char *err, size_t errlen,
		       const char *fmt, ...)
{
	char path[PATH_MAX], text[2048];
	va_list ap;
	int rc;

	if (creds_path(u, name, path, sizeof(path), err, errlen) < 0)
		return -ENAMETOOLONG;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	rc = write_file(path, text);
	explicit_bzero(text, sizeof(text));
	if (rc < 0)
		return snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno)), -EIO;
	return 0;
}

/* Loads <role>.secret, or makes and stores a new one. */
static int ensure_secret(struct up *u, int i, char *err, size_t errlen)
{
	char path[PATH_MAX], file[64], *existing = NULL;

	snprintf(file, sizeof(file), "%s.secret", role_names[i]);
	if (creds_path(u, file, path, sizeof(path), err, errlen) < 0)
		return -ENAMETOOLONG;
	if (file_read_all(path, 4096, &existing, NULL) == 0) {
		str_copy(u->who[i].secret, str_trim(existing), sizeof(u->who[i].secret));
		explicit_bzero(existing, strlen(existing));
		free(existing);
	}
	if (strlen(u->who[i].secret) >= 16 && !strpbrk(u->who[i].secret, " \t\"\\:"))
		return 0;
	if (random_hex(24, u->who[i].secret) < 0)
		return snprintf(err, errlen, "no randomness"), -EIO;
	return write_creds(u, file, err, errlen, "%s\n", u->who[i].secret);
}

/*
 * The credentials directory: one secret per principal, and the files each
 * daemon reads them from (the master's list, the agent's pair, who may use
 * the agent's and the jobs service's HTTP APIs, a curl config), plus the
 * master's ACLs: only agora-agent registers agents, and it registers no
 * frameworks.
 */
static int ensure_credentials(struct up *u, char *err, size_t errlen)
{
	const char *ag, *fw, *op;

	if (str_printf(u->creds_dir, sizeof(u->creds_dir), "%s/credentials", u->work_dir) < 0)
		return snprintf(err, errlen, "work_dir too long"), -ENAMETOOLONG;
	if (mkdir_p(u->creds_dir, 0700) < 0 || chmod(u->creds_dir, 0700) < 0)
		return snprintf(err, errlen, "cannot create %s: %s", u->creds_dir, strerror(errno)),
		       -EIO;
	u->who[P_AGENT].name = "agora-agent";
	u->who[P_FRAMEWORK].name = "agora-framework";
	u->who[P_OPERATOR].name = u->flags.principal;
	for (int i = 0; i < NPRINCIPALS; i++)
		if (ensure_secret(u, i, err, errlen) < 0)
			return -EIO;
	ag = u->who[P_AGENT].secret;
	fw = u->who[P_FRAMEWORK].secret;
	op = u->who[P_OPERATOR].secret;
	if (write_creds(u, "master.json", err, errlen,
			"{\"credentials\":[{\"principal\":\"%s\",\"secret\":\"%s\"},"
			"{\"principal\":\"%s\",\"secret\":\"%s\"},"
			"{\"principal\":\"%s\",\"secret\":\"%s\"}]}\n",
			u->who[P_AGENT].name, ag, u->who[P_FRAMEWORK].name, fw,
			u->who[P_OPERATOR].name, op) < 0 ||
	    write_creds(u, "agent.credential", err, errlen, "%s %s\n", u->who[P_AGENT].name,
			ag) < 0 ||
	    write_creds(u, "agent-http.json", err, errlen,
			"{\"credentials\":[{\"principal\":\"%s\",\"secret\":\"%s\"},"
			"{\"principal\":\"%s\",\"secret\":\"%s\"}]}\n",
			u->who[P_FRAMEWORK].name, fw, u->who[P_OPERATOR].name, op) < 0 ||
	    write_creds(u, "jobs-http", err, errlen, "%s:%s\n", u->who[P_OPERATOR].name, op) < 0 ||
	    write_creds(u, "operator.curlrc", err, errlen, "user = \"%s:%s\"\n",
			u->who[P_OPERATOR].name, op) < 0 ||
	    write_creds(u, "acls.json", err, errlen,
			"{\"register_agents\":["
			"{\"principals\":{\"values\":[\"%s\"]},\"agents\":{\"type\":\"ANY\"}},"
			"{\"principals\":{\"type\":\"ANY\"},\"agents\":{\"type\":\"NONE\"}}],"
			"\"register_frameworks\":["
			"{\"principals\":{\"values\":[\"%s\"]},\"roles\":{\"type\":\"NONE\"}}]}\n",
			u->who[P_AGENT].name, u->who[P_AGENT].name) < 0)
		return -EIO;
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
	const char *ip = u->flags.ip, *cd = u->creds_dir;
	long long mp = (long long)u->flags.master_port, jp = (long long)u->flags.jobs_port;

	printf("\nagora %s is up.\n\n", AGORA_VERSION);
	printf("  master     http://%s:%lld/            (Mesos API: /api/v1/scheduler, "
	       "/master/state)\n",
	       ip, mp);
	printf("  agent      http://%s:%lld/            id %s\n", ip,
	       (long long)u->flags.agent_port, agent_id);
	printf("             resources %s\n", resources);
	printf("  jobs       http://%s:%lld/            (Chronos API: /v1/scheduler/jobs)\n", ip, jp);
	printf("  principals %s (you: HTTP APIs, agora job), %s (frameworks), %s (agents)\n",
	       u->who[P_OPERATOR].name, u->who[P_FRAMEWORK].name, u->who[P_AGENT].name);
	printf("  secrets    in %s/ (mode 0600; never on a command line)\n", cd);
	printf("  state      %s (logs in %s/logs/)\n\n", u->work_dir, u->work_dir);
	printf("Try:\n");
	printf("  curl -K %s/operator.curlrc http://%s:%lld/master/state\n", cd, ip, mp);
	printf("  %s execute --master=%s:%lld --principal=%s --secret_file=%s/framework.secret \\\n"
	       "      --name=hello --user=%s --command='echo hello from agora; id'\n",
	       u->self, ip, mp, u->who[P_FRAMEWORK].name, cd, task_user());
	printf("  echo '{\"name\":\"hello-job\",\"command\":\"date\",\"schedule\":\"R3//PT10S\"}' | \\\n"
	       "    %s job add --jobs=%s:%lld --http_credentials=file://%s/jobs-http -\n\n",
	       u->self, ip, jp, cd);
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

	snprintf(auth, sizeof(auth), "%s:%s", u->who[P_OPERATOR].name, u->who[P_OPERATOR].secret);
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

/* Flags, the work_dir, our own binary, the credentials. 0, -1 after --help, or the exit code. */
static int up_prepare(struct up *u, int argc, char **argv)
{
	struct flags_result fr;
	char err[1024] = "", path[PATH_MAX];
	ssize_t n;

	memset(&fr, 0, sizeof(fr));
	if (flags_load(up_flag_defs, ARRAY_LEN(up_flag_defs), &u->flags, argc, argv, 2, false, &fr,
		       err, sizeof(err)) < 0) {
		fprintf(stderr, "agora up: %s\n", err);
		return 1;
	}
	if (fr.help) {
		flags_usage(stdout, "agora up [--work_dir=DIR] [--flag=value ...]", up_flag_defs,
			    ARRAY_LEN(up_flag_defs));
		return -1;
	}
	if (mkdir_p(u->flags.work_dir, 0700) < 0 || !realpath(u->flags.work_dir, u->work_dir)) {
		fprintf(stderr, "agora up: cannot create %s: %s\n", u->flags.work_dir,
			strerror(errno));
		return 1;
	}
	n = readlink("/proc/self/exe", u->self, sizeof(u->self) - 1);
	if (n <= 0) {
		fprintf(stderr, "agora up: cannot find my own binary\n");
		return 1;
	}
	u->self[n] = '\0';
	if (str_printf(path, sizeof(path), "%s/logs", u->work_dir) < 0 || mkdir_p(path, 0755) < 0 ||
	    ensure_credentials(u, err, sizeof(err)) < 0) {
		fprintf(stderr, "agora up: %s\n", err[0] ? err : "cannot prepare the work_dir");
		return 1;
	}
	return 0;
}

static void start_master(struct up *u)
{
	char port[64], wd[PATH_MAX + 64], creds[PATH_MAX + 64], acls[PATH_MAX + 64], ip[100],
		host[100];

	snprintf(port, sizeof(port), "--port=%lld", (long long)u->flags.master_port);
	snprintf(wd, sizeof(wd), "--work_dir=%s/master", u->work_dir);
	snprintf(creds, sizeof(creds), "--credentials=%s/master.json", u->creds_dir);
	snprintf(acls, sizeof(acls), "--acls=%s/acls.json", u->creds_dir);
	snprintf(ip, sizeof(ip), "--ip=%s", u->flags.ip);
	snprintf(host, sizeof(host), "--hostname=%s", u->flags.ip);
	{
		char *const argv[] = { "agora", "master", ip, port, wd, creds, acls, host, NULL };
		u->pids[CHILD_MASTER] = spawn(u, "master", argv);
	}
}

static void start_agent(struct up *u)
{
	char master[300], ip[100], port[64], wd[PATH_MAX + 64], cred[PATH_MAX + 64],
		http_creds[PATH_MAX + 64], host[100], res[2048];

	snprintf(master, sizeof(master), "--master=%s:%lld", u->flags.ip,
		 (long long)u->flags.master_port);
	snprintf(ip, sizeof(ip), "--ip=%s", u->flags.ip);
	snprintf(port, sizeof(port), "--port=%lld", (long long)u->flags.agent_port);
	snprintf(wd, sizeof(wd), "--work_dir=%s/agent", u->work_dir);
	snprintf(cred, sizeof(cred), "--credential=%s/agent.credential", u->creds_dir);
	snprintf(http_creds, sizeof(http_creds), "--http_credentials=%s/agent-http.json",
		 u->creds_dir);
	snprintf(host, sizeof(host), "--hostname=%s", u->flags.ip);
	snprintf(res, sizeof(res), "--resources=%s", u->flags.resources ? u->flags.resources : "");
	{
		/*
		 * Tasks get no_new_privs; under a root agent also an empty
		 * capability bounding set (docs/isolation.md).
		 */
		char *iso = geteuid() == 0
				    ? "--isolation=posix/cpu,posix/mem,linux/capabilities,linux/nnp"
				    : "--isolation=posix/cpu,posix/mem,linux/nnp";
		char *argv[] = { "agora", "agent", master, ip, port, wd, cred, http_creds, host,
				 "--registration_backoff_factor=200ms", iso,
				 u->flags.resources ? res : NULL, NULL, NULL };
		if (geteuid() == 0)
			argv[u->flags.resources ? 12 : 11] =
				"--bounding_capabilities={\"capabilities\":[]}";
		u->pids[CHILD_AGENT] = spawn(u, "agent", argv);
	}
}

static void start_jobs(struct up *u)
{
	char master[300], port[64], wd[PATH_MAX + 64], secret[PATH_MAX + 64],
		creds[PATH_MAX + 64], principal[300], user[300], addr[120];

	snprintf(master, sizeof(master), "--master=%s:%lld", u->flags.ip,
		 (long long)u->flags.master_port);
	snprintf(port, sizeof(port), "--http_port=%lld", (long long)u->flags.jobs_port);
	snprintf(wd, sizeof(wd), "--work_dir=%s/jobs", u->work_dir);
	snprintf(secret, sizeof(secret), "--mesos_authentication_secret_file=%s/framework.secret",
		 u->creds_dir);
	snprintf(creds, sizeof(creds), "--http_credentials=file://%s/jobs-http", u->creds_dir);
	snprintf(principal, sizeof(principal), "--mesos_authentication_principal=%s",
		 u->who[P_FRAMEWORK].name);
	snprintf(user, sizeof(user), "--user=%s", task_user());
	snprintf(addr, sizeof(addr), "--http_address=%s", u->flags.ip);
	{
		char *argv[] = { "agora", "jobs", master, port, wd, secret, creds, principal, user,
				 addr, "--enable_features=gpu_resources", NULL };
		u->pids[CHILD_JOBS] = spawn(u, "jobs", argv);
	}
}

/* The loop: signals, the children, the /master/state poll until the agent is there. */
static void up_run(struct up *u)
{
	struct timeval tv = { 0, 200000 };

	u->base = event_base_new();
	u->sigint = evsignal_new(u->base, SIGINT, on_signal, u);
	u->sigterm = evsignal_new(u->base, SIGTERM, on_signal, u);
	u->sigchld = evsignal_new(u->base, SIGCHLD, on_signal, u);
	evsignal_add(u->sigint, NULL);
	evsignal_add(u->sigterm, NULL);
	evsignal_add(u->sigchld, NULL);
	start_master(u);
	start_agent(u);
	start_jobs(u);
	if (u->pids[CHILD_MASTER] <= 0 || u->pids[CHILD_AGENT] <= 0 || u->pids[CHILD_JOBS] <= 0) {
		fprintf(stderr, "agora up: cannot start the daemons: %s\n", strerror(errno));
		u->exit_code = 1;
		return;
	}
	printf("agora up: starting master (pid %d), agent (pid %d) and jobs (pid %d) in %s ...\n",
	       (int)u->pids[CHILD_MASTER], (int)u->pids[CHILD_AGENT], (int)u->pids[CHILD_JOBS],
	       u->work_dir);
	fflush(stdout);
	u->client = http_client_new(u->base, u->flags.ip, (uint16_t)u->flags.master_port, 5);
	u->poll_timer = event_new(u->base, -1, 0, on_poll_timer, u);
	u->started = now_mono();
	event_add(u->poll_timer, &tv);
	event_base_dispatch(u->base);
}

static void up_cleanup(struct up *u)
{
	stop_children(u);
	http_client_free(u->client);
	if (u->poll_timer)
		event_free(u->poll_timer);
	if (u->sigint)
		event_free(u->sigint);
	if (u->sigterm)
		event_free(u->sigterm);
	if (u->sigchld)
		event_free(u->sigchld);
	if (u->base)
		event_base_free(u->base);
	for (int i = 0; i < NPRINCIPALS; i++)
		explicit_bzero(u->who[i].secret, sizeof(u->who[i].secret));
	flags_free(up_flag_defs, ARRAY_LEN(up_flag_defs), &u->flags);
}

int cli_up_main(int argc, char **argv)
{
	struct up u;
	int rc;

	memset(&u, 0, sizeof(u));
	u.names[CHILD_MASTER] = "master";
	u.names[CHILD_AGENT] = "agent";
	u.names[CHILD_JOBS] = "jobs";
	log_init("up", LOG_LEVEL_INFO);
	rc = up_prepare(&u, argc, argv);
	if (rc == 0) {
		up_run(&u);
		rc = u.exit_code;
		if (!rc)
			printf("agora up: stopped.\n");
	}
	up_cleanup(&u);
	return rc < 0 ? 0 : rc;
}
