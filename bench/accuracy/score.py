#!/usr/bin/env python3
"""Score a scanner's findings against the corpus labels.

    python3 bench/accuracy/score.py --corpus DIR --findings FINDINGS.json [--json]

FINDINGS.json is leakgate's JSON report:

    {"version": 1,
     "findings": [{"rule_id", "description", "path", "line", "column", "end_line", "end_column",
                   "secret", "fingerprint", "commit"}, ...],
     "scanned": {"files": N, "bytes": N}}

A gitleaks JSON report (a list of objects with File / StartLine / EndLine /
RuleID) is accepted too, so the same corpus can score both tools.

Matching: a label is found when some finding has the same path and a line
range [line, end_line] that contains the label's line.  A finding that
matches no label is a false positive.  Several findings on one label count
once for recall; the extra ones are reported as duplicates (per label, every
matching finding after the first), not as false positives.  Findings in the corpus metadata files (labels.json,
negatives.json, manifest.json) are ignored.

Exit status is 0 whenever the inputs could be read (this measures, it does
not gate), 2 when they could not.  Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections import Counter, defaultdict

METADATA_FILES = {"labels.json", "negatives.json", "manifest.json"}


def die(msg):
    print(f"score.py: {msg}", file=sys.stderr)
    sys.exit(2)


def load_json(path, what):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as e:
        die(f"cannot read {what} {path}: {e}")


def normalize_path(p: str, corpus: str) -> str:
    p = p.replace("\\", "/")
    corpus_abs = os.path.realpath(corpus).replace("\\", "/")
    if os.path.isabs(p):
        real = os.path.realpath(p).replace("\\", "/")
        if real.startswith(corpus_abs + "/"):
            return real[len(corpus_abs) + 1:]
        return p
    while p.startswith("./"):
        p = p[2:]
    given = os.path.normpath(corpus).replace("\\", "/")
    if given not in (".", "") and p.startswith(given + "/"):
        p = p[len(given) + 1:]
    return p


def load_findings(path, corpus):
    """Return a list of dicts with path, line, end_line, rule_id (normalized)."""
    data = load_json(path, "findings")
    if isinstance(data, dict):
        raw = data.get("findings")
        if raw is None:
            die(f"{path}: no 'findings' list in the report")
    elif isinstance(data, list):
        raw = data
    else:
        die(f"{path}: unexpected JSON top level {type(data).__name__}")
    out = []
    for i, f in enumerate(raw or []):
        if not isinstance(f, dict):
            die(f"{path}: finding #{i} is not an object")
        if "File" in f or "StartLine" in f:          # gitleaks
            p, line, end = f.get("File", ""), f.get("StartLine"), f.get("EndLine")
            rule = f.get("RuleID", "?")
        else:                                         # leakgate
            p, line, end = f.get("path", ""), f.get("line"), f.get("end_line")
            rule = f.get("rule_id", "?")
        try:
            line = int(line)
        except (TypeError, ValueError):
            die(f"{path}: finding #{i} has no usable line number")
        try:
            end = int(end) if end is not None else line
        except (TypeError, ValueError):
            end = line
        if end < line:
            end = line
        out.append({"path": normalize_path(str(p), corpus), "line": line, "end_line": end, "rule_id": str(rule)})
    return out


def score(labels, findings, manifest=None):
    by_path = defaultdict(list)
    for i, l in enumerate(labels):
        by_path[l["path"]].append(i)
    hits = Counter()          # label index -> findings that matched it
    tp, fp, ignored = [], [], []
    for f in findings:
        if f["path"] in METADATA_FILES:
            ignored.append(f)
            continue
        matched = [i for i in by_path.get(f["path"], ()) if f["line"] <= labels[i]["line"] <= f["end_line"]]
        if matched:
            tp.append(f)
            for i in matched:
                hits[i] += 1
        else:
            fp.append(f)
    found = [i for i in range(len(labels)) if hits[i]]
    missed = [i for i in range(len(labels)) if not hits[i]]
    duplicates = sum(n - 1 for n in hits.values() if n > 1)

    def ratio(a, b):
        return round(a / b, 4) if b else None

    per_type = defaultdict(lambda: [0, 0])
    for i, l in enumerate(labels):
        per_type[l["type"]][0] += 1
        per_type[l["type"]][1] += bool(hits[i])
    type_rows = sorted(({"type": t, "planted": p, "found": fd, "recall": ratio(fd, p)} for t, (p, fd) in per_type.items()),
                       key=lambda r: (r["recall"], r["type"]))

    result = {
        "labels": len(labels),
        "found": len(found),
        "recall": ratio(len(found), len(labels)),
        "findings": len(tp) + len(fp),
        "true_positives": len(tp),
        "false_positives": len(fp),
        "precision": ratio(len(tp), len(tp) + len(fp)),
        "duplicates": duplicates,
        "ignored_metadata_findings": len(ignored),
        "per_type": type_rows,
        "false_positive_list": [{"path": f["path"], "line": f["line"], "rule_id": f["rule_id"]}
                                for f in sorted(fp, key=lambda f: (f["path"], f["line"], f["rule_id"]))],
        "missed": [{"path": labels[i]["path"], "line": labels[i]["line"], "type": labels[i]["type"]}
                   for i in sorted(missed, key=lambda i: (labels[i]["path"], labels[i]["line"], labels[i]["type"]))],
    }
    r, p = result["recall"], result["precision"]
    result["f1"] = round(2 * r * p / (r + p), 4) if r and p else (0.0 if r is not None and p is not None else None)

    if manifest:
        files = manifest.get("files", {})
        per_kind = defaultdict(lambda: [0, 0, 0])
        for i, l in enumerate(labels):
            k = files.get(l["path"], "?")
            per_kind[k][0] += 1
            per_kind[k][1] += bool(hits[i])
        for f in fp:
            per_kind[files.get(f["path"], "?")][2] += 1
        result["per_kind"] = sorted(({"kind": k, "planted": a, "found": b, "recall": ratio(b, a), "false_positives": c}
                                     for k, (a, b, c) in per_kind.items()), key=lambda r: (r["recall"] is None, r["recall"] or 0, r["kind"]))
    result["false_positives_by_rule"] = dict(Counter(f["rule_id"] for f in fp).most_common())
    return result


def pct(x):
    return "   n/a" if x is None else f"{100 * x:5.1f}%"


def print_text(res, out=sys.stdout):
    w = out.write
    w(f"labels            {res['labels']}\n")
    w(f"found             {res['found']}\n")
    w(f"recall            {pct(res['recall'])}\n")
    w(f"findings          {res['findings']}\n")
    w(f"true positives    {res['true_positives']}\n")
    w(f"false positives   {res['false_positives']}\n")
    w(f"precision         {pct(res['precision'])}\n")
    w(f"f1                {pct(res['f1'])}\n")
    w(f"duplicates        {res['duplicates']}\n")
    if res["ignored_metadata_findings"]:
        w(f"ignored           {res['ignored_metadata_findings']} (findings in corpus metadata files)\n")
    w("\nper-type recall (worst first)\n")
    tw = max([len(r["type"]) for r in res["per_type"]] + [4])
    w(f"  {'type':<{tw}}  planted  found  recall\n")
    for r in res["per_type"]:
        w(f"  {r['type']:<{tw}}  {r['planted']:>7}  {r['found']:>5}  {pct(r['recall'])}\n")
    if res.get("per_kind"):
        w("\nper-kind recall (worst first)\n")
        w(f"  {'kind':<12}  planted  found  recall  false positives\n")
        for r in res["per_kind"]:
            w(f"  {r['kind']:<12}  {r['planted']:>7}  {r['found']:>5}  {pct(r['recall'])}  {r['false_positives']:>15}\n")
    w(f"\nfalse positives ({res['false_positives']})\n")
    for f in res["false_positive_list"]:
        w(f"  {f['path']}:{f['line']} {f['rule_id']}\n")
    w(f"\nmissed labels ({len(res['missed'])})\n")
    for m in res["missed"]:
        w(f"  {m['path']}:{m['line']} {m['type']}\n")


def main(argv=None):
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet when piped into head
    ap = argparse.ArgumentParser(description="Score scanner findings against a generated corpus.")
    ap.add_argument("--corpus", required=True, help="corpus directory (holds labels.json)")
    ap.add_argument("--findings", required=True, help="scanner JSON report (leakgate or gitleaks format)")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args(argv)
    labels = load_json(os.path.join(args.corpus, "labels.json"), "labels")
    manifest_path = os.path.join(args.corpus, "manifest.json")
    manifest = load_json(manifest_path, "manifest") if os.path.exists(manifest_path) else None
    findings = load_findings(args.findings, args.corpus)
    res = score(labels, findings, manifest)
    if args.json:
        json.dump(res, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_text(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
