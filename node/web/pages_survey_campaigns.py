"""外呼活动: the team lead's callback campaigns (issue 21 §6). The list shows each
campaign's progress (node.surveys.progress); a campaign's page adds its rules, a close
button, and ways to fill it: the customers of work orders closed in a period
(audience.add_closed_tickets) and an uploaded list of numbers (audience.add_list).
A third way is a saved customer segment (客户分组, saved on the customer list): its
customers, read again through the segment rule when added (node.surveys.saved_segments).
A form creates a campaign on a published questionnaire version. Viewing needs
surveys:read, every change surveys:write."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from node.api.deps import SessionDep
from node.audit.service import record_by
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.db.types import utcnow
from node.errors import DomainError, InvalidFields, invalid
from node.office_time import OFFICE_TZ
from node.surveys import audience, campaigns
from node.surveys.added_audit import record_added
from node.surveys.campaign_models import CampaignStatus, SurveyCampaign, TaskOutcome
from node.surveys.campaign_schemas import MAX_PHONES, MAX_UPLOAD, RulesIn
from node.surveys.campaign_view import published_versions, version_names
from node.surveys.models import NAME_MAX
from node.surveys.progress import campaign_progress
from node.surveys.saved_segments import FIELD, segment_of_view, visible_segment
from node.surveys.saved_segments import PAGE as SEGMENTS_PAGE
from node.surveys.segment import Segment, add_segment
from node.views.service import visible_views
from node.web.choices import dictionary_choices, dictionary_labels
from node.web.customer_filters import segment_words
from node.web.errors import WebRoute
from node.web.forms import as_form_errors, parse
from node.web.i18n import translator
from node.web.rendering import lang_of, render
from node.web.session import PostingViewer, WebViewer, need

router = APIRouter(prefix="/ui/surveys/campaigns", include_in_schema=False, route_class=WebRoute)
HOME = "/ui/surveys/campaigns"
RULE_FIELDS = tuple(RulesIn.model_fields)
LIST_LIMIT = 200
MAX_LIST_BYTES = 2_000_000  # a 10,000-line list of numbers is well under this
# The rule rows of a campaign's page: (text key, attribute).
RULE_TEXTS = (
    ("sc.first_retry", "first_retry_minutes"),
    ("sc.second_retry", "second_retry_minutes"),
    ("sc.soft_refusal_days", "soft_refusal_days"),
    ("sc.max_attempts", "max_attempts"),
    ("sc.lease_seconds", "lease_seconds"),
    ("sc.weekday_window", "weekday_window"),
    ("sc.weekend_window", "weekend_window"),
)


def _outcomes(t: Any) -> list[tuple[str, str]]:
    return [(o.value, t(f"sc.outcome.{o.value}")) for o in TaskOutcome]


@router.get("")
def campaigns_page(request: Request, viewer: WebViewer, session: SessionDep) -> Response:
    """Every campaign (newest first) with its progress, and the new-campaign form."""
    need(viewer, Perm.surveys_read)
    return _list(request, session, viewer, {}, None, {})


def _list(
    request: Request,
    session: Session,
    viewer: Viewer,
    errors: dict[str, str],
    message: str | None,
    form: dict[str, str],
    status_code: int = 200,
) -> Response:
    t = translator(lang_of(request))
    now = utcnow()
    page = campaigns.list_campaigns(session, LIST_LIMIT, None, None)
    versions = version_names(session, {c.questionnaire_version_id for c in page.rows})
    rows = [(c, versions.get(c.questionnaire_version_id), campaign_progress(session, c, now))
            for c in page.rows]  # fmt: skip
    defaults = RulesIn().model_dump()
    context = {
        "rows": rows,
        "outcomes": _outcomes(t),
        "versions": published_versions(session),
        "rule_texts": RULE_TEXTS,
        "errors": errors,
        "message": message,
        "form": {**{k: str(v) for k, v in defaults.items()}, **form},
        "can_write": viewer.can(Perm.surveys_write),
    }
    return render(request, "survey_campaigns.html", viewer, context, status_code)


@router.post("")
async def create_from_form(
    request: Request, viewer: PostingViewer, session: SessionDep
) -> Response:
    """A new open campaign on a published version with the rules the form gives."""
    need(viewer, Perm.surveys_write)
    lang = lang_of(request)
    t = translator(lang)
    posted = await request.form()
    form = {k: v.strip() for k, v in posted.items() if isinstance(v, str) and k != "csrf_token"}
    name = form.get("name", "")
    try:
        errors: dict[str, str] = {}
        if not name or len(name) > NAME_MAX:
            errors["name"] = t("sc.need_name", max=NAME_MAX)
        try:
            version_id = uuid.UUID(form.get("questionnaire_version_id", ""))
        except ValueError:
            errors["questionnaire_version_id"] = t("sc.need_version")
        try:
            given = {k: form.get(k) or None for k in RULE_FIELDS}
            rules = parse(RulesIn, given, lang)
        except InvalidFields as exc:
            errors |= exc.errors
        if errors:
            raise InvalidFields(errors)
        campaign = campaigns.create_campaign(
            session, name, version_id, campaigns.Rules(**rules.model_dump()), viewer.user.username
        )
        record_by(session, viewer, "campaign.created", "survey_campaign", campaign.id)
    except DomainError as exc:
        refused = as_form_errors(exc, lang)
        fields = {k.removeprefix("rules."): v for k, v in refused.fields.items()}
        return _list(request, session, viewer, fields, refused.message, form, refused.status_code)
    return RedirectResponse(f"{HOME}/{campaign.id}", status_code=303)


@router.get("/{campaign_id}")
def campaign_page(
    request: Request, campaign_id: uuid.UUID, viewer: WebViewer, session: SessionDep
) -> Response:
    """The campaign's progress and rules; close it or add tasks (team leads)."""
    need(viewer, Perm.surveys_read)
    campaign = campaigns.get_campaign(session, campaign_id)
    t = translator(lang_of(request))
    notice = None
    if request.query_params.get("closed") == "1":
        notice = t("sc.closed_now")
    added = {k: request.query_params.get(k, "") for k in ("added", "already_open", "without")}
    if all(v.isdigit() for v in added.values()):
        notice = t(
            "sc.added",
            added=added["added"],
            already_open=added["already_open"],
            without_number=added["without"],
        )
    return _detail(request, session, viewer, campaign, {}, None, {}, notice)


