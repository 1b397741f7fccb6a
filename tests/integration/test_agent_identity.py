"""Agent identity at the master: an agent speaks only for its own tasks, an
agent id belongs to the principal that first registered it, the
register_agents ACL says who may be an agent, and an agent that comes back
after the master gave up on it is reconciled as Mesos does (partition-aware
tasks come back, the others are killed) - never left running as orphans.

The real agents here are `agora agent` processes, each with its own
principal; the lying agent is agent_client.AgentClient, a registration
with valid credentials whose calls the test writes.
"""
import http.client as httpc
import json
import signal

from agent_client import AgentClient
from conftest import SEED_PRINCIPAL, SEED_SECRET, http, run_agora, wait_until
from scheduler import Scheduler, task_info
from test_tasks_agent import TASK_USER, kill_leftovers

AUTH = (SEED_PRINCIPAL, SEED_SECRET)
SECRETS = {"agent-a": "secret-of-agent-a", "agent-b": "secret-of-agent-b",
           SEED_PRINCIPAL: SEED_SECRET}


def credentials(cluster):
    creds = [{"principal": p, "secret": s} for p, s in SECRETS.items()]
    return cluster.write("master-credentials.json", json.dumps({"credentials": creds}))


def agent_credential(cluster, principal):
    return cluster.write(f"credential-{principal}", f"{principal} {SECRETS[principal]}\n")


def start(cluster, *master_flags, capabilities=()):
    """master (three principals) + agent A (principal agent-a) + a scheduler."""
    master = cluster.master(*master_flags, credentials=credentials(cluster))
    agent = cluster.agent(credential=agent_credential(cluster, "agent-a"), name="agent-a")
    (info,) = cluster.wait_agents(1)
    agent.agent_id = info["id"]
    s = Scheduler(cluster.master_port, auth=AUTH, user=TASK_USER, principal=SEED_PRINCIPAL,
                  failover_timeout=60, capabilities=capabilities)
    assert s.subscribe() == 200
    return master, agent, s


def run_task(s, task_id, command="sleep 60"):
    offer = s.wait_offer()
    st, text = s.launch(offer, [task_info(task_id, offer, command)], refuse_seconds=0.1)
    assert st == 202, text
    s.wait_update(task_id, "TASK_RUNNING")


def first_event(cluster, auth):
    """SUBSCRIBEs a framework and returns the first event of the answer."""
    s = Scheduler(cluster.master_port, auth=auth, user=TASK_USER, principal=auth[0])
    body = {"type": "SUBSCRIBE", "subscribe": {"framework_info": s.info}}
    c = httpc.HTTPConnection("127.0.0.1", cluster.master_port, timeout=10)
    c.request("POST", "/api/v1/scheduler", json.dumps(body), s._headers())
    r = c.getresponse()
    assert r.status == 200
    assert r.getheader("Mesos-Stream-Id"), r.getheaders()  # every 200 to SUBSCRIBE has one
    head = b""
    while not head.endswith(b"\n"):
        head += r.read(1)
    ev = json.loads(r.read(int(head)))
    c.close()
    return ev


def master_task(cluster, task_id):
    for fw in cluster.state()["frameworks"]:
        for t in fw["tasks"]:
            if t["id"] == task_id:
                return t
    return None


def agent_task_state(cluster, agent, task_id):
    """The task's state as the agent itself reports it (None when unknown)."""
    r = http("GET", f"http://127.0.0.1:{agent.port}/state", auth=("agent-a", SECRETS["agent-a"]))
    assert r.status == 200, r.text
    st = r.json()
    for fw in st["frameworks"] + st["completed_frameworks"]:
        for ex in fw["executors"] + fw["completed_executors"]:
            for t in ex["tasks"] + ex.get("completed_tasks", []):
                if t["id"] == task_id:
                    return t["state"]
    return None


# ---- item: updates only from the agent that runs the task ----

def test_forged_update_for_another_agents_task_is_refused(cluster):
    master, agent, s = start(cluster)
    try:
        run_task(s, "victim")
        rogue = AgentClient(cluster.master_port, "agent-b", SECRETS["agent-b"])
        assert rogue.subscribe()[0] == 200
        assert rogue.agent_id != agent.agent_id
        assert rogue.update(s.framework_id, "victim", "TASK_FINISHED")[0] == 202
        master.wait_log(f"agent {rogue.agent_id} (rogue, principal 'agent-b') sent "
                        f"TASK_FINISHED for task victim of framework {s.framework_id}, "
                        f"which runs on agent {agent.agent_id}; refused")
        # the master still has the task running, and the framework heard nothing
        assert master_task(cluster, "victim")["state"] == "TASK_RUNNING"
        s.reconcile(["victim"])
        st = wait_until(lambda: [u for u in s.updates if u.get("reason") ==
                                 "REASON_RECONCILIATION"], what="reconciliation answer")[0]
        assert st["state"] == "TASK_RUNNING"
        assert "TASK_FINISHED" not in s.states("victim")
        # the real agent still speaks for it
        s.kill("victim")
        s.wait_update("victim", "TASK_KILLED")
        assert "TASK_FINISHED" not in s.states("victim")
        rogue.close()
    finally:
        s.close()
        kill_leftovers(cluster.path("agent-a"))


