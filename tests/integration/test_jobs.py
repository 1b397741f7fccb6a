"""agora jobs scheduling behaviour against a real master and agent: the
seed's GPU job refused as root under the seed's ACL (and why), the same job
as mesos succeeding, retries, a dependency chain, R3/.../PT1S firing three
times, manual runs, and durability across kill -9 right after a 204."""
import glob
import json
import os
import pwd
import signal
import subprocess
import time

import pytest

from conftest import BUILD, SEED, free_port, http, kill_leftovers, wait_until


def ensure_mesos_user():
    """The seed runs jobs as `mesos` (uid 1000 there); create it if missing."""
    try:
        return pwd.getpwnam("mesos").pw_uid
    except KeyError:
        pass
    uid_free = True
    try:
        pwd.getpwuid(1000)
        uid_free = False
    except KeyError:
        pass
    cmd = ["useradd", "--system", "--no-create-home", "mesos"]
    if uid_free:
        cmd[1:1] = ["-u", "1000"]
    subprocess.run(cmd, check=True, capture_output=True)
    return pwd.getpwnam("mesos").pw_uid


class Jobs:
    def __init__(self, cluster, port, proc):
        self.cluster, self.port, self.proc = cluster, port, proc

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def post(self, path, doc):
        body = doc if isinstance(doc, (str, bytes)) else json.dumps(doc)
        return http("POST", self.url(path), body=body)

    def get(self, path):
        return http("GET", self.url(path))

    def job(self, name):
        r = self.get(f"/v1/scheduler/job/{name}")
        assert r.status == 200, r.text
        return r.json()

    def runs(self, name):
        return self.get(f"/v1/scheduler/job/{name}/runs").json()["runs"]

    def stdout(self, name):
        """The last run's stdout, through the jobs API (which reads the agent's /files)."""
        r = self.get(f"/v1/scheduler/job/{name}/logs?file=stdout&offset=0")
        assert r.status == 200, r.text
        return r.json()["data"]

    def wait_runs(self, name, n, state=None, timeout=20):
        def ok():
            rs = [r for r in self.runs(name) if state is None or r["state"] == state]
            return rs if len(rs) >= n else None
        return wait_until(ok, timeout, what=f"{n} run(s) of {name} {state or ''}")


def start_jobs(cluster, *extra, port=None, name="jobs"):
    port = port or free_port()
    secret = cluster.write("secret-only", open(os.path.join(SEED, "credential-secret-only")).read())
    p = cluster.spawn(name, ["jobs", f"--master=127.0.0.1:{cluster.master_port}",
                             f"--http_port={port}", f"--work_dir={cluster.path('jobs')}",
                             "--mesos_authentication_principal=MesosPrincipal",
                             f"--mesos_authentication_secret_file={secret}",
                             "--failure_retry=200", "--enable_features=gpu_resources",
                             "--no-authenticate_http"]
                      + list(extra))
    j = Jobs(cluster, port, p)
    wait_until(lambda: j.get("/ping").status == 200, what="jobs /ping")
    return j


@pytest.fixture
def jobs(cluster):
    cluster.master()
    cluster.agent(resources="cpus:4;mem:4096;disk:8192")
    cluster.wait_agents(1)
    j = start_jobs(cluster, "--user=nobody")
    yield j
    kill_leftovers(cluster.path("agent"))


def seed_job(name):
    with open(os.path.join(SEED, name)) as f:
        return f.read()


def test_r3_every_second_fires_three_times(jobs):
    start_ms = (int(time.time()) + 2) * 1000  # a whole second, so the ISO text is exact
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start_ms // 1000))
    assert jobs.post("/v1/scheduler/iso8601", {"name": "r3", "command": "echo tick",
                                                "schedule": f"R3/{start}/PT1S"}).status == 204
    jobs.wait_runs("r3", 3, "TASK_FINISHED", timeout=15)
    # R3 used up: the job disables itself, so no fourth run can come
    job = wait_until(lambda: jobs.job("r3")["disabled"] and jobs.job("r3"), what="r3 disabled")
    assert job["successCount"] == 3 and job["schedule"].startswith("R0/")
    assert job["pendingReason"] == "disabled"
    runs = jobs.runs("r3")
    assert len(runs) == 3 and all(r["attempt"] == 0 for r in runs)
    # each run is stamped with its own occurrence of the schedule (start + k periods),
    # whatever the wall clock said when it started
    ks = sorted((r["due_ms"] - start_ms) / 1000 for r in runs)
    assert all(k == int(k) and k >= 0 for k in ks) and len(set(ks)) == 3, ks
    assert all(r["task_id"].startswith(f"ct:{r['due_ms']}:0:r3") for r in runs)


