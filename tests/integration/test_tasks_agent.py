"""Tasks end to end, agent side: a real master and agent on loopback and
a v1 scheduler (scheduler.py) launching command tasks. Checks the status
sequence, the sandbox, the environment, user switching, kills, what an
agent restart (kill -9) does to running tasks and to unacknowledged
updates, and that no agent descriptor leaks into a task.

The fixtures (env, cluster) are conftest.py's: every test's leftovers
(supervisors live in their own sessions and outlive the agent by design)
are killed when it ends, pass or fail.
"""
import glob
import json
import os
import pwd
import signal
import time

import pytest

from conftest import (AUTH, IS_ROOT, SEED_PRINCIPAL, TASK_USER, agent_state,  # noqa: F401
                      env, executor_of, group_members, kill_leftovers, launch, pid_alive,
                      read, sandbox_of, wait_until)
from scheduler import Scheduler, task_info


def assert_ran_once_then(states, terminal):
    """An agent restart may resend an update whose acknowledgement was still
    in flight when the agent died (updates are delivered at least once, in
    order; the next one is sent only after the head was acknowledged, which
    is checkpointed first): STARTING once, RUNNING one or more times, then
    the terminal state."""
    assert states[0] == "TASK_STARTING" and states[-1] == terminal, states
    assert states[1:-1] and set(states[1:-1]) == {"TASK_RUNNING"}, states


