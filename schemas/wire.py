"""Arrow schema of every replicated table as it travels between nodes.

Identity and versioning columns come first in every table. `seq` never travels (the
receiver stamps its own), nor does a customer's `search_key` (each node keys its own
search index), nor secrets (users' password hashes). A customer's `search_terms` does
travel: it is derived at the origin so a parent never recomputes pinyin row by row on
its bulk apply path.
"""

from __future__ import annotations

import hashlib

import pyarrow as pa

# Bump when a table gains or loses a column. Parents are upgraded first (docs/federation.md rule 8).
# 2: ticket_events gained field, old_value, new_value; interactions gained ticket_id;
# customers gained merged_into_id; users gained department and agent_group.
# 3: users gained agent_no, extension and mobile; the new table agent_state_events
# (agents' state changes, issue 20 §1), added before version 3 was released.
# 4: interactions gained call_id, queue, wait_seconds, call_result and transferred (calls
# the PBX reported become interactions by themselves, issue 20 §3); the new table
# call_figures (CCmonitor's mergeable sums per 15-minute slot, queue and agent, §7).
# 5: the new table agent_time_figures (agents' working time per 15-minute slot, §7);
# the new table suppressed_numbers (callback refusals every campaign honours, issue 21
# §4), added before version 5 was released.
# 6: the new tables survey_figures and survey_answer_figures (callback survey figures as
# mergeable sums per day, campaign and agent, issue 21 §5).
# 7: the new table call_queue_figures (call_figures summed over the agents per slot and
# queue, so a month's report by slot reads a row per slot and queue, issue 20 §7).
# 8: the new tables call_day_figures and agent_time_day_figures (call_figures and
# agent_time_figures summed per office day, so a month's report by day and agent reads a
# row per day, issue 20 §7).
# 9: the new tables kb_publications and questionnaire_publications (knowledge-base
# articles and callback questionnaires HQ or a province publishes for the nodes below,
# issue 22 §2); they flow down as well as up.
# 10: kb_publications.audience (who an article from above is for, issue 22 §3).
# 11: the new table kb_attachment_publications (the files of the articles HQ or a
# province publishes, issue 22 §3); it flows down as well as up.
# 12: the new tables kb_feedback and kb_view_counts (readers' 有帮助 / 没帮助 answers and
# article reads per node and office day, rolled up to the article's owner, issue 22 §3).
SCHEMA_VERSION = 12

ID = pa.string()  # UUID as 32 lowercase hex digits, the node's SQLite storage form
TS = pa.timestamp("us", tz="UTC")
MONEY = pa.decimal128(14, 2)


def _f(name: str, type_: pa.DataType, required: bool = False) -> pa.Field:
    return pa.field(name, type_, nullable=not required)


IDENTITY = (
    _f("id", ID, required=True),
    _f("origin", pa.string(), required=True),
    _f("origin_version", pa.int64(), required=True),
    _f("created_at", TS, required=True),
    _f("updated_at", TS, required=True),
    _f("deleted_at", TS),
)


def _table(*fields: pa.Field) -> pa.Schema:
    return pa.schema([*IDENTITY, *fields])


S = pa.string()
I64 = pa.int64()
B = pa.bool_()
D = pa.date32()
CALL_SUMS = ("offered", "answered", "abandoned", "short_abandoned", "timeouts", "exit_empty",
             "exit_key", "answered_within_sl", "transfers", "ring_no_answer", "outbound_calls",
             "outbound_talk_seconds", "hold_seconds", "talk_seconds", "max_wait")  # fmt: skip
TIME_SUMS = ("signed_in", "not_ready", "wrap_up", "wrap_ups")
SURVEY_SUMS = ("attempts", "contacts", "interviews", "partials", "refusals", "non_contacts",
               "others", "unknown", "not_eligible")  # fmt: skip

