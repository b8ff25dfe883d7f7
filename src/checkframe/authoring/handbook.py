"""``checkframe new-handbook``: a handbook project for the installed sectors that builds at once.

It writes two files::

    DIR/checkframe.toml      [handbook] title, department, the sectors shown; [print]; every key commented
    DIR/pages/usage.md       如何使用本手册: how inspectors and enterprises use it, linking only to what it holds

The usage page links to the sectors' pages, their checklists and the pages
every handbook has (重大隐患, 法规依据, 整改与闭环, 搜索), and to nothing else:
a copy of the example ``site/`` fails for a one-sector handbook because its
pages link to other sectors' checkpoints.
"""

from __future__ import annotations

from pathlib import Path

import tomli_w

from checkframe.catalog import Catalog
from checkframe.errors import did_you_mean
from checkframe.util import fs

__all__ = ["HandbookExists", "UnknownSector", "handbook_files", "write_handbook"]


class HandbookExists(Exception):
    """The folder already holds a handbook project, or cannot be written."""


class UnknownSector(Exception):
    """A ``--sector`` that no installed plugin contributes."""


def _config(title: str, department: str, sectors: list[str]) -> str:
    handbook = {"title": title, "department": department, "sectors": sectors}
    return (
        "# A handbook project (see the author guide: 检查手册项目 handbook.md). Build it with: checkframe build .\n"
        + tomli_w.dumps({"handbook": handbook})
        + '# base_url = "https://example.gov.cn/handbook/"  # where it is published; printed forms then carry a QR code\n'
        + "# checklists = []                                 # empty: every checklist of the sectors above\n"
        + "# author_guide = true                             # the guide for plugin authors under guide/\n"
        + "\n[print]\n"
        + "legal_basis = false  # true: print each item's legal basis in small type\n"
        + "\n# [changes]                       # a 内容变化 page: what changed since an earlier checkframe export\n"
        + '# since = "exports/2024.json"\n'
        + '# label = "2024年专项整治版本"\n'
    )


def _usage(catalog: Catalog, sectors: list[str]) -> str:
    lines = [
        "# 如何使用本手册",
        "",
        "本手册收录以下行业领域的检查内容，每个行业领域页面列出其检查项、检查表和打印版（PDF）：",
        "",
    ]
    for sector_id in sectors:
        sector = catalog.sector(sector_id)
        checklists = catalog.sector_checklists(sector_id)
        listed = "、".join(f"[{c.title}](../checklist/{c.id}.html)" for c in checklists)
        lines.append(f"- [{sector.name}](../sector/{sector_id}.html)" + (f"：{listed}" if listed else ""))
    lines += [
        "",
        "## 检查人员",
        "",
        "1. 到达现场前，在行业领域页面找到对应的**督导检查表**，下载打印版（PDF）。",
        "2. 现场检查时，可用手机打开任一检查项，查看**检查内容**、**检查方法**和**法规依据**。",
        "3. 发现隐患时，按检查项页面列出的整改方式处理，见[整改与闭环](../remediation.html)；"
        "全部重大事故隐患情形见[重大隐患](../major-hazards.html)。",
        "",
        "## 生产经营单位",
        "",
        "1. 在行业领域页面下载本行业的**自查表**，逐项开展自查。",
        "2. 自查发现的问题隐患形成清单，明确整改措施、完成时限和责任人。",
        "",
        "## 依据和搜索",
        "",
        "各检查项引用的法律、法规、标准和文件见[法规依据](../sources.html)。"
        "在[搜索](../search.html)页输入关键词，边输入边显示结果；搜索在浏览器中完成，不需要联网。",
    ]
    return "\n".join(lines) + "\n"


def handbook_files(catalog: Catalog, title: str, department: str, sectors: list[str] | None = None) -> dict[str, str]:
    """The files of a new handbook project of ``sectors`` (default: every installed sector): path → text.

    :raises UnknownSector: for a sector no installed plugin contributes.
    """
    known = [s.id for s in catalog.sectors]
    chosen = list(dict.fromkeys(sectors)) if sectors else known
    for sector in chosen:
        if sector not in known:
            hint = did_you_mean(sector, known, f"; installed: {', '.join(known) or 'none'}")
            raise UnknownSector(f"unknown sector {sector!r}{hint}")
    if not chosen:
        raise UnknownSector("no sector plugin is installed; install one (pip install checkframe-NAME) or write one "
                            "(checkframe new-plugin NAME --title 中文名)")
    return {"checkframe.toml": _config(title, department, chosen), "pages/usage.md": _usage(catalog, chosen)}


def write_handbook(
    folder: Path | str, catalog: Catalog, title: str, department: str, sectors: list[str] | None = None
) -> list[Path]:
    """Write a new handbook project into ``folder`` (made if needed); return the files written.

    :raises HandbookExists: when ``folder`` already has a ``checkframe.toml`` or a ``pages/usage.md``.
    :raises UnknownSector: for a sector no installed plugin contributes.
    """
    folder = Path(folder)
    files = handbook_files(catalog, title, department, sectors)
    for relative in files:
        if (folder / relative).exists():
            raise HandbookExists(f"{(folder / relative).as_posix()} already exists; nothing was written "
                                 "(choose another folder)")
    written = []
    try:
        for relative, text in files.items():
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            fs.write_atomic(path, text)
            written.append(path)
    except OSError as exc:
        raise HandbookExists(f"cannot write into {folder.as_posix()}: {exc.strerror or exc}") from None
    return written
