"""The deployment kit in deploy/ holds together: promtool accepts the scrape config and
the rules and passes their unit tests, every metric the rules and the dashboard use is
one a real node exports, the compose file and the scrape config describe the same
topology as the setup script, the example configs load with the real loader, and the
systemd unit says what it promises.

promtool (Debian: prometheus) and systemd-analyze (Debian: systemd) must be installed
in CI (CI=true); locally their tests skip with the reason when they are missing.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sqlite3
import stat
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import BaseModel

from federation.batches.signatures import load_node_key, public_key_text
from federation.registry.service import list_children
from node.app import create_app
from node.db.unit_of_work import Database
from node.settings import NodeSettings, load_settings, write_settings

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
PROMETHEUS_DIR = DEPLOY / "prometheus"
COMPOSE_FILE = DEPLOY / "docker" / "compose.yaml"
DASHBOARD_FILE = DEPLOY / "grafana" / "fedcrm-dashboard.json"
GUIDE = REPO / "docs" / "operations.md"
UNIT_FILE = DEPLOY / "systemd" / "fedcrm@.service"
SETUP_SCRIPT = DEPLOY / "docker" / "setup-topology.sh"

# The demo topology (README): code -> (level, name, parent).
TOPOLOGY = {
    "000000": ("hq", "集团总部", None),
    "430000": ("province", "湖南省", "000000"),
    "430100": ("city", "长沙市", "430000"),
    "430200": ("city", "株洲市", "430000"),
    "320000": ("province", "江苏省", "000000"),
    "320100": ("city", "南京市", "320000"),
    "320400": ("city", "常州市", "320000"),
}
NODE_PORT = 8100
METRIC_NAME = re.compile(r"\bfedcrm_[a-z0-9_]+")
# Series Prometheus itself adds to every target.
PROMETHEUS_SERIES = {"up"}


def require_tool(name: str, package: str) -> str:
    """The tool's path; fail in CI when it is missing, skip with the reason elsewhere."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed (Debian package {package})"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def run(
    *args: str, cwd: Path | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def alert_rules() -> list[dict]:
    groups = load_yaml(PROMETHEUS_DIR / "alerts.yml")["groups"]
    return [rule for group in groups for rule in group["rules"]]


def dashboard() -> dict:
    return json.loads(DASHBOARD_FILE.read_text(encoding="utf-8"))


def dashboard_panels() -> list[dict]:
    return [p for p in dashboard()["panels"] if p["type"] != "row"]


def panel_queries() -> list[str]:
    return [t["expr"] for p in dashboard_panels() for t in p["targets"]]


def dashboard_queries() -> list[str]:
    """Panel queries and template variable queries (Grafana's label_values(...))."""
    exprs = panel_queries()
    for variable in dashboard()["templating"]["list"]:
        if variable["type"] == "query":
            exprs.append(variable["definition"])
    return exprs


# ---- metrics: what a real node exports ----------------------------------------------------


def sample_names(family_name: str, family_type: str) -> set[str]:
    """The series names a metric family can have, whether or not it has samples yet."""
    suffixes = {
        "counter": ("_total", "_created"),
        "histogram": ("_bucket", "_sum", "_count", "_created"),
        "summary": ("", "_sum", "_count", "_created"),
        "info": ("_info",),
    }.get(family_type, ("",))
    return {family_name + suffix for suffix in suffixes}


