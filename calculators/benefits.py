"""What a worker gets or still owes: pension, catch-up payments, late fees, medical years, unemployment."""

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
    text,
    whole,
)


def _payout_months(book: Book, age: int) -> Decimal:
    """Payout months of the retirement age, from the whole table of 国发〔2005〕38号."""
    return book.value("pension.payout_months", key=age)


def pension(*, years: Decimal, on: dt.date, age: int | None = None, account: Decimal | None = None,
            index: Decimal | None = None, avg_wage: Decimal | None = None,
            wage: Decimal | None = None, retire_date: dt.date | None = None,
            current_age: int | None = None) -> CalcResult:
    """Monthly pension = basic pension + personal-account pension, once the minimum years are paid.

    Basic pension = (average wage + own indexed average wage) / 2 × years paid × 1%;
    personal-account pension = account balance / payout months of the retirement age (国发〔2005〕38号).
    The minimum years are those in force on the retirement date (15, rising from 2030); with fewer,
    there is no monthly pension yet (`eligible` false, no monthly figure).
    """
    check_range("years", years)
    book = Book("pension", on)
    if age is None:
        age = int(book.default("age"))
        book.assume("age_default", age=age)
    check_range("age", age)
    retire_on = _retirement_date(book, on, age, retire_date, current_age)
    min_years = book.value("pension.min_years", retire_on)
    book.used.update(years=years, age=age, min_years=min_years, retire_year=retire_on.year)
    if years < min_years:
        return _not_yet_eligible(book, years, min_years, retire_on)
    if avg_wage is None:
        avg_wage = average_wage(book, on.year)
        book.assume("avg_wage_default", value=num(avg_wage))
    check_range("avg_wage", avg_wage)
    floor_share, cap_share = book.value("base.floor_share"), book.value("base.cap_share")
    if index is None and wage is not None:
        check_range("wage", wage)
        index = min(max(wage / avg_wage, floor_share), cap_share).quantize(Decimal("0.01"))
        book.assume("index_from_wage", wage=num(wage), avg=num(avg_wage), index=num(index))
    elif index is None:
        index = Decimal(str(book.default("index")))
        book.assume("index_default", index=num(index))
    check_range("index", index, floor_share, cap_share,
                text("errors.index_range", low=num(floor_share), high=num(cap_share)))
    if account is None:
        ind_rate = book.value("pension.individual_rate")
        account = avg_wage * index * ind_rate * 12 * years
        book.assume("account_estimate", avg=num(avg_wage), index=num(index), rate=pct(ind_rate),
                    years=num(years), account=money(account))
    check_range("account", account)
    per_year = book.value("pension.basic_rate_per_year")
    basic = (avg_wage + avg_wage * index) / 2 * years * per_year
    months = _payout_months(book, age)
    account_part = account / months
    total = basic + account_part
    book.line("pension_basic", avg=num(avg_wage), own=num(avg_wage * index), years=num(years),
              rate=pct(per_year), basic=money(basic))
    book.line("pension_account", account=money(account), months=num(months), age=age,
              part=money(account_part))
    book.line("pension_total", basic=money(basic), part=money(account_part), total=money(total))
    book.assume("pension_estimate")
    return book.done(eligible=True, basic=basic, account_part=account_part, total=total)


def _retirement_date(book: Book, on: dt.date, age: int, retire_date: dt.date | None,
                     current_age: int | None) -> dt.date:
    """The date the minimum years are taken at: as given, from the age now, or the calculation date."""
    if retire_date is not None:
        return retire_date
    if current_age is not None:
        check_range("current_age", current_age)
        if current_age < age:
            year = on.year + age - current_age
            book.assume("retire_year_from_age", now=current_age, age=age, year=year)
            return dt.date(year, on.month, min(on.day, 28))
    book.assume("retire_now", date=on.isoformat())
    return on


def _not_yet_eligible(book: Book, years: Decimal, min_years: Decimal, retire_on: dt.date) -> CalcResult:
    """Fewer years than the minimum: no monthly pension yet, and what the worker can do about it."""
    short = min_years - years
    book.line("pension_short", years=num(years), year=retire_on.year, min_years=num(min_years),
              short=num(short))
    book.assume("pension_short_options", min_years=num(min_years))
    return book.done(eligible=False, basic=None, account_part=None, total=None, years_short=whole(short))


