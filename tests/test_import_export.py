"""`fedcrm import` / `fedcrm export` for customers, as an operator runs them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import orjson
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select
from stdnum.cn import uscc
from typer.testing import CliRunner

from node.audit.models import AuditEntry
from node.cli.main import app
from node.customers.models import Customer
from node.customers.resource import next_customer_no
from node.customers.search_terms import customer_search_terms
from node.db.base import new_id
from node.settings import write_settings
from tests.factories import mobile, resident_id

runner = CliRunner()

HEADERS = ["姓名", "手机号", "证件号码", "客户等级", "家庭地址", "入网时间", "备注"]


@pytest.fixture
def node(settings, database) -> Path:
    """A node directory whose node.toml points at the test database."""
    write_settings(settings)
    return settings.data_dir


def _run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def _write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8-sig") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _customers(database) -> list[Customer]:
    with database.unit_of_work(write=False) as s:
        return list(s.execute(select(Customer).order_by(Customer.seq)).scalars())


def _audit(database, action: str) -> list[AuditEntry]:
    with database.unit_of_work(write=False) as s:
        return list(s.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars())


def _bad_check_digit(rid: str) -> str:
    return rid[:17] + ("0" if rid[17] != "0" else "1")


def _mixed_rows() -> tuple[list[list[object]], dict[int, str]]:
    """A header, two good rows and four bad ones; returns rows and bad row -> field."""
    rows: list[list[object]] = [
        HEADERS,
        [
            "张建国",
            mobile(),
            resident_id(),
            "金卡",
            "湖南省长沙市芙蓉区五一大道1号",
            "2019/3/5",
            "",
        ],
        ["李四", mobile(), _bad_check_digit(resident_id()), "gold", "", "", ""],
        ["王五", "12345", resident_id(), "银卡", "", "", ""],
        ["赵六", mobile(), resident_id(), "白金卡", "", "", ""],
        ["", mobile(), resident_id(), "", "长沙市岳麓区", "", "无名"],
        ["孙建国", mobile(), resident_id(), "", "", "2020-01-02 08:30:00", "老客户"],
    ]
    return rows, {3: "证件号码", 4: "手机号", 5: "客户等级", 6: "姓名"}


def test_bad_rows_are_listed_with_reasons_and_nothing_is_imported(node, database, tmp_path):
    rows, bad = _mixed_rows()
    file = _write_csv(tmp_path / "客户.csv", rows)
    result = _run("import", node, file, "--entity", "customers")
    assert result.exit_code == 1, result.output
    lines = {line.split(":")[0]: line for line in result.output.splitlines()}
    for number, header in bad.items():
        assert header in lines[f"row {number}"], result.output
    assert "check digit" in lines["row 3"]
    assert "missing" in lines["row 6"]
    assert "row 2" not in lines and "row 7" not in lines
    assert "4 of 6 rows are bad" in result.output
    assert _customers(database) == []
    assert _audit(database, "data.import") == []


def test_skip_invalid_imports_the_good_rows_stamped_like_the_orm(node, database, tmp_path):
    rows, _ = _mixed_rows()
    file = _write_csv(tmp_path / "customers.csv", rows)
    result = _run("import", node, file, "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert "2 new" in result.output and "4 bad rows skipped" in result.output
    first, second = _customers(database)
    assert [first.name, second.name] == ["张建国", "孙建国"]
    assert second.seq == first.seq + 1
    for c in (first, second):
        assert c.origin == "430100" and c.origin_version == 1
        assert c.customer_no.startswith("430100-")
        assert c.created_at.tzinfo is not None and c.created_at == c.updated_at
        assert c.search_terms == customer_search_terms(c.name, c.home_address, None)
        assert c.status == "active" and c.birth_date == date(1980, 1, 1)
    assert first.grade == "gold"
    # Zone-less times in a file are China time.
    assert first.joined_at == datetime(2019, 3, 4, 16, 0, tzinfo=UTC)
    assert second.joined_at == datetime(2020, 1, 2, 0, 30, tzinfo=UTC)
    (audit,) = _audit(database, "data.import")
    detail = orjson.loads(audit.detail)
    assert (detail["inserted"], detail["skipped"], detail["rows"]) == (2, 4, 6)


def _valid_uscc(serial: int) -> str:
    body = f"91430100MA4L{serial:05d}"
    return body + uscc.calc_check_digit(body)


def test_xlsx_with_chinese_headers_and_labels(node, database, tmp_path):
    header = ["客户编号", "姓名", "手机", "证件号", "客户类型", "等级", "营业区", "状态", "类别"]
    header += ["性别", "出生日期", "入网日期", "是否大客户", "电子邮件", "单位地址", None]
    rid = resident_id(born="19900315")
    phone = mobile()
    person = ["", "刘建国", int(phone), rid, "个人", "金卡", "城区营业部", "在网", "公众客户"]
    person += ["男", date(1990, 3, 15), datetime(2021, 6, 1, 9, 0), "是", "liu@example.cn"]
    company = ["", "长沙某某科技有限公司", "0731-84123456", _valid_uscc(1), "政企", "diamond"]
    company += ["enterprise", "欠费停机", "商业客户", "", "", "2018/12/1", "否", ""]
    company += ["长沙市岳麓区麓谷大道", "x"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    sheet.append(person)
    sheet.append([])  # a blank row: skipped, but still counted in row numbers
    sheet.append(company)
    sheet.append(["", "坏等级", mobile(), resident_id(), "个人", "黑卡"])
    sheet.append(["", "数字证件", mobile(), float(resident_id()[:17] + "1"), "个人"])
    file = tmp_path / "customers.xlsx"
    book.save(file)

    # The last column has no header: its cells are ignored, not an error.
    result = _run("import", node, file)
    assert result.exit_code == 1
    assert "row 5: grade (等级): unknown customer_grade '黑卡'" in result.output
    assert "row 6: id_number (证件号): stored as a number in Excel" in result.output
    result = _run("import", node, file, "--skip-invalid")
    assert result.exit_code == 0, result.output

    person, company = _customers(database)
    assert (person.grade, person.service_area, person.status, person.category) == (
        "gold",
        "urban",
        "active",
        "public",
    )
    assert person.phone == phone and person.id_number == rid
    assert person.gender == "male" and person.birth_date == date(1990, 3, 15)
    assert person.is_key_account and person.email == "liu@example.cn"
    assert person.joined_at == datetime(2021, 6, 1, 1, 0, tzinfo=UTC)
    assert company.type == "enterprise" and company.id_type == "uscc"
    assert (company.grade, company.service_area, company.status) == (
        "diamond",
        "enterprise",
        "arrears",
    )
    assert company.phone == "073184123456" and not company.is_key_account


def test_existing_customers_need_update_existing_and_are_updated_not_duplicated(
    node, database, tmp_path
):
    rid_a, rid_b = resident_id(), resident_id()
    phone_a = mobile()
    original = [
        HEADERS,
        ["张建国", phone_a, rid_a, "金卡", "长沙市芙蓉区", "2019-03-05", "首次导入"],
        ["李建军", mobile(), rid_b, "银卡", "长沙市天心区", "", ""],
    ]
    assert _run("import", node, _write_csv(tmp_path / "a.csv", original)).exit_code == 0
    before = {c.id_number: c for c in _customers(database)}

    new_phone = mobile()
    changed = [
        ["客户编号", "姓名", "手机号", "证件号码", "客户等级", "备注"],
        # matched by ID number; the blank note keeps the stored one
        ["", "张建国", new_phone, rid_a, "钻石卡", ""],
        # matched by customer number
        [before[rid_b].customer_no, "李建军", "", rid_b, "gold", "升级"],
        ["", "王新", mobile(), resident_id(), "", ""],
    ]
    file = _write_csv(tmp_path / "b.csv", changed)
    refused = _run("import", node, file)
    assert refused.exit_code == 1
    assert "row 2: id_number (证件号码): customer" in refused.output
    assert "already exists; use --update-existing" in refused.output
    assert "row 3: customer_no (客户编号)" in refused.output
    assert len(_customers(database)) == 2

    result = _run("import", node, file, "--update-existing")
    assert result.exit_code == 0, result.output
    assert "1 new, 2 updated, 0 unchanged" in result.output
    after = {c.id_number: c for c in _customers(database)}
    assert len(after) == 3
    a, b = after[rid_a], after[rid_b]
    assert a.id == before[rid_a].id and a.customer_no == before[rid_a].customer_no
    assert a.origin_version == 2 and a.seq > max(c.seq for c in before.values())
    assert (a.phone, a.grade, a.note, a.home_address) == (
        new_phone,
        "diamond",
        "首次导入",
        "长沙市芙蓉区",
    )
    assert a.joined_at == before[rid_a].joined_at and a.created_at == before[rid_a].created_at
    assert a.updated_at > before[rid_a].updated_at
    assert (b.grade, b.note, b.origin_version) == ("gold", "升级", 2)

    # The same file again changes nothing, so nothing replicates again.
    again = _run("import", node, file, "--update-existing")
    assert again.exit_code == 0, again.output
    assert "0 new, 0 updated, 3 unchanged" in again.output
    assert {c.id: c.seq for c in _customers(database)} == {c.id: c.seq for c in after.values()}


def test_duplicates_inside_the_file_are_bad_rows(node, database, tmp_path):
    rid = resident_id()
    rows = [
        ["客户编号", "姓名", "证件号码"],
        ["430100-00000050", "甲", rid],
        ["", "乙", rid.lower()],
        ["430100-00000050", "丙", resident_id()],
    ]
    result = _run("import", node, _write_csv(tmp_path / "d.csv", rows))
    assert result.exit_code == 1
    assert "row 3: id_number (证件号码): same ID number as row 2" in result.output
    assert "row 4: customer_no (客户编号): same customer number as row 2" in result.output


def test_the_same_name_and_phone_twice_is_a_bad_row(node, database, tmp_path):
    """Inside one file, and against a customer already stored (issue 19 §2); the phone
    matches however it is written (+86, spaces), a different name is another person."""
    rows = [
        ["姓名", "手机"],
        ["周杰", "13907310001"],
        ["周杰", "+86 139 0731 0001"],
        ["周洁", "13907310001"],  # another person at the same number: a family's phone
    ]
    result = _run("import", node, _write_csv(tmp_path / "p.csv", rows))
    assert result.exit_code == 1
    assert "row 3: 与第 2 行同名同电话 (same name and phone as row 2)" in result.output
    assert "row 4" not in result.output
    good = [["姓名", "手机"], ["周杰", "13907310001"], ["周洁", "13907310001"]]
    assert _run("import", node, _write_csv(tmp_path / "q.csv", good)).exit_code == 0
    stored = {c.name: c.customer_no for c in _customers(database)}
    again = _run(
        "import",
        node,
        _write_csv(tmp_path / "r.csv", [["姓名", "手机"], ["周杰", "139-0731-0001"]]),
    )
    assert again.exit_code == 1
    assert f"与已有客户 {stored['周杰']} 同名同电话" in again.output
    assert len(_customers(database)) == 2


def test_given_customer_numbers_move_the_counter_past_them(node, database, tmp_path):
    rows = [["客户编号", "姓名"], ["430100-00000050", "甲"], ["LEGACY-7", "乙"], ["", "丙"]]
    assert _run("import", node, _write_csv(tmp_path / "n.csv", rows)).exit_code == 0
    numbers = sorted(c.customer_no for c in _customers(database))
    assert numbers == ["430100-00000050", "430100-00000051", "LEGACY-7"]
    with database.unit_of_work() as s:
        assert next_customer_no(s)[0] == "430100-00000052"


def test_imported_customers_are_found_by_the_api_lookup(node, database, tmp_path, client, admin):
    rows, _ = _mixed_rows()
    assert (
        _run("import", node, _write_csv(tmp_path / "c.csv", rows), "--skip-invalid").exit_code == 0
    )
    resp = client.get("/api/v1/customers", params={"q": "建国"}, headers=admin)
    assert resp.status_code == 200, resp.text
    assert sorted(c["name"] for c in resp.json()["data"]) == ["孙建国", "张建国"]
    resp = client.get("/api/v1/customers", params={"q": "五一大道"}, headers=admin)
    assert [c["name"] for c in resp.json()["data"]] == ["张建国"]


def test_gbk_csv_imports(node, database, tmp_path):
    rows = [
        ["姓名", "电话", "住址", "客户等级"],
        ["欧阳建国", mobile(), "湖南省长沙市开福区", "普通"],
    ]
    file = _write_csv(tmp_path / "gbk.csv", rows, encoding="gbk")
    result = _run("import", node, file)
    assert result.exit_code == 0, result.output
    (customer,) = _customers(database)
    assert (customer.name, customer.home_address, customer.grade) == (
        "欧阳建国",
        "湖南省长沙市开福区",
        "standard",
    )


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("missing.csv", None, "no such file"),
        ("customers.txt", "姓名\n张三\n", "unsupported file type .txt"),
        ("empty.csv", "", "is empty"),
        ("blank.csv", "\n\n", "is empty"),
        ("header.csv", "姓名,手机\n,\n", "no data rows"),
        ("unknown.csv", "姓名,年龄,,爱好\n张三,30,,\n", "unknown column(s): 年龄, 爱好"),
        ("twice.csv", "姓名,手机,电话\n张三,,\n", "手机, 电话 all mean phone"),
        ("noname.csv", "手机\n13900000000\n", "no name column"),
        ("broken.xlsx", "not a zip", "not a readable .xlsx"),
        ("quote.csv", '姓名,备注\n张三,"未闭合\n', "row 2 is not valid CSV"),
        ("binary.csv", b"\xff\xfe\x00\x00", "neither UTF-8 nor GB18030"),
    ],
)
def test_unusable_files_fail_clearly(node, database, tmp_path, name, content, message):
    file = tmp_path / name
    if content is not None:
        file.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = _run("import", node, file)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()), result.output
    assert _customers(database) == []


def _seed(node: Path, tmp_path: Path) -> dict[str, str]:
    """Import one customer with every personal field; return its values."""
    person = {
        "name": "张建国",
        "phone": mobile(),
        "id_number": resident_id(born="19750607"),
        "email": "zhang.jianguo@example.cn",
    }
    rows = [
        ["姓名", "手机号", "证件号码", "邮箱", "客户等级", "服务区域", "入网时间", "备注"],
        [*person.values(), "金卡", "urban", "2019-03-05 14:30", '=HYPERLINK("http://x")'],
    ]
    assert _run("import", node, _write_csv(tmp_path / "seed.csv", rows)).exit_code == 0
    return person


def _read_export(path: Path) -> list[dict]:
    if path.suffix == ".csv":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
        with path.open(encoding="utf-8-sig", newline="") as f:
            return list(csv.DictReader(f))
    if path.suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path, read_only=True).active
        header, *rows = list(sheet.iter_rows(values_only=True))
        return [dict(zip(header, row, strict=True)) for row in rows]
    return pq.read_table(path).to_pylist()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_export_is_masked_by_default(node, database, tmp_path, suffix):
    person = _seed(node, tmp_path)
    out = tmp_path / f"export{suffix}"
    result = _run("export", node, "--entity", "customers", "--out", out)
    assert result.exit_code == 0, result.output
    (row,) = _read_export(out)
    if suffix == ".parquet":
        assert (row["name"], row["grade"], row["service_area"]) == ("张建国", "gold", "urban")
        assert row["joined_at"] == datetime(2019, 3, 5, 6, 30, tzinfo=UTC)
        phone, id_number, email = row["phone"], row["id_number"], row["email"]
    else:
        assert (row["姓名"], row["客户等级"], row["服务区域"]) == ("张建国", "金卡", "城区营业部")
        assert str(row["入网时间"]) == "2019-03-05 14:30:00"
        assert row["归属节点"] == "430100"
        phone, id_number, email = row["手机号"], row["证件号码"], row["邮箱"]
    assert phone == person["phone"][:3] + "****" + person["phone"][-4:]
    assert id_number == person["id_number"][:3] + "*" * 11 + person["id_number"][-4:]
    assert email == "z***@example.cn"
    assert len(_audit(database, "data.export")) == 1
    assert _audit(database, "data.export.unmasked") == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_unmasked_export_is_audited(node, database, tmp_path, suffix):
    person = _seed(node, tmp_path)
    out = tmp_path / f"full{suffix}"
    result = _run("export", node, "--out", out, "--unmasked")
    assert result.exit_code == 0, result.output
    (row,) = _read_export(out)
    values = (
        (row["phone"], row["id_number"], row["email"])
        if suffix == ".parquet"
        else (row["手机号"], row["证件号码"], row["邮箱"])
    )
    assert values == (person["phone"], person["id_number"], person["email"])
    (audit,) = _audit(database, "data.export.unmasked")
    assert audit.actor and audit.actor.startswith("cli")
    assert orjson.loads(audit.detail)["rows"] == 1


def test_unmasked_export_imports_again_unchanged(node, database, tmp_path):
    _seed(node, tmp_path)
    out = tmp_path / "round.csv"
    assert _run("export", node, "--out", out, "--unmasked").exit_code == 0
    # A formula-like note is kept as text in the CSV, so Excel does not run it.
    assert "'=HYPERLINK" in out.read_text(encoding="utf-8-sig")
    result = _run("import", node, out, "--update-existing")
    assert result.exit_code == 0, result.output
    assert "0 new, 0 updated, 1 unchanged" in result.output
    assert "ignored read-only column(s): 归属节点" in result.output
    (customer,) = _customers(database)
    assert customer.note == '=HYPERLINK("http://x")'


def test_export_refuses_bad_output_and_writes_nothing(node, database, tmp_path):
    result = _run("export", node, "--out", tmp_path / "out.json")
    assert result.exit_code == 2 and "unsupported output type .json" in result.output
    result = _run("export", node, "--out", tmp_path / "nowhere" / "out.csv")
    assert result.exit_code == 2 and "not an existing directory" in result.output
    assert [p.name for p in tmp_path.iterdir() if "out" in p.name] == []


def test_export_includes_replicated_customers_but_not_deleted_ones(node, database, tmp_path):
    _seed(node, tmp_path)
    with database.unit_of_work() as s:
        s.execute(select(Customer)).scalar_one().deleted_at = datetime.now(UTC)
    now = datetime.now(UTC)
    with database.engine.begin() as conn:  # as federation apply stores a child's row
        conn.execute(
            Customer.__table__.insert().values(
                id=new_id(),
                origin="430200",
                seq=10_000,
                origin_version=3,
                created_at=now,
                updated_at=now,
                customer_no="430200-00000001",
                name="株洲客户",
                type="individual",
                status="active",
                grade="gold",
                is_key_account=False,
                joined_at=now,
                search_terms=customer_search_terms("株洲客户"),
            )
        )
    out = tmp_path / "all.csv"
    assert _run("export", node, "--out", out).exit_code == 0
    (row,) = _read_export(out)
    # No dictionary of node 430200 here: its code is shown as it is.
    assert (row["姓名"], row["归属节点"], row["客户等级"]) == ("株洲客户", "430200", "gold")
    with database.unit_of_work(write=False) as s:
        assert s.execute(select(func.count()).select_from(Customer)).scalar_one() == 2
