"""Isolation end to end: a real master and agent on loopback, tasks from the
v1 scheduler client (scheduler.py), and the kernel's own view checked from
outside — cgroup files, /proc, device nodes.

  * the seed's run_tasks ACL on the master (root refused, `mesos` runs);
  * cgroups: limits in the task's cgroup files, an OOM kill reported as
    REASON_CONTAINER_LIMITATION_MEMORY, disowned / setsid'd children and a
    fork bomb gone with their task, leftover cgroups of an earlier run swept;
  * the seed's --isolation list starts the agent and names what it ignores;
  * /monitor/statistics and per-executor statistics in /state;
  * posix/disk with --enforce_container_disk_quota;
  * GPUs through the fake NVML (build/helpers/fake-nvml): offered, listed,
    given out one by one, confined by the devices cgroup on v1 (EPERM for
    another task's GPU) or a private /dev on v2 (ENOENT), its own node
    reachable (ENXIO without a driver, opened with one), and returned.

Every test that makes cgroups uses its own --cgroups_root (agora-it-<pid>-<n>),
checks that the tasks' cgroups are gone when they end, and removes the root.
Each such test runs once per cgroup hierarchy the host has (`cgroot`, ids v1
and v2): a v1 hybrid host runs the v2 cases on its controller-less cgroup2
mount at /sys/fs/cgroup/unified (creation, joining, cgroup.kill, removal and
the private /dev are the real v2 paths; limit files need a v2-only host).
Needs root for cgroups, users and device nodes; those tests skip otherwise.
"""
import glob
import itertools
import os
import pwd
import signal
import subprocess
import time

import pytest

from conftest import BUILD, SEED, SEED_PRINCIPAL, SEED_SECRET, http, wait_until
from scheduler import Scheduler, task_info
from conftest import TASK_USER, kill_leftovers, pid_alive, read

AUTH = (SEED_PRINCIPAL, SEED_SECRET)
IS_ROOT = os.geteuid() == 0
CG = "/sys/fs/cgroup"
needs_root = pytest.mark.skipif(not IS_ROOT, reason="needs root")
FAKE_NVML = os.path.join(BUILD, "helpers", "fake-nvml", "libnvidia-ml.so.1")
V1_CONTROLLERS = ("cpu", "cpuacct", "memory", "pids", "devices", "freezer")
ISOLATOR_CONTROLLER = {"cgroups/cpu": "cpu", "cgroups/mem": "memory", "cgroups/pids": "pids",
                       "cgroups/devices": "devices"}
_roots = itertools.count()


def seed_isolation():
    with open(os.path.join(SEED, "default-mesos-slave")) as f:
        for line in f:
            if line.startswith("ISOLATION="):
                return line.split("=", 1)[1].strip().strip('"')
    raise AssertionError("the seed has no ISOLATION line")


# ---- cgroup hierarchies ----

def mount_type(path):
    with open("/proc/self/mounts") as f:
        for line in f:
            fields = line.split()
            if len(fields) > 2 and fields[1] == path:
                return fields[2]
    return None


class Hier:
    """A cgroup hierarchy the agent is pointed at with --cgroups_hierarchy.

    v1: one tree per controller (<path>/<controller>/<root>/<container>);
    v2: one tree (<path>/<root>/<container>), with the controllers that
    <path>/cgroup.controllers lists (on a v1 hybrid host the cgroup2 mount at
    /sys/fs/cgroup/unified has none: cgroups/devices there is the v2 private
    /dev, and creation, joining, cgroup.kill and removal are the real v2 paths).
    """

    def __init__(self, path, v2):
        self.path, self.v2 = path, v2
        if v2:
            self.controllers = set(read(os.path.join(path, "cgroup.controllers")).split())
            self.controllers.add("devices")  # the private /dev stands in for it
        else:
            self.controllers = {c for c in V1_CONTROLLERS
                                if mount_type(os.path.join(path, c)) == "cgroup"}

    def usable(self):
        return self.v2 or {"memory", "devices"} <= self.controllers


def hierarchies():
    """v1 and v2 wherever this host has them: on a v1 hybrid host both."""
    out = []
    if not IS_ROOT:
        return out
    if mount_type(CG) == "cgroup2":
        out.append(("v2", Hier(CG, True)))
    else:
        out.append(("v1", Hier(CG, False)))
        if mount_type(os.path.join(CG, "unified")) == "cgroup2":
            out.append(("v2", Hier(os.path.join(CG, "unified"), True)))
    return [(name, h) for name, h in out if h.usable()]


