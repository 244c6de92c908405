"""What a worker and an employer pay each month: contributions, work-injury premium, flexible workers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .core import (
    Book,
    CalcInputError,
    CalcResult,
    base_limits,
    check_range,
    clamp_base,
    money,
    num,
    pct,
    text,
)
from .parameters import cite

# insurance -> (employer rate parameter, individual rate parameter or None)
INSURANCES = {
    "pension": ("pension.employer_rate", "pension.individual_rate"),
    "medical": ("medical.employer_rate", "medical.individual_rate"),
    "maternity": ("maternity.employer_rate", None),
    "unemployment": ("unemployment.employer_rate", "unemployment.individual_rate"),
    "work_injury": ("work_injury.default_rate", None),
}


def contribution(*, wage: Decimal, on: dt.date) -> CalcResult:
    """Monthly contributions: the base is the wage within the floor and cap; each insurance
    takes its employer and individual rate of the base."""
    check_range("wage", wage)
    book = Book("contribution", on)
    book.used["wage"] = wage
    base = clamp_base(book, wage)
    items: dict[str, dict[str, Decimal]] = {}
    employer_rate = individual_rate = Decimal(0)
    individual_rates: list[str] = []
    for insurance, (emp_name, ind_name) in INSURANCES.items():
        end = book.ended(emp_name)
        if end is not None and insurance == "maternity":
            book.assume("maternity_merged", since=end.since.isoformat(), cite=cite(end.source),
                        rate=pct(book.value("medical.employer_rate")))
            continue
        if end is not None:
            book.assume("insurance_ended", insurance=text(f"insurance.{insurance}"),
                        since=end.since.isoformat(), source=end.source, cite=cite(end.source))
            continue
        emp = book.value(emp_name)
        ind = book.value(ind_name) if ind_name else Decimal(0)
        items[insurance] = {"employer": base * emp, "individual": base * ind}
        employer_rate += emp
        individual_rate += ind
        if ind:
            individual_rates.append(pct(ind))
        book.line("contribution_item" if ind else "contribution_item_employer_only",
                  insurance=text(f"insurance.{insurance}"), short=text(f"insurance_short.{insurance}"),
                  emp=pct(emp), emp_amount=money(base * emp), ind=pct(ind), ind_amount=money(base * ind))
    individual_total = base * individual_rate
    employer_total = base * employer_rate
    book.line("contribution_totals", rates=" + ".join(individual_rates), rate=pct(individual_rate),
              individual=money(individual_total), employer_rate=pct(employer_rate),
              employer=money(employer_total))
    book.assume("work_injury_default", rate=pct(book.value("work_injury.default_rate")))
    return book.done(base=base, individual_total=individual_total, employer_total=employer_total, items=items)


def work_injury_premium(*, wage: Decimal, on: dt.date, rate: Decimal | None = None,
                        risk_class: int | None = None) -> CalcResult:
    """Work-injury premium: the base times the industry rate, paid by the employer alone."""
    check_range("wage", wage)
    book = Book("work_injury_premium", on)
    if rate is not None:
        check_range("rate", rate)
        book.assume("rate_given", rate=pct(rate))
    elif risk_class is not None:
        check_range("risk_class", risk_class)
        rate = book.value("work_injury.class_rate", key=risk_class)
        book.assume("class_rate", cls=risk_class, rate=pct(rate))
    else:
        rate = book.value("work_injury.default_rate")
        book.assume("work_injury_rate_default", rate=pct(rate))
    base = clamp_base(book, wage)
    monthly = base * rate
    yearly = monthly * 12
    book.line("work_injury", base=money(base), rate=pct(rate), monthly=money(monthly), yearly=money(yearly))
    book.line("commercial_compare", price=num(book.value("work_injury.commercial_policy_price")))
    book.assume("work_injury_employer_only")
    return book.done(yearly=yearly, monthly=monthly)


def flexible(*, on: dt.date, base: Decimal | None = None, share: Decimal | None = None,
             group: str | None = None) -> CalcResult:
    """Flexible workers pay pension alone at 20% of a base they choose between the floor and cap;
    eligible groups get a subsidy of a share of what they paid."""
    book = Book("flexible", on)
    avg, floor, cap = base_limits(book, on)
    floor_share, cap_share = book.value("base.floor_share"), book.value("base.cap_share")
    if base is not None:
        check_range("wage", base)
        check_range("base", base, floor, cap, text("errors.base_range", low=money(floor), high=money(cap),
                                                   floor=pct(floor_share), cap=pct(cap_share)))
    else:
        if share is None:
            share = floor_share
            book.assume("share_default", share=pct(share))
        check_range("share", share, floor_share, cap_share,
                    text("errors.share_range", low=pct(floor_share), high=pct(cap_share)))
        base = avg * share
        book.line("flexible_base", avg=num(avg), share=pct(share), base=money(base))
    rate = book.value("flexible.pension_rate")
    pooled, account = book.value("flexible.pension_pooled_rate"), book.value("flexible.pension_account_rate")
    pension = base * rate
    book.line("flexible_pension", base=money(base), rate=pct(rate), amount=money(pension),
              pooled=pct(pooled), pooled_amount=money(base * pooled),
              account=pct(account), account_amount=money(base * account))
    group = group or book.default("group")
    if group not in {"none", "hard_to_employ", "graduate", "veteran"}:
        raise CalcInputError("group", text("errors.group"))
    after = pension
    if group != "none":
        subsidy_share = book.value("flexible.subsidy_share")
        after = pension - pension * subsidy_share
        book.line("flexible_subsidy", group=text(f"group.{group}"), share=pct(subsidy_share),
                  subsidy=money(pension * subsidy_share), after=money(after))
        book.assume("subsidy_conditions", share=pct(subsidy_share))
    else:
        book.assume("subsidy_none")
    book.assume("flexible_medical_missing")
    return book.done(pension=pension, after_subsidy=after)
