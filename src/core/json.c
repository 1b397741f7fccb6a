/*
 * json — see json.h. Only reads; never keeps references to the documents
 * it inspects beyond the caller's lifetime of them.
 */
#include "core/json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ids.h"
#include "core/util.h"

int jerr_set(struct jerr *err, const char *path, const char *key, const char *fmt, ...)
{
	char where[256];
	size_t n;
	va_list ap;

	if (!err)
		return -EINVAL;
	jpath(where, sizeof(where), path, key);
	if (where[0])
		snprintf(err->msg, sizeof(err->msg), "%s: ", where);
	else
		err->msg[0] = '\0';
	n = strlen(err->msg);
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof(err->msg) - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const char *jpath(char *buf, size_t size, const char *path, const char *key)
{
	if (path && *path && key && *key)
		snprintf(buf, size, "%s.%s", path, key);
	else if (path && *path)
		snprintf(buf, size, "%s", path);
	else
		snprintf(buf, size, "%s", key ? key : "");
	return buf;
}

const char *jpath_index(char *buf, size_t size, const char *path, size_t index)
{
	snprintf(buf, size, "%s[%zu]", path ? path : "", index);
	return buf;
}

json_t *jget(const json_t *obj, const char *key)
{
	json_t *v;
	if (!obj || !json_is_object(obj))
		return NULL;
	v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

static int missing(const char *path, const char *key, bool required, struct jerr *err)
{
	if (required)
		return jerr_set(err, path, key, "required field is missing");
	return 1;
}

int jget_str(const json_t *obj, const char *key, const char *path, bool required, size_t max_len,
	     const char **out, struct jerr *err)
{
	json_t *v = jget(obj, key);
	if (!v)
		return missing(path, key, required, err);
	if (!json_is_string(v))
		return jerr_set(err, path, key, "expected a string");
	if (json_string_length(v) > max_len)
		return jerr_set(err, path, key, "longer than %zu bytes", max_len);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return jerr_set(err, path, key, "contains a NUL byte");
	*out = json_string_value(v);
	return 0;
}

int jget_bool(const json_t *obj, const char *key, const char *path, bool required, bool *out,
	      struct jerr *err)
{
	json_t *v = jget(obj, key);
	if (!v)
		return missing(path, key, required, err);
	if (!json_is_boolean(v))
		return jerr_set(err, path, key, "expected true or false");
	*out = json_is_true(v);
	return 0;
}

int jget_double(const json_t *obj, const char *key, const char *path, bool required, double *out,
		struct jerr *err)
{
	json_t *v = jget(obj, key);
	if (!v)
		return missing(path, key, required, err);
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (json_is_string(v) && parse_double(json_string_value(v), out) == 0)
		return 0;
	return jerr_set(err, path, key, "expected a number");
}

int jget_int64(const json_t *obj, const char *key, const char *path, bool required, int64_t *out,
	       struct jerr *err)
{
	json_t *v = jget(obj, key);
	if (!v)
		return missing(path, key, required, err);
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		/* Range first: casting an out-of-range double is undefined. */
		if (d > -9.2e18 && d < 9.2e18 && d == (double)(int64_t)d) {
			*out = (int64_t)d;
			return 0;
		}
	}
	if (json_is_string(v) && parse_int64(json_string_value(v), out) == 0)
		return 0;
	return jerr_set(err, path, key, "expected an integer");
}

int jget_obj(const json_t *obj, const char *key, const char *path, bool required, json_t **out,
	     struct jerr *err)
{
	json_t *v = jget(obj, key);
	if (!v)
		return missing(path, key, required, err);
	if (!json_is_object(v))
		return jerr_set(err, path, key, "expected an object");
	*out = v;
	return 0;
}

int jget_array(const json_t *obj, const char *key, const char *path, bool required,
	       size_t max_items, json_t **out, struct jerr *err)
{
	json_t *v = jget(obj, key);
	if (!v)
		return missing(path, key, required, err);
	if (!json_is_array(v))
		return jerr_set(err, path, key, "expected an array");
	if (json_array_size(v) > max_items)
		return jerr_set(err, path, key, "more than %zu items", max_items);
	*out = v;
	return 0;
}

int jget_id(const json_t *obj, const char *key, const char *path, bool required, const char **out,
	    struct jerr *err)
{
	char sub[256];
	json_t *idobj;
	const char *value, *why;
	int r = jget_obj(obj, key, path, required, &idobj, err);
	if (r)
		return r;
	jpath(sub, sizeof(sub), path, key);
	r = jget_str(idobj, "value", sub, true, 255, &value, err);
	if (r)
		return r < 0 ? r : jerr_set(err, sub, "value", "required field is missing");
	why = id_invalid_reason(value);
	if (why)
		return jerr_set(err, sub, "value", "%s", why);
	*out = value;
	return 0;
}

int jget_enum(const json_t *obj, const char *key, const char *path, bool required,
	      const char *const *names, size_t n, int *out, struct jerr *err)
{
	json_t *v = jget(obj, key);
	if (!v)
		return missing(path, key, required, err);
	if (!json_is_string(v))
		return jerr_set(err, path, key, "expected an enum name string");
	for (size_t i = 0; i < n; i++) {
		if (names[i] && !strcmp(names[i], json_string_value(v))) {
			*out = (int)i;
			return 0;
		}
	}
	return jerr_set(err, path, key, "unknown value '%.64s'", json_string_value(v));
}

json_t *json_parse_bounded(const char *text, size_t len, size_t max_len, const char *what,
			   struct jerr *err)
{
	json_error_t je;
	json_t *v;

	if (len > max_len) {
		jerr_set(err, NULL, NULL, "%s: larger than %zu bytes", what, max_len);
		return NULL;
	}
	v = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!v) {
		jerr_set(err, NULL, NULL, "%s: line %d column %d: %s", what, je.line, je.column,
			 je.text);
		return NULL;
	}
	return v;
}

char *json_compact(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ENCODE_ANY |
					JSON_REAL_PRECISION(15));
	if (!s)
		s = xstrdup("null");
	return s;
}

json_t *json_id(const char *s)
{
	return json_pack("{s:s}", "value", s);
}
