"""No 500 on bad input (issue 16): input the API cannot store or search is refused by
name (422), a code held by a deleted row is a 409 naming it, and the web search and
the import say what is wrong instead of failing. Every test runs on both databases."""

from __future__ import annotations

import csv
import io
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from typer.testing import CliRunner

from node.auth.accounts import Role
from node.cli.main import app as cli_app
from node.crud.schemas import StrictInput
from node.customers.models import Customer
from node.errors import InvalidFields
from node.settings import write_settings
from tests.factories import customer_payload, mobile, resident_id
from tests.test_web_pages import csrf_of, web_login

BEYOND_64_BITS = 99999999999999999999
NUL = "\x00"


def _refused(resp, field: str, status: int = 422) -> dict:
    """The error body of a refusal that names `field`."""
    assert resp.status_code == status, resp.text
    error = resp.json()["error"]
    assert field in error.get("fields", {}), error
    return error


def _customer(client, admin, **kw: object) -> dict:
    resp = client.post("/api/v1/customers", json=customer_payload(**kw), headers=admin)
    assert resp.status_code == 201, resp.text
    return resp.json()


# ---- customer look-up ------------------------------------------------------------------


@pytest.mark.parametrize("q", ["-", "!", "(", "&&", '"', "*", "()", "-- !"])
def test_a_punctuation_only_lookup_finds_nothing(client, admin, q):
    _customer(client, admin, name="张建国")
    resp = client.get("/api/v1/customers", params={"q": q}, headers=admin)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"data": [], "next_cursor": None}


def test_the_web_search_box_says_nothing_found_for_punctuation(client, admin, make_user):
    _customer(client, admin, name="张建国")
    browser = web_login(client.app, make_user(Role.agent)["username"])
    for q in ("-", "&&", "("):
        partial = browser.get("/ui/customers/search", params={"q": q})
        assert partial.status_code == 200 and "没有找到客户" in partial.text, q
        page = browser.get("/ui/customers", params={"q": q})
        assert page.status_code == 200 and "没有找到客户" in page.text, q


@pytest.mark.parametrize("cursor", [str(BEYOND_64_BITS), "²", "-1"])
def test_a_lookup_cursor_that_is_no_key_is_422(client, admin, cursor):
    resp = client.get("/api/v1/customers", params={"q": "张", "cursor": cursor}, headers=admin)
    _refused(resp, "cursor")


# ---- integers beyond what a column holds ------------------------------------------------


def test_a_limit_beyond_64_bits_is_422(client, admin):
    resp = client.get("/api/v1/products", params={"limit": BEYOND_64_BITS}, headers=admin)
    _refused(resp, "limit")


@pytest.mark.parametrize("value", [BEYOND_64_BITS, -BEYOND_64_BITS, 2**40])
def test_an_integer_beyond_its_column_is_422(client, admin, value):
    body = {"kind": "competitor", "code": "big", "label": "大", "sort_order": value}
    _refused(client.post("/api/v1/dictionaries", json=body, headers=admin), "sort_order")


def test_an_integer_beyond_64_bits_is_422_in_any_input_schema():
    class Sample(StrictInput):
        count: int

    with pytest.raises(Exception, match="count"):
        Sample.model_validate({"count": BEYOND_64_BITS})


