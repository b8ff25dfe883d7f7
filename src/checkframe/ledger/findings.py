"""Findings and the closed loop: 排查 → 整改 → 回查 → 复核验收 → 销号.

A :class:`Finding` is a hazard found in an inspection.  It moves forward along
the loop only through the functions below, each of which checks the rules of
DOMAIN.md and raises :class:`LoopError` when a move is not allowed:

=================  ==========================  ===========================
function           from                        to
=================  ==========================  ===========================
:func:`remediate`  open                        fixing
:func:`report_fixed`  fixing                   awaiting_recheck
:func:`recheck`    awaiting_recheck            accepted (passed) or fixing (failed)
:func:`close`      accepted                    closed
=================  ==========================  ===========================

A deadline that passes before acceptance makes a finding overdue
(:func:`is_overdue`).
"""

from __future__ import annotations

import datetime as dt

from attrs import evolve, field, frozen

from checkframe.model import (
    UNRESOLVED,
    FindingState,
    HazardLevel,
    Invalid,
    RemediationCategory,
    RequiredField,
    SupervisionLevel,
    check_id,
)

__all__ = [
    "UNRESOLVED",
    "Finding",
    "FindingState",
    "LoopError",
    "Recheck",
    "Remediation",
    "close",
    "is_overdue",
    "missing_fields",
    "recheck",
    "remediate",
    "report_fixed",
]


class LoopError(Invalid):
    """A move that the closed loop forbids."""


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


@frozen
class Recheck:
    """回查: a later visit that confirms a fix, or does not."""

    date: dt.date
    passed: bool
    by: str = ""
    note: str = ""


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


def missing_fields(remediation: Remediation, category: RemediationCategory) -> list[RequiredField]:
    """The fields that ``category`` requires and ``remediation`` leaves empty."""
    return [
        required
        for required in category.requires
        if getattr(remediation, required.value) in (None, "")
    ]


def _expect(finding: Finding, move: str, *states: FindingState) -> None:
    if finding.state not in states:
        allowed = " or ".join(s.value for s in states)
        raise LoopError(
            f"finding {finding.id!r}: cannot {move} while it is {finding.state.value}; "
            f"that needs it {allowed}"
        )


def remediate(
    finding: Finding, remediation: Remediation, category: RemediationCategory
) -> Finding:
    """Assign the route by which an open finding is fixed.

    The category must serve the finding's hazard level (an on-site fix is for
    general hazards only) and every field it requires must be filled.
    """
    _expect(finding, "assign a remediation", FindingState.OPEN)
    if remediation.category != category.code:
        raise LoopError(
            f"finding {finding.id!r}: remediation names {remediation.category!r} "
            f"but the category given is {category.code!r}"
        )
    if finding.level not in category.levels:
        serves = ", ".join(level.value for level in category.levels)
        raise LoopError(
            f"finding {finding.id!r}: {category.code} ({category.name}) serves "
            f"{serves} hazards, not {finding.level.value}"
        )
    missing = missing_fields(remediation, category)
    if missing:
        names = ", ".join(f"{m.value} ({m.label})" for m in missing)
        raise LoopError(
            f"finding {finding.id!r}: {category.code} ({category.name}) requires {names}"
        )
    return evolve(finding, state=FindingState.FIXING, remediation=remediation)


def report_fixed(finding: Finding, on: dt.date) -> Finding:
    """The unit reports the fix done; the finding waits for a recheck."""
    _expect(finding, "report it fixed", FindingState.FIXING)
    if on < finding.found_on:
        raise LoopError(
            f"finding {finding.id!r}: fixed on {on} is before it was found ({finding.found_on})"
        )
    return evolve(finding, state=FindingState.AWAITING_RECHECK, fixed_on=on)


def recheck(finding: Finding, result: Recheck) -> Finding:
    """Record a recheck: a pass accepts the fix, a failure sends it back to fixing."""
    _expect(finding, "recheck it", FindingState.AWAITING_RECHECK)
    if finding.fixed_on is not None and result.date < finding.fixed_on:
        raise LoopError(
            f"finding {finding.id!r}: rechecked on {result.date} is before it was "
            f"reported fixed ({finding.fixed_on})"
        )
    rechecks = (*finding.rechecks, result)
    if result.passed:
        return evolve(
            finding, state=FindingState.ACCEPTED, rechecks=rechecks, accepted_on=result.date
        )
    return evolve(finding, state=FindingState.FIXING, rechecks=rechecks, fixed_on=None)


def close(finding: Finding, on: dt.date) -> Finding:
    """销号: strike an accepted finding off the ledger."""
    _expect(finding, "close it", FindingState.ACCEPTED)
    if finding.accepted_on is not None and on < finding.accepted_on:
        raise LoopError(
            f"finding {finding.id!r}: closed on {on} is before it was accepted "
            f"({finding.accepted_on})"
        )
    return evolve(finding, state=FindingState.CLOSED, closed_on=on)


def is_overdue(finding: Finding, as_of: dt.date) -> bool:
    """True when the finding's deadline passed before it was accepted."""
    if finding.remediation is None or finding.remediation.deadline is None:
        return False
    reference = finding.accepted_on or as_of
    return reference > finding.remediation.deadline
