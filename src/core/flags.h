/*
 * flags — command-line and configuration loading with Mesos' rules.
 *
 * Each role describes its flags in a static table of struct flag_def whose
 * offsets point into the role's own config struct; flags_load() fills that
 * struct. Sources, lowest precedence first:
 *   1. the table's default text;
 *   2. the environment: MESOS_<NAME> then AGORA_<NAME> (name upper-cased;
 *      aliases too); unknown MESOS_* variables are ignored;
 *   3. --config FILE: /etc/default-style lines `[export ]KEY=VALUE`, values
 *      optionally single- or double-quoted, '#' comments, blank lines.
 *      KEY is a flag name or alias (any case), MESOS_<NAME>/AGORA_<NAME>,
 *      or one of mesos-init-wrapper's shell names (IP, PORT, ZK, CLUSTER,
 *      LOGS -> log_dir, ISOLATION, MASTER; ULIMIT is accepted and ignored).
 *      A later line overrides an earlier one. Unknown keys are errors
 *      naming FILE:LINE. Inside double quotes \" \\ \$ \` are escapes;
 *      single quotes are literal; an unquoted value is trimmed and ends at
 *      a '#' that follows whitespace. A whole value `cat PATH` or
 *      $(cat PATH) (the shipped ZK=`cat /etc/mesos/zk`) reads that file;
 *      any other shell expansion ($VAR, `...`, $(...)) is an error, since
 *      no shell runs here.
 *   4. the command line: --name=value, --name value (non-boolean flags;
 *      a next argument starting with "--" is not taken as the value),
 *      --name / --no-name / --name=true|false|yes|no|1|0 for booleans,
 *      "--" ends the flags. Names match lower-cased. A flag given twice
 *      (or as name and alias) is an error; so is an unknown flag.
 * Values of the form file:///path are replaced by that file's contents
 * (one trailing newline stripped; at most FLAGS_MAX_FILE bytes), except
 * for FLAG_PATH flags, which just drop the "file://" prefix. FLAG_JSON
 * flags also accept a bare absolute path to a file (Mesos' deprecated form).
 *
 * Special flags handled here for every role: --help (-h), --check-config,
 * --config FILE.
 */
#ifndef AGORA_CORE_FLAGS_H
#define AGORA_CORE_FLAGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FLAGS_MAX_FILE (1u << 20)
#define FLAGS_MAX_LINE (64u << 10) /* one config-file line */
#define FLAGS_MAX_POSITIONAL 64
#define FLAGS_MAX_DEFS 256	   /* entries in one role's table */

enum flag_type {
	FLAG_BOOL,	/* bool */
	FLAG_STRING,	/* char * (malloc'd, NULL when unset) */
	FLAG_PATH,	/* char *, "file://" prefix stripped */
	FLAG_JSON,	/* char *, JSON text (file:// or absolute path read) */
	FLAG_INT,	/* int64_t */
	FLAG_DOUBLE,	/* double */
	FLAG_DURATION,	/* double seconds: "15secs", "10mins", ... */
	FLAG_BYTES,	/* uint64_t bytes: "512MB", ... */
};

struct flag_def {
	const char *name;
	const char *alias; /* deprecated alternative name, or NULL */
	enum flag_type type;
	size_t offset;	  /* offsetof(<config struct>, field) */
	const char *def;  /* default as text, NULL = unset/false/0 */
	const char *help; /* one line */
};

struct flags_result {
	bool help;
	bool check_config;
	const char *config_file; /* points into argv, or NULL */
	int npositional;
	char *positional[FLAGS_MAX_POSITIONAL]; /* point into argv */
	/* Which defs were set by something other than their default. */
	bool set[FLAGS_MAX_DEFS];
};

/*
 * Loads argv[first..argc) (argv[0..first) are the program and subcommand)
 * into cfg. With allow_positional false, a non-flag argument is an error.
 * Returns 0, or -EINVAL with err set, e.g. "unknown flag '--foo'" or
 * "/etc/default/agora:3: flag --port: expected an integer, got 'x'".
 * cfg must be zeroed beforehand; free with flags_free() whether this
 * succeeded or not. With --help anywhere before "--", only the defaults are
 * loaded and 0 is returned with res->help set (even if other flags are bad).
 */
int flags_load(const struct flag_def *defs, size_t ndefs, void *cfg, int argc, char **argv,
	       int first, bool allow_positional, struct flags_result *res, char *err,
	       size_t errlen);

/*
 * Applies the lines of one config file (format above) to cfg, over whatever
 * it holds; text need not be NUL-terminated and may hold any bytes. source
 * names the file in errors ("SOURCE:LINE: ..."). Marks res->set (res may be
 * NULL). Returns 0 or -EINVAL with err set; cfg may be partly updated then.
 */
int flags_parse_config_text(const struct flag_def *defs, size_t ndefs, void *cfg,
			    const char *text, size_t len, const char *source,
			    struct flags_result *res, char *err, size_t errlen);

/* Index of the def with this name or alias (exact match), or -1. */
int flags_find(const struct flag_def *defs, size_t ndefs, const char *name);

/* Prints "Usage: <usage>" and every flag with its type, default and help. */
void flags_usage(FILE *out, const char *usage, const struct flag_def *defs, size_t ndefs);

/* {"name": "value as text", ...} for every flag that has a value (/flags). */
json_t *flags_to_json(const struct flag_def *defs, size_t ndefs, const void *cfg);

/* Frees the strings flags_load allocated in cfg. */
void flags_free(const struct flag_def *defs, size_t ndefs, void *cfg);

#endif