TABLES: dict[str, pa.Schema] = {
    "dictionary_entries": _table(
        _f("kind", S, True),
        _f("code", S, True),
        _f("label", S, True),
        _f("meaning", S),
        _f("sort_order", I64, True),
        _f("active", B, True),
    ),
    "users": _table(
        _f("username", S, True),
        _f("display_name", S, True),
        _f("role", S, True),
        _f("service_area", S),
        _f("active", B, True),
        _f("department", S),  # version 2
        _f("agent_group", S),  # version 2
        _f("agent_no", S),  # version 3
        _f("extension", S),  # version 3
        _f("mobile", S),  # version 3
    ),
    "customers": _table(
        _f("customer_no", S, True),
        _f("name", S, True),
        _f("type", S, True),
        _f("category", S),
        _f("grade", S),
        _f("status", S, True),
        _f("gender", S),
        _f("birth_date", D),
        _f("id_type", S),
        _f("id_number", S),
        _f("occupation", S),
        _f("phone", S),
        _f("email", S),
        _f("company_address", S),
        _f("home_address", S),
        _f("service_area", S),
        _f("account_manager_id", ID),
        _f("is_key_account", B, True),
        _f("joined_at", TS, True),
        _f("note", S),
        _f("search_terms", S, True),
        _f("merged_into_id", ID),  # version 2
    ),
    "contacts": _table(
        _f("customer_id", ID, True),
        _f("name", S, True),
        _f("department", S),
        _f("title", S),
        _f("phone", S),
        _f("email", S),
        _f("decision_maker", B, True),
        _f("do_not_call", B, True),
    ),
    "products": _table(
        _f("code", S, True),
        _f("name", S, True),
        _f("type", S, True),
        _f("monthly_price", MONEY, True),
    ),
    "subscriptions": _table(
        _f("customer_id", ID, True),
        _f("product_id", ID, True),
        _f("service_number", S),
        _f("monthly_fee", MONEY, True),
        _f("started_at", TS, True),
        _f("ended_at", TS),
        _f("status", S, True),
        _f("termination_reason", S),
    ),
    "contracts": _table(
        _f("customer_id", ID, True),
        _f("contract_no", S, True),
        _f("amount", MONEY, True),
        _f("signed_at", D),
        _f("starts_at", D, True),
        _f("ends_at", D),
        _f("status", S, True),
    ),
    "tickets": _table(
        _f("ticket_no", S, True),
        _f("customer_id", ID, True),
        _f("kind", S, True),
        _f("severity", S, True),
        _f("status", S, True),
        _f("service_area", S),
        _f("technician_id", ID),
        _f("description", S),
        _f("due_at", TS, True),
        _f("dispatched_at", TS),
        _f("resolved_at", TS),
        _f("closed_at", TS),
        _f("repeat_of_id", ID),
        _f("satisfaction", I64),
    ),
    "ticket_events": _table(
        _f("ticket_id", ID, True),
        _f("from_status", S),
        _f("to_status", S, True),
        _f("actor_id", ID),
        _f("at", TS, True),
        _f("note", S),
        _f("field", S),  # version 2
        _f("old_value", S),  # version 2
        _f("new_value", S),  # version 2
    ),
    "interactions": _table(
        _f("customer_id", ID, True),
        _f("channel", S, True),
        _f("direction", S, True),
        _f("agent_id", ID),
        _f("started_at", TS, True),
        _f("ring_seconds", I64, True),
        _f("talk_seconds", I64, True),
        _f("answered", B, True),
        _f("outcome", S),
        _f("summary", S),
        _f("ticket_id", ID),  # version 2
        _f("call_id", S),  # version 4
        _f("queue", S),  # version 4
        _f("wait_seconds", I64),  # version 4
        _f("call_result", S),  # version 4
        _f("transferred", B),  # version 4
    ),
    "churn_events": _table(
        _f("customer_id", ID, True),
        _f("churned_at", TS, True),
        _f("reason", S, True),
        _f("competitor", S),
        _f("lost_monthly_revenue", MONEY, True),
        _f("note", S),
    ),
    "agent_state_events": _table(  # version 3
        _f("user_id", ID, True),
        _f("state", S, True),
        _f("reason", S),
        _f("at", TS, True),
        _f("source", S, True),
        _f("callid", S),
    ),
    "call_figures": _table(  # version 4
        _f("slot_start", I64, True),
        _f("queue", S, True),
        _f("agent", S, True),
        _f("user_id", ID),
        _f("agent_group", S),
        *(_f(name, I64, True) for name in CALL_SUMS),
    ),
    "call_queue_figures": _table(  # version 7
        _f("slot_start", I64, True),
        _f("queue", S, True),
        *(_f(name, I64, True) for name in CALL_SUMS),
    ),
    "call_day_figures": _table(  # version 8
        _f("slot_start", I64, True),
        _f("queue", S, True),
        _f("agent", S, True),
        _f("user_id", ID),
        _f("agent_group", S),
        *(_f(name, I64, True) for name in CALL_SUMS),
    ),
    "agent_time_figures": _table(  # version 5
        _f("slot_start", I64, True),
        _f("user_id", ID, True),
        _f("reason", S, True),
        *(_f(name, I64, True) for name in TIME_SUMS),
    ),
    "agent_time_day_figures": _table(  # version 8
        _f("slot_start", I64, True),
        _f("user_id", ID, True),
        _f("reason", S, True),
        *(_f(name, I64, True) for name in TIME_SUMS),
    ),
    "suppressed_numbers": _table(  # version 5
        _f("phone", S, True),
        _f("reason", S, True),
        _f("at", TS, True),
        _f("user_id", ID),
    ),
    "survey_figures": _table(  # version 6
        _f("day", D, True),
        _f("campaign_id", ID, True),
        _f("campaign_name", S, True),
        _f("user_id", ID, True),
        *(_f(name, I64, True) for name in SURVEY_SUMS),
    ),
    "survey_answer_figures": _table(  # version 6
        _f("day", D, True),
        _f("campaign_id", ID, True),
        _f("user_id", ID, True),
        _f("question", S, True),
        _f("question_type", S, True),
        _f("answer", S, True),
        _f("ticket_kind", S, True),
        _f("technician_id", ID),
        _f("responses", I64, True),
    ),
    "kb_publications": _table(  # version 9
        _f("folders", S, True),
        _f("kind", S, True),
        _f("title", S, True),
        _f("body", S, True),
        _f("tags", S, True),
        _f("must_read", B, True),
        _f("effective_from", D),
        _f("expires_at", D),
        _f("number", I64, True),
        _f("published_at", TS, True),
        _f("audience", S),  # version 10
    ),
    "kb_attachment_publications": _table(  # version 11
        _f("article_id", ID, True),
        _f("name", S, True),
        _f("content_type", S, True),
        _f("size", I64, True),
        _f("sha256", S, True),
        _f("content", S, True),
    ),
    "questionnaire_publications": _table(  # version 9
        _f("document", S, True),
    ),
    "kb_feedback": _table(  # version 12
        _f("article_id", ID, True),
        _f("user_id", ID, True),
        _f("username", S, True),
        _f("helpful", B, True),
        _f("comment", S),
    ),
    "kb_view_counts": _table(  # version 12
        _f("article_id", ID, True),
        _f("day", D, True),
        _f("views", I64, True),
    ),
}

