"""``checkframe inspect import``: records saved by the handbook's fill-in mode, filed into a ledger."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import pytest

from checkframe import cli
from checkframe.catalog import build_catalog
from checkframe.cli import common
from checkframe.util import fs
from fill_in_site import demo_plugins, ledger_folder

with tempfile.TemporaryDirectory() as _tmp:
    PLUGINS = demo_plugins(Path(_tmp))
    CATALOG = build_catalog(PLUGINS)

RECORD = """\
# 检查记录：由检查手册“填写检查记录”生成，用 checkframe inspect import 导入台账。
unit = "{unit}"
date = 2024-03-01
kind = "supervision"
checklist = "demo-visit"
checking_unit = "测试区应急管理局"
inspectors = ["王检", "陈查"]
note = ""
item = [
    {{ checkpoint = "demo-gas-01", title = "瓦斯检查", mark = "fail" }},
    {{ checkpoint = "demo-gas-02", title = "瓦斯检查员持证", mark = "ok" }},
    {{ checkpoint = "demo-fire-01", title = "安全出口畅通", mark = "fail" }},
    {{ checkpoint = "{checkpoint}", title = "灭火器材有效", mark = "fail" }},
]

[[finding]]
id = "{first}"
checkpoint = "demo-fire-01"
description = "安全出口堵塞"
level = "general"
source = "supervision"
evidence = [{evidence}]

[finding.remediation]
category = "on_site"

[[finding]]
id = "f-20240301-2"
checkpoint = "demo-fire-02"
description = "灭火器过期"
level = "general"
source = "supervision"

[finding.remediation]
category = "deadline"
deadline = 2024-03-15
order_number = "{order}"
responsible_person = "张三"
measures = "更换灭火器"

[[fixed]]
finding = "{first}"

[[recheck]]
finding = "{first}"
result = "passed"
by = "王检、陈查"

