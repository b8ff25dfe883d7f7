"""Benchmark of the ledger: a synthetic store of inspection records replayed, cold and from its cache.

::

    python bench/ledger_bench.py                               # 10,000, 50,000 and 100,000 records
    python bench/ledger_bench.py --sizes 10000 --jobs 1        # parsing in one process
    python bench/ledger_bench.py --sizes 10000 --shape compact # the old benchmark's records, for comparison
    python bench/ledger_bench.py --sizes 10000 --trace         # also Python's peak memory (tracemalloc)

The store is generated (seeded, one unit per 20 records) into ``--out`` (default a tmpfs) from the
installed general, coal_mine and pipeline checklists, as people write it (:func:`generate`): first
inspections are the file ``inspect new`` writes (comment header, every checkpoint row) marked and with
``[[finding]]`` tables on all three routes (on-site, deadline, listed supervision with a stop for coal,
some self-found and reported), later visits are ``inspect recheck``'s file filled in with fixes,
rechecks (one in five failed), acceptance and close-outs with an approver.  It replays cleanly.

For each size, three fresh child processes run the ledger as ``checkframe ledger show`` does, cache
included: **cold** (no ``.checkframe-cache/`` yet: every record parsed, the cache written), **again**
(nothing new), **after one new record**.  "ledger" is ``build_ledger`` plus the ledger's rows as CSV,
"weekly" the 附件4 counts, "user CPU" both, pool workers included (the steadier figure on a loaded
machine), "peak RSS" the child's own peak (``VmHWM``, :mod:`memory`), interpreter, plugins and catalog included.  The load
average is printed before and after each size: the machine is shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import tomli_w

from checkframe.ledger.cache import CACHE_DIR

TARGET_SECONDS = 2.0
START = dt.date(2024, 1, 1)
TOWNSHIPS = ["北石店镇", "西上庄街道", "钟家庄街道", "东街街道", "南街街道", "北街街道", "西街街道", "开发区"]
#: Sector → the checklist its units are inspected on.
CHECKLISTS = {
    "general": "general-fire-risks",
    "coal_mine": "coal-mine-ventilation-gas",
    "pipeline": "pipeline-third-party-patrol",
}


def generate_compact(root: Path, records: int, units: int, seed: int) -> None:
    """The old benchmark's store: each record one ``tomli_w.dumps``, no comments, every table inline.

    Kept (``--shape compact``) to show why its figures were lower than a ledger written by people.
    """
    from checkframe.catalog import build_catalog
    from checkframe.plugins import load_plugins

    catalog = build_catalog(load_plugins())
    rng = random.Random(seed)
    if root.exists():
        shutil.rmtree(root)
    (root / "units").mkdir(parents=True)
    (root / "records").mkdir()
    sectors = [s for s in CHECKLISTS if catalog.has("checklist", CHECKLISTS[s])]
    per_unit, extra = divmod(records, units)
    serial = 0
    for u in range(units):
        ident = f"u{u:04d}"
        sector = rng.choice(sectors)
        (root / "units" / f"{ident}.toml").write_text(tomli_w.dumps({
            "name": f"合成单位{u:04d}有限公司", "township": rng.choice(TOWNSHIPS), "sector": sector,
            "unit_type": "工贸企业", "principal": "张三", "principal_phone": "0356-0000000",
            "staff": {"total": rng.randint(5, 500)},
        }), encoding="utf-8")
        checklist = catalog.checklist(CHECKLISTS[sector])
        checkpoints = catalog.checklist_checkpoints(checklist.id)
        day = START + dt.timedelta(days=rng.randint(0, 20))
        state: dict[str, str] = {}  # finding id -> fixing | awaiting | accepted, as the generator plays it
        previous = ""
        for n in range(per_unit + (u < extra)):
            record: dict = {"unit": ident, "date": day, "kind": checklist.kind.value, "checklist": checklist.id,
                            "checking_unit": "区应急管理局", "inspectors": ["王检"]}
            open_ = [f for f, s in state.items() if s != "accepted"]
            accepted = [f for f, s in state.items() if s == "accepted"]
            name = f"{day.isoformat()}-{ident}-{n:03d}.toml"
            if n == 0 or not (open_ or accepted) or rng.random() < 0.4:
                record["item"] = [{"checkpoint": c.id, "title": c.title, "mark": "ok"} for c in checkpoints]
                findings = []
                for c in rng.sample(checkpoints, rng.randint(0, 3)):
                    serial += 1
                    fid = f"f-{serial:06d}"
                    finding = {"id": fid, "checkpoint": c.id, "description": f"{c.title}不符合要求",
                               "level": c.level.value, "evidence": [f"photos/{fid}.jpg"]}
                    if c.level.value == "major":
                        finding["remediation"] = {
                            "category": "listed_supervision", "supervision_level": "district",
                            "lead_unit": "区应急管理局", "notice_number": f"区安督〔2024〕{serial}号", "notice_date": day,
                            "responsible_person": "张三", "measures": "整改", "funds": "10万元",
                            "deadline": day + dt.timedelta(days=45), "contingency_plan": "停止作业"}
                        if sector == "coal_mine":  # 《煤矿安全生产条例》第三十六条
                            finding["stop"] = {"kind": "coal_production_stop", "scope": "partial"}
                    elif rng.random() < 0.3:
                        finding["remediation"] = {"category": "on_site"}
                    else:
                        finding["remediation"] = {
                            "category": "deadline", "deadline": day + dt.timedelta(days=rng.randint(7, 30)),
                            "order_number": f"〔2024〕{serial}号", "responsible_person": "张三", "measures": "整改"}
                    findings.append(finding)
                    state[fid] = "fixing"
                if findings:
                    record["finding"] = findings
            else:
                record["follows"] = previous
                record["kind"] = "supervision"  # the department rechecks: a major hazard closes only so
                fixed, rechecks, closes = [], [], []
                for fid in open_:
                    if state[fid] == "fixing":
                        fixed.append({"finding": fid})
                    passed = rng.random() < 0.8
                    rechecks.append({"finding": fid, "result": "passed" if passed else "failed", "by": "王检"})
                    state[fid] = "accepted" if passed else "fixing"
                for fid in accepted:
                    closes.append({"finding": fid, "approver": "李局"})
                    del state[fid]
                for key, value in (("fixed", fixed), ("recheck", rechecks), ("close", closes)):
                    if value:
                        record[key] = value
            (root / "records" / name).write_text(tomli_w.dumps(record), encoding="utf-8")
            previous = name
            day += dt.timedelta(days=rng.randint(3, 12))


def _toml(data: dict) -> str:
    return tomli_w.dumps(data)


def _finding_tables(findings: list[dict]) -> str:
    """Findings as a clerk adds them under the header's example: ``[[finding]]`` with its sub-tables."""
    parts = []
    for finding in findings:
        plain = {k: v for k, v in finding.items() if not isinstance(v, dict)}
        parts.append("\n[[finding]]\n" + _toml(plain))
        for key in ("remediation", "stop"):
            if key in finding:
                parts.append(f"\n[finding.{key}]\n" + _toml(finding[key]))
    return "".join(parts)


