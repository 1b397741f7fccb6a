/*
 * agent/gpu — NVIDIA GPUs for the gpu/nvidia isolator (docs/isolation.md,
 * "GPUs"; Mesos' public "GPU support" page).
 *
 * Discovery: NVML is dlopen()ed at start-up ("libnvidia-ml.so.1", or
 * $AGORA_NVML_LIBRARY, an absolute path the unit tests use to load the
 * fake NVML in build/helpers/fake-nvml), queried once for every GPU's
 * index, minor, UUID, name and memory, then shut down and closed again:
 * nothing here needs NVML after start-up, and agora has no build-time
 * NVIDIA dependency. The _v2 entry points are preferred, with the
 * unversioned names as fallbacks for old drivers.
 *
 * How many gpus the agent offers follows Mesos' enumerateGpuResources
 * (src/slave/containerizer/mesos/isolators/gpu/allocator.cpp), in its
 * order, so the same flags give the same result or the same refusal:
 *   1. --nvidia_gpu_devices without gpu/nvidia in --isolation: error.
 *   2. no gpu/nvidia, or NVML unavailable: gpus from --resources pass
 *      through unvalidated; nvml_loaded stays false.
 *   3. gpus:0 written in --resources: offer none (with
 *      --nvidia_gpu_devices: error).
 *   4. --nvidia_gpu_devices and gpus in --resources need each other;
 *      together the list must be free of duplicates, as long as the gpus
 *      value, and name GPUs NVML reports.
 *   5. neither: every GPU NVML reports.
 * One deviation: Mesos refuses to start when the library loads but
 * nvmlInit fails (driver not loaded); agora treats that as case 2 with a
 * warning, so a host image with the NVIDIA libraries but no GPU still runs.
 *
 * Invariants of a struct gpu_set:
 *  1. v[] holds every GPU NVML reported, in index order, each once; only
 *     managed ones are offered or allocated.
 *  2. allocated == (owner[0] != '\0'); an owner is a container id.
 *  3. With !nvml_loaded, n == 0 and every allocation is -ENODEV.
 * Runs in the agent's event-loop process (discovery at start-up,
 * allocation at launch, release at task end); no locks, no globals.
 */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "agent/gpu.h"
#include "agent/isolation.h"
#include "core/log.h"
#include "core/resources.h"
#include "core/util.h"

/* ---- NVML, resolved at run time ---- */

#define NVML_SUCCESS 0
#define NVML_UUID_BUF 96   /* NVML_DEVICE_UUID_V2_BUFFER_SIZE */
#define NVML_NAME_BUF 96   /* NVML_DEVICE_NAME_V2_BUFFER_SIZE */
#define NVML_DRIVER_BUF 80 /* NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE */

typedef struct nvml_device *nvml_device_t; /* nvmlDevice_t */

struct nvml_memory { /* nvmlMemory_t */
	unsigned long long total, free, used;
};

/* nvmlReturn_t is an enum: int-sized and int-returned on every ABI agora targets. */
struct nvml {
	void *lib;
	int (*init)(void);
	int (*shutdown)(void);
	const char *(*error_string)(int);
	int (*driver_version)(char *, unsigned);
	int (*device_count)(unsigned *);
	int (*device_handle)(unsigned, nvml_device_t *);
	int (*device_minor)(nvml_device_t, unsigned *);
	int (*device_uuid)(nvml_device_t, char *, unsigned);
	int (*device_name)(nvml_device_t, char *, unsigned);
	int (*device_memory)(nvml_device_t, struct nvml_memory *);
};

static void *nvml_sym(void *lib, const char *name, const char *fallback)
{
	void *p = dlsym(lib, name);
	if (!p && fallback)
		p = dlsym(lib, fallback);
	return p;
}

