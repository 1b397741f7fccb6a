/*
 * resources — the Mesos resource model: named scalars (cpus, mem, disk,
 * gpus), ranges (ports) and sets, each with a role ("*" = unreserved).
 *
 * Text form:  cpus:4;mem:1024;disk:2048;gpus:2;ports:[31000-32000];bugs(role):{a,b}
 * JSON form:  [{"name":"cpus","type":"SCALAR","scalar":{"value":4},"role":"*"}, ...]
 *
 * Invariants of a struct resources value:
 *  1. At most one entry per (name, role); entries keep first-seen order.
 *  2. Scalars are stored in thousandths (Mesos keeps 3 decimal places) and
 *     are never negative; a scalar that reaches 0 by subtraction is removed.
 *  3. Ranges are sorted, merged (no overlap, no adjacency) and non-empty;
 *     sets are sorted and unique.
 *  4. Bounds: RES_MAX_ENTRIES entries, RES_MAX_RANGES ranges and
 *     RES_MAX_ITEMS set items per entry, names/roles < RES_NAME_MAX.
 * All values own their memory; res_free() releases it.
 */
#ifndef AGORA_CORE_RESOURCES_H
#define AGORA_CORE_RESOURCES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RES_NAME_MAX 64
#define RES_MAX_ENTRIES 64
#define RES_MAX_RANGES 1024
#define RES_MAX_ITEMS 256
#define RES_MAX_TEXT 65536

enum res_type { RES_SCALAR = 0, RES_RANGES, RES_SET };

struct res_range {
	uint64_t begin, end; /* inclusive */
};

struct resource {
	char name[RES_NAME_MAX];
	char role[RES_NAME_MAX];
	enum res_type type;
	int64_t scalar_milli; /* RES_SCALAR: value * 1000 */
	struct res_range *ranges;
	size_t nranges;
	char **items;
	size_t nitems;
};

struct resources {
	struct resource *v;
	size_t n;
};

/* Empty value, no allocation. */
#define RESOURCES_EMPTY ((struct resources){ NULL, 0 })

void res_free(struct resources *r);
void res_copy(struct resources *dst, const struct resources *src); /* dst must be empty/freed */

/*
 * Parses the text form. Roles default to default_role ("*" when NULL).
 * On error returns -EINVAL and writes a message naming the entry, e.g.
 * "resources: 'gpus:x': expected a number".
 */
int res_parse_text(const char *text, const char *default_role, struct resources *out,
		   char *err, size_t errlen);
/* Parses a JSON array of Mesos Resource objects (path names the field in errors). */
int res_parse_json(const json_t *array, const char *path, struct resources *out, char *err,
		   size_t errlen);
/* Text or JSON (when it starts with '['), as --resources accepts. */
int res_parse(const char *text, const char *default_role, struct resources *out, char *err,
	      size_t errlen);

/* JSON array of Resource objects (protobuf-JSON form, with "role"). */
json_t *res_to_json(const struct resources *r);
/*
 * The summary object /master/state uses: {"cpus":1.5,"gpus":0,"mem":1024,
 * "disk":0,"ports":"[31000-31005, 31010-31010]"} — cpus/gpus/mem/disk always.
 */
json_t *res_to_summary(const struct resources *r);
/* Text form into buf; returns 0 or -ENAMETOOLONG when truncated. */
int res_to_text(const struct resources *r, char *buf, size_t size);

/* a += b */
void res_add(struct resources *a, const struct resources *b);
/* a -= b; -EINVAL (a unchanged) unless res_contains(a, b). */
int res_subtract(struct resources *a, const struct resources *b);
/* Every entry of b is covered by the entry of the same name and role in a. */
bool res_contains(const struct resources *a, const struct resources *b);
bool res_equal(const struct resources *a, const struct resources *b);
bool res_empty(const struct resources *r);

/* Sum of scalar name over all roles, in thousandths (0 when absent). */
int64_t res_scalar_milli(const struct resources *r, const char *name);
/* Same as a double. */
double res_scalar(const struct resources *r, const char *name);
/* Sets (replaces) an unreserved scalar; value <= 0 removes it. */
void res_set_scalar(struct resources *r, const char *name, double value);
/* The entry for (name, role) or NULL. */
const struct resource *res_find(const struct resources *r, const char *name, const char *role);
/* Appends every entry whose name is not in r already (fills in detected defaults). */
void res_merge_missing(struct resources *r, const struct resources *defaults);

#endif
