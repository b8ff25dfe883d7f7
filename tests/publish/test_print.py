"""Printed checklists and forms: what the PDF says, page by page, and how it is made.

The PDFs are read back with poppler (pdftotext, pdfinfo, pdffonts), as a
reader would see them.  One small demo sector spans three pages; it is
rendered once per module and examined by several tests.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from attrs import evolve

import checkframe.cli as cli
from checkframe.catalog import Catalog
from checkframe.cli import common
from checkframe.plugins import ENV_ALLOWLIST
from checkframe.publish import fonts, pdfs, printing
from checkframe.publish.project import HandbookConfig, PrintConfig, Project
from doubles import ContentDir, catalog_of

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext, pdfinfo, pdffonts)"
)

#: The fire group: long enough to run from page 1 onto page 3.
FIRE_ITEMS = 40
FIRE_WHAT = "生产车间和仓库是否按规定配备足够的灭火设施或器材，安全出口和疏散通道是否保持畅通，消防控制室是否有人值班。"
FIRE = "\n".join(
    f"""
[[checkpoint]]
id = "demo-fire-{n:02d}"
title = "消防检查{n}"
what = "第{n}项：{FIRE_WHAT}"
level = "general"
remediation = ["on_site"]
"""
    for n in range(1, FIRE_ITEMS + 1)
)

CHECKLISTS = """
[[checklist]]
id = "demo-self"
title = "演示自查表"
kind = "self_inspection"
items = ["demo/gas"]

[[checklist]]
id = "demo-long"
title = "演示督导检查表"
kind = "supervision"
scope = "演示场所"
items = ["demo/gas", "demo/fire"]
"""


def make_content(root: Path) -> ContentDir:
    content = ContentDir(root)
    content.write("checkpoints/02-fire.toml", '[group]\nid = "fire"\ntitle = "消防安全"\n' + FIRE)
    content.write("checklists.toml", CHECKLISTS)
    content.edit("checkpoints/01-gas.toml", 'article = "第四十一条"', 'article = "第四十一条"\nconfirmed = false')
    content.edit("checkpoints/01-gas.toml", 'what = "瓦斯检查员是否持证上岗。"',
                 'what = "瓦斯检查员是否**持证**上岗，<b>不得</b>代检。"')
    return content


def make_project(root: Path, base_url: str = "", legal_basis: bool = False) -> Project:
    config = HandbookConfig(title="测试手册", department="测试区应急管理局", base_url=base_url)
    return Project(root, config, PrintConfig(legal_basis=legal_basis))


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Catalog, Project, ContentDir]:
    root = tmp_path_factory.mktemp("print")
    content = make_content(root / "demo")
    return catalog_of(demo=content.plugin()), make_project(root), content


@pytest.fixture(scope="module")
def long_pdf(demo, tmp_path_factory) -> Path:
    catalog, project, _ = demo
    path = tmp_path_factory.mktemp("pdf") / "demo-long.pdf"
    path.write_bytes(printing.render_checklist(catalog, project, "demo-long"))
    return path


def poppler(tool: str, *args: str | Path) -> str:
    return subprocess.run([tool, *map(str, args)], capture_output=True, text=True, check=True).stdout


def page_count(pdf: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", poppler("pdfinfo", pdf), re.M).group(1))


def page_text(pdf: Path, page: int) -> str:
    """One page's text with the layout kept."""
    return poppler("pdftotext", "-layout", "-f", str(page), "-l", str(page), pdf, "-")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def assert_in_order(text: str, *parts: str) -> None:
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found >= 0, f"{part!r} not found after position {position}"
        position = found + len(part)


# -- What the checklist says -----------------------------------------------------------------


