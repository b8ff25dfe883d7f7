"""Compiled templates kept between builds (jinja2's bytecode cache in the user's private temporary folder)."""

from __future__ import annotations

import tempfile

import jinja2
import pytest

from checkframe.publish import site


@pytest.fixture
def templates(tmp_path, monkeypatch):
    """A plugin's template folder with one small template; jinja2's private folder made under ``tmp_path``, so
    that the tests see, and spoil, only their own entries."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "probe.html").write_text("{% for i in range(n) %}{{ i }},{% endfor %}", encoding="utf-8")
    return folder


def _entries(templates):
    return sorted(templates.parent.glob("_jinja2-cache-*/checkframe-*.cache"))


def _render(templates) -> str:
    return site.environment([templates]).get_template("probe.html").render(n=3)


def _no_compiling(monkeypatch):
    def compile(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(jinja2.Environment, "compile", compile)


def test_a_template_compiled_by_one_build_is_read_back_by_the_next(templates, monkeypatch):
    assert _render(templates) == "0,1,2,"
    assert len(_entries(templates)) == 1
    _no_compiling(monkeypatch)
    assert _render(templates) == "0,1,2,"


def test_a_changed_template_is_compiled_anew(templates):
    _render(templates)
    (templates / "probe.html").write_text("{{ n }}!", encoding="utf-8")
    assert _render(templates) == "3!"


def test_a_spoilt_entry_is_compiled_anew(templates):
    _render(templates)
    [entry] = _entries(templates)
    data = entry.read_bytes()
    for spoilt in (data[:20], data[:8] + b"\x80\x04garbage", b""):
        entry.write_bytes(spoilt)
        assert _render(templates) == "0,1,2,"
        assert entry.read_bytes() == data  # and kept again


def test_an_entry_that_cannot_be_written_is_no_failure(templates, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", full)
    assert _render(templates) == "0,1,2,"
    assert _entries(templates) == []
