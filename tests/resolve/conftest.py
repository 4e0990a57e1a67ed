"""A pool loaded from part of a tiny synthetic region (register, roster, payroll, insurance, registry)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiancha.synth.generate import generate

FILES = (
    ("population", "population/residents.csv"),
    ("roster", "hr/roster.xlsx"),
    ("payroll", "payroll/payroll.csv"),
    ("social_insurance", "social_insurance/contributions.csv"),
    ("companies", "registry/companies.csv"),
    ("shareholders", "registry/shareholders.csv"),
)


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(scope="session")
def tiny_region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("resolve-tiny")
    generate("tiny", 1, out, workers=1)
    return out


def load(region: Path, counties: list[str] | None = None) -> None:
    from jiancha.pool.importer import import_file

    for county in counties or sorted(p.name for p in region.iterdir() if p.name.isdigit()):
        for feed, name in FILES:
            path = region / county / name
            import_file(feed, path, display_name=f"{county}/{name}")


@pytest.fixture
def pool_dir(tmp_path, monkeypatch, demo_region):
    from jiancha.pool import services

    monkeypatch.setenv("JIANCHA_POOL_DIR", str(tmp_path / "pool"))
    monkeypatch.setattr(services, "_purpose_checks", [])
    return tmp_path
