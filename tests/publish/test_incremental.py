"""Incremental builds: a rebuild renders only the pages whose inputs changed, and writes what a cold build writes."""

from __future__ import annotations

import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

import pytest

from checkframe.errors import ContentError
from checkframe.publish import build as build_module
from checkframe.publish import site as site_module
from checkframe.publish.build import STAMP, BuildResult, build
from checkframe.publish.pagecache import FILE, PageCache
from checkframe.publish.project import CACHE, OUTPUT
from doubles import ContentDir, load_only

CONFIG = """
[handbook]
title = "{title}"
department = "测试区应急管理局"
author_guide = false
edition = "{edition}"
"""

GROUPS = ("gas", "fire", "power")


def group_file(group: str, titles: list[str], texts: list[str], articles: list[str]) -> str:
    """A group of five checkpoints; the second of each group references the first checkpoint of the next group."""
    following = GROUPS[(GROUPS.index(group) + 1) % len(GROUPS)]
    rows = [f'[group]\nid = "{group}"\ntitle = "{group}组"\n']
    for n, (title, text, article) in enumerate(zip(titles, texts, articles, strict=True), 1):
        what = f"{text}，按 [[demo-{following}-01]] 判定。" if n == 2 else text
        rows.append(f'[[checkpoint]]\nid = "demo-{group}-{n:02}"\ntitle = "{title}"\nwhat = "{what}"\n'
                    f'how = ["现场检查"]\nlevel = "{"major" if n == 1 else "general"}"\n'
                    f'remediation = ["{"listed_supervision" if n == 1 else "on_site"}"]\n'
                    f'[[checkpoint.basis]]\ndocument = "law"\narticle = "{article}"\n')
    return "\n".join(rows)


class Handbook:
    """The inputs of a handbook (content, project) as data, written into a folder on demand."""

    def __init__(self) -> None:
        self.title = "测试检查手册"
        self.edition = "2024年版"
        self.titles = {g: [f"{g}检查{n}" for n in range(1, 6)] for g in GROUPS}
        self.texts = {g: [f"{g}的第{n}项检查内容。" for n in range(1, 6)] for g in GROUPS}
        self.articles = {g: [f"第{n}条" for n in range(1, 6)] for g in GROUPS}
        self.checklists = {"demo-self": ("自查表", ["demo/gas", "demo-fire-02"]),
                           "demo-fire": ("消防检查表", ["demo-fire-01", "demo-fire-03", "demo-power-05"])}
        self.pages = {"usage.md": "# 使用说明\n\n见[重大隐患](../major-hazards.html)。\n"}

    def write(self, root: Path) -> tuple[Path, ContentDir]:
        """``root/demo`` (the content) and ``root/handbook`` (the project), replaced by this state."""
        content = ContentDir(root / "demo")
        for n, group in enumerate(GROUPS, 1):
            content.write(f"checkpoints/0{n}-{group}.toml",
                          group_file(group, self.titles[group], self.texts[group], self.articles[group]))
        content.write("checklists.toml", "\n".join(
            f'[[checklist]]\nid = "{ident}"\ntitle = "{title}"\nkind = "self_inspection"\nitems = {json.dumps(items)}\n'
            for ident, (title, items) in self.checklists.items()))
        project = root / "handbook"
        shutil.rmtree(project / "pages", ignore_errors=True)
        (project / "pages").mkdir(parents=True)
        (project / "checkframe.toml").write_text(CONFIG.format(title=self.title, edition=self.edition), encoding="utf-8")
        for name, text in self.pages.items():
            (project / "pages" / name).write_text(text, encoding="utf-8")
        return project, content

    def edit(self, rng: random.Random, step: int) -> str:
        """One random edit of the inputs; what it was."""
        kind = rng.choice(["text", "text", "title", "article", "membership", "checklist title", "page", "new page",
                           "site title", "edition"])
        group, n = rng.choice(GROUPS), rng.randrange(5)
        if kind == "text":
            self.texts[group][n] += f"（修订{step}）"
        elif kind == "title":
            self.titles[group][n] += f"修{step}"
        elif kind == "article":  # the sources page lists the checkpoints by the article they cite
            self.articles[group][n] = f"第{rng.randrange(1, 8)}条"
        elif kind == "membership":
            items = self.checklists["demo-fire"][1]
            candidate = f"demo-{group}-{n + 1:02}"
            if candidate in items and len(items) > 1:
                items.remove(candidate)
            elif candidate not in items:
                items.insert(rng.randrange(len(items) + 1), candidate)
        elif kind == "checklist title":
            ident = rng.choice(sorted(self.checklists))
            self.checklists[ident] = (f"{self.checklists[ident][0]}{step}", self.checklists[ident][1])
        elif kind == "page":
            self.pages["usage.md"] += f"\n第{step}次补充说明。\n"
        elif kind == "new page":
            self.pages[f"note-{step}.md"] = f"# 说明{step}\n\n参见 [[demo-gas-0{n + 1}]]。\n"
        elif kind == "site title":
            self.title += str(step)
        else:
            self.edition = f"{2024 + step}年版"
        return f"{kind} {group} {n}"


