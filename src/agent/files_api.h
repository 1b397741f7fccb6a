/*
 * files_api — the agent's Mesos Files API: /files/browse, /files/read,
 * /files/download, /files/debug (and their .json aliases), serving task
 * sandboxes under <work_dir>/slaves and nothing else.
 *
 * Handlers run on the agent's event loop; arg is the struct agent *.
 */
#ifndef AGORA_AGENT_FILES_API_H
#define AGORA_AGENT_FILES_API_H

#include <jansson.h>
#include <stddef.h>

#include "core/http.h"

#define FILES_READ_MAX 65536	    /* bytes per /files/read (16 pages, as Mesos) */
#define FILES_BROWSE_MAX 100000	    /* entries listed per /files/browse */
#define FILES_DEBUG_MAX 10000	    /* executor runs listed by /files/debug */
#define FILES_QUERY_MAX 64	    /* characters of offset/length values */

void files_browse(struct http_req *r, void *arg);
void files_read(struct http_req *r, void *arg);
void files_download(struct http_req *r, void *arg);
void files_debug(struct http_req *r, void *arg);

/*
 * Normalises a request path: collapses repeated '/', drops "." segments and
 * any trailing '/'. Returns 0, -EINVAL for an empty or relative path or a
 * ".." segment, -ENAMETOOLONG when it does not fit out or exceeds PATH_MAX.
 */
int files_normalize(const char *request_path, char *out, size_t outlen);

/*
 * Maps a request path to the real file it names, if the Files API may
 * serve it. Accepted forms:
 *   - a real path, e.g. the executor "directory" from /state;
 *   - /frameworks/<fid>/executors/<eid>/runs/latest[/<rest>], which is
 *     <work_dir>/slaves/<agent_id>/frameworks/<fid>/executors/<eid>/runs/
 *     latest[/<rest>].
 * The result is realpath()'d (every symlink resolved) and must lie inside
 * realpath(<work_dir>/slaves) (or be it).
 *
 * Returns 0 with out filled, or:
 *   -EINVAL        empty/relative path, ".." segment            (400)
 *   -ENAMETOOLONG  longer than PATH_MAX                          (400)
 *   -ENOENT        missing, or resolving outside the root, which
 *                  a symlink pointing out of a sandbox does      (404)
 *   -EACCES        the agent may not look there                  (403)
 */
int files_resolve(const char *work_dir, const char *agent_id, const char *request_path, char *out,
		  size_t outlen);

/*
 * Opens resolved (a result of files_resolve) relative to the root without
 * following any symlink on the way, so a component swapped for a symlink
 * after files_resolve fails instead of leading out; the inode opened is
 * checked against the one looked up just before. Only regular files and
 * directories are opened. flags as for open(2); O_NOFOLLOW and O_CLOEXEC
 * are added. Returns the fd or -errno: -ENOENT when resolved is not under
 * the root or changed, -ELOOP or -ENOTDIR on a symlink, -EOPNOTSUPP for a
 * FIFO, socket or device.
 */
int files_open(const char *work_dir, const char *resolved, int flags);

/*
 * A JSON string holding arbitrary bytes: valid UTF-8 sequences are kept,
 * every other byte is read as Latin-1 (0x80..0xFF -> U+0080..U+00FF), so
 * the reply is valid JSON and ASCII text round-trips unchanged. NULs are
 * kept (serialised as \u0000). New reference.
 */
json_t *files_bytes_to_json(const char *data, size_t len);

#endif
