"""checkframe sector plugin: 煤矿 (coal mines).

Besides its content, the plugin holds coal's own rule (every major hazard is
one that the 判定标准 or 条例第三十六条 lists) and the list of major hazards
that district departments upload to the provincial system, as a CSV file in
every handbook and as ``checkframe coal-mine-major-hazards``; and two ledger
rules: a major hazard stops production (条例第三十六条), and resumption is
accepted within 20 days of the application (条例第四十八条第二款).  It also adds the coal
department's own supervision form, 煤矿安全生产督查表 (``checkframe print --form
coal-mine-supervision-form``, linked from the sector's handbook page): seed 004 lets each sector
department make its own (附件3, 注), and this one adds the coal focus items of the seed.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
from pathlib import Path

from checkframe import Catalog, HazardLevel, hookimpl

CONTENT = Path(__file__).parent / "content"
SECTOR = "coal_mine"

#: What lists the coal mines' major hazards, by document id: 煤矿重大事故隐患判定标准 as a whole, and
#: 煤矿安全生产条例 in its article 第三十六条.  A coal major hazard that neither lists is not one.
MAJOR_HAZARD_LISTS = {"mem-order-4-2020": "", "coal-mine-safety-regulation-2024": "第三十六条"}

#: Where the handbook holds the list of major hazards for the provincial system.
EXPORT_PATH = "exports/coal_mine-major-hazards.csv"
EXPORT_HEADER = ("序号", "检查项标识", "重大事故隐患", "判定依据", "检查内容")

#: The stop kind of a coal mine: 停产整顿 (the remediation category of the same code routes the fix).
STOP_KIND = "coal_production_stop"

#: The coal department's own 督查表 (seed 004, 附件3 注): the rows of 附件3 and the coal focus items.
SUPERVISION_FORM = "coal-mine-supervision-form"
SUPERVISION_FIELDS = {
    "reporter": "填报单位", "date": "填报日期", "unit": "检查煤矿", "checked_on": "检查日期", "inspectors": "检查人员",
    "contracts": "电煤中长期合同签订及履约情况", "approval": "按批准的设计和规程施工情况",
    "working_faces": "回采工作面个数", "production_plan": "生产计划与均衡生产",
    "problems": "存在问题", "measures": "整改措施", "deadline": "限期整改时间", "responsible_person": "整改责任人",
    "rechecker": "回查人员", "rechecked_on": "回查日期", "done": "整改落实情况", "recheck_result": "回查结果",
}

#: 《煤矿安全生产条例》第四十八条第二款: the acceptance check is finished within 20 days of the application.
ACCEPTANCE_DAYS = 20


@hookimpl
def checkframe_register_content(register):
    register.content_dir(CONTENT)


@hookimpl
def checkframe_register_forms(forms):
    forms.form(SUPERVISION_FORM, Path(__file__).parent / "forms" / f"{SUPERVISION_FORM}.html",
               title="煤矿安全生产督查表", fields=SUPERVISION_FIELDS)


@hookimpl
def checkframe_catalog_built(catalog, report):
    for checkpoint in catalog.sector_checkpoints(SECTOR):
        if checkpoint.level is not HazardLevel.MAJOR:
            continue
        if not any(b.document in MAJOR_HAZARD_LISTS and MAJOR_HAZARD_LISTS[b.document] in ("", b.article)
                   for b in checkpoint.basis):
            report(f"{checkpoint.id}: a coal major hazard must cite the article that lists it, in "
                   "煤矿重大事故隐患判定标准 (document mem-order-4-2020) or 煤矿安全生产条例第三十六条 "
                   "(document coal-mine-safety-regulation-2024, article 第三十六条); cite one, "
                   'or make it level = "general"')


def major_hazards_csv(catalog: Catalog) -> str:
    """The coal mines' major hazards, one row each, as the provincial system imports them (UTF-8 with a BOM).

    判定依据 lists the citations of the 判定标准 and the 条例 only (:data:`MAJOR_HAZARD_LISTS`).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    major = [c for c in catalog.sector_checkpoints(SECTOR) if c.level is HazardLevel.MAJOR]
    for number, checkpoint in enumerate(major, 1):
        # 判定依据: the standard and the 条例 only; a campaign that also names the hazard decides nothing.
        basis = "；".join(f"《{catalog.document(b.document).title}》{b.cited()}" for b in checkpoint.basis
                         if b.document in MAJOR_HAZARD_LISTS)
        writer.writerow((number, checkpoint.id, checkpoint.title, basis, " ".join(checkpoint.what.split())))
    return "\ufeff" + out.getvalue()


@hookimpl
def checkframe_pages_rendered(files, catalog, project):
    if SECTOR in project.sector_ids(catalog):
        files.add(EXPORT_PATH, major_hazards_csv(catalog))


def _export(args: argparse.Namespace) -> int:
    from checkframe.cli import common

    _, catalog = common.load_catalog()
    text = major_hazards_csv(catalog)
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        common.write_file(Path(args.output), text)
        print(f"wrote {args.output}")
    return 0


@hookimpl
def checkframe_register_commands(commands):
    parser = commands.command(
        "coal-mine-major-hazards", _export,
        "Write the coal mines' major hazards as CSV, as the provincial system imports them.",
    )
    parser.add_argument("-o", "--output", metavar="FILE.csv", help="write to FILE.csv instead of standard output")
def major_hazard_stops_production(entry, ledger):
    """《煤矿安全生产条例》第三十六条: a coal mine with a major hazard stops production in the affected area."""
    finding = entry.finding
    if finding.level.value == "major" and finding.kind.value == "hazard" and finding.stop is None:
        ledger.problem(
            "依照《煤矿安全生产条例》第三十六条，煤矿存在重大事故隐患的，应当立即停止受影响区域生产、建设；"
            f'请随隐患记录停产：[finding.stop] kind = "{STOP_KIND}"，scope = "partial"（局部）或 "full"（全部）'
        )


def resumption_accepted_within_20_days(entry, ledger):
    """《煤矿安全生产条例》第四十八条第二款: the department finishes the acceptance check within 20 days."""
    resumption = entry.finding.resumption
    if resumption is None:
        return
    due = resumption.applied + dt.timedelta(days=ACCEPTANCE_DAYS)
    checked = resumption.inspected or ledger.as_of
    if checked > due:
        ledger.overdue(f"复产验收超过{ACCEPTANCE_DAYS}日（{resumption.applied.isoformat()}申请）")


@hookimpl
def checkframe_register_ledger(register):
    register.stop_kind(STOP_KIND, "停产整顿", "《煤矿安全生产条例》第三十六条、第四十八条第二款")
    register.rule(major_hazard_stops_production, sector="coal_mine")
    register.rule(resumption_accepted_within_20_days, sector="coal_mine")
