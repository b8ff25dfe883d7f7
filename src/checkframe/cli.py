"""The ``checkframe`` command.

Exit codes: 0 when all went well, 1 when content or a plugin is wrong (every
problem printed, one line each, nothing written), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from checkframe.catalog import Catalog, build_catalog, catalog_to_json, gather
from checkframe.content import ContentError, Problem
from checkframe.plugins import ENV_ALLOWLIST, Plugins, load_plugins

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class UserError(Exception):
    """A mistake of the user's, reported as one line without a traceback."""


def report(problems: Sequence[Problem | str], plugins: Plugins | None = None) -> int:
    """Print every problem on its own line, then how to go on; return exit code 1."""
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if plugins is not None and plugins.problems:
        names = ",".join(sorted(set(plugins.infos) - {i for i in plugins.infos if plugins.infos[i].builtin}))
        example = names or "NAME1,NAME2"
        print(
            f"hint: fix or uninstall the broken plugin, or load only the others with "
            f"{ENV_ALLOWLIST}={example}",
            file=sys.stderr,
        )
    count = len(problems)
    print(
        f"checkframe: {count} problem{'s' if count != 1 else ''} found; nothing was written.",
        file=sys.stderr,
    )
    return EXIT_PROBLEMS


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write a file so that it is either complete or untouched."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None


def _catalog() -> tuple[Plugins, Catalog]:
    plugins = load_plugins()
    try:
        return plugins, build_catalog(plugins)
    except ContentError as exc:
        exc.plugins = plugins  # type: ignore[attr-defined]  # for the hint on broken plugins
        raise


# -- Commands ----------------------------------------------------------------------------


def cmd_plugins(args: argparse.Namespace) -> int:
    plugins = load_plugins()
    contributions, hook_problems = gather(plugins)
    by_plugin = {c.plugin: c for c in contributions}
    problems = [*plugins.problems, *hook_problems]
    rows = []
    for info in plugins.infos.values():
        found = by_plugin.get(info.name)
        rows.append({
            "name": info.name,
            "distribution": info.distribution,
            "version": info.version,
            "builtin": info.builtin,
            "sectors": [e.obj.id for e in found.sectors] if found else [],
            "checkpoints": len(found.checkpoints) if found else 0,
            "checklists": len(found.checklists) if found else 0,
            "remediation_categories": [e.obj.code for e in found.categories] if found else [],
        })
    if args.json:
        print(json.dumps({
            "plugins": rows,
            "skipped": plugins.skipped,
            "errors": [str(p) for p in problems],
        }, ensure_ascii=False, indent=2))
    else:
        header = ("plugin", "distribution", "version", "sectors", "checkpoints", "checklists")
        table = [header] + [
            (r["name"], r["distribution"], r["version"], ",".join(r["sectors"]) or "-",
             str(r["checkpoints"]), str(r["checklists"]))
            for r in rows
        ]
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        for row in table:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if plugins.skipped:
            print(f"skipped by {ENV_ALLOWLIST}: {', '.join(plugins.skipped)}")
    if problems:
        return report(problems, plugins)
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    plugins, catalog = _catalog()
    print(
        f"ok: {len(catalog.sectors)} sectors, {len(catalog.checkpoints)} checkpoints, "
        f"{len(catalog.checklists)} checklists, {len(catalog.categories)} remediation "
        f"categories from {len(plugins.infos)} plugins"
    )
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    _, catalog = _catalog()
    text = catalog_to_json(catalog)
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        write_atomic(Path(args.output), text)
    return EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    from checkframe.build import build

    result = build(Path(args.project), force=args.force)
    if result.written:
        print(f"built {result.output}: {result.pages} pages, {result.pdfs} PDFs")
    else:
        print(f"{result.output} is up to date ({result.pages} pages, {result.pdfs} PDFs); nothing changed")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    import functools
    import http.server

    root = Path(args.project) / "_build"
    if not (root / "index.html").is_file():
        raise UserError(f"{root} has no built handbook; run: checkframe build {args.project}")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    except OSError as exc:
        raise UserError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}; try --port") from None
    print(f"serving {root} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)", flush=True)
    with server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return EXIT_OK


# -- Parser ------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="checkframe",
        description="Checklists, handbook and forms for work-safety inspection campaigns.",
    )
    parser.add_argument(
        "--version", action="version",
        version=f"%(prog)s {importlib.metadata.version('checkframe')}",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, func: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(func=func)
        return p

    p = command("plugins", cmd_plugins, "List the installed plugins and what each contributes.")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    command("validate", cmd_validate, "Load every plugin's content and check it.")
    p = command("export", cmd_export, "Write the whole catalog for other tools.")
    p.add_argument("--format", choices=["json"], default="json", help="output format (default: json)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p = command("build", cmd_build, "Build the handbook site and its PDFs into PROJECT/_build.")
    p.add_argument("project", metavar="PROJECT", help="the handbook folder holding checkframe.toml, e.g. site/")
    p.add_argument("--force", action="store_true", help="rebuild even when no input changed")
    p = command("serve", cmd_serve, "Preview the built handbook on http://127.0.0.1 (search needs HTTP).")
    p.add_argument("project", metavar="PROJECT", help="the handbook folder, e.g. site/")
    p.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000; 0 picks a free one)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ContentError as exc:
        return report(exc.problems, getattr(exc, "plugins", None))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
