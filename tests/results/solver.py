"""The attacker of tests/results/test_attack.py: exact integer programming over the atoms (the finest groups
the figures are sums of), independent of the production's modular arithmetic.

Every published count is an equation (its atoms sum to its value); every published rate is two linear
inequalities (its part over its whole rounds, half up to 0.1 %, to the rate printed: the whole is unknown to
the attacker unless other figures give it). The atoms are non-negative integers and every hidden count is at
least 1 (zeros are shown, so a hidden cell is known not to be zero). For each target (a hidden cell, a small
count, a rate's small complement) ``scipy.optimize.milp`` (HiGHS, branch and bound, gap 0) finds its least
and greatest value over every assignment that agrees with everything published: the target is given back
exactly when the two are equal. Nothing here depends on the order of the atoms, the rows or their ids.
"""
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy
from scipy.optimize import Bounds, LinearConstraint, milp

TIME_LIMIT = 60.0  # seconds per integer program; one that does not finish is reported, never passed
# Each class of atoms is bounded (the programs must be bounded for HiGHS): far above any count of the data, so
# a target with no greatest value reaches it and is reported as undetermined, as it is.
CEILING = 100_000


def dot(vector, values):
    return sum(coefficient * values.get(atom, 0) for atom, coefficient in vector.items())


def rate_of(part, whole):
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class RowSpace:
    """Exact rational row space (the averages' attack: sums of marks add up over the atoms like counts)."""

    def __init__(self):
        self.rows = {}  # pivot atom → row (dict atom → Fraction), pivot coefficient 1

    def reduce(self, vector):
        row = {atom: Fraction(c) for atom, c in vector.items() if c}
        for pivot, basis in self.rows.items():
            factor = row.get(pivot)
            if factor:
                for atom, value in basis.items():
                    row[atom] = row.get(atom, 0) - factor * value
                    if not row[atom]:
                        del row[atom]
        return row

    def add(self, vector):
        row = self.reduce(vector)
        if not row:
            return False
        pivot = min(row, key=repr)
        scale = row[pivot]
        row = {atom: value / scale for atom, value in row.items()}
        for other in self.rows.values():  # keep the basis fully reduced
            factor = other.get(pivot)
            if factor:
                for atom, value in row.items():
                    other[atom] = other.get(atom, 0) - factor * value
                    if not other[atom]:
                        del other[atom]
        self.rows[pivot] = row
        return True

    def holds(self, vector):
        return not self.reduce(vector)


def classes_of(vectors):
    """{atom: class number}: atoms that every vector holds alike are one class (any non-negative integer
    value of a class can be split among its atoms, so the programs run over classes). Numbered from the
    sorted memberships, so that the numbering depends on the figures only, not on atom ids or hashing."""
    memberships = {}
    for index, vector in enumerate(vectors):
        for atom, coefficient in vector.items():
            memberships.setdefault(atom, set()).add((index, coefficient))
    keys = sorted({tuple(sorted(member)) for member in memberships.values()})
    numbers = {key: number for number, key in enumerate(keys)}
    return {atom: numbers[tuple(sorted(member))] for atom, member in memberships.items()}


def over(vector, classes):
    return {classes[atom]: coefficient for atom, coefficient in vector.items()}  # alike within a class


class Attack:
    """counts: [(vector, value)] published; rates: [(part vector, whole vector, rate)] published;
    hidden: [vector] of the hidden cells; truth: {atom: value}; targets: the vectors to be tried."""

    def __init__(self, counts, rates, hidden, truth, targets):
        for vector, value in counts:
            assert dot(vector, truth) == value, "a published count disagrees with the data"
        for part, whole, rate in rates:
            assert rate_of(dot(part, truth), dot(whole, truth)) == rate, "a published rate disagrees"
        published = [v for v, _ in counts] + [v for rate in rates for v in rate[:2]]
        self.classes = classes_of(published + hidden + targets)
        self.size = len(set(self.classes.values()))
        self.truth = numpy.zeros(self.size)
        for atom, value in truth.items():
            if atom in self.classes:
                self.truth[self.classes[atom]] += value
        self.constraints = self._constraints(counts, rates, hidden)

    def _row(self, vector):
        row = numpy.zeros(self.size)
        for cls, coefficient in over(vector, self.classes).items():
            row[cls] = coefficient
        return row

    def _constraints(self, counts, rates, hidden):
        rows, low, high = [], [], []

        def add(row, lower, upper):
            rows.append(row)
            low.append(lower)
            high.append(upper)
        for vector, value in counts:
            add(self._row(vector), value, value)
        for vector in hidden:
            add(self._row(vector), 1, numpy.inf)
        for part, whole, rate in rates:
            # rate − 0.05 ≤ 100·part/whole < rate + 0.05, times 20·whole (20·rate is an integer):
            # 2000·part − (20·rate − 1)·whole ≥ 0 and 2000·part − (20·rate + 1)·whole ≤ −1; whole ≥ 1.
            twenty = int(rate * 20)
            part_row, whole_row = self._row(part), self._row(whole)
            add(2000 * part_row - (twenty - 1) * whole_row, 0, numpy.inf)
            add(2000 * part_row - (twenty + 1) * whole_row, -numpy.inf, -1)
            add(whole_row, 1, numpy.inf)
        if not rows:
            return []
        return [LinearConstraint(numpy.array(rows), numpy.array(low), numpy.array(high))]

    def _extreme(self, objective):
        result = milp(objective, constraints=self.constraints, integrality=numpy.ones(self.size),
                      bounds=Bounds(0, CEILING),
                      options={"mip_rel_gap": 0, "time_limit": TIME_LIMIT, "presolve": True})
        assert result.status == 0, result.message
        return round(result.fun)

    def range_of(self, target):
        """(least, greatest) value of ``target``."""
        row = self._row(target)
        return self._extreme(row), -self._extreme(-row)

    def determined(self, target):
        """None when the target can take two values or more; else why not."""
        true_value = round(float(self._row(target) @ self.truth))
        least, greatest = self.range_of(target)
        assert least <= true_value <= greatest, (least, true_value, greatest)
        if least == greatest:
            return f"its value follows from the published figures: {least}"
        return None