@pytest.fixture(scope="module")
def exported_metrics(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Every series name on a real node's /metrics page (a fresh SQLite city node)."""
    root = tmp_path_factory.mktemp("metrics-node")
    shutil.copy(sqlite_template, root / "node.db")
    settings = NodeSettings(
        data_dir=root, node={"level": "city", "code": "430100", "name": "长沙市"}
    )
    db = Database(settings.database_url, settings.node.code)
    try:
        with TestClient(create_app(settings, db)) as client:
            client.get("/healthz")  # so the HTTP metrics have a sample too
            page = client.get("/metrics")
    finally:
        db.dispose()
    assert page.status_code == 200
    names: set[str] = set()
    for family in text_string_to_metric_families(page.text):
        names |= sample_names(family.name, family.type)
        names |= {sample.name for sample in family.samples}
    return names


def test_the_metric_list_comes_from_the_product(exported_metrics: set[str]) -> None:
    # Guards the collector itself: a parse that found nothing would let every name pass.
    for name in (
        "fedcrm_replication_lag_seconds",
        "fedcrm_replication_backlog_rows",
        "fedcrm_batches_received_total",
        "fedcrm_batch_apply_seconds_bucket",
        "fedcrm_child_last_batch_timestamp_seconds",
        "fedcrm_http_requests_total",
    ):
        assert name in exported_metrics
    assert "fedcrm_no_such_metric" not in exported_metrics


def _unknown(exprs: list[str], exported: set[str]) -> set[str]:
    used = {name for expr in exprs for name in METRIC_NAME.findall(expr)}
    assert used, "no fedcrm_ metric found in these expressions"
    return used - exported


def test_alert_rules_use_only_exported_metrics(exported_metrics: set[str]) -> None:
    assert _unknown([r["expr"] for r in alert_rules()], exported_metrics) == set()


def test_alert_unit_tests_feed_only_exported_metrics(exported_metrics: set[str]) -> None:
    tests = load_yaml(PROMETHEUS_DIR / "alerts_test.yml")["tests"]
    series = [s["series"] for t in tests for s in t["input_series"]]
    names = {s.split("{", 1)[0] for s in series}
    assert names - exported_metrics - PROMETHEUS_SERIES == set()


def test_dashboard_uses_only_exported_metrics(exported_metrics: set[str]) -> None:
    assert _unknown(dashboard_queries(), exported_metrics) == set()


# ---- promtool ------------------------------------------------------------------------------


def test_promtool_accepts_the_scrape_config_and_the_rules() -> None:
    promtool = require_tool("promtool", "prometheus")
    config = run(promtool, "check", "config", "prometheus.yml", cwd=PROMETHEUS_DIR)
    assert config.returncode == 0, config.stdout + config.stderr
    assert "SUCCESS" in config.stdout + config.stderr
    rules = run(promtool, "check", "rules", "alerts.yml", cwd=PROMETHEUS_DIR)
    assert rules.returncode == 0, rules.stdout + rules.stderr
    assert f"SUCCESS: {len(alert_rules())} rules found" in rules.stdout + rules.stderr


def test_promtool_rule_unit_tests_pass() -> None:
    promtool = require_tool("promtool", "prometheus")
    result = run(promtool, "test", "rules", "alerts_test.yml", cwd=PROMETHEUS_DIR)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_tested_firing_and_not_firing() -> None:
    cases = [
        case
        for test in load_yaml(PROMETHEUS_DIR / "alerts_test.yml")["tests"]
        for case in test.get("alert_rule_test", [])
    ]
    for rule in alert_rules():
        mine = [case for case in cases if case["alertname"] == rule["alert"]]
        assert any(case.get("exp_alerts") for case in mine), f"{rule['alert']} never fires"
        assert any(not case.get("exp_alerts") for case in mine), f"{rule['alert']} always fires"


def test_dashboard_queries_are_valid_promql(tmp_path: Path) -> None:
    """promtool parses PromQL in rule files: check each panel query as a recording rule,
    with Grafana's variables replaced by what Grafana would put there."""
    promtool = require_tool("promtool", "prometheus")
    rules = [
        {
            "record": f"dashboard:query_{i}",
            "expr": expr.replace("$__rate_interval", "5m").replace("$level", ".*"),
        }
        for i, expr in enumerate(panel_queries())
    ]
    path = tmp_path / "dashboard_rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = run(promtool, "check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


# ---- alerts: severities and runbooks ---------------------------------------------------


def heading_anchors(markdown: str) -> set[str]:
    """GitHub's anchors for Markdown headings: lower case, punctuation dropped, - for spaces."""
    anchors = set()
    for line in markdown.splitlines():
        if match := re.match(r"#{1,6} (.+)", line):
            text = re.sub(r"[^\w\- ]", "", match.group(1).strip().lower())
            anchors.add(text.replace(" ", "-"))
    return anchors


def test_alerts_have_a_severity_and_a_runbook_section_in_the_guide() -> None:
    anchors = heading_anchors(GUIDE.read_text(encoding="utf-8"))
    severities = set()
    for rule in alert_rules():
        severities.add(rule["labels"]["severity"])
        runbook = rule["annotations"]["runbook_url"]
        path, _, anchor = runbook.partition("#")
        assert path == "docs/operations.md", runbook
        assert anchor in anchors, f"{rule['alert']}: no section #{anchor} in the guide"
        assert rule["annotations"]["summary"]
    assert severities == {"warning", "critical"}


def test_the_guides_own_links_lead_to_its_sections() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    links = re.findall(r"\]\(#([^)]+)\)", text)
    assert links
    assert set(links) - heading_anchors(text) == set()


# ---- dashboard ------------------------------------------------------------------------


def test_dashboard_has_a_fixed_uid_and_a_templated_data_source() -> None:
    board = dashboard()
    assert board["uid"] == "fedcrm-replication"
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    templated = {"type": "prometheus", "uid": "${datasource}"}
    for panel in dashboard_panels():
        assert panel["datasource"] == templated, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == templated, panel["title"]
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))


