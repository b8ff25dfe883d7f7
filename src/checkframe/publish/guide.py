"""The guide for plugin authors: Markdown pages shipped in ``checkframe/guide/``, part of every handbook.

Each page is one Markdown file; the handbook renders them under ``guide/``
(switched off by ``author_guide = false`` in ``checkframe.toml``).  Pages are
ordered by :data:`ORDER`; a file not named there (a section added later)
comes after them, by name.  Pages link to each other as ``format.md``, which
works on a code host; the handbook makes those links ``format.html``.

What can drift from the code is generated from it into the files themselves,
between ``<!-- @NAME ARGUMENT -->`` and ``<!-- end @NAME -->`` (a directive
written on a line of its own, ``@fields Sector``, becomes such a section), so
the guide reads complete in a clone and on a code host.  ``python -m
checkframe.publish.guide src/checkframe/guide`` (``nox -s guide``) writes them
anew; a test fails when they are stale.  The handbook generates them again as
it renders, markers left out.  The directives:

``@pages``
    the list of the guide's pages, with their titles;
``@fields CLASS``
    the table of a content class's fields, from the model's attrs fields and
    the Chinese descriptions in ``guide/fields.toml`` (a field without one is
    an error, so a new field cannot go undocumented);
``@hooks``
    the hook reference, from the docstrings of every hook spec in
    :mod:`checkframe.hookspecs` (and the modules it gathers them from);
``@api MODULE``
    the public functions of a module (its ``__all__``) with their docstrings;
``@example``
    the files that ``checkframe new-plugin gas --title 城镇燃气`` writes;
``@formats``
    the content formats this checkframe reads;
``@templates``
    each default site template with its blocks and the variables it uses
    (:func:`checkframe.publish.overrides.template_reference`);
``@if-page SLUG TEXT``
    TEXT, only when the guide has a page SLUG (a section that may not exist yet).
"""

from __future__ import annotations

import enum
import functools
import importlib
import importlib.metadata
import inspect
import re
import tomllib
import typing
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

from checkframe import hookspecs, model
from checkframe.catalog import content, convert
from checkframe.publish import project

__all__ = [
    "GUIDE",
    "ORDER",
    "GuidePage",
    "field_table",
    "generate",
    "guide_pages",
    "hook_reference",
    "rst_to_markdown",
    "stale_pages",
    "write_guide",
]

GUIDE = Path(str(resources.files("checkframe") / "guide"))

#: The order of the guide's pages; other pages follow, by name.
ORDER = ("index", "install", "quickstart", "format", "schema", "hooks", "testing", "api", "handbook", "publishing",
         "compatibility", "diff", "records")

#: The classes whose fields the content files hold, by name as ``@fields`` names them.
CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (content.SectorFile, model.Sector, model.Document, model.ScopeName, model.Group, model.Checkpoint,
                model.LegalBasis, model.Checklist, content.RemediationFile, model.RemediationCategory)
}


#: The tables of a handbook project's ``checkframe.toml``, documented like the content classes.
PROJECT_CLASSES: dict[str, type] = {
    cls.__name__: cls for cls in (project.HandbookConfig, project.PrintConfig, project.ChangesConfig)
}


class GuideError(Exception):
    """The guide's sources do not match the code; the message says what to fix."""


@attrs.frozen
class GuidePage:
    slug: str
    title: str
    #: The Markdown, directives expanded.
    markdown: str


# -- Field tables ------------------------------------------------------------------------


@functools.cache
def field_docs() -> dict[str, dict[str, str]]:
    """The Chinese description of every field, by class name and field name."""
    return tomllib.loads((GUIDE / "fields.toml").read_text(encoding="utf-8"))


def authoring_fields(cls: type) -> list[attrs.Attribute]:
    """The fields an author writes: the loader's own left out, and for a file, only its plain keys."""
    hidden = convert.LOADER_FIELDS.get(cls, frozenset())
    fields = attrs.fields(attrs.resolve_types(cls))
    keep = []
    for field in fields:
        if field.name in hidden:
            continue
        inner = typing.get_args(field.type)[0] if typing.get_origin(field.type) is tuple else field.type
        if cls.__name__.endswith("File") and attrs.has(inner):
            continue  # a table of its own, documented with its class
        keep.append(field)
    return keep


def _type_text(kind: Any) -> str:
    if typing.get_origin(kind) is tuple:
        inner = typing.get_args(kind)[0]
        if attrs.has(inner):
            return "表的数组"
        return _type_text(inner).replace("文本", "文本数组", 1) if inner is str else f"数组，每项为{_type_text(inner)}"
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return "之一：" + "、".join(
            f"`{m.value}`" + (f"（{m.label}）" if hasattr(m, "label") else "") for m in kind
        )
    return {str: "文本", bool: "`true` 或 `false`", int: "整数"}.get(kind, str(kind))


