"""Filled forms and reports: ``checkframe ledger forms DIR OUT_DIR`` and ``ledger report ... --format pdf``.

The PDFs are read back with poppler, as a reader would see them.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import checkframe.cli as cli
from checkframe.cli import common
from checkframe.ledger.rows import weekly_rows
from checkframe.publish.project import HandbookConfig, PrintConfig, Project
from stores import CATALOG, FOUND, UNIT, Store

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

DEPARTMENT = "测试区应急管理局"

#: An on-site fix next to FOUND's deadline fix (f-1) and listed major hazard (f-2).
ON_SITE = """
[[finding]]
id = "f-3"
checkpoint = "demo-gas-02"
description = "配电箱门未关闭"
level = "general"
remediation = { category = "on_site" }
"""

RECHECK = """
follows = "2024-03-01-acme.toml"
inspectors = ["王检"]

[[fixed]]
finding = "f-1"
date = 2024-03-10

[[recheck]]
finding = "f-1"
result = "passed"
by = "王检"
"""


def text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", out)


@pytest.fixture
def forms_cli(monkeypatch, tmp_path):
    """The command line with the demo catalog and a project whose department signs the forms."""
    monkeypatch.setattr(common, "load_catalog", lambda: (None, CATALOG))
    project = Project(tmp_path, HandbookConfig(title="测试", department=DEPARTMENT), PrintConfig())
    monkeypatch.setattr(common, "print_project", lambda root, catalog, language="en": project)


@pytest.fixture
def filled(tmp_path) -> Store:
    store = Store(tmp_path / "ledger")
    store.record("2024-03-01-acme.toml", 'inspectors = ["王检", "陈查"]\n' + FOUND + ON_SITE)
    store.record("2024-03-12-acme-recheck.toml", RECHECK, date="2024-03-12")
    store.record("2024-04-02-beta.toml", "", unit="beta", date="2024-04-02")  # outside the range
    return store


def run(capsys, *args: str) -> tuple[int, str, list[str]]:
    try:
        code = cli.main(["ledger", *args])
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err.splitlines()


def forms(store: Store, out: Path, capsys, *extra: str) -> tuple[int, str, list[str]]:
    return run(capsys, "forms", str(store.root), str(out), "--from", "2024-03-01", "--to", "2024-03-31", *extra)


def test_the_forms_of_the_range(filled, forms_cli, tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = forms(filled, out, capsys)
    assert (code, err) == (0, [])
    assert "摸底登记表（附件1）1 份，督导检查表（附件3）2 份" in stdout and "责令限期整改指令书 1 份" in stdout
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf"))
    # A deadline order for the deadline fix only: none for the on-site fix (f-3) or the listed major hazard (f-2);
    # no form for the record dated after --to, nor 附件1 for its unit (beta).
    assert written == ["deadline-order/f-1.pdf", "major-hazard-list.pdf",
                       "supervision-record/2024-03-01-acme.pdf", "supervision-record/2024-03-12-acme-recheck.pdf",
                       "unit-registration/acme.pdf", "weekly-statistics.pdf"]


def test_the_registration_of_an_inspected_unit_is_filled_from_its_file(filled, forms_cli, tmp_path, capsys):
    filled.unit("acme", "恒泰五金", "北石店镇", text=UNIT + """
