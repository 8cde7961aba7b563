"""Which personal-data categories a value holds, and what a column's name suggests.

Each detector finds candidates with a regular expression, then confirms them with a maintained
library where one exists: resident identity numbers (``stdnum.cn.ric``: checksum and birth
date), unified social credit codes (``stdnum.cn.uscc``), bank cards (``stdnum.luhn``) and
phone numbers (``phonenumbers``, region CN: a valid number of the right type). Passports,
postal addresses and personal names have no checksum: they are found by shape and wording only
and never rated above what that supports (see ``confidence``).

Nothing here keeps, logs or returns a value: ``categories`` answers with category names only.
"""

from __future__ import annotations

import re

import phonenumbers
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum import luhn
from stdnum.cn import ric, uscc


class Category(models.TextChoices):
    MOBILE = "mobile", _("Mobile number")
    LANDLINE = "landline", _("Landline number")
    EMAIL = "email", _("E-mail address")
    RESIDENT_ID = "resident_id", _("Resident identity number")
    USCC = "uscc", _("Unified social credit code")
    BANK_CARD = "bank_card", _("Bank card number")
    PASSPORT = "passport", _("Passport number")
    ADDRESS = "address", _("Postal address")
    PERSON_NAME = "person_name", _("Personal name")


class Confidence(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


# Categories confirmed by a checksum or a numbering plan: a match is rarely an accident.
VALIDATED = {
    Category.MOBILE,
    Category.LANDLINE,
    Category.RESIDENT_ID,
    Category.USCC,
    Category.EMAIL,
}
# Found by shape or wording only: at most medium, however often they match.
SHAPE_ONLY = {Category.PASSPORT, Category.PERSON_NAME}

MOBILE_RE = re.compile(r"(?<![\d])(?:\+?86[- ]?)?(1[3-9]\d[- ]?\d{4}[- ]?\d{4})(?!\d)")
LANDLINE_RE = re.compile(
    r"(?<![\d-])(?:\+?86[- ]?\(?([1-9]\d{1,2})|\(?(0[1-9]\d{1,2}))\)?[- ]?"
    r"(\d{3,4}[- ]?\d{4})(?![\d-])"
)
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}")
RIC_RE = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    r"\d{3}[\dXx](?![0-9A-Za-z])"
)
USCC_RE = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])")
CARD_RE = re.compile(r"(?<![\d-])(\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}(?:[ -]?\d{1,3})?)(?![\d-])")
PASSPORT_RE = re.compile(r"(?<![0-9A-Za-z])(?:[EG]\d{8}|E[A-HJ-NP-Z]\d{7})(?![0-9A-Za-z])")

# Chinese addresses: an administrative division and a street-level part.
CN_DIVISION_RE = re.compile(r"[\u4e00-\u9fff]{1,8}(?:省|自治区|市|区|县|州|盟|旗)")
CN_STREET_RE = re.compile(
    r"[\u4e00-\u9fff0-9]{1,12}(?:路|街|大道|巷|弄|胡同|道|里|镇|乡|村|街道)"
    r"|\d+\s*(?:号|栋|幢|楼|室|单元)"
)
EN_STREET_RE = re.compile(
    r"\b\d{1,5}[A-Za-z]?\s+(?:[A-Z][a-z]+\s+){1,4}"
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Court|Ct|Place|Pl)\b\.?"
)

# The most frequent Chinese surnames (about 85% of the population) and common two-character
# ones: a 2-4 character Han value that starts with one is probably a person's name.
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞"
    "左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕"
    "屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
    "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
COMPOUND_SURNAMES = {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙"}
NAME_RE = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
# Words that make a Han value an organisation or a thing, not a person.
NOT_A_PERSON = re.compile(
    r"公司|集团|有限|股份|工厂|厂$|店$|中心|银行|学校|大学|医院|部$|局$|科技|贸易|商行|仓|库|品"
)
EN_NAME_RE = re.compile(r"^[A-Z][a-z]+(?:[- ][A-Z][a-z]+){1,2}$")
EN_NOT_A_PERSON = re.compile(
    r"\b(?:ltd|co|inc|llc|corp|corporation|company|group|trading|traders|retail|foods?|hotels?|"
    r"supplies|solutions|electronics|industries|components|steelworks|construction|office|"
    r"services|systems|store|shop|bank|school|university|hospital|warehouse|widget|product)\b",
    re.IGNORECASE,
)

# Column-name hints: words in a column's name that raise the prior of a category.
HINTS = {
    Category.MOBILE: ("mobile", "cell", "phone", "tel", "手机"),
    Category.LANDLINE: ("phone", "tel", "fax", "landline", "电话"),
    Category.EMAIL: ("email", "e_mail", "mail", "邮箱"),
    Category.RESIDENT_ID: ("identity", "identifier", "id_card", "idcard", "ric", "身份证"),
    Category.USCC: ("uscc", "tax", "credit_code", "identifier", "vat"),
    Category.BANK_CARD: ("card", "bank", "iban", "account_number", "银行"),
    Category.PASSPORT: ("passport", "护照"),
    Category.ADDRESS: ("address", "street", "city", "addr", "地址"),
    Category.PERSON_NAME: ("name", "contact", "attn", "person", "姓名", "联系人"),
}
# Tryton's labels (party_identifier.type, party_contact_mechanism.type) -> category.
LABELS = {
    "cn_ric": Category.RESIDENT_ID,
    "cn_uscc": Category.USCC,
    "cn_vat": Category.USCC,  # Tryton 8.2 names the USCC as China's tax identifier
    "mobile": Category.MOBILE,
    "phone": Category.LANDLINE,
    "fax": Category.LANDLINE,
    "email": Category.EMAIL,
}


def _valid_phone(text: str, wanted) -> bool:
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return False
    if not phonenumbers.is_valid_number(number):
        return False
    kind = phonenumbers.number_type(number)
    return kind in wanted or kind == phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE


MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE}
LANDLINE_TYPES = {phonenumbers.PhoneNumberType.FIXED_LINE}


