from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "assemblies.accounts"
    # The user model is `deliberate.User` (AUTH_USER_MODEL) since the first migration: allauth's and every
    # app's migrations depend on that label, so it stays; the code lives here.
    label = "deliberate"
    verbose_name = "Accounts"
