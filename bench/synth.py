"""A seeded synthetic catalog for the site benchmark: sectors of checkpoints written as plugins.

Every sector is a plugin content folder in exactly the format the loader reads
(``sector.toml``, ``checkpoints/NN-group.toml``, ``checklists.toml``), and a
handbook project folder (``checkframe.toml`` and one page) sits beside them, so
the real :func:`checkframe.publish.build.build` runs on it::

    python bench/synth.py /dev/shm/cf-synth           # 40 sectors x 250 checkpoints
    python bench/synth.py /dev/shm/cf-synth --sectors 10

The text is assembled from real phrases of safety-inspection checklists, with
the Markdown that authors actually write: ``**依据：**`` bold next to full-width
punctuation, lists, several paragraphs and legal citations.  The same seed gives
the same bytes.
"""

from __future__ import annotations

import argparse
import random
import types
from pathlib import Path

import tomli_w

from checkframe import hookimpl
from checkframe.plugins import ENV_ALLOWLIST, Plugins, load_plugins

__all__ = ["SEED", "generate", "plugins_for"]

SEED = 20240601
SECTORS = 40
PER_SECTOR = 250

INDUSTRIES = [
    "煤矿", "非煤矿山", "危险化学品", "烟花爆竹", "冶金", "有色金属", "建材", "机械", "轻工", "纺织",
    "烟草", "商贸", "城镇燃气", "油气长输管道", "电力", "水利", "道路运输", "水上交通", "铁路", "民航",
    "建筑施工", "消防", "特种设备", "粉尘涉爆", "涉氨制冷", "有限空间", "工贸仓储", "农机", "渔业船舶", "旅游",
    "文化娱乐", "教育", "医疗卫生", "养老机构", "体育场馆", "人员密集场所", "城市轨道交通", "桥梁隧道", "港口码头",
    "储能电站",
]
REGULATORS = ["区应急管理局", "区住房和城乡建设局", "区交通运输局", "区市场监督管理局", "区消防救援大队", "区发改（能源）局",
              "区水利局", "区农业农村局", "区文化和旅游局", "区教育局", "区卫生健康委员会", "区商务局"]
TOPICS = [
    "安全管理机构", "主要负责人职责", "安全生产责任制", "教育培训", "特种作业人员", "隐患排查治理", "风险分级管控",
    "应急预案", "应急演练", "动火作业", "受限空间作业", "高处作业", "临时用电", "吊装作业", "设备设施", "安全附件",
    "压力容器", "电气线路", "防雷防静电", "消防设施", "疏散通道", "安全出口", "危险化学品储存", "可燃气体报警",
    "通风系统", "除尘系统", "监测监控", "视频监控", "劳动防护用品", "相关方管理", "外包作业", "安全警示标志",
    "值班值守", "交接班", "检维修作业", "仓库管理", "厂房建筑", "防火间距", "泄压设施", "紧急切断装置",
]
SUBJECTS = ["生产经营单位", "企业", "施工单位", "经营单位", "使用单位", "建设单位", "管理单位", "作业单位"]
ACTIONS = [
    "未按规定建立健全{t}制度", "未落实{t}要求", "{t}存在缺陷且未及时整改", "未对{t}进行定期检查和维护保养",
    "擅自拆除、停用{t}", "{t}台账不全或者记录不真实", "未明确{t}的责任人员", "{t}不符合国家标准或者行业标准",
    "未按规定配备{t}", "{t}超期未检验", "在{t}区域违规存放可燃物", "未将{t}纳入日常检查",
]
PEOPLE = ["主要负责人", "安全管理人员", "特种作业人员", "班组长", "从业人员", "外包作业人员", "值班人员", "专职消防员"]
METHODS = ["查阅资料", "现场检查", "询问", "测量", "抽查记录", "实际操作"]
NPC = "全国人民代表大会常务委员会"
LAWS = [
    ("work-safety-law-2021", "中华人民共和国安全生产法", "中华人民共和国主席令第八十八号", NPC, "2021-06-10"),
    ("fire-law-2021", "中华人民共和国消防法", "中华人民共和国主席令第八十一号", NPC, "2021-04-29"),
    ("special-equipment-law-2013", "中华人民共和国特种设备安全法", "中华人民共和国主席令第四号", NPC, "2013-06-29"),
    ("emergency-plan-order-2019", "生产安全事故应急预案管理办法", "应急管理部令第2号", "中华人民共和国应急管理部",
     "2019-07-11"),
]
NUMERALS = "一二三四五六七八九十"
GENERAL_REMEDIATION = [["on_site"], ["deadline"], ["on_site", "deadline"]]