# Tables are sent parents-first so a receiver mostly sees a row after what it refers to;
# correctness does not depend on it (there are no foreign keys between replicated tables).
TABLE_ORDER: tuple[str, ...] = tuple(TABLES)

# The tables whose rows also flow down (docs/federation.md rule 11): reference data a
# node owns for every node below it. Each also flows up like any other table.
DOWN_TABLES: tuple[str, ...] = (
    "dictionary_entries",
    "products",
    "kb_publications",
    "kb_attachment_publications",
    "questionnaire_publications",
)


def fingerprint(schema: pa.Schema) -> str:
    """A stable digest of a table's wire schema: names, types and nullability, in order."""
    text = ";".join(f"{f.name}:{f.type}:{int(f.nullable)}" for f in schema)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


FINGERPRINTS: dict[str, str] = {name: fingerprint(schema) for name, schema in TABLES.items()}


class SchemaMismatch(Exception):
    """A batch's schema cannot be applied here; the message says why and what to do."""

    def __init__(self, message: str, newer: bool = False) -> None:
        super().__init__(message)
        self.newer = newer


def check_compatible(table: str, version: int, incoming: pa.Schema) -> pa.Schema:
    """Accept the current schema or an older compatible one (docs/federation.md rule 8).

    Returns the schema the batch will be conformed to. A newer version is refused with
    a message that says to upgrade the parent first; an older one may lack nullable
    columns (they become null) but must not differ in any column it has.
    """
    if table not in TABLES:
        raise SchemaMismatch(f"unknown table {table!r}")
    if version > SCHEMA_VERSION:
        raise SchemaMismatch(
            f"batch schema version {version} is newer than this node's {SCHEMA_VERSION}: "
            "upgrade the parent first (parents are upgraded before children)",
            newer=True,
        )
    expected = TABLES[table]
    for field in incoming:
        if expected.get_field_index(field.name) < 0:
            raise SchemaMismatch(f"{table}: unexpected column {field.name!r}")
        want = expected.field(field.name)
        if field.type != want.type:
            raise SchemaMismatch(f"{table}.{field.name}: type {field.type}, expected {want.type}")
    for want in expected:
        if incoming.get_field_index(want.name) < 0 and not want.nullable:
            raise SchemaMismatch(f"{table}: required column {want.name!r} is missing")
    if version == SCHEMA_VERSION and len(incoming) != len(expected):
        raise SchemaMismatch(f"{table}: columns differ from schema version {version}")
    return expected