def _floor_base(book: Book, on: dt.date) -> Decimal:
    """The lowest base (60% of the average wage), said as an assumption: the default for paying alone."""
    avg = average_wage(book, on.year)
    share = book.value("base.floor_share")
    base = avg * share
    book.assume("base_default", avg=num(avg), share=pct(share), base=money(base))
    return base


def catch_up(*, years: Decimal, on: dt.date, base: Decimal | None = None,
             insurance: str | None = None) -> CalcResult:
    """Lump sum for years short = years × 12 × base × rate, the worker paying alone: pension at
    the flexible-worker rate, medical at the employee total rate."""
    check_range("years", years)
    book = Book("catch_up", on)
    if insurance is None:
        insurance = book.default("insurance")
        book.assume("insurance_default", insurance=text(f"insurance.{insurance}"))
    if insurance not in {"pension", "medical"}:
        raise CalcInputError("insurance", text("errors.insurance"))
    if base is None:
        base = _floor_base(book, on)
    check_range("base", base)
    if insurance == "pension":
        rate = book.value("flexible.pension_rate")
        book.assume("catch_up_pension_rate", rate=pct(rate))
    else:
        emp, ind = book.value("medical.employer_rate"), book.value("medical.individual_rate")
        rate = emp + ind
        book.assume("catch_up_medical_rate", emp=pct(emp), ind=pct(ind), rate=pct(rate))
    total = years * 12 * base * rate
    book.used.update(years=years, insurance=insurance, base=base)
    book.line("catch_up", years=num(years), base=money(base), rate=pct(rate), total=money(total),
              insurance=text(f"insurance.{insurance}"))
    book.assume("catch_up_late_fee")
    return book.done(total=total)


def late_fee(*, amount: Decimal, days: int, on: dt.date) -> CalcResult:
    """Late fee = amount owed × daily rate × days late."""
    check_range("amount", amount)
    check_range("days", days)
    book = Book("late_fee", on)
    rate = book.value("late_fee.daily_rate")
    fee = amount * rate * days
    book.line("late_fee", amount=money(amount), rate=pct(rate), days=days, fee=money(fee))
    book.assume("late_fee_fine")
    return book.done(fee=fee)


def medical_years(*, years: Decimal, on: dt.date, gender: str | None = None,
                  base: Decimal | None = None) -> CalcResult:
    """Years of medical insurance still needed at retirement (required years − years paid), and what
    paying them in one sum costs at the employee total rate."""
    check_range("years", years)
    book = Book("medical_years", on)
    if gender is None:
        gender = book.default("gender")
        other = "female" if gender == "male" else "male"
        other_required = book.value("medical.required_years", key=other)
        book.assume("gender_default", gender=text(f"gender.{gender}"), other=text(f"gender.{other}"),
                    required=num(other_required), needed=num(max(other_required - years, Decimal(0))))
    if gender not in {"male", "female"}:
        raise CalcInputError("gender", text("errors.gender"))
    book.used.update(gender=gender, years=years)
    required = book.value("medical.required_years", key=gender)
    needed = max(required - years, Decimal(0))
    book.line("medical_years", gender=text(f"gender.{gender}"), required=num(required), years=num(years),
              needed=num(needed))
    lump = Decimal(0)
    if needed:
        if base is None:
            base = _floor_base(book, on)
        check_range("base", base)
        rate = book.value("medical.employer_rate") + book.value("medical.individual_rate")
        lump = needed * 12 * base * rate
        book.line("medical_lump", needed=num(needed), base=money(base), rate=pct(rate), total=money(lump))
        book.assume("medical_lump_estimate")
    book.assume("medical_years_local")
    return book.done(years_needed=whole(needed), lump_sum=lump)


def unemployment(*, years: Decimal, on: dt.date) -> CalcResult:
    """Longest unemployment benefit by years paid (1 to <5 years: 12 months; 5 to <10: 18; 10+: 24)."""
    check_range("years", years)
    book = Book("unemployment", on)
    bands = list(book.scale("unemployment.max_months"))
    if years >= bands[0]:
        p = book.param("unemployment.max_months", key=years)
        months = int(p.value)
        book.line("unemployment", years=num(years), band=num(p.key), months=months)
    else:
        months = 0
        book.param("unemployment.max_months", key=bands[0])
        book.line("unemployment_short", years=num(years), band=num(bands[0]))
    book.assume("unemployment_conditions")
    book.assume("unemployment_amount")
    return book.done(max_months=months)
