"""Links between pages of a paginated list that keep the rest of the query (e.g. ?from=1&to=2)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, number, param="page"):
    query = context["request"].GET.copy()
    query[param] = number
    return "?" + query.urlencode()
