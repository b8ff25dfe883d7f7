"""``checkframe new-plugin``: a ready sector plugin distribution, to install and then fill in.

The folder it writes::

    checkframe-gas/
      pyproject.toml                 the distribution, its checkframe entry point and dependency
      README.md
      src/checkframe_gas/__init__.py the hookimpl calling register.content_dir
      src/checkframe_gas/content/    sector.toml, checkpoints/01-hazard-management.toml, checklists.toml
      tests/test_content.py          tests with checkframe.testing, and tests/ids.txt

The example group, checkpoint and checklist are genuine: the checkpoint is
the duty of 《中华人民共和国安全生产法》第四十一条第二款, cited as the general
plugin cites it, so the new plugin validates, builds and prints at once and
shows an author what real content looks like.  TOML is written with tomli-w.

A name is refused when it is not a valid package and sector name, or when it
is taken: by an installed plugin (entry point), a distribution or an
importable package of the names it would use, or a sector already in the
catalog.  An existing folder is never touched.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import keyword
import re
from importlib import resources
from pathlib import Path

import attrs
import jinja2
import tomli_w
from packaging.utils import canonicalize_name
from packaging.version import Version

from checkframe.catalog.content import CONTENT_FORMAT
from checkframe.plugins import ENTRY_POINT_GROUP
from checkframe.util import fs

__all__ = ["NAME_PATTERN", "NameTaken", "PluginNames", "ScaffoldError", "check_name", "write_plugin"]

#: A plugin name: a Python identifier and a sector id at once, so lowercase words joined by single underscores.
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
NAME_MAX_LENGTH = 40

TEMPLATES = Path(str(resources.files("checkframe") / "templates" / "plugin"))

#: The document the example checkpoint cites, exactly as the general plugin defines it: identical
#: definitions of a document merge across plugins, different ones are an error.
WORK_SAFETY_LAW = {
    "id": "work-safety-law-2021",
    "title": "中华人民共和国安全生产法",
    "issuer": "全国人民代表大会常务委员会",
    "date": "2021-06-10",
    "confirmed": False,
    "note": "2021年6月10日第十三届全国人民代表大会常务委员会第二十九次会议第三次修正。"
            "修正所依主席令令号和施行日期（2021-09-01）未在来源中读到。",
}


class ScaffoldError(Exception):
    """A name or folder that cannot be used; the message is one complete line."""


class InvalidName(ScaffoldError):
    """The name is not a valid package and sector name (a usage error)."""


class NameTaken(ScaffoldError):
    """The name, or a folder, is already in use."""


@attrs.frozen
class PluginNames:
    """Every name a plugin called ``name`` uses."""

    #: The entry point, the sector id and the plugin's name in listings: ``gas``.
    name: str

    @property
    def distribution(self) -> str:
        return "checkframe-" + self.name.replace("_", "-")

    @property
    def package(self) -> str:
        return "checkframe_" + self.name

    @property
    def prefix(self) -> str:
        """What the plugin's checkpoint and checklist ids start with."""
        return self.name.replace("_", "-")


def check_name(name: str) -> PluginNames:
    """The names of a plugin called ``name``; :class:`InvalidName` unless it is one."""
    if not NAME_PATTERN.match(name) or len(name) > NAME_MAX_LENGTH or keyword.iskeyword(name):
        raise InvalidName(
            f"invalid plugin name {name!r}: expected lowercase letters and digits, words joined by single '_', "
            f"starting with a letter, at most {NAME_MAX_LENGTH} characters (it is the package and the sector id), "
            "such as hazardous_chemicals"
        )
    if name.startswith("checkframe"):
        raise InvalidName(f"invalid plugin name {name!r}: leave out 'checkframe'; the distribution is "
                          f"checkframe-<name> already")
    return PluginNames(name)


def taken_by(names: PluginNames) -> str | None:
    """What already uses one of the plugin's names, in words; None when all are free."""
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == names.name:
            dist = f" ({ep.dist.metadata['Name']} {ep.dist.version})" if ep.dist else ""
            return f"an installed plugin is called {names.name!r}{dist}"
    wanted = {canonicalize_name(names.distribution)}
    for installed in importlib.metadata.distributions():
        if canonicalize_name(installed.metadata["Name"] or "") in wanted:
            return f"the distribution {installed.metadata['Name']} {installed.version} is installed"
    if importlib.util.find_spec(names.package) is not None:
        return f"a package {names.package!r} can already be imported"
    from checkframe.catalog import gather
    from checkframe.plugins import load_plugins

    contributions, _ = gather(load_plugins())  # even when some content is broken
    for contribution in contributions:
        for entry in contribution.sectors:
            if entry.obj.id == names.name:
                return f"the sector {names.name!r} ({entry.obj.name}) is contributed by the plugin {contribution.plugin!r}"
    return None


def _toml(header: str, data: dict) -> str:
    return f"# {header}\n# Fields: see the author guide of any checkframe handbook (guide/format.html).\n\n" + tomli_w.dumps(
        data, multiline_strings=True
    )


