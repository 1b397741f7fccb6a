"""The spine: master and agent register with authentication, survive
restarts of either side, and refuse what they should refuse."""
import json
import os
import signal
import subprocess
import time

from conftest import (AGORA, SEED, SEED_PRINCIPAL, SEED_SECRET, free_port, http,
                      run_agora, wait_until)


def test_agent_registers_with_seed_credentials(cluster):
    cluster.master()
    cluster.agent()
    (agent,) = cluster.wait_agents(1)
    res = agent["resources"]
    assert res["cpus"] == 2 and res["mem"] == 1024 and res["disk"] == 2048
    assert res["gpus"] == 0
    assert res["ports"] == "[31000-31100]"
    assert agent["id"].startswith(cluster.state()["id"] + "-S")
    assert agent["hostname"]
    assert agent["pid"].startswith("slave(1)@127.0.0.1:")


def test_wrong_secret_keeps_agent_out_and_says_why(cluster):
    master = cluster.master()
    bad = cluster.write("bad-credential", f"{SEED_PRINCIPAL} not-the-secret\n")
    agent = cluster.agent(credential=bad)
    master.wait_log(f"principal '{SEED_PRINCIPAL}': wrong secret")
    agent.wait_log(f"the master refused authentication for principal '{SEED_PRINCIPAL}'")
    # the agent keeps retrying with back-off, and stays out: refused again on its retry
    agent.wait_log("retrying in")
    wait_until(lambda: master.log().count(f"principal '{SEED_PRINCIPAL}': wrong secret") >= 2,
               what="the retry refused too")
    assert cluster.state()["slaves"] == []
    assert agent.alive()


def test_unknown_principal_is_refused(cluster):
    master = cluster.master()
    cred = cluster.write("cred", '{"principal": "intruder", "secret": "x"}')
    cluster.agent(credential=cred)
    master.wait_log("principal 'intruder' is not in --credentials")
    assert cluster.state()["slaves"] == []


def test_agent_without_credential_is_refused(cluster):
    master = cluster.master()
    cluster.spawn("agent", ["agent", f"--master=127.0.0.1:{cluster.master_port}",
                            "--ip=127.0.0.1", f"--port={free_port()}",
                            f"--work_dir={cluster.path('agent')}",
                            "--no-authenticate_http_readonly",
                            "--no-authenticate_http_readwrite",
                            "--registration_backoff_factor=100ms"])
    master.wait_log("no credentials presented")
    assert cluster.state()["slaves"] == []


def test_master_restart_agent_reregisters_with_same_id(cluster):
    master = cluster.master()
    agent = cluster.agent()
    (before,) = cluster.wait_agents(1)
    master.kill(signal.SIGKILL)
    master2 = cluster.master(name="master2")
    # right after the restart the agent is known from the registry
    (after,) = cluster.wait_agents(1)
    assert after["id"] == before["id"]
    assert after["resources"] == before["resources"]
    assert "reregistered_time" in after
    agent.wait_log("re-registered with master")
    master2.wait_log(f"agent {before['id']}")


def test_recovered_agents_listed_until_they_come_back(cluster):
    master = cluster.master()
    agent = cluster.agent()
    (before,) = cluster.wait_agents(1)
    agent.kill()
    master.kill()
    cluster.master(name="master2")
    st = cluster.state()
    assert [s["id"] for s in st["recovered_slaves"]] == [before["id"]]
    assert st["slaves"] == []


def test_agent_restart_keeps_id(cluster):
    cluster.master()
    agent = cluster.agent()
    (before,) = cluster.wait_agents(1)
    # the master lists it before the agent has checkpointed its id: wait for that
    agent.wait_log(f"as agent {before['id']}")
    agent.kill(signal.SIGKILL)
    agent2 = cluster.agent(port=agent.port, work_dir=cluster.path("agent"), name="agent2")
    agent2.wait_log(f"recovered agent id {before['id']}")
    wait_until(lambda: [s for s in cluster.active_agents() if s["id"] == before["id"]
                        and s.get("reregistered_time")], what="re-registration")
    assert len(cluster.state()["slaves"]) == 1


def test_agent_restart_with_new_resources_keeps_id_and_logs_it(cluster):
    master = cluster.master()
    agent = cluster.agent()
    (before,) = cluster.wait_agents(1)
    agent.wait_log(f"as agent {before['id']}")  # its id checkpointed
    agent.stop()
    agent2 = cluster.agent(port=agent.port, work_dir=cluster.path("agent"), name="agent2",
                           resources="cpus:3;mem:2048;disk:2048;ports:[31000-31100]")
    agent2.wait_log("resources changed since agent")
    agent2.wait_log("re-registering under the same id with the new resources")
    after = wait_until(lambda: [s for s in cluster.active_agents()
                                if s["resources"]["cpus"] == 3], what="new resources")[0]
    assert after["id"] == before["id"]
    assert after["resources"]["mem"] == 2048
    master.wait_log("re-registers with changed resources")


