"""`agora execute` (the mesos-execute of agora) against a real master and
agent on loopback: a task that finishes, one that fails with an exit code,
one killed by --kill_after and one by Ctrl-C, refused credentials, an
offer that never fits, and the flag checks that need no cluster.

Tasks run as `nobody` when the tests run as root (the master refuses root
tasks by default), else as the current user.
"""
import json
import os
import pwd
import queue
import re
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse

import pytest

from conftest import AGORA, SEED_PRINCIPAL, SEED_SECRET, http, run_agora, wait_until

TASK_USER = "nobody" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name


@pytest.fixture
def running(cluster):
    cluster.master()
    cluster.agent()
    cluster.wait_agents(1)
    return cluster


def execute_args(cluster, *args, secret=SEED_SECRET):
    secret_file = cluster.write("secret", secret + "\n")
    return ["execute", f"--master=127.0.0.1:{cluster.master_port}",
            f"--principal={SEED_PRINCIPAL}", f"--secret_file={secret_file}",
            f"--user={TASK_USER}"] + list(args)


def execute(cluster, *args, secret=SEED_SECRET, timeout=60):
    return run_agora(*execute_args(cluster, *args, secret=secret), timeout=timeout)


def explain(r):
    return f"rc={r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"


def stdout_command(text):
    """The `agora task logs ...` command execute prints for the output."""
    m = re.search(r"^stdout: agora (task logs \S+ --master=\S+(?: --\S+)*)", text, re.M)
    assert m, f"no stdout command in:\n{text}"
    return m.group(1).split()


def read_task_output(text, *extra):
    """Runs the printed command as printed (credentials from a file, no secret)."""
    r = run_agora(*stdout_command(text), *extra, timeout=30)
    assert r.returncode == 0, explain(r)
    return r.stdout


def active_frameworks(cluster):
    return [f for f in cluster.state()["frameworks"] if f.get("active", True)]


def test_echo_finishes_and_points_at_stdout(running):
    r = execute(running, "--name=hello", "--command=echo hi")
    assert r.returncode == 0, explain(r)
    assert re.search(r"^Subscribed with ID \S+-\d{4}$", r.stdout, re.M), explain(r)
    assert re.search(r"^Received status update TASK_FINISHED for task 'hello-[0-9a-f]{4}'",
                     r.stdout, re.M), explain(r)
    cmd = stdout_command(r.stdout)
    assert SEED_SECRET not in " ".join(cmd) and "--secret_file=" in " ".join(cmd)
    assert read_task_output(r.stdout) == "hi\n"
    # the last update is acknowledged before TEARDOWN: no 403 "Framework has been removed"
    assert "ACKNOWLEDGE" not in r.stderr and "403" not in r.stderr, explain(r)
    # TEARDOWN on the way out: the master keeps no framework of ours.
    wait_until(lambda: not active_frameworks(running), 5, what="the framework torn down")


def test_exit_code_is_the_tasks(running):
    r = execute(running, "--name=three", "--command=exit 3", "--task_id=three")
    assert r.returncode == 3, explain(r)
    assert "Received status update TASK_FAILED for task 'three'" in r.stdout, explain(r)
    assert "message: '" in r.stdout, explain(r)


def test_env_and_credential_file(running):
    cred = running.write("cred", f"{SEED_PRINCIPAL} {SEED_SECRET}\n")
    r = run_agora("execute", f"--master=http://127.0.0.1:{running.master_port}",
                  f"--credential={cred}", f"--user={TASK_USER}", "--name=env",
                  '--env={"GREETING": "hello there"}',
                  '--command=test "$GREETING" = "hello there"', timeout=60)
    assert r.returncode == 0, explain(r)


def test_shell_false_runs_argv(running):
    r = execute(running, "--name=argv", "--shell=false", "--command=/bin/echo a  b")
    assert r.returncode == 0, explain(r)
    assert read_task_output(r.stdout) == "a b\n"


def test_kill_after(running):
    r = execute(running, "--name=sleeper", "--command=sleep 60", "--kill_after=1secs")
    assert r.returncode != 0, explain(r)
    assert "Killing task 'sleeper-" in r.stdout, explain(r)
    assert "Received status update TASK_KILLED" in r.stdout, explain(r)


class Background:
    """`agora execute` running in the background, its stdout read line by line.

    One thread reads stdout into a queue, so every line is seen exactly once:
    mixing readline() with communicate() lost the lines readline() had already
    buffered (communicate reads the pipe's descriptor), e.g. the stdout
    location printed right after TASK_RUNNING. stderr goes to a file."""

    def __init__(self, cluster, *args):
        fd, self.err_path = tempfile.mkstemp(dir=cluster.tmp, suffix=".execute-stderr")
        with os.fdopen(fd, "w") as err:
            self.p = subprocess.Popen([AGORA] + execute_args(cluster, *args),
                                      stdout=subprocess.PIPE, stderr=err, text=True)
        self.lines = []
        self.queue = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.out = self.err = ""

    def _read(self):
        for line in self.p.stdout:
            self.queue.put(line)
        self.queue.put(None)  # EOF

    def _take(self, timeout):
        line = self.queue.get(timeout=timeout)
        if line is not None:
            self.lines.append(line)
        return line

    def wait_line(self, text, timeout=30):
        deadline = time.monotonic() + timeout
        try:
            while True:
                line = self._take(max(0.0, deadline - time.monotonic()))
                if line is None:
                    break
                if text in line:
                    return line
        except queue.Empty:
            pass
        raise AssertionError(f"no '{text}' in:\n{''.join(self.lines)}")

    def finish(self, timeout=30):
        self.p.wait(timeout=timeout)
        while self._take(timeout) is not None:
            pass
        self.out = "".join(self.lines)
        with open(self.err_path) as f:
            self.err = f.read()
        return self.p.returncode

    def explain(self):
        return f"rc={self.p.returncode}\nstdout:\n{''.join(self.lines)}\nstderr:\n{self.err}"

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def test_ctrl_c_kills_the_task(running):
    bg = Background(running, "--name=ctrlc", "--command=sleep 60")
    try:
        bg.wait_line("TASK_RUNNING")
        bg.p.send_signal(signal.SIGINT)
        assert bg.finish(timeout=20) == 130, bg.explain()
    finally:
        bg.close()
    assert "Received status update TASK_KILLED" in bg.out, bg.explain()
    wait_until(lambda: not active_frameworks(running), 5, what="the framework torn down")