/* Loads and initialises NVML; on failure why says what went wrong (not an error). */
static int nvml_open(struct nvml *n, char *why, size_t whylen)
{
	const char *path = getenv("AGORA_NVML_LIBRARY");
	int rc;

	memset(n, 0, sizeof(*n));
	if (!path || !path[0])
		path = GPU_LIBRARY;
	n->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!n->lib) {
		const char *e = dlerror();
		snprintf(why, whylen, "cannot load %s: %s", path, e ? e : "unknown error");
		return -ENOENT;
	}
	*(void **)&n->init = nvml_sym(n->lib, "nvmlInit_v2", "nvmlInit");
	*(void **)&n->shutdown = nvml_sym(n->lib, "nvmlShutdown", NULL);
	*(void **)&n->error_string = nvml_sym(n->lib, "nvmlErrorString", NULL);
	*(void **)&n->driver_version = nvml_sym(n->lib, "nvmlSystemGetDriverVersion", NULL);
	*(void **)&n->device_count = nvml_sym(n->lib, "nvmlDeviceGetCount_v2", "nvmlDeviceGetCount");
	*(void **)&n->device_handle =
		nvml_sym(n->lib, "nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex");
	*(void **)&n->device_minor = nvml_sym(n->lib, "nvmlDeviceGetMinorNumber", NULL);
	*(void **)&n->device_uuid = nvml_sym(n->lib, "nvmlDeviceGetUUID", NULL);
	*(void **)&n->device_name = nvml_sym(n->lib, "nvmlDeviceGetName", NULL);
	*(void **)&n->device_memory = nvml_sym(n->lib, "nvmlDeviceGetMemoryInfo", NULL);
	if (!n->init || !n->shutdown || !n->device_count || !n->device_handle ||
	    !n->device_minor || !n->device_uuid) {
		snprintf(why, whylen, "%s lacks the NVML functions agora needs (nvmlInit, "
				      "nvmlDeviceGetCount, nvmlDeviceGetHandleByIndex, "
				      "nvmlDeviceGetMinorNumber, nvmlDeviceGetUUID)", path);
		dlclose(n->lib);
		n->lib = NULL;
		return -ENOSYS;
	}
	rc = n->init();
	if (rc != NVML_SUCCESS) {
		snprintf(why, whylen, "nvmlInit failed: %s (error %d)",
			 n->error_string ? n->error_string(rc) : "unknown", rc);
		dlclose(n->lib);
		n->lib = NULL;
		return -EIO;
	}
	return 0;
}

static void nvml_close(struct nvml *n)
{
	if (!n->lib)
		return;
	n->shutdown();
	dlclose(n->lib);
	n->lib = NULL;
}

static int nvml_fail(const struct nvml *n, const char *call, unsigned index, int rc, char *err,
		     size_t errlen)
{
	snprintf(err, errlen,
		 "NVML: %s for GPU %u failed: %s (error %d); fix the driver or remove gpu/nvidia "
		 "from --isolation",
		 call, index, n->error_string ? n->error_string(rc) : "unknown", rc);
	return -EIO;
}

/* Fills g from NVML device index i. */
static int nvml_describe(const struct nvml *n, unsigned i, struct gpu_info *g, char *err,
			 size_t errlen)
{
	nvml_device_t dev = NULL;
	struct nvml_memory mem = { 0, 0, 0 };
	char buf[NVML_UUID_BUF > NVML_NAME_BUF ? NVML_UUID_BUF : NVML_NAME_BUF];
	int rc;

	memset(g, 0, sizeof(*g));
	g->index = i;
	if ((rc = n->device_handle(i, &dev)) != NVML_SUCCESS)
		return nvml_fail(n, "nvmlDeviceGetHandleByIndex", i, rc, err, errlen);
	if ((rc = n->device_minor(dev, &g->minor)) != NVML_SUCCESS)
		return nvml_fail(n, "nvmlDeviceGetMinorNumber", i, rc, err, errlen);
	if (g->minor >= GPU_NVIDIACTL_MINOR)
		return snprintf(err, errlen, "NVML: GPU %u has minor number %u; expected 0-254", i,
				g->minor),
		       -EIO;
	memset(buf, 0, sizeof(buf));
	if ((rc = n->device_uuid(dev, buf, NVML_UUID_BUF)) != NVML_SUCCESS)
		return nvml_fail(n, "nvmlDeviceGetUUID", i, rc, err, errlen);
	str_copy(g->uuid, buf, sizeof(g->uuid));
	memset(buf, 0, sizeof(buf));
	if (n->device_name && n->device_name(dev, buf, NVML_NAME_BUF) == NVML_SUCCESS)
		str_copy(g->name, buf, sizeof(g->name));
	if (n->device_memory && n->device_memory(dev, &mem) == NVML_SUCCESS)
		g->memory_bytes = mem.total;
	return 0;
}

