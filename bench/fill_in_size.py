"""The fill-in mode's weight on a checklist page: its script and stylesheet, raw and gzipped, against the 50 KB budget.

    python bench/fill_in_size.py

Issue #18: the script is loaded only on checklist pages and stays under 50 KB before compression.  The rule
description in the page is printed too (for the largest checklist of the installed plugins), since every
checklist page carries it.
"""

from __future__ import annotations

import gzip
import json
from importlib import resources
from pathlib import Path

BUDGET = 50 * 1024


def main() -> None:
    static = Path(str(resources.files("checkframe") / "static"))
    for name in ("fill-in.js", "fill-in.css"):
        data = (static / name).read_bytes()
        print(f"{name}: {len(data)} bytes, {len(gzip.compress(data, 9))} gzipped")
    script = (static / "fill-in.js").stat().st_size
    print(f"fill-in.js budget: {script} of {BUDGET} bytes ({script / BUDGET:.0%}) {'OK' if script < BUDGET else 'OVER'}")

    from checkframe.catalog.record_rules import describe, stop_kinds_of
    from checkframe.cli.common import load_catalog

    plugins, catalog = load_catalog()
    largest = max(catalog.checklists, key=lambda c: len(c.checkpoints))
    text = json.dumps(describe(catalog, stop_kinds_of(plugins), largest.id), ensure_ascii=False,
                      separators=(",", ":")).encode()
    print(f"rule description of {largest.id} ({len(largest.checkpoints)} items): {len(text)} bytes, "
          f"{len(gzip.compress(text, 9))} gzipped")


if __name__ == "__main__":
    main()