def test_survives_a_master_restart(running):
    bg = Background(running, "--name=survivor", "--command=sleep 3; echo done")
    try:
        bg.wait_line("TASK_RUNNING")
        running.procs[0].kill()
        running.master(name="master-again")
        assert bg.finish(timeout=60) == 0, bg.explain()
    finally:
        bg.close()
    assert "Received status update TASK_FINISHED" in bg.out, bg.explain()
    assert "lost the connection to the master" in bg.err, bg.explain()
    assert read_task_output(bg.out) == "done\n"


def test_wrong_secret_is_refused(running):
    r = execute(running, "--name=nope", "--command=true", "--timeout=10secs", secret="wrong")
    assert r.returncode == 1, explain(r)
    # it gives up at the 401, not at --timeout
    assert "no offer fits" not in r.stderr and "within 10secs" not in r.stderr, explain(r)
    assert f"refused the credentials of principal '{SEED_PRINCIPAL}'" in r.stderr, explain(r)
    assert "check --principal and --secret" in r.stderr, explain(r)
    assert "Subscribed" not in r.stdout


def test_no_credentials_is_refused(running):
    r = run_agora("execute", f"--master=127.0.0.1:{running.master_port}", "--name=anon",
                  "--command=true", f"--user={TASK_USER}", "--timeout=10secs", timeout=30)
    assert r.returncode == 1, explain(r)
    assert "requires authentication" in r.stderr, explain(r)


def test_resources_that_never_fit_time_out(running):
    r = execute(running, "--name=big", "--command=true", "--resources=cpus:64;mem:32",
                "--timeout=2secs")
    assert r.returncode == 1, explain(r)
    assert "no offer fits cpus:64;mem:32 within 2secs; the largest offer was cpus:2;mem:1024" \
        in r.stderr, explain(r)
    wait_until(lambda: not active_frameworks(running), 5, what="the framework torn down")


def test_without_timeout_it_says_why_it_waits(running):
    bg = Background(running, "--name=big", "--command=true", "--resources=cpus:64;mem:32")
    try:
        bg.wait_line("Waiting for an offer that fits cpus:64;mem:32; the largest offer so far: "
                     "cpus:2;mem:1024")
    finally:
        bg.close()


def test_task_logs_stderr_and_follow(running):
    r = execute(running, "--name=errs", "--task_id=errs",
                "--command=echo out; echo err >&2; echo more")
    assert r.returncode == 0, explain(r)
    assert read_task_output(r.stdout) == "out\nmore\n"
    assert read_task_output(r.stdout, "--stderr") == "err\n"
    assert read_task_output(r.stdout, "-f") == "out\nmore\n"  # ends: the task is over
    bad = run_agora("task", "logs", "no-such-task", f"--master=127.0.0.1:{running.master_port}",
                    f"--principal={SEED_PRINCIPAL}", f"--secret_file={running.path('secret')}")
    assert bad.returncode == 1 and "knows no task 'no-such-task'" in bad.stderr, explain(bad)


def test_unreachable_master_times_out(cluster):
    r = run_agora("execute", "--master=127.0.0.1:1", "--name=x", "--command=true",
                  "--timeout=1secs", timeout=30)
    assert r.returncode == 1, explain(r)
    assert "could not subscribe with the master at 127.0.0.1:1 within 1secs" in r.stderr, \
        explain(r)


@pytest.mark.parametrize("args,message", [
    ([], "--master, --name and --command are required"),
    (["--master=m:5050", "--name=x"], "--master, --name and --command are required"),
    (["--master=m:5050", "--name=x", "--command=true", "--secret=s"],
     "--secret needs --principal"),
    (["--master=m:5050", "--name=x", "--command=true", "--principal=p"],
     "--principal needs --secret"),
    (["--master=m:5050", "--name=x", "--command=true", "--principal=p", "--secret=s",
      "--secret_file=/nonexistent"], "not both"),
    (["--master=m:5050", "--name=x", "--command=true", "--env=[1]"], "--env: expected a JSON"),
    (["--master=m:5050", "--name=x", "--command=true", '--env={"A": 1}'], "'A'"),
    (["--master=m:5050", "--name=x", "--command=true", "--resources=cpus:x"], "cpus"),
    (["--master=m:5050", "--name=x", "--command=true", "--framework_capabilities=FOO"],
     "unknown capability 'FOO'"),
    (["--master=m:5050", "--name=x", "--command=true", "--task_id=a/b"], "task id 'a/b'"),
    (["--master=zk://z:2181/mesos", "--name=x", "--command=true"], "ZooKeeper"),
])
def test_flag_errors(args, message):
    r = run_agora("execute", *args, timeout=10)
    assert r.returncode == 1, explain(r)
    assert message in r.stderr, explain(r)


def test_help():
    r = run_agora("execute", "--help", timeout=10)
    assert r.returncode == 0
    for flag in ("--master", "--kill_after", "--secret_file", "--framework_capabilities"):
        assert flag in r.stdout
