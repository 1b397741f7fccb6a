/*
 * test_flags — flags_load() and friends against real argv arrays, real
 * environment variables and real files under /tmp, plus the shipped
 * mesos-init-wrapper defaults in tests/fixtures/seed (run from the repo
 * root). Every test clears the MESOS_/AGORA_ variables of its table first
 * and removes the files it wrote.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/flags.h"
#include "core/util.h"

struct test_cfg {
	bool verbose;
	bool hostname_lookup;
	bool authenticate_agents;
	bool authenticate_frameworks;
	char *cluster;
	char *work_dir;
	char *acls;
	char *ip;
	char *log_dir;
	char *zk;
	int64_t port;
	double weight;
	double offer_timeout;
	uint64_t max_mem;
};

#define F(field) offsetof(struct test_cfg, field)
static const struct flag_def defs[] = {
	{ "verbose", NULL, FLAG_BOOL, F(verbose), NULL, "Log more." },
	{ "hostname_lookup", NULL, FLAG_BOOL, F(hostname_lookup), "true",
	  "Look up the hostname when none is given." },
	{ "authenticate_agents", "authenticate_slaves", FLAG_BOOL, F(authenticate_agents), NULL,
	  "Only authenticated agents may register." },
	{ "authenticate_frameworks", "authenticate", FLAG_BOOL, F(authenticate_frameworks), NULL,
	  "Only authenticated frameworks may register." },
	{ "cluster", NULL, FLAG_STRING, F(cluster), NULL, "Human readable cluster name." },
	{ "work_dir", NULL, FLAG_PATH, F(work_dir), NULL, "Where the registry lives." },
	{ "acls", NULL, FLAG_JSON, F(acls), NULL, "Access control lists (JSON)." },
	{ "ip", NULL, FLAG_STRING, F(ip), NULL, "IP address to listen on." },
	{ "log_dir", NULL, FLAG_PATH, F(log_dir), NULL, "Log file directory." },
	{ "zk", NULL, FLAG_STRING, F(zk), NULL, "ZooKeeper URL." },
	{ "port", NULL, FLAG_INT, F(port), "5050", "Port to listen on." },
	{ "weight", NULL, FLAG_DOUBLE, F(weight), NULL, "A weight." },
	{ "offer_timeout", NULL, FLAG_DURATION, F(offer_timeout), "15secs",
	  "Duration after which an offer is rescinded." },
	{ "max_mem", NULL, FLAG_BYTES, F(max_mem), NULL, "Memory cap." },
};
#define NDEFS ARRAY_LEN(defs)

static int idx(const char *name)
{
	int i = flags_find(defs, NDEFS, name);
	assert_true(i >= 0);
	return i;
}

static void unset_env_for(const struct flag_def *table, size_t n)
{
	static const char *const prefixes[] = { "MESOS_", "AGORA_" };
	char var[256];

	for (size_t i = 0; i < n; i++) {
		const char *names[] = { table[i].name, table[i].alias };
		for (size_t p = 0; p < 2; p++) {
			for (size_t k = 0; k < 2; k++) {
				size_t len;
				if (!names[k])
					continue;
				str_copy(var, prefixes[p], sizeof(var));
				str_append(var, names[k], sizeof(var));
				len = strlen(var);
				for (size_t c = 0; c < len; c++) {
					if (var[c] >= 'a' && var[c] <= 'z')
						var[c] = (char)(var[c] - 'a' + 'A');
				}
				unsetenv(var);
			}
		}
	}
}

static int clean_env(void **state)
{
	(void)state;
	unset_env_for(defs, NDEFS);
	return 0;
}

/* Writes content to a fresh /tmp file; returns its malloc'd path. */
static char *write_temp(const char *content)
{
	char path[] = "/tmp/agora-test-flags-XXXXXX";
	int fd = mkstemp(path);
	size_t len = strlen(content);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	close(fd);
	return xstrdup(path);
}

static void remove_temp(char *path)
{
	unlink(path);
	free(path);
}

/* args: NULL-terminated, after the implicit "agora master". */
static int load_args(struct test_cfg *cfg, struct flags_result *res, char *err, size_t errlen,
		     bool allow_positional, const char **args)
{
	int argc = 0;

	while (args[argc])
		argc++;
	return flags_load(defs, NDEFS, cfg, argc, (char **)args, 2, allow_positional, res, err,
			  errlen);
}

#define ARGV(...) ((const char *[]){ "agora", "master", __VA_ARGS__, NULL })
#define LOAD(cfg, res, err, ...) load_args(cfg, res, err, sizeof(err), true, ARGV(__VA_ARGS__))

/* Expects the load to fail with exactly this message. */
#define LOAD_FAILS(msg, ...)                                                       \
	do {                                                                       \
		struct test_cfg c_ = { 0 };                                        \
		struct flags_result r_;                                            \
		char e_[512];                                                      \
		assert_int_equal(LOAD(&c_, &r_, e_, __VA_ARGS__), -EINVAL);        \
		assert_string_equal(e_, msg);                                      \
		flags_free(defs, NDEFS, &c_);                                      \
	} while (0)

