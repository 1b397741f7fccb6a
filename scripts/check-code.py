#!/usr/bin/python3
"""Static checks of agora's sources, run by scripts/run-tests.sh as tests.

    scripts/check-code.py BUILD_DIR REPORT.xml

1. exported-symbols: `nm` over BUILD_DIR/obj/**/*.o. Every symbol an object
   exports must start with one of the prefixes its source file owns in the
   table below, and no two modules may own overlapping prefixes, so that a
   name says which module defines it. Everything else is `static`.
2. comment-citations: no comment in src/ cites a document that is not in
   this repository (a path under specs/ or shared/, a "§" section, the
   section labels of a private spec such as "A2 row 8"). A rule a comment
   relies on is written under docs/ or cited as public documentation.
3. file-maps: the file maps at the top of master/master.h and agent/agent.h
   name every .c file of their directory, and only those.

Writes one JUnit XML report with one testcase per check; exit status 1 if
a check failed.
"""
import glob
import os
import re
import subprocess
import sys
from xml.sax.saxutils import quoteattr, escape

# Module -> the prefixes it exports. A prefix p owns the name p and every
# name starting "p_". A module is one file, or a few files that share one
# header and one set of names (listed together). Keep it short: a new file
# gets its own row, and a new name fits a prefix its module already owns.
PREFIXES = """
core/acl.c                              acl
core/attributes.c                       attributes
core/auth.c                             auth
core/credentials.c                      cred
core/daemon.c                           daemon
core/flags.c                            flags
core/http.c                             http
core/ids.c                              id uuid base64 hex random
core/json.c                             json jget jpath jerr
core/invariant.c                        invariant
core/log.c                              log fatal fatalx
core/map.c                              map
core/mesos.c                            mesos
core/recordio.c                         recordio
core/resources.c                        res
core/store.c                            store
core/task_spec.c                        task_spec
core/util.c                             str fd file now parse format_duration mkdir_p remove_tree
                                        xmalloc xcalloc xrealloc xreallocarray xstrdup xstrndup

master/agent_link.c                     agent_link
master/agent_msg.c                      agent_subscribe
master/agents.c                         master_agent master_info
master/allocator.c                      alloc offer
master/authz.c                          master_authorize master_load_acls
master/call_parse.c                     call
master/frameworks.c                     framework
master/http_api.c                       master_http
master/main.c                           master_main master_flag
master/registry.c                       registry
master/scheduler_api.c                  scheduler_api
master/state_json.c                     state
master/task_info.c                      task_info
master/tasks.c                          tasks task_free task_set_state task_state

agent/capabilities.c                    caps
agent/cgroups.c                         cg
agent/checkpoint.c                      checkpoint
agent/container.c                       ctr
agent/containerizer.c                   ctz
agent/detect.c                          detect
agent/fetch_libs.c                      fetch_libs
agent/fetcher.c                         fetcher
agent/files_api.c                       files
agent/gc.c                              gc
agent/gpu.c                             gpu
agent/http_api.c                        agent_http
agent/isolation.c                       iso
agent/launcher.c                        launcher
agent/main.c                            agent_main agent_flag
agent/master_link.c                     link
agent/master_events.c                   mevent
agent/monitor.c                         mon
agent/spawner.c                         spawner
agent/status_updates.c                  status
agent/supervisor.c                      supervisor
agent/supervisor_proto.c                sup
agent/tasks.c agent/task_recovery.c     atask atasks

framework/scheduler.c framework/scheduler_json.c   sched

jobs/api.c                              jobs_api
jobs/engine.c                           engine
jobs/graph.c                            graph
jobs/job.c jobs/job_regex.c jobs/job_task.c   job
jobs/main.c                             jobs_main
jobs/schedule.c                         schedule
jobs/store.c                            jstore

cli/cli.c                               cli_fail cli_reply cli_sandbox
cli/execute.c                           cli_execute
cli/job.c                               cli_job
cli/up.c                                cli_up
cli/task.c                              cli_task

main.c                                  main
"""

# (file, symbol): a name that is where it is for now, with the reason. The
# check fails once the name has moved, so that the row goes with it.
EXCEPTIONS = {
}

# What a comment must not cite.
CITATIONS = [
    (re.compile(r"\bspecs?/"), "a path under specs/"),
    (re.compile(r"\bshared/"), "a path under shared/"),
    (re.compile("\u00a7"), "a '\u00a7' section of a document"),
    (re.compile(r"\bspec PART\b", re.I), "a PART of a spec"),
    (re.compile(r"\b[A-H]\d{1,2}(\.\d+)?( (row|step)s? \d|[):,])"), "a spec's section label"),
    (re.compile(r"(\bspec |\()[A-H]\d{1,2}(\.\d+)?\b"), "a spec's section label"),
]


def parse_table():
    """Returns ({file: module}, {module: [prefixes]}); a module is named by its first file."""
    owner, prefixes = {}, {}
    module = None
    for line in PREFIXES.splitlines():
        if not line.strip():
            continue
        words = line.split()
        if line[0].isspace():  # continues the row above
            prefixes[module] += words
            continue
        files = [w for w in words if w.endswith(".c")]
        module = files[0]
        for f in files:
            owner[f] = module
        prefixes[module] = [w for w in words if not w.endswith(".c")]
    return owner, prefixes


