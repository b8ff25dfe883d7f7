"""The plugin system: entry points loaded one by one, broken plugins named, not fatal to others."""

from __future__ import annotations

import textwrap
import types
from pathlib import Path

import pytest

from checkframe import RemediationCategory, hookimpl
from checkframe.catalog import build_catalog
from checkframe.errors import ContentError
from checkframe.plugins import ENV_ALLOWLIST, load_plugins
from doubles import load_only, problems_of


def install_fake_distribution(root: Path, name: str, entry_points: dict[str, str], modules: dict[str, str]) -> None:
    """Lay out a distribution as pip would: modules plus a .dist-info with entry points."""
    for module, source in modules.items():
        (root / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = root / f"{name.replace('-', '_')}-1.2.3.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.2.3\n", encoding="utf-8")
    lines = "\n".join(f"{k} = {v}" for k, v in entry_points.items())
    (info / "entry_points.txt").write_text(f"[checkframe]\n{lines}\n", encoding="utf-8")



GOOD = '''
from checkframe import hookimpl, RemediationCategory

@hookimpl
def checkframe_register_content(register):
    register.remediation_category(RemediationCategory(code="cfp_stop", name="停产整改", levels=("major",)))
'''


def only(*names: str):
    return load_plugins(environ={ENV_ALLOWLIST: ",".join(names)})


def test_builtin_remediation_categories_always_load():
    plugins = load_only()
    catalog = build_catalog(plugins)
    assert [c.code for c in catalog.categories] == ["on_site", "deadline", "listed_supervision"]
    assert [c.name for c in catalog.categories] == ["现场整改", "限期整改", "挂牌督办"]
    assert {c.plugin for c in catalog.categories} == {"checkframe.builtin.remediation"}


def test_an_installed_plugin_adds_a_remediation_category(site_dir):
    install_fake_distribution(site_dir, "cfp-good", {"cfp_good": "cfp_good"}, {"cfp_good": GOOD})
    plugins = only("cfp_good")
    info = plugins.info("cfp_good")
    assert (info.distribution, info.version) == ("cfp-good", "1.2.3")
    catalog = build_catalog(plugins)
    assert catalog.category("cfp_stop").plugin == "cfp_good"


def test_import_error_is_reported_and_others_still_load(site_dir):
    install_fake_distribution(site_dir, "cfp-good", {"cfp_good": "cfp_good"}, {"cfp_good": GOOD})
    install_fake_distribution(
        site_dir, "cfp-broken", {"cfp_broken": "cfp_broken"}, {"cfp_broken": "import does_not_exist\n"}
    )
    plugins = only("cfp_good", "cfp_broken")
    assert list(plugins.infos) == ["checkframe.builtin.remediation", "cfp_good"]
    assert [str(p) for p in plugins.problems] == [
        "cfp_broken (cfp-broken 1.2.3): cannot be loaded (cfp_broken): "
        f"ModuleNotFoundError: No module named 'does_not_exist' (at {site_dir / 'cfp_broken.py'}:1)"
    ]
    with pytest.raises(ContentError) as info:
        build_catalog(plugins)
    assert [str(p) for p in info.value.problems] == [str(plugins.problems[0])]


def test_allowlist_skips_a_broken_plugin(site_dir):
    install_fake_distribution(
        site_dir, "cfp-broken", {"cfp_broken": "cfp_broken"}, {"cfp_broken": "raise RuntimeError('boom')\n"}
    )
    install_fake_distribution(site_dir, "cfp-good", {"cfp_good": "cfp_good"}, {"cfp_good": GOOD})
    plugins = only("cfp_good")
    assert plugins.problems == []
    assert "cfp_broken" in plugins.skipped
    assert build_catalog(plugins).has("category", "cfp_stop")


def test_empty_allowlist_loads_only_builtins(site_dir):
    install_fake_distribution(site_dir, "cfp-good", {"cfp_good": "cfp_good"}, {"cfp_good": GOOD})
    plugins = load_plugins(environ={ENV_ALLOWLIST: ""})
    assert list(plugins.infos) == ["checkframe.builtin.remediation"]


def test_a_hook_that_raises_is_named_and_others_contribute(content):
    broken = types.ModuleType("broken")

    @hookimpl
    def checkframe_register_content(register):
        raise ValueError("content folder moved")

    line = checkframe_register_content.__code__.co_firstlineno + 2
    broken.checkframe_register_content = checkframe_register_content
    with pytest.raises(ContentError) as info:
        build_catalog(load_only(broken=broken, demo=content.plugin()))
    assert [str(p) for p in info.value.problems] == [
        f"broken: hook checkframe_register_content raised ValueError: content folder moved (at {__file__}:{line})"
    ]
    assert 'raise ValueError("content folder moved")' in info.value.problems[0].traceback


