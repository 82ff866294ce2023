#!/usr/bin/env python3
"""Services covered by leakgate's built-in rules, measured against the rule
list of gitleaks' default configuration (gitleaks-rules.tsv beside this file).

    python3 bench/coverage/coverage.py [--json] [--rules-dir DIR --ignore-missing]

Every leakgate rule id the table names must exist in src/rules/builtin/*.toml
(the script fails, exit 2, when one does not: a renamed or deleted rule
cannot be counted). A gitleaks rule is covered when the table names at least
one leakgate rule for it; a service is covered when any of its rules is.
Rules marked "-" have no leakgate counterpart; most find identifiers or
publishable keys (client ids, public keys), which leakgate deliberately does
not report. They are listed. To measure another tree (an older commit),
pass its rules directory with --rules-dir and --ignore-missing, which counts
a rule the table names but that tree lacks as absent instead of failing.
Python 3.11+, standard library only.
"""
import json
import pathlib
import sys
import tomllib

HERE = pathlib.Path(__file__).resolve().parent
RULES = HERE.parent.parent / "src" / "rules" / "builtin"


def leakgate_rule_ids(rules_dir):
    ids = set()
    for path in sorted(rules_dir.glob("*.toml")):
        with path.open("rb") as f:
            for rule in tomllib.load(f).get("rules", []):
                ids.add(rule["id"])
    return ids


def table():
    rows = []
    for line in (HERE / "gitleaks-rules.tsv").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        gl_id, service, ours = line.split("\t")
        rows.append((gl_id, service, [] if ours == "-" else ours.split(",")))
    return rows


def main():
    args = sys.argv[1:]
    rules_dir = pathlib.Path(args[args.index("--rules-dir") + 1]) if "--rules-dir" in args else RULES
    ours = leakgate_rule_ids(rules_dir)
    if not ours:
        print(f"coverage.py: no rules found in {rules_dir}", file=sys.stderr)
        return 2
    rows = table()
    unknown = sorted({i for _, _, ids in rows for i in ids if i not in ours})
    if unknown and "--ignore-missing" in args:
        rows = [(g, s, [i for i in ids if i in ours]) for g, s, ids in rows]
    elif unknown:
        print(f"coverage.py: the table names rules leakgate does not have: {', '.join(unknown)}", file=sys.stderr)
        return 2
    services = {}
    for gl_id, service, ids in rows:
        services.setdefault(service, []).append((gl_id, ids))
    covered = sorted(s for s, rules in services.items() if any(ids for _, ids in rules))
    missing = sorted(s for s in services if s not in covered)
    rules_covered = sum(1 for _, _, ids in rows if ids)
    not_reported = [gl_id for gl_id, _, ids in rows if not ids]
    result = {
        "gitleaks_rules": len(rows),
        "gitleaks_rules_covered": rules_covered,
        "gitleaks_services": len(services),
        "services_covered": len(covered),
        "services_missing": missing,
        "gitleaks_rules_not_reported": not_reported,
        "leakgate_rules": len(ours),
    }
    if "--json" in args:
        print(json.dumps(result, indent=2))
        return 0
    print(f"leakgate built-in rules: {len(ours)}")
    print(f"gitleaks services covered: {len(covered)} of {len(services)} ({100 * len(covered) / len(services):.1f}%)")
    print(f"gitleaks rules covered:    {rules_covered} of {len(rows)}")
    if missing:
        print("services with no leakgate rule: " + ", ".join(missing))
    print("gitleaks rules with no leakgate counterpart (mostly identifiers and publishable or test keys): " + ", ".join(not_reported))
    return 0


if __name__ == "__main__":
    sys.exit(main())
