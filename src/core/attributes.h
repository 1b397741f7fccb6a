/*
 * attributes — Mesos agent attributes: the text an operator gives in
 * --attributes, the Attribute JSON the agent registers with, and the
 * summarised object both /state endpoints print.
 *
 *   text      rack:r1;size:3          (name:value pairs, ';'-separated)
 *   JSON      [{"name":"rack","type":"TEXT","text":{"value":"r1"}},
 *              {"name":"size","type":"SCALAR","scalar":{"value":3}}]
 *   summary   {"rack":"r1","size":3}  (docs/mesos-api.md, "State endpoints")
 *
 * A value that parses as a number is a SCALAR, anything else TEXT.
 */
#ifndef AGORA_CORE_ATTRIBUTES_H
#define AGORA_CORE_ATTRIBUTES_H

#include <jansson.h>
#include <stddef.h>

#define ATTRIBUTES_MAX 64	   /* attributes in one --attributes */
#define ATTRIBUTE_NAME_MAX 128	   /* bytes */
#define ATTRIBUTE_VALUE_MAX 1024   /* bytes */

/*
 * Parses the text form into a new Attribute JSON array (*out, owned by the
 * caller). 0, or -EINVAL with err naming the item:
 *   'rack': expected name:value
 */
int attributes_parse(const char *text, json_t **out, char *err, size_t errlen);

/* {"name": value} of TEXT and SCALAR attributes (new reference); others are left out. */
json_t *attributes_summary(const json_t *attributes);

#endif
