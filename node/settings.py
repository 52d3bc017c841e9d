"""Node configuration: DIR/node.toml, overridable by FEDCRM_* environment variables.

Read once at start-up by the composition root (CLI, app factory) and passed down;
nothing below reads the environment or the file on its own.
"""

from __future__ import annotations

import re
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, Field, IPvAnyNetwork, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from node.atomic_file import write_atomically

CONFIG_FILE = "node.toml"
DEFAULT_DB_FILE = "node.db"
HQ_CODE = "000000"
_CODE_RE = re.compile(r"^\d{6}$")


class Level(StrEnum):
    hq = "hq"
    province = "province"
    city = "city"


def check_division_code(code: str, level: Level) -> str:
    """Validate a 6-digit administrative division code against the node level.

    HQ is 000000; a province code ends in 0000 (430000); a city code ends in 00 but
    not 0000 (430100). Raises ValueError with a message a person can act on.
    """
    if not _CODE_RE.match(code):
        raise ValueError(f"code must be 6 digits (an administrative division code), got {code!r}")
    if level is Level.hq and code != HQ_CODE:
        raise ValueError(f"an hq node has code {HQ_CODE}, got {code!r}")
    if level is Level.province and (code == HQ_CODE or not code.endswith("0000")):
        raise ValueError(f"a province code ends in 0000 (e.g. 430000), got {code!r}")
    if level is Level.city and (code.endswith("0000") or not code.endswith("00")):
        raise ValueError(f"a city code ends in 00 but not 0000 (e.g. 430100), got {code!r}")
    return code


class NodeSection(BaseModel):
    level: Level
    code: str
    name: str = Field(min_length=1)
    parent_url: str | None = None

    @model_validator(mode="after")
    def _code_matches_level(self) -> NodeSection:
        check_division_code(self.code, self.level)
        return self


class DatabaseSection(BaseModel):
    url: str = ""
    echo: bool = False


class ServerSection(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8100, ge=1, le=65535)
    # Proxies whose X-Forwarded-For / -Proto are believed (addresses or networks). None
    # by default: a client on the same machine must not choose the address the login
    # limit counts and the audit records.
    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list)


class AuthSection(BaseModel):
    token_ttl_seconds: int = Field(default=8 * 3600, ge=60)
    max_failed_logins_per_account_per_hour: int = Field(default=100, ge=1)
    max_failed_logins_per_address_per_hour: int = Field(default=300, ge=1)


class FederationSection(BaseModel):
    """Replication to the parent (sending) and from children (receiving)."""

    # The parent's public key (`ed25519:...`): what its requests to this node (digests
    # for `fedcrm verify`, a resync's progress) must be signed with.
    parent_public_key: str | None = None
    # A link made before node keys: the legacy credential this node signs with (HMAC)
    # until `fedcrm parent rotate` moves it to its node key. Relative to the node dir.
    credential_file: str | None = None
    transport: str = "http"
    interval_seconds: float = Field(default=10.0, gt=0)
    batch_max_rows: int = Field(default=50_000, ge=1)
    batch_max_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    receive_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    # Bodies of refused batches kept for inspection, at most; the oldest are deleted first.
    quarantine_max_bytes: int = Field(default=1024**3, ge=0)
    tag_max_age_seconds: int = Field(default=300, ge=1)
    timeout_seconds: float = Field(default=60.0, gt=0)
    # SFTP, child side: where this node uploads (its own directory in the parent's inbox).
    sftp_host: str | None = None
    sftp_port: int = Field(default=22, ge=1, le=65535)
    sftp_username: str | None = None
    sftp_key_file: str | None = None
    sftp_known_hosts: str | None = None
    sftp_inbox: str | None = None
    sftp_ack_timeout_seconds: float = Field(default=30.0, gt=0)
    # SFTP, parent side: the local inbox root with one directory per child code.
    inbox_dir: str | None = None
    ingest_interval_seconds: float = Field(default=5.0, gt=0)
    done_retention_days: float = Field(default=7.0, ge=0)

    @field_validator("transport")
    @classmethod
    def _known_transport(cls, v: str) -> str:
        if v not in ("http", "sftp"):
            raise ValueError("transport must be http or sftp")
        return v


class CallcenterSection(BaseModel):
    """Thresholds of the call-center figures (issue 20 §7)."""

    service_level_seconds: int = Field(default=20, ge=1, le=3600)
    short_abandon_seconds: int = Field(default=5, ge=0, le=600)
    callback_within_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # 话后处理: a wrap-up older than this reads as ready (issue 20 §1).
    wrap_up_max_seconds: int = Field(default=60, ge=0, le=3600)


