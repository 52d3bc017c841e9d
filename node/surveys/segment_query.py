"""What a segment is, read from text. The customer list's link, a saved segment's stored
query and the API's inline filters all pass `SegmentFilters`, so one rule decides; a
segment is written back as one normalized query string (the same filters, the same text),
which is what a saved segment keeps."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode

from node.crud.resource import validate_model
from node.errors import invalid
from node.surveys.campaign_schemas import SegmentFilters
from node.surveys.segment import Segment

PARAMS = tuple(SegmentFilters.model_fields)  # status, grade, category, type, ...
_TEXT_MAX = 1000  # a stored query is at most this long (views.models.QUERY_MAX)


def segment_of(filters: SegmentFilters) -> Segment:
    """The segment of checked filters."""
    return Segment(**filters.model_dump(mode="json", include=set(PARAMS)))


def read_segment(raw: Mapping[str, str | None]) -> Segment:
    """The segment of a link's parameters (blank ones unset, others ignored);
    InvalidFields (422) naming each wrong one."""
    given = {name: text.strip() for name in PARAMS if (text := raw.get(name)) and text.strip()}
    checked = validate_model(SegmentFilters, given)
    assert isinstance(checked, SegmentFilters)
    return segment_of(checked)


def segment_params(segment: Segment) -> dict[str, str]:
    """The filters set, as query parameters, always in the same order."""
    return {
        name: ("true" if value else "false") if isinstance(value, bool) else str(value)
        for name, value in segment.filters().items()
    }


def segment_query(segment: Segment) -> str:
    """The normalized query string: the same filters always give the same text."""
    return urlencode(segment_params(segment))


def require_filter(segment: Segment, field: str) -> Segment:
    """The segment, or 422 naming `field` when it has no filter: a segment of "every
    customer" is never meant, and would dial everyone in reach."""
    if not segment.filters():
        raise invalid(
            field,
            "请至少选择一个筛选条件（状态、等级、类别、类型、服务区域或大客户） "
            "(choose at least one filter: status, grade, category, type, service_area "
            "or is_key_account)",
        )
    return segment


def parse_stored(text: str) -> Segment:
    """A saved segment's query string read again: only segment parameters, each once,
    through the same check as a link's; ValueError or InvalidFields when it does not read."""
    if len(text) > _TEXT_MAX:
        raise ValueError("longer than a stored query can be")
    pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names) or not set(names) <= set(PARAMS):
        raise ValueError(f"not a segment's parameters: {', '.join(names)}")
    return require_filter(read_segment(dict(pairs)), "query")
