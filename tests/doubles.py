"""Test doubles: plugins made on the fly from content written into a temporary folder."""

from __future__ import annotations

import os
import textwrap
import types
from pathlib import Path

import pytest

from checkframe import hookimpl
from checkframe.catalog import Catalog, build_catalog
from checkframe.errors import ContentError
from checkframe.plugins import ENV_ALLOWLIST, Plugins, load_plugins

SECTOR = """
[sector]
id = "{sector}"
name = "测试行业"
sources = ["law"]

[[document]]
id = "law"
title = "中华人民共和国安全生产法"
"""

GROUP = """
[group]
id = "gas"
title = "瓦斯"

[[checkpoint]]
id = "{prefix}-gas-01"
title = "瓦斯检查"
what = "瓦斯检查存在漏检、假检情况且进行作业的。"
how = ["现场检查"]
level = "major"
remediation = ["listed_supervision"]

[[checkpoint.basis]]
document = "law"
article = "第四十一条"

[[checkpoint]]
id = "{prefix}-gas-02"
title = "瓦斯检查员持证"
what = "瓦斯检查员是否持证上岗。"
level = "general"
remediation = ["on_site", "deadline"]
"""

CHECKLISTS = """
[[checklist]]
id = "{prefix}-self"
title = "自查表"
kind = "self_inspection"
items = ["{sector}/gas"]
"""


class ContentDir:
    """A plugin's content folder, filled with a valid sector by default."""

    def __init__(self, root: Path, sector: str = "demo", prefix: str = "demo") -> None:
        self.root = root
        self.sector = sector
        self.prefix = prefix
        self.write("sector.toml", SECTOR)
        self.write("checkpoints/01-gas.toml", GROUP)
        self.write("checklists.toml", CHECKLISTS)

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = textwrap.dedent(text).replace("{sector}", self.sector).replace("{prefix}", self.prefix)
        path.write_text(text, encoding="utf-8")
        return path

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.root / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def plugin(self) -> types.ModuleType:
        """A plugin module whose content hook reads this folder."""
        module = types.ModuleType(f"plugin_{self.sector}")
        root = self.root

        @hookimpl
        def checkframe_register_content(register):
            register.content_dir(root)

        module.checkframe_register_content = checkframe_register_content
        return module


#: The ``checkframe.toml`` of the handbook projects that tests build.
HANDBOOK_CONFIG = """
[handbook]
title = "测试检查手册"
department = "测试区应急管理局"
"""


def handbook_project(root: Path, pages: dict[str, str] | None = None, config: str = HANDBOOK_CONFIG) -> Path:
    """A handbook project folder: ``checkframe.toml`` and ``pages/<name>`` for each of ``pages``."""
    root.mkdir(parents=True)
    (root / "checkframe.toml").write_text(config, encoding="utf-8")
    for name, text in (pages or {}).items():
        (root / "pages").mkdir(exist_ok=True)
        (root / "pages" / name).write_text(text, encoding="utf-8")
    return root


def load_only(**extra: object) -> Plugins:
    """Built-in plugins and ``extra``, none of the installed entry points."""
    return load_plugins(environ={ENV_ALLOWLIST: ""}, extra=extra)


def problems_of(**extra: object) -> list[str]:
    """The problem lines that building a catalog from ``extra`` reports."""
    with pytest.raises(ContentError) as info:
        build_catalog(load_only(**extra))
    return [str(p) for p in info.value.problems]


def catalog_of(**extra: object) -> Catalog:
    return build_catalog(load_only(**extra))


def content_plugin(root: Path) -> types.ModuleType:
    """A plugin module whose content hook reads the content folder ``root``."""
    module = types.ModuleType(f"plugin_{Path(root).name}")

    @hookimpl
    def checkframe_register_content(register):
        register.content_dir(root)

    module.checkframe_register_content = checkframe_register_content
    return module


def shipped_catalog(plugins_root: Path) -> Catalog:
    """The catalog of a ``plugins/`` tree (each sector plugin under its folder's name), no installed plugin."""
    extra = {
        folder.name: content_plugin(next((folder / "src").glob("*/content")))
        for folder in sorted(Path(plugins_root).iterdir()) if (folder / "src").is_dir()
    }
    return catalog_of(**extra)


def sum_and_pid(shared: int, item: int) -> tuple[int, int]:
    """Work for the pool tests: ``shared + item`` and the process that added them.

    It lives here, in a module importable by name, because a spawned worker imports the
    function's module afresh and test modules are not importable under ``--import-mode=importlib``.
    """
    return shared + item, os.getpid()


def spin(shared: object, item: int) -> int:
    """Work for the signal tests: busy for 30 seconds, unless the process is stopped first."""
    import time

    end = time.monotonic() + 30
    while time.monotonic() < end:
        pass
    return item