def generate(root: Path, records: int, units: int, seed: int) -> None:
    """Write ``units`` units and ``records`` records into ``root`` (emptied first), as people write them.

    A first inspection is the file ``checkframe inspect new`` writes (its comment header, every checkpoint
    row), marked ``ok`` or ``fail``, with ``[[finding]]`` tables added at the end as its header shows:
    general hazards fixed on site or by a deadline order, major ones under listed supervision (a coal mine's
    with a production stop), a few self-found major hazards reported to the department.  Later visits are
    the file ``checkframe inspect recheck`` writes (its header, ``follows``, one ``[[recheck]]`` per
    unresolved finding with its ``about`` text), filled in: the unit's ``[[fixed]]`` reports, results
    (one in five fails and goes back), and ``[[close]]`` with an approver for what was accepted.
    """
    from checkframe.catalog import build_catalog
    from checkframe.ledger.records import _HEADER, _RECHECK_HEADER, new_record_toml
    from checkframe.plugins import load_plugins

    catalog = build_catalog(load_plugins())
    rng = random.Random(seed)
    if root.exists():
        shutil.rmtree(root)
    (root / "units").mkdir(parents=True)
    (root / "records").mkdir()
    sectors = [s for s in CHECKLISTS if catalog.has("checklist", CHECKLISTS[s])]
    per_unit, extra = divmod(records, units)
    serial = 0
    for u in range(units):
        ident = f"u{u:04d}"
        sector = rng.choice(sectors)
        (root / "units" / f"{ident}.toml").write_text(_toml({
            "name": f"合成单位{u:04d}有限公司", "township": rng.choice(TOWNSHIPS), "sector": sector,
            "unit_type": "工贸企业", "principal": "张三", "principal_phone": "0356-0000000",
            "staff": {"total": rng.randint(5, 500)},
        }), encoding="utf-8")
        checklist = catalog.checklist(CHECKLISTS[sector])
        checkpoints = catalog.checklist_checkpoints(checklist.id)
        day = START + dt.timedelta(days=rng.randint(0, 20))
        state: dict[str, str] = {}  # finding id -> fixing | awaiting | accepted, as the generator plays it
        about: dict[str, str] = {}
        previous = ""
        for n in range(per_unit + (u < extra)):
            open_ = [f for f, s in state.items() if s != "accepted"]
            accepted = [f for f, s in state.items() if s == "accepted"]
            if n == 0 or not (open_ or accepted) or rng.random() < 0.4:
                name = f"{day.isoformat()}-{ident}-{checklist.id}-{n:03d}.toml"
                chosen = rng.sample(checkpoints, rng.randint(0, 3))
                failed = {c.id for c in chosen}
                text = new_record_toml(checklist, checkpoints, ident, day, checklist.kind)
                text = text.replace('checking_unit = ""', 'checking_unit = "区应急管理局"', 1)
                text = text.replace("inspectors = []", 'inspectors = ["王检", "陈查"]', 1)
                rows = []
                for line in text.split("\n"):
                    if line.startswith("    { checkpoint = "):
                        ident_at = line.split('"')[1]
                        line = line.replace('mark = "" }', 'mark = "fail" }' if ident_at in failed else 'mark = "ok" }')
                    rows.append(line)
                text = "\n".join(rows)
                findings = []
                for c in chosen:
                    serial += 1
                    fid = f"f-{serial:06d}"
                    finding: dict = {"id": fid, "checkpoint": c.id, "description": f"{c.title}不符合要求",
                                     "level": c.level.value, "evidence": [f"photos/{fid}.jpg"]}
                    if c.level.value == "major":
                        if checklist.kind.value == "self" or rng.random() < 0.1:
                            finding["source"] = "self"
                            finding["reported_to"] = "区应急管理局"
                        finding["remediation"] = {
                            "category": "listed_supervision", "supervision_level": "district",
                            "lead_unit": "区应急管理局", "notice_number": f"区安督〔2024〕{serial}号", "notice_date": day,
                            "responsible_person": "张三", "measures": "整改", "funds": "10万元",
                            "deadline": day + dt.timedelta(days=45), "contingency_plan": "停止作业"}
                        if sector == "coal_mine":  # 《煤矿安全生产条例》第三十六条
                            finding["stop"] = {"kind": "coal_production_stop", "scope": "partial"}
                    elif rng.random() < 0.3:
                        finding["remediation"] = {"category": "on_site"}
                    else:
                        finding["remediation"] = {
                            "category": "deadline", "deadline": day + dt.timedelta(days=rng.randint(7, 30)),
                            "order_number": f"城应急责改〔2024〕{serial}号", "responsible_person": "张三",
                            "measures": "整改"}
                    findings.append(finding)
                    state[fid] = "fixing"
                    about[fid] = f"{c.id} {c.title}：{finding['description']}"
                text += _finding_tables(findings)
            else:
                name = f"{day.isoformat()}-{ident}-recheck-{n:03d}.toml"
                data: dict = {"unit": ident, "date": day, "kind": "supervision", "checklist": checklist.id,
                              "follows": previous, "checking_unit": "区应急管理局", "inspectors": ["王检"], "note": ""}
                fixed, rechecks, closes = [], [], []
                for fid in open_:
                    if state[fid] == "fixing":
                        fixed.append(fid)
                    passed = rng.random() < 0.8
                    rechecks.append({"finding": fid, "about": about[fid], "result": "passed" if passed else "failed",
                                     "by": "王检"})
                    state[fid] = "accepted" if passed else "fixing"
                if rechecks:
                    data["recheck"] = rechecks
                text = _RECHECK_HEADER + "\n" + _toml(data)
                text += "".join(f'\n[[fixed]]\nfinding = "{fid}"\n' for fid in fixed)
                for fid in accepted:
                    closes.append(fid)
                    del state[fid]
                text += "".join(f'\n[[close]]\nfinding = "{fid}"\napprover = "李局"\n' for fid in closes)
            (root / "records" / name).write_text(text, encoding="utf-8")
            previous = name
            day += dt.timedelta(days=rng.randint(3, 12))
    assert _HEADER  # the files above begin with inspect new's header


