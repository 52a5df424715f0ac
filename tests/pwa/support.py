"""What the tablet app's browser tests share: the sizes they run at and the steps they all take."""

from __future__ import annotations

from playwright.sync_api import Page

from backend.demo import DEMO_PASSWORD

TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}


def busy_carer(url: str, page: Page) -> str:
    """A demo carer login whose published route today has at least two visits (the solver may leave a
    carer of the walking team without visits)."""
    for username in ("pleier1", "pleier2"):
        answer = page.request.post(
            f"{url}/api/v1/auth/token", form={"username": username, "password": DEMO_PASSWORD}
        )
        token = answer.json()["access_token"]
        day = page.request.get(f"{url}/api/v1/my/day", headers={"Authorization": f"Bearer {token}"}).json()
        page.request.post(f"{url}/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
        if any(len(route["stops"]) >= 2 for route in day["routes"]):
            return username
    raise AssertionError("no demo carer has two visits today")


def outbox_size(page: Page) -> int:
    return int(page.evaluate("window.HRStore.all().then(items => items.length)"))


def wait_sent(page: Page) -> None:
    """Until the outbox is empty and the app has taken in the server's answers."""
    for _ in range(300):
        if outbox_size(page) == 0 and not page.evaluate("window.HRApp.state.sending"):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{outbox_size(page)} events still waiting to be sent")
