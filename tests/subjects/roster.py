"""A later HR roster (花名册) for the tiny region's first county, rewritten from the first one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jiancha.synth.xlsx import XlsxStream
from jiancha.tabular import read_table

from ..pool.fixtures import rid

COUNTY = "331202"
ROSTER = f"{COUNTY}/hr/roster.xlsx"
MERGED_FROM, MERGED_INTO = "松山区水利局", "松山区交通运输局"  # 机构改革: one bureau joins another
MERGER_DAY = dt.date(2026, 3, 1)
PROMOTION_DAY = dt.date(2026, 4, 1)
LEAVE_DAY = dt.date(2026, 6, 1)
SECONDED_DAY = dt.date(2026, 5, 1)  # a civil servant becomes deputy manager of a state-owned company
SOE = "松山区城市建设投资集团有限公司"
NEWCOMER = rid("331202", "19850101", "013")  # appointed to a company that is not in the tree
SUPERVISOR = rid("331202", "19800202", "025")  # a township's full-time supervisor (纪委书记)
LATER = dt.date(2026, 6, 30)


def write_later_roster(region: Path, target: Path, township_organ: str) -> dict[str, str]:
    """The first county's roster as delivered six months later; returns who changed how (by ID)."""
    rows = [row.values for row in read_table(region / ROSTER)]
    header = list(rows[0])
    changed: dict[str, str] = {}
    later: list[dict[str, str]] = []
    left = 0
    promoted = disagreed = seconded = False
    for row in rows:
        current = not row["离任时间"]
        if current and row["工作单位"] == MERGED_FROM:
            changed[row["身份证号"]] = "transfer"
            later.append({**row, "离任时间": str(MERGER_DAY - dt.timedelta(days=1))})
            later.append(
                {
                    **row,
                    "工作单位": MERGED_INTO,
                    "单位统一社会信用代码": "",
                    "任职时间": str(MERGER_DAY),
                    "离任时间": "",
                }
            )
            continue
        if current and row["人员类别"] in ("村干部", "社区干部") and left < 2:
            left += 1
            if left == 1:  # leaves at the end of May (换届): the roster gives the last day
                changed[row["身份证号"]] = "leave"
                later.append({**row, "离任时间": str(LEAVE_DAY - dt.timedelta(days=1))})
            else:  # dropped from the roster without a word, but still paid and insured by the village
                changed[row["身份证号"]] = "dropped"
            continue
        if current and not promoted and row["职务"] == "教师":
            changed[row["身份证号"]] = "join"
            promoted = True
            later.append({**row, "离任时间": str(PROMOTION_DAY - dt.timedelta(days=1))})
            later.append(
                {
                    **row,
                    "职务": "副校长",
                    "是否领导职务": "是",
                    "监察对象类别": "4",
                    "任职时间": str(PROMOTION_DAY),
                }
            )
            continue
        if current and not seconded and row["职务"] == "科员" and row["监察对象类别"] == "1":
            changed[row["身份证号"]] = "category"
            seconded = True
            later.append({**row, "离任时间": str(SECONDED_DAY - dt.timedelta(days=1))})
            later.append({**row, "工作单位": SOE, "单位统一社会信用代码": "", "职务": "副总经理", "人员类别": "企业",
                          "监察对象类别": "3", "是否领导职务": "是", "职级": "", "任职时间": str(SECONDED_DAY)})  # fmt: skip
            continue
        if current and not disagreed and row["职务"] == "科员" and row["监察对象类别"] == "1":
            changed[row["身份证号"]] = "review"
            disagreed = True
            later.append({**row, "监察对象类别": "3"})  # the department's column now says otherwise
            continue
        later.append(row)
    blank = dict.fromkeys(header, "")
    later.append({**blank, "姓名": "钱新来", "身份证号": NEWCOMER, "工作单位": "松山区某某科技有限公司", "职务": "经理",
                  "是否领导职务": "是", "任职时间": "2026-02-01"})  # fmt: skip
    later.append({**blank, "姓名": "纪守正", "身份证号": SUPERVISOR, "工作单位": township_organ, "职务": "纪委书记",
                  "人员类别": "公务员", "监察对象类别": "1", "是否领导职务": "是", "任职时间": "2026-01-01"})  # fmt: skip
    changed[NEWCOMER] = "review"
    stream = XlsxStream(target, title="roster", author="test", created=dt.datetime(2026, 7, 1))
    stream.write_row(header)
    for number, row in enumerate(later, start=1):
        stream.write_row([str(number) if name == "序号" else row[name] for name in header])
    stream.close()
    return changed
