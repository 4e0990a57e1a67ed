"""The foundation's importer reads the generated organisation tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiancha.orgs.models import Division, Unit
from jiancha.orgs.services import import_divisions, import_units


@pytest.mark.django_db
def test_tiny_org_files_import(tiny_dir: Path) -> None:
    divisions = import_divisions(tiny_dir / "orgs/divisions.csv")
    units = import_units(tiny_dir / "orgs/units.csv")
    assert divisions.created == Division.objects.count() > 10
    assert units.created == Unit.objects.count() > 50
    town = Division.objects.filter(level=4).first()
    assert town is not None and town.population and town.population > 0
    assert Unit.objects.filter(unit_type="village_committee").exists()
    assert Unit.objects.exclude(parent=None).exists()
