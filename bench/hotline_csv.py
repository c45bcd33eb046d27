"""A hotline call log (12345 export) of n rows for the bulk-import bench and tests: the columns of
services.hotline_import, call ids unique per `prefix`, descriptions drawn from everyday grievances.

    from bench.hotline_csv import make_csv
    data = make_csv(10_000)            # bytes, UTF-8 with BOM, about 1.6 MB: under the 5 MB upload cap
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

HEADER = ("来电编号 call_id,来电时间 received_at,诉求内容 description,地址 address,所属街道 street_id,"
          "类别 category,联系人 name,联系电话 phone\n")
GRIEVANCES = (
    ("建设路饭店油烟很大，晚上十点还在排油烟", "ecology"),
    ("小区门口路灯不亮，晚上出行不安全", ""),
    ("超市卖过期牛奶，要求查处", "market"),
    ("楼上装修噪音太大，周末一早就开始施工", ""),
    ("单元楼道堆放杂物，存在消防隐患", "housing"),
)


def make_csv(n: int, *, prefix: str = "B", street_id: str = "", start: datetime | None = None) -> bytes:
    """n rows received one minute apart, ending an hour ago; `street_id` must be a street of the catalog or ''."""
    first = (start or datetime.now(UTC) - timedelta(hours=1, minutes=n)).astimezone(UTC)
    lines = [HEADER]
    for i in range(n):
        description, category = GRIEVANCES[i % len(GRIEVANCES)]
        received = (first + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        lines.append(f"{prefix}-{i:06d},{received},{description}（第{i}号来电）,东关街道建设路{i % 200 + 1}号,"
                     f"{street_id},{category},市民{i % 97},1381234{i % 10_000:04d}\n")
    return ("\ufeff" + "".join(lines)).encode("utf-8")
