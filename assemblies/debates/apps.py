from django.apps import AppConfig


class DebatesConfig(AppConfig):
    name = "assemblies.debates"
    verbose_name = "Debates and live sessions"

    def ready(self):
        from assemblies.debates import receivers  # noqa: F401  (connects to the signals of the apps below)
