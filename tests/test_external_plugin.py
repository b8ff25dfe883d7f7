"""A plugin written outside this repository and installed with pip needs no change to the core."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

PYPROJECT = """
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "checkframe-gas-demo"
version = "2.0.1"

[project.entry-points.checkframe]
gas_demo = "checkframe_gas_demo"

[tool.setuptools.package-data]
checkframe_gas_demo = ["content/*.toml", "content/checkpoints/*.toml"]
"""

PLUGIN = """
from pathlib import Path
from checkframe import hookimpl

@hookimpl
def checkframe_register_content(register):
    register.content_dir(Path(__file__).parent / "content")
"""

SECTOR = """
[sector]
id = "gas_demo"
name = "城镇燃气"
maintainer = "区住房和城乡建设局"
sources = ["work-safety-law-2021"]

[[document]]
id = "work-safety-law-2021"
title = "中华人民共和国安全生产法"
"""

GROUP = """
[group]
id = "bottles"
title = "瓶装液化石油气"

[[checkpoint]]
id = "gasdemo-bottles-01"
title = "隐患排查治理制度"
what = "是否建立健全并落实生产安全事故隐患排查治理制度。"
how = ["查阅资料"]
remediation = ["deadline"]

[[checkpoint.basis]]
document = "work-safety-law-2021"
article = "第四十一条"
"""


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_pip_installed_plugin_appears(tmp_path):
    project = tmp_path / "checkframe-gas-demo"
    package = project / "checkframe_gas_demo"
    write(project / "pyproject.toml", PYPROJECT)
    write(package / "__init__.py", PLUGIN)
    write(package / "content" / "sector.toml", SECTOR)
    write(package / "content" / "checkpoints" / "01-bottles.toml", GROUP)
    target = tmp_path / "installed"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(project)],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target), "CHECKFRAME_LOAD_PLUGINS": "gas_demo"}
    result = subprocess.run(
        [sys.executable, "-m", "checkframe", "plugins", "--json"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    listed = {p["name"]: p for p in json.loads(result.stdout)["plugins"]}
    assert listed["gas_demo"]["distribution"] == "checkframe-gas-demo"
    assert listed["gas_demo"]["version"] == "2.0.1"
    assert listed["gas_demo"]["sectors"] == ["gas_demo"]
    assert listed["gas_demo"]["checkpoints"] == 1
    result = subprocess.run([sys.executable, "-m", "checkframe", "validate"], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
