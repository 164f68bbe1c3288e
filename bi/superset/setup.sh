#!/usr/bin/env bash
# `make superset`: Apache Superset 6.1 in its own venv, pointed read only at the published marts.
#
#   bash bi/superset/setup.sh            install (if needed), initialise, serve on
#                                        http://127.0.0.1:$SUPERSET_PORT, register the marts,
#                                        saved queries and the starter dashboard; runs until
#                                        interrupted (Ctrl-C stops Superset)
#   bash bi/superset/setup.sh --install  install and initialise only, then exit
#
# Idempotent: the venv is (re)built only when bi/superset/requirements.lock changes, the metadata
# database is migrated in place, and provisioning updates what it created before.
# The admin password is random, made and printed on the first run only, then kept in
# $SUPERSET_HOME/admin_password (owner only); delete that file for a new one (credentials.sh).
# Environment (all optional): CITYGVC_DATA_DIR (./data), SUPERSET_HOME
# ($CITYGVC_DATA_DIR/superset: Superset's metadata DB, secret key and admin password),
# SUPERSET_PORT (8088), SUPERSET_ADMIN_USER (admin), SUPERSET_ADMIN_PASSWORD (replaces the
# stored password), SUPERSET_VENV (.venv-superset), PYTHON (python3.11).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
python="${PYTHON:-python3.11}"
venv="${SUPERSET_VENV:-$repo/.venv-superset}"
lock="$here/requirements.lock"
data_dir="$(realpath -m "${CITYGVC_DATA_DIR:-$repo/data}")"
export SUPERSET_HOME="${SUPERSET_HOME:-$data_dir/superset}"
export SUPERSET_CONFIG_PATH="$here/superset_config.py"
export SUPERSET_PORT="${SUPERSET_PORT:-8088}"
export SUPERSET_ADMIN_USER="${SUPERSET_ADMIN_USER:-admin}"
export CITYGVC_DATA_DIR="$data_dir"
# Superset's CLI is a Flask app; without this it looks for an app in the working directory.
export FLASK_APP="superset.app:create_app()"

mode="serve"
case "${1:-}" in
  "") ;;
  --install) mode="install" ;;
  *) echo "usage: $0 [--install]" >&2; exit 2 ;;
esac

log() { echo "[superset] $*"; }
# Quiet steps log to $SUPERSET_HOME/setup.log; on failure its tail is shown. No step carries a
# secret in its arguments (any local user can read a command line, in `ps`).
quiet() {
  "$@" >>"$SUPERSET_HOME/setup.log" 2>&1 || {
    echo "[superset] failed: $*" >&2; tail -n 30 "$SUPERSET_HOME/setup.log" >&2; exit 1
  }
}

# 1. The venv: Superset's pins (SQLAlchemy 1.4, pandas 2.1, duckdb < 2) clash with .venv's.
stamp="$venv/.citygvc-installed"
want="$(sha256sum "$lock" | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" || ! -x "$venv/bin/superset" ]]; then
  command -v "$python" >/dev/null || { echo "need $python on PATH" >&2; exit 1; }
  log "installing Superset into $venv (about 2 minutes) …"
  [[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$lock"
  echo "$want" > "$stamp"
fi

# 2. Superset's own metadata database, secret key and admin user. The admin password never
# goes on a command line (`superset fab create-admin/reset-password --password` would show it
# to every local user): admin_user.py reads it from its owner-only file and sets it through
# Superset's security manager.
bash "$here/credentials.sh"
password_file="$SUPERSET_HOME/admin_password"
init_stamp="$SUPERSET_HOME/.citygvc-initialised"
if [[ ! -f "$init_stamp" || "$(cat "$init_stamp")" != "$want" ]]; then
  log "initialising the metadata database in $SUPERSET_HOME …"
  quiet "$venv/bin/superset" db upgrade
  quiet "$venv/bin/python" "$here/admin_user.py" create
  quiet "$venv/bin/superset" init
  echo "$want" > "$init_stamp"
fi
# create leaves an existing user as it is: whenever the stored password is not the one last
# given to Superset (a new install, a deleted password file, SUPERSET_ADMIN_PASSWORD), reset
# the admin user's password to it. The stamp holds the file's digest, owner only.
applied="$SUPERSET_HOME/.admin-password-applied"
digest="$(sha256sum "$password_file" | cut -d' ' -f1)"
if [[ ! -f "$applied" || "$(cat "$applied")" != "$digest" ]]; then
  quiet "$venv/bin/python" "$here/admin_user.py" reset
  (umask 077 && echo "$digest" > "$applied")
fi
[[ "$mode" == "install" ]] && { log "installed: $venv"; exit 0; }

# 3. Serve, then register the marts through the REST API (what a user would click).
served="$data_dir/serve/citygvc.duckdb"
[[ -f "$served" ]] || { echo "no published marts at $served: run 'make run' first" >&2; exit 1; }
log "starting Superset on http://127.0.0.1:$SUPERSET_PORT …"
"$venv/bin/gunicorn" --bind "127.0.0.1:$SUPERSET_PORT" --workers 1 --worker-class gthread \
  --threads 4 --timeout 180 --log-level warning "superset.app:create_app()" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null' EXIT INT TERM
SUPERSET_SERVER_PID="$server" "$venv/bin/python" "$here/provision.py"
log "ready: http://127.0.0.1:$SUPERSET_PORT (user $SUPERSET_ADMIN_USER, password in" \
  "$password_file); Ctrl-C stops Superset"
wait "$server"
