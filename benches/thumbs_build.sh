#!/usr/bin/env bash
# Build of a whole archive with a full thumbnail cache (generated stills, one per
# talk, via `cargo bench --bench thumbs -- --populate`): medians of RUNS runs of a
# cold build with `thumbnails = "local"` (copies every still), a no-op rebuild
# (0 files written), and a cold build with `thumbnails = "none"` (the difference
# is the cost of the stills). Search is left out (--no-search) to show that cost.
#
#   benches/thumbs_build.sh [DATA] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(cd "${1:-../shared/data/pyvideo}" && pwd); runs=${2:-3}
cargo build --release -q
bin=$PWD/target/release/podium
site=${BENCH_TMP:-/dev/shm/podium-thumbs-bench}
mkdir -p "$site"
if [ ! -f "$site/.podium-cache/thumbnails/manifest.json" ]; then
  cargo bench -q --bench thumbs -- --populate "$data" "$site/.podium-cache"
fi
t() { /usr/bin/time -f "%e" "$@" 2>&1 >/dev/null | tail -1; }
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
build() { echo "$bin" --root "$site" build --data "$data" --output "$site/out" --no-search -q; }  # the command, for t
cold=(); noop=(); none=()
for _ in $(seq 1 "$runs"); do
  rm -rf "$site/out" "$site/podium.toml"
  cold+=("$(t $(build))")
  noop+=("$(t $(build))")
  echo 'thumbnails = "none"' > "$site/podium.toml"
  rm -rf "$site/out"
  none+=("$(t $(build))")
  rm -f "$site/podium.toml"
done
rm -rf "$site/out"; $(build) >/dev/null
line=$($(build)) # the no-op's summary line
echo "stills: $(ls "$site/out/thumbs" | wc -l) files, $(du -sm "$site/out/thumbs" | cut -f1) MB in thumbs/"
echo "no-op summary: $line"
printf "cold, thumbnails=local  %6.2fs\n" "$(printf '%s\n' "${cold[@]}" | med)"
printf "no-op rebuild           %6.2fs\n" "$(printf '%s\n' "${noop[@]}" | med)"
printf "cold, thumbnails=none   %6.2fs\n" "$(printf '%s\n' "${none[@]}" | med)"
echo "(medians of $runs runs, --no-search, $data)"
