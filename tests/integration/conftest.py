"""Shared fixtures for agora's integration tests.

Every test starts the real `agora` binary (AGORA_BIN, default ./agora) as
separate processes on loopback ports picked here, with state in a fresh
temporary directory, and stops everything it started when it ends.
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

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AGORA = os.environ.get("AGORA_BIN", os.path.join(ROOT, "agora"))
BUILD = os.environ.get("AGORA_BUILD", os.path.join(ROOT, "build"))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
SEED = os.path.join(FIXTURES, "seed")
SEED_PRINCIPAL = "MesosPrincipal"
SEED_SECRET = "f0e4c2f76c58916ec258f246851bea091d14d4247a2fc3e186"


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
    tmp = tempfile.mkdtemp(prefix="agora-test-")
    c = Cluster(tmp)
    try:
        yield c
    finally:
        c.stop()
        reports = c.sanitizer_reports()
        shutil.rmtree(tmp, ignore_errors=True)
        assert not reports, "sanitizer report:\n" + "\n".join(reports)


def run_agora(*args, timeout=20, env=None):
    e = dict(os.environ)
    if env:
        e.update(env)
    return subprocess.run([AGORA] + list(args), capture_output=True, text=True,
                          timeout=timeout, env=e)
