"""Plugin Markdown: emphasis next to full-width punctuation, Chinese anchors, no raw HTML."""

from __future__ import annotations

import pytest

from checkframe.publish.markdown import render, render_inline, slugify


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("**依据：**GB 50016", "<strong>依据：</strong>GB 50016"),
        ("**“占压”**是指", "<strong>“占压”</strong>是指"),
        ("检查（**重点**）内容", "检查（<strong>重点</strong>）内容"),
        ("*注：*见附件", "<em>注：</em>见附件"),
        ("英文 **bold** text", "英文 <strong>bold</strong> text"),
        ("snake_case_name", "snake_case_name"),
    ],
)
def test_emphasis_next_to_full_width_punctuation(source, html):
    assert render_inline(source) == html


def test_soft_breaks_between_chinese_characters_add_no_space():
    assert render("第一行中文\n第二行中文") == "<p>第一行中文第二行中文</p>\n"
    assert render("English line\nnext line") == "<p>English line\nnext line</p>\n"


def test_headings_keep_chinese_anchors_and_stay_unique():
    html = render("## 检查 方法\n\n## 检查 方法\n\n### 依据：第五条")
    assert '<h2 id="检查-方法">' in html
    assert '<h2 id="检查-方法-1">' in html
    assert '<h3 id="依据第五条">' in html
    assert slugify("：") == "section"


def test_raw_html_and_javascript_links_are_shown_as_text():
    html = render('<script>alert(1)</script>\n\n[点我](javascript:alert(1)) <img src=x onerror=alert(1)>')
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html


def test_a_reference_renders_as_its_caller_says():
    assert render_inline("按 [[coal-other-05]] 判定。", lambda ident: f"<a>{ident}</a>") == "按<a>coal-other-05</a>判定。"
    assert render("见[[a-1]]和[[b_2]]。", lambda ident: ident.upper()) == "<p>见A-1和B_2。</p>\n"
    # Without a renderer it stays as written; what is not an id is no reference.
    assert render_inline("[[coal-other-05]] [[Not An Id]] [x](y)") == '[[coal-other-05]] [[Not An Id]] <a href="y">x</a>'


def test_spaces_that_set_a_reference_off_from_chinese_text_are_dropped():
    assert render_inline("按 [[a-1]] 判定，see [[a-1]] now", lambda ident: "X") == "按X判定，see X now"
