"""Names and descriptions kept in both languages, shown in the reader's."""

from django.utils.translation import get_language


def in_language(zh: str, en: str) -> str:
    """The Chinese text for a Chinese reader, else the English; the other when one is empty."""
    chinese = (get_language() or "").lower().startswith("zh")
    first, second = (zh, en) if chinese else (en, zh)
    return first or second


class BilingualMixin:
    """``name`` and ``description`` in the active language from ``*_zh`` / ``*_en`` fields."""

    @property
    def name(self) -> str:
        return in_language(self.name_zh, self.name_en)

    @property
    def description(self) -> str:
        return in_language(self.description_zh, self.description_en)
