/*
 * agent/gpu — NVIDIA GPUs: discovery through NVML (loaded at run time,
 * no build-time dependency), Mesos' rules for how many gpus the agent
 * offers, which GPU each task holds, and what a GPU task may open.
 */
#ifndef AGORA_AGENT_GPU_H
#define AGORA_AGENT_GPU_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GPU_MAX 128		 /* GPUs per machine agora tracks */
#define GPU_NVIDIA_MAJOR 195	 /* char major of /dev/nvidia<minor> and /dev/nvidiactl */
#define GPU_NVIDIACTL_MINOR 255
#define GPU_DEV_DIR_MAX 96	 /* longest dev_dir ($AGORA_NVIDIA_DEV_DIR) */
#define GPU_LIBRARY "libnvidia-ml.so.1"

struct gpu_info {
	unsigned index;	       /* NVML index, as nvidia-smi numbers them */
	unsigned minor;	       /* /dev/nvidia<minor> */
	char uuid[96];	       /* "GPU-8f6c..." */
	char name[96];	       /* "Tesla V100-SXM2-16GB" */
	uint64_t memory_bytes; /* total */
	bool managed;	       /* offered to the master and allocatable to tasks */
	bool allocated;
	char owner[300]; /* container id of the task holding it; "" when free */
};

struct gpu_set {
	struct gpu_info *v; /* every GPU NVML reported, in index order; owned */
	size_t n;
	/*
	 * NVML discovery ran: GPUs are isolated and allocated one by one.
	 * When false, a gpus value from --resources is offered unvalidated and
	 * tasks get no GPU devices or isolation (Mesos' pass-through).
	 */
	bool nvml_loaded;
	char driver_version[80];
	char dev_dir[GPU_DEV_DIR_MAX]; /* "/dev", or $AGORA_NVIDIA_DEV_DIR for tests */
	char nvml_error[256];	       /* why NVML is not used; "" when it is */
};

struct gpu_dev {
	char type; /* 'c' */
	int major, minor;
	char path[GPU_DEV_DIR_MAX + 32]; /* host path, e.g. /dev/nvidia0 */
};

/*
 * Discovers GPUs and decides how many the agent offers (*gpus_to_offer),
 * following Mesos' enumerateGpuResources:
 *   - gpu/nvidia not in isolation (NULL = "posix/cpu,posix/mem"):
 *     --nvidia_gpu_devices is an error; gpus from --resources pass through.
 *   - NVML cannot be loaded or initialised: warning, gpus from --resources
 *     pass through, out->nvml_loaded false (agora is gentler than Mesos,
 *     which stops when the library loads but nvmlInit fails).
 *   - gpus:0 in --resources: no GPU offered (all still denied to tasks);
 *     --nvidia_gpu_devices then is an error.
 *   - gpus:N needs --nvidia_gpu_devices with N distinct, existing indices,
 *     and the reverse; both absent: every GPU NVML reports.
 * resources_flag is the raw --resources text (text or JSON form; NULL when
 * not given): it is parsed here because "gpus:0" and no gpus at all parse
 * to the same struct resources.
 * The library is dlopen(GPU_LIBRARY), or the absolute path in
 * $AGORA_NVML_LIBRARY (tests point it at the fake NVML); it is closed
 * again before returning. *out is overwritten (free with gpu_set_free,
 * also after an error). Errors are -EINVAL with a sentence naming the flag.
 */
int gpu_discover(const char *isolation, const char *nvidia_gpu_devices,
		 const char *resources_flag, struct gpu_set *out, double *gpus_to_offer,
		 char *err, size_t errlen);
void gpu_set_free(struct gpu_set *s);

/*
 * Parses a --nvidia_gpu_devices value ("0,2,3"; whitespace around entries
 * is fine, each index <= 65535) into out (at most max entries, *n set).
 * Duplicates are the caller's to refuse. -EINVAL with a sentence naming
 * the flag.
 */
int gpu_parse_device_list(const char *text, unsigned *out, size_t max, size_t *n, char *err,
			  size_t errlen);

/* Managed GPUs not allocated. */
unsigned gpu_free_count(const struct gpu_set *s);
/*
 * Gives count free managed GPUs (lowest index first) to owner and writes
 * their NVML indices to indices_out (count entries). All or nothing:
 * -EBUSY when fewer are free, -ENODEV when !nvml_loaded (pass-through: run
 * the task without GPU isolation), -EINVAL for an empty or overlong owner.
 */
int gpu_allocate(struct gpu_set *s, unsigned count, const char *owner, unsigned *indices_out);
/* Frees every GPU owner holds, however its task ended; no-op when none. */
void gpu_release_owner(struct gpu_set *s, const char *owner);
/*
 * Re-attaches a GPU to owner after an agent restart (from the task's
 * checkpoint). 0 also when owner already holds it; -ENOENT when no managed
 * GPU has that index; -EBUSY when another owner holds it.
 */
int gpu_claim(struct gpu_set *s, unsigned index, const char *owner);
/* The NVML indices owner holds, ascending; returns how many (up to max written). */
size_t gpu_owned(const struct gpu_set *s, const char *owner, unsigned *indices_out, size_t max);

/* For /state: [{index, minor, uuid, name, memory_mb, managed, allocated, owner}]. */
json_t *gpu_state_json(const struct gpu_set *s);

/*
 * The device nodes a task holding GPUs `indices` may open: /dev/nvidiactl
 * (c 195:255, or what the node says), /dev/nvidia-uvm and
 * /dev/nvidia-uvm-tools when they exist (their major is dynamic), and
 * /dev/nvidia<minor> of each of its GPUs. Writes up to max entries and
 * returns how many there are (like snprintf: > max means out was too
 * small). An index the set does not know is skipped.
 */
size_t gpu_devices_for(const struct gpu_set *s, const unsigned *indices, size_t n,
		       struct gpu_dev *out, size_t max);
/*
 * Every GPU node of the machine (c 195:<minor> of every GPU NVML reported,
 * managed or not): deny these in every container, then allow
 * gpu_devices_for(). Same return convention.
 */
size_t gpu_devices_all(const struct gpu_set *s, struct gpu_dev *out, size_t max);

/*
 * The value of CUDA_VISIBLE_DEVICES and NVIDIA_VISIBLE_DEVICES for a task
 * holding `indices`: their UUIDs, comma separated, so CUDA's own device
 * ordering cannot name a GPU the task does not hold. "" for n == 0.
 * 0, -ENOENT for an unknown index, -ENAMETOOLONG when buf is too small.
 */
int gpu_visible_devices(const struct gpu_set *s, const unsigned *indices, size_t n, char *buf,
			size_t size);

#endif
