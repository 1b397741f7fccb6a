"""Shared fixtures for agora's integration tests.

Every test starts the real `agora` binary (AGORA_BIN, default ./agora) as
separate processes on loopback ports picked here, with state in a fresh
temporary directory, and stops everything it started when it ends.

No test leaves a process running, pass or fail: supervisors live in their own
sessions and outlive the agent by design, and tasks may setsid away, so after
the daemons are stopped every process whose working directory, command line
or environment points into the test's own directory (the cluster's temporary
directory, pytest's tmp_path) is SIGKILLed (reap_under). That scope is the
test's alone: other test runs on the same machine (a second `make check`)
are never touched, and nothing is looked up by name.
"""
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import glob
import pwd

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AGORA = os.environ.get("AGORA_BIN", os.path.join(ROOT, "agora"))
BUILD = os.environ.get("AGORA_BUILD", os.path.join(ROOT, "build"))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
SEED = os.path.join(FIXTURES, "seed")
SEED_PRINCIPAL = "MesosPrincipal"
SEED_SECRET = "f0e4c2f76c58916ec258f246851bea091d14d4247a2fc3e186"
AUTH = (SEED_PRINCIPAL, SEED_SECRET)
IS_ROOT = os.geteuid() == 0
TASK_USER = "nobody" if IS_ROOT else pwd.getpwuid(os.geteuid()).pw_name


def read(path):
    with open(path) as f:
        return f.read()


# ---- processes ----

def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def group_members(pgid):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            out.append(int(d))
    return out


def _ancestors():
    out, pid = set(), os.getpid()
    while pid > 1:
        out.add(pid)
        try:
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return out


def processes_under(*dirs):
    """Live pids whose cwd, command line or environment names a path in one of dirs
    (never this test process or its ancestors)."""
    keys = [os.path.realpath(d).encode() for d in dirs if d]
    keys += [os.path.abspath(d).encode() for d in dirs if d]
    mine, found = _ancestors(), []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) in mine or not pid_alive(int(d)):
            continue
        try:
            cwd = os.readlink(f"/proc/{d}/cwd").encode()
        except OSError:
            cwd = b""
        blobs = [cwd]
        for name in ("cmdline", "environ"):
            try:
                with open(f"/proc/{d}/{name}", "rb") as f:
                    blobs.append(f.read())
            except OSError:
                pass
        if any(k in b for k in keys for b in blobs):
            found.append(int(d))
    return found


def reap_under(*dirs, timeout=10.0):
    """SIGKILLs every process processes_under(dirs) finds, until none is left; returns
    the pids killed. What a test started (daemons, supervisors, tasks and what they
    spawned) names its directory; nothing outside it is touched."""
    killed, deadline = set(), time.monotonic() + timeout
    while True:
        pids = processes_under(*dirs)
        if not pids:
            return sorted(killed)
        if time.monotonic() > deadline:
            raise AssertionError(f"processes under {dirs} survive SIGKILL: {pids}")
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.02)