HIERARCHIES = hierarchies()
needs_cgroups = pytest.mark.skipif(not HIERARCHIES, reason="needs root and cgroup controllers")


class CgRoot:
    """One test's --cgroups_root in one hierarchy, and the kernel's view of it."""

    def __init__(self, hier, name):
        self.hier, self.name, self.leftovers_ok = hier, name, False
        self.v2 = hier.v2

    def require(self, *controllers):
        missing = [c for c in controllers if c not in self.hier.controllers]
        if missing:
            pytest.skip(f"{self.hier.path} has no {', '.join(missing)} controller")

    def isolation(self, *isolators):
        """The isolators this hierarchy can serve; cgroups/devices when none is left."""
        keep = [i for i in isolators if ISOLATOR_CONTROLLER.get(i, "devices")
                in self.hier.controllers]
        if not any(i.startswith("cgroups/") for i in keep):
            keep.append("cgroups/devices")
        return keep

    def flags(self, *isolators):
        return [f"--isolation={','.join(self.isolation(*isolators))}",
                f"--cgroups_root={self.name}", f"--cgroups_hierarchy={self.hier.path}"]

    def roots(self):
        """Every <hierarchy>/<root> directory of this cgroup root."""
        if self.v2:
            dirs = [os.path.join(self.hier.path, self.name)]
        else:
            dirs = glob.glob(os.path.join(self.hier.path, "*", self.name))
        return [p for p in dirs if os.path.isdir(p)]

    def children(self):
        return [os.path.join(d, c) for d in self.roots() for c in os.listdir(d)
                if os.path.isdir(os.path.join(d, c))]

    def dir(self, controller="memory"):
        if self.v2:
            return os.path.join(self.hier.path, self.name)
        if controller not in self.hier.controllers:  # any tree serves for cgroup.procs
            controller = sorted(self.hier.controllers)[0]
        return os.path.join(self.hier.path, controller, self.name)

    def file(self, controller, cid, name):
        return os.path.join(self.dir(controller), cid, name)

    def procs(self, cid):
        try:
            return [int(p) for p in read(self.file("memory", cid, "cgroup.procs")).split()]
        except FileNotFoundError:
            return []


def remove_cgroup_tree(path):
    try:  # the agent or a supervisor may be removing it at the same time
        children = [os.path.join(path, c) for c in os.listdir(path)
                    if os.path.isdir(os.path.join(path, c))]
    except FileNotFoundError:
        return
    for child in children:
        remove_cgroup_tree(child)
    try:
        for pid in read(os.path.join(path, "cgroup.procs")).split():
            os.kill(int(pid), signal.SIGKILL)
    except (OSError, ValueError):
        pass
    deadline = time.monotonic() + 5
    while True:
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@pytest.fixture(params=[h for _, h in HIERARCHIES] or [None],
                ids=[name for name, _ in HIERARCHIES] or ["none"])
def cgroot(request):
    """A fresh --cgroups_root in each hierarchy this host has (v1, v2); afterwards no
    task cgroup may be left (unless the test failed: its tasks may still run), and the
    root goes."""
    if request.param is None:
        pytest.skip("needs root and cgroup controllers")
    box = CgRoot(request.param, f"agora-it-{os.getpid()}-{next(_roots)}")
    yield box
    left = box.children()
    for d in box.roots():
        remove_cgroup_tree(d)
    failed = getattr(request.node, "rep_call", None) is None or request.node.rep_call.failed
    assert box.leftovers_ok or failed or not left, f"task cgroups left behind: {left}"


# ---- cluster helpers ----

class Env:
    def __init__(self, cluster, agent, sched, work_dir):
        self.cluster, self.agent, self.sched, self.work_dir = cluster, agent, sched, work_dir

    def state(self):
        r = http("GET", f"http://127.0.0.1:{self.agent.port}/state", auth=AUTH)
        assert r.status == 200, r.text
        return r.json()

    def executor(self, task_id):
        st = self.state()
        for fw in st["frameworks"] + st["completed_frameworks"]:
            for ex in fw["executors"] + fw["completed_executors"]:
                if ex["id"] == task_id:
                    return ex
        return None

    def sandbox(self, task_id):
        return wait_until(lambda: self.executor(task_id), what=f"executor {task_id}")["directory"]

    def container(self, task_id):
        return wait_until(lambda: self.executor(task_id), what=f"executor {task_id}")["container"]

    def launch(self, task_id, command, resources="cpus:0.1;mem:32", offer=None, **kw):
        offer = offer or self.sched.wait_offer()
        t = task_info(task_id, offer, command, resources=resources, **kw)
        st, text = self.sched.launch(offer, [t], refuse_seconds=0.1)
        assert st == 202, text
        return offer

    def statistics(self, auth=AUTH):
        return http("GET", f"http://127.0.0.1:{self.agent.port}/monitor/statistics", auth=auth)


