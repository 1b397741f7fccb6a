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
