"""A city uses the dictionary entries that flowed down from its province (issue 22 §2):
their codes are valid on its records and offered in its forms, the nearest owner's label
wins where a code is held from two levels, and a city cannot take a code its province
owns for an entry of its own. Expected codes and labels are written out here."""

from __future__ import annotations

from sqlalchemy import select

from node.dictionaries.models import DictionaryEntry
from node.web.choices import dictionary_choices
from tests.factories import customer_payload
from tests.test_federation_down_checks import (  # noqa: F401 (province: the fixture)
    _province_verifier,
    _puller,
    province,
)


def _pull_from_province(database, linked, tmp_path) -> None:
    http, signer, settings = linked
    puller, _ = _puller(database, tmp_path, http, signer, _province_verifier(settings))
    assert puller.pull_once().ok


def _entry(db, kind: str, code: str, label: str) -> None:
    with db.unit_of_work() as s:
        s.add(DictionaryEntry(kind=kind, code=code, label=label))


def test_codes_from_the_province_are_used_below(
    client, admin, database, parent_database, tmp_path, request
):
    linked = request.getfixturevalue("province")
    _entry(parent_database, "ticket_kind", "hn_flood", "汛期抢修")
    with parent_database.unit_of_work() as s:  # both seed "repair"; the province renames its own
        s.execute(
            select(DictionaryEntry).where(DictionaryEntry.code == "repair")
        ).scalar_one().label = "省定义的报修"
    _pull_from_province(database, linked, tmp_path)

    customer = client.post("/api/v1/customers", json=customer_payload(), headers=admin).json()
    made = client.post(
        "/api/v1/tickets", json={"customer_id": customer["id"], "kind": "hn_flood"}, headers=admin
    )
    assert made.status_code == 201, made.text
    unknown = client.post(
        "/api/v1/tickets", json={"customer_id": customer["id"], "kind": "hn_drought"}, headers=admin
    )
    assert unknown.status_code == 422 and "kind" in unknown.text

    with database.unit_of_work(write=False) as session:
        choices = dict(dictionary_choices(session, "ticket_kind"))
    assert choices["hn_flood"] == "汛期抢修"
    assert choices["repair"] == "故障报修"  # the city's own seeded label, not the province's

    taken = client.post(
        "/api/v1/dictionaries",
        json={"kind": "ticket_kind", "code": "hn_flood", "label": "长沙的汛期"},
        headers=admin,
    )
    assert taken.status_code == 422, taken.text
    assert "code" in taken.text and "430000" in taken.text
    own = client.post(
        "/api/v1/dictionaries",
        json={"kind": "ticket_kind", "code": "cs_metro", "label": "地铁施工"},
        headers=admin,
    )
    assert own.status_code == 201, own.text
