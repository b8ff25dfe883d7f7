"""checkframe sector plugin: 工贸 (industry and trade)."""

from pathlib import Path

from checkframe import hookimpl

CONTENT = Path(__file__).parent / "content"


@hookimpl
def checkframe_register_content(register):
    register.content_dir(CONTENT)
