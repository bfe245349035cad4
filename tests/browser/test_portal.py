"""A visitor and a citizen on the portal, in Chromium: 双公示 search, a penalty's page, the
citizen's archive and their credit report as a PDF (rendered to an image and read back)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_console import login
from xinyong.demo import DEMO_ORGANISATIONS

pytestmark = pytest.mark.browser
COMPANY_USCC, COMPANY, CITIZEN_ID, CITIZEN = DEMO_ORGANISATIONS[0]


def _poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is not installed: make test installs poppler-utils")
        pytest.skip(f"{tool} is not installed (make test installs poppler-utils)")
    return found


def test_visitor_searches_a_company_and_opens_a_penalty(
    phone: Page, server_url: str, screenshots: Path
) -> None:
    phone.goto(server_url)
    phone.get_by_role("searchbox").fill("丰源")
    phone.get_by_role("button", name="查询").click()
    expect(phone).to_have_url(f"{server_url}/search?q=%E4%B8%B0%E6%BA%90")
    row = phone.locator("tr", has_text="行政处罚").filter(has_text=COMPANY)
    expect(row.first).to_be_visible()
    phone.screenshot(path=str(screenshots / "search.png"), full_page=True)
    row.first.get_by_role("link", name="行政处罚").click()
    expect(phone.get_by_role("heading", name="行政处罚")).to_be_visible()
    expect(phone.get_by_text("行政处罚决定书文号")).to_be_visible()
    expect(phone.locator("main")).to_contain_text(COMPANY_USCC)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.get_by_role("link", name=COMPANY).click()  # the organisation's public page
    expect(phone.get_by_role("heading", name=COMPANY)).to_be_visible()


def test_citizen_logs_in_with_id_number_and_downloads_their_report(
    phone: Page, server_url: str, screenshots: Path, tmp_path: Path
) -> None:
    login(phone, server_url, CITIZEN_ID)
    expect(phone).to_have_url(f"{server_url}/me")
    expect(phone.get_by_role("heading", name="我的信用档案")).to_be_visible()
    expect(phone.locator("main")).to_contain_text("行政管理信息")
    expect(phone.locator("main")).not_to_contain_text(CITIZEN_ID)  # masked even for them
    with phone.expect_download() as download:
        phone.get_by_role("link", name="下载信用报告（PDF）").click()
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(
        [_poppler("pdftoppm"), "-r", "80", "-png", "-f", "1", "-l", "1", str(pdf), "page"],
        cwd=tmp_path,
        check=True,
    )
    (image,) = tmp_path.glob("page-*1.png")
    assert image.stat().st_size > 10_000  # a rendered page, not a blank one
    shutil.copy(image, screenshots / "report-page-1.png")
    words = subprocess.run(
        [_poppler("pdftotext"), str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert CITIZEN in words
    assert "公共信用信息报告" in words
    assert CITIZEN_ID not in words
    phone.goto(f"{server_url}/me")  # the issued report is listed; its number verifies
    phone.locator("a[href^='/reports/verify/']").first.click()
    expect(phone.locator(".verdict")).to_contain_text("未被改动")
