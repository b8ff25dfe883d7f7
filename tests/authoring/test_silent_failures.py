"""Mistakes of a plugin author that used to pass silently: each now fails, or warns, with a line naming the fix."""

from __future__ import annotations

import textwrap
import types
from pathlib import Path

import pytest

import checkframe.cli as cli
from checkframe import hookimpl
from checkframe.errors import ContentError
from checkframe.plugins import ENV_ALLOWLIST, load_plugins
from checkframe.publish.build import build
from checkframe.testing import load_plugin
from doubles import handbook_project, load_only, problems_of


def fake_distribution(root: Path, name: str, module: str, source: str, entry_points: str, requires: str = "") -> None:
    (root / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = root / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"
    if requires:
        metadata += f"Requires-Dist: {requires}\n"
    (info / "METADATA").write_text(metadata, encoding="utf-8")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points), encoding="utf-8")


CONTENT_HOOK = """
from pathlib import Path

def checkframe_register_content(register):
    register.content_dir(Path(__file__).parent / "content")
"""


def test_a_hook_without_hookimpl_is_an_error_naming_the_function_and_its_line(site_dir):
    fake_distribution(site_dir, "cfp-bare", "cfp_bare", CONTENT_HOOK, "[checkframe]\ncfp_bare = cfp_bare\n")
    plugins = load_plugins(environ={ENV_ALLOWLIST: "cfp_bare"})
    assert [str(p) for p in plugins.problems] == [
        f"cfp_bare (cfp-bare 1.0): checkframe_register_content (at {site_dir / 'cfp_bare.py'}:4) is not marked "
        "as a hook, so checkframe would never call it; put @hookimpl (from checkframe import hookimpl) "
        "on the line above its def"
    ]


def test_validate_exits_1_for_a_hook_without_hookimpl(site_dir, monkeypatch, capsys):
    fake_distribution(site_dir, "cfp-bare", "cfp_bare", CONTENT_HOOK, "[checkframe]\ncfp_bare = cfp_bare\n")
    monkeypatch.setenv(ENV_ALLOWLIST, "cfp_bare")
    assert cli.main(["validate"]) == 1
    assert "is not marked as a hook" in capsys.readouterr().err


def test_a_plugin_that_implements_no_hook_is_a_warning(site_dir, monkeypatch, capsys):
    # The entry point names the package, but the hooks are in a module it does not import.
    fake_distribution(site_dir, "cfp-empty", "cfp_empty", '"""The hooks are in cfp_empty_hooks."""\n',
                      "[checkframe]\ncfp_empty = cfp_empty\n")
    monkeypatch.setenv(ENV_ALLOWLIST, "cfp_empty")
    assert cli.main(["validate"]) == 0
    assert capsys.readouterr().err.splitlines() == [
        "warning: cfp_empty (cfp-empty 1.0): contributes nothing: it implements no checkframe hook; the entry point "
        "must name the module that holds the @hookimpl functions (such as checkframe_register_content)"
    ]
    assert cli.main(["plugins"]) == 0
    assert "contributes nothing" in capsys.readouterr().err


def test_a_content_hook_that_registers_nothing_is_a_warning(site_dir, monkeypatch, capsys):
    source = "from checkframe import hookimpl\n\n@hookimpl\ndef checkframe_register_content(register):\n    pass\n"
    fake_distribution(site_dir, "cfp-idle", "cfp_idle", source, "[checkframe]\ncfp_idle = cfp_idle\n")
    monkeypatch.setenv(ENV_ALLOWLIST, "cfp_idle")
    assert cli.main(["validate"]) == 0
    assert capsys.readouterr().err.splitlines() == [
        "warning: cfp_idle (cfp-idle 1.0): contributes nothing: its checkframe_register_content registered no "
        "content; call register.content_dir(folder) in it"
    ]


def test_a_distribution_with_its_entry_point_in_the_wrong_group_is_listed_with_a_hint(site_dir, monkeypatch, capsys):
    fake_distribution(site_dir, "cfp-lost", "cfp_lost", "", "[checkframe_plugins]\ncfp_lost = cfp_lost\n",
                      requires="checkframe>=0.1")
    monkeypatch.setenv(ENV_ALLOWLIST, "")
    assert cli.main(["plugins"]) == 0
    assert capsys.readouterr().err.splitlines() == [
        "warning: cfp-lost 1.0: requires checkframe but is not a plugin: its entry points are in the group "
        "'checkframe_plugins', which checkframe does not read; if it is one, write [project.entry-points.checkframe] "
        'with SECTOR_ID = "its_module" in its pyproject.toml and reinstall it'
    ]
    assert cli.main(["validate"]) == 0
    assert "cfp-lost 1.0: requires checkframe but is not a plugin" in capsys.readouterr().err


def test_an_entry_point_not_named_after_its_sector_is_a_warning(site_dir, monkeypatch, capsys, content):
    source = f"""
    from checkframe import hookimpl

    @hookimpl
    def checkframe_register_content(register):
        register.content_dir({str(content.root)!r})
    """
    fake_distribution(site_dir, "cfp-named", "cfp_named", source, "[checkframe]\ndemo_plugin = cfp_named\n")
    monkeypatch.setenv(ENV_ALLOWLIST, "demo_plugin")
    assert cli.main(["validate"]) == 0
    assert capsys.readouterr().err.splitlines() == [
        "warning: demo_plugin (cfp-named 1.0): the entry point is named 'demo_plugin', but the plugin contributes "
        "the sector 'demo'; name the entry point after the sector (demo = ...) in [project.entry-points.checkframe], "
        f"so that {ENV_ALLOWLIST} and the test helpers find it by the sector's id"
    ]


