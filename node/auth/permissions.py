"""Who may do what: the one role x permission table (README renders it; tests enforce it)."""

from __future__ import annotations

from enum import StrEnum

from node.auth.accounts import Role


class Perm(StrEnum):
    customers_read = "customers:read"
    customers_write = "customers:write"
    customers_merge = "customers:merge"
    contacts_read = "contacts:read"
    contacts_write = "contacts:write"
    products_read = "products:read"
    products_write = "products:write"
    subscriptions_read = "subscriptions:read"
    subscriptions_write = "subscriptions:write"
    contracts_read = "contracts:read"
    contracts_write = "contracts:write"
    tickets_read = "tickets:read"
    tickets_write = "tickets:write"
    tickets_transition = "tickets:transition"
    interactions_read = "interactions:read"
    interactions_write = "interactions:write"
    churn_read = "churn:read"
    churn_write = "churn:write"
    users_read = "users:read"
    users_write = "users:write"
    dictionaries_write = "dictionaries:write"
    pii = "pii:read"
    export = "data:export"
    export_unmasked = "data:export-unmasked"
    audit_read = "audit:read"
    federation_read = "federation:read"
    rollups_read = "rollups:read"
    cti_write = "cti:write"
    callcenter_monitor = "callcenter:monitor"  # 班长监控: every agent's state
    surveys_read = "surveys:read"  # 回访问卷: read, preview
    surveys_write = "surveys:write"  # build, edit drafts, publish
    kb_read = "kb:read"  # 知识库: read published articles, acknowledge must-reads
    kb_write = "kb:write"  # folders, drafts, submitting for review, acknowledgements
    kb_review = "kb:review"  # approve, send back, archive


_READ_ALL = {
    Perm.customers_read,
    Perm.contacts_read,
    Perm.products_read,
    Perm.subscriptions_read,
    Perm.contracts_read,
    Perm.tickets_read,
    Perm.interactions_read,
    Perm.churn_read,
    Perm.users_read,
    Perm.surveys_read,
    Perm.kb_read,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    # A machine: it posts the PBX's events and reads nothing.
    Role.cti: frozenset({Perm.cti_write}),
    Role.admin: frozenset(Perm),
    Role.team_lead: frozenset(
        _READ_ALL
        | {
            Perm.customers_write,
            Perm.customers_merge,
            Perm.contacts_write,
            Perm.subscriptions_write,
            Perm.tickets_write,
            Perm.tickets_transition,
            Perm.interactions_write,
            Perm.churn_write,
            Perm.pii,
            Perm.export,
            Perm.audit_read,
            Perm.federation_read,
            Perm.rollups_read,
            Perm.callcenter_monitor,
            Perm.surveys_write,
            Perm.kb_write,
        }
    ),
    Role.agent: frozenset(
        _READ_ALL
        | {
            Perm.customers_write,
            Perm.contacts_write,
            Perm.tickets_write,
            Perm.interactions_write,
        }
    ),
    Role.account_manager: frozenset(
        _READ_ALL
        | {
            Perm.customers_write,
            Perm.contacts_write,
            Perm.subscriptions_write,
            Perm.contracts_write,
            Perm.interactions_write,
            Perm.churn_write,
            Perm.pii,
        }
    ),
    Role.dispatcher: frozenset(
        {
            Perm.customers_read,
            Perm.contacts_read,
            Perm.products_read,
            Perm.tickets_read,
            Perm.tickets_write,
            Perm.tickets_transition,
            Perm.interactions_read,
            Perm.users_read,
            Perm.kb_read,
        }
    ),
    Role.technician: frozenset(
        {
            Perm.customers_read,
            Perm.contacts_read,
            Perm.tickets_read,
            Perm.tickets_transition,
            Perm.kb_read,
        }
    ),
    Role.analyst: frozenset(_READ_ALL | {Perm.export, Perm.federation_read, Perm.rollups_read}),
}

# Roles whose reads are limited to their own service area (when the user has one).
AREA_SCOPED_ROLES = frozenset({Role.agent, Role.dispatcher, Role.technician})


def has_permission(role: str, perm: Perm) -> bool:
    return perm in ROLE_PERMISSIONS.get(Role(role), frozenset())


def permission_table_markdown() -> str:
    """The README's permission table, generated from ROLE_PERMISSIONS."""
    roles = list(Role)
    lines = ["| permission | " + " | ".join(r.value for r in roles) + " |"]
    lines.append("|---" * (len(roles) + 1) + "|")
    for perm in Perm:
        marks = ["✔" if perm in ROLE_PERMISSIONS[r] else "" for r in roles]
        lines.append(f"| `{perm.value}` | " + " | ".join(marks) + " |")
    return "\n".join(lines)
