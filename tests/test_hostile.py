"""Hostile and broken input through the command line: one line naming the file, exit 1, never a traceback."""

from __future__ import annotations

import pytest

import checkframe.cli as cli
from checkframe.cli import common
from checkframe.plugins import ENV_ALLOWLIST, load_plugins
from doubles import handbook_project
from stores import Store


@pytest.fixture
def demo(monkeypatch, content):
    """The commands see the built-in plugins and the demo content only."""
    real = common.load_plugins
    monkeypatch.setattr(common, "load_plugins", lambda: real(environ={ENV_ALLOWLIST: ""}, extra={"demo": content.plugin()}))
    return content


def errors(capsys) -> list[str]:
    return capsys.readouterr().err.splitlines()


def test_sector_toml_that_is_a_folder(demo, capsys):
    (demo.root / "sector.toml").unlink()
    (demo.root / "sector.toml").mkdir()
    assert cli.main(["validate"]) == 1
    assert errors(capsys) == [
        "error: demo: sector.toml: is a folder, not a file",
        "checkframe: 1 problem found; nothing was written.",
    ]


@pytest.mark.parametrize("data, message", [
    ("[sector]\nname = '测试'".encode("gbk"), ":2: not UTF-8 text (byte 0xb2); save it as UTF-8"),
    (b"x = " + b"[" * 3000 + b"]" * 3000, ": nested more than 64 levels deep; the limit is 64"),
])
def test_content_file_that_cannot_be_read(demo, capsys, data, message):
    (demo.root / "checkpoints" / "02-bad.toml").write_bytes(data)
    assert cli.main(["validate"]) == 1
    assert errors(capsys)[0].startswith(f"error: demo: checkpoints/02-bad.toml{message}")


def test_content_with_a_bom_reads(demo, capsys):
    path = demo.root / "sector.toml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert cli.main(["validate"]) == 0


def test_a_scope_tag_without_a_chinese_name_is_a_warning_of_validate_and_build(demo, tmp_path, capsys):
    """Content format 1 took any scope tag: one without a name is warned of (readers would see its id), not
    refused, by validate and by build, which both succeed."""
    demo.edit("checkpoints/01-gas.toml", 'title = "瓦斯检查"', 'title = "瓦斯检查"\nscope = ["dust"]')
    warning = ("warning: demo: checkpoints/01-gas.toml:9: [[checkpoint]] demo-gas-01, scope no. 1: scope tag 'dust' "
               "has no Chinese name")
    assert cli.main(["validate"]) == 0
    assert capsys.readouterr().err.startswith(warning)
    root = handbook_project(tmp_path / "hb")
    assert cli.main(["build", str(root)]) == 0
    assert capsys.readouterr().err.startswith(warning)


def test_control_character_in_a_title(demo, capsys):
    demo.edit("checkpoints/01-gas.toml", 'title = "瓦斯检查"', 'title = "瓦斯\\u001b[2J检查"')
    assert cli.main(["validate"]) == 1
    assert errors(capsys)[0] == (
        "error: demo: checkpoints/01-gas.toml:8: [[checkpoint]] demo-gas-01, title: control character U+001B in the text; "
        "remove it (only tab and newline may be written, and only where the text may have them); references to the 3 "
        "ids it defines are not checked until it reads")


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_bytes("[handbook]\ntitle = '手册'\n".encode("gbk")), "not UTF-8 text (byte 0xca); save it as UTF-8"),
    (lambda p: p.write_bytes(b'[handbook]\ntitle = "\\u0000"\ndepartment = "x"\n'), None),
])
def test_a_checkframe_toml_that_cannot_be_read(demo, tmp_path, capsys, make, message):
    root = handbook_project(tmp_path / "hb")
    make(root / "checkframe.toml")
    assert cli.main(["build", str(root)]) == 1
    first = errors(capsys)[0]
    if message:
        assert first == f"error: {root.as_posix()}/checkframe.toml: line 2: {message}"
    else:
        assert first.startswith(f"error: {root.as_posix()}/checkframe.toml: $.handbook.title: control character U+0000")


@pytest.mark.parametrize("make, message", [
    (lambda p: p.mkdir(), "pages/a.md: is a folder, not a file"),
    (lambda p: p.symlink_to(p),
     "pages/a.md: cannot read: a symlink loop (the link points back at itself); fix or remove the link"),
    (lambda p: p.write_bytes(b"# \xff\n"), "pages/a.md: line 1: not UTF-8 text (byte 0xff); save it as UTF-8"),
    (lambda p: p.write_text("# 标题\n\n\x1b[31m红\n"),
     "pages/a.md: line 3: control character U+001B in the text; remove it (only tab and newline may be written, "
     "and only where the text may have them)"),
])
def test_a_page_that_cannot_be_read(demo, tmp_path, capsys, make, message):
    root = handbook_project(tmp_path / "hb")
    (root / "pages").mkdir()
    make(root / "pages" / "a.md")
    assert cli.main(["build", str(root)]) == 1
    assert errors(capsys) == [f"error: {root.as_posix()}/{message}", "checkframe: 1 problem found; nothing was written."]
    assert not (root / "_build").exists()


