"""Every page and stylesheet of the example handbook is valid, by the Nu Html Checker (``vnu.jar``, the checker
behind the W3C's validator): the markup, the ARIA roles and attributes allowed on each element, and the CSS."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

VERSION = "26.9.27"


def vnu_jar() -> Path:
    """``vnu.jar``: where ``$CHECKFRAME_VNU`` says (the nox tests session installs it there, from npm)."""
    path = os.environ.get("CHECKFRAME_VNU", "")
    if not path:
        pytest.skip("the Nu Html Checker is not installed: run the tests through nox (python3 -m nox -s tests), or "
                    f"npm install --ignore-scripts --prefix /tmp/vnu vnu-jar@{VERSION} and set "
                    "CHECKFRAME_VNU=/tmp/vnu/node_modules/vnu-jar/build/dist/vnu.jar")
    if not Path(path).is_file():
        pytest.fail(f"CHECKFRAME_VNU={path} is not a file; the nox tests session installs vnu.jar there")
    return Path(path)


def test_every_page_and_stylesheet_is_valid(example_handbook):
    jar = vnu_jar()
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is not installed (the Nu Html Checker runs on it): apt-get install default-jre-headless")
    out, _ = example_handbook
    files = sorted(out.rglob("*.html")) + sorted(out.rglob("*.css"))
    assert len(files) > 300 and files[-1].suffix == ".css"
    result = subprocess.run([java, "-jar", str(jar), "--errors-only", "--also-check-css", "--format", "json",
                             *map(str, files)], capture_output=True, text=True, timeout=600)
    messages = json.loads(result.stderr)["messages"]
    problems = sorted(f"{m.get('url', '').rpartition(out.name + '/')[2]}:{m.get('lastLine', '')}: {m['message']}"
                      for m in messages if m.get("type") in ("error", "non-document-error"))
    assert problems == [], "\n".join(problems[:40])
    assert result.returncode == 0
