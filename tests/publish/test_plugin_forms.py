"""The form hook: a plugin's own printable form, checked, printed by ``print --form`` and linked from its sector."""

from __future__ import annotations

import subprocess
import types
from pathlib import Path

import pytest

import checkframe.cli as cli
from checkframe import hookimpl
from checkframe.cli import common
from checkframe.publish.build import build
from checkframe.publish.printforms import plugin_forms
from doubles import handbook_project, load_only

ORDER = """{% extends "base.html" %}
{% from "macros.html" import field, date %}
{% block body %}
<h1>{{ title }}</h1>
<p>被检查单位：{{ field(values, "unit") }}</p>
<p>{{ date(values, "date") }}</p>
{% endblock %}
"""
FIELDS = {"unit": "被检查单位", "date": "日期"}


def forms_plugin(template: Path, name: str = "demo-order", fields: dict[str, str] | None = None,
                 title: str = "测试行业整改指令书") -> types.ModuleType:
    @hookimpl
    def checkframe_register_forms(forms):
        forms.form(name, template, title=title, fields=FIELDS if fields is None else fields, sector="demo")

    plugin = types.ModuleType(f"forms_{name}")
    plugin.checkframe_register_forms = checkframe_register_forms
    return plugin


def template(tmp_path: Path, text: str = ORDER, name: str = "order.html") -> Path:
    path = tmp_path / "forms" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems(**plugins: object) -> list[str]:
    return [str(p) for p in plugin_forms(load_only(**plugins))[1]]


def validate(monkeypatch, capsys, **plugins: object) -> tuple[int, list[str]]:
    monkeypatch.setattr(common, "load_plugins", lambda: load_only(**plugins))
    code = cli.main(["validate"])
    return code, capsys.readouterr().err.splitlines()


def test_a_plugin_form_prints_with_print_form(monkeypatch, capsys, tmp_path, content):
    plugins = {"demo": content.plugin(), "orders": forms_plugin(template(tmp_path))}
    monkeypatch.setattr(common, "load_plugins", lambda: load_only(**plugins))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["print", "--form", "demo-order", "-o", "order.pdf"]) == 0
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "order.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "测试行业整改指令书" in text and "被检查单位：" in text and "年" in text
    assert cli.main(["validate"]) == 0
    assert "1 plugin form from" in capsys.readouterr().out


def test_an_unknown_form_name_suggests_the_plugin_form(monkeypatch, capsys, tmp_path, content):
    plugins = {"demo": content.plugin(), "orders": forms_plugin(template(tmp_path))}
    monkeypatch.setattr(common, "load_plugins", lambda: load_only(**plugins))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["print", "--form", "demo-ordr", "-o", str(tmp_path / "x.pdf")]) == 1
    assert capsys.readouterr().err.splitlines()[0] == "error: unknown form 'demo-ordr'; did you mean 'demo-order'?"
    assert not (tmp_path / "x.pdf").exists()


def test_a_field_the_form_does_not_declare_names_the_plugin_file_and_line(monkeypatch, capsys, tmp_path, content):
    path = template(tmp_path, ORDER.replace('field(values, "unit")', 'field(values, "unti")'))
    code, err = validate(monkeypatch, capsys, demo=content.plugin(), orders=forms_plugin(path))
    assert code == 1
    assert err[0] == (f"error: orders: {path.as_posix()}:5: form 'demo-order': values['unti'] is not a field of the "
                      "form; did you mean 'unit'? (its fields: unit, date); add it to fields= or remove it from the "
                      "template")


def test_a_template_that_does_not_parse_names_its_line(tmp_path):
    path = template(tmp_path, ORDER.replace("{% endblock %}", "{% endblok %}"))
    assert problems(orders=forms_plugin(path)) == [
        f"orders: {path.as_posix()}:7: form 'demo-order': template syntax error: Encountered unknown tag 'endblok'. "
        "Jinja was looking for the following tags: 'endblock'. The innermost block that needs to be closed is 'block'."
    ]


