/*
 * map — a string-keyed hash table (open hashing with chains) for the
 * daemons' indexes: agents, frameworks, tasks and offers by id.
 *
 * Keys are copied into the map; values are borrowed pointers the caller
 * owns. Lookups, inserts and deletes are O(1) expected; the table doubles
 * at load factor 1. Iteration order is unspecified and iteration must not
 * insert; deleting the current entry during iteration is allowed through
 * map_iter_remove().
 */
#ifndef AGORA_CORE_MAP_H
#define AGORA_CORE_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct map_entry {
	struct map_entry *next;
	uint64_t hash;
	void *value;
	char key[]; /* NUL-terminated */
};

struct map {
	struct map_entry **buckets;
	size_t nbuckets; /* power of two, or 0 before first insert */
	size_t count;
};

struct map_iter {
	struct map *m;
	size_t bucket;
	struct map_entry *cur, *next;
};

void map_init(struct map *m);
/* Frees the entries (not the values). */
void map_clear(struct map *m);
void *map_get(const struct map *m, const char *key);
/* Inserts or replaces; returns the previous value or NULL. */
void *map_put(struct map *m, const char *key, void *value);
/* Removes; returns the value or NULL when absent. */
void *map_del(struct map *m, const char *key);
size_t map_count(const struct map *m);

void map_iter_init(struct map_iter *it, struct map *m);
/* Advances; false at the end. key and value may be NULL. */
bool map_iter_next(struct map_iter *it, const char **key, void **value);
/* Removes the entry last returned by map_iter_next. */
void map_iter_remove(struct map_iter *it);

#endif