def test_checklist_text_in_order(long_pdf):
    text = squeeze(poppler("pdftotext", "-layout", long_pdf, "-"))
    assert_in_order(
        text,
        "演示督导检查表", "适用：演示场所", "测试区应急管理局", "填表日期：",
        "企业名称", "所属行业", "企业地址", "所属镇（街道）", "负责人", "电话",
        "序号", "检查内容", "检查结果", "备注",
        "一、瓦斯", "【重大】瓦斯检查存在漏检、假检情况且进行作业的。", "检查方法：现场检查",
        "瓦斯检查员是否持证上岗，<b>不得</b>代检。",  # Markdown rendered, raw HTML kept as text
        "二、消防安全", "第1项：", f"第{FIRE_ITEMS}项：",
        "备注：检查结果栏，符合要求的打“√”；正在整改中的打“0”；不符合要求的打“×”；无该项的不填写。",
        "标注【重大】的检查项，不符合要求即属重大事故隐患。",
        "检查人（签字）：", "企业负责人（签字）：", "日期：", "谁检查、谁签名、谁负责。",
    )
    assert "依据" not in text
    numbers = re.findall(r"^\s*(\d+)\s", poppler("pdftotext", "-layout", long_pdf, "-"), re.M)
    assert numbers == [str(n) for n in range(1, FIRE_ITEMS + 3)]  # numbered on through the groups


def test_self_inspection_columns(demo, tmp_path):
    catalog, project, _ = demo
    pdf = tmp_path / "self.pdf"
    pdf.write_bytes(printing.render_checklist(catalog, project, "demo-self"))
    text = squeeze(page_text(pdf, 1))
    assert_in_order(text, "序号", "检查内容", "自查结果", "检查结果", "一、瓦斯", "自查人（签字）：", "检查人（签字）：")
    assert "备注：自查结果栏" in text
    assert "检查方法" not in text  # the method is for inspectors, printed on supervision forms only


def test_pages_numbered_with_header_and_group_repeated(long_pdf):
    pages = page_count(long_pdf)
    assert pages == 3
    for n in range(1, pages + 1):
        text = page_text(long_pdf, n)
        assert f"第{n}页共{pages}页" in squeeze(text)
        assert_in_order(squeeze(text), "序号", "检查内容", "检查结果", "备注")
    first = squeeze(page_text(long_pdf, 1))
    assert "二、消防安全" in first and "（续）" not in first
    assert "企业名称：＿" not in first  # the first page has the unit's own header table
    for n in (2, 3):  # the fire group continues: its name comes again, marked, under the column header
        lines = [squeeze(line) for line in page_text(long_pdf, n).splitlines() if line.strip()]
        # a running header names the form and the unit, with a line to write the unit's name on
        running = "演示督导检查表企业名称：" + printing.WRITE_IN
        assert lines[:3] == [running, "序号检查内容检查结果备注", "二、消防安全（续）"]
        assert lines[-1] == f"第{n}页共{pages}页演示督导检查表"  # the footer: the form's title, not its id


def test_no_row_split_across_pages(long_pdf):
    """Every item's number and its whole text are on the same page, once."""
    pages = [squeeze(poppler("pdftotext", "-f", str(n), "-l", str(n), long_pdf, "-"))
             for n in range(1, page_count(long_pdf) + 1)]
    for n in range(1, FIRE_ITEMS + 1):
        what = f"第{n}项：{FIRE_WHAT}"
        assert sum(what in page for page in pages) == 1, what


BBOX_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>')


def test_a_long_group_title_wraps_inside_the_table(tmp_path):
    """A group title longer than the table's width wraps; it neither widens the table past the page nor is cut."""
    title = ("钢铁、铝加工（深井铸造）、冶金和机械铸造重点整治以及粉尘涉爆、有限空间作业、"
             "危险化学品储存使用和外包外租单位的安全管理专项整治")
    content = ContentDir(tmp_path / "demo")
    content.edit("checkpoints/01-gas.toml", 'title = "瓦斯"', f'title = "{title}"')
    pdf = tmp_path / "self.pdf"
    pdf.write_bytes(printing.render_checklist(catalog_of(demo=content.plugin()), make_project(tmp_path), "demo-self"))
    assert f"一、{title}" in squeeze(page_text(pdf, 1))
    width = float(re.search(r"Page size:\s+([\d.]+)", poppler("pdfinfo", pdf))[1])
    words = BBOX_WORD.findall(poppler("pdftotext", "-bbox", pdf, "-"))
    assert words
    right = max(float(x_max) for _, x_max, _ in words)
    assert right < width - 28, f"text reaches {right:.0f} pt on a page {width:.0f} pt wide"  # 10 mm margin at least


