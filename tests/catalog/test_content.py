"""Content TOML: every bad input gives its own exact line, all at once."""

from __future__ import annotations

import pytest

from checkframe.catalog import build_catalog
from checkframe.model import HazardLevel
from doubles import SECTOR, catalog_of, load_only, problems_of


def test_valid_content_loads(content):
    catalog = catalog_of(demo=content.plugin())
    assert [c.id for c in catalog.checkpoints] == ["demo-gas-01", "demo-gas-02"]
    checkpoint = catalog.checkpoint("demo-gas-01")
    assert (checkpoint.sector, checkpoint.group, checkpoint.level) == ("demo", "gas", HazardLevel.MAJOR)
    assert catalog.checklist("demo-self").checkpoints == ("demo-gas-01", "demo-gas-02")
    assert catalog.sector("demo").plugin == "demo"


def test_invalid_toml_syntax_names_the_line(content):
    content.write("checkpoints/02-bad.toml", '[group]\nid = "x"\ntitle = \n')
    assert problems_of(demo=content.plugin()) == [
        "demo: checkpoints/02-bad.toml:3: group, title: invalid TOML: Invalid value (at line 3, column 9); "
        "write a text in double quotes (\"煤矿\"), a date as 2024-03-01, an array as [\"a\", \"b\"]; "
        "references to the 1 id it defines are not checked until it reads"
    ]


def test_wrong_type(content):
    content.edit("checkpoints/01-gas.toml", 'title = "瓦斯检查"', "title = 3")
    assert problems_of(demo=content.plugin()) == [
        "demo: checkpoints/01-gas.toml:8: [[checkpoint]] demo-gas-01, title: expected a string"
        " (got 3); 3 is a number; write \"3\" in quotes"
    ]


def test_a_string_where_an_array_of_ids_is_expected_is_one_problem(content):
    """Not also each of its characters checked as an id."""
    content.edit("sector.toml", 'sources = ["law"]', 'sources = "law-2021"')
    assert problems_of(demo=content.plugin()) == [
        'demo: sector.toml:5: [sector], sources: expected an array (got "law-2021")'
    ]


@pytest.mark.parametrize("date", ["2023-13-45", "2023年4月", "next spring", "2023-02-30", "23-04"])
def test_a_date_of_issue_that_is_no_date_is_refused(content, date):
    content.edit("sector.toml", 'title = "中华人民共和国安全生产法"', f'title = "中华人民共和国安全生产法"\ndate = "{date}"')
    assert problems_of(demo=content.plugin()) == [
        f"demo: sector.toml:10: [[document]] law, date: expected the date of issue as 2020-11-20, or 2023-04 or 2023 "
        f'when only the month or the year is known (got "{date}")'
    ]


@pytest.mark.parametrize("date", ["2021-06-10", "2023-04", "2023", ""])
def test_a_date_of_issue_as_far_as_it_is_known(content, date):
    content.edit("sector.toml", 'title = "中华人民共和国安全生产法"', f'title = "中华人民共和国安全生产法"\ndate = "{date}"')
    assert catalog_of(demo=content.plugin()).document("law").date == date


def test_an_article_written_as_a_bare_number_is_refused(content):
    """A form prints the citation as written: "4" and "3" would print as 《…》43."""
    content.edit("checkpoints/01-gas.toml", 'article = "第四十一条"', 'article = "4"\nitem = "3"')
    assert problems_of(demo=content.plugin()) == [
        f"demo: checkpoints/01-gas.toml:{line}: [[checkpoint]] demo-gas-01, basis no. 1, {key}: expected it as the "
        f'document numbers it, such as 第四条 or （三）, which forms print as written (got "{got}")'
        for line, key, got in [(16, "article", "4"), (17, "item", "3")]
    ]


def test_unknown_key_suggests_the_right_one(content):
    content.edit("checkpoints/01-gas.toml", 'level = "general"', 'levl = "general"')
    assert problems_of(demo=content.plugin()) == [
        "demo: checkpoints/01-gas.toml:22: [[checkpoint]] demo-gas-02, levl: unknown key; did you mean 'level'?"
    ]


