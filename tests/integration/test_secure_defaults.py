"""Secure by default, the same rule for every role (core/daemon.c):
authentication on without credentials refuses to start; off must be asked
for explicitly, is warned about at start and in the info endpoint, and
without credentials the port listens on loopback only. The jobs API wants
application/json bodies (415 otherwise) and answers CORS only for origins
listed in --cors_origins.
"""
import json
import os
import re

from conftest import (SEED, SEED_PRINCIPAL, free_port, http, run_agora, wait_until)

SECRET_FILE = os.path.join(SEED, "credential-secret-only")


def jobs_args(cluster, *extra, port):
    return ["jobs", f"--master=127.0.0.1:{cluster.master_port or 1}",
            f"--http_port={port}", f"--work_dir={cluster.path('jobs')}",
            f"--mesos_authentication_principal={SEED_PRINCIPAL}",
            f"--mesos_authentication_secret_file={SECRET_FILE}"] + list(extra)


def listening_address(log, role):
    m = re.search(rf"{role}: agora .* listening on (\S+):\d+", log)
    return m.group(1) if m else None


# ---- jobs ----

def test_jobs_refuses_to_start_without_credentials(cluster):
    r = run_agora(*jobs_args(cluster, port=free_port()))
    assert r.returncode == 1, r
    assert "--http_credentials" in r.stderr and "--no-authenticate_http" in r.stderr, r.stderr


def test_jobs_without_authentication_is_loopback_and_says_so(cluster):
    cluster.master()
    port = free_port()
    jobs = cluster.spawn("jobs", jobs_args(cluster, "--no-authenticate_http", port=port))
    jobs.wait_log("listening on")
    log = jobs.log()
    assert listening_address(log, "jobs") == "127.0.0.1", log
    assert "WARNING: HTTP authentication is OFF" in log, log
    r = http("GET", f"http://127.0.0.1:{port}/v1/scheduler/leader")
    assert r.status == 200
    assert "HTTP authentication is OFF" in r.json()["warning"], r.text


def test_jobs_credentials_from_a_file(cluster, tmp_path):
    cluster.master()
    port = free_port()
    creds = tmp_path / "creds"
    creds.write_text("ops:pa:ss:word\n")  # RFC 7617: the password may hold ':'
    creds.chmod(0o600)
    jobs = cluster.spawn("jobs", jobs_args(cluster, f"--http_credentials=file://{creds}",
                                           port=port))
    jobs.wait_log("listening on")
    # credentials given: the Chronos default address, and no warning
    assert listening_address(jobs.log(), "jobs") == "0.0.0.0", jobs.log()
    assert "WARNING" not in jobs.log()
    url = f"http://127.0.0.1:{port}/v1/scheduler/jobs"
    assert http("GET", url).status == 401
    assert http("GET", url, auth=("ops", "pa:ss:word")).status == 200
    assert http("GET", url, auth=("ops", "pa:ss")).status == 401
    # the scheme is case-insensitive (RFC 7235)
    import base64
    token = base64.b64encode(b"ops:pa:ss:word").decode()
    assert http("GET", url, headers={"Authorization": "basic " + token}).status == 200
    # the secret is on no command line
    with open(f"/proc/{jobs.pid}/cmdline", "rb") as f:
        assert b"pa:ss:word" not in f.read()


def test_jobs_bodies_must_be_json_and_cors_only_for_listed_origins(cluster):
    cluster.master()
    port = free_port()
    jobs = cluster.spawn("jobs", jobs_args(
        cluster, "--no-authenticate_http", "--cors_origins=https://ui.example.com", port=port))
    jobs.wait_log("listening on")
    base = f"http://127.0.0.1:{port}"
    job = json.dumps({"name": "x", "command": "true", "schedule": "R/2099-01-01T00:00:00Z/PT1H"})
    # a "simple" cross-origin POST (text/plain, a form) does nothing
    for ct in ("text/plain", "application/x-www-form-urlencoded", ""):
        headers = {"Origin": "https://evil.example.com", "Content-Type": ct}
        r = http("POST", base + "/v1/scheduler/iso8601", body=job.encode(), headers=headers)
        assert r.status == 415, (ct, r.status, r.text)
        assert r.json()["status"] == "Unsupported Media Type"
        assert "Access-Control-Allow-Origin" not in r.headers
    assert http("GET", base + "/v1/scheduler/jobs").json() == []
    # the same as application/json works
    r = http("POST", base + "/v1/scheduler/iso8601", body=job,
             headers={"Origin": "https://ui.example.com"})
    assert r.status == 204, r.text
    assert r.headers["Access-Control-Allow-Origin"] == "https://ui.example.com"
    # another origin gets no CORS header; neither does a preflight from it
    r = http("GET", base + "/v1/scheduler/jobs", headers={"Origin": "https://evil.example.com"})
    assert r.status == 200 and "Access-Control-Allow-Origin" not in r.headers
    r = http("OPTIONS", base + "/v1/scheduler/iso8601",
             headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Methods" not in r.headers
    assert "Access-Control-Allow-Origin" not in r.headers


def test_jobs_no_cors_by_default(cluster):
    cluster.master()
    port = free_port()
    jobs = cluster.spawn("jobs", jobs_args(cluster, "--no-authenticate_http", port=port))
    jobs.wait_log("listening on")
    r = http("GET", f"http://127.0.0.1:{port}/v1/scheduler/jobs",
             headers={"Origin": "https://evil.example.com"})
    assert r.status == 200 and "Access-Control-Allow-Origin" not in r.headers


# ---- master and agent: the same rule ----

def test_master_without_authentication_is_loopback_and_says_so(cluster):
    port = free_port()
    m = cluster.spawn("master", ["master", f"--port={port}", f"--work_dir={cluster.path('m')}",
                                 "--no-authenticate_agents", "--no-authenticate_frameworks",
                                 "--no-authenticate_http_readonly",
                                 "--no-authenticate_http_readwrite"])
    m.wait_log("listening on")
    assert listening_address(m.log(), "master") == "127.0.0.1", m.log()
    assert "WARNING: agent, framework, read-only HTTP, read-write HTTP authentication is OFF" \
        in m.log()
    state = http("GET", f"http://127.0.0.1:{port}/master/state").json()
    assert "authentication is OFF" in state["warning"]
    assert isinstance(state["build_time"], (int, float)) and state["build_time"] > 1.5e9


def test_master_refuses_to_start_without_credentials():
    r = run_agora("master", f"--port={free_port()}", "--work_dir=/nonexistent-agora-test")
    assert r.returncode == 1
    assert "--credentials" in r.stderr and "--no-authenticate_agents" in r.stderr, r.stderr


def test_agent_refuses_half_open_and_warns_when_open(cluster):
    cluster.master()
    base = ["agent", f"--master=127.0.0.1:{cluster.master_port}", f"--port={free_port()}",
            f"--work_dir={cluster.path('agent')}", "--resources=cpus:1;mem:64"]
    # read-only off but read-write on, and no credentials: refused (was: started)
    r = run_agora(*base, "--no-authenticate_http_readonly")
    assert r.returncode == 1, r
    assert "--no-authenticate_http_readwrite" in r.stderr, r.stderr
    a = cluster.spawn("agent", base + ["--no-authenticate_http_readonly",
                                       "--no-authenticate_http_readwrite"])
    a.wait_log("listening on")
    assert listening_address(a.log(), "agent") == "127.0.0.1", a.log()
    assert "WARNING: HTTP authentication is OFF" in a.log()
