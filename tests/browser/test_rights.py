"""A citizen contests a record of theirs, and applies to repair another, in Chromium end
to end: the archive's link, the form with a PDF attached, the case page; the centre
decides in the console; the citizen reads the outcome among their notices."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_console import login
from tests.browser.test_portal import CITIZEN, CITIZEN_ID
from tests.ingest_data import person_row, write_csv

pytestmark = pytest.mark.browser
SCJG_USCC = "11440100666055569B"  # the demo market regulator


def test_a_citizen_files_an_objection_and_the_centre_closes_it(
    phone: Page, browser: Browser, server_url: str, tmp_path: Path
) -> None:
    login(phone, server_url, CITIZEN_ID)
    phone.goto(f"{server_url}/me")
    record = phone.locator("details.record").first
    record.locator("summary").click()
    record.get_by_role("link", name="对这条记录提出异议").click()  # step 1

    proof = tmp_path / "缴款凭证.pdf"
    proof.write_bytes(b"%PDF-1.4\n% paid in full\n")
    phone.get_by_label("异议理由").select_option(label="信息错误")  # step 2
    phone.get_by_label("具体说明").fill("罚款已于决定当日缴清，处罚内容记载有误")
    phone.get_by_label("证明材料").set_input_files(str(proof))
    phone.get_by_role("button", name="提交异议").click()  # step 3

    expect(phone.locator(".stage")).to_contain_text("待受理")
    expect(phone.locator("main")).to_contain_text("缴款凭证.pdf")
    case_id = re.search(r"/me/objections/(\d+)", phone.url).group(1)  # type: ignore[union-attr]

    staff = browser.new_context(locale="zh-CN").new_page()
    login(staff, server_url, "reviewer")
    staff.goto(f"{server_url}/console/objections")
    staff.get_by_role("link", name=case_id, exact=True).click()
    staff.get_by_role("button", name="受理", exact=True).click()
    expect(staff.locator("main")).to_contain_text("平台核查中")
    staff.get_by_label("结果").select_option(label="维持原记录")
    staff.get_by_label("说明").fill("经核查，处罚信息与决定书一致")
    staff.get_by_role("button", name="办结").click()
    expect(staff.locator("main")).to_contain_text("已办结")
    staff.context.close()

    phone.goto(f"{server_url}/me")
    expect(phone.locator("#notices")).to_contain_text(f"异议 {case_id} 已办结")


def _penalty_file(tmp_path: Path) -> Path:
    """A general penalty of the demo citizen decided 200 days ago, as the market regulator
    sends it: past its 3-month minimum, so repairable now."""
    decided = date.today() - timedelta(days=200)
    row = person_row(
        9001,
        行政相对人名称=CITIZEN,
        证件号码=CITIZEN_ID,
        行政处罚决定书文号=f"示市监罚〔{decided.year}〕9001号",
        处罚决定日期=decided.isoformat(),
        处罚有效期=(decided + timedelta(days=30)).isoformat(),
        公示截止期="",
        处罚机关="示范市市场监督管理局",
        处罚机关统一社会信用代码=SCJG_USCC,
        数据来源单位="示范市市场监督管理局",
        数据来源单位统一社会信用代码=SCJG_USCC,
    )
    return write_csv(tmp_path / "行政处罚.csv", [row])


def test_a_citizen_applies_for_repair_and_the_centre_approves_it(
    phone: Page, browser: Browser, server_url: str, tmp_path: Path
) -> None:
    clerk = browser.new_context(locale="zh-CN").new_page()
    login(clerk, server_url, "scjg")
    clerk.goto(f"{server_url}/console/batches")
    clerk.get_by_label("信息类").select_option(value="XZCF")
    clerk.get_by_label("文件").set_input_files(str(_penalty_file(tmp_path)))
    clerk.get_by_role("button", name="上传并校验").click()
    expect(clerk.get_by_role("status")).to_contain_text("全部 1 行已接收")
    clerk.context.close()

    login(phone, server_url, CITIZEN_ID)
    phone.goto(f"{server_url}/me")
    record = phone.locator("details.record", has_text="示市监罚").first
    record.locator("summary").click()
    record.get_by_role("link", name="申请信用修复").click()  # step 1
    for condition in phone.locator("input[name=conditions]").all():  # step 2
        condition.check()
    phone.get_by_label("申请说明").fill("罚款已缴清，已签署信用承诺书并参加培训")
    receipt = tmp_path / "缴款凭证.pdf"
    receipt.write_bytes(b"%PDF-1.4\n% fine paid\n")
    phone.get_by_label("证明材料").set_input_files(str(receipt))
    phone.get_by_role("button", name="提交修复申请").click()  # step 3
    expect(phone.locator(".stage")).to_contain_text("待审核")
    case_id = re.search(r"/me/repairs/(\d+)", phone.url).group(1)  # type: ignore[union-attr]

    staff = browser.new_context(locale="zh-CN").new_page()
    login(staff, server_url, "reviewer")
    staff.goto(f"{server_url}/console/repairs")
    staff.get_by_role("link", name=case_id, exact=True).click()
    expect(staff.locator("main")).to_contain_text("缴款凭证.pdf")
    staff.get_by_label("审核意见").fill("已履行处罚决定，材料齐全")
    staff.get_by_role("button", name="准予修复").click()
    expect(staff.locator("main")).to_contain_text("准予修复")
    staff.context.close()

    phone.goto(f"{server_url}/me")
    expect(phone.locator("#notices")).to_contain_text(f"信用修复申请 {case_id} 已准予")
    expect(phone.locator("details.record", has_text="示市监罚")).to_have_count(0)
