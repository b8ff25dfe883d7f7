"""What printing needs from the machine: a CJK font and HarfBuzz subsetting, checked before any PDF is made.

Chinese text needs a CJK font ("Noto Sans CJK SC" from fonts-noto-cjk).
Without one WeasyPrint prints boxes and succeeds; here a missing font, a
missing glyph or an unusable HarfBuzz subsetter is a :class:`PrintError`
that says what to install.  :func:`font_stamps` is what a PDF's look depends
on, for the build fingerprint and the PDF cache keys.
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "FONT_PACKAGE", "SUBSET_PACKAGE", "PrintError", "check_environment", "check_fonts", "font_stamps",
    "weasyprint_warnings",
]

log = logging.getLogger("checkframe.publish.printing")

FONT_PACKAGE = "fonts-noto-cjk"
SUBSET_PACKAGE = "libharfbuzz-subset0"


class PrintError(Exception):
    """A PDF cannot be printed; the message says why and what to do, in one line."""


def _cjk_fonts() -> list[str]:
    """The font files that fontconfig knows to cover Chinese, one ``file: family`` line each."""
    try:
        found = subprocess.run(
            ["fc-list", ":lang=zh", "file", "family"], capture_output=True, text=True, check=False,
        )
    except OSError:
        return []
    return sorted(line for line in found.stdout.splitlines() if line.strip())


def check_fonts() -> list[str]:
    """Fail unless a font with Chinese glyphs is installed (a quick ``fc-list``; WeasyPrint is not loaded).

    :returns: the CJK font lines of ``fc-list``.
    :raises PrintError: naming the package to install.
    """
    fonts = _cjk_fonts()
    if not fonts:
        raise PrintError(
            f"no font with Chinese glyphs is installed (fc-list :lang=zh finds none); "
            f"install one with: apt-get install {FONT_PACKAGE}"
        )
    return fonts


def font_stamps() -> list[str]:
    """The installed CJK fonts with each file's size and modification time: what a PDF's look depends on."""
    return [f"{line}|{_font_stamp(line)}" for line in _cjk_fonts()]


def check_environment() -> list[str]:
    """Fail unless a CJK font and a usable HarfBuzz subsetter are installed.

    This loads WeasyPrint (about a second): a build checks only :func:`check_fonts` before it knows that
    some PDF must be rendered.

    :returns: the CJK font lines of ``fc-list``, which :func:`print_all` hashes.
    :raises PrintError: naming the package to install.
    """
    fonts = check_fonts()
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    if harfbuzz_subset is None or not harfbuzz.hb_version_atleast(4, 1, 0):
        raise PrintError(
            "libharfbuzz-subset (HarfBuzz 4.1 or later) is not usable, so fonts cannot be subset; "
            f"install it with: apt-get install {SUBSET_PACKAGE}"
        )
    return fonts


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def weasyprint_warnings() -> Iterator[_Collect]:
    """Collect WeasyPrint's warnings instead of letting them reach stderr."""
    logger = logging.getLogger("weasyprint")
    collect = _Collect()
    saved = logger.propagate, logger.level
    logger.addHandler(collect)
    logger.propagate = False
    if logger.level == logging.NOTSET or logger.level > logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        yield collect
    finally:
        logger.removeHandler(collect)
        logger.propagate, level = saved
        logger.setLevel(level)


def raise_for_warnings(collect: _Collect) -> None:
    """Turn WeasyPrint's missing-glyph warnings into one :class:`PrintError`; pass on the rest."""
    missing: dict[str, None] = {}
    for record in collect.records:
        # weasyprint/draw/text.py: '.notdef glyph rendered for Unicode string unsupported by fonts: "%s" (U+%04X)'
        if record.msg.startswith(".notdef glyph") and record.args:
            missing[str(record.args[0])] = None  # type: ignore[index]  # the args are a tuple here
        else:
            log.warning("weasyprint: %s", record.getMessage())
    if missing:
        shown = ", ".join(f"'{char}' (U+{ord(char):04X})" for char in missing)
        raise PrintError(
            f"no installed font has a glyph for {shown}; the PDF would show boxes instead; "
            f"install a font that has it, for Chinese: apt-get install {FONT_PACKAGE}"
        )



def _font_stamp(line: str) -> str:
    path = Path(line.partition(":")[0])
    try:
        stat = path.stat()
    except OSError:
        return ""
    return f"{stat.st_size}:{stat.st_mtime_ns}"
