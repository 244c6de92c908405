"""The chat page and hand-offs in headless Chromium: the 找工会工作人员 button, and a staff reply
appearing in the open page when the worker comes back to it."""

from __future__ import annotations

import asyncio
import re
import time

from selenium.webdriver.common.by import By
from test_web_browser import browser, page, site, tap, type_and_send, wait  # noqa: F401 - fixtures

from shebao.handoff import Desk
from shebao.store import Storage


def test_the_button_hands_over_and_the_staff_reply_appears_in_the_open_page(page, site):  # noqa: F811
    type_and_send(page, "火星上的量子纠缠是怎么回事")
    confirmation = tap(page, "找工会工作人员")
    number = int(re.search(r"#(\d+)", confirmation).group(1))
    cfg = site.web.conversation.services.config

    async def reply_from_telegram():  # the bot, another process on the same database
        async with Storage.from_config(cfg) as other:
            await Desk(other, cfg).staff_reply(number, "我们明天给您回电话。", staff="小李")

    asyncio.run(reply_from_telegram())
    page.execute_script("document.dispatchEvent(new Event('visibilitychange'))")  # back to the tab
    wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, "#log .turn.staff"))
    [shown] = page.find_elements(By.CSS_SELECTOR, "#log .turn.staff")
    assert "工会工作人员回复：我们明天给您回电话。" in shown.text
    assert "工会工作人员" in shown.find_element(By.CSS_SELECTOR, ".who").text
    page.refresh()  # each reply is shown once: the page's check on loading finds nothing new
    wait(page, lambda d: d.execute_script("return document.readyState") == "complete")
    time.sleep(1.5)  # room for the check's round trip on 127.0.0.1
    assert page.find_elements(By.CSS_SELECTOR, "#log .turn.staff") == []