static void test_defaults(void **state)
{
	struct test_cfg cfg = { 0 };
	struct flags_result res;
	char err[256];
	const char *args[] = { "agora", "master", NULL };

	(void)state;
	assert_int_equal(load_args(&cfg, &res, err, sizeof(err), false, args), 0);
	assert_int_equal(cfg.port, 5050);
	assert_true(cfg.hostname_lookup);
	assert_false(cfg.verbose);
	assert_true(cfg.offer_timeout == 15.0);
	assert_null(cfg.cluster);
	assert_null(res.config_file);
	assert_false(res.help);
	assert_int_equal(res.npositional, 0);
	for (size_t i = 0; i < NDEFS; i++)
		assert_false(res.set[i]);
	flags_free(defs, NDEFS, &cfg);
}

static void test_cli_values(void **state)
{
	struct test_cfg cfg = { 0 };
	struct flags_result res;
	char err[256];

	(void)state;
	assert_int_equal(LOAD(&cfg, &res, err, "--port=6000", "--cluster", "prod",
			      "--offer_timeout=1mins", "--max_mem", "512MB", "--weight=0.5",
			      "--work_dir=/var/lib/agora", "--acls", "{\"permissive\":true}"),
			 0);
	assert_int_equal(cfg.port, 6000);
	assert_string_equal(cfg.cluster, "prod");
	assert_true(cfg.offer_timeout == 60.0);
	assert_true(cfg.max_mem == 512ull << 20);
	assert_true(cfg.weight == 0.5);
	assert_string_equal(cfg.work_dir, "/var/lib/agora");
	assert_string_equal(cfg.acls, "{\"permissive\":true}");
	assert_true(res.set[idx("port")]);
	assert_true(res.set[idx("cluster")]);
	assert_false(res.set[idx("verbose")]);
	assert_false(res.set[idx("hostname_lookup")]);
	flags_free(defs, NDEFS, &cfg);

	/* Names are matched lower-cased; an empty string value is a value. */
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(LOAD(&cfg, &res, err, "--PORT=1", "--Cluster="), 0);
	assert_int_equal(cfg.port, 1);
	assert_string_equal(cfg.cluster, "");
	flags_free(defs, NDEFS, &cfg);
}

static void test_bool_forms(void **state)
{
	static const struct {
		const char *arg;
		bool verbose;
	} cases[] = {
		{ "--verbose", true },	      { "--no-verbose", false },
		{ "--verbose=true", true },   { "--verbose=false", false },
		{ "--verbose=1", true },      { "--verbose=0", false },
		{ "--verbose=yes", true },    { "--verbose=no", false },
		{ "--verbose=TRUE", true },   { "--verbose=No", false },
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct test_cfg cfg = { .verbose = !cases[i].verbose };
		struct flags_result res;
		assert_int_equal(LOAD(&cfg, &res, err, cases[i].arg), 0);
		assert_int_equal(cfg.verbose, cases[i].verbose);
		assert_true(res.set[idx("verbose")]);
		flags_free(defs, NDEFS, &cfg);
	}
	{
		struct test_cfg cfg = { 0 };
		struct flags_result res;
		assert_int_equal(LOAD(&cfg, &res, err, "--no-hostname_lookup"), 0);
		assert_false(cfg.hostname_lookup);
		/* A boolean does not take the next argument as its value. */
		assert_int_equal(LOAD(&cfg, &res, err, "--verbose", "false"), 0);
		assert_true(cfg.verbose);
		assert_int_equal(res.npositional, 1);
		assert_string_equal(res.positional[0], "false");
		flags_free(defs, NDEFS, &cfg);
	}
	LOAD_FAILS("flag --verbose: expected true or false, got 'maybe'", "--verbose=maybe");
	LOAD_FAILS("flag --verbose: expected true or false, got ''", "--verbose=");
	LOAD_FAILS("flag --port is not a boolean, so --no-port is invalid", "--no-port");
	LOAD_FAILS("flag --no-verbose does not take a value", "--no-verbose=true");
	LOAD_FAILS("flag --verbose given twice", "--verbose", "--no-verbose");
}

static void test_value_errors(void **state)
{
	(void)state;
	LOAD_FAILS("flag --port: expected an integer, got 'abc'", "--port=abc");
	LOAD_FAILS("flag --port: expected an integer, got 'abc'", "--port", "abc");
	LOAD_FAILS("flag --port needs a value", "--port");
	LOAD_FAILS("flag --port needs a value", "--port", "--verbose");
	LOAD_FAILS("flag --weight: expected a number, got '1.5x'", "--weight=1.5x");
	LOAD_FAILS("flag --offer_timeout: expected a duration like 15secs or 10mins, got '5 mins'",
		   "--offer_timeout=5 mins");
	LOAD_FAILS("flag --max_mem: expected a size like 512MB or 1GB, got '1XB'", "--max_mem=1XB");
	/* Control bytes are not echoed back to the terminal. */
	LOAD_FAILS("flag --port: expected an integer, got '1?2'", "--port=1\x1b" "2");
}