def test_fonts_embedded_and_subset(long_pdf):
    rows = poppler("pdffonts", long_pdf).splitlines()[2:]
    assert rows
    for row in rows:
        name, *_, emb, sub, uni, _obj, _gen = row.split()
        assert re.match(r"[A-Z]{6}\+Noto-Sans-CJK-SC", name), row
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row


def test_metadata_and_bookmarks(long_pdf):
    info = poppler("pdfinfo", long_pdf)
    assert re.search(r"^Title:\s+演示督导检查表$", info, re.M)
    assert re.search(r"^Author:\s+测试区应急管理局$", info, re.M)
    assert "CreationDate" not in info  # no clock in the output: same input, same bytes
    outline = re.findall(r"<item page=\"(\d+)\">(.*?)</item>", poppler("pdftohtml", "-xml", "-i", "-stdout", long_pdf))
    assert outline == [("1", "演示督导检查表"), ("1", "一、瓦斯"), ("1", "二、消防安全")]


def test_legal_basis_in_small_type_with_unconfirmed_marked(demo, tmp_path):
    catalog, project, _ = demo
    pdf = tmp_path / "basis.pdf"
    pdf.write_bytes(printing.render_checklist(catalog, project, "demo-self", legal_basis=True))
    text = squeeze(page_text(pdf, 1))
    assert_in_order(text, "瓦斯检查存在漏检", "依据：《中华人民共和国安全生产法》第四十一条※",
                    "依据后标注“※”的，条款编号或条文尚未与发布机关公布的文本核对，不宜单独作为处罚依据。")
    assert text.count("※") == 2 and "待核实" not in text  # one mark per citation, one line of legend
    # and the project's option does the same
    with_option = printing.render_checklist(catalog, evolve(project, print=PrintConfig(legal_basis=True)), "demo-self")
    assert with_option == pdf.read_bytes()


def dark_pixels(pdf: bytes, box: tuple[int, int, int, int], tmp_path: Path) -> int:
    """Dark pixels of page 1 within ``box`` (left, top, right, bottom in pixels at 30 dpi)."""
    from PIL import Image  # Pillow comes with WeasyPrint

    source = tmp_path / "page.pdf"
    source.write_bytes(pdf)
    poppler("pdftoppm", "-r", "30", "-f", "1", "-l", "1", "-singlefile", "-png", source, tmp_path / "page")
    image = Image.open(tmp_path / "page.png").convert("L").crop(box)
    return sum(image.histogram()[:128])


def test_qr_code_when_base_url_is_set(demo, tmp_path):
    catalog, project, _ = demo
    url_project = make_project(tmp_path, base_url="https://example.gov.cn/handbook/")
    with_qr = printing.render_checklist(catalog, url_project, "demo-self")
    without = printing.render_checklist(catalog, project, "demo-self")
    (tmp_path / "qr.pdf").write_bytes(with_qr)
    assert "https://example.gov.cn/handbook/checklist/demo-self.html" in squeeze(page_text(tmp_path / "qr.pdf", 1))
    corner = (190, 0, 248, 50)  # A4 at 30 dpi is 248 x 351 pixels: the top right corner, beside 附件2 and the title
    assert dark_pixels(with_qr, corner, tmp_path) > 100
    assert dark_pixels(without, corner, tmp_path) == 0