def _mobile(value: str) -> bool:
    return any(_valid_phone(m.group(1), MOBILE_TYPES) for m in MOBILE_RE.finditer(value))


def _landline(value: str) -> bool:
    for match in LANDLINE_RE.finditer(value):
        area = match.group(2) or "0" + match.group(1)
        if _valid_phone(area + re.sub(r"[- ]", "", match.group(3)), LANDLINE_TYPES):
            return True
    return False


def _email(value: str) -> bool:
    return "@" in value and EMAIL_RE.search(value) is not None


def _resident_id(value: str) -> bool:
    return any(ric.is_valid(m.group(0).upper()) for m in RIC_RE.finditer(value))


def _uscc(value: str) -> bool:
    return any(uscc.is_valid(m.group(0)) for m in USCC_RE.finditer(value))


def _bank_card(value: str) -> bool:
    for match in CARD_RE.finditer(value):
        digits = re.sub(r"[ -]", "", match.group(1))
        # a valid resident id of 18 digits also passes Luhn by chance sometimes: not a card
        if 16 <= len(digits) <= 19 and luhn.is_valid(digits) and not ric.is_valid(digits):
            return True
    return False


def _passport(value: str) -> bool:
    return PASSPORT_RE.search(value) is not None


def _address(value: str) -> bool:
    if CN_DIVISION_RE.search(value) and CN_STREET_RE.search(value):
        return True
    return EN_STREET_RE.search(value) is not None


def _person_name(value: str) -> bool:
    """A Han name of 2-4 characters starting with a surname (a romanised form may follow:
    "张伟 Zhang Wei"), or two or three capitalised words that name no organisation."""
    text = value.strip()
    first = text.split(maxsplit=1)[0] if text else ""
    if NAME_RE.match(first):
        if NOT_A_PERSON.search(first):
            return False
        return first[0] in SURNAMES or first[:2] in COMPOUND_SURNAMES
    if HAS_HAN.search(text):
        return False
    return EN_NAME_RE.match(text) is not None and not EN_NOT_A_PERSON.search(text)


DETECTORS = {
    Category.RESIDENT_ID: _resident_id,
    Category.USCC: _uscc,
    Category.MOBILE: _mobile,
    Category.LANDLINE: _landline,
    Category.EMAIL: _email,
    Category.BANK_CARD: _bank_card,
    Category.PASSPORT: _passport,
    Category.ADDRESS: _address,
}
# A quick test that lets most values skip the detectors that cannot match them.
HAS_DIGITS = re.compile(r"(?:\d[ -]?){7}")
HAS_HAN = re.compile(r"[\u4e00-\u9fff]")
NEEDS_DIGITS = {
    Category.RESIDENT_ID,
    Category.USCC,
    Category.MOBILE,
    Category.LANDLINE,
    Category.BANK_CARD,
    Category.PASSPORT,
}


def categories(value: str, *, names_hinted: bool = False) -> set[Category]:
    """The categories ``value`` holds. Personal names are only looked for when the column's
    name says it holds names (``names_hinted``): a city (成都) or a product ("Blue Widget")
    has the shape of one too."""
    found = set()
    digits = HAS_DIGITS.search(value) is not None
    for category, detect in DETECTORS.items():
        if category in NEEDS_DIGITS and not digits:
            continue
        if detect(value):
            found.add(category)
    if names_hinted and _person_name(value):
        found.add(Category.PERSON_NAME)
    # a resident id is 18 digits: it is not also a card or a landline
    if Category.RESIDENT_ID in found:
        found -= {Category.BANK_CARD, Category.LANDLINE, Category.MOBILE}
    return found


def hinted(column: str, label: str = "") -> set[Category]:
    """Categories a column's name (and the ERP field's label) suggests."""
    words = f"{column} {label}".lower()
    return {category for category, hints in HINTS.items() if any(h in words for h in hints)}


def label_category(label: str) -> Category | None:
    """The category a row's own label names (Tryton's identifier or contact type)."""
    return LABELS.get((label or "").strip().lower())


def confidence(category: str, match_rate: float, *, hinted: bool, labelled: bool) -> str:
    """How sure a finding is: checksum or numbering-plan categories that match often (or that
    the column's name or the row's label announce) are high; shape-only categories (passport,
    personal name) never rise above medium; a rare match without a hint stays low."""
    if category in SHAPE_ONLY:
        return Confidence.MEDIUM if (hinted or labelled) and match_rate >= 0.3 else Confidence.LOW
    if labelled:
        return Confidence.HIGH
    strong = category in VALIDATED
    if strong and (match_rate >= 0.5 or (hinted and match_rate >= 0.05)):
        return Confidence.HIGH
    if match_rate >= 0.3 or (hinted and match_rate >= 0.05):
        return Confidence.MEDIUM
    return Confidence.LOW