/* Every GPU NVML reports into s->v (at most GPU_MAX). */
static int nvml_enumerate(const struct nvml *n, struct gpu_set *s, char *err, size_t errlen)
{
	unsigned count = 0;
	char version[NVML_DRIVER_BUF] = "";
	int rc;

	if ((rc = n->device_count(&count)) != NVML_SUCCESS)
		return nvml_fail(n, "nvmlDeviceGetCount", 0, rc, err, errlen);
	if (count > GPU_MAX) {
		log_warnx("agent: NVML reports %u GPUs; agora manages the first %d", count, GPU_MAX);
		count = GPU_MAX;
	}
	if (n->driver_version && n->driver_version(version, sizeof(version)) == NVML_SUCCESS)
		str_copy(s->driver_version, version, sizeof(s->driver_version));
	s->v = count ? xcalloc(count, sizeof(*s->v)) : NULL;
	for (unsigned i = 0; i < count; i++) {
		rc = nvml_describe(n, i, &s->v[i], err, errlen);
		if (rc < 0)
			return rc;
		s->n++;
	}
	return 0;
}

/* ---- flags ---- */

/* --nvidia_gpu_devices: "0,2,3" (whitespace around entries tolerated). */
int gpu_parse_device_list(const char *text, unsigned *idx, size_t max, size_t *n, char *err,
			  size_t errlen)
{
	char buf[1024];
	char *p, *next;

	*n = 0;
	if (str_copy(buf, text, sizeof(buf)) >= sizeof(buf))
		return snprintf(err, errlen, "flag --nvidia_gpu_devices: longer than %zu characters",
				sizeof(buf) - 1),
		       -EINVAL;
	for (p = buf; p; p = next) {
		char *entry;
		uint64_t v;

		next = strchr(p, ',');
		if (next)
			*next++ = '\0';
		entry = str_trim(p);
		if (parse_uint64(entry, &v) < 0 || v > 65535)
			return snprintf(err, errlen,
					"flag --nvidia_gpu_devices: expected a comma list of GPU "
					"indices as nvidia-smi numbers them (e.g. 0,1), got '%s'",
					text),
			       -EINVAL;
		if (*n == max)
			return snprintf(err, errlen,
					"flag --nvidia_gpu_devices: more than %zu GPUs listed", max),
			       -EINVAL;
		idx[(*n)++] = (unsigned)v;
	}
	return 0;
}