def plugin_files(names: PluginNames, title: str, maintainer: str = "") -> dict[str, str]:
    """Every file of the new distribution: relative path → text."""
    name, prefix = names.name, names.prefix
    checkpoint_id = f"{prefix}-hm-01"
    checkpoint_title = "隐患排查治理制度"
    checklist_id = f"{prefix}-self"
    version = Version(importlib.metadata.version("checkframe"))
    project: dict = {
        "name": names.distribution,
        "version": "0.1.0",
        "description": f"checkframe plugin: {title}",
        "readme": "README.md",
        "requires-python": ">=3.11",
        "keywords": ["checkframe", "安全生产", "隐患排查", title],
        "dependencies": [f"checkframe>={version.major}.{version.minor}"],
        "optional-dependencies": {"test": ["pytest>=8"]},
        "entry-points": {ENTRY_POINT_GROUP: {name: names.package}},
    }
    if maintainer:
        project["authors"] = [{"name": maintainer}]
    pyproject = {
        "build-system": {"requires": ["hatchling>=1.25"], "build-backend": "hatchling.build"},
        "project": project,
        "tool": {
            "hatch": {"build": {"targets": {"wheel": {"packages": [f"src/{names.package}"]}}}},
            "pytest": {"ini_options": {"testpaths": ["tests"]}},
        },
    }
    sector = {
        "format": CONTENT_FORMAT,
        "sector": {
            "id": name,
            "name": title,
            "regulator": maintainer,
            "maintainer": maintainer,
            "description": (
                f"**{title}**行业领域的安全生产检查内容。\n\n"
                "示例检查项取自《中华人民共和国安全生产法》第四十一条第二款，"
                "请按本行业领域的重大事故隐患判定标准和检查依据补充、替换。\n"
            ),
            "sources": [WORK_SAFETY_LAW["id"]],
        },
        "document": [WORK_SAFETY_LAW],
    }
    group = {
        "group": {
            "id": "hazard_management",
            "title": "隐患排查治理",
            "description": "事故隐患排查治理制度：及时发现并消除事故隐患，如实记录并向从业人员通报。",
        },
        "checkpoint": [{
            "id": checkpoint_id,
            "title": checkpoint_title,
            "what": (
                "是否建立健全并落实生产安全事故隐患排查治理制度，采取技术、管理措施，及时发现并消除事故隐患；\n"
                "事故隐患排查治理情况是否如实记录，并通过职工大会或者职工代表大会、信息公示栏等方式向从业人员通报。\n"
            ),
            "how": ["查阅资料", "询问"],
            "level": "general",
            "remediation": ["deadline"],
            "basis": [{"document": WORK_SAFETY_LAW["id"], "article": "第四十一条", "item": "第二款"}],
        }],
    }
    checklists = {
        "checklist": [{
            "id": checklist_id,
            "title": f"{title}生产经营单位自查表",
            "kind": "self_inspection",
            "description": "自查结果栏：符合要求的打“√”；正在整改中的打“0”；不符合要求的打“×”；无该项的不填写。",
            "items": [f"{name}/hazard_management"],
        }],
    }
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), keep_trailing_newline=True, undefined=jinja2.StrictUndefined
    )
    context = {
        "name": name, "title": title, "package": names.package, "distribution": names.distribution,
        "checkpoint_id": checkpoint_id, "checkpoint_title": checkpoint_title, "checklist_id": checklist_id,
        "format": CONTENT_FORMAT,
    }
    package = f"src/{names.package}"
    return {
        "pyproject.toml": tomli_w.dumps(pyproject),
        "README.md": env.get_template("README.md.j2").render(context),
        f"{package}/__init__.py": env.get_template("__init__.py.j2").render(context),
        f"{package}/content/sector.toml": _toml(f"{title}: the sector and the documents its checkpoints cite.", sector),
        f"{package}/content/checkpoints/01-hazard-management.toml": _toml(
            "One group per file, files in name order. Example: 安全生产法第四十一条第二款.", group
        ),
        f"{package}/content/checklists.toml": _toml("Checklists: checkpoint ids and whole groups, in order.", checklists),
        "tests/test_content.py": env.get_template("test_content.py.j2").render(context),
        "tests/ids.txt": f"{checkpoint_id}\n{checklist_id}\n",
    }


def write_plugin(parent: Path | str, name: str, title: str, maintainer: str = "") -> Path:
    """Write the distribution folder ``parent/checkframe-<name>``; return it.

    :raises InvalidName: for a name that is not a valid package and sector name.
    :raises NameTaken: for a name in use, or a folder that exists; nothing is written then.
    """
    names = check_name(name)
    if not title.strip() or "\n" in title:
        raise InvalidName(f"invalid title {title!r}: expected the sector's Chinese name on one line, such as 城镇燃气")
    parent = Path(parent)
    target = parent / names.distribution
    if target.exists() or target.is_symlink():
        raise NameTaken(f"{target.as_posix()} already exists; nothing was written (remove it or choose another --dir)")
    if not parent.is_dir():
        raise NameTaken(f"cannot write into {parent.as_posix()!r}: there is no such folder")
    taken = taken_by(names)
    if taken:
        raise NameTaken(f"the plugin name {name!r} is taken: {taken}; choose another name")
    files = plugin_files(names, title.strip(), maintainer.strip())
    # Written beside the target and renamed into place: the folder appears complete, or not at all.
    with fs.staging_folder(target) as staging:
        for relative, text in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        try:
            fs.place_new_folder(staging, target)  # fails if the folder appeared meanwhile
        except FileExistsError:
            raise NameTaken(f"{target.as_posix()} already exists; nothing was written") from None
    return target
