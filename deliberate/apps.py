from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The project itself, as an app: it registers the deployment checks and holds the site-wide commands
    (backup, restore, load_demo). It has no models. Its label is not `deliberate`, which the accounts app
    keeps for the user model."""

    name = "deliberate"
    label = "site"
    verbose_name = "Deliberate"

    def ready(self):
        from deliberate import checks  # noqa: F401  (registers the deploy checks)
