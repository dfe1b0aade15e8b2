"""`minimarket store` commands against a real central, as a store operator types them."""

import json
import os
import subprocess
import sys
import uuid

from sqlalchemy.orm import Session

from central import identity
from shared.db.engine import create_db_engine
from tests.e2e.sync.test_http_sync import central  # noqa: F401 - the running central fixture


def run(args, env, stdin=""):
    done = subprocess.run([sys.executable, "-m", "minimarket", *args], capture_output=True,
                          text=True, env=env, input=stdin, timeout=120)
    return done.returncode, done.stdout, done.stderr


def test_enroll_sell_offline_sync_and_report(central, tmp_path):  # noqa: F811
    server, db_url = central
    engine = create_db_engine(db_url)
    with Session(engine) as session, session.begin():
        token = identity.create_enrollment_token(session, "S1", ttl_hours=1)
    data = str(tmp_path / "caja1")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path),
           "MINIMARKET_STORE_PASSPHRASE": "frase del operador",
           "MINIMARKET_MACHINE_SECRET": str(tmp_path / "machine" / "secret.key")}
    store = ["store", "--data", data]

    code, out, err = run([*store, "enroll", "--server", server.url, "--token", token], env)
    assert code == 0, err
    again = run([*store, "enroll", "--server", server.url, "--token", token], env)
    assert again[0] != 0 and "already" in again[2]

    assert run([*store, "intake", "Y1", "10"], env)[0] == 0
    assert run([*store, "sale", "Y1", "3"], env)[0] == 0
    code, out, err = run([*store, "adjust", "Y1", "-3", "--reason", "rotura"], env)
    assert code == 0, err
    code, out, _ = run([*store, "stock", "--json"], env)
    assert json.loads(out) == {"store": "S1", "items": [{"sku": "Y1", "quantity": 4}]}
    status = json.loads(run([*store, "status", "--json"], env)[1])
    assert status["pending_ops"] == 3 and status["store"] == "S1" and status["last_sync"]

    code, out, err = run([*store, "sync"], env)
    assert code == 0, err
    status = json.loads(run([*store, "status", "--json"], env)[1])
    assert status["pending_ops"] == 0 and status["refused_ops"] == 0
    with Session(engine) as session:
        store_row = identity.find_store(session, "S1")
    from shared.db.stock_levels import cached_levels

    with Session(engine) as session:
        levels = cached_levels(session)
    assert levels[(store_row.id, uuid.UUID(int=7))] == 4000

    # the machine secret gone: the passphrase still opens the folder; a wrong one does not
    os.remove(tmp_path / "machine" / "secret.key")
    assert run([*store, "stock", "--json"], env)[0] == 0
    wrong = run([*store, "stock", "--json"], {**env, "MINIMARKET_STORE_PASSPHRASE": "otra frase"})
    assert wrong[0] != 0 and "wrong passphrase or not a Minimarket database" in wrong[2]
    assert "Traceback" not in wrong[2]

    server.stop()  # offline: selling works, sync says so and loses nothing
    assert run([*store, "sale", "Y1", "1"], env)[0] == 0
    code, _, err = run([*store, "sync"], env)
    assert code != 0 and "cannot reach" in err
    assert json.loads(run([*store, "status", "--json"], env)[1])["pending_ops"] == 1
    server.start()
    engine.dispose()
