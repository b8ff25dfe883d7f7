"""checkframe new-plugin: the distribution it writes installs, validates, builds, prints and tests itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from checkframe.catalog.content import CONTENT_FORMAT
from checkframe.cli import main
from checkframe.publish import search

SRC = Path(__file__).parents[2] / "src"


def run(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=cwd)


def test_generated_plugin_installs_and_works_with_no_other_step(tmp_path):
    assert main(["new-plugin", "gas_demo_kit", "--title", "城镇燃气", "--maintainer", "区住房和城乡建设局",
                 "--dir", str(tmp_path)]) == 0
    project = tmp_path / "checkframe-gas-demo-kit"
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["entry-points"]["checkframe"] == {"gas_demo_kit": "checkframe_gas_demo_kit"}
    assert pyproject["project"]["dependencies"] == ["checkframe>=0.1"]
    content = project / "src/checkframe_gas_demo_kit/content"
    assert tomllib.loads((content / "sector.toml").read_text(encoding="utf-8"))["format"] == CONTENT_FORMAT

    target = tmp_path / "installed"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(project)],
        check=True, capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": f"{target}{os.pathsep}{SRC}", "CHECKFRAME_LOAD_PLUGINS": "gas_demo_kit"}

    result = run("-m", "checkframe", "plugins", "--json", env=env)
    assert result.returncode == 0, result.stderr
    listed = {p["name"]: p for p in json.loads(result.stdout)["plugins"]}
    assert listed["gas_demo_kit"]["distribution"] == "checkframe-gas-demo-kit"
    assert (listed["gas_demo_kit"]["sectors"], listed["gas_demo_kit"]["checkpoints"]) == (["gas_demo_kit"], 1)

    result = run("-m", "checkframe", "validate", env=env)
    assert result.returncode == 0, result.stderr

    site = tmp_path / "site"
    site.mkdir()
    (site / "checkframe.toml").write_text(
        '[handbook]\ntitle = "燃气检查手册"\ndepartment = "区住房和城乡建设局"\nsectors = ["gas_demo_kit"]\n'
        "author_guide = false\n", encoding="utf-8",
    )
    result = run("-m", "checkframe", "build", str(site), env=env)
    assert result.returncode == 0, result.stderr
    page = (site / "_build/checkpoint/gas-demo-kit-hm-01.html").read_text(encoding="utf-8")
    assert "隐患排查治理制度" in page and "第四十一条" in page
    assert "城镇燃气" in (site / "_build/index.html").read_text(encoding="utf-8")
    assert (site / "_build/pdf/gas-demo-kit-self.pdf").is_file()
    index = {p.relative_to(site / "_build").as_posix(): p.read_bytes() for p in (site / "_build/search").iterdir()}
    assert ("checkpoint/gas-demo-kit-hm-01.html", page_title(page)) in search.query(index, "排查治理")

    result = run("-m", "checkframe", "print", "gas-demo-kit-self", "-o", "self.pdf", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "self.pdf").read_bytes().startswith(b"%PDF")

    result = run("-m", "pytest", "-q", "-p", "no:cacheprovider", str(project / "tests"), env=env, cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout


def page_title(html: str) -> str:
    return html.split("<h1>", 1)[1].split("</h1>", 1)[0]


@pytest.mark.parametrize("name", ["Gas", "gas-demo", "gas__demo", "1gas", "_gas", "class", "checkframe_gas", "g" * 41])
def test_invalid_name_is_a_usage_error(tmp_path, capsys, name):
    assert main(["new-plugin", name, "--title", "燃气", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: invalid plugin name {name!r}: ") and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_blank_title(tmp_path, capsys):
    assert main(["new-plugin", "gas", "--title", " ", "--dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        "error: invalid title ' ': expected the sector's Chinese name on one line, such as 城镇燃气\n"
    )


def test_an_existing_folder_is_never_touched(tmp_path, capsys):
    folder = tmp_path / "checkframe-gas-x"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["new-plugin", "gas_x", "--title", "燃气", "--dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"error: {folder.as_posix()} already exists; nothing was written (remove it or choose another --dir)\n"
    )
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkframe-gas-x"]  # no staging folder left behind


@pytest.fixture
def site_dir(tmp_path, monkeypatch):
    root = tmp_path / "site-packages"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.delenv("CHECKFRAME_LOAD_PLUGINS", raising=False)
    yield root
    for name in [m for m in sys.modules if m.startswith("cfs_")]:
        del sys.modules[name]


def fake_distribution(root: Path, name: str, entry_points: dict[str, str], modules: dict[str, str]) -> None:
    for module, source in modules.items():
        (root / f"{module}.py").write_text(source, encoding="utf-8")
    info = root / f"{name.replace('-', '_')}-1.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0.0\n", encoding="utf-8")
    lines = "".join(f"{k} = {v}\n" for k, v in entry_points.items())
    (info / "entry_points.txt").write_text(f"[checkframe]\n{lines}", encoding="utf-8")


SECTOR_PLUGIN = '''
from checkframe import hookimpl, Sector

@hookimpl
def checkframe_register_content(register):
    register.sector(Sector(id="cfs_sector", name="燃气"))
'''


@pytest.mark.parametrize(("name", "because"), [
    ("general", "an installed plugin is called 'general' (checkframe-general 0.1.0)"),
    ("cfs_sector", "the sector 'cfs_sector' (燃气) is contributed by the plugin 'cfs_other'"),
    ("cfs_dist", "the distribution checkframe-cfs-dist 1.0.0 is installed"),
    ("cfs_pkg", "a package 'checkframe_cfs_pkg' can already be imported"),
])
def test_a_taken_name_is_refused(tmp_path, site_dir, capsys, name, because):
    fake_distribution(site_dir, "cfs-other", {"cfs_other": "cfs_other"}, {"cfs_other": SECTOR_PLUGIN})
    fake_distribution(site_dir, "checkframe-cfs-dist", {}, {})
    (site_dir / "checkframe_cfs_pkg.py").write_text("", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    assert main(["new-plugin", name, "--title", "燃气", "--dir", str(out)]) == 1
    assert capsys.readouterr().err == f"error: the plugin name {name!r} is taken: {because}; choose another name\n"
    assert list(out.iterdir()) == []
