#!/usr/bin/python3
"""Adds up the JUnit XML reports in a directory: one line per suite file,
then 'N passed, N failed[, N skipped]'. Exit status 1 when anything failed."""
import glob
import os
import sys
import xml.etree.ElementTree as ET

def main():
    results = sys.argv[1] if len(sys.argv) > 1 else "build/results"
    passed = failed = skipped = 0
    failures = []
    for path in sorted(glob.glob(os.path.join(results, "*.xml"))):
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as e:
            failed += 1
            failures.append(f"{os.path.basename(path)}: unreadable report ({e})")
            continue
        p = f = s = 0
        for case in root.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                f += 1
                failures.append(f"{os.path.basename(path)}: {case.get('classname', '')}::{case.get('name')}")
            elif case.find("skipped") is not None:
                s += 1
            else:
                p += 1
        passed, failed, skipped = passed + p, failed + f, skipped + s
        print(f"  {os.path.basename(path):40s} {p:4d} passed {f:3d} failed" + (f" {s:3d} skipped" if s else ""))
    for line in failures:
        print("  FAILED " + line)
    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line)
    return 1 if failed or passed == 0 else 0

if __name__ == "__main__":
    sys.exit(main())
