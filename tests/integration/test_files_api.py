"""The agent's Files API (/files/browse, /files/read, /files/download,
/files/debug) over a sandbox laid out by hand under the running agent's
<work_dir>/slaves, exactly where the agent puts task sandboxes."""
import grp
import os
import pwd
import time
import urllib.parse

import pytest

from conftest import http

FID = "fw-0001"
EID = "exec-1"
CID = "c0ffee-01"
VIRTUAL = f"/frameworks/{FID}/executors/{EID}/runs/latest"
BIG = bytes(range(256)) * 400  # 102400 bytes, every byte value


class Sandbox:
    def __init__(self, cluster, agent, agent_id, run):
        self.cluster = cluster
        self.agent = agent
        self.agent_id = agent_id
        self.run = run

    def get(self, endpoint, auth="default", **params):
        query = urllib.parse.urlencode(params)
        url = f"http://127.0.0.1:{self.agent.port}{endpoint}" + (f"?{query}" if query else "")
        return http("GET", url, auth=self.cluster.auth if auth == "default" else auth)

    def read(self, path, **params):
        r = self.get("/files/read", path=path, **params)
        assert r.status == 200, r.text
        return r.json()


@pytest.fixture
def sandbox(cluster):
    cluster.master()
    agent = cluster.agent()
    (info,) = cluster.wait_agents(1)
    runs = os.path.join(cluster.path("agent"), "slaves", info["id"], "frameworks", FID,
                        "executors", EID, "runs")
    run = os.path.join(runs, CID)
    os.makedirs(os.path.join(run, "sub"))
    os.symlink(CID, os.path.join(runs, "latest"))
    files = {"stdout": b"hello\n", "stderr": b"", "big.bin": BIG,
             "binary": b"\xff\x00ok\xc3\xa9\xe9", "sub/deep.txt": b"deep\n"}
    for name, data in files.items():
        with open(os.path.join(run, name), "wb") as f:
            f.write(data)
        os.chmod(os.path.join(run, name), 0o644)
    os.chmod(os.path.join(run, "sub"), 0o755)
    os.symlink("/etc/passwd", os.path.join(run, "passwd"))
    os.symlink("stdout", os.path.join(run, "stdout.link"))
    return Sandbox(cluster, agent, info["id"], run)


def test_browse_lists_a_sandbox_sorted_with_ls_modes(sandbox):
    r = sandbox.get("/files/browse", path=sandbox.run)
    assert r.status == 200, r.text
    listing = r.json()
    names = [e["path"] for e in listing]
    expected = sorted(["big.bin", "binary", "passwd", "stderr", "stdout", "stdout.link", "sub"])
    assert names == [f"{sandbox.run}/{n}" for n in expected]
    by_name = {os.path.basename(e["path"]): e for e in listing}
    out = by_name["stdout"]
    st = os.stat(os.path.join(sandbox.run, "stdout"))
    assert out == {"path": f"{sandbox.run}/stdout", "nlink": 1, "size": 6,
                   "mtime": int(st.st_mtime), "mode": "-rw-r--r--",
                   "uid": pwd.getpwuid(st.st_uid).pw_name,
                   "gid": grp.getgrgid(st.st_gid).gr_name}
    assert by_name["sub"]["mode"] == "drwxr-xr-x"
    # a link inside the sandbox is described by its target, as Mesos' stat() does ...
    assert by_name["stdout.link"]["mode"] == "-rw-r--r--"
    assert by_name["stdout.link"]["size"] == 6
    # ... one that leads out is described as the link, nothing of its target
    assert by_name["passwd"]["mode"] == "lrwxrwxrwx"
    assert by_name["passwd"]["size"] == len("/etc/passwd")

    # a trailing slash and the .json alias give the same listing
    assert sandbox.get("/files/browse.json", path=sandbox.run + "/").json() == listing


def test_browse_virtual_path_keeps_the_virtual_names(sandbox):
    r = sandbox.get("/files/browse", path=VIRTUAL + "/sub")
    assert r.status == 200, r.text
    assert [e["path"] for e in r.json()] == [f"{VIRTUAL}/sub/deep.txt"]
    # browsing a file lists nothing (as Mesos)
    assert sandbox.get("/files/browse", path=VIRTUAL + "/stdout").json() == []


