import pytest
from django.core.management import call_command

from jiancha.detect import actions
from jiancha.detect.models import Alert, Run

pytestmark = pytest.mark.django_db


def test_run_over_the_demo_pool(tmp_path, settings, monkeypatch, capsys):
    settings.DATA_DIR = tmp_path
    monkeypatch.setenv("JIANCHA_POOL_DIR", str(tmp_path / "pool"))
    call_command("demo", "--no-serve", "--scale", "tiny", "--seed", "5")
    run = actions.run_indicators()
    print(run.findings, run.new_alerts, run.batches, run.seconds)
    for a in Alert.objects.all()[:5]:
        print(a.code, a.group, a.identifier, a.value, a.explanation_en, a.division, len(a.evidence), a.entities)
    from collections import Counter
    print(Counter(Alert.objects.values_list("code", flat=True)))
    again = actions.run_indicators()
    assert again.new_alerts == 0 and again.updated_alerts == run.new_alerts
    assert Run.objects.count() == 2
