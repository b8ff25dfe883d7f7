"""Commands on the catalog: ``plugins``, ``validate``, ``export``, ``schema``, ``diff``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sized
from pathlib import Path
from typing import Any

from checkframe.catalog import catalog_to_json, gather
from checkframe.catalog.catalog import contribution_warnings, declarers
from checkframe.catalog.schema import KINDS
from checkframe.cli import common
from checkframe.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, UserError, report, write_file
from checkframe.errors import ContentError, Problem
from checkframe.plugins import ENV_ALLOWLIST, unplugged_distributions
from checkframe.util.tables import text_table


def cmd_plugins(args: argparse.Namespace) -> int:
    plugins = common.load_plugins()
    contributions, hook_problems = gather(plugins)
    by_plugin = {c.plugin: c for c in contributions}
    problems = [*plugins.problems, *hook_problems]
    warnings = [*contribution_warnings(plugins, contributions), *unplugged_distributions()]
    rows: list[dict[str, Any]] = []
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
            "warnings": [str(w) for w in warnings],
            "errors": [str(p) for p in problems],
        }, ensure_ascii=False, indent=2))
    else:
        header = ("plugin", "distribution", "version", "sectors", "checkpoints", "checklists")
        table = [header] + [
            (r["name"], r["distribution"], r["version"], ",".join(r["sectors"]) or "-",
             str(r["checkpoints"]), str(r["checklists"]))
            for r in rows
        ]
        sys.stdout.write(text_table(table))
        if plugins.skipped:
            print(f"skipped by {ENV_ALLOWLIST}: {', '.join(plugins.skipped)}")
        common.warn(warnings)
    if problems:
        return report(problems, plugins)
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from checkframe.publish.printforms import plugin_forms

    warnings: list[Problem] = []
    try:
        plugins, catalog = common.load_catalog(warnings)
    finally:
        common.warn([*warnings, *unplugged_distributions()])
    forms, problems = plugin_forms(plugins)
    if problems:
        raise ContentError(problems)
    added = f", {len(forms)} plugin form{'s' if len(forms) != 1 else ''}" if forms else ""
    print(
        f"ok: {_count(catalog.sectors, 'sector')}, {_count(catalog.checkpoints, 'checkpoint')}, "
        f"{_count(catalog.checklists, 'checklist')}, {_count(catalog.categories, 'remediation category')}"
        f"{added} from {_count(plugins.infos, 'plugin')}"
    )
    return EXIT_OK


def cmd_documents(args: argparse.Namespace) -> int:
    plugins = common.load_plugins()
    contributions, _ = gather(plugins)
    warnings: list[Problem] = []
    try:
        _, catalog = common.load_catalog(warnings)
    finally:
        common.warn(warnings)
    declared = declarers(contributions)
    citing: dict[str, list[str]] = {d.id: [] for d in catalog.documents}
    for checkpoint in catalog.checkpoints:
        for basis in checkpoint.basis:
            if checkpoint.id not in citing[basis.document]:
                citing[basis.document].append(checkpoint.id)
    rows: list[dict[str, Any]] = [{
        "id": d.id, "title": d.title, "number": d.number, "issuer": d.issuer, "date": d.date,
        "declared_by": declared.get(d.id, []), "cited_by": citing[d.id],
    } for d in catalog.documents]
    if args.json:
        print(json.dumps({"documents": rows}, ensure_ascii=False, indent=2))
        return EXIT_OK
    table = [("id", "title", "number", "declared by", "cited by")] + [
        (r["id"], r["title"], r["number"] or "-", ",".join(r["declared_by"]) or "-", _cited(r["cited_by"]))
        for r in rows
    ]
    sys.stdout.write(text_table(table))
    print("cite a document by its id in [[checkpoint.basis]] document = \"ID\"; one declared by another plugin "
          "needs that plugin's distribution among your dependencies (see the author guide, 内容格式)")
    return EXIT_OK


def _cited(ids: list[str]) -> str:
    if not ids:
        return "-"
    return f"{len(ids)}: {', '.join(ids[:3])}{', ...' if len(ids) > 3 else ''}"


def cmd_export(args: argparse.Namespace) -> int:
    _, catalog = common.load_catalog()
    text = catalog_to_json(catalog)
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        write_file(Path(args.output), text)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from checkframe.catalog.schema import schema_json

    output = Path(args.output) if args.output not in (None, "-") else None
    if args.kind is None:
        if output is None:
            parser: argparse.ArgumentParser = args.schema_parser
            parser.error(f"give a KIND ({', '.join(KINDS)}) or -o DIR to write the schema of every kind")
        if output.exists() and not output.is_dir():
            raise UserError(f"{output} is a file; without a KIND, -o names a folder for all {len(KINDS)} schemas")
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot make the folder {output}: {exc.strerror or exc}") from None
        for kind in KINDS.values():
            write_file(output / kind.file_name, schema_json(kind.name))
            print(f"wrote {(output / kind.file_name).as_posix()}  ({kind.path})")
        return EXIT_OK
    text = schema_json(args.kind)
    if output is None:
        sys.stdout.write(text)
        return EXIT_OK
    if output.is_dir():
        output = output / KINDS[args.kind].file_name
    elif not output.parent.is_dir():
        raise UserError(f"cannot write {output}: there is no folder {output.parent.as_posix()!r}")
    write_file(output, text)
    print(f"wrote {output.as_posix()}")
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from checkframe.catalog.diff import diff_catalogs, render_json, render_text
    from checkframe.catalog.export import DiffInputError, load_export

    try:
        old, new = load_export(args.old), load_export(args.new)
    except DiffInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    diff = diff_catalogs(old, new)
    sys.stdout.write(render_json(diff) if args.json else render_text(diff, args.old, args.new))
    return EXIT_PROBLEMS if args.exit_code and diff else EXIT_OK


def _count(items: Sized, noun: str) -> str:
    """``1 sector``, ``7 sectors``, ``5 remediation categories``."""
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{len(items)} {noun if len(items) == 1 else plural}"
