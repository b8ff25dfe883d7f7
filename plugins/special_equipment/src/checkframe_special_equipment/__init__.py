"""checkframe sector plugin: 特种设备 (special equipment)."""

from pathlib import Path

from checkframe import hookimpl

CONTENT = Path(__file__).parent / "content"


@hookimpl
def checkframe_register_content(register):
    register.content_dir(CONTENT)
