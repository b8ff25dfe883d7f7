"""附件4 as seed 004 lays it out: the header tree read back from the PDF, the units, and values under their headings."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from checkframe.model import WEEKLY_STATISTICS_COLUMNS
from checkframe.publish import printing
from checkframe.publish.fonts import PrintError
from checkframe.publish.project import HandbookConfig, PrintConfig, Project

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)")

#: Seed 004, 附件4: every header cell as (text, first column, last column), the columns counted from 检查组 = 0.
SEED_HEADER = [
    ("检查组", 0, 0),
    ("集中行动开展情况", 1, 4), ("一般隐患", 1, 2), ("排查", 1, 1), ("整改", 2, 2),
    ("重大隐患", 3, 4), ("排查", 3, 3), ("整改", 4, 4),
    ("执法情况", 5, 11), ("非法违法生产经营建设行为查处情况", 5, 6), ("排查", 5, 5), ("查处", 6, 6),
    ("责令限期整改企业", 7, 7), ("行政罚款", 8, 8), ("停产整顿", 9, 9), ("暂扣吊销证照", 10, 10), ("关闭取缔", 11, 11),
    ("追责情况", 12, 13), ("追究", 12, 13), ("党纪政纪处分", 12, 12), ("刑事责任", 13, 13),
    ("问责曝光工作不力情况", 14, 16), ("约谈通报", 14, 14), ("公开曝光", 15, 15), ("联合惩戒", 16, 16),
    ("典型案例（详另情报）", 17, 17),
]
SEED_UNITS = "（个）（项）（项）（项）（项）（项）（项）（项）（万）（家）（个）（家）（人）（人）（家）（家）（家）（个）"

WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def words(pdf: Path) -> list[tuple[float, float, float, str]]:
    """Every word of the first page: x-centre, top, bottom, text."""
    out = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    return [((float(a) + float(c)) / 2, float(b), float(d), text) for a, b, c, d, text in WORD.findall(out)]


def cells(found: list[tuple[float, float, float, str]]) -> list[tuple[float, str]]:
    """Words joined into the cells they were wrapped in: centred lines, one under the other."""
    joined: list[list[tuple[float, float, float, str]]] = []
    for word in sorted(found, key=lambda w: (w[1], w[0])):
        for cell in joined:
            last = cell[-1]
            if abs(last[0] - word[0]) < 6 and 0 < word[1] - last[1] < 11:
                cell.append(word)
                break
        else:
            joined.append([word])
    return [(sum(w[0] for w in cell) / len(cell), "".join(w[3] for w in cell)) for cell in joined]


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    project = Project(Path("."), HandbookConfig(title="手册", department="测试区应急管理局"), PrintConfig())
    row = {c.key: str(10 + i) for i, c in enumerate(WEEKLY_STATISTICS_COLUMNS)}
    row["group"] = "北石店镇"
    total = {**row, "group": "合计"}
    path = tmp_path_factory.mktemp("weekly") / "weekly-statistics.pdf"
    path.write_bytes(printing.render_form(None, project, "weekly-statistics", values={"rows": [row, total]}))
    return path


def test_the_header_tree_and_units_are_the_seeds_and_values_sit_under_their_headings(filled):
    found = words(filled)
    units = sorted((w for w in found if re.fullmatch(r"（.）", w[3])), key=lambda w: w[0])
    assert "".join(w[3] for w in units) == SEED_UNITS
    centre = [w[0] for w in units]
    top_of_units = units[0][1]
    meta = max(w[2] for w in found if w[3].startswith("填报单位"))
    header = cells([w for w in found if w[2] <= top_of_units and w[1] > meta])  # below the title and the meta line
    for text, first, last in SEED_HEADER:
        middle = (centre[first] + centre[last]) / 2
        assert any(t == text and abs(x - middle) < 4 for x, t in header), (text, middle, header)
    assert len(header) == len(SEED_HEADER), sorted(t for _, t in header)
    # One row of values 10, 11, ... 27 in column order: each under its own unit.
    for i, x in enumerate(centre[1:], start=1):
        assert any(t == str(10 + i) and abs(wx - x) < 4 for wx, _, _, t in found), (i, x)


def test_the_template_and_the_values_follow_one_column_list():
    keys = [c.key for c in WEEKLY_STATISTICS_COLUMNS]
    rows = printing.header_rows(WEEKLY_STATISTICS_COLUMNS)
    leaves = [cell["key"] for row in rows for cell in row if cell["key"]]
    assert sorted(leaves) == sorted(keys)
    assert sum(cell["colspan"] for cell in rows[0]) == len(keys)


def test_a_row_with_a_column_the_form_lacks_is_refused():
    project = Project(Path("."), HandbookConfig(title="手册", department="测试区应急管理局"), PrintConfig())
    with pytest.raises(PrintError) as info:
        printing.form_context(project, "weekly-statistics", {"rows": [{"group": "甲"}, {"group": "乙", "fine": 3}]})
    assert str(info.value).startswith(
        "weekly-statistics: rows[1]: unknown column 'fine'; did you mean 'fines'? (the columns are group, general_found,"
    )