def tree(root: Path) -> tuple[dict[str, bytes], set[str]]:
    """Every file's bytes, and every folder, below ``root``; the stamp without its fingerprint (which holds where the
    content folder is: the cold builds here read another one)."""
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    stamp = json.loads(files.pop(STAMP))
    assert len(stamp.pop("fingerprint")) == 64
    files[STAMP] = json.dumps(stamp).encode()
    return files, {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir()}


def built(handbook: Handbook, folder: Path, rendered: list[str]) -> BuildResult:
    """Build ``handbook`` as it is now, written in ``folder``; ``rendered`` then lists the pages rendered."""
    project, content = handbook.write(folder)
    del rendered[:]
    return build(project, plugins=load_only(demo=content.plugin()), jobs=1)


def differences(warm: Path, cold: Path) -> list[str]:
    (warm_files, warm_folders), (cold_files, cold_folders) = tree(warm), tree(cold)
    return sorted({p for p in warm_files.keys() | cold_files.keys() if warm_files.get(p) != cold_files.get(p)}
                  | (warm_folders ^ cold_folders))


@pytest.fixture(autouse=True)
def no_pdfs(monkeypatch):
    """Pages only: printing is not what is tested here (the PDF cache has its own keys)."""
    monkeypatch.setattr(build_module, "print_all", lambda *args, **kwargs: None)


@pytest.fixture
def rendered(monkeypatch) -> list[str]:
    """The paths of the pages rendered (in this process: the builds here use jobs=1)."""
    paths: list[str] = []
    real = site_module._render_page

    def spy(work, index):
        paths.append(work[1][index][0])
        return real(work, index)

    monkeypatch.setattr(site_module, "_render_page", spy)
    return paths


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_builds_write_what_a_cold_build_writes(tmp_path, seed, rendered):
    """Random edits, each built on the last build and from nothing, compared file by file and folder by folder."""
    rng = random.Random(seed)
    handbook = Handbook()
    project, content = handbook.write(tmp_path / "warm")
    build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    pages = len(rendered)
    for step in range(1, 7):
        what = handbook.edit(rng, step)
        if rng.random() < 0.3:  # an output file edited or removed by hand is rendered again
            victim = rng.choice(sorted((project / OUTPUT / "checkpoint").iterdir()))
            if rng.random() < 0.5:
                victim.unlink()
            else:
                victim.write_bytes(victim.read_bytes().replace(b"</main>", b"<p>tampered</p></main>"))
            what += f", {victim.name} tampered"
        project, content = handbook.write(tmp_path / "warm")
        del rendered[:]
        warm = build(project, plugins=load_only(demo=content.plugin()), jobs=1)
        assert warm.written and warm.rendered == len(rendered), what
        cold_project, cold_content = handbook.write(tmp_path / f"cold-{step}")
        cold = build(cold_project, plugins=load_only(demo=cold_content.plugin()), jobs=1)
        assert cold.rendered == cold.pages
        assert differences(project / OUTPUT, cold_project / OUTPUT) == [], what
        assert (project / CACHE / FILE).read_bytes() != b""
    assert pages > 20


