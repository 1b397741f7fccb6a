"""What a newcomer sees first: `agora --help` claims only what works, the
master counts refused launches in master/tasks_error, and build_time is a
number as in Mesos.
"""

from conftest import SEED_PRINCIPAL, SEED_SECRET, run_agora


def test_help_claims_no_marathon():
    r = run_agora("--help")
    assert r.returncode == 0
    assert "Marathon" not in r.stdout and "marathon" not in r.stdout
    assert "task        logs TASK" in r.stdout


def test_refused_launch_counts_as_tasks_error(cluster):
    cluster.master()
    cluster.agent()
    cluster.wait_agents(1)
    assert cluster.get("/metrics/snapshot").json()["master/tasks_error"] == 0
    secret = cluster.write("secret", SEED_SECRET + "\n")
    # root tasks are refused by default: TASK_ERROR from the master
    r = run_agora("execute", f"--master=127.0.0.1:{cluster.master_port}",
                  f"--principal={SEED_PRINCIPAL}", f"--secret_file={secret}", "--user=root",
                  "--name=rooty", "--command=true", timeout=60)
    assert r.returncode == 1 and "TASK_ERROR" in r.stdout, r.stdout + r.stderr
    assert cluster.get("/metrics/snapshot").json()["master/tasks_error"] == 1


def test_build_time_is_a_number(cluster):
    cluster.master()
    for path in ("/master/state", "/version"):
        t = cluster.get(path).json()["build_time"]
        assert isinstance(t, (int, float)) and t > 1.5e9, (path, t)
