"""The forms that plugins add (``checkframe_register_forms``): gathered, checked, and printed like the built-in ones.

:func:`plugin_forms` calls each plugin's hook and checks every form before
anything is printed: a name taken by a built-in form or by another plugin, a
template that is missing, does not parse, fails to render, or reads a field of
``values`` that the form does not declare.  Each problem names the plugin and
the template's file and line.  The answer is kept per plugin manager, so the
site build, the print plan and the command line ask once.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2

from checkframe.errors import Problem
from checkframe.model import FORMS
from checkframe.plugins import PluginInfo, Plugins, call_each
from checkframe.publish import printing
from checkframe.publish.printing import FieldValues, UnknownField, template_name
from checkframe.registers import FormRegister, PluginForm

__all__ = ["FieldValues", "UnknownField", "form_problems", "forms_digest", "plugin_forms", "sector_forms", "template_name"]

HOOK = "checkframe_register_forms"

_KEPT: weakref.WeakKeyDictionary[Any, tuple[dict[str, PluginForm], list[Problem]]] = weakref.WeakKeyDictionary()


def plugin_forms(plugins: Plugins) -> tuple[dict[str, PluginForm], list[Problem]]:
    """Every form the plugins add, by name, and the problems of those that cannot be printed (left out)."""
    kept = _KEPT.get(plugins.pm)
    if kept is not None:
        return kept
    problems: list[Problem] = []
    registers: list[FormRegister] = []

    def arguments(info: PluginInfo) -> dict[str, Any]:
        register = FormRegister(info.label(), info.name, problems)
        registers.append(register)
        return {"forms": register}

    for _, _, failure in call_each(plugins, HOOK, arguments):
        if failure is not None:
            problems.append(failure.problem(HOOK))
    forms: dict[str, PluginForm] = {}
    for register in registers:
        for form in register.forms:
            if form.name in FORMS:
                problems.append(Problem(form.plugin, f"form {form.name!r} is a built-in form ({FORMS[form.name]}); "
                                                     "give yours a name that starts with your sector",
                                        form.template.as_posix()))
                continue
            if form.name in forms:
                problems.append(Problem(form.plugin, f"form {form.name!r} is already added by "
                                                     f"{forms[form.name].plugin} ({forms[form.name].template}); "
                                                     "form names must be unique across all plugins",
                                        form.template.as_posix()))
                continue
            found = form_problems(form)
            if found:
                problems.extend(found)
                continue
            forms[form.name] = form
    result = (forms, problems)
    _KEPT[plugins.pm] = result
    return result


def form_problems(form: PluginForm) -> list[Problem]:
    """What keeps ``form`` from printing: its template missing, not parsing, failing, or reading an unknown field.

    The template is rendered once, blank, with the print templates (no PDF is laid out).
    """
    path = form.template
    if not path.is_file():
        return [Problem(form.plugin, f"form {form.name!r}: template not found: {path}")]
    try:
        printing.render_plugin_form_html(form)
    except jinja2.TemplateSyntaxError as exc:
        return [Problem(form.plugin, f"form {form.name!r}: template syntax error: {exc.message}", _where(exc, path))]
    except UnknownField as exc:
        return [Problem(form.plugin, f"form {form.name!r}: {exc}; add it to fields= or remove it from the template",
                        _where(exc, path))]
    except Exception as exc:  # noqa: BLE001 - a template that fails is a problem of its plugin, named by its line
        return [Problem(form.plugin, f"form {form.name!r}: template error: {type(exc).__name__}: {exc}",
                        _where(exc, path))]
    return []


def _where(exc: BaseException, path: Path) -> str:
    """``file:line`` of the template's line that failed, as far as jinja2's traceback tells it."""
    line = getattr(exc, "lineno", None) if isinstance(exc, jinja2.TemplateSyntaxError) else None
    if line is None:
        import traceback

        frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == path]
        line = frames[-1].lineno if frames else None
    return f"{path.as_posix()}:{line}" if line else path.as_posix()


def forms_digest(stamp: str, forms: Iterable[PluginForm]) -> str:
    """``stamp`` (a build's fingerprint) with the plugins' forms and their templates' text in it."""
    digest = hashlib.sha256(stamp.encode())
    for form in sorted(forms, key=lambda f: f.name):
        digest.update(repr((form.name, form.title, form.fields, form.annex, form.sector, form.plugin)).encode())
        digest.update(form.template.read_bytes())
    return digest.hexdigest()


def sector_forms(plugins: Plugins, sector: str) -> list[PluginForm]:
    """The forms the plugins add for ``sector``, for its handbook page."""
    return [form for form in plugin_forms(plugins)[0].values() if form.sector == sector]