registration_number = "91140502MA0XXXXX1A"
founded = "2016年5月"
safety_staff_names = ["钱安（专职）", "孙明（兼职）"]
[staff]
total = 46
safety = 0
""")
    out = tmp_path / "out"
    assert forms(filled, out, capsys)[0] == 0
    page = text(out / "unit-registration" / "acme.pdf")
    assert "附件1" in page and "生产经营单位摸底登记表" in page and f"填报单位（盖章）：{DEPARTMENT}" in page
    for value in ("单位名称恒泰五金", "91140502MA0XXXXX1A", "成立时间2016年5月", "所属镇（街道）北石店镇",
                  "行业分类工贸企业", "职工人数（从业人数）46", "安全管理人员人数0", "钱安（专职）、孙明（兼职）"):
        assert value in page, value
    # A count the registration does not give is blank, not 0.
    assert "正式职工人数临时用工" in page, page


def test_the_supervision_record_holds_the_records_values(filled, forms_cli, tmp_path, capsys):
    out = tmp_path / "out"
    assert forms(filled, out, capsys)[0] == 0
    page = text(out / "supervision-record" / "2024-03-01-acme.pdf")
    assert "填报单位（盖章）：区应急管理局" in page
    for value in ("恒泰五金", "2024年3月1日", "王检、陈查", "瓦斯检查员无证上岗", "【重大事故隐患】瓦斯漏检",
                  "配电箱门未关闭", "限期整改；持证上岗；指令书〔2024〕3号", "挂牌督办（区级）；配齐瓦斯检查员", "现场整改",
                  "2024年3月15日", "张三、李四"):
        assert value in page, value
    # A record shows what was known on its own date: the recheck of 3月12日 is on the recheck's record.
    assert "2024年3月12日合格" not in page and "已验收" not in page
    assert "f-1" not in page and "编号" not in page  # the ledger's finding ids are its own, not the form's
    recheck = text(out / "supervision-record" / "2024-03-12-acme-recheck.pdf")
    assert "回查" in recheck and "瓦斯检查员无证上岗" in recheck and "已验收" in recheck
    assert "2024年3月12日合格" in recheck


def test_a_deadline_order_per_deadline_fix(filled, forms_cli, tmp_path, capsys):
    out = tmp_path / "out"
    assert forms(filled, out, capsys)[0] == 0
    page = text(out / "deadline-order" / "f-1.pdf")
    # Issued by the department that inspected (the record's checking unit), not the handbook project's.
    assert page.startswith("区应急管理局责令限期整改指令书") and DEPARTMENT not in page
    for value in ("责令限期整改指令书", "〔2024〕3号", "恒泰五金：", "瓦斯检查员无证上岗",
                  "整改措施：持证上岗", "整改责任人：张三", "对上述第1项问题于2024年3月15日前整改完毕"):
        assert value in page, value
    assert "王检" not in page and "陈查" not in page  # 执法人员（签名）: signed by pen, never printed
    assert not (out / "deadline-order" / "f-3.pdf").exists()


def test_the_weekly_counts_match_the_ledger(filled, forms_cli, tmp_path, capsys):
    out = tmp_path / "out"
    assert forms(filled, out, capsys)[0] == 0
    rows = weekly_rows(filled.ledger(dt.date(2024, 3, 31)), dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    page = text(out / "weekly-statistics.pdf")
    assert "统计期间：2024年3月1日至2024年3月31日" in page
    for row in rows:  # 一般隐患 排查 整改, 重大隐患 排查 整改
        counts = "".join(str(row[c]) for c in ("一般隐患排查", "一般隐患整改", "重大隐患排查", "重大隐患整改"))
        assert f"{row['镇（街道）']}{counts}" in page
    assert [r["一般隐患排查"] for r in rows] == [2, 2] and rows[-1]["重大隐患排查"] == 1
    major = text(out / "major-hazard-list.pdf")
    assert "恒泰五金区应急管理局北石店镇工贸企业瓦斯漏检" in major


def test_same_input_same_bytes_and_the_department_is_the_author(filled, forms_cli, tmp_path, capsys):
    assert forms(filled, tmp_path / "one", capsys)[0] == 0
    assert forms(filled, tmp_path / "two", capsys)[0] == 0
    one = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*.pdf"))
    for name in one:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    info = subprocess.run(["pdfinfo", str(tmp_path / "one" / "weekly-statistics.pdf")], capture_output=True,
                          text=True, check=True).stdout
    assert re.search(rf"^Author:\s+{DEPARTMENT}$", info, re.M)


def test_a_second_run_replaces_the_folder(filled, forms_cli, tmp_path, capsys):
    out = tmp_path / "out"
    assert forms(filled, out, capsys)[0] == 0
    (out / "supervision-record" / "stale.pdf").write_bytes(b"")
    assert forms(filled, out, capsys)[0] == 0
    assert not (out / "supervision-record" / "stale.pdf").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_report_as_pdf(filled, forms_cli, tmp_path, capsys):
    pdf = tmp_path / "weekly.pdf"
    code, stdout, err = run(capsys, "report", str(filled.root), "weekly", "--from", "2024-03-01", "--to",
                            "2024-03-31", "--format", "pdf", "-o", str(pdf))
    assert (code, stdout, err) == (0, f"已写入 {pdf}\n", [])
    assert "北石店镇2110" in text(pdf)


def test_a_report_without_a_department_says_the_reporter_is_left_blank(filled, forms_cli, monkeypatch, tmp_path, capsys):
    project = Project(tmp_path, HandbookConfig(title="测试", department=""), PrintConfig())
    monkeypatch.setattr(common, "print_project", lambda root, catalog, language="en": project)
    pdf = tmp_path / "weekly.pdf"
    args = ("report", str(filled.root), "weekly", "--from", "2024-03-01", "--to", "2024-03-31", "--format", "pdf", "-o")
    code, stdout, err = run(capsys, *args, str(pdf))
    assert (code, stdout) == (0, f"已写入 {pdf}\n")
    assert err == ["提示：没有设定填报单位，表上“填报单位（盖章）”留空待手写；"
                   "要印上单位名称，用 --project 指定手册项目文件夹（其 checkframe.toml 中 [handbook] 的 department）"]
    assert run(capsys, *args, str(tmp_path / "quiet.pdf"), "-q")[2] == []  # -q: not said


def test_a_report_as_csv_to_a_file(filled, forms_cli, tmp_path, capsys):
    out = tmp_path / "major.csv"
    code, _, _ = run(capsys, "report", str(filled.root), "major", "--from", "2024-03-01", "--to", "2024-03-31",
                     "--format", "csv", "-o", str(out))
    assert code == 0 and "瓦斯漏检" in out.read_text(encoding="utf-8")


# -- Bad input: one line, exit 1 or 2, nothing written -------------------------------------------


def nothing_written(tmp_path: Path) -> None:
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_unknown_record_folder(forms_cli, tmp_path, capsys):
    code, stdout, err = run(capsys, "forms", str(tmp_path / "nope"), str(tmp_path / "out"), "--from", "2024-03-01",
                            "--to", "2024-03-31")
    assert (code, stdout) == (1, "")
    assert err[0].startswith("错误：") and len(err) == 2
    assert err[0] == f"错误：没有台账文件夹 {(tmp_path / 'nope').as_posix()}"
    nothing_written(tmp_path)


def test_a_broken_ledger_writes_no_forms(filled, forms_cli, tmp_path, capsys):
    filled.record("2024-03-05-acme.toml", '[[close]]\nfinding = "f-1"\n', date="2024-03-05")
    code, _, err = forms(filled, tmp_path / "out", capsys)
    assert code == 1 and "现为“整改中”，不能销号" in err[0]
    nothing_written(tmp_path)


def test_unwritable_output(filled, forms_cli, tmp_path, capsys):
    code, _, err = forms(filled, tmp_path / "missing" / "out", capsys)
    assert (code, err) == (1, [f"错误：无法写入 {tmp_path / 'missing' / 'out'}："
                               f"没有文件夹 {(tmp_path / 'missing').as_posix()}"])
    code, _, err = run(capsys, "report", str(filled.root), "weekly", "--from", "2024-03-01", "--to", "2024-03-31",
                       "--format", "pdf", "-o", str(tmp_path / "missing" / "w.pdf"))
    assert code == 1 and len(err) == 1 and "：没有文件夹 " in err[0]
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        code, _, err = forms(filled, locked / "out", capsys)
    finally:
        locked.chmod(0o755)
    if code == 0:  # pragma: no cover - running as root, which may write anywhere
        pytest.skip("running as root")
    assert err == [f"错误：{(locked / 'out').as_posix()}：无法在 {locked.as_posix()} 中写入：没有写入权限",
                   "checkframe：共 1 处问题，未写入任何文件。"]
    assert list(locked.iterdir()) == []


def test_output_that_is_a_file(filled, forms_cli, tmp_path, capsys):
    (tmp_path / "out").write_text("mine")
    code, _, err = forms(filled, tmp_path / "out", capsys)
    assert (code, err) == (1, [f"错误：无法写入 {tmp_path / 'out'}：这是一个文件，不是文件夹"])
    assert (tmp_path / "out").read_text() == "mine"


@pytest.mark.parametrize("number, reason", [(errno.EACCES, "没有写入权限"), (errno.EROFS, "这是只读的文件系统")])
def test_a_folder_that_refuses_the_forms(filled, forms_cli, tmp_path, capsys, monkeypatch, number, reason):
    """As a read-only folder answers even root: the error the staging folder meets, named as build names it."""
    from checkframe.util import fs

    def refused(prefix, dir):
        raise OSError(number, os.strerror(number), f"{dir}/{prefix}xyz")

    monkeypatch.setattr(fs.tempfile, "mkdtemp", refused)
    code, stdout, err = forms(filled, tmp_path / "out", capsys)
    assert (code, stdout) == (1, "")
    assert err == [f"错误：{(tmp_path / 'out').as_posix()}：无法在 {tmp_path.as_posix()} 中写入：{reason}",
                   "checkframe：共 1 处问题，未写入任何文件。"]
    nothing_written(tmp_path)


def test_a_full_disk_keeps_the_previous_forms(filled, forms_cli, tmp_path, capsys, monkeypatch):
    from checkframe.publish import pdfs

    out = tmp_path / "out"
    assert forms(filled, out, capsys)[0] == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def full(project, jobs, folder, workers=None):
        (folder / "half.pdf").write_bytes(b"%PDF-1.7 half")  # one form half written, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "half.pdf"))

    monkeypatch.setattr(pdfs, "render_forms", full)
    code, stdout, err = forms(filled, out, capsys)
    assert (code, stdout) == (1, "")
    staging = err[0].split("无法在 ")[1].split(" 中写入")[0]
    assert staging.startswith(f"{tmp_path.as_posix()}/.out.new-")
    assert err == [f"错误：{out.as_posix()}：无法在 {staging} 中写入：磁盘已满；{out.as_posix()} 保持原样",
                   "checkframe：共 1 处问题，未写入任何文件。"]
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_folder_not_written_by_checkframe_is_left_alone(filled, forms_cli, tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    code, _, err = forms(filled, out, capsys)
    assert code == 1 and len(err) == 1 and "不是空文件夹，也不是 checkframe ledger forms 写的" in err[0]
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize(("extra", "message"), [
    (["--from", "2024-03-31", "--to", "2024-03-01"], "--from 2024-03-31 晚于 --to 2024-03-01"),
    (["--from", "2024-03-01"], "缺少必需的参数 --to"),
    (["--from", "2024-03-01", "--to", "2024-02-30"], "应为日期，如 2024-03-01（现为 \"2024-02-30\"）"),
    (["--from", "2024-03-01", "--to", "2024-03-31", "--format", "csv"], "无法识别的参数 --format csv"),
])
def test_usage_errors_of_forms(filled, forms_cli, tmp_path, capsys, extra, message):
    code, stdout, err = run(capsys, "forms", str(filled.root), str(tmp_path / "out"), *extra)
    assert (code, stdout) == (2, "")
    assert message in err[-1]
    nothing_written(tmp_path)


@pytest.mark.parametrize(("extra", "message"), [
    (["show", "{root}", "--format", "pdf", "-o", "x.pdf"], "--format 的取值 \"pdf\" 无效（可选：table、csv、json、xlsx）"),
    (["report", "{root}", "weekly", "--from", "2024-03-01", "--to", "2024-03-31", "--format", "pdf"],
     "--format pdf 须同时给出 --output 文件.pdf"),
    (["report", "{root}", "weekly", "--from", "2024-03-01", "--to", "2024-03-31", "--format", "xlsx"],
     "--format xlsx 须同时给出 --output 文件.xlsx"),
    (["report", "{root}", "major", "--from", "2024-04-01", "--to", "2024-03-01"], "晚于 --to"),
    (["show", "{root}", "--bom"], "--bom 只用于 --format csv"),
    (["report", "{root}", "weekly", "--from", "2024-03-01", "--to", "2024-03-31", "--project", "/nowhere"],
     "--project 只用于 --format pdf"),
])
def test_usage_errors_of_reports(filled, forms_cli, tmp_path, capsys, extra, message):
    code, stdout, err = run(capsys, *(a.replace("{root}", str(filled.root)) for a in extra))
    assert (code, stdout) == (2, "")
    assert message in err[-1]


def test_the_worked_example_prints_its_forms(example_forms):
    out = example_forms  # printed once (tests/conftest.py), also read by tests/publish/test_shipped_pdfs.py
    orders = sorted(p.stem for p in (out / "deadline-order").glob("*.pdf"))
    # not f-2024-001 (on site), f-2024-010 (listed), f-2024-012 (the mine's own stop)
    assert orders == ["f-2024-002", "f-2024-003", "f-2024-011", "f-2024-020", "f-2024-021"]
    assert len(list((out / "supervision-record").glob("*.pdf"))) == 8  # the self-inspection reports have none
    major = text(out / "major-hazard-list.pdf")
    assert "晋城市金鑫煤业有限公司" in major and "挂牌督办（区级）" in major and "已销号" in major


@pytest.mark.parametrize("step", ["report", "forms"])
def test_a_bad_project_is_told_to_the_clerk_in_chinese(filled, tmp_path, capsys, monkeypatch, step):
    """--project names a handbook project whose checkframe.toml is wrong: its problems were the developers'
    English (required key missing, unknown sector 'coal') after 错误：; now Chinese, with their lines."""
    monkeypatch.setattr(common, "load_catalog", lambda: (None, CATALOG))
    project = tmp_path / "handbook"
    project.mkdir()
    (project / "checkframe.toml").write_text(
        '[handbook]\ntitle = 3\nbase_url = "ftp://x"\nsectors = ["demx"]\nunits = "nowhere"\n', encoding="utf-8")
    (project / "pages").mkdir()
    (project / "pages" / "a.md").write_text("no heading\n", encoding="utf-8")
    config = (project / "checkframe.toml").as_posix()
    if step == "report":
        args = ["report", str(filled.root), "weekly", "--from", "2024-03-01", "--to", "2024-03-31", "--format", "pdf",
                "-o", str(tmp_path / "w.pdf")]
    else:
        args = ["forms", str(filled.root), str(tmp_path / "out"), "--from", "2024-03-01", "--to", "2024-03-31"]
    code, stdout, err = run(capsys, *args, "--project", str(project))
    assert (code, stdout) == (1, "")
    assert err == [
        f"错误：{config} 第1行：handbook 中缺少必填的键 department",
        f"错误：{config} 第2行：handbook.title 应为文字（现为 3）；3 不加引号是数字，作为文字请加引号，写成 \"3\"",
        f"错误：{config} 第3行：handbook.base_url 应为以 http:// 或 https:// 开头、以“/”结尾的完整网址，不含空格、“?”或“#”，"
        "如 https://example.gov.cn/handbook/（现为 \"ftp://x\"）",
        "checkframe：共 3 处问题，未写入任何文件。"]
    (project / "checkframe.toml").write_text(
        '[handbook]\ntitle = "t"\ndepartment = "d"\nsectors = ["demx"]\nunits = "nowhere"\n', encoding="utf-8")
    code, stdout, err = run(capsys, *args, "--project", str(project))
    assert code == 1
    assert err == [
        f"错误：{project.as_posix()}/pages/a.md 第1行：页面须有标题：Markdown 的第一行写标题，"
        "如“# 使用说明”（“#”、一个空格，再写标题）",
        f"错误：{config} 第4行：handbook.sectors 第1项为 \"demx\"，没有安装这个行业领域；是否想写 \"demo\"？",
        f"错误：{config} 第5行：handbook.units 为 \"nowhere\"，没有文件夹 {project.as_posix()}/nowhere/units："
        "handbook.units 应为台账文件夹（其中有 units/*.toml），从手册项目的文件夹算起",
        "checkframe：共 3 处问题，未写入任何文件。"]
    (project / "checkframe.toml").unlink()
    code, stdout, err = run(capsys, *args, "--project", str(project))
    assert err[0] == (f"错误：{config}：没有这个文件；手册项目的文件夹中须有 checkframe.toml"
                      "（--project 应指向手册项目的文件夹）")
    assert not (tmp_path / "out").exists() and not (tmp_path / "w.pdf").exists()
