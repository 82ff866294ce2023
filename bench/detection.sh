#!/usr/bin/env bash
# Detection quality, measured three ways and printed side by side:
#   1. false alarms on real code with no real credentials: the `big`
#      repository of make-corpus.sh (the CPython standard library and its
#      site-packages, every .py file staged), every finding listed;
#   2. recall and precision on the seeded, labeled corpus of bench/accuracy
#      (planted format-valid fakes of every covered type, hard negatives),
#      with per-type recall;
#   3. the services of gitleaks' default rules that leakgate's rules cover
#      (bench/coverage/coverage.py).
#
#   bench/detection.sh [CORPUS_DIR]
#
# CORPUS_DIR holds `big/` from make-corpus.sh. Without it, the corpus is
# built into a temporary directory with $MAKE_CORPUS (default:
# ../shared/bench/make-corpus.sh next to this repository), which takes about
# a minute. gitleaks, when it is on PATH, is scanned on both for comparison.
#
# Environment:
#   LEAKGATE_BIN=...   scan with this binary instead of building target/release/leakgate
#   SEEDS="42 7:40"    labeled corpora, SEED or SEED:FILES_PER_KIND (each gets a column)
#   FILES_PER_KIND=15  files per file kind when a seed does not say
#   MAKE_CORPUS=...    the corpus builder, when CORPUS_DIR is not given
#   WORK_DIR=...       keep reports here (default: a temp dir, removed at exit)
#
# Exit status: 0 when everything ran and was measured (whatever the
# numbers), 2 when a step failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
python="${PYTHON:-python3}"
seeds="${SEEDS:-42 7:40}"
per_kind="${FILES_PER_KIND:-15}"

fail() { echo "detection.sh: $*" >&2; exit 2; }

if [[ -n "${WORK_DIR:-}" ]]; then
  work="$WORK_DIR"
  mkdir -p "$work"
else
  work="$(mktemp -d "${TMPDIR:-/tmp}/leakgate-detection.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
fi

bin="${LEAKGATE_BIN:-}"
if [[ -z "$bin" ]]; then
  echo "== building the release binary"
  (cd "$repo" && cargo build --release --locked --quiet) || fail "cargo build --release failed"
  bin="$repo/target/release/leakgate"
fi
[[ -x "$bin" ]] || fail "$bin is not an executable file"
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

corpus="${1:-}"
if [[ -z "$corpus" ]]; then
  make_corpus="${MAKE_CORPUS:-$repo/../shared/bench/make-corpus.sh}"
  [[ -x "$make_corpus" ]] || fail "no CORPUS_DIR given and no corpus builder at $make_corpus (set MAKE_CORPUS)"
  corpus="$work/corpus"
  echo "== building the corpus with $make_corpus (about a minute)"
  "$make_corpus" "$corpus" >"$work/make-corpus.log" 2>&1 || { cat "$work/make-corpus.log" >&2; fail "corpus build failed"; }
fi
big="$(cd "$corpus/big" 2>/dev/null && pwd)" || fail "$corpus/big does not exist"

# Runs one scanner on the big corpus; writes its JSON report and seconds.
scan_big() {
  local name=$1 report=$2 start end rc
  start=$(date +%s.%N)
  set +e
  case "$name" in
    leakgate) (cd "$big" && "$bin" scan --format json) >"$report" 2>"$work/$name-big.stderr" ;;
    gitleaks) gitleaks dir "$big" --no-banner --report-format json --report-path "$report" >"$work/$name-big.stderr" 2>&1 ;;
  esac
  rc=$?
  set -e
  end=$(date +%s.%N)
  if [[ $rc -gt 1 || ! -s "$report" ]]; then
    cat "$work/$name-big.stderr" >&2
    fail "$name failed on the big corpus (exit $rc)"
  fi
  "$python" -c "print(f'{$end - $start:.2f}')" >"$report.seconds"
}

scanners=(leakgate)
if command -v gitleaks >/dev/null 2>&1; then scanners+=(gitleaks); fi

