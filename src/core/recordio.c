/*
 * recordio — see recordio.h. The buffer is compacted on feed, so memory
 * stays bounded by one record plus its header.
 */
#include "core/recordio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

#define HEADER_MAX 20

void recordio_init(struct recordio_reader *r, size_t max_record)
{
	memset(r, 0, sizeof(*r));
	r->max_record = max_record;
}

void recordio_free(struct recordio_reader *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

int recordio_feed(struct recordio_reader *r, const char *data, size_t len)
{
	size_t pending;
	if (r->failed)
		return -EINVAL;
	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	pending = r->len + len;
	if (pending > r->max_record + HEADER_MAX + 4) {
		r->failed = true;
		return -E2BIG;
	}
	if (pending + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		while (cap < pending + 1)
			cap *= 2;
		r->buf = xrealloc(r->buf, cap);
		r->cap = cap;
	}
	memcpy(r->buf + r->len, data, len);
	r->len += len;
	return 0;
}

int recordio_next(struct recordio_reader *r, const char **rec, size_t *len)
{
	size_t i, n = 0, avail;
	if (r->failed)
		return -EINVAL;
	avail = r->len - r->pos;
	for (i = 0; i < avail; i++) {
		char c = r->buf[r->pos + i];
		if (c == '\n')
			break;
		if (c < '0' || c > '9' || i >= HEADER_MAX) {
			r->failed = true;
			return -EINVAL;
		}
		if (n > (r->max_record - (size_t)(c - '0')) / 10) {
			r->failed = true;
			return -EINVAL;
		}
		n = n * 10 + (size_t)(c - '0');
	}
	if (i == avail)
		return 0; /* header incomplete */
	if (i == 0 || n == 0 || n > r->max_record) {
		r->failed = true;
		return -EINVAL;
	}
	if (avail - i - 1 < n)
		return 0;
	*rec = r->buf + r->pos + i + 1;
	*len = n;
	r->pos += i + 1 + n;
	return 1;
}
