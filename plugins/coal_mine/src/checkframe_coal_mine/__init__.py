"""checkframe sector plugin: 煤矿 (coal mines).

Besides its content, the plugin holds coal's own rule (every major hazard is
one that the 判定标准 or 条例第三十六条 lists) and the list of major hazards
that district departments upload to the provincial system, as a CSV file in
every handbook and as ``checkframe coal-mine-major-hazards``.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from checkframe import Catalog, HazardLevel, hookimpl

CONTENT = Path(__file__).parent / "content"
SECTOR = "coal_mine"

#: What lists the coal mines' major hazards, by document id: 煤矿重大事故隐患判定标准 as a whole, and
#: 煤矿安全生产条例 in its article 第三十六条.  A coal major hazard that neither lists is not one.
MAJOR_HAZARD_LISTS = {"mem-order-4-2020": "", "coal-mine-safety-regulation-2024": "第三十六条"}

#: Where the handbook holds the list of major hazards for the provincial system.
EXPORT_PATH = "exports/coal_mine-major-hazards.csv"
EXPORT_HEADER = ("序号", "检查项标识", "重大事故隐患", "判定依据", "检查内容")


@hookimpl
def checkframe_register_content(register):
    register.content_dir(CONTENT)


@hookimpl
def checkframe_catalog_built(catalog, report):
    for checkpoint in catalog.sector_checkpoints(SECTOR):
        if checkpoint.level is not HazardLevel.MAJOR:
            continue
        if not any(b.document in MAJOR_HAZARD_LISTS and MAJOR_HAZARD_LISTS[b.document] in ("", b.article)
                   for b in checkpoint.basis):
            report(f"{checkpoint.id}: a coal major hazard must cite the article that lists it, in "
                   "煤矿重大事故隐患判定标准 (document mem-order-4-2020) or 煤矿安全生产条例第三十六条 "
                   "(document coal-mine-safety-regulation-2024, article 第三十六条); cite one, "
                   'or make it level = "general"')


def major_hazards_csv(catalog: Catalog) -> str:
    """The coal mines' major hazards, one row each, as the provincial system imports them (UTF-8 with a BOM)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    major = [c for c in catalog.sector_checkpoints(SECTOR) if c.level is HazardLevel.MAJOR]
    for number, checkpoint in enumerate(major, 1):
        basis = "；".join(f"《{catalog.document(b.document).title}》{b.cited()}" for b in checkpoint.basis)
        writer.writerow((number, checkpoint.id, checkpoint.title, basis, " ".join(checkpoint.what.split())))
    return "\ufeff" + out.getvalue()


@hookimpl
def checkframe_pages_rendered(files, catalog, project):
    if SECTOR in project.sector_ids(catalog):
        files.add(EXPORT_PATH, major_hazards_csv(catalog))


def _export(args: argparse.Namespace) -> int:
    from checkframe.cli import common

    _, catalog = common.load_catalog()
    text = major_hazards_csv(catalog)
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        common.write_file(Path(args.output), text)
        print(f"wrote {args.output}")
    return 0


@hookimpl
def checkframe_register_commands(commands):
    parser = commands.command(
        "coal-mine-major-hazards", _export,
        "Write the coal mines' major hazards as CSV, as the provincial system imports them.",
    )
    parser.add_argument("-o", "--output", metavar="FILE.csv", help="write to FILE.csv instead of standard output")
