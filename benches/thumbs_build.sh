#!/usr/bin/env bash
# What local thumbnails cost a build of a real archive (default: all of
# ../shared/data/pyvideo). Fills a thumbnail cache with a distinct generated still per
# talk (never downloaded: `cargo bench --bench thumbs -- --populate`), then prints
# medians of RUNS runs, back to back, on tmpfs: a cold build with the cache and one
# without (placeholders), a no-op rebuild with it (and how many files it wrote), and
# `cp -a` of the thumbs/ folder the build wrote (the floor of copying the stills).
# Without search by default, whose 5 s would drown the difference; --search keeps it.
#
#   benches/thumbs_build.sh [--search] [DATA] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
extra=(--no-search)
if [[ ${1:-} == --search ]]; then extra=(); shift; fi
data=$(cd "${1:-../shared/data/pyvideo}" && pwd); runs=${2:-3}
cargo build --release -q
bin=$PWD/target/release/podium
shm=${BENCH_TMP:-/dev/shm/podium-thumbs-bench}
rm -rf "$shm"; mkdir -p "$shm/with" "$shm/without"
work=$(mktemp -d)
trap 'rm -rf "$shm" "$work"' EXIT

# time one command: prints "wall user+sys maxrss_kb"
t() { /usr/bin/time -f "%e %U %S %M" "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.3f %.3f %d\n", $1, $2+$3, $4}'; }
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
col() { awk -v c="$1" '{print $c}'; }
row() { # name, file of "wall cpu rss" lines
  printf "%-34s wall %6.3fs  cpu %6.3fs  peak RSS %5d MB\n" "$1" "$(col 1 < "$2" | med)" "$(col 2 < "$2" | med)" "$(( $(col 3 < "$2" | med) / 1024 ))"
}
# Each site folder holds its own cache (.podium-cache/); the theme is podium's own.
build() { echo env -C "$1" "$bin" build --data "$data" --output "$1/out" -q "${extra[@]}"; }  # the command, for t

populate=$(cargo bench -q --bench thumbs -- --populate "$data" "$shm/with/.podium-cache" 2>/dev/null | tail -1)
for i in $(seq 1 "$runs"); do
  rm -rf "$shm/with/out" "$shm/without/out" "$shm/floor"
  t $(build "$shm/with") >> "$work/cold"
  t $(build "$shm/without") >> "$work/bare"
  t $(build "$shm/with") >> "$work/noop"
  t cp -a "$shm/with/out/thumbs" "$shm/floor" >> "$work/floor"
done
written=$(cd "$shm/with" && "$bin" build --data "$data" --output "$shm/with/out" "${extra[@]}" | grep -o '([0-9]* written, [0-9]* removed)')
files=$(find "$shm/with/out/thumbs" -type f | wc -l); bytes=$(du -sb "$shm/with/out/thumbs" | cut -f1)
cache=$(du -sb "$shm/with/.podium-cache" | cut -f1)

echo "podium $(git rev-parse --short HEAD 2>/dev/null) on $(nproc) cores; data: $data; medians of $runs runs; ${extra[*]:-with search}"
echo "$populate ($(( cache / 1024 / 1024 )) MB)"
row "cold build, with the cache" "$work/cold"
row "cold build, no cache" "$work/bare"
row "no-op rebuild, with the cache" "$work/noop"
row "cp -a of thumbs/ (the floor)" "$work/floor"
echo "thumbs/: $files files, $(( bytes / 1024 / 1024 )) MB; no-op rebuild: $written"
echo "cost of the stills: $(echo "$(col 1 < "$work/cold" | med) - $(col 1 < "$work/bare" | med)" | bc) s"