def test_a_record_that_is_not_utf8(tmp_path, capsys, monkeypatch):
    from stores import CATALOG

    monkeypatch.setattr(common, "load_catalog", lambda: (None, CATALOG))
    store = Store(tmp_path / "ledger")
    (store.root / "records" / "2024-03-01-acme.toml").write_bytes(b"\xef\xbb\xbfunit = 'acme'\nnote = '\xb0'\n")
    assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-31"]) == 1
    assert errors(capsys)[0] == (
        "错误：records/2024-03-01-acme.toml：第2行不是 UTF-8 编码的文字（字节 0xb0），请另存为 UTF-8 编码")


def test_an_export_with_a_number_of_thousands_of_digits(tmp_path, capsys):
    (tmp_path / "old.json").write_text('{"format": 1, "checkpoints": [], "n": ' + "9" * 5000 + "}")
    assert cli.main(["diff", str(tmp_path / "old.json"), str(tmp_path / "old.json")]) == 2
    assert errors(capsys) == [f"error: {(tmp_path / 'old.json').as_posix()}: an integer of 5000 digits; the limit is 20"]


# -- Outputs that never destroy ----------------------------------------------------------


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_text("mine"), "is a file, not a folder checkframe built; move or remove it, then build again"),
    (lambda p: p.symlink_to(p.parent / "elsewhere", target_is_directory=True),
     "is a symlink; checkframe replaces _build as a whole and does not follow it: remove the link (or move what it "
     "points to), then build again"),
    (lambda p: (p.mkdir(), (p / "notes.txt").write_text("mine")),
     "is not a folder checkframe built (it has no .checkframe-build.json), and a build replaces it as a whole: "
     "move or remove it, then build again"),
])
def test_build_replaces_only_a_folder_it_built(demo, tmp_path, capsys, make, message):
    root = handbook_project(tmp_path / "hb")
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "keep.txt").write_text("keep")
    make(root / "_build")
    assert cli.main(["build", str(root)]) == 1
    assert errors(capsys) == [f"error: {root.as_posix()}/_build: {message}",
                              "checkframe: 1 problem found; nothing was written."]
    assert sorted(p.name for p in root.iterdir()) == ["_build", "checkframe.toml", "elsewhere"]
    assert (root / "elsewhere" / "keep.txt").read_text() == "keep"


def test_a_second_build_of_one_project_refuses_while_the_first_runs(demo, tmp_path, capsys):
    from checkframe.util.fs import exclusive_lock

    root = handbook_project(tmp_path / "hb")
    (root / ".checkframe-cache").mkdir()
    with exclusive_lock(root / ".checkframe-cache" / "build.lock"):  # as the first build holds it
        assert cli.main(["build", str(root)]) == 1
    assert errors(capsys)[0] == (
        f"error: {root.as_posix()}/_build: another checkframe build of {root.as_posix()} is running (it holds "
        f"{root.as_posix()}/.checkframe-cache/build.lock); wait for it to finish")
    assert not (root / "_build").exists()


def test_a_full_disk_names_the_folder_and_keeps_the_previous_build(demo, tmp_path, capsys, monkeypatch):
    import errno

    from checkframe.publish import build

    root = handbook_project(tmp_path / "hb")
    assert cli.main(["build", str(root)]) == 0
    before = (root / "_build" / "index.html").read_bytes()
    real = build._write_tree

    def full(staging, files, *rest):
        real(staging, dict(list(files.items())[:3]), *rest)
        raise OSError(errno.ENOSPC, "No space left on device", str(staging / "checkpoint" / "x.html"))

    monkeypatch.setattr(build, "_write_tree", full)
    capsys.readouterr()
    assert cli.main(["build", str(root), "--force"]) == 1
    first, last = errors(capsys)
    staging = first.split("cannot write in ")[1].split("/checkpoint:")[0]
    assert staging.startswith(f"{root.as_posix()}/._build.new-")
    assert first == (f"error: {root.as_posix()}: cannot write in {staging}/checkpoint: No space left on device; "
                     f"{root.as_posix()}/_build is as it was")
    assert last == "checkframe: 1 problem found; nothing was written."
    assert (root / "_build" / "index.html").read_bytes() == before
    assert [p.name for p in root.iterdir() if p.name.startswith("._build")] == []