static void test_aliases(void **state)
{
	struct test_cfg cfg = { 0 };
	struct flags_result res;
	char err[256];

	(void)state;
	assert_int_equal(flags_find(defs, NDEFS, "authenticate_slaves"), idx("authenticate_agents"));
	assert_int_equal(flags_find(defs, NDEFS, "authenticate"), idx("authenticate_frameworks"));
	assert_int_equal(flags_find(defs, NDEFS, "nope"), -1);
	assert_int_equal(flags_find(defs, NDEFS, "PORT"), -1);

	assert_int_equal(LOAD(&cfg, &res, err, "--authenticate_slaves", "--authenticate=true"), 0);
	assert_true(cfg.authenticate_agents);
	assert_true(cfg.authenticate_frameworks);
	assert_true(res.set[idx("authenticate_agents")]);
	assert_int_equal(LOAD(&cfg, &res, err, "--no-authenticate_slaves"), 0);
	assert_false(cfg.authenticate_agents);
	flags_free(defs, NDEFS, &cfg);

	LOAD_FAILS("flag --authenticate_agents given twice", "--authenticate_agents",
		   "--authenticate_slaves=false");
}

static void test_unknown_and_duplicate(void **state)
{
	(void)state;
	LOAD_FAILS("unknown flag '--foo'", "--foo=bar");
	LOAD_FAILS("unknown flag '--foo'", "--foo");
	LOAD_FAILS("unknown flag '--no-foo'", "--no-foo");
	LOAD_FAILS("unknown flag '-x'", "-x");
	LOAD_FAILS("unknown flag '--'", "--=1");
	LOAD_FAILS("flag --port given twice", "--port=1", "--port=2");
	LOAD_FAILS("flag --cluster given twice", "--cluster", "a", "--CLUSTER=b");
	LOAD_FAILS("flag --config given twice", "--config=/a", "--config", "/b");
	LOAD_FAILS("flag --config needs a value", "--config");
	/* The first error is the one reported. */
	LOAD_FAILS("unknown flag '--foo'", "--foo", "--port=x");
}

static void test_positional(void **state)
{
	struct test_cfg cfg = { 0 };
	struct flags_result res;
	char err[256];

	(void)state;
	assert_int_equal(LOAD(&cfg, &res, err, "a", "--port=1", "-", "--", "--verbose", "b"), 0);
	assert_int_equal(cfg.port, 1);
	assert_false(cfg.verbose);
	assert_int_equal(res.npositional, 4);
	assert_string_equal(res.positional[0], "a");
	assert_string_equal(res.positional[1], "-");
	assert_string_equal(res.positional[2], "--verbose");
	assert_string_equal(res.positional[3], "b");
	flags_free(defs, NDEFS, &cfg);

	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(load_args(&cfg, &res, err, sizeof(err), false, ARGV("--port=1", "extra")),
			 -EINVAL);
	assert_string_equal(err, "unexpected argument 'extra'");
	flags_free(defs, NDEFS, &cfg);

	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(load_args(&cfg, &res, err, sizeof(err), false, ARGV("--", "x")), -EINVAL);
	assert_string_equal(err, "unexpected argument 'x'");
	flags_free(defs, NDEFS, &cfg);
}

static void test_too_many_positional(void **state)
{
	const char *args[FLAGS_MAX_POSITIONAL + 4] = { "agora", "master" };
	struct test_cfg cfg = { 0 };
	struct flags_result res;
	char err[256];
	int n = 2;

	(void)state;
	while (n < FLAGS_MAX_POSITIONAL + 3)
		args[n++] = "p";
	args[n] = NULL;
	assert_int_equal(load_args(&cfg, &res, err, sizeof(err), true, args), -EINVAL);
	assert_string_equal(err, "more than 64 arguments");
	flags_free(defs, NDEFS, &cfg);
}

static void test_help_and_check_config(void **state)
{
	struct test_cfg cfg = { 0 };
	struct flags_result res;
	char err[256];

	(void)state;
	assert_int_equal(LOAD(&cfg, &res, err, "-h"), 0);
	assert_true(res.help);
	/* --help wins over bad flags and skips the other sources. */
	setenv("MESOS_PORT", "junk", 1);
	assert_int_equal(LOAD(&cfg, &res, err, "--bogus", "--port=x", "--help"), 0);
	assert_true(res.help);
	assert_string_equal(err, "");
	assert_int_equal(cfg.port, 5050);
	unsetenv("MESOS_PORT");
	/* After "--" it is just an argument. */
	assert_int_equal(LOAD(&cfg, &res, err, "--", "--help"), 0);
	assert_false(res.help);
	assert_int_equal(LOAD(&cfg, &res, err, "--check-config", "--port=2"), 0);
	assert_true(res.check_config);
	assert_false(res.help);
	assert_int_equal(LOAD(&cfg, &res, err, "--check_config"), 0);
	assert_true(res.check_config);
	flags_free(defs, NDEFS, &cfg);
	LOAD_FAILS("flag --help does not take a value", "--help=1", "--port=x");
}