def test_a_template_that_fails_when_rendered_names_its_line(tmp_path):
    path = template(tmp_path, ORDER.replace("<h1>{{ title }}</h1>", "<h1>{{ title }}{{ nothing.here }}</h1>"))
    assert problems(orders=forms_plugin(path)) == [
        f"orders: {path.as_posix()}:4: form 'demo-order': template error: UndefinedError: 'nothing' is undefined"
    ]


def test_a_missing_template(tmp_path):
    assert problems(orders=forms_plugin(tmp_path / "nowhere.html")) == [
        f"orders: form 'demo-order': template not found: {tmp_path / 'nowhere.html'}"
    ]


def test_a_form_name_taken_by_a_built_in_form_or_another_plugin(tmp_path):
    path = template(tmp_path)
    assert problems(orders=forms_plugin(path, name="deadline-order")) == [
        f"orders: {path.as_posix()}: form 'deadline-order' is a built-in form (责令限期整改指令书); "
        "give yours a name that starts with your sector"
    ]
    assert problems(first=forms_plugin(path), second=forms_plugin(path)) == [
        f"second: {path.as_posix()}: form 'demo-order' is already added by first ({path}); "
        "form names must be unique across all plugins"
    ]


@pytest.mark.parametrize(("name", "fields", "title", "message"), [
    ("Demo Order", FIELDS, "指令书", "form name 'Demo Order': expected lowercase letters, digits and '-', "
                                   "starting with a letter, such as 'coal-mine-order'"),
    ("demo-order", {"Unit": "单位"}, "指令书", "form 'demo-order': field 'Unit': expected a name of lowercase "
                                             "letters, digits and '_' with a label in Chinese"),
    ("demo-order", FIELDS, " ", "form 'demo-order': title: expected the form's title in Chinese, "
                               'such as title="煤矿安全生产督查表"'),
])
def test_a_form_registered_wrongly(tmp_path, name, fields, title, message):
    assert problems(orders=forms_plugin(template(tmp_path), name=name, fields=fields, title=title)) == [
        f"orders: {message}"
    ]


def test_a_form_hook_that_raises_is_named_with_its_line():
    @hookimpl
    def checkframe_register_forms(forms):
        raise RuntimeError("no forms today")

    plugin = types.ModuleType("broken")
    plugin.checkframe_register_forms = checkframe_register_forms
    [line] = problems(broken=plugin)
    assert line.startswith("broken: hook checkframe_register_forms raised RuntimeError: no forms today (at ")
    assert "test_plugin_forms.py:" in line


def test_filled_values_with_a_key_the_form_lacks_are_refused(tmp_path):
    from checkframe.publish import printing

    form = plugin_forms(load_only(orders=forms_plugin(template(tmp_path))))[0]["demo-order"]
    html = printing.render_plugin_form_html(form, values={"unit": "某某煤业有限公司"})
    assert "某某煤业有限公司" in html
    with pytest.raises(printing.PrintError, match=r"orders: form 'demo-order': unknown field 'unitt'; did you mean"):
        printing.render_plugin_form(printing.Project(tmp_path, *_defaults()), form, values={"unitt": "x"})


def _defaults():
    from checkframe.publish.project import HandbookConfig, PrintConfig

    return HandbookConfig(title="t", department=""), PrintConfig()


def test_the_form_is_printed_into_the_handbook_and_linked_from_its_sector_page(tmp_path, content):
    project = handbook_project(tmp_path / "handbook")
    build(project, plugins=load_only(demo=content.plugin(), orders=forms_plugin(template(tmp_path))), jobs=1)
    assert (project / "_build/pdf/forms/demo-order.pdf").read_bytes().startswith(b"%PDF")
    page = (project / "_build/sector/demo.html").read_text(encoding="utf-8")
    assert '<h2 id="forms">本行业文书<a class="permalink" href="#forms"' in page
    assert '测试行业整改指令书 <a class="pdf" data-search-ignore href="../pdf/forms/demo-order.pdf" download>' in page
