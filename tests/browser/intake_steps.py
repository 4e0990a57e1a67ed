"""Steps of report intake through the real pages, shared by the intake and the cases browser tests."""

from __future__ import annotations

from typing import Any

from ..intake.fixtures import intake_settings

__all__ = ["intake_settings"]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


def phone_page(browser: Any, locale: str = "zh-CN") -> Any:
    """A reporter's phone: no login, nothing but the public pages."""
    context = browser.new_context(locale=locale, **PHONE)
    return context.new_page()


def file_report(page: Any, base: str, fields: dict[str, str], real_name: dict[str, str] | None = None) -> str:
    """Fill the public form and submit it; returns the receipt code as shown."""
    page.goto(f"{base}/report/")
    page.select_option("[data-testid=division]", fields.pop("division", "331200000000"))
    for name, value in fields.items():
        page.fill(f"[data-testid={name}]", value)
    if real_name:
        page.check("[data-testid=real-name]")
        page.fill("[data-testid=reporter-name]", real_name["name"])
        page.fill("[data-testid=reporter-id]", real_name["id_number"])
        page.fill("[data-testid=reporter-phone]", real_name["phone"])
    page.wait_for_selector("form[data-pow-done='1']", timeout=30000)
    page.click("[data-testid=submit]")
    code = page.locator("[data-testid=receipt-code]").inner_text()
    return str(code)


def follow_up(page: Any, base: str, code: str) -> None:
    page.goto(f"{base}/report/follow/")
    page.fill("[data-testid=code]", code)
    page.click("[data-testid=follow-submit]")
    page.wait_for_selector("[data-testid=status]")


def accept_report(officer: Any, base: str, number: str, division: str, priority: bool = False) -> None:
    """The intake officer opens the report from the list and accepts it into a lead at ``division``."""
    officer.goto(f"{base}/report/staff/")
    officer.click(f"text={number}")
    officer.select_option("[data-testid=lead-division]", division)
    if priority:
        officer.check("input[name=priority]")
    officer.click("[data-testid=accept]")
    officer.wait_for_selector("[data-testid=lead-number]")
