#!/usr/bin/env python3
"""Times a real `git push` into a bare repository with leakgate's
pre-receive hook beside the same push into one without a hook.

Called by bench/run.sh:
    push.py CORPUS_DIR LEAKGATE_BIN [CASE...]
Cases:
  push-1     one new commit (a few changed lines) onto the `history`
             corpus's main branch: the everyday push.
  push-1000  1,000 new commits of new history onto the same branch, each
             changing one file.
Both bare repositories are copies of the `history` corpus. Before each
run, `main` is set back to where it was (not timed), so every run pushes
the same commits; the hooked and the plain push alternate, so both see the
same load on a shared machine. The table shows medians and the difference
of the medians, which is what the hook adds to a push.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = {"push-1": 21, "push-1000": 5}
WARMUP = {"push-1": 2, "push-1000": 1}
COMMITS = {"push-1": 1, "push-1000": 1000}


def git(*args, cwd=None, input=None):
    return subprocess.run(["git", *args], cwd=cwd, input=input, check=True,
                          capture_output=True).stdout


def new_history(work, count):
    """Adds `count` commits on top of HEAD with git fast-import, each adding
    five lines to one of 20 new files. Returns the new tip."""
    head = git("rev-parse", "HEAD", cwd=work).decode().strip()
    files = {}
    stream = []
    for i in range(count):
        name = f"bench/module_{i % 20}.py"
        files[name] = files.get(name, "") + "".join(
            f"value_{i}_{j} = compute({i}, {j})  # step {j}\n" for j in range(5))
        data = files[name].encode()
        message = f"bench commit {i}\n".encode()
        stream.append(b"commit refs/heads/bench\n")
        stream.append(f"committer Bench <bench@example.invalid> {1700000000 + i} +0000\n".encode())
        stream.append(b"data %d\n%s" % (len(message), message))
        if i == 0:
            stream.append(f"from {head}\n".encode())
        stream.append(f"M 100644 inline {name}\n".encode())
        stream.append(b"data %d\n%s\n" % (len(data), data))
    git("fast-import", "--quiet", "--force", cwd=work, input=b"".join(stream))
    return git("rev-parse", "refs/heads/bench", cwd=work).decode().strip()


def timed_push(work, remote, tip, branch):
    start = time.perf_counter()
    result = subprocess.run(["git", "push", "-q", remote, f"{tip}:refs/heads/{branch}"], cwd=work,
                            capture_output=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"git push to {remote} failed:\n{result.stderr.decode()}")
    return wall


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    corpus, binary = sys.argv[1], os.path.abspath(sys.argv[2])
    cases = sys.argv[3:] or list(RUNS)
    source = os.path.join(corpus, "history")
    load_before = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory(prefix="leakgate-push-bench-") as tmp:
        work = os.path.join(tmp, "work")
        git("clone", "-q", source, work)
        base = git("rev-parse", "HEAD", cwd=work).decode().strip()
        branch = git("symbolic-ref", "--short", "HEAD", cwd=work).decode().strip()
        hooked, plain = os.path.join(tmp, "hooked.git"), os.path.join(tmp, "plain.git")
        for bare in (hooked, plain):
            git("clone", "-q", "--bare", "--no-local", source, bare)
            git("symbolic-ref", "HEAD", f"refs/heads/{branch}", cwd=bare)
        hook = os.path.join(hooked, "hooks", "pre-receive")
        with open(hook, "w") as f:
            f.write(f"#!/bin/sh\nexec '{binary}' scan --pre-receive\n")
        os.chmod(hook, 0o755)
        for case in cases:
            if case not in RUNS:
                raise SystemExit(f"unknown case {case!r}")
            tip = new_history(work, COMMITS[case])
            samples = {hooked: [], plain: []}
            for i in range(WARMUP[case] + RUNS[case]):
                for remote in (hooked, plain):
                    git("update-ref", f"refs/heads/{branch}", base, cwd=remote)
                    wall = timed_push(work, remote, tip, branch)
                    if i >= WARMUP[case]:
                        samples[remote].append(wall)
            with_hook = statistics.median(samples[hooked])
            without = statistics.median(samples[plain])
            rows.append((case, with_hook, without))
            print(f"  measured {case}", file=sys.stderr)
    print(f"{'case':<10} {'hooked':>10} {'no hook':>10} {'added':>10}")
    for case, with_hook, without in rows:
        print(f"{case:<10} {with_hook * 1000:>8.1f}ms {without * 1000:>8.1f}ms "
              f"{(with_hook - without) * 1000:>8.1f}ms")
    print(f"medians of {', '.join(f'{c}: {RUNS[c]}' for c in cases)} runs after warm-up; "
          f"{os.cpu_count()} cores; load average before: {load_before:.2f}")


if __name__ == "__main__":
    main()