@pytest.fixture
def start(cluster):
    """start(*agent_flags, env=None, capabilities=(), user=...) -> Env; cleans up after."""
    envs = []

    def go(*flags, env=None, capabilities=(), user=TASK_USER, master_flags=(), resources=None):
        cluster.master(*master_flags)
        kw = {"resources": resources} if resources else {}
        agent = cluster.agent(*flags, env=env, **kw)
        cluster.wait_agents(1)
        s = Scheduler(cluster.master_port, auth=AUTH, user=user, principal=SEED_PRINCIPAL,
                      capabilities=capabilities, failover_timeout=60)
        assert s.subscribe() == 200
        e = Env(cluster, agent, s, cluster.path("agent"))
        envs.append(e)
        hier = [f.split("=", 1)[1] for f in flags if f.startswith("--cgroups_hierarchy=")]
        if hier:  # the agent runs on the hierarchy the test asked for, as that version
            cg = e.state()["cgroups"]
            assert cg["hierarchy"] == hier[0], cg
            assert cg["version"].startswith("v2" if mount_type(hier[0]) == "cgroup2" else "v1"), cg
        return e

    yield go
    for e in envs:
        e.sched.close()
        kill_leftovers(e.work_dir)


def wait_gone(pids, what):
    wait_until(lambda: not [p for p in pids if pid_alive(p)], what=what)


# ---- ACLs (master) ----

def ensure_mesos_user():
    """The seed's `mesos` user: uid 1000 when free, else useradd's next free uid. Kept."""
    try:
        return pwd.getpwnam("mesos")
    except KeyError:
        pass
    args = ["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin"]
    try:
        pwd.getpwuid(1000)
    except KeyError:
        args += ["--uid", "1000"]
    r = subprocess.run(args + ["mesos"], capture_output=True, text=True)
    if r.returncode != 0 and "already exists" not in r.stderr:
        raise AssertionError(f"useradd mesos: {r.stderr}")
    return pwd.getpwnam("mesos")


@needs_root
def test_seed_acl_refuses_root_and_runs_mesos(start):
    mesos = ensure_mesos_user()
    e = start(master_flags=[f"--acls={os.path.join(SEED, 'master-acls.json')}"], user="mesos")
    e.launch("as-root", "id -u", user="root")
    st = e.sched.wait_update("as-root", "TASK_ERROR")
    assert st["reason"] == "REASON_TASK_UNAUTHORIZED"
    assert SEED_PRINCIPAL in st["message"] and "'root'" in st["message"]
    assert "run_tasks[1]" in st["message"]  # names the rule that refused it
    e.launch("as-mesos", "id -u")
    e.sched.wait_update("as-mesos", "TASK_FINISHED")
    assert read(os.path.join(e.sandbox("as-mesos"), "stdout")).strip() == str(mesos.pw_uid)


# ---- cgroups ----

@needs_cgroups
def test_cgroup_files_carry_the_task_limits(start, cgroot):
    cgroot.require("cpu", "memory")
    e = start(*cgroot.flags("cgroups/cpu", "cgroups/mem"), "--cgroups_enable_cfs")
    e.launch("limited", "echo $$ > pid; sleep 100", resources="cpus:0.5;mem:64")
    e.sched.wait_update("limited", "TASK_RUNNING")
    cid = e.container("limited")
    pid = int(wait_until(lambda: read(os.path.join(e.sandbox("limited"), "pid")).strip(),
                         what="pid file"))
    if cgroot.v2:
        assert read(cgroot.file("cpu", cid, "cpu.max")).split() == ["50000", "100000"]
        assert int(read(cgroot.file("memory", cid, "memory.max"))) == 64 << 20
    else:
        assert int(read(cgroot.file("cpu", cid, "cpu.shares"))) == 512
        assert int(read(cgroot.file("cpu", cid, "cpu.cfs_quota_us"))) == 50000
        assert int(read(cgroot.file("cpu", cid, "cpu.cfs_period_us"))) == 100000
        assert int(read(cgroot.file("memory", cid, "memory.limit_in_bytes"))) == 64 << 20
    assert pid in cgroot.procs(cid)
    # the agent's view of the same task
    (entry,) = e.statistics().json()
    stats = entry["statistics"]
    assert entry["executor_id"] == "limited" and entry["source"] == "limited"
    assert stats["cpus_limit"] == pytest.approx(0.5)
    assert stats["mem_limit_bytes"] == 64 << 20
    assert stats["mem_total_bytes"] > 0 and stats["processes"] >= 1
    st = e.state()
    assert st["cgroups"]["enabled"] and st["cgroups"]["root"] == cgroot.name
    assert "cgroups/cpu" in st["isolation"]["enabled"]
    e.sched.kill("limited")
    e.sched.wait_update("limited", "TASK_KILLED")
    assert cgroot.children() == []


