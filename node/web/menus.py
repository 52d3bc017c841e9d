"""The menu a viewer sees: by role (permissions) and by the node's level."""

from __future__ import annotations

from dataclasses import dataclass

from node.auth.accounts import Role
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.settings import Level


@dataclass(frozen=True)
class MenuItem:
    key: str  # i18n key of the label
    href: str
    perm: Perm
    levels: frozenset[Level]
    roles: frozenset[Role] | None = None  # None: any role with `perm`


ALL_LEVELS = frozenset(Level)
PARENT_LEVELS = frozenset({Level.province, Level.hq})

MENU: tuple[MenuItem, ...] = (
    MenuItem("nav.dashboard", "/ui/dashboard", Perm.rollups_read, PARENT_LEVELS),
    MenuItem("nav.search", "/ui/customers", Perm.customers_read, ALL_LEVELS),
    MenuItem(
        "nav.my_tickets",
        "/ui/my-tickets",
        Perm.tickets_read,
        frozenset({Level.city}),
        frozenset({Role.technician}),
    ),
    MenuItem("nav.tickets", "/ui/tickets", Perm.tickets_read, frozenset({Level.city})),
    MenuItem(
        "nav.key_accounts",
        "/ui/key-accounts",
        Perm.customers_read,
        ALL_LEVELS,
        frozenset({Role.admin, Role.team_lead, Role.account_manager, Role.analyst}),
    ),
    MenuItem(
        "nav.callbacks",
        "/ui/callbacks",
        Perm.interactions_write,
        frozenset({Level.city}),
        frozenset({Role.admin, Role.team_lead, Role.agent}),
    ),
    MenuItem("nav.callcenter", "/ui/callcenter", Perm.rollups_read, frozenset({Level.city})),
    MenuItem("nav.board", "/ui/callcenter/board", Perm.callcenter_monitor, frozenset({Level.city})),
    MenuItem(
        "nav.agent_state",
        "/ui/agent-state",
        Perm.interactions_write,
        frozenset({Level.city}),
        frozenset({Role.agent, Role.team_lead}),
    ),
    MenuItem("nav.questionnaires", "/ui/questionnaires", Perm.surveys_read, ALL_LEVELS),
    # The pool is a city's: its agents dial, its team leads run the campaigns.
    MenuItem(
        "nav.survey_work",
        "/ui/surveys/work",
        Perm.surveys_read,
        frozenset({Level.city}),
        frozenset({Role.admin, Role.team_lead, Role.agent}),
    ),
    MenuItem(
        "nav.survey_campaigns",
        "/ui/surveys/campaigns",
        Perm.surveys_read,
        frozenset({Level.city}),
        frozenset({Role.admin, Role.team_lead}),
    ),
    # The figures roll up: a province compares its cities, HQ its provinces.
    MenuItem(
        "nav.survey_report",
        "/ui/surveys/report",
        Perm.surveys_read,
        ALL_LEVELS,
        frozenset({Role.admin, Role.team_lead, Role.analyst}),
    ),
    # The dials are a city's own (call_attempts does not replicate).
    MenuItem(
        "nav.survey_attempts",
        "/ui/surveys/attempts",
        Perm.surveys_read,
        frozenset({Level.city}),
        frozenset({Role.admin, Role.team_lead, Role.analyst}),
    ),
    # Every person reads the knowledge base (kb:read), at every level.
    MenuItem("nav.kb", "/ui/kb", Perm.kb_read, ALL_LEVELS),
    MenuItem("nav.federation", "/ui/federation", Perm.federation_read, ALL_LEVELS),
    MenuItem("nav.users", "/ui/users", Perm.users_write, ALL_LEVELS),
    MenuItem("nav.products", "/ui/products", Perm.products_write, ALL_LEVELS),
    MenuItem("nav.dictionaries", "/ui/dictionaries", Perm.dictionaries_write, ALL_LEVELS),
)


def menu_for(viewer: Viewer, level: Level) -> list[MenuItem]:
    """The items `viewer` may open on a node of `level`, in menu order."""
    role = Role(viewer.user.role)
    return [
        item
        for item in MENU
        if level in item.levels
        and viewer.can(item.perm)
        and (item.roles is None or role in item.roles)
    ]


def home_for(viewer: Viewer, level: Level) -> str:
    """Where a viewer lands after logging in: the first item of their menu."""
    items = menu_for(viewer, level)
    if not items:
        return "/ui/customers"
    # An agent or dispatcher at a city starts at their daily work, not a dashboard.
    role = Role(viewer.user.role)
    if level is Level.city and role is Role.dispatcher:
        return "/ui/tickets"
    if level is Level.city and role is Role.technician:
        return "/ui/my-tickets"
    return items[0].href
