"""Every PDF the repository ships, read back as a reader would: the example handbook's checklists and forms and
the worked ledger example's filled forms (both printed once per session, tests/conftest.py).

What an enterprise signs and a department stamps carries no internal code, no editors' note, no signature page
without the rows it signs for; every PDF is tagged for assistive technology.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from checkframe.model import ID_SHAPED

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

#: What an editor writes for maintainers, never for an inspector: the phrases the plugins' notes used.
EDITORIAL = ("未读到", "原文不完整", "原文不全", "未能辨认", "判定前请对照", "（待核实）", "未经核实", "按来源",
             "推定", "编辑性", "插件", "检查项id")
#: A web address (the QR code's, printed under it); it may carry an id in its path, as every address does.
URL = re.compile(r"https?://[\x21-\x7e]+")


def pdf_text(pdf: Path, *pages: int) -> str:
    args = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    return subprocess.run(["pdftotext", "-layout", *args, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


@pytest.fixture(scope="module")
def shipped(example_pdfs, example_forms) -> list[Path]:
    pdfs = sorted(example_pdfs.rglob("*.pdf")) + sorted(example_forms.rglob("*.pdf"))
    assert len(pdfs) > 30
    return pdfs


def test_no_pdf_carries_an_id_or_an_editors_phrase(shipped):
    for pdf in shipped:
        text = URL.sub("", re.sub(r"\s+", "", pdf_text(pdf)))
        assert ID_SHAPED.findall(text) == [], pdf.name
        assert [p for p in EDITORIAL if p in text] == [], pdf.name


def test_every_pdf_is_tagged(shipped):
    for pdf in shipped:
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"^Tagged:\s+yes$", info, re.M), pdf.name


def test_no_checklist_ends_with_a_page_of_signatures_only(example_pdfs):
    checklists = sorted(example_pdfs.glob("*.pdf"))
    assert checklists
    for pdf in checklists:
        last = pdf_text(pdf, page_count(pdf))
        assert "谁检查、谁签名、谁负责。" in last, pdf.name
        assert re.search(r"^\s*\d+\s+\S", last, re.M), f"{pdf.name}: the signed page holds no numbered row"


@pytest.mark.parametrize("name", ["major-hazard-list.pdf", "weekly-statistics.pdf"])
def test_the_filled_reports_sign_on_a_page_with_rows(example_forms, name):
    """附件4 and 附件5 from the worked example: the signatures share their page with rows of the table."""
    pdf = example_forms / name
    last = pdf_text(pdf, page_count(pdf))
    assert "主要负责人（签字）" in last
    header = "序号" if name.startswith("major") else "检查组"
    assert header in last, f"{name}: the signed page has no table"
    assert re.search(r"^\s*(\d+|合计)\s", last, re.M), f"{name}: the signed page holds no row of the table"


def test_the_example_checklists_carry_the_qr_code_of_their_page(example_pdfs):
    text = re.sub(r"\s+", "", pdf_text(example_pdfs / "general-self.pdf", 1))
    assert "扫码查看在线版：" in text and "https://checkframe.example.org/checklist/general-self.html" in text


def test_no_character_alone_on_the_last_line_of_an_item(example_pdfs):
    """Known case: 持证上岗。 ended on a line of its own (岗。) in general-self, before #17 reworded the item."""
    for pdf in sorted(example_pdfs.glob("*.pdf")):
        for line in pdf_text(pdf).splitlines():
            assert not re.fullmatch(r"\s{6,}[\u4e00-\u9fff][。；，]?\s*", line), (pdf.name, line)
