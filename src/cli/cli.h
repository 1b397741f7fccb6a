/*
 * cli — the client verbs and `agora up`. Each verb is a file with a
 * <verb>_main(argc, argv) entry point.
 */
#ifndef AGORA_CLI_CLI_H
#define AGORA_CLI_CLI_H

int cli_up_main(int argc, char **argv);
/* `agora execute`: run one command task and exit with its exit code. */
int cli_execute_main(int argc, char **argv);
/* `agora job <verb>`: add/ls/run/rm/runs/logs against `agora jobs`. */
int cli_job_main(int argc, char **argv);

/* `agora task logs TASK [-f]`: a task's stdout/stderr through its agent's /files API. */
int cli_task_main(int argc, char **argv);

#endif