@pytest.mark.parametrize("joined_at", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_a_time_that_has_no_utc_equivalent_is_422(client, admin, joined_at):
    resp = client.post(
        "/api/v1/customers", json=customer_payload(joined_at=joined_at), headers=admin
    )
    _refused(resp, "joined_at")


def test_a_value_that_does_not_fit_its_column_is_refused_by_name():
    from node.crud.constraints import fit_columns
    from node.products.models import Product

    with pytest.raises(InvalidFields) as refused:
        fit_columns(Product, {"name": "名" * 101, "code": "ok"})
    assert list(refused.value.errors) == ["name"]
    fit_columns(Product, {"name": "名" * 100, "code": "ok"})


# ---- codes held by deleted rows ------------------------------------------------------


def _product(code: str, _: dict) -> dict:
    return {"code": code, "name": "畅享套餐", "type": "mobile", "monthly_price": "58.00"}


def _contract(code: str, customer: dict) -> dict:
    return {"customer_id": customer["id"], "contract_no": code, "amount": "1000.00",
            "starts_at": "2026-01-01"}  # fmt: skip


def _dictionary(code: str, _: dict) -> dict:
    return {"kind": "competitor", "code": code.lower(), "label": "某运营商"}


def _user(code: str, _: dict) -> dict:
    return {"username": code, "display_name": "测试", "role": "agent",
            "password": "correct-horse-42"}  # fmt: skip


UNIQUE_CODES = {
    "products": (_product, "code"),
    "contracts": (_contract, "contract_no"),
    "dictionaries": (_dictionary, "code"),
    "users": (_user, "username"),
}


@pytest.mark.parametrize("path", list(UNIQUE_CODES))
def test_a_code_held_by_a_deleted_row_is_409_naming_it(client, admin, path):
    payload, field = UNIQUE_CODES[path]
    customer = _customer(client, admin)
    first = client.post(f"/api/v1/{path}", json=payload("K1", customer), headers=admin)
    assert first.status_code == 201, first.text
    holder = first.json()["id"]
    again = client.post(f"/api/v1/{path}", json=payload("K1", customer), headers=admin)
    live = _refused(again, field, 409)
    assert holder in live["message"] and "deleted" not in live["message"]
    assert client.delete(f"/api/v1/{path}/{holder}", headers=admin).status_code == 204
    again = client.post(f"/api/v1/{path}", json=payload("K1", customer), headers=admin)
    error = _refused(again, field, 409)
    assert holder in error["message"] and "deleted" in error["message"], error


@pytest.mark.parametrize("path", ["products", "contracts"])
def test_changing_to_a_code_held_by_a_deleted_row_is_409(client, admin, path):
    payload, field = UNIQUE_CODES[path]
    customer = _customer(client, admin)
    holder = client.post(f"/api/v1/{path}", json=payload("K1", customer), headers=admin).json()
    other = client.post(f"/api/v1/{path}", json=payload("K2", customer), headers=admin).json()
    client.delete(f"/api/v1/{path}/{holder['id']}", headers=admin)
    resp = client.patch(f"/api/v1/{path}/{other['id']}", json={field: "K1"}, headers=admin)
    error = _refused(resp, field, 409)
    assert holder["id"] in error["message"] and "deleted" in error["message"]
    unchanged = client.patch(f"/api/v1/{path}/{other['id']}", json={field: "K2"}, headers=admin)
    assert unchanged.status_code == 200, unchanged.text


# ---- NUL characters ----------------------------------------------------------------------


def _input_schemas() -> list[type[BaseModel]]:
    """Every input schema (StrictInput and its subclasses, PATCH schemas included)."""
    from node.app import RESOURCES  # every resource's schemas exist once it is imported

    seen: list[type[BaseModel]] = [r.update_schema for r in RESOURCES]
    todo = [StrictInput]
    while todo:
        schema = todo.pop()
        seen.append(schema)
        todo.extend(schema.__subclasses__())
    return list(dict.fromkeys(seen))


def _takes_text(annotation: object) -> bool:
    return annotation is str or str in typing.get_args(annotation)


def test_every_text_field_of_every_input_schema_refuses_nul():
    said_nul = 0
    for schema in _input_schemas():
        for name, info in schema.model_fields.items():
            if not _takes_text(info.annotation):
                continue
            with pytest.raises(ValidationError) as refused:
                schema.model_validate({name: f"a{NUL}b"})
            errors = {e["loc"][0]: e["msg"] for e in refused.value.errors()}
            # Refused by name; a field with a pattern or its own check may say why first.
            assert name in errors, (schema.__name__, name, errors)
            said_nul += "NUL" in errors[name]
    assert said_nul > 30


@pytest.mark.parametrize("field", ["name", "note", "home_address", "occupation"])
def test_nul_in_a_customer_text_field_is_422_and_stores_nothing(client, admin, database, field):
    body = customer_payload(**{field: f"张{NUL}三"})
    _refused(client.post("/api/v1/customers", json=body, headers=admin), field)
    with database.unit_of_work(write=False) as s:
        assert s.execute(select(func.count()).select_from(Customer)).scalar_one() == 0


def test_nul_in_a_patch_is_422(client, admin):
    made = _customer(client, admin)
    resp = client.patch(f"/api/v1/customers/{made['id']}", json={"note": f"a{NUL}"}, headers=admin)
    _refused(resp, "note")


def test_nul_in_a_query_parameter_is_422(client, admin):
    _customer(client, admin, name="张建国")
    for params in ({"status": f"a{NUL}"}, {"q": f"张建{NUL}国"}):
        _refused(client.get("/api/v1/customers", params=params, headers=admin), next(iter(params)))


def test_nul_in_a_login_is_422_or_a_refusal(client):
    resp = client.post("/api/v1/auth/login", json={"username": f"a{NUL}", "password": "x"})
    _refused(resp, "username")
    form = client.get("/ui/login")
    resp = client.post(
        "/ui/login",
        data={"username": f"a{NUL}", "password": "x", "csrf_token": csrf_of(form.text)},
    )
    assert resp.status_code == 422, resp.text
    assert 'id="err-username"' in resp.text


# ---- import ------------------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def node(settings, database) -> Path:
    write_settings(settings)
    return settings.data_dir


def _csv(path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")
    return path


IMPORT_COLUMNS = {"customer_no": "客户编号", "name": "姓名", "phone": "手机号",
                  "id_number": "证件号码", "note": "备注"}  # fmt: skip


@pytest.mark.parametrize("field", ["customer_no", "name", "id_number", "note"])
def test_an_imported_cell_with_nul_is_a_bad_row_naming_line_and_column(
    node, database, tmp_path, field
):
    good = {"customer_no": "", "name": "张建国", "phone": mobile(), "id_number": resident_id(),
            "note": "老客户"}  # fmt: skip
    bad = good | {"phone": mobile(), "id_number": resident_id(), "customer_no": "430100-1"}
    bad[field] = bad[field][:1] + NUL + bad[field][1:]
    rows = [list(IMPORT_COLUMNS.values()), list(good.values()), list(bad.values())]
    file = _csv(tmp_path / "customers.csv", rows)
    result = runner.invoke(cli_app, ["import", str(node), str(file)])
    assert result.exit_code == 1, result.output
    assert f"row 3: {field} ({IMPORT_COLUMNS[field]}): " in result.output
    assert "NUL" in result.output
    with database.unit_of_work(write=False) as s:
        assert s.execute(select(func.count()).select_from(Customer)).scalar_one() == 0


# ---- the OpenAPI document -----------------------------------------------------------------


DLR = "/api/v1/sms/dlr"


def test_the_openapi_document_lists_each_operations_errors_in_the_error_shape(client):
    spec = client.get("/openapi.json").json()
    error = {"$ref": "#/components/schemas/ErrorBody"}
    paths = spec["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    assert response["content"]["application/json"]["schema"] == error
            # Log-in, and Kannel's delivery reports (the message's token in the URL).
            if path.startswith("/api/v1/") and path not in ("/api/v1/auth/login", DLR):
                assert "401" in operation["responses"], (method, path)
                assert operation["security"] == [{"bearer": []}], (method, path)
    item = paths["/api/v1/products/{item_id}"]
    assert {"401", "403", "404", "409", "422"} <= set(item["patch"]["responses"])
    assert {"401", "403", "404", "422"} <= set(item["get"]["responses"])
    assert {"400", "409", "422"} <= set(paths["/api/v1/products"]["post"]["responses"])
    assert {"401", "422", "429"} <= set(paths["/api/v1/auth/login"]["post"]["responses"])
    assert "security" not in paths["/api/v1/auth/login"]["post"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
