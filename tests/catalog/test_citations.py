"""Never invent an article: every citation of every plugin in plugins/ names an article its document declares.

``declared_articles.toml`` lists, per document, the articles that the reference material and the seed
documents hold, as plugins cite them; a citation may be confirmed only where the reference reads the
article, its number and its whole text.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from checkframe.catalog import Catalog
from checkframe.model import Checkpoint, LegalBasis
from doubles import shipped_catalog

ROOT = Path(__file__).parents[2]
DECLARED = Path(__file__).with_name("declared_articles.toml")


def declared() -> dict[str, dict[str, set[str]]]:
    """Document id → {"confirmed": articles, "unconfirmed": articles}."""
    data = tomllib.loads(DECLARED.read_text(encoding="utf-8"))
    return {d["id"]: {"confirmed": set(d["confirmed"]), "unconfirmed": set(d["unconfirmed"])} for d in data["document"]}


def undeclared(catalog: Catalog, articles: dict[str, dict[str, set[str]]]) -> list[str]:
    """One line per citation that names an article its document does not declare, or claims a confirmation
    the reference does not give."""
    problems = []
    for checkpoint in catalog.checkpoints:
        for basis in checkpoint.basis:
            cited = basis.cited()
            if not cited:
                continue  # the document as a whole
            where = f"{checkpoint.sector}: {checkpoint.id}: {basis.document} {cited}"
            if basis.document not in articles:
                problems.append(f"{where}: the document declares no articles; add it to {DECLARED.name}")
            elif basis.confirmed and cited not in articles[basis.document]["confirmed"]:
                if cited in articles[basis.document]["unconfirmed"]:
                    problems.append(f"{where}: the reference does not confirm it; cite it with confirmed = false")
                else:
                    problems.append(f"{where}: not an article the document declares")
            elif cited not in articles[basis.document]["confirmed"] | articles[basis.document]["unconfirmed"]:
                problems.append(f"{where}: not an article the document declares")
    return problems


@pytest.fixture(scope="module")
def shipped():
    return shipped_catalog(ROOT / "plugins")


def test_every_citation_of_every_plugin_is_declared(shipped):
    assert {s.id for s in shipped.sectors} >= {"industry_trade", "special_equipment", "coal_mine", "general"}
    assert undeclared(shipped, declared()) == []


def test_every_document_cited_by_article_is_declared(shipped):
    cited = {b.document for c in shipped.checkpoints for b in c.basis if b.article}
    assert cited <= set(declared())
    # The seeds each plugin quotes, and the standards the new sectors rest on, are among them.
    assert {"mem-order-10-2023", "district-work-safety-priorities-2023", "jc-cq-campaign-2023"} <= cited


def test_an_invented_article_and_an_overclaimed_confirmation_are_caught(shipped):
    articles = declared()
    def checkpoint(ident: str, *basis: LegalBasis) -> Checkpoint:
        return Checkpoint(id=ident, title="测试", what="是否测试。", basis=basis, sector="industry_trade")
    catalog = Catalog(checkpoints=(
        checkpoint("it-x-01", LegalBasis("mem-order-10-2023", "第三条", "（一）")),
        checkpoint("it-x-02", LegalBasis("mem-order-10-2023", "第九条")),
        checkpoint("it-x-03", LegalBasis("mem-order-10-2023", "第四条", "（四）")),
        checkpoint("it-x-04", LegalBasis("mem-order-10-2023", "第四条", "（四）", confirmed=False)),
        checkpoint("it-x-05", LegalBasis("district-work-safety-priorities-2023", "第16项"),
                   LegalBasis("district-work-safety-priorities-2023", "第99项", confirmed=False)),
        checkpoint("it-x-06", LegalBasis("no-such-document", "第一条")),
        checkpoint("it-x-07", LegalBasis("work-safety-law-2021")),
    ))
    assert undeclared(catalog, articles) == [
        "industry_trade: it-x-02: mem-order-10-2023 第九条: not an article the document declares",
        "industry_trade: it-x-03: mem-order-10-2023 第四条（四）: the reference does not confirm it; "
        "cite it with confirmed = false",
        "industry_trade: it-x-05: district-work-safety-priorities-2023 第99项: not an article the document declares",
        "industry_trade: it-x-06: no-such-document 第一条: the document declares no articles; "
        "add it to declared_articles.toml",
    ]


def test_the_declarations_follow_the_reference_marks():
    articles = declared()
    # 工贸 standard: 第三条 read in full; 第四条（四） read only in part.
    assert {"第三条（一）", "第三条（二）", "第三条（三）", "第四条（一）"} <= articles["mem-order-10-2023"]["confirmed"]
    assert articles["mem-order-10-2023"]["unconfirmed"] == {"第四条（四）"}
    # Fireworks standard: every item number inferred from the order of the sources.
    assert articles["fw-major-hazard-standard-2017"]["confirmed"] == set()
    assert len(articles["fw-major-hazard-standard-2017"]["unconfirmed"]) == 20
    # Seeds: the numbered items of the stored text.
    assert {"第16项", "第17项", "第18项"} <= articles["district-work-safety-priorities-2023"]["confirmed"]
    assert {f"附件2第{n}项" for n in range(1, 29)} <= articles["jc-cq-campaign-2023"]["confirmed"]
    assert "附件2第29项" not in articles["jc-cq-campaign-2023"]["confirmed"]
