#!/usr/bin/env bash
# Whole-tool benchmark on a real archive (default: all of ../shared/data/pyvideo).
# Prints medians of RUNS runs, measured back to back:
#   cold build on tmpfs and on disk (wall, CPU, peak RSS, files, bytes), no-op rebuild,
#   one talk edited then rebuilt, the `cp -a` floor of the output, and with --hugo,
#   Hugo's cold build via ../shared/bench/compare.sh. Only ratios from one run count.
#
#   [PODIUM_BIN=path] benches/full_build.sh [--hugo] [--no-search] [DATA] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
hugo=0; extra=()
while [[ ${1:-} == --* ]]; do
  case $1 in --hugo) hugo=1 ;; --no-search) extra+=(--no-search) ;; *) echo "unknown flag $1" >&2; exit 2 ;; esac
  shift
done
data=$(cd "${1:-../shared/data/pyvideo}" && pwd); runs=${2:-5}
# PODIUM_BIN: another build to time (e.g. the previous commit's), same script and data.
if [[ -z ${PODIUM_BIN:-} ]]; then cargo build --release -q; fi
bin=${PODIUM_BIN:-$PWD/target/release/podium}
shm=${BENCH_TMP:-/dev/shm/podium-bench}; disk=$PWD/target/bench-disk
mkdir -p "$shm" "$disk"

# time one command: prints "wall user+sys maxrss_kb"
t() { /usr/bin/time -f "%e %U %S %M" "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.3f %.3f %d\n", $1, $2+$3, $4}'; }
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
col() { awk -v c="$1" '{print $c}'; }
row() { # name, file of "wall cpu rss" lines
  printf "%-28s wall %6.3fs  cpu %6.3fs  peak RSS %5d MB\n" "$1" "$(col 1 < "$2" | med)" "$(col 2 < "$2" | med)" "$(( $(col 3 < "$2" | med) / 1024 ))"
}
build() { echo "$bin" build --data "$1" --output "$2" -q "${extra[@]}"; }  # the command, for t

work=$(mktemp -d)
# Outputs go when the script ends (compare.sh keeps its Hugo virtualenv and site in $shm).
trap 'rm -rf "$work" "$shm/out" "$shm/floor" "$shm/edit-out" "$shm/data" "$shm/kinds" "$disk/out"' EXIT
cold_shm=$work/cold_shm; cold_disk=$work/cold_disk; noop=$work/noop; edit=$work/edit; floor=$work/floor
for i in $(seq 1 "$runs"); do
  rm -rf "$shm/out" "$disk/out"
  t $(build "$data" "$shm/out") >> "$cold_shm"
  t $(build "$data" "$disk/out") >> "$cold_disk"
  t $(build "$data" "$shm/out") >> "$noop"
  rm -rf "$shm/floor"; t cp -a "$shm/out" "$shm/floor" >> "$floor"
done
files=$(find "$shm/out" -type f | wc -l); bytes=$(du -sb "$shm/out" | cut -f1)

# One talk edited: a private copy of the data, one description changed per run.
rm -rf "$shm/data" && cp -r "$data" "$shm/data"
talk=$(find "$shm/data" -path '*/videos/*.json' | sort | sed -n 1p)
edit_talk() { # append a sentence to the talk's description
  python3 - "$talk" "$1" <<'PY'
import json, sys
p, what = sys.argv[1], sys.argv[2]
d = json.load(open(p)); d["description"] = (d.get("description") or "") + f"\nEdited {what}."
json.dump(d, open(p, "w"), indent=2)
PY
}
edit_talk 0; $(build "$shm/data" "$shm/edit-out") > /dev/null 2>&1  # first build of the copy
for i in $(seq 1 "$runs"); do
  edit_talk "$i"
  t $(build "$shm/data" "$shm/edit-out") >> "$edit"
done
edit_talk again
written=$("$bin" build --data "$shm/data" --output "$shm/edit-out" "${extra[@]}" | grep -o '[0-9]* written')
kinds=$("$bin" build --data "$data" --output "$shm/kinds" --timings -q "${extra[@]}" 2>&1 >/dev/null | sed -n '/^output kind/,$p')

echo "podium $(git rev-parse --short HEAD 2>/dev/null) on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "data: $data ($(find "$data" -name '*.json' | wc -l) JSON files); medians of $runs runs"
row "cold build, tmpfs" "$cold_shm"
row "cold build, disk" "$cold_disk"
row "no-op rebuild, tmpfs" "$noop"
row "one talk edited, tmpfs" "$edit"
row "cp -a floor, tmpfs" "$floor"
echo "output: $files files, $(( bytes / 1024 / 1024 )) MB; one talk edited: $written"
echo "podium/floor: $(echo "scale=2; $(col 1 < "$cold_shm" | med) / $(col 1 < "$floor" | med)" | bc)"
echo
echo "$kinds"
if [ "$hugo" = 1 ]; then
  bash ../shared/bench/compare.sh "$data" "$bin" "$runs"
fi
