"""checkframe sector plugin: 烟花爆竹 (fireworks).

Besides its content, the plugin packs the fireworks checklists of every
handbook, once they are printed, into one archive for the fireworks
department to upload to the province's fireworks monitoring platform (seed
001, item 17: 对接省烟花爆竹安全风险监测预警系统省级平台) and to send to the
wholesale and retail outlets it inspects: ``exports/fireworks-checklists.zip``
holds each printed checklist under its title, and ``检查项目.csv`` with one
row per item of every checklist.  The PDFs exist only once the handbook is
written, so this is a ``checkframe_build_written`` hook.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

from checkframe import Catalog, hookimpl
from checkframe.util.fs import write_atomic

CONTENT = Path(__file__).parent / "content"
SECTOR = "fireworks"

#: Where, in the built handbook, the archive is written.
ARCHIVE_PATH = "exports/fireworks-checklists.zip"
#: The list of items in the archive, and its columns.
ITEMS_NAME = "检查项目.csv"
ITEMS_HEADER = ("检查表", "序号", "检查项标识", "检查项目", "检查内容", "隐患等级", "依据")
#: Every member's date in the archive: the same checklists give the same bytes (zip dates start in 1980).
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@hookimpl
def checkframe_register_content(register):
    register.content_dir(CONTENT)


def items_csv(catalog: Catalog, checklists: list[str]) -> str:
    """One row per item of each checklist, in its order (UTF-8 with a BOM, so that Excel reads it)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ITEMS_HEADER)
    for ident in checklists:
        title = catalog.checklist(ident).title
        for number, checkpoint in enumerate(catalog.checklist_checkpoints(ident), 1):
            basis = "；".join(f"《{catalog.document(b.document).title}》{b.cited()}" for b in checkpoint.basis)
            writer.writerow((title, number, checkpoint.id, checkpoint.title, " ".join(checkpoint.what.split()),
                             checkpoint.level.label, basis))
    return "\ufeff" + out.getvalue()


def checklists_archive(output: Path, catalog: Catalog, checklists: list[str]) -> bytes:
    """The archive of the printed ``checklists`` found in ``output/pdf/`` and their items, byte for byte reproducible.

    :raises FileNotFoundError: when a checklist's PDF is not in the output (the build did not print it).
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        def add(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.flag_bits |= 0x800  # the name is UTF-8
            archive.writestr(info, data)

        for ident in checklists:
            add(f"{catalog.checklist(ident).title}.pdf", (output / "pdf" / f"{ident}.pdf").read_bytes())
        add(ITEMS_NAME, items_csv(catalog, checklists).encode("utf-8"))
    return buffer.getvalue()


@hookimpl
def checkframe_build_written(output: Path, catalog: Catalog, project: Any) -> None:
    checklists = [i for i in project.checklist_ids(catalog) if catalog.checklist(i).sector == SECTOR]
    if checklists:
        (output / ARCHIVE_PATH).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(output / ARCHIVE_PATH, checklists_archive(output, catalog, checklists))