def test_key_set_by_the_loader_is_unknown(content):
    content.edit("checkpoints/01-gas.toml", 'level = "general"', 'level = "general"\nsector = "x"')
    assert problems_of(demo=content.plugin()) == [
        "demo: checkpoints/01-gas.toml:23: [[checkpoint]] demo-gas-02, sector: "
        "unknown key; it is set from the folder and file the entry is in: remove it"
    ]


def test_missing_required_field(content):
    content.edit("checkpoints/01-gas.toml", 'what = "瓦斯检查员是否持证上岗。"', "")
    assert problems_of(demo=content.plugin()) == [
        "demo: checkpoints/01-gas.toml:18: [[checkpoint]] demo-gas-02, what: required key missing"
    ]


def test_unknown_hazard_level(content):
    content.edit("checkpoints/01-gas.toml", 'level = "general"', 'level = "big"')
    assert problems_of(demo=content.plugin()) == [
        "demo: checkpoints/01-gas.toml:22: [[checkpoint]] demo-gas-02, level: expected one of general, major (got \"big\")"
    ]


def test_unknown_remediation_category(content):
    content.edit("checkpoints/01-gas.toml", '["on_site", "deadline"]', '["on_site", "dedline"]')
    assert problems_of(demo=content.plugin()) == [
        "demo: checkpoints/01-gas.toml:23: [[checkpoint]] demo-gas-02, remediation no. 2: "
        "unknown remediation category 'dedline'; did you mean 'deadline'?"
    ]


def test_remediation_category_must_serve_the_level(content):
    content.edit("checkpoints/01-gas.toml", 'remediation = ["listed_supervision"]', 'remediation = ["on_site"]')
    assert problems_of(demo=content.plugin()) == [
        "demo: checkpoints/01-gas.toml:12: [[checkpoint]] demo-gas-01, remediation no. 1: on_site (现场整改) serves general "
        "hazards, but the checkpoint is major; choose a category for major hazards"
    ]


def test_duplicate_id_within_a_plugin(content):
    content.edit("checkpoints/01-gas.toml", 'id = "demo-gas-02"', 'id = "demo-gas-01"')
    assert problems_of(demo=content.plugin()) == [
        "demo: checkpoints/01-gas.toml:18: [[checkpoint]] demo-gas-01: checkpoint 'demo-gas-01' is already defined in "
        "demo: checkpoints/01-gas.toml:6: [[checkpoint]] demo-gas-01; checkpoint ids must be unique across all plugins"
    ]


def test_duplicate_id_across_plugins(make_content):
    first, second = make_content("one", "same"), make_content("two", "same")
    problems = problems_of(one=first.plugin(), two=second.plugin())
    assert problems == [
        "two: checkpoints/01-gas.toml:6: [[checkpoint]] same-gas-01: checkpoint 'same-gas-01' is already defined in "
        "one: checkpoints/01-gas.toml:6: [[checkpoint]] same-gas-01; checkpoint ids must be unique across all plugins",
        "two: checkpoints/01-gas.toml:18: [[checkpoint]] same-gas-02: checkpoint 'same-gas-02' is already defined in "
        "one: checkpoints/01-gas.toml:18: [[checkpoint]] same-gas-02; checkpoint ids must be unique across all plugins",
        "two: checklists.toml:2: [[checklist]] same-self: checklist 'same-self' is already defined in "
        "one: checklists.toml:2: [[checklist]] same-self; checklist ids must be unique across all plugins",
    ]


def test_two_plugins_claiming_one_sector(make_content):
    first, second = make_content("one", "a"), make_content("one", "b")
    second.root = second.root.parent / "other"
    second.__init__(second.root, "one", "b")
    problems = problems_of(first=first.plugin(), second=second.plugin())
    assert problems[0] == (
        "second: sector.toml:2: [sector]: sector 'one' is already defined in first: sector.toml:2: [sector]; "
        "sector ids must be unique across all plugins"
    )


