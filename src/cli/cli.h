/*
 * cli — the client verbs and `agora up`. Each verb is a file with a
 * cli_<verb>_main(argc, argv) entry point; cli.c has what they share.
 */
#ifndef AGORA_CLI_CLI_H
#define AGORA_CLI_CLI_H

/* "agora <verb>: <message>" on stderr, one line: how a verb reports an error. */
void cli_fail(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int cli_up_main(int argc, char **argv);
/* `agora execute`: run one command task and exit with its exit code. */
int cli_execute_main(int argc, char **argv);
/* `agora job <verb>`: add/ls/run/rm/runs/logs against `agora jobs`. */
int cli_job_main(int argc, char **argv);

/* `agora task logs TASK [-f]`: a task's stdout/stderr through its agent's /files API. */
int cli_task_main(int argc, char **argv);

#endif
