"""Small department files in the shapes the synthetic region and real departments deliver."""

from __future__ import annotations

from pathlib import Path

from jiancha.identifiers import resident_id_check_char


def rid(area: str, birth: str, sequence: str) -> str:
    body = f"{area}{birth}{sequence}"
    return body + resident_id_check_char(body)


FATHER = rid("331221", "19600305", "011")
MOTHER = rid("331221", "19620708", "022")
CHILD = rid("331221", "19880101", "031")
SPOUSE = rid("331221", "19890202", "042")

HEADER = "户号,姓名,性别,公民身份号码,出生日期,与户主关系,户籍地址,所属村居代码,父亲公民身份号码,母亲公民身份号码,配偶公民身份号码,联系电话,文化程度,人员状态,变动日期,变动原因"


def residents_rows() -> list[str]:
    return [
        f"3312210000001,张建国,男,{FATHER},1960-03-05,户主,石门镇石门村1号,331221101201,,,{MOTHER},13800000001,初中,正常,,",
        f"3312210000001,李秀英,女,{MOTHER},1962/7/8,配偶,石门镇石门村1号,331221101201,,,{FATHER},,小学,正常,,",
        # full-width digits, stray spaces, a lower-case x would be folded; a 15-digit legacy ID for the child
        f"3312210000001, 张伟 ,男,{CHILD[:6]}{CHILD[8:17]},1988年1月1日,子女,石门镇石门村1号,331221101201,{FATHER},{MOTHER},{SPOUSE},１３９０００００００３,大学,正常,,",
        f"3312210000002,王芳,女,{SPOUSE},19890202,户主,石门镇石门村2号,331221101201,,,{CHILD},,大学,正常,,",
    ]


def write_residents(
    folder: Path, rows: list[str] | None = None, encoding: str = "utf-8", name: str = "residents.csv"
) -> Path:
    path = folder / name
    text = "\n".join([HEADER, *(residents_rows() if rows is None else rows)]) + "\n"
    path.write_bytes(text.encode(encoding))
    return path