def test_checklist_naming_a_missing_checkpoint(content):
    content.edit("checklists.toml", 'items = ["demo/gas"]', 'items = ["demo/gas", "demo-gas-03"]')
    assert problems_of(demo=content.plugin()) == [
        "demo: checklists.toml:6: [[checklist]] demo-self, items no. 2: unknown checkpoint 'demo-gas-03'; "
        "did you mean 'demo-gas-02'?"
    ]


def test_checklist_with_no_items(content):
    content.edit("checklists.toml", 'items = ["demo/gas"]', "items = []")
    assert problems_of(demo=content.plugin()) == [
        "demo: checklists.toml:6: [[checklist]] demo-self, items: a checklist needs at least one checkpoint"
    ]


def test_id_not_safe_in_a_url(content):
    content.edit("checkpoints/01-gas.toml", 'id = "demo-gas-02"', 'id = "../gas 2"')
    assert problems_of(demo=content.plugin()) == [
        "demo: checkpoints/01-gas.toml:19: [[checkpoint]] ../gas 2, id: expected an id of lowercase letters, digits, "
        "'-' or '_', starting with a letter, at most 64 characters (got \"../gas 2\")"
    ]


def test_unknown_document_in_a_citation(content):
    content.edit("checkpoints/01-gas.toml", 'document = "law"', 'document = "law2"')
    assert problems_of(demo=content.plugin()) == [
        "demo: checkpoints/01-gas.toml:15: [[checkpoint]] demo-gas-01, basis no. 1, document: unknown document 'law2'; "
        "did you mean 'law'?"
    ]


def test_major_hazard_without_a_citation(content):
    content.edit("checkpoints/01-gas.toml", '[[checkpoint.basis]]\ndocument = "law"\narticle = "第四十一条"\n', "")
    assert problems_of(demo=content.plugin()) == [
        "demo: checkpoints/01-gas.toml:6: [[checkpoint]] demo-gas-01, basis: "
        "a major-hazard checkpoint must cite the article that makes it one: "
        'give one of its basis the article, as the document numbers it (article = "第…条")'
    ]


def test_unexpected_file(content):
    content.write("checklist.toml", "")
    assert problems_of(demo=content.plugin()) == [
        "demo: checklist.toml: unexpected file; content files are sector.toml, checklists.toml, "
        "remediation.toml, checkpoints/*.toml"
    ]


def test_every_problem_in_every_file_at_once(make_content):
    first, second = make_content("one"), make_content("two")
    first.edit("checkpoints/01-gas.toml", 'title = "瓦斯检查"', "title = 3")
    first.edit("checkpoints/01-gas.toml", 'level = "general"', 'levl = "general"')
    second.edit("sector.toml", 'name = "测试行业"', "name = []")
    second.edit("checklists.toml", 'kind = "self_inspection"', 'kind = "self"')
    problems = problems_of(one=first.plugin(), two=second.plugin())
    assert problems == [
        "one: checkpoints/01-gas.toml:8: [[checkpoint]] one-gas-01, title: expected a string"
        " (got 3); 3 is a number; write \"3\" in quotes",
        "one: checkpoints/01-gas.toml:22: [[checkpoint]] one-gas-02, levl: unknown key; did you mean 'level'?",
        "two: sector.toml:4: [sector], name: expected a string (got an array)",
        "two: checklists.toml:5: [[checklist]] two-self, kind: expected one of self_inspection, supervision (got \"self\")",
    ]


