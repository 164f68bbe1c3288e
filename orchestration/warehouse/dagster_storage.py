"""Dagster's SQLite storage with the event log's database engines kept open (dagster.yaml,
`instance_class`).

Dagster's own SqliteEventLogStorage creates a SQLAlchemy engine, connects and disposes of it
for every event it stores or reads, two or three times for an asset event (the run's file,
then the cross-run index): 3–8 ms an event. A demo refresh stores about 1,300 (the transform
run plans 390 before it starts: 3.2 s to create it, against 1.0 s with the engines kept).
This event log keeps one engine per file it uses, the index's for the life of the process and
those of the few latest runs, and is otherwise Dagster's: the same files, tables and locks.

An engine holds a file open: a run's engine is disposed of before its events are deleted
(retention then deletes the file, whose disk space would otherwise stay held), and the
oldest when more than RUN_ENGINES are open (a web server reads many runs).

The storage is chosen through an instance class because only the instance's defaults know
the folder being loaded: a storage block in dagster.yaml would need an absolute path (wrong
in a copied data folder) or DAGSTER_HOME from the environment (wrong for a process that opens
another folder's instance)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import yaml
from dagster import DagsterInstance
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from dagster._serdes import ConfigurableClassData
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine

# engines of runs' files kept open at once (the current run's, and a few a reader went back to)
RUN_ENGINES = 4


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage that reuses one engine (and its pooled connection) per file."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def _engine(self, shard: str) -> Engine:
        """The shard's engine, created (and its file initialised) on first use; called with
        the storage's lock held."""
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = create_engine(
            self.conn_string_for_shard(shard),
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
        )
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        runs = [name for name in self._engines if name != INDEX_SHARD_NAME]
        for oldest in runs[: max(len(runs) - RUN_ENGINES, 0)]:
            self._engines.pop(oldest).dispose()
        return engine

    def _forget(self, shard: str) -> None:
        with self._db_lock:
            engine = self._engines.pop(shard, None)
        if engine is not None:
            engine.dispose()

    def delete_events(self, run_id: str) -> None:
        super().delete_events(run_id)
        # retention deletes the emptied file next: nothing may hold it open
        self._forget(run_id)

    def wipe(self) -> None:
        for shard in list(self._engines):
            if shard != INDEX_SHARD_NAME:
                self._forget(shard)
        super().wipe()

    def dispose(self) -> None:
        super().dispose()
        for shard in list(self._engines):
            self._forget(shard)


class PooledSqliteStorage(DagsterSqliteStorage):
    """Dagster's default SQLite storage (runs, schedules, event log in their usual files under
    `base_dir`) with the pooled event log."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        super().__init__(base_dir, inst_data)
        self._event_log_storage = PooledSqliteEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData, config_value: Mapping[str, str]
    ) -> PooledSqliteStorage:
        return cls.from_local(inst_data=inst_data, base_dir=config_value["base_dir"])


class CitygvcInstance(DagsterInstance):
    """A Dagster instance whose default storage (no `storage` block in dagster.yaml) is
    PooledSqliteStorage in the folder the instance is loaded from; nothing else differs."""

    @classmethod
    def config_schema(cls) -> dict:
        return {}

    @classmethod
    def config_defaults(cls, base_dir: str) -> Mapping[str, ConfigurableClassData | None]:
        defaults = dict(InstanceRef.config_defaults(base_dir))
        defaults["storage"] = ConfigurableClassData(
            __name__, PooledSqliteStorage.__name__, yaml.dump({"base_dir": base_dir})
        )
        return defaults
