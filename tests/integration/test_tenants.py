"""Tenants on one machine: what a task running as one unprivileged user can
see of another user's task. Sandboxes are 0700 and owned by their task's
user, stdout/stderr 0600, and the directories above them (up to
<work_dir>/slaves) 0711: reachable, not listable. The agent and its Files
API still read everything as root.
"""
import os
import pwd
import stat

import pytest

from conftest import http
from test_tasks_agent import AUTH, IS_ROOT, env, launch, read, sandbox_of  # noqa: F401

OTHER_USER = "daemon"


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.skipif(not IS_ROOT, reason="user switching needs root")
def test_a_task_cannot_list_or_read_another_users_sandbox(env):
    os.chmod(env.cluster.tmp, 0o711)  # a private temp dir would hide everything anyway
    launch(env, "holder", "echo SECRET-of-nobody; sleep 60", user="nobody")
    env.sched.wait_update("holder", "TASK_RUNNING")
    sandbox = sandbox_of(env, "holder")
    runs = os.path.dirname(sandbox)
    frameworks = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(runs))))
    assert os.path.basename(frameworks) == "frameworks"
    slaves = os.path.join(env.work_dir, "slaves")

    snoop = (f"ls {frameworks}; echo ls-frameworks=$?; ls {slaves}; echo ls-slaves=$?; "
             f"ls {sandbox}; echo ls-sandbox=$?; cat {sandbox}/stdout; echo cat-stdout=$?; "
             f"ls {runs}; echo ls-runs=$?; echo own-sandbox-ok > mine; cat mine")
    launch(env, "snoop", snoop, user=OTHER_USER)
    env.sched.wait_update("snoop", "TASK_FINISHED")
    snoop_sandbox = sandbox_of(env, "snoop")
    out = read(os.path.join(snoop_sandbox, "stdout"))
    err = read(os.path.join(snoop_sandbox, "stderr"))
    for step in ("ls-frameworks", "ls-slaves", "ls-sandbox", "cat-stdout", "ls-runs"):
        assert f"{step}=0" not in out, out
    assert "SECRET-of-nobody" not in out
    assert "Permission denied" in err
    assert "own-sandbox-ok" in out  # its own sandbox works as usual
    nobody = pwd.getpwnam("nobody")
    assert os.stat(sandbox).st_uid == nobody.pw_uid and mode(sandbox) == 0o700
    assert mode(os.path.join(sandbox, "stdout")) == 0o600
    assert mode(os.path.join(sandbox, "stderr")) == 0o600
    for d in (slaves, os.path.dirname(frameworks), frameworks, runs):
        assert mode(d) == 0o711, d

    # the agent (root) still serves the holder's output through /files
    r = http("GET", f"http://127.0.0.1:{env.agent.port}/files/read?"
                    f"path={sandbox}/stdout&offset=0", auth=AUTH)
    assert r.status == 200, r.text
    assert "SECRET-of-nobody" in r.json()["data"]
    env.sched.kill("holder")
    env.sched.wait_update("holder", "TASK_KILLED")


def make_gzip_bomb(path, size):
    """A .tar.gz of one file of `size` zero bytes (a few hundred KB)."""
    import io
    import tarfile
    with tarfile.open(path, "w:gz", compresslevel=9) as tar:
        info = tarfile.TarInfo("zeros")
        info.size = size

        class Zeros(io.RawIOBase):
            def __init__(self):
                self.left = size

            def readable(self):
                return True

            def readinto(self, b):
                n = min(len(b), self.left)
                b[:n] = bytes(n)
                self.left -= n
                return n
        tar.addfile(info, io.BufferedReader(Zeros(), 1 << 20))


def sandbox_bytes(sandbox):
    total = 0
    for root, _, files in os.walk(sandbox):
        for name in files:
            total += os.lstat(os.path.join(root, name)).st_size
    return total


def test_archive_that_unpacks_past_the_tasks_disk_fails_the_task(env):
    bomb = env.cluster.path("bomb.tar.gz")
    make_gzip_bomb(bomb, 300 << 20)
    assert os.path.getsize(bomb) < 1 << 20
    os.chmod(env.cluster.tmp, 0o755)
    os.chmod(bomb, 0o644)
    launch(env, "bomb", "ls -l", uris=[{"value": bomb, "extract": True}],
           resources="cpus:0.1;mem:32;disk:10")
    st = env.sched.wait_update("bomb", "TASK_FAILED")
    assert st["message"] == ("Failed to fetch URIs: extract bomb.tar.gz: stopped: the task's "
                             "URIs may not take more than its disk resource (10 MB)"), st
    assert "TASK_RUNNING" not in env.sched.states("bomb")
    assert sandbox_bytes(sandbox_of(env, "bomb")) <= 10 << 20


def test_download_past_the_tasks_disk_fails_the_task(env):
    big = env.cluster.path("big.bin")
    with open(big, "wb") as f:
        f.truncate(12 << 20)
    os.chmod(env.cluster.tmp, 0o755)
    os.chmod(big, 0o644)
    launch(env, "big", "true", uris=[{"value": f"file://{big}", "extract": False}],
           resources="cpus:0.1;mem:32;disk:10")
    st = env.sched.wait_update("big", "TASK_FAILED")
    assert st["message"] == (f"Failed to fetch URIs: fetch file://{big}: stopped: the task's "
                             "URIs may not take more than its disk resource (10 MB)"), st
    # the same file fits a task with more disk
    launch(env, "fits", "test -s big.bin", uris=[{"value": f"file://{big}", "extract": False}],
           resources="cpus:0.1;mem:32;disk:20")
    env.sched.wait_update("fits", "TASK_FINISHED")


