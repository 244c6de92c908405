"""Time the calculator path: reading a question, routing it, computing and rendering the reply.

    python bench/calc_speed.py [--repeat N]

Questions: the worker questions with a figure from calculators.md and the README. The first pass
includes reading the data files (parameters, texts, router rules, number words) and loading cn2an;
the following passes are what each later question costs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QUESTIONS = [
    "工资四千五每月扣多少",
    "交了20年能领多少",
    "员工上班工资5000，每月社保交多少",
    "工资5000，工伤保险按1%一年交多少",
    "我60岁退休，交了25年，个人账户有8万，社平工资6000，缴费指数1，能领多少养老金",
    "还差5年养老保险，一次性补缴要多少钱",
    "欠了3万社保费，拖了100天，滞纳金多少",
    "灵活就业按最低档交，一个月多少钱",
    "我是男的，医保交了18年，还差几年",
    "失业保险交了6年，能领几个月",
    "手指断了鉴定九级，工资4000能赔多少",
    "工亡赔偿多少钱",
    "干了3年半，工资6000，公司不交社保我辞职能要多少补偿",
]


def one_pass(today: dt.date) -> list[float]:
    from calculators.dialog import advance, detect

    times = []
    for q in QUESTIONS:
        start = time.perf_counter()
        state = detect(q)
        assert state is not None, q
        advance(state, None, one_shot=True, today=today)
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    today = dt.date(2026, 6, 1)
    start = time.perf_counter()
    import calculators  # noqa: F401 - the import itself, measured

    imported = time.perf_counter() - start
    first = one_pass(today)
    later = [t for _ in range(args.repeat) for t in one_pass(today)]
    later_ms = [t * 1000 for t in later]
    print(f"import calculators: {imported * 1000:.0f} ms")
    print(f"first pass ({len(QUESTIONS)} questions, data files read): {sum(first) * 1000:.0f} ms")
    print(f"later questions: median {statistics.median(later_ms):.2f} ms, "
          f"p90 {statistics.quantiles(later_ms, n=10)[-1]:.2f} ms, max {max(later_ms):.2f} ms "
          f"({len(later)} questions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