def test_update_for_a_task_nobody_launched_is_not_forwarded(cluster):
    master, agent, s = start(cluster)
    try:
        rogue = AgentClient(cluster.master_port, "agent-b", SECRETS["agent-b"])
        assert rogue.subscribe()[0] == 200
        assert rogue.update(s.framework_id, "ghost", "TASK_RUNNING")[0] == 202
        master.wait_log(f"agent {rogue.agent_id} (rogue) sent TASK_RUNNING for task ghost "
                        f"of framework {s.framework_id}, which the master does not know; "
                        "not forwarded")
        # the uuid is acknowledged to the sender so an honest agent can let go
        ev = rogue.next_event()
        while ev["type"] == "HEARTBEAT":
            ev = rogue.next_event()
        assert ev["type"] == "ACKNOWLEDGE" and ev["acknowledge"]["task_id"]["value"] == "ghost"
        run_task(s, "real", "true")
        s.wait_update("real", "TASK_FINISHED")
        assert s.states("ghost") == []
        rogue.close()
    finally:
        s.close()
        kill_leftovers(cluster.path("agent-a"))


# ---- item: an agent id belongs to its principal; register_agents ----

def test_another_principal_cannot_take_over_an_agent_id(cluster):
    master, agent, s = start(cluster)
    try:
        run_task(s, "keeps-running")
        # a framework-only principal, and another agent's principal, both try
        for principal in (SEED_PRINCIPAL, "agent-b"):
            thief = AgentClient(cluster.master_port, principal, SECRETS[principal])
            status, text = thief.subscribe(agent_id=agent.agent_id)
            assert status == 403, text
            assert f"agent id {agent.agent_id} is registered by another principal" in text
            master.wait_log(f"principal '{principal}' asked for agent id {agent.agent_id}, "
                            "which belongs to principal 'agent-a'")
        assert master_task(cluster, "keeps-running")["state"] == "TASK_RUNNING"
        assert [a["id"] for a in cluster.active_agents()] == [agent.agent_id]
        assert "TASK_LOST" not in s.states("keeps-running")

        # the binding is in the registry: it holds after a master restart,
        # while the real agent has not come back yet
        agent.kill(signal.SIGKILL)
        master.kill(signal.SIGKILL)
        master2 = cluster.master(credentials=credentials(cluster), name="master2")
        thief = AgentClient(cluster.master_port, "agent-b", SECRETS["agent-b"])
        assert thief.subscribe(agent_id=agent.agent_id)[0] == 403
        master2.wait_log("which belongs to principal 'agent-a'")
        # the real agent comes back under its id, with its task
        cluster.agent(credential=agent_credential(cluster, "agent-a"), name="agent-a",
                      port=agent.port)
        wait_until(lambda: (master_task(cluster, "keeps-running") or {}).get("state") ==
                   "TASK_RUNNING", what="task rebuilt from the real agent")
        assert [a["id"] for a in cluster.active_agents()] == [agent.agent_id]
    finally:
        s.close()
        kill_leftovers(cluster.path("agent-a"))