def _cpu() -> float:
    """User CPU seconds of this process and of its reaped children (the ledger's worker processes)."""
    return (resource.getrusage(resource.RUSAGE_SELF).ru_utime
            + resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime)


NEW_RECORD = """\
unit = "u0000"
date = 2029-12-31
kind = "supervision"
checklist = "{checklist}"
checking_unit = "区应急管理局"
inspectors = ["王检"]
"""


def measure(root: Path, jobs: int | None, trace: bool) -> dict:
    """Run in a child: time the ledger (with its cache, as the command runs it) and the weekly report."""
    from checkframe.catalog import build_catalog
    from checkframe.ledger.ledger import build_ledger
    from checkframe.ledger.rows import LEDGER_COLUMNS, ledger_rows, render, weekly_rows
    from checkframe.ledger.rules import gather_ledger_rules
    from checkframe.plugins import load_plugins
    from checkframe.util import collector

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import memory  # bench/memory.py, beside this script

    t0 = time.perf_counter()
    plugins = load_plugins()
    catalog = build_catalog(plugins)
    rules = gather_ledger_rules(plugins, [])
    t1 = time.perf_counter()
    as_of = dt.date(2030, 1, 1)
    c1 = _cpu()
    if trace:
        tracemalloc.start()
    with collector.paused(freeze=True):  # as the ledger commands read it (cli/ledger_commands.py)
        ledger = build_ledger(root, catalog, as_of, jobs=jobs, rules=rules)
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    tracemalloc.stop()
    assert not ledger.problems, [str(p) for p in ledger.problems[:5]]
    render(ledger_rows(ledger, catalog), LEDGER_COLUMNS, "csv")
    t2 = time.perf_counter()
    rows = weekly_rows(ledger, START, as_of)
    render(rows, list(rows[0]), "csv")
    t3 = time.perf_counter()
    return {
        "records": ledger.records, "findings": len(ledger.lines), "catalog": t1 - t0, "ledger": t2 - t1,
        "weekly": t3 - t2, "cpu": _cpu() - c1, "traced_mib": peak / 2**20,
        "rss_mib": memory.peak_mib(),
    }


