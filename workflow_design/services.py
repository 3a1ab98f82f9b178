"""Writes of workflow design: every write goes through here, atomically."""

from django.contrib.auth.models import Group
from guardian.models import GroupObjectPermission
from guardian.shortcuts import assign_perm

from users.models import CompanyRole
from workflow_design.models import TicketDefinition
from workflow_design.selectors import VIEW_TICKET_DEFINITION


def ticket_definition_access_sync(*, ticket_definition: TicketDefinition) -> None:
    """Makes the guardian view permissions of a ticket definition match its
    `company_role_access`: exactly the groups of the named company roles hold it."""
    GroupObjectPermission.objects.filter(
        content_type__app_label="workflow_design",
        content_type__model="ticketdefinition",
        object_pk=str(ticket_definition.pk),
    ).delete()
    groups = Group.objects.filter(
        company_role__in=CompanyRole.objects.filter(
            company_id=ticket_definition.company_id, name__in=ticket_definition.company_role_access
        )
    )
    if groups:
        assign_perm(VIEW_TICKET_DEFINITION, groups, ticket_definition)