def _detail(
    request: Request,
    session: Session,
    viewer: Viewer,
    campaign: SurveyCampaign,
    errors: dict[str, str],
    message: str | None,
    form: dict[str, str],
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    t = translator(lang_of(request))
    version = version_names(session, {campaign.questionnaire_version_id})
    is_open, can_write = campaign.status == CampaignStatus.open, viewer.can(Perm.surveys_write)
    may_add = is_open and can_write  # the forms that fill the campaign are shown
    context = {
        "campaign": campaign,
        "version": version.get(campaign.questionnaire_version_id),
        "progress": campaign_progress(session, campaign, utcnow()),
        "outcomes": _outcomes(t),
        "rule_texts": RULE_TEXTS,
        "kinds": dictionary_choices(session, "ticket_kind"),
        "areas": dictionary_choices(session, "service_area"),
        "segments": segment_choices(session, viewer, t) if may_add else [],
        "errors": errors,
        "message": message,
        "notice": notice,
        "form": form,
        "is_open": is_open,
        "can_write": can_write,
    }
    return render(request, "survey_campaign.html", viewer, context, status_code)


@router.post("/{campaign_id}/close")
def close(
    request: Request, campaign_id: uuid.UUID, viewer: PostingViewer, session: SessionDep
) -> Response:
    """Close the campaign and its open tasks; 409 if it is already closed."""
    need(viewer, Perm.surveys_write)
    campaign = campaigns.get_campaign(session, campaign_id)
    try:
        campaigns.close_campaign(session, campaign, viewer.user.id, utcnow())
        record_by(session, viewer, "campaign.closed", "survey_campaign", campaign.id)
    except DomainError as exc:
        refused = as_form_errors(exc, lang_of(request))
        return _detail(
            request, session, viewer, campaign, {}, refused.message, {}, None, refused.status_code
        )
    return RedirectResponse(f"{HOME}/{campaign.id}?closed=1", status_code=303)


def _day(raw: str, name: str, t: Any) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise invalid(name, t("sc.bad_date")) from None


def _start_of(day: date) -> datetime:
    """A Beijing day's first moment."""
    return datetime.combine(day, time(0), OFFICE_TZ)


@router.post("/{campaign_id}/tickets")
def add_tickets(
    request: Request,
    campaign_id: uuid.UUID,
    viewer: PostingViewer,
    session: SessionDep,
    closed_from: Annotated[str, Form()] = "",
    closed_to: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    area: Annotated[str, Form()] = "",
) -> Response:
    """Add the customers of the work orders closed on the Beijing days from..to
    (both included), of the kind and area when chosen."""
    need(viewer, Perm.surveys_write)
    campaign = campaigns.get_campaign(session, campaign_id)
    lang = lang_of(request)
    t = translator(lang)
    form = {"closed_from": closed_from, "closed_to": closed_to, "kind": kind, "area": area}
    try:
        first = _day(closed_from, "closed_from", t)
        last = _day(closed_to, "closed_to", t)
        if last < first:
            raise invalid("closed_to", t("sc.bad_range"))
        added = audience.add_closed_tickets(
            session, campaign, _start_of(first), _start_of(last + timedelta(days=1)),
            kind.strip() or None, area.strip() or None, utcnow(),
        )  # fmt: skip
    except DomainError as exc:
        refused = as_form_errors(exc, lang)
        return _detail(
            request, session, viewer, campaign, refused.fields, refused.message, form, None,
            refused.status_code,
        )  # fmt: skip
    return _added(session, viewer, campaign, added)


def segment_choices(session: Session, viewer: Viewer, t: Any) -> list[tuple[int, str]]:
    """(id, 「name（filters in words）」) of the saved segments the viewer may add from:
    theirs and the shared ones."""
    labels = dictionary_labels(session)
    choices = []
    for view in visible_views(session, viewer.user.id, SEGMENTS_PAGE):
        try:
            words = segment_words(segment_of_view(view), labels, t)
        except InvalidFields:
            words = t("segments.unreadable")
        choices.append((view.id, f"{view.name}（{words}）"))
    return choices


@router.post("/{campaign_id}/segment")
def add_from_segment(
    request: Request,
    campaign_id: uuid.UUID,
    viewer: PostingViewer,
    session: SessionDep,
    saved_view_id: Annotated[str, Form()] = "",
) -> Response:
    """Add the customers of a saved segment (mine or a shared one), within my area."""
    need(viewer, Perm.surveys_write)
    campaign = campaigns.get_campaign(session, campaign_id)
    lang = lang_of(request)
    t = translator(lang)
    form = {"saved_view_id": saved_view_id}
    try:
        chosen = saved_view_id.strip()
        if not chosen.isdecimal() or len(chosen) > 19:  # a BIGINT holds 19 digits
            raise invalid(FIELD, t("segments.need_choice"))
        segment = visible_segment(session, viewer.user.id, int(chosen))
        added = add_segment(session, campaign, segment, viewer.area, utcnow())
    except DomainError as exc:
        refused = as_form_errors(exc, lang)
        return _detail(
            request, session, viewer, campaign, refused.fields, refused.message, form, None,
            refused.status_code,
        )  # fmt: skip
    return _added(session, viewer, campaign, added, segment, int(chosen))


def _added(
    session: Session,
    viewer: Viewer,
    campaign: SurveyCampaign,
    added: audience.Added,
    segment: Segment | None = None,
    saved_view_id: int | None = None,
) -> Response:
    record_added(session, viewer, campaign, added, segment, saved_view_id)
    query = f"added={added.added}&already_open={added.already_open}&without={added.without_number}"
    return RedirectResponse(f"{HOME}/{campaign.id}?{query}", status_code=303)


def list_entries(text: str, t: Any) -> tuple[list[audience.Entry], list[int]]:
    """One entry per non-blank line (its numbers separated by commas, semicolons, tabs or
    spaces, the first dialled first) and the line number of each."""
    entries: list[audience.Entry] = []
    lines: list[int] = []
    for n, line in enumerate(text.splitlines(), start=1):
        for separator in (";", "\t", " ", "，"):
            line = line.replace(separator, ",")
        phones = tuple(p.strip() for p in line.split(",") if p.strip())
        if not phones:
            continue
        if len(phones) > MAX_PHONES:
            raise invalid("list", f"{t('sc.line', n=n)}: ≤ {MAX_PHONES}")
        entries.append(audience.Entry(None, phones))
        lines.append(n)
        if len(entries) > MAX_UPLOAD:
            raise invalid("list", t("sc.too_long", max=MAX_UPLOAD))
    if not entries:
        raise invalid("list", t("sc.empty_list"))
    return entries, lines


async def _list_text(request: Request, t: Any) -> str:
    form = await request.form()
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_LIST_BYTES + 1)
        if len(data) > MAX_LIST_BYTES:
            raise invalid("list", t("sc.too_long", max=MAX_UPLOAD))
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise invalid("list", t("sc.bad_file")) from None
    text = form.get("text")
    return text if isinstance(text, str) else ""


