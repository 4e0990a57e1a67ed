import pytest
from django.core.management import call_command

from jiancha.access.models import User
from jiancha.access.roles import ROLES
from jiancha.orgs.models import Division, DivisionLevel, Unit

pytestmark = pytest.mark.django_db


def test_demo_builds_the_region_and_one_user_per_staff_role(capsys):
    call_command("demo", "--no-serve", "--no-pool")
    out = capsys.readouterr().out
    staff_roles = [role.code for role in ROLES if role.code != "public"]
    assert sorted(User.objects.values_list("username", flat=True)) == sorted(staff_roles)
    for code in staff_roles:
        assert code in out  # username and its password are printed
        assert list(User.objects.get(username=code).groups.values_list("name", flat=True)) == [code]
    assert Division.objects.filter(level=DivisionLevel.COUNTY).count() == 2
    assert Division.objects.filter(level=DivisionLevel.VILLAGE, population__gt=0).count() >= 10
    assert Unit.objects.filter(unit_type="village_committee").exists()


def test_demo_rebuild_resets_passwords_without_duplicating(capsys):
    call_command("demo", "--no-serve", "--no-pool")
    first = User.objects.get(username="analyst").password
    divisions = Division.objects.count()
    call_command("demo", "--no-serve", "--no-pool")
    assert User.objects.filter(username="analyst").count() == 1
    assert User.objects.get(username="analyst").password != first
    assert Division.objects.count() == divisions


def test_demo_with_a_synthetic_region_fills_the_pool(tmp_path, settings, monkeypatch, capsys):
    from jiancha.pool.models import Feed
    from jiancha.pool.reader import rows

    settings.DATA_DIR = tmp_path
    monkeypatch.setenv("JIANCHA_POOL_DIR", str(tmp_path / "pool"))
    call_command("demo", "--no-serve", "--scale", "tiny", "--seed", "5")
    out = capsys.readouterr().out
    assert "Demo data ready" in out
    manifest = tmp_path / "synth" / "tiny-5" / "manifest.json"
    assert manifest.exists()
    # The users sit in the synthetic region's tree, so their scope covers the pool's people.
    investigator = User.objects.get(username="investigator")
    assert investigator.division.level == DivisionLevel.COUNTY
    people_there = rows(
        "SELECT count(*) AS n FROM Person WHERE divisionCode LIKE ?", [investigator.division.prefix + "%"]
    )
    assert people_there[0]["n"] > 100
    assert Feed.objects.get(code="dibao").liaison.username == "dept_liaison"
    # The imports are in the ledger, under a signed checkpoint.
    from jiancha.ledger.models import Checkpoint, Event
    from jiancha.pool.models import ImportBatch

    committed = ImportBatch.objects.filter(status="committed").count()
    assert committed > 20 and Event.objects.filter(kind="pool.batch.imported").count() == committed
    assert Checkpoint.objects.order_by("-tree_size").first().tree_size == Event.objects.count()
    # Rebuilding imports nothing twice.
    batches = rows("SELECT count(DISTINCT _batch) AS n FROM Person")[0]["n"]
    call_command("demo", "--no-serve", "--scale", "tiny", "--seed", "5")
    assert rows("SELECT count(DISTINCT _batch) AS n FROM Person")[0]["n"] == batches
