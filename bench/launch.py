#!/usr/bin/python3
"""bench/launch — how fast agora starts tasks: one framework launches N
`true` command tasks in a single ACCEPT on one agent (real master + agent on
loopback) and acknowledges every update over a persistent connection.

Prints the agent's own timestamps relative to the ACCEPT: when tasks reached
TASK_STARTING (launched by the agent), TASK_RUNNING (exec'd), TASK_FINISHED,
and the launch rate. Usage: bench/launch.py [N] (default 1000).
"""
import base64
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AGORA = os.environ.get("AGORA_BIN", os.path.join(ROOT, "agora"))
SEED = os.path.join(ROOT, "tests", "fixtures", "seed")
AUTH = "Basic " + base64.b64encode(
    b"MesosPrincipal:f0e4c2f76c58916ec258f246851bea091d14d4247a2fc3e186").decode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


class Client:
    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port)
        self.offers, self.finished, self.lock = [], 0, threading.Lock()
        self.fid = self.sid = None
        self.acks = []

    def headers(self):
        h = {"Content-Type": "application/json", "Authorization": AUTH}
        if self.sid:
            h["Mesos-Stream-Id"] = self.sid
        return h

    def subscribe(self):
        s = http.client.HTTPConnection("127.0.0.1", self.port)
        body = {"type": "SUBSCRIBE", "subscribe": {"framework_info": {
            "user": "nobody", "name": "bench-launch", "failover_timeout": 0}}}
        s.request("POST", "/api/v1/scheduler", json.dumps(body), self.headers())
        r = s.getresponse()
        self.sid = r.getheader("Mesos-Stream-Id")
        threading.Thread(target=self.read, args=(r,), daemon=True).start()
        while not self.offers:
            time.sleep(0.01)

    def read(self, r):
        buf = b""
        while True:
            try:
                chunk = r.read1(65536)
            except (http.client.HTTPException, OSError):
                return
            if not chunk:
                return
            buf += chunk
            while b"\n" in buf:
                head, rest = buf.split(b"\n", 1)
                n = int(head)
                if len(rest) < n:
                    break
                ev, buf = json.loads(rest[:n]), rest[n:]
                t = ev["type"]
                if t == "SUBSCRIBED":
                    self.fid = ev["subscribed"]["framework_id"]["value"]
                elif t == "OFFERS":
                    self.offers.extend(ev["offers"]["offers"])
                elif t == "UPDATE":
                    st = ev["update"]["status"]
                    with self.lock:
                        if "uuid" in st:
                            self.acks.append(st)
                        if st["state"] == "TASK_FINISHED":
                            self.finished += 1

    def call(self, type_, payload):
        body = {"type": type_, "framework_id": {"value": self.fid}, type_.lower(): payload}
        self.conn.request("POST", "/api/v1/scheduler", json.dumps(body), self.headers())
        r = self.conn.getresponse()
        r.read()
        return r.status

    def ack_pending(self):
        with self.lock:
            acks, self.acks = self.acks, []
        for st in acks:
            self.call("ACKNOWLEDGE", {"agent_id": st["agent_id"], "task_id": st["task_id"],
                                      "uuid": st["uuid"]})


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    tmp = tempfile.mkdtemp(prefix="agora-bench-launch-")
    mport, aport = free_port(), free_port()
    log = lambda name: open(os.path.join(tmp, name + ".log"), "w")
    procs = [subprocess.Popen([AGORA, "master", "--ip=127.0.0.1", f"--port={mport}",
                               f"--work_dir={tmp}/m", "--no-authenticate_http_readonly",
                               f"--credentials={SEED}/master-credentials.json"],
                              stdout=log("master"), stderr=subprocess.STDOUT)]
    procs.append(subprocess.Popen([AGORA, "agent", f"--master=127.0.0.1:{mport}", "--ip=127.0.0.1",
                                   f"--port={aport}", f"--work_dir={tmp}/a",
                                   "--no-authenticate_http_readonly",
                                   f"--credential={SEED}/slave-credential-pair",
                                   "--resources=cpus:1000;mem:1000000;disk:1000000",
                                   "--registration_backoff_factor=100ms"],
                                  stdout=log("agent"), stderr=subprocess.STDOUT,
                                  start_new_session=True))
    try:
        time.sleep(1.0)
        c = Client(mport)
        c.subscribe()
        offer = c.offers[0]
        res = [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.01}},
               {"name": "mem", "type": "SCALAR", "scalar": {"value": 1}}]
        tasks = [{"name": f"t{i}", "task_id": {"value": f"t{i}"}, "agent_id": offer["agent_id"],
                  "resources": res, "command": {"value": "true"}} for i in range(n)]
        t0 = time.time()
        c.call("ACCEPT", {"offer_ids": [offer["id"]], "operations": [
            {"type": "LAUNCH", "launch": {"task_infos": tasks}}]})
        while c.finished < n and time.time() - t0 < 120:
            c.ack_pending()
            time.sleep(0.002)
        wall = time.time() - t0
        state = json.loads(subprocess.run(
            ["curl", "-s", f"http://127.0.0.1:{mport}/master/tasks?limit=100000"],
            capture_output=True, text=True).stdout)["tasks"]
        stamps = {"TASK_STARTING": [], "TASK_RUNNING": [], "TASK_FINISHED": []}
        for t in state:
            for s in t["statuses"]:
                if s["state"] in stamps:
                    stamps[s["state"]].append((s["timestamp"] - t0) * 1000)
        print(f"{n} tasks, one ACCEPT; all TASK_FINISHED seen by the framework after {wall:.2f}s")
        for k, v in stamps.items():
            if v:
                print(f"  {k:14s} p50 {pct(v, 50):7.0f} ms  p99 {pct(v, 99):7.0f} ms  "
                      f"last {max(v):7.0f} ms")
        def cpu(pid):
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        kids = subprocess.run(["pgrep", "-P", str(procs[1].pid)], capture_output=True,
                              text=True).stdout.split()
        print(f"  cpu: master {cpu(procs[0].pid):.2f}s, agent {cpu(procs[1].pid):.2f}s" +
              (f", spawner {cpu(int(kids[0])):.2f}s" if kids else ""))
        if stamps["TASK_RUNNING"]:
            last = max(stamps["TASK_RUNNING"]) / 1000
            print(f"  launch rate: {len(stamps['TASK_RUNNING']) / last:.0f} tasks/s "
                  f"(ACCEPT to the last TASK_RUNNING, agent clock)")
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        subprocess.run(["pkill", "-KILL", "-f", f"{tmp}/a"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
