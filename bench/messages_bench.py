"""What naming the line of a content problem costs: catalog loading, and the line map of every file.

Problems name the line where they are written (:mod:`checkframe.catalog.places`).
:mod:`tomllib` keeps no positions, so a content file with a problem is scanned
once more; a file without one is not.  This prints the time to build the
catalog of a synthetic set of sectors (:mod:`synth`), best of ``--repeat``, and
the time to map every line of every one of its files, the cost in the worst
case that every file has a problem::

    python bench/messages_bench.py /dev/shm/cf-synth --sectors 10
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from synth import generate, plugins_for

from checkframe.catalog import build_catalog
from checkframe.catalog.places import key_lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--sectors", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not args.root.exists():
        generate(args.root, sectors=args.sectors)
    times = []
    for _ in range(args.repeat):
        plugins = plugins_for(args.root)
        start = time.perf_counter()
        catalog = build_catalog(plugins)
        times.append(time.perf_counter() - start)
    files = sorted(p for p in args.root.rglob("*.toml") if p.name != "checkframe.toml")
    texts = [p.read_text(encoding="utf-8") for p in files]
    start = time.perf_counter()
    keys = sum(len(key_lines(text)) for text in texts)
    mapped = time.perf_counter() - start
    print(f"catalog of {len(catalog.checkpoints)} checkpoints in {len(files)} files: "
          f"best {min(times):.3f} s of {args.repeat}")
    print(f"line map of every file ({keys} keys, {sum(map(len, texts)) / 2**20:.1f} MiB): {mapped:.3f} s")


if __name__ == "__main__":
    main()
