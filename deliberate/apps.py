from django.apps import AppConfig


class DeliberateConfig(AppConfig):
    name = "deliberate"
    verbose_name = "Deliberate"

    def ready(self):
        from deliberate import checks  # noqa: F401  (registers the deploy checks)
