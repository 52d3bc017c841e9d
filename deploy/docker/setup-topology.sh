#!/usr/bin/env bash
# Create and link the demo topology with the real CLI, once; safe to run again.
#
#   HQ 000000 集团总部
#   ├── 430000 湖南省: 430100 长沙市, 430200 株洲市
#   └── 320000 江苏省: 320100 南京市, 320400 常州市
#
# Each node gets DIR=$FEDCRM_ROOT/CODE (node.toml, SQLite node.db, an `admin` user);
# each parent registers its children by their public keys (with their URL, for
# `fedcrm verify`) and each child keeps its parent's public key (`fedcrm parent set`).
# Only public keys travel; each node's private key stays in its DIR/node.key. On later runs
# existing nodes are only migrated, parents first. The compose file runs this in a
# one-shot `setup` service before the nodes start.
#
# Environment:
#   FEDCRM_ADMIN_PASSWORD  password of the `admin` user on every node (required)
#   FEDCRM_ROOT            where the node directories go (default /var/lib/fedcrm)
#   FEDCRM_URL_PATTERN     how nodes reach each other, {code} replaced by the node code
#                          (default http://node-{code}:8100, the compose service names)
#   FEDCRM_OWNER           if set, chown every node directory to this user at the end
#                          (the setup service runs as root, the nodes as `fedcrm`)
set -euo pipefail

ROOT="${FEDCRM_ROOT:-/var/lib/fedcrm}"
DEFAULT_URL_PATTERN='http://node-{code}:8100'
URL_PATTERN="${FEDCRM_URL_PATTERN:-$DEFAULT_URL_PATTERN}"
PASSWORD="${FEDCRM_ADMIN_PASSWORD:?set FEDCRM_ADMIN_PASSWORD to the admin password for every node}"
OWNER="${FEDCRM_OWNER:-}"
ADMIN_MARKER=.setup-admin-created

# code name level parent (parents before their children)
TOPOLOGY="000000 集团总部 hq -
430000 湖南省 province 000000
430100 长沙市 city 430000
430200 株洲市 city 430000
320000 江苏省 province 000000
320100 南京市 city 320000
320400 常州市 city 320000"

url_of() {
  printf '%s' "${URL_PATTERN//'{code}'/$1}"
}

create_node() {
  local code=$1 name=$2 level=$3 dir="$ROOT/$1" fresh=no
  if [ -f "$dir/node.toml" ]; then
    # A rebuilt image may bring migrations; `fedcrm serve` refuses an unmigrated
    # database. The loop visits parents before their children (DESIGN.md rule 8).
    echo "node $code $name exists in $dir"
    fedcrm db upgrade "$dir"
  else
    fedcrm init "$dir" --level "$level" --code "$code" --name "$name" --host 0.0.0.0 --port 8100
    fresh=yes
  fi
  # Each CLI start costs seconds: the marker spares later runs from asking again. Without
  # it (a run stopped between init and here) the user is added unless it exists.
  if [ ! -f "$dir/$ADMIN_MARKER" ]; then
    if [ "$fresh" = yes ] || ! fedcrm user list "$dir" | grep -w admin >/dev/null; then
      printf '%s\n' "$PASSWORD" |
        fedcrm user add "$dir" --username admin --role admin --password-stdin
    fi
    touch "$dir/$ADMIN_MARKER"
  fi
}

link_child() {
  local code=$1 name=$2 level=$3 parent=$4 dir="$ROOT/$1" parent_dir="$ROOT/$4"
  if grep -q '^parent_public_key' "$dir/node.toml"; then
    echo "node $code already linked to $parent"
    return
  fi
  local child_key parent_key output errors
  child_key=$(fedcrm key show "$dir")
  output=$(mktemp)
  errors=$(mktemp)
  local add=(fedcrm child add "$parent_dir" --code "$code" --name "$name" --level "$level"
    --public-key "$child_key" --url "$(url_of "$code")")
  if ! "${add[@]}" >"$output" 2>"$errors"; then
    # Registered by an earlier run that stopped before the child kept the parent's key.
    grep "already registered" "$errors" >/dev/null || { cat "$errors" >&2; exit 1; }
    fedcrm child revoke "$parent_dir" --code "$code"
    "${add[@]}" >"$output"
  fi
  # The parent's public key is the last line `child add` prints.
  parent_key=$(tail -n 1 "$output")
  fedcrm parent set "$dir" --url "$(url_of "$parent")" --parent-key "$parent_key"
  rm -f "$output" "$errors"
}

# The topology is read on fd 3 so that no command in the loops can swallow it from stdin.
while read -r -u 3 code name level parent; do
  create_node "$code" "$name" "$level" </dev/null
done 3<<<"$TOPOLOGY"

while read -r -u 3 code name level parent; do
  [ "$parent" = "-" ] || link_child "$code" "$name" "$level" "$parent" </dev/null
done 3<<<"$TOPOLOGY"

if [ -n "$OWNER" ]; then
  while read -r -u 3 code _rest; do
    chown -R "$OWNER:$OWNER" "$ROOT/$code"
  done 3<<<"$TOPOLOGY"
fi
echo "topology ready under $ROOT"
