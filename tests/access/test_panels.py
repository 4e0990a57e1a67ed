import datetime as dt

import pytest

from jiancha.access import panels
from jiancha.access.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    def overdue_items(user):
        if not user.has_perm("access.manage_leads"):
            return None
        return panels.HomePanel(
            "Deadlines", [panels.PanelItem("Lead 7 disposal plan", "/x/7", dt.date(2026, 1, 5), overdue=True)]
        )

    panels.register_panel(overdue_items)
    panels.register_panel(overdue_items)  # twice is once
    yield overdue_items
    panels._providers.remove(overdue_items)


def test_home_shows_registered_panels_only_to_whom_they_concern(client, demo_region, provider):
    client.force_login(User.objects.get(username="lead_manager"))
    html = client.get("/").content.decode()
    assert html.count('data-testid="panel"') == 1
    assert 'class="overdue"' in html and "Lead 7 disposal plan" in html and "2026-01-05" in html
    client.force_login(User.objects.get(username="reviewer"))
    assert 'data-testid="panel"' not in client.get("/").content.decode()
