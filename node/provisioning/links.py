"""Linking a child to its parent: register it at the parent by its public key, point it
at the parent and keep the parent's public key. Only public keys travel between them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from federation.entry import (
    RegistryError,
    active_child,
    add_child,
    has_parent,
    node_path,
    node_public_key,
    normalised_public_key,
    prepare_child_inbox,
    revoke_child,
    rotate_child,
)
from node.db.unit_of_work import Database
from node.provisioning.errors import ProvisioningError
from node.settings import Level, NodeSettings, write_settings


@dataclass(frozen=True)
class RegisteredChild:
    parent_key: str  # the parent's public key, for the child's `parent set --parent-key`
    inbox: Path | None  # the child's SFTP inbox folder, when it sends over SFTP


@dataclass(frozen=True)
class SftpTarget:
    host: str
    port: int
    username: str
    key_file: Path
    known_hosts: Path
    inbox: str  # the child's folder in the parent's inbox


def register_child(
    settings: NodeSettings,
    database: Database,
    child: tuple[str, str, Level],
    public_key: str,
    url: str | None = None,
    sftp: bool = False,
    reissue: bool = False,
) -> RegisteredChild:
    """Register `child` (code, name, level) by its public key; returns this node's public
    key for the child to keep.

    With `reissue`, a child already registered is registered anew (with this key): how
    an interrupted link is completed.
    """
    code, name, level = child
    try:
        with database.unit_of_work() as session:
            if reissue and active_child(session, code) is not None:
                revoke_child(session, code)
            add_child(
                session, settings.node.code, settings.node.level, code, name, level, public_key, url
            )
    except RegistryError as exc:
        raise ProvisioningError(str(exc)) from None
    inbox = _child_inbox(settings, code) if sftp else None
    return RegisteredChild(node_public_key(settings.data_dir), inbox)


def rotate_child_key(
    settings: NodeSettings, database: Database, code: str, public_key: str, hmac_days: float
) -> str:
    """`fedcrm child rotate`: child `code` signs with `public_key` from now on; a legacy
    link's HMAC stays accepted `hmac_days` more days. Returns this node's public key."""
    try:
        with database.unit_of_work() as session:
            rotate_child(session, code, public_key, hmac_days)
    except RegistryError as exc:
        raise ProvisioningError(str(exc)) from None
    return node_public_key(settings.data_dir)


def _child_inbox(settings: NodeSettings, code: str) -> Path:
    if not settings.federation.inbox_dir:
        settings.federation.inbox_dir = "inbox"
        write_settings(settings)
    return prepare_child_inbox(node_path(settings, settings.federation.inbox_dir), code)


def set_parent(
    settings: NodeSettings, parent_key: str, url: str | None, sftp: SftpTarget | None = None
) -> str:
    """Point this node at its parent (HTTP `url`, or `sftp`) and keep the parent's public
    key. This node signs with its own key (DIR/node.key) from then on. Returns the
    parent's address as a person reads it."""
    if settings.node.level is Level.hq:
        raise ProvisioningError("an hq node has no parent")
    fed = settings.federation
    key = _checked_key(parent_key)
    if sftp is None:
        if not url or not url.startswith(("http://", "https://")):
            raise ProvisioningError("--url must be given and start with http:// or https://")
        target = url
    else:
        for flag, path in (("--key-file", sftp.key_file), ("--known-hosts", sftp.known_hosts)):
            if not path.is_file():
                raise ProvisioningError(f"{flag} {path} not found")
        fed.sftp_host, fed.sftp_port, fed.sftp_username = sftp.host, sftp.port, sftp.username
        fed.sftp_key_file = str(sftp.key_file.resolve())
        fed.sftp_known_hosts = str(sftp.known_hosts.resolve())
        fed.sftp_inbox = sftp.inbox
        target = f"sftp://{sftp.username}@{sftp.host}:{sftp.port}{sftp.inbox}"
    node_public_key(settings.data_dir)  # this node's key exists before anything is sent
    settings.node.parent_url = url
    fed.transport = "http" if sftp is None else "sftp"
    _keep_parent_key(settings, key)
    return target


def rotate_parent_key(settings: NodeSettings, parent_key: str) -> Path | None:
    """`fedcrm parent rotate`: keep the parent's (new) public key and sign with this
    node's own key from now on, dropping a legacy credential. Returns the credential
    file removed, if there was one."""
    if not has_parent(settings):
        raise ProvisioningError("this node has no parent: run `fedcrm parent set` first")
    key = _checked_key(parent_key)
    node_public_key(settings.data_dir)
    legacy = settings.federation.credential_file
    _keep_parent_key(settings, key)
    if not legacy:
        return None
    # After node.toml stopped naming it: a crash in between leaves a file nothing uses.
    path = node_path(settings, legacy)
    path.unlink(missing_ok=True)
    return path


def is_linked(settings: NodeSettings) -> bool:
    """Whether this node already has a parent and the parent's public key."""
    return bool(settings.federation.parent_public_key) and has_parent(settings)


def _checked_key(text: str) -> str:
    try:
        return normalised_public_key(text)
    except ValueError as exc:
        raise ProvisioningError(f"--parent-key: {exc}") from None


def _keep_parent_key(settings: NodeSettings, key: str) -> None:
    settings.federation.parent_public_key = key
    settings.federation.credential_file = None
    write_settings(settings)
