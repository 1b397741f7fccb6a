/*
 * job_internal — what job.c (the Chronos document) lends job_task.c (one
 * run on Mesos). Not for other files: everything else goes through job.h.
 *
 * Each of these is shared because the two sides must agree: a number
 * prints the same in a parsed string and in a task's environment, a
 * LIKE/UNLIKE pattern is compiled at run time exactly as it was checked
 * at parse time, and the enum names are both Chronos' and Mesos' spelling.
 */
#ifndef AGORA_JOBS_JOB_INTERNAL_H
#define AGORA_JOBS_JOB_INTERNAL_H

#include <jansson.h>
#include <regex.h>
#include <stddef.h>

#include "jobs/job.h"

/* Indexed by enum job_network / enum job_protocol ("" for NONE). */
extern const char *const job_network_names[];
extern const char *const job_protocol_names[];

/* Java's Double.toString of d into buf ("0.1", "128.0", "1.0E7"). */
void job_java_double(double d, char *buf, size_t size);

/* A new JSON string; "" for NULL or for text that is not UTF-8. */
json_t *job_json_str(const char *s);
/* New JSON arrays: the strings of s; {kname: key, vname: value} objects of kv. */
json_t *job_strs_json(const struct job_strs *s);
json_t *job_kvs_json(const struct job_kvs *kv, const char *kname, const char *vname);

/*
 * A Chronos (Java) regex compiled as a POSIX ERE. 0 with *re compiled (the
 * caller regfree()s it), or -EINVAL with why filled and nothing to free.
 */
int job_regex_compile(const char *pattern, regex_t *re, char *why, size_t whylen);

#endif
