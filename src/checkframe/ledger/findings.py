"""Findings and the closed loop: 排查 → 整改 → 回查 → 复核验收 → 销号.

A :class:`Finding` is a hazard found in an inspection.  It moves forward along
the loop only through the functions below, each of which checks the rules of
DOMAIN.md and raises :class:`LoopError` when a move is not allowed:

====================  ==========================  ===========================
function              from                        to
====================  ==========================  ===========================
:func:`remediate`     open                        fixing
:func:`escalate`      fixing, past its deadline   fixing, by the new route
:func:`report_fixed`  fixing                      awaiting_recheck
:func:`recheck`       awaiting_recheck            accepted (passed) or fixing (failed)
:func:`close`         accepted                    closed
====================  ==========================  ===========================

Alongside its route, a major hazard may carry a production stop
(:func:`stop`, 停产停业整改); production resumes only by :func:`resume`
(申请, 验收, 同意).  A major hazard is closed only after a passed recheck by
the department and with an approver (seeds 004 四（三）3, 002 审核把关销号).

A deadline that passes before acceptance makes a finding overdue
(:func:`is_overdue`).
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
import operator
from typing import Any

import attrs
from attrs import field, frozen

from checkframe.ledger.messages import labelled, near, quoted, words
from checkframe.model import (
    UNRESOLVED,
    EnforcementMeasure,
    FindingKind,
    FindingSource,
    FindingState,
    HazardLevel,
    Invalid,
    RemediationCategory,
    RequiredField,
    StopScope,
    SupervisionLevel,
    check_id,
)

__all__ = [
    "UNRESOLVED",
    "Enforcement",
    "Finding",
    "FindingState",
    "LoopError",
    "Recheck",
    "Remediation",
    "Resumption",
    "Stop",
    "close",
    "escalate",
    "is_overdue",
    "level_on",
    "missing_fields",
    "recheck",
    "remediate",
    "report_fixed",
    "resume",
    "route_on",
    "routes",
    "stop",
]


def quick_pickle(cls: Any) -> Any:
    """Pickle an attrs class's instances as a tuple of their fields, set again from C: about twice as fast.

    attrs gives a slotted class a ``__getstate__`` building a dict and a ``__setstate__`` looping over it in
    Python; the ledger's cache unpickles tens of thousands of findings a run, so its classes take these
    (the same fields, in field order; the cache's version digest covers this module).
    """
    names = tuple(a.name for a in attrs.fields(cls))
    get = operator.attrgetter(*names)
    bind = object.__setattr__.__get__
    drain = collections.deque

    def getstate(self: Any) -> tuple[Any, ...]:
        got = get(self)
        return got if len(names) > 1 else (got,)

    def setstate(self: Any, state: tuple[Any, ...]) -> None:
        drain(map(bind(self), names, state), 0)

    cls.__getstate__ = getstate
    cls.__setstate__ = setstate
    return cls


class LoopError(Invalid):
    """A move that the closed loop forbids; the message is in Chinese (:mod:`checkframe.ledger.messages`)."""

    def __init__(self, code: str, finding: Finding, **values: Any) -> None:
        super().__init__(words(code, id=quoted(finding.id), **values))


def _levels(category: RemediationCategory) -> str:
    return "、".join(level.label for level in category.levels)


def _category(category: RemediationCategory) -> str:
    return f"{category.name}（{category.code}）"


@quick_pickle
@frozen
class Remediation:
    """整改: how a finding is to be fixed, by one remediation category."""

    #: The :class:`~checkframe.model.RemediationCategory` code.
    category: str
    deadline: dt.date | None = None
    order_number: str = ""
    supervision_level: SupervisionLevel | None = None
    responsible_person: str = ""
    measures: str = ""
    funds: str = ""
    contingency_plan: str = ""
    #: 挂牌督办: 牵头单位 or 属地镇（街道） that follows the hazard.
    lead_unit: str = ""
    #: 挂牌督办: the number of the supervision notice (督办通知书).
    notice_number: str = ""
    #: 挂牌督办: the date it was listed.
    notice_date: dt.date | None = None


#: The stop kind of the core: 停产停业整改 (安全生产法 第六十五条（三）; 16号令 第三条 defines a major hazard as
#: one that needs a full or partial stop).  Sector plugins add their own through ``checkframe_register_ledger``.
PRODUCTION_STOP = "production_stop"


@quick_pickle
@frozen
class Stop:
    """停产停业整改: production stopped, fully or in part, until a major hazard is removed."""

    #: A stop kind: :data:`PRODUCTION_STOP` or one that a sector plugin registers (coal's 停产整顿).
    kind: str = PRODUCTION_STOP
    scope: StopScope = StopScope.FULL
    #: The order that stopped production (责令停产停业整改指令书 or 现场处理措施决定书), when there is one.
    order_number: str = ""
    date: dt.date | None = None
    note: str = ""


@quick_pickle
@frozen
class Resumption:
    """恢复生产: an application after a stop, its acceptance check (验收) and who agreed (同意)."""

    #: 申请: when the unit applied to resume.
    applied: dt.date
    #: 验收: when the department checked the application; None while not yet done.
    inspected: dt.date | None = None
    #: 同意: who agreed that production resumes; blank while not agreed.
    approved_by: str = ""
    note: str = ""


@quick_pickle
@frozen
class Enforcement:
    """What was done against an illegal operation (非法违法生产经营建设行为): 附件4's enforcement columns."""

    measures: tuple[EnforcementMeasure, ...] = ()
    #: 行政罚款 in 万元, with the fine measure.
    fine: float = 0.0
    #: The decision (行政处罚决定书) number, when there is one.
    decision_number: str = ""


@quick_pickle
@frozen
class Recheck:
    """回查: a later visit that confirms a fix, or does not."""

    date: dt.date
    passed: bool
    by: str = ""
    note: str = ""
    #: True when the department rechecked (a supervision record), not the unit itself.
    department: bool = False


@quick_pickle
@frozen
class Finding:
    """事故隐患: a failure found at a checkpoint, and its way through the loop."""

    id: str = field(validator=lambda _i, a, v: check_id(v, a.name))
    checkpoint: str
    description: str
    level: HazardLevel
    found_on: dt.date
    state: FindingState = FindingState.OPEN
    remediation: Remediation | None = None
    fixed_on: dt.date | None = None
    rechecks: tuple[Recheck, ...] = ()
    accepted_on: dt.date | None = None
    closed_on: dt.date | None = None
    source: FindingSource = FindingSource.SUPERVISION
    kind: FindingKind = FindingKind.HAZARD
    #: Why the level differs from the checkpoint's, when it does.
    level_reason: str = ""
    enforcement: Enforcement | None = None
    stop: Stop | None = None
    resumption: Resumption | None = None
    #: The unit set its own fix (a self-inspection): no 指令书 is issued, so no order number is needed.
    self_set: bool = False
    #: 上报: to whom and when a self-found major hazard was reported (安全生产法 第四十一条第二款).
    reported_to: str = ""
    reported_on: dt.date | None = None
    #: The routes it had before an escalation, and when each was left.
    escalated: tuple[tuple[dt.date, Remediation], ...] = ()
    #: 销号 approved by (审核把关).
    approver: str = ""
    #: When its first route was set: the date found, or that of a later [[remediate]] (None: no route yet).
    remediated_on: dt.date | None = None
    #: The levels it had before an escalation regraded it, and when each was left.
    regraded: tuple[tuple[dt.date, HazardLevel], ...] = ()


_FINDING_FIELDS = tuple(a.name for a in attrs.fields(Finding))
_FINDING_NAMES = frozenset(_FINDING_FIELDS)


def _make_evolve() -> Any:
    # One line a field, as attrs writes its own __init__; each field set through its slot's own setter,
    # which a frozen class leaves alone: about twice as fast as a loop, and a third faster than
    # object.__setattr__.
    lines = ["def evolve(finding, /, **changes):",
             "    if not changes.keys() <= names:",
             "        raise TypeError(f'Finding has no field {sorted(changes.keys() - names)[0]!r}')",
             "    moved = new(Finding)"]
    lines += [f"    set_{name}(moved, changes[{name!r}] if {name!r} in changes else finding.{name})"
              for name in _FINDING_FIELDS]
    lines.append("    return moved")
    scope = {"names": _FINDING_NAMES, "new": object.__new__, "Finding": Finding}
    scope.update({f"set_{name}": Finding.__dict__[name].__set__ for name in _FINDING_FIELDS})
    exec("\n".join(lines), scope)  # code made from the class's own field names
    return scope["evolve"]


_evolve = _make_evolve()


def evolve(finding: Finding, **changes: Any) -> Finding:
    """``attrs.evolve`` for a finding, without its generic machinery (a move makes one on every event).

    The only validated field, the id, is never changed by a move, so it is not validated again.
    """
    moved: Finding = _evolve(finding, **changes)
    return moved


def missing_fields(remediation: Remediation, category: RemediationCategory) -> list[RequiredField]:
    """The fields that ``category`` requires and ``remediation`` leaves empty."""
    return [required for required, name in _named(category.requires) if getattr(remediation, name) in (None, "")]


@functools.cache
def _named(requires: tuple[RequiredField, ...]) -> tuple[tuple[RequiredField, str], ...]:
    """Each required field with its attribute's name (an enum's value is looked up slowly, and on every move)."""
    return tuple((required, required.value) for required in requires)


def _missing(finding: Finding, remediation: Remediation, category: RemediationCategory) -> list[RequiredField]:
    missing = missing_fields(remediation, category)
    if finding.self_set:  # the unit's own fix: no 指令书
        missing = [m for m in missing if m is not RequiredField.ORDER_NUMBER]
    return missing


#: The loop's states in order, and the move a clerk records to leave each for the next.
_ORDER = tuple(FindingState)
_STEPS = {FindingState.OPEN: "step_remediate", FindingState.FIXING: "step_fixed",
          FindingState.AWAITING_RECHECK: "step_recheck"}


def _expect(finding: Finding, move: str, *states: FindingState) -> None:
    """``move`` (what the clerk reads: 销号, 回查, ...) is allowed only in ``states``; else say how to get there."""
    if finding.state not in states:
        raise LoopError("state", finding, state=finding.state.label, move=move,
                        allowed="”或“".join(s.label for s in states), hint=_hint(finding, states))


def _hint(finding: Finding, states: tuple[FindingState, ...]) -> str:
    """The moves to record first (回查 needs [[fixed]], 销号 a passed [[recheck]]), or that this one comes too late."""
    here, there = _ORDER.index(finding.state), min(_ORDER.index(s) for s in states)
    if here > there:
        return words("hint_escalate" if states == (FindingState.OPEN,) else "hint_past")
    steps = [words(_STEPS[state], id=quoted(finding.id)) for state in _ORDER[here:there]]
    return words("hint", steps=words("hint_then").join(steps))


def remediate(
    finding: Finding, remediation: Remediation, category: RemediationCategory, on: dt.date | None = None
) -> Finding:
    """Assign the route by which an open finding is fixed, on ``on`` (the day it was found when not given).

    The category must serve the finding's hazard level (an on-site fix is for
    general hazards only) and every field it requires must be filled.
    """
    _expect(finding, "指定整改方式", FindingState.OPEN)
    if remediation.category != category.code:
        raise LoopError("category_mismatch", finding, named=quoted(remediation.category), given=quoted(category.code))
    if finding.level not in category.levels:
        raise LoopError("category_level", finding, category=_category(category), levels=_levels(category),
                        level=finding.level.label)
    _check_route(finding, remediation, category, finding.found_on)
    return evolve(finding, state=FindingState.FIXING, remediation=remediation, remediated_on=on or finding.found_on)


def _check_route(finding: Finding, remediation: Remediation, category: RemediationCategory, since: dt.date) -> None:
    missing = _missing(finding, remediation, category)
    if missing:
        raise LoopError("required", finding, category=_category(category),
                        fields="、".join(labelled(m) for m in missing))
    if remediation.deadline is not None and remediation.deadline < since:
        raise LoopError("deadline_early", finding, deadline=remediation.deadline, since=since)


def escalate(finding: Finding, remediation: Remediation, category: RemediationCategory, on: dt.date,
             level: HazardLevel | None = None) -> Finding:
    """Escalate a fix that is past its deadline to a graver route (挂牌督办, a stop category).

    ``level`` regrades the finding at the same time (a general hazard that could not be fixed in time
    and is now treated as major); the new route must serve the finding's level.
    """
    _expect(finding, "升级整改方式", FindingState.FIXING)
    old = finding.remediation
    if old is None or old.deadline is None or not on > old.deadline:
        deadline = (words("its_deadline", deadline=old.deadline) if old is not None and old.deadline
                    else words("no_deadline"))
        raise LoopError("not_past_deadline", finding, on=on, deadline=deadline)
    if remediation.category != category.code:
        raise LoopError("category_mismatch", finding, named=quoted(remediation.category), given=quoted(category.code))
    graded = evolve(finding, level=level or finding.level)
    if graded.level not in category.levels:
        raise LoopError("escalate_level", finding, category=_category(category), levels=_levels(category),
                        level=graded.level.label)
    _check_route(graded, remediation, category, on)
    regraded = finding.regraded if graded.level is finding.level else (*finding.regraded, (on, finding.level))
    return evolve(graded, remediation=remediation, escalated=(*finding.escalated, (on, old)), regraded=regraded)


def stop(finding: Finding, order: Stop, stop_kinds: dict[str, str]) -> Finding:
    """停产停业整改 alongside the finding's route: only for a major hazard, once, before acceptance.

    ``stop_kinds`` maps the stop kinds known (the core's and the sector plugins') to their names.
    """
    _expect(finding, "责令停产停业整改", FindingState.OPEN, FindingState.FIXING, FindingState.AWAITING_RECHECK)
    if finding.level is not HazardLevel.MAJOR:
        raise LoopError("stop_level", finding, level=finding.level.label)
    if order.kind not in stop_kinds:
        kinds = "、".join(f"{code}（{name}）" for code, name in stop_kinds.items())
        raise LoopError("stop_kind", finding, kind=quoted(order.kind),
                        near=near(order.kind, stop_kinds, words("stop_kinds", kinds=kinds)))
    if finding.stop is not None:
        raise LoopError("stopped", finding, date=finding.stop.date)
    return evolve(finding, stop=order)


def resume(finding: Finding, resumption: Resumption) -> Finding:
    """恢复生产: an application after a stop; once inspected and agreed, only when the hazard is accepted.

    A later resumption event replaces an earlier one (the application, then its acceptance check).
    """
    if finding.stop is None:
        raise LoopError("resume_no_stop", finding)
    if finding.stop.date is not None and resumption.applied < finding.stop.date:
        raise LoopError("resume_early", finding, applied=resumption.applied, stopped=finding.stop.date)
    if resumption.inspected is not None:
        if resumption.inspected < resumption.applied:
            raise LoopError("inspected_early", finding, inspected=resumption.inspected, applied=resumption.applied)
        if not resumption.approved_by:
            raise LoopError("resume_approver", finding)
        if finding.state not in (FindingState.ACCEPTED, FindingState.CLOSED):
            raise LoopError("resume_state", finding, state=finding.state.label)
    return evolve(finding, resumption=resumption)


def report(finding: Finding, to: str, on: dt.date) -> Finding:
    """上报: the unit reports a hazard it found itself to the department."""
    if not to:
        raise LoopError("report_to", finding)
    return evolve(finding, reported_to=to, reported_on=on)


def report_fixed(finding: Finding, on: dt.date) -> Finding:
    """The unit reports the fix done; the finding waits for a recheck."""
    _expect(finding, "报告整改完成", FindingState.FIXING)
    if on < finding.found_on:
        raise LoopError("fixed_early", finding, on=on, found=finding.found_on)
    return evolve(finding, state=FindingState.AWAITING_RECHECK, fixed_on=on)


def recheck(finding: Finding, result: Recheck) -> Finding:
    """Record a recheck: a pass accepts the fix, a failure sends it back to fixing."""
    _expect(finding, "回查", FindingState.AWAITING_RECHECK)
    if finding.fixed_on is not None and result.date < finding.fixed_on:
        raise LoopError("recheck_early", finding, on=result.date, fixed=finding.fixed_on)
    rechecks = (*finding.rechecks, result)
    if result.passed:
        return evolve(
            finding, state=FindingState.ACCEPTED, rechecks=rechecks, accepted_on=result.date
        )
    return evolve(finding, state=FindingState.FIXING, rechecks=rechecks, fixed_on=None)


def close(finding: Finding, on: dt.date, approver: str = "") -> Finding:
    """销号: strike an accepted finding off the ledger.

    A major hazard needs its last passed recheck made by the department (a
    supervision record, not the unit's own) and an approver.
    """
    _expect(finding, "销号", FindingState.ACCEPTED)
    if finding.accepted_on is not None and on < finding.accepted_on:
        raise LoopError("close_early", finding, on=on, accepted=finding.accepted_on)
    if finding.level is HazardLevel.MAJOR:
        if not finding.rechecks[-1].department:
            raise LoopError("close_department", finding)
        if not approver:
            raise LoopError("close_approver", finding)
    return evolve(finding, state=FindingState.CLOSED, closed_on=on, approver=approver)


def routes(finding: Finding) -> list[tuple[dt.date, Remediation]]:
    """Every route ``finding`` was given, with the day it was given: its first, then each escalation's."""
    if finding.remediation is None:
        return []
    given = [finding.remediated_on or finding.found_on, *(on for on, _ in finding.escalated)]
    return list(zip(given, [*(old for _, old in finding.escalated), finding.remediation], strict=True))


def route_on(finding: Finding, day: dt.date) -> Remediation | None:
    """The route ``finding`` was under at the end of ``day``: none before its first, then each until escalated."""
    if finding.remediation is None or day < (finding.remediated_on or finding.found_on):
        return None
    for left, old in finding.escalated:
        if day < left:
            return old
    return finding.remediation


def level_on(finding: Finding, day: dt.date) -> HazardLevel:
    """The level ``finding`` had at the end of ``day``: the one it was found with until an escalation regraded it."""
    for left, old in finding.regraded:
        if day < left:
            return old
    return finding.level


def is_overdue(finding: Finding, as_of: dt.date) -> bool:
    """True when the finding's deadline passed before it was accepted."""
    if finding.remediation is None or finding.remediation.deadline is None:
        return False
    reference = finding.accepted_on or as_of
    return reference > finding.remediation.deadline