def test_retries_on_a_failing_job(jobs):
    jobs.post("/v1/scheduler/iso8601", {"name": "flaky", "command": "exit 7", "retries": 2,
                                         "schedule": "R1//PT1H"})
    runs = jobs.wait_runs("flaky", 3, "TASK_FAILED")
    assert sorted(r["attempt"] for r in runs) == [0, 1, 2]
    assert all(r["exit_status"] == 7 for r in runs)
    # errorCount moves only once no retry is left (a retry would be armed instead)
    job = wait_until(lambda: jobs.job("flaky")["errorCount"] == 1 and jobs.job("flaky"))
    assert job["errorsSinceLastSuccess"] == 1 and job["lastError"]
    assert "exited with status 7" in job["pendingReason"]
    assert len(jobs.runs("flaky")) == 3  # retries used up: no fourth attempt


def test_dependency_chain_runs_in_order(jobs):
    assert jobs.post("/v1/scheduler/iso8601", {"name": "a", "command": "sleep 0.2",
                                                "schedule": "R1//PT1H"}).status == 204
    assert jobs.post("/v1/scheduler/dependency", {"name": "b", "command": "sleep 0.2",
                                                   "parents": ["a"]}).status == 204
    assert jobs.post("/v1/scheduler/dependency", {"name": "c", "command": "true",
                                                   "parents": ["b"]}).status == 204
    (rc,) = jobs.wait_runs("c", 1, "TASK_FINISHED")
    (ra,) = jobs.runs("a")
    (rb,) = jobs.runs("b")
    assert ra["end"] <= rb["start"] and rb["end"] <= rc["start"]
    csv = jobs.get("/v1/scheduler/graph/csv").text
    assert "link,a,b" in csv and "link,b,c" in csv


def test_two_parents_both_needed(jobs):
    # both parents wait for a manual start, so the child exists before either succeeds
    for name in ("p1", "p2"):
        assert jobs.post("/v1/scheduler/iso8601", {
            "name": name, "command": "true",
            "schedule": "R1/2099-01-01T00:00:00Z/PT1H"}).status == 204
    assert jobs.post("/v1/scheduler/dependency", {"name": "kid", "command": "true",
                                                   "parents": ["p1", "p2"]}).status == 204
    assert jobs.job("kid")["pendingReason"] == "waiting for its parents to succeed: p1, p2"
    assert jobs.job("p2")["pendingReason"].startswith("waiting for its next scheduled run at 2099")
    assert http("PUT", jobs.url("/v1/scheduler/job/p1")).status == 204
    jobs.wait_runs("p1", 1, "TASK_FINISHED")
    # from p1's success on, the child says why it waits (in every answer)
    reason = wait_until(lambda: "other parents" in jobs.job("kid")["pendingReason"] and
                        jobs.job("kid")["pendingReason"], what="kid waiting for p2")
    assert reason == "waiting for the other parents to succeed: p2"
    assert jobs.runs("kid") == []  # p1's success was handled without starting it
    assert http("PUT", jobs.url("/v1/scheduler/job/p2")).status == 204
    jobs.wait_runs("kid", 1, "TASK_FINISHED")


def test_manual_run_with_arguments(jobs):
    jobs.post("/v1/scheduler/iso8601", {"name": "manual", "command": "echo args:",
                                         "schedule": "R0/2099-01-01T00:00:00Z/P1D"})
    # R0: no timer is armed at all, and the job says so
    assert jobs.job("manual")["pendingReason"] == "its schedule has no further runs"
    assert jobs.runs("manual") == []
    assert http("PUT", jobs.url("/v1/scheduler/job/manual?arguments=hello")).status == 204
    (run,) = jobs.wait_runs("manual", 1, "TASK_FINISHED")
    assert run["task_id"].endswith(":manual:hello")
    assert run["sandbox"].endswith(f"/executors/{run['task_id']}/runs/latest")
    assert jobs.stdout("manual") == "args: hello\n"


def test_seed_gpu_job_as_root_is_refused_with_a_reason(cluster):
    cluster.master(f"--acls={SEED}/master-acls.json")
    cluster.agent(resources="cpus:2;mem:2048;disk:4096")
    cluster.wait_agents(1)
    jobs = start_jobs(cluster)
    doc = seed_job("chronos-host-gpu-test.json").replace('"gpus": 1', '"gpus": 0')
    assert jobs.post("/v1/scheduler/iso8601", doc).status == 204
    (run,) = jobs.wait_runs("host-gpu-test", 1, "TASK_ERROR")
    assert "Not authorized to launch as user 'root'" in run["message"]
    assert "MesosPrincipal" in run["message"] and "run_tasks[1]" in run["message"]
    job = jobs.job("host-gpu-test")
    assert job["pendingReason"].startswith("refused by the master: Not authorized")
    summary = jobs.get("/v1/scheduler/jobs/summary").json()["jobs"]
    (entry,) = [j for j in summary if j["name"] == "host-gpu-test"]
    assert entry["status"] == "failure"