def test_a_misspelt_register_method_names_the_right_one(content):
    typo = types.ModuleType("typo")

    @hookimpl
    def checkframe_register_content(register):
        register.content_directory("content")

    line = checkframe_register_content.__code__.co_firstlineno + 2
    typo.checkframe_register_content = checkframe_register_content
    with pytest.raises(ContentError) as info:
        build_catalog(load_only(typo=typo))
    assert [str(p) for p in info.value.problems] == [
        "typo: hook checkframe_register_content raised AttributeError: 'Register' has no attribute "
        f"'content_directory'; did you mean 'content_dir'? (at {__file__}:{line})"
    ]


def test_misspelled_hook_fails_at_start_up():
    typo = types.ModuleType("typo")

    @hookimpl
    def checkframe_register_contents(register):
        pass

    typo.checkframe_register_contents = checkframe_register_contents
    plugins = load_only(typo=typo)
    assert [str(p) for p in plugins.problems] == [
        "typo: unknown hook 'checkframe_register_contents'; "
        "did you mean 'checkframe_register_content'?"
    ]
    assert "typo" not in plugins.infos


def test_hook_asking_for_an_unknown_argument_fails_at_start_up():
    odd = types.ModuleType("odd")

    @hookimpl
    def checkframe_register_content(registry):
        pass

    odd.checkframe_register_content = checkframe_register_content
    problems = [str(p) for p in load_only(odd=odd).problems]
    assert len(problems) == 1
    assert problems[0].startswith("odd: invalid hook implementation: ")
    assert "registry" in problems[0]


def test_plugin_content_problems_name_the_plugin(content):
    content.edit("sector.toml", 'name = "测试行业"', 'name = ""')
    assert problems_of(demo=content.plugin()) == [
        "demo: sector.toml:4: [sector], name: expected a non-empty text (got an empty one)"
    ]


# -- Hooks are called through pluggy, in pluggy's order ---------------------------------------


def recording_plugin(name: str, calls: list[str], **options: bool) -> types.ModuleType:
    """A plugin that notes when its content hook is called and registers one remediation category."""
    module = types.ModuleType(f"plugin_{name}")

    @hookimpl(**options)
    def checkframe_register_content(register):
        calls.append(name)
        register.remediation_category(RemediationCategory(code=f"{name}_stop", name=f"{name}停产", levels=("major",)))

    module.checkframe_register_content = checkframe_register_content  # type: ignore[attr-defined]
    return module


def test_hooks_are_called_in_load_order_and_tryfirst_trylast_are_honoured():
    calls: list[str] = []
    plugins = load_only(
        first=recording_plugin("first", calls),
        late=recording_plugin("late", calls, trylast=True),
        eager=recording_plugin("eager", calls, tryfirst=True),
        last=recording_plugin("last", calls),
    )
    catalog = build_catalog(plugins)
    assert calls == ["eager", "first", "last", "late"]
    # The built-in categories still come first unless a plugin asks to go first; then the call order.
    assert [c.code for c in catalog.categories] == [
        "eager_stop", "on_site", "deadline", "listed_supervision", "first_stop", "last_stop", "late_stop",
    ]
    assert list(plugins.infos)[1:] == ["first", "late", "eager", "last"]  # listed as loaded


def test_a_hook_wrapper_is_refused_by_name():
    calls: list[str] = []
    problems = problems_of(wrapping=recording_plugin("wrapping", calls, wrapper=True),
                           old_style=recording_plugin("old_style", calls, hookwrapper=True),
                           fine=recording_plugin("fine", calls))
    assert problems == [
        "wrapping: hook checkframe_register_content is declared as a wrapper, which checkframe does not call: "
        "each plugin's hook is called on its own; remove wrapper=True (or hookwrapper=True) from its @hookimpl",
        "old_style: hook checkframe_register_content is declared as a wrapper, which checkframe does not call: "
        "each plugin's hook is called on its own; remove wrapper=True (or hookwrapper=True) from its @hookimpl",
    ]
    assert calls == ["fine"]


def test_hook_calls_are_traceable():
    calls: list[str] = []
    plugins = load_only(traced=recording_plugin("traced", calls))
    seen: list[tuple[str, list[str]]] = []
    undo = plugins.pm.add_hookcall_monitoring(
        lambda hook_name, impls, kwargs: seen.append((hook_name, [i.plugin_name for i in impls])),
        lambda outcome, hook_name, impls, kwargs: None,
    )
    try:
        build_catalog(plugins)
    finally:
        undo()
    assert seen == [
        ("checkframe_register_content", ["checkframe.builtin.remediation"]),
        ("checkframe_register_content", ["traced"]),
    ]
    assert calls == ["traced"]
