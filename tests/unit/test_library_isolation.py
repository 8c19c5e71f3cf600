"""The booted run.yaml keeps every store in the boot's own folder, and nothing else changes."""

from __future__ import annotations

from pathlib import Path

import yaml

from console.library.isolation import isolate, storage_concerns

RUN = """\
version: 2
distro_name: prod
apis: [inference, files, vector_io]
providers:
  inference:
  - provider_id: azure
    provider_type: remote::azure
    config:
      base_url: ${env.AZURE_API_BASE}
      api_key: ${env.AZURE_API_KEY:=}
  files:
  - provider_id: localfs
    provider_type: inline::localfs
    config:
      storage_dir: ${env.FILES_DIR:=/var/lib/lightspeed/files}
      metadata_store: {table_name: files_metadata, backend: sql_default}
  vector_io:
  - provider_id: sqlite-vec
    provider_type: inline::sqlite-vec
    config:
      db_path: /var/lib/lightspeed/vec.db
storage:
  backends:
    kv_default: {type: kv_sqlite, db_path: '${env.SQLITE_STORE_DIR:=~/.llama/x}/kv.db'}
    sql_default: {type: sql_postgres, host: db.prod.internal, port: 5432, password: '${env.PG}'}
  stores:
    metadata: {namespace: registry, backend: kv_default}
"""


def test_every_store_moves_to_the_boot_folder(tmp_path: Path) -> None:
    state = tmp_path / "state"
    isolated = isolate(RUN, state)
    booted = yaml.safe_load(isolated.text)
    backends = booted["storage"]["backends"]
    assert Path(backends["kv_default"]["db_path"]).parent == state
    # a Postgres backend is never contacted: an SQLite file of the same family instead
    assert backends["sql_default"] == {
        "type": "sql_sqlite",
        "db_path": backends["sql_default"]["db_path"],
    }
    assert Path(backends["sql_default"]["db_path"]).parent == state
    files = booted["providers"]["files"][0]["config"]
    assert Path(files["storage_dir"]).parent == state
    assert Path(booted["providers"]["vector_io"][0]["config"]["db_path"]).parent == state
    moved = {".".join(map(str, m.path)): m.written for m in isolated.moved}
    assert moved["providers.vector_io.0.config.db_path"] == "/var/lib/lightspeed/vec.db"
    assert (
        moved["storage.backends.kv_default.db_path"] == "${env.SQLITE_STORE_DIR:=~/.llama/x}/kv.db"
    )
    assert any("sql_postgres" in note and "not contacted" in note for note in isolated.notes)
    assert "db.prod.internal" not in isolated.text


def test_the_rest_is_left_for_the_release_to_resolve(tmp_path: Path) -> None:
    booted = yaml.safe_load(isolate(RUN, tmp_path).text)
    original = yaml.safe_load(RUN)
    # env references stay: an unset variable must still fail the boot as it fails Lightspeed
    assert booted["providers"]["inference"] == original["providers"]["inference"]
    assert booted["providers"]["files"][0]["config"]["metadata_store"] == {
        "table_name": "files_metadata",
        "backend": "sql_default",
    }
    assert booted["storage"]["stores"] == original["storage"]["stores"]
    assert booted["distro_name"] == "prod"


def test_stores_this_machine_cannot_write_are_named_without_writing(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    resolved = {
        "storage": {
            "backends": {
                "under_a_file": {"type": "kv_sqlite", "db_path": str(blocker / "kv.db")},
                "a_folder": {"type": "kv_sqlite", "db_path": str(folder)},
                "fine": {"type": "kv_sqlite", "db_path": str(tmp_path / "new" / "deep" / "kv.db")},
            }
        },
        "providers": {"files": [{"config": {"storage_dir": str(blocker / "files")}}]},
    }
    concerns = {c.dotted: c.problem for c in storage_concerns(resolved)}
    assert concerns == {
        "storage.backends.under_a_file.db_path": f"[Errno 20] Not a directory: '{blocker}'",
        "storage.backends.a_folder.db_path": f"[Errno 21] Is a directory: '{folder}'",
        "providers.files[0].config.storage_dir": f"[Errno 20] Not a directory: '{blocker}'",
    }
    assert not (tmp_path / "new").exists()
    assert blocker.read_text() == "x"