@needs_cgroups
def test_oom_is_a_memory_limitation(start, cgroot):
    cgroot.require("memory")
    e = start(*cgroot.flags("cgroups/cpu", "cgroups/mem"))
    e.launch("hog", "python3 -c \"x = b'x' * (200 << 20); import time; time.sleep(60)\"",
             resources="cpus:0.1;mem:32")
    st = e.sched.wait_update("hog", "TASK_FAILED", timeout=30)
    assert st["reason"] == "REASON_CONTAINER_LIMITATION_MEMORY"
    assert st["source"] == "SOURCE_AGENT"
    assert st["message"].startswith("Memory limit exceeded: Requested: 32MB Maximum Used: ")
    assert st["limitation"]["resources"][0]["name"] == "mem"
    assert st["limitation"]["resources"][0]["scalar"]["value"] == pytest.approx(32)
    wait_until(lambda: cgroot.children() == [], what="the task's cgroup removed")


@needs_cgroups
def test_disowned_and_setsid_children_end_with_their_task(start, cgroot):
    e = start(*cgroot.flags("cgroups/cpu", "cgroups/mem"))
    e.launch("parent", "bash -c 'sleep 1000 & echo $! > kids; disown; "
                       "setsid sleep 1000 & echo $! >> kids; sleep 0.5; exit 0'")
    e.sched.wait_update("parent", "TASK_FINISHED")
    kids = [int(p) for p in read(os.path.join(e.sandbox("parent"), "kids")).split()]
    assert len(kids) == 2
    wait_gone(kids, "the disowned and setsid'd sleepers")
    wait_until(lambda: cgroot.children() == [], what="the task's cgroup removed")


@needs_cgroups
def test_a_killed_fork_bomb_leaves_nothing(start, cgroot):
    e = start(*cgroot.flags("cgroups/cpu", "cgroups/mem"))
    e.launch("bomb", "while :; do sleep 1000 & setsid sleep 1000 & sleep 0.01; done")
    e.sched.wait_update("bomb", "TASK_RUNNING")
    cid = e.container("bomb")
    procs = wait_until(lambda: len(cgroot.procs(cid)) >= 30 and
                       cgroot.procs(cid), what="the bomb's processes")
    e.sched.kill("bomb", grace_ns=0)
    e.sched.wait_update("bomb", "TASK_KILLED")
    wait_gone(procs, "every process of the bomb")
    assert cgroot.children() == []


@needs_cgroups
def test_leftover_cgroups_of_an_earlier_run_are_swept(start, cgroot, cluster):
    e = start(*cgroot.flags("cgroups/mem"))
    e.launch("keeper", "sleep 100")
    e.sched.wait_update("keeper", "TASK_RUNNING")
    keeper = e.container("keeper")
    # a container cgroup no checkpoint knows (in every hierarchy, as a crashed
    # supervisor leaves it), with a process in it
    stray_id = "0badc0de-0000-4000-8000-000000000001"
    sleeper = subprocess.Popen(["sleep", "1000"])
    for d in cgroot.roots():
        os.mkdir(os.path.join(d, stray_id))
        with open(os.path.join(d, stray_id, "cgroup.procs"), "w") as f:
            f.write(str(sleeper.pid))
    stray = os.path.join(cgroot.dir("memory"), stray_id)
    e.agent.kill(signal.SIGKILL)
    e.agent = cluster.agent(*cgroot.flags("cgroups/mem"), port=e.agent.port,
                            work_dir=e.work_dir, name="agent2")
    e.agent.wait_log("re-attached to task keeper")
    e.agent.wait_log(f"killed and removed cgroup {stray_id}")
    e.agent.wait_log("re-registered with master")  # a KILL sent before would be lost
    assert sleeper.wait(5) == -signal.SIGKILL
    assert not os.path.exists(stray)
    assert os.path.isdir(os.path.join(cgroot.dir("memory"), keeper))  # re-adopted
    e.sched.kill("keeper")
    e.sched.wait_update("keeper", "TASK_KILLED")
    wait_until(lambda: cgroot.children() == [], what="keeper's cgroup removed")


