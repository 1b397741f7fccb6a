/*
 * fetcher — downloads a task's CommandInfo.uris into its sandbox before the
 * task's command is exec'd, and unpacks the archives among them.
 *
 * Runs synchronously in the task's child process (already switched to the
 * task's user, cwd = sandbox), never on a daemon's event loop.
 */
#ifndef AGORA_AGENT_FETCHER_H
#define AGORA_AGENT_FETCHER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds; each may be overridden at build time (-DFETCH_MAX_BYTES=...). */
#ifndef FETCH_MAX_BYTES
#define FETCH_MAX_BYTES (16ULL << 30) /* one download */
#endif
#ifndef FETCH_MAX_EXTRACT_BYTES
#define FETCH_MAX_EXTRACT_BYTES (64ULL << 30) /* all entries of one archive */
#endif
#ifndef FETCH_MAX_EXTRACT_ENTRIES
#define FETCH_MAX_EXTRACT_ENTRIES 1000000
#endif
#define FETCH_MAX_URIS 1024
#define FETCH_MAX_URI_LEN 8192
#define FETCH_MAX_REDIRECTS 5
#define FETCH_CONNECT_TIMEOUT_SECS 30
#define FETCH_STALL_SECS 300 /* abort a transfer that moved no byte for this long */

/*
 * What all URIs of one task may write into its sandbox together (downloads
 * and what their archives unpack to): the task's disk resource, at most
 * the agent's --fetcher_max_size. what names it for the message, e.g.
 * "its disk resource (10 MB)".
 */
struct fetch_limit {
	uint64_t bytes; /* 0 = only the built-in bounds above */
	const char *what;
};

/*
 * Fetches every entry of uris (a Mesos CommandInfo.uris JSON array; NULL or
 * JSON null = nothing to do) into sandbox, in order, stopping at the first
 * failure.
 *
 * Per entry {"value", "executable", "extract", "cache", "output_file"}:
 *  - value: http://, https://, ftp:// (libcurl), file:// or an absolute
 *    path (copied locally, so errors carry the errno text);
 *  - the file lands at sandbox/<output_file>, else at sandbox/<last path
 *    segment of value> (query and fragment stripped);
 *  - executable=true: mode 0755, never extracted (as Mesos);
 *  - extract (default true): .tar .tar.gz .tgz .tar.bz2 .tbz2 .tar.xz .txz
 *    .zip are unpacked into sandbox, .gz is gunzipped to sandbox/<name
 *    without .gz>; the fetched file itself stays;
 *  - cache is accepted and ignored (no fetcher cache yet).
 *
 * limit (NULL = none) bounds the bytes written by all entries together;
 * going over it stops the download or the extraction at the limit:
 *   "extract a.tgz: stopped: the task's URIs may not take more than its
 *    disk resource (10 MB)"
 *
 * Returns 0, or -errno with err filled with a sentence naming the URI:
 *   "fetch http://x/a.tgz: HTTP 404"
 *   "fetch file:///nope: No such file or directory"
 *   "extract a.tgz: Path contains '..'"
 *   "uris[0].output_file: must be a relative path inside the sandbox"
 * Credentials in a URI (user:pass@) are masked in messages.
 */
int fetcher_fetch(const json_t *uris, const char *sandbox, const struct fetch_limit *limit,
		  char *err, size_t errlen);

#endif
