#!/usr/bin/python3
"""bench/jobs — N jobs with R1/<T>/PT1S schedules all due at the same
second T, on a real master + agent + agora jobs on loopback.

Prints, for the N runs:
  fire lateness   when agora jobs queued the run, minus T   (timer precision)
  launch lateness when the task was launched, minus T       (queue + offer path)
  finish          when the last run reached TASK_FINISHED, and jobs/s completed
Usage: bench/jobs.py [N] (default 1000); AGORA_BIN overrides ./agora.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AGORA = os.environ.get("AGORA_BIN", os.path.join(ROOT, "agora"))
SEED = os.path.join(ROOT, "tests", "fixtures", "seed")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def req(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    r = urllib.request.Request(url, data=data, method=method,
                               headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(r, timeout=30) as resp:
        return resp.status, resp.read()


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    tmp = tempfile.mkdtemp(prefix="agora-bench-jobs-")
    procs = []
    mport, aport, jport = free_port(), free_port(), free_port()
    secret = os.path.join(tmp, "secret")
    with open(os.path.join(SEED, "credential-secret-only")) as f, open(secret, "w") as g:
        g.write(f.read())
    log = lambda name: open(os.path.join(tmp, name + ".log"), "w")
    try:
        procs.append(subprocess.Popen([AGORA, "master", "--ip=127.0.0.1", f"--port={mport}",
                                       f"--work_dir={tmp}/m",
                                       f"--credentials={SEED}/master-credentials.json"],
                                      stdout=log("master"), stderr=subprocess.STDOUT))
        procs.append(subprocess.Popen([AGORA, "agent", f"--master=127.0.0.1:{mport}",
                                       "--ip=127.0.0.1", f"--port={aport}", f"--work_dir={tmp}/a",
                                       f"--credential={SEED}/slave-credential-pair",
                                       "--resources=cpus:1000;mem:1000000;disk:1000000",
                                       "--registration_backoff_factor=100ms"],
                                      stdout=log("agent"), stderr=subprocess.STDOUT,
                                      start_new_session=True))
        procs.append(subprocess.Popen([AGORA, "jobs", f"--master=127.0.0.1:{mport}",
                                       f"--http_port={jport}", f"--work_dir={tmp}/j",
                                       "--mesos_authentication_principal=MesosPrincipal",
                                       f"--mesos_authentication_secret_file={secret}",
                                       "--user=nobody", "--no-authenticate_http",
                                       "--logging_level=" + os.environ.get("BENCH_JOBS_LOG", "WARNING"),
                                       "--max_runs_per_job=5"],
                                      stdout=log("jobs"), stderr=subprocess.STDOUT))
        base = f"http://127.0.0.1:{jport}/v1/scheduler"
        for _ in range(200):
            try:
                req("GET", f"http://127.0.0.1:{jport}/ping")
                break
            except OSError:
                time.sleep(0.05)
        time.sleep(1.0)  # agent registered, framework subscribed
        lead = max(5.0, n / 400.0)  # time to submit everything before T
        t_due = int(time.time() + lead) + 1
        iso = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t_due))
        t0 = time.time()
        for i in range(n):
            st, _ = req("POST", f"{base}/iso8601",
                        {"name": f"bench-{i}", "command": "true", "cpus": 0.01, "mem": 16,
                         "disk": 1, "schedule": f"R1/{iso}/PT1S", "retries": 0})
            assert st == 204
        submit = time.time() - t0
        print(f"submitted {n} jobs in {submit:.2f}s ({n / submit:.0f} jobs/s, each durable "
              f"before its 204); all due at {iso}")
        deadline = t_due + 120
        runs = {}
        while time.time() < deadline:
            time.sleep(0.5)
            if time.time() < t_due + 1:
                continue
            _, body = req("GET", f"{base}/jobs/summary")
            done = sum(1 for j in json.loads(body)["jobs"] if j["status"] == "success")
            if done == n:
                break
        for i in range(n):
            _, body = req("GET", f"{base}/job/bench-{i}/runs")
            r = json.loads(body)["runs"]
            if r:
                runs[i] = r[0]
        fin = [r for r in runs.values() if r["state"] == "TASK_FINISHED"]
        fire = [(r["due_ms"] / 1000.0 - t_due) * 1000 for r in runs.values()]
        launch = [(r["start"] - t_due) * 1000 for r in runs.values()]
        last_end = max(r["end"] for r in fin) if fin else float("nan")
        print(f"runs launched: {len(runs)}/{n}, finished: {len(fin)}")
        if fire:
            print(f"fire lateness   p50 {pct(fire, 50):7.1f} ms   p99 {pct(fire, 99):7.1f} ms"
                  f"   max {max(fire):7.1f} ms   (goal p99 <= 50 ms)")
            print(f"launch lateness p50 {pct(launch, 50):7.1f} ms   p99 {pct(launch, 99):7.1f} ms"
                  f"   max {max(launch):7.1f} ms")
        if fin:
            finish = [(r["end"] - t_due) * 1000 for r in fin]
            run_ms = [(r["end"] - r["start"]) * 1000 for r in fin]
            print(f"finish lateness p50 {pct(finish, 50):7.1f} ms   p99 {pct(finish, 99):7.1f} ms"
                  f"   (launch to TASK_FINISHED p50 {pct(run_ms, 50):.1f} ms)")
            span = last_end - t_due
            print(f"all {len(fin)} finished {span:.2f}s after the due second: "
                  f"{len(fin) / span:.0f} jobs/s completed")
        names = ("master", "agent", "jobs")
        cpu = []
        for name, p in zip(names, procs):
            with open(f"/proc/{p.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks = int(fields[11]) + int(fields[12])
            cpu.append(f"{name} {ticks / os.sysconf('SC_CLK_TCK'):.2f}s")
        print("cpu time (whole run): " + ", ".join(cpu))
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        subprocess.run(["pkill", "-KILL", "-f", f"{tmp}/a"], capture_output=True)
        if os.environ.get("BENCH_KEEP"):
            print("kept", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
