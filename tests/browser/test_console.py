"""A clerk's and an administrator's path through the pages, on a phone, in Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from xinyong.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def login(page: Page, base: str, username: str) -> None:
    """Log in through the form with the demo password."""
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_visitor_reads_the_catalog_on_a_phone(
    phone: Page, server_url: str, screenshots: Path
) -> None:
    phone.goto(server_url)
    expect(phone.get_by_role("heading", name="信用信息目录")).to_be_visible()
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.get_by_text("菜单").click()
    phone.get_by_role("link", name="信用信息目录").first.click()
    phone.get_by_role("link", name="行政处罚").click()
    expect(phone.get_by_text("行政处罚决定书文号")).to_be_visible()
    phone.screenshot(path=str(screenshots / "dataset.png"), full_page=True)


def test_admin_issues_and_revokes_an_api_key(
    phone: Page, server_url: str, screenshots: Path
) -> None:
    login(phone, server_url, "admin")
    expect(phone).to_have_url(f"{server_url}/console")
    expect(phone.get_by_role("heading", name="工作台")).to_be_visible()
    phone.goto(f"{server_url}/console/api-keys")
    phone.get_by_label("用途名称").fill("市场监管执法系统")
    phone.get_by_label("部门").select_option("SCJG")
    phone.get_by_role("button", name="生成密钥").click()
    key = phone.locator("#issued-key").inner_text()
    assert key.startswith("xy_")
    phone.screenshot(path=str(screenshots / "issued.png"), full_page=True)
    phone.reload()  # shown once: gone after a reload
    expect(phone.locator("#issued-key")).to_have_count(0)
    row = phone.locator("tr", has_text="市场监管执法系统")
    phone.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="吊销").click()
    expect(row).to_contain_text("已吊销")  # swapped in place by htmx


def test_wrong_password_is_explained(phone: Page, server_url: str) -> None:
    phone.goto(f"{server_url}/login")
    phone.get_by_label("用户名").fill("reviewer")
    phone.get_by_label("密码").fill("not the password")
    phone.get_by_role("button", name="登录").click()
    expect(phone.get_by_role("alert")).to_contain_text("用户名或密码错误")


def test_citizen_sees_their_account(phone: Page, server_url: str) -> None:
    login(phone, server_url, "citizen")
    expect(phone).to_have_url(f"{server_url}/me")
    phone.get_by_text("菜单").click()
    phone.get_by_role("link", name="张伟（信用主体）").click()
    expect(phone.locator("main").get_by_text("信用主体")).to_be_visible()
    phone.get_by_text("菜单").click()
    phone.get_by_role("button", name="退出").click()
    expect(phone).to_have_url(f"{server_url}/")
    phone.get_by_text("菜单").click()
    expect(phone.get_by_role("link", name="登录")).to_be_visible()
