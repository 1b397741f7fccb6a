/*
 * fake-nvml — a stand-in for NVIDIA's libnvidia-ml.so.1 so that agora's
 * GPU code (src/agent/gpu.c) runs its real dlopen/dlsym path on machines
 * without a GPU. Built as build/helpers/fake-nvml/libnvidia-ml.so.1.
 *
 * It exports the subset of the NVML C API agora calls, with NVML's real
 * signatures (declared here; nvml.h is not needed to build it):
 *   nvmlInit_v2, nvmlInit, nvmlShutdown, nvmlErrorString,
 *   nvmlSystemGetDriverVersion, nvmlDeviceGetCount_v2, nvmlDeviceGetCount,
 *   nvmlDeviceGetHandleByIndex_v2, nvmlDeviceGetHandleByIndex,
 *   nvmlDeviceGetMinorNumber, nvmlDeviceGetUUID, nvmlDeviceGetName,
 *   nvmlDeviceGetMemoryInfo
 *
 * Configuration, read from the environment at nvmlInit time:
 *   AGORA_FAKE_NVML_GPUS    number of GPUs, 0..64 (default 2)
 *   AGORA_FAKE_NVML_FAIL=1  nvmlInit fails with NVML_ERROR_DRIVER_NOT_LOADED
 *   AGORA_FAKE_NVML_MINORS  "3,4": minor numbers of GPUs 0, 1, ... (default
 *                           minor = index; GPUs past the list keep index)
 *   AGORA_FAKE_NVML_DRIVER  driver version (default "535.104.05")
 * A malformed value makes nvmlInit fail with NVML_ERROR_INVALID_ARGUMENT
 * and a line on stderr, so a typo in a test is loud.
 *
 * GPU i: UUID "GPU-fake0000-0000-0000-0000-00000000000i" (the index as
 * the last digits), name "Fake Tesla V100", 16 GiB of memory, 1 GiB used.
 * A device handle is the index + 1 cast to a pointer, so the library keeps
 * no per-device state. The one piece of state is the init reference count
 * (the real library has it too): calls outside nvmlInit/nvmlShutdown
 * return NVML_ERROR_UNINITIALIZED, which catches callers that forget.
 */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* strnlen, when built outside the Makefile */
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum nvmlReturn_enum {
	NVML_SUCCESS = 0,
	NVML_ERROR_UNINITIALIZED = 1,
	NVML_ERROR_INVALID_ARGUMENT = 2,
	NVML_ERROR_NOT_SUPPORTED = 3,
	NVML_ERROR_NO_PERMISSION = 4,
	NVML_ERROR_ALREADY_INITIALIZED = 5,
	NVML_ERROR_NOT_FOUND = 6,
	NVML_ERROR_INSUFFICIENT_SIZE = 7,
	NVML_ERROR_INSUFFICIENT_POWER = 8,
	NVML_ERROR_DRIVER_NOT_LOADED = 9,
	NVML_ERROR_TIMEOUT = 10,
	NVML_ERROR_IRQ_ISSUE = 11,
	NVML_ERROR_LIBRARY_NOT_FOUND = 12,
	NVML_ERROR_FUNCTION_NOT_FOUND = 13,
	NVML_ERROR_CORRUPTED_INFOROM = 14,
	NVML_ERROR_GPU_IS_LOST = 15,
	NVML_ERROR_UNKNOWN = 999
} nvmlReturn_t;

typedef struct nvmlDevice_st *nvmlDevice_t;

typedef struct nvmlMemory_st {
	unsigned long long total;
	unsigned long long free;
	unsigned long long used;
} nvmlMemory_t;

#define FAKE_MAX_GPUS 64
#define FAKE_ENV_MAX 512
#define GIB (1024ULL * 1024ULL * 1024ULL)

/* The exported API (prototypes keep -Wmissing-prototypes quiet). */
nvmlReturn_t nvmlInit_v2(void);
nvmlReturn_t nvmlInit(void);
nvmlReturn_t nvmlShutdown(void);
const char *nvmlErrorString(nvmlReturn_t result);
nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length);
nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount);
nvmlReturn_t nvmlDeviceGetCount(unsigned int *deviceCount);
nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device);
nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned int index, nvmlDevice_t *device);
nvmlReturn_t nvmlDeviceGetMinorNumber(nvmlDevice_t device, unsigned int *minorNumber);
nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length);
nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length);
nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory);

static int init_count; /* see the top comment: the library's only state */

/* Strict decimal in [0, max]; -1 when s is not one. Reads at most 10 digits. */
static long parse_small(const char *s, size_t len, long max)
{
	long v = 0;

	if (len == 0 || len > 10)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

static const char *env_bounded(const char *name)
{
	const char *v = getenv(name);
	if (v && strnlen(v, FAKE_ENV_MAX + 1) > FAKE_ENV_MAX)
		return "";
	return v;
}

/* Number of GPUs, or -1 when AGORA_FAKE_NVML_GPUS is malformed. */
static long gpu_count(void)
{
	const char *v = env_bounded("AGORA_FAKE_NVML_GPUS");
	if (!v)
		return 2;
	return parse_small(v, strlen(v), FAKE_MAX_GPUS);
}

/* Minor number of GPU index, or -1 when AGORA_FAKE_NVML_MINORS is malformed. */
static long minor_of(unsigned index)
{
	const char *p = env_bounded("AGORA_FAKE_NVML_MINORS");
	unsigned i = 0;

	if (!p)
		return index;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		long minor = parse_small(p, len, 254); /* 255 is nvidiactl */
		if (minor < 0)
			return -1;
		if (i++ == index)
			return minor;
		if (!end)
			return index;
		p = end + 1;
	}
}

