#!/usr/bin/env bash
# Peak RSS and open file handles of `podium build` on a real archive and on a
# generated one N times its size (release binary; data and output in /dev/shm).
#
#   benches/peak_rss.sh [DATA] [TIMES]     # defaults: ../shared/data/pyvideo 10
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data/pyvideo}
times=${2:-10}
bin=${PODIUM:-${CARGO_TARGET_DIR:-target}/release/podium}
[ -x "$bin" ] || { echo "build it first: cargo build --release (or set PODIUM)" >&2; exit 1; }
[ -d "$data" ] || { echo "no data folder \`$data\`; pass one" >&2; exit 1; }
work=$(mktemp -d /dev/shm/podium-rss.XXXXXX)
trap 'rm -rf "$work"' EXIT

measure() { # label data-folder
  local out="$work/out-$1" log="$work/time-$1" fds=0 n pid
  /usr/bin/time -v "$bin" build --quiet --data "$2" --output "$out" >"$work/stdout-$1" 2>"$log" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    # /usr/bin/time's child is podium
    for c in $(pgrep -P "$pid" 2>/dev/null); do
      n=$(ls "/proc/$c/fd" 2>/dev/null | wc -l)
      [ "$n" -gt "$fds" ] && fds=$n
    done
    sleep 0.05
  done
  wait "$pid" || { echo "podium build failed on $2:" >&2; cat "$log" >&2; exit 1; }
  local rss secs
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
  printf '%-4s %8d talks  peak RSS %7.1f MiB  peak open fds %3d  wall %s\n' \
    "$1" "$(grep -o 'Built [0-9]*' "$work/stdout-$1" | cut -d' ' -f2)" "$(echo "$rss / 1024" | bc -l)" "$fds" "$secs"
  rm -rf "$out"
}

measure 1x "$data"
python3 benches/gen_archive.py "$data" "$work/data-${times}x" --times "$times" >/dev/null
measure "${times}x" "$work/data-${times}x"