def test_read_offsets_and_lengths(sandbox):
    p = f"{sandbox.run}/stdout"
    assert sandbox.read(p, offset=-1) == {"offset": 6, "data": ""}
    assert sandbox.read(p) == {"offset": 6, "data": ""}  # no offset: a size probe
    assert sandbox.read(p, offset=-1, length=-1) == {"offset": 6, "data": ""}  # the pailer
    assert sandbox.read(p, offset=0) == {"offset": 0, "data": "hello\n"}
    assert sandbox.read(p, offset=0, length=-1) == {"offset": 0, "data": "hello\n"}
    assert sandbox.read(p, offset=1, length=3) == {"offset": 1, "data": "ell"}
    assert sandbox.read(p, offset=2, length=0) == {"offset": 2, "data": ""}
    assert sandbox.read(p, offset=6) == {"offset": 6, "data": ""}
    assert sandbox.read(p, offset=100) == {"offset": 100, "data": ""}
    assert sandbox.read(f"{VIRTUAL}/stdout", offset=0) == {"offset": 0, "data": "hello\n"}
    assert sandbox.read(f"{sandbox.run}/stderr", offset=0) == {"offset": 0, "data": ""}


def test_read_is_capped_at_64_KiB(sandbox):
    p = f"{VIRTUAL}/big.bin"
    assert sandbox.read(p, offset=-1)["offset"] == len(BIG)
    first = sandbox.read(p, offset=0)
    assert first["offset"] == 0
    assert first["data"].encode("latin-1") == BIG[:65536]
    rest = sandbox.read(p, offset=65536, length=100000)
    assert rest["data"].encode("latin-1") == BIG[65536:]
    mid = sandbox.read(p, offset=1000, length=50000)
    assert mid["data"].encode("latin-1") == BIG[1000:51000]


def test_read_binary_bytes_become_latin1_code_points(sandbox):
    got = sandbox.read(f"{sandbox.run}/binary", offset=0)
    # valid UTF-8 (c3 a9) stays one character; invalid bytes map to U+00XX
    assert got["data"] == "\u00ff\u0000ok\u00e9\u00e9"


def test_read_errors(sandbox):
    p = f"{sandbox.run}/stdout"
    for params, code in [({"offset": -2}, 400), ({"length": -2}, 400),
                         ({"offset": "abc"}, 400), ({"length": "1x"}, 400),
                         ({"offset": "9" * 100}, 400)]:
        r = sandbox.get("/files/read", path=p, **params)
        assert r.status == code, (params, r.status, r.text)
    r = sandbox.get("/files/read", path=p, length=-2)
    assert "length" in r.text
    r = sandbox.get("/files/read", path=sandbox.run, offset=0)
    assert r.status == 400 and "directory" in r.text
    assert sandbox.get("/files/read", path=f"{sandbox.run}/nope").status == 404
    assert sandbox.get("/files/read").status == 400
    assert sandbox.get("/files/read", path="").status == 400


def test_download_streams_raw_bytes(sandbox):
    big = os.urandom(8 << 20)
    with open(os.path.join(sandbox.run, "large.dat"), "wb") as f:
        f.write(big)
    r = sandbox.get("/files/download", path=f"{VIRTUAL}/large.dat")
    assert r.status == 200
    assert r.headers["Content-Type"] == "application/octet-stream"
    assert r.headers["Content-Disposition"] == "attachment; filename=large.dat"
    assert int(r.headers["Content-Length"]) == len(big)
    assert r.body == big
    r = sandbox.get("/files/download.json", path=f"{sandbox.run}/stderr")
    assert r.status == 200 and r.body == b""
    r = sandbox.get("/files/download", path=f"{sandbox.run}/stdout.link")
    assert r.status == 200 and r.body == b"hello\n"
    assert r.headers["Content-Disposition"] == "attachment; filename=stdout"
    r = sandbox.get("/files/download", path=sandbox.run)
    assert r.status == 400 and "directory" in r.text
    assert sandbox.get("/files/download", path=f"{VIRTUAL}/nope").status == 404


