"""The v1 scheduler API of the master: status codes, subscription, offers,
launch validation, failover. (Running tasks end to end is in test_tasks_*.)"""
import json

from conftest import SEED_PRINCIPAL, SEED_SECRET, wait_until
from scheduler import Scheduler, task_info

AUTH = (SEED_PRINCIPAL, SEED_SECRET)


def sched(cluster, **kw):
    kw.setdefault("auth", AUTH)
    s = Scheduler(cluster.master_port, **kw)
    return s


def test_subscribe_gets_stream_id_subscribed_heartbeat_and_offer(cluster):
    cluster.master()
    cluster.agent()
    cluster.wait_agents(1)
    s = sched(cluster)
    assert s.subscribe() == 200
    assert s.stream_id
    s.wait_event("HEARTBEAT")
    offer = s.wait_offer()
    assert offer["url"]["address"]["ip"] == "127.0.0.1"
    assert offer["hostname"]
    names = {r["name"]: r for r in offer["resources"]}
    assert names["cpus"]["scalar"]["value"] == 2
    assert names["cpus"]["role"] == "*"
    assert names["ports"]["ranges"]["range"] == [{"begin": 31000, "end": 31100}]
    st = cluster.state()
    (fw,) = st["frameworks"]
    assert fw["id"] == s.framework_id and fw["connected"] and fw["principal"] == SEED_PRINCIPAL
    assert fw["offered_resources"]["cpus"] == 2
    s.close()


def test_status_codes(cluster):
    cluster.master()
    s = sched(cluster)
    # wrong credentials -> 401 with the scheduler realm
    bad = Scheduler(cluster.master_port, auth=(SEED_PRINCIPAL, "nope"))
    assert bad.subscribe() == 401
    st, _ = Scheduler(cluster.master_port).raw('{"type":"SUBSCRIBE"}')
    assert st == 401
    # bad JSON, missing content type, wrong content type
    assert s.raw("{not json")[0] == 400
    assert s.raw('{"type":"SUBSCRIBE"}', content_type=None)[0] == 400
    assert s.raw('{"type":"SUBSCRIBE"}', content_type="application/x-protobuf")[0] == 415
    # missing subscribe payload / missing user names the field
    code, text = s.raw('{"type":"SUBSCRIBE"}')
    assert code == 400 and "subscribe" in text
    code, text = s.raw('{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"x"}}}')
    assert code == 400 and "subscribe.framework_info.user" in text
    # UNKNOWN -> 501, numeric type -> 400
    assert s.raw('{"type":"UNKNOWN"}')[0] == 501
    assert s.raw('{"type":1}')[0] == 400
    assert s.subscribe() == 200
    # calls without stream id, with a wrong one, with an unknown framework
    assert s.call("REVIVE", stream_id=None)[0] == 400
    assert s.call("REVIVE", stream_id="nope")[0] == 400
    assert s.call("REVIVE", framework_id="no-such-framework")[0] == 400
    assert s.call("REVIVE")[0] == 202
    code, text = s.call("ACKNOWLEDGE", {"agent_id": {"value": "a"}, "task_id": {"value": "t"},
                                        "uuid": "bm90LWEtdXVpZA=="})
    assert code == 400 and "acknowledge.uuid" in text
    code, text = s.call("ACCEPT", {"offer_ids": [{"value": "x"}], "operations": [{"type": 7}]})
    assert code == 400 and "accept.operations[0].type" in text
    # SUBSCRIBE with a stream id header -> 400
    code, _ = s.raw(json.dumps({"type": "SUBSCRIBE", "subscribe": {"framework_info": s.info}}),
                    {"Mesos-Stream-Id": s.stream_id})
    assert code == 400
    s.close()
    # after the stream is gone, calls are 403 (not subscribed)
    wait_until(lambda: s.call("REVIVE")[0] == 403, what="403 after disconnect")


def test_task_larger_than_offer_is_task_error(cluster):
    cluster.master()
    cluster.agent()
    s = sched(cluster)
    s.subscribe()
    offer = s.wait_offer()
    t = task_info("too-big", offer, "true", resources="cpus:64;mem:32")
    assert s.launch(offer, [t])[0] == 202
    st = s.wait_update("too-big", "TASK_ERROR")
    assert st["reason"] == "REASON_TASK_INVALID"
    assert "more resources" in st["message"] and "cpus:64" in st["message"]
    # the resources come back in a new offer after the decline filter
    s.call("REVIVE")
    s.wait_offer()
    s.close()


