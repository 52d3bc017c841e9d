"""Synthetic but realistic Changsha customers, generated fast and bulk-loaded.

Used by benchmarks/lookup.py (and pages.py, on lookup's node). Rows are produced in
chunks that depend only on the seed and the global row index, so chunks can be generated
in worker processes, in any order, and the same seed always yields the same table.
Uniqueness of phone numbers and ID numbers does not need a "seen" set: both come from an
affine permutation of the row index (x -> a*x + b mod m with gcd(a, m) = 1), which is a
bijection on [0, m).

Loading bypasses the API and the ORM on purpose (docs/performance.md: ORM inserts run at a few
thousand rows per second): sqlite3 `executemany` on SQLite, COPY on PostgreSQL. Every
derived value the app would compute itself (search terms, check digits, birth date and
gender from the ID number) is computed here with the same rules, and the search terms
are checked against node.customers.search_terms on a sample of rows.
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from node.customers.identifiers import resident_id_check_digit
from node.customers.search_terms import bigrams, customer_search_terms, pinyin_terms

NODE_CODE = "430100"

# Column order of every generated row tuple (and of the INSERT / COPY column list).
COLUMNS: tuple[str, ...] = (
    "id",
    "origin",
    "seq",
    "origin_version",
    "created_at",
    "updated_at",
    "deleted_at",
    "customer_no",
    "name",
    "type",
    "category",
    "grade",
    "status",
    "gender",
    "birth_date",
    "id_type",
    "id_number",
    "occupation",
    "phone",
    "email",
    "company_address",
    "home_address",
    "service_area",
    "account_manager_id",
    "is_key_account",
    "joined_at",
    "note",
    "search_terms",
)
TIMESTAMP_COLUMNS = frozenset({"created_at", "updated_at", "deleted_at", "joined_at"})
BOOL_COLUMNS = frozenset({"is_key_account"})

# Surnames with approximate shares of the population in percent (2020 census order).
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 7.1), ("李", 7.0), ("张", 6.6), ("刘", 5.4), ("陈", 4.5), ("杨", 3.1),
    ("黄", 2.2), ("赵", 2.0), ("吴", 2.0), ("周", 1.9), ("徐", 1.4), ("孙", 1.4),
    ("马", 1.2), ("朱", 1.1), ("胡", 1.1), ("郭", 1.1), ("何", 1.0), ("高", 1.0),
    ("林", 0.9), ("罗", 0.9), ("郑", 0.8), ("梁", 0.8), ("谢", 0.7), ("宋", 0.6),
    ("唐", 0.6), ("许", 0.6), ("韩", 0.6), ("冯", 0.5), ("邓", 0.5), ("曹", 0.5),
    ("彭", 0.5), ("曾", 0.5), ("肖", 0.5), ("田", 0.4), ("董", 0.4), ("袁", 0.4),
    ("潘", 0.4), ("于", 0.4), ("蒋", 0.4), ("蔡", 0.4), ("余", 0.4), ("杜", 0.4),
    ("叶", 0.4), ("程", 0.3), ("苏", 0.3), ("魏", 0.3), ("吕", 0.3), ("丁", 0.3),
    ("任", 0.3), ("沈", 0.3), ("姚", 0.3), ("卢", 0.3), ("姜", 0.3), ("崔", 0.3),
    ("钟", 0.3), ("谭", 0.3), ("陆", 0.3), ("汪", 0.2), ("范", 0.2), ("金", 0.2),
    ("石", 0.2), ("廖", 0.2), ("贾", 0.2), ("夏", 0.2), ("韦", 0.2), ("付", 0.2),
    ("方", 0.2), ("白", 0.2), ("邹", 0.2), ("孟", 0.2), ("熊", 0.2), ("秦", 0.2),
    ("邱", 0.2), ("江", 0.2), ("尹", 0.2), ("薛", 0.2), ("闫", 0.2), ("段", 0.2),
    ("雷", 0.2), ("侯", 0.2), ("龙", 0.2), ("史", 0.2), ("陶", 0.1), ("黎", 0.1),
    ("贺", 0.1), ("顾", 0.1), ("毛", 0.1), ("郝", 0.1), ("龚", 0.1), ("邵", 0.1),
    ("万", 0.1), ("钱", 0.1), ("严", 0.1), ("覃", 0.1), ("武", 0.1), ("戴", 0.1),
    ("莫", 0.1), ("孔", 0.1), ("向", 0.1), ("汤", 0.1), ("欧阳", 0.05), ("司马", 0.01),
    ("诸葛", 0.01), ("上官", 0.01),
)  # fmt: skip

# Given-name characters, a few hundred in all, split by the gender they lean to.
MALE_CHARS = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁建国志文俊峰浩宇翔轩博毅龙海林东亮成晨阳然睿泽"
    "昊凯健洋旭帆航威锋坤彬诚庆家德兴民春永新生荣福贵祥天金山中长少立云方和安嘉子一楠晓振"
    "宏江炜力武卫红兵良学友仁义清正光耀锦鸿胜利德宝全发达开源广远骏驰腾逸哲铭瑞麟霖煜琦"
)
FEMALE_CHARS = (
    "芳娜敏静丽艳娟霞秀英玲桂兰萍红燕梅莉婷雪琳慧欣怡悦涵萱琪佳颖晶洁倩蕾琴丹露瑶璐茜蓉"
    "菲嘉薇月彤妍雅诗思梦雨馨可晨玉凤春珍美华爱小晓婉娴淑惠巧素云莲翠琼霖婧钰璇妮蓓琦岚"
)
# Given names so common that agents really do search for them (建国, 秀英...).
POPULAR_MALE = (
    "建国", "建华", "建军", "志强", "志刚", "国强", "国华", "文华", "海涛", "俊杰", "浩然",
    "宇轩", "子轩", "浩宇", "梓豪", "家豪", "明辉", "永强", "建平", "卫东", "红军", "德华",
    "晓东", "子豪", "翔宇", "雨泽", "一鸣", "天翔", "鹏飞", "嘉豪",
)  # fmt: skip
POPULAR_FEMALE = (
    "秀英", "桂英", "秀兰", "玉兰", "桂兰", "丽娟", "丽华", "淑珍", "子涵", "欣怡", "梓涵",
    "雨涵", "诗涵", "晓燕", "海燕", "艳红", "春梅", "美玲", "佳怡", "思琪", "雨欣", "紫萱",
    "梦瑶", "婷婷", "丽丽", "静怡", "欣妍", "可馨", "玉梅", "秀珍",
)  # fmt: skip

# Changsha districts (real division codes), their roads, and the service area serving them.
DISTRICTS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("430102", "芙蓉区", "urban",
     ("五一大道", "芙蓉中路", "韶山北路", "解放西路", "八一路", "人民中路", "车站北路",
      "蔡锷中路", "营盘路", "远大路")),
    ("430103", "天心区", "urban",
     ("劳动西路", "芙蓉南路", "书院路", "坡子街", "太平街", "城南路", "湘府中路", "新开铺路",
      "白沙路")),
    ("430104", "岳麓区", "urban",
     ("麓山南路", "岳麓大道", "枫林三路", "桐梓坡路", "金星中路", "麓谷大道", "银盆南路",
      "潇湘中路", "学士路")),
    ("430105", "开福区", "urban",
     ("湘江中路", "芙蓉北路", "三一大道", "开福寺路", "湘雅路", "洪山路", "东风路", "中山路",
      "北辰路")),
    ("430111", "雨花区", "urban",
     ("韶山南路", "万家丽中路", "劳动东路", "曙光中路", "井湾路", "香樟路", "时代阳光大道",
      "高桥路")),
    ("430112", "望城区", "suburban", ("雷锋大道", "郭亮北路", "月亮岛路", "普瑞大道", "金星北路")),
    ("430121", "长沙县", "suburban", ("星沙大道", "开元东路", "漓湘中路", "东六路", "特立路")),
    ("430181", "浏阳市", "county", ("金沙路", "人民路", "白沙路", "劳动路", "花园路", "圭斋路")),
    ("430182", "宁乡市", "county", ("花明路", "一环路", "玉潭中路", "春城路", "新康路")),
)  # fmt: skip
# Relative number of customers per district (the urban core is denser).
DISTRICT_WEIGHTS = (14, 12, 16, 12, 16, 7, 10, 7, 6)
COMPOUNDS = (
    "恒大华府", "万科城", "保利麓谷林语", "中海国际社区", "碧桂园", "新城国际", "芙蓉花园",
    "湘江世纪城", "北辰三角洲", "融科东南海", "金色比华利", "锦绣华天", "梅溪湖壹号",
    "德思勤城市广场", "华润凤凰城", "南湖新城", "丽发新城", "润和紫郡", "东方新城", "长房时代城",
)  # fmt: skip
OFFICES = (
    "平和堂商厦", "华远国际中心", "运达中央广场", "佳兆业广场", "友谊商店", "湘域中央",
    "世茂环球金融中心", "国金中心", "中天广场", "通程商业广场", "五一广场大厦", "新时空大厦",
)  # fmt: skip
OCCUPATIONS = (
    "教师", "工程师", "医生", "护士", "个体户", "公务员", "职员", "学生", "退休", "农民",
    "司机", "销售", "会计", "律师", "厨师", "快递员", "程序员", "自由职业",
)  # fmt: skip
GRADES = (("standard", 70), ("silver", 18), ("gold", 9), ("diamond", 3))

# China Telecom / Mobile / Unicom mobile prefixes (3 digits); 8 more digits follow.
MOBILE_PREFIXES = tuple(
    [str(p) for p in range(130, 140)]
    + [str(p) for p in range(150, 160) if p != 154]
    + [str(p) for p in range(180, 190)]
)
PHONE_SPACE = len(MOBILE_PREFIXES) * 10**8
# Multipliers of the affine permutations: primes that divide neither modulus.
PHONE_A, PHONE_B = 2_654_435_761, 1_234_567_891
BIRTH_FIRST, BIRTH_LAST = date(1950, 1, 1), date(2005, 12, 31)
BIRTH_DAYS = (BIRTH_LAST - BIRTH_FIRST).days + 1
ID_SPACE = BIRTH_DAYS * 1000  # birth day x 3-digit serial; the district is free on top
ID_A, ID_B = 2_246_822_519, 374_761_393

# Customers were created over the year before the load; joined up to 15 years earlier.
CREATED_FROM = datetime(2025, 1, 1, tzinfo=UTC)
CREATED_SPAN_MS = 365 * 24 * 3600 * 1000
JOINED_BEFORE_MAX_DAYS = 15 * 365

ROAD_RE = re.compile(r"^湖南省长沙市(.+?(?:区|县|市))(.+?(?:大道|路|街))(\d+)号(\D*)")


@dataclass(frozen=True)
class Layout:
    """Where a load starts numbering; fixed before the first chunk is generated."""

    count: int
    seq_start: int  # first customers.seq (the node's change sequence continues after it)
    customer_no_start: int  # first n of customer_no f"430100-{n:08d}"
    seed: int = 20260101
    node_code: str = NODE_CODE


def _affine(index: int, a: int, b: int, modulus: int) -> int:
    return (a * index + b) % modulus


def mobile_number(index: int) -> str:
    """A unique 11-digit mobile number for row `index` (a bijection while index < space)."""
    x = _affine(index, PHONE_A, PHONE_B, PHONE_SPACE)
    return f"{MOBILE_PREFIXES[x // 10**8]}{x % 10**8:08d}"


def resident_id(index: int, district_code: str) -> str:
    """A unique 18-character resident ID with a correct GB 11643 check digit.

    Unique over (birth day, serial) alone, so any district may be put in front.
    """
    x = _affine(index, ID_A, ID_B, ID_SPACE)
    born = BIRTH_FIRST + timedelta(days=x // 1000)
    body = f"{district_code}{born:%Y%m%d}{x % 1000:03d}"
    return body + resident_id_check_digit(body)


def naive_text(dt: datetime) -> str:
    # The text SQLAlchemy's SQLite DateTime stores: naive UTC with microseconds.
    return dt.strftime("%Y-%m-%d %H:%M:%S.%f")


def uuid7_hex(ts_ms: int, rng: random.Random) -> str:
    # RFC 9562 version 7 like the app's new_id(): time-ordered, so the primary key
    # b-tree is appended to rather than split at random places during the load.
    value = (
        (ts_ms << 80)
        | (0x7 << 76)
        | (rng.getrandbits(12) << 64)
        | (0b10 << 62)
        | rng.getrandbits(62)
    )
    return f"{value:032x}"


class Weighted:
    """rng.choices with precomputed cumulative weights (much faster per draw)."""

    def __init__(self, items: Sequence[Any], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


_SURNAME = Weighted([s for s, _ in SURNAMES], [w for _, w in SURNAMES])
_DISTRICT = Weighted(DISTRICTS, DISTRICT_WEIGHTS)
_GRADE = Weighted([g for g, _ in GRADES], [w for _, w in GRADES])


def _given_name(rng: random.Random, male: bool) -> str:
    chars = MALE_CHARS if male else FEMALE_CHARS
    r = rng.random()
    if r < 0.2:
        return rng.choice(chars)
    if r < 0.45:
        return rng.choice(POPULAR_MALE if male else POPULAR_FEMALE)
    return rng.choice(chars) + rng.choice(chars)


def _home_address(rng: random.Random, district: str, roads: Sequence[str]) -> str:
    base = f"湖南省长沙市{district}{rng.choice(roads)}{rng.randint(1, 999)}号"
    if rng.random() < 0.7:
        return (
            f"{base}{rng.choice(COMPOUNDS)}{rng.randint(1, 30)}栋"
            f"{rng.randint(1, 6)}单元{rng.randint(1, 33)}{rng.randint(1, 8):02d}室"
        )
    return base


def _company_address(rng: random.Random) -> str:
    _, district, _, roads = _DISTRICT.pick(rng)
    return (
        f"湖南省长沙市{district}{rng.choice(roads)}{rng.randint(1, 999)}号"
        f"{rng.choice(OFFICES)}{rng.randint(1, 40)}楼"
    )


class _PinyinCache:
    """pinyin_terms(name) costs ~40 us; names repeat a lot, so remember them."""

    def __init__(self, limit: int = 400_000) -> None:
        self.limit = limit
        self.cache: dict[str, list[str]] = {}

    def __call__(self, name: str) -> list[str]:
        hit = self.cache.get(name)
        if hit is None:
            hit = pinyin_terms(name)
            if len(self.cache) < self.limit:
                self.cache[name] = hit
        return hit


_PINYIN = _PinyinCache()


def search_terms(name: str, home: str | None, company: str | None) -> str:
    """customer_search_terms(name, home, company) for generated values, but faster.

    Generated names and addresses contain only word characters (CJK and digits), so the
    app's cleaning step is the identity on them; `check_search_terms` proves that the
    result equals the app's own function on a sample.
    """
    parts = bigrams(name) + list(name)
    if home:
        parts += bigrams(home)
    if company:
        parts += bigrams(company)
    parts += _PINYIN(name)
    return " ".join(parts)


def generate_rows(layout: Layout, start: int, stop: int) -> list[tuple[Any, ...]]:
    """Rows `start` (inclusive) to `stop` (exclusive) of the load described by `layout`.

    Values are backend-neutral: ids as 32-char hex, timestamps as naive UTC text,
    booleans as bool; the loaders adapt them.
    """
    # One RNG per chunk seeded from (seed, start): chunks are independent of each other.
    rng = random.Random(f"{layout.seed}:{start}")
    step_ms = max(1, CREATED_SPAN_MS // max(1, layout.count))
    base_ms = int(CREATED_FROM.timestamp() * 1000)
    origin = layout.node_code
    rows: list[tuple[Any, ...]] = []
    for i in range(start, stop):
        code, district, area, roads = _DISTRICT.pick(rng)
        id_number = resident_id(i, code)
        male = int(id_number[16]) % 2 == 1
        name = _SURNAME.pick(rng) + _given_name(rng, male)
        home = _home_address(rng, district, roads)
        company = _company_address(rng) if rng.random() < 0.25 else None
        phone = mobile_number(i)
        ts_ms = base_ms + i * step_ms
        created = datetime.fromtimestamp(ts_ms / 1000, UTC)
        joined = created - timedelta(
            days=rng.randint(0, JOINED_BEFORE_MAX_DAYS), seconds=rng.randint(0, 86_399)
        )
        created_text = naive_text(created)
        rows.append(
            (
                uuid7_hex(ts_ms, rng),
                origin,
                layout.seq_start + i,
                1,
                created_text,
                created_text,
                None,
                f"{origin}-{layout.customer_no_start + i:08d}",
                name,
                "individual",
                "public",
                _GRADE.pick(rng),
                "active",
                "male" if male else "female",
                f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}",
                "resident_id",
                id_number,
                rng.choice(OCCUPATIONS) if rng.random() < 0.6 else None,
                phone,
                f"{phone}@189.cn" if rng.random() < 0.1 else None,
                company,
                home,
                area,
                None,
                rng.random() < 0.02,
                naive_text(joined),
                None,
                search_terms(name, home, company),
            )
        )
    return rows


def check_search_terms(rows: Sequence[tuple[Any, ...]], every: int = 97) -> None:
    """Raise if the fast search terms differ from the app's on any sampled row."""
    ix = {c: COLUMNS.index(c) for c in ("name", "home_address", "company_address")}
    terms_ix = COLUMNS.index("search_terms")
    for row in rows[::every]:
        expected = customer_search_terms(
            row[ix["name"]], row[ix["home_address"]], row[ix["company_address"]]
        )
        if row[terms_ix] != expected:
            raise AssertionError(
                f"search_terms differ from the app's for {row[ix['name']]}: "
                f"{row[terms_ix]!r} != {expected!r}"
            )


