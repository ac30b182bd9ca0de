#!/usr/bin/env bash
# The bounds on hostile volume that README's "What podium guarantees on bad input"
# states, measured on generated files (release binary, data on /dev/shm):
#   1. `build` on one 16 MiB file of `[{},{},…]`: peak RSS and wall time;
#   2. `build --no-search` on a file of minimal valid records (SIZE_MB, default 2),
#      whose every record becomes a page: peak RSS per input byte;
#   3. `check` on one file of 100,000 records, half of them with problems: wall time.
# Each is run RUNS times (default 3); medians are printed.
#
#   benches/hostile_volume.sh [RUNS] [SIZE_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
size_mb=${2:-2}
bin=${PODIUM:-${CARGO_TARGET_DIR:-target}/release/podium}
bin=$(realpath "$bin" 2>/dev/null || echo "$bin")
[ -x "$bin" ] || { echo "build it first: cargo build --release (or set PODIUM)" >&2; exit 1; }
work=$(mktemp -d /dev/shm/podium-volume.XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 - "$work" "$size_mb" <<'PY'
import json, os, sys
work, size_mb = sys.argv[1], int(sys.argv[2])
def site(name):
    d = os.path.join(work, name, "content")
    os.makedirs(d)
    return d
d = site("empty")
n = (16 << 20) // 3
open(os.path.join(d, "flood.json"), "w").write("[" + ",".join(["{}"] * n) + "]")
d = site("valid")
one = '{"title":"t%d","category":"c"}'
recs, size, i = [], 0, 0
while size < size_mb << 20:
    r = one % (i % 1000); recs.append(r); size += len(r) + 1; i += 1
open(os.path.join(d, "minimal.json"), "w").write("[" + ",".join(recs) + "]")
d = site("check")
out = []
for i in range(100000):
    r = {"title": "Talk %d" % i, "category": "Conf", "speakers": ["S %d" % (i % 500)],
         "videos": [{"type": "youtube", "url": "https://www.youtube.com/watch?v=abcdefghijk"}]}
    if i % 2:
        r["recorded"] = "not-a-date"; r["related_urls"] = ["ftp://x/%d" % i]
    out.append(r)
open(os.path.join(d, "many.json"), "w").write(json.dumps(out, indent=1))
PY

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# run LABEL DIR ARGS...: prints "seconds kilobytes" per run
run() {
  local label=$1 dir=$2; shift 2
  for _ in $(seq "$runs"); do
    rm -rf "$dir/public"
    (cd "$dir" && /usr/bin/time -f "%e %M" "$bin" "$@" >/dev/null 2>"$work/err-$label") || true
    tail -n 1 "$work/err-$label"
  done >"$work/runs-$label"
  echo "$label: wall $(cut -d' ' -f1 "$work/runs-$label" | median) s, peak RSS $(( $(cut -d' ' -f2 "$work/runs-$label" | median) / 1024 )) MB (median of $runs)"
}
bytes() { stat -c %s "$1"; }
echo "input: flood.json $(( $(bytes "$work/empty/content/flood.json") >> 20 )) MiB, minimal.json $(( $(bytes "$work/valid/content/minimal.json") >> 20 )) MiB, many.json $(( $(bytes "$work/check/content/many.json") >> 20 )) MiB"
run "build, 16 MiB of [{},{},...]" "$work/empty" build --quiet
run "build --no-search, ${size_mb} MiB of minimal valid records" "$work/valid" build --quiet --no-search
run "check, 100,000 records (half with problems)" "$work/check" check --quiet
