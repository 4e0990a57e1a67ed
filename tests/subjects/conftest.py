"""A tiny synthetic region's organisation tree, HR roster, payroll and social insurance, imported
once per session into a pool of its own; each test then runs in its own transaction."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jiancha.synth.generate import generate

ON = dt.date(2025, 12, 31)  # the synthetic region's reference date
FEEDS = ("roster", "payroll", "social_insurance")


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("subjects-tiny")
    generate("tiny", 1, out, workers=1)
    return out


@pytest.fixture(scope="session")
def answer_key(tiny: Path) -> dict[str, Any]:
    key: dict[str, Any] = json.loads((tiny / "answer_key.json").read_text(encoding="utf-8"))
    return key


@pytest.fixture(scope="package")
def pool_region(
    tiny: Path, django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """Organisation tree and the three feeds loaded before this package's tests, inside a transaction
    that is rolled back after them: every test runs in a savepoint of it, and nothing leaks into
    other packages' tests."""
    from django.db import transaction

    from jiancha.orgs.services import import_divisions, import_units
    from jiancha.pool.demo import region_files
    from jiancha.pool.importer import import_file

    previous = os.environ.get("JIANCHA_POOL_DIR")
    os.environ["JIANCHA_POOL_DIR"] = str(tmp_path_factory.mktemp("subjects-pool"))
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        import_divisions(tiny / "orgs/divisions.csv")
        import_units(tiny / "orgs/units.csv")
        for code, path in region_files(tiny):
            if code in FEEDS:
                display = f"{path.parent.parent.name}/{path.parent.name}/{path.name}"
                import_file(code, path, imported_by="test", display_name=display)
    yield tiny
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)
    if previous is None:
        os.environ.pop("JIANCHA_POOL_DIR", None)
    else:
        os.environ["JIANCHA_POOL_DIR"] = previous


@pytest.fixture(autouse=True)
def fresh_reader() -> Iterator[None]:
    """A rolled-back test's snapshot id can be reused: never let a reader's cache outlive a test."""
    from jiancha.pool import reader

    reader._local.cached = None
    yield
    reader._local.cached = None


@pytest.fixture
def users(pool_region: Path, db: None) -> dict[str, Any]:
    from jiancha.orgs.models import Division

    from ..factories import make_user

    county = Division.objects.filter(level=3).order_by("code").first()
    assert county is not None
    township = Division.objects.filter(level=4, code__startswith=county.code[:6]).order_by("code").first()
    root = Division.objects.filter(parent=None).first()
    assert township is not None and root is not None
    return {
        "root": make_user("analyst-root", "analyst", root.code),
        "county": make_user("analyst-county", "analyst", county.code),
        "township": make_user("analyst-town", "analyst", township.code),
        "intake": make_user("intake", "intake", county.code),
        "county_division": county,
        "township_division": township,
    }