def chunk_bounds(count: int, chunk: int) -> list[tuple[int, int]]:
    return [(s, min(s + chunk, count)) for s in range(0, count, chunk)]


def generate_chunk(args: tuple[Layout, int, int]) -> list[tuple[Any, ...]]:
    """Worker entry point (picklable): generate and self-check one chunk."""
    layout, start, stop = args
    rows = generate_rows(layout, start, stop)
    check_search_terms(rows)
    return rows


# ---- queries drawn from loaded rows -------------------------------------------------


@dataclass(frozen=True)
class SampleRow:
    """The fields of one loaded customer that look-up queries are made from."""

    name: str
    phone: str
    id_number: str
    home_address: str


def address_fragment(address: str, rng: random.Random) -> str:
    """A 2-4 character fragment of `address` an agent would type: road, district, compound."""
    m = ROAD_RE.match(address)
    if not m:
        return address[6:10]  # after 湖南省长沙市
    district, road, _, rest = m.groups()
    options = [road[:4], road[:2], district[:2]]
    compound = next((c for c in COMPOUNDS if rest.startswith(c)), None)
    if compound:
        options.append(compound[:4])
    return rng.choice(options)


def name_fragments(name: str) -> tuple[str, str]:
    """(2-character fragment, 1-character fragment) of a name: 张建国 -> (建国, 国).

    A 2-character name is its own 2-character fragment (张翔), as agents type it.
    """
    two = name[-2:]
    return two, name[-1]