def test_same_input_same_bytes(demo, monkeypatch, tmp_path):
    catalog, project, _ = demo
    first = printing.render_checklist(catalog, project, "demo-self")
    assert printing.render_checklist(catalog, project, "demo-self") == first
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1678000000")
    dated = printing.render_checklist(catalog, project, "demo-self")
    assert dated == printing.render_checklist(catalog, project, "demo-self")
    (tmp_path / "dated.pdf").write_bytes(dated)
    info = poppler("pdfinfo", "-isodates", tmp_path / "dated.pdf")
    assert re.search(r"^CreationDate:\s+2023-03-05T07:06:40Z?", info, re.M)
    assert re.search(r"^ModDate:\s+2023-03-05T07:06:40Z?", info, re.M)


def test_values_fill_the_form(demo, tmp_path):
    catalog, project, _ = demo
    values = {
        "unit": "某某煤业有限公司",
        "phone": "0356-1234567",
        "results": {"demo-gas-01": {"result": "×", "note": "已下达指令书"}},
    }
    pdf = tmp_path / "filled.pdf"
    pdf.write_bytes(printing.render_checklist(catalog, project, "demo-long", values=values))
    text = squeeze(page_text(pdf, 1))
    assert_in_order(text, "企业名称某某煤业有限公司", "电话0356-1234567", "瓦斯检查存在漏检")
    assert re.search(r"×\s+已下达指令书", page_text(pdf, 1))


# -- Forms -----------------------------------------------------------------------------------

FORM_TEXT = {
    "supervision-record": ["镇（街道）、部门督导检查表", "填报单位（盖章）：", "检查企业（场所）", "检查日期", "检查人员",
                           "检查内容", "存在问题", "整改措施", "限期整改时间", "整改责任人", "回查人员", "回查日期",
                           "整改落实情况", "回查结果", "注：各行业主管部门可根据各自实际制定本行业安全生产督查表。"],
    "deadline-order": ["测试区应急管理局", "责令限期整改指令书", "经查，你单位存在下列问题：", "现责令你单位对上述第",
                       "日前整改完毕", "申请行政复议", "被检查单位负责人（签名）：", "（印章）"],
    "unit-registration": ["生产经营单位摸底登记表", "一、企业基本信息", "单位名称", "工商注册号", "注册资本（万元）",
                          "是否有重大危险源", "二、从业人员统计信息", "缴纳工伤保险人数", "三、安全管理机构信息",
                          "专（兼）职安全管理人员名单"],
    # The header tree, cell by cell, is read back by position in test_weekly_statistics.py.
    "weekly-statistics": ["镇（街道）、部门大排查大整治行动统计表", "填报单位（盖章）：", "集中行动开展情况", "执法情况",
                          "追责情况", "问责曝光工作不力情况", "（个）（项）", "主要负责人（签字）："],
    "major-hazard-list": ["非法违法生产经营行为、重大隐患统计表", "填报单位（盖章）：", "序号", "生产经营单位名称",
                          "核查单位", "企业类别", "重大隐患/具体非违法行为", "处理措施", "1", "8"],
}


@pytest.mark.parametrize("form", list(printing.FORMS))
def test_blank_forms_fit_one_page(demo, tmp_path, form):
    catalog, project, _ = demo
    pdf = tmp_path / f"{form}.pdf"
    pdf.write_bytes(printing.render_form(catalog, project, form))
    assert page_count(pdf) == 1
    annex = printing.ANNEXES.get(form)
    footer = f"{annex}　{printing.FORMS[form]}" if annex else printing.FORMS[form]
    assert_in_order(squeeze(page_text(pdf, 1)), *([annex] if annex else []), *FORM_TEXT[form], "第1页共1页",
                    squeeze(footer))
    assert re.search(rf"^Title:\s+{printing.FORMS[form]}$", poppler("pdfinfo", pdf), re.M)