/* Whether a text-form --resources names gpus at all ("gpus:0", "gpus(role):0"). */
static bool text_names_gpus(const char *text)
{
	const char *p = text;

	while (*p) {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		size_t i = 0, k;

		while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n'))
			i++;
		for (k = i; k < len && p[k] != ':' && p[k] != '(' && p[k] != ' '; k++)
			;
		if (k - i == 4 && !strncmp(p + i, "gpus", 4))
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

static bool json_names_gpus(const char *text)
{
	json_t *arr = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	json_t *item;
	size_t i;
	bool found = false;

	json_array_foreach(arr, i, item)
	{
		json_t *name = json_object_get(item, "name");
		if (json_is_string(name) && !strcmp(json_string_value(name), "gpus"))
			found = true;
	}
	json_decref(arr);
	return found;
}

/* The gpus in --resources: *named (written at all, even as 0) and the total in thousandths. */
static int resources_gpus(const char *flag, bool *named, int64_t *milli, char *err, size_t errlen)
{
	struct resources r = RESOURCES_EMPTY;
	char perr[512];
	const char *p = flag;

	*named = false;
	*milli = 0;
	if (!flag)
		return 0;
	if (res_parse(flag, "*", &r, perr, sizeof(perr)) < 0)
		return snprintf(err, errlen, "flag --resources: %s",
				str_starts_with(perr, "resources: ") ? perr + 11 : perr),
		       -EINVAL;
	*milli = res_scalar_milli(&r, "gpus");
	res_free(&r);
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	*named = *milli > 0 || (*p == '[' ? json_names_gpus(p) : text_names_gpus(p));
	return 0;
}

static int dev_dir_init(struct gpu_set *s, char *err, size_t errlen)
{
	const char *dir = getenv("AGORA_NVIDIA_DEV_DIR");

	if (!dir || !dir[0])
		dir = "/dev";
	if (dir[0] != '/' || strlen(dir) >= sizeof(s->dev_dir))
		return snprintf(err, errlen,
				"AGORA_NVIDIA_DEV_DIR: expected an absolute path shorter than %zu "
				"characters, got '%.120s'",
				sizeof(s->dev_dir), dir),
		       -EINVAL;
	str_copy(s->dev_dir, dir, sizeof(s->dev_dir));
	return 0;
}

/* ---- Mesos' rules ---- */

struct gpu_request {
	bool has_gpu_isolation;
	bool devices_given; /* --nvidia_gpu_devices */
	unsigned devices[GPU_MAX];
	size_t ndevices;
	bool gpus_named; /* gpus in --resources, even as 0 */
	int64_t gpus_milli;
};

/* Rules 3-5 once NVML answered: marks the managed GPUs, returns how many. */
static int select_managed(struct gpu_set *s, const struct gpu_request *q, char *err,
			  size_t errlen)
{
	uint64_t gpus = (uint64_t)(q->gpus_milli / 1000);

	if (q->gpus_named && q->gpus_milli == 0) {
		if (q->devices_given)
			return snprintf(err, errlen,
					"flag --nvidia_gpu_devices cannot be given when --resources "
					"sets gpus:0"),
			       -EINVAL;
		return 0;
	}
	if (q->devices_given && !q->gpus_named)
		return snprintf(err, errlen,
				"flag --nvidia_gpu_devices also needs gpus in --resources, e.g. "
				"--resources='gpus:%zu' for %zu GPUs",
				q->ndevices, q->ndevices),
		       -EINVAL;
	if (q->gpus_named && !q->devices_given)
		return snprintf(err, errlen,
				"flag --resources: gpus:%" PRIu64 " also needs --nvidia_gpu_devices "
				"naming which GPUs (NVML indices, e.g. 0,1); leave both out to "
				"offer every GPU",
				gpus),
		       -EINVAL;
	if (!q->devices_given) {
		for (size_t i = 0; i < s->n; i++)
			s->v[i].managed = true;
		return (int)s->n;
	}
	for (size_t i = 0; i < q->ndevices; i++)
		for (size_t j = 0; j < i; j++)
			if (q->devices[i] == q->devices[j])
				return snprintf(err, errlen,
						"flag --nvidia_gpu_devices: GPU %u is listed twice",
						q->devices[i]),
				       -EINVAL;
	if (q->ndevices != gpus)
		return snprintf(err, errlen,
				"flag --nvidia_gpu_devices lists %zu GPUs but --resources has "
				"gpus:%" PRIu64 "; the two must match",
				q->ndevices, gpus),
		       -EINVAL;
	for (size_t i = 0; i < q->ndevices; i++) {
		if (q->devices[i] >= s->n)
			return snprintf(err, errlen,
					"flag --nvidia_gpu_devices: GPU %u does not exist (NVML "
					"reports %zu GPUs, indices 0-%zu)",
					q->devices[i], s->n, s->n ? s->n - 1 : 0),
			       -EINVAL;
		s->v[q->devices[i]].managed = true;
	}
	return (int)q->ndevices;
}

static int read_request(const char *isolation, const char *nvidia_gpu_devices,
			const char *resources_flag, struct gpu_request *q, char *err,
			size_t errlen)
{
	memset(q, 0, sizeof(*q));
	q->has_gpu_isolation = iso_list_contains(isolation, "gpu/nvidia");
	if (nvidia_gpu_devices) {
		q->devices_given = true;
		if (gpu_parse_device_list(nvidia_gpu_devices, q->devices, GPU_MAX, &q->ndevices,
					  err, errlen) < 0)
			return -EINVAL;
	}
	if (resources_gpus(resources_flag, &q->gpus_named, &q->gpus_milli, err, errlen) < 0)
		return -EINVAL;
	if (q->devices_given && !q->has_gpu_isolation)
		return snprintf(err, errlen,
				"flag --nvidia_gpu_devices can only be given when --isolation "
				"contains gpu/nvidia"),
		       -EINVAL;
	return 0;
}

static void log_discovery(const struct gpu_set *s, int offered)
{
	char list[512] = "";

	for (size_t i = 0; i < s->n; i++) {
		char one[16];
		if (!s->v[i].managed)
			continue;
		snprintf(one, sizeof(one), "%s%u", list[0] ? "," : "", s->v[i].index);
		str_append(list, one, sizeof(list));
	}
	log_info("agent: NVML (driver %s) reports %zu GPU%s; offering %d%s%s%s",
		 s->driver_version[0] ? s->driver_version : "unknown", s->n, s->n == 1 ? "" : "s",
		 offered, list[0] ? " (indices " : "", list, list[0] ? ")" : "");
}

int gpu_discover(const char *isolation, const char *nvidia_gpu_devices,
		 const char *resources_flag, struct gpu_set *out, double *gpus_to_offer,
		 char *err, size_t errlen)
{
	struct gpu_request q;
	struct nvml nvml;
	int rc;

	memset(out, 0, sizeof(*out));
	*gpus_to_offer = 0;
	if ((rc = dev_dir_init(out, err, errlen)) < 0)
		return rc;
	if (read_request(isolation, nvidia_gpu_devices, resources_flag, &q, err, errlen) < 0)
		return -EINVAL;
	if (!q.has_gpu_isolation) {
		*gpus_to_offer = (double)(q.gpus_milli / 1000);
		return 0;
	}
	if (nvml_open(&nvml, out->nvml_error, sizeof(out->nvml_error)) < 0) {
		*gpus_to_offer = (double)(q.gpus_milli / 1000);
		log_warnx("agent: --isolation has gpu/nvidia but NVML is unavailable (%s); "
			  "offering gpus:%g from --resources without GPU isolation",
			  out->nvml_error, *gpus_to_offer);
		return 0;
	}
	rc = nvml_enumerate(&nvml, out, err, errlen);
	nvml_close(&nvml);
	if (rc >= 0)
		rc = select_managed(out, &q, err, errlen);
	if (rc < 0) {
		gpu_set_free(out);
		return -EINVAL;
	}
	out->nvml_loaded = true;
	*gpus_to_offer = rc;
	log_discovery(out, rc);
	return 0;
}

void gpu_set_free(struct gpu_set *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
	s->nvml_loaded = false;
}

/* ---- allocation ---- */

static struct gpu_info *find_index(const struct gpu_set *s, unsigned index)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].index == index)
			return &s->v[i];
	return NULL;
}

