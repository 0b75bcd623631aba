from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "assemblies.audit"
    verbose_name = "Audit log"