def test_master_marks_silent_agent_disconnected(cluster):
    master = cluster.master()
    agent = cluster.agent()
    (a,) = cluster.wait_agents(1)
    os.kill(agent.pid, signal.SIGSTOP)
    try:
        master.wait_log(f"agent {a['id']}", timeout=5)
        master.wait_log("missed a ping", timeout=10)
        master.wait_log("(ping timeout)", timeout=10)
        wait_until(lambda: cluster.active_agents() == [], what="agent inactive")
        snap = cluster.get("/metrics/snapshot").json()
        assert snap["master/slaves_unreachable"] == 1
    finally:
        os.kill(agent.pid, signal.SIGCONT)
    # once it runs again it notices the dead stream and comes back
    cluster.wait_agents(1, timeout=20)


def test_agent_kill_marks_it_disconnected_at_once(cluster):
    master = cluster.master()
    agent = cluster.agent()
    (a,) = cluster.wait_agents(1)
    agent.kill()
    master.wait_log(f"agent {a['id']} (127.0.0.1:{agent.port}) disconnected: connection closed",
                    timeout=5)
    st = cluster.state()
    assert [s["active"] for s in st["slaves"]] == [False]
    assert st["deactivated_slaves"] == 1


def test_readonly_endpoints_need_credentials(cluster):
    cluster.master()
    r = cluster.get("/master/state", auth=None)
    assert r.status == 401
    assert r.headers["WWW-Authenticate"] == 'Basic realm="mesos-master-readonly"'
    assert cluster.get("/master/state", auth=(SEED_PRINCIPAL, "wrong")).status == 401
    assert cluster.get("/master/state", auth=("nobody", SEED_SECRET)).status == 401
    assert cluster.get("/metrics/snapshot", auth=None).status == 401
    assert cluster.get("/health", auth=None).status == 200
    assert cluster.get("/master/state").status == 200
    assert cluster.get("/master/state.json").status == 200


def test_readonly_auth_can_be_turned_off(cluster):
    cluster.master("--no-authenticate_http_readonly")
    assert cluster.get("/master/state", auth=None).status == 200


def test_state_jsonp_redirect_metrics_flags(cluster):
    cluster.master("--hostname=127.0.0.1")
    cluster.agent()
    cluster.wait_agents(1)
    r = cluster.get("/master/state?jsonp=cb")
    assert r.headers["Content-Type"] == "text/javascript"
    assert r.text.startswith("cb({") and r.text.endswith("})")
    r = cluster.get("/master/redirect", auth=None)
    assert r.status == 307
    assert r.headers["Location"] == f"//127.0.0.1:{cluster.master_port}"
    snap = cluster.get("/metrics/snapshot").json()
    assert snap["master/elected"] == 1
    assert snap["master/slaves_active"] == 1
    assert snap["master/cpus_total"] == 2
    flags = cluster.get("/master/flags").json()["flags"]
    assert flags["port"] == str(cluster.master_port)
    assert flags["authenticate_agents"] == "true"


def test_agent_state_endpoint(cluster):
    cluster.master()
    agent = cluster.agent()
    (a,) = cluster.wait_agents(1)
    url = f"http://127.0.0.1:{agent.port}/state"
    assert http("GET", url).status == 401
    st = wait_until(lambda: http("GET", url, auth=(SEED_PRINCIPAL, SEED_SECRET)).json())
    assert st["id"] == a["id"]
    assert st["resources"]["cpus"] == 2
    assert http("GET", f"http://127.0.0.1:{agent.port}/slave(1)/state",
                auth=(SEED_PRINCIPAL, SEED_SECRET)).status == 200


def test_unknown_flag_is_a_clear_error():
    r = run_agora("master", "--no_such_flag=1")
    assert r.returncode == 1
    assert "unknown flag '--no_such_flag'" in r.stderr
    r = run_agora("agent", "--bogus")
    assert r.returncode == 1
    assert "unknown flag '--bogus'" in r.stderr


def test_malformed_credentials_file_names_file_and_position(tmp_path):
    bad = tmp_path / "creds.json"
    bad.write_text('{\n  "credentials": [\n    {"principal": "a" "secret": "b"}\n  ]\n}\n')
    r = run_agora("master", f"--credentials={bad}", f"--work_dir={tmp_path}/m",
                  "--check-config")
    assert r.returncode == 1
    assert str(bad) in r.stderr
    assert "line 3" in r.stderr
    text = tmp_path / "creds.txt"
    text.write_text("alice secret1\nbob secret2 extra\n")
    r = run_agora("master", f"--credentials={text}", f"--work_dir={tmp_path}/m",
                  "--check-config")
    assert r.returncode == 1
    assert f"{text}: line 2" in r.stderr
    r = run_agora("agent", "--master=127.0.0.1:1",
                  f"--credential={SEED}/credential-secret-only", f"--work_dir={tmp_path}/a",
                  "--check-config")
    assert r.returncode == 1
    assert "credential-secret-only: line 1" in r.stderr