def test_every_endpoint_needs_credentials(sandbox):
    for ep in ("/files/browse", "/files/read", "/files/download", "/files/debug",
               "/files/read.json"):
        r = sandbox.get(ep, auth=None, path=f"{sandbox.run}/stdout")
        assert r.status == 401, ep
        assert r.headers["WWW-Authenticate"] == 'Basic realm="mesos-agent-readonly"'
        r = sandbox.get(ep, auth=("MesosPrincipal", "wrong"), path=f"{sandbox.run}/stdout")
        assert r.status == 401, ep


def test_nothing_outside_the_sandboxes_is_served(sandbox):
    work = sandbox.cluster.path("agent")
    secret = os.path.join(work, "meta-secret")
    with open(secret, "w") as f:
        f.write("TOP-SECRET-CONTENT\n")
    os.symlink(secret, os.path.join(sandbox.run, "secret.link"))
    os.symlink("/etc", os.path.join(sandbox.run, "etc"))
    for ep in ("/files/read", "/files/download", "/files/browse"):
        # a symlink inside a sandbox that leads out is 404, like any path outside
        for p in (f"{sandbox.run}/passwd", f"{VIRTUAL}/secret.link", f"{VIRTUAL}/etc/passwd",
                  f"{VIRTUAL}/etc", "/etc/passwd", "/etc", "/", secret, work,
                  os.path.join(work, "meta")):
            r = sandbox.get(ep, path=p, offset=0)
            assert r.status == 404, (ep, p, r.status, r.text)
            assert b"TOP-SECRET" not in r.body and b"root:" not in r.body
        # '..' is refused before any lookup
        for p in (f"{VIRTUAL}/../../../../../../../meta-secret", f"{sandbox.run}/../{CID}/stdout",
                  f"{VIRTUAL}/.."):
            r = sandbox.get(ep, path=p, offset=0)
            assert r.status == 400, (ep, p, r.status, r.text)
            assert "path" in r.text
        assert sandbox.get(ep, path="relative/stdout").status == 400


def test_jsonp(sandbox):
    r = sandbox.get("/files/read", path=f"{sandbox.run}/stdout", offset=0, jsonp="cb_1")
    assert r.status == 200
    assert r.headers["Content-Type"] == "text/javascript"
    assert r.text == 'cb_1({"offset":0,"data":"hello\\n"})'
    r = sandbox.get("/files/browse", path=VIRTUAL, jsonp="cb")
    assert r.text.startswith("cb([{")


def test_debug_maps_virtual_roots(sandbox):
    r = sandbox.get("/files/debug")
    assert r.status == 200, r.text
    mapping = r.json()
    real = os.path.realpath(sandbox.run)
    assert mapping[VIRTUAL] == real
    latest = os.path.join(sandbox.cluster.path("agent"), "slaves", sandbox.agent_id,
                          "frameworks", FID, "executors", EID, "runs", "latest")
    assert mapping[latest] == real


def test_agent_stays_responsive_while_a_download_is_slow(sandbox):
    """A big download is streamed from the file, not built in memory, and
    does not hold the event loop: other requests are answered meanwhile."""
    import socket
    path = os.path.join(sandbox.run, "huge.dat")
    with open(path, "wb") as f:
        f.truncate(256 << 20)  # sparse, 256 MiB
    s = socket.create_connection(("127.0.0.1", sandbox.agent.port))
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        import base64
        token = base64.b64encode("{}:{}".format(*sandbox.cluster.auth).encode()).decode()
        q = urllib.parse.urlencode({"path": path})
        s.sendall(f"GET /files/download?{q} HTTP/1.1\r\nHost: x\r\n"
                  f"Authorization: Basic {token}\r\n\r\n".encode())
        head = s.recv(4096)
        assert head.startswith(b"HTTP/1.1 200")
        assert b"Content-Length: 268435456" in head
        time.sleep(0.2)
        # answered while the download is stalled: the agent's loop is not blocked
        assert sandbox.read(f"{sandbox.run}/stdout", offset=0)["data"] == "hello\n"
        rss_kb = 0
        with open(f"/proc/{sandbox.agent.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss_kb = int(line.split()[1])
        assert rss_kb < 128 * 1024, f"agent RSS {rss_kb} kB during a 256 MiB download"
    finally:
        s.close()
