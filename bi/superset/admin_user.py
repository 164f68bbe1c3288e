"""Create Superset's admin user, or set its password, without the password on a command line.

Run by bi/superset/setup.sh with .venv-superset's python in place of `superset fab create-admin`
and `superset fab reset-password`, whose --password option would show the password to every
local user (`ps`, /proc/<pid>/cmdline). The password is read here from
$SUPERSET_HOME/admin_password (owner only, made by credentials.sh; SUPERSET_ADMIN_PASSWORD has
already been written there), the user name from SUPERSET_ADMIN_USER. The only argument is what
to do:

  create  add the user, with the Admin role and the stored password, unless it exists (an
          existing user is left as it is, as `fab create-admin` does)
  reset   set the existing user's password to the stored one (`fab reset-password`)

Both make the same calls on Flask-AppBuilder's security manager as those fab commands
(find_user, add_user, reset_password), inside Superset's app, so the password is hashed as
Superset hashes it; a user that was not created or a password that did not take is an error.
Environment: SUPERSET_HOME, SUPERSET_ADMIN_USER and SUPERSET_CONFIG_PATH (setup.sh exports them).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ACTIONS = ("create", "reset")
# The new admin user's details (what setup.sh gave `superset fab create-admin` before).
FIRST_NAME = "citygvc"
LAST_NAME = "admin"
EMAIL = "admin@localhost"


def stored_password(home: Path) -> str:
    """The admin password as credentials.sh stored it (and provision.py logs in with it)."""
    path = home / "admin_password"
    password = path.read_text().rstrip("\n")
    if not password:
        raise SystemExit(f"[superset] no admin password in {path}: run credentials.sh")
    return password


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in ACTIONS:
        print(f"usage: {Path(sys.argv[0]).name} {'|'.join(ACTIONS)}", file=sys.stderr)
        return 2
    action = argv[0]
    username = os.environ.get("SUPERSET_ADMIN_USER", "admin")
    password = stored_password(Path(os.environ["SUPERSET_HOME"]))

    # Only in .venv-superset: imported here so that the usage check above needs neither.
    from superset.app import create_app
    from werkzeug.security import check_password_hash

    app = create_app()
    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.find_user(username=username)
        if action == "create":
            if user:
                print(f"[superset] admin user {username} exists: left as it is")
                return 0
            # the arguments of `fab create-admin`'s own call, in its order
            admin_role = sm.find_role(sm.auth_role_admin)
            created = sm.add_user(username, FIRST_NAME, LAST_NAME, EMAIL, admin_role, password)
            if not created:
                print(f"[superset] could not create the admin user {username}", file=sys.stderr)
                return 1
            print(f"[superset] admin user {username} created")
            return 0
        if not user:
            print(f"[superset] no user {username} to set the password of", file=sys.stderr)
            return 1
        sm.reset_password(user.id, password)
        user = sm.find_user(username=username)
        if not (user and check_password_hash(user.password, password)):
            print(f"[superset] the password of {username} was not changed", file=sys.stderr)
            return 1
        print(f"[superset] password of {username} set to the stored one")
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
