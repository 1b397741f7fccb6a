"""Tasks end to end, master side: what happens to tasks when an agent dies,
when a framework reconnects within its failover_timeout, when it comes back
with unacknowledged updates pending, and when the master restarts."""
import signal
import time

from conftest import wait_until
from scheduler import Scheduler, task_info
from test_tasks_agent import AUTH, TASK_USER, kill_leftovers, launch, env  # noqa: F401


def test_agent_killed_tasks_are_lost_after_the_ping_timeout(env):
    launch(env, "doomed", "sleep 60")
    env.sched.wait_update("doomed", "TASK_RUNNING")
    # the agent first: killed the other way round, it may see its supervisor
    # die and report TASK_FAILED before it goes
    env.agent.kill(signal.SIGKILL)
    kill_leftovers(env.work_dir)  # no task may outlive this test's agent
    # --agent_ping_timeout=1secs x --max_agent_ping_timeouts=3 in the fixture
    st = env.sched.wait_update("doomed", "TASK_LOST", timeout=15)
    assert st["reason"] == "REASON_AGENT_REMOVED"
    assert st["source"] == "SOURCE_MASTER"
    assert "is gone" in st["message"]
    state = env.cluster.state()
    (fw,) = state["frameworks"]
    assert fw["tasks"] == [] and fw["used_resources"]["cpus"] == 0


def test_partition_aware_framework_gets_unreachable(cluster):
    cluster.master()
    agent = cluster.agent()
    cluster.wait_agents(1)
    s = Scheduler(cluster.master_port, auth=AUTH, user=TASK_USER,
                  capabilities=["PARTITION_AWARE"])
    s.subscribe()
    offer = s.wait_offer()
    s.launch(offer, [task_info("p1", offer, "sleep 60")])
    s.wait_update("p1", "TASK_RUNNING")
    agent.kill(signal.SIGKILL)
    kill_leftovers(cluster.path("agent"))
    s.wait_update("p1", "TASK_UNREACHABLE", timeout=15)
    s.close()


def test_reconnect_within_failover_timeout_keeps_tasks(env):
    launch(env, "keeper", "sleep 30")
    env.sched.wait_update("keeper", "TASK_RUNNING")
    fid = env.sched.framework_id
    env.sched.close()
    wait_until(lambda: not env.cluster.state()["frameworks"][0]["connected"], what="disconnect")
    s2 = Scheduler(env.cluster.master_port, auth=AUTH, user=TASK_USER, failover_timeout=60,
                   framework_id=fid)
    assert s2.subscribe() == 200
    (fw,) = env.cluster.state()["frameworks"]
    assert [t["id"] for t in fw["tasks"]] == ["keeper"]
    assert fw["tasks"][0]["state"] == "TASK_RUNNING"
    s2.reconcile()
    st = s2.wait_update("keeper", "TASK_RUNNING")
    assert st["reason"] == "REASON_RECONCILIATION" and "uuid" not in st
    s2.kill("keeper")
    s2.wait_update("keeper", "TASK_KILLED")
    s2.close()


def test_failover_timeout_expiry_kills_the_tasks(cluster):
    cluster.master()
    cluster.agent()
    cluster.wait_agents(1)
    s = Scheduler(cluster.master_port, auth=AUTH, user=TASK_USER, failover_timeout=1)
    s.subscribe()
    offer = s.wait_offer()
    s.launch(offer, [task_info("orphan", offer, "sleep 60")])
    s.wait_update("orphan", "TASK_RUNNING")
    s.close()
    st = wait_until(lambda: cluster.state()["completed_frameworks"] and cluster.state(),
                    what="framework removed")
    assert st["completed_frameworks"][0]["completed_tasks"][0]["state"] == "TASK_KILLED"
    # and the agent really killed it
    agent_port = cluster.procs[-1].port
    from conftest import http

    def agent_has_no_running_task():
        a = http("GET", f"http://127.0.0.1:{agent_port}/state", auth=AUTH).json()
        return all(not ex["tasks"] for fw in a["frameworks"] for ex in fw["executors"])
    wait_until(agent_has_no_running_task, what="task killed on the agent")


def test_unacknowledged_updates_are_redelivered_after_framework_reconnect(env):
    env.sched.auto_ack = False
    launch(env, "quick", "true")
    st = env.sched.wait_update("quick", "TASK_STARTING")
    fid = env.sched.framework_id
    env.sched.close()
    s2 = Scheduler(env.cluster.master_port, auth=AUTH, user=TASK_USER, failover_timeout=60,
                   framework_id=fid)
    s2.subscribe()
    # the head of the task's queue (STARTING, never acked) comes again, then the rest
    again = s2.wait_update("quick", "TASK_STARTING")
    assert again["uuid"] == st["uuid"]
    s2.wait_update("quick", "TASK_FINISHED")
    assert s2.states("quick").index("TASK_STARTING") < s2.states("quick").index("TASK_FINISHED")
    s2.close()


def test_master_restart_rebuilds_tasks_from_the_agent(env):
    launch(env, "survivor", "sleep 30")
    env.sched.wait_update("survivor", "TASK_RUNNING")
    fid = env.sched.framework_id
    env.sched.close()
    master = env.cluster.procs[0]
    master.kill(signal.SIGKILL)
    env.cluster.master(name="master2")
    # the framework and its task come back from the agent's re-registration
    fw = wait_until(lambda: [f for f in env.cluster.state()["frameworks"]
                             if f["tasks"]], what="task rebuilt", timeout=20)[0]
    assert fw["id"] == fid and fw["recovered"] and not fw["connected"]
    assert fw["tasks"][0]["id"] == "survivor" and fw["tasks"][0]["state"] == "TASK_RUNNING"
    s2 = Scheduler(env.cluster.master_port, auth=AUTH, user=TASK_USER, failover_timeout=60,
                   framework_id=fid)
    assert s2.subscribe() == 200
    s2.kill("survivor")
    s2.wait_update("survivor", "TASK_KILLED")
    s2.close()


def test_root_task_refused_without_acls(env):
    offer = env.sched.wait_offer()
    t = task_info("as-root", offer, "id -u", user="root")
    env.sched.launch(offer, [t])
    st = env.sched.wait_update("as-root", "TASK_ERROR")
    assert st["reason"] == "REASON_TASK_UNAUTHORIZED"
    assert "root" in st["message"] and "--allow_root_tasks" in st["message"]
