"""The command line's help: Simplified Chinese unless the locale asks for English, and
every command's examples are real invocations of the real commands."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.core import TyperGroup

from node.cli.help_texts import TEXTS, cli_text
from node.cli.language import language_from
from node.cli.main import app

ROOT = Path(__file__).resolve().parent.parent
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
# What a reader sees above the examples (written out here, not imported, so a renamed
# heading fails the test instead of following it).
EXAMPLE_HEADINGS = ("示例：", "Example:", "Examples:")
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# A phrase of each language from the program's help and from `user passwd --help`.
ROOT_ZH, ROOT_EN = "联邦式 CRM 的一个节点", "a federated CRM node"
PASSWD_ZH, PASSWD_EN = "设置用户的密码", "Set a user's password"


# --- the language, resolved at start-up in a real process -------------------------------


def _help(args: tuple[str, ...], **locale: str) -> str:
    """`python -m node.cli ARGS --help` with only the locale variables given set."""
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARIABLES}
    env.update(locale, COLUMNS="100")
    done = subprocess.run(
        [sys.executable, "-m", "node.cli", *args, "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return ANSI.sub("", done.stdout)


@pytest.mark.parametrize(
    "locale",
    [{}, {"LANG": "zh_CN.UTF-8"}, {"LANG": "C"}],
    ids=["no-locale", "zh_CN", "C"],
)
def test_the_program_s_help_is_chinese_by_default(locale: dict[str, str]):
    shown = _help((), **locale)
    assert ROOT_ZH in shown and "示例：" in shown
    assert ROOT_EN not in shown


def test_a_command_s_help_is_chinese_with_a_chinese_locale():
    shown = _help(("user", "passwd"), LANG="zh_CN.UTF-8")
    assert PASSWD_ZH in shown and "登录名" in shown
    assert "fedcrm user passwd var/changsha --username zhangsan" in shown
    assert PASSWD_EN not in shown and "Login name" not in shown


def test_help_is_english_with_an_english_locale():
    shown = _help((), LANG="en_US.UTF-8")
    assert ROOT_EN in shown and "Examples:" in shown
    assert ROOT_ZH not in shown
    shown = _help(("user", "passwd"), LANG="en_US.UTF-8")
    assert PASSWD_EN in shown and "Login name" in shown and "Example:" in shown
    assert PASSWD_ZH not in shown


@pytest.mark.parametrize(
    ("locale", "english"),
    [
        ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, True),
        ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, False),
        ({"LANGUAGE": "en_GB:zh_CN", "LANG": "zh_CN.UTF-8"}, True),
    ],
    ids=["LC_ALL-en-over-LANG", "LC_ALL-zh-over-LANG", "LANGUAGE-first-entry"],
)
def test_the_locale_variables_take_their_precedence(locale: dict[str, str], english: bool):
    shown = _help(("user", "passwd"), **locale)
    assert (PASSWD_EN in shown) is english
    assert (PASSWD_ZH in shown) is not english


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({}, "zh"),
        ({"LANG": "C"}, "zh"),
        ({"LANG": "POSIX"}, "zh"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "en"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "zh"),
        ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, "en"),
        ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LC_ALL": "C", "LC_MESSAGES": "en_US.UTF-8"}, "zh"),
        ({"LC_ALL": "", "LANG": "en_US.UTF-8"}, "en"),
        ({"LANGUAGE": "zh_CN:en_US", "LC_ALL": "en_US.UTF-8"}, "zh"),
        ({"LANGUAGE": ":en_US", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANGUAGE": "", "LANG": "en_US.UTF-8"}, "en"),
    ],
)
def test_the_language_a_locale_asks_for(environ: dict[str, str], language: str):
    assert language_from(environ) == language


# --- the texts and the examples, against the real command tree --------------------------

# Typer builds click commands (recent typer vendors its own click, so its classes are
# told by typer's own: a group is a TyperGroup).
COMMAND_TREE = typer.main.get_command(app)


def _walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            yield from _walk(sub, (*path, name))


def _command(path: tuple[str, ...]) -> Any:
    command = COMMAND_TREE
    for name in path:
        assert isinstance(command, TyperGroup)
        command = command.commands[name]
    return command


def _examples(help_text: str) -> list[str]:
    """The lines under the example heading of a help text."""
    for paragraph in help_text.split("\n\n"):
        heading, *lines = paragraph.splitlines()
        if heading in EXAMPLE_HEADINGS:
            return lines
    return []


def _parse(args: list[str]) -> tuple[str, ...]:
    """Parse `fedcrm ARGS` the way click does before it runs a command, without running
    it; returns the command path. A wrong option or a missing argument raises."""
    command: Any = COMMAND_TREE
    context = command.make_context("fedcrm", list(args), resilient_parsing=False)
    path: list[str] = []
    while isinstance(command, TyperGroup):
        # A group stops parsing at its command's name: what it left is the tail of its
        # arguments, that name first.
        rest = args[len(args) - len(context.args) - 1 :]
        assert rest and not rest[0].startswith("-"), f"no command after {path}: {args}"
        name, sub, sub_args = command.resolve_command(context, rest)
        assert name is not None and sub is not None
        context = sub.make_context(name, sub_args, parent=context, resilient_parsing=False)
        command, args = sub, sub_args
        path.append(name)
    return tuple(path)


PATHS = list(_walk(COMMAND_TREE))


def test_the_tree_holds_every_command():
    assert len(PATHS) == 1 + 9 + 13 + 22  # the program, its groups and commands, theirs


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(("fedcrm", *p)))
def test_every_example_parses_against_the_real_command(path: tuple[str, ...]):
    examples = _examples(_command(path).help or "")
    assert examples, f"no example in the help of {path}"
    for example in examples:
        program, *args = shlex.split(example)
        assert program == "fedcrm", example
        # The example is of this command (of one of a group's commands).
        assert _parse(args)[: len(path)] == path, example


def test_every_argument_and_option_has_help():
    missing = [
        (path, param.name)
        for path in PATHS
        for param in _command(path).params
        if not getattr(param, "help", None)
    ]
    assert missing == []


def test_every_text_is_in_both_languages_and_used():
    assert [key for key, (zh, en) in TEXTS.items() if not zh or not en] == []
    assert [key for key, (zh, _) in TEXTS.items() if not re.search(r"[\u4e00-\u9fff]", zh)] == []
    shown = [
        text
        for path in PATHS
        for text in (
            _command(path).help or "",
            *(getattr(param, "help", None) or "" for param in _command(path).params),
        )
    ]
    assert [key for key in TEXTS if not any(cli_text(key) in text for text in shown)] == []