def _article(rng: random.Random) -> str:
    n = rng.randint(1, 119)
    tens, ones = divmod(n, 10)
    if n < 10:
        text = NUMERALS[n - 1]
    elif n < 20:
        text = "十" + (NUMERALS[ones - 1] if ones else "")
    elif n < 100:
        text = NUMERALS[tens - 1] + "十" + (NUMERALS[ones - 1] if ones else "")
    else:
        rest = n - 100
        text = "一百" + ("" if rest == 0 else ("零" + NUMERALS[rest - 1] if rest < 10 else _tens(rest)))
    return f"第{text}条"


def _tens(n: int) -> str:
    tens, ones = divmod(n, 10)
    return ("一十" if tens == 1 else NUMERALS[tens - 1] + "十") + (NUMERALS[ones - 1] if ones else "")


class _Writer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def sentence(self, topic: str) -> str:
        r = self.rng
        action = r.choice(ACTIONS).format(t=topic)
        subject, person = r.choice(SUBJECTS), r.choice(PEOPLE)
        return f"{subject}{action}，{person}{r.choice(['未履行', '未认真履行', '未督促落实'])}相应职责的。"

    def what(self, topic: str, documents: list[tuple[str, str]]) -> tuple[str, list[dict[str, str]]]:
        """A checkpoint's Markdown and its citations."""
        r = self.rng
        basis = []
        for doc_id, _ in r.sample(documents, r.randint(1, 2)):
            entry = {"document": doc_id, "article": _article(r)}
            if r.random() < 0.3:
                entry["item"] = f"（{r.choice(NUMERALS[:6])}）"
            basis.append(entry)
        parts = [" ".join(self.sentence(topic) for _ in range(r.randint(1, 3)))]
        if r.random() < 0.6:
            items = [f"- {r.choice(PEOPLE)}是否掌握{r.choice(TOPICS)}的操作规程；" for _ in range(r.randint(2, 5))]
            parts.append("**检查要点：**\n\n" + "\n".join(items))
        if r.random() < 0.4:
            parts.append(f"**注意：**{topic}涉及多个部门的，应当分别\n明确责任，不得推诿。")
        cites = "；".join(f"《{dict(documents)[b['document']]}》{b['article']}{b.get('item', '')}" for b in basis)
        parts.append(f"**依据：**{cites}。")
        return "\n\n".join(parts) + "\n", basis


#: The scope tags of the synthetic checkpoints and their Chinese names, in every sector.toml as the shipped
#: plugins name theirs (a catalog with unnamed tags builds too, with a warning per tag).
SCOPES = {"retail": "零售经营", "underground": "井下作业", "storage": "储存场所", "construction": "建设施工"}


