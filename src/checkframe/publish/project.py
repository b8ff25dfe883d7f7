"""A handbook project: ``checkframe.toml`` and extra pages in ``pages/*.md``.

::

    [handbook]
    title = "安全生产重大事故隐患排查整治检查手册"
    department = "某某区应急管理局"      # publishes the handbook; author of the PDFs
    base_url = "https://example.gov.cn/handbook/"   # optional; QR codes on printed forms
    language = "zh-CN"
    sectors = ["coal_mine", "pipeline"]   # empty or absent: every installed sector
    checklists = []                       # empty or absent: every checklist of those sectors
    author_guide = true                   # the guide for plugin authors under guide/
    edition = "2024年版"                   # optional: the edition, shown on every page and printout
    date = "2024-03-01"                   # optional: the edition's date (ISO), shown beside it

    [print]
    legal_basis = false                   # print each item's legal basis in small type

    [changes]                             # optional: a 内容变化 page comparing with an earlier export
    since = "exports/2024.json"           # written by `checkframe export`; relative to this folder
    label = "2024年专项整治版本"            # what the earlier version is called on the page
    published = true                      # it is an edition readers had: the home page announces the changes
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs
from attrs import frozen

from checkframe.catalog import Catalog
from checkframe.catalog.convert import make_converter, structure_errors
from checkframe.catalog.export import DiffInputError, load_export
from checkframe.catalog.places import lines_placed
from checkframe.errors import ContentError, Problem, closest, did_you_mean
from checkframe.messages import (
    CHINESE,
    ENGLISH,
    Message,
    chinese_at,
    chinese_where,
    key_path,
    read_error_chinese,
    say,
    spaced,
)
from checkframe.messages import show_chinese as shown
from checkframe.model import Invalid, _not_blank, check_id
from checkframe.registers import NO_HEADING, has_heading, page_title
from checkframe.util.reading import ReadError, check_text, loads_toml, read_text, read_toml

__all__ = ["CACHE", "CONFIG_NAME", "OUTPUT", "ChangesConfig", "HandbookConfig", "PrintConfig", "Project", "load_project"]

CONFIG_NAME = "checkframe.toml"
#: Where a project is built, and the cache of PDFs beside it; both inside the project folder.
OUTPUT = "_build"
CACHE = ".checkframe-cache"


def _base_url(instance: object, attribute: attrs.Attribute, value: str) -> None:
    if not value:
        return
    parts = urlsplit(value)
    if not (parts.scheme in ("https", "http") and parts.netloc and value.endswith("/")) or any(
        c.isspace() or not c.isprintable() for c in value
    ) or parts.query or parts.fragment:
        raise Invalid(Message("base_url", got=value), key=attribute.name)


def _iso_date(instance: object, attribute: attrs.Attribute, value: str) -> None:
    try:
        if value:
            dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid(Message("iso_date", got=value), key=attribute.name) from None


@frozen
class HandbookConfig:
    title: str
    department: str
    base_url: str = attrs.field(default="", validator=_base_url)
    language: str = "zh-CN"
    sectors: tuple[str, ...] = ()
    checklists: tuple[str, ...] = ()
    #: Render the guide for plugin authors under ``guide/`` and link it from the footer.
    author_guide: bool = True
    #: The edition as readers name it (2024年版); with :attr:`date`, on every page and printout.
    edition: str = ""
    #: The edition's date, YYYY-MM-DD.
    date: str = attrs.field(default="", validator=_iso_date)
    #: The fill-in mode (填写检查记录) on every checklist page; off for a handbook that only publishes.
    fill_in: bool = True
    #: A ledger folder, relative to the project: the units registered in its ``units/`` are offered by the
    #: fill-in mode (a unit may always be typed).
    units: str = ""


@frozen
class PrintConfig:
    legal_basis: bool = False


@frozen
class ChangesConfig:
    """The earlier version that the handbook's 内容变化 page compares the catalog with."""

    #: A ``checkframe export`` file, relative to the project folder.
    since: str = attrs.field(validator=_not_blank)
    #: What the earlier version is called on the page, e.g. 2024年专项整治版本.
    label: str = attrs.field(validator=_not_blank)
    #: True when ``since`` is an edition that readers had (not a baseline for authors): the home page then
    #: announces what changed since it.
    published: bool = False


