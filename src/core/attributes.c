/*
 * attributes — see attributes.h. Pure functions; strict and bounded
 * (ATTRIBUTES_MAX items, names and values bounded); the parser is fuzzed
 * (fuzz_attributes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/attributes.h"
#include "core/util.h"

int attributes_parse(const char *text, json_t **out, char *err, size_t errlen)
{
	char *copy = xstrdup(text), *save = NULL, *item;
	json_t *arr = json_array();
	int r = 0;

	for (item = strtok_r(copy, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
		char *colon, *name, *value;
		double d;
		item = str_trim(item);
		if (!*item)
			continue;
		colon = strchr(item, ':');
		if (!colon || colon == item || json_array_size(arr) >= ATTRIBUTES_MAX) {
			snprintf(err, errlen, "'%.64s': expected name:value", item);
			r = -EINVAL;
			break;
		}
		*colon = '\0';
		name = str_trim(item);
		value = str_trim(colon + 1);
		if (!*name || strlen(name) > ATTRIBUTE_NAME_MAX ||
		    strlen(value) > ATTRIBUTE_VALUE_MAX) {
			snprintf(err, errlen, "'%.64s': %s", name,
				 *name ? "is too long" : "expected name:value");
			r = -EINVAL;
			break;
		}
		if (parse_double(value, &d) == 0)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:{s:f}}", "name", name,
							     "type", "SCALAR", "scalar", "value", d));
		else
			json_array_append_new(arr, json_pack("{s:s, s:s, s:{s:s}}", "name", name,
							     "type", "TEXT", "text", "value", value));
	}
	free(copy);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*out = arr;
	return 0;
}

json_t *attributes_summary(const json_t *attributes)
{
	json_t *out = json_object();
	size_t i;
	json_t *at;

	json_array_foreach(attributes, i, at) {
		const char *name = json_string_value(json_object_get(at, "name"));
		json_t *text = json_object_get(json_object_get(at, "text"), "value");
		json_t *scalar = json_object_get(json_object_get(at, "scalar"), "value");
		if (!name)
			continue;
		if (text)
			json_object_set(out, name, text);
		else if (scalar)
			json_object_set(out, name, scalar);
	}
	return out;
}
