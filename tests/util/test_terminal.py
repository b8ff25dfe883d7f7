"""util.terminal: no escape sequence reaches the terminal, whatever a file or a file name holds."""

from __future__ import annotations

import io

import checkframe.cli as cli
from checkframe.cli import common
from checkframe.util.terminal import PrintableWriter, printable
from stores import CATALOG, Store


def test_printable_shows_control_characters_as_escapes():
    assert printable("单位\x1b[2J\x1b]8;;http://x\x07链接\x9b31m\r覆盖\x00\x7f") == (
        "单位\\x1b[2J\\x1b]8;;http://x\\x07链接\\x9b31m\\r覆盖\\x00\\x7f")


def test_printable_keeps_tab_newline_and_line_ends():
    assert printable("a\tb\nc\r\n中文，。") == "a\tb\nc\r\n中文，。"


def test_the_writer_passes_everything_through_printable():
    out = io.StringIO()
    writer = PrintableWriter(out)
    assert writer.write("x\x1by") == 3
    writer.writelines(["\x07", "z\n"])
    writer.flush()
    assert out.getvalue() == "x\\x1by\\x07z\n"


def test_a_file_name_with_an_escape_sequence_reaches_the_terminal_as_text(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(common, "load_catalog", lambda: (None, CATALOG))
    store = Store(tmp_path / "ledger")
    (store.root / "records" / "2024-03-01-\x1b[2J.toml").write_text("unit = 3\n", encoding="utf-8")
    assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-31"]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert any(line.startswith("错误：records/2024-03-01-\\x1b[2J.toml 第1行：") for line in err.splitlines()), err


def test_a_coloured_ledger_table_keeps_its_own_colours_and_neutralises_a_units():
    from checkframe.cli.ledger_commands import RED, RESET, terminal_table

    rows = [{"单位": "恒泰\x1b[2J五金", "等级": "重大"}]
    text = terminal_table(rows, ["单位", "等级"], {"等级": lambda v: v == "重大"}, colour=True)
    assert f"{RED}重大{RESET}" in text
    assert "\x1b[2J" not in text and "恒泰\\x1b[2J五金" in text