def test_a_read_only_project_folder(demo, tmp_path, capsys):
    import os

    if os.geteuid() == 0:
        pytest.skip("root writes in every folder")
    root = handbook_project(tmp_path / "hb")
    root.chmod(0o555)
    try:
        assert cli.main(["build", str(root)]) == 1
    finally:
        root.chmod(0o755)
    assert errors(capsys)[0] == f"error: {root.as_posix()}: cannot write in {root.as_posix()}: Permission denied"


def test_inspect_new_never_writes_outside_records(tmp_path, capsys, monkeypatch):
    from stores import CATALOG

    monkeypatch.setattr(common, "load_catalog", lambda: (None, CATALOG))
    store = Store(tmp_path / "ledger")
    assert cli.main(["inspect", "new", "--checklist", "demo-self", "--unit", "../units/acme", "--dir", str(store.root),
                     "--date", "2024-03-01"]) == 1
    assert errors(capsys) == [
        '错误：--unit 须由小写字母、数字、“-”或“_”组成，以字母开头，最多 64 个字符（现为 "../units/acme"）；'
        f"单位编号就是其登记文件 {store.root.as_posix()}/units/编号.toml 的文件名"]
    assert sorted(p.name for p in store.root.rglob("*")) == ["acme.toml", "beta.toml", "records", "units"]


def test_inspect_recheck_of_a_file_that_is_not_a_record(tmp_path, capsys, monkeypatch):
    from stores import CATALOG

    monkeypatch.setattr(common, "load_catalog", lambda: (None, CATALOG))
    store = Store(tmp_path / "ledger")
    (store.root / "records" / "notes.txt").write_text("not a record")
    assert cli.main(["inspect", "recheck", str(store.root / "records" / "notes.txt")]) == 1
    assert errors(capsys) == [f"错误：{store.root.as_posix()}/records/notes.txt 不是检查记录：检查记录是台账 records/ "
                              "文件夹中的 .toml 文件"]


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_serve_port_out_of_range(port, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["serve", "site", "--port", port])
    assert info.value.code == 2
    assert errors(capsys)[-1] == f"checkframe serve: error: argument --port: expected a port from 0 to 65535 (got '{port}')"


# -- Say what was ignored ----------------------------------------------------------------


def test_an_allowlist_name_that_is_not_installed(monkeypatch, capsys):
    monkeypatch.setenv(ENV_ALLOWLIST, "genral")
    assert cli.main(["plugins"]) == 1
    err = errors(capsys)
    assert err[0] == f"error: {ENV_ALLOWLIST} names 'genral', but no installed plugin has that name; did you mean 'general'?"
    assert err[1:] == ["checkframe: 1 problem found; nothing was written."]  # no hint about a broken plugin


@pytest.mark.parametrize("url", ["https://example gov.cn/handbook/", "file:///srv/handbook/", "javascript:alert(1)//",
                                 "https:///handbook/", "https://example.gov.cn/handbook/?a=1/"])
def test_a_base_url_that_is_not_an_absolute_http_url(demo, tmp_path, capsys, url):
    config = f'[handbook]\ntitle = "手册"\ndepartment = "区应急管理局"\nbase_url = "{url}"\n'
    root = handbook_project(tmp_path / "hb", config=config)
    assert cli.main(["build", str(root)]) == 1
    assert errors(capsys)[0] == (
        f"error: {root.as_posix()}/checkframe.toml:4: $.handbook.base_url: expected an absolute http(s) URL ending in '/', "
        f"without spaces, query or fragment, such as 'https://example.gov.cn/handbook/' (got {url!r})")


# -- Template errors ---------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_template_error_names_the_file_the_line_and_the_plugin(demo, tmp_path, capsys, monkeypatch, jobs):
    import types

    from checkframe import hookimpl

    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "checkpoint.html").write_text(
        "{% extends 'default/checkpoint.html' %}\n{% block content %}\n<p>{{ checkpoint.what }}</p>\n"
        "<p>{{ checkpoint.no_such_field.x }}</p>\n{% endblock %}\n", encoding="utf-8")
    site = types.ModuleType("site_plugin")

    @hookimpl
    def checkframe_register_site(site):
        site.template_dir(folder)

    site.checkframe_register_site = checkframe_register_site
    monkeypatch.setattr(common, "load_plugins",
                        lambda: load_plugins(environ={ENV_ALLOWLIST: ""}, extra={"demo": demo.plugin(), "local": site}))
    root = handbook_project(tmp_path / "hb")
    assert cli.main(["build", str(root), "--jobs", jobs]) == 1
    assert errors(capsys)[0] == (
        f"error: local: {(folder / 'checkpoint.html').as_posix()}:4: template error: UndefinedError: "
        "'checkframe.model.Checkpoint object' has no attribute 'no_such_field'")


# -- No cascades -------------------------------------------------------------------------


