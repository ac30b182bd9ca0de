#!/usr/bin/env bash
# podium's patch of the pagefind crate (vendor/pagefind.patch, explained in
# vendor/README.md), carried through [patch.crates-io] in Cargo.toml.
#
#   vendor/update-pagefind.sh VERSION          replace vendor/pagefind with release
#                                              VERSION plus the patch
#   vendor/update-pagefind.sh --check [VERSION]  fail unless vendor/pagefind is exactly
#                                              the release plus the patch (.ci/run)
#   vendor/update-pagefind.sh --diff [VERSION]   rewrite vendor/pagefind.patch from
#                                              vendor/pagefind (after editing it)
# (VERSION defaults to the one in vendor/pagefind/Cargo.toml.)
#
# The release comes from crates.io through `cargo fetch` (the registry cache), never
# from a checkout. If the patch does not apply, nothing is changed and the rejected
# hunks are printed: port them by hand in a copy, then `--diff`.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=update
case ${1:-} in --check) mode=check; shift ;; --diff) mode=diff; shift ;; esac
# --check and --diff default to the release vendor/pagefind says it is.
vendored=$(sed -n 's/^version = "\(.*\)"$/\1/p' vendor/pagefind/Cargo.toml | head -1)
if [[ $mode == update ]]; then
  version=${1:?usage: vendor/update-pagefind.sh [--check|--diff] VERSION}
else
  version=${1:-$vendored}
fi
patch_file=$PWD/vendor/pagefind.patch

scratch=$(mktemp -d "${TMPDIR:-/tmp}/pagefind-update.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
# A throwaway crate that depends on the release only, so cargo downloads its source.
mkdir "$scratch/fetch" "$scratch/fetch/src"
echo 'fn main() {}' > "$scratch/fetch/src/main.rs"
cat > "$scratch/fetch/Cargo.toml" <<EOF
[package]
name = "fetch-pagefind"
version = "0.0.0"
edition = "2021"

[dependencies]
pagefind = { version = "=$version", default-features = false }
EOF
cargo fetch --quiet --manifest-path "$scratch/fetch/Cargo.toml"
manifest=$(cargo metadata --format-version 1 --manifest-path "$scratch/fetch/Cargo.toml" |
  grep -o "\"manifest_path\":\"[^\"]*/pagefind-$version/Cargo.toml\"" | head -1 | cut -d'"' -f4)
[[ -n $manifest ]] || { echo "error: no source of pagefind $version in cargo's registry" >&2; exit 1; }
release=$(dirname "$manifest")

if [[ $mode == diff ]]; then
  # Only src/ is patched; paths a/src/... and b/src/... so that `patch -p1` applies it.
  mkdir "$scratch/a" "$scratch/b"
  cp -r "$release/src" "$scratch/a/src"; cp -r vendor/pagefind/src "$scratch/b/src"
  (cd "$scratch" && diff -ruN a/src b/src) > "$patch_file.new" && status=0 || status=$?
  [[ $status -le 1 ]] || { rm -f "$patch_file.new"; echo "error: diff failed" >&2; exit 1; }
  # Timestamps make the file differ on every run; drop them.
  sed -E 's/^((---|\+\+\+) [^\t]+)\t.*$/\1/' "$patch_file.new" > "$patch_file"; rm -f "$patch_file.new"
  echo "wrote $patch_file ($(grep -c '' "$patch_file") lines)"
  exit 0
fi

cp -r "$release" "$scratch/pagefind"
# git apply rather than patch(1): git is on every machine that has this checkout.
# Without --reject it applies all hunks or none; the second run shows which failed.
if ! (cd "$scratch/pagefind" && git apply -p1 "$patch_file" 2>/dev/null); then
  (cd "$scratch/pagefind" && git apply --reject -p1 "$patch_file") >&2 || true
  find "$scratch/pagefind" -name '*.rej' -exec cat {} + >&2 || true
  echo "error: vendor/pagefind.patch does not apply to pagefind $version; vendor/pagefind is unchanged" >&2
  exit 1
fi

if [[ $mode == check ]]; then
  if ! diff -r "$scratch/pagefind" vendor/pagefind; then
    echo "error: vendor/pagefind is not pagefind $version plus vendor/pagefind.patch" >&2
    echo "       (after editing vendor/pagefind, run: vendor/update-pagefind.sh --diff $version)" >&2
    exit 1
  fi
  echo "vendor/pagefind is pagefind $version plus vendor/pagefind.patch"
  exit 0
fi

rm -rf vendor/pagefind
cp -r "$scratch/pagefind" vendor/pagefind
echo "vendor/pagefind is now pagefind $version plus vendor/pagefind.patch."
echo "Next: set the pagefind version in Cargo.toml if it left 1.x.y's range, then"
echo "cargo build --release, .ci/run, and the figures in vendor/README.md."
