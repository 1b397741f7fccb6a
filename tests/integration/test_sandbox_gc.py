"""Sandbox garbage collection on the agent (issue 9.14; docs/sandbox-gc.md):
Mesos' --gc_delay, --disk_watch_interval and --gc_disk_headroom. A finished
task's sandbox goes after --gc_delay while a running task's stays; a full
disk (here: a headroom of 100%) removes finished sandboxes early; a restarted
agent finds finished sandboxes again and removes them on their schedule."""
import os

import pytest

from conftest import http, wait_until
from scheduler import Scheduler
from test_tasks_agent import (AUTH, SEED_PRINCIPAL, TASK_USER, kill_leftovers, launch,
                              sandbox_of)


class Env:
    def __init__(self, cluster, agent):
        self.cluster, self.agent = cluster, agent
        self.work_dir = cluster.path("agent")
        self.sched = Scheduler(cluster.master_port, auth=AUTH, user=TASK_USER,
                               principal=SEED_PRINCIPAL, failover_timeout=60)
        assert self.sched.subscribe() == 200


@pytest.fixture
def start(cluster):
    envs = []

    def _start(*agent_flags):
        cluster.master()
        agent = cluster.agent(*agent_flags)
        cluster.wait_agents(1)
        e = Env(cluster, agent)
        envs.append(e)
        return e
    yield _start
    for e in envs:
        e.sched.close()
        kill_leftovers(e.work_dir)


def metrics(e):
    r = http("GET", f"http://127.0.0.1:{e.agent.port}/metrics/snapshot", auth=AUTH)
    assert r.status == 200, r.text
    return r.json()


def executor_dir(sandbox):
    return os.path.dirname(os.path.dirname(sandbox))  # .../executors/<eid>


def test_finished_sandbox_goes_after_gc_delay_a_running_one_stays(start):
    e = start("--gc_delay=2secs")
    launch(e, "long", "sleep 100")
    e.sched.wait_update("long", "TASK_RUNNING")
    long_box = sandbox_of(e, "long")
    launch(e, "short", "echo hi")
    e.sched.wait_update("short", "TASK_FINISHED")
    short_box = sandbox_of(e, "short")
    e.agent.wait_log(f"gc: removed sandbox {short_box}", timeout=60)
    assert not os.path.exists(short_box)
    assert not os.path.exists(executor_dir(short_box))  # empty executor directory too
    # the running task's sandbox (and its framework's directory) stayed
    assert os.path.isdir(long_box)
    assert os.path.isfile(os.path.join(long_box, "stdout"))
    # once it ends, it goes as well, and the framework's directory with it
    e.sched.kill("long")
    e.sched.wait_update("long", "TASK_KILLED")
    e.agent.wait_log(f"gc: removed sandbox {long_box}", timeout=60)
    e.agent.wait_log("gc: removed the directory of framework", timeout=30)
    assert not os.path.exists(long_box)
    assert not os.path.exists(os.path.dirname(executor_dir(long_box)))  # frameworks/<fid>
    m = metrics(e)
    assert m["gc/path_removals_succeeded"] == 2 and m["gc/path_removals_failed"] == 0
    assert m["gc/path_removals_pending"] == 0


def test_full_disk_removes_finished_sandboxes_early(start):
    # a headroom of 100%: max allowed age = 1 week * max(0, 1 - 1 - usage) = 0
    e = start("--gc_delay=1weeks", "--gc_disk_headroom=1", "--disk_watch_interval=200ms")
    launch(e, "early", "echo bye")
    e.sched.wait_update("early", "TASK_FINISHED")
    box = sandbox_of(e, "early")
    e.agent.wait_log("max allowed sandbox age 0.0 secs; removing 1 sandbox(es) early",
                     timeout=60)
    e.agent.wait_log(f"gc: removed sandbox {box}", timeout=60)
    assert not os.path.exists(box)


def test_restarted_agent_finds_finished_sandboxes_again(start, cluster):
    e = start("--gc_delay=1weeks")
    launch(e, "before", "echo before")
    e.sched.wait_update("before", "TASK_FINISHED")
    box = sandbox_of(e, "before")
    # acknowledged (its checkpoint went): the sandbox is scheduled a week from now
    wait_until(lambda: not os.path.exists(box.replace(e.work_dir + "/slaves/",
                                                      e.work_dir + "/meta/slaves/")),
               what="checkpoint removal")
    e.agent.stop()
    assert os.path.isdir(box)
    again = cluster.agent("--gc_delay=3secs", port=e.agent.port, work_dir=e.work_dir,
                          name="agent-again")
    again.wait_log("gc: 1 finished sandbox(es) found under", timeout=30)
    again.wait_log(f"gc: removed sandbox {box}", timeout=60)
    assert not os.path.exists(box)


def test_gc_disk_headroom_is_checked(cluster):
    from conftest import run_agora
    cluster.master()
    r = run_agora("agent", f"--master=127.0.0.1:{cluster.master_port}",
                  f"--work_dir={cluster.path('bad-agent')}", "--gc_disk_headroom=1.5",
                  "--check-config")
    assert r.returncode != 0
    assert "--gc_disk_headroom: expected a fraction between 0 and 1" in r.stderr