def test_a_filled_list_prints_fewer_blank_rows_than_would_leave_the_signatures_alone(demo, tmp_path):
    """附件5 pads its rows to eight to write in; four tall rows and four blank ones would push the note and the
    signatures onto a second page of their own, so the blank rows that fit are printed, and no more."""
    catalog, project, _ = demo
    tall = "挂牌督办（区级）：" + "更换备用主要通风机电机，完成主备风机切换试验，" * 3 + "期限2024年4月30日"
    rows = [{"number": str(n), "unit": "晋城市金鑫煤业有限公司", "checking_unit": "区能源局", "township": "西上庄街道",
             "unit_type": "煤矿", "hazard": "主要通风机房备用通风机电机损坏，不能在10分钟内启动", "measure": tall}
            for n in range(1, 5)]
    pdf = tmp_path / "major.pdf"
    pdf.write_bytes(printing.render_form(catalog, project, "major-hazard-list", values={"rows": rows}))
    assert page_count(pdf) == 1
    text = squeeze(page_text(pdf, 1))
    blank = re.search(r"期限2024年4月30日(\d*)主要负责人（签字）：", text)  # blank rows from 5 on, then the signatures
    assert blank and 1 <= len(blank[1]) < 4 and "5678".startswith(blank[1]), text
    many = [dict(rows[0], number=str(n), measure="现场整改") for n in range(1, 4)]  # short rows: all eight printed
    pdf.write_bytes(printing.render_form(catalog, project, "major-hazard-list", values={"rows": many}))
    assert_in_order(squeeze(page_text(pdf, 1)), "分钟内启动45678主要负责人（签字）：")


def test_every_form_is_offered_on_the_command_line(capsys):
    with pytest.raises(SystemExit):
        cli.main(["print", "--help"])
    help_text = squeeze(capsys.readouterr().out)
    for form in printing.FORMS:
        assert form in help_text


# -- The batch and its cache -----------------------------------------------------------------


def test_print_all_renders_only_what_changed(demo, tmp_path, monkeypatch):
    catalog, project, _ = demo
    rendered: list[str] = []
    real = pdfs._render_job
    monkeypatch.setattr(pdfs, "_render_job", lambda shared, job: rendered.append(job.name) or real(shared, job))
    out, cache = tmp_path / "out", tmp_path / "cache"

    paths = pdfs.print_all(catalog, project, out, cache, jobs=1)
    expected = [out / "demo-self.pdf", out / "demo-long.pdf", *(out / "forms" / f"{f}.pdf" for f in printing.FORMS)]
    assert paths == expected
    assert sorted(rendered) == sorted(p.relative_to(out).as_posix() for p in expected)
    assert (out / "demo-self.pdf").read_bytes() == printing.render_checklist(catalog, project, "demo-self")

    rendered.clear()
    (out / "demo-self.pdf").unlink()
    assert pdfs.print_all(catalog, project, out, cache, jobs=1) == expected
    assert rendered == []  # nothing changed: everything comes from the cache
    assert (out / "demo-self.pdf").is_file()

    changed = evolve(catalog, checkpoints=tuple(
        evolve(c, what="瓦斯检查员是否持证上岗。") if c.id == "demo-gas-02" else c for c in catalog.checkpoints
    ))
    pdfs.print_all(changed, project, out, cache, jobs=1)
    assert sorted(rendered) == ["demo-long.pdf", "demo-self.pdf"]  # both list the changed checkpoint

    rendered.clear()
    pdfs.print_all(changed, evolve(project, config=evolve(project.config, department="另一个局")), out, cache, jobs=1)
    assert len(rendered) == len(expected)  # the department is printed on every PDF


def test_print_all_in_parallel_writes_the_same_files(demo, tmp_path):
    catalog, project, _ = demo
    serial = pdfs.print_all(catalog, project, tmp_path / "one", tmp_path / "cache1", jobs=1)
    parallel = pdfs.print_all(catalog, project, tmp_path / "two", tmp_path / "cache2", jobs=2)
    assert [p.read_bytes() for p in serial] == [p.read_bytes() for p in parallel]
    assert not list((tmp_path / "two").rglob(".*.tmp"))


