"""Synthetic knowledge-base content for benchmarks/knowledge.py: a folder tree and
published articles in realistic telecom Chinese, and the search-term rows the product's
own index_version (node.knowledge.search_index) writes for each version, as plain rows
for a bulk insert.

Everything is drawn from a seeded random.Random, so a (count, seed) pair always gives
the same articles. Titles and bodies are sentences built from a vocabulary of telecom
terms (宽带, 光猫, 资费, 携号转网, 96296 ...); about a fifth of the bodies name a business
hall on a street whose two-character name is drawn from a pool of uncommon characters
(RARE_CHARS), which makes the benchmark's rare words: a handful of articles each.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Dialect
from uuid6 import uuid7

from node.knowledge.models import KbSearchTerm, Kind
from node.knowledge.terms import version_terms

AUTHOR = "bench"
# Articles were written over the two years before this instant; today (the day the
# benchmark runs) decides which of the dated ones are visible, see Article.visible.
NEWEST = datetime(2026, 12, 1, tzinfo=UTC)
SPAN_DAYS = 730

# Folder tree: one top folder per kind of article, nine subjects under each (50 in all).
TOP_FOLDERS: dict[str, str] = {
    Kind.policy.value: "制度",
    Kind.rule.value: "规定",
    Kind.announcement.value: "片区公告",
    Kind.knowledge.value: "业务知识",
    Kind.phone.value: "业务电话",
}
SUBJECTS = ("宽带", "移动", "固话", "天翼高清", "营业厅", "计费", "投诉", "装维", "政企")

PRODUCTS = (
    "宽带", "光猫", "机顶盒", "天翼高清", "固话", "手机卡", "副卡", "融合套餐", "千兆宽带",
    "路由器", "流量包", "语音包", "5G套餐", "亲情号", "云电脑", "天翼看家",
)  # fmt: skip
ACTIONS = (
    "办理", "变更", "停机", "复机", "报修", "拆机", "移机", "过户", "销户", "补卡", "续约",
    "携号转网", "退订", "开通", "缴费", "充值", "查询", "投诉",
)  # fmt: skip
TOPICS = (
    "资费", "套餐", "话费", "积分", "欠费", "账单", "发票", "押金", "违约金", "优惠",
    "实名制", "流量", "宽带速率", "故障", "装机", "预约", "上门服务", "服务时限",
)  # fmt: skip
PLACES = ("营业厅", "客服中心", "装维班组", "网格", "片区", "政企客户部", "渠道中心")
DISTRICTS = ("芙蓉区", "天心区", "岳麓区", "开福区", "雨花区", "望城区", "长沙县", "浏阳市")
PEOPLE = ("用户", "客户", "坐席", "装维人员", "营业员", "网格经理", "客户经理")
HOTLINES = ("96296", "10000", "10001", "0731-96296")

TITLE_TEMPLATES: dict[str, tuple[str, ...]] = {
    Kind.policy.value: (
        "{topic}管理制度", "{product}{action}管理办法", "{place}服务规范",
        "{topic}{action}工作制度",
    ),
    Kind.rule.value: (
        "关于{product}{action}的规定", "{topic}{action}操作规定", "{product}{topic}处理规定",
    ),
    Kind.announcement.value: (
        "{district}{place}营业时间调整公告", "关于{product}{topic}调整的通知",
        "{district}{product}网络割接公告", "{month}月{topic}{action}提醒",
    ),
    Kind.knowledge.value: (
        "{product}{action}流程", "{product}常见故障处理", "如何为{person}{action}{product}",
        "{topic}计算口径说明", "{product}{topic}问答",
    ),
    Kind.phone.value: (
        "{district}{place}业务电话", "{product}{action}联系电话", "{place}值班电话表",
    ),
}  # fmt: skip

SENTENCES = (
    "{person}申请{action}{product}时，须核对身份证件并完成实名制登记。",
    "{product}出现故障的，请引导{person}拨打{hotline}报修，装维人员在二十四小时内上门。",
    "{topic}自次月一日起执行，已{action}的{person}按原{topic}标准执行至合约期满。",
    "{district}{place}负责受理{product}{action}业务，受理后同步录入系统。",
    "办理{product}{action}前，应先查询{person}是否存在欠费，欠费的须先缴清话费。",
    "{person}对{topic}有异议的，坐席应做好解释，并在工单中记录{topic}明细。",
    "携号转网须满足在网时长要求，{person}可通过{hotline}查询携转资格。",
    "{product}停机保号每月收取费用，复机后恢复原套餐和原有积分。",
    "积分可用于兑换{product}或抵扣话费，积分有效期为两年。",
    "光猫和机顶盒属于租借设备，拆机时应收回，未收回的按规定收取赔偿。",
    "{place}每日营业时间为上午九点至下午六点，节假日另行通知。",
    "{product}宽带速率不达标的，{person}可申请测速，测速结果存档备查。",
    "{action}{product}须由机主本人持有效证件到{place}办理，不得代办。",
    "对于{topic}类投诉，处理时限为四十八小时，超时将纳入考核。",
)
RARE_SENTENCE = "详情可咨询{district}{street}路营业厅，地址为{street}路{number}号。"
# Uncommon characters for street names: none of them appears in the vocabulary above, so
# a street name ("{a}{b}路") is only ever found in the articles that name it.
RARE_CHARS = (
    "梧桐枫桦楠榆柘樟枞栎杞桔槐桂榕椿蓼芷蘅荇萱蓁芸苓藜蔷薇菖蒲蕙茱萸荷菱蘋"
    "骊骐骢骅骥鹂鹭鸥鹊鹤鸾麟貔貅琥珀琮璜瑾瑜琳琅玖瓒璋珩"
)
# A query made of these finds nothing: no generated article holds any of them.
MISS_QUERIES = ("量子纠缠", "恐龙化石", "火星探测", "熊猫基地", "冰川融化")
# Words most bodies hold (the common-word queries: many hits, two pages and more).
COMMON_WORDS = ("用户", "办理", "客户", "套餐", "话费", "宽带")


@dataclass(frozen=True)
class Folder:
    id: uuid.UUID
    parent_id: uuid.UUID | None
    name: str
    kind: str  # the kind of article filed under it


@dataclass
class Article:
    """One published article and its single version (number 1)."""

    id: uuid.UUID
    version_id: uuid.UUID
    folder_id: uuid.UUID
    kind: str
    title: str
    body: str
    tags: list[str]
    must_read: bool
    effective_from: date | None
    expires_at: date | None
    created_at: datetime
    extra: dict[str, Any] = field(default_factory=dict)  # what the drawer may use (street)

    def visible(self, on: date) -> bool:
        """Whether readers may see it on `on` (node.knowledge.articles.is_visible)."""
        return (self.effective_from is None or self.effective_from <= on) and (
            self.expires_at is None or self.expires_at > on
        )


def make_folders(seed: int) -> list[Folder]:
    """Five top folders (one per kind) with nine subject folders under each."""
    rng = random.Random(seed)
    folders: list[Folder] = []
    for kind, name in TOP_FOLDERS.items():
        top = Folder(_uuid(rng), None, name, kind)
        folders.append(top)
        folders += [Folder(_uuid(rng), top.id, subject, kind) for subject in SUBJECTS]
    return folders


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        product=rng.choice(PRODUCTS),
        action=rng.choice(ACTIONS),
        topic=rng.choice(TOPICS),
        place=rng.choice(PLACES),
        district=rng.choice(DISTRICTS),
        person=rng.choice(PEOPLE),
        hotline=rng.choice(HOTLINES),
        month=rng.randint(1, 12),
    )


def street_name(rng: random.Random) -> str:
    """Two uncommon characters: about 6,000 streets, so a few articles name each."""
    return rng.choice(RARE_CHARS) + rng.choice(RARE_CHARS)


def make_body(rng: random.Random, extra: dict[str, Any]) -> str:
    """150-400 characters of sentences; about a fifth name a business hall's street."""
    target = rng.randint(150, 400)
    sentences: list[str] = []
    if rng.random() < 0.2:
        street = street_name(rng)
        extra["street"] = street
        sentences.append(
            RARE_SENTENCE.format(
                district=rng.choice(DISTRICTS), street=street, number=rng.randint(1, 300)
            )
        )
    while sum(map(len, sentences)) < target:
        sentences.insert(rng.randrange(len(sentences) + 1), _fill(rng.choice(SENTENCES), rng))
    return "".join(sentences)[:400]


