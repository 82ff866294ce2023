#!/usr/bin/env python3
"""Write a leakgate-format findings report derived from a corpus' labels.

Used to test score.py without a working scanner:

    python3 bench/accuracy/fake_findings.py --corpus DIR --out findings.json \
        [--drop N] [--false-positives N] [--duplicates N] [--seed S]

Starts from one finding per label (a perfect report), then removes the
findings of N labels (misses), adds N findings on lines that hold no label
(false positives) and N extra findings on already-found labels
(duplicates).  Prints the numbers score.py should report.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys


def finding(path, line, end_line, rule):
    fp = hashlib.sha256(f"{path}:{line}:{rule}".encode()).hexdigest()[:16]
    return {"rule_id": rule, "description": "synthetic finding", "path": path, "line": line, "column": 1,
            "end_line": end_line, "end_column": 10, "secret": "REDACTED", "fingerprint": fp, "commit": None}


def build(corpus, drop, fps, dups, seed):
    rng = random.Random(seed)
    with open(os.path.join(corpus, "labels.json"), encoding="utf-8") as fh:
        labels = json.load(fh)
    # group labels by (path, line): one finding per line found, as a real scanner would
    lines = {}
    for l in labels:
        lines.setdefault((l["path"], l["line"]), []).append(l)
    keys = sorted(lines)
    dropped = set(rng.sample(keys, min(drop, len(keys))))
    findings = []
    for k in keys:
        if k not in dropped:
            findings.append(finding(k[0], k[1], k[1], lines[k][0]["type"]))
    kept = [k for k in keys if k not in dropped]
    dup_keys = rng.sample(kept, min(dups, len(kept)))
    for k in dup_keys:
        findings.append(finding(k[0], k[1], k[1], "generic-duplicate"))
    # false positives on lines with no label (and not covered by the duplicates' ranges)
    by_path = {}
    for (p, ln) in keys:
        by_path.setdefault(p, set()).add(ln)
    files = sorted(by_path)
    made = 0
    used = set()
    while made < fps:
        p = rng.choice(files)
        with open(os.path.join(corpus, p), encoding="utf-8") as fh:
            n = fh.read().count("\n")
        ln = rng.randint(1, max(1, n))
        if ln in by_path[p] or (p, ln) in used:
            continue
        used.add((p, ln))
        findings.append(finding(p, ln, ln, "synthetic-false-positive"))
        made += 1
    rng.shuffle(findings)
    missed_labels = sum(len(lines[k]) for k in dropped)
    expect = {"labels": len(labels), "found": len(labels) - missed_labels, "false_positives": fps,
              # a duplicate finding on a line holding two labels is a duplicate for each of them
              "duplicates": sum(len(lines[k]) for k in dup_keys), "findings": len(findings)}
    return {"version": 1, "findings": findings, "scanned": {"files": len(files), "bytes": 0}}, expect


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--drop", type=int, default=0, help="label lines to leave unreported (misses)")
    ap.add_argument("--false-positives", type=int, default=0)
    ap.add_argument("--duplicates", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    report, expect = build(args.corpus, args.drop, args.false_positives, args.duplicates, args.seed)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(report, fh, indent=2)
        fh.write("\n")
    json.dump({"expected": expect}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
