"""A small Mesos v1 scheduler HTTP API client for the integration tests.

It speaks the public API exactly as an outside framework would: SUBSCRIBE
opens a chunked RecordIO stream that a thread reads into a queue of
events; calls are separate POSTs carrying Mesos-Stream-Id.
"""
import base64
import http.client
import json
import queue
import threading
import time


class Scheduler:
    def __init__(self, port, auth=None, name="test", user="nobody", capabilities=(),
                 failover_timeout=0, framework_id=None, host="127.0.0.1", roles=None,
                 principal=None, auto_ack=True):
        self.host, self.port = host, port
        self.auth = auth
        self.info = {"user": user, "name": name, "failover_timeout": failover_timeout,
                     "capabilities": [{"type": c} for c in capabilities]}
        if roles:
            self.info["roles"] = roles
        if principal:
            self.info["principal"] = principal
        self.framework_id = framework_id
        self.stream_id = None
        self.events = queue.Queue()
        self.auto_ack = auto_ack
        self.updates = []          # every UPDATE status received, in order
        self.offers = {}           # offer id -> offer (outstanding)
        self.conn = None
        self.status = None
        self.reader = None
        self.closed = threading.Event()

    def _headers(self, extra=None):
        h = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.auth:
            tok = base64.b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode()
            h["Authorization"] = "Basic " + tok
        if extra:
            h.update(extra)
        return h

    # ---- subscription ----
    def subscribe(self, timeout=10, suppressed_roles=None):
        body = {"type": "SUBSCRIBE", "subscribe": {"framework_info": dict(self.info)}}
        if suppressed_roles is not None:
            body["subscribe"]["suppressed_roles"] = list(suppressed_roles)
        if self.framework_id:
            body["framework_id"] = {"value": self.framework_id}
            body["subscribe"]["framework_info"]["id"] = {"value": self.framework_id}
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        self.conn.request("POST", "/api/v1/scheduler", json.dumps(body), self._headers())
        resp = self.conn.getresponse()
        self.status = resp.status
        if resp.status != 200:
            self.error_body = resp.read().decode()
            return resp.status
        self.stream_id = resp.getheader("Mesos-Stream-Id")
        self.conn.sock.settimeout(None)
        self.reader = threading.Thread(target=self._read, args=(resp,), daemon=True)
        self.reader.start()
        ev = self.wait_event("SUBSCRIBED", timeout)
        self.framework_id = ev["subscribed"]["framework_id"]["value"]
        return 200

    def _read(self, resp):
        buf = b""
        try:
            while True:
                chunk = resp.read1(65536) if hasattr(resp, "read1") else resp.read(1)
                if not chunk:
                    break
                buf += chunk
                while b"\n" in buf:
                    head, rest = buf.split(b"\n", 1)
                    n = int(head)
                    if len(rest) < n:
                        break
                    record, buf = rest[:n], rest[n:]
                    self._dispatch(json.loads(record))
        except Exception as e:  # connection closed under us
            self.events.put({"type": "_CLOSED", "error": repr(e)})
        finally:
            self.closed.set()
            self.events.put({"type": "_CLOSED"})

    def _dispatch(self, ev):
        t = ev.get("type")
        if t == "OFFERS":
            for o in ev["offers"]["offers"]:
                self.offers[o["id"]["value"]] = o
        elif t == "RESCIND":
            self.offers.pop(ev["rescind"]["offer_id"]["value"], None)
        elif t == "UPDATE":
            st = ev["update"]["status"]
            self.updates.append(st)
            if self.auto_ack and "uuid" in st:
                self.acknowledge(st)
        self.events.put(ev)

    def wait_event(self, type_, timeout=15, pred=None):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {type_} event within {timeout}s")
            try:
                ev = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if ev.get("type") == type_ and (pred is None or pred(ev)):
                return ev

    def wait_offer(self, timeout=15, pred=None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for o in list(self.offers.values()):
                if pred is None or pred(o):
                    return o
            time.sleep(0.02)
        raise AssertionError(f"no offer within {timeout}s")

    def wait_update(self, task_id, state, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for st in self.updates:
                if st["task_id"]["value"] == task_id and st["state"] == state:
                    return st
            time.sleep(0.02)
        seen = [(s["task_id"]["value"], s["state"], s.get("message")) for s in self.updates]
        raise AssertionError(f"no {state} for {task_id} within {timeout}s; saw {seen}")

    def states(self, task_id):
        return [s["state"] for s in self.updates if s["task_id"]["value"] == task_id]

    def close(self):
        try:
            if self.conn:
                self.conn.sock.shutdown(2)
                self.conn.close()
        except Exception:
            pass

    # ---- calls ----
    def call(self, type_, payload=None, stream_id="default", framework_id="default"):
        body = {"type": type_}
        fid = self.framework_id if framework_id == "default" else framework_id
        if fid:
            body["framework_id"] = {"value": fid}
        if payload is not None:
            body[type_.lower()] = payload
        extra = {}
        sid = self.stream_id if stream_id == "default" else stream_id
        if sid:
            extra["Mesos-Stream-Id"] = sid
        return self.raw(json.dumps(body), extra)

    def raw(self, body, extra_headers=None, content_type="application/json"):
        c = http.client.HTTPConnection(self.host, self.port, timeout=10)
        h = self._headers(extra_headers)
        if content_type is None:
            del h["Content-Type"]
        else:
            h["Content-Type"] = content_type
        c.request("POST", "/api/v1/scheduler", body, h)
        r = c.getresponse()
        text = r.read().decode()
        c.close()
        return r.status, text

    def acknowledge(self, st):
        return self.call("ACKNOWLEDGE", {"agent_id": st["agent_id"], "task_id": st["task_id"],
                                         "uuid": st["uuid"]})

    def launch(self, offer, tasks, refuse_seconds=None):
        self.offers.pop(offer["id"]["value"], None)
        payload = {"offer_ids": [offer["id"]],
                   "operations": [{"type": "LAUNCH", "launch": {"task_infos": tasks}}]}
        if refuse_seconds is not None:
            payload["filters"] = {"refuse_seconds": refuse_seconds}
        return self.call("ACCEPT", payload)

    def decline(self, offer, refuse_seconds=None):
        self.offers.pop(offer["id"]["value"], None)
        payload = {"offer_ids": [offer["id"]]}
        if refuse_seconds is not None:
            payload["filters"] = {"refuse_seconds": refuse_seconds}
        return self.call("DECLINE", payload)

    def kill(self, task_id, agent_id=None, grace_ns=None):
        p = {"task_id": {"value": task_id}}
        if agent_id:
            p["agent_id"] = {"value": agent_id}
        if grace_ns is not None:
            p["kill_policy"] = {"grace_period": {"nanoseconds": grace_ns}}
        return self.call("KILL", p)

    def reconcile(self, tasks=()):
        return self.call("RECONCILE", {"tasks": [{"task_id": {"value": t}} for t in tasks]})


def task_info(task_id, offer, command, resources="cpus:0.1;mem:32", user=None, shell=True,
              env=None, **extra):
    res = []
    for part in resources.split(";"):
        name, value = part.split(":")
        res.append({"name": name, "type": "SCALAR", "scalar": {"value": float(value)}})
    cmd = {"value": command, "shell": shell}
    if user:
        cmd["user"] = user
    if env:
        cmd["environment"] = {"variables": [{"name": k, "value": v} for k, v in env.items()]}
    t = {"name": task_id, "task_id": {"value": task_id}, "agent_id": offer["agent_id"],
         "resources": res, "command": cmd}
    t.update(extra)
    return t