def make_article(rng: random.Random, folders: list[Folder], serial: int) -> Article:
    """One article; `serial` orders creation (older first), keeping uuid7 ids ascending."""
    folder = rng.choice([f for f in folders if f.parent_id is not None])
    kind = folder.kind
    title = _fill(rng.choice(TITLE_TEMPLATES[kind]), rng)
    if rng.random() < 0.5:
        title += f"（{rng.randint(2024, 2026)}年第{rng.randint(1, 99)}号）"
    extra: dict[str, Any] = {}
    body = make_body(rng, extra)
    created = NEWEST - timedelta(days=SPAN_DAYS) + timedelta(seconds=serial * 60 + rng.random())
    effective_from = expires_at = None
    roll = rng.random()
    if roll < 0.02:  # expired: readers no longer see it
        expires_at = (created + timedelta(days=rng.randint(30, 200))).date()
        expires_at = min(expires_at, NEWEST.date())
    elif roll < 0.04:  # not yet in effect
        effective_from = date(2027, rng.randint(1, 12), rng.randint(1, 28))
    elif roll < 0.10:  # in effect from a past day, expiring in the future
        effective_from = created.date()
        expires_at = date(2028, rng.randint(1, 12), rng.randint(1, 28))
    return Article(
        id=uuid7(),
        version_id=uuid7(),
        folder_id=folder.id,
        kind=kind,
        title=title,
        body=body,
        tags=rng.sample(TOPICS, rng.randint(0, 3)),
        must_read=rng.random() < 0.05,
        effective_from=effective_from,
        expires_at=expires_at,
        created_at=created,
        extra=extra,
    )


