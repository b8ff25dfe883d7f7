from pathlib import Path

from checkframe.testing import assert_ids_stable, assert_major_hazards_cite_articles, plugin_catalog

HERE = Path(__file__).parent


def test_content_validates():
    catalog = plugin_catalog("pipeline", "general")
    assert catalog.sector("pipeline").name == "油气长输管道"


def test_ids_are_stable():
    assert_ids_stable(plugin_catalog("pipeline", "general"), "pipeline", HERE / "ids.txt")


def test_major_hazards_cite_articles():
    assert_major_hazards_cite_articles(plugin_catalog("pipeline", "general"), "pipeline")


LAW = "pipeline-protection-law-2010"


def catalog():
    return plugin_catalog("pipeline", "general")


def test_every_what_is_a_check_not_statute_text():
    for c in catalog().sector_checkpoints("pipeline"):
        first = c.what.split("\n\n")[0]
        assert "是否" in first, c.id
        assert not first.startswith(("禁止", "在管道线路中心线两侧各五米地域范围内，禁止")), c.id
        assert "应当" not in first, c.id
        # The statute's own words stay in the note, quoted article by article.
        for b in c.basis:
            if b.document == LAW and b.article != "第五十八条":
                assert f"法律原文（{b.article}{b.item}）：“" in c.note, (c.id, b.article, b.item)


def test_department_duty_is_guidance_not_a_checkpoint():
    cat = catalog()
    ids = {c.id for c in cat.sector_checkpoints("pipeline")}
    assert "pipe-work-05" not in ids
    assert "pipe-work-05" in (HERE.parent / "CHANGELOG.md").read_text(encoding="utf-8")
    works = cat.group("pipeline/construction_works")
    assert "应当组织施工单位与管道企业协商确定施工作业方案" in works.note
    for c in cat.sector_checkpoints("pipeline"):
        assert not any(b.document == LAW and (b.article, b.item) == ("第三十五条", "第二款") for b in c.basis), c.id


def test_supervision_form_leads_with_the_campaign_focus():
    cat = catalog()
    form = cat.checklist("pipeline-supervision")
    assert form.items[:5] == ("pipeline/five_metre_zone", "pipeline/safety_distance", "pipeline/construction_works",
                              "pipeline/river_tunnel", "pipeline/aged_pipelines")
    assert len(set(form.checkpoints)) == len(form.checkpoints)


def test_self_inspection_keeps_the_order_of_annex_2():
    form = catalog().checklist("pipeline-self")
    assert form.items[:4] == ("general/organization", "general/fire_safety", "general/special_equipment",
                              "general/violations")