@frozen
class ProjectFile:
    handbook: HandbookConfig
    print: PrintConfig = PrintConfig()
    changes: ChangesConfig | None = None


@frozen
class Page:
    """An extra page of the handbook, written in Markdown."""

    slug: str
    source: Path
    title: str
    text: str


#: The pictures an extra page may show (``![说明](images/step-1.png)``): files with these suffixes under
#: ``pages/`` are copied into the site beside the pages, at the same path.
ASSET_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")


@frozen
class Asset:
    """A picture under ``pages/``, published at ``pages/<path>``."""

    #: The path under ``pages/``, with forward slashes.
    path: str
    data: bytes = attrs.field(repr=False)

    @property
    def size(self) -> tuple[int, int] | None:
        """The picture's width and height in pixels, read from its header; None for SVG or what cannot be read."""
        return picture_size(self.data)


def picture_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF, JPEG or WebP image, from its header (no image library is needed for that)."""
    size: tuple[int, int] | None
    try:
        if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
            size = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        elif data[:4] == b"GIF8":
            size = int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
        elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            size = _webp_size(data)
        elif data[:2] == b"\xff\xd8":
            size = _jpeg_size(data)
        else:
            return None
    except IndexError:
        return None
    return size if size and size[0] > 0 and size[1] > 0 else None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 ":
        return int.from_bytes(data[26:28], "little") & 0x3FFF, int.from_bytes(data[28:30], "little") & 0x3FFF
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    at = 2
    while at + 9 < len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:  # no length: step over
            at += 1 if marker == 0xFF else 2
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start of frame
            return int.from_bytes(data[at + 7:at + 9], "big"), int.from_bytes(data[at + 5:at + 7], "big")
        at += 2 + int.from_bytes(data[at + 2:at + 4], "big")
    return None


@frozen
class Project:
    root: Path
    config: HandbookConfig
    print: PrintConfig
    pages: tuple[Page, ...] = ()
    changes: ChangesConfig | None = None
    #: The catalog of ``changes.since``, read and checked.
    previous: Catalog | None = None
    #: The units of ``handbook.units``: ``{"id": file name, "name": 单位名称}`` each, by id.
    units: tuple[dict[str, str], ...] = ()
    #: The pictures under ``pages/`` that the extra pages show.
    assets: tuple[Asset, ...] = ()

    @property
    def since_path(self) -> Path | None:
        return self.root / self.changes.since if self.changes else None

    @property
    def output(self) -> Path:
        return self.root / OUTPUT

    def sector_ids(self, catalog: Catalog) -> list[str]:
        return list(self.config.sectors) or [s.id for s in catalog.sectors]

    def checklist_ids(self, catalog: Catalog) -> list[str]:
        if self.config.checklists:
            return list(self.config.checklists)
        sectors = set(self.sector_ids(catalog))
        return [c.id for c in catalog.checklists if c.sector in sectors]


_CONVERTER = make_converter(authoring=True)

#: The handbook config's own problems, each in English (``build``, ``serve``: the developers) and in Chinese
#: (``ledger report --format pdf`` and ``ledger forms``, whose ``--project`` a clerk names): functions of the
#: values; a Chinese one is said after its key as the clerk reads it (``handbook.sectors 第1项为 "coal"……``).
_WORDS: dict[str, tuple[Callable[..., str], Callable[..., str]]] = {
    "no_config": (lambda: f"no {CONFIG_NAME} here; a handbook project needs one",
                  lambda: f"没有这个文件；手册项目的文件夹中须有 {CONFIG_NAME}（--project 应指向手册项目的文件夹）"),
    "page_name": (lambda problem, name: f"{problem}; rename the file, such as {name}.md",
                  lambda problem, name: f"页面的文件名就是它的网址，{say(problem.message, CHINESE)}；请改名，如 {name}.md"),
    "blank": (lambda example: f"expected a non-empty text, such as {example!r} (got an empty one): every page and "
                              "printout shows it",
              lambda example: f"不能为空，如 {shown(example)}：每个页面和打印件都显示它"),
    "no_heading": (lambda: NO_HEADING,
                   lambda: "页面须有标题：Markdown 的第一行写标题，如“# 使用说明”（“#”、一个空格，再写标题）"),
    "unknown_sector": (lambda sector, known: f"unknown sector {sector!r}"
                                             + did_you_mean(sector, known, f"; installed: {', '.join(known) or 'none'}"),
                       lambda sector, known: f"为 {shown(sector)}，没有安装这个行业领域" + _near_chinese(
                           sector, known, f"；已安装的行业领域：{'、'.join(known) or '无'}")),
    "unknown_checklist": (lambda checklist, known: f"unknown checklist {checklist!r}{did_you_mean(checklist, known)}",
                          lambda checklist, known: f"为 {shown(checklist)}，没有这个检查表"
                                                   + _near_chinese(checklist, known)),
    "since": (lambda since, exc: f"cannot compare with {since!r}: {exc.reason}",
              lambda since, exc: f"为 {shown(since)}，"
                                 + ("没有这个文件" if exc.reason == "no such file" else
                                    "不能用于比较：它不是本版本的 checkframe export 导出的文件，"
                                    "请用 checkframe export -o 文件名 重新导出")),
    "no_units": (lambda folder, given: f"no folder {folder}: handbook.units names a ledger folder (with units/*.toml) "
                                       "relative to the project",
                 lambda folder, given: f"为 {shown(given)}，没有文件夹 {folder}：handbook.units 应为台账文件夹"
                                       "（其中有 units/*.toml），从手册项目的文件夹算起"),
    "unit_name": (lambda: "expected the unit's name (name = \"...\")",
                  lambda: "须填写单位名称（name = \"……\"）"),
    "picture": (lambda reason: f"cannot read the picture: {reason}", lambda reason: f"无法读取图片（{reason}）"),
}


def _near_chinese(value: str, known: Sequence[str], otherwise: str = "") -> str:
    found = closest(value, known)
    return f"；是否想写 {shown(found)}？" if found else otherwise


class _Teller:
    """The loader's problems in the language of whoever reads them: ``"en"`` or ``"zh"``."""

    def __init__(self, language: str) -> None:
        self.language = language

    def words(self, code: str, segments: Sequence[str | int] = (), **values: Any) -> str:
        english, chinese = _WORDS[code]
        if self.language != "zh":
            return english(**values)
        return spaced(chinese_where(segments), chinese(**values))

    def problem(self, file: str, code: str, segments: Sequence[str | int] = (), **values: Any) -> Problem:
        path = key_path(segments) if segments else ""
        return Problem("", self.words(code, segments, **values), file, path, language=self.language)

    def read(self, file: str, exc: ReadError) -> Problem:
        """A file that does not read."""
        if self.language != "zh":
            return Problem("", exc.message, file, exc.key)
        return Problem("", read_error_chinese(exc.code, exc.values, exc.message), file, exc.key, language="zh")

    def structure(self, file: str, exc: BaseException) -> list[Problem]:
        """What the converter found wrong, one problem each."""
        if self.language != "zh":
            return [Problem("", say(message, ENGLISH), file, key_path(segments)) for segments, message in
                    structure_errors(exc)]
        return [Problem("", chinese_at(segments, message), file, key_path(segments), language="zh")
                for segments, message in structure_errors(exc)]