def test_one_syntax_error_is_one_problem(demo, capsys):
    demo.edit("checkpoints/01-gas.toml", 'level = "general"', "level = general")  # unquoted
    demo.write("checklists.toml", '[[checklist]]\nid = "demo-self"\ntitle = "自查表"\nkind = "self_inspection"\n'
                                  'items = ["demo/gas", "demo-gas-01", "demo-gas-02"]\n')
    assert cli.main(["validate"]) == 1
    assert errors(capsys) == [
        "error: demo: checkpoints/01-gas.toml:22: checkpoint no. 2, level: invalid TOML: Invalid value "
        "(at line 22, column 9); write a text in double quotes (\"煤矿\"), a date as 2024-03-01, an array as "
        "[\"a\", \"b\"]; references to the 3 ids it defines are not checked until it reads",
        "checkframe: 1 problem found; nothing was written.",
    ]


def test_an_unquoted_date_in_sector_toml_is_one_problem(demo, capsys):
    law = 'title = "中华人民共和国安全生产法"'
    demo.edit("sector.toml", law, f"{law}\neffective = 2021-9-1")
    assert cli.main(["validate"]) == 1
    assert errors(capsys) == [
        "error: demo: sector.toml:10: document no. 1, effective: invalid TOML: write the date 2021-9-1 as 2021-09-01 "
        "(at line 10, column 17); references to the "
        "2 ids it defines are not checked until it reads",
        "checkframe: 1 problem found; nothing was written.",
    ]


def test_a_record_that_does_not_parse_is_one_problem(tmp_path, capsys, monkeypatch):
    from stores import CATALOG, FOUND

    monkeypatch.setattr(common, "load_catalog", lambda: (None, CATALOG))
    store = Store(tmp_path / "ledger")
    store.record("2024-03-01-acme.toml", FOUND.replace('level = "general"', "level = general"))
    store.record("2024-03-10-acme.toml", '[[fixed]]\nfinding = "f-1"\n[[fixed]]\nfinding = "f-2"\n', date="2024-03-10")
    assert cli.main(["ledger", "show", str(store.root), "--as-of", "2024-03-31"]) == 1
    assert errors(capsys) == [
        "错误：records/2024-03-01-acme.toml：不是有效的 TOML 文件，第12行第9列（第1个 [[finding]] 的 level）："
        "值的写法不对（文字要加英文引号，如 \"张三\"；日期写成 2024-03-01；数组写成 [\"a\", \"b\"]）；"
        "单位 \"恒泰五金\" 的 1 份检查记录待此文件能读取后再核对",
        "checkframe：共 1 处问题，未写入任何文件。",
    ]


def test_a_hook_that_registers_an_object_of_the_wrong_type(monkeypatch, capsys):
    import types

    from checkframe import hookimpl

    plugin = types.ModuleType("wrong")

    @hookimpl
    def checkframe_register_content(register):
        register.checkpoint({"id": "x-01", "title": "字典"})

    plugin.checkframe_register_content = checkframe_register_content
    monkeypatch.setattr(common, "load_plugins", lambda: load_plugins(environ={ENV_ALLOWLIST: ""}, extra={"wrong": plugin}))
    assert cli.main(["validate"]) == 1
    assert errors(capsys)[0] == (
        "error: wrong: hook checkframe_register_content raised TypeError: register.checkpoint() takes a "
        f"checkframe.Checkpoint (got dict) (at {__file__}:{checkframe_register_content.__code__.co_firstlineno + 2})")


def test_a_value_shown_in_a_message_cannot_turn_the_terminal_line_around(tmp_path, capsys, monkeypatch):
    """A right-to-left override (or another invisible mark) in a value comes back escaped, as TOML writes it."""
    from stores import CATALOG

    monkeypatch.setattr(common, "load_catalog", lambda: (None, CATALOG))
    store = Store(tmp_path / "ledger")
    path = store.record("a.toml", "")
    path.write_text(path.read_text(encoding="utf-8").replace('kind = "supervision"', 'kind = "x\u202ey\u200b"'),
                    encoding="utf-8")
    assert cli.main(["ledger", "show", str(store.root)]) == 1
    [line, _] = errors(capsys)
    assert '"x\\u202Ey\\u200B"' in line and "\u202e" not in line and "\u200b" not in line, line


def test_the_problems_of_a_file_are_told_in_the_order_of_its_lines(demo, capsys):
    """The checker finds an entry's unknown keys before its wrong values; the author reads them top to bottom."""
    demo.edit("checkpoints/01-gas.toml", 'level = "major"', 'levle = "major"')
    demo.edit("checkpoints/01-gas.toml", 'article = "第四十一条"', 'articel = "第四十一条"')
    demo.edit("checkpoints/01-gas.toml", 'title = "瓦斯检查员持证"', "title = 3")
    assert cli.main(["validate"]) == 1
    lines = [int(line.split(":")[3]) for line in errors(capsys)[:-1]]
    assert len(lines) == 3 and lines == sorted(lines), lines
