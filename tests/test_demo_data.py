import pytest
from django.core.management import call_command

from users.models import Company, User


@pytest.mark.django_db
def test_seed_demo_creates_two_companies_and_is_idempotent(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "acme_admin" in out
    assert "globex_agent" in out
    assert set(Company.objects.values_list("name", flat=True)) == {"Acme Corp", "Globex"}
    agent = User.objects.get(username="acme_sre")
    assert sorted(g.name.rsplit(":", 1)[-1] for g in agent.groups.all()) == ["sre", "support_agent"]
    assert User.objects.filter(username="admin", is_superuser=True).count() == 1
