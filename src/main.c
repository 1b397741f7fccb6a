/*
 * main — the one agora binary: dispatches to a role or a client verb.
 */
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "cli/cli.h"
#include "jobs/service.h"
#include "core/version.h"
#include "master/master.h"

static void usage(FILE *out)
{
	fprintf(out,
		"agora %s — a cluster manager that speaks the Mesos and Chronos APIs\n"
		"\n"
		"Usage: agora <command> [--flag=value ...]\n"
		"\n"
		"Daemons:\n"
		"  master      resource offers, frameworks, agents (Mesos master API)\n"
		"  agent       runs tasks on this machine (Mesos agent API)\n"
		"  jobs        scheduled and one-off batch jobs (Chronos API, port 4400)\n"
		"  up          master + agent (+ jobs) on this machine, for a first try\n"
		"\n"
		"Clients:\n"
		"  execute     run one command on the cluster and wait for it (mesos-execute)\n"
		"  job         add, list, run, delete jobs of `agora jobs`; their runs and logs\n"
		"  task        logs TASK [-f]: a task's stdout or stderr\n"
		"\n"
		"Every command takes --help.\n",
		AGORA_VERSION);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd || !strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(cmd ? stdout : stderr);
		return cmd ? 0 : 1;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("agora %s (Mesos API %s)\n", AGORA_VERSION, MESOS_COMPAT_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "master"))
		return master_main(argc, argv);
	if (!strcmp(cmd, "agent") || !strcmp(cmd, "slave"))
		return agent_main(argc, argv);
	if (!strcmp(cmd, "up"))
		return cli_up_main(argc, argv);
	if (!strcmp(cmd, "execute"))
		return cli_execute_main(argc, argv);
	if (!strcmp(cmd, "job"))
		return cli_job_main(argc, argv);
	if (!strcmp(cmd, "task"))
		return cli_task_main(argc, argv);
	if (!strcmp(cmd, "jobs") || !strcmp(cmd, "chronos"))
		return jobs_main(argc, argv);
	fprintf(stderr, "agora: unknown command '%s'\n\n", cmd);
	usage(stderr);
	return 1;
}