def test_dashboard_shows_lag_backlog_throughput_rejections_and_apply_duration() -> None:
    queries = " ".join(dashboard_queries())
    for needed in (
        "fedcrm_replication_lag_seconds",
        "fedcrm_replication_backlog_rows",
        "rate(fedcrm_rows_applied_total",
        'fedcrm_batches_received_total{result=~"rejected',
        "fedcrm_batch_apply_seconds_bucket",
    ):
        assert needed in queries, needed
    assert "by (level," in queries, "lag and backlog are grouped per level"


# ---- compose and scrape config: one topology ----------------------------------------------


def compose() -> dict:
    return load_yaml(COMPOSE_FILE)


def node_service(code: str) -> str:
    return f"node-{code}"


def test_compose_names_the_topology_prometheus_and_grafana() -> None:
    services = compose()["services"]
    expected = {"setup", "prometheus", "grafana"} | {node_service(c) for c in TOPOLOGY}
    assert set(services) == expected
    for name, service in services.items():
        assert service.get("image") or service.get("build"), f"{name} has no image or build"


def test_compose_nodes_serve_their_own_volume_with_a_health_check() -> None:
    data = compose()
    services = data["services"]
    ports = set()
    for code in TOPOLOGY:
        service = services[node_service(code)]
        node_dir = f"/var/lib/fedcrm/{code}"
        assert service["command"] == ["serve", node_dir]
        assert service["volumes"] == [f"{node_service(code)}:{node_dir}"]
        assert f"{node_service(code)}:{node_dir}" in services["setup"]["volumes"]
        assert service["depends_on"]["setup"]["condition"] == "service_completed_successfully"
        assert service["environment"]["FEDCRM_SERVER__PORT"] == str(NODE_PORT)
        assert service["environment"]["FEDCRM_SERVER__HOST"] == "0.0.0.0"
        assert f"127.0.0.1:{NODE_PORT}/healthz" in " ".join(service["healthcheck"]["test"])
        (published,) = service["ports"]
        host_port, container_port = published.split(":")
        assert int(container_port) == NODE_PORT
        ports.add(host_port)
    assert len(ports) == len(TOPOLOGY), "every node has its own host port"
    for name in ("prometheus", "grafana"):
        assert services[name]["ports"] and services[name]["healthcheck"]["test"]
    declared = set(data["volumes"])
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith("."):
                assert source in declared, f"volume {source} is not declared"


