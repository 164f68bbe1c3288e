#!/usr/bin/env bash
# Superset's secrets, made by bi/superset/setup.sh before Superset runs (needs no Superset):
#
#   $SUPERSET_HOME/secret_key      signs Superset's session cookies (superset_config.py reads it)
#   $SUPERSET_HOME/admin_password  the admin user's password
#
# Each is a random token made on the first run and reused afterwards, in a file only its owner
# can read (0600, in a 0700 folder). The admin password is printed once, when it is made; later
# runs only say where it is. SUPERSET_ADMIN_PASSWORD, when set, replaces the stored password.
# Deleting admin_password makes a new one on the next run (setup.sh then resets the admin user).
set -euo pipefail

home="${SUPERSET_HOME:?set SUPERSET_HOME}"
secret_key="$home/secret_key"
password_file="$home/admin_password"

# A url-safe random token of $1 bytes from the kernel's random source.
token() { head -c "$1" /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }

# Write $2 to $1 owner-only whatever the umask, by rename: never half-written or wider open.
write_private() {
  local tmp
  tmp="$(mktemp "$1.XXXXXX")"
  chmod 600 "$tmp"
  printf '%s\n' "$2" >"$tmp"
  mv -f "$tmp" "$1"
}

mkdir -p "$home"
chmod 700 "$home"
[[ -s "$secret_key" ]] || write_private "$secret_key" "$(token 48)"
chmod 600 "$secret_key"

if [[ -n "${SUPERSET_ADMIN_PASSWORD:-}" ]]; then
  if [[ ! -s "$password_file" || "$(<"$password_file")" != "$SUPERSET_ADMIN_PASSWORD" ]]; then
    write_private "$password_file" "$SUPERSET_ADMIN_PASSWORD"
  fi
  echo "[superset] admin password: SUPERSET_ADMIN_PASSWORD (kept in $password_file)"
elif [[ -s "$password_file" ]]; then
  echo "[superset] admin password: in $password_file (delete it for a new one)"
else
  write_private "$password_file" "$(token 24)"
  echo "[superset] new admin password, shown only this once: $(<"$password_file")"
  echo "[superset] it is kept in $password_file (owner only; delete it for a new one)"
fi
chmod 600 "$password_file"
