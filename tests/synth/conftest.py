"""One tiny region per session (generation takes seconds); tests only read it."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiancha.synth.generate import generate
from jiancha.synth.verify import Region


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth-tiny-1")
    generate("tiny", 1, out, workers=1)
    return out


@pytest.fixture(scope="session")
def region(tiny_dir: Path) -> Region:
    return Region(tiny_dir)