def test_one_checkpoint_edited_renders_only_the_pages_that_show_it(tmp_path, rendered):
    handbook = Handbook()
    project, content = handbook.write(tmp_path)
    first = build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    assert first.rendered == first.pages == len(rendered)
    handbook.texts["gas"][2] += "（修订）"  # demo-gas-03: in demo-self (the whole gas group), not in demo-fire
    project, content = handbook.write(tmp_path)
    del rendered[:]
    again = build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    assert again.rendered == len(rendered)
    assert sorted(rendered) == sorted([
        # The checkpoint's page, its neighbours' (whose pager shows its title), its sector's and its checklist's.
        "checkpoint/demo-gas-02.html", "checkpoint/demo-gas-03.html", "checkpoint/demo-gas-04.html",
        "sector/demo.html", "checklist/demo-self.html",
        # The 内容来源与版本 page, which shows the catalog's check code (内容校验码).
        "plugins.html",
    ])


def test_a_page_shows_its_own_check_code_and_an_unchanged_page_is_linked_not_written(tmp_path, rendered):
    """本页校验码 is a digest of the page without the code: an edit elsewhere leaves the page, its code and its file
    (hard-linked from the last output) as they were; the catalog's code (内容校验码) is on the plugins page."""
    import re

    from checkframe.publish.site import page_code

    handbook = Handbook()
    project, content = handbook.write(tmp_path)
    build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    out = project / OUTPUT
    before = {p: (p.stat().st_ino, p.read_bytes()) for p in out.rglob("*.html")}
    codes = set()
    for path, (_, data) in before.items():
        found = re.findall(rb"\xe6\x9c\xac\xe9\xa1\xb5\xe6\xa0\xa1\xe9\xaa\x8c\xe7\xa0\x81 ([0-9a-f]{8})", data)
        if not found:
            continue
        assert len(found) == 1, path
        assert page_code(data.split(found[0])) == found[0].decode(), path
        codes.add(found[0])
    assert len(codes) > 20  # one a page
    catalog_code = re.search(r"内容校验码：<code>([0-9a-f]{8})</code>", (out / "plugins.html").read_text("utf-8"))
    assert catalog_code
    handbook.texts["gas"][2] += "（修订）"
    project, content = handbook.write(tmp_path)
    del rendered[:]
    build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    after = {p: (p.stat().st_ino, p.read_bytes()) for p in out.rglob("*.html")}
    assert set(after) == set(before)
    for path, (inode, data) in after.items():
        name = path.relative_to(out).as_posix()
        if name in rendered:
            continue
        assert data == before[path][1], name
        assert inode == before[path][0], name  # hard-linked from the last output, not written again
    assert catalog_code.group(1) not in (out / "plugins.html").read_text("utf-8")


def test_the_cross_sector_pages_are_rendered_when_what_they_show_changes(tmp_path, rendered):
    """The home, sources, major hazards, remediation and plugins pages are keyed by what they show, not by the whole
    catalog: a title shows on the sources page (and the major hazards page, for a major one), a text on neither."""
    handbook = Handbook()
    built(handbook, tmp_path, rendered)
    handbook.titles["fire"][0] += "（修订）"  # demo-fire-01: major, in demo-fire, referenced by demo-gas-02
    built(handbook, tmp_path, rendered)
    assert {"sources.html", "major-hazards.html", "checkpoint/demo-gas-02.html"} <= set(rendered)
    assert not {"index.html", "remediation.html", "pages/usage.html"} & set(rendered)
    handbook.texts["power"][4] += "（修订）"  # demo-power-05: general, cited by 第5条 of the law
    built(handbook, tmp_path, rendered)
    assert not {"sources.html", "major-hazards.html", "index.html"} & set(rendered)
    assert "checkpoint/demo-power-05.html" in rendered


def test_a_new_handbook_title_renders_every_page_and_force_renders_every_page(tmp_path, rendered):
    handbook = Handbook()
    project, content = handbook.write(tmp_path)
    build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    handbook.title = "新的检查手册"
    project, content = handbook.write(tmp_path)
    result = build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    assert result.rendered == result.pages
    (project / "notes.txt").write_text("a project file that no page shows", encoding="utf-8")
    del rendered[:]
    unchanged = build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    assert unchanged.written and unchanged.rendered == 0 == len(rendered)
    forced = build(project, plugins=load_only(demo=content.plugin()), jobs=1, force=True)
    assert forced.rendered == forced.pages


