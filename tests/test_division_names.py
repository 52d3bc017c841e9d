"""Issue 19 §13: a level shows cities it never registered by their GB/T 2260 names.
Expected names are the standard's (the codes the demo and the seeds use)."""

from __future__ import annotations

import pytest

from node.divisions import division_name
from rollup.labels import Labels


@pytest.mark.parametrize(
    "code, name",
    [
        ("110000", "北京市"),
        ("320000", "江苏省"),
        ("320100", "南京市"),
        ("320400", "常州市"),  # seed 001's 常州
        ("430100", "长沙市"),
        ("430200", "株洲市"),
        ("440300", "深圳市"),
    ],
)
def test_standard_names(code, name):
    assert division_name(code) == name


@pytest.mark.parametrize("code", ["990100", "12345", "43010a", "", "4301000"])
def test_what_is_not_a_division_has_no_name(code):
    assert division_name(code) is None


def test_labels_prefer_what_the_node_registered_then_the_standard_then_the_code():
    labels = Labels(nodes={"430000": "湖南省公司", "990000": "试验省"})
    assert labels.node("430000") == "湖南省公司"  # registered here: the node's own name
    assert labels.node("430100") == "长沙市"
    assert labels.node("990100") == "试验省 990100"
    assert labels.node("980100") == "980100"
    assert labels.node("000000") == "总部"