def test_a_bad_field_does_not_hide_the_entrys_other_problems(content):
    """An entry that does not structure is still checked for what needs only its id and references: an id another
    entry has, an unknown document, a checklist without items or with unknown ones (all at once, not in stages)."""
    content.edit("checkpoints/01-gas.toml", 'level = "major"', 'level = "重大"')
    content.edit("checkpoints/01-gas.toml", 'document = "law"', 'document = "lw"')
    content.write("checkpoints/02-more.toml", """
        [group]
        id = "more"
        title = "其他"

        [[checkpoint]]
        id = "{prefix}-gas-01"
        title = "另一条"
        what = "另一条检查内容。"
        level = "general"
        remediation = ["on_site"]
        """)
    content.edit("checklists.toml", 'kind = "self_inspection"', 'kind = "self"')
    content.edit("checklists.toml", 'items = ["{sector}/gas"]'.replace("{sector}", "demo"), "items = []")
    problems = problems_of(demo=content.plugin())
    assert problems == [
        "demo: checkpoints/01-gas.toml:11: [[checkpoint]] demo-gas-01, level: expected one of general, major "
        '(got "重大")',
        "demo: checklists.toml:5: [[checklist]] demo-self, kind: expected one of self_inspection, supervision "
        '(got "self")',
        "demo: checkpoints/01-gas.toml:6: [[checkpoint]] demo-gas-01: checkpoint 'demo-gas-01' is already defined in "
        "demo: checkpoints/02-more.toml:6: [[checkpoint]] demo-gas-01; checkpoint ids must be unique across all plugins",
        "demo: checkpoints/01-gas.toml:15: [[checkpoint]] demo-gas-01, basis no. 1, document: unknown document 'lw'; "
        "did you mean 'law'?",
        "demo: checklists.toml:6: [[checklist]] demo-self, items: a checklist needs at least one checkpoint",
    ]


def test_a_broken_entry_is_not_reported_again_as_unknown(content):
    content.edit("checkpoints/01-gas.toml", 'level = "general"', 'level = "minor"')
    content.edit("checklists.toml", 'items = ["demo/gas"]', 'items = ["demo-gas-01", "demo-gas-02"]')
    assert problems_of(demo=content.plugin()) == [
        "demo: checkpoints/01-gas.toml:22: [[checkpoint]] demo-gas-02, level: expected one of general, major"
        " (got \"minor\"); did you mean 'major'?"
    ]


def test_an_id_shaped_token_in_inspector_text_is_refused_with_a_hint(content):
    content.edit("checkpoints/01-gas.toml", 'what = "瓦斯检查员是否持证上岗。"', 'what = "持证上岗，见 demo-gas-01。"')
    content.edit("checkpoints/01-gas.toml", 'title = "瓦斯"', 'title = "瓦斯 mine_gas"')
    hint = ("looks like an id, which readers of a form cannot look up; refer to a checkpoint as [[{0}]] "
            "(printed as its 序号 and title, a link in the handbook) or leave the code out")
    assert problems_of(demo=content.plugin()) == [
        f"demo: checkpoints/01-gas.toml:4: [group], title: 'mine_gas' {hint.format('mine_gas')}",
        f"demo: checkpoints/01-gas.toml:21: [[checkpoint]] demo-gas-02, what: 'demo-gas-01' {hint.format('demo-gas-01')}",
    ]


def test_web_addresses_file_names_and_standards_are_not_id_shaped(content):
    content.edit("checkpoints/01-gas.toml", 'what = "瓦斯检查员是否持证上岗。"',
                 'what = "见 https://example.gov.cn/coal-mine/a-1.html、NB/T 10096-2018 和 plan-b.pdf。"')
    catalog = catalog_of(demo=content.plugin())
    assert "NB/T 10096-2018" in catalog.checkpoint("demo-gas-02").what


def test_notes_and_references_load(content):
    content.edit("checkpoints/01-gas.toml", 'what = "瓦斯检查员是否持证上岗。"',
                 'what = "瓦斯检查员是否持证上岗，另见 [[demo-gas-01]]。"\nnote = "原文**不全**，见 [[demo-gas-01]]。"')
    content.edit("checkpoints/01-gas.toml", 'title = "瓦斯"', 'title = "瓦斯"\nnote = "本组按来源顺序排列。"')
    catalog = catalog_of(demo=content.plugin())
    assert catalog.checkpoint("demo-gas-02").note == "原文**不全**，见 [[demo-gas-01]]。"
    assert catalog.group("demo/gas").note == "本组按来源顺序排列。"


