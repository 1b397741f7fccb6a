"""`agora up`: three principals with their own 0600 secret files, daemons
that get file paths only (no secret in any agora process's argv or
environment), ports from flags, and a stack that works with what the
banner prints.
"""
import os
import signal
import subprocess

from conftest import AGORA, free_port, http, run_agora, wait_until


def children_of(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            kids.append(int(entry))
    return kids


def proc_bytes(pid, what):
    try:
        with open(f"/proc/{pid}/{what}", "rb") as f:
            return f.read()
    except OSError:
        return b""


def test_up_keeps_secrets_off_command_lines(tmp_path):
    work = tmp_path / "var"
    ports = {"master": free_port(), "agent": free_port(), "jobs": free_port()}
    log = open(tmp_path / "up.log", "wb")
    up = subprocess.Popen([AGORA, "up", f"--work_dir={work}", "--resources=cpus:1;mem:128",
                           f"--master_port={ports['master']}", f"--agent_port={ports['agent']}",
                           f"--jobs_port={ports['jobs']}"],
                          stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        text = lambda: open(tmp_path / "up.log").read()
        wait_until(lambda: "is up." in text() or up.poll() is not None, 60, what="agora up")
        assert "is up." in text(), text()
        creds = work / "credentials"
        assert os.stat(creds).st_mode & 0o777 == 0o700
        secrets = {}
        for role in ("agent", "framework", "operator"):
            p = creds / f"{role}.secret"
            assert os.stat(p).st_mode & 0o777 == 0o600
            secrets[role] = p.read_text().strip()
            assert len(secrets[role]) >= 32
        assert len(set(secrets.values())) == 3, "one secret per principal"
        for name in os.listdir(creds):
            assert os.stat(creds / name).st_mode & 0o077 == 0, name
        # no secret in the argv or environment of up or any daemon it started
        pids = [up.pid] + children_of(up.pid)
        assert len(pids) == 4, pids
        for pid in pids:
            for what in ("cmdline", "environ"):
                data = proc_bytes(pid, what)
                for role, secret in secrets.items():
                    assert secret.encode() not in data, (pid, what, role)
        # each principal does its own job: the operator reads the master ...
        m = f"http://127.0.0.1:{ports['master']}"
        assert http("GET", m + "/master/state", auth=("agora", secrets["operator"])).status == 200
        assert http("GET", m + "/master/state", auth=("agora", secrets["agent"])).status == 401
        # ... and the jobs API through the file the banner names
        assert f"--http_credentials=file://{creds}/jobs-http" in text()
        r = run_agora("job", "ls", f"--jobs=127.0.0.1:{ports['jobs']}",
                      f"--http_credentials=file://{creds}/jobs-http")
        assert r.returncode == 0, r.stderr
    finally:
        up.send_signal(signal.SIGTERM)
        up.wait(30)
        log.close()
