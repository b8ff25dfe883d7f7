"""The archive of printed checklists that the fireworks plugin writes after every build."""

import csv
import io
import zipfile

import attrs

import checkframe_fireworks as plugin
from checkframe.testing import plugin_catalog


@attrs.frozen
class Project:
    """What the hook reads of a handbook project: the checklists it prints."""

    checklists: tuple[str, ...] = ()

    def checklist_ids(self, catalog):
        return list(self.checklists) or [c.id for c in catalog.checklists]


def written(tmp_path, catalog, project):
    """A written handbook with a stand-in PDF per checklist, after the plugin's hook ran on it."""
    output = tmp_path / "_build"
    (output / "pdf").mkdir(parents=True)
    for checklist in catalog.checklists:
        (output / "pdf" / f"{checklist.id}.pdf").write_bytes(f"%PDF-1.7 {checklist.id}".encode())
    plugin.checkframe_build_written(output=output, catalog=catalog, project=project)
    return output


def test_the_hook_is_registered_as_the_build_written_event():
    assert hasattr(plugin.checkframe_build_written, "checkframe_impl")


def test_the_archive_holds_every_fireworks_checklist_under_its_title_and_its_items(tmp_path):
    catalog = plugin_catalog("general", "fireworks")
    output = written(tmp_path, catalog, Project())
    fireworks = catalog.sector_checklists("fireworks")
    with zipfile.ZipFile(output / plugin.ARCHIVE_PATH) as archive:
        assert archive.namelist() == [f"{c.title}.pdf" for c in fireworks] + ["检查项目.csv"]
        assert archive.read("烟花爆竹零售店（点）检查表.pdf") == b"%PDF-1.7 fireworks-retail"
        text = archive.read("检查项目.csv").decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == list(plugin.ITEMS_HEADER)
    assert len(rows) - 1 == sum(len(c.checkpoints) for c in fireworks)
    retail = [r for r in rows[1:] if r[0] == "烟花爆竹零售店（点）检查表"]
    assert [r[1] for r in retail] == [str(n) for n in range(1, len(retail) + 1)]
    first = catalog.checkpoint(retail[0][2])
    assert retail[0][3:6] == [first.title, " ".join(first.what.split()), first.level.label]
    assert retail[0][6].startswith(f"《{catalog.document(first.basis[0].document).title}》")
    assert {r[5] for r in rows[1:]} == {"重大事故隐患", "一般事故隐患"}


def test_the_same_build_gives_the_same_archive(tmp_path):
    catalog = plugin_catalog("general", "fireworks")
    first = written(tmp_path / "a", catalog, Project()) / plugin.ARCHIVE_PATH
    second = written(tmp_path / "b", catalog, Project()) / plugin.ARCHIVE_PATH
    assert first.read_bytes() == second.read_bytes()


def test_a_handbook_that_prints_only_some_fireworks_checklists_packs_those(tmp_path):
    catalog = plugin_catalog("general", "fireworks")
    output = written(tmp_path, catalog, Project(("fireworks-retail",)))
    with zipfile.ZipFile(output / plugin.ARCHIVE_PATH) as archive:
        assert archive.namelist() == ["烟花爆竹零售店（点）检查表.pdf", "检查项目.csv"]


def test_a_handbook_without_fireworks_checklists_gets_no_archive(tmp_path):
    catalog = plugin_catalog("general", "fireworks")
    output = written(tmp_path, catalog, Project(("general-self",)))
    assert not (output / plugin.ARCHIVE_PATH).exists()
