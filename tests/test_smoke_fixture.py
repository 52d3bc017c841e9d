from tests.factories import customer_payload


def test_create_and_find_customer(client, admin):
    resp = client.post("/api/v1/customers", json=customer_payload(), headers=admin)
    assert resp.status_code == 201, resp.text
    found = client.get("/api/v1/customers", params={"q": "建国"}, headers=admin).json()
    assert [c["name"] for c in found["data"]] == ["张建国"]