# -- Errors ----------------------------------------------------------------------------------


@pytest.fixture
def cli_demo(monkeypatch, tmp_path):
    """The command line sees the demo sector only; the working folder has no site/."""
    content = make_content(tmp_path / "content")
    real = common.load_plugins
    monkeypatch.setattr(common, "load_plugins", lambda: real(environ={ENV_ALLOWLIST: ""}, extra={"demo": content.plugin()}))
    monkeypatch.chdir(tmp_path)
    return content


def run_print(capsys, *args: str) -> tuple[int, list[str]]:
    code = cli.main(["print", *args])
    return code, capsys.readouterr().err.splitlines()


def test_cli_prints_a_checklist_and_a_form(cli_demo, tmp_path, capsys):
    out = tmp_path / "demo-self.pdf"
    assert cli.main(["print", "demo-self", "-o", str(out), "--legal-basis"]) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    info = poppler("pdfinfo", out)
    assert re.search(r"^Title:\s+演示自查表$", info, re.M)
    assert not re.search(r"^Author:", info, re.M)  # the built-in defaults name no department
    assert "依据：" in squeeze(page_text(out, 1))
    form = tmp_path / "order.pdf"
    assert cli.main(["print", "--form", "deadline-order", "-o", str(form)]) == 0
    assert "责令限期整改指令书" in squeeze(page_text(form, 1))


def test_cli_unknown_checklist_suggests_one(cli_demo, tmp_path, capsys):
    assert run_print(capsys, "demo-slef", "-o", str(tmp_path / "x.pdf")) == (
        1, ["error: unknown checklist 'demo-slef'; did you mean 'demo-self'?"])
    assert run_print(capsys, "zzz", "-o", str(tmp_path / "x.pdf")) == (
        1, ["error: unknown checklist 'zzz'; installed: demo-self, demo-long"])
    assert not (tmp_path / "x.pdf").exists()


def test_cli_unknown_form(cli_demo, tmp_path, capsys):
    assert run_print(capsys, "--form", "nope", "-o", str(tmp_path / "x.pdf")) == (
        1, ["error: unknown form 'nope'; the forms are: supervision-record, deadline-order, unit-registration, "
               "weekly-statistics, major-hazard-list"])


