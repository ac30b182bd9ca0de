#!/usr/bin/env python3
"""Writes a synthetic archive N times the size of a real pyvideo/data folder.

Copy 0 is the real data; copy k > 0 of each event goes to `<event>-x<k>/` with
" (copy k)" in its title, and every talk in it gets a fresh id (id + k * 10^7)
and slug (`<slug>-x<k>`). Speakers and tags keep their names, as in a grown
archive. Nothing generated is committed: write to a temporary folder.

    benches/gen_archive.py ../shared/data/pyvideo /dev/shm/archive-10x --times 10
"""

import argparse
import json
import os
import shutil
import sys

ID_STRIDE = 10_000_000


def copy_event(src, dst, k):
    os.makedirs(os.path.join(dst, "videos"), exist_ok=True)
    for root, dirs, files in os.walk(src):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel = os.path.relpath(root, src)
        out_dir = os.path.normpath(os.path.join(dst, rel))
        os.makedirs(out_dir, exist_ok=True)
        for name in files:
            if name.startswith(".") or not name.endswith(".json"):
                continue
            path = os.path.join(root, name)
            out = os.path.join(out_dir, name)
            if k == 0:
                shutil.copyfile(path, out)
                continue
            with open(path, "rb") as f:
                try:
                    data = json.loads(f.read().decode("utf-8-sig"))
                except ValueError:
                    shutil.copyfile(path, out)  # keep broken input broken
                    continue
            if isinstance(data, dict):
                if name == "category.json":
                    data["title"] = f"{data.get('title', '')} (copy {k})"
                    if data.get("slug"):
                        data["slug"] = f"{data['slug']}-x{k}"
                else:
                    if isinstance(data.get("id"), int):
                        data["id"] += k * ID_STRIDE
                    if data.get("slug"):
                        data["slug"] = f"{data['slug']}-x{k}"
                    data.pop("alias", None)
            with open(out, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", help="a pyvideo/data folder")
    ap.add_argument("dest", help="folder to create (must not exist)")
    ap.add_argument("--times", type=int, default=10)
    ap.add_argument("--limit", type=int, default=0, help="stop after about this many talk files")
    args = ap.parse_args()
    if os.path.exists(args.dest):
        sys.exit(f"{args.dest} exists; choose a new folder")
    os.makedirs(args.dest)
    events = sorted(
        e for e in os.listdir(args.source)
        if not e.startswith(".") and os.path.isfile(os.path.join(args.source, e, "category.json"))
    )
    written = 0
    for k in range(args.times):
        for e in events:
            if args.limit and written >= args.limit:
                break
            videos = os.path.join(args.source, e, "videos")
            written += len(os.listdir(videos)) if os.path.isdir(videos) else 0
            name = e if k == 0 else f"{e}-x{k}"
            copy_event(os.path.join(args.source, e), os.path.join(args.dest, name), k)
    no_publish = os.path.join(args.source, "NO_PUBLISH.json")
    if os.path.isfile(no_publish):
        with open(no_publish) as f:
            ids = json.load(f)
        with open(os.path.join(args.dest, "NO_PUBLISH.json"), "w") as f:
            json.dump([i + k * ID_STRIDE for k in range(args.times) for i in ids], f)
    print(f"{args.dest}: about {written} talk files")


if __name__ == "__main__":
    main()