def _child(root: Path, jobs: list[str], trace: bool) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(root), *jobs, *(["--trace"] if trace else [])],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def runs(root: Path, jobs: list[str], trace: bool = False) -> Iterator[tuple[str, dict]]:
    """The three runs on the store at ``root``, each in a fresh child: cold, again, after one new record."""
    shutil.rmtree(root / CACHE_DIR, ignore_errors=True)
    yield "cold (no cache)", _child(root, jobs, trace)
    yield "again, nothing new", _child(root, jobs, trace)
    checklist = next((root / "records").glob("*-u0000-*-000.toml"), None)
    name = checklist.name.split("-u0000-")[1].rsplit("-", 1)[0] if checklist else "general-fire-risks"
    (root / "records" / "2029-12-31-u0000-new.toml").write_text(NEW_RECORD.format(checklist=name), encoding="utf-8")
    yield "after one new record", _child(root, jobs, trace)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 50000, 100000], help="numbers of records")
    parser.add_argument("--units", type=int, help="units (default: one per 20 records)")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--shape", choices=["people", "compact"], default="people",
                        help="records as inspect new / inspect recheck write them and people fill them in "
                             "(default), or the old benchmark's compact one-dump records")
    parser.add_argument("--out", type=Path, default=Path("/dev/shm/checkframe-ledger-bench")
                        if Path("/dev/shm").is_dir() else Path("/tmp/checkframe-ledger-bench"))
    parser.add_argument("--jobs", type=int, help="processes parsing records (default: build_ledger's own choice, "
                        "one per core from 3,000 records to parse); 1 parses in one process")
    parser.add_argument("--trace", action="store_true", help="also trace Python's peak memory (slower)")
    parser.add_argument("--keep", action="store_true", help="keep the generated stores")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.jobs, args.trace)))
        return
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    print(f"{'records':>8} {'findings':>9} {'run':<22} {'ledger s':>9} {'weekly s':>9} {'user CPU s':>11} "
          f"{'traced MiB':>11} {'peak RSS MiB':>13}", flush=True)
    jobs = [] if args.jobs is None else ["--jobs", str(args.jobs)]
    write = generate if args.shape == "people" else generate_compact
    for size in args.sizes:
        root = args.out / str(size)
        write(root, size, args.units or max(1, size // 20), args.seed)
        for label, r in runs(root, jobs, args.trace):
            print(f"{r['records']:>8} {r['findings']:>9} {label:<22} {r['ledger']:>9.2f} {r['weekly']:>9.3f} "
                  f"{r['cpu']:>11.2f} {r['traced_mib']:>11.1f} {r['rss_mib']:>13.0f}", flush=True)
        print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
