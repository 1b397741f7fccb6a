/*
 * fuzz_flags_config — flags_parse_config_text() on arbitrary bytes, as a
 * --config file's contents, against a table with every flag type, aliases
 * and the mesos-init-wrapper names. On success the result goes through
 * flags_to_json() too.
 *
 * Input starting with "\0argv\0" is instead split at NUL bytes into an argv
 * for flags_load(), so the command-line scanner is fuzzed as well.
 *
 * Values may name files (file://, `cat F`, JSON absolute paths); stdin is
 * pointed at /dev/null first so "/dev/stdin" cannot stall a run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/flags.h"
#include "core/util.h"

struct fuzz_cfg {
	bool verbose, hostname_lookup, authenticate_agents, authenticate_frameworks;
	char *cluster, *work_dir, *acls, *ip, *log_dir, *zk, *master, *isolation;
	char *credentials, *credential, *executor_environment_variables;
	int64_t port;
	double weight, offer_timeout;
	uint64_t max_mem;
};

#define F(field) offsetof(struct fuzz_cfg, field)
static const struct flag_def defs[] = {
	{ "verbose", NULL, FLAG_BOOL, F(verbose), NULL, "" },
	{ "hostname_lookup", NULL, FLAG_BOOL, F(hostname_lookup), "true", "" },
	{ "authenticate_agents", "authenticate_slaves", FLAG_BOOL, F(authenticate_agents), NULL,
	  "" },
	{ "authenticate_frameworks", "authenticate", FLAG_BOOL, F(authenticate_frameworks), NULL,
	  "" },
	{ "cluster", NULL, FLAG_STRING, F(cluster), "agora", "" },
	{ "work_dir", NULL, FLAG_PATH, F(work_dir), NULL, "" },
	{ "acls", NULL, FLAG_JSON, F(acls), NULL, "" },
	{ "ip", NULL, FLAG_STRING, F(ip), NULL, "" },
	{ "log_dir", NULL, FLAG_PATH, F(log_dir), NULL, "" },
	{ "zk", NULL, FLAG_STRING, F(zk), NULL, "" },
	{ "master", NULL, FLAG_STRING, F(master), NULL, "" },
	{ "isolation", NULL, FLAG_STRING, F(isolation), "posix/cpu,posix/mem", "" },
	{ "credentials", NULL, FLAG_PATH, F(credentials), NULL, "" },
	{ "credential", NULL, FLAG_PATH, F(credential), NULL, "" },
	{ "executor_environment_variables", NULL, FLAG_JSON, F(executor_environment_variables),
	  NULL, "" },
	{ "port", NULL, FLAG_INT, F(port), "5050", "" },
	{ "weight", NULL, FLAG_DOUBLE, F(weight), NULL, "" },
	{ "offer_timeout", NULL, FLAG_DURATION, F(offer_timeout), "15secs", "" },
	{ "max_mem", NULL, FLAG_BYTES, F(max_mem), NULL, "" },
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd = open("/dev/null", O_RDONLY);

	(void)argc;
	(void)argv;
	if (fd >= 0) {
		dup2(fd, 0);
		if (fd != 0)
			close(fd);
	}
	return 0;
}

static void check_result(struct fuzz_cfg *cfg, int rc, const char *err)
{
	if (rc == 0) {
		json_t *obj = flags_to_json(defs, ARRAY_LEN(defs), cfg);
		if (!obj)
			abort();
		json_decref(obj);
	} else if (rc != -EINVAL || err[0] == '\0') {
		abort(); /* every failure must say why */
	}
	flags_free(defs, ARRAY_LEN(defs), cfg);
}

static void fuzz_argv(const uint8_t *data, size_t size)
{
	struct fuzz_cfg cfg = { 0 };
	struct flags_result res;
	char err[512];
	char *copy = xmalloc(size + 1);
	char **argv = xcalloc(size + 3, sizeof(*argv));
	int argc = 2, rc;

	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[0] = "agora";
	argv[1] = "master";
	for (size_t pos = 0; pos < size;) {
		size_t len = strlen(copy + pos);
		argv[argc++] = copy + pos;
		pos += len + 1;
	}
	rc = flags_load(defs, ARRAY_LEN(defs), &cfg, argc, argv, 2, size & 1, &res, err,
			sizeof(err));
	check_result(&cfg, rc, err);
	free(argv);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char argv_magic[] = "\0argv\0";
	struct fuzz_cfg cfg = { 0 };
	struct flags_result res = { 0 };
	char err[512];
	int rc;

	if (size >= sizeof(argv_magic) - 1 && !memcmp(data, argv_magic, sizeof(argv_magic) - 1)) {
		fuzz_argv(data + sizeof(argv_magic) - 1, size - (sizeof(argv_magic) - 1));
		return 0;
	}
	rc = flags_parse_config_text(defs, ARRAY_LEN(defs), &cfg, (const char *)data, size,
				     "fuzz.conf", &res, err, sizeof(err));
	check_result(&cfg, rc, err);
	return 0;
}
