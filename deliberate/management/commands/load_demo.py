"""`python manage.py load_demo`: demo people (and, as the apps grow, the demo assembly), idempotently."""

from django.core.management.base import BaseCommand
from django.db import transaction

from deliberate import services
from deliberate.models import User

DEMO_PASSWORD = "demo-deliberate"
DEMO_PEOPLE = [
    ("convenor@demo.deliberate.test", "Amara (convenor)", "convenor"),
    ("moderator@demo.deliberate.test", "Bruno (moderator)", "moderator"),
    ("ana@demo.deliberate.test", "Ana", "member"),
    ("kofi@demo.deliberate.test", "Kofi", "member"),
    ("lea@demo.deliberate.test", "Léa", "member"),
    ("mateo@demo.deliberate.test", "Mateo", "member"),
    ("nadia@demo.deliberate.test", "Nadia", "member"),
    ("olu@demo.deliberate.test", "Olu", "member"),
    ("observer@demo.deliberate.test", "Oscar (observer)", "observer"),
]


class Command(BaseCommand):
    help = "Create the demo people and assembly; running it again changes nothing."

    def handle(self, *args, **options):
        with transaction.atomic():
            people = {}
            for email, name, role in DEMO_PEOPLE:
                user = User.objects.filter(email__iexact=email).first()
                if user is None:
                    user = services.create_account(email=email, password=DEMO_PASSWORD, display_name=name)
                people[email] = (user, role)
        self.stdout.write("Demo log-ins (password for all: %s):" % DEMO_PASSWORD)
        for email, (user, role) in people.items():
            self.stdout.write(f"  {role:<10} {email}")
