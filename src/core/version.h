/*
 * version — what agora reports about itself. MESOS_COMPAT_VERSION is the
 * Mesos release whose public APIs agora speaks; clients that gate on
 * "version" see it, and "agora_version" carries our own.
 */
#ifndef AGORA_CORE_VERSION_H
#define AGORA_CORE_VERSION_H

#define AGORA_VERSION "0.1.0"
#define MESOS_COMPAT_VERSION "1.11.0"

#endif
