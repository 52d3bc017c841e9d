"""The knowledge base's refusals in Chinese (node.web.validation_texts): each message as
the services in node/knowledge write it (the API's English, unchanged) -> the Chinese a
page shows, written here by hand; names, ids and numbers kept from the original. English
readers get the original; a message nobody listed stays as it is."""

from __future__ import annotations

import pytest

from node.web.validation_texts import domain_message, kb_message

FOLDER = "4f1c2b8e-9a0d-4c1e-8f2a-3b4c5d6e7f80"
ARTICLE = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

KB_CASES = [
    (f"name: a folder named 「制度」 is already at the top ({FOLDER})",
     f"顶级目录中已有名为「制度」的目录（{FOLDER}）"),
    (f"a folder named 「考勤」 is already in this folder ({FOLDER})",
     f"这个目录中已有名为「考勤」的目录（{FOLDER}）"),
    (f"name: a folder named 「a (b): c」 is already at the top ({FOLDER})",
     f"顶级目录中已有名为「a (b): c」的目录（{FOLDER}）"),
    ("folder 「制度」 is not empty: it holds 2 folder(s): 考勤、休假; 1 article(s): 请假制度",
     "目录「制度」不是空的：其中有 2 个目录：考勤、休假；1 篇文章：请假制度"),
    ("folder 「制度」 is not empty: it holds 1 folder(s): 考勤",
     "目录「制度」不是空的：其中有 1 个目录：考勤"),
    ("folder 「Phones」 is not empty: it holds 3 article(s): 装维热线、宽带资费、报修",
     "目录「Phones」不是空的：其中有 3 篇文章：装维热线、宽带资费、报修"),
    ("a folder cannot move into itself or a folder inside it",
     "目录不能移到它自己或它下面的目录中"),
    ("must be after effective_from", "应晚于生效日期"),
    ("expires_at: must be after effective_from", "应晚于生效日期"),
    (f"no folder {FOLDER}", f"没有这个目录（{FOLDER}）"),
    (f"no article {ARTICLE}", f"没有这篇文章（{ARTICLE}）"),
    (f"article {ARTICLE} has no version 7", f"文章 {ARTICLE} 没有第 7 版"),
    (f"article {ARTICLE} has reached 1000000 versions", f"文章 {ARTICLE} 已达到 1000000 个版本"),
    (f"must_read: article {ARTICLE} is not a must-read article", f"文章 {ARTICLE} 不是必读文章"),
    ("reviewer: zhang.wei wrote or submitted version 3 and cannot review it: another "
     "reviewer must", "zhang.wei 编写或提交了第 3 版，不能审核它：须由另一位审核人审核"),
    ("status: cannot move from draft to published (only from in_review)",
     "不能从「草稿」转为「已发布」（只能从「待审核」转）"),
    ("status: cannot move from in_review to archived (only from published)",
     "不能从「待审核」转为「已归档」（只能从「已发布」转）"),
    ("status: an article archived cannot be edited (only draft or published; send it back "
     "to draft first)", "「已归档」的文章不能修改（只能修改草稿或已发布的文章；请先退回草稿）"),
    ("role agent may not see drafts (needs kb:write)",
     "角色 agent 无权查看草稿（需要 kb:write 权限）"),
    ("is not a cursor this API issued", "不是本系统给出的翻页位置"),
    ("owner: this article belongs to node 000000; only node 000000 may change it (this "
     "node is 430100)", "这篇文章由上级节点 000000 发布，只能在 000000 修改（本节点 430100）"),
    ("owner: this folder belongs to node 430000; only node 430000 may change it (this "
     "node is 430100)", "这个目录由上级节点 430000 发布，只能在 430000 修改（本节点 430100）"),
]  # fmt: skip


@pytest.mark.parametrize(("english", "chinese"), KB_CASES)
def test_each_kb_refusal_reads_in_chinese_and_stays_english_on_switch(english, chinese):
    assert domain_message(english, "zh-CN") == chinese
    assert domain_message(english, "en") == english


@pytest.mark.parametrize(
    "message",
    [
        "something nobody listed",
        f"no folder {FOLDER} at all",  # more than the service writes: not theirs
        "folder 「制度」 is empty",
        "a folder named 「制度」 is already somewhere",
        "status: cannot move from draft to nowhere",
        "已有名为「日报」的视图 (you already have a view of this name)",  # bilingual already
    ],
)
def test_a_message_nobody_listed_stays_as_it_is(message):
    assert domain_message(message, "zh-CN") == message
    assert kb_message(message) is None


def test_an_unknown_state_is_kept_as_written():
    text = "status: cannot move from draft to frozen (only from in_review)"
    assert domain_message(text, "zh-CN") == "不能从「草稿」转为「frozen」（只能从「待审核」转）"


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("is before started_at", "不能早于开始时间"),
        ("at most 40 characters", "最多 40 个字符"),
        ("must be between 1 and 5", "应在 1 到 5 之间"),
        ("no customer with id 12", "不存在或已删除"),
        ("not a phone number", "不是电话号码"),
    ],
)
def test_the_other_services_texts_still_read_in_chinese(english, chinese):
    assert domain_message(english, "zh-CN") == chinese
    assert domain_message(english, "en") == english