# ---- linux/capabilities and linux/nnp ----

CAPS_AGENT = ("--isolation=posix/cpu,posix/mem,linux/capabilities,linux/nnp",
              '--bounding_capabilities={"capabilities":["NET_RAW","CHOWN","SETUID"]}',
              '--effective_capabilities={"capabilities":["NET_RAW"]}')
NET_RAW, CHOWN, SETUID = 1 << 13, 1 << 0, 1 << 7
SHOW_CAPS = "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' /proc/self/status"


def proc_status(env, task_id):
    fields = {}
    for line in read(os.path.join(sandbox_of(env, task_id), "stdout")).splitlines():
        name, value = line.split(":", 1)
        fields[name] = int(value.strip(), 16 if name.startswith("Cap") else 10)
    return fields


def linux_info(effective=None, bounding=None):
    info = {}
    if effective is not None:
        info["effective_capabilities"] = {"capabilities": effective}
    if bounding is not None:
        info["bounding_capabilities"] = {"capabilities": bounding}
    return {"type": "MESOS", "linux_info": info}


@pytest.mark.skipif(not IS_ROOT, reason="capabilities need a root agent")
@pytest.mark.parametrize("env", [CAPS_AGENT], indirect=True)
def test_a_task_gets_the_agents_capability_sets_and_no_new_privs(env):
    launch(env, "default-caps", SHOW_CAPS, user="nobody")
    env.sched.wait_update("default-caps", "TASK_FINISHED")
    st = proc_status(env, "default-caps")
    assert st["CapBnd"] == NET_RAW | CHOWN | SETUID, hex(st["CapBnd"])
    assert st["CapEff"] == st["CapPrm"] == st["CapAmb"] == NET_RAW, st
    assert st["NoNewPrivs"] == 1

    # a task's own sets, within the agent's bounding set
    launch(env, "own-caps", SHOW_CAPS, user="nobody",
           container=linux_info(effective=["CHOWN"], bounding=["CHOWN", "SETUID"]))
    env.sched.wait_update("own-caps", "TASK_FINISHED")
    st = proc_status(env, "own-caps")
    assert st["CapBnd"] == CHOWN | SETUID and st["CapEff"] == CHOWN, st
    assert st["NoNewPrivs"] == 1

    # an empty effective set: nothing at all
    launch(env, "no-caps", SHOW_CAPS, user="nobody", container=linux_info(effective=[]))
    env.sched.wait_update("no-caps", "TASK_FINISHED")
    st = proc_status(env, "no-caps")
    assert st["CapEff"] == st["CapPrm"] == st["CapAmb"] == 0
    assert st["CapBnd"] == NET_RAW | CHOWN | SETUID

    # asking for more than the agent's bounding set refuses the task
    launch(env, "greedy", "true", user="nobody", container=linux_info(effective=["SYS_ADMIN"]))
    st = env.sched.wait_update("greedy", "TASK_FAILED")
    assert st["message"] == ("container.linux_info asks for SYS_ADMIN, outside this agent's "
                             "--bounding_capabilities (CHOWN,SETUID,NET_RAW)"), st
    launch(env, "typo", "true", user="nobody", container=linux_info(effective=["NET_RAWW"]))
    st = env.sched.wait_update("typo", "TASK_FAILED")
    assert st["message"] == ("container.linux_info.effective_capabilities.capabilities[0]: "
                             "unknown capability 'NET_RAWW'"), st


@pytest.mark.skipif(not IS_ROOT, reason="user switching needs root")
def test_capabilities_asked_of_an_agent_without_the_isolator_refuse_the_task(env):
    launch(env, "wants-caps", "true", user="nobody", container=linux_info(effective=["NET_RAW"]))
    st = env.sched.wait_update("wants-caps", "TASK_FAILED")
    assert "without the linux/capabilities isolator" in st["message"], st
    launch(env, "plain", SHOW_CAPS, user="nobody")
    env.sched.wait_update("plain", "TASK_FINISHED")
    assert proc_status(env, "plain")["NoNewPrivs"] == 0


@pytest.mark.skipif(not IS_ROOT, reason="capabilities need a root agent")
def test_agora_up_drops_the_bounding_set_and_sets_no_new_privs(tmp_path):
    import glob
    import re
    import signal
    import subprocess
    import time
    from conftest import AGORA, free_port
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
        lines = out.splitlines()
        i = [n for n, line in enumerate(lines) if " execute " in line][0]
        cmd = lines[i].strip().rstrip("\\") + " " + lines[i + 1].strip()
        cmd = re.sub(r"--command='[^']*'", f"--command=\"{SHOW_CAPS}\"", cmd)
        r = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and "TASK_FINISHED" in r.stdout, r.stdout + r.stderr
        (stdout,) = {os.path.realpath(f) for f in glob.glob(
            f"{tmp_path}/up/agent/slaves/*/frameworks/*/executors/*/runs/*/stdout")}
        fields = dict(line.split(":", 1) for line in read(stdout).splitlines())
        assert int(fields["CapBnd"], 16) == 0, fields
        assert int(fields["CapEff"], 16) == 0 and int(fields["NoNewPrivs"]) == 1, fields
    finally:
        p.send_signal(signal.SIGINT)
        p.communicate(timeout=20)
