"""The ledger's rules from plugins: production-stop kinds and checks run on every finding after the replay.

Plugins add them through the ``checkframe_register_ledger`` hook
(:mod:`checkframe.hookspecs`); the core's own come from the built-in plugin
:mod:`checkframe.builtin.remediation` through the same hook.  A rule sees one
finding at a time through :class:`RuleView` and says either that the records
break it (a problem, exit 1) or that the finding is late (overdue, with a
reason the ledger shows).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from checkframe.builtin import remediation as builtin
from checkframe.catalog import Catalog
from checkframe.errors import Problem
from checkframe.ledger.messages import at as said
from checkframe.ledger.messages import quoted, words
from checkframe.plugins import PluginInfo, Plugins, call_each
from checkframe.registers import LedgerRegister, LedgerRule, StopKind

__all__ = ["LedgerRules", "RuleView", "apply_rules", "gather_ledger_rules"]

HOOK = "checkframe_register_ledger"


@attrs.frozen
class LedgerRules:
    """Every stop kind and rule the ledger applies."""

    stop_kinds: tuple[StopKind, ...] = ()
    rules: tuple[LedgerRule, ...] = ()

    @classmethod
    def core(cls) -> LedgerRules:
        """The built-in plugin's alone: what a ledger applies when no plugins are given."""
        register = LedgerRegister("checkframe.builtin.remediation", [])
        builtin.checkframe_register_ledger(register)
        return cls(tuple(register.stop_kinds), tuple(register.rules))

    def stop_names(self) -> dict[str, str]:
        return {k.code: k.name for k in self.stop_kinds}

    def stop_kind(self, code: str) -> StopKind | None:
        return next((k for k in self.stop_kinds if k.code == code), None)


def gather_ledger_rules(plugins: Plugins, problems: list[Problem]) -> LedgerRules:
    """Call each plugin's ledger hook on its own, in pluggy's order; a stop kind named twice is a problem."""
    kinds: list[StopKind] = []
    rules: list[LedgerRule] = []

    def arguments(info: PluginInfo) -> dict[str, Any]:
        return {"register": LedgerRegister(info.name, problems)}

    for _, kwargs, failure in call_each(plugins, HOOK, arguments):
        if failure is not None:
            problems.append(failure.problem(HOOK))
            continue
        register: LedgerRegister = kwargs["register"]
        for kind in register.stop_kinds:
            first = next((k for k in kinds if k.code == kind.code), None)
            if first is not None:
                problems.append(Problem(kind.plugin, f"stop kind {kind.code!r} is already registered by {first.plugin}"))
                continue
            kinds.append(kind)
        rules.extend(register.rules)
    return LedgerRules(tuple(kinds), tuple(rules))


@attrs.define
class RuleView:
    """What a rule sees besides the finding: the ledger's date, the unit, the catalog, and how to answer."""

    _as_of: dt.date
    unit: Any
    _catalog: Catalog
    #: The ledger's Entry (typed loosely: this module sits below ledger.py).
    _entry: Any
    _rule: LedgerRule
    _problems: list[Problem]
    _late: list[str]
    #: Whether the rule read the catalog: what it says of the finding then depends on more than the ledger's cache
    #: keys a unit's lines by (:class:`checkframe.ledger.ledger.UnitView`).
    read_catalog: bool = False
    #: Whether the rule read the ledger's date: what it says of the finding may then change from day to day.
    read_date: bool = False

    @property
    def as_of(self) -> dt.date:
        self.read_date = True
        return self._as_of

    @property
    def catalog(self) -> Catalog:
        self.read_catalog = True
        return self._catalog

    def problem(self, message: str, at: str = "finding") -> None:
        """The records break the rule: one line naming the record file and key of the event ``at``.

        Clerks read it: write ``message`` in Chinese, in the regulators' words (the line begins with the
        place and the finding: ``第1个 [[finding]]：隐患 "f-1"：...``).
        """
        file, where = self._entry.places.get(at) or self._entry.places["finding"]
        self._problems.append(said(file, where, words("rule", id=quoted(self._entry.finding.id), message=message)))

    def overdue(self, reason: str) -> None:
        """The finding is late; ``reason`` is shown on the ledger."""
        self._late.append(reason)


def apply_rules(ledger: Any, rules: LedgerRules, catalog: Catalog, skip: set[str]) -> tuple[set[str], set[str]]:
    """Run every rule on every finding (except those in ``skip``, whose moves already failed).

    Answers the units of the findings on which a rule read the catalog, and those on which one read the date.
    """
    read: set[str] = set()
    dated: set[str] = set()
    for ident, entry in ledger.entries.items():
        if ident in skip:
            continue
        unit = ledger.units[entry.unit]
        for rule in rules.rules:
            if rule.sector and rule.sector != unit.sector:
                continue
            late: list[str] = []
            view = RuleView(ledger.as_of, unit, catalog, entry, rule, ledger.problems, late)
            try:
                rule.check(entry, view)
            except Exception as exc:  # noqa: BLE001 - a plugin's bug is reported as its problem
                ledger.problems.append(Problem(rule.plugin, words("rule_raised", name=rule.name, id=quoted(ident),
                                                                  error=f"{type(exc).__name__}: {exc}"),
                                               language="zh"))
                continue
            if view.read_catalog:
                read.add(entry.unit)
            if view.read_date:
                dated.add(entry.unit)
            if late:
                ledger.late.setdefault(ident, []).extend(late)
    return read, dated
