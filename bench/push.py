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
The bare repositories are copies of the `history` corpus: one with
leakgate's hook, one with no hook, and one whose pre-receive hook only
reads its input (what git itself spends on running any pre-receive hook:
the quarantine, starting a shell). Before each run the branch is set back
(not timed), so every run pushes the same commits; the three pushes
alternate, so all see the same load on a shared machine. The table shows
medians of wall and CPU time; "added" is leakgate's median minus the no-hook median, and
"by leakgate" its median minus the trivial hook's.
"""

import os
import resource
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
    """Returns the push's wall time and CPU time (user + system of git push
    and everything it ran: receive-pack and the hook included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(["git", "push", "-q", remote, f"{tip}:refs/heads/{branch}"], cwd=work,
                            capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"git push to {remote} failed:\n{result.stderr.decode()}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


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
        trivial = os.path.join(tmp, "trivial.git")
        for bare in (hooked, plain, trivial):
            git("clone", "-q", "--bare", "--no-local", source, bare)
            git("symbolic-ref", "HEAD", f"refs/heads/{branch}", cwd=bare)
        hook = os.path.join(hooked, "hooks", "pre-receive")
        with open(hook, "w") as f:
            f.write(f"#!/bin/sh\nexec '{binary}' scan --pre-receive\n")
        os.chmod(hook, 0o755)
        hook = os.path.join(trivial, "hooks", "pre-receive")
        with open(hook, "w") as f:
            f.write("#!/bin/sh\nexec cat >/dev/null\n")
        os.chmod(hook, 0o755)
        for case in cases:
            if case not in RUNS:
                raise SystemExit(f"unknown case {case!r}")
            tip = new_history(work, COMMITS[case])
            samples = {hooked: [], plain: [], trivial: []}
            for i in range(WARMUP[case] + RUNS[case]):
                for remote in (hooked, plain, trivial):
                    git("update-ref", f"refs/heads/{branch}", base, cwd=remote)
                    if i >= WARMUP[case]:
                        samples[remote].append(timed_push(work, remote, tip, branch))
                    else:
                        timed_push(work, remote, tip, branch)
            remotes = (hooked, plain, trivial)
            walls = [statistics.median(w for w, _ in samples[r]) for r in remotes]
            cpus = [statistics.median(c for _, c in samples[r]) for r in remotes]
            rows.append((case, walls, cpus))
            print(f"  measured {case}", file=sys.stderr)
    print(f"{'case':<10} {'':<5} {'leakgate':>10} {'no hook':>10} {'trivial':>10} {'added':>10} {'by leakgate':>12}")
    for case, walls, cpus in rows:
        for kind, (ours, none, cat) in (("wall", walls), ("cpu", cpus)):
            print(f"{case:<10} {kind:<5} {ours * 1000:>8.1f}ms {none * 1000:>8.1f}ms {cat * 1000:>8.1f}ms "
                  f"{(ours - none) * 1000:>8.1f}ms {(ours - cat) * 1000:>10.1f}ms")
    print("cpu: user + system time of git push and everything it ran, the hook included")
    print(f"medians of {', '.join(f'{c}: {RUNS[c]}' for c in cases)} runs after warm-up; "
          f"{os.cpu_count()} cores; load average before: {load_before:.2f}")


if __name__ == "__main__":
    main()
