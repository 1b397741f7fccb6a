/*
 * cli — the client verbs and `agora up`. Each verb is a file with a
 * cli_<verb>_main(argc, argv) entry point; cli.c has what they share.
 */
#ifndef AGORA_CLI_CLI_H
#define AGORA_CLI_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct evkeyvalq;

/* "agora <verb>: <message>" on stderr, one line: how a verb reports an error. */
void cli_fail(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One HTTP answer as a blocking verb keeps it (body NUL-terminated, caller frees). */
struct cli_reply {
	int status;
	char *body;
	size_t len;
	bool done;
};

/* http_client_request completion that fills the struct cli_reply passed as arg. */
void cli_reply_done(int status, const char *body, size_t len, struct evkeyvalq *headers,
		    void *arg);

/*
 * frameworks[].executors[].directory (completed ones too) of the executor that
 * ran task_id of framework_id, in an agent's /state; NULL when absent. The
 * string belongs to state.
 */
const char *cli_sandbox_of(const json_t *state, const char *framework_id, const char *task_id);

int cli_up_main(int argc, char **argv);
/* `agora execute`: run one command task and exit with its exit code. */
int cli_execute_main(int argc, char **argv);
/* `agora job <verb>`: add/ls/run/rm/runs/logs against `agora jobs`. */
int cli_job_main(int argc, char **argv);

/* `agora task logs TASK [-f]`: a task's stdout/stderr through its agent's /files API. */
int cli_task_main(int argc, char **argv);

#endif