def test_compose_builds_from_the_dockerfile_and_mounts_files_that_exist() -> None:
    services = compose()["services"]
    build = services["setup"]["build"]
    context = (COMPOSE_FILE.parent / build["context"]).resolve()
    assert context == REPO
    dockerfile = (context / build["dockerfile"]).read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.M)
    assert re.search(r"^USER fedcrm$", dockerfile, re.M), "the image runs as a non-root user"
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    assert "pip install ." in dockerfile
    # The ignore file beside the Dockerfile excludes everything, then lets in what is copied.
    ignore = (COMPOSE_FILE.parent / "Dockerfile.dockerignore").read_text(encoding="utf-8")
    patterns = [p for p in ignore.splitlines() if p and not p.startswith("#")]
    assert patterns[0] == "*"
    for copy in re.findall(r"^COPY (.+)$", dockerfile, re.M):
        for source in copy.split()[:-1]:
            assert (context / source).exists(), f"COPY {source}: not in the repository"
            allowed = {f"!{source}", f"!{source}/"}
            assert allowed & set(patterns), f"COPY {source}: excluded from the build context"
    mounts = {}
    for name in ("prometheus", "grafana"):
        for volume in services[name]["volumes"]:
            source, target = volume.split(":")[:2]
            if source.startswith("."):
                host = (COMPOSE_FILE.parent / source).resolve()
                assert host.exists(), f"{name} mounts {source}, which does not exist"
                mounts[target] = host
    # prometheus.yml names its rule file relative to itself: both land in /etc/prometheus.
    assert mounts["/etc/prometheus/prometheus.yml"] == PROMETHEUS_DIR / "prometheus.yml"
    assert mounts["/etc/prometheus/alerts.yml"] == PROMETHEUS_DIR / "alerts.yml"
    assert load_yaml(PROMETHEUS_DIR / "prometheus.yml")["rule_files"] == ["alerts.yml"]
    assert mounts["/etc/grafana/provisioning"] == DEPLOY / "grafana" / "provisioning"
    dashboards_dir = next(t for t, h in mounts.items() if h == DASHBOARD_FILE).rsplit("/", 1)[0]
    provider = load_yaml(DEPLOY / "grafana" / "provisioning" / "dashboards" / "fedcrm.yml")
    assert provider["providers"][0]["options"]["path"] == dashboards_dir
    datasources = DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml"
    (source,) = load_yaml(datasources)["datasources"]
    assert source["type"] == "prometheus" and source["url"] == "http://prometheus:9090"