def owns(prefix, name):
    return name == prefix or name.startswith(prefix + "_")


def check_table(prefixes):
    errors = []
    flat = [(p, m) for m, ps in prefixes.items() for p in ps]
    for p, m in flat:
        for q, n in flat:
            if m != n and owns(p, q):
                errors.append(f"prefix '{q}' of {n} overlaps prefix '{p}' of {m}")
    return errors


def exported(obj):
    out = subprocess.run(["nm", "-g", "--defined-only", obj], capture_output=True, text=True,
                         check=True).stdout
    names = []
    for line in out.splitlines():
        parts = line.split()
        # names starting with '_' are the compiler's or the sanitizers', never ours
        if len(parts) == 3 and not parts[2].startswith("_"):
            names.append(parts[2])
    return names


def check_symbols(build):
    owner, prefixes = parse_table()
    errors = check_table(prefixes)
    objdir = os.path.join(build, "obj")
    objs = sorted(glob.glob(os.path.join(objdir, "**", "*.o"), recursive=True))
    if not objs:
        return [f"no objects under {objdir}: build first"]
    seen_files, used_exceptions = set(), set()
    for obj in objs:
        src = os.path.relpath(obj, objdir)[:-2] + ".c"
        seen_files.add(src)
        module = owner.get(src)
        if module is None:
            errors.append(f"src/{src}: no row in the prefix table of scripts/check-code.py")
            continue
        for name in exported(obj):
            if any(owns(p, name) for p in prefixes[module]):
                continue
            if (src, name) in EXCEPTIONS:
                used_exceptions.add((src, name))
                continue
            others = [m for m, ps in prefixes.items() if any(owns(p, name) for p in ps)]
            where = f" (a name of {others[0]})" if others else ""
            errors.append(f"src/{src}: exports '{name}' without a prefix of its module "
                          f"({' '.join(prefixes[module])}){where}: make it static or rename it")
    for f in sorted(set(owner) - seen_files):
        errors.append(f"src/{f}: in the prefix table but not built")
    for key in sorted(set(EXCEPTIONS) - used_exceptions):
        if key[0] in seen_files:
            errors.append(f"src/{key[0]}: exception for '{key[1]}' no longer needed: remove it")
    return errors


def comments(text):
    """Yields (line number, comment text) of each /* */ and // comment."""
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c in "\"'":  # a literal: skip it, escapes included
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            line += text.count("\n", i, j + 1)
            i = j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            yield line, text[i:j]
            line += text.count("\n", i, j)
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            yield line, text[i:j]
            i = j
        else:
            i += 1


# Headers whose opening comment maps every .c file of their directory.
FILE_MAPS = ["master/master.h", "agent/agent.h"]


def check_file_maps(root):
    errors = []
    for header in FILE_MAPS:
        path = os.path.join(root, "src", header)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        first = next(comments(text), (0, ""))[1]
        listed = set(re.findall(r"^ \*\s+(\w+\.c)\b", first, re.M))
        folder = os.path.dirname(path)
        present = {n for n in os.listdir(folder) if n.endswith(".c")}
        for n in sorted(present - listed):
            errors.append(f"src/{header}: the file map does not list {n}")
        for n in sorted(listed - present):
            errors.append(f"src/{header}: the file map lists {n}, which is gone")
    return errors


MD_NAME = re.compile(r"(?<![\w/.-])((?:docs/)?[\w.-]+\.md)\b")


def check_citations(root):
    errors = []
    # NAME.md or docs/NAME.md in a comment must be a file of this repository
    def outside_doc(sub):
        for m in MD_NAME.finditer(sub):
            name = m.group(1)
            places = ("",) if name.startswith("docs/") else ("", "docs")
            if not any(os.path.exists(os.path.join(root, d, name)) for d in places):
                return m.group(0)
        return None
    files = sorted(glob.glob(os.path.join(root, "src", "**", "*.[ch]"), recursive=True))
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for line, comment in comments(text):
            for k, sub in enumerate(comment.split("\n")):
                hits = [(what, m.group(0)) for rx, what in CITATIONS for m in [rx.search(sub)] if m]
                md = outside_doc(sub)
                if md:
                    hits.append(("a document not in this repository", md))
                if hits:
                    what, text = hits[0]
                    errors.append(f"{os.path.relpath(path, root)}:{line + k}: cites {what} "
                                  f"('{text}'): write the rule under docs/ or cite "
                                  "public documentation by name")
    return errors


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    build, report = sys.argv[1], sys.argv[2]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    checks = [("exported-symbols", check_symbols(build)),
              ("comment-citations", check_citations(root)),
              ("file-maps", check_file_maps(root))]
    cases = []
    for name, errors in checks:
        for e in errors:
            print(f"{name}: {e}")
        body = ""
        if errors:
            body = f"<failure message={quoteattr(f'{len(errors)} problem(s)')}>" \
                   f"{escape(chr(10).join(errors))}</failure>"
        cases.append(f'<testcase classname="code" name="{name}">{body}</testcase>')
    with open(report, "w", encoding="utf-8") as f:
        f.write('<testsuites><testsuite name="code-checks">' + "".join(cases) +
                "</testsuite></testsuites>\n")
    return 1 if any(errors for _, errors in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
