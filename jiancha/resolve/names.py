"""Comparison keys for personal and company names (姓名/名称归一化).

Departments write one person as 张伟, 張偉, "Zhang Wei", 张 伟 or 张玮: the keys here fold traditional
to simplified (OpenCC t2s), drop spaces and punctuation, and give pinyin readings, so that variants
compare equal on at least one key. Surnames with special readings (曾 zēng, 单 shàn, 解 xiè, 仇 qiú,
朴 piáo, 乐 yuè…) are read as surnames, and the generic reading is kept beside it because other
systems (a bank's card-holder field) produce that one.

Keys are computed once per distinct name in Python, then joined to records in DuckDB.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import pyarrow as pa

# 姓氏特殊读音: the reading as a surname where generic tools read the character otherwise.
SURNAME_READINGS = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "乐": "yue",
    "查": "zha",
    "区": "ou",
    "盖": "ge",
    "尉": "yu",
    "燕": "yan",
    "繁": "po",
    "覃": "qin",
    "缪": "miao",
    "万俟": "moqi",
    "长孙": "zhangsun",
    "尉迟": "yuchi",
}
COMPOUND_SURNAMES = (
    "欧阳",
    "诸葛",
    "司马",
    "上官",
    "司徒",
    "东方",
    "夏侯",
    "万俟",
    "长孙",
    "尉迟",
    "皇甫",
    "令狐",
)
# Company names: the legal-form suffixes departments add or drop (有限公司 vs 有限责任公司 vs nothing).
COMPANY_SUFFIXES = re.compile(r"(股份有限公司|有限责任公司|有限公司|分公司|个体工商户|工作室|经营部|商行)$")
NOISE = re.compile(r"[\s·•.,，、()（）\-_'\"]+")


@functools.cache
def _t2s() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def fold(name: str) -> str:
    """Simplified characters, half-width, lower-case Latin, no spaces or punctuation."""
    text = unicodedata.normalize("NFKC", name)
    text = str(_t2s().convert(text))  # type: ignore[attr-defined]
    return NOISE.sub("", text).lower()


def is_latin(text: str) -> bool:
    return bool(text) and all(ch.isascii() for ch in text)


def split_surname(folded: str) -> tuple[str, str]:
    head = 2 if folded[:2] in COMPOUND_SURNAMES and len(folded) > 2 else 1
    return folded[:head], folded[head:]


@functools.cache
def _reading(char: str) -> str:
    """One character's default reading. Per character and cached: 200,000 distinct names in a county
    share a few thousand characters, and pypinyin costs about 0.1 ms a call."""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(char))


def readings(folded: str) -> tuple[str, ...]:
    """Pinyin readings (no tones, no spaces): surname-aware first, then the generic one.

    A name already in Latin letters ("zhangwei") is its own reading.
    """
    if not folded:
        return ()
    if is_latin(folded):
        return (folded,)
    generic = "".join(_reading(char) for char in folded)
    surname, given = split_surname(folded)
    special = SURNAME_READINGS.get(surname)
    aware = (special + "".join(_reading(char) for char in given)) if special else generic
    return (aware, generic) if aware != generic else (aware,)


def company_fold(name: str) -> str:
    """A company name without its legal-form suffix, folded."""
    return COMPANY_SUFFIXES.sub("", fold(name)) or fold(name)


def name_keys(names: list[str], company: bool = False) -> pa.Table:
    """One row per distinct raw name: name, name_norm, pinyin (list), surname_py, given_py."""
    out: dict[str, list[object]] = {"name": [], "name_norm": [], "pinyin": [], "surname_py": []}
    for raw in names:
        folded = company_fold(raw) if company else fold(raw)
        keys = () if company else readings(folded)
        out["name"].append(raw)
        out["name_norm"].append(folded or None)
        out["pinyin"].append(list(keys) or None)
        if company or not keys or is_latin(folded):
            out["surname_py"].append(None)
        else:
            surname = split_surname(folded)[0]
            out["surname_py"].append(SURNAME_READINGS.get(surname) or readings(surname)[0])
    return pa.table(
        out,
        schema=pa.schema(
            [
                ("name", pa.string()),
                ("name_norm", pa.string()),
                ("pinyin", pa.list_(pa.string())),
                ("surname_py", pa.string()),
            ]
        ),
    )