echo "== scanning $big"
for s in "${scanners[@]}"; do scan_big "$s" "$work/$s-big.json"; done

for spec in $seeds; do
  seed="${spec%%:*}"
  files="$per_kind"
  if [[ "$spec" == *:* ]]; then files="${spec#*:}"; fi
  echo "== labeled corpus, seed $seed, $files files per kind"
  SEED="$seed" FILES_PER_KIND="$files" WORK_DIR="$work/labeled-$spec" SCORE_JSON=1 \
    "$here/accuracy/run.sh" "$bin" >"$work/labeled-$spec.log" 2>&1 \
    || { cat "$work/labeled-$spec.log" >&2; fail "the labeled benchmark failed for seed $spec"; }
done

"$python" - "$work" "$big" "$seeds" "${scanners[@]}" <<'PY'
import json, os, sys

work, big, seeds, scanners = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4:]

def big_findings(scanner):
    data = json.load(open(os.path.join(work, f"{scanner}-big.json")))
    if isinstance(data, dict):  # leakgate
        rows = [(f["path"], f["line"], f["rule_id"]) for f in data["findings"]]
        files = data.get("scanned", {}).get("files")
    else:  # gitleaks
        rows = [(f["File"].removeprefix(big + "/"), f["StartLine"], f["RuleID"]) for f in data]
        files = None
    seconds = open(os.path.join(work, f"{scanner}-big.json.seconds")).read().strip()
    return sorted(rows), files, seconds

def scores(seed, scanner):
    path = os.path.join(work, f"labeled-{seed}", f"{scanner}.score")
    if not os.path.exists(path):
        return None
    return json.load(open(path))

columns = [(s, seed) for s in scanners for seed in seeds]
width = 16
def row(label, values):
    print(f"  {label:<28}" + "".join(f"{v:>{width}}" for v in values))

print()
print("Detection quality (labeled columns: SEED or SEED:FILES_PER_KIND)")
row("", [f"{s} {seed}" for s, seed in columns])
bigs = {s: big_findings(s) for s in scanners}
row("big corpus: findings", [str(len(bigs[s][0])) for s, _ in columns])
row("big corpus: scan seconds", [bigs[s][2] for s, _ in columns])
all_scores = {(s, seed): scores(seed, s) for s, seed in columns}
for key, label in [("recall", "labeled: recall"), ("precision", "labeled: precision"), ("f1", "labeled: F1")]:
    row(label, ["-" if all_scores[c] is None else f"{100 * all_scores[c][key]:.1f}%" for c in columns])
row("labeled: labels / findings", ["-" if all_scores[c] is None else f"{all_scores[c]['labels']}/{all_scores[c]['findings']}" for c in columns])
row("labeled: false positives", ["-" if all_scores[c] is None else str(all_scores[c]["false_positives"]) for c in columns])

for s in scanners:
    rows, files, _ = bigs[s]
    print()
    print(f"{s}: {len(rows)} finding(s) on the big corpus" + (f" ({files} files)" if files else ""))
    for path, line, rule in rows:
        print(f"  {path}:{line}  {rule}")

for s, seed in columns:
    sc = all_scores[(s, seed)]
    if sc is None:
        continue
    print()
    print(f"{s}, labeled corpus {seed}: per-type recall, worst first")
    perfect = [t for t in sc["per_type"] if t["recall"] >= 1.0]
    for t in sc["per_type"]:
        if t["recall"] < 1.0:
            print(f"  {t['type']:<32} {t['found']:>3}/{t['planted']:<3} {100 * t['recall']:5.1f}%")
    print(f"  {len(perfect)} of {len(sc['per_type'])} types at 100.0%")
    for fp in sc["false_positive_list"]:
        print(f"  false positive: {fp['path']}:{fp['line']}  {fp['rule_id']}")
    for miss in sc["missed"]:
        print(f"  missed: {miss['path']}:{miss['line']}  {miss['type']}")
PY

echo
"$python" "$here/coverage/coverage.py" || fail "the coverage count failed"