def test_compose_file_passes_docker_compose_validation(tmp_path: Path) -> None:
    """Schema check by a real Compose implementation, where one is installed (Debian's
    docker-compose 1.29 here; it predates the top-level `name`, so that key is dropped)."""
    tool = shutil.which("docker-compose")
    if tool is None:
        # CI installs it (.ci/run); only a developer's machine may lack it.
        assert not os.environ.get("CI"), "docker-compose is missing: .ci/run installs it"
        pytest.skip("docker-compose is not installed (Debian package docker-compose)")
    data = compose()
    data.pop("name")
    copy = tmp_path / "compose.yaml"
    copy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    env = os.environ | {"FEDCRM_ADMIN_PASSWORD": "validation-only"}
    args = ("-f", str(copy), "--project-directory", str(COMPOSE_FILE.parent), "config", "-q")
    result = run(tool, *args, env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def scrape_targets() -> Iterator[tuple[str, str, dict]]:
    """(job, host:port, labels) for every static target in prometheus.yml."""
    for job in load_yaml(PROMETHEUS_DIR / "prometheus.yml")["scrape_configs"]:
        for group in job["static_configs"]:
            for target in group["targets"]:
                yield job["job_name"], target, group.get("labels", {})


def test_every_scraped_target_is_a_compose_service_on_its_port() -> None:
    services = compose()["services"]
    seen = {}
    for job, target, labels in scrape_targets():
        host, port = target.rsplit(":", 1)
        assert host in services, f"{job} scrapes {target}: no such compose service"
        if job.startswith("fedcrm-"):
            code = labels["node"]
            level, name, _parent = TOPOLOGY[code]
            assert host == node_service(code)
            assert int(port) == NODE_PORT
            assert job == f"fedcrm-{level}" and labels["level"] == level
            assert labels["node_name"] == name
            seen[code] = target
        else:
            assert any(p.endswith(f":{port}") for p in services[host]["ports"])
    assert set(seen) == set(TOPOLOGY), "every node is scraped exactly once"


# ---- example node configs --------------------------------------------------------------


def unknown_keys(raw: dict, model: type[BaseModel], prefix: str = "") -> list[str]:
    """Keys the loader would silently ignore (NodeSettings ignores extras): typos."""
    unknown = []
    for key, value in raw.items():
        field = model.model_fields.get(key)
        if field is None:
            unknown.append(prefix + key)
        elif (
            isinstance(value, dict)
            and isinstance(field.annotation, type)
            and issubclass(field.annotation, BaseModel)
        ):
            unknown += unknown_keys(value, field.annotation, f"{prefix}{key}.")
    return unknown


@pytest.mark.parametrize("level", ["hq", "province", "city"])
def test_example_config_loads_with_the_real_loader(level: str, tmp_path: Path) -> None:
    example = DEPLOY / "config" / f"{level}.node.toml"
    shutil.copy(example, tmp_path / "node.toml")
    settings = load_settings(tmp_path)
    assert settings.node.level.value == level
    assert (settings.node.parent_url is None) == (level == "hq")
    assert unknown_keys(tomllib.loads(example.read_text(encoding="utf-8")), NodeSettings) == []


def test_unknown_key_check_catches_a_typo() -> None:
    assert unknown_keys({"federation": {"interval_second": 5}}, NodeSettings) == [
        "federation.interval_second"
    ]


# ---- the operations guide's backup command ---------------------------------------------


def documented_command(prefix: str) -> list[str]:
    """The first line of the guide that starts with `prefix`, split like a shell would."""
    for line in GUIDE.read_text(encoding="utf-8").splitlines():
        if line.startswith(prefix):
            return shlex.split(line)
    raise AssertionError(f"no command starting with {prefix!r} in {GUIDE}")


def test_documented_sqlite_backup_copies_a_live_node_with_its_wal(
    sqlite_template: Path, tmp_path: Path
) -> None:
    live = tmp_path / "node.db"
    shutil.copy(sqlite_template, live)
    writer = sqlite3.connect(live)
    try:
        assert writer.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
        # Keep the newest commit in the -wal file only: a plain file copy would miss it.
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("CREATE TABLE backup_probe (note TEXT)")
        writer.execute("INSERT INTO backup_probe VALUES ('长沙市 after the last checkpoint')")
        writer.commit()
        assert (tmp_path / "node.db-wal").stat().st_size > 0
        command = documented_command("python3 -c ")
        copy = tmp_path / "backup.db"
        command[0], command[-2], command[-1] = sys.executable, str(live), str(copy)
        result = run(*command)
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        writer.close()
    restored = sqlite3.connect(copy)
    try:
        assert restored.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert restored.execute("SELECT note FROM backup_probe").fetchall() == [
            ("长沙市 after the last checkpoint",)
        ]
        assert restored.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
    finally:
        restored.close()


# ---- systemd unit ---------------------------------------------------------------------


def unit_settings(text: str) -> dict[str, dict[str, list[str]]]:
    """[Section] -> key -> values (a key may repeat in a unit file)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        assert current is not None, line
        current.setdefault(key, []).append(value)
    return sections


def test_systemd_unit_runs_one_node_per_instance_as_a_dedicated_user() -> None:
    service = unit_settings(UNIT_FILE.read_text(encoding="utf-8"))["Service"]
    assert service["User"] == ["fedcrm"]
    assert service["StateDirectory"] == ["fedcrm/%i"]
    assert service["WorkingDirectory"] == ["/var/lib/fedcrm/%i"]
    assert service["ExecStart"][0].endswith("fedcrm serve /var/lib/fedcrm/%i")
    assert service["Restart"] == ["on-failure"]
    assert service["RestartPreventExitStatus"] == ["2"], "a config error is not retried"
    for hardening in ("NoNewPrivileges", "ProtectHome", "PrivateTmp", "RestrictNamespaces"):
        assert service[hardening] == ["yes"], hardening
    assert service["ProtectSystem"] == ["strict"]


def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    analyze = require_tool("systemd-analyze", "systemd")
    fedcrm = shutil.which("fedcrm") or str(Path(sys.executable).with_name("fedcrm"))
    # verify wants ExecStart's program to exist: point it at this installation's CLI.
    text = UNIT_FILE.read_text(encoding="utf-8").replace("/opt/fedcrm/venv/bin/fedcrm", fedcrm)
    (tmp_path / UNIT_FILE.name).write_text(text, encoding="utf-8")
    result = run(analyze, "verify", "--man=no", str(tmp_path / "fedcrm@430100.service"))
    assert result.returncode == 0, result.stdout + result.stderr
    # Unknown or misspelt directives are only warnings: any message is a failure here.
    assert result.stdout + result.stderr == ""


# ---- the compose set-up script, run for real against a directory ------------------------


@pytest.mark.slow
def test_setup_script_creates_and_links_the_topology_and_can_run_again(tmp_path: Path) -> None:
    bash = require_tool("bash", "bash")
    env = os.environ | {
        "FEDCRM_ROOT": str(tmp_path),
        "FEDCRM_ADMIN_PASSWORD": "setup-script-pw",
        "FEDCRM_URL_PATTERN": "http://node-{code}:8100",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    first = run(bash, str(SETUP_SCRIPT), env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(TOPOLOGY)
    keys = {code: public_key_text(load_node_key(tmp_path / code)) for code in TOPOLOGY}
    linked = []
    for code, (level, name, parent) in TOPOLOGY.items():
        settings = load_settings(tmp_path / code)
        assert (settings.node.level.value, settings.node.code, settings.node.name) == (
            level,
            code,
            name,
        )
        assert settings.server.host == "0.0.0.0" and settings.server.port == NODE_PORT
        assert stat.S_IMODE((tmp_path / code / "node.key").stat().st_mode) == 0o600
        assert not (tmp_path / code / "parent.credential").exists()
        if parent is None:
            assert settings.node.parent_url is None
            assert settings.federation.parent_public_key is None
            continue
        assert settings.node.parent_url == f"http://{node_service(parent)}:{NODE_PORT}"
        assert settings.federation.parent_public_key == keys[parent]
        linked.append(code)
    for code in TOPOLOGY:
        expected = {
            child: (f"http://{node_service(child)}:{NODE_PORT}", keys[child])
            for child in linked
            if TOPOLOGY[child][2] == code
        }
        assert active_children(tmp_path / code) == expected, code

    # Run again, as compose does on every `up`: existing nodes are left as they are
    # (migrated only), and a link whose child never kept its parent's key (here
    # 株洲市's, lost) is made anew.
    city = load_settings(tmp_path / "430200")
    city.federation.parent_public_key = None
    write_settings(city)
    again = run(bash, str(SETUP_SCRIPT), env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.count("already linked") == len(linked) - 1
    assert again.stdout.count("database already at") == len(TOPOLOGY)
    assert load_settings(tmp_path / "430200").federation.parent_public_key == keys["430000"]
    children = active_children(tmp_path / "430000")
    assert children["430200"][1] == keys["430200"]
    assert children["430100"][1] == keys["430100"]


def active_children(node_dir: Path) -> dict[str, tuple[str | None, str | None]]:
    """Code -> (url, public key) of the node's registered, unrevoked children."""
    settings = load_settings(node_dir)
    db = Database(settings.database_url, settings.node.code)
    try:
        with db.unit_of_work(write=False) as session:
            return {
                c.code: (c.url, c.public_key)
                for c in list_children(session)
                if c.revoked_at is None
            }
    finally:
        db.dispose()