def test_hello_task_starts_runs_finishes_and_writes_its_sandbox(env):
    launch(env, "hello", "echo hello from $MESOS_TASK_ID")
    fin = env.sched.wait_update("hello", "TASK_FINISHED")
    assert env.sched.states("hello") == ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]
    assert fin["source"] == "SOURCE_EXECUTOR"
    assert fin["message"] == "Command exited with status 0"
    assert fin["executor_id"]["value"] == "hello"
    assert fin["agent_id"]["value"]
    assert fin["container_status"]["container_id"]["value"]
    assert fin["container_status"]["executor_pid"] > 1
    assert isinstance(fin["timestamp"], float)
    sandbox = sandbox_of(env, "hello")
    assert os.path.isabs(sandbox)
    assert read(os.path.join(sandbox, "stdout")) == "hello from hello\n"
    assert os.path.islink(os.path.join(os.path.dirname(sandbox), "latest"))
    # acknowledged terminal update: checkpoint gone, sandbox kept, task completed in /state
    wait_until(lambda: not glob.glob(os.path.join(env.work_dir, "meta/slaves/*/frameworks/*/"
                                                                "executors/hello")),
               what="checkpoint removal")
    assert os.path.isdir(sandbox)
    ex = executor_of(env, "hello")
    assert ex["completed_tasks"][0]["state"] == "TASK_FINISHED"
    assert [s["state"] for s in ex["completed_tasks"][0]["statuses"]] == [
        "TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]


def test_nonzero_exit_is_task_failed_with_the_status(env):
    launch(env, "three", "echo oops >&2; exit 3")
    st = env.sched.wait_update("three", "TASK_FAILED")
    assert st["message"] == "Command exited with status 3"
    assert st["source"] == "SOURCE_EXECUTOR"
    assert env.sched.states("three") == ["TASK_STARTING", "TASK_RUNNING", "TASK_FAILED"]
    assert read(os.path.join(sandbox_of(env, "three"), "stderr")) == "oops\n"


def test_kill_ends_the_whole_process_group(env):
    launch(env, "sleeper", "echo $$ > pid; sleep 100 & sleep 100; wait")
    env.sched.wait_update("sleeper", "TASK_RUNNING")
    sandbox = sandbox_of(env, "sleeper")
    pgid = int(wait_until(lambda: read(os.path.join(sandbox, "pid")).strip(), what="pid file"))
    wait_until(lambda: len(group_members(pgid)) >= 3, what="the task's processes")
    st, text = env.sched.kill("sleeper")
    assert st == 202, text
    killed = env.sched.wait_update("sleeper", "TASK_KILLED")
    # SIGTERM was enough: an escalation would have said "Killed"
    assert killed["message"] == "Command terminated with signal Terminated"
    assert group_members(pgid) == []
    assert not pid_alive(killed["container_status"]["executor_pid"])


def test_kill_escalates_to_sigkill_after_the_grace_period(env):
    launch(env, "stubborn", "trap '' TERM; echo $$ > pid; sleep 100 & while :; do sleep 0.1; done")
    env.sched.wait_update("stubborn", "TASK_RUNNING")
    sandbox = sandbox_of(env, "stubborn")
    pgid = int(wait_until(lambda: read(os.path.join(sandbox, "pid")).strip(), what="pid file"))
    t0 = time.monotonic()
    env.sched.kill("stubborn", grace_ns=int(0.5e9))
    killed = env.sched.wait_update("stubborn", "TASK_KILLED")
    assert time.monotonic() - t0 >= 0.5
    assert "Killed" in killed["message"]
    assert group_members(pgid) == []


def test_task_keeps_running_across_agent_kill_9_and_finishes(env):
    # the task waits for the test's go-ahead, so it is surely running across the restart
    launch(env, "survivor", "echo $$ > pid; while [ ! -e go ]; do sleep 0.05; done; echo done")
    env.sched.wait_update("survivor", "TASK_RUNNING")
    sandbox = sandbox_of(env, "survivor")
    pid = int(wait_until(lambda: read(os.path.join(sandbox, "pid")).strip(), what="pid file"))
    env.agent.kill(signal.SIGKILL)  # returns once the agent is reaped
    assert pid_alive(pid), "the task died with the agent"
    agent2 = env.cluster.agent(port=env.agent.port, work_dir=env.work_dir, name="agent2")
    agent2.wait_log("re-attached to task survivor")
    env.agent = agent2
    assert pid_alive(pid)
    open(os.path.join(sandbox, "go"), "w").close()
    fin = env.sched.wait_update("survivor", "TASK_FINISHED", timeout=20)
    assert fin["message"] == "Command exited with status 0"
    assert read(os.path.join(sandbox, "stdout")) == "done\n"
    # the same process ran it throughout: it was re-attached, never launched again
    assert read(os.path.join(sandbox, "pid")).strip() == str(pid)
    assert_ran_once_then(env.sched.states("survivor"), "TASK_FINISHED")
    assert "launching task survivor" not in agent2.log()


def test_task_that_ended_while_the_agent_was_down_reports_its_real_status(env):
    # the task ends only when the test says so: after the agent is gone
    launch(env, "quick", "while [ ! -e go ]; do sleep 0.05; done; exit 7")
    running = env.sched.wait_update("quick", "TASK_RUNNING")
    supervisor = running["container_status"]["executor_pid"]
    sandbox = sandbox_of(env, "quick")
    env.agent.kill(signal.SIGKILL)
    open(os.path.join(sandbox, "go"), "w").close()
    # the supervisor writes exit_status and exits: the task ended while no agent ran
    wait_until(lambda: not pid_alive(supervisor), what="the supervisor's exit")
    env.agent = env.cluster.agent(port=env.agent.port, work_dir=env.work_dir, name="agent2")
    st = env.sched.wait_update("quick", "TASK_FAILED", timeout=20)
    assert st["message"] == "Command exited with status 7"
    assert st["source"] == "SOURCE_EXECUTOR"  # the real status, not REASON_AGENT_RESTARTED
    assert_ran_once_then(env.sched.states("quick"), "TASK_FAILED")


def test_supervisor_gone_while_agent_down_is_task_failed(env):
    launch(env, "orphan", "echo $$ > pid; sleep 100; true")
    running = env.sched.wait_update("orphan", "TASK_RUNNING")
    sup = running["container_status"]["executor_pid"]
    sandbox = sandbox_of(env, "orphan")
    pgid = int(wait_until(lambda: read(os.path.join(sandbox, "pid")).strip(), what="pid file"))
    env.agent.kill(signal.SIGKILL)
    os.kill(sup, signal.SIGKILL)
    wait_until(lambda: not pid_alive(sup), what="supervisor gone")
    env.agent = env.cluster.agent(port=env.agent.port, work_dir=env.work_dir, name="agent2")
    st = env.sched.wait_update("orphan", "TASK_FAILED", timeout=20)
    assert st["source"] == "SOURCE_AGENT"
    assert st["reason"] == "REASON_AGENT_RESTARTED"
    assert "supervisor disappeared" in st["message"]
    wait_until(lambda: group_members(pgid) == [], what="the orphaned task group killed")


def agent_task(e, task_id):
    """The task as the agent's /state shows it (live or completed)."""
    ex = executor_of(e, task_id)
    for t in (ex or {}).get("tasks", []) + (ex or {}).get("completed_tasks", []):
        if t["id"] == task_id:
            return t
    raise AssertionError(f"agent /state has no task {task_id}")


def test_unacknowledged_updates_are_resent_after_an_agent_restart(env):
    s2 = Scheduler(env.cluster.master_port, auth=AUTH, user=TASK_USER, name="no-acks",
                   principal=SEED_PRINCIPAL, failover_timeout=60, auto_ack=False)
    env.sched.close()
    assert s2.subscribe() == 200
    env.sched = s2
    offer = s2.wait_offer()
    s2.launch(offer, [task_info("unacked", offer, "echo hi")], refuse_seconds=0.1)
    first = s2.wait_update("unacked", "TASK_STARTING")
    # the task ended on the agent: RUNNING and FINISHED wait behind the unacknowledged head
    wait_until(lambda: agent_task(env, "unacked")["state"] == "TASK_FINISHED",
               what="the agent's view: unacked finished")
    assert [u["state"] for u in agent_task(env, "unacked")["statuses"]] == [
        "TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]
    # only the head is sent until it is acknowledged
    assert s2.states("unacked") == ["TASK_STARTING"]
    env.agent.kill(signal.SIGKILL)
    env.agent = env.cluster.agent(port=env.agent.port, work_dir=env.work_dir, name="agent2")
    wait_until(lambda: s2.states("unacked").count("TASK_STARTING") >= 2, timeout=20,
               what="TASK_STARTING resent after the restart")
    again = [u for u in s2.updates if u["task_id"]["value"] == "unacked"][1]
    assert again["uuid"] == first["uuid"]
    s2.acknowledge(first)
    running = s2.wait_update("unacked", "TASK_RUNNING")
    s2.acknowledge(running)
    fin = s2.wait_update("unacked", "TASK_FINISHED")
    s2.acknowledge(fin)


def test_environment_has_mesos_variables_and_the_executor_env_file(cluster, monkeypatch):
    env_file = cluster.write("env.json", json.dumps({
        "PATH": "/usr/local/bin:/usr/bin:/bin", "LD_LIBRARY_PATH": "/opt/lib",
        "http_proxy": "http://proxy:3128"}))
    cluster.master()
    monkeypatch.setenv("AGORA_TEST_SECRET", "agent-only")
    agent = cluster.agent(f"--executor_environment_variables=file://{env_file}")
    cluster.wait_agents(1)
    s = Scheduler(cluster.master_port, auth=AUTH, user=TASK_USER, principal=SEED_PRINCIPAL)
    assert s.subscribe() == 200
    e = type("Env", (), {"cluster": cluster, "sched": s, "agent": agent})()
    try:
        launch(e, "envy", "env > env.txt", env={"FOO": "bar", "http_proxy": "override"})
        s.wait_update("envy", "TASK_FINISHED")
        sandbox = sandbox_of(e, "envy")
        pairs = dict(line.split("=", 1) for line in read(os.path.join(sandbox, "env.txt"))
                     .splitlines() if "=" in line)
        assert pairs["MESOS_SANDBOX"] == sandbox
        assert pairs["MESOS_DIRECTORY"] == sandbox
        assert pairs["MESOS_FRAMEWORK_ID"] == s.framework_id
        assert pairs["MESOS_EXECUTOR_ID"] == "envy"
        assert pairs["MESOS_TASK_ID"] == "envy"
        assert pairs["MESOS_SLAVE_ID"] == cluster.active_agents()[0]["id"]
        assert pairs["MESOS_AGENT_ENDPOINT"].startswith("127.0.0.1:")
        assert pairs["PATH"] == "/usr/local/bin:/usr/bin:/bin"
        assert pairs["LD_LIBRARY_PATH"] == "/opt/lib"
        assert pairs["FOO"] == "bar"
        assert pairs["http_proxy"] == "override"
        # the agent's own environment is not inherited
        assert "AGORA_TEST_SECRET" not in pairs
    finally:
        s.close()
        kill_leftovers(cluster.path("agent"))


def test_executor_env_with_a_non_string_value_is_a_startup_error(cluster):
    from conftest import run_agora
    bad = cluster.write("bad-env.json", '{"PATH": "/bin", "N": 3}')
    r = run_agora("agent", "--master=127.0.0.1:1", f"--work_dir={cluster.path('w')}",
                  "--no-authenticate_http_readonly", "--no-authenticate_http_readwrite",
                  f"--executor_environment_variables=file://{bad}", "--check-config")
    assert r.returncode != 0
    assert "'N'" in r.stderr and "executor_environment_variables" in r.stderr


def test_default_path_when_the_env_file_has_none(env):
    launch(env, "path", 'echo "$PATH"')
    env.sched.wait_update("path", "TASK_FINISHED")
    assert read(os.path.join(sandbox_of(env, "path"), "stdout")).strip() == \
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@pytest.mark.skipif(not IS_ROOT, reason="user switching needs root")
def test_task_runs_as_its_user(env):
    launch(env, "who", "id -u; id -g", user="nobody")
    env.sched.wait_update("who", "TASK_FINISHED")
    sandbox = sandbox_of(env, "who")
    nobody = pwd.getpwnam("nobody")
    assert read(os.path.join(sandbox, "stdout")).split() == [str(nobody.pw_uid),
                                                             str(nobody.pw_gid)]
    assert os.stat(os.path.join(sandbox, "stdout")).st_uid == nobody.pw_uid
    assert os.stat(sandbox).st_uid == nobody.pw_uid


@pytest.mark.skipif(not IS_ROOT, reason="user switching needs root")
def test_nonexistent_user_is_task_failed_saying_so(env):
    launch(env, "ghost", "true", user="no-such-user-here")
    st = env.sched.wait_update("ghost", "TASK_FAILED")
    assert "user 'no-such-user-here' does not exist on agent" in st["message"]
    assert st["source"] == "SOURCE_AGENT"
    assert st["reason"] == "REASON_CONTAINER_LAUNCH_FAILED"
    assert "TASK_RUNNING" not in env.sched.states("ghost")


def test_no_agent_descriptor_leaks_into_the_task_or_its_supervisor(env):
    launch(env, "fds", "ls /proc/$$/fd; sleep 100")
    running = env.sched.wait_update("fds", "TASK_RUNNING")
    sandbox = sandbox_of(env, "fds")
    wait_until(lambda: read(os.path.join(sandbox, "stdout")), what="fd listing")
    assert read(os.path.join(sandbox, "stdout")).split() == ["0", "1", "2"]
    sup = running["container_status"]["executor_pid"]
    assert sorted(os.listdir(f"/proc/{sup}/fd"), key=int) == ["0", "1", "2"]
    env.sched.kill("fds")
    env.sched.wait_update("fds", "TASK_KILLED")


def test_shell_false_runs_arguments_without_a_shell(env):
    launch(env, "argv", "/bin/echo", shell=False, arguments=["echo", "a  b", "$HOME"])
    env.sched.wait_update("argv", "TASK_FINISHED")
    assert read(os.path.join(sandbox_of(env, "argv"), "stdout")) == "a  b $HOME\n"


def test_missing_executable_is_task_failed(env):
    launch(env, "noexec", "/no/such/binary", shell=False)
    st = env.sched.wait_update("noexec", "TASK_FAILED")
    assert "cannot execute '/no/such/binary'" in st["message"]
    assert st["reason"] == "REASON_CONTAINER_LAUNCH_FAILED"


def test_container_image_is_refused_not_run_on_the_host(env):
    launch(env, "imaged", "touch ran",
           container={"type": "MESOS", "mesos": {"image": {"type": "DOCKER",
                                                          "docker": {"name": "alpine:3"}}}})
    st = env.sched.wait_update("imaged", "TASK_FAILED")
    assert "container images are not supported" in st["message"]
    assert "alpine:3" in st["message"]
    assert st["reason"] == "REASON_CONTAINER_LAUNCH_FAILED"
    assert env.sched.states("imaged") == ["TASK_FAILED"]


def test_teardown_kills_every_task_of_the_framework(env):
    offer = env.sched.wait_offer()
    tasks = [task_info(f"td{i}", offer, "echo $$ > pid; sleep 100") for i in range(3)]
    env.sched.launch(offer, tasks, refuse_seconds=0.1)
    for i in range(3):
        env.sched.wait_update(f"td{i}", "TASK_RUNNING")
    pgids = []
    for i in range(3):
        sandbox = sandbox_of(env, f"td{i}")
        pgids.append(int(wait_until(lambda: read(os.path.join(sandbox, "pid")).strip(),
                                    what="pid file")))
    st, _ = env.sched.call("TEARDOWN")
    assert st == 202
    for pgid in pgids:
        wait_until(lambda: group_members(pgid) == [], what=f"group {pgid} gone")


def test_agent_state_lists_running_tasks_with_their_sandbox(env):
    launch(env, "listed", "sleep 100")
    env.sched.wait_update("listed", "TASK_RUNNING")
    st = agent_state(env)
    (fw,) = st["frameworks"]
    assert fw["id"] == env.sched.framework_id
    assert fw["user"] == TASK_USER and fw["name"] == "test"
    (ex,) = fw["executors"]
    assert ex["id"] == "listed" and ex["source"] == "listed"
    assert os.path.isdir(ex["directory"]) and ex["container"]
    (t,) = ex["tasks"]
    assert t["state"] == "TASK_RUNNING" and t["framework_id"] == fw["id"]
    assert t["slave_id"] == st["id"]
    assert t["resources"]["cpus"] == pytest.approx(0.1)
    assert [s["state"] for s in t["statuses"]] == ["TASK_STARTING", "TASK_RUNNING"]
    env.sched.kill("listed")
    env.sched.wait_update("listed", "TASK_KILLED")
    wait_until(lambda: agent_state(env)["completed_frameworks"] or
               not agent_state(env)["frameworks"][0]["executors"], what="task completed")


def test_kill_while_fetching_ends_the_launch(env):
    import socket
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections, never answers
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/big.tar.gz"
        launch(env, "fetching", "echo never", uris=[{"value": url}])
        env.sched.wait_update("fetching", "TASK_STARTING")
        silent.settimeout(15)
        conn, _ = silent.accept()  # the fetch is under way (and will never get an answer)
        env.sched.kill("fetching")
        st = env.sched.wait_update("fetching", "TASK_KILLED")
        assert st["reason"] == "REASON_TASK_KILLED_DURING_LAUNCH"
        assert "TASK_RUNNING" not in env.sched.states("fetching")
        assert not pid_alive(st["container_status"]["executor_pid"])
    finally:
        silent.close()


def test_fetched_uri_lands_in_the_sandbox(env):
    src = env.cluster.write("payload.txt", "fetched!\n", mode=0o644)
    os.chmod(env.cluster.tmp, 0o755)
    launch(env, "fetched", "cat payload.txt", uris=[{"value": "file://" + src,
                                                    "extract": False}])
    env.sched.wait_update("fetched", "TASK_FINISHED")
    assert read(os.path.join(sandbox_of(env, "fetched"), "stdout")) == "fetched!\n"


def test_recover_cleanup_kills_the_tasks_it_finds(env):
    launch(env, "cleaned", "echo $$ > pid; sleep 100")
    env.sched.wait_update("cleaned", "TASK_RUNNING")
    sandbox = sandbox_of(env, "cleaned")
    pgid = int(wait_until(lambda: read(os.path.join(sandbox, "pid")).strip(), what="pid file"))
    env.agent.kill(signal.SIGKILL)
    env.agent = env.cluster.agent("--recover=cleanup", port=env.agent.port,
                                  work_dir=env.work_dir, name="agent2")
    st = env.sched.wait_update("cleaned", "TASK_KILLED", timeout=20)
    assert st["reason"] == "REASON_AGENT_RESTARTED"
    assert "--recover=cleanup" in st["message"]
    wait_until(lambda: group_members(pgid) == [], what="the task's group gone")


def test_a_dead_spawner_is_replaced(env):
    def spawners():
        with open(f"/proc/{env.agent.pid}/task/{env.agent.pid}/children") as f:
            return [int(p) for p in f.read().split()]
    (first,) = wait_until(spawners, what="the spawner")
    os.kill(first, signal.SIGKILL)
    env.agent.wait_log("the spawner process")
    wait_until(lambda: spawners() and spawners() != [first], what="a new spawner")
    launch(env, "after", "echo still here")
    env.sched.wait_update("after", "TASK_FINISHED")
    assert read(os.path.join(sandbox_of(env, "after"), "stdout")) == "still here\n"


def master_task(e, task_id):
    from conftest import http
    r = http("GET", f"http://127.0.0.1:{e.cluster.master_port}/state", auth=AUTH)
    assert r.status == 200, r.text
    for fw in r.json()["frameworks"]:
        for t in fw["tasks"] + fw["completed_tasks"]:
            if t["id"] == task_id:
                return t
    return None


def test_empty_command_user_is_the_framework_user_on_master_and_agent(env):
    # One rule (core/task_spec.h): "command":{"user":""} is "not set", so the
    # task runs as FrameworkInfo.user; the master authorizes that user and
    # sends it in LAUNCH, and the agent runs the task as it.
    offer = env.sched.wait_offer()
    t = task_info("emptyuser", offer, "id -un")
    t["command"]["user"] = ""
    st, text = env.sched.launch(offer, [t], refuse_seconds=0.1)
    assert st == 202, text
    env.sched.wait_update("emptyuser", "TASK_FINISHED")
    assert read(os.path.join(sandbox_of(env, "emptyuser"), "stdout")).strip() == TASK_USER
    assert master_task(env, "emptyuser")["user"] == TASK_USER
    ex = executor_of(env, "emptyuser")
    assert (ex["tasks"] + ex["completed_tasks"])[0]["user"] == TASK_USER


def test_task_without_any_user_is_refused_by_the_master_saying_so(cluster):
    cluster.master()
    cluster.agent()
    cluster.wait_agents(1)
    s = Scheduler(cluster.master_port, auth=AUTH, user="", principal=SEED_PRINCIPAL)
    assert s.subscribe() == 200
    try:
        offer = s.wait_offer()
        t = task_info("nouser", offer, "true")
        t["command"]["user"] = ""
        st, text = s.launch(offer, [t], refuse_seconds=0.1)
        assert st == 202, text
        up = s.wait_update("nouser", "TASK_ERROR")
        assert "no user" in up["message"]
        assert up["source"] == "SOURCE_MASTER"
        assert s.states("nouser") == ["TASK_ERROR"]
    finally:
        s.close()


def test_container_volumes_are_refused_naming_the_field(env):
    offer = env.sched.wait_offer()
    t = task_info("vol", offer, "cat etc-host/hostname",
                  container={"type": "MESOS", "volumes": [
                      {"container_path": "etc-host", "host_path": "/etc", "mode": "RO"}]})
    st, text = env.sched.launch(offer, [t], refuse_seconds=0.1)
    assert st == 202, text
    up = env.sched.wait_update("vol", "TASK_ERROR")
    assert up["message"].startswith("container.volumes:"), up["message"]
    assert up["reason"] == "REASON_TASK_INVALID"
    assert env.sched.states("vol") == ["TASK_ERROR"]