def run_meta_file(e, task_id, name):
    for path in glob.glob(os.path.join(e.work_dir, "meta/slaves/*/frameworks/*/executors/"
                                                   f"{task_id}/runs/*/pids/{name}")):
        return path
    raise AssertionError(f"no pids/{name} for {task_id}")


@needs_cgroups
def test_a_crashed_supervisors_cgroup_is_removed_by_the_agent(start, cgroot):
    e = start(*cgroot.flags("cgroups/cpu", "cgroups/mem"))
    e.launch("orphaned", "setsid sleep 1000 & echo $! > kid; exec sleep 1000")
    e.sched.wait_update("orphaned", "TASK_RUNNING")
    cid = e.container("orphaned")
    kid = int(wait_until(lambda: read(os.path.join(e.sandbox("orphaned"), "kid")).strip(),
                         what="the setsid'd child's pid"))
    assert kid in cgroot.procs(cid)
    supervisor = int(read(run_meta_file(e, "orphaned", "forked.pid")).split()[0])
    os.kill(supervisor, signal.SIGKILL)  # dies without cleaning up after its task
    st = wait_until(lambda: [u for u in e.sched.updates if u["task_id"]["value"] == "orphaned"
                             and u["state"] in ("TASK_FAILED", "TASK_LOST", "TASK_KILLED")],
                    what="a terminal update for orphaned")[0]
    # the agent killed what was left in the cgroup and removed it before the update went out
    assert f"killed and removed cgroup {cid} (its task's supervisor is gone)" in e.agent.log(), st
    assert cgroot.children() == []
    wait_gone([kid], "the setsid'd child of the crashed supervisor's task")


