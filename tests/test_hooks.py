"""The command hook and the build events: each called as documented, each plugin on its own, failures named."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

import checkframe.cli as cli
from checkframe import hookimpl
from checkframe.cli import common
from checkframe.errors import ContentError
from checkframe.publish.build import build
from doubles import catalog_of, handbook_project, load_only, problems_of


def module(name: str, **hooks: object) -> types.ModuleType:
    plugin = types.ModuleType(name)
    for hook_name, function in hooks.items():
        setattr(plugin, hook_name, function)
    return plugin


def commands_plugin() -> types.ModuleType:
    def count(args):
        _, catalog = common.load_catalog()
        print(f"{args.prefix}: {sum(c.id.startswith(args.prefix) for c in catalog.checkpoints)}")

    @hookimpl
    def checkframe_register_commands(commands):
        parser = commands.command("demo-count", count, "Count the checkpoints whose id starts with PREFIX.")
        parser.add_argument("prefix", metavar="PREFIX")
        commands.command("validate", count, "Taken.")
        commands.command("Demo Count", count, "Not a name.")

    return module("counter", checkframe_register_commands=checkframe_register_commands)


@pytest.fixture
def with_plugins(monkeypatch):
    def use(**plugins: object) -> None:
        monkeypatch.setattr(common, "load_plugins", lambda: load_only(**plugins))

    return use


def test_a_plugin_adds_a_command_with_its_arguments(with_plugins, content, capsys):
    with_plugins(demo=content.plugin(), counter=commands_plugin())
    assert cli.main(["demo-count", "demo-gas"]) == 0
    out, err = capsys.readouterr()
    assert out == "demo-gas: 2\n"
    assert err.splitlines() == [
        "warning: counter: command 'validate' is taken by checkframe; start its name with the plugin's sector id",
        "warning: counter: command 'Demo Count': expected a name of lowercase letters, digits and single '-', "
        "such as gas-export",
    ]


def test_plugin_commands_are_listed_in_help(with_plugins, capsys):
    with_plugins(counter=commands_plugin())
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "Count the checkpoints whose id starts with PREFIX. [counter]" in " ".join(capsys.readouterr().out.split())


def test_a_command_hook_that_raises_is_a_warning_and_the_others_still_work(with_plugins, capsys):
    @hookimpl
    def checkframe_register_commands(commands):
        raise RuntimeError("no commands today")

    with_plugins(broken=module("broken", checkframe_register_commands=checkframe_register_commands))
    assert cli.main(["validate"]) == 0
    assert capsys.readouterr().err.startswith(
        "warning: broken: hook checkframe_register_commands raised RuntimeError: no commands today (at ")


def test_catalog_built_reports_a_rule_of_the_plugins_own(content):
    @hookimpl
    def checkframe_catalog_built(catalog, report):
        for checkpoint in catalog.checkpoints:
            if checkpoint.level.value == "major" and "listed_supervision" not in checkpoint.remediation:
                report(f"{checkpoint.id}: a major hazard here is always listed for supervision")

    rule = module("rule", checkframe_catalog_built=checkframe_catalog_built)
    assert catalog_of(demo=content.plugin(), rule=rule).has("checkpoint", "demo-gas-01")
    content.edit("checkpoints/01-gas.toml", 'remediation = ["listed_supervision"]', 'remediation = ["deadline"]')
    content.edit("checkpoints/01-gas.toml", 'level = "major"', 'level = "general"')
    assert catalog_of(demo=content.plugin(), rule=rule)
    content.edit("checkpoints/01-gas.toml", 'level = "general"', 'level = "major"')
    content.edit("checkpoints/01-gas.toml", 'remediation = ["deadline"]', 'remediation = []')
    assert problems_of(demo=content.plugin(), rule=rule) == [
        "rule: demo-gas-01: a major hazard here is always listed for supervision"
    ]


def test_catalog_built_is_not_called_when_the_core_rules_fail(content):
    called = []

    @hookimpl
    def checkframe_catalog_built(catalog, report):
        called.append(catalog)

    content.edit("checkpoints/01-gas.toml", 'document = "law"', 'document = "nowhere"')
    problems_of(demo=content.plugin(), spy=module("spy", checkframe_catalog_built=checkframe_catalog_built))
    assert called == []


def build_events_plugin(seen: list[str]) -> types.ModuleType:
    @hookimpl
    def checkframe_pages_rendered(files, catalog, project):
        assert "index.html" in files.paths()
        files.add("exports/demo.csv", "id\n" + "".join(f"{c.id}\n" for c in catalog.checkpoints))
        seen.append(f"rendered {project.config.title}")

    @hookimpl
    def checkframe_build_written(output, catalog, project):
        seen.append(f"written {(output / 'exports/demo.csv').read_text(encoding='utf-8').splitlines()[1]}")

    return module("exporter", checkframe_pages_rendered=checkframe_pages_rendered,
                  checkframe_build_written=checkframe_build_written)


def test_build_events_add_a_file_to_the_site_and_see_it_written(tmp_path, content):
    seen: list[str] = []
    project = handbook_project(tmp_path / "handbook")
    build(project, plugins=load_only(demo=content.plugin(), exporter=build_events_plugin(seen)), jobs=1)
    assert (project / "_build/exports/demo.csv").read_text(encoding="utf-8") == "id\ndemo-gas-01\ndemo-gas-02\n"
    assert seen == ["rendered 测试检查手册", "written demo-gas-01"]
    seen.clear()
    build(project, plugins=load_only(demo=content.plugin(), exporter=build_events_plugin(seen)), jobs=1)
    assert seen == []  # nothing changed: nothing is rendered, nothing written


@pytest.mark.parametrize(("path", "message"), [
    ("index.html", "file 'index.html' is already written by checkframe; choose another path"),
    ("../escape.csv", "file '../escape.csv': expected a relative path inside the site, such as exports/gas.csv"),
    ("/abs.csv", "file '/abs.csv': expected a relative path inside the site, such as exports/gas.csv"),
])
def test_a_file_added_over_another_or_outside_the_site_is_refused(tmp_path, content, path, message):
    @hookimpl
    def checkframe_pages_rendered(files):
        files.add(path, b"x")

    project = handbook_project(tmp_path / "handbook")
    with pytest.raises(ContentError) as info:
        build(project, plugins=load_only(demo=content.plugin(),
                                         bad=module("bad", checkframe_pages_rendered=checkframe_pages_rendered)))
    assert [str(p) for p in info.value.problems] == [f"bad: {message}"]
    assert not (project / "_build").exists()


def test_build_written_that_raises_is_named_and_the_site_stays(tmp_path, content):
    @hookimpl
    def checkframe_build_written(output):
        raise OSError("deploy target unreachable")

    project = handbook_project(tmp_path / "handbook")
    with pytest.raises(ContentError) as info:
        build(project, plugins=load_only(demo=content.plugin(),
                                         deploy=module("deploy", checkframe_build_written=checkframe_build_written)))
    assert str(info.value.problems[0]).startswith(
        "deploy: hook checkframe_build_written raised OSError: deploy target unreachable (at ")
    assert Path(project / "_build/index.html").is_file()
