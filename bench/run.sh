#!/usr/bin/env bash
# Measures leakgate beside git's own floor on three real repositories, in one
# run: a 3-file commit, a 128 MB first commit, and a ~400-commit history;
# and on two staged rewrites of a 400k-line file (a regenerated JSON, an
# interleaved rewrite), made by measure.py, that show the line diff's cost.
#
# Usage: bench/run.sh [CORPUS_DIR] [LEAKGATE_BIN] [CASE...]
#   CORPUS_DIR    where the corpora live (default target/bench-corpus); they
#                 are built with ../shared/bench/make-corpus.sh when missing,
#                 or always with REBUILD_CORPUS=1
#   LEAKGATE_BIN  the binary to measure (default: built here as install.sh
#                 builds it, into target/bench-install)
#   CASE          small, big, history, regenerated, interleaved, push-1,
#                 push-1000 (default: all); the push cases time `git push`
#                 into a bare copy of the history corpus with the pre-receive
#                 hook against one without (push.py)
# BASELINE_BIN=OLD_BINARY adds another leakgate to the same rotation of runs
# and reports leakgate's times over its (scan cases only).
# Needs git and python3. Not part of .ci/run: benchmarks measure, tests don't.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
corpus=${1:-$root/target/bench-corpus}
binary=${2:-}
shift $(( $# > 2 ? 2 : $# ))

if [ -z "$binary" ]; then
    echo "building leakgate as install.sh does..." >&2
    CARGO_INSTALL_ROOT="$root/target/bench-install" "$root/install.sh" --binary-only >&2
    binary=$root/target/bench-install/bin/leakgate
fi

make_corpus=${MAKE_CORPUS:-$root/../shared/bench/make-corpus.sh}
if [ "${REBUILD_CORPUS:-0}" = 1 ] || [ ! -d "$corpus/small/.git" ] \
    || [ ! -d "$corpus/big/.git" ] || [ ! -d "$corpus/history/.git" ]; then
    if [ ! -f "$make_corpus" ]; then
        echo "bench/run.sh: $make_corpus not found; set MAKE_CORPUS to make-corpus.sh" >&2
        exit 2
    fi
    echo "building the corpora in $corpus (about a minute)..." >&2
    bash "$make_corpus" "$corpus" >&2
fi

"$binary" --version >&2
git --version >&2
if [ $# -eq 0 ]; then
    python3 "$here/measure.py" "$corpus" "$binary"
    exec python3 "$here/push.py" "$corpus" "$binary"
fi
scans=() pushes=()
for case in "$@"; do
    case $case in push-*) pushes+=("$case") ;; *) scans+=("$case") ;; esac
done
if [ ${#scans[@]} -gt 0 ]; then python3 "$here/measure.py" "$corpus" "$binary" "${scans[@]}"; fi
if [ ${#pushes[@]} -gt 0 ]; then python3 "$here/push.py" "$corpus" "$binary" "${pushes[@]}"; fi
