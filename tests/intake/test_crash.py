"""An acknowledged report survives the server being killed (SIGKILL) right after the acknowledgement."""

from __future__ import annotations

import signal

import pytest

from jiancha.intake import server
from jiancha.intake.client import PublicClient

REPORT = {
    "division": "331200000000",
    "concerns_name": "刘某某",
    "facts": "清河区住建局副局长刘某某收受工程款回扣，证据在附件",
    "real_name": "0",
}


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (not on Windows)")
def test_a_report_acknowledged_before_a_kill_is_there_after_restart(tmp_path):
    env = server.server_env(tmp_path, JIANCHA_INTAKE_POW_BITS="0", JIANCHA_INTAKE_RECEIPT_SCRYPT_N="1024")
    server.prepare(env)
    port = server.free_port()
    process = server.start(env, port)
    try:
        client = PublicClient(port)
        status, code = client.submit(REPORT)
        assert status == 200 and len(code) == 20
        process.send_signal(signal.SIGKILL)  # immediately after the acknowledgement
        process.wait(timeout=10)
        client.close()
        process = server.start(env, port)
        status, page = PublicClient(port).follow(code)
        assert status == 200 and "刘某某" in page and "JB" in page
    finally:
        process.kill()
        process.wait(timeout=10)
