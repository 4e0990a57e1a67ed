import pytest
from django.core.management import call_command

from jiancha.access.models import User
from jiancha.access.roles import ROLES
from jiancha.orgs.models import Division, DivisionLevel, Unit

pytestmark = pytest.mark.django_db


def test_demo_builds_the_region_and_one_user_per_staff_role(capsys):
    call_command("demo", "--no-serve")
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
    call_command("demo", "--no-serve")
    first = User.objects.get(username="analyst").password
    divisions = Division.objects.count()
    call_command("demo", "--no-serve")
    assert User.objects.filter(username="analyst").count() == 1
    assert User.objects.get(username="analyst").password != first
    assert Division.objects.count() == divisions
