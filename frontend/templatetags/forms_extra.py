"""Form rendering helpers: tie help texts and errors to their fields for assistive technology."""

from django import template

register = template.Library()


@register.filter
def described(field):
    """Render a bound field's widget with aria-describedby/aria-invalid pointing at its help and errors."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    attrs = {}
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)
