/*
 * json — strict helpers over jansson for every JSON parser of outside
 * input. Rules are those of Mesos' protobuf-JSON: a missing key and a null
 * value both mean "not set"; a wrong type is an error; errors name the
 * field path ("subscribe.framework_info.user: expected a string").
 *
 * Getter convention: return 0 when found and valid, 1 when not set (the
 * out-param is left untouched, so callers pre-load defaults), -EINVAL on
 * error with err filled. A required field missing is -EINVAL too.
 */
#ifndef AGORA_CORE_JSON_H
#define AGORA_CORE_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jerr {
	char msg[512];
};

/* Formats err->msg as "<path>.<key>: <what>" (path may be NULL or ""). */
int jerr_set(struct jerr *err, const char *path, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Child path "<path>.<key>" or "<path>[i]" into buf; returns buf. */
const char *jpath(char *buf, size_t size, const char *path, const char *key);
const char *jpath_index(char *buf, size_t size, const char *path, size_t index);

/* The value at key, or NULL when missing or JSON null. */
json_t *jget(const json_t *obj, const char *key);

int jget_str(const json_t *obj, const char *key, const char *path, bool required, size_t max_len,
	     const char **out, struct jerr *err);
int jget_bool(const json_t *obj, const char *key, const char *path, bool required, bool *out,
	      struct jerr *err);
/* Numbers also accept numeric strings (protobuf-JSON rule). */
int jget_double(const json_t *obj, const char *key, const char *path, bool required, double *out,
		struct jerr *err);
int jget_int64(const json_t *obj, const char *key, const char *path, bool required, int64_t *out,
	       struct jerr *err);
/* An object ({"value": "..."} for Mesos ids, or any object). */
int jget_obj(const json_t *obj, const char *key, const char *path, bool required, json_t **out,
	     struct jerr *err);
int jget_array(const json_t *obj, const char *key, const char *path, bool required,
	       size_t max_items, json_t **out, struct jerr *err);
/* Mesos id message: {"value":"..."} -> the string, validated as an id. */
int jget_id(const json_t *obj, const char *key, const char *path, bool required, const char **out,
	    struct jerr *err);
/* An enum given by symbolic name, one of names[0..n). Returns the index. */
int jget_enum(const json_t *obj, const char *key, const char *path, bool required,
	      const char *const *names, size_t n, int *out, struct jerr *err);

/*
 * Parses text of at most max_len bytes as one JSON value. Rejects
 * duplicate keys and NUL bytes in strings. On error fills err with
 * "line L column C: reason" prefixed by what.
 */
json_t *json_parse_bounded(const char *text, size_t len, size_t max_len, const char *what,
			   struct jerr *err);

/* Compact, ASCII-only serialisation (RecordIO-safe); malloc'd. */
char *json_compact(const json_t *v);

/* {"value": s} */
json_t *json_id(const char *s);

#endif
