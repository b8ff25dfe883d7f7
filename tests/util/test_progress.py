"""The progress display: drawn only on a terminal, only for work that lasts, told each phase of a build."""

from __future__ import annotations

import io
import time

import pytest

from checkframe import cli
from checkframe.cli import common
from checkframe.publish.build import build
from checkframe.util.progress import Progress
from doubles import handbook_project, load_only


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as standard error in an interactive shell does."""

    def isatty(self) -> bool:
        return True


def wait_for(stream: io.StringIO, text: str) -> str:
    """The stream's text once it holds ``text`` (the display redraws from a thread of its own)."""
    for _ in range(200):
        if text in stream.getvalue():
            break
        time.sleep(0.025)
    return stream.getvalue()


class Recorder(Progress):
    """What a build tells its progress display."""

    def __init__(self) -> None:
        super().__init__(enabled=False)
        self.events: list[tuple[str, object]] = []

    def phase(self, description: str, total: int | None = None) -> None:
        self.events.append(("phase", description if total is None else f"{description} ({total})"))

    def advance(self, detail: str = "", count: int = 1) -> None:
        self.events.append(("advance", detail))


def test_nothing_is_drawn_where_standard_error_is_not_a_terminal():
    stream = io.StringIO()
    progress = Progress.for_terminal(stream=stream)
    assert not progress.enabled
    with progress:
        progress.phase("printing PDFs", total=2)
        progress.advance("a.pdf")
    assert stream.getvalue() == ""


def test_quiet_draws_nothing_even_on_a_terminal():
    assert not Progress.for_terminal(quiet=True, stream=Terminal()).enabled
    assert Progress.for_terminal(stream=Terminal()).enabled


def test_a_terminal_sees_the_phase_the_count_and_the_last_item():
    stream = Terminal()
    with Progress(enabled=True, stream=stream, delay=0) as progress:
        progress.phase("printing PDFs", total=5)
        for name in ["coal-mine-self.pdf", "煤矿.pdf", "general-self.pdf"]:
            progress.advance(name)
        text = wait_for(stream, "3/5")
    assert "printing PDFs" in text and "3/5" in text and "general-self.pdf" in text


def test_work_that_ends_before_the_delay_draws_nothing():
    stream = Terminal()
    with Progress(enabled=True, stream=stream, delay=60) as progress:
        progress.phase("rendering pages")
    time.sleep(0.05)
    assert stream.getvalue() == ""


@pytest.mark.parametrize("shown", [False, True], ids=["before the display shows", "once it shows"])
def test_names_reach_the_terminal_without_their_control_characters(shown):
    stream = Terminal()
    with Progress(enabled=True, stream=stream, delay=0) as progress:
        progress.phase("printing PDFs", total=2)
        if shown:
            wait_for(stream, "0/2")
        progress.advance("evil\x1b]0;title\x07.pdf")
        progress.advance("evil\x1b]0;title\x07.pdf")
        text = wait_for(stream, "2/2")
    assert "2/2" in text
    assert "\x1b]0;" not in text and "\x07" not in text


def test_a_build_reports_each_phase_and_each_pdf_it_prints(tmp_path, content):
    project = handbook_project(tmp_path / "handbook")
    recorder = Recorder()
    result = build(project, plugins=load_only(demo=content.plugin()), jobs=1, progress=recorder)
    phases = [what for kind, what in recorder.events if kind == "phase"]
    printed = [what for kind, what in recorder.events if kind == "advance"]
    assert phases[:5] == ["reading the plugins' content", "rendering pages", "indexing for search", "checking links",
                          f"writing {result.pages} pages"]
    assert phases[5] == f"printing PDFs ({result.pdfs})"
    assert len(printed) == result.pdfs and "demo-self.pdf" in printed

    again = Recorder()
    build(project, plugins=load_only(demo=content.plugin()), jobs=1, progress=again, force=True)
    assert ("advance", "demo-self.pdf") not in again.events  # every PDF came from the cache


def test_verbose_logs_the_steps_and_a_pipe_gets_no_display(tmp_path, content, monkeypatch, capsys):
    project = handbook_project(tmp_path / "handbook")
    monkeypatch.setattr(common, "load_plugins", lambda: load_only(demo=content.plugin()))
    assert cli.main(["build", str(project), "-v", "--jobs", "1"]) == 0
    err = capsys.readouterr().err
    assert "catalog:" in err and "printed" in err
    assert "\x1b[" not in err  # captured standard error is no terminal: no display drawn on it
