"""What each output depends on (publish/inputs.py): change one input, and what reads it is made again, nothing else.

PDFs are not rendered here: ``_render_job`` is replaced by one that records
the job and writes its key, which is all the cache needs.
"""

from __future__ import annotations

import hashlib
import os
import re
import types
from pathlib import Path

import pytest
from attrs import evolve

from checkframe import hookimpl
from checkframe.publish import inputs, pdfs, printing
from checkframe.publish.build import build
from checkframe.publish.project import load_project
from checkframe.publish.site import gather_site
from doubles import HANDBOOK_CONFIG, catalog_of, handbook_project, load_only


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return handbook_project(tmp_path / "handbook", {"usage.md": "# 使用说明\n\n第一版。\n"})


@pytest.fixture
def rendered(monkeypatch) -> list[str]:
    """The PDFs rendered since the test began (or the list was cleared), by name."""
    names: list[str] = []

    def render(shared: tuple[object, object, Path], job: pdfs.PrintJob) -> Path:
        cache_dir = shared[2]
        names.append(job.name)
        target = cache_dir / f"{job.key}.pdf"
        target.write_bytes(b"%PDF-1.7 " + job.key.encode())
        return target

    monkeypatch.setattr(pdfs, "_render_job", render)
    return names


@pytest.fixture
def package(tmp_path: Path, monkeypatch):
    """A stand-in for checkframe's package folder, hashed afresh after each edit (see :func:`edit_package`)."""
    root = tmp_path / "package"
    for name, text in {
        "publish/printing.py": "VERSION = 1\n",
        "templates/print/print.css": "body { color: black; }\n",
        "templates/site/base.html": "<html>{% block body %}{% endblock %}</html>\n",
        "static/site.css": "body { color: black; }\n",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(inputs, "PACKAGE", root)
    inputs.package_digest.cache_clear()
    yield root
    inputs.package_digest.cache_clear()


def edit_package(root: Path, name: str, text: str) -> None:
    (root / name).write_text(text, encoding="utf-8")
    inputs.package_digest.cache_clear()  # a new process: checkframe's files are hashed once per process


def site_plugin(pages: dict[str, str]) -> types.ModuleType:
    module = types.ModuleType("site_pages")

    @hookimpl
    def checkframe_register_site(site):
        for slug, text in pages.items():
            site.page(slug, text)

    module.checkframe_register_site = checkframe_register_site
    return module


def keys(project_root: Path, content) -> dict[str, str]:
    project = load_project(project_root)
    return {job.name: job.key for job in pdfs.print_jobs(catalog_of(demo=content.plugin()), project)}


def built(project: Path, name: str) -> str:
    return (project / "_build" / name).read_text(encoding="utf-8")


# -- (a) a plugin's page registered in Python ------------------------------------------------


def test_a_plugin_page_registered_in_python_is_an_input(project, content, rendered):
    def plugins(text: str):
        return load_only(demo=content.plugin(), site=site_plugin({"drills": text}))

    assert build(project, plugins=plugins("# 应急演练\n\n每年一次。"), jobs=1).written is True
    assert "每年一次" in built(project, "pages/drills.html")
    assert build(project, plugins=plugins("# 应急演练\n\n每年一次。"), jobs=1).written is False
    rendered.clear()
    assert build(project, plugins=plugins("# 应急演练\n\n每半年一次。"), jobs=1).written is True
    assert "每半年一次" in built(project, "pages/drills.html")
    assert rendered == []  # no PDF shows a plugin's page


def test_the_fingerprint_reads_the_site_registers(project, content):
    def stamp(pages: dict[str, str]) -> str | None:
        plugins = load_only(demo=content.plugin(), site=site_plugin(pages))
        return inputs.fingerprint(project, plugins, gather_site(plugins, []))

    first = stamp({"drills": "# 演练\n\n一。"})
    assert first is not None and stamp({"drills": "# 演练\n\n一。"}) == first
    assert stamp({"drills": "# 演练\n\n二。"}) != first
    assert stamp({"fire-drills": "# 演练\n\n一。"}) != first
    assert stamp({"drills": "# 演练\n\n一。", "more": "# 更多"}) != first


# -- (b) the project's files, through symlinks -----------------------------------------------


def test_a_symlinked_pages_folder_is_followed(tmp_path, project, content, rendered):
    shared = tmp_path / "shared-pages"
    (project / "pages").rename(shared)
    (project / "pages").symlink_to(shared, target_is_directory=True)
    plugins = load_only(demo=content.plugin())
    build(project, plugins=plugins, jobs=1)
    assert "第一版" in built(project, "pages/usage.html")
    assert build(project, plugins=plugins, jobs=1).written is False

    (shared / "usage.md").write_text("# 使用说明\n\n第二版。\n", encoding="utf-8")
    assert build(project, plugins=plugins, jobs=1).written is True
    assert "第二版" in built(project, "pages/usage.html")


def test_a_symlinked_page_file_is_followed(tmp_path, project, content, rendered):
    target = tmp_path / "elsewhere.md"
    target.write_text("# 别处\n\n第一版。\n", encoding="utf-8")
    (project / "pages" / "elsewhere.md").symlink_to(target)
    plugins = load_only(demo=content.plugin())
    build(project, plugins=plugins, jobs=1)
    target.write_text("# 别处\n\n第二版。\n", encoding="utf-8")
    assert build(project, plugins=plugins, jobs=1).written is True
    assert "第二版" in built(project, "pages/elsewhere.html")


def test_a_symlink_loop_is_read_once(tmp_path):
    root = tmp_path / "tree"
    (root / "a").mkdir(parents=True)
    (root / "a" / "page.md").write_text("x", encoding="utf-8")
    (root / "a" / "up").symlink_to(root, target_is_directory=True)  # a loop
    (root / "again").symlink_to(root / "a", target_is_directory=True)  # a second way to one folder
    (root / "self.md").symlink_to(root / "self.md")  # a link to itself
    (root / "broken.md").symlink_to(tmp_path / "missing.md")

    def digest() -> str:
        h = hashlib.sha256()
        inputs.digest_tree(root, h)
        return h.hexdigest()

    first = digest()
    assert digest() == first
    (root / "a" / "page.md").write_text("y", encoding="utf-8")
    assert digest() != first


def test_a_link_into_the_output_is_not_an_input(project, content, rendered):
    (project / "built").symlink_to(project / "_build", target_is_directory=True)
    plugins = load_only(demo=content.plugin())
    build(project, plugins=plugins, jobs=1)
    assert build(project, plugins=plugins, jobs=1).written is False


def test_a_folder_that_cannot_be_listed_makes_the_build_go_ahead(project, content, rendered):
    if os.geteuid() == 0:
        pytest.skip("root reads every folder")
    (project / "private").mkdir()
    (project / "private").chmod(0)
    try:
        plugins = load_only(demo=content.plugin())
        assert inputs.fingerprint(project, plugins, []) is None
        assert build(project, plugins=plugins, jobs=1).written is True
        assert build(project, plugins=plugins, jobs=1).written is True
    finally:
        (project / "private").chmod(0o755)


# -- (c) checkframe's own files, by content --------------------------------------------------


def test_checkframe_code_with_the_same_version_prints_every_pdf_again(project, content, rendered, package):
    plugins = load_only(demo=content.plugin())
    build(project, plugins=plugins, jobs=1)
    every = sorted(rendered)
    assert every == sorted(keys(project, content)) and len(every) > len(printing.FORMS)
    rendered.clear()
    assert build(project, plugins=plugins, jobs=1).written is False

    edit_package(package, "publish/printing.py", "VERSION = 1  # same version, other code\n")
    assert build(project, plugins=plugins, jobs=1).written is True
    assert sorted(rendered) == every  # not the cached PDFs of the old code


@pytest.mark.parametrize("name", ["templates/print/print.css", "publish/printing.py"])
def test_a_print_template_or_code_changes_every_pdf_key(project, content, package, name):
    before = keys(project, content)
    edit_package(package, name, "/* changed */\n")
    after = keys(project, content)
    assert all(after[n] != before[n] for n in before)


@pytest.mark.parametrize("name", ["templates/site/base.html", "static/site.css"])
def test_a_site_template_rebuilds_the_site_but_no_pdf(project, content, rendered, package, name):
    plugins = load_only(demo=content.plugin())
    build(project, plugins=plugins, jobs=1)
    before = keys(project, content)
    rendered.clear()
    edit_package(package, name, "<!-- changed -->\n")
    assert keys(project, content) == before
    assert build(project, plugins=plugins, jobs=1).written is True
    assert rendered == []


def test_the_package_digest_is_taken_once_per_process(package):
    first = inputs.package_digest()
    (package / "publish" / "printing.py").write_text("VERSION = 2\n", encoding="utf-8")
    assert inputs.package_digest() == first
    inputs.package_digest.cache_clear()
    assert inputs.package_digest() != first


# -- The project's configuration and the machine ---------------------------------------------


def test_a_new_handbook_title_rebuilds_the_site_but_no_pdf(project, content, rendered):
    plugins = load_only(demo=content.plugin())
    build(project, plugins=plugins, jobs=1)
    before = keys(project, content)
    rendered.clear()
    (project / "checkframe.toml").write_text(HANDBOOK_CONFIG.replace("测试检查手册", "另一本手册"), encoding="utf-8")
    assert keys(project, content) == before
    assert build(project, plugins=plugins, jobs=1).written is True
    assert "另一本手册" in built(project, "index.html")
    assert rendered == []

    (project / "checkframe.toml").write_text(HANDBOOK_CONFIG.replace("测试区", "另一区"), encoding="utf-8")
    assert all(key != before[name] for name, key in keys(project, content).items())


def test_the_pdf_key_holds_every_field_of_the_project_that_printing_reads():
    source = Path(printing.__file__).read_text(encoding="utf-8")
    assert set(re.findall(r"project\.config\.(\w+)", source)) <= set(inputs.PRINTED_CONFIG)
    assert set(re.findall(r"project\.(\w+)", source)) <= {"config", "print"}
    for template in Path(printing.TEMPLATES).rglob("*.html"):
        assert "project" not in template.read_text(encoding="utf-8"), template  # templates see the context only


def test_source_date_epoch_is_an_input_of_the_build_and_the_pdfs(project, content, rendered, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    plugins = load_only(demo=content.plugin())
    build(project, plugins=plugins, jobs=1)
    before = keys(project, content)
    rendered.clear()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    assert build(project, plugins=plugins, jobs=1).written is True
    assert sorted(rendered) == sorted(before)


def test_the_fonts_change_every_pdf_key(project, content, monkeypatch):
    from checkframe.publish import fonts

    before = keys(project, content)
    real = fonts._cjk_fonts()
    monkeypatch.setattr(fonts, "_cjk_fonts", lambda: [*real, "/usr/share/fonts/new.otf: 新字体"])
    assert all(key != before[name] for name, key in keys(project, content).items())


def test_a_checkpoint_changes_the_keys_of_the_checklists_only(project, content):
    catalog = catalog_of(demo=content.plugin())
    changed = evolve(catalog, checkpoints=tuple(evolve(c, what=c.what + "。") for c in catalog.checkpoints))
    project_ = load_project(project)
    before = {job.name: job.key for job in pdfs.print_jobs(catalog, project_)}
    after = {job.name: job.key for job in pdfs.print_jobs(changed, project_)}
    assert {name for name in before if after[name] != before[name]} == {f"{c.id}.pdf" for c in catalog.checklists}


# -- The search index ------------------------------------------------------------------------


def test_the_units_the_fill_in_mode_offers_are_inputs_even_outside_the_project(tmp_path, content):
    project = handbook_project(tmp_path / "handbook", config=HANDBOOK_CONFIG + 'units = "../ledger"\n')
    (tmp_path / "ledger" / "units").mkdir(parents=True)
    unit = tmp_path / "ledger" / "units" / "acme.toml"
    unit.write_text('name = "恒安化工"\ntownship = "东城街道"\nsector = "demo"\n', encoding="utf-8")
    plugins = load_only(demo=content.plugin())
    first = inputs.fingerprint(project, plugins, [])
    assert first is not None and inputs.fingerprint(project, plugins, []) == first
    unit.write_text('name = "恒安化工有限公司"\ntownship = "东城街道"\nsector = "demo"\n', encoding="utf-8")
    assert inputs.fingerprint(project, plugins, []) != first
