"""The cycle collector paused over a build, and running again where printing makes cycles."""

from __future__ import annotations

import gc

import pytest

import checkframe.publish.build as build_module
from checkframe.util import collector
from doubles import handbook_project, load_only


@pytest.fixture
def collecting():
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_running_inside_paused_turns_it_on_for_the_block_only(collecting):
    with collector.paused():
        assert not gc.isenabled()
        with collector.running():
            assert gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_running_inside_paused_leaves_what_the_paused_block_made_out_of_its_passes(collecting):
    with collector.paused():
        made = [[] for _ in range(1000)]
        with collector.running():
            assert gc.get_freeze_count() >= len(made)
            tracked = {id(o) for o in gc.get_objects()}
            assert not any(id(o) in tracked for o in made)
        assert gc.get_freeze_count() == 0
    assert any(o is made[0] for o in gc.get_objects())


def test_running_leaves_it_on_when_it_was_on(collecting):
    with collector.running():
        assert gc.isenabled()
    assert gc.isenabled()


def test_a_build_renders_with_the_collector_paused_and_prints_with_it_running(collecting, content, tmp_path,
                                                                              monkeypatch):
    seen: dict[str, bool] = {}
    real_render = build_module.render_site

    def render_site(*args, **kwargs):
        seen["rendering"] = gc.isenabled()
        return real_render(*args, **kwargs)

    def print_all(*args, **kwargs):
        seen["printing"] = gc.isenabled()

    monkeypatch.setattr(build_module, "render_site", render_site)
    monkeypatch.setattr(build_module, "print_all", print_all)
    project = handbook_project(tmp_path / "handbook")
    assert build_module.build(project, plugins=load_only(demo=content.plugin())).written
    assert seen == {"rendering": False, "printing": True}
    assert gc.isenabled()


def test_a_second_build_in_a_process_starts_with_the_first_one_freed(content, tmp_path, monkeypatch):
    # A build's objects are reachable through jinja2's cycles until the collector runs; with it off, only the
    # build itself frees them, before it makes its own.
    seen: list[bool] = []
    real_render = build_module.render_site

    def render_site(*args, **kwargs):
        seen.append(first is not None and first() is None)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(build_module, "print_all", lambda *args, **kwargs: None)
    project = handbook_project(tmp_path / "handbook")
    first = None
    was = gc.isenabled()
    gc.disable()
    try:
        build_module.build(project, plugins=load_only(demo=content.plugin()))
        first = build_module._last_build
        assert first is not None and first() is not None  # left to the collector
        monkeypatch.setattr(build_module, "render_site", render_site)
        build_module.build(project, plugins=load_only(demo=content.plugin()), force=True)
    finally:
        (gc.enable if was else gc.disable)()
    assert seen == [True]