[[close]]
finding = "{first}"
"""


def record(**values: str) -> str:
    defaults = {"unit": "hengan", "checkpoint": "demo-fire-02", "first": "f-20240301-1", "evidence": "",
                "order": "测责改〔2024〕1号"}
    return RECORD.format(**{**defaults, **values})


@pytest.fixture(autouse=True)
def demo_cli(monkeypatch):
    monkeypatch.setattr(common, "load_catalog", lambda: (PLUGINS, CATALOG))


@pytest.fixture
def ledger(tmp_path) -> Path:
    return ledger_folder(tmp_path / "ledger")


def saved(tmp_path: Path, text: str, name: str = "2024-03-01-hengan-demo-visit.toml") -> Path:
    path = tmp_path / "downloads" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    """The number of the one line of ``path`` that holds ``text``."""
    lines = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line]
    assert len(lines) == 1, (text, lines)
    return lines[0]


def files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_a_saved_record_is_filed_and_its_findings_are_on_the_ledger(tmp_path, ledger, capsys):
    path = saved(tmp_path, record())
    assert cli.main(["inspect", "import", str(path), "--dir", str(ledger)]) == 0
    target = ledger / "records" / path.name
    assert capsys.readouterr().out == f"已导入 {target.as_posix()}：隐患 2 项\n"
    assert target.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
    assert cli.main(["ledger", "show", str(ledger), "--as-of", "2024-03-02", "--format", "csv"]) == 0
    shown = capsys.readouterr().out
    assert "f-20240301-1" in shown and "已销号" in shown
    assert "f-20240301-2" in shown and "整改中" in shown


def refused(capsys, *args: str) -> list[str]:
    assert cli.main(["inspect", "import", *args]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines[-1] == f"checkframe：共 {len(lines) - 1} 处问题，所有文件均未导入，台账未作改动。"
    return lines[:-1]


def test_a_required_field_left_empty_is_refused_in_the_pages_words(tmp_path, ledger, capsys):
    path = saved(tmp_path, record(order=""))
    before = files(ledger)
    line = line_of(path, 'order_number = ""')
    assert refused(capsys, str(path), "--dir", str(ledger)) == [
        f"错误：{path.name} 第{line}行：第2项隐患（灭火器材有效）：限期整改须填写指令书编号"]
    assert files(ledger) == before


def test_an_unknown_unit_or_checkpoint_is_refused(tmp_path, ledger, capsys):
    path = saved(tmp_path, record(unit="dongfang", checkpoint="demo-fire-09"))
    line = line_of(path, 'checkpoint = "demo-fire-09"')
    assert refused(capsys, str(path), "--dir", str(ledger)) == [
        f"错误：{path.name} 第2行：被检查单位“dongfang”未在台账中登记（没有 units/dongfang.toml），请先登记该单位",
        f"错误：{path.name} 第{line}行：检查项“demo-fire-09”不在检查表“demo-visit”上",
    ]
    assert files(ledger / "records") == []


def test_a_unit_typed_by_its_name_is_filed_under_its_id(tmp_path, ledger, capsys):
    path = saved(tmp_path, record(unit="恒安化工有限公司"))
    assert cli.main(["inspect", "import", str(path), "--dir", str(ledger)]) == 0
    text = (ledger / "records" / path.name).read_text(encoding="utf-8")
    assert '\nunit = "hengan"\n' in text
    assert text.replace('unit = "hengan"', 'unit = "恒安化工有限公司"') == path.read_text(encoding="utf-8")
    capsys.readouterr()
    assert refused(capsys, str(path), "--dir", str(ledger)) == [
        f"错误：{path.name}：该记录已导入台账（records/{path.name}），不再重复导入"]
    path.write_text(record(unit="恒安化工有限公司", order="测责改〔2024〕2号"), encoding="utf-8")
    assert refused(capsys, str(path), "--dir", str(ledger)) == [
        f"错误：{path.name}：台账中已有另一份同名记录 records/{path.name}，请改名后再导入"]


def test_a_record_imported_twice_or_a_finding_id_on_the_ledger_is_refused(tmp_path, ledger, capsys):
    path = saved(tmp_path, record())
    assert cli.main(["inspect", "import", str(path), "--dir", str(ledger)]) == 0
    capsys.readouterr()
    assert refused(capsys, str(path), "--dir", str(ledger)) == [
        f"错误：{path.name}：该记录已导入台账（records/{path.name}），不再重复导入"]
    other = saved(tmp_path, record(first="f-new-1"), "2024-03-01-hengan-demo-visit-2.toml")
    assert refused(capsys, str(other), "--dir", str(ledger)) == [
        f"错误：{other.name} 第28行：第2项隐患（灭火器材有效）：隐患编号“f-20240301-2”已在台账中"
        f"（records/{path.name}），请换一个编号"]
    assert files(ledger / "records") == [path.name]


def test_two_files_of_one_import_with_the_same_finding_id_are_both_left_out(tmp_path, ledger, capsys):
    one = saved(tmp_path, record(), "a.toml")
    two = saved(tmp_path, record(first="f-other-1"), "b.toml")
    assert refused(capsys, str(one), str(two), "--dir", str(ledger)) == [
        "错误：b.toml 第28行：第2项隐患（灭火器材有效）：隐患编号“f-20240301-2”已在台账中（a.toml），请换一个编号",
    ]
    assert files(ledger / "records") == []


def archive(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buffer.getvalue()


def test_an_archive_files_its_photos_under_evidence(tmp_path, ledger, capsys):
    photo = "evidence/2024-03-01-hengan-demo-visit/f-20240301-1-1.jpg"
    text = record(evidence=f'"{photo}"')
    path = tmp_path / "2024-03-01-hengan-demo-visit.zip"
    path.write_bytes(archive({"2024-03-01-hengan-demo-visit.toml": text.encode(), photo: b"\xff\xd8jpeg"}))
    assert cli.main(["inspect", "import", str(path), "--dir", str(ledger)]) == 0
    assert capsys.readouterr().out.endswith("：隐患 2 项，照片 1 张\n")
    assert (ledger / photo).read_bytes() == b"\xff\xd8jpeg"
    assert (ledger / "records" / "2024-03-01-hengan-demo-visit.toml").read_text(encoding="utf-8") == text
    # The same photo name again is not replaced.
    again = tmp_path / "again.zip"
    again.write_bytes(archive({"again.toml": record(first="f-x-1", evidence=f'"{photo}"').replace(
        "f-20240301-2", "f-x-2").encode(), photo: b"other"}))
    assert refused(capsys, str(again), "--dir", str(ledger)) == [
        f"错误：again.zip：第1项隐患（安全出口畅通）：台账中已有照片 {photo}，请改名后再导入"]


def test_a_photo_no_finding_names_does_not_replace_one_in_the_ledger(tmp_path, ledger, capsys):
    (ledger / "evidence" / "r").mkdir(parents=True)
    (ledger / "evidence" / "r" / "other.jpg").write_bytes(b"kept")
    path = tmp_path / "r.zip"
    path.write_bytes(archive({"r.toml": record().encode(), "evidence/r/other.jpg": b"new"}))
    assert refused(capsys, str(path), "--dir", str(ledger)) == [
        "错误：r.zip：台账中已有照片 evidence/r/other.jpg，导入会将其覆盖；请改名后再导入"]
    assert (ledger / "evidence" / "r" / "other.jpg").read_bytes() == b"kept"


@pytest.mark.parametrize("how", ["a file where the evidence folder goes", "a record that cannot be written"])
def test_a_write_that_fails_takes_back_the_whole_import(tmp_path, ledger, capsys, monkeypatch, how):
    """Nothing half-imported: the records and photos written before the failure are removed, and the clerk is
    told in one Chinese line, not by a traceback."""
    first = saved(tmp_path, record(), name="2024-03-01-hengan-demo-visit.toml")
    photo = "evidence/b/f-b-1.jpg"
    second = tmp_path / "b.zip"
    second.write_bytes(archive({"b.toml": record(first="f-b-1", evidence=f'"{photo}"').replace(
        "f-20240301-2", "f-b-2").encode(), photo: b"jpeg"}))
    before = files(ledger)
    if how.startswith("a file"):
        (ledger / "evidence").write_text("not a folder", encoding="utf-8")
        before = files(ledger)
        reason = "evidence"
    else:
        real = fs.write_atomic

        def write_atomic(path, data, durable=True):
            if Path(path).name == "b.toml":
                raise OSError(28, "No space left on device", str(path))
            real(path, data, durable)

        monkeypatch.setattr(fs, "write_atomic", write_atomic)
        reason = "b.toml"
    [line] = refused(capsys, str(first), str(second), "--dir", str(ledger))
    assert line.startswith("错误：无法写入 ") and reason in line and "Traceback" not in line, line
    assert files(ledger) == before
    assert not (ledger / "evidence" / "b").exists()


def test_an_archive_without_the_photo_its_record_names_or_with_other_files_is_refused(tmp_path, ledger, capsys):
    photo = "evidence/r/f-20240301-1-1.jpg"
    path = tmp_path / "r.zip"
    path.write_bytes(archive({"r.toml": record(evidence=f'"{photo}"').encode(), "evidence/r/other.jpg": b"x"}))
    assert refused(capsys, str(path), "--dir", str(ledger)) == [
        f"错误：r.zip：第1项隐患（安全出口畅通）：照片“{photo}”不在导入的文件中"]
    path.write_bytes(archive({"r.toml": record().encode(), "../outside.jpg": b"x"}))
    assert refused(capsys, str(path), "--dir", str(ledger)) == [
        "错误：r.zip：压缩包中的“../outside.jpg”不是检查记录的照片（照片放在 evidence/ 下）"]
    path.write_bytes(b"PK not a zip")
    assert refused(capsys, str(path), "--dir", str(ledger))[0].startswith("错误：r.zip：不是完整的压缩包")
    assert files(ledger) == ["units/hengan.toml", "units/jinxin.toml"]


def test_what_the_ledger_itself_refuses_is_refused(tmp_path, ledger, capsys):
    # A recheck of a finding no record holds: the page cannot know; the replay does.
    text = record().split("[[finding]]")[0] + '\n[[recheck]]\nfinding = "f-none"\nresult = "passed"\n'
    path = saved(tmp_path, text)
    lines = refused(capsys, str(path), "--dir", str(ledger))
    assert lines == [f'错误：records/{path.name}：第1个 [[recheck]] 的 finding 为 "f-none"，台账中没有这项隐患']
    assert files(ledger / "records") == []


def test_a_file_name_with_chinese_or_spaces_is_refused_with_how_records_are_named(tmp_path, ledger, capsys):
    path = saved(tmp_path, record(), name="新 记录.toml")
    assert refused(capsys, str(path), "--dir", str(ledger)) == [
        "错误：新 记录.toml：记录文件名“新 记录.toml”只能由英文字母、数字、“-”“_”“.”组成，不能有汉字或空格；请改名后再导入"
        "（检查记录按“日期-单位编号-检查表编号.toml”命名，如 2024-03-01-hengtai-general-fire-risks.toml）"]
    assert files(ledger / "records") == []


def test_a_record_the_reader_refuses_has_all_its_problems_told_in_one_run(tmp_path, ledger, capsys):
    """A wrong level (the reader's) no longer hides the page's rules and the ledger's references, which came
    only once it was fixed: an unknown unit, a checkpoint off the checklist, an early deadline, a missing
    order number. What the reader says is not said again (the page's own 请选择隐患等级)."""
    text = record(unit="dongfang", checkpoint="demo-fire-09", order="").replace(
        'level = "general"\nsource = "supervision"\n\n[finding.remediation]\ncategory = "deadline"',
        'level = "bogus"\nsource = "supervision"\n\n[finding.remediation]\ncategory = "deadline"').replace(
        "deadline = 2024-03-15", "deadline = 2024-02-15")
    path = saved(tmp_path, text)
    line = line_of(path, 'checkpoint = "demo-fire-09"')
    level = line_of(path, 'level = "bogus"')
    deadline = line_of(path, "deadline = 2024-02-15")
    assert refused(capsys, str(path), "--dir", str(ledger)) == [
        f"错误：{path.name} 第2行：被检查单位“dongfang”未在台账中登记（没有 units/dongfang.toml），请先登记该单位",
        f"错误：{path.name} 第{line}行：检查项“demo-fire-09”不在检查表“demo-visit”上",
        f'错误：{path.name} 第{level}行：第2个 [[finding]] 的 level 应为 general（一般事故隐患）或 major（重大事故隐患）'
        '之一（现为 "bogus"）',
        f"错误：{path.name} 第{deadline}行：第2项隐患（灭火器材有效）：整改期限不得早于检查日期",
        f"错误：{path.name} 第{deadline + 1}行：第2项隐患（灭火器材有效）：限期整改须填写指令书编号",
    ]
    assert files(ledger / "records") == []


def test_a_record_of_the_wrong_shape_is_told_by_the_reader_alone(tmp_path, ledger, capsys):
    """Arrays that are not arrays of tables, ids and codes that are not strings: the page's rules pass them
    over (no traceback), and each is said once, by the reader."""
    text = record().replace('{ checkpoint = "demo-gas-02", title = "瓦斯检查员持证", mark = "ok" }', "5").replace(
        'category = "deadline"', 'category = ["deadline"]').replace('id = "f-20240301-2"', "id = 7").replace(
        'checkpoint = "demo-fire-01"', 'checkpoint = ["demo-fire-01"]')
    text = text.replace('kind = "supervision"', 'kind = ["supervision"]')
    lines = refused(capsys, str(saved(tmp_path, text)), "--dir", str(ledger))
    assert len(lines) == 6 and all("应为" in line for line in lines), lines
    assert "Traceback" not in "".join(lines)


def test_a_value_of_millions_of_characters_is_quoted_cut(tmp_path, ledger, capsys):
    """The page's sentences and the import's own quoted a unit or a checkpoint whole."""
    path = saved(tmp_path, record(unit="隐" * 3_000_000).replace('checkpoint = "demo-fire-01"\ndescription',
                                                               'checkpoint = "' + "x" * 3_000_000 + '"\ndescription'))
    lines = refused(capsys, str(path), "--dir", str(ledger))
    assert len(lines) == 2 and all(len(line) < 250 for line in lines), [len(line) for line in lines]
    assert "被检查单位“" + "隐" * 80 + "…”未在台账中登记" in lines[0]
    assert "第1项隐患（" + "x" * 80 + "…）" in lines[1]
