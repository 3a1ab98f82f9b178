import pytest
from django.core.management import call_command

from kernel.scoping import visible_to
from users.models import Company, User
from workflow_design.models import TicketDefinition, WorkflowDefinition


@pytest.mark.django_db
def test_seed_demo_creates_two_companies_with_workflows_and_is_idempotent(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "acme_admin" in out
    assert "globex_agent" in out
    assert set(Company.objects.values_list("name", flat=True)) == {"Acme Corp", "Globex"}
    agent = User.objects.get(username="acme_sre")
    assert sorted(g.name.rsplit(":", 1)[-1] for g in agent.groups.all()) == ["sre", "support_agent"]
    assert User.objects.filter(username="admin", is_superuser=True).count() == 1

    assert sorted(WorkflowDefinition.objects.filter(company__name="Acme Corp").values_list("title", flat=True)) == [
        "Employee onboarding",
        "Expense approval",
        "IT incident",
    ]
    assert WorkflowDefinition.objects.filter(company__name="Globex").count() == 1
    assert TicketDefinition.objects.count() == 4
    # Role holders see what the demo grants them: the agent the incident and onboarding tickets.
    granted = visible_to(TicketDefinition.objects.all(), User.objects.get(username="acme_agent"))
    assert sorted(t.workflow.title for t in granted) == ["Employee onboarding", "IT incident"]
