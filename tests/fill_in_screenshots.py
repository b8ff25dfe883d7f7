"""Phone screenshots of the fill-in mode, for the workflow page ``site/pages/fill-in.md``.

    nox -s screenshots          # writes site/pages/images/fill-in-*.png

It builds a small copy of the example handbook (the coal sector, the example ledger's units; no PDFs),
fills an inspection of the example coal mine in Debian's chromium at a phone's size, step by step as
the page tells a clerk to, and keeps a picture of the screen at each step.  Run it again when the
fill-in page changes how it looks, then look at every picture before committing them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "site" / "pages" / "images"
PHONE = {"width": 390, "height": 844}
CHECKLIST = "coal-mine-production"
UNIT = "晋城市金鑫煤业有限公司"

CONFIG = f"""[handbook]
title = "安全生产重大事故隐患排查整治检查手册"
department = "晋城市城区发展和改革局"
sectors = ["coal_mine"]
checklists = ["{CHECKLIST}"]
units = "ledger"
"""


def build(root: Path) -> Path:
    from checkframe.publish import build as build_module

    project = root / "handbook"
    project.mkdir()
    (project / "checkframe.toml").write_text(CONFIG, encoding="utf-8")
    shutil.copytree(ROOT / "examples" / "ledger" / "units", project / "ledger" / "units")
    with mock.patch.object(build_module, "print_all", lambda *args, **kwargs: None):
        build_module.build(project)
    return project / "_build"


def rules(page_file: Path) -> dict:
    html = page_file.read_text(encoding="utf-8")
    start = html.index('id="fill-in-rules">') + len('id="fill-in-rules">')
    return json.loads(html[start:html.index("</script>", start)])


def main() -> int:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        out = build(Path(tmp))
        page_file = out / "checklist" / f"{CHECKLIST}.html"
        points = rules(page_file)["checkpoints"]
        major = next(i for i, c in enumerate(points) if c["level"] == "major" and "listed_supervision" in c["remediation"])
        generals = [i for i, c in enumerate(points) if c["level"] == "general"]
        on_site = next(i for i in generals if "on_site" in points[i]["remediation"])
        deadline = [i for i in generals if i != on_site and "deadline" in points[i]["remediation"]][-1]
        IMAGES.mkdir(parents=True, exist_ok=True)
        for old in IMAGES.glob("fill-in-*.png"):
            old.unlink()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                                 args=["--no-sandbox", "--lang=zh-CN"])
            context = browser.new_context(viewport=PHONE, locale="zh-CN", accept_downloads=True)
            page = context.new_page()
            page.set_content('<body style="margin:0"><div style="width:160px;height:120px;background:linear-gradient('
                             '#7a8794,#4b5561);color:#fff;font:16px sans-serif;display:grid;place-items:center">'
                             '现场照片</div></body>')
            photo = page.screenshot(type="jpeg", quality=70, clip={"x": 0, "y": 0, "width": 160, "height": 120})
            page.goto(page_file.as_uri())
            shots: list[str] = []

            def shot(name: str, target=None) -> None:
                if target is not None:
                    target.scroll_into_view_if_needed()
                    page.evaluate("(y) => window.scrollBy(0, y)", 0)
                path = IMAGES / f"fill-in-{len(shots) + 1}-{name}.png"
                page.screenshot(path=path)
                shots.append(path.name)

            def item(n: int):
                return page.locator(".fi-item").nth(n)

            def mark(n: int, name: str) -> None:
                radio = item(n).get_by_role("radio", name=name, exact=True)
                item(n).locator(f'label[for="{radio.get_attribute("id")}"]').click()

            def top(locator) -> None:
                locator.evaluate("(node) => window.scrollTo(0, node.getBoundingClientRect().top + window.scrollY - 8)")

            top(page.get_by_role("heading", name="填写检查记录"))
            shot("start")
            page.get_by_role("button", name="新建检查记录").click()
            page.get_by_label("被检查单位").select_option(label=UNIT)
            page.get_by_label("检查日期").fill("2024-03-05")
            page.get_by_label("检查单位", exact=True).fill("晋城市城区能源局")
            page.get_by_label("检查人员").fill("王强、陈明")
            top(page.locator("#fi-form-title"))
            shot("header")

            mark(major, "不符合")
            found = page.locator(".fi-finding").first
            found.get_by_label("隐患描述").fill("2月份原煤产量超过核定生产能力的10%")
            found.get_by_label("整改方式").select_option(label="挂牌督办")
            found.get_by_label("督办级别").select_option(label="区级")
            found.get_by_label("牵头单位").fill("西上庄街道")
            found.get_by_label("督办通知书编号").fill("城能督〔2024〕3号")
            found.get_by_label("督办日期").fill("2024-03-06")
            found.get_by_label("责任人").fill("李矿")
            found.get_by_label("整改措施").fill("按核定生产能力调整生产计划，停止超能力生产")
            found.get_by_label("整改资金").fill("2万元")
            found.get_by_label("整改期限").fill("2024-03-20")
            found.get_by_label("应急预案").fill("瓦斯超限应急处置方案")
            found.get_by_label("责令停产停业整改").check()
            found.get_by_label("停产范围").select_option(label="局部停产停业")
            top(item(major))
            shot("major-hazard")

            for n in sorted([on_site, deadline]):
                mark(n, "不符合")
            findings = page.locator(".fi-finding")
            first, second = (1, 2) if on_site < deadline else (2, 1)
            fix_here, fix_later = findings.nth(first), findings.nth(second)
            fix_here.get_by_label("隐患描述").fill("交接班记录未由交班人签字")
            fix_here.get_by_label("整改方式").select_option(label="现场整改")
            fix_here.get_by_label("拍照或选择照片").set_input_files(
                files=[{"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": photo}])
            page.wait_for_selector(".fi-photos img")
            top(item(on_site))
            shot("on-site-fix")

            fix_later.get_by_label("隐患描述").fill("3月份矿长下井带班记录缺少5个班次")
            fix_later.get_by_label("整改方式").select_option(label="限期整改")
            fix_later.get_by_label("整改期限").fill("2024-03-15")
            fix_later.get_by_label("责任人").fill("李矿")
            fix_later.get_by_label("整改措施").fill("补查缺失班次原因，按制度落实带班并如实记录")
            fix_later.get_by_label("指令书编号").blur()
            for n in range(len(points)):
                if n not in (major, on_site, deadline):
                    mark(n, "符合")
            page.get_by_role("button", name="保存记录").click()
            top(page.locator(".fi-summary"))
            shot("refused")

            fix_later.get_by_label("指令书编号").fill("城能责改〔2024〕5号")
            with page.expect_download():
                page.get_by_role("button", name="保存记录").click()
            top(page.locator(".fi-actions"))
            shot("saved")

            # What the printer gets: the print view as an A4 page, drawn by poppler.
            page.evaluate("() => { window.print = () => {}; }")
            page.get_by_role("button", name="打印").click()
            pdf = Path(tmp) / "print.pdf"
            page.pdf(path=pdf, prefer_css_page_size=True)
            path = IMAGES / f"fill-in-{len(shots) + 1}-print.png"
            subprocess.run(["pdftoppm", "-r", "48", "-png", "-singlefile", pdf, path.with_suffix("")], check=True)
            shots.append(path.name)

            page.get_by_role("button", name="返回记录列表").click()
            page.get_by_role("button", name=f"回查：{UNIT} · 2024-03-05 · 已保存").click()
            page.get_by_label("检查日期").fill("2024-03-15")
            page.get_by_label("检查人员").fill("王强")
            item(1).get_by_label("回查结果").select_option(label="合格")
            top(item(0))
            shot("recheck")
            browser.close()
    for name in shots:
        print(f"wrote {(IMAGES / name).relative_to(ROOT).as_posix()} ({(IMAGES / name).stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
