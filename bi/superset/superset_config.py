"""Superset configuration for the local citygvc install (`make superset`).

Loaded by Superset through SUPERSET_CONFIG_PATH, which bi/superset/setup.sh sets; SUPERSET_HOME
(default $CITYGVC_DATA_DIR/superset) holds Superset's own metadata database and the secret key
that credentials.sh (run by setup.sh) generated there on first run. Nothing here touches the
warehouse: the only analytics database Superset gets is the published marts file, opened read
only.
"""

import os
from pathlib import Path

_home = Path(os.environ["SUPERSET_HOME"])

# Random, generated once per install by credentials.sh (owner-only file); a fixed key would let
# anyone forge session cookies.
SECRET_KEY = (_home / "secret_key").read_text().strip()
SQLALCHEMY_DATABASE_URI = f"sqlite:///{_home / 'superset.db'}?check_same_thread=false"

# SQL Lab runs synchronously in the web process: a local, single-user install has no Celery.
SQLLAB_TIMEOUT = 120
SUPERSET_WEBSERVER_TIMEOUT = 120
# Jinja parameters in SQL Lab: the "city profile" saved query takes its city as {{ city_code }}.
FEATURE_FLAGS = {"ENABLE_TEMPLATE_PROCESSING": True}
