#!/usr/bin/env bash
# Generate the accuracy corpus, scan it with leakgate (and gitleaks when it is
# installed) and score the findings.
#
#   bench/accuracy/run.sh [LEAKGATE_BIN]
#
# LEAKGATE_BIN defaults to $LEAKGATE_BIN, then target/release/leakgate,
# target/debug/leakgate, then `leakgate` on PATH.
#
# Environment:
#   SEED=42            corpus seed
#   FILES_PER_KIND=15  files per file kind
#   WORK_DIR=...       keep corpus, reports and scores here (default: a temp dir, removed at exit)
#   SCORE_JSON=1       print the scores as JSON instead of text
#
# Exit status: 0 when the scans ran and were scored (whatever the numbers),
# 2 when a scanner failed (leakgate exit 2 or anything but 0/1) or a step broke.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
seed="${SEED:-42}"
per_kind="${FILES_PER_KIND:-15}"
python="${PYTHON:-python3}"

bin="${1:-${LEAKGATE_BIN:-}}"
if [[ -z "$bin" ]]; then
  for cand in "$repo/target/release/leakgate" "$repo/target/debug/leakgate"; do
    if [[ -x "$cand" ]]; then bin="$cand"; break; fi
  done
fi
if [[ -z "$bin" ]] && command -v leakgate >/dev/null 2>&1; then
  bin="$(command -v leakgate)"
fi
if [[ -z "$bin" ]]; then
  echo "run.sh: no leakgate binary found; build one with 'cargo build --release' or pass its path" >&2
  exit 2
fi
if [[ "$bin" == */* ]]; then
  if [[ ! -x "$bin" || -d "$bin" ]]; then
    echo "run.sh: $bin is not an executable file" >&2
    exit 2
  fi
  bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
elif ! command -v "$bin" >/dev/null 2>&1; then
  echo "run.sh: $bin not found on PATH" >&2
  exit 2
fi

if [[ -n "${WORK_DIR:-}" ]]; then
  work="$WORK_DIR"
  mkdir -p "$work"
else
  work="$(mktemp -d "${TMPDIR:-/tmp}/leakgate-accuracy.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
fi
corpus="$work/corpus"
score_args=()
if [[ "${SCORE_JSON:-0}" == "1" ]]; then score_args+=(--json); fi

echo "== generating corpus (seed $seed, $per_kind files per kind) in $corpus"
"$python" "$here/generate.py" --seed "$seed" --files-per-kind "$per_kind" --out "$corpus"

echo "== leakgate: $bin scan --format json"
report="$work/leakgate.json"
set +e
(cd "$corpus" && "$bin" scan --format json) >"$report" 2>"$work/leakgate.stderr"
rc=$?
set -e
case "$rc" in
  0|1) ;;
  2) echo "run.sh: leakgate failed (exit 2):" >&2; cat "$work/leakgate.stderr" >&2; exit 2 ;;
  *) echo "run.sh: leakgate exited with unexpected status $rc:" >&2; cat "$work/leakgate.stderr" >&2; exit 2 ;;
esac
if [[ ! -s "$report" ]]; then
  echo "run.sh: leakgate printed no report (exit $rc)" >&2
  cat "$work/leakgate.stderr" >&2
  exit 2
fi
echo "   exit $rc, report $report"
"$python" "$here/score.py" --corpus "$corpus" --findings "$report" "${score_args[@]}" | tee "$work/leakgate.score"

echo
if command -v gitleaks >/dev/null 2>&1; then
  echo "== gitleaks $(gitleaks version 2>/dev/null || true)"
  glreport="$work/gitleaks.json"
  set +e
  if gitleaks dir --help >/dev/null 2>&1; then
    gitleaks dir "$corpus" --no-banner --report-format json --report-path "$glreport" >"$work/gitleaks.log" 2>&1
  else
    gitleaks detect --no-git --source "$corpus" --no-banner --report-format json --report-path "$glreport" >"$work/gitleaks.log" 2>&1
  fi
  grc=$?
  set -e
  if [[ "$grc" -gt 1 || ! -s "$glreport" ]]; then
    echo "run.sh: gitleaks failed (exit $grc):" >&2
    cat "$work/gitleaks.log" >&2
    exit 2
  fi
  "$python" "$here/score.py" --corpus "$corpus" --findings "$glreport" "${score_args[@]}" | tee "$work/gitleaks.score"
else
  echo "== gitleaks: not installed, skipping the comparison"
fi

if [[ -n "${WORK_DIR:-}" ]]; then
  echo
  echo "corpus, reports and scores kept in $work"
fi
