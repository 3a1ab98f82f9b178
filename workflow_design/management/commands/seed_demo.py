"""Demo data: two companies (so tenant isolation can be seen), users with each role,
company roles, and realistic workflows imported through `import_workflows`."""

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from users import services
from users.models import Company, User
from users.roles import COMPANY_ADMIN, WORKFLOW_CREATOR
from workflow_design.models import WorkflowDefinition

DEMO_PASSWORD = "ticketflower-demo-1"

# company name -> company roles, and users as (username, system roles, company roles)
DEMO_COMPANIES = {
    "Acme Corp": (
        # team_lead and finance work the expense approval's reviews, it_support the onboarding's manual accounts.
        ["support_agent", "sre", "finance", "team_lead", "it_support"],
        [
            ("acme_designer", [WORKFLOW_CREATOR], []),
            ("acme_agent", [], ["support_agent"]),
            ("acme_sre", [], ["sre", "support_agent"]),
        ],
    ),
    "Globex": (
        ["support_agent", "hr", "it_support"],
        [
            ("globex_designer", [WORKFLOW_CREATOR], []),
            ("globex_agent", [], ["support_agent"]),
        ],
    ),
}


DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
# company name -> demo documents (<name>.workflow.json with its <name>.ticket.json)
DEMO_WORKFLOWS = {
    "Acme Corp": ["it-incident", "expense-approval", "employee-onboarding"],
    "Globex": ["employee-onboarding"],
}


class Command(BaseCommand):
    help = "Create the demo companies and users (idempotent) and print their logins."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        logins: list[tuple[str, str, list[str], list[str]]] = []  # (username, company, system roles, company roles)
        for company_name, (role_names, users) in DEMO_COMPANIES.items():
            admin_name = f"{company_name.split()[0].lower()}_admin"
            admin = User.objects.filter(username=admin_name).first()
            if admin is None:
                admin = services.company_create(
                    company_name=company_name,
                    username=admin_name,
                    email=f"{admin_name}@example.com",
                    password=DEMO_PASSWORD,
                ).user
            logins.append((admin_name, company_name, [COMPANY_ADMIN, WORKFLOW_CREATOR], []))
            existing_roles = set(admin.company.roles.values_list("name", flat=True))
            for role in role_names:
                if role not in existing_roles:
                    services.company_role_create(acting_user=admin, name=role, description=f"Demo role {role}")
            for username, system_roles, company_roles in users:
                if not User.objects.filter(username=username).exists():
                    services.user_create(
                        acting_user=admin,
                        username=username,
                        email=f"{username}@example.com",
                        password=DEMO_PASSWORD,
                        system_roles=system_roles,
                        company_roles=company_roles,
                    )
                logins.append((username, company_name, system_roles, company_roles))
        self._superuser(Company.objects.get(name="Acme Corp"))
        self._workflows()
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, company_name, system_roles, company_roles in logins:
            roles = ", ".join(system_roles + company_roles) or "-"
            self.stdout.write(f"  {username:<16} {company_name:<10} {roles}")
        self.stdout.write("  admin            Acme Corp  Django admin superuser (/admin/)")

    def _superuser(self, company: Company) -> None:
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser(
                username="admin", email="admin@example.com", password=DEMO_PASSWORD, company=company
            )

    def _workflows(self) -> None:
        for company_name, names in DEMO_WORKFLOWS.items():
            if WorkflowDefinition.objects.filter(company__name=company_name).exists():
                continue
            files = [DEMO_DIR / f"{name}{suffix}" for name in names for suffix in (".workflow.json", ".ticket.json")]
            call_command("import_workflows", *files, company=company_name, stdout=self.stdout)