def pinyin_initials(name: str) -> str:
    terms = pinyin_terms(name)
    return terms[1] if len(terms) > 1 else ""


# ---- loaders --------------------------------------------------------------------------


ProgressFn = Callable[[int], None]


def iter_chunks(
    layout: Any,
    chunk: int,
    workers: int,
    generate: Callable[[Any], list[tuple[Any, ...]]] = generate_chunk,
) -> Iterator[list[tuple[Any, ...]]]:
    """Chunks of `layout.count` rows in order, each made by `generate((layout, start,
    stop))` (picklable: a module-level function); in `workers` processes when workers > 1.

    Generation (pinyin, string building) is pure Python and costs about as much as the
    insert, so on a 2-core machine one worker generating while the parent inserts
    nearly halves the load time.
    """
    bounds = [(layout, s, e) for s, e in chunk_bounds(layout.count, chunk)]
    if workers <= 1:
        for b in bounds:
            yield generate(b)
        return
    from collections import deque
    from concurrent.futures import Future, ProcessPoolExecutor

    # A bounded window of chunks in flight: pool.map would submit them all, and finished
    # chunks would pile up in memory whenever the database is slower than the workers.
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[list[tuple[Any, ...]]]] = deque()
        todo = iter(bounds)
        for b in itertools.islice(todo, 2 * workers):
            pending.append(pool.submit(generate, b))
        while pending:
            rows = pending.popleft().result()
            nxt = next(todo, None)
            if nxt is not None:
                pending.append(pool.submit(generate, nxt))
            yield rows


