"""The coal department's own 督查表, added through the form hook."""

import re

import checkframe_coal_mine as plugin
from checkframe.plugins import ENV_ALLOWLIST, load_plugins
from checkframe.publish import printing
from checkframe.publish.printforms import plugin_forms

#: The coal focus items of seed 004 (一、（三）隐患点位), as the form prints them.
SEED_ITEMS = [
    "电煤中长期合同签订及履约情况，包括签约量、履约率、价格执行情况",
    "煤矿生产建设项目是否存在未经批准，或者未按批准的初步设计、施工组织设计、作业规程施工的情况",
    "煤矿回采工作面个数是否存在超过生产能力要素公告规定而组织生产的情况",
    "煤矿是否合理安排年度、季度、月度生产计划，均衡组织生产，严禁煤矿超能力生产",
]


def coal_form():
    forms, problems = plugin_forms(load_plugins(environ={ENV_ALLOWLIST: "coal_mine"}))
    assert problems == []
    return forms[plugin.SUPERVISION_FORM]


def test_the_supervision_form_is_registered_for_the_coal_sector():
    form = coal_form()
    assert (form.title, form.sector) == ("煤矿安全生产督查表", "coal_mine")
    assert form.template.is_file()


def test_the_blank_form_has_the_rows_of_annex_3_and_the_seed_focus_items_in_order():
    html = printing.render_plugin_form_html(coal_form())
    text = re.sub(r"<[^>]+>|\s+", "", html)
    for label in ("检查煤矿", "检查日期", "检查人员", "存在问题", "整改措施", "限期整改时间", "整改责任人", "回查人员",
                  "回查日期", "整改落实情况", "回查结果"):
        assert label in text
    at = [text.index(f"{n}.{item}") for n, item in enumerate(SEED_ITEMS, 1)]
    assert at == sorted(at)


def test_every_declared_field_is_printed_when_filled():
    form = coal_form()
    values = {key: f"值{n}" for n, key in enumerate(form.field_names())}
    html = printing.render_plugin_form_html(form, values=values)
    assert all(f">{value}<" in html for value in values.values())
