"""The expected-status oracle of the generated authorization test (issue 18 §7).

Written from the documents, not from the code under test: the permission table as the
README renders it ("Roles and permissions"), the scoping sentence beside it, and
docs/federation.md rule 1 (a parent's copy of another node's row is read-only: 409
naming the owner). Nothing here calls node.auth.permissions or a resource's scope, so
a mistake in either shows up as a disagreement instead of being copied into the test.

The rules, in the order a request meets them:

1. public routes (health, readiness, metrics, log-in) answer everyone alike;
2. the federation machine routes authenticate a node's credential, never a user's
   token, so an unsigned request is refused whoever sends it;
3. no token, or a token that is malformed, unknown or expired: 401;
4. a role without the route's permission: 403;
5. an object outside the viewer's reach (another service area for an area-bound role,
   a ticket not assigned to a technician): 404 when it is named in the path (it does
   not exist for them), 422 naming the field when a body refers to it;
6. a write to, or attached to, a row another node owns: 409 (rule 1);
7. otherwise the route's success status.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

ANONYMOUS = "anonymous"
BAD_TOKEN = "bad_token"
EXPIRED_TOKEN = "expired_token"
UNAUTHENTICATED = (ANONYMOUS, BAD_TOKEN, EXPIRED_TOKEN)

# README "Roles and permissions", row by row: the roles holding each permission.
_TABLE = """
customers:read        admin team_lead agent account_manager dispatcher technician analyst
customers:write       admin team_lead agent account_manager
customers:merge       admin team_lead
contacts:read         admin team_lead agent account_manager dispatcher technician analyst
contacts:write        admin team_lead agent account_manager
products:read         admin team_lead agent account_manager dispatcher analyst
products:write        admin
subscriptions:read    admin team_lead agent account_manager analyst
subscriptions:write   admin team_lead account_manager
contracts:read        admin team_lead agent account_manager analyst
contracts:write       admin account_manager
tickets:read          admin team_lead agent account_manager dispatcher technician analyst
tickets:write         admin team_lead agent dispatcher
tickets:transition    admin team_lead dispatcher technician
interactions:read     admin team_lead agent account_manager dispatcher analyst
interactions:write    admin team_lead agent account_manager
churn:read            admin team_lead agent account_manager analyst
churn:write           admin team_lead account_manager
users:read            admin team_lead agent account_manager dispatcher analyst
users:write           admin
dictionaries:write    admin
pii:read              admin team_lead account_manager
data:export           admin team_lead analyst
data:export-unmasked  admin
audit:read            admin team_lead
federation:read       admin team_lead analyst
rollups:read          admin team_lead analyst
cti:write             admin cti
callcenter:monitor    admin team_lead
surveys:read          admin team_lead agent account_manager analyst
surveys:write         admin team_lead
kb:read               admin team_lead agent account_manager dispatcher technician analyst
kb:write              admin team_lead
kb:review             admin
"""

ROLES = (
    "admin",
    "team_lead",
    "agent",
    "account_manager",
    "dispatcher",
    "technician",
    "analyst",
    "cti",
)
IDENTITIES = (*ROLES, *UNAUTHENTICATED)

# README: "Agents, dispatchers and technicians with a service area see only that area;
# technicians see only tickets assigned to them".
AREA_BOUND_ROLES = frozenset({"agent", "dispatcher", "technician"})


def _permissions() -> dict[str, frozenset[str]]:
    held: dict[str, set[str]] = {role: set() for role in ROLES}
    for line in _TABLE.strip().splitlines():
        perm, *roles = line.split()
        for role in roles:
            held[role].add(perm)
    return {role: frozenset(perms) for role, perms in held.items()}


PERMISSIONS = _permissions()


class Kind(StrEnum):
    """Which object a request names (in its path, or the customer or area in its body)."""

    none = "none"  # the route names no object
    own = "own-area"  # in the viewer's service area (a technician's: assigned to them)
    other = "other-area"  # same node, another service area (another technician's)
    foreign = "foreign-origin"  # replicated from a child: the parent's copy is read-only


class Access(StrEnum):
    public = "public"
    machine = "machine"  # federation: a node credential, not a user's token
    signed_in = "signed-in"  # any valid token, no permission
    permission = "permission"


@dataclass(frozen=True)
class Rule:
    """What a route needs and answers, as the documents describe it."""

    access: Access
    success: int
    perm: str | None = None
    resource: str | None = None  # whose scoping applies to the object the request names
    writes: bool = False
    object_in_body: bool = False  # the object is referred to by a body field (422, not 404)


# Per resource under /api/v1/: its read and write permission (README table). Dictionary
# entries are read by anyone signed in: every role holds customers:read, and the labels
# they name appear on every customer and ticket a role may read.
RESOURCE_PERMS: dict[str, tuple[str, str]] = {
    "customers": ("customers:read", "customers:write"),
    "contacts": ("contacts:read", "contacts:write"),
    "products": ("products:read", "products:write"),
    "subscriptions": ("subscriptions:read", "subscriptions:write"),
    "contracts": ("contracts:read", "contracts:write"),
    "tickets": ("tickets:read", "tickets:write"),
    "interactions": ("interactions:read", "interactions:write"),
    "churn-events": ("churn:read", "churn:write"),
    "users": ("users:read", "users:write"),
    "dictionaries": ("customers:read", "dictionaries:write"),
}

# Customers and the rows that hang off one carry a service area; products, users and
# dictionary entries are the node's, the same for every area.
AREA_SCOPED_RESOURCES = frozenset(
    {
        "customers",
        "contacts",
        "subscriptions",
        "contracts",
        "tickets",
        "interactions",
        "churn-events",
    }
)
# A new row of these hangs off the customer its body names.
ATTACHED_RESOURCES = AREA_SCOPED_RESOURCES - {"customers"}

# The federation routes refuse an unsigned request whoever sends it (docs/federation.md
# rules 4 and 12): a batch without a manifest is malformed (400, checked first); a
# body-less request without its signed time is malformed too (400: the time must be a
# finite number before anything else is looked at); and a node with no parent key, as
# these are, accepts no digest request at all (401: nothing could verify one).
_MACHINE_STATUS = {
    ("POST", "/federation/v1/batches"): 400,
    ("GET", "/federation/v1/checkpoint"): 400,
    ("GET", "/federation/v1/digest"): 401,
    ("GET", "/federation/v1/down"): 400,
    ("GET", "/federation/v1/down/digest"): 400,
}

_SPECIAL: dict[tuple[str, str], Rule] = {
    ("GET", "/healthz"): Rule(Access.public, 200),
    ("GET", "/readyz"): Rule(Access.public, 200),
    ("GET", "/metrics"): Rule(Access.public, 200),
    ("POST", "/api/v1/auth/login"): Rule(Access.public, 200),
    ("POST", "/api/v1/auth/logout"): Rule(Access.signed_in, 204),
    ("GET", "/api/v1/auth/me"): Rule(Access.signed_in, 200),
    ("GET", "/api/v1/federation/status"): Rule(Access.permission, 200, "federation:read"),
    ("POST", "/api/v1/customers/{customer_id}/churn"): Rule(
        Access.permission, 201, "churn:write", "customers", writes=True
    ),
    ("POST", "/api/v1/customers/{customer_id}/merge"): Rule(
        Access.permission, 200, "customers:merge", "customers", writes=True
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/transition"): Rule(
        Access.permission, 200, "tickets:transition", "tickets", writes=True
    ),
    ("POST", "/api/v1/rollups/refresh"): Rule(Access.permission, 202, "rollups:read"),
    ("GET", "/api/v1/callcenter/kpis"): Rule(Access.permission, 200, "rollups:read"),
    ("GET", "/api/v1/callcenter/callbacks"): Rule(Access.permission, 200, "interactions:read"),
    ("POST", "/api/v1/cti/events"): Rule(Access.permission, 200, "cti:write"),
    # README "Operations": one's own state by whoever logs calls; everyone's for team leads.
    ("GET", "/api/v1/agents/me/state"): Rule(Access.permission, 200, "interactions:write"),
    ("POST", "/api/v1/agents/me/state"): Rule(Access.permission, 200, "interactions:write"),
    ("GET", "/api/v1/agents/states"): Rule(Access.permission, 200, "callcenter:monitor"),
    # README "API": questionnaires are read and previewed with surveys:read, built with
    # surveys:write; they belong to the node, not to a service area.
    **{
        (method, f"/api/v1/questionnaires{tail}"): Rule(
            Access.permission, status, f"surveys:{need}", writes=need == "write"
        )
        for method, tail, status, need in (
            ("GET", "", 200, "read"),
            ("POST", "", 201, "write"),
            ("GET", "/{questionnaire_id}", 200, "read"),
            ("POST", "/{questionnaire_id}/versions", 201, "write"),
            ("GET", "/{questionnaire_id}/versions/{number}", 200, "read"),
            ("PUT", "/{questionnaire_id}/versions/{number}", 200, "write"),
            ("POST", "/{questionnaire_id}/versions/{number}/publish", 200, "write"),
            ("POST", "/{questionnaire_id}/versions/{number}/check", 200, "read"),
        )
    },
    # README "API": callback campaigns are run with surveys:write (team leads, admins);
    # agents take tasks from the pool and post results with surveys:read.
    **{
        (method, f"/api/v1/surveys{tail}"): Rule(
            Access.permission, status, f"surveys:{need}", writes=need == "write"
        )
        for method, tail, status, need in (
            ("GET", "/campaigns", 200, "read"),
            ("POST", "/campaigns", 201, "write"),
            ("GET", "/campaigns/{campaign_id}", 200, "read"),
            ("POST", "/campaigns/{campaign_id}/close", 200, "write"),
            ("POST", "/campaigns/{campaign_id}/tasks", 201, "write"),
            ("POST", "/campaigns/{campaign_id}/tasks/from-tickets", 201, "write"),
            ("POST", "/campaigns/{campaign_id}/tasks/from-segment", 201, "write"),
            ("POST", "/tasks/{task_id}/renew", 200, "read"),
            ("POST", "/tasks/{task_id}/result", 200, "read"),
            ("GET", "/report", 200, "read"),
            ("GET", "/report/answers", 200, "read"),
            ("GET", "/attempts", 200, "read"),
        )
    },
    # README "API": the saved customer segments (the customer list's saved views) are
    # read by whoever reads customers: their own and the shared ones.
    ("GET", "/api/v1/segments"): Rule(Access.permission, 200, "customers:read"),
    # Issue 22 (知识库): every person reads the knowledge base, editors (kb:write) keep
    # folders and drafts, reviewers (kb:review) approve, send back and archive. Folders
    # and articles belong to the node, not to a service area.
    **{
        (method, f"/api/v1/kb{tail}"): Rule(
            Access.permission, status, f"kb:{need}", writes=need != "read"
        )
        for method, tail, status, need in (
            ("GET", "/folders", 200, "read"),
            ("POST", "/folders", 201, "write"),
            ("PATCH", "/folders/{folder_id}", 200, "write"),
            ("DELETE", "/folders/{folder_id}", 204, "write"),
            ("GET", "/articles", 200, "read"),
            ("POST", "/articles", 201, "write"),
            ("GET", "/articles/{article_id}", 200, "read"),
            ("PUT", "/articles/{article_id}", 200, "write"),
            ("POST", "/articles/{article_id}/submit", 200, "write"),
            ("POST", "/articles/{article_id}/approve", 200, "review"),
            ("POST", "/articles/{article_id}/send-back", 200, "review"),
            ("POST", "/articles/{article_id}/archive", 200, "review"),
            ("GET", "/articles/{article_id}/versions", 200, "write"),
            ("GET", "/articles/{article_id}/diff", 200, "write"),
            ("POST", "/articles/{article_id}/ack", 200, "read"),
            ("GET", "/articles/{article_id}/acks", 200, "write"),
            # Issue 22 §3: a reader answers 有帮助 / 没帮助 on what they may read (also an
            # article from above: the answer is this node's row), editors read the figures.
            ("POST", "/articles/{article_id}/feedback", 200, "read"),
            ("GET", "/articles/{article_id}/feedback", 200, "write"),
            ("GET", "/search", 200, "read"),
            # 附件: editors attach and detach, readers list and download
            ("POST", "/articles/{article_id}/attachments", 201, "write"),
            ("GET", "/articles/{article_id}/attachments", 200, "read"),
            ("GET", "/attachments/{attachment_id}", 200, "read"),
            ("DELETE", "/attachments/{attachment_id}", 204, "write"),
            # 群组: who an article is for, named by its editors
            ("GET", "/audiences", 200, "write"),
            ("POST", "/audiences", 201, "write"),
            ("GET", "/audiences/{audience_id}", 200, "write"),
            ("PUT", "/audiences/{audience_id}", 200, "write"),
            ("DELETE", "/audiences/{audience_id}", 204, "write"),
        )
    },
    # Issue 22 §3: the articles suggested for a customer (or beside a ticket) need kb:read
    # and the right to read that customer, scoped as its own GET: another area's is a 404.
    ("GET", "/api/v1/kb/suggestions"): Rule(Access.permission, 200, "kb:read", "customers"),
    # README "API": taking the next callback is taking a call: interactions:write (and
    # surveys:read, which every role holding it has), and only while ready.
    ("POST", "/api/v1/surveys/next"): Rule(Access.permission, 200, "interactions:write"),
    **{
        ("GET", f"/api/v1/rollups/{name}"): Rule(Access.permission, 200, "rollups:read")
        for name in ("key-accounts", "churn", "service", "value", "status")
    },
    **{op: Rule(Access.machine, status) for op, status in _MACHINE_STATUS.items()},
    # README "SMS (Kannel)": Kannel's delivery reports carry the message's own token in
    # the URL, never a user's; a report for a message that is not there (or with another
    # token) is refused whoever sends it.
    ("GET", "/api/v1/sms/dlr"): Rule(Access.machine, 403),
}


def rule_for(method: str, path: str) -> Rule | None:
    """The documented rule of one operation; None for a route nobody has described."""
    if (method, path) in _SPECIAL:
        return _SPECIAL[(method, path)]
    parts = path.removeprefix("/api/v1/").split("/")
    if not path.startswith("/api/v1/") or parts[0] not in RESOURCE_PERMS:
        return None
    resource = parts[0]
    read, write = RESOURCE_PERMS[resource]
    by_id = parts[1:] == ["{item_id}"]
    if parts[1:] == ["{item_id}", "history"] and method == "GET":
        # README "History": who changed what on a row, for those who may read the row.
        return Rule(Access.permission, 200, read, resource)
    if parts[1:] and not by_id:
        return None
    crud = {
        ("GET", False): Rule(Access.permission, 200, read),
        ("POST", False): Rule(
            Access.permission,
            201,
            write,
            resource if resource in AREA_SCOPED_RESOURCES else None,
            writes=True,
            object_in_body=True,
        ),
        ("GET", True): Rule(Access.permission, 200, read, resource),
        ("PATCH", True): Rule(Access.permission, 200, write, resource, writes=True),
        ("DELETE", True): Rule(Access.permission, 204, write, resource, writes=True),
    }
    return crud.get((method, by_id))


def reaches(role: str, resource: str | None, kind: Kind) -> bool:
    """Whether `role` may see an object of `kind` of `resource` (README scoping)."""
    if kind is not Kind.other or resource is None:
        return True
    return not (role in AREA_BOUND_ROLES and resource in AREA_SCOPED_RESOURCES)


def expected_status(rule: Rule, identity: str, kind: Kind) -> int:
    """The status a request must get, from the rules in this module's docstring."""
    if rule.access is Access.public:
        return rule.success
    if rule.access is Access.machine:
        return rule.success
    if identity in UNAUTHENTICATED:
        return 401
    if rule.perm is not None and rule.perm not in PERMISSIONS[identity]:
        return 403
    if not reaches(identity, rule.resource, kind):
        return 422 if rule.object_in_body else 404
    if kind is Kind.foreign and rule.writes:
        return 409
    return rule.success


def visible_in_list(role: str, resource: str, kind: Kind, assigned_to_viewer: bool) -> bool:
    """Whether a list of `resource` shows an object of `kind` to `role`; a technician's
    ticket list holds only the tickets assigned to them."""
    if role == "technician" and resource == "tickets" and not assigned_to_viewer:
        return False
    return reaches(role, resource, kind)