def test_seed_gpu_job_as_mesos_runs_on_a_gpu(cluster, tmp_path):
    uid = ensure_mesos_user()
    devdir = tmp_path / "dev"
    devdir.mkdir()
    for name, minor in (("nvidia0", 0), ("nvidia1", 1), ("nvidiactl", 255)):
        os.mknod(devdir / name, 0o666 | 0o020000, os.makedev(195, minor))
    os.chmod(tmp_path, 0o755)
    cluster.master(f"--acls={SEED}/master-acls.json")
    env = {"AGORA_NVML_LIBRARY": os.path.join(BUILD, "helpers/fake-nvml/libnvidia-ml.so.1"),
           "AGORA_FAKE_NVML_GPUS": "2", "AGORA_NVIDIA_DEV_DIR": str(devdir)}
    root = f"agora-it-{os.getpid()}-jobs"
    try:
        run_seed_gpu_job(cluster, env, root, uid)
    finally:
        kill_leftovers(cluster.path("agent"))
        cluster.stop()
        # the cgroup root: one per v1 controller, or the v2 one
        for d in glob.glob(f"/sys/fs/cgroup/*/{root}") + glob.glob(f"/sys/fs/cgroup/{root}"):
            try:
                os.rmdir(d)
            except OSError:
                pass


def run_seed_gpu_job(cluster, env, root, uid):
    port = free_port()
    cluster.spawn("agent", ["agent", f"--master=127.0.0.1:{cluster.master_port}",
                            "--ip=127.0.0.1", f"--port={port}",
                            f"--work_dir={cluster.path('agent')}",
                            f"--credential={SEED}/slave-credential-pair",
                            "--registration_backoff_factor=100ms",
                            "--isolation=gpu/nvidia,cgroups/devices",
                            f"--cgroups_root={root}",
                            "--resources=cpus:2;mem:2048;disk:4096"], env=env)
    st = cluster.wait_agents(1)
    assert st[0]["resources"]["gpus"] == 2
    jobs = start_jobs(cluster)
    doc = seed_job("chronos-host-gpu-test.json").replace('"runAsUser": "root"',
                                                          '"runAsUser": "mesos"')
    doc = doc.replace("nvidia-smi > /root/nvidia-smi-out.txt ; ", "echo GPU=$CUDA_VISIBLE_DEVICES; ")
    assert jobs.post("/v1/scheduler/iso8601", doc).status == 204
    (run,) = jobs.wait_runs("host-gpu-test", 1, "TASK_FINISHED")
    job = jobs.job("host-gpu-test")
    assert job["successCount"] == 1 and job["disabled"] is True
    out = jobs.stdout("host-gpu-test")
    assert f"uid={uid}(mesos)" in out
    assert "GPU=GPU-" in out


def test_gpu_job_without_gpus_says_why(jobs):
    jobs.post("/v1/scheduler/iso8601", {"name": "needs-gpu", "command": "true", "gpus": 1,
                                         "schedule": "R1//PT1H"})
    reason = wait_until(lambda: jobs.job("needs-gpu").get("pendingReason", "").startswith(
        "no offer fits") and jobs.job("needs-gpu")["pendingReason"], what="pendingReason")
    assert "gpus:1" in reason and "largest free offer has gpus:0" in reason
    summary = {j["name"]: j for j in jobs.get("/v1/scheduler/jobs/summary").json()["jobs"]}
    assert summary["needs-gpu"]["state"] == "queued"


def test_kill_9_right_after_204_keeps_the_job(cluster):
    cluster.master()
    cluster.agent()
    cluster.wait_agents(1)
    jobs = start_jobs(cluster, "--user=nobody")
    r = jobs.post("/v1/scheduler/iso8601", {"name": "durable", "command": "true",
                                             "schedule": "R/2099-01-01T00:00:00Z/P1D"})
    assert r.status == 204
    jobs.proc.kill(signal.SIGKILL)
    jobs2 = start_jobs(cluster, "--user=nobody", port=jobs.port, name="jobs2")
    job = jobs2.job("durable")
    assert job["schedule"] == "R/2099-01-01T00:00:00.000Z/P1D" or \
        job["schedule"].startswith("R/2099-01-01T00:00:00")


