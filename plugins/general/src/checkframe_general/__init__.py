"""checkframe sector plugin: 通用 (duties every enterprise has)."""

from pathlib import Path

from checkframe import hookimpl

CONTENT = Path(__file__).parent / "content"


@hookimpl
def checkframe_register_content(register):
    register.content_dir(CONTENT)
