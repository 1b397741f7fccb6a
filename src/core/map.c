/*
 * map — see map.h. FNV-1a hashing; chains keep their insertion order.
 */
#include "core/map.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static uint64_t hash_key(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

void map_init(struct map *m)
{
	m->buckets = NULL;
	m->nbuckets = 0;
	m->count = 0;
}

void map_clear(struct map *m)
{
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct map_entry *e = m->buckets[i];
		while (e) {
			struct map_entry *next = e->next;
			free(e);
			e = next;
		}
	}
	free(m->buckets);
	map_init(m);
}

static struct map_entry **find_slot(const struct map *m, const char *key, uint64_t h)
{
	struct map_entry **pe;
	if (!m->nbuckets)
		return NULL;
	pe = &m->buckets[h & (m->nbuckets - 1)];
	while (*pe && ((*pe)->hash != h || strcmp((*pe)->key, key)))
		pe = &(*pe)->next;
	return pe;
}

void *map_get(const struct map *m, const char *key)
{
	struct map_entry **pe = find_slot(m, key, hash_key(key));
	return pe && *pe ? (*pe)->value : NULL;
}

static void grow(struct map *m)
{
	size_t n = m->nbuckets ? m->nbuckets * 2 : 16;
	struct map_entry **b = xcalloc(n, sizeof(*b));
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct map_entry *e = m->buckets[i];
		while (e) {
			struct map_entry *next = e->next;
			struct map_entry **tail = &b[e->hash & (n - 1)];
			while (*tail)
				tail = &(*tail)->next;
			e->next = NULL;
			*tail = e;
			e = next;
		}
	}
	free(m->buckets);
	m->buckets = b;
	m->nbuckets = n;
}

void *map_put(struct map *m, const char *key, void *value)
{
	uint64_t h = hash_key(key);
	struct map_entry **pe;
	struct map_entry *e;
	size_t klen;

	pe = find_slot(m, key, h);
	if (pe && *pe) {
		void *old = (*pe)->value;
		(*pe)->value = value;
		return old;
	}
	if (m->count + 1 > m->nbuckets) {
		grow(m);
		pe = find_slot(m, key, h);
	}
	klen = strlen(key);
	e = xmalloc(sizeof(*e) + klen + 1);
	e->next = NULL;
	e->hash = h;
	e->value = value;
	memcpy(e->key, key, klen + 1);
	*pe = e;
	m->count++;
	return NULL;
}

void *map_del(struct map *m, const char *key)
{
	struct map_entry **pe = find_slot(m, key, hash_key(key));
	struct map_entry *e;
	void *v;
	if (!pe || !*pe)
		return NULL;
	e = *pe;
	*pe = e->next;
	v = e->value;
	free(e);
	m->count--;
	return v;
}

size_t map_count(const struct map *m) { return m->count; }

void map_iter_init(struct map_iter *it, struct map *m)
{
	it->m = m;
	it->bucket = 0;
	it->cur = NULL;
	it->next = m->nbuckets ? m->buckets[0] : NULL;
}

bool map_iter_next(struct map_iter *it, const char **key, void **value)
{
	while (!it->next) {
		if (++it->bucket >= it->m->nbuckets) {
			it->cur = NULL;
			return false;
		}
		it->next = it->m->buckets[it->bucket];
	}
	it->cur = it->next;
	it->next = it->cur->next;
	if (key)
		*key = it->cur->key;
	if (value)
		*value = it->cur->value;
	return true;
}

void map_iter_remove(struct map_iter *it)
{
	if (it->cur)
		map_del(it->m, it->cur->key);
	it->cur = NULL;
}