def test_unchanged_pages_are_linked_from_the_last_output_and_a_stopped_build_changes_nothing(tmp_path, monkeypatch):
    """The output is always swapped in whole: pages read back unchanged are hard links to the last output's files,
    and a build stopped after rendering (here while printing) leaves the published output byte for byte as it was."""
    handbook = Handbook()
    project, content = handbook.write(tmp_path)
    build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    page = project / OUTPUT / "checkpoint" / "demo-power-01.html"
    before = page.stat().st_ino
    (project / "notes.txt").write_text("a project file that no page shows", encoding="utf-8")
    result = build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    assert result.written and result.rendered == 0
    assert page.stat().st_ino == before  # the same file, linked into the fresh output
    published, _ = tree(project / OUTPUT)

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(build_module, "print_all", stopped)
    handbook.texts["power"][0] += "（修订）"
    project, content = handbook.write(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    assert tree(project / OUTPUT)[0] == published
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(OUTPUT)) == [OUTPUT]

    class HalfWritten(dict):
        def items(self):
            pairs = list(super().items())
            yield from pairs[:len(pairs) // 2]
            raise KeyboardInterrupt

    real = build_module._write_tree
    monkeypatch.setattr(build_module, "_write_tree", lambda root, files, *rest: real(root, HalfWritten(files), *rest))
    with pytest.raises(KeyboardInterrupt):
        build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    assert tree(project / OUTPUT)[0] == published


def test_an_edition_line_shown_other_than_plainly_keeps_it_in_every_key(tmp_path):
    from checkframe.publish.site import edition_is_plain, environment

    env = environment([])
    assert edition_is_plain(env)
    for source in ['{{ edition|upper }}', '{% set e = edition %}{{ e }}', '{% filter upper %}{{ edition }}{% endfilter %}',
                   '{% set e %}{{ edition }}{% endset %}{{ e|length }}', '{{ context()["edition"] }}x{{ "edition" }}',
                   '{% block b %}{{ edition }}{% endblock %}']:
        folder = tmp_path / str(len(list(tmp_path.iterdir())))
        folder.mkdir()
        (folder / "x.html").write_text(source, encoding="utf-8")
        assert not edition_is_plain(environment([folder])), source
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "x.html").write_text('<p class="edition">{{ handbook.edition }} {{- edition -}}</p>', encoding="utf-8")
    assert edition_is_plain(environment([plain]))


def test_the_author_guide_is_taken_from_the_last_build_and_not_rendered_again(tmp_path, rendered, monkeypatch):
    """Making the guide's pages inspects the code; a build with the same checkframe takes the last build's."""
    from checkframe.publish import pages as pages_module

    made: list[int] = []
    real = pages_module.guide_pages
    monkeypatch.setattr(pages_module, "guide_pages", lambda: made.append(1) or real())
    monkeypatch.setattr(sys.modules[__name__], "CONFIG", CONFIG.replace("author_guide = false", "author_guide = true"))
    handbook = Handbook()
    project, content = handbook.write(tmp_path)
    build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    assert made == [1] and any(path.startswith("guide/") for path in rendered)
    handbook.texts["gas"][2] += "（修订）"
    project, content = handbook.write(tmp_path)
    del rendered[:]
    build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    assert made == [1]  # not made again
    assert not [path for path in rendered if path.startswith("guide/")]
    cold_project, cold_content = handbook.write(tmp_path / "cold")
    build(cold_project, plugins=load_only(demo=cold_content.plugin()), jobs=1)
    assert made == [1, 1]
    assert differences(project / OUTPUT, cold_project / OUTPUT) == []
    monkeypatch.setattr(pages_module, "guide_key", lambda: "another checkframe")
    handbook.texts["gas"][3] += "（修订）"
    project, content = handbook.write(tmp_path)
    build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    assert made == [1, 1, 1]  # made anew for another checkframe


def test_a_link_into_a_page_whose_ids_changed_is_checked_again(tmp_path, rendered):
    """A page read back is not checked again while every page it could reach is as it was; once a page rendered
    anew has other ids, every link is checked: an anchor gone from one page breaks another, unchanged, page."""
    handbook = Handbook()
    handbook.pages["a.md"] = "# 甲\n\n见[乙的第二节](b.html#第二节)。\n"
    handbook.pages["b.md"] = "# 乙\n\n## 第二节\n\n内容。\n"
    built(handbook, tmp_path, rendered)
    handbook.pages["b.md"] = "# 乙\n\n## 第二节\n\n内容有修订。\n"  # the same ids
    assert built(handbook, tmp_path, rendered).written
    assert rendered == ["pages/b.html"]
    handbook.pages["b.md"] = "# 乙\n\n## 第三节\n\n内容。\n"  # #第二节 is gone; a.md, unchanged, links to it
    with pytest.raises(ContentError) as info:
        built(handbook, tmp_path, rendered)
    assert rendered == ["pages/b.html"]
    [problem] = [str(problem) for problem in info.value.problems]
    assert problem == f"{tmp_path.as_posix()}/handbook/pages/a.md:3: broken link to 'b.html#第二节': no anchor #第二节 there"


