"""Benchmark of the ledger: a synthetic store of inspection records replayed, and the weekly report.

::

    python bench/ledger_bench.py                       # 2,500, 5,000 and 10,000 records over 500 units
    python bench/ledger_bench.py --sizes 10000 --units 500 --seed 4 --repeat 3   # best of 3
    python bench/ledger_bench.py --sizes 10000 --jobs 1                          # in one process

The store is generated (seeded) into ``--out`` (default ``/dev/shm/checkframe-ledger-bench``, a tmpfs)
from the installed plugins' checklists: each unit is inspected on a checklist of its sector (every
checkpoint marked, zero to three findings, general ones by on-site or deadline fix, major ones under
listed supervision with the five assignments), then followed by recheck records that report fixes,
recheck (one in five fails and goes back), and close out.  Every generated store replays cleanly.

Each size runs in a fresh child process, so that its memory is its own:

- **ledger**: ``build_ledger`` (read, check and replay every record; in a pool of forked processes
  from 3,000 records, ``--jobs`` sets their number) plus the rows of the ledger;
- **weekly**: the 附件4 counts over the whole period, rendered as CSV;
- **user CPU**: user CPU seconds of ledger + weekly, the worker processes included (on a loaded
  machine, the wall time of a pool depends on free cores; this does not);
- **peak traced**: the most memory that Python objects held during ``build_ledger`` (tracemalloc,
  in a second run: tracing slows it down);
- **peak RSS**: ``ru_maxrss`` of the child, interpreter, plugins and catalog included.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import tomli_w

TARGET_SECONDS = 2.0
START = dt.date(2024, 1, 1)
TOWNSHIPS = ["北石店镇", "西上庄街道", "钟家庄街道", "东街街道", "南街街道", "北街街道", "西街街道", "开发区"]
#: Sector → the checklist its units are inspected on.
CHECKLISTS = {
    "general": "general-fire-risks",
    "coal_mine": "coal-mine-ventilation-gas",
    "pipeline": "pipeline-third-party-patrol",
}


def generate(root: Path, records: int, units: int, seed: int) -> None:
    """Write ``units`` units and ``records`` records into ``root`` (emptied first)."""
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


def _cpu() -> float:
    """User CPU seconds of this process and of its reaped children (the ledger's worker processes)."""
    return (resource.getrusage(resource.RUSAGE_SELF).ru_utime
            + resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime)


def measure(root: Path, jobs: int | None) -> dict:
    """Run in a child: time the ledger and the weekly report, then trace the ledger's memory."""
    from checkframe.catalog import build_catalog
    from checkframe.ledger.ledger import build_ledger
    from checkframe.ledger.rows import LEDGER_COLUMNS, ledger_rows, render, weekly_rows
    from checkframe.plugins import load_plugins

    try:  # the sector plugins' ledger rules, where checkframe has them (issue 14)
        from checkframe.ledger.rules import gather_ledger_rules
    except ImportError:
        def gather_ledger_rules(plugins, problems):
            return None

    t0 = time.perf_counter()
    plugins = load_plugins()
    catalog = build_catalog(plugins)
    rules = gather_ledger_rules(plugins, [])
    kwargs = {"rules": rules} if rules is not None else {}
    t1 = time.perf_counter()
    as_of = dt.date(2030, 1, 1)
    c1 = _cpu()
    ledger = build_ledger(root, catalog, as_of, jobs=jobs, **kwargs)
    assert not ledger.problems, [str(p) for p in ledger.problems[:5]]
    render(ledger_rows(ledger), LEDGER_COLUMNS, "csv")
    t2 = time.perf_counter()
    rows = weekly_rows(ledger, START, as_of)
    render(rows, list(rows[0]), "csv")
    t3 = time.perf_counter()
    cpu = _cpu() - c1
    findings = len(ledger.entries)
    del ledger, rows
    tracemalloc.start()
    ledger = build_ledger(root, catalog, as_of, jobs=jobs, **kwargs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "records": ledger.records, "findings": findings, "catalog": t1 - t0, "ledger": t2 - t1,
        "weekly": t3 - t2, "cpu": cpu, "traced_mib": peak / 2**20,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2500, 5000, 10000], help="numbers of records")
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--out", type=Path, default=Path("/dev/shm/checkframe-ledger-bench")
                        if Path("/dev/shm").is_dir() else Path("/tmp/checkframe-ledger-bench"))
    parser.add_argument("--jobs", type=int, help="processes reading records (default: build_ledger's own choice, "
                        "one per core from 3,000 records); 1 reads in one process")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size, each in a fresh child; the best is shown")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.jobs)))
        return
    print(f"{'records':>8} {'findings':>9} {'catalog s':>10} {'ledger s':>9} {'weekly s':>9} "
          f"{'ledger+weekly':>14} {'user CPU s':>11} {'peak traced MiB':>16} {'peak RSS MiB':>13}")
    jobs = [] if args.jobs is None else ["--jobs", str(args.jobs)]
    for size in args.sizes:
        root = args.out / str(size)
        generate(root, size, args.units, args.seed)
        runs = []
        for _ in range(args.repeat):
            out = subprocess.run([sys.executable, __file__, "--child", str(root), *jobs], check=True,
                                 capture_output=True, text=True).stdout
            runs.append(json.loads(out))
        r = min(runs, key=lambda run: run["ledger"] + run["weekly"])
        total = r["ledger"] + r["weekly"]
        verdict = "ok" if total < TARGET_SECONDS else "OVER"
        print(f"{r['records']:>8} {r['findings']:>9} {r['catalog']:>10.2f} {r['ledger']:>9.2f} "
              f"{r['weekly']:>9.3f} {total:>9.2f} {verdict:<4} {r['cpu']:>11.2f} {r['traced_mib']:>16.1f} "
              f"{r['rss_mib']:>13.0f}")
    shutil.rmtree(args.out, ignore_errors=True)


if __name__ == "__main__":
    main()
