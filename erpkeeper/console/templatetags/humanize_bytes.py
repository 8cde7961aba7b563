"""Template filters for sizes and measured values, in the one unit system of erpkeeper.lib.units."""

from django import template

from erpkeeper.lib import units

register = template.Library()

bytes_human = register.filter("bytes_human", units.bytes_human)
