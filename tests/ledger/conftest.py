from __future__ import annotations

import pytest

from jiancha.ledger import keys, services
from jiancha.ledger.note import ALG_COSIGNATURE_V1, Signer


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English; test_i18n checks the Chinese catalogue on its own."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def data_dir(settings, tmp_path, monkeypatch):
    """Keys and anchors of each test in its own folder, never in the real DATA_DIR."""
    settings.DATA_DIR = tmp_path
    monkeypatch.delenv("JIANCHA_LEDGER_KEY", raising=False)
    return tmp_path


@pytest.fixture
def log_signer(data_dir):
    return keys.log_signer()


@pytest.fixture
def witness(db):
    signer = Signer.generate("procuratorate.example/w1", ALG_COSIGNATURE_V1)
    services.register_witness(signer.verifier.vkey, "检察院")
    return signer


def record(n: int, start: int = 0, **overrides):
    """Record n events in one batch; object ids count from ``start``."""
    inputs = [
        services.EventInput(
            kind=overrides.get("kind", "case.stage_changed"),
            actor=overrides.get("actor", "li.ming/investigator"),
            object_kind="case",
            object_id=start + i,
            content={"case": start + i, "stage": "审查调查"},
            legal_basis=overrides.get("legal_basis", "监察法 第39条"),
        )
        for i in range(n)
    ]
    return services.record_events(inputs)


@pytest.fixture
def ledger(log_signer, witness):
    """40 events with checkpoints at 16, 30 and 40; the last cosigned."""
    record(16)
    services.make_checkpoint(log_signer)
    record(14, start=16)
    services.make_checkpoint(log_signer)
    record(10, start=30)
    checkpoint, _ = services.make_checkpoint(log_signer)
    services.add_cosignature(
        checkpoint, witness.signature_line(checkpoint.note.split("\n\n")[0] + "\n", 1_800_000_000)
    )
    return log_signer


@pytest.fixture
def exported(ledger, tmp_path):
    path = tmp_path / "ledger.jsonl"
    assert services.export_ledger(path, ledger.verifier) == 40
    return path
