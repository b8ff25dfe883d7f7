"""A ledger store for the ledger wing's tests: the demo catalog, units and records written as a department would."""

from __future__ import annotations

import datetime as dt
import tempfile
import textwrap
from pathlib import Path

from checkframe.ledger.ledger import build_ledger
from doubles import ContentDir, catalog_of

D = dt.date

#: The worked example of the repository.
EXAMPLE = Path(__file__).parent.parent / "examples" / "ledger"


def demo_catalog(*others: ContentDir):
    """The demo sector: demo-gas-01 (major), demo-gas-02 (general), checklist demo-self."""
    with tempfile.TemporaryDirectory() as tmp:
        plugins = {"demo": ContentDir(Path(tmp) / "demo").plugin()}
        plugins.update({o.sector: o.plugin() for o in others})
        return catalog_of(**plugins)


CATALOG = demo_catalog()

UNIT = """
name = "{name}"
township = "{township}"
sector = "demo"
unit_type = "工贸企业"
"""

HEAD = """
unit = "{unit}"
date = {date}
kind = "supervision"
checklist = "demo-self"
checking_unit = "区应急管理局"
"""

#: A general hazard under a deadline fix, and a major hazard under listed supervision.
FOUND = """
[[finding]]
id = "f-1"
checkpoint = "demo-gas-02"
description = "瓦斯检查员无证上岗"
level = "general"

[finding.remediation]
category = "deadline"
deadline = 2024-03-15
order_number = "〔2024〕3号"
responsible_person = "张三"
measures = "持证上岗"

[[finding]]
id = "f-2"
checkpoint = "demo-gas-01"
description = "瓦斯漏检"
level = "major"

[finding.remediation]
category = "listed_supervision"
supervision_level = "district"
lead_unit = "区应急管理局"
notice_number = "区安督〔2024〕1号"
notice_date = 2024-03-01
responsible_person = "李四"
measures = "配齐瓦斯检查员"
funds = "5万元"
deadline = 2024-04-30
contingency_plan = "停止采掘作业"
"""


#: A deadline fix (f-1 of FOUND) escalated to a major hazard under listed supervision by a township.
ESCALATE = """
[[escalate]]
finding = "f-1"
level = "major"
reason = "逾期未整改"

[escalate.remediation]
category = "listed_supervision"
supervision_level = "township"
lead_unit = "北石店镇"
notice_number = "镇安督〔2024〕2号"
notice_date = {date}
responsible_person = "{person}"
measures = "{measures}"
funds = "1万元"
deadline = 2024-04-30
contingency_plan = "停止作业"
"""


def escalation(date: str, person: str = "张三", measures: str = "持证上岗") -> str:
    """ESCALATE with its notice dated ``date`` (ISO) and its responsible person and measures."""
    return ESCALATE.format(date=date, person=person, measures=measures)


class Store:
    """A ledger folder in a temporary directory: units/*.toml and records/*.toml."""

    def __init__(self, root: Path, jobs: int | None = None) -> None:
        self.root = root
        #: Processes reading the records: 1 in this process, more in a forked pool (None: build_ledger decides).
        self.jobs = jobs
        (root / "records").mkdir(parents=True)
        self.unit("acme", "恒泰五金", "北石店镇")
        self.unit("beta", "金鑫煤业", "西上庄街道")

    def unit(self, ident: str, name: str, township: str, text: str = UNIT) -> None:
        path = self.root / "units" / f"{ident}.toml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(textwrap.dedent(text).format(name=name, township=township), encoding="utf-8")

    def record(self, name: str, body: str = "", unit: str = "acme", date: str = "2024-03-01") -> Path:
        path = self.root / "records" / name
        head = HEAD.format(unit=unit, date=date)
        path.write_text(head + textwrap.dedent(body), encoding="utf-8")
        return path

    def ledger(self, as_of: dt.date = D(2024, 3, 31)):
        return build_ledger(self.root, CATALOG, as_of, jobs=self.jobs)

    def problems(self, as_of: dt.date = D(2024, 3, 31)) -> list[str]:
        return [str(p) for p in self.ledger(as_of).problems]

    def states(self, as_of: dt.date = D(2024, 3, 31)) -> dict[str, str]:
        ledger = self.ledger(as_of)
        assert [str(p) for p in ledger.problems] == []
        return {
            ident: e.finding.state.value + (" overdue" if ledger.overdue(e) else "")
            for ident, e in ledger.entries.items()
        }
