"""What admins keep for everyone else's forms: the product catalogue (/ui/products) and
the dictionaries (/ui/dictionaries, one kind at a time: service areas, grades, ticket
kinds...). Both go through the API's resources (ProductResource, DictionaryResource):
the same code patterns, the same unique keys, products:write and dictionaries:write.

A dictionary entry's kind and code never change once made (rows refer to them), so its
page changes only the label, the order and whether it is offered.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from node.api.deps import SessionDep
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.dictionaries.models import DictionaryEntry, DictionaryKind, StatusMeaning
from node.dictionaries.resource import DictionaryResource
from node.errors import DomainError
from node.products.models import Product, ProductType
from node.products.resource import ProductResource
from node.web.errors import WebRoute
from node.web.form_fields import (
    FormField,
    Widget,
    api_values,
    changed_fields,
    parse_change,
    parse_new,
    stored_values,
    submitted_values,
)
from node.web.forms import FormErrors, as_form_errors
from node.web.i18n import translator
from node.web.ownership import local_or_refuse
from node.web.record_page import render_record_form
from node.web.rendering import lang_of, render
from node.web.session import PostingViewer, WebViewer, need
from node.web.tables import Table

router = APIRouter(include_in_schema=False, route_class=WebRoute)
products = ProductResource()
dictionaries = DictionaryResource()


def _enum_choices(prefix: str, codes: type[ProductType] | type[StatusMeaning]) -> Any:
    def choices(session: Session, t: Callable[..., str]) -> list[tuple[str, str]]:
        return [(c.value, t(f"{prefix}.{c.value}")) for c in codes]

    return choices


def _kind_choices(session: Session, t: Callable[..., str]) -> list[tuple[str, str]]:
    return [(k.value, t(f"dict_kind.{k.value}")) for k in DictionaryKind]


PRODUCT_FIELDS = (
    FormField("code", "catalog.code", required=True, hint="catalog.product_code_hint"),
    FormField("name", "catalog.name", required=True),
    FormField(
        "type", "catalog.product_type", Widget.select, True, _enum_choices("ptype", ProductType)
    ),
    FormField("monthly_price", "catalog.monthly_price", Widget.number, required=True),
)
ENTRY_EDIT_FIELDS = (
    FormField("label", "catalog.label", required=True),
    FormField("sort_order", "catalog.sort_order", Widget.number, keep_if_blank=True),
    FormField("active", "catalog.active", Widget.checkbox, default=True),
)
ENTRY_NEW_FIELDS = (
    FormField("kind", "catalog.kind", Widget.select, True, _kind_choices),
    FormField("code", "catalog.code", required=True, hint="catalog.entry_code_hint"),
    FormField(
        "meaning",
        "catalog.meaning",
        Widget.select,
        choices=_enum_choices("meaning", StatusMeaning),
        hint="catalog.meaning_hint",
    ),
    *ENTRY_EDIT_FIELDS,
)


# ---- products ------------------------------------------------------------------------


def _products_table(request: Request, session: Session) -> Table:
    t = translator(lang_of(request))
    headers = [t("catalog.code"), t("catalog.name"), t("catalog.product_type")]
    table = Table("products", t("catalog.products"), [*headers, t("catalog.monthly_price")])
    rows = session.scalars(
        select(Product).where(Product.deleted_at.is_(None)).order_by(Product.code)
    )
    for p in rows:
        table.add(
            [p.code, p.name, t(f"ptype.{p.type}"), str(p.monthly_price)],
            link=f"/ui/products/{p.id}/edit",
        )
    return table


@router.get("/ui/products")
def products_page(request: Request, viewer: WebViewer, session: SessionDep) -> Response:
    """The catalogue, each product linked to its page; products:write (an admin's page)."""
    need(viewer, Perm.products_write)
    t = translator(lang_of(request))
    return render(
        request,
        "catalog.html",
        viewer,
        {
            "title": t("catalog.products"),
            "table": _products_table(request, session),
            "new": ("/ui/products/new", t("catalog.new_product")),
            "kinds": None,
            "saved": request.query_params.get("saved"),
        },
    )


def _product_form(
    request: Request,
    session: Session,
    viewer: Viewer,
    values: dict[str, Any],
    row: Product | None = None,
    errors: FormErrors | None = None,
) -> Response:
    t = translator(lang_of(request))
    return render_record_form(
        request,
        session,
        viewer,
        title=f"{t('catalog.product')} {row.code}" if row else t("catalog.new_product"),
        action=f"/ui/products/{row.id}/edit" if row else "/ui/products/new",
        back="/ui/products",
        fields=PRODUCT_FIELDS,
        values=values,
        errors=errors,
    )


@router.get("/ui/products/new")
def new_product_form(request: Request, viewer: WebViewer, session: SessionDep) -> Response:
    need(viewer, Perm.products_write)
    return _product_form(request, session, viewer, stored_values(None, PRODUCT_FIELDS, True))


@router.post("/ui/products/new")
async def create_product(request: Request, viewer: PostingViewer, session: SessionDep) -> Response:
    """Add a product; then back to the catalogue, else the form with the errors."""
    need(viewer, Perm.products_write)
    lang = lang_of(request)
    submitted = submitted_values(await request.form(), PRODUCT_FIELDS)
    try:
        payload = parse_new(
            ProductResource.create_schema, api_values(submitted, PRODUCT_FIELDS), {}, lang
        )
        products.create(session, viewer, payload)
    except DomainError as exc:
        session.rollback()
        return _product_form(request, session, viewer, submitted, None, as_form_errors(exc, lang))
    return RedirectResponse("/ui/products?saved=1", status_code=303)


@router.get("/ui/products/{product_id}/edit")
def edit_product_form(
    request: Request, product_id: uuid.UUID, viewer: WebViewer, session: SessionDep
) -> Response:
    need(viewer, Perm.products_write)
    row = products.get(session, viewer, product_id)
    local_or_refuse(row.origin, viewer, lang_of(request))
    return _product_form(request, session, viewer, stored_values(row, PRODUCT_FIELDS, True), row)


@router.post("/ui/products/{product_id}/edit")
async def update_product(
    request: Request, product_id: uuid.UUID, viewer: PostingViewer, session: SessionDep
) -> Response:
    """Change a product through the API's PATCH (all its fields shown, all sent)."""
    need(viewer, Perm.products_write)
    lang = lang_of(request)
    row = products.get(session, viewer, product_id)
    local_or_refuse(row.origin, viewer, lang)
    submitted = submitted_values(await request.form(), PRODUCT_FIELDS)
    values = api_values(submitted, PRODUCT_FIELDS)
    names = changed_fields(PRODUCT_FIELDS, values, True)
    schemas = (ProductResource.create_schema, ProductResource.update_schema)
    try:
        products.update(
            session, viewer, product_id, parse_change(*schemas, values, {}, names, lang)
        )
    except DomainError as exc:
        session.rollback()
        shown = products.get(session, viewer, product_id)
        return _product_form(request, session, viewer, submitted, shown, as_form_errors(exc, lang))
    return RedirectResponse("/ui/products?saved=1", status_code=303)


# ---- dictionaries --------------------------------------------------------------------


def _kind_of(value: str | None) -> DictionaryKind:
    """The kind asked for; the first kind for none or one that does not exist."""
    try:
        return DictionaryKind(value or "")
    except ValueError:
        return next(iter(DictionaryKind))


def _entries_table(request: Request, session: Session, kind: DictionaryKind) -> Table:
    t = translator(lang_of(request))
    headers = [t("catalog.code"), t("catalog.label"), t("catalog.sort_order")]
    table = Table("dictionary", t(f"dict_kind.{kind.value}"), [*headers, t("catalog.active")])
    rows = session.scalars(
        select(DictionaryEntry)
        .where(
            DictionaryEntry.kind == kind,
            DictionaryEntry.origin == session.info["node_code"],
            DictionaryEntry.deleted_at.is_(None),
        )
        .order_by(DictionaryEntry.sort_order, DictionaryEntry.code)
    )
    for e in rows:
        table.add(
            [e.code, e.label, str(e.sort_order), t("yes") if e.active else t("no")],
            link=f"/ui/dictionaries/{e.id}/edit",
        )
    return table


@router.get("/ui/dictionaries")
def dictionaries_page(
    request: Request, viewer: WebViewer, session: SessionDep, kind: str | None = None
) -> Response:
    """This node's entries of one kind (all kinds listed to switch between)."""
    need(viewer, Perm.dictionaries_write)
    t = translator(lang_of(request))
    chosen = _kind_of(kind)
    return render(
        request,
        "catalog.html",
        viewer,
        {
            "title": t("catalog.dictionaries"),
            "table": _entries_table(request, session, chosen),
            "new": (f"/ui/dictionaries/new?kind={chosen.value}", t("catalog.new_entry")),
            "kinds": [(k.value, t(f"dict_kind.{k.value}"), k is chosen) for k in DictionaryKind],
            "saved": request.query_params.get("saved"),
        },
    )


def _entry_form(
    request: Request,
    session: Session,
    viewer: Viewer,
    values: dict[str, Any],
    row: DictionaryEntry | None = None,
    errors: FormErrors | None = None,
) -> Response:
    t = translator(lang_of(request))
    kind = row.kind if row else _kind_of(str(values.get("kind") or "")).value
    title = f"{t(f'dict_kind.{kind}')} · {row.code}" if row else t("catalog.new_entry")
    return render_record_form(
        request,
        session,
        viewer,
        title=title,
        action=f"/ui/dictionaries/{row.id}/edit" if row else "/ui/dictionaries/new",
        back=f"/ui/dictionaries?kind={kind}",
        fields=ENTRY_EDIT_FIELDS if row else ENTRY_NEW_FIELDS,
        values=values,
        errors=errors,
    )


@router.get("/ui/dictionaries/new")
def new_entry_form(
    request: Request, viewer: WebViewer, session: SessionDep, kind: str | None = None
) -> Response:
    need(viewer, Perm.dictionaries_write)
    values = stored_values(None, ENTRY_NEW_FIELDS, True) | {"kind": _kind_of(kind).value}
    return _entry_form(request, session, viewer, values)


@router.post("/ui/dictionaries/new")
async def create_entry(request: Request, viewer: PostingViewer, session: SessionDep) -> Response:
    """Add an entry; then back to its kind's list, else the form with the errors."""
    need(viewer, Perm.dictionaries_write)
    lang = lang_of(request)
    submitted = submitted_values(await request.form(), ENTRY_NEW_FIELDS)
    values = api_values(submitted, ENTRY_NEW_FIELDS)
    try:
        entry = dictionaries.create(
            session, viewer, parse_new(DictionaryResource.create_schema, values, {}, lang)
        )
    except DomainError as exc:
        session.rollback()
        return _entry_form(request, session, viewer, submitted, None, as_form_errors(exc, lang))
    return RedirectResponse(f"/ui/dictionaries?kind={entry.kind}&saved=1", status_code=303)


@router.get("/ui/dictionaries/{entry_id}/edit")
def edit_entry_form(
    request: Request, entry_id: uuid.UUID, viewer: WebViewer, session: SessionDep
) -> Response:
    need(viewer, Perm.dictionaries_write)
    row = dictionaries.get(session, viewer, entry_id)
    local_or_refuse(row.origin, viewer, lang_of(request))
    values = stored_values(row, ENTRY_EDIT_FIELDS, True)
    return _entry_form(request, session, viewer, values, row)


@router.post("/ui/dictionaries/{entry_id}/edit")
async def update_entry(
    request: Request, entry_id: uuid.UUID, viewer: PostingViewer, session: SessionDep
) -> Response:
    """Change the label, order or whether the entry is offered (PATCH)."""
    need(viewer, Perm.dictionaries_write)
    lang = lang_of(request)
    row = dictionaries.get(session, viewer, entry_id)
    local_or_refuse(row.origin, viewer, lang)
    submitted = submitted_values(await request.form(), ENTRY_EDIT_FIELDS)
    values = api_values(submitted, ENTRY_EDIT_FIELDS)
    # The create schema checks the whole entry: its fixed kind, code and meaning too.
    fixed = {"kind": row.kind, "code": row.code, "meaning": row.meaning}
    names = changed_fields(ENTRY_EDIT_FIELDS, values, True)
    schemas = (DictionaryResource.create_schema, DictionaryResource.update_schema)
    try:
        payload = parse_change(*schemas, values, fixed, names, lang)
        dictionaries.update(session, viewer, entry_id, payload)
    except DomainError as exc:
        session.rollback()
        shown = dictionaries.get(session, viewer, entry_id)
        return _entry_form(request, session, viewer, submitted, shown, as_form_errors(exc, lang))
    return RedirectResponse(f"/ui/dictionaries?kind={row.kind}&saved=1", status_code=303)
