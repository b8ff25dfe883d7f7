"""The three standard remediation categories: 现场整改, 限期整改, 挂牌督办."""

from pathlib import Path

from checkframe.hookspecs import hookimpl


@hookimpl
def checkframe_register_content(register):
    register.content_dir(Path(__file__).parent / "content")