def test_invalid_task_infos_are_task_errors(cluster):
    cluster.master()
    cluster.agent()
    s = sched(cluster)
    s.subscribe()
    offer = s.wait_offer()
    good = task_info("ok-shape", offer, "true")
    no_cmd = dict(good, task_id={"value": "no-cmd"})
    del no_cmd["command"]
    bad_agent = dict(good, task_id={"value": "bad-agent"}, agent_id={"value": "other"})
    frac_gpu = task_info("frac-gpu", offer, "true", resources="cpus:0.1;gpus:0.5")
    s.launch(offer, [no_cmd, bad_agent, frac_gpu])
    assert "command" in s.wait_update("no-cmd", "TASK_ERROR")["message"]
    assert "agent" in s.wait_update("bad-agent", "TASK_ERROR")["message"]
    assert "gpus" in s.wait_update("frac-gpu", "TASK_ERROR")["message"]
    s.close()


def test_stale_offer_gives_task_lost(cluster):
    cluster.master()
    cluster.agent()
    s = sched(cluster)
    s.subscribe()
    offer = s.wait_offer()
    s.decline(offer)
    t = task_info("late", offer, "true")
    s.launch(offer, [t])
    st = s.wait_update("late", "TASK_LOST")
    assert st["reason"] == "REASON_INVALID_OFFERS"
    s.close()


def scalar(offer, name):
    return sum(r["scalar"]["value"] for r in offer["resources"] if r["name"] == name)


def test_decline_filter_and_drf_between_two_frameworks(cluster):
    cluster.master()
    cluster.agent()  # cpus:2;mem:1024
    cluster.wait_agents(1)
    a = sched(cluster, name="a")
    b = sched(cluster, name="b")
    a.subscribe()
    whole = a.wait_offer()  # all of the agent: a subscribed first, both shares were 0
    b.subscribe()
    # a runs half the agent: its dominant share is 0.5, b's is 0
    t = task_info("half", whole, "sleep 1000", resources="cpus:1;mem:512")
    assert a.launch(whole, [t], refuse_seconds=0)[0] == 202
    a.wait_update("half", "TASK_RUNNING")
    # DRF: the other half goes to b (lower share), not to a (first subscribed, no filter)
    rest = b.wait_offer()
    assert scalar(rest, "cpus") == 1 and scalar(rest, "mem") == 512
    assert a.offers == {}  # b holds all that is free: nothing can be offered to a
    # a decline filter on b: the same half now goes to a despite its higher share
    b.decline(rest, refuse_seconds=300)
    again = a.wait_offer()
    assert scalar(again, "cpus") == 1 and again["id"] != rest["id"]
    assert b.offers == {}
    a.close()
    b.close()


def test_suppress_and_revive(cluster):
    cluster.master()
    cluster.agent()
    cluster.wait_agents(1)
    s = sched(cluster, name="s")
    s.subscribe()
    offer = s.wait_offer()
    assert s.call("SUPPRESS")[0] == 202
    wait_until(lambda: not [f for f in cluster.state()["frameworks"]
                            if f["id"] == s.framework_id][0]["active"], what="s inactive")
    # s gives the agent back; a witness framework takes all of it, so nothing went to s
    witness = sched(cluster, name="witness")
    witness.subscribe()
    s.decline(offer, refuse_seconds=0)
    whole = witness.wait_offer()
    assert scalar(whole, "cpus") == scalar(offer, "cpus")
    assert s.offers == {}
    # the witness lets go for a long time; only a REVIVE brings s offers again
    witness.decline(whole, refuse_seconds=300)
    assert s.call("REVIVE")[0] == 202
    assert scalar(s.wait_offer(), "cpus") == scalar(offer, "cpus")
    witness.close()
    s.close()



def framework_active(cluster):
    """The master's "active": connected and not suppressed."""
    return cluster.state()["frameworks"][0]["active"]


