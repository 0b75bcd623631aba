from django.urls import path

from frontend.views import account, home

urlpatterns = [
    path("", home.home, name="home"),
    path("accounts/profile/", account.profile, name="account_profile"),
    path("language/", account.set_language, name="set_language"),
]