def _default_text(field: attrs.Attribute) -> str:
    if field.default is attrs.NOTHING:
        return "**必填**"
    value = field.default
    if value in ("", ()):
        return "可省略"
    if isinstance(value, enum.Enum):
        return f"默认 `{value.value}`"
    if isinstance(value, bool):
        return f"默认 `{str(value).lower()}`"
    return f"默认 `{value}`"


def field_table(class_name: str) -> str:
    """The Markdown table of one content class's fields."""
    cls = CLASSES.get(class_name) or PROJECT_CLASSES.get(class_name)
    if cls is None:
        raise GuideError(f"@fields {class_name}: no such content class; known: {', '.join([*CLASSES, *PROJECT_CLASSES])}")
    docs = field_docs().get(class_name, {})
    fields = authoring_fields(cls)
    names = {f.name for f in fields}
    missing = [f.name for f in fields if f.name not in docs]
    stale = [name for name in docs if name not in names]
    if missing or stale:
        raise GuideError(
            f"guide/fields.toml [{class_name}]: "
            + (f"describe {', '.join(missing)}" if missing else "")
            + ("; " if missing and stale else "")
            + (f"remove {', '.join(stale)} (not a field)" if stale else "")
        )
    rows = ["| 键 key | 类型 type | 必填 | 说明 |", "|---|---|---|---|"]
    for field in fields:
        description = " ".join(docs[field.name].split())
        rows.append(f"| `{field.name}` | {_type_text(field.type)} | {_default_text(field)} | {description} |")
    return "\n".join(rows)


# -- Docstrings --------------------------------------------------------------------------

_ROLE = re.compile(r":(?:mod|func|class|data|meth|attr):`~?([^`]+)`")
_FIELD = re.compile(r"^:(param|returns|raises)\s*([^:]*):\s*(.*)$")
_FIELD_LABEL = {"param": "参数", "returns": "返回", "raises": "异常"}


def _inline(line: str) -> str:
    return _ROLE.sub(r"`\1`", line).replace("``", "`")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _block(lines: list[str], start: int, deeper_than: int) -> tuple[list[str], int]:
    """The lines from ``start`` indented more than ``deeper_than`` (blank lines inside included), dedented."""
    end = start
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > deeper_than):
        end += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    body = lines[start:end]
    cut = min((_indent(x) for x in body if x.strip()), default=0)
    return [x[cut:] for x in body], end


def rst_to_markdown(text: str) -> str:
    """The reStructuredText of a docstring as Markdown: literal blocks, field lists, indented lists, roles."""
    lines = inspect.cleandoc(text).splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        field = _FIELD.match(line)
        if field:
            kind, name, rest = field.groups()
            label = _FIELD_LABEL[kind] + (f" `{name.strip()}`" if name.strip() else "")
            body, i = _block(lines, i + 1, 0)
            out.append(f"**{label}**：{_inline(rest)}")
            out.extend(rst_to_markdown("\n".join(body)).splitlines() if body else [])
            out.append("")
            continue
        if line.rstrip().endswith("::"):
            indent = _indent(line)
            lead = line.rstrip()[:-2].rstrip()
            if lead.strip():
                colon = "" if lead.endswith((":", "：")) else ("：" if not lead[-1].isascii() else ":")
                out.append(_inline(lead) + colon)
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            code, i = _block(lines, j, indent)
            pad = " " * (indent + 2 if line.lstrip().startswith("- ") else indent)  # inside the list item
            out.extend(["", pad + "```", *[(pad + x).rstrip() for x in code], pad + "```", ""])
            continue
        if re.match(r"^\s+- ", line) and (not out or not out[-1].strip() or out[-1].lstrip().startswith("-")):
            body, i = _block(lines, i, _indent(line) - 1)
            out.extend(rst_to_markdown("\n".join(body)).splitlines())
            continue
        out.append(_inline(line))
        i += 1
    return "\n".join(out).strip() + "\n"


def hook_specs() -> list[Any]:
    """Every hook spec the plugin manager knows, from every module of specs: checkframe's own first, each in order."""
    from checkframe.plugins import get_plugin_manager

    pm = get_plugin_manager()
    specs = [caller.spec.function for name, caller in vars(pm.hook).items()
             if name.startswith("checkframe_") and getattr(caller, "spec", None) is not None]
    return sorted(specs, key=lambda f: (f.__module__ != hookspecs.__name__, f.__module__, f.__code__.co_firstlineno))


