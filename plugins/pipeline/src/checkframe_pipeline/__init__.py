"""checkframe sector plugin: 油气长输管道 (long-distance oil and gas pipelines)."""

from pathlib import Path

from checkframe import hookimpl

CONTENT = Path(__file__).parent / "content"


@hookimpl
def checkframe_register_content(register):
    register.content_dir(CONTENT)