def test_the_search_index_is_patched_and_made_anew_by_another_checkframe(tmp_path, monkeypatch):
    """An edit patches the last index; an index another checkframe made (which may encode its files otherwise)
    is made anew: the same files either way."""
    from checkframe.publish import search

    previous: list[object] = []
    real = build_module.build_index

    def spy(documents, last=None):
        previous.append(last)
        return real(documents, last)

    monkeypatch.setattr(build_module, "build_index", spy)
    handbook = Handbook()
    project, content = handbook.write(tmp_path)
    build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    handbook.texts["gas"][2] += "（修订）"
    project, content = handbook.write(tmp_path)
    build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    assert previous[0] is None and isinstance(previous[1], search.Previous)
    monkeypatch.setattr(build_module, "package_digest", lambda: "another checkframe")
    handbook.texts["gas"][3] += "（修订）"
    project, content = handbook.write(tmp_path)
    build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    assert previous[2] is None
    cold_project, cold_content = handbook.write(tmp_path / "cold")
    build(cold_project, plugins=load_only(demo=cold_content.plugin()), jobs=1)
    assert differences(project / OUTPUT, cold_project / OUTPUT) == []


def test_a_link_into_a_page_a_plugin_adds_is_checked_again(tmp_path):
    """A plugin's own pages are not in the page cache: whether their ids changed is not known, so every link is
    checked when a plugin adds a page."""
    import types

    from checkframe import hookimpl

    anchor = ["part-1"]

    @hookimpl
    def checkframe_pages_rendered(files):
        files.add("extra/notes.html", f'<!DOCTYPE html><html lang="zh"><title>注</title><p id="{anchor[0]}">注</p>')

    notes = types.ModuleType("notes")
    notes.checkframe_pages_rendered = checkframe_pages_rendered  # type: ignore[attr-defined]
    handbook = Handbook()
    handbook.pages["a.md"] = "# 甲\n\n见[注一](../extra/notes.html#part-1)。\n"
    project, content = handbook.write(tmp_path)
    build(project, plugins=load_only(demo=content.plugin(), notes=notes), jobs=1)
    anchor[0] = "part-2"
    handbook.texts["gas"][2] += "（修订）"  # a.md is read back, unchanged
    project, content = handbook.write(tmp_path)
    with pytest.raises(ContentError) as info:
        build(project, plugins=load_only(demo=content.plugin(), notes=notes), jobs=1)
    [problem] = [str(problem) for problem in info.value.problems]
    assert problem.startswith(f"{tmp_path.as_posix()}/handbook/pages/a.md:3: broken link to '../extra/notes.html#")


def test_the_check_code_is_made_from_the_export_parts_of_the_last_build(tmp_path, monkeypatch):
    """Each checkpoint's part of the export (whose digest is the check code) is taken from the page cache while the
    checkpoint is as it was; an edited checkpoint's is made anew, and so is every part for another checkframe."""
    made: list[str] = []
    real = site_module.checkpoint_json

    def spy(checkpoint):
        made.append(checkpoint.id)
        return real(checkpoint)

    monkeypatch.setattr(site_module, "checkpoint_json", spy)
    handbook = Handbook()
    project, content = handbook.write(tmp_path)
    build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    assert len(made) == 15
    made.clear()
    handbook.texts["gas"][2] += "（修订）"
    project, content = handbook.write(tmp_path)
    build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    assert made == ["demo-gas-03"]
    made.clear()
    monkeypatch.setattr(site_module, "package_digest", lambda: "another checkframe")
    handbook.texts["gas"][3] += "（修订）"
    project, content = handbook.write(tmp_path)
    build(project, plugins=load_only(demo=content.plugin()), jobs=1)
    assert len(made) == 15
    cold_project, cold_content = handbook.write(tmp_path / "cold")
    build(cold_project, plugins=load_only(demo=cold_content.plugin()), jobs=1)
    assert differences(project / OUTPUT, cold_project / OUTPUT) == []


