"""unfold's own strings (search boxes, filters, buttons, the command search, the two-box
selector's JavaScript) in Simplified Chinese for a Chinese user, and still English for others.

unfold ships no catalogs: erpkeeper/console/locale/zh_Hans translates them
(``python -m erpkeeper.lib.messages unfold``). Django 5.2's admin JavaScript asks for strings its
own zh_Hans djangojs catalog lacks; console/admin_js_catalog.html makes the page's gettext()
return them.
"""

import json
import re

import pytest

from erpkeeper.accounts import services
from tests.fixtures.browser import BROWSER_MARKS, sign_in
from tests.fixtures.personas import PERSONA_PASSWORD

LIST_PAGE = "/targets/target/"
FORM_WITH_TWO_BOXES = "/notifications/channel/add/"  # filter_horizontal = ["targets"]
CHOOSE_HELP = 'Choose %s by selecting them and then select the "Choose" arrow button.'
CHOOSE_HELP_ZH = "选中要选择的%s，然后点击“选择”箭头按钮。"


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _js_catalog_block(page):
    found = re.search(
        r'<script type="application/json" id="console-js-catalog">(.*?)</script>', page, re.S
    )
    assert found, "the change form has no console-js-catalog block"
    return json.loads(found[1])


@pytest.mark.django_db
def test_a_list_page_shows_unfolds_strings_in_chinese(console_client_for, olga):
    services.set_language(olga, "zh-hans")
    page = _page(console_client_for(olga), LIST_PAGE)
    assert 'placeholder="输入以搜索"' in page  # the list's search box and the command search
    assert "Type to search" not in page
    assert "搜索应用和模型…" in page  # the sidebar's search
    assert "Search apps and models" not in page
    assert "显示计数" in page and "Show counts" not in page  # the filters' panel
    assert "注销" in page and "修改密码" in page  # the user menu (Django's words)
    assert "这里还没有内容" in page and "Nothing here yet" not in page  # the empty list
    searched = _page(console_client_for(olga), LIST_PAGE + "?q=nothing-like-this")
    assert "重置筛选" in searched and "Reset filters" not in searched  # and when searched


@pytest.mark.django_db
def test_the_dashboard_shows_unfolds_strings_in_chinese(console_client_for, olga):
    services.set_language(olga, "zh-hans")
    page = _page(console_client_for(olga), "/")
    assert 'placeholder="输入以搜索"' in page
    assert "搜索应用和模型…" in page
    assert ">浅色</span>" in page and ">深色</span>" in page  # the theme menu
    for english in ("Type to search", "Search apps and models", ">Light</span>", ">Dark</span>"):
        assert english not in page, english


@pytest.mark.django_db
def test_english_users_keep_unfolds_english(console_client_for, olga):
    services.set_language(olga, "en")
    page = _page(console_client_for(olga), LIST_PAGE)
    assert 'placeholder="Type to search"' in page
    assert "输入以搜索" not in page
    assert (
        _js_catalog_block(_page(console_client_for(olga), FORM_WITH_TWO_BOXES))[CHOOSE_HELP]
        == CHOOSE_HELP
    )  # untranslated: the script leaves the catalog alone


@pytest.mark.django_db
def test_the_two_box_selector_gets_its_chinese_javascript_strings(console_client_for, olga):
    services.set_language(olga, "zh-hans")
    client = console_client_for(olga)
    page = _page(client, FORM_WITH_TWO_BOXES)
    assert "/static/admin/js/SelectFilter2.js" in page
    # Django's JavaScript catalog is loaded, in the user's language ...
    assert page.index('src="/jsi18n/"') < page.index('id="console-js-catalog"')
    jsi18n = client.get("/jsi18n/")
    assert jsi18n.status_code == 200
    assert "\\u53ef\\u7528 %s" in jsi18n.content.decode()  # "Available %s" -> "可用 %s"
    # ... and the strings Django 5.2's zh_Hans catalog lacks come with the page.
    catalog = _js_catalog_block(page)
    assert catalog[CHOOSE_HELP] == CHOOSE_HELP_ZH
    assert catalog["Choose all %s"] == "选择全部%s"
    assert catalog["(click to clear)"] == "（点击清除）"
    assert all(value != key for key, value in catalog.items())


def _browser(test):
    for mark in BROWSER_MARKS:
        test = mark(test)
    return test


@_browser
def test_in_a_browser_the_two_box_selector_and_search_read_chinese(live_server, browser_page, olga):
    services.set_language(olga, "zh-hans")
    sign_in(browser_page, live_server.url, "olga", PERSONA_PASSWORD)
    browser_page.goto(live_server.url + FORM_WITH_TWO_BOXES)
    browser_page.wait_for_selector(".selector")
    body = browser_page.inner_text("body")
    assert "然后点击“选择”箭头按钮" in body
    assert "删除全部目标" in body
    assert "by selecting them" not in body and "Remove all" not in body
    browser_page.goto(live_server.url + LIST_PAGE)
    placeholder = browser_page.get_attribute("#searchbar", "placeholder")
    assert placeholder == "输入以搜索"