def test_a_reference_to_a_checkpoint_that_does_not_exist(content):
    content.edit("checkpoints/01-gas.toml", 'what = "瓦斯检查员是否持证上岗。"',
                 'what = "另见 [[demo-gas-03]]。"\nnote = "见 [[nowhere]]。"')
    content.edit("checkpoints/01-gas.toml", 'title = "瓦斯"', 'title = "瓦斯"\ndescription = "见 [[demo-gas-1]]。"')
    assert problems_of(demo=content.plugin()) == [
        "demo: checkpoints/01-gas.toml:5: [group], description: "
        "[[demo-gas-1]] refers to an unknown checkpoint 'demo-gas-1'; did you mean 'demo-gas-01'?",
        "demo: checkpoints/01-gas.toml:22: [[checkpoint]] demo-gas-02, what: "
        "[[demo-gas-03]] refers to an unknown checkpoint 'demo-gas-03'; did you mean 'demo-gas-02'?",
        "demo: checkpoints/01-gas.toml:23: [[checkpoint]] demo-gas-02, note: "
        "[[nowhere]] refers to an unknown checkpoint 'nowhere'",
    ]


def test_a_scope_tag_without_a_chinese_name_is_warned_of(content):
    """Readers would see the id after 适用范围：; the warning says where, and how to name it.  A warning, not an
    error: content format 1 took any tag (compatibility.md: tightened validation is an incompatible change)."""
    content.edit("checkpoints/01-gas.toml", 'level = "general"', 'level = "general"\nscope = ["retail", "confined_space"]')
    warnings: list = []
    build_catalog(load_only(demo=content.plugin()), warnings)
    assert [str(w) for w in warnings] == [
        "demo: checkpoints/01-gas.toml:23: [[checkpoint]] demo-gas-02, scope no. 2: scope tag 'confined_space' has "
        "no Chinese name, so readers would see the id after 适用范围：; name it in sector.toml: a [[scope]] with "
        'id = "confined_space" and name = its Chinese name, in the words of the sources'
    ]


def test_a_scope_tag_without_a_name_is_warned_of_once_however_many_checkpoints_carry_it(content):
    """The name is missing once, in sector.toml: one warning at the tag's first use, counting the others."""
    content.edit("checkpoints/01-gas.toml", 'title = "瓦斯检查"', 'title = "瓦斯检查"\nscope = ["dust"]')
    content.edit("checkpoints/01-gas.toml", 'level = "general"', 'level = "general"\nscope = ["dust"]')
    warnings: list = []
    build_catalog(load_only(demo=content.plugin()), warnings)
    assert [str(w) for w in warnings] == [
        "demo: checkpoints/01-gas.toml:9: [[checkpoint]] demo-gas-01, scope no. 1: scope tag 'dust' (here and on "
        "1 more checkpoint) has no Chinese name, so readers would see the id after 适用范围：; name it in sector.toml: "
        'a [[scope]] with id = "dust" and name = its Chinese name, in the words of the sources'
    ]


def test_a_scope_tag_named_in_the_sector_reads_in_chinese(content):
    from checkframe.model import scope_label

    content.edit("checkpoints/01-gas.toml", 'level = "general"', 'level = "general"\nscope = ["confined_space"]')
    content.write("sector.toml", SCOPED_SECTOR)
    catalog = catalog_of(demo=content.plugin())
    sector = catalog.sector("demo")
    assert [scope_label(tag, sector) for tag in ("confined_space", "retail")] == ["有限空间", "零售经营"]


def test_a_misspelt_scope_name_is_suggested(content):
    content.edit("checkpoints/01-gas.toml", 'level = "general"', 'level = "general"\nscope = ["confined_space"]')
    content.write("sector.toml", SCOPED_SECTOR.replace('id = "confined_space"', 'id = "confined_spaces"'))
    warnings: list = []
    build_catalog(load_only(demo=content.plugin()), warnings)
    [warning] = [str(w) for w in warnings]
    assert "sector.toml names 'confined_spaces': if one of the two is misspelt, correct it; else name it" in warning


def test_a_scope_tag_named_twice_is_reported(content):
    content.write("sector.toml", SCOPED_SECTOR + '\n[[scope]]\nid = "confined_space"\nname = "受限空间"\n')
    assert problems_of(demo=content.plugin()) == [
        "demo: sector.toml:16: [[scope]] confined_space, id: scope tag 'confined_space' is named a second time; "
        "keep one [[scope]] for it"
    ]


SCOPED_SECTOR = SECTOR + """
[[scope]]
id = "confined_space"
name = "有限空间"
"""