def test_the_test_helpers_name_the_installed_plugins_when_one_is_missing():
    with pytest.raises(AssertionError) as info:
        load_plugin("gass")
    message = str(info.value)
    assert "plugins not installed: gass; the installed checkframe plugins are " in message
    assert "general" in message and "pip install -e '.[test]'" in message


def test_a_major_hazard_citing_a_document_without_an_article_fails_validate(content):
    content.edit("checkpoints/01-gas.toml", 'article = "第四十一条"\n', "")
    assert problems_of(demo=content.plugin()) == [
        "demo: checkpoints/01-gas.toml:14: [[checkpoint]] demo-gas-01, basis: "
        "a major-hazard checkpoint must cite the article "
        'that makes it one: give one of its basis the article, as the document numbers it (article = "第…条")'
    ]


def site_plugin(folder: Path, template: str | None = None, page: str | None = None) -> types.ModuleType:
    module = types.ModuleType("site_plugin")

    @hookimpl
    def checkframe_register_site(site):
        if template is not None:
            folder.mkdir(exist_ok=True)
            (folder / "checkpoint.html").write_text(template, encoding="utf-8")
            site.template_dir(folder)
        if page is not None:
            site.page("drills", page)

    module.checkframe_register_site = checkframe_register_site  # type: ignore[attr-defined]
    return module


def site_problems(tmp_path: Path, content, plugin: types.ModuleType) -> list[str]:
    project = handbook_project(tmp_path / "handbook")
    with pytest.raises(ContentError) as info:
        build(project, plugins=load_only(demo=content.plugin(), site=plugin), jobs=1)
    return [str(p) for p in info.value.problems]


def test_a_template_block_the_default_does_not_have_is_an_error(tmp_path, content):
    folder = tmp_path / "templates"
    plugin = site_plugin(folder, '{% extends "default/checkpoint.html" %}\n{% block after_bases %}<p>x</p>{% endblock %}')
    assert site_problems(tmp_path, content, plugin) == [
        f"site: {folder / 'checkpoint.html'}:2: {{% block after_bases %}} is not a block of default/checkpoint.html, "
        "so it would never be shown; did you mean 'after_basis'?"
    ]


def test_a_block_of_the_defaults_parent_may_be_overridden(tmp_path, content):
    folder = tmp_path / "templates"
    plugin = site_plugin(folder, '{% extends "default/checkpoint.html" %}{% block head %}<meta name="x">{% endblock %}')
    project = handbook_project(tmp_path / "handbook")
    build(project, plugins=load_only(demo=content.plugin(), site=plugin), jobs=1)
    assert '<meta name="x">' in (project / "_build/checkpoint/demo-gas-01.html").read_text(encoding="utf-8")


def test_extending_a_default_template_that_does_not_exist_is_an_error(tmp_path, content):
    folder = tmp_path / "templates"
    plugin = site_plugin(folder, '{% extends "default/checkpoints.html" %}{% block content %}{% endblock %}')
    assert site_problems(tmp_path, content, plugin) == [
        f"site: {folder / 'checkpoint.html'}: extends 'default/checkpoints.html', which is not a default template; "
        "did you mean 'checkpoint.html'?"
    ]


def test_a_plugin_page_without_a_heading_is_an_error(tmp_path, content):
    plugin = site_plugin(tmp_path / "templates", page="每年至少组织一次应急演练。")
    assert site_problems(tmp_path, content, plugin) == [
        "site: page 'drills': a page needs a title: begin its Markdown with a heading line such as '# 使用说明' "
        "(a '#', a space, then the title)"
    ]


def test_a_project_page_without_a_heading_is_an_error(tmp_path, content):
    project = handbook_project(tmp_path / "handbook", {"drills.md": "每年至少组织一次应急演练。\n"})
    with pytest.raises(ContentError) as info:
        build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    assert [str(p) for p in info.value.problems] == [
        f"{project.as_posix()}/pages/drills.md:1: a page needs a title: begin its Markdown with a heading line such as "
        "'# 使用说明' "
        "(a '#', a space, then the title)"
    ]


HOOK_THAT_OPENS = """
from checkframe import hookimpl

@hookimpl
def checkframe_register_content(register):
    open("/no/such/file.toml")
"""


def test_a_plugins_exception_names_its_file_and_line_and_traceback_shows_all(site_dir, monkeypatch, capsys):
    fake_distribution(site_dir, "cfp-raises", "cfp_raises", HOOK_THAT_OPENS, "[checkframe]\ncfp_raises = cfp_raises\n")
    monkeypatch.setenv(ENV_ALLOWLIST, "cfp_raises")
    assert cli.main(["validate"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        "error: cfp_raises (cfp-raises 1.0): hook checkframe_register_content raised FileNotFoundError: "
        f"[Errno 2] No such file or directory: '/no/such/file.toml' (at {site_dir / 'cfp_raises.py'}:6)"
    )
    assert "hint: a plugin raised an exception; run checkframe --traceback ... to see the whole traceback" in err
    assert cli.main(["--traceback", "validate"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last):" in err
    assert 'open("/no/such/file.toml")' in err
    assert "hint: a plugin raised" not in err


def test_a_plugin_that_does_not_parse_names_its_line(site_dir, monkeypatch):
    fake_distribution(site_dir, "cfp-syntax", "cfp_syntax", "x = 1\ndef f(:\n", "[checkframe]\ncfp_syntax = cfp_syntax\n")
    plugins = load_plugins(environ={ENV_ALLOWLIST: "cfp_syntax"})
    assert str(plugins.problems[0]).endswith(f"(at {site_dir / 'cfp_syntax.py'}:2)")
