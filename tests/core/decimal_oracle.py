#!/usr/bin/env python3
"""Checks Decimal arithmetic against Python's decimal and fractions modules.

Reads lines "<op> <a> <b> <scale> <result>" (tests/core/decimal_cases.cpp) on
stdin. add, sub and mul must be exact with the scale decimal.hpp promises
(max of the scales; the sum of the scales); div must be a / b rounded
half-even to <scale> digits (computed here with exact fractions); cmp the
numeric order. Prints every mismatch; exits 1 on any, 0 when all agree.
"""
import decimal
import sys
from fractions import Fraction

decimal.getcontext().prec = 400  # far past 2 x 38 digits: add/sub/mul stay exact


def scale_of(text):
    return len(text) - text.index(".") - 1 if "." in text else 0


def plain(value, scale):
    """value spelled with exactly `scale` digits after the point, no exponent."""
    text = format(value.quantize(decimal.Decimal(1).scaleb(-scale)), "f")
    return text.lstrip("-") if value.is_zero() else text


def expected(op, a, b, scale):
    x, y = decimal.Decimal(a), decimal.Decimal(b)
    if op == "add":
        return plain(x + y, max(scale_of(a), scale_of(b)))
    if op == "sub":
        return plain(x - y, max(scale_of(a), scale_of(b)))
    if op == "mul":
        return plain(x * y, scale_of(a) + scale_of(b))
    if op == "cmp":
        return str((x > y) - (x < y))
    if op == "div":
        if y.is_zero():
            return "none"
        units = round(Fraction(a) / Fraction(b) * 10**scale)  # round(): half-even
        return plain(decimal.Decimal(units).scaleb(-scale), scale)
    raise ValueError(op)


def main():
    bad = total = 0
    for line in sys.stdin:
        op, a, b, scale, got = line.split()
        total += 1
        want = expected(op, a, b, int(scale))
        if got != want:
            bad += 1
            print(f"{op} {a} {b} scale {scale}: got {got}, want {want}")
    print(f"{total} cases, {bad} mismatches")
    sys.exit(1 if bad or total == 0 else 0)


if __name__ == "__main__":
    main()