static bool owner_valid(const char *owner)
{
	return owner && owner[0] && strlen(owner) < sizeof(((struct gpu_info *)0)->owner);
}

unsigned gpu_free_count(const struct gpu_set *s)
{
	unsigned free_gpus = 0;

	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].managed && !s->v[i].allocated)
			free_gpus++;
	return free_gpus;
}

int gpu_allocate(struct gpu_set *s, unsigned count, const char *owner, unsigned *indices_out)
{
	unsigned given = 0;

	if (!owner_valid(owner))
		return -EINVAL;
	if (count == 0)
		return 0;
	if (!s->nvml_loaded)
		return -ENODEV;
	if (gpu_free_count(s) < count)
		return -EBUSY;
	for (size_t i = 0; i < s->n && given < count; i++) {
		struct gpu_info *g = &s->v[i];
		if (!g->managed || g->allocated)
			continue;
		g->allocated = true;
		str_copy(g->owner, owner, sizeof(g->owner));
		indices_out[given++] = g->index;
	}
	return 0;
}

void gpu_release_owner(struct gpu_set *s, const char *owner)
{
	if (!owner || !owner[0])
		return;
	for (size_t i = 0; i < s->n; i++) {
		struct gpu_info *g = &s->v[i];
		if (g->allocated && !strcmp(g->owner, owner)) {
			g->allocated = false;
			g->owner[0] = '\0';
		}
	}
}

int gpu_claim(struct gpu_set *s, unsigned index, const char *owner)
{
	struct gpu_info *g = find_index(s, index);

	if (!owner_valid(owner))
		return -EINVAL;
	if (!g || !g->managed)
		return -ENOENT;
	if (g->allocated)
		return strcmp(g->owner, owner) ? -EBUSY : 0;
	g->allocated = true;
	str_copy(g->owner, owner, sizeof(g->owner));
	return 0;
}