def test_resubscription_states_suppression(cluster):
    """Issue 9.12: a framework that SUPPRESSed and then restarted stayed
    suppressed for ever. Mesos: a SUBSCRIBE's suppressed_roles is the whole
    suppression state of the (re-)subscribing framework."""
    cluster.master()
    cluster.agent()
    s = sched(cluster, failover_timeout=60)
    s.subscribe()
    offer = s.wait_offer()
    assert s.call("SUPPRESS")[0] == 202
    s.decline(offer, refuse_seconds=0)
    assert not framework_active(cluster)
    fid = s.framework_id
    s.close()
    wait_until(lambda: not cluster.state()["frameworks"][0]["connected"], what="disconnect")
    # the restarted scheduler remembers nothing: it gets offers
    s2 = sched(cluster, failover_timeout=60, framework_id=fid)
    assert s2.subscribe() == 200
    assert framework_active(cluster)
    s2.wait_offer()
    s2.close()
    wait_until(lambda: not cluster.state()["frameworks"][0]["connected"], what="disconnect")
    # one that names its role in suppressed_roles stays suppressed
    s3 = sched(cluster, failover_timeout=60, framework_id=fid)
    assert s3.subscribe(suppressed_roles=["*"]) == 200
    assert cluster.state()["frameworks"][0]["connected"]
    assert not framework_active(cluster)
    # a SUPPRESS/REVIVE naming other roles leaves this one alone
    assert s3.call("REVIVE", {"roles": ["other"]})[0] == 202
    assert not framework_active(cluster)
    assert s3.call("REVIVE", {"roles": ["*"]})[0] == 202
    assert framework_active(cluster)
    s3.wait_offer()
    assert s3.call("SUPPRESS", {"roles": ["other"]})[0] == 202
    assert framework_active(cluster)
    s3.close()

def test_offer_timeout_rescinds(cluster):
    cluster.master("--offer_timeout=500ms")
    cluster.agent()
    s = sched(cluster)
    s.subscribe()
    offer = s.wait_offer()
    ev = s.wait_event("RESCIND", timeout=5)
    assert ev["rescind"]["offer_id"] == offer["id"]
    s.close()


def test_gpu_agent_is_offered_only_to_gpu_frameworks(cluster):
    cluster.master()
    cluster.agent(resources="cpus:2;mem:1024;disk:1024;gpus:2")
    cluster.wait_agents(1)
    plain = sched(cluster, name="plain")
    plain.subscribe()  # first in the order (same share, subscribed first)
    gpu = sched(cluster, name="gpu", capabilities=["GPU_RESOURCES"])
    gpu.subscribe()
    # the whole agent goes to gpu: plain, though first, was passed over
    offer = gpu.wait_offer()
    assert scalar(offer, "gpus") == 2 and scalar(offer, "cpus") == 2
    assert plain.offers == {}  # nothing is left that could have been offered to it
    plain.close()
    gpu.close()


def test_failover_keeps_framework_and_teardown_removes_it(cluster):
    cluster.master()
    s = sched(cluster, failover_timeout=60)
    s.subscribe()
    fid = s.framework_id
    s.close()
    wait_until(lambda: not cluster.state()["frameworks"][0]["connected"], what="disconnect")
    s2 = sched(cluster, failover_timeout=60, framework_id=fid)
    assert s2.subscribe() == 200
    assert s2.framework_id == fid
    assert cluster.state()["frameworks"][0]["connected"]
    assert s2.call("TEARDOWN")[0] == 202
    st = cluster.state()
    assert st["frameworks"] == [] and st["completed_frameworks"][0]["id"] == fid
    s2.close()


def test_second_subscription_fails_over_the_first(cluster):
    cluster.master()
    s = sched(cluster, failover_timeout=60)
    s.subscribe()
    s2 = sched(cluster, failover_timeout=60, framework_id=s.framework_id)
    s2.subscribe()
    ev = s.wait_event("ERROR")
    assert ev["error"]["message"] == "Framework failed over"
    s2.close()


def test_framework_without_failover_timeout_is_removed_on_disconnect(cluster):
    cluster.master()
    s = sched(cluster, failover_timeout=0)
    s.subscribe()
    s.close()
    wait_until(lambda: cluster.state()["completed_frameworks"], what="framework removed")


def test_principal_mismatch_is_400(cluster):
    cluster.master()
    s = sched(cluster, principal="someone-else")
    assert s.subscribe() == 400


def test_reconcile_unknown_task_is_lost(cluster):
    cluster.master()
    s = sched(cluster)
    s.subscribe()
    assert s.reconcile(["ghost"])[0] == 202
    st = s.wait_update("ghost", "TASK_LOST")
    assert st["reason"] == "REASON_RECONCILIATION" and "uuid" not in st
    s.close()
