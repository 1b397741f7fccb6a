"""The agent side of the agent <-> master protocol (docs/agent-protocol.md),
spoken from a test: a real, authenticated agent registration whose calls
the test writes itself. Tests use it to play an agent that holds valid
credentials and lies (forged updates, a stolen agent id).
"""
import hashlib
import hmac
import http.client
import json


class AgentClient:
    def __init__(self, port, principal, secret, host="127.0.0.1", hostname="rogue",
                 agent_port=1, resources=None):
        self.host, self.port = host, port
        self.principal, self.secret = principal, secret
        self.hostname, self.agent_port = hostname, agent_port
        # no resources by default: nothing of it is offered, so no test task lands here
        self.resources = resources if resources is not None else []
        self.conn = None
        self.resp = None
        self.session = None
        self.agent_id = None

    def _post(self, path, body, headers=None):
        c = http.client.HTTPConnection(self.host, self.port, timeout=10)
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        c.request("POST", path, json.dumps(body), h)
        return c, c.getresponse()

    def auth(self):
        c, r = self._post("/agent/challenge", {"principal": self.principal})
        text = r.read().decode()
        c.close()
        assert r.status == 200, (r.status, text)
        nonce = json.loads(text)["nonce"]
        msg = f"agora-agent-v1\n{self.principal}\n{nonce}".encode()
        mac = hmac.new(self.secret.encode(), msg, hashlib.sha256).hexdigest()
        return {"principal": self.principal, "nonce": nonce, "mac": mac}

    def subscribe(self, agent_id=None, tasks=()):
        """Registers; returns (status, body text). On 200 keeps the event stream open."""
        info = {"hostname": self.hostname, "port": self.agent_port,
                "resources": self.resources}
        if agent_id:
            info["id"] = {"value": agent_id}
        body = {"agent_info": info, "auth": self.auth(), "tasks": list(tasks)}
        self.conn, self.resp = self._post("/agent/subscribe", body)
        if self.resp.status != 200:
            text = self.resp.read().decode()
            self.conn.close()
            return self.resp.status, text
        ev = self.next_event()
        assert ev["type"] == "SUBSCRIBED", ev
        self.session = ev["subscribed"]["session"]
        self.agent_id = ev["subscribed"]["agent_id"]["value"]
        return 200, ""

    def next_event(self):
        """Reads one RecordIO record from the event stream."""
        head = b""
        while not head.endswith(b"\n"):
            ch = self.resp.read(1)
            if not ch:
                raise EOFError("event stream closed")
            head += ch
        return json.loads(self.resp.read(int(head)))

    def call(self, body):
        c, r = self._post("/agent/call", body, {"Agora-Agent-Session": self.session})
        text = r.read().decode()
        c.close()
        return r.status, text

    def update(self, framework_id, task_id, state, uuid="AAAAAAAAAAAAAAAAAAAAAA=="):
        status = {"task_id": {"value": task_id}, "state": state, "source": "SOURCE_EXECUTOR",
                  "agent_id": {"value": self.agent_id}, "uuid": uuid,
                  "message": "forged by a test"}
        return self.call({"type": "UPDATE", "update": {"framework_id": {"value": framework_id},
                                                       "status": status}})

    def close(self):
        try:
            if self.conn:
                self.conn.sock.shutdown(2)
                self.conn.close()
        except Exception:
            pass