@router.post("/{campaign_id}/list")
async def add_numbers(
    request: Request, campaign_id: uuid.UUID, viewer: PostingViewer, session: SessionDep
) -> Response:
    """Add an uploaded (or pasted) list of numbers, one customer a line; every bad
    number is named by its line and nothing is added then."""
    need(viewer, Perm.surveys_write)
    campaign = campaigns.get_campaign(session, campaign_id)
    lang = lang_of(request)
    t = translator(lang)
    lines: list[int] = []
    try:
        entries, lines = list_entries(await _list_text(request, t), t)
        added = audience.add_list(session, campaign, entries, utcnow())
    except DomainError as exc:
        refused = as_form_errors(exc, lang)
        fields = {_line_name(k, lines, t): v for k, v in refused.fields.items()}
        return _detail(
            request, session, viewer, campaign, fields, refused.message, {}, None,
            refused.status_code,
        )  # fmt: skip
    return _added(session, viewer, campaign, added)


def _line_name(field: str, lines: list[int], t: Any) -> str:
    """tasks[4].phones[0] -> 第 7 行 (the line of the file, blank ones counted)."""
    if field.startswith("tasks[") and "]" in field:
        index = field[6 : field.index("]")]
        if index.isdigit() and int(index) < len(lines):
            return t("sc.line", n=lines[int(index)])
    return field