def test_master_refuses_to_start_without_credentials(tmp_path):
    r = run_agora("master", f"--work_dir={tmp_path}/m", "--check-config")
    assert r.returncode == 1
    assert "no credentials were given; give --credentials=FILE" in r.stderr


def test_seed_config_files_are_accepted(tmp_path):
    # the seed's /etc/default files, with the paths pointing at our copies
    master_cfg = tmp_path / "default-mesos-master"
    text = open(os.path.join(SEED, "default-mesos-master")).read()
    text = text.replace("/etc/mesos/master-credentials.json",
                        os.path.join(SEED, "master-credentials.json"))
    text = text.replace("/etc/mesos/master-acls.json", os.path.join(SEED, "master-acls.json"))
    master_cfg.write_text(text)
    r = run_agora("master", f"--config={master_cfg}", f"--work_dir={tmp_path}/m",
                  "--check-config")
    assert r.returncode == 0, r.stderr
    agent_cfg = tmp_path / "default-mesos-slave"
    text = open(os.path.join(SEED, "default-mesos-slave")).read()
    text = text.replace("/etc/mesos/slave-executor-env.json",
                        os.path.join(SEED, "slave-executor-env.json"))
    text = text.replace("/etc/mesos/slave-credential-pair",
                        os.path.join(SEED, "slave-credential-pair"))
    agent_cfg.write_text(text)
    r = run_agora("agent", f"--config={agent_cfg}", "--master=127.0.0.1:5050",
                  f"--work_dir={tmp_path}/a", "--check-config")
    assert r.returncode == 0, r.stderr


def test_flags_from_environment(cluster):
    port = free_port()
    cluster.master_port = port
    cluster.spawn("master", ["master", "--ip=127.0.0.1", f"--work_dir={cluster.path('m')}",
                             f"--credentials={SEED}/master-credentials.json"],
                  env={"MESOS_PORT": str(port), "AGORA_CLUSTER": "envcluster"})
    st = wait_until(lambda: cluster.state())
    assert st["cluster"] == "envcluster"


def test_zk_master_url_is_refused_with_a_reason(tmp_path):
    r = run_agora("agent", "--master=zk://localhost:2181/mesos", f"--work_dir={tmp_path}/a",
                  f"--credential={SEED}/slave-credential-pair", "--check-config")
    assert r.returncode == 1
    assert "ZooKeeper" in r.stderr


def test_help_lists_every_flag():
    r = run_agora("master", "--help")
    assert r.returncode == 0
    for flag in ("--credentials", "authenticate_agents", "--agent_ping_timeout", "--port"):
        assert flag in r.stdout
    r = run_agora("agent", "--help")
    assert "--resources" in r.stdout and "--credential" in r.stdout


def test_agora_up_prints_urls_and_serves_state(tmp_path):
    mport, aport, jport = free_port(), free_port(), free_port()
    p = subprocess.Popen([AGORA, "up", f"--work_dir={tmp_path}/up", f"--master_port={mport}",
                          f"--agent_port={aport}", f"--jobs_port={jport}",
                          "--resources=cpus:1;mem:512;disk:512"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    out = ""
    try:
        deadline = time.monotonic() + 30
        while "Ctrl-C stops everything" not in out and time.monotonic() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            out += line
        assert f"http://127.0.0.1:{mport}/" in out, out
        assert "principals agora (you" in out
        assert f"secrets    in {tmp_path}/up/credentials/" in out
        secret = open(f"{tmp_path}/up/credentials/operator.secret").read().strip()
        st = http("GET", f"http://127.0.0.1:{mport}/master/state", auth=("agora", secret)).json()
        assert len(st["slaves"]) == 1 and st["slaves"][0]["resources"]["cpus"] == 1
        assert http("GET", f"http://127.0.0.1:{mport}/master/state").status == 401
        # agora jobs runs too, behind the operator's credentials
        assert f"jobs       http://127.0.0.1:{jport}/" in out
        jobs = f"http://127.0.0.1:{jport}/v1/scheduler/jobs"
        wait_until(lambda: http("GET", jobs, auth=("agora", secret)).status == 200)
        assert http("GET", jobs).status == 401
        # the printed execute example works as pasted
        line = [l for l in out.splitlines() if " execute " in l][0].strip().rstrip("\\")
        nxt = out.splitlines()[out.splitlines().index([l for l in out.splitlines()
                                                        if " execute " in l][0]) + 1]
        r = subprocess.run(line + " " + nxt.strip(), shell=True, capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 0 and "TASK_FINISHED" in r.stdout, r.stdout + r.stderr
    finally:
        p.send_signal(signal.SIGINT)
        rest, _ = p.communicate(timeout=20)
    assert p.returncode == 0, out + rest
    assert "stopped" in rest