def insert_sql_sqlite() -> str:
    """The INSERT for generated rows; search_key takes the row's seq (a numbered
    parameter that reuses the seq's value), as the node gives every new customer."""
    cols = ", ".join(COLUMNS)
    marks = ", ".join("?" for _ in COLUMNS)
    seq = f"?{COLUMNS.index('seq') + 1}"
    return f"INSERT INTO customers ({cols}, search_key) VALUES ({marks}, {seq})"


def sqlite_lookup_ddl(
    conn: sqlite3.Connection, table: str = "customers"
) -> list[tuple[str, str, str]]:
    """(type, name, sql) of the droppable indexes and triggers of `table` (customers).

    Read from sqlite_master, so they are recreated byte for byte as the migration made
    them. Indexes backing UNIQUE constraints have no SQL and stay in place.
    """
    return [
        (t, n, s)
        for t, n, s in conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? "
            "AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name",
            (table,),
        )
    ]


# COPY's columns: the generated ones, then search_key, the row's seq (as the node gives
# every new customer), which the search table's trigger keys the terms by.
PG_COPY_COLUMNS = (*COLUMNS, "search_key")
_SEQ = COLUMNS.index("seq")


def pg_copy_line(row: tuple[Any, ...]) -> str:
    """One line of COPY text format (PG_COPY_COLUMNS). Generated values hold no tab,
    newline or backslash."""
    out: list[str] = []
    for col, value in zip(COLUMNS, row, strict=True):
        if value is None:
            out.append("\\N")
        elif col in BOOL_COLUMNS:
            out.append("t" if value else "f")
        elif col in TIMESTAMP_COLUMNS:
            out.append(f"{value}+00")  # naive UTC text -> timestamptz
        else:
            out.append(str(value))
    out.append(str(row[_SEQ]))
    return "\t".join(out) + "\n"
