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


def test_a_replaced_pc_s_unsent_sales_are_salvaged_once_through_the_new_pc(central, tmp_path):  # noqa: F811
    server, db_url = central
    engine = create_db_engine(db_url)
    with Session(engine) as session, session.begin():
        tokens = [identity.create_enrollment_token(session, "S1", ttl_hours=1) for _ in range(2)]
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp_path),
            "MINIMARKET_STORE_PASSPHRASE": "frase del operador"}
    old_env = {**base, "MINIMARKET_MACHINE_SECRET": str(tmp_path / "old-pc" / "secret.key")}
    new_env = {**base, "MINIMARKET_MACHINE_SECRET": str(tmp_path / "new-pc" / "secret.key")}
    old, new = str(tmp_path / "caja-vieja"), str(tmp_path / "caja-nueva")
    assert run(["store", "--data", old, "enroll", "--server", server.url, "--token", tokens[0]],
               old_env)[0] == 0
    assert run(["store", "--data", old, "sale", "Y1", "2"], old_env)[0] == 0
    assert run(["store", "--data", old, "sync"], old_env)[0] == 0
    for qty in ("1", "2"):  # sold, never sent: then the PC breaks
        assert run(["store", "--data", old, "sale", "Y1", qty], old_env)[0] == 0
    old_device = json.loads(run(["store", "--data", old, "status", "--json"], old_env)[1])
    assert old_device["pending_ops"] == 2
    os.remove(tmp_path / "old-pc" / "secret.key")  # its disk moves to the new PC

    code, _, err = run(["store", "--data", new, "enroll", "--server", server.url,
                        "--token", tokens[1]], new_env)
    assert code == 0, err
    from central import devices

    with Session(engine) as session, session.begin():
        devices.revoke_device(session, old_device["device_id"])
    # a wrong passphrase opens nothing and sends nothing
    wrong = run(["store", "--data", new, "salvage", old],
                {**new_env, "MINIMARKET_STORE_PASSPHRASE": "otra"})
    assert wrong[0] != 0 and "wrong passphrase" in wrong[2]
    code, out, err = run(["store", "--data", new, "salvage", old], new_env)
    assert code == 0, err
    assert out.startswith("salvaged 2 (0 already there), refused 0")
    again = run(["store", "--data", new, "salvage", old], new_env)
    assert again[0] == 0 and again[1].startswith("salvaged 0 (0 already there)")

    stock = json.loads(run(["store", "--data", new, "stock", "--json"], new_env)[1])
    assert stock == {"store": "S1", "items": [{"sku": "Y1", "quantity": -5}]}
    from shared.db.stock_levels import cached_levels

    with Session(engine) as session:
        store_id = identity.find_store(session, "S1").id
        assert cached_levels(session)[(store_id, uuid.UUID(int=7))] == -5000
    # the revoked PC itself is refused from now on
    code, _, err = run(["store", "--data", old, "sync"], old_env)
    assert code != 0 and "refused" in err
    engine.dispose()