static void test_environment(void **state)
{
	struct test_cfg cfg = { 0 };
	struct flags_result res;
	char err[256];

	(void)state;
	setenv("MESOS_PORT", "7000", 1);
	setenv("MESOS_CLUSTER", "from-mesos", 1);
	setenv("MESOS_AUTHENTICATE_SLAVES", "true", 1);
	setenv("MESOS_UNRELATED_THING", "ignored", 1);
	assert_int_equal(LOAD(&cfg, &res, err, "--verbose"), 0);
	assert_int_equal(cfg.port, 7000);
	assert_string_equal(cfg.cluster, "from-mesos");
	assert_true(cfg.authenticate_agents);
	assert_true(res.set[idx("port")]);
	assert_true(res.set[idx("authenticate_agents")]);
	assert_false(res.set[idx("work_dir")]);

	/* AGORA_ wins over MESOS_; the command line over both. */
	setenv("AGORA_PORT", "7100", 1);
	setenv("AGORA_CLUSTER", "from-agora", 1);
	assert_int_equal(LOAD(&cfg, &res, err, "--cluster=from-cli"), 0);
	assert_int_equal(cfg.port, 7100);
	assert_string_equal(cfg.cluster, "from-cli");

	/* The name wins over the alias under one prefix. */
	setenv("MESOS_AUTHENTICATE_AGENTS", "false", 1);
	assert_int_equal(LOAD(&cfg, &res, err, "--verbose"), 0);
	assert_false(cfg.authenticate_agents);

	/* A bad MESOS_ value hidden by a good AGORA_ one is no error. */
	setenv("MESOS_PORT", "junk", 1);
	assert_int_equal(LOAD(&cfg, &res, err, "--verbose"), 0);
	assert_int_equal(cfg.port, 7100);
	flags_free(defs, NDEFS, &cfg);

	unsetenv("AGORA_PORT");
	LOAD_FAILS("environment MESOS_PORT: expected an integer, got 'junk'", "--verbose");
	/* ... but the command line does not rescue a bad environment. */
	LOAD_FAILS("environment MESOS_PORT: expected an integer, got 'junk'", "--port=1");
}

static void test_config_file_precedence(void **state)
{
	struct test_cfg cfg = { 0 };
	struct flags_result res;
	char err[512];
	char *path = write_temp("port=8000\ncluster=from-file\nweight=2\n");

	(void)state;
	setenv("MESOS_PORT", "7000", 1);
	setenv("MESOS_WEIGHT", "1", 1);
	setenv("MESOS_OFFER_TIMEOUT", "3secs", 1);
	/* --config placed after the flag it loses to, and before. */
	assert_int_equal(LOAD(&cfg, &res, err, "--cluster=cli", "--config", path), 0);
	assert_string_equal(res.config_file, path);
	assert_int_equal(cfg.port, 8000);
	assert_string_equal(cfg.cluster, "cli");
	assert_true(cfg.weight == 2.0);
	assert_true(cfg.offer_timeout == 3.0);
	assert_true(res.set[idx("offer_timeout")]);
	assert_true(res.set[idx("weight")]);
	{
		char arg[PATH_MAX];
		snprintf(arg, sizeof(arg), "--config=%s", path);
		assert_int_equal(LOAD(&cfg, &res, err, arg, "--port=9000"), 0);
		assert_int_equal(cfg.port, 9000);
		assert_string_equal(cfg.cluster, "from-file");
	}
	flags_free(defs, NDEFS, &cfg);
	unsetenv("MESOS_PORT");
	unsetenv("MESOS_WEIGHT");
	unsetenv("MESOS_OFFER_TIMEOUT");
	remove_temp(path);

	LOAD_FAILS("cannot read config file /nonexistent/agora.conf: No such file or directory",
		   "--config=/nonexistent/agora.conf");
}

/* Every value override frees what it replaces (ASan checks the leaks). */
static void test_string_overrides(void **state)
{
	static const struct flag_def with_default[] = {
		{ "cluster", NULL, FLAG_STRING, F(cluster), "dflt", "Name." },
	};
	struct test_cfg cfg = { 0 };
	struct flags_result res;
	char err[256];
	char *path = write_temp("cluster=one\nCLUSTER=two\n");
	char arg[PATH_MAX];
	const char *args[] = { "agora", "master", arg, "--cluster=cli", NULL };

	(void)state;
	snprintf(arg, sizeof(arg), "--config=%s", path);
	setenv("MESOS_CLUSTER", "env", 1);
	assert_int_equal(flags_load(with_default, 1, &cfg, 4, (char **)args, 2, false, &res, err,
				    sizeof(err)),
			 0);
	assert_string_equal(cfg.cluster, "cli");
	flags_free(with_default, 1, &cfg);
	assert_null(cfg.cluster);
	unsetenv("MESOS_CLUSTER");
	remove_temp(path);
}