def hook_reference() -> str:
    """One section per hook: its signature and its docstring."""
    parts = []
    for spec in hook_specs():
        if not (spec.__doc__ or "").strip():
            raise GuideError(f"hook {spec.__name__} has no docstring; document it in checkframe/hookspecs.py")
        params = ", ".join(inspect.signature(spec).parameters)
        parts.append(f"## {spec.__name__}\n\n```python\n@hookimpl\ndef {spec.__name__}({params}): ...\n```\n\n"
                     + rst_to_markdown(spec.__doc__))
    return "\n".join(parts)


def api_reference(module_name: str) -> str:
    """The public functions and classes of a module, each with its signature and docstring."""
    module = importlib.import_module(module_name)
    parts = []
    for name in module.__all__:
        obj = getattr(module, name)
        if not (obj.__doc__ or "").strip():
            raise GuideError(f"{module_name}.{name} has no docstring")
        signature = f"{name}{inspect.signature(obj)}" if inspect.isfunction(obj) else f"class {name}"
        signature = signature.replace("'", "")
        parts.append(f"### {name}\n\n```python\n{signature}\n```\n\n" + rst_to_markdown(obj.__doc__))
        if inspect.isclass(obj):
            parts.extend(_methods(obj))
    return "\n".join(parts)


def _methods(cls: type) -> list[str]:
    """The public methods of a class with a docstring, each as a list item with its signature."""
    items = []
    for name, member in vars(cls).items():
        if name.startswith("_") or not inspect.isfunction(member) or not (member.__doc__ or "").strip():
            continue
        signature = str(inspect.signature(member)).replace("'", "").replace("(self, ", "(").replace("(self)", "()")
        first = inspect.cleandoc(member.__doc__ or "").split("\n\n")[0].replace("\n", " ")
        items.append(f"- `{name}{signature}`：{_inline(first)}")
    return ["**方法 methods**：\n\n" + "\n".join(items) + "\n"] if items else []


# -- The worked example ------------------------------------------------------------------


def example() -> str:
    """The files of ``checkframe new-plugin gas --title 城镇燃气``, each in a code block."""
    from checkframe.authoring.scaffold import PluginNames, plugin_files

    files = plugin_files(PluginNames("gas"), "城镇燃气", "区住房和城乡建设局")
    tree = "\n".join(f"checkframe-gas/{path}" for path in files)
    parts = [f"```\n{tree}\n```\n"]
    for path, text in files.items():
        if path.endswith(("README.md", "ids.txt")):
            continue
        language = {"toml": "toml", "py": "python"}.get(path.rpartition(".")[2], "")
        parts.append(f"### {path}\n\n```{language}\n{text.rstrip()}\n```\n")
    return "\n".join(parts)


def formats() -> str:
    version = importlib.metadata.version("checkframe")
    oldest, current = content.OLDEST_CONTENT_FORMAT, content.CONTENT_FORMAT
    read = f"格式 {current}" if oldest == current else f"格式 {oldest} 至 {current}"
    return (f"本手册所用的 checkframe {version} 写入和读取内容格式 **{current}**，可读取{read}。"
            f"未声明格式的内容目录按格式 {content.UNDECLARED_CONTENT_FORMAT} 读取。")


# -- Pages -------------------------------------------------------------------------------

#: A generated section in a guide page's Markdown: ``<!-- @fields Sector -->`` ... ``<!-- end @fields -->``.
_START = re.compile(r"^<!-- @([a-z-]+)(?:[ \t]+(.*?))?[ \t]*-->$")
_END = re.compile(r"^<!-- end @([a-z-]+) -->$")
#: A directive not yet generated: ``@fields Sector`` on a line of its own.
_DIRECTIVE = re.compile(r"^@([a-z-]+)(?:[ \t]+(.*))?$")
#: A link to another page of the guide, as it is written in the repository: ``(format.md)``, ``(hooks.md#anchor)``.
_PAGE_LINK = re.compile(r"\]\(([a-z][a-z0-9-]*)\.md(#[^)\s]*)?\)")


def _title(text: str, fallback: str) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return fallback


def _order(slug: str) -> tuple[int, str]:
    return (ORDER.index(slug) if slug in ORDER else len(ORDER), slug)


def _read_sources(folder: Path) -> tuple[tuple[str, str], ...]:
    files = sorted(folder.glob("*.md"), key=lambda p: _order(p.stem))
    return tuple((p.stem, p.read_text(encoding="utf-8")) for p in files)


@functools.cache
def _sources() -> tuple[tuple[str, str], ...]:
    return _read_sources(GUIDE)


