"""Commands that publish: ``build``, ``serve``, ``print``, and ``new-plugin`` and ``new-handbook`` for authors."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from checkframe.cli import common
from checkframe.cli.common import EXIT_OK, EXIT_USAGE, UserError, write_file
from checkframe.errors import ContentError, closest
from checkframe.util import stopping


def cmd_build(args: argparse.Namespace) -> int:
    from checkframe.publish.build import build

    with common.progress(args) as progress:
        result = build(Path(args.project), plugins=common.load_plugins(), force=args.force, jobs=args.jobs,
                       progress=progress)
    common.warn(result.warnings)
    if result.written:
        print(f"built {result.output}: {result.pages} pages, {result.pdfs} PDFs")
    else:
        print(f"{result.output} is up to date ({result.pages} pages, {result.pdfs} PDFs); nothing changed")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from checkframe.publish.serve import handbook_server

    if args.watch:
        return _serve_watching(args)
    root = Path(args.project) / "_build"
    if not (root / "index.html").is_file():
        raise UserError(f"{root} has no built handbook; run: checkframe build {args.project}")
    try:
        server = handbook_server(root, args.port)
    except OSError as exc:
        raise UserError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}; try --port") from None
    print(f"serving {root} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)", flush=True)
    with server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            stopping.clear()  # Ctrl-C is how serving ends: the command has done what it was asked
    return EXIT_OK


def _serve_watching(args: argparse.Namespace) -> int:
    """``serve --watch``: build, serve, rebuild on every change; the last good build stays served."""
    import threading
    import time

    from checkframe.publish.build import build
    from checkframe.publish.inputs import watched_folders
    from checkframe.publish.serve import BuildState, watch_and_rebuild, watching_server
    from checkframe.publish.site import gather_site

    project = Path(args.project)
    plugins = common.load_plugins()
    state = BuildState()

    def rebuild(first: bool = False) -> tuple[list[str], bool]:
        started = time.monotonic()
        try:
            result = build(project, plugins=plugins, jobs=args.jobs)
        except ContentError as exc:
            problems = [str(p) for p in exc.problems]
            for problem in problems:
                print(f"error: {problem}", file=sys.stderr)
            kept = "the last good build is still served" if (project / "_build" / "index.html").is_file() else \
                "nothing is built yet"
            print(f"checkframe: {len(problems)} problem{'s' if len(problems) != 1 else ''} found; {kept}; "
                  "fix and save to rebuild", file=sys.stderr, flush=True)
            return problems, False
        if result.written or first:
            print(f"{'built' if result.written else 'up to date:'} {result.output}: {result.pages} pages, "
                  f"{result.pdfs} PDFs ({time.monotonic() - started:.1f} s)", flush=True)
        elif state.problems:
            print(f"fixed: {result.output} is the last good build, as it was", flush=True)
        return [], result.written

    def folders() -> list[Path]:
        return watched_folders(project, plugins, gather_site(plugins, []))

    rebuild(first=True)
    root = project / "_build"
    try:
        server = watching_server(root, args.port, state)
    except OSError as exc:
        raise UserError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}; try --port") from None
    stop = threading.Event()
    watcher = threading.Thread(target=watch_and_rebuild, args=(project, rebuild, folders, state, stop), daemon=True)
    watcher.start()
    print(f"serving {root} at http://127.0.0.1:{server.server_address[1]}/ and rebuilding on every change "
          "(Ctrl-C to stop)", flush=True)
    with server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            stopping.clear()
        finally:
            stop.set()
            watcher.join(timeout=2)
    return EXIT_OK


def cmd_print(args: argparse.Namespace) -> int:
    if (args.checklist is None) == (args.form is None):
        args.print_parser.error("give either a CHECKLIST_ID or --form FORM")
    from checkframe.publish import printing  # loads WeasyPrint, which only this command needs

    output = Path(args.output)
    if not output.parent.is_dir():
        raise UserError(f"cannot write {output}: there is no folder {output.parent.as_posix()!r}")
    plugins, catalog = common.load_catalog()
    project = common.print_project(args.project, catalog)
    try:
        if args.form is not None:
            from checkframe.publish.printforms import plugin_forms

            forms, problems = plugin_forms(plugins)
            if problems:
                raise ContentError(problems)
            if args.form in forms:
                pdf = printing.render_plugin_form(project, forms[args.form])
            elif args.form not in printing.FORMS:
                known = [*printing.FORMS, *forms]
                near = closest(args.form, known)
                hint = f"did you mean {near!r}?" if near else f"the forms are: {', '.join(known)}"
                raise UserError(f"unknown form {args.form!r}; {hint}")
            else:
                pdf = printing.render_form(catalog, project, args.form)
        else:
            if not catalog.has("checklist", args.checklist):
                known = [c.id for c in catalog.checklists]
                near = closest(args.checklist, known)
                hint = f"did you mean {near!r}?" if near else f"installed: {', '.join(known) or 'none'}"
                raise UserError(f"unknown checklist {args.checklist!r}; {hint}")
            pdf = printing.render_checklist(catalog, project, args.checklist, legal_basis=args.legal_basis or None)
    except printing.PrintError as exc:
        raise UserError(str(exc)) from None
    write_file(output, pdf)
    print(f"wrote {output}")
    return EXIT_OK


def cmd_new_plugin(args: argparse.Namespace) -> int:
    from checkframe.authoring.scaffold import InvalidName, NameTaken, PluginNames, write_plugin

    try:
        target = write_plugin(Path(args.dir), args.name, args.title, args.maintainer or "")
    except InvalidName as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except NameTaken as exc:
        raise UserError(str(exc)) from None
    names = PluginNames(args.name)
    print(f"wrote {target.as_posix()}/: plugin {names.name}, distribution {names.distribution}, "
          f"package {names.package}")
    print(f"next: pip install -e '{target.as_posix()}[test]' && checkframe validate && pytest {target.as_posix()}")
    return EXIT_OK


def cmd_new_handbook(args: argparse.Namespace) -> int:
    from checkframe.authoring.handbook import HandbookExists, UnknownSector, write_handbook

    if not args.title.strip() or not args.department.strip():
        raise UserError("--title and --department must not be empty")
    _, catalog = common.load_catalog()
    try:
        written = write_handbook(Path(args.dir), catalog, args.title.strip(), args.department.strip(), args.sector)
    except (HandbookExists, UnknownSector) as exc:
        raise UserError(str(exc)) from None
    for path in written:
        print(f"wrote {path.as_posix()}")
    print(f"next: checkframe build {Path(args.dir).as_posix()} && checkframe serve {Path(args.dir).as_posix()}")
    return EXIT_OK
