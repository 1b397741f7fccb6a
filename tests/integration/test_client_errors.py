"""Every client path of agora against a target that is not a working
master or jobs service: a host name that does not resolve, a refused port,
a port that accepts and never answers, a wrong secret and a plain HTTP
server that is not agora. Each ends with a clean error (exit 1 and a line
that says what is wrong) or, for the daemons, keeps retrying: never a crash.

The ASan build runs this file too (`make asan`): the host name that does
not resolve used to free a pending call twice inside the http client.
"""
import http.server
import os
import re
import socket
import threading

import pytest

from conftest import (SEED, SEED_PRINCIPAL, SEED_SECRET, free_port, run_agora,
                      wait_until)

UNRESOLVABLE = "agora-test-no-such-host.invalid"
SANITIZER = ("AddressSanitizer", "LeakSanitizer", "runtime error:")


class _NotAgora(http.server.BaseHTTPRequestHandler):
    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = b"<html><body>It works!</body></html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def targets():
    """name -> host:port of each kind of bad target."""
    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotAgora)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)  # the kernel accepts; nobody ever reads or answers
    yield {
        "unresolvable": f"{UNRESOLVABLE}:5050",
        "refused": f"127.0.0.1:{free_port()}",
        "silent": f"127.0.0.1:{silent.getsockname()[1]}",
        "not-agora": f"127.0.0.1:{web.server_address[1]}",
    }
    web.shutdown()
    silent.close()


def explain(r):
    return f"rc={r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"


def assert_clean_failure(r, who):
    assert r.returncode == 1, explain(r)  # not 139 (SIGSEGV), not 134 (ASan abort)
    assert f"agora {who}: " in r.stderr, explain(r)
    for marker in SANITIZER:
        assert marker not in r.stderr, explain(r)


def secret_file(tmp_path, secret=SEED_SECRET):
    p = tmp_path / "secret"
    p.write_text(secret + "\n")
    p.chmod(0o600)
    return str(p)


@pytest.mark.parametrize("kind", ["unresolvable", "refused", "silent", "not-agora"])
def test_execute_gives_up_cleanly(targets, kind, tmp_path):
    args = ["execute", f"--master={targets[kind]}", "--name=x", "--command=true",
            f"--principal={SEED_PRINCIPAL}", f"--secret_file={secret_file(tmp_path)}"]
    if kind == "silent":
        args.append("--timeout=2secs")  # an accepted, unanswered SUBSCRIBE waits for it
    r = run_agora(*args, timeout=120)
    assert_clean_failure(r, "execute")
    if kind != "silent":
        # no --timeout: it gives up by itself instead of retrying forever
        assert "giving up after" in r.stderr and targets[kind] in r.stderr, explain(r)


def test_execute_wrong_secret(cluster, tmp_path):
    cluster.master()
    r = run_agora("execute", f"--master=127.0.0.1:{cluster.master_port}", "--name=x",
                  "--command=true", f"--principal={SEED_PRINCIPAL}",
                  f"--secret_file={secret_file(tmp_path, 'wrong')}", timeout=60)
    assert_clean_failure(r, "execute")
    assert "refused the credentials" in r.stderr, explain(r)


@pytest.mark.parametrize("kind", ["unresolvable", "refused", "silent", "not-agora"])
@pytest.mark.parametrize("verb", [["ls"], ["logs", "somejob"], ["run", "somejob"]])
def test_job_cli_fails_cleanly(targets, kind, verb):
    r = run_agora("job", *verb, f"--jobs={targets[kind]}", "--timeout=2secs", timeout=60)
    assert_clean_failure(r, "job")
    if kind == "not-agora":
        assert "404" in r.stderr, explain(r)
    else:
        assert "cannot reach the jobs service" in r.stderr, explain(r)


def test_job_cli_wrong_secret(cluster, tmp_path):
    cluster.master()
    port = free_port()
    creds = tmp_path / "jobs-credentials"
    creds.write_text("ops:right-secret\n")
    creds.chmod(0o600)
    jobs = cluster.spawn("jobs", [
        "jobs", f"--master=127.0.0.1:{cluster.master_port}", "--http_address=127.0.0.1",
        f"--http_port={port}", f"--work_dir={cluster.path('jobs')}",
        f"--http_credentials=file://{creds}"])
    jobs.wait_log("listening on")
    wrong = tmp_path / "wrong"
    wrong.write_text("ops:wrong-secret\n")
    r = run_agora("job", "ls", f"--jobs=127.0.0.1:{port}", f"--http_credentials=file://{wrong}")
    assert_clean_failure(r, "job")
    assert "refused these" in r.stderr, explain(r)
    r = run_agora("job", "ls", f"--jobs=127.0.0.1:{port}", f"--http_credentials=file://{creds}")
    assert r.returncode == 0, explain(r)


@pytest.mark.parametrize("kind", ["unresolvable", "refused", "silent", "not-agora"])
def test_daemons_keep_retrying(cluster, targets, kind):
    """The jobs service and an agent pointed at a bad master retry, never crash."""
    jobs = cluster.spawn("jobs", [
        "jobs", f"--master={targets[kind]}", "--http_address=127.0.0.1",
        f"--http_port={free_port()}", f"--work_dir={cluster.path('jobs')}",
        "--no-authenticate_http", "--mesos_authentication_principal=" + SEED_PRINCIPAL,
        "--mesos_authentication_secret_file=" + os.path.join(SEED, "credential-secret-only")])
    agent = cluster.spawn("agent", [
        "agent", f"--master={targets[kind]}", "--ip=127.0.0.1", f"--port={free_port()}",
        f"--work_dir={cluster.path('agent')}",
        f"--credential={os.path.join(SEED, 'slave-credential-pair')}",
        "--registration_backoff_factor=100ms"])
    retry = re.compile(r"(subscribing|retrying|registering) again|retrying in")
    # a silent master costs a whole call timeout per attempt
    need, timeout = (1, 90) if kind == "silent" else (2, 30)
    wait_until(lambda: len(retry.findall(jobs.log())) >= need, timeout, what="jobs retrying")
    wait_until(lambda: len(retry.findall(agent.log())) >= need, timeout,
               what="agent retrying")
    assert jobs.alive(), jobs.log()
    assert agent.alive(), agent.log()