static nvmlReturn_t check_config(void)
{
	long n = gpu_count();

	if (n < 0) {
		fprintf(stderr, "fake-nvml: AGORA_FAKE_NVML_GPUS must be 0..%d\n", FAKE_MAX_GPUS);
		return NVML_ERROR_INVALID_ARGUMENT;
	}
	for (long i = 0; i < n; i++) {
		if (minor_of((unsigned)i) < 0) {
			fprintf(stderr, "fake-nvml: AGORA_FAKE_NVML_MINORS must be a comma list of "
					"numbers 0..254\n");
			return NVML_ERROR_INVALID_ARGUMENT;
		}
	}
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlInit_v2(void)
{
	const char *fail = env_bounded("AGORA_FAKE_NVML_FAIL");
	nvmlReturn_t rc;

	if (fail && !strcmp(fail, "1"))
		return NVML_ERROR_DRIVER_NOT_LOADED;
	rc = check_config();
	if (rc != NVML_SUCCESS)
		return rc;
	init_count++;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlInit(void)
{
	return nvmlInit_v2();
}

nvmlReturn_t nvmlShutdown(void)
{
	if (init_count == 0)
		return NVML_ERROR_UNINITIALIZED;
	init_count--;
	return NVML_SUCCESS;
}

const char *nvmlErrorString(nvmlReturn_t result)
{
	switch (result) {
	case NVML_SUCCESS:
		return "Success";
	case NVML_ERROR_UNINITIALIZED:
		return "Uninitialized";
	case NVML_ERROR_INVALID_ARGUMENT:
		return "Invalid Argument";
	case NVML_ERROR_NOT_FOUND:
		return "Not Found";
	case NVML_ERROR_INSUFFICIENT_SIZE:
		return "Insufficient Size";
	case NVML_ERROR_DRIVER_NOT_LOADED:
		return "Driver Not Loaded";
	default:
		return "Unknown Error";
	}
}

/* Copies s into buf of length len the way NVML does: INSUFFICIENT_SIZE when it does not fit. */
static nvmlReturn_t put_string(char *buf, unsigned int len, const char *s)
{
	size_t n = strlen(s);

	if (!buf)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (n + 1 > len)
		return NVML_ERROR_INSUFFICIENT_SIZE;
	memcpy(buf, s, n + 1);
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length)
{
	const char *v = env_bounded("AGORA_FAKE_NVML_DRIVER");

	if (init_count == 0)
		return NVML_ERROR_UNINITIALIZED;
	return put_string(version, length, v && v[0] ? v : "535.104.05");
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount)
{
	long n = gpu_count();

	if (init_count == 0)
		return NVML_ERROR_UNINITIALIZED;
	if (!deviceCount || n < 0)
		return NVML_ERROR_INVALID_ARGUMENT;
	*deviceCount = (unsigned int)n;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetCount(unsigned int *deviceCount)
{
	return nvmlDeviceGetCount_v2(deviceCount);
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
{
	long n = gpu_count();

	if (init_count == 0)
		return NVML_ERROR_UNINITIALIZED;
	if (!device || n < 0 || index >= (unsigned long)n)
		return NVML_ERROR_INVALID_ARGUMENT;
	*device = (nvmlDevice_t)(uintptr_t)(index + 1);
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned int index, nvmlDevice_t *device)
{
	return nvmlDeviceGetHandleByIndex_v2(index, device);
}

/* The index behind a handle, or -1 when it is not one this library gave out. */
static long device_index(nvmlDevice_t device)
{
	uintptr_t v = (uintptr_t)device;
	long n = gpu_count();

	if (init_count == 0 || n < 0 || v == 0 || v > (uintptr_t)n)
		return -1;
	return (long)(v - 1);
}

nvmlReturn_t nvmlDeviceGetMinorNumber(nvmlDevice_t device, unsigned int *minorNumber)
{
	long index = device_index(device);
	long minor = index < 0 ? -1 : minor_of((unsigned)index);

	if (init_count == 0)
		return NVML_ERROR_UNINITIALIZED;
	if (minor < 0 || !minorNumber)
		return NVML_ERROR_INVALID_ARGUMENT;
	*minorNumber = (unsigned int)minor;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length)
{
	long index = device_index(device);
	char text[64];

	if (init_count == 0)
		return NVML_ERROR_UNINITIALIZED;
	if (index < 0)
		return NVML_ERROR_INVALID_ARGUMENT;
	snprintf(text, sizeof(text), "GPU-fake0000-0000-0000-0000-%012ld", index);
	return put_string(uuid, length, text);
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length)
{
	if (init_count == 0)
		return NVML_ERROR_UNINITIALIZED;
	if (device_index(device) < 0)
		return NVML_ERROR_INVALID_ARGUMENT;
	return put_string(name, length, "Fake Tesla V100");
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory)
{
	if (init_count == 0)
		return NVML_ERROR_UNINITIALIZED;
	if (device_index(device) < 0 || !memory)
		return NVML_ERROR_INVALID_ARGUMENT;
	memory->total = 16 * GIB;
	memory->used = 1 * GIB;
	memory->free = memory->total - memory->used;
	return NVML_SUCCESS;
}