def generate(text: str, sources: tuple[tuple[str, str], ...]) -> str:
    """A guide page's Markdown with every generated section made anew from the code.

    A section is the text between ``<!-- @NAME ARGUMENT -->`` and ``<!-- end @NAME -->``, each on a line of its
    own; a directive on a line of its own (``@fields Sector``) becomes such a section.  The markers stay, so the
    file in the repository reads complete on a code host and can be generated again.

    :raises GuideError: when a directive is unknown, a section is not closed, or the code and the guide disagree.
    """
    slugs = {slug for slug, _ in sources}
    titles = [(slug, _title(page, slug)) for slug, page in sources]

    def expand(name: str, argument: str) -> str:
        if name == "pages":
            return "\n".join(f"- [{title}]({slug}.md)" for slug, title in titles if slug != "index")
        if name == "fields":
            return field_table(argument)
        if name == "hooks":
            return hook_reference()
        if name == "api":
            return api_reference(argument)
        if name == "example":
            return example()
        if name == "formats":
            return formats()
        if name == "if-page":
            slug, _, body = argument.partition(" ")
            return body if slug in slugs else ""
        if name in GENERATORS:
            return GENERATORS[name](argument)
        raise GuideError(f"unknown directive @{name}")

    def section(name: str, argument: str) -> list[str]:
        body = expand(name, argument).strip("\n")
        head = f"<!-- @{name} {argument} -->" if argument else f"<!-- @{name} -->"
        return [head, *(["", *body.splitlines(), ""] if body else []), f"<!-- end @{name} -->"]

    out: list[str] = []
    lines = text.splitlines()
    fenced = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("```"):
            fenced = not fenced
        start = None if fenced else _START.match(line)
        bare = None if fenced or start else _DIRECTIVE.match(line)
        if start:
            name, argument = start.group(1), (start.group(2) or "").strip()
            end = next((j for j in range(i + 1, len(lines)) if (m := _END.match(lines[j])) and m.group(1) == name),
                       None)
            if end is None:
                raise GuideError(f"<!-- @{name} --> has no <!-- end @{name} --> after it")
            out.extend(section(name, argument))
            i = end + 1
            continue
        if bare:
            out.extend(section(bare.group(1), (bare.group(2) or "").strip()))
        else:
            out.append(line)
        i += 1
    return "\n".join(out) + "\n"


def for_handbook(text: str, slugs: set[str]) -> str:
    """A generated page as the handbook renders it: markers left out, links to ``page.md`` made ``page.html``."""
    lines = [line for line in text.splitlines() if not (_START.match(line) or _END.match(line))]

    def link(match: re.Match[str]) -> str:
        slug, anchor = match.group(1), match.group(2) or ""
        return f"]({slug}.html{anchor})" if slug in slugs else match.group(0)

    return _PAGE_LINK.sub(link, "\n".join(lines) + "\n")


@functools.cache
def guide_pages() -> tuple[GuidePage, ...]:
    """Every page of the guide, in order, its sections generated anew.

    :raises GuideError: when a directive is unknown or the code and the guide disagree.
    """
    sources = _sources()
    slugs = {slug for slug, _ in sources}
    return tuple(GuidePage(slug, _title(text, slug), for_handbook(generate(text, sources), slugs))
                 for slug, text in sources)


def _templates(argument: str) -> str:
    from checkframe.publish.overrides import template_reference

    return template_reference(argument)


#: Generated sections of other modules: directive name → function of its argument.
GENERATORS: dict[str, Any] = {"templates": _templates}


def stale_pages(folder: Path = GUIDE) -> list[str]:
    """The names of the guide's files whose generated sections are not what the code makes now."""
    sources = _read_sources(folder)
    return [f"{slug}.md" for slug, text in sources if generate(text, sources) != text]


def write_guide(folder: Path) -> list[Path]:
    """Generate every section of the guide's files in ``folder`` anew; return the files that changed."""
    from checkframe.util import fs

    sources = _read_sources(folder)
    changed = []
    for slug, text in sources:
        fresh = generate(text, sources)
        if fresh != text:
            fs.write_atomic(folder / f"{slug}.md", fresh)
            changed.append(folder / f"{slug}.md")
    return changed


def main(argv: list[str] | None = None) -> int:
    """``python -m checkframe.publish.guide src/checkframe/guide``: write the generated sections into the files."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not Path(args[0]).is_dir():
        print("usage: python -m checkframe.publish.guide GUIDE_DIR  (the folder of the guide's *.md, "
              "src/checkframe/guide in a clone)", file=sys.stderr)
        return 2
    try:
        changed = write_guide(Path(args[0]))
    except GuideError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in changed:
        print(f"wrote {path.as_posix()}")
    if not changed:
        print("the guide's generated sections are up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
