"""checkframe new-handbook: a project for the installed sectors that builds at once, its usage page linking only
to what it holds."""

from __future__ import annotations

import tomllib

import pytest

import checkframe.cli as cli
from checkframe.cli import common
from checkframe.publish.build import build
from doubles import load_only


@pytest.fixture
def demo(monkeypatch, content):
    monkeypatch.setattr(common, "load_plugins", lambda: load_only(demo=content.plugin()))
    return content


def test_new_handbook_writes_a_project_that_builds(tmp_path, demo, capsys):
    folder = tmp_path / "handbook"
    assert cli.main(["new-handbook", str(folder), "--title", "燃气检查手册", "--department", "某某区住建局"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"wrote {(folder / 'checkframe.toml').as_posix()}",
        f"wrote {(folder / 'pages/usage.md').as_posix()}",
        f"next: checkframe build {folder.as_posix()} && checkframe serve {folder.as_posix()}",
    ]
    config = tomllib.loads((folder / "checkframe.toml").read_text(encoding="utf-8"))
    assert config == {"handbook": {"title": "燃气检查手册", "department": "某某区住建局", "sectors": ["demo"]},
                      "print": {"legal_basis": False}}
    usage = (folder / "pages/usage.md").read_text(encoding="utf-8")
    assert "- [测试行业](../sector/demo.html)：[自查表](../checklist/demo-self.html)" in usage
    result = build(folder, plugins=load_only(demo=demo.plugin()), jobs=1)  # every link of the usage page resolves
    assert (result.output / "pages/usage.html").is_file()


def test_new_handbook_refuses_an_unknown_sector_and_an_existing_project(tmp_path, demo, capsys):
    args = ["--title", "手册", "--department", "区应急管理局"]
    assert cli.main(["new-handbook", str(tmp_path / "a"), *args, "--sector", "dem"]) == 1
    assert capsys.readouterr().err == "error: unknown sector 'dem'; did you mean 'demo'?\n"
    assert not (tmp_path / "a").exists()
    assert cli.main(["new-handbook", str(tmp_path / "b"), *args]) == 0
    assert cli.main(["new-handbook", str(tmp_path / "b"), *args]) == 1
    assert capsys.readouterr().err.endswith(
        f"error: {(tmp_path / 'b/checkframe.toml').as_posix()} already exists; nothing was written "
        "(choose another folder)\n")


@pytest.mark.parametrize("sectors", [["general"], None], ids=["one-sector", "every-sector"])
def test_new_handbook_builds_with_the_shipped_plugins(tmp_path, sectors):
    pytest.importorskip("checkframe_general")
    from checkframe.authoring.handbook import write_handbook
    from checkframe.catalog import build_catalog
    from checkframe.plugins import load_plugins

    plugins = load_plugins()
    folder = tmp_path / "handbook"
    write_handbook(folder, build_catalog(plugins), "安全生产检查手册", "某某区应急管理局", sectors)
    result = build(folder, plugins=plugins, jobs=1)
    usage = (result.output / "pages/usage.html").read_text(encoding="utf-8")
    assert 'href="../sector/general.html"' in usage
    assert ('href="../sector/coal_mine.html"' in usage) is (sectors is None)
