#!/usr/bin/env bash
# Builds and installs leakgate, then installs its pre-commit, commit-msg and
# pre-push hooks into a repository: the one given as the first argument, else the one this is run
# from. Usage: ./install.sh [REPO]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
target=${1:-.}

if ! command -v cargo >/dev/null 2>&1; then
    echo "install.sh: cargo is not installed; install Rust from https://rustup.rs and run this again" >&2
    exit 1
fi

# Where cargo installs binaries: CARGO_INSTALL_ROOT when set, else
# CARGO_HOME, else ~/.cargo. It is passed to cargo as --root, so the binary
# is exactly where this script then looks for it.
root="${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}"
echo "==> building and installing leakgate into $root/bin (cargo install --locked)"
cargo install --path "$here" --root "$root" --locked --force --quiet

bin_dir="$root/bin"
leakgate="$bin_dir/leakgate"
if [ ! -x "$leakgate" ]; then
    echo "install.sh: cargo install did not produce $leakgate" >&2
    exit 1
fi
case ":$PATH:" in
    *":$bin_dir:"*) ;;
    *) echo "note: $bin_dir is not on PATH; the hooks find leakgate there anyway, but add it to PATH to run leakgate yourself" ;;
esac

if ! git -C "$target" rev-parse --git-dir >/dev/null 2>&1; then
    echo "install.sh: $target is not a git repository; leakgate is installed, but no hook was set up" >&2
    echo "install.sh: run 'leakgate install' inside the repository whose commits should be scanned" >&2
    exit 1
fi

echo "==> installing the pre-commit, commit-msg and pre-push hooks into $(cd "$target" && git rev-parse --show-toplevel)"
(cd "$target" && "$leakgate" install --hook all)
echo "==> done: commits and pushes in that repository are now scanned for secrets ($("$leakgate" --version))"
