"""The core's remediation categories (现场整改, 限期整改, 挂牌督办), its production stop and its ledger rules."""

from pathlib import Path

from checkframe.hookspecs import hookimpl
from checkframe.model import FindingSource, HazardLevel


@hookimpl
def checkframe_register_content(register):
    register.content_dir(Path(__file__).parent / "content")


def self_found_major_hazard_reported(entry, ledger):
    """安全生产法 第四十一条第二款: a major hazard the unit found itself is reported to the department."""
    finding = entry.finding
    if finding.level is HazardLevel.MAJOR and finding.source is FindingSource.SELF and not finding.reported_to:
        ledger.overdue("自查发现的重大事故隐患未上报")


@hookimpl
def checkframe_register_ledger(register):
    register.stop_kind("production_stop", "停产停业整改", "《中华人民共和国安全生产法》第六十五条（三）")
    register.rule(self_found_major_hazard_reported)
