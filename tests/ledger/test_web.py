"""The API endpoints and the overview page: gated by access.verify_ledger, thin over services."""

from __future__ import annotations

import base64

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from jiancha.ledger import merkle, services

from .conftest import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(db):
    user = get_user_model().objects.create_user("sec.officer", password="x" * 12)
    user.user_permissions.add(
        Permission.objects.get(codename="verify_ledger", content_type__app_label="access")
    )
    return user


@pytest.fixture
def clerk(db):
    return get_user_model().objects.create_user("clerk", password="x" * 12)


@pytest.fixture
def populated(log_signer, witness):
    record(25)
    checkpoint, _ = services.make_checkpoint(log_signer)
    services.add_cosignature(
        checkpoint, witness.signature_line(checkpoint.note.split("\n\n")[0] + "\n", 1_800_000_000)
    )
    return checkpoint


def test_without_the_permission_everything_is_403(client, clerk, populated):
    client.force_login(clerk)
    for url in (
        "/api/ledger/checkpoint",
        "/api/ledger/inclusion?index=1",
        "/api/ledger/consistency?size1=1&size2=2",
    ):
        assert client.get(url).status_code == 403
    assert client.get("/ledger/").status_code == 403


def test_signed_out_users_are_sent_to_sign_in(client, populated):
    assert client.get("/api/ledger/checkpoint").status_code == 401
    assert client.get("/ledger/").status_code == 302


def test_latest_checkpoint_shows_its_cosigners(client, officer, populated, log_signer):
    client.force_login(officer)
    body = client.get("/api/ledger/checkpoint").json()
    assert body["tree_size"] == 25
    assert body["log_key"] == log_signer.verifier.vkey
    assert [c["name"] for c in body["cosigners"]] == ["procuratorate.example/w1"]
    assert body["note"].startswith(body["origin"] + "\n25\n" + body["root_hash"] + "\n\n")


def test_inclusion_proof_by_index_or_uid_verifies(client, officer, populated):
    client.force_login(officer)
    body = client.get("/api/ledger/inclusion?index=17").json()
    decode = base64.b64decode
    merkle.verify_inclusion(
        17, 25, decode(body["leaf_hash"]), [decode(p) for p in body["proof"]], bytes(populated.root_hash)
    )
    by_uid = client.get(f"/api/ledger/inclusion?uid={body['uid']}").json()
    assert by_uid == body


def test_bad_proof_requests_are_400_or_404(client, officer, populated):
    client.force_login(officer)
    assert client.get("/api/ledger/inclusion?index=99").status_code == 404
    assert client.get("/api/ledger/inclusion").status_code == 400
    assert client.get("/api/ledger/inclusion?index=1&tree_size=26").status_code == 400
    assert client.get("/api/ledger/consistency?size1=0&size2=5").status_code == 400
    assert client.get("/api/ledger/consistency?size1=9&size2=5").status_code == 400


def test_consistency_proof_verifies(client, officer, populated):
    client.force_login(officer)
    body = client.get("/api/ledger/consistency?size1=10&size2=25").json()
    merkle.verify_consistency(
        10,
        25,
        services.root_hash(10),
        bytes(populated.root_hash),
        [base64.b64decode(p) for p in body["proof"]],
    )


def test_overview_page_shows_checkpoint_cosigners_and_metadata_only(client, officer, populated):
    client.force_login(officer)
    page = client.get("/ledger/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "procuratorate.example/w1" in page
    assert 'data-testid="tree-size">25<' in page
    assert "li.ming/investigator" in page
    assert "审查调查" not in page  # the content, only ever hashed
    assert "<script" not in page and "style=" not in page