def test_cli_unwritable_output(cli_demo, tmp_path, capsys):
    missing = tmp_path / "no" / "x.pdf"
    assert run_print(capsys, "demo-self", "-o", str(missing)) == (
        1, [f"error: cannot write {missing}: there is no folder '{missing.parent.as_posix()}'"])
    folder = tmp_path / "taken.pdf"
    folder.mkdir()
    assert run_print(capsys, "demo-self", "-o", str(folder)) == (
        1, [f"error: cannot write {folder}: it is a folder; give the name of the file to write in it "
            f"(-o {folder.as_posix()}/NAME)"])
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_cli_no_cjk_font(cli_demo, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(fonts, "_cjk_fonts", lambda: [])
    assert run_print(capsys, "demo-self", "-o", str(tmp_path / "x.pdf")) == (1, [
        "error: no font with Chinese glyphs is installed (fc-list :lang=zh finds none); "
        "install one with: apt-get install fonts-noto-cjk"
    ])
    assert not (tmp_path / "x.pdf").exists()


def test_no_cjk_font_detected_with_an_empty_fontconfig(tmp_path, monkeypatch):
    config = tmp_path / "fonts.conf"
    config.write_text('<?xml version="1.0"?><fontconfig><cachedir>' + str(tmp_path) + "</cachedir></fontconfig>")
    monkeypatch.setenv("FONTCONFIG_FILE", str(config))
    assert fonts._cjk_fonts() == []


def test_cli_checklist_without_items(cli_demo, tmp_path, capsys, monkeypatch):
    plugins, catalog = common.load_catalog()
    empty = evolve(catalog, checklists=tuple(evolve(c, checkpoints=()) for c in catalog.checklists))
    monkeypatch.setattr(common, "load_catalog", lambda: (plugins, empty))
    assert run_print(capsys, "demo-self", "-o", str(tmp_path / "x.pdf")) == (
        1, ["error: checklist 'demo-self' has no checkpoints; there is nothing to print"])
    assert not (tmp_path / "x.pdf").exists()
    with pytest.raises(printing.PrintError, match="has no checkpoints"):
        pdfs.print_all(empty, make_project(tmp_path), tmp_path / "out", tmp_path / "cache")
    assert not (tmp_path / "out").exists()


def test_missing_glyph_is_an_error_not_boxes(tmp_path, capsys):
    content = make_content(tmp_path / "demo")
    content.edit("checkpoints/01-gas.toml", "瓦斯检查存在漏检", "瓦斯检查𓀀存在漏检")
    catalog = catalog_of(demo=content.plugin())
    with pytest.raises(printing.PrintError) as info:
        printing.render_checklist(catalog, make_project(tmp_path), "demo-self")
    assert str(info.value) == (
        "no installed font has a glyph for '𓀀' (U+13000); the PDF would show boxes instead; "
        "install a font that has it, for Chinese: apt-get install fonts-noto-cjk"
    )
    assert capsys.readouterr().err == ""  # WeasyPrint's own warning is not printed as well


def test_unusable_harfbuzz_subset(monkeypatch):
    from weasyprint.text import ffi

    monkeypatch.setattr(ffi, "harfbuzz_subset", None)
    with pytest.raises(printing.PrintError) as info:
        printing.check_environment()
    assert str(info.value) == (
        "libharfbuzz-subset (HarfBuzz 4.1 or later) is not usable, so fonts cannot be subset; "
        "install it with: apt-get install libharfbuzz-subset0"
    )


def test_chinese_numbers():
    numbers = [printing.chinese_number(n) for n in (1, 9, 10, 11, 20, 21, 99)]
    assert numbers == ["一", "九", "十", "十一", "二十", "二十一", "九十九"]


#: Plans the built-in forms of an empty project, finds every one in the cache, and says whether WeasyPrint was loaded.
PLAN_FROM_CACHE = """
import sys
from pathlib import Path
from checkframe.catalog import build_catalog
from checkframe.plugins import load_plugins
from checkframe.publish import pdfs
from checkframe.publish.project import HandbookConfig, PrintConfig, Project

out = Path(sys.argv[1])
catalog = build_catalog(load_plugins())
project = Project(out / "project", HandbookConfig(title="t", department="d"), PrintConfig())
jobs = pdfs.print_jobs(catalog, project)
(out / "cache").mkdir()
for job in jobs:
    (out / "cache" / f"{job.key}.pdf").write_bytes(b"%PDF-1.7 cached")
pdfs.print_jobs(catalog, project, keys=False)
written = pdfs.print_all(catalog, project, out / "pdf", out / "cache")
print(len(written), "weasyprint" in sys.modules)
"""


def test_a_build_that_prints_nothing_does_not_load_weasyprint(tmp_path):
    """WeasyPrint takes a second or more to load; a build whose PDFs are all cached leaves it alone."""
    import os
    import sys

    env = {**os.environ, ENV_ALLOWLIST: ""}
    done = subprocess.run([sys.executable, "-c", PLAN_FROM_CACHE, str(tmp_path)], capture_output=True, text=True,
                          env=env, check=False)
    assert done.returncode == 0, done.stderr
    count, loaded = done.stdout.split()
    assert int(count) == len(pdfs.FORMS) and loaded == "False"
    assert (tmp_path / "pdf" / "forms" / f"{next(iter(pdfs.FORMS))}.pdf").read_bytes() == b"%PDF-1.7 cached"
