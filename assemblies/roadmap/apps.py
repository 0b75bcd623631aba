from django.apps import AppConfig


class RoadmapConfig(AppConfig):
    name = "assemblies.roadmap"
    verbose_name = "Roadmap"
