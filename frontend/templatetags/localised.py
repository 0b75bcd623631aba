"""Numbers as the reader's language writes them: 12,500 in English, 12 500 in Spanish and French
(a no-break space), 12.500 in Portuguese — the grouping of Django's locale formats, which templates do
not apply by themselves (USE_THOUSAND_SEPARATOR stays off so that ids in links and attributes stay bare).
"""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


class Count(int):
    """An integer that prints grouped in the active language and is still a number, so that
    `{% blocktranslate count counter=n|grouped %}` chooses its plural form from it."""

    def __str__(self) -> str:
        return number_format(int(self), force_grouping=True)

    __html__ = __str__


def grouped_number(value):
    """`value` grouped by thousands in the active language; anything that is not a number unchanged."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return Count(value)
    if isinstance(value, (float, Decimal)):
        return number_format(value, force_grouping=True)
    return value


register.filter("grouped", grouped_number)
