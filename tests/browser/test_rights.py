"""A citizen contests a record of theirs in Chromium, end to end: the archive's link, the
form with a PDF attached, the case page; the centre accepts and closes it in the console;
the citizen reads the outcome among their notices."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_console import login
from tests.browser.test_portal import CITIZEN_ID

pytestmark = pytest.mark.browser


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
