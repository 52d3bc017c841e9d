"""`fedcrm serve` following the PBX live through the Asterisk Manager Interface (issue 20
§2), when node.toml's `[ami]` has `enabled = true`.

One asyncio task logs in with panoramisk, takes the queue events (node.callcenter.
ami_events says how each becomes a queue_log event) and stores them, with their screen
pops, through the path POST /api/v1/cti/events uses (node.callcenter.live_events). A
refused connection, a refused log-in, a lost link or an unanswered keepalive Ping is
logged and tried again after a wait that doubles from `reconnect_min_seconds` up to
`reconnect_max_seconds` (back to the minimum once a log-in succeeds). A malformed event
is counted and logged, never the end of the follower. Events are stored on a worker
thread, a batch at a time, so the event loop never waits for the database; a failed
store is retried with the same backoff (events are idempotent by key)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from panoramisk import Manager
from prometheus_client import CollectorRegistry, Counter, Gauge

from node.callcenter.ami_events import FOLLOWED, MalformedEvent, translate
from node.callcenter.importer import DEFAULT_RULES
from node.callcenter.kpis import Rules
from node.callcenter.live_events import take_live_events
from node.callcenter.pop_broker import PopBroker
from node.callcenter.queue_log import QueueEvent
from node.db.unit_of_work import Database
from node.settings import AmiSection

log = logging.getLogger("fedcrm.callcenter.ami")
BATCH = 500  # events stored in one transaction at most
MAX_PENDING = 100_000  # events waiting for the database; beyond, new ones are dropped
FLUSH_SECONDS = 5.0  # on shutdown, how long the events still waiting may take to store


class AmiMetrics:
    """The follower's Prometheus metrics, on the node's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.connected = Gauge(
            "fedcrm_ami_connected",
            "1 while logged in to the PBX's Manager Interface",
            registry=registry,
        )
        self.events = Counter(
            "fedcrm_ami_events_received_total",
            "Queue events received from the Manager Interface",
            ["event"],
            registry=registry,
        )
        self.malformed = Counter(
            "fedcrm_ami_events_malformed_total",
            "Queue events received but not readable (skipped)",
            ["event"],
            registry=registry,
        )
        self.dropped = Counter(
            "fedcrm_ami_events_dropped_total",
            "Events dropped because too many were waiting for the database",
            registry=registry,
        )
        self.added = Counter(
            "fedcrm_ami_events_added_total",
            "queue_log events stored that the node did not hold yet",
            registry=registry,
        )
        self.reconnects = Counter(
            "fedcrm_ami_reconnects_total",
            "Connection attempts after the first (lost link, refused connection or log-in)",
            registry=registry,
        )


class _Link(Manager):
    """One connection. panoramisk's Manager reconnects on its own at a fixed interval and
    pings without reading the answer; the follower does both itself, so these hooks only
    report what happened."""

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self.lost: asyncio.Future[BaseException | None] = self.loop.create_future()
        self.logged_in: asyncio.Future[bool] = self.loop.create_future()

    def connection_made(self, f: asyncio.Future[Any]) -> None:
        error = None if f.cancelled() else f.exception()
        if f.cancelled() or error is not None:
            _settle(self.lost, error)
            return
        super().connection_made(f)

    def login(self, future: asyncio.Future[Any]) -> bool:
        ok = bool(super().login(future))
        _settle(self.logged_in, ok)
        return ok

    def ping(self) -> None:
        """Not panoramisk's: the follower's keepalive waits for the answer."""

    def connection_lost(self, exc: BaseException | None) -> None:
        self._connected = False
        self.authenticated = False
        # After the callbacks already scheduled: a refusal followed by the PBX hanging up
        # reads as the refusal it is.
        self.loop.call_soon(_settle, self.lost, exc)


def _settle(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)


def _why(lost: asyncio.Future[BaseException | None]) -> str:
    error = lost.result()
    return "对方关闭连接 (closed by the PBX)" if error is None else repr(error)


@dataclass
class _Outcome:
    logged_in: bool
    why: str