size_t gpu_owned(const struct gpu_set *s, const char *owner, unsigned *indices_out, size_t max)
{
	size_t count = 0;

	if (!owner || !owner[0])
		return 0;
	for (size_t i = 0; i < s->n; i++) {
		if (!s->v[i].allocated || strcmp(s->v[i].owner, owner))
			continue;
		if (count < max)
			indices_out[count] = s->v[i].index;
		count++;
	}
	return count;
}

json_t *gpu_state_json(const struct gpu_set *s)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < s->n; i++) {
		const struct gpu_info *g = &s->v[i];
		json_array_append_new(
			arr, json_pack("{s:I,s:I,s:s,s:s,s:I,s:b,s:b,s:o}", "index",
				       (json_int_t)g->index, "minor", (json_int_t)g->minor, "uuid",
				       g->uuid, "name", g->name, "memory_mb",
				       (json_int_t)(g->memory_bytes / (1024 * 1024)), "managed",
				       g->managed, "allocated", g->allocated, "owner",
				       g->allocated ? json_string(g->owner) : json_null()));
	}
	return arr;
}

/* ---- devices and environment ---- */

static void dev_put(struct gpu_dev *out, size_t max, size_t *k, int major, int minor,
		    const char *dir, const char *name)
{
	if (*k < max) {
		struct gpu_dev *d = &out[*k];
		d->type = 'c';
		d->major = major;
		d->minor = minor;
		snprintf(d->path, sizeof(d->path), "%s/%s", dir, name);
	}
	(*k)++;
}

/* A node whose numbers the kernel chose: listed only when it exists as a char device. */
static void dev_put_if_present(const struct gpu_set *s, struct gpu_dev *out, size_t max,
			       size_t *k, const char *name)
{
	char path[GPU_DEV_DIR_MAX + 32];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", s->dev_dir, name);
	if (stat(path, &st) == 0 && S_ISCHR(st.st_mode))
		dev_put(out, max, k, (int)major(st.st_rdev), (int)minor(st.st_rdev), s->dev_dir,
			name);
}

size_t gpu_devices_for(const struct gpu_set *s, const unsigned *indices, size_t n,
		       struct gpu_dev *out, size_t max)
{
	char path[GPU_DEV_DIR_MAX + 32];
	struct stat st;
	size_t k = 0;

	/* nvidiactl's numbers are fixed by the driver; trust the node when it exists. */
	snprintf(path, sizeof(path), "%s/nvidiactl", s->dev_dir);
	if (stat(path, &st) == 0 && S_ISCHR(st.st_mode))
		dev_put(out, max, &k, (int)major(st.st_rdev), (int)minor(st.st_rdev), s->dev_dir,
			"nvidiactl");
	else
		dev_put(out, max, &k, GPU_NVIDIA_MAJOR, GPU_NVIDIACTL_MINOR, s->dev_dir,
			"nvidiactl");
	dev_put_if_present(s, out, max, &k, "nvidia-uvm");
	dev_put_if_present(s, out, max, &k, "nvidia-uvm-tools");
	for (size_t i = 0; i < n; i++) {
		const struct gpu_info *g = find_index(s, indices[i]);
		char name[32];
		if (!g)
			continue;
		snprintf(name, sizeof(name), "nvidia%u", g->minor);
		dev_put(out, max, &k, GPU_NVIDIA_MAJOR, (int)g->minor, s->dev_dir, name);
	}
	return k;
}

size_t gpu_devices_all(const struct gpu_set *s, struct gpu_dev *out, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "nvidia%u", s->v[i].minor);
		dev_put(out, max, &k, GPU_NVIDIA_MAJOR, (int)s->v[i].minor, s->dev_dir, name);
	}
	return k;
}

int gpu_visible_devices(const struct gpu_set *s, const unsigned *indices, size_t n, char *buf,
			size_t size)
{
	if (size == 0)
		return -ENAMETOOLONG;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct gpu_info *g = find_index(s, indices[i]);
		if (!g)
			return buf[0] = '\0', -ENOENT;
		if ((i && str_append(buf, ",", size) >= size) ||
		    str_append(buf, g->uuid, size) >= size)
			return buf[0] = '\0', -ENAMETOOLONG;
	}
	return 0;
}
