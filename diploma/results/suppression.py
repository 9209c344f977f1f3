"""Small-count suppression: the one owner of what the results page, the public page, the XLSX, the PDF and
the command line may publish. Nothing published lets arithmetic give back a count under ``SMALLEST_SHOWN``.

What a table says. Each count cell carries a ``Count``: its value and the group of records it counts, as a
set of *atoms* (the finest groups the figures are summed from: certificates by cohort, university, gender
and status; course results by course, university, cohort, gender, year, band and outcome; students by cohort
and completion). The same group in two tables is the same count, so it is hidden in both or in neither. A
rate (a share, a pass rate, a completion rate) carries a ``Share``: the part and the whole it divides, and
shown beside its whole it publishes the part and the complement (83.3 % of 6 says 5 passed, 1 failed).

The rules, applied to all the tables of a publication at once:
1. Primary: a count of 1 to ``SMALLEST_SHOWN`` − 1 is hidden. Zero is shown (it names nobody).
2. A rate is shown only over a whole of ``SMALLEST_SHOWN`` or more whose part and complement are each zero or
   ``SMALLEST_SHOWN`` or more; an average only over ``SMALLEST_SHOWN`` marks or more, and only when the shown
   averages do not give back the sum of the marks of a withheld one (``_decide_averages``).
3. Complementary: every shown count and every shown rate is a linear equation over the atoms. A group that
   must stay unknown (a count under ``SMALLEST_SHOWN``, a rate's small complement, the hidden cells of one
   row or one column taken together when they sum to less than ``SMALLEST_SHOWN``) must not lie in the span
   of those equations;
   while one does, the shown figure whose withdrawal frees it (the smallest first) is hidden too. Last, a
   figure hidden on the way that the shown ones give anyway is shown again (it publishes nothing new).
Every withheld figure is shown with the same mark («محجوب», "withheld"), so that nobody can tell a small count
from a figure hidden to protect one.
"""
from collections import defaultdict
from dataclasses import dataclass, field, replace

from diploma.results.tables import AVERAGE, COUNT, PERCENT

SMALLEST_SHOWN = 5  # the threshold: counts below it are never published, nor rates or averages over fewer
MOST_TRIED = 40  # figures tried one by one for the withdrawal that frees a group (the smallest first)
_PRIME = (1 << 61) - 1  # the span is computed modulo this prime (the vectors hold 0, 1 and −1 only)


class _Hidden:
    """A figure withheld: rendered «محجوب» / "withheld"."""

    def __repr__(self):
        return "HIDDEN"

    def __bool__(self):
        return False


HIDDEN = _Hidden()


@dataclass(frozen=True)
class Count:
    """A count and the group it counts (a frozenset of atoms)."""

    n: int
    atoms: frozenset
    parts: tuple = field(default=(), compare=False, repr=False)  # (atom, n) pairs: what the n is the sum of


@dataclass(frozen=True)
class Share:
    """A rate: part / whole (each a Count)."""

    part: Count
    whole: Count


def is_small(n):
    return isinstance(n, int) and not isinstance(n, bool) and 0 < n < SMALLEST_SHOWN


def _vector(atoms, classes):
    """A group's equation over the classes of atoms (atoms that all groups hold alike are one class)."""
    return dict.fromkeys({classes[atom] for atom in atoms}, 1)


def _combination(parts, classes):
    """Σ coefficient × group, over the classes of atoms: [(coefficient, atoms)]."""
    vector = {}
    for coefficient, atoms in parts:
        for cls in {classes[atom] for atom in atoms}:
            vector[cls] = vector.get(cls, 0) + coefficient
    return {cls: c for cls, c in vector.items() if c}


def _classes(groups):
    """{atom: class}: atoms that belong to exactly the same groups are one class (the span is the same)."""
    memberships = defaultdict(set)
    for index, atoms in enumerate(groups):
        for atom in atoms:
            memberships[atom].add(index)
    numbers = {}
    return {atom: numbers.setdefault(frozenset(member), len(numbers)) for atom, member in memberships.items()}


def _rate_shown_alone(share):
    whole, part = share.whole.n, share.part.n
    return whole >= SMALLEST_SHOWN and not is_small(part) and not is_small(whole - part)


