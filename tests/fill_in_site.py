"""A small handbook with the fill-in mode and a ledger beside it, shared by the fill-in tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from doubles import ContentDir, load_only

FIRE = """
[group]
id = "fire"
title = "消防"

[[checkpoint]]
id = "demo-fire-01"
title = "安全出口畅通"
what = "安全出口、疏散通道是否畅通。"
level = "general"
remediation = ["on_site", "deadline"]

[[checkpoint]]
id = "demo-fire-02"
title = "灭火器材有效"
what = "灭火器是否在有效期内。"
level = "general"
remediation = ["deadline"]
"""

CHECKLISTS = """
[[checklist]]
id = "demo-self"
title = "自查表"
kind = "self_inspection"
items = ["demo/gas"]

[[checklist]]
id = "demo-visit"
title = "督导检查表"
kind = "supervision"
items = ["demo/gas", "demo/fire"]
"""

CONFIG = """
[handbook]
title = "测试检查手册"
department = "测试区应急管理局"
units = "ledger"
"""

UNIT = """
name = "恒安化工有限公司"
township = "东城街道"
sector = "demo"
unit_type = "工贸企业"
"""

OTHER_UNIT = """
name = "金鑫商贸"
township = "西城街道"
sector = "demo"
"""


def demo_plugins(root: Path):
    """The demo sector with a fire group and a supervision checklist, as a plugin set without installed ones."""
    content = ContentDir(root / "content", "demo", "demo")
    content.write("checkpoints/02-fire.toml", FIRE)
    content.write("checklists.toml", CHECKLISTS)
    return load_only(demo=content.plugin())


def ledger_folder(root: Path) -> Path:
    """A ledger with two units and no records yet."""
    (root / "units").mkdir(parents=True)
    (root / "records").mkdir()
    (root / "units" / "hengan.toml").write_text(UNIT, encoding="utf-8")
    (root / "units" / "jinxin.toml").write_text(OTHER_UNIT, encoding="utf-8")
    return root


def build_handbook(root: Path) -> tuple[Path, object]:
    """Build the handbook (no PDFs); returns its output folder and the plugins."""
    from unittest import mock

    from checkframe.publish import build as build_module

    plugins = demo_plugins(root)
    project = root / "handbook"
    project.mkdir()
    (project / "checkframe.toml").write_text(CONFIG, encoding="utf-8")
    ledger_folder(project / "ledger")
    with mock.patch.object(build_module, "print_all", lambda *args, **kwargs: None):
        build_module.build(project, plugins=plugins)
    return project / "_build", plugins


def fresh_ledger(root: Path, source: Path) -> Path:
    shutil.copytree(source, root)
    return root