def load_project(root: Path | str, catalog: Catalog | None = None, *, language: str = "en") -> Project:
    """Read a handbook project; with ``catalog``, check the sectors and checklists it names.

    :param language: the language of the problems: ``"en"`` for the developers' commands (``build``), ``"zh"``
        for the clerks' (the ledger's PDFs, printed for the department of ``--project``).
    :raises ContentError: with every problem, each naming the file.
    """
    root = Path(root)
    config_path = root / CONFIG_NAME
    problems: list[Problem] = []
    tell = _Teller(language)
    name = config_path.as_posix()
    if not config_path.exists() and not config_path.is_symlink():
        raise ContentError([tell.problem(name, "no_config")])
    try:
        text = read_text(config_path)
        data = loads_toml(text)
    except ReadError as exc:
        raise ContentError([tell.read(name, exc)]) from None
    config_text = {name: text}.get  # each problem of the config gets its line (lines_placed)
    try:
        parsed = _CONVERTER.structure(data, ProjectFile)
    except Exception as exc:  # noqa: BLE001 - cattrs groups every problem in one exception
        raise ContentError(lines_placed(tell.structure(name, exc), config_text)) from None

    for key, example in (("title", "安全生产重大事故隐患排查整治检查手册"), ("department", "某某区应急管理局")):
        if not getattr(parsed.handbook, key).strip():  # a project's (checkframe print without one has no department)
            problems.append(tell.problem(name, "blank", ("handbook", key), example=example))
    pages = []
    for path in sorted((root / "pages").glob("*.md")):
        slug = path.stem
        try:
            check_id(slug, "file name")  # a page's file name becomes its URL
        except Invalid as exc:
            problems.append(tell.problem(path.as_posix(), "page_name", problem=exc, name=_page_name(slug)))
            continue
        try:
            text = read_text(path)
            check_text(text)
        except ReadError as exc:
            problems.append(tell.read(path.as_posix(), exc))
            continue
        if not has_heading(text):
            problems.append(attrs.evolve(tell.problem(path.as_posix(), "no_heading"), line=1))
            continue
        pages.append(Page(slug, path, page_title(text, slug), text))

    if catalog is not None:
        sectors = [s.id for s in catalog.sectors]
        for i, sector in enumerate(parsed.handbook.sectors):
            if not catalog.has("sector", sector):
                problems.append(tell.problem(name, "unknown_sector", ("handbook", "sectors", i), sector=sector,
                                             known=sectors))
        for i, checklist in enumerate(parsed.handbook.checklists):
            if not catalog.has("checklist", checklist):
                problems.append(tell.problem(name, "unknown_checklist", ("handbook", "checklists", i),
                                             checklist=checklist, known=[c.id for c in catalog.checklists]))
    previous = None
    if parsed.changes is not None:
        since = root / parsed.changes.since
        try:
            previous = load_export(since)
        except DiffInputError as exc:
            problems.append(tell.problem(name, "since", ("changes", "since"), since=parsed.changes.since, exc=exc))
    units = _units(root, parsed.handbook.units, name, problems, tell)
    assets = _assets(root / "pages", problems, tell)
    if problems:
        raise ContentError(lines_placed(problems, config_text))
    return Project(root, parsed.handbook, parsed.print, tuple(pages), parsed.changes, previous, units, assets)