static void test_config_syntax(void **state)
{
	struct test_cfg cfg = { 0 };
	struct flags_result res = { 0 };
	char err[512];
	char *zk = write_temp("zk://10.0.0.1:2181/mesos\n");
	char text[2048];

	(void)state;
	snprintf(text, sizeof(text),
		 "# comment\n"
		 "\n"
		 "   # indented comment\n"
		 "export MESOS_PORT=1\n"
		 "PORT=5051\r\n"
		 "  cluster = \"a \\\"quoted\\\" \\\\ \\$HOME name\"  # trailing\n"
		 "work_dir='/var/lib/$x \"y\"'\n"
		 "LOGS=/var/log/mesos # where logs go\n"
		 "ULIMIT=\"-n 8192\"\n"
		 "ZK=`cat %s`\n"
		 "AGORA_VERBOSE=yes\n"
		 "Authenticate=TRUE\n"
		 "ip=a#b\n"
		 "acls=\n"
		 "offer_timeout=2mins\n"
		 "offer_timeout=3mins",
		 zk);
	assert_int_equal(flags_parse_config_text(defs, NDEFS, &cfg, text, strlen(text), "t.conf",
						 &res, err, sizeof(err)),
			 0);
	assert_int_equal(cfg.port, 5051);
	assert_string_equal(cfg.cluster, "a \"quoted\" \\ $HOME name");
	assert_string_equal(cfg.work_dir, "/var/lib/$x \"y\"");
	assert_string_equal(cfg.log_dir, "/var/log/mesos");
	assert_string_equal(cfg.zk, "zk://10.0.0.1:2181/mesos");
	assert_true(cfg.verbose);
	assert_true(cfg.authenticate_frameworks);
	assert_string_equal(cfg.ip, "a#b");
	assert_string_equal(cfg.acls, "");
	assert_true(cfg.offer_timeout == 180.0);
	assert_true(res.set[idx("log_dir")]);
	assert_true(res.set[idx("authenticate_frameworks")]);
	assert_false(res.set[idx("hostname_lookup")]);
	flags_free(defs, NDEFS, &cfg);

	/* $(cat F) inside double quotes, as some defaults write it. */
	snprintf(text, sizeof(text), "export ZK=\"$(cat %s)\"\n", zk);
	assert_int_equal(flags_parse_config_text(defs, NDEFS, &cfg, text, strlen(text), "t.conf",
						 NULL, err, sizeof(err)),
			 0);
	assert_string_equal(cfg.zk, "zk://10.0.0.1:2181/mesos");
	flags_free(defs, NDEFS, &cfg);
	remove_temp(zk);

	/* Empty text is fine, and need not be NUL-terminated. */
	assert_int_equal(flags_parse_config_text(defs, NDEFS, &cfg, "", 0, "t", NULL, err,
						 sizeof(err)),
			 0);
	assert_int_equal(flags_parse_config_text(defs, NDEFS, &cfg, "port=12345", 7, "t", NULL,
						 err, sizeof(err)),
			 0);
	assert_int_equal(cfg.port, 12);
}