class _Span:
    """The span of integer vectors over atoms (Gaussian elimination modulo a large prime)."""

    def __init__(self, vectors):
        self.pivots = {}
        for vector in vectors:
            self.add(vector)

    def _reduce(self, vector):
        row = {atom: c % _PRIME for atom, c in vector.items() if c % _PRIME}
        while row:
            atom = next((a for a in row if a in self.pivots), None)
            if atom is None:
                return row
            factor, pivot = row[atom], self.pivots[atom]
            for key, value in pivot.items():
                row[key] = (row.get(key, 0) - factor * value) % _PRIME
                if not row[key]:
                    del row[key]
        return row

    def add(self, vector):
        row = self._reduce(vector)
        if row:
            atom = min(row, key=repr)
            inverse = pow(row[atom], _PRIME - 2, _PRIME)
            self.pivots[atom] = {key: value * inverse % _PRIME for key, value in row.items()}

    def holds(self, vector):
        return not self._reduce(vector)


@dataclass
class _Published:
    """The shown figures: counts by their group, rates by (part, whole)."""

    counts: dict  # atoms → Count
    rates: dict  # (part atoms, whole atoms) → Share
    classes: dict

    def items(self):
        return [*(("count", key, c.n) for key, c in self.counts.items()),
                *(("rate", key, s.whole.n) for key, s in self.rates.items())]

    def vectors_of(self, kind, key):
        if kind == "count":
            return [_vector(key, self.classes)]
        return [_vector(key[0], self.classes), _vector(key[1], self.classes)]

    def vectors(self, without=None):
        for kind, key, _n in self.items():
            if (kind, key) != without:
                yield from self.vectors_of(kind, key)


def _cells(tables):
    for table in tables:
        for row in table.rows:
            for index, column in enumerate(table.columns[1:]):
                yield table, row, index, column


def _averaged(tables):
    """{atoms: Count} of the groups of marks the averages are over (those with marks)."""
    found = {}
    for _table, row, index, column in _cells(tables):
        group = row.groups[index] if row.groups else None
        if column.kind == AVERAGE and isinstance(group, Count) and group.n:
            found[group.atoms] = group
    return found


def _decide_averages(tables):
    """The groups of marks whose average is withheld: under ``SMALLEST_SHOWN`` marks, and (an average shown
    beside its number of marks gives their sum, and sums add up like counts) any average whose sum the shown
    ones would give back, with the one shown that would give it."""
    averages = _averaged(tables)
    classes = _classes(list(averages))
    hidden = {key for key, count in averages.items() if is_small(count.n)}
    while True:
        shown = _Published({k: c for k, c in averages.items() if k not in hidden}, {}, classes)
        span = _Span(shown.vectors())
        guarded = [_vector(key, classes) for key in hidden]
        guarded += [_combination([(1, outer), (-1, inner)], classes) for outer in shown.counts
                    for inner in shown.counts if inner < outer
                    and is_small(averages[outer].n - averages[inner].n)]
        exposed = next((vector for vector in guarded if span.holds(vector)), None)
        if exposed is None:
            return hidden
        hidden.add(_to_withdraw(shown, exposed)[1])


def _decide(tables):
    """(hidden count groups, hidden rate keys) for the tables taken together."""
    counts, rates = _all_counts(tables), {}
    for _table, row, index, column in _cells(tables):
        group = row.groups[index] if row.groups else None
        if column.kind == PERCENT and isinstance(group, Share) and group.whole.n:
            rates[(group.part.atoms, group.whole.atoms)] = group
    classes = _classes([*counts, *(atoms for key in rates for atoms in key)])
    hidden_counts = {key for key, count in counts.items() if is_small(count.n)}
    hidden_rates = {key for key, share in rates.items() if not _rate_shown_alone(share)}
    while True:
        shown = _Published({k: c for k, c in counts.items() if k not in hidden_counts},
                           {k: s for k, s in rates.items() if k not in hidden_rates}, classes)
        span = _Span(shown.vectors())
        exposed = next((vector for vector in _guarded(tables, counts, rates, hidden_counts, classes)
                        if span.holds(vector)), None)
        if exposed is None:
            return _needless_shown(hidden_counts, counts, span, classes), hidden_rates
        kind, key = _to_withdraw(shown, exposed)
        (hidden_counts if kind == "count" else hidden_rates).add(key)


