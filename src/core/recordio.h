/*
 * recordio — the Mesos RecordIO framing: "<decimal length>\n<payload>".
 *
 * The writer side is http_stream_send_record(). This is the bounded
 * incremental reader used by every client of an event stream (agents,
 * frameworks, the CLI): feed it the bytes as they arrive in any split,
 * take complete records out. A length of 0, a non-digit before the
 * newline, more than 20 digits, or a record larger than max_record puts
 * the reader into a permanent error state (the stream must be dropped).
 */
#ifndef AGORA_CORE_RECORDIO_H
#define AGORA_CORE_RECORDIO_H

#include <stdbool.h>
#include <stddef.h>

struct recordio_reader {
	char *buf;
	size_t len;  /* bytes held */
	size_t pos;  /* bytes consumed */
	size_t cap;
	size_t max_record;
	bool failed;
};

void recordio_init(struct recordio_reader *r, size_t max_record);
void recordio_free(struct recordio_reader *r);
/* Appends bytes; -EINVAL once failed, -E2BIG when more than max_record+24 is pending. */
int recordio_feed(struct recordio_reader *r, const char *data, size_t len);
/*
 * 1: a record is available at *rec with *len bytes (not NUL-terminated),
 *    valid until the next recordio_feed();
 * 0: more bytes needed; -EINVAL: malformed stream.
 */
int recordio_next(struct recordio_reader *r, const char **rec, size_t *len);

#endif