class AmiFollower:
    """Follows one PBX until cancelled."""

    def __init__(
        self,
        settings: AmiSection,
        db: Database,
        broker: PopBroker,
        metrics: AmiMetrics,
        clock: Callable[[], float] = time.time,
        rules: Rules = DEFAULT_RULES,
    ) -> None:
        self.settings = settings
        self.rules = rules  # the thresholds the figures of stored calls are summed under
        self.db = db
        self.broker = broker
        self.metrics = metrics
        self.clock = clock
        self._pending: asyncio.Queue[QueueEvent] | None = None

    async def run(self) -> None:
        """Connect, follow, reconnect, until the task is cancelled; then store what is
        still waiting (for a few seconds at most) and return."""
        pending: asyncio.Queue[QueueEvent] = asyncio.Queue(MAX_PENDING)
        self._pending = pending
        storing = asyncio.create_task(self._store_forever(pending), name="ami-store")
        try:
            await self._follow_forever()
        finally:
            storing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await storing
            self.metrics.connected.set(0)
            await self._flush(pending)

    async def _follow_forever(self) -> None:
        s = self.settings
        delay = s.reconnect_min_seconds
        while True:
            outcome = await self._follow_once()
            if outcome.logged_in:
                delay = s.reconnect_min_seconds
            self.metrics.reconnects.inc()
            log.warning(
                "AMI %s:%s %s；%.2f 秒后重连 (reconnecting in %.2f s)",
                s.host, s.port, outcome.why, delay, delay,
            )  # fmt: skip
            await asyncio.sleep(delay)
            delay = min(delay * 2, s.reconnect_max_seconds)

    async def _follow_once(self) -> _Outcome:
        """One connection, from connecting to its end; never raises but on cancellation."""
        s = self.settings
        link = _Link(
            host=s.host,
            port=s.port,
            username=s.username,
            secret=s.secret,
            events="on",
            loop=asyncio.get_running_loop(),
            log=log,
        )
        for name in FOLLOWED:
            link.register_event(name, self._receiver(name))
        connecting = link.connect()
        try:
            first: set[asyncio.Future[Any]] = {link.logged_in, link.lost}
            await asyncio.wait(
                first,
                timeout=s.keepalive_seconds,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if link.logged_in.done() and not link.logged_in.result():
                return _Outcome(False, "登录被拒绝 (login refused: check username and secret)")
            if not link.logged_in.done():
                if link.lost.done():
                    return _Outcome(False, f"连接失败 (connection failed: {_why(link.lost)})")
                return _Outcome(False, "登录无应答 (no answer to Login)")
            log.info("AMI %s:%s 已登录 (logged in)", s.host, s.port)
            self.metrics.connected.set(1)
            return _Outcome(True, await self._keep_alive(link))
        finally:
            connecting.cancel()  # still connecting when cancelled: it must not log in later
            self.metrics.connected.set(0)
            link.close()

    async def _keep_alive(self, link: _Link) -> str:
        """Wait until the link ends; a Ping unanswered for `keepalive_seconds` ends it."""
        interval = self.settings.keepalive_seconds
        while True:
            done, _ = await asyncio.wait({link.lost}, timeout=interval)
            if done:
                return f"连接断开 (connection lost: {_why(link.lost)})"
            answer: asyncio.Future[Any] = link.send_action({"Action": "Ping"})
            either: set[asyncio.Future[Any]] = {answer, link.lost}
            done, _ = await asyncio.wait(
                either, timeout=interval, return_when=asyncio.FIRST_COMPLETED
            )
            if link.lost.done():
                return f"连接断开 (connection lost: {_why(link.lost)})"
            if not done:
                return f"Ping {interval:g} 秒无应答 (no answer to Ping)"

    def _receiver(self, name: str) -> Callable[[Manager, Any], None]:
        def receive(_: Manager, message: Any) -> None:
            self.metrics.events.labels(name).inc()
            try:
                event = translate(message, self.clock())
            except MalformedEvent as exc:
                self.metrics.malformed.labels(name).inc()
                log.warning("AMI 事件 %s 无法读取，已跳过 (malformed, skipped): %s", name, exc)
                return
            if event is None or self._pending is None:
                return
            try:
                self._pending.put_nowait(event)
            except asyncio.QueueFull:
                self.metrics.dropped.inc()
                log.error("AMI 待存事件过多，已丢弃 (too many events waiting; dropped) %s", name)

        return receive

    async def _store_forever(self, pending: asyncio.Queue[QueueEvent]) -> None:
        s = self.settings
        while True:
            batch = [await pending.get()]
            while len(batch) < BATCH and not pending.empty():
                batch.append(pending.get_nowait())
            delay = s.reconnect_min_seconds
            while True:
                try:
                    await asyncio.to_thread(self._store, batch)
                    break
                except Exception:  # the database may come back: keep the batch, retry
                    log.exception("AMI 事件存储失败，%.2f 秒后重试 (store failed; retrying)", delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, s.reconnect_max_seconds)

    async def _flush(self, pending: asyncio.Queue[QueueEvent]) -> None:
        batch: list[QueueEvent] = []
        while not pending.empty():
            batch.append(pending.get_nowait())
        if not batch:
            return
        try:
            await asyncio.wait_for(asyncio.to_thread(self._store, batch), FLUSH_SECONDS)
        except Exception:
            log.exception("AMI 关闭时 %d 个事件未能存储 (not stored at shutdown)", len(batch))

    def _store(self, batch: list[QueueEvent]) -> None:
        with self.db.unit_of_work() as session:
            report, pops = take_live_events(session, batch, self.rules)
        self.metrics.added.inc(report.added)
        for pop in pops:  # after the commit: the page it opens finds the call stored
            self.broker.publish(pop.user_id, pop.url)


def start_ami_follower(
    settings: AmiSection,
    db: Database,
    broker: PopBroker,
    metrics: AmiMetrics,
    rules: Rules = DEFAULT_RULES,
) -> asyncio.Task[None]:
    """Start following the PBX on the running event loop; stop it with stop_ami_follower."""
    follower = AmiFollower(settings, db, broker, metrics, rules=rules)
    log.info("AMI 跟随 %s:%s (following the PBX)", settings.host, settings.port)
    return asyncio.create_task(follower.run(), name="ami-follow")


async def stop_ami_follower(task: asyncio.Task[None]) -> None:
    """Cancel the follower and wait until it has closed its connection."""
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
