#!/usr/bin/env python3
"""Times leakgate beside git's own floor on the benchmark corpora.

Called by bench/run.sh, which builds the binary and the corpora first:
    [BASELINE_BIN=OLD_LEAKGATE] measure.py CORPUS_DIR LEAKGATE_BIN [CASE...]
Cases: small, big, history, regenerated, interleaved (default: all).
regenerated and interleaved are made here, in CORPUS_DIR, when missing:
one staged rewrite of a 400k-line file each, against `git diff --cached
-U0`, to show the line diff's cost stays proportional to the file. Each command is started
with posix_spawn and reaped with wait4, so the wall time and the CPU time
(user + system, all threads, children included) are the command's own; one
more run under GNU time gives its peak resident memory. leakgate and its
floor run alternately, so on a shared machine both see the same load. The table shows medians; the ratio is leakgate's median wall time over
the floor's. With BASELINE_BIN, another leakgate binary (a previous
release, say) runs the same command in the same rotation, and the table adds
its medians and leakgate's wall and CPU time over its: a comparison of two
binaries measured one after the other on a shared machine mostly measures
the machine.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = {"small": 41, "big": 7, "history": 7, "regenerated": 7, "interleaved": 7}
WARMUP = {"small": 3, "big": 1, "history": 1, "regenerated": 1, "interleaved": 1}
LINES = 400_000


def regenerated_files():
    """A pretty-printed JSON of about 400k lines, then the same regenerated
    with half of its values changed (as lockfile and data tools do)."""
    import json
    records = LINES // 8
    old = [{"id": i, "name": f"item-{i}", "group": f"g{i % 37}", "size": i * 7 % 1000,
            "ok": i % 3 == 0, "tag": f"t{i % 101}"} for i in range(records)]
    new = []
    for i, record in enumerate(old):
        changed = dict(record)
        for n, key in enumerate(record):
            if key != "id" and (i * 7 + n) % 2 == 0:
                changed[key] = f"{record[key]}-v2" if isinstance(record[key], str) else i * 13 % 997
        new.append(changed)
    return json.dumps(old, indent=2) + "\n", json.dumps(new, indent=2) + "\n"


def interleaved_files():
    """A 400k-line file, then its two halves interleaved line by line with
    every fourth line changed: the input on which a line diff goes
    quadratic."""
    old = [f"    value_{i % 5003} = compute({i % 97}, \"{i % 13}\")\n" for i in range(LINES)]
    half = LINES // 2
    new = []
    for i in range(half):
        for j in (i, i + half):
            new.append(f"    value_{j % 5003} = changed({j})\n" if j % 4 == 0 else old[j])
    return "".join(old), "".join(new)


def make_rewrite_repo(path, make_files):
    """A repository with one committed file and its rewrite staged."""
    if os.path.isdir(os.path.join(path, ".git")):
        return
    old, new = make_files()
    os.makedirs(path)
    env = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.invalid",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.invalid")
    git = lambda *args: subprocess.run(["git", *args], cwd=path, env=env, check=True,
                                       stdout=subprocess.DEVNULL)
    git("init", "-q", "-b", "main")
    name = os.path.join(path, "data.txt")
    open(name, "w").write(old)
    git("add", "data.txt")
    git("commit", "-q", "--no-verify", "-m", "original")
    open(name, "w").write(new)
    git("add", "data.txt")


def run_once(argv, cwd, stdin_path=None):
    """Runs argv in cwd with stdout and stderr discarded; returns
    (wall seconds, cpu seconds, wait4's peak RSS in KiB, exit code)."""
    actions = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
               (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
               (os.POSIX_SPAWN_OPEN, 0, stdin_path or os.devnull, os.O_RDONLY, 0)]
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        start = time.perf_counter()
        pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
    finally:
        os.chdir(previous)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


GNU_TIME = "/usr/bin/time"


def peak_rss_kib(argv, cwd, stdin_path, fallback):
    """The command's peak RSS from GNU time, which forks it from a small
    process. wait4 here would also count the pages of this Python process,
    which a spawned child holds until it executes the command."""
    if not os.access(GNU_TIME, os.X_OK):
        return None
    with tempfile.NamedTemporaryFile(prefix="leakgate-bench-", suffix=".rss") as out:
        run_once([GNU_TIME, "-f", "%M", "-o", out.name, *argv], cwd, stdin_path)
        text = open(out.name).read().split()
    return int(text[-1]) if text else fallback


def measure_pair(case, ours, floor, cwd, runs, warmup, floor_stdin=None, theirs=None):
    """Times leakgate and its floor (and the baseline leakgate, if given)
    alternately, run for run, so all see the same load on a shared machine;
    returns a summary for each."""
    commands = [(ours, None, (0, 1)), (floor, floor_stdin, (0,))]
    if theirs:
        commands.append((theirs, None, (0, 1)))
    samples = [([], []) for _ in commands]
    for i in range(warmup + runs):
        for (argv, stdin_path, ok_codes), (walls, cpus) in zip(commands, samples):
            wall, cpu, _, code = run_once(argv, cwd, stdin_path)
            if code not in ok_codes:
                raise SystemExit(f"{case}: {' '.join(argv)} exited {code} in {cwd}")
            if i >= warmup:
                walls.append(wall)
                cpus.append(cpu)
    return [{"wall": statistics.median(walls), "cpu": statistics.median(cpus),
             "rss": peak_rss_kib(argv, cwd, stdin_path, None)}
            for (argv, stdin_path, _), (walls, cpus) in zip(commands, samples)]


def staged_blob_ids(repo):
    """The ids of every staged blob, one per line, for `git cat-file --batch`."""
    out = subprocess.run(["git", "ls-files", "--stage", "-z"], cwd=repo,
                         check=True, capture_output=True).stdout
    ids = []
    for record in out.split(b"\0"):
        if record:
            mode, oid, _stage = record.split(b"\t", 1)[0].split(b" ")
            if mode in (b"100644", b"100755"):
                ids.append(oid)
    handle = tempfile.NamedTemporaryFile(prefix="leakgate-bench-", suffix=".ids", delete=False)
    handle.write(b"\n".join(ids) + b"\n")
    handle.close()
    return handle.name


def supports_history(binary):
    help_text = subprocess.run([binary, "scan", "--help"], capture_output=True, text=True).stdout
    return "--history" in help_text


def fmt_rss(kib):
    return "n/a" if kib is None else f"{kib / 1024:.1f} MB"


def fmt_time(seconds):
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    corpus, binary = sys.argv[1], os.path.abspath(sys.argv[2])
    cases = sys.argv[3:] or ["small", "big", "history", "regenerated", "interleaved"]
    if "regenerated" in cases:
        make_rewrite_repo(os.path.join(corpus, "regenerated"), regenerated_files)
    if "interleaved" in cases:
        make_rewrite_repo(os.path.join(corpus, "interleaved"), interleaved_files)
    baseline = os.environ.get("BASELINE_BIN")
    if baseline:
        baseline = os.path.abspath(baseline)
    load_before = os.getloadavg()[0]
    rows = []
    for case in cases:
        repo = os.path.join(corpus, case)
        runs, warmup = RUNS[case], WARMUP[case]
        stdin_path = None
        if case in ("small", "regenerated", "interleaved"):
            ours = [binary, "scan"]
            floor_name, floor = "git diff --cached -U0", ["git", "diff", "--cached", "-U0"]
        elif case == "big":
            ours = [binary, "scan"]
            stdin_path = staged_blob_ids(repo)
            floor_name, floor = "git cat-file --batch (staged blobs)", ["git", "cat-file", "--batch"]
        elif case == "history":
            ours = [binary, "scan", "--history"]
            floor_name, floor = "git log -p -U0 --all", ["git", "log", "-p", "-U0", "--all"]
            if not supports_history(binary):
                rows.append((case, None, floor_name, None))
                continue
        else:
            raise SystemExit(f"unknown case {case!r}")
        # Exit 1 means findings: the corpora are real code, where a scanner
        # may report false positives; 2 (an error) stops the benchmark.
        theirs = [baseline, *ours[1:]] if baseline else None
        mine, base, *previous = measure_pair(case, ours, floor, repo, runs, warmup,
                                             stdin_path, theirs)
        if stdin_path:
            os.unlink(stdin_path)
        rows.append((case, mine, floor_name, base, previous[0] if previous else None))
        print(f"  measured {case}", file=sys.stderr)

    print(f"{'case':<8} {'leakgate':>10} {'floor':>10} {'ratio':>6} {'cpu':>9} {'peak RSS':>9}  floor command (its cpu, peak RSS)")
    for case, mine, floor_name, base, _ in rows:
        if mine is None:
            print(f"{case:<8} {'not available (this leakgate has no scan --history)':<50}  {floor_name}")
            continue
        ratio = mine["wall"] / base["wall"]
        print(f"{case:<8} {fmt_time(mine['wall']):>10} {fmt_time(base['wall']):>10} {ratio:>5.2f}x "
              f"{fmt_time(mine['cpu']):>9} {fmt_rss(mine['rss']):>9}  "
              f"{floor_name} ({fmt_time(base['cpu'])}, {fmt_rss(base['rss'])})")
    if baseline:
        print(f"baseline {baseline}, in the same rotation:")
        print(f"{'case':<8} {'baseline':>10} {'its cpu':>9} {'peak RSS':>9}  leakgate over baseline (wall, cpu)")
        for case, mine, _, _, theirs in rows:
            if mine is None or theirs is None:
                continue
            print(f"{case:<8} {fmt_time(theirs['wall']):>10} {fmt_time(theirs['cpu']):>9} "
                  f"{fmt_rss(theirs['rss']):>9}  {mine['wall'] / theirs['wall']:.3f}x, "
                  f"{mine['cpu'] / theirs['cpu']:.3f}x")
    if not os.access(GNU_TIME, os.X_OK):
        print(f"peak RSS needs GNU time at {GNU_TIME} (Debian package 'time')")
    print("cpu: user + system time of the command and its children, all threads")
    print(f"medians of {', '.join(f'{c}: {RUNS[c]}' for c in cases)} runs after warm-up; "
          f"{os.cpu_count()} cores; load average before: {load_before:.2f}")


if __name__ == "__main__":
    main()