class AmiSection(BaseModel):
    """Following the PBX live through the Asterisk Manager Interface (issue 20 §2)."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=5038, ge=1, le=65535)
    username: str = ""
    # The manager.conf secret; kept out of repr so a logged settings object does not show it.
    secret: str = Field(default="", repr=False)
    reconnect_min_seconds: float = Field(default=1.0, gt=0, le=3600)
    reconnect_max_seconds: float = Field(default=60.0, gt=0, le=3600)
    # A Ping unanswered for this long means the link is dead (a half-open TCP connection
    # sends no error): the follower reconnects.
    keepalive_seconds: float = Field(default=30.0, gt=0, le=3600)

    @model_validator(mode="after")
    def _usable(self) -> AmiSection:
        if self.reconnect_max_seconds < self.reconnect_min_seconds:
            raise ValueError(
                "ami.reconnect_max_seconds 不能小于 reconnect_min_seconds "
                "(must not be below reconnect_min_seconds)"
            )
        if self.enabled and not (self.host.strip() and self.username.strip()):
            raise ValueError(
                "ami.enabled 时必须填写 host 和 username (host and username are required)"
            )
        return self


class SmsSection(BaseModel):
    """Work orders by SMS through Kannel's HTTP sendsms interface (issue 20 §8)."""

    enabled: bool = False
    # smsbox's sendsms-port, e.g. http://127.0.0.1:13013/cgi-bin/sendsms
    sendsms_url: str = "http://127.0.0.1:13013/cgi-bin/sendsms"
    username: str = ""
    # Kept out of repr so a logged settings object does not show it.
    password: str = Field(default="", repr=False)
    sender: str = ""  # the `from` number (the operator's service number)
    # This node's address as Kannel reaches it, for delivery reports; none: no reports.
    dlr_base_url: str = ""
    max_attempts: int = Field(default=5, ge=1, le=100)
    # A failed attempt is retried after this, doubled each time, up to the maximum.
    retry_backoff_seconds: float = Field(default=60.0, ge=0)
    retry_backoff_max_seconds: float = Field(default=3600.0, ge=0)
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    interval_seconds: float = Field(default=10.0, gt=0)
    batch_size: int = Field(default=50, ge=1, le=1000)

    @model_validator(mode="after")
    def _complete_when_enabled(self) -> SmsSection:
        if self.enabled and not (self.sendsms_url.startswith(("http://", "https://"))):
            raise ValueError(
                "sms.enabled 时 sms.sendsms_url 必须是 http(s) 地址 "
                "(sms.sendsms_url must be an http(s) URL when sms.enabled is true)"
            )
        if self.dlr_base_url and not self.dlr_base_url.startswith(("http://", "https://")):
            raise ValueError(
                "sms.dlr_base_url 必须是 http(s) 地址 (sms.dlr_base_url must be an http(s) URL)"
            )
        return self


class NodeSettings(BaseSettings):
    """Everything a node needs to start. `data_dir` is where node.toml lives."""

    model_config = SettingsConfigDict(
        env_prefix="FEDCRM_", env_nested_delimiter="__", extra="ignore"
    )

    data_dir: Path
    node: NodeSection
    database: DatabaseSection = DatabaseSection()
    server: ServerSection = ServerSection()
    auth: AuthSection = AuthSection()
    federation: FederationSection = FederationSection()
    callcenter: CallcenterSection = CallcenterSection()
    ami: AmiSection = AmiSection()
    sms: SmsSection = SmsSection()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment wins over the file so an operator can override one value
        # (e.g. FEDCRM_DATABASE__URL) without editing node.toml.
        return env_settings, init_settings

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, v: Path) -> Path:
        return v.resolve()

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.data_dir / DEFAULT_DB_FILE}"


class ConfigError(Exception):
    """node.toml is missing or invalid; the message says what to do."""


def load_settings(data_dir: str | Path) -> NodeSettings:
    """Read DIR/node.toml into NodeSettings, with a clear error if it is missing or bad."""
    path = Path(data_dir) / CONFIG_FILE
    if not path.is_file():
        raise ConfigError(
            f"{path} not found: create a node first with `fedcrm init {data_dir} ...`"
        )
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    try:
        return NodeSettings(data_dir=Path(data_dir), **raw)
    except ValueError as exc:
        raise ConfigError(f"{path} is invalid: {exc}") from exc


def write_settings(settings: NodeSettings) -> Path:
    """Write node.toml atomically (temporary name, then rename)."""
    path = settings.data_dir / CONFIG_FILE
    doc = settings.model_dump(mode="json", exclude={"data_dir"}, exclude_none=True)
    write_atomically(path, tomli_w.dumps(doc))
    return path