static void config_fails(const char *text, size_t len, const char *msg)
{
	struct test_cfg cfg = { 0 };
	char err[512];

	assert_int_equal(flags_parse_config_text(defs, NDEFS, &cfg, text, len, "/etc/default/agora",
						 NULL, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, msg);
	flags_free(defs, NDEFS, &cfg);
}
#define CONFIG_FAILS(text, msg) config_fails(text, strlen(text), msg)

static void test_config_errors(void **state)
{
	(void)state;
	CONFIG_FAILS("port=1\n\nbogus=2\n", "/etc/default/agora:3: unknown key 'bogus'");
	CONFIG_FAILS("port=1\nport=x\n",
		     "/etc/default/agora:2: flag --port: expected an integer, got 'x'");
	CONFIG_FAILS("MASTER=zk://a/mesos\n", "/etc/default/agora:1: unknown key 'MASTER'");
	CONFIG_FAILS("MESOS_=1\n", "/etc/default/agora:1: unknown key 'MESOS_'");
	CONFIG_FAILS("verbose\n", "/etc/default/agora:1: expected KEY=VALUE, got 'verbose'");
	CONFIG_FAILS("export PORT\n",
		     "/etc/default/agora:1: expected KEY=VALUE, got 'export PORT'");
	CONFIG_FAILS("=1\n", "/etc/default/agora:1: expected KEY=VALUE, got '=1'");
	CONFIG_FAILS("--port=1\n", "/etc/default/agora:1: unknown key '--port'");
	CONFIG_FAILS("cluster=\"abc\n", "/etc/default/agora:1: cluster: no closing double quote");
	CONFIG_FAILS("cluster='abc\n", "/etc/default/agora:1: cluster: no closing single quote");
	CONFIG_FAILS("cluster=\"a\"b\n",
		     "/etc/default/agora:1: cluster: unexpected text after the closing quote");
	CONFIG_FAILS("zk=$ZK\n", "/etc/default/agora:1: zk: shell expansion is not supported (no "
				 "shell reads this file); write the value itself, or single-quote it");
	CONFIG_FAILS("zk=\"`hostname`\"\n",
		     "/etc/default/agora:1: zk: shell expansion is not supported (no shell reads "
		     "this file); write the value itself, or single-quote it");
	CONFIG_FAILS("ZK=`cat /nonexistent/zk`\n",
		     "/etc/default/agora:1: flag --zk: cannot read /nonexistent/zk: No such file "
		     "or directory");
	{
		static const char nul_text[] = "port=1\ncluster=a\0b\n";
		config_fails(nul_text, sizeof(nul_text) - 1,
			     "/etc/default/agora:2: line holds a NUL byte");
	}
	{
		size_t len = FLAGS_MAX_LINE + 16;
		char *big = xmalloc(len + 1);
		memcpy(big, "cluster=", 8);
		memset(big + 8, 'x', len - 8);
		big[len] = '\0';
		CONFIG_FAILS(big, "/etc/default/agora:1: line longer than 65536 bytes");
		free(big);
	}
	config_fails("", FLAGS_MAX_FILE + 1, "/etc/default/agora: larger than 1048576 bytes");
}

static void test_file_urls(void **state)
{
	struct test_cfg cfg = { 0 };
	struct flags_result res;
	char err[512], cluster_arg[PATH_MAX], port_arg[PATH_MAX], bool_arg[PATH_MAX];
	char *secret = write_temp("secret name\n");
	char *number = write_temp("1234\r\n");
	char *yes = write_temp("true");

	(void)state;
	snprintf(cluster_arg, sizeof(cluster_arg), "--cluster=file://%s", secret);
	snprintf(port_arg, sizeof(port_arg), "--port=file://%s", number);
	snprintf(bool_arg, sizeof(bool_arg), "--verbose=file://%s", yes);
	assert_int_equal(LOAD(&cfg, &res, err, cluster_arg, port_arg, bool_arg,
			      "--work_dir=file:///var/lib/agora"),
			 0);
	assert_string_equal(cfg.cluster, "secret name");
	assert_int_equal(cfg.port, 1234);
	assert_true(cfg.verbose);
	assert_string_equal(cfg.work_dir, "/var/lib/agora");
	flags_free(defs, NDEFS, &cfg);

	/* The same through the environment. */
	setenv("MESOS_CLUSTER", cluster_arg + strlen("--cluster="), 1);
	assert_int_equal(LOAD(&cfg, &res, err, "--verbose"), 0);
	assert_string_equal(cfg.cluster, "secret name");
	flags_free(defs, NDEFS, &cfg);
	unsetenv("MESOS_CLUSTER");

	remove_temp(secret);
	remove_temp(number);
	remove_temp(yes);

	LOAD_FAILS("flag --cluster: cannot read file:///nonexistent/x: No such file or directory",
		   "--cluster=file:///nonexistent/x");
	setenv("MESOS_ACLS", "file:///nonexistent/x", 1);
	LOAD_FAILS("environment MESOS_ACLS: cannot read file:///nonexistent/x: No such file or "
		   "directory",
		   "--verbose");
	unsetenv("MESOS_ACLS");
}

static void test_json_paths(void **state)
{
	struct test_cfg cfg = { 0 };
	struct flags_result res;
	char err[512], fixture[PATH_MAX], arg[PATH_MAX + 16];
	char *expected = NULL;
	size_t len;

	(void)state;
	assert_non_null(realpath("tests/fixtures/seed/master-acls.json", fixture));
	assert_int_equal(file_read_all(fixture, FLAGS_MAX_FILE, &expected, &len), 0);
	if (len && expected[len - 1] == '\n')
		expected[len - 1] = '\0';

	/* Mesos' deprecated bare absolute path, and file://. */
	snprintf(arg, sizeof(arg), "--acls=%s", fixture);
	assert_int_equal(LOAD(&cfg, &res, err, arg), 0);
	assert_string_equal(cfg.acls, expected);
	snprintf(arg, sizeof(arg), "--acls=file://%s", fixture);
	assert_int_equal(LOAD(&cfg, &res, err, arg), 0);
	assert_string_equal(cfg.acls, expected);
	/* Anything else is the JSON text itself. */
	assert_int_equal(LOAD(&cfg, &res, err, "--acls={\"permissive\": false}"), 0);
	assert_string_equal(cfg.acls, "{\"permissive\": false}");
	/* A bare path is read only for JSON flags. */
	assert_int_equal(LOAD(&cfg, &res, err, "--cluster=/nonexistent/x"), 0);
	assert_string_equal(cfg.cluster, "/nonexistent/x");
	flags_free(defs, NDEFS, &cfg);
	free(expected);

	LOAD_FAILS("flag --acls: cannot read /nonexistent/acls.json: No such file or directory",
		   "--acls=/nonexistent/acls.json");
}

/* The flags the seeds use, as the master and agent tables declare them. */
struct seed_cfg {
	char *ip;
	bool authenticate_frameworks;
	bool authenticate_agents;
	char *credentials;
	char *acls;
	char *isolation;
	char *executor_environment_variables;
	char *credential;
};
#define S(field) offsetof(struct seed_cfg, field)
/*
 * acls and executor_environment_variables are JSON flags in the roles, which
 * would read the seed's /etc/mesos/... files; those do not exist on a test
 * machine, so here they are plain strings (test_seed_json_flag covers the
 * JSON reading of the same file).
 */
static const struct flag_def seed_defs[] = {
	{ "ip", NULL, FLAG_STRING, S(ip), NULL, "IP address." },
	{ "authenticate_frameworks", "authenticate", FLAG_BOOL, S(authenticate_frameworks), NULL,
	  "Authenticate frameworks." },
	{ "authenticate_agents", "authenticate_slaves", FLAG_BOOL, S(authenticate_agents), NULL,
	  "Authenticate agents." },
	{ "credentials", NULL, FLAG_PATH, S(credentials), NULL, "Credentials file." },
	{ "acls", NULL, FLAG_STRING, S(acls), NULL, "ACLs." },
	{ "isolation", NULL, FLAG_STRING, S(isolation), "posix/cpu,posix/mem", "Isolators." },
	{ "executor_environment_variables", NULL, FLAG_STRING, S(executor_environment_variables),
	  NULL, "Executor environment." },
	{ "credential", NULL, FLAG_PATH, S(credential), NULL, "Agent credential file." },
};

static void test_seed_master(void **state)
{
	struct seed_cfg cfg = { 0 };
	struct flags_result res;
	char err[512];
	const char *args[] = { "agora", "master", "--config",
			       "tests/fixtures/seed/default-mesos-master", NULL };

	(void)state;
	unset_env_for(seed_defs, ARRAY_LEN(seed_defs));
	assert_int_equal(flags_load(seed_defs, ARRAY_LEN(seed_defs), &cfg, 4, (char **)args, 2,
				    false, &res, err, sizeof(err)),
			 0);
	assert_string_equal(cfg.ip, "10.1.1.5");
	assert_true(cfg.authenticate_frameworks);
	assert_true(cfg.authenticate_agents);
	assert_string_equal(cfg.credentials, "/etc/mesos/master-credentials.json");
	assert_string_equal(cfg.acls, "/etc/mesos/master-acls.json");
	assert_string_equal(cfg.isolation, "posix/cpu,posix/mem");
	assert_null(cfg.credential);
	assert_true(res.set[0] && res.set[1] && res.set[2] && res.set[3] && res.set[4]);
	assert_false(res.set[5] || res.set[6] || res.set[7]);
	flags_free(seed_defs, ARRAY_LEN(seed_defs), &cfg);
}

static void test_seed_slave(void **state)
{
	struct seed_cfg cfg = { 0 };
	struct flags_result res;
	char err[512];
	const char *args[] = { "agora", "agent", "--config=tests/fixtures/seed/default-mesos-slave",
			       NULL };

	(void)state;
	unset_env_for(seed_defs, ARRAY_LEN(seed_defs));
	assert_int_equal(flags_load(seed_defs, ARRAY_LEN(seed_defs), &cfg, 3, (char **)args, 2,
				    false, &res, err, sizeof(err)),
			 0);
	assert_string_equal(cfg.isolation,
			    "gpu/nvidia,filesystem/linux,docker/runtime,cgroups/cpu,cgroups/mem,"
			    "network/cni,cgroups/perf_event,posix/disk,cgroups/devices");
	assert_string_equal(cfg.executor_environment_variables,
			    "/etc/mesos/slave-executor-env.json");
	assert_string_equal(cfg.credential, "/etc/mesos/slave-credential-pair");
	assert_null(cfg.ip);
	assert_false(cfg.authenticate_agents);
	flags_free(seed_defs, ARRAY_LEN(seed_defs), &cfg);
}

static void test_seed_json_flag(void **state)
{
	static const struct flag_def json_defs[] = {
		{ "ip", NULL, FLAG_STRING, S(ip), NULL, "IP address." },
		{ "authenticate_frameworks", "authenticate", FLAG_BOOL, S(authenticate_frameworks),
		  NULL, "Authenticate frameworks." },
		{ "authenticate_agents", "authenticate_slaves", FLAG_BOOL, S(authenticate_agents),
		  NULL, "Authenticate agents." },
		{ "credentials", NULL, FLAG_PATH, S(credentials), NULL, "Credentials file." },
		{ "acls", NULL, FLAG_JSON, S(acls), NULL, "ACLs." },
	};
	struct seed_cfg cfg = { 0 };
	struct flags_result res;
	char err[512];
	const char *args[] = { "agora", "master", "--config",
			       "tests/fixtures/seed/default-mesos-master", NULL };

	(void)state;
	if (access("/etc/mesos/master-acls.json", F_OK) == 0)
		skip();
	unset_env_for(json_defs, ARRAY_LEN(json_defs));
	assert_int_equal(flags_load(json_defs, ARRAY_LEN(json_defs), &cfg, 4, (char **)args, 2,
				    false, &res, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "tests/fixtures/seed/default-mesos-master:5: flag --acls: cannot "
				 "read /etc/mesos/master-acls.json: No such file or directory");
	flags_free(json_defs, ARRAY_LEN(json_defs), &cfg);
}

static void test_to_json(void **state)
{
	struct test_cfg cfg = { 0 };
	struct flags_result res;
	char err[256];
	json_t *obj;

	(void)state;
	assert_int_equal(LOAD(&cfg, &res, err, "--cluster=prod", "--max_mem=1536MB",
			      "--offer_timeout=0.5", "--no-hostname_lookup"),
			 0);
	obj = flags_to_json(defs, NDEFS, &cfg);
	assert_non_null(obj);
	assert_string_equal(json_string_value(json_object_get(obj, "cluster")), "prod");
	assert_string_equal(json_string_value(json_object_get(obj, "port")), "5050");
	assert_string_equal(json_string_value(json_object_get(obj, "verbose")), "false");
	assert_string_equal(json_string_value(json_object_get(obj, "hostname_lookup")), "false");
	assert_string_equal(json_string_value(json_object_get(obj, "offer_timeout")), "500ms");
	assert_string_equal(json_string_value(json_object_get(obj, "max_mem")), "1536MB");
	assert_null(json_object_get(obj, "work_dir"));
	assert_null(json_object_get(obj, "weight"));
	json_decref(obj);
	flags_free(defs, NDEFS, &cfg);

	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(LOAD(&cfg, &res, err, "--max_mem=2GB", "--offer_timeout=10mins",
			      "--weight=0.25", "--cluster=caf\xc3\xa9\xff"),
			 0);
	obj = flags_to_json(defs, NDEFS, &cfg);
	assert_string_equal(json_string_value(json_object_get(obj, "max_mem")), "2GB");
	assert_string_equal(json_string_value(json_object_get(obj, "offer_timeout")), "10mins");
	assert_string_equal(json_string_value(json_object_get(obj, "weight")), "0.25");
	assert_string_equal(json_string_value(json_object_get(obj, "cluster")), "caf???");
	json_decref(obj);
	flags_free(defs, NDEFS, &cfg);
}

static void test_usage(void **state)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	(void)state;
	assert_non_null(out);
	flags_usage(out, "agora master [flags]", defs, NDEFS);
	fclose(out);
	assert_true(str_starts_with(text, "Usage: agora master [flags]\n"));
	assert_non_null(strstr(text, "\n  --port=INT\n        Port to listen on. (default: 5050)\n"));
	assert_non_null(strstr(text, "\n  --[no-]verbose\n        Log more. (default: false)\n"));
	assert_non_null(strstr(text, "\n  --[no-]hostname_lookup\n"));
	assert_non_null(strstr(text, "(default: true)"));
	assert_non_null(strstr(text, "\n  --offer_timeout=DURATION\n"));
	assert_non_null(strstr(text, "--authenticate_slaves, deprecated)"));
	assert_non_null(strstr(text, "\n  --config=FILE\n"));
	assert_non_null(strstr(text, "\n  -h, --help\n"));
	/* Wrapped at 80 columns. */
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		assert_true(len <= 80);
		line += len + (nl ? 1 : 0);
	}
	free(text);
}

