"""Breadcrumb titles: section and list names start with a capital, object names show as typed.

Unfold capitalises every crumb, so the target "demo-tryton" read "Demo-tryton".
"""

from django import template
from django.utils.functional import Promise
from django.utils.text import capfirst

register = template.Library()


@register.filter
def crumb_title(value):
    # App and model names arrive as (lazy) strings; an object arrives as the model instance.
    if isinstance(value, str | Promise):
        return capfirst(value)
    return value