def test_register_agents_acl_decides_who_may_be_an_agent(cluster):
    acls = {"register_agents": [
        {"principals": {"values": ["agent-a", "agent-b"]}, "agents": {"type": "ANY"}},
        {"principals": {"type": "ANY"}, "agents": {"type": "NONE"}}],
        "register_frameworks": [
        {"principals": {"values": ["agent-a", "agent-b"]}, "roles": {"type": "NONE"}}]}
    master, agent, s = start(cluster, f"--acls={json.dumps(acls)}")
    try:
        assert "register_agents" not in "".join(
            line for line in master.log().splitlines() if "ignored" in line)
        # the framework principal may not be an agent
        fw_as_agent = AgentClient(cluster.master_port, SEED_PRINCIPAL, SEED_SECRET)
        status, text = fw_as_agent.subscribe()
        assert status == 403
        assert (f"principal '{SEED_PRINCIPAL}' is refused by ACL register_agents[1] "
                "{principals ANY, agents NONE}") in text
        master.wait_log("Not authorized to register an agent")
        # an agent principal may not be a framework
        ev = first_event(cluster, ("agent-b", SECRETS["agent-b"]))
        assert ev["type"] == "ERROR"
        assert "principal 'agent-b' is refused by ACL register_frameworks[0]" in \
            ev["error"]["message"]
        # ... and `agora execute` says so at once (the refusal's 200 had no
        # Mesos-Stream-Id: it retried 5 times and blamed --master)
        secret = cluster.write("secret-agent-b", SECRETS["agent-b"] + "\n")
        r = run_agora("execute", f"--master=127.0.0.1:{cluster.master_port}", "--name=x",
                      "--command=true", "--principal=agent-b", f"--secret_file={secret}",
                      timeout=60)
        assert r.returncode == 1, r
        assert "refused by ACL register_frameworks[0]" in r.stderr, r.stderr
        assert "Mesos-Stream-Id" not in r.stderr and "giving up after" not in r.stderr, \
            r.stderr
        # agent-b may register agents
        other = AgentClient(cluster.master_port, "agent-b", SECRETS["agent-b"])
        assert other.subscribe()[0] == 200
        other.close()
    finally:
        s.close()


# ---- item: reconciliation when an agent the master gave up on comes back ----

def pause(agent):
    agent.popen.send_signal(signal.SIGSTOP)


def resume(agent):
    agent.popen.send_signal(signal.SIGCONT)


def test_lost_task_is_killed_when_its_agent_comes_back(cluster):
    master, agent, s = start(cluster)
    try:
        run_task(s, "declared-lost")
        pause(agent)  # pings stop; the task keeps running under its supervisor
        st = s.wait_update("declared-lost", "TASK_LOST", timeout=20)
        assert st["reason"] == "REASON_AGENT_REMOVED"
        resume(agent)
        master.wait_log(f"agent {agent.agent_id} still runs task declared-lost of framework "
                        f"{s.framework_id}, which was declared TASK_LOST when the agent was "
                        "gone; killing it", timeout=20)
        wait_until(lambda: agent_task_state(cluster, agent, "declared-lost") == "TASK_KILLED",
                   what="the agent killed the task", timeout=20)
        assert master_task(cluster, "declared-lost") is None
    finally:
        resume(agent)
        s.close()
        kill_leftovers(cluster.path("agent-a"))


def test_lost_task_is_killed_even_when_the_master_restarted_meanwhile(cluster):
    master, agent, s = start(cluster)
    try:
        run_task(s, "lost-across-restart")
        pause(agent)
        s.wait_update("lost-across-restart", "TASK_LOST", timeout=20)
        s.close()
        master.kill(signal.SIGKILL)  # what it knew of the lost task is gone with it
        master2 = cluster.master(credentials=credentials(cluster), name="master2")
        resume(agent)
        master2.wait_log(f"agent {agent.agent_id}, back from unreachable, still runs task "
                         "lost-across-restart of framework "
                         f"{s.framework_id}, which is not partition-aware; killing it",
                         timeout=20)
        wait_until(lambda: agent_task_state(cluster, agent, "lost-across-restart") ==
                   "TASK_KILLED", what="the agent killed the task", timeout=20)
    finally:
        resume(agent)
        s.close()
        kill_leftovers(cluster.path("agent-a"))


def test_unreachable_task_of_a_partition_aware_framework_comes_back(cluster):
    master, agent, s = start(cluster, capabilities=["PARTITION_AWARE"])
    try:
        run_task(s, "partitioned")
        pause(agent)
        s.wait_update("partitioned", "TASK_UNREACHABLE", timeout=20)
        (fw,) = cluster.state()["frameworks"]
        assert fw["used_resources"]["cpus"] == 0
        resume(agent)
        # (the agent may also resend a TASK_RUNNING it had no acknowledgement for)
        (st,) = wait_until(lambda: [u for u in s.updates if u["task_id"]["value"] ==
                                    "partitioned" and u.get("reason") ==
                                    "REASON_AGENT_REREGISTERED"], what="back running")
        assert st["state"] == "TASK_RUNNING" and st["source"] == "SOURCE_MASTER"
        assert s.states("partitioned")[-1] == "TASK_RUNNING"
        assert master_task(cluster, "partitioned")["state"] == "TASK_RUNNING"
        (fw,) = cluster.state()["frameworks"]
        assert abs(fw["used_resources"]["cpus"] - 0.1) < 1e-9
        assert agent_task_state(cluster, agent, "partitioned") == "TASK_RUNNING"
        s.kill("partitioned")
        s.wait_update("partitioned", "TASK_KILLED")
    finally:
        resume(agent)
        s.close()
        kill_leftovers(cluster.path("agent-a"))
