"""Template overrides checked before anything is rendered: each ``{% block %}`` must be one the default has.

A plugin's template that extends a default one (``{% extends
"default/checkpoint.html" %}``) and overrides a block the default does not
have renders without a word, and the plugin's text never appears.  So every
template in a plugin's template folder is parsed, and each block it overrides
is looked up among the blocks of the default template it extends (and of that
template's own parents).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

import jinja2
from jinja2 import nodes

from checkframe.errors import Problem, did_you_mean
from checkframe.registers import SiteRegister

__all__ = ["DEFAULT_PREFIX", "check_overrides", "default_blocks", "default_templates"]

#: The prefix under which a plugin's template reaches the default templates.
DEFAULT_PREFIX = "default/"


def _templates_root() -> Path:
    from checkframe.publish.site import TEMPLATES

    return TEMPLATES


@functools.cache
def _parser() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(_templates_root()), autoescape=True)


def default_templates() -> list[str]:
    """The names of the default site templates, as a plugin's template names them (without ``default/``)."""
    root = _templates_root()
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.html"))


def _extends(tree: nodes.Template) -> str | None:
    for node in tree.find_all(nodes.Extends):
        if isinstance(node.template, nodes.Const) and isinstance(node.template.value, str):
            return node.template.value
    return None


@functools.cache
def default_blocks(name: str) -> tuple[str, ...]:
    """The blocks a default template has, its parents' included, in the order they are defined."""
    env = _parser()
    source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    tree = env.parse(source, name)
    blocks = [block.name for block in tree.find_all(nodes.Block)]
    parent = _extends(tree)
    if parent is not None:
        parent = parent.removeprefix(DEFAULT_PREFIX)
        blocks.extend(b for b in default_blocks(parent) if b not in blocks)
    return tuple(blocks)


def _check_file(path: Path, name: str, plugin: str) -> list[Problem]:
    env = _parser()
    try:
        tree = env.parse(path.read_text(encoding="utf-8"), name, path.as_posix())
    except (jinja2.TemplateSyntaxError, OSError, UnicodeDecodeError):
        return []  # reported with its line when the template is compiled for rendering
    parent = _extends(tree)
    if parent is None:
        return []  # a template of its own, or one that replaces a default as a whole
    defaults = default_templates()
    target = parent.removeprefix(DEFAULT_PREFIX)
    if target not in defaults:
        if not parent.startswith(DEFAULT_PREFIX):
            return []  # extends another template of the plugin
        hint = did_you_mean(target, defaults, f"; the default templates are {', '.join(defaults)}")
        return [Problem(plugin, f"extends {parent!r}, which is not a default template{hint}", path.as_posix())]
    if not parent.startswith(DEFAULT_PREFIX) and target == name:
        return [Problem(plugin, f"extends {parent!r}, which is this template itself; write "
                                f"{{% extends \"{DEFAULT_PREFIX}{target}\" %}} to extend the default one",
                        path.as_posix())]
    known = default_blocks(target)
    problems = []
    for block in tree.find_all(nodes.Block):
        if block.name in known:
            continue
        hint = did_you_mean(block.name, known, f"; its blocks are {', '.join(known)}")
        problems.append(Problem(
            plugin,
            f"{{% block {block.name} %}} is not a block of {DEFAULT_PREFIX}{target}, so it would never be shown{hint}",
            f"{path.as_posix()}:{block.lineno}",
        ))
    return problems


def check_overrides(registers: Iterable[SiteRegister]) -> list[Problem]:
    """Every block of a plugin's template that the default template it extends does not have, one problem each."""
    problems = []
    for register in registers:
        for folder in register.template_dirs:
            for path in sorted(folder.rglob("*.html")):
                problems.extend(_check_file(path, path.relative_to(folder).as_posix(), register.plugin))
    return problems


#: What every page's template is given, as :meth:`checkframe.publish.site.SiteRenderer.render` passes it.
COMMON_CONTEXT = {
    "page_path": "本页在网站中的路径，如 `sector/coal_mine.html`",
    "root": "从本页回到网站根目录的相对路径，如 `../`",
    "handbook": "`checkframe.toml` 的 `[handbook]`：`handbook.title`、`handbook.department` 等",
    "catalog": "全部内容（`checkframe.Catalog`）",
    "nav_sectors": "导航栏列出的行业领域",
    "search_placeholder": "搜索框中的提示，如 `搜索检查项，例如：瓦斯、占压、储能`（取自导航栏各行业领域的检查项）",
    "extra_pages": "手册的附加页面（`pages/*.md` 和插件的页面）",
    "pdfs": "打印版 PDF 的路径：检查表 id 或 `forms/表名` → `pdf/…`",
    "changes": "`[changes]` 配置；没有内容变化页时为空",
    "checkpoint_path": "函数：检查项 id → 其页面路径",
    "navigation": "函数：生成本页的导航栏",
    "document_of": "函数：文件 id → 依据文件",
    "category_of": "函数：代码 → 整改类别",
    "group_of": "函数：`sector/group` → 分组",
    "sector_of": "函数：id → 行业领域",
    "HazardLevel": "隐患等级枚举，如 `HazardLevel.MAJOR`",
    "url": "函数：`url(目标路径)` → 从本页出发的相对链接",
}


def template_reference(_: str = "") -> str:
    """The ``@templates`` section of the guide: each default template, its blocks and the variables it uses."""
    from checkframe.publish.site import environment

    env = environment([])
    rows = ["| 变量 | 说明 |", "|---|---|"]
    rows += [f"| `{name}` | {text} |" for name, text in COMMON_CONTEXT.items()]
    parts = ["每个模板都能用的变量：", "", *rows, ""]
    from jinja2 import meta

    for name in default_templates():
        tree = env.parse((_templates_root() / name).read_text(encoding="utf-8"), name)
        imported = {n if isinstance(n, str) else n[-1] for node in tree.find_all(nodes.FromImport) for n in node.names}
        own = sorted(v for v in meta.find_undeclared_variables(tree) - set(COMMON_CONTEXT) - set(env.globals) - imported
                     if not v.startswith("_"))  # `_`: the throwaway of {% set _ = list.append(...) %}
        blocks = default_blocks(name)
        parent = _extends(tree)
        lines = [f"### {name}", ""]
        if name.startswith("_"):
            lines.append("由其他模板包含（include / import），不单独成页。")
        if parent:
            lines.append(f"继承 `{parent}`。")
        lines.append("区块 blocks：" + ("、".join(f"`{b}`" for b in blocks) if blocks else "无"))
        lines.append("")
        lines.append("本模板另用的变量：" + ("、".join(f"`{v}`" for v in own) if own else "无"))
        parts += [*lines, ""]
    return "\n".join(parts).rstrip() + "\n"
