"""netmiko's juniper_junos driver against lsys over SSH (run by tests/tests/netmiko.rs).

Connects as a tenant user with a key, parses `show version` with TextFSM (ntc-templates),
commits a change with send_config_set + commit, then makes commit() fail on a statement that
`set` takes and `commit` refuses, and leaves. One line per check: `OK <check> ...`, or
`FAIL <check>: ...` and exit status 1. Every read is bounded (read_timeout_override).
"""

import argparse
import json
import sys
import time
import traceback

from netmiko import ConnectHandler

GOOD = "set routing-options router-id 10.9.9.9"
# A VRF needs a route distinguisher and a vrf-target: `set` takes it, `commit` does not.
BAD = "set routing-instances netmiko-bad instance-type vrf"


def ok(check, detail=""):
    print(f"OK {check}{' ' + detail if detail else ''}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--session-log", required=True)
    a = ap.parse_args()

    check = "connect"
    conn = None
    try:
        start = time.monotonic()
        conn = ConnectHandler(
            device_type="juniper_junos",
            host="127.0.0.1",
            port=a.port,
            username=a.user,
            use_keys=True,
            key_file=a.key,
            allow_agent=False,
            ssh_config_file=None,
            system_host_keys=False,
            alt_host_keys=False,
            conn_timeout=10,
            auth_timeout=10,
            banner_timeout=10,
            read_timeout_override=30,
            session_log=a.session_log,
        )
        ms = round((time.monotonic() - start) * 1000)
        prompt = conn.base_prompt
        assert prompt.isprintable(), f"base prompt {prompt!r}"
        ok(check, f"{ms} ms prompt {prompt}")

        check = "show version"
        parsed = conn.send_command("show version", use_textfsm=True)
        assert isinstance(parsed, list) and parsed, f"not parsed: {parsed!r}"
        rec = parsed[0]
        fields = {k: rec.get(k) for k in ("hostname", "model", "junos_version")}
        assert all(fields.values()), f"empty fields: {rec!r}"
        ok(check, json.dumps(fields, sort_keys=True))

        check = "commit"
        out = conn.send_config_set([GOOD])
        assert "error" not in out and "syntax" not in out, out
        out = conn.commit()
        assert "commit complete" in out, out
        conn.exit_config_mode()
        assert "router-id 10.9.9.9;" in conn.send_command(
            "show configuration routing-options"
        )
        ok(check, "router-id 10.9.9.9")

        check = "failing commit"
        history = conn.send_command("show system commit")
        out = conn.send_config_set([BAD])
        assert "error" not in out and "syntax" not in out, f"set refused: {out}"
        try:
            out = conn.commit()
        except ValueError as e:
            errors = [l.strip() for l in str(e).splitlines() if "error:" in l]
            assert errors, f"no error line in {e}"
            raised = f"{type(e).__name__}: {errors[-1]}"
        else:
            raise AssertionError(f"commit() did not raise: {out}")
        # The shared candidate keeps the change (as on Junos): discard it, then leave.
        out = conn.send_config_set(["rollback 0"], exit_config_mode=False)
        assert "load complete" in out, out
        out = conn.exit_config_mode()
        assert "uncommitted" not in out and "Exiting configuration mode" in out, out
        assert conn.send_command("show system commit") == history, "a commit was made"
        shown = conn.send_command("show configuration routing-instances")
        assert "netmiko-bad" not in shown, shown
        ok("failing commit raised:", raised)

        check = "disconnect"
        assert not conn.check_config_mode(), "still in configuration mode"
        conn.disconnect()
        conn = None
        ok(check)

        check = "session log"
        with open(a.session_log, "rb") as f:
            log = f.read()
        esc = log.find(b"\x1b")
        assert esc < 0, f"escape sequence at byte {esc}: {log[max(esc - 40, 0):esc + 20]!r}"
        ok(check, f"{len(log)} bytes, no escape sequence")
    except Exception as e:  # noqa: BLE001 - every failure is reported the same way
        print(f"FAIL {check}: {type(e).__name__}: {e}", flush=True)
        traceback.print_exc()
        if conn is not None:
            try:
                conn.disconnect()
            except Exception:  # noqa: BLE001
                pass
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