def test_restart_reconciles_running_tasks(cluster):
    cluster.master()
    cluster.agent()
    cluster.wait_agents(1)
    jobs = start_jobs(cluster, "--user=nobody")
    jobs.post("/v1/scheduler/iso8601", {"name": "long", "command": "sleep 2",
                                         "schedule": "R1//PT1H"})
    jobs.wait_runs("long", 1, "TASK_RUNNING")
    jobs.proc.kill(signal.SIGKILL)
    jobs2 = start_jobs(cluster, "--user=nobody", port=jobs.port, name="jobs2")
    (run,) = jobs2.wait_runs("long", 1, "TASK_FINISHED", timeout=20)
    assert jobs2.job("long")["successCount"] == 1
    kill_leftovers(cluster.path("agent"))


def jobs_framework(cluster):
    fws = [f for f in cluster.state()["frameworks"] if f["name"] == "chronos"]
    return fws[0] if fws else None


def add_job_due_soon(cluster, jobs, name, offset):
    """Adds an R1 job due about `offset` s from now; returns when it is due."""
    due = int(time.time()) + offset
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(due))
    r = jobs.post("/v1/scheduler/iso8601", {"name": name, "command": "true",
                                             "schedule": f"R1/{start}/PT1H"})
    assert r.status == 204, r.text
    return due


def test_run_due_while_jobs_was_down_launches_after_restart(cluster):
    """Issue 9.12: an idle `agora jobs` has SUPPRESSed offers; killed and
    restarted while a run came due, it resubscribed without suppressed_roles
    but the master kept it suppressed, and jobs never sent REVIVE: the run
    waited for an unrelated event."""
    cluster.master()
    cluster.agent()
    cluster.wait_agents(1)
    port = free_port()
    offset, attempt = 4, 0
    while True:
        attempt += 1
        jobs = start_jobs(cluster, "--user=nobody", port=port, name=f"jobs{attempt}")
        wait_until(lambda: (jobs_framework(cluster) or {}).get("connected") and
                   not jobs_framework(cluster)["active"], what="jobs suppressed (idle)")
        due = add_job_due_soon(cluster, jobs, f"during{attempt}", offset)
        jobs.proc.kill(signal.SIGKILL)
        if time.time() < due - 1:
            break  # killed well before the run came due
        offset *= 2  # a very slow machine: try again with more room
        assert attempt < 4, "cannot kill agora jobs before a run comes due"
    name = f"during{attempt}"
    wait_until(lambda: not jobs_framework(cluster)["connected"], what="framework disconnected")
    assert not jobs_framework(cluster)["active"]
    wait_until(lambda: time.time() > due + 0.5, timeout=offset + 5, what="the run to come due")
    jobs2 = start_jobs(cluster, "--user=nobody", port=port, name="jobs-restarted")
    jobs2.proc.wait_log("jobs: resubscribed")
    # the run launches (and finishes) with nothing else happening in the cluster
    (run,) = jobs2.wait_runs(name, 1, "TASK_FINISHED", timeout=60)
    assert jobs2.job(name)["successCount"] == 1
    kill_leftovers(cluster.path("agent"))


def test_run_due_while_master_was_down_launches_after_resubscribing(cluster):
    """Issue 9.12, the other side: jobs resubscribes to a restarted master with
    suppressed_roles (it had SUPPRESSed while idle); a run queued while the
    master was away needs a REVIVE after subscribing."""
    cluster.master()
    cluster.agent()
    cluster.wait_agents(1)
    jobs = start_jobs(cluster, "--user=nobody")
    wait_until(lambda: (jobs_framework(cluster) or {}).get("connected") and
               not jobs_framework(cluster)["active"], what="jobs suppressed (idle)")
    offset, attempt = 4, 0
    while True:
        attempt += 1
        master = next(p for p in reversed(cluster.procs) if p.name.startswith("master"))
        due = add_job_due_soon(cluster, jobs, f"during{attempt}", offset)
        master.kill(signal.SIGKILL)
        if time.time() < due - 1:
            break
        cluster.master(name=f"master-retry{attempt}")
        offset *= 2
        assert attempt < 4, "cannot kill the master before a run comes due"
    name = f"during{attempt}"
    jobs.proc.wait_log("jobs: lost the master")
    wait_until(lambda: time.time() > due + 0.5, timeout=offset + 5, what="the run to come due")
    cluster.master(name="master-restarted")
    (run,) = jobs.wait_runs(name, 1, "TASK_FINISHED", timeout=60)
    assert jobs.job(name)["successCount"] == 1
    kill_leftovers(cluster.path("agent"))