def _sector_files(rng: random.Random, index: int, per_sector: int) -> dict[str, dict]:
    """The TOML documents of one sector's content folder: file name → data."""
    writer = _Writer(rng)
    sid = f"s{index:02d}"
    name = INDUSTRIES[index % len(INDUSTRIES)] + ("" if index < len(INDUSTRIES) else f"（{index // len(INDUSTRIES) + 1}）")
    own = [(f"{sid}-standard", f"{name}重大事故隐患判定标准"), (f"{sid}-rules", f"{name}安全生产管理规定")]
    shared = rng.sample(LAWS, 2)
    documents = own + [(law[0], law[1]) for law in shared]
    files: dict[str, dict] = {
        "sector.toml": {
            "sector": {
                "id": sid, "name": name, "regulator": rng.choice(REGULATORS),
                "description": f"{name}行业领域重大事故隐患排查整治的检查内容。\n\n"
                               f"- **适用范围：**辖区内全部{name}生产经营单位；\n"
                               "- **使用方式：**企业自查，监管部门督导检查。\n",
                "sources": [d for d, _ in documents],
            },
            "document": [
                {"id": own[0][0], "title": own[0][1], "number": f"应急管理部令第{index + 1}号",
                 "issuer": "中华人民共和国应急管理部", "date": "2022-12-01"},
                {"id": own[1][0], "title": own[1][1], "confirmed": False, "note": "文号未经核实"},
                *({"id": law[0], "title": law[1], "number": law[2], "issuer": law[3], "date": law[4]} for law in shared),
            ],
            "scope": [{"id": tag, "name": label} for tag, label in SCOPES.items()],
        }
    }
    sizes: list[int] = []
    while sum(sizes) < per_sector:
        sizes.append(min(rng.randint(10, 25), per_sector - sum(sizes)))
    groups = []
    n = 0
    for g, size in enumerate(sizes, 1):
        topic = TOPICS[(index + g) % len(TOPICS)]
        gid = f"g{g:02d}"
        groups.append(gid)
        checkpoints = []
        for _ in range(size):
            n += 1
            major = rng.random() < 0.15
            what, basis = writer.what(topic, documents)
            title = f"{topic}{rng.choice(['管理', '落实情况', '检查', '运行情况', '台账'])}（{n}）"
            how = rng.sample(METHODS, rng.randint(1, 3))
            remediation = ["listed_supervision"] if major else rng.choice(GENERAL_REMEDIATION)
            checkpoint = {
                "id": f"{sid}-{gid}-{n:03d}",
                "title": title,
                "what": what,
                "how": how,
                "level": "major" if major else "general",
                "remediation": remediation,
                "basis": basis,
            }
            if rng.random() < 0.1:
                checkpoint["scope"] = [rng.choice(list(SCOPES))]
            checkpoints.append(checkpoint)
        group = {"id": gid, "title": f"{topic}（第{g}组）"}
        if rng.random() < 0.5:
            group["description"] = f"本组检查{topic}，**重点：**{writer.sentence(topic)}"
        files[f"checkpoints/{g:02d}-{gid}.toml"] = {"group": group, "checkpoint": checkpoints}
    some = sorted(rng.sample(range(1, n + 1), min(30, n)))
    by_number = {int(c["id"].rsplit("-", 1)[1]): c["id"] for f in files.values() for c in f.get("checkpoint", [])}
    files["checklists.toml"] = {"checklist": [
        {"id": f"{sid}-self", "title": f"{name}企业安全生产自查表", "kind": "self_inspection",
         "description": "企业对照本表**逐项自查**，发现问题立即整改。", "items": [f"{sid}/{g}" for g in groups]},
        {"id": f"{sid}-supervision", "title": f"{name}督导检查表", "kind": "supervision",
         "items": [f"{sid}/{g}" for g in groups[: max(1, len(groups) // 2)]]},
        {"id": f"{sid}-spot", "title": f"{name}重点抽查表", "kind": "supervision", "scope": "抽查",
         "items": [by_number[i] for i in some]},
    ]}
    return files


HANDBOOK = {"handbook": {"title": "合成基准检查手册", "department": "基准测试区应急管理局"}}
USAGE = "# 使用说明\n\n本手册为性能基准合成数据，见[重大隐患](../major-hazards.html)和[整改与闭环](../remediation.html)。\n"


def generate(root: Path | str, sectors: int = SECTORS, per_sector: int = PER_SECTOR, seed: int = SEED) -> Path:
    """Write ``sectors`` plugin folders under ``root/plugins`` and the project ``root/handbook``; return ``root``.

    The first ``k`` sectors are the same whatever ``sectors`` is, so smaller catalogs are prefixes of larger ones.
    """
    root = Path(root)
    for index in range(sectors):
        rng = random.Random(f"{seed}-{index}")
        folder = root / "plugins" / f"s{index:02d}"
        for name, data in _sector_files(rng, index, per_sector).items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(tomli_w.dumps(data, multiline_strings=True), encoding="utf-8")
    project = root / "handbook"
    (project / "pages").mkdir(parents=True, exist_ok=True)
    (project / "checkframe.toml").write_text(tomli_w.dumps(HANDBOOK), encoding="utf-8")
    (project / "pages" / "usage.md").write_text(USAGE, encoding="utf-8")
    return root


def _plugin(name: str, folder: Path) -> types.ModuleType:
    module = types.ModuleType(f"bench_plugin_{name}")

    @hookimpl
    def checkframe_register_content(register):
        register.content_dir(folder)

    module.checkframe_register_content = checkframe_register_content
    return module


def plugins_for(root: Path | str) -> Plugins:
    """Built-in plugins and one plugin per generated sector; none of the installed ones."""
    folders = sorted((Path(root) / "plugins").iterdir())
    return load_plugins(environ={ENV_ALLOWLIST: ""}, extra={f.name: _plugin(f.name, f) for f in folders})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--sectors", type=int, default=SECTORS)
    parser.add_argument("--per-sector", type=int, default=PER_SECTOR)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    generate(args.root, args.sectors, args.per_sector, args.seed)
    print(args.root)


if __name__ == "__main__":
    main()
