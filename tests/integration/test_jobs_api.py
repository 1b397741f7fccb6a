"""The Chronos REST API of `agora jobs` (spec PART A) and the `agora job`
CLI, against a real master, agent and jobs service on loopback.

Covers the API contract: every endpoint's status code and body shape under
both prefixes, 400 JSON error bodies (unknown jobs included), name and
schedule validation, /dependency parents and cycles, the search quirk,
summary, stats, graph exports, re-parenting on delete, Basic auth, CORS,
the seed's Chronos job files, run history and logs; then the CLI round
trips. Scheduling behaviour (repeat counts, retries, chains, ACLs,
durability) is tested in the lead's scheduling test file.
"""
import json
import os
import pwd
import re
import subprocess
import time

import pytest

from conftest import (AGORA, SEED, SEED_PRINCIPAL, SEED_SECRET, free_port, http, run_agora,
                      wait_until)
from test_tasks_agent import kill_leftovers

TASK_USER = "nobody" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
FUTURE = "R/2100-01-01T00:00:00.000Z/P1D"  # never due during a test
PREFIXES = ("/v1/scheduler", "/scheduler")
TERMINAL = {"TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_LOST", "TASK_ERROR",
            "TASK_DROPPED", "TASK_GONE"}


class Jobs:
    """One `agora jobs` process and a small client of its API."""

    def __init__(self, cluster, *extra, auth=None):
        self.cluster = cluster
        self.port = free_port()
        self.auth = auth
        self.proc = cluster.spawn("jobs", [
            "jobs", f"--master=127.0.0.1:{cluster.master_port}", "--http_address=127.0.0.1",
            f"--http_port={self.port}", f"--work_dir={cluster.path('jobs')}",
            f"--mesos_authentication_principal={SEED_PRINCIPAL}",
            f"--mesos_authentication_secret_file={os.path.join(SEED, 'credential-secret-only')}",
            f"--user={TASK_USER}", "--failure_retry=200"]
            + ([] if auth else ["--no-authenticate_http", "--cors_origins=*"]) + list(extra))
        wait_until(lambda: self.get("/ping").status in (200, 401), what="jobs /ping")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def call(self, method, path, body=None, auth="default", **kw):
        return http(method, self.url(path), body=body,
                    auth=self.auth if auth == "default" else auth, **kw)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body, **kw):
        return self.call("POST", path, body=body, **kw)

    def put(self, path, **kw):
        return self.call("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)

    def add(self, job, prefix="/v1/scheduler"):
        endpoint = "/dependency" if "parents" in job else "/iso8601"
        r = self.post(prefix + endpoint, job)
        assert r.status == 204, r.text
        assert r.body == b""
        return r

    def job(self, name):
        r = self.get(f"/v1/scheduler/job/{name}")
        assert r.status == 200, r.text
        return r.json()

    def runs(self, name):
        r = self.get(f"/v1/scheduler/job/{name}/runs")
        assert r.status == 200, r.text
        return r.json()["runs"]

    def wait_run(self, name, states=TERMINAL, timeout=60):
        def done():
            runs = self.runs(name)
            return runs and runs[0]["state"] in states and runs[0]
        return wait_until(done, timeout, interval=0.2, what=f"a run of {name} in {states}")

    def summary(self):
        r = self.get("/v1/scheduler/jobs/summary")
        assert r.status == 200, r.text
        return {j["name"]: j for j in r.json()["jobs"]}


@pytest.fixture
def jobs(cluster):
    cluster.master()
    cluster.agent()
    cluster.wait_agents(1)
    j = Jobs(cluster)
    yield j
    kill_leftovers(cluster.path("agent"))


def scheduled(name, command="true", **kw):
    return dict({"name": name, "command": command, "schedule": FUTURE}, **kw)


def dependent(name, parents, command="true", **kw):
    return dict({"name": name, "command": command, "parents": parents}, **kw)


def assert_bad_request(r, *fragments):
    assert r.status == 400, (r.status, r.text)
    body = r.json()
    assert body["status"] == "Bad Request", body
    for f in fragments:
        assert f in body["message"], body
    assert r.headers["Access-Control-Allow-Origin"] == "*"


# ---- transport ----

def test_ping_metrics_and_leader(jobs):
    r = jobs.get("/ping")
    assert r.status == 200 and r.body == b"pong\n"
    assert r.headers["Content-Type"].startswith("text/plain")
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    m = jobs.get("/metrics")
    assert m.status == 200, m.text
    metrics = m.json()
    assert {"version", "gauges", "counters", "histograms", "meters", "timers"} <= set(metrics)
    assert metrics["gauges"]["jobs.count"]["value"] == 0
    for path in ("/leader", "/v1/scheduler/leader", "/scheduler/leader"):
        r = jobs.get(path)
        assert r.status == 200, (path, r.text)
        assert r.json()["leader"] == f"127.0.0.1:{jobs.port}"


def test_unknown_routes_and_methods(jobs):
    r = jobs.get("/v1/scheduler/nothing")
    assert r.status == 404
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    r = jobs.post("/v1/scheduler/jobs", {})
    assert r.status == 405, r.text
    assert "GET" in r.headers["Allow"]
    r = jobs.call("OPTIONS", "/v1/scheduler/iso8601")
    assert r.status == 200
    assert "POST" in r.headers["Allow"]
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_create_read_replace_delete_under_both_prefixes(jobs):
    for prefix in PREFIXES:
        name = "etl" + prefix.replace("/", "-")
        r = jobs.add(scheduled(name, "echo one", owner="ops@example.com"), prefix)
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        listed = jobs.get(prefix + "/jobs")
        assert listed.status == 200
        assert listed.headers["Content-Type"].startswith("application/json")
        assert name in [j["name"] for j in listed.json()]
        got = jobs.get(f"{prefix}/job/{name}")
        assert got.status == 200, got.text
        job = got.json()
        assert job["command"] == "echo one" and job["owner"] == "ops@example.com"
        assert job["schedule"] == FUTURE and job["scheduleTimeZone"] == ""
        assert "parents" not in job
        # defaults filled in as Chronos does
        assert job["cpus"] == 0.1 and job["mem"] == 128 and job["disk"] == 256
        assert job["retries"] == 2 and job["runAsUser"] == TASK_USER
        # replace: the whole document is the body (counters included)
        jobs.add(scheduled(name, "echo two", successCount=5), prefix)
        job = jobs.get(f"{prefix}/job/{name}").json()
        assert job["command"] == "echo two" and job["owner"] == "" and job["successCount"] == 5
        r = jobs.delete(f"{prefix}/job/{name}")
        assert r.status == 204 and r.body == b""
        assert_bad_request(jobs.get(f"{prefix}/job/{name}"), name, "not found")


def test_put_on_iso8601_and_strict_content_type(jobs):
    r = jobs.call("PUT", "/v1/scheduler/iso8601", body=json.dumps(scheduled("viaput")))
    assert r.status == 204, r.text
    # a body that is not declared JSON is refused, as the master does (415)
    r = jobs.post("/scheduler/iso8601", json.dumps(scheduled("texty")),
                  headers={"Content-Type": "text/plain"})
    assert r.status == 415, r.text
    assert set(jobs.summary()) == {"viaput"}


def test_listing_shim_fills_fetch_from_uris(jobs):
    jobs.add(scheduled("fetcher", uris=["http://example.com/a.tgz"]))
    listed = {j["name"]: j for j in jobs.get("/v1/scheduler/jobs").json()}["fetcher"]
    assert listed["uris"] == ["http://example.com/a.tgz"]
    assert [f["uri"] for f in listed["fetch"]] == ["http://example.com/a.tgz"]
    assert listed["fetch"][0]["extract"] is True
    single = jobs.job("fetcher")
    assert single["fetch"] == [] and single["uris"] == ["http://example.com/a.tgz"]


def test_unknown_job_is_400_on_every_job_endpoint(jobs):
    for prefix in PREFIXES:
        for method, path in [("GET", "/job/nope"), ("PUT", "/job/nope"),
                             ("DELETE", "/job/nope"), ("DELETE", "/task/kill/nope"),
                             ("PUT", "/job/success/nope"), ("GET", "/job/stat/nope"),
                             ("GET", "/job/nope/runs"), ("GET", "/job/nope/logs")]:
            r = jobs.call(method, prefix + path)
            assert_bad_request(r, "nope")


def test_create_validation_errors(jobs):
    api = "/v1/scheduler/iso8601"
    assert_bad_request(jobs.post(api, scheduled("bad name")), "the job's name is invalid")
    assert_bad_request(jobs.post(api, scheduled("bad/name")), "the job's name is invalid")
    assert_bad_request(jobs.post(api, {"command": "true", "schedule": FUTURE}), "name")
    assert_bad_request(jobs.post(api, scheduled("s1", schedule="FOO")),
                       "Cannot parse schedule 'FOO'")
    assert_bad_request(jobs.post(api, scheduled("s2", schedule="R/2008-03-01T13:00:00Z")),
                       "Cannot parse schedule")
    assert_bad_request(jobs.post(api, scheduled("s3", schedule="R/1960-01-01T00:00:00Z/P1D")),
                       "1970")
    assert_bad_request(jobs.post(api, scheduled("s4", uris=["http://x/a"],
                                                fetch=[{"uri": "http://x/b"}])), "fetch")
    assert_bad_request(jobs.post(api, scheduled("s5", cpus="lots")), "cpus")
    assert_bad_request(jobs.post(api, "{not json"))
    assert_bad_request(jobs.post(api, "[1, 2]"))
    r = jobs.call("POST", api, body=b"")
    assert_bad_request(r)
    assert jobs.summary() == {}
    # no schedule at all: Chronos runs it once now (R1/<now>/PT24H)
    jobs.add({"name": "once", "command": "true", "disabled": True})
    assert re.match(r"^R1/\d{4}-\d\d-\d\dT.*/PT24H$", jobs.job("once")["schedule"])



def test_schedule_period_floor_and_dot_names(jobs):
    """Issue 9.13: a zero or sub-second period relaunched a job without end;
    '.' and '..' were accepted as names (they are path components)."""
    api = "/v1/scheduler/iso8601"
    for period in ("PT0S", "P", "PT0.0001S", "PT0.5S", "PT0.999S"):
        r = jobs.post(api, scheduled("fast", schedule=f"R/2020-01-01T00:00:00Z/{period}"))
        assert_bad_request(r, "schedule: period", "--min_schedule_period", "1000 ms")
    # R1 and R0 too: a manual run of an R0 job makes it repeat forever (Chronos)
    for repeat in ("R1", "R0"):
        assert_bad_request(jobs.post(api, scheduled(
            "fast", schedule=f"{repeat}/2100-01-01T00:00:00Z/PT0S")), "schedule: period")
    jobs.add(scheduled("second", schedule="R/2100-01-01T00:00:00Z/PT1S"))  # at the floor
    for name in (".", ".."):
        assert_bad_request(jobs.post(api, scheduled(name)), "name: ", "not allowed")
        assert_bad_request(jobs.post("/v1/scheduler/dependency", dependent(name, ["second"])),
                           "name: ", "not allowed")
    # a replacement cannot sneak a short period in either
    assert_bad_request(jobs.post(api, scheduled("second", schedule="R//PT0.1S")),
                       "schedule: period")
    assert jobs.job("second")["schedule"].endswith("/PT1S")
    assert set(jobs.summary()) == {"second"}


def test_min_schedule_period_flag(cluster):
    """--min_schedule_period sets the floor; below 1 ms the service refuses to start."""
    cluster.master()
    j = Jobs(cluster, "--min_schedule_period=60000")
    api = "/v1/scheduler/iso8601"
    assert_bad_request(j.post(api, scheduled("half", schedule="R/2100-01-01T00:00:00Z/PT59S")),
                       "schedule: period PT59S", "60000 ms")
    j.add(scheduled("minute", schedule="R/2100-01-01T00:00:00Z/PT1M"))
    j.add(scheduled("daily", schedule="R/2100-01-01T00:00:00Z/P1D"))
    r = run_agora("jobs", "--master=127.0.0.1:1", "--min_schedule_period=0",
                  f"--work_dir={cluster.path('jobs-bad')}", "--http_address=127.0.0.1",
                  f"--http_port={free_port()}", timeout=30)
    assert r.returncode != 0
    assert "--min_schedule_period" in r.stderr

def test_dependency_rules(jobs):
    api = "/v1/scheduler/dependency"
    assert_bad_request(jobs.post(api, dependent("orphan", [])), "parent does not exist")
    assert_bad_request(jobs.post(api, dependent("orphan", ["ghost"])),
                       "does not have all parents defined", "ghost")
    assert "orphan" not in jobs.summary()  # agora: a 400, never a hidden job
    jobs.add(scheduled("a"))
    jobs.add(dependent("b", ["a"]))
    jobs.add(dependent("c", ["b"]))
    assert_bad_request(jobs.post(api, dependent("a", ["c"])), "cycle")
    assert_bad_request(jobs.post(api, dependent("b", ["b"])), "own parent")
    assert jobs.job("a")["schedule"] == FUTURE  # unchanged after the refusals
    # rewire c to depend on a and b; switch b to a scheduled job and back
    jobs.add(dependent("c", ["a", "b"]))
    assert sorted(jobs.job("c")["parents"]) == ["a", "b"]
    jobs.add(scheduled("b"))
    b = jobs.job("b")
    assert "parents" not in b and b["schedule"] == FUTURE
    jobs.add(dependent("b", ["a"]))
    assert jobs.job("b")["parents"] == ["a"] and "schedule" not in jobs.job("b")
    # type sniffing: a body with parents is a dependent job whatever the endpoint
    jobs.post("/v1/scheduler/iso8601", dependent("d", ["a"]))
    assert jobs.job("d")["parents"] == ["a"]


def test_search_and_its_any_quirk(jobs):
    jobs.add(scheduled("alpha", "echo one"))
    jobs.add(scheduled("beta", "echo two"))
    jobs.add(scheduled("gamma", "sleep 1"))

    def search(query):
        r = jobs.get("/v1/scheduler/jobs/search?" + query)
        assert r.status == 200, r.text
        return sorted(j["name"] for j in r.json())

    assert search("name=alp") == ["alpha"]
    assert search("name=ALP") == ["alpha"]
    assert search("command=ECHO") == ["alpha", "beta"]
    assert search("name=alpha&command=two") == []
    # `any` only rescues what name/command rejected ...
    assert search("name=alpha&any=gamma") == ["alpha", "gamma"]
    # ... so with `any` alone every job matches
    assert search("any=nothing-matches-this") == ["alpha", "beta", "gamma"]
    assert search("") == ["alpha", "beta", "gamma"]
    assert len(search("limit=2")) == 2
    assert search("limit=1&offset=1") == ["beta"]
    assert search("offset=-1&limit=2") == ["alpha"]  # Scala's slice(-1, 1)
    assert_bad_request(jobs.get("/v1/scheduler/jobs/search?limit=ten"), "limit")
    for i in range(9):
        jobs.add(scheduled(f"many{i}"))
    assert len(search("")) == 10  # the default limit
    assert len(search("limit=100")) == 12


def test_summary_shape(jobs):
    jobs.add(scheduled("parent", disabled=True))
    jobs.add(dependent("child", ["parent"]))
    s = jobs.summary()
    assert set(s["parent"]) == {"name", "status", "state", "schedule", "parents", "disabled",
                                "pendingReason"}
    assert s["parent"]["status"] == "fresh" and s["parent"]["state"] == "idle"
    assert s["parent"]["schedule"] == FUTURE and s["parent"]["parents"] == []
    assert s["parent"]["disabled"] is True
    assert s["child"]["schedule"] == "" and s["child"]["parents"] == ["parent"]
    assert s["child"]["disabled"] is False
    assert isinstance(s["child"]["pendingReason"], str)
    # the 2.x prefix answers the same
    r = jobs.get("/scheduler/jobs/summary")
    assert r.status == 200 and {j["name"] for j in r.json()["jobs"]} == {"parent", "child"}


def test_graph_csv_and_dot(jobs):
    jobs.add(scheduled("a"))
    jobs.add(dependent("b", ["a"]))
    jobs.add(dependent("c", ["a", "b"]))
    for prefix in PREFIXES:
        r = jobs.get(prefix + "/graph/csv")
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain")
        lines = r.text.splitlines()
        assert lines[:3] == ["node,a,fresh,idle", "node,b,fresh,idle", "node,c,fresh,idle"]
        assert sorted(lines[3:]) == ["link,a,b", "link,a,c", "link,b,c"]
        d = jobs.get(prefix + "/graph/dot")
        assert d.status == 200 and d.headers["Content-Type"].startswith("text/plain")
        assert d.text.startswith("digraph G {\n") and d.text.rstrip().endswith("}")
        ids = dict((label, num) for num, label in
                   re.findall(r'^\s*(\d+) \[ label="([\w.-]+)" \];$', d.text, re.M))
        assert set(ids) == {"a", "b", "c"}
        edges = set(re.findall(r"^\s*(\d+) -> (\d+);$", d.text, re.M))
        assert edges == {(ids["a"], ids["b"]), (ids["a"], ids["c"]), (ids["b"], ids["c"])}


def test_delete_reparents_children(jobs):
    sched = "R/2100-06-01T00:00:00.000Z/PT12H"
    jobs.add(scheduled("root", schedule=sched, scheduleTimeZone="Europe/Paris"))
    jobs.add(dependent("only-child", ["root"],
                       environmentVariables=[{"name": "KEEP", "value": "me"}], shell=False,
                       command="/bin/true"))
    jobs.add(scheduled("other"))
    jobs.add(dependent("two-parents", ["root", "other"]))
    jobs.add(dependent("grandchild", ["only-child"]))
    assert jobs.delete("/v1/scheduler/job/root").status == 204
    only = jobs.job("only-child")
    # a scheduled parent's only child becomes scheduled with its schedule ...
    assert "parents" not in only
    assert only["schedule"] == sched and only["scheduleTimeZone"] == "Europe/Paris"
    # ... and (agora) keeps every other field
    assert only["environmentVariables"] == [{"name": "KEEP", "value": "me"}]
    assert only["shell"] is False and only["command"] == "/bin/true"
    assert jobs.job("two-parents")["parents"] == ["other"]
    # a dependent job's children inherit its parents
    jobs.add(dependent("middle", ["other"]))
    jobs.add(dependent("leaf", ["middle", "grandchild"]))
    assert jobs.delete("/scheduler/job/middle").status == 204
    assert sorted(jobs.job("leaf")["parents"]) == ["grandchild", "other"]
    assert "link,other,leaf" in jobs.get("/v1/scheduler/graph/csv").text


def test_progress_endpoint_validates_like_chronos(jobs):
    jobs.add(scheduled("plain"))
    jobs.add(scheduled("counted", dataProcessingJobType=True))
    api = "/v1/scheduler/job/{}/task/{}/progress"
    good = {"numAdditionalElementsProcessed": 5}
    assert_bad_request(jobs.post(api.format("counted", "not-a-task-id"), good), "task id")
    assert_bad_request(jobs.post(api.format("plain", "ct:1000:0:plain:"), good),
                       "not enabled to track data")
    assert_bad_request(jobs.post(api.format("counted", "ct:1000:0:counted:"),
                                 {"numAdditionalElementsProcessed": -1}), "not positive")
    r = jobs.post(api.format("counted", "ct:1000:0:counted:"), good)
    assert r.status == 204, r.text


# ---- auth and CORS ----

@pytest.mark.parametrize("realm", [None, "Jobs Realm"])
def test_basic_auth_on_every_path(cluster, realm):
    cluster.master()
    extra = ["--http_credentials=ChronosUser:SomePassword"]
    if realm:
        extra.append(f"--http_realm={realm}")
    jobs = Jobs(cluster, *extra, auth=("ChronosUser", "SomePassword"))
    for path in ("/ping", "/metrics", "/leader", "/v1/scheduler/jobs", "/scheduler/jobs",
                 "/v1/scheduler/job/x", "/nothing-here"):
        for auth in (None, ("ChronosUser", "wrong"), ("someone", "SomePassword")):
            r = jobs.get(path, auth=auth)
            assert r.status == 401, (path, auth, r.status)
            assert r.headers["WWW-Authenticate"] == f'Basic realm="{realm or "Mesosphere"}"'
    assert jobs.get("/ping").status == 200
    jobs.add(scheduled("guarded"))
    assert jobs.post("/v1/scheduler/iso8601", scheduled("sneaky"), auth=None).status == 401
    assert jobs.delete("/v1/scheduler/job/guarded", auth=None).status == 401
    assert list(jobs.summary()) == ["guarded"]
    # the CLI: credentials from the flag or the environment
    env = {"AGORA_JOBS": f"127.0.0.1:{jobs.port}"}
    r = run_agora("job", "ls", env=env)
    assert r.returncode == 1 and "credentials" in r.stderr, r.stderr
    r = run_agora("job", "ls", "--http_credentials=ChronosUser:SomePassword", env=env)
    assert r.returncode == 0 and "guarded" in r.stdout, r.stderr
    r = run_agora("job", "ls",
                  env=dict(env, AGORA_JOBS_CREDENTIALS="ChronosUser:SomePassword"))
    assert r.returncode == 0 and "guarded" in r.stdout, r.stderr


def test_cors_header_on_every_kind_of_answer(jobs):
    answers = [jobs.get("/ping"), jobs.post("/v1/scheduler/iso8601", scheduled("c")),
               jobs.get("/v1/scheduler/jobs"), jobs.get("/v1/scheduler/job/missing"),
               jobs.get("/v1/scheduler/graph/dot"), jobs.put("/v1/scheduler/job/success/c"),
               jobs.get("/v1/scheduler/job/c/logs"), jobs.get("/no/such/path"),
               jobs.delete("/v1/scheduler/job/c")]
    assert [a.status for a in answers] == [200, 204, 200, 400, 200, 200, 404, 404, 204]
    for a in answers:
        assert a.headers["Access-Control-Allow-Origin"] == "*"


# ---- the seed's Chronos files ----

def seed_bytes(name):
    with open(os.path.join(SEED, name), "rb") as f:
        return f.read()


def test_seed_chronos_files_are_accepted_byte_for_byte(jobs):
    for name, job_name in [("chronos-host-gpu-test.json", "host-gpu-test"),
                           ("chronos-mnist-cnn-demo.json", "mnist-cnn-demo")]:
        r = jobs.post("/v1/scheduler/iso8601", seed_bytes(name))
        assert r.status == 204, (name, r.text)
        sent = json.loads(seed_bytes(name))
        got = jobs.job(job_name)
        for key in ("command", "cpus", "mem", "disk", "gpus", "runAsUser", "schedule",
                    "retries", "shell"):
            assert got[key] == sent[key], (key, got[key], sent[key])
    c = jobs.job("mnist-cnn-demo")["container"]
    assert c["type"] == "MESOS" and c["image"] == "local/dlkit:mesos"
    assert c["network"] == "BRIDGE"
    assert c["volumes"] == [{"hostPath": "/gluster/volume2/data", "containerPath": "/data",
                             "mode": "RW"}]
    # Neither fits this agent (no GPU, 10 cpus): they wait and say why.
    wait_until(lambda: "gpus" in jobs.summary()["host-gpu-test"]["pendingReason"], 30,
               what="a pendingReason naming gpus")


def test_image_job_run_fails_saying_images_are_not_supported(jobs):
    doc = json.loads(seed_bytes("chronos-mnist-cnn-demo.json"))
    doc.update(name="mnist-small", cpus=0.1, mem=32, disk=10, gpus=0, runAsUser=TASK_USER)
    jobs.add(doc)  # R1//P1Y: due now
    run = jobs.wait_run("mnist-small")
    assert run["state"] in ("TASK_FAILED", "TASK_ERROR"), run
    assert "image" in run["message"], run
    assert jobs.summary()["mnist-small"]["status"] == "failure"


# ---- runs, stats, logs, kill, success ----

def test_manual_run_history_stats_and_logs(jobs):
    jobs.add(scheduled("greeter", "echo hello-from-$CHRONOS_JOB_NAME", retries=0))
    r = jobs.put("/v1/scheduler/job/greeter?arguments=extra-arg")
    assert r.status == 204 and r.body == b""
    run = jobs.wait_run("greeter")
    assert run["state"] == "TASK_FINISHED", run
    assert run["exit_status"] == 0
    assert run["task_id"].startswith("ct:") and run["task_id"].endswith(":greeter:extra-arg")
    assert run["agent_id"] and run["agent_url"].startswith("http://127.0.0.1:")
    assert run["end"] >= run["start"] > 0
    assert set(run) >= {"run_id", "task_id", "agent_id", "start", "end", "state", "exit_status",
                        "message", "sandbox"}
    job = jobs.job("greeter")
    assert job["successCount"] == 1 and job["lastSuccess"]
    # logs: the agent's {offset, data} plus the run
    logs = wait_until(lambda: (lambda r: r.status == 200 and r.json())(
        jobs.get("/v1/scheduler/job/greeter/logs")), 20, what="logs")
    assert logs["data"] == "hello-from-greeter extra-arg\n", logs
    assert logs["offset"] == 0 and logs["run_id"] == run["run_id"]
    assert logs["task_id"] == run["task_id"] and logs["state"] == "TASK_FINISHED"
    tail = jobs.get(f"/scheduler/job/greeter/logs?offset=6&run={run['run_id']}").json()
    assert tail["data"] == "from-greeter extra-arg\n" and tail["offset"] == 6
    err = jobs.get("/v1/scheduler/job/greeter/logs?file=stderr").json()
    assert err["data"] == ""
    assert_bad_request(jobs.get("/v1/scheduler/job/greeter/logs?file=/etc/passwd"), "file")
    assert_bad_request(jobs.get("/v1/scheduler/job/greeter/logs?offset=-1"), "offset")
    r = jobs.get("/v1/scheduler/job/greeter/logs?run=999999")
    assert r.status == 404 and "999999" in r.json()["message"]
    # stat (A2.1)
    stat = jobs.get("/v1/scheduler/job/stat/greeter")
    assert stat.status == 200, stat.text
    stat = stat.json()
    assert set(stat["histogram"]) == {"75thPercentile", "95thPercentile", "98thPercentile",
                                      "99thPercentile", "median", "mean", "count"}
    assert stat["histogram"]["count"] == 1
    (h,) = stat["taskStatHistory"]
    assert h["taskId"] == run["task_id"] and h["jobName"] == "greeter"
    assert h["slaveId"] == run["agent_id"] and h["status"] == "Success"
    assert re.match(r"^\d\d/\d\d/\d\d \d\d:\d\d:\d\d$", h["startTime"])
    assert re.match(r"^\d\d/\d\d/\d\d \d\d:\d\d:\d\d$", h["endTime"])
    assert re.match(r"^\d+d\d+h\d+m\d+s$", h["duration"])
    # stats (row 12): jobs that ran, in seconds
    for pct in ("median", "mean", "99thPercentile"):
        rows = jobs.get(f"/v1/scheduler/stats/{pct}").json()
        assert [r["jobNameLabel"] for r in rows] == ["greeter"]
        assert 0 <= rows[0]["time"] < 60
    assert jobs.get("/v1/scheduler/stats/bogus").json() == []
    # mark success (row 10)
    r = jobs.put("/v1/scheduler/job/success/greeter")
    assert r.status == 200 and r.text == "marked job greeter as successful: true"
    assert jobs.job("greeter")["successCount"] == 2


def test_logs_before_any_run_is_404(jobs):
    jobs.add(scheduled("never"))
    r = jobs.get("/v1/scheduler/job/never/logs")
    assert r.status == 404 and r.json()["status"] == "Not Found"
    assert jobs.runs("never") == []
    stat = jobs.get("/v1/scheduler/job/stat/never").json()
    assert stat["histogram"]["count"] == 0 and stat["taskStatHistory"] == []


def test_kill_a_running_job(jobs):
    jobs.add(scheduled("sleeper", "sleep 60", retries=0))
    assert jobs.put("/v1/scheduler/job/sleeper").status == 204
    jobs.wait_run("sleeper", {"TASK_RUNNING"})
    wait_until(lambda: jobs.summary()["sleeper"]["state"] == "running", 10,
               what="summary state running")
    assert "node,sleeper,fresh,running" in jobs.get("/v1/scheduler/graph/csv").text
    r = jobs.delete("/v1/scheduler/task/kill/sleeper")
    assert r.status == 204, r.text
    run = jobs.wait_run("sleeper", {"TASK_KILLED"}, timeout=30)
    assert run["end"] is not None
    wait_until(lambda: jobs.summary()["sleeper"]["state"] == "idle", 10, what="idle again")


def test_delete_kills_the_running_task(jobs):
    jobs.add(scheduled("doomed", "sleep 60", retries=0))
    assert jobs.put("/scheduler/job/doomed").status == 204
    run = jobs.wait_run("doomed", {"TASK_RUNNING"})
    assert jobs.delete("/scheduler/job/doomed").status == 204
    assert "doomed" not in jobs.summary()

    def task_gone():
        st = http("GET", jobs.cluster.url("/master/tasks"), auth=jobs.cluster.auth).json()
        return all(t["id"] != run["task_id"] or t["state"] in TERMINAL for t in st["tasks"])
    wait_until(task_gone, 30, what="the deleted job's task killed")


# ---- the CLI ----

def cli(jobs, *args, stdin=None, timeout=60):
    env = dict(os.environ, AGORA_JOBS=f"127.0.0.1:{jobs.port}")
    return subprocess.run([AGORA, "job"] + list(args), capture_output=True, text=True,
                          input=stdin, timeout=timeout, env=env)


def explain(r):
    return f"rc={r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"


def test_cli_round_trip(jobs):
    path = jobs.cluster.write("hello.json", json.dumps(
        scheduled("hello", "echo hi-from-cli", retries=0)))
    r = cli(jobs, "add", path)
    assert r.returncode == 0 and "hello" in r.stdout, explain(r)
    r = cli(jobs, "add", "-", stdin=json.dumps(dependent("after-hello", ["hello"])))
    assert r.returncode == 0, explain(r)
    r = cli(jobs, "ls")
    assert r.returncode == 0, explain(r)
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "STATE", "SCHEDULE/PARENTS", "PENDING"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["hello"][1:4] == ["fresh", "idle", FUTURE]
    assert rows["after-hello"][1:4] == ["fresh", "idle", "after"]
    assert "hello" in rows["after-hello"][4]
    r = cli(jobs, "run", "hello", "--arguments=with args")
    assert r.returncode == 0, explain(r)
    jobs.wait_run("hello")
    jobs.wait_run("after-hello")  # the child ran after the parent's success
    r = cli(jobs, "runs", "hello")
    assert r.returncode == 0, explain(r)
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["RUN", "TASK", "AGENT", "START", "END", "STATE", "EXIT",
                                "MESSAGE"]
    assert "TASK_FINISHED" in lines[1] and ":hello:with args" in lines[1], r.stdout
    r = wait_until(lambda: (lambda x: x.returncode == 0 and x)(cli(jobs, "logs", "hello")),
                   20, what="agora job logs")
    assert r.stdout == "hi-from-cli with args\n", explain(r)
    r = cli(jobs, "logs", "hello", "--stderr")
    assert r.returncode == 0 and r.stdout == "", explain(r)
    r = cli(jobs, "rm", "after-hello")
    assert r.returncode == 0, explain(r)
    r = cli(jobs, "rm", "hello")
    assert r.returncode == 0, explain(r)
    assert jobs.summary() == {}


def test_cli_logs_follow(jobs):
    jobs.add(scheduled("counter", "for i in 1 2 3; do echo $i; sleep 0.3; done", retries=0))
    env = dict(os.environ, AGORA_JOBS=f"127.0.0.1:{jobs.port}")
    follower = subprocess.Popen([AGORA, "job", "logs", "counter", "-f"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env)
    try:
        time.sleep(0.5)  # following starts before the run exists
        assert cli(jobs, "run", "counter").returncode == 0
        out, err = follower.communicate(timeout=60)
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()
    assert follower.returncode == 0, f"{out}\n{err}"
    assert out == "1\n2\n3\n", f"{out!r}\n{err}"
    assert jobs.runs("counter")[0]["state"] == "TASK_FINISHED"


def test_cli_errors(jobs):
    r = cli(jobs, "rm", "no-such-job")
    assert r.returncode == 1 and "no-such-job" in r.stderr and "not found" in r.stderr, \
        explain(r)
    bad = jobs.cluster.write("bad.json", json.dumps(scheduled("bad", schedule="FOO")))
    r = cli(jobs, "add", bad)
    assert r.returncode == 1 and "Cannot parse schedule 'FOO'" in r.stderr, explain(r)
    notjson = jobs.cluster.write("notjson.json", "{oops")
    r = cli(jobs, "add", notjson)
    assert r.returncode == 1 and "notjson.json" in r.stderr, explain(r)
    r = cli(jobs, "add", jobs.cluster.path("missing.json"))
    assert r.returncode == 1 and "missing.json" in r.stderr, explain(r)
    r = cli(jobs, "run", "bad name")  # the service alone judges names
    assert r.returncode == 1 and "Job 'bad name' not found" in r.stderr, explain(r)
    r = cli(jobs, "frobnicate")
    assert r.returncode == 2 and "unknown verb" in r.stderr, explain(r)
    r = cli(jobs, "logs", "no-such-job")
    assert r.returncode == 1 and "not found" in r.stderr, explain(r)
    r = run_agora("job", "ls", f"--jobs=127.0.0.1:{free_port()}")
    assert r.returncode == 1 and "cannot reach" in r.stderr, r.stderr
    r = run_agora("job", "--help")
    assert r.returncode == 0 and "logs NAME" in r.stdout