@needs_cgroups
def test_a_thousand_tasks_leave_no_cgroup_behind(start, cgroot):
    """1,000 short tasks, each in its own cgroup (each checks it is in one under this
    root, or fails), then not one task cgroup is left: removal is per task, not a sweep."""
    # batches of 50: one ACCEPT of hundreds keeps a loaded agent's loop busy for seconds.
    # With a second make check beside this one the agent still missed the tests' usual
    # 3 s of pings once (the master called it lost, its offers gone): this test is about
    # cgroups, not partitions, so its master waits 30 s for pings.
    n, batch = 1000, 50
    e = start(*cgroot.flags("cgroups/cpu", "cgroups/mem"),
              resources="cpus:64;mem:65536;disk:1024",
              master_flags=("--agent_ping_timeout=3secs", "--max_agent_ping_timeouts=10"))
    (root,) = cgroot.roots()[:1] or [None]
    assert root and cgroot.children() == [], "before: the fresh root holds no task cgroup"
    command = f"grep -q /{cgroot.name}/ /proc/self/cgroup"
    launched = 0
    def fits(offer):  # how many cpus:0.01;mem:16 tasks an offer holds
        have = {r["name"]: r["scalar"]["value"] for r in offer["resources"]
                if r.get("type") == "SCALAR"}
        return min(int(have.get("cpus", 0) * 100 + 1e-6), int(have.get("mem", 0) // 16))

    while launched < n:
        # the resources of tasks that ended come back as offers of their own, some with
        # room for one task only: launch what the offer holds, never more
        offer = e.sched.wait_offer(timeout=60, pred=lambda o: fits(o) > 0)
        k = min(batch, n - launched, fits(offer))
        tasks = [task_info(f"t{launched + i}", offer, command, resources="cpus:0.01;mem:16")
                 for i in range(k)]
        status, text = e.sched.launch(offer, tasks, refuse_seconds=0)
        assert status == 202, text
        launched += k

    def ended():
        done = {u["task_id"]["value"]: u for u in e.sched.updates
                if u["state"] in ("TASK_FINISHED", "TASK_FAILED", "TASK_LOST", "TASK_KILLED",
                                  "TASK_ERROR")}
        return len(done) == n and done
    done = wait_until(ended, timeout=600, interval=0.5, what=f"{n} tasks ended")
    bad = [(t, u["state"], u.get("message")) for t, u in done.items()
           if u["state"] != "TASK_FINISHED"]
    assert not bad, bad[:5]
    left = cgroot.children()
    assert left == [], f"{len(left)} of {n} task cgroups left behind, e.g. {left[:3]}"


@needs_cgroups
def test_the_seed_isolation_list_starts_and_names_what_it_ignores(start, cgroot):
    cgroot.require("cpu", "memory")
    # The seed's list has gpu/nvidia: on a host with an NVIDIA driver the agent finds
    # the real GPUs (the host's libnvidia-ml.so.1) and offers them, and the master
    # offers a GPU agent only to GPU_RESOURCES frameworks (--filter_gpu_resources) —
    # a framework without it would never get an offer there. Like the seed's own
    # framework (jobs --enable_features=gpu_resources), this one has it.
    e = start(f"--isolation={seed_isolation()}", f"--cgroups_root={cgroot.name}",
              f"--cgroups_hierarchy={cgroot.hier.path}", capabilities=["GPU_RESOURCES"])
    ignored = ["filesystem/linux", "docker/runtime", "network/cni", "cgroups/perf_event"]
    (line,) = [ln for ln in e.agent.log().splitlines() if "agent: isolation:" in ln]
    assert all(name in line for name in ignored), line
    assert "ignored" in line
    st = e.state()
    assert sorted(st["isolation"]["ignored"]) == sorted(ignored)
    assert {"cgroups/cpu", "cgroups/mem", "cgroups/devices", "gpu/nvidia",
            "posix/disk"} <= set(st["isolation"]["enabled"])
    # gpus offered exactly as NVML found them: none here without a driver, the host's with one
    assert st["resources"].get("gpus", 0) == len([g for g in st["gpus"] if g["managed"]])
    e.launch("seeded", "echo fine")
    e.sched.wait_update("seeded", "TASK_FINISHED")
    assert read(os.path.join(e.sandbox("seeded"), "stdout")) == "fine\n"
    wait_until(lambda: cgroot.children() == [], what="the task's cgroup removed")


def test_an_unknown_isolator_is_a_startup_error(cluster):
    from conftest import run_agora
    r = run_agora("agent", "--master=127.0.0.1:1", f"--work_dir={cluster.path('w')}",
                  "--no-authenticate_http_readonly", "--no-authenticate_http_readwrite",
                  "--isolation=cgroups/cpuu",
                  "--check-config")
    assert r.returncode != 0
    assert "unknown isolator 'cgroups/cpuu'" in r.stderr


# ---- usage ----

def test_monitor_statistics_shows_a_running_task(start):
    e = start()
    e.launch("busy", "sleep 100", resources="cpus:0.25;mem:48")
    e.sched.wait_update("busy", "TASK_RUNNING")
    assert e.statistics(auth=None).status == 401
    stats = wait_until(lambda: [x for x in e.statistics().json()
                                if x["statistics"]["mem_rss_bytes"] > 0],
                       what="statistics with rss")[0]
    assert stats["executor_id"] == "busy" and stats["source"] == "busy"
    assert stats["framework_id"] == e.sched.framework_id
    assert stats["executor_name"].startswith("Command Executor (Task: busy)")
    s = stats["statistics"]
    assert s["cpus_limit"] == pytest.approx(0.25)
    assert s["mem_limit_bytes"] == 48 << 20
    assert s["processes"] >= 1 and s["timestamp"] > 0
    assert "cpus_user_time_secs" in s and "cpus_system_time_secs" in s
    r = http("GET", f"http://127.0.0.1:{e.agent.port}/monitor/statistics.json", auth=AUTH)
    assert r.status == 200 and r.json()[0]["executor_id"] == "busy"
    ex = e.executor("busy")
    assert ex["statistics"]["mem_limit_bytes"] == 48 << 20
    e.sched.kill("busy")
    e.sched.wait_update("busy", "TASK_KILLED")
    assert e.statistics().json() == []


def test_disk_over_quota_is_a_disk_limitation(start):
    e = start("--isolation=posix/cpu,posix/mem,posix/disk", "--enforce_container_disk_quota",
              "--disk_watch_interval=200ms")
    e.launch("filler", "dd if=/dev/zero of=blob bs=1M count=5 2>/dev/null; sleep 100",
             resources="cpus:0.1;mem:32;disk:1")
    st = e.sched.wait_update("filler", "TASK_FAILED")
    assert st["reason"] == "REASON_CONTAINER_LIMITATION_DISK"
    assert st["source"] == "SOURCE_AGENT"
    assert "exceeds quota (1MB)" in st["message"] and st["message"].startswith("Disk usage (")
    assert st["limitation"]["resources"][0]["name"] == "disk"


def test_disk_usage_is_reported_without_enforcement(start):
    e = start("--isolation=posix/cpu,posix/mem,disk/du", "--disk_watch_interval=200ms")
    e.launch("writer", "dd if=/dev/zero of=blob bs=1M count=3 2>/dev/null; sleep 100",
             resources="cpus:0.1;mem:32;disk:1")
    e.sched.wait_update("writer", "TASK_RUNNING")
    used = wait_until(lambda: e.executor("writer")["statistics"].get("disk_used_bytes", 0)
                      >= 3 << 20 and e.executor("writer")["statistics"]["disk_used_bytes"],
                      what="disk usage reported")
    assert used >= 3 << 20
    assert e.executor("writer")["statistics"]["disk_limit_bytes"] == 1 << 20
    e.sched.kill("writer")
    e.sched.wait_update("writer", "TASK_KILLED")


# ---- GPUs ----

def make_gpu_nodes(cluster):
    d = cluster.path("nvdev")
    os.mkdir(d)
    os.chmod(cluster.tmp, 0o755)
    os.chmod(d, 0o755)
    for name, minor in (("nvidia0", 0), ("nvidia1", 1), ("nvidiactl", 255)):
        os.mknod(os.path.join(d, name), 0o666 | 0o020000, os.makedev(195, minor))
        os.chmod(os.path.join(d, name), 0o666)
    return d


# What opening the task's own GPU node gives: ENXIO where no driver answers c 195:N (the
# fake NVML on a host without a GPU), OPENED where a real driver does. Never EPERM (the
# devices cgroup denied it), ENOENT (the private /dev lacks it) or EACCES.
OWN_GPU_OPENS = ("ENXIO", "OPENED")


def gpu_env(dev_dir):
    return {"AGORA_NVML_LIBRARY": FAKE_NVML, "AGORA_FAKE_NVML_GPUS": "2",
            "AGORA_NVIDIA_DEV_DIR": dev_dir}


def gpu_probe(dev_dir):
    return ("echo \"$CUDA_VISIBLE_DEVICES\"; python3 -c \"import os, errno\n"
            "for n in ('nvidia0', 'nvidia1'):\n"
            "    try:\n"
            f"        os.close(os.open('{dev_dir}/' + n, os.O_RDWR)); print(n, 'OPENED')\n"
            "    except OSError as e:\n"
            "        print(n, errno.errorcode[e.errno])\n"
            "\"; sleep 100")


def probe_result(e, task_id):
    def parse():
        lines = read(os.path.join(e.sandbox(task_id), "stdout")).splitlines()
        return len(lines) == 3 and lines
    lines = wait_until(parse, what=f"{task_id}'s probe output")
    uuid = lines[0]
    index = int(uuid[-1])
    return index, uuid, dict(line.split() for line in lines[1:])


def gpu_offer(sched, with_gpus):
    def has(o):
        return any(r["name"] == "gpus" and r["scalar"]["value"] > 0 for r in o["resources"])
    return sched.wait_offer(pred=lambda o: has(o) == with_gpus)


@needs_cgroups
def test_gpus_are_offered_given_out_confined_and_returned(start, cluster, cgroot):
    if not os.path.exists(FAKE_NVML):
        pytest.skip("fake NVML not built (make tests-bin)")
    dev_dir = make_gpu_nodes(cluster)
    e = start(*cgroot.flags("cgroups/devices", "gpu/nvidia"),
              env=gpu_env(dev_dir), capabilities=["GPU_RESOURCES"])
    st = e.state()
    assert st["resources"]["gpus"] == 2
    assert [(g["index"], g["allocated"]) for g in st["gpus"]] == [(0, False), (1, False)]
    offer = gpu_offer(e.sched, True)
    tasks = [task_info(f"g{i}", offer, gpu_probe(dev_dir), resources="cpus:0.1;mem:32;gpus:1")
             for i in range(2)]
    assert e.sched.launch(offer, tasks, refuse_seconds=0.1)[0] == 202
    # v1: the devices cgroup denies the other GPU (EPERM); v2: the private /dev lacks it
    denied = "ENOENT" if st["cgroups"]["private_dev"] else "EPERM"
    seen = {}
    for tid in ("g0", "g1"):
        e.sched.wait_update(tid, "TASK_RUNNING")
        index, uuid, opened = probe_result(e, tid)
        assert uuid.startswith("GPU-fake")
        seen[index] = tid
        own, other = f"nvidia{index}", f"nvidia{1 - index}"
        assert opened[own] in OWN_GPU_OPENS, opened  # reachable: no driver (ENXIO) or one
        assert opened[other] == denied, opened
        env = dict(line.split("=", 1) for line in read(f"/proc/{task_pid(e, tid)}/environ")
                   .split("\0") if "=" in line)
        assert env["NVIDIA_VISIBLE_DEVICES"] == uuid
    assert sorted(seen) == [0, 1]
    assert all(g["allocated"] for g in e.state()["gpus"])
    # both GPUs are held: the rest of the agent comes back without any
    gpu_offer(e.sched, False)
    assert not [o for o in e.sched.offers.values()
                if any(r["name"] == "gpus" for r in o["resources"])]
    e.sched.kill(seen[0])
    e.sched.wait_update(seen[0], "TASK_KILLED")
    offer = gpu_offer(e.sched, True)
    e.launch("g2", gpu_probe(dev_dir), resources="cpus:0.1;mem:32;gpus:1", offer=offer)
    e.sched.wait_update("g2", "TASK_RUNNING")
    assert probe_result(e, "g2")[0] == 0  # the GPU g0 gave back
    for tid in (seen[1], "g2"):
        e.sched.kill(tid)
        e.sched.wait_update(tid, "TASK_KILLED")
    assert [g["allocated"] for g in e.state()["gpus"]] == [False, False]
    wait_until(lambda: cgroot.children() == [], what="the tasks' cgroups removed")


def task_pid(e, task_id):
    for path in glob.glob(os.path.join(e.work_dir, "meta/slaves/*/frameworks/*/executors/"
                                                   f"{task_id}/runs/*/pids/task.pid")):
        return int(read(path))
    raise AssertionError(f"no task.pid for {task_id}")


@needs_cgroups
def test_private_dev_holds_only_the_tasks_gpu(start, cluster, cgroot):
    """The v2 mechanism (mount namespace, tmpfs /dev), forced on this host."""
    if not os.path.exists(FAKE_NVML):
        pytest.skip("fake NVML not built (make tests-bin)")
    dev_dir = make_gpu_nodes(cluster)
    env = dict(gpu_env(dev_dir), AGORA_PRIVATE_DEV="1")
    e = start(*cgroot.flags("cgroups/devices", "gpu/nvidia"), env=env,
              capabilities=["GPU_RESOURCES"])
    e.launch("p0", gpu_probe(dev_dir) + "; ls /dev > devlist",
             resources="cpus:0.1;mem:32;gpus:1", offer=gpu_offer(e.sched, True))
    e.sched.wait_update("p0", "TASK_RUNNING")
    index, _, opened = probe_result(e, "p0")
    assert opened[f"nvidia{index}"] in OWN_GPU_OPENS, opened
    assert opened[f"nvidia{1 - index}"] == "ENOENT"  # not even there
    pid = task_pid(e, "p0")
    assert sorted(os.listdir(f"/proc/{pid}/root{dev_dir}")) == [f"nvidia{index}", "nvidiactl"]
    assert {"null", "zero", "urandom", "pts", "fd"} <= set(os.listdir(f"/proc/{pid}/root/dev"))
    assert "kmsg" not in os.listdir(f"/proc/{pid}/root/dev")
    assert sorted(os.listdir(dev_dir)) == ["nvidia0", "nvidia1", "nvidiactl"]  # host untouched
    e.sched.kill("p0")
    e.sched.wait_update("p0", "TASK_KILLED")


@needs_cgroups
def test_gpu_task_after_agent_restart_keeps_its_gpu(start, cluster, cgroot):
    if not os.path.exists(FAKE_NVML):
        pytest.skip("fake NVML not built (make tests-bin)")
    dev_dir = make_gpu_nodes(cluster)
    flags = cgroot.flags("cgroups/devices", "gpu/nvidia")
    e = start(*flags, env=gpu_env(dev_dir), capabilities=["GPU_RESOURCES"])
    e.launch("held", "sleep 100", resources="cpus:0.1;mem:32;gpus:1",
             offer=gpu_offer(e.sched, True))
    e.sched.wait_update("held", "TASK_RUNNING")
    cid = e.container("held")
    e.agent.kill(signal.SIGKILL)
    e.agent = cluster.agent(*flags, port=e.agent.port, work_dir=e.work_dir, name="agent2",
                            env=gpu_env(dev_dir))
    e.agent.wait_log("re-attached to task held")
    e.agent.wait_log("re-registered with master")  # a KILL sent before would be lost
    gpus = wait_until(lambda: e.state()["gpus"], what="agent2 /state")
    assert [(g["allocated"], g["owner"]) for g in gpus] == [(True, cid), (False, None)]
    e.sched.kill("held")
    e.sched.wait_update("held", "TASK_KILLED")
    assert not any(g["allocated"] for g in e.state()["gpus"])
