"""Linking a child to its parent: register it at the parent, point it at the parent."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from federation.entry import (
    CREDENTIAL_FILE,
    RegistryError,
    active_child,
    add_child,
    has_parent,
    node_path,
    prepare_child_inbox,
    revoke_child,
)
from node.atomic_file import PRIVATE, write_atomically
from node.db.unit_of_work import Database
from node.provisioning.errors import ProvisioningError
from node.settings import Level, NodeSettings, write_settings


@dataclass(frozen=True)
class RegisteredChild:
    credential: str  # shown once: only its hash stays at the parent
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
    url: str | None = None,
    sftp: bool = False,
    reissue: bool = False,
) -> RegisteredChild:
    """Register `child` (code, name, level) and issue its credential.

    With `reissue`, a child already registered gets a new credential (the old one stops
    working): how an interrupted link is completed.
    """
    code, name, level = child
    try:
        with database.unit_of_work() as session:
            if reissue and active_child(session, code) is not None:
                revoke_child(session, code)
            credential = add_child(
                session, settings.node.code, settings.node.level, code, name, level, url
            )
    except RegistryError as exc:
        raise ProvisioningError(str(exc)) from None
    return RegisteredChild(credential, _child_inbox(settings, code) if sftp else None)


def _child_inbox(settings: NodeSettings, code: str) -> Path:
    if not settings.federation.inbox_dir:
        settings.federation.inbox_dir = "inbox"
        write_settings(settings)
    return prepare_child_inbox(node_path(settings, settings.federation.inbox_dir), code)


def set_parent(
    settings: NodeSettings, credential: str, url: str | None, sftp: SftpTarget | None = None
) -> str:
    """Point this node at its parent (HTTP `url`, or `sftp`) and keep the credential
    (mode 0600 from creation). Returns the parent's address as a person reads it."""
    if settings.node.level is Level.hq:
        raise ProvisioningError("an hq node has no parent")
    fed = settings.federation
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
    _store_credential(settings, credential.strip())
    settings.node.parent_url = url
    fed.transport = "http" if sftp is None else "sftp"
    write_settings(settings)
    return target


def is_linked(settings: NodeSettings) -> bool:
    """Whether this node already has a parent and a stored credential."""
    stored = node_path(settings, settings.federation.credential_file or CREDENTIAL_FILE)
    return bool(settings.federation.credential_file) and stored.is_file() and has_parent(settings)


def _store_credential(settings: NodeSettings, credential: str) -> None:
    if not credential.startswith(f"fedcrm-{settings.node.code}-"):
        raise ProvisioningError(f"this credential was not issued for node {settings.node.code}")
    write_atomically(settings.data_dir / CREDENTIAL_FILE, credential + "\n", mode=PRIVATE)
    settings.federation.credential_file = CREDENTIAL_FILE