static void test_table_limits(void **state)
{
	struct flag_def *big = xcalloc(FLAGS_MAX_DEFS + 1, sizeof(*big));
	struct test_cfg cfg = { 0 };
	struct flags_result res;
	char err[256];
	const char *args[] = { "agora", "master", NULL };

	(void)state;
	for (size_t i = 0; i <= FLAGS_MAX_DEFS; i++)
		big[i] = (struct flag_def){ "verbose", NULL, FLAG_BOOL, F(verbose), NULL, "x" };
	assert_int_equal(flags_load(big, FLAGS_MAX_DEFS + 1, &cfg, 2, (char **)args, 2, false,
				    &res, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "flag table has 257 entries, at most 256 allowed");
	assert_int_equal(flags_load(big, FLAGS_MAX_DEFS, &cfg, 2, (char **)args, 2, false, &res,
				    err, sizeof(err)),
			 0);
	free(big);
}

static void test_bad_default(void **state)
{
	static const struct flag_def bad[] = {
		{ "port", NULL, FLAG_INT, F(port), "50x0", "Port." },
	};
	struct test_cfg cfg = { 0 };
	struct flags_result res;
	char err[256];
	const char *args[] = { "agora", "master", NULL };

	(void)state;
	assert_int_equal(flags_load(bad, 1, &cfg, 2, (char **)args, 2, false, &res, err,
				    sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "default of flag --port: expected an integer, got '50x0'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, clean_env),
		cmocka_unit_test_setup(test_cli_values, clean_env),
		cmocka_unit_test_setup(test_bool_forms, clean_env),
		cmocka_unit_test_setup(test_value_errors, clean_env),
		cmocka_unit_test_setup(test_aliases, clean_env),
		cmocka_unit_test_setup(test_unknown_and_duplicate, clean_env),
		cmocka_unit_test_setup(test_positional, clean_env),
		cmocka_unit_test_setup(test_too_many_positional, clean_env),
		cmocka_unit_test_setup(test_help_and_check_config, clean_env),
		cmocka_unit_test_setup(test_environment, clean_env),
		cmocka_unit_test_setup(test_config_file_precedence, clean_env),
		cmocka_unit_test_setup(test_string_overrides, clean_env),
		cmocka_unit_test_setup(test_config_syntax, clean_env),
		cmocka_unit_test_setup(test_config_errors, clean_env),
		cmocka_unit_test_setup(test_file_urls, clean_env),
		cmocka_unit_test_setup(test_json_paths, clean_env),
		cmocka_unit_test_setup(test_seed_master, clean_env),
		cmocka_unit_test_setup(test_seed_slave, clean_env),
		cmocka_unit_test_setup(test_seed_json_flag, clean_env),
		cmocka_unit_test_setup(test_to_json, clean_env),
		cmocka_unit_test_setup(test_usage, clean_env),
		cmocka_unit_test_setup(test_table_limits, clean_env),
		cmocka_unit_test_setup(test_bad_default, clean_env),
	};
	return cmocka_run_group_tests_name("flags", tests, NULL, NULL);
}