def _page_name(slug: str) -> str:
    """A file name near ``slug`` that a page may have: lowercase, other characters as '-', starting with a letter."""
    name = "-".join(part for part in re.split(r"[^a-z0-9_-]+", slug.lower()) if part)[:64]
    return name if name[:1].isascii() and name[:1].isalpha() else f"page-{name}".rstrip("-")[:64]


def _assets(folder: Path, problems: list[Problem], tell: _Teller) -> tuple[Asset, ...]:
    """The pictures under ``folder`` (``pages/``), hidden files and folders left out."""
    if not folder.is_dir():
        return ()
    found = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.suffix.lower() not in ASSET_SUFFIXES or any(part.startswith(".") for part in rel.parts):
            continue
        if not path.is_file():
            continue
        try:
            found.append(Asset(rel.as_posix(), path.read_bytes()))
        except OSError as exc:
            problems.append(tell.problem(path.as_posix(), "picture", reason=exc.strerror or exc))
    return tuple(found)


def _units(root: Path, folder: str, name: str, problems: list[Problem], tell: _Teller) -> tuple[dict[str, str], ...]:
    """The id and name of each unit registered in the ledger folder ``folder`` (``handbook.units``)."""
    if not folder:
        return ()
    units_dir = root / folder / "units"
    if not units_dir.is_dir():
        problems.append(tell.problem(name, "no_units", ("handbook", "units"), folder=units_dir.as_posix(),
                                     given=folder))
        return ()
    found = []
    for path in sorted(units_dir.glob("*.toml")):
        rel = path.as_posix()
        try:
            data = read_toml(path)
        except ReadError as exc:
            problems.append(tell.read(rel, exc))
            continue
        if not isinstance(data.get("name"), str) or not data["name"].strip():
            problems.append(tell.problem(rel, "unit_name", ("name",)))
            continue
        found.append({"id": path.stem, "name": data["name"]})
    return tuple(found)