def iter_articles(
    count: int, seed: int, folders: list[Folder], batch: int
) -> Iterator[list[Article]]:
    """`count` articles in batches, oldest first, reproducible from `seed` (the ids
    are uuid7, fresh each run; the text, folders and dates are not)."""
    rng = random.Random(seed + 1)
    made = 0
    while made < count:
        n = min(batch, count - made)
        yield [make_article(rng, folders, made + i) for i in range(n)]
        made += n


# ---- rows for the database ---------------------------------------------------------


def folder_row(folder: Folder) -> dict[str, Any]:
    """kb_folders values (for an SQLAlchemy Core insert, which applies the column types)."""
    return {
        "id": folder.id,
        "parent_id": folder.parent_id,
        "name": folder.name,
        "owner": "",  # filled by the loader: the node's code
        "created_by": AUTHOR,
        "created_at": NEWEST - timedelta(days=SPAN_DAYS + 1),
        "updated_at": NEWEST - timedelta(days=SPAN_DAYS + 1),
    }


def article_row(a: Article, owner: str) -> dict[str, Any]:
    """kb_articles values: published (version 1), as review.approve leaves it."""
    return {
        "id": a.id,
        "folder_id": a.folder_id,
        "kind": a.kind,
        "title": a.title,
        "tags": "[" + ",".join(f'"{t}"' for t in a.tags) + "]",
        "must_read": a.must_read,
        "effective_from": a.effective_from,
        "expires_at": a.expires_at,
        "status": "published",
        "latest_number": 1,
        "published_number": 1,
        "published_at": a.created_at + timedelta(hours=1),
        "owner": owner,
        "created_by": AUTHOR,
        "created_at": a.created_at,
        "updated_at": a.created_at + timedelta(hours=1),
    }


def version_row(a: Article) -> dict[str, Any]:
    """kb_article_versions values of the article's version 1."""
    return {
        "id": a.version_id,
        "article_id": a.id,
        "number": 1,
        "title": a.title,
        "body": a.body,
        "note": "",
        "created_by": AUTHOR,
        "created_at": a.created_at,
    }


TERM_COLUMNS = ("version_id", "term", "article_id", "in_title", "rank_at")


def term_writer(dialect: Dialect) -> Callable[[Article], list[tuple[Any, ...]]]:
    """A function giving an article's kb_search_terms rows (TERM_COLUMNS order) in the
    form the driver stores, exactly what index_version writes through the ORM: the same
    terms (node.knowledge.terms.version_terms) and each value passed through the
    column type's own bind processor for `dialect` (a UUID as 32 hex digits on SQLite,
    a bool as 1/0). The test proves the equivalence on a few articles."""
    table = KbSearchTerm.__table__
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in TERM_COLUMNS
    ]
    conv = [p if p is not None else (lambda v: v) for p in processors]
    flags = (conv[3](False), conv[3](True))  # in_title takes only two values

    def rows(a: Article) -> list[tuple[Any, ...]]:
        version_id, article_id, at = conv[0](a.version_id), conv[2](a.id), conv[4](a.created_at)
        terms = version_terms(a.title, a.body)
        return [(version_id, term, article_id, flags[t], at) for term, t in terms.items()]

    return rows
