/*
 * libFuzzer target: the agent's isolation flags — iso_parse (--isolation)
 * and gpu_parse_device_list (--nvidia_gpu_devices). The input is
 * "<isolation>\n<device list>" (no newline: all of it is the isolation
 * value, and also tried as a device list).
 *
 * Checked: a refusal always says why and leaves the output zeroed; what
 * parses is independent of order and duplicates (invariant 2 of
 * isolation.c: parsing the enabled list again gives the same bits);
 * gpu/nvidia always brings cgroups/devices; the printers stay within their
 * buffers; a device list never yields more entries than asked for, each
 * <= 65535, and a refusal names the flag.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/gpu.h"
#include "agent/isolation.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                 \
			abort();                                                        \
		}                                                                       \
	} while (0)

static void check_isolation(const char *text)
{
	struct isolation iso, again;
	char err[2048], enabled[512];
	json_t *j;

	memset(err, 0, sizeof(err));
	if (iso_parse(text, &iso, err, sizeof(err)) < 0) {
		CHECK(err[0]);
		CHECK(iso.bits == 0 && iso.ignored[0] == '\0');
		return;
	}
	if (iso.bits & ISO_GPU_NVIDIA)
		CHECK(iso.bits & ISO_CGROUPS_DEVICES);
	iso_enabled_text(&iso, enabled, sizeof(enabled));
	CHECK(strlen(enabled) < sizeof(enabled));
	CHECK(iso_parse(enabled, &again, err, sizeof(err)) == 0);
	CHECK(again.bits == iso.bits);
	CHECK(iso_parse(iso.ignored, &again, err, sizeof(err)) == 0);
	CHECK(again.bits == 0);
	j = iso_to_json(&iso);
	CHECK(j != NULL);
	json_decref(j);
	CHECK(iso_list_contains(text, "gpu/nvidia") == !!(iso.bits & ISO_GPU_NVIDIA));
}

static void check_devices(const char *text)
{
	unsigned idx[8];
	char err[512];
	size_t n = 99;

	memset(err, 0, sizeof(err));
	if (gpu_parse_device_list(text, idx, 8, &n, err, sizeof(err)) < 0) {
		CHECK(strstr(err, "--nvidia_gpu_devices") != NULL);
		return;
	}
	CHECK(n >= 1 && n <= 8);
	for (size_t i = 0; i < n; i++)
		CHECK(idx[i] <= 65535);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *nl;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';
	check_isolation(text);
	check_devices(nl ? nl + 1 : text);
	free(text);
	return 0;
}
