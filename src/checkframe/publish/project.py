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
from pathlib import Path
from urllib.parse import urlsplit

import attrs
from attrs import frozen

from checkframe.catalog import Catalog
from checkframe.catalog.convert import errors_of, make_converter
from checkframe.catalog.export import DiffInputError, load_export
from checkframe.catalog.places import lines_placed
from checkframe.errors import ContentError, Problem, did_you_mean
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
        raise Invalid(f"expected an absolute http(s) URL ending in '/', without spaces, query or fragment, such as "
                      f"'https://example.gov.cn/handbook/' (got {value!r})", key=attribute.name)


def _iso_date(instance: object, attribute: attrs.Attribute, value: str) -> None:
    try:
        if value:
            dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"expected a date as YYYY-MM-DD (got {value!r})", key=attribute.name) from None


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


def load_project(root: Path | str, catalog: Catalog | None = None) -> Project:
    """Read a handbook project; with ``catalog``, check the sectors and checklists it names.

    :raises ContentError: with every problem, each naming the file.
    """
    root = Path(root)
    config_path = root / CONFIG_NAME
    problems: list[Problem] = []
    name = config_path.as_posix()
    if not config_path.exists() and not config_path.is_symlink():
        raise ContentError([Problem("", f"no {CONFIG_NAME} here; a handbook project needs one", name)])
    try:
        text = read_text(config_path)
        data = loads_toml(text)
    except ReadError as exc:
        raise ContentError([Problem("", exc.message, name, exc.key)]) from None
    config_text = {name: text}.get  # each problem of the config gets its line (lines_placed)
    try:
        parsed = _CONVERTER.structure(data, ProjectFile)
    except Exception as exc:  # noqa: BLE001 - cattrs groups every problem in one exception
        raise ContentError(lines_placed([Problem("", message, name, path) for path, message in errors_of(exc)],
                                        config_text)) from None

    for key, example in (("title", "安全生产重大事故隐患排查整治检查手册"), ("department", "某某区应急管理局")):
        if not getattr(parsed.handbook, key).strip():  # a project's (checkframe print without one has no department)
            problems.append(Problem("", f"expected a non-empty text, such as {example!r} (got an empty one): every page "
                                        "and printout shows it", name, f"$.handbook.{key}"))
    pages = []
    for path in sorted((root / "pages").glob("*.md")):
        slug = path.stem
        try:
            check_id(slug, "file name")  # a page's file name becomes its URL
        except Invalid as exc:
            problems.append(Problem("", f"{exc}; rename the file, such as {_page_name(slug)}.md", path.as_posix()))
            continue
        try:
            text = read_text(path)
            check_text(text)
        except ReadError as exc:
            problems.append(Problem("", exc.message, path.as_posix(), exc.key))
            continue
        if not has_heading(text):
            problems.append(Problem("", NO_HEADING, path.as_posix(), "", 1))
            continue
        pages.append(Page(slug, path, page_title(text, slug), text))

    if catalog is not None:
        for i, sector in enumerate(parsed.handbook.sectors):
            if not catalog.has("sector", sector):
                known = [s.id for s in catalog.sectors]
                hint = did_you_mean(sector, known, f"; installed: {', '.join(known) or 'none'}")
                problems.append(Problem("", f"unknown sector {sector!r}{hint}", name, f"$.handbook.sectors[{i}]"))
        for i, checklist in enumerate(parsed.handbook.checklists):
            if not catalog.has("checklist", checklist):
                hint = did_you_mean(checklist, [c.id for c in catalog.checklists])
                problems.append(Problem("", f"unknown checklist {checklist!r}{hint}", name,
                                        f"$.handbook.checklists[{i}]"))
    previous = None
    if parsed.changes is not None:
        since = root / parsed.changes.since
        try:
            previous = load_export(since)
        except DiffInputError as exc:
            problems.append(Problem("", f"cannot compare with {parsed.changes.since!r}: {exc.reason}", name,
                                    "$.changes.since"))
    units = _units(root, parsed.handbook.units, name, problems)
    assets = _assets(root / "pages", problems)
    if problems:
        raise ContentError(lines_placed(problems, config_text))
    return Project(root, parsed.handbook, parsed.print, tuple(pages), parsed.changes, previous, units, assets)


def _page_name(slug: str) -> str:
    """A file name near ``slug`` that a page may have: lowercase, other characters as '-', starting with a letter."""
    name = "-".join(part for part in re.split(r"[^a-z0-9_-]+", slug.lower()) if part)[:64]
    return name if name[:1].isascii() and name[:1].isalpha() else f"page-{name}".rstrip("-")[:64]


def _assets(folder: Path, problems: list[Problem]) -> tuple[Asset, ...]:
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
            problems.append(Problem("", f"cannot read the picture: {exc.strerror or exc}", path.as_posix()))
    return tuple(found)


def _units(root: Path, folder: str, name: str, problems: list[Problem]) -> tuple[dict[str, str], ...]:
    """The id and name of each unit registered in the ledger folder ``folder`` (``handbook.units``)."""
    if not folder:
        return ()
    units_dir = root / folder / "units"
    if not units_dir.is_dir():
        problems.append(Problem("", f"no folder {units_dir.as_posix()}: handbook.units names a ledger folder "
                                    "(with units/*.toml) relative to the project", name, "$.handbook.units"))
        return ()
    found = []
    for path in sorted(units_dir.glob("*.toml")):
        rel = path.as_posix()
        try:
            data = read_toml(path)
        except ReadError as exc:
            problems.append(Problem("", exc.message, rel, exc.key))
            continue
        if not isinstance(data.get("name"), str) or not data["name"].strip():
            problems.append(Problem("", "expected the unit's name (name = \"...\")", rel, "$.name"))
            continue
        found.append({"id": path.stem, "name": data["name"]})
    return tuple(found)