def test_a_new_link_into_a_page_read_back_is_checked_against_its_kept_ids(tmp_path, rendered):
    """The page cache keeps a page's links and ids encoded; a page rendered anew that links into a page read back
    is checked against the ids kept for it."""
    handbook = Handbook()
    handbook.pages["a.md"] = "# 甲\n\n见[乙](b.html)。\n"
    handbook.pages["b.md"] = "# 乙\n\n## 第二节\n\n内容。\n"
    built(handbook, tmp_path, rendered)
    handbook.pages["a.md"] = "# 甲\n\n见[乙的第二节](b.html#第二节)。\n"
    assert built(handbook, tmp_path, rendered).written
    assert rendered == ["pages/a.html"]
    handbook.pages["a.md"] = "# 甲\n\n见[乙的第三节](b.html#第三节)。\n"
    with pytest.raises(ContentError) as info:
        built(handbook, tmp_path, rendered)
    assert rendered == ["pages/a.html"]
    [problem] = [str(problem) for problem in info.value.problems]
    assert problem.endswith("no anchor #第三节 there")


def test_kept_links_are_the_links_found():
    from checkframe.publish.links import keep_links, kept_links, page_links

    found = page_links('<main id="main"><a href="b.html#x">b</a><img src="p.png"><h2 id="二">二</h2></main>')
    assert kept_links(keep_links(found)) == found
    assert kept_links(found) is found
    with pytest.raises(ValueError):
        kept_links(__import__("marshal").dumps(("not", "links")))


def test_a_page_file_whose_stat_is_as_written_is_not_read_unless_racy_and_an_edit_by_hand_is_noticed(
        tmp_path, rendered, monkeypatch):
    """A kept page whose file has the size, time and inode recorded when it was written or linked, and is older than
    the page cache by the margin, is trusted unread (as git's index trusts a file's stat); a page edited by hand (a new
    time), or one whose time is too close to the cache's to tell an edit in the same tick ("racily clean"), is read,
    found changed and rendered again."""
    trusted: dict[str, bool] = {}
    real = PageCache.trusted

    def spy(self, path, info):
        trusted[path] = real(self, path, info)
        return trusted[path]

    monkeypatch.setattr(PageCache, "trusted", spy)
    handbook = Handbook()
    built(handbook, tmp_path, rendered)
    output = tmp_path / "handbook" / OUTPUT
    old = time.time_ns() - 3600 * 10**9
    for file in output.rglob("*"):
        if file.is_file():
            os.utime(file, ns=(old, old))
    handbook.texts["power"][4] += "（修订）"
    built(handbook, tmp_path, rendered)
    assert trusted and not any(trusted.values())  # every time changed by hand: each page read, its stat recorded
    first = set(rendered)
    trusted.clear()
    handbook.texts["gas"][2] += "（修订）"
    built(handbook, tmp_path, rendered)
    racily = {path for path, yes in trusted.items() if not yes}
    assert racily and racily == first - set(rendered)  # written by the last build, not rendered again: racily clean
    assert sum(trusted.values()) > 10
    racy, edited = output / "checkpoint" / "demo-gas-03.html", output / "checkpoint" / "demo-fire-03.html"
    assert "checkpoint/demo-gas-03.html" in rendered and trusted.get("checkpoint/demo-fire-03.html") is True
    expected = {racy: racy.read_bytes(), edited: edited.read_bytes()}
    before = racy.stat()
    with open(racy, "r+b") as handle:  # in place, the same size, then the time it had: an edit in the same tick
        handle.write(expected[racy].replace(b"</main>", b"</MAIN>"))
    os.utime(racy, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert racy.stat().st_ino == before.st_ino and racy.stat().st_size == before.st_size
    edited.write_bytes(expected[edited].replace(b"</main>", b"</MAIN>"))  # a normal edit: the same size, a new time
    trusted.clear()
    handbook.texts["power"][0] += "（修订）"
    built(handbook, tmp_path, rendered)
    assert trusted["checkpoint/demo-gas-03.html"] is False and trusted["checkpoint/demo-fire-03.html"] is False
    assert {"checkpoint/demo-gas-03.html", "checkpoint/demo-fire-03.html"} <= set(rendered)
    assert {file: file.read_bytes() for file in expected} == expected
