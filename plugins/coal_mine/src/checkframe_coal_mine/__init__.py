"""checkframe sector plugin: 煤矿 (coal mines)."""

import datetime as dt
from pathlib import Path

from checkframe import hookimpl

CONTENT = Path(__file__).parent / "content"

#: The stop kind of a coal mine: 停产整顿 (the remediation category of the same code routes the fix).
STOP_KIND = "coal_production_stop"

#: 《煤矿安全生产条例》第四十八条第二款: the acceptance check is finished within 20 days of the application.
ACCEPTANCE_DAYS = 20


@hookimpl
def checkframe_register_content(register):
    register.content_dir(CONTENT)


def major_hazard_stops_production(entry, ledger):
    """《煤矿安全生产条例》第三十六条: a coal mine with a major hazard stops production in the affected area."""
    finding = entry.finding
    if finding.level.value == "major" and finding.kind.value == "hazard" and finding.stop is None:
        ledger.problem(
            "《煤矿安全生产条例》第三十六条: a coal mine's major hazard stops production in the affected area "
            f'(立即停止受影响区域生产、建设); record a stop with it: [finding.stop] kind = "{STOP_KIND}", '
            'scope = "partial" or "full"'
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