def kill_leftovers(work_dir):
    """Kills every supervisor (and so its task group) checkpointed under work_dir."""
    for path in glob.glob(os.path.join(work_dir, "meta/slaves/*/frameworks/*/executors/*/"
                                                 "runs/*/pids/*.pid")):
        try:
            pid = int(open(path).read().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        for target in (-pid, pid):
            try:
                os.kill(target, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(fn, timeout=15.0, interval=0.05, what="condition"):
    """Polls fn() until it returns a truthy value; returns that value."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while time.monotonic() < deadline:
        try:
            v = fn()
            if v:
                return v
        except Exception as e:  # the daemon may not be up yet
            last_exc = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}" +
                         (f" (last error: {last_exc!r})" if last_exc else ""))


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


def http(method, url, body=None, headers=None, auth=None, timeout=10):
    """One HTTP request; returns Response for every status (no exceptions)."""
    headers = dict(headers or {})
    if auth:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        headers["Authorization"] = "Basic " + token
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else (
            body.encode() if isinstance(body, str) else json.dumps(body).encode())
        headers.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=headers)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=timeout) as r:
            return Response(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, e.headers, e.read())


class Proc:
    """A running agora process with its log file."""

    def __init__(self, name, args, log_path, env=None):
        self.name = name
        self.args = args
        self.log_path = log_path
        self.env = env
        self.popen = None

    def start(self):
        log = open(self.log_path, "ab")
        env = dict(os.environ)
        if self.env:
            env.update(self.env)
        self.popen = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT,
                                      env=env, start_new_session=True)
        log.close()
        return self

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_log(self, text, timeout=15):
        return wait_until(lambda: text in self.log(), timeout, what=f"'{text}' in {self.name} log")

    def kill(self, sig=signal.SIGKILL):
        if self.alive():
            self.popen.send_signal(sig)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()

    def stop(self):
        self.kill(signal.SIGTERM)


class Cluster:
    """Starts masters and agents in a private directory."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.procs = []
        self.master_port = None
        self.auth = (SEED_PRINCIPAL, SEED_SECRET)

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def write(self, name, text, mode=0o600):
        p = self.path(name)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, mode)
        return p

    def spawn(self, name, args, env=None):
        log = self.path(f"{name}.log")
        p = Proc(name, [AGORA] + args, log, env).start()
        self.procs.append(p)
        return p

    def master(self, *extra, port=None, work_dir=None, credentials=None, wait=True,
               name="master"):
        self.master_port = port or self.master_port or free_port()
        args = ["master", "--ip=127.0.0.1", f"--port={self.master_port}",
                f"--work_dir={work_dir or self.path('master')}",
                f"--credentials={credentials or os.path.join(SEED, 'master-credentials.json')}",
                "--agent_ping_timeout=1secs", "--max_agent_ping_timeouts=3",
                "--heartbeat_interval=1secs"]
        given = {f.split("=", 1)[0] for f in extra if f.startswith("--")}
        args = [a for a in args if a.split("=", 1)[0] not in given]  # extra flags win
        p = self.spawn(name, args + list(extra))
        if wait:
            wait_until(lambda: self.get("/health", auth=None).status == 200,
                       what="master /health")
        return p

    def agent(self, *extra, port=None, work_dir=None, credential=None, name="agent",
              resources="cpus:2;mem:1024;disk:2048;ports:[31000-31100]", env=None):
        port = port or free_port()
        args = ["agent", f"--master=127.0.0.1:{self.master_port}", "--ip=127.0.0.1",
                f"--port={port}", f"--work_dir={work_dir or self.path(name)}",
                f"--credential={credential or os.path.join(SEED, 'slave-credential-pair')}",
                "--registration_backoff_factor=100ms"]
        if resources:
            args.append(f"--resources={resources}")
        p = self.spawn(name, args + list(extra), env=env)
        p.port = port
        return p

    def url(self, path):
        return f"http://127.0.0.1:{self.master_port}{path}"

    def get(self, path, auth="default", **kw):
        return http("GET", self.url(path), auth=self.auth if auth == "default" else auth, **kw)

    def post(self, path, body=None, auth="default", **kw):
        return http("POST", self.url(path), body=body,
                    auth=self.auth if auth == "default" else auth, **kw)

    def state(self):
        r = self.get("/master/state")
        assert r.status == 200, r.text
        return r.json()

    def active_agents(self):
        return [s for s in self.state()["slaves"] if s["active"]]

    def wait_agents(self, n=1, timeout=15):
        return wait_until(lambda: len(self.active_agents()) == n and self.active_agents(),
                          timeout, what=f"{n} active agent(s)")

    def stop(self):
        for p in reversed(self.procs):
            p.stop()

    def sanitizer_reports(self):
        """Sanitizer findings in any daemon's log (the ASan build runs this suite)."""
        found = []
        for p in self.procs:
            try:
                text = p.log()
            except OSError:
                continue
            for marker in SANITIZER_MARKERS:
                if marker in text:
                    i = text.index(marker)
                    found.append(f"{p.name}: {text[max(0, i - 200):i + 2000]}")
                    break
        return found


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test (item.rep_setup, rep_call): a fixture's
    teardown can tell a test that failed (its tasks may still run) from one that passed."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


@pytest.fixture
def cluster():
    """Daemons in a fresh temporary directory; afterwards the daemons are stopped and
    every process left under that directory (supervisors, tasks) is killed."""
    tmp = tempfile.mkdtemp(prefix="agora-test-")
    c = Cluster(tmp)
    try:
        yield c
    finally:
        c.stop()
        reap_under(tmp)
        reports = c.sanitizer_reports()
        shutil.rmtree(tmp, ignore_errors=True)
        assert not reports, "sanitizer report:\n" + "\n".join(reports)


@pytest.fixture(autouse=True)
def _reap_tmp_path(request):
    """Tests that start agora under pytest's tmp_path (agora up, config checks) leave
    nothing running there either."""
    # asked for here, so it is torn down after this fixture
    path = str(request.getfixturevalue("tmp_path")) if "tmp_path" in request.fixturenames else None
    yield
    if path:
        reap_under(path)


# ---- master + agent + a subscribed scheduler ----

@pytest.fixture
def env(cluster, request):
    """master + agent (extra agent flags from indirect parametrization) + subscribed
    scheduler; the cluster fixture kills what the tasks left behind."""
    from scheduler import Scheduler
    extra = getattr(request, "param", ())
    cluster.master()
    agent = cluster.agent(*extra)
    cluster.wait_agents(1)
    s = Scheduler(cluster.master_port, auth=AUTH, user=TASK_USER, principal=SEED_PRINCIPAL,
                  failover_timeout=60)
    assert s.subscribe() == 200
    box = type("Env", (), {})()
    box.cluster, box.agent, box.sched = cluster, agent, s
    box.work_dir = cluster.path("agent")
    yield box
    s.close()
    kill_leftovers(box.work_dir)


def launch(e, task_id, command, arguments=None, uris=None, **kw):
    from scheduler import task_info
    offer = e.sched.wait_offer()
    t = task_info(task_id, offer, command, **kw)
    if arguments is not None:
        t["command"]["arguments"] = arguments
    if uris is not None:
        t["command"]["uris"] = uris
    st, text = e.sched.launch(offer, [t], refuse_seconds=0.1)
    assert st == 202, text
    return offer


def agent_state(e):
    r = http("GET", f"http://127.0.0.1:{e.agent.port}/state", auth=AUTH)
    assert r.status == 200, r.text
    return r.json()


def executor_of(e, task_id, completed=False):
    st = agent_state(e)
    for fw in st["frameworks"] + st["completed_frameworks"]:
        for ex in fw["executors"] + fw["completed_executors"]:
            if ex["id"] == task_id:
                return ex
    return None


def sandbox_of(e, task_id):
    ex = wait_until(lambda: executor_of(e, task_id), what=f"executor of {task_id}")
    return ex["directory"]


def run_agora(*args, timeout=20, env=None):
    e = dict(os.environ)
    if env:
        e.update(env)
    return subprocess.run([AGORA] + list(args), capture_output=True, text=True,
                          timeout=timeout, env=e)
