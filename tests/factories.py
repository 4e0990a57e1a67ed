"""Small builders for test data; the demo region is the usual fixture."""

from __future__ import annotations

from jiancha.access.models import User
from jiancha.access.services import assign_role
from jiancha.orgs.models import Division

DEMO_PASSWORD = "correct-horse-battery-9"


def make_user(username: str, role: str | None, division_code: str | None = "331200000000") -> User:
    user = User.objects.create_user(username=username, password=DEMO_PASSWORD)
    if division_code:
        user.division = Division.objects.get(code=division_code)
        user.save()
    if role:
        assign_role(user, role)
    return user
