"""The detectors confirm candidates with python-stdnum and phonenumbers: a checksum or the
numbering plan decides, so that look-alike digits are not personal data."""

from __future__ import annotations

import pytest

from erpkeeper.governance.privacy.detectors import (
    Category,
    Confidence,
    categories,
    confidence,
    hinted,
    label_category,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13800138000", {Category.MOBILE}),
        ("+86 138 0013 8000", {Category.MOBILE}),
        ("010-62345678", {Category.LANDLINE}),
        ("+86 21 6234 5678", {Category.LANDLINE}),
        ("li.na@example.cn", {Category.EMAIL}),
        ("11010519491231002X", {Category.RESIDENT_ID}),
        ("91350100M000100Y43", {Category.USCC}),
        ("4111 1111 1111 1111", {Category.BANK_CARD}),
        ("E12345678", {Category.PASSPORT}),
        ("北京市海淀区中关村大街27号", {Category.ADDRESS}),
        ("221 Baker Street", {Category.ADDRESS}),
        ("客户 13800138000 邮箱 li.na@example.cn", {Category.MOBILE, Category.EMAIL}),
    ],
)
def test_each_category_is_found_in_a_valid_value(value, expected):
    assert categories(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "11010519491231002Y",  # resident id with a wrong check character
        "110105194913310021",  # month 13 (and no valid USCC by chance either)
        "91350100M000100Y44",  # USCC with a wrong check character
        "4111111111111112",  # fails Luhn
        "12345678901",  # not a mobile prefix
        "10-202608-0003",  # an invoice reference, not a phone number
        "SO-2024-0001",
        "2024-01-02 10:00:00",
        "华信科技有限公司",
    ],
)
def test_look_alike_values_are_not_personal_data(value):
    assert categories(value) == set()


def test_names_are_looked_for_only_where_the_column_says_names():
    assert categories("张伟") == set()
    assert categories("张伟", names_hinted=True) == {Category.PERSON_NAME}
    assert categories("张伟 Zhang Wei", names_hinted=True) == {Category.PERSON_NAME}
    assert categories("欧阳娜娜", names_hinted=True) == {Category.PERSON_NAME}
    assert categories("John Smith", names_hinted=True) == {Category.PERSON_NAME}
    for company in ("上海华联贸易有限公司", "Northwind Traders", "Globex Corporation"):
        assert categories(company, names_hinted=True) == set()


def test_column_names_and_tryton_labels_raise_the_prior():
    assert Category.MOBILE in hinted("mobile_phone")
    assert Category.EMAIL in hinted("value", "E-Mail")
    assert Category.PERSON_NAME in hinted("contact_name")
    assert hinted("reference") == set()
    assert label_category("cn_ric") == Category.RESIDENT_ID
    assert label_category("cn_vat") == Category.USCC
    assert label_category("eu_vat") is None


def test_confidence_is_honest_about_shape_only_categories():
    assert confidence(Category.RESIDENT_ID, 0.9, hinted=False, labelled=False) == Confidence.HIGH
    assert confidence(Category.MOBILE, 0.01, hinted=False, labelled=False) == Confidence.LOW
    assert confidence(Category.MOBILE, 0.1, hinted=True, labelled=False) == Confidence.HIGH
    assert confidence(Category.BANK_CARD, 0.9, hinted=False, labelled=False) == Confidence.MEDIUM
    # a passport or a name never rises above medium, even in a column named for it
    assert confidence(Category.PASSPORT, 1.0, hinted=True, labelled=False) == Confidence.MEDIUM
    assert confidence(Category.PERSON_NAME, 1.0, hinted=True, labelled=True) == Confidence.MEDIUM
    assert confidence(Category.PERSON_NAME, 0.1, hinted=True, labelled=False) == Confidence.LOW
