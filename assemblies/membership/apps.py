from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "assemblies.membership"
    # The label of the app before the split into apps by role: it names the tables and the migrations.
    label = "assemblies"
    verbose_name = "Assemblies and membership"
