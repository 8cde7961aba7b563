from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def bytes_human(value) -> str:
    """1536 -> '1.5 KB' (decimal units, as disks are sold)."""
    try:
        size = float(value)
    except (TypeError, ValueError):
        return _("unknown")
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(size) < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return ""
