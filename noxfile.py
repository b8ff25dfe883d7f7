"""Development sessions for checkframe: ``python3 -m nox -s handbook``, ``-s tests``, ``-s lint``, ``-s screenshots``.

``-s validate`` checks the shipped plugins' content on its own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent
#: What printing PDFs needs from Debian: CJK fonts, HarfBuzz font subsetting; tests add pdftotext and a browser.
PRINT_PACKAGES = ["fonts-noto-cjk", "fonts-dejavu-core", "libharfbuzz-subset0"]
TEST_PACKAGES = [*PRINT_PACKAGES, "poppler-utils", "chromium"]
#: axe-core, the accessibility checker the browser tests inject into every page (from npm, into .nox/).
AXE_CORE = "4.14.1"
#: The Nu Html Checker (vnu.jar, the W3C validator's checker; from npm, into .nox/), run on Java over every page.
VNU = "26.9.27"
#: Every sector plugin shipped in this repository, each its own distribution.
PLUGINS = sorted(str(p.parent.relative_to(ROOT)) for p in ROOT.glob("plugins/*/pyproject.toml"))


def install_checkframe(session: nox.Session, *extra: str) -> None:
    """Install the core and every shipped plugin into the session, as a department would."""
    session.install(".", *(f"./{p}" for p in PLUGINS), *extra)


def ensure_system_packages(session: nox.Session, packages: list[str]) -> None:
    """Install missing Debian packages when we can (root with apt-get), else say what to run."""
    if not packages or shutil.which("dpkg-query") is None:
        return
    missing = [
        p for p in packages
        if subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True)
        .stdout.strip() != "install ok installed"
    ]
    if not missing:
        return
    command = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        session.error(f"missing system packages; install them with: sudo {' '.join(command)}")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    session.run("apt-get", "update", "-qq", external=True, env=env)
    session.run(*command, external=True, env=env)


@nox.session
def handbook(session: nox.Session) -> None:
    """Build the example handbook (site and PDFs) into site/_build; pass --force to rebuild."""
    ensure_system_packages(session, PRINT_PACKAGES)
    install_checkframe(session)
    session.run("checkframe", "build", "site/", *session.posargs)
    session.log("open site/_build/index.html (search works from the files), "
                "or preview it: .nox/handbook/bin/checkframe serve site/")


@nox.session
def tests(session: nox.Session) -> None:
    """Run the tests of the core and of every plugin (pass pytest options after --)."""
    # Java for the Nu Html Checker, unless the machine has one already (not necessarily Debian's).
    ensure_system_packages(session, [*TEST_PACKAGES, *(["default-jre-headless"] if shutil.which("java") is None else [])])
    install_checkframe(session, "pytest", "playwright", "jsonschema", "hypothesis", "openpyxl")
    session.run("pytest", "tests", *(f"{p}/tests" for p in PLUGINS), *session.posargs,
                env={"CHECKFRAME_AXE": install_axe(session), "CHECKFRAME_VNU": install_vnu(session)})


def install_axe(session: nox.Session) -> str:
    """axe-core from npm into .nox/axe-core, once per version; the path of its axe.min.js."""
    return npm_file(session, "axe-core", AXE_CORE, "axe.min.js")


def install_vnu(session: nox.Session) -> str:
    """vnu.jar from npm into .nox/vnu, once per version (without its install script, which fetches a Java when
    there is none); the path of vnu.jar."""
    return npm_file(session, "vnu-jar", VNU, "build/dist/vnu.jar", folder="vnu", flags=["--ignore-scripts"])


def npm_file(session: nox.Session, package: str, version: str, file: str, folder: str = "",
             flags: list[str] | None = None) -> str:
    """``package@version`` from npm into .nox/FOLDER (the package's name by default), unless that version is there
    already; the path of ``file`` in the package."""
    prefix = ROOT / ".nox" / (folder or package)
    installed = prefix / "node_modules" / package
    if not ((installed / file).is_file()
            and f'"version": "{version}"' in (installed / "package.json").read_text(encoding="utf-8")):
        if shutil.which("npm") is None:
            session.error("npm is missing; install it with: sudo apt-get install npm")
        session.run("npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--no-save", *(flags or []),
                    f"{package}@{version}", external=True)
    return str(installed / file)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff; import-linter (the layers, no import cycle; see pyproject.toml); mypy over src."""
    session.install(".", "ruff", "import-linter", "mypy")
    session.run("ruff", "check", "src", "tests", "plugins", "bench", "noxfile.py", *session.posargs)
    session.run("lint-imports")
    session.run("mypy")


@nox.session
def validate(session: nox.Session) -> None:
    """Install the core and the shipped plugins, list them and validate their content."""
    install_checkframe(session)
    session.run("checkframe", "plugins")
    session.run("checkframe", "validate")


@nox.session
def guide(session: nox.Session) -> None:
    """Write the author guide's generated sections (fields, hooks, API, example) into src/checkframe/guide/*.md."""
    session.install("-e", ".")
    session.run("python", "-m", "checkframe.publish.guide", "src/checkframe/guide")


@nox.session
def screenshots(session: nox.Session) -> None:
    """Take the phone screenshots of the fill-in mode for site/pages/fill-in.md (pages/images/fill-in-*.png)."""
    ensure_system_packages(session, TEST_PACKAGES)
    install_checkframe(session, "playwright")
    session.run("python", "tests/fill_in_screenshots.py")
