"""Personal names (姓名): realistic frequencies so that the same name recurs (重名), and the ways
departments spell one person differently (traditional characters, pinyin, typos, stray spaces).
"""

from __future__ import annotations

import functools
import random
from pathlib import Path

import yaml

from .rng import Weighted

DATA_DIR = Path(__file__).resolve().parent / "data"


@functools.cache
def load_data(name: str) -> dict:
    """One of the YAML files under data/ (names, places, companies, reports)."""
    with (DATA_DIR / f"{name}.yaml").open(encoding="utf-8") as handle:
        data: dict = yaml.safe_load(handle)
    return data


class NameBook:
    """Draws names by sex and generation; given names changed fashion around 1985."""

    def __init__(self) -> None:
        data = load_data("names")
        surnames: dict[str, float] = data["surnames"]
        self.surnames = Weighted(list(surnames), list(surnames.values()))
        self.given = {
            key: Weighted(list(data[key]), list(data[key].values()))
            for key in ("given_male_old", "given_male_young", "given_female_old", "given_female_young")
        }
        self.typos: dict[str, str] = data["typos"]
        self.chars: dict[str, list[str]] = {
            key: list(data[key])
            for key in ("chars_male_old", "chars_male_young", "chars_female_old", "chars_female_young")
        }

    def surname(self, rng: random.Random) -> str:
        return str(self.surnames.draw(rng))

    # Share of given names taken from the popular lists; the rest are composed of characters.
    POPULAR = 0.12

    def given_name(self, rng: random.Random, male: bool, birth_year: int) -> str:
        era = "old" if birth_year < 1985 else "young"
        sex = "male" if male else "female"
        if rng.random() < self.POPULAR:
            return str(self.given[f"given_{sex}_{era}"].draw(rng))
        chars = self.chars[f"chars_{sex}_{era}"]
        first = rng.choice(chars)
        if rng.random() < (0.22 if era == "old" else 0.12):
            return first  # single-character given names were commoner before the 1980s
        second = rng.choice(chars)
        return first + (second if second != first else rng.choice(chars))


@functools.cache
def _converter() -> object:
    import opencc

    return opencc.OpenCC("s2t")


@functools.cache
def traditional(name: str) -> str:
    """The traditional-character form (繁体), as Hong Kong, Taiwan or old records write it."""
    return str(_converter().convert(name))  # type: ignore[attr-defined]


@functools.cache
def pinyin(name: str) -> str:
    """Surname and given name in pinyin without tones, e.g. "Zhang Wei" (as a bank card holder name).

    Surnames with special readings (单 Shan, 曾 Zeng...) come out as a generic tool reads them,
    which is exactly the confusion real pinyin fields carry.
    """
    from pypinyin import lazy_pinyin

    syllables = lazy_pinyin(name)
    if len(name) >= 3 and name[:2] in {"欧阳", "诸葛", "司马"}:
        head, rest = syllables[:2], syllables[2:]
    else:
        head, rest = syllables[:1], syllables[1:]
    return f"{''.join(head).capitalize()} {''.join(rest).capitalize()}".strip()


def typo(name: str, table: dict[str, str], rng: random.Random) -> str:
    """One character of the given name replaced by a homophone or look-alike (同音字/形近字)."""
    positions = [i for i in range(1, len(name)) if name[i] in table]
    if not positions:
        return name
    i = rng.choice(positions)
    return name[:i] + table[name[i]] + name[i + 1 :]
