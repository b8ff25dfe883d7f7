"""The Catalog value: lookups and the answers it keeps for itself."""

from __future__ import annotations

import gc

from attrs import evolve

from doubles import ContentDir, catalog_of


def test_a_catalog_keeps_its_own_answers(tmp_path):
    catalog = catalog_of(demo=ContentDir(tmp_path / "demo").plugin())
    assert catalog.members("demo-self") == frozenset({"demo-gas-01", "demo-gas-02"})
    assert catalog.ids("checkpoint") == ["demo-gas-01", "demo-gas-02"]
    assert catalog.members("demo-self") is catalog.members("demo-self")  # made once

    fewer = evolve(catalog, checklists=tuple(evolve(c, checkpoints=c.checkpoints[:1]) for c in catalog.checklists))
    assert fewer.members("demo-self") == frozenset({"demo-gas-01"})
    assert catalog.members("demo-self") == frozenset({"demo-gas-01", "demo-gas-02"})
    assert fewer == evolve(fewer)  # what it keeps is not part of the value


def test_a_new_catalog_at_a_reused_address_does_not_get_the_old_answers(tmp_path):
    """The ledger's lookups were once cached by id(catalog): a new catalog in the old one's memory got its answers.

    CPython usually hands the freed memory to the next catalog, so some rounds reuse the address.
    """
    base = catalog_of(demo=ContentDir(tmp_path / "demo").plugin())
    variants = [tuple(evolve(c, checkpoints=c.checkpoints[:n]) for c in base.checklists) for n in (2, 1)]
    for _ in range(50):
        first = evolve(base, checklists=variants[0])
        assert len(first.members("demo-self")) == 2
        del first
        gc.collect()
        second = evolve(base, checklists=variants[1])
        assert second.members("demo-self") == frozenset({"demo-gas-01"})
        del second
