"""Hostile and broken input through the command line: one line naming the file, exit 1, never a traceback."""

from __future__ import annotations

import pytest

import checkframe.cli as cli
from checkframe.cli import common
from checkframe.plugins import ENV_ALLOWLIST
from doubles import handbook_project
from stores import Store


@pytest.fixture
def demo(monkeypatch, content):
    """The commands see the built-in plugins and the demo content only."""
    real = common.load_plugins
    monkeypatch.setattr(common, "load_plugins", lambda: real(environ={ENV_ALLOWLIST: ""}, extra={"demo": content.plugin()}))
    return content


def errors(capsys) -> list[str]:
    return capsys.readouterr().err.splitlines()


def test_sector_toml_that_is_a_folder(demo, capsys):
    (demo.root / "sector.toml").unlink()
    (demo.root / "sector.toml").mkdir()
    assert cli.main(["validate"]) == 1
    assert errors(capsys) == [
        "error: demo: sector.toml: is a folder, not a file",
        "checkframe: 1 problem found; nothing was written.",
    ]


@pytest.mark.parametrize("data, message", [
    ("[sector]\nname = '测试'".encode("gbk"), "line 2: not UTF-8 text (byte 0xb2); save it as UTF-8"),
    (b"x = " + b"[" * 3000 + b"]" * 3000, "nested more than 64 levels deep; the limit is 64"),
])
def test_content_file_that_cannot_be_read(demo, capsys, data, message):
    (demo.root / "checkpoints" / "02-bad.toml").write_bytes(data)
    assert cli.main(["validate"]) == 1
    assert errors(capsys)[0].startswith(f"error: demo: checkpoints/02-bad.toml: {message}")


def test_content_with_a_bom_reads(demo, capsys):
    path = demo.root / "sector.toml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert cli.main(["validate"]) == 0


def test_control_character_in_a_title(demo, capsys):
    demo.edit("checkpoints/01-gas.toml", 'title = "瓦斯检查"', 'title = "瓦斯\\u001b[2J检查"')
    assert cli.main(["validate"]) == 1
    assert errors(capsys)[0] == (
        "error: demo: checkpoints/01-gas.toml: $.checkpoint[0].title: control character U+001B in the text; "
        "remove it (only tab and newline may be written, and only where the text may have them)")


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_bytes("[handbook]\ntitle = '手册'\n".encode("gbk")), "not UTF-8 text (byte 0xca); save it as UTF-8"),
    (lambda p: p.write_bytes(b'[handbook]\ntitle = "\\u0000"\ndepartment = "x"\n'), None),
])
def test_a_checkframe_toml_that_cannot_be_read(demo, tmp_path, capsys, make, message):
    root = handbook_project(tmp_path / "hb")
    make(root / "checkframe.toml")
    assert cli.main(["build", str(root)]) == 1
    first = errors(capsys)[0]
    if message:
        assert first == f"error: {root.as_posix()}/checkframe.toml: line 2: {message}"
    else:
        assert first.startswith(f"error: {root.as_posix()}/checkframe.toml: $.handbook.title: control character U+0000")


@pytest.mark.parametrize("make, message", [
    (lambda p: p.mkdir(), "pages/a.md: is a folder, not a file"),
    (lambda p: p.symlink_to(p),
     "pages/a.md: cannot read: a symlink loop (the link points back at itself); fix or remove the link"),
    (lambda p: p.write_bytes(b"# \xff\n"), "pages/a.md: line 1: not UTF-8 text (byte 0xff); save it as UTF-8"),
    (lambda p: p.write_text("# 标题\n\n\x1b[31m红\n"),
     "pages/a.md: line 3: control character U+001B in the text; remove it (only tab and newline may be written, "
     "and only where the text may have them)"),
])
def test_a_page_that_cannot_be_read(demo, tmp_path, capsys, make, message):
    root = handbook_project(tmp_path / "hb")
    (root / "pages").mkdir()
    make(root / "pages" / "a.md")
    assert cli.main(["build", str(root)]) == 1
    assert errors(capsys) == [f"error: {message}", "checkframe: 1 problem found; nothing was written."]
    assert not (root / "_build").exists()


def test_a_record_that_is_not_utf8(tmp_path, capsys, monkeypatch):
    from stores import CATALOG

    monkeypatch.setattr(common, "load_catalog", lambda: (None, CATALOG))
    store = Store(tmp_path / "ledger")
    (store.root / "records" / "2024-03-01-acme.toml").write_bytes(b"\xef\xbb\xbfunit = 'acme'\nnote = '\xb0'\n")
    assert cli.main(["ledger", str(store.root), "--as-of", "2024-03-31"]) == 1
    assert errors(capsys)[0] == (
        "error: records/2024-03-01-acme.toml: line 2: not UTF-8 text (byte 0xb0); save it as UTF-8")


def test_an_export_with_a_number_of_thousands_of_digits(tmp_path, capsys):
    (tmp_path / "old.json").write_text('{"format": 1, "checkpoints": [], "n": ' + "9" * 5000 + "}")
    assert cli.main(["diff", str(tmp_path / "old.json"), str(tmp_path / "old.json")]) == 2
    assert errors(capsys) == [f"error: {(tmp_path / 'old.json').as_posix()}: an integer of 5000 digits; the limit is 20"]