def _all_counts(tables):
    found = {}
    for _table, row, index, column in _cells(tables):
        group = row.groups[index] if row.groups else None
        if column.kind == COUNT and isinstance(group, Count):
            found[group.atoms] = group
    return found


def _needless_shown(hidden_counts, counts, span, classes):
    """The hidden counts less those of ``SMALLEST_SHOWN`` or more that the shown figures give anyway (hiding
    them protects nothing; showing them publishes nothing new): no hidden count is then one arithmetic
    finds."""
    return {key for key in hidden_counts
            if is_small(counts[key].n) or not span.holds(_vector(key, classes))}


def _guarded(tables, counts, rates, hidden_counts, classes):
    """The groups that must stay unknown: hidden counts under ``SMALLEST_SHOWN``, small complements of rates,
    and the hidden cells of a row or a column together when they count fewer than ``SMALLEST_SHOWN``."""
    guarded = [_vector(key, classes) for key in hidden_counts if is_small(counts[key].n)]
    for share in rates.values():
        if is_small(share.whole.n - share.part.n):
            guarded.append(_combination([(1, share.whole.atoms), (-1, share.part.atoms)], classes))
    lines = defaultdict(list)
    for table, row, index, column in _cells(tables):
        group = row.groups[index] if row.groups else None
        if column.kind == COUNT and isinstance(group, Count) and group.atoms in hidden_counts:
            if index in table.split:
                lines[(table.key, "row", id(row))].append(group)
            lines[(table.key, "column", index)].append(group)
    for members in lines.values():
        if len(members) > 1 and is_small(sum(m.n for m in members)):
            guarded.append(_combination([(1, member.atoms) for member in members], classes))
    return guarded


def _to_withdraw(shown, exposed):
    """The shown figure to hide so that ``exposed`` leaves the span: among the figures linked to it (sharing
    atoms with it, or with a figure that does, and so on), the smallest that suffices alone; else the smallest
    whose withdrawal takes something from the span (one that others repeat would take nothing); else the
    smallest linked."""
    linked = _linked(shown, exposed)
    useful = None
    for kind, key in linked[:MOST_TRIED]:
        vectors = shown.vectors_of(kind, key)
        without = _Span(shown.vectors(without=(kind, key)))
        if not without.holds(exposed):
            return kind, key
        if useful is None and not all(without.holds(vector) for vector in vectors):
            useful = (kind, key)
    return useful or linked[0]


def _linked(shown, exposed):
    """The shown figures connected to ``exposed`` through shared atoms, smallest first."""
    items = sorted(shown.items(), key=lambda item: (item[2], item[0]))
    supports = [set().union(*shown.vectors_of(kind, key)) for kind, key, _n in items]
    reached, linked, growing = set(exposed), set(), True
    while growing:
        growing = False
        for index, support in enumerate(supports):
            if index not in linked and reached & support:
                linked.add(index)
                reached |= support
                growing = True
    return [(items[index][0], items[index][1]) for index in sorted(linked)]


def protect(tables, context=()):
    """``tables`` as they may be published: every figure withheld by the rules above replaced by HIDDEN.
    ``context``: other tables published beside them (the same counts are then hidden alike)."""
    everything = [*tables, *context]
    hidden = _decide(everything) + (_decide_averages(everything),)
    return [replace(table, rows=[_protect_row(table, row, *hidden) for row in table.rows])
            for table in tables]


def _protect_row(table, row, hidden_counts, hidden_rates, hidden_averages):
    cells = [HIDDEN if _withheld(column, row.groups[index] if row.groups else None, row.cells[index],
                                 hidden_counts, hidden_rates, hidden_averages) else row.cells[index]
             for index, column in enumerate(table.columns[1:])]
    return replace(row, cells=cells)


def _withheld(column, group, value, hidden_counts, hidden_rates, hidden_averages):
    if column.kind == COUNT:
        return group.atoms in hidden_counts if isinstance(group, Count) else is_small(value)
    if column.kind == PERCENT:
        if not isinstance(group, Share):
            return value is not None
        return bool(group.whole.n) and (group.part.atoms, group.whole.atoms) in hidden_rates
    if column.kind == AVERAGE:
        if not isinstance(group, Count):
            return value is not None
        return value is not None and (group.n < SMALLEST_SHOWN or group.atoms in hidden_averages)
    return False
