"""What a worker can claim after an injury at work or on quitting: work-injury compensation and severance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .core import (
    Book,
    CalcInputError,
    CalcResult,
    average_wage,
    check_range,
    money,
    num,
    pct,
    statistical,
    text,
)

DEATH = "death"


def _counted_wage(book: Book, wage: Decimal, avg: Decimal) -> Decimal:
    """Own wage counted for work-injury benefits: no less than 60% and no more than 300% of the
    regional average wage (工伤保险条例 art. 64)."""
    floor = avg * book.value("work_injury.wage_floor_share")
    cap = avg * book.value("work_injury.wage_cap_share")
    counted = min(max(wage, floor), cap)
    key = "injury_wage_floor" if wage < floor else "injury_wage_cap" if wage > cap else "injury_wage_inside"
    book.line(key, wage=num(wage), floor=money(floor), cap=money(cap), counted=money(counted), avg=num(avg))
    return counted


def injury_compensation(*, on: dt.date, grade: int | str | None = None, wage: Decimal | None = None,
                        avg_wage: Decimal | None = None, income: Decimal | None = None) -> CalcResult:
    """Work-injury compensation by disability grade (one-off grant of N months' wage, a monthly
    allowance for grades 1-6) or for a work-related death (funeral grant of 6 months' regional
    average wage, one-off death grant of 20 × last year's national urban per-capita disposable income)."""
    if grade is None:
        raise CalcInputError("grade", text("errors.grade"))
    book = Book("injury_compensation", on)
    if avg_wage is None:
        avg_wage = average_wage(book, on.year)
        book.assume("regional_wage_default", value=num(avg_wage))
    check_range("avg_wage", avg_wage)
    if grade == DEATH:
        return _death(book, wage, avg_wage, income)
    check_range("grade", grade)
    if wage is None:
        raise CalcInputError("wage", text("errors.injury_wage"))
    check_range("wage", wage)
    book.used.update(grade=grade, wage=wage)
    counted = _counted_wage(book, wage, avg_wage)
    months = book.value("work_injury.disability_grant_months", key=grade)
    grant = counted * months
    book.line("disability_grant", grade=grade, months=num(months), wage=money(counted), grant=money(grant))
    allowance = None
    shares = book.scale("work_injury.disability_allowance_share")
    if grade in shares:
        share = book.value("work_injury.disability_allowance_share", key=grade)
        allowance = counted * share
        payer = "fund" if grade <= 4 else "employer"
        book.line(f"disability_allowance_{payer}", grade=grade, share=pct(share), wage=money(counted),
                  allowance=money(allowance))
    book.assume("injury_grants_local" if grade >= 5 else "injury_grade_1_4")
    book.assume("injury_uninsured")
    book.assume("injury_who_decides")
    return book.done(disability_grant=grant, monthly_allowance=allowance, funeral_grant=None, death_grant=None,
                     counted_wage=counted)


def _death(book: Book, wage: Decimal | None, avg_wage: Decimal, income: Decimal | None) -> CalcResult:
    book.used["grade"] = DEATH
    funeral_months = book.value("work_injury.funeral_grant_months")
    funeral = avg_wage * funeral_months
    book.line("funeral_grant", avg=num(avg_wage), months=num(funeral_months), grant=money(funeral))
    if income is None:
        income = statistical(book, "income.national_urban_disposable", book.on.year)
        book.assume("income_default", value=num(income), year=book.years_used[-1]["year"])
    check_range("income", income)
    multiple = book.value("work_injury.death_grant_multiple")
    death_grant = income * multiple
    book.line("death_grant", income=num(income), multiple=num(multiple), grant=money(death_grant))
    shares = book.scale("work_injury.dependant_pension_share")
    for relative in shares:  # recorded so the 依据 line and the JSON name them
        book.param("work_injury.dependant_pension_share", key=relative)
    spouse, other = (pct(shares[k]) for k in ("spouse", "other"))
    if wage is not None:
        check_range("wage", wage)
        book.used["wage"] = wage
        book.line("dependants_amounts", spouse=spouse, other=other, wage=num(wage),
                  spouse_amount=money(wage * shares["spouse"]), other_amount=money(wage * shares["other"]),
                  extra=pct(shares["lone_extra"]))
    else:
        book.line("dependants_named", spouse=spouse, other=other, extra=pct(shares["lone_extra"]))
    book.assume("death_income_year")
    book.assume("injury_uninsured")
    book.assume("injury_who_decides")
    return book.done(disability_grant=None, monthly_allowance=None, funeral_grant=funeral, death_grant=death_grant)


def severance(*, years: Decimal, on: dt.date, wage: Decimal | None = None, avg_wage: Decimal | None = None,
              no_contract_months: int | None = None) -> CalcResult:
    """经济补偿 (劳动合同法 art. 47): one month's wage per full year worked; a remainder of six months
    or more counts as a year, less as half a month; a wage above 3 × the local average wage counts at
    3 × that, for at most 12 years. Plus one extra month's wage for each month without a written
    contract after the first (art. 82, at most 11)."""
    check_range("years", years)
    if wage is None:
        raise CalcInputError("wage", text("errors.severance_wage"))
    check_range("wage", wage)
    book = Book("severance", on)
    book.used.update(years=years, wage=wage)
    given = avg_wage is not None
    if avg_wage is None:
        avg_wage = average_wage(book, on.year)
    check_range("avg_wage", avg_wage)
    cap = avg_wage * book.value("labour_contract.severance_cap_multiple")
    counted_years, counted_wage = years, wage
    if not given and wage <= cap:
        book.not_affecting("average_wage.qinghai")  # a newer, higher average wage would not cap it either
    elif not given:
        book.assume("local_wage_default", value=num(avg_wage))
    if wage > cap:
        cap_years = book.value("labour_contract.severance_cap_years")
        counted_wage, counted_years = cap, min(years, cap_years)
        book.line("severance_cap", wage=num(wage), avg=num(avg_wage), cap=money(cap), years=num(counted_years),
                  cap_years=num(cap_years))
    full = int(counted_years)
    remainder = counted_years - full
    months = Decimal(full)
    if remainder > 0:
        extra = book.value("labour_contract.severance_remainder_months", key=remainder)
        months += extra
        book.line("severance_months_rest", years=num(counted_years), full=full, rest=num(remainder * 12),
                  extra=num(extra), months=num(months))
    else:
        book.line("severance_months", years=num(counted_years), months=num(months))
    compensation = months * counted_wage
    book.line("severance_total", months=num(months), wage=money(counted_wage), compensation=money(compensation))
    double_wage = Decimal(0)
    if no_contract_months:
        check_range("no_contract_months", no_contract_months)
        most = int(book.value("labour_contract.double_wage_max_months"))
        counted_months = min(no_contract_months, most)
        if counted_months < no_contract_months:
            book.assume("double_wage_most", months=no_contract_months, most=most)
        double_wage = wage * counted_months
        book.line("double_wage", months=counted_months, wage=money(wage), amount=money(double_wage))
    else:
        book.assume("no_contract_default")
    total = compensation + double_wage
    book.used["months"] = months
    book.assume("severance_right")
    book.assume("severance_who_decides")
    return book.done(months=months, compensation=compensation, double_wage=double_wage, total=total,
                     counted_wage=counted_wage)
