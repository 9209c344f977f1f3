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
   of those equations; while one does, the shown figure whose withdrawal frees it (the smallest first) is
   hidden too. Last, a figure hidden on the way that the shown ones give anyway is shown again (it publishes
   nothing new).
Every withheld figure is shown with the same mark («محجوب», "withheld"), so that nobody can tell a small count
from a figure hidden to protect one. tests/results/test_attack.py attacks the result with exact arithmetic,
bounds included (a withheld count is at least 1, since zeros are shown).

Limits: the figures of one scope are protected together (the programme-wide ones with the public page's);
figures filtered by university, cohort or year carry the scope in their atoms and are protected on their own,
so differences between two filtered reports are not audited.
"""
import heapq
from collections import defaultdict
from dataclasses import dataclass, field, replace

from diploma.results.tables import AVERAGE, COUNT, PERCENT

SMALLEST_SHOWN = 5  # the threshold: counts below it are never published, nor rates or averages over fewer
# (``too_few``, the one test of it)
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


def too_few(n):
    """The one decision: whether ``n`` people (a count, a rate's whole, an average's marks) are too few to
    publish a figure about."""
    return n < SMALLEST_SHOWN


def is_small(n):
    """A count that names people: 1 to ``SMALLEST_SHOWN`` − 1 (zero names nobody)."""
    return isinstance(n, int) and not isinstance(n, bool) and n > 0 and too_few(n)


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


def _cached(classes):
    """_vector over ``classes``, computed once per group."""
    vectors = {}

    def vector_of(atoms):
        if atoms not in vectors:
            vectors[atoms] = _vector(atoms, classes)
        return vectors[atoms]
    return vector_of


def _classes(groups):
    """{atom: class}: atoms that belong to exactly the same groups are one class (the span is the same).
    The classes are numbered in the order of their sorted memberships (the groups' positions in the tables),
    not of the atoms' hashes or ids, so that what is withheld does not depend on the process or on row ids."""
    memberships = defaultdict(set)
    for index, atoms in enumerate(groups):
        for atom in atoms:
            memberships[atom].add(index)
    keys = sorted({tuple(sorted(member)) for member in memberships.values()})
    numbers = {key: number for number, key in enumerate(keys)}
    return {atom: numbers[tuple(sorted(member))] for atom, member in memberships.items()}


def _rate_shown_alone(share):
    whole, part = share.whole.n, share.part.n
    return not too_few(whole) and not is_small(part) and not is_small(whole - part)


class _Span:
    """The span of the shown figures' vectors (Gaussian elimination modulo a large prime), remembering for
    each pivot which of the vectors it is a combination of. A vector in no dependency among the others (a
    *coloop*) is the only one that gives what it gives: withdrawing it takes that from the span, and frees a
    group exactly when the group's combination uses it."""

    def __init__(self, vectors):
        self.pivots = {}  # column → (order, row, combination of the vectors' indexes)
        self.dependent = set()  # indexes of the vectors in some dependency
        for index, vector in enumerate(vectors):
            row, combination = self._reduce(vector, {index: 1})
            if row:
                column = min(row)
                inverse = pow(row[column], _PRIME - 2, _PRIME)
                self.pivots[column] = (len(self.pivots), _scaled(row, inverse), _scaled(combination, inverse))
            else:
                self.dependent.update(combination)

    def _reduce(self, vector, combination):
        row = {key: c % _PRIME for key, c in vector.items() if c % _PRIME}
        combination = dict(combination)
        queue = [(self.pivots[key][0], key) for key in row if key in self.pivots]
        heapq.heapify(queue)
        while queue:
            _order, column = heapq.heappop(queue)
            factor = row.get(column)
            if not factor:
                continue
            _order, pivot_row, pivot_combination = self.pivots[column]
            for key, value in pivot_row.items():
                if key not in row and key in self.pivots:
                    heapq.heappush(queue, (self.pivots[key][0], key))
                _subtract(row, key, factor * value)
            for key, value in pivot_combination.items():
                _subtract(combination, key, factor * value)
        return row, combination

    def holds(self, vector):
        return not self._reduce(vector, {})[0]

    def uses(self, vector):
        """The indexes of the vectors ``vector`` is a combination of (None: it is not in the span)."""
        row, combination = self._reduce(vector, {})
        return None if row else set(combination)


def _scaled(vector, factor):
    return {key: value * factor % _PRIME for key, value in vector.items()}


def _subtract(vector, key, amount):
    value = (vector.get(key, 0) - amount) % _PRIME
    if value:
        vector[key] = value
    else:
        vector.pop(key, None)


class _Published:
    """The shown figures (counts by their group, rates by (part, whole)) and their vectors, each vector with
    the figure it comes from."""

    def __init__(self, counts, rates, vector_of):
        self.counts, self.rates = counts, rates
        self.items = sorted([*(("count", key, c.n) for key, c in counts.items()),
                             *(("rate", key, s.whole.n) for key, s in rates.items())],
                            key=lambda item: (item[2], item[0]))  # the smallest first (a stable sort)
        self.vectors, self.owner = [], []
        for position, (kind, key, _n) in enumerate(self.items):
            for atoms in ([key] if kind == "count" else key):
                self.vectors.append(vector_of(atoms))
                self.owner.append(position)


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
        shown = _Published({k: c for k, c in averages.items() if k not in hidden}, {}, _cached(classes))
        span = _Span(shown.vectors)
        guarded = [_vector(key, classes) for key in averages if key in hidden]  # in the tables' order
        guarded += [_combination([(1, outer), (-1, inner)], classes) for outer in shown.counts
                    for inner in shown.counts if inner < outer
                    and is_small(averages[outer].n - averages[inner].n)]
        exposed = next((vector for vector in guarded if span.holds(vector)), None)
        if exposed is None:
            return hidden
        hidden.add(_to_withdraw(shown, span, exposed)[1])


def _decide(tables):
    """(hidden count groups, hidden rate keys) for the tables taken together."""
    counts, rates = _all_counts(tables), {}
    for _table, row, index, column in _cells(tables):
        group = row.groups[index] if row.groups else None
        if column.kind == PERCENT and isinstance(group, Share) and group.whole.n:
            rates[(group.part.atoms, group.whole.atoms)] = group
    classes = _classes([*counts, *(atoms for key in rates for atoms in key)])
    vector_of = _cached(classes)
    hidden_counts = {key for key, count in counts.items() if is_small(count.n)}
    hidden_rates = {key for key, share in rates.items() if not _rate_shown_alone(share)}
    while True:
        shown = _Published({k: c for k, c in counts.items() if k not in hidden_counts},
                           {k: s for k, s in rates.items() if k not in hidden_rates}, vector_of)
        span = _Span(shown.vectors)
        exposed = [vector for vector in _guarded(tables, counts, rates, hidden_counts, classes)
                   if span.holds(vector)]
        if not exposed:
            return _needless_shown(hidden_counts, counts, span, classes), hidden_rates
        # One withdrawal per group exposed, all chosen on this span (fewer rounds; a count withdrawn that
        # turns out needless is shown again at the end).
        for kind, key in {_to_withdraw(shown, span, vector) for vector in exposed}:
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


def _to_withdraw(shown, span, exposed):
    """The shown figure to hide so that ``exposed`` leaves the span: among the figures linked to it (sharing
    atoms with it, or with a figure that does, and so on), the smallest that suffices alone (a coloop its
    combination uses); else the smallest whose withdrawal takes something from the span (a coloop: one that
    others repeat would take nothing); else the smallest linked."""
    uses = span.uses(exposed)
    indexes = defaultdict(list)
    for index, position in enumerate(shown.owner):
        indexes[position].append(index)
    linked = _linked(shown, exposed)
    coloops = [p for p in linked if any(i not in span.dependent for i in indexes[p])]
    freeing = [p for p in coloops if any(i in uses and i not in span.dependent for i in indexes[p])]
    kind, key, _n = shown.items[(freeing or coloops or linked)[0]]
    return kind, key


def _linked(shown, exposed):
    """The positions of the shown figures connected to ``exposed`` through shared atoms, smallest first."""
    supports = defaultdict(set)
    for vector, position in zip(shown.vectors, shown.owner, strict=True):
        supports[position] |= set(vector)
    reached, linked, growing = set(exposed), set(), True
    while growing:
        growing = False
        for position, support in supports.items():
            if position not in linked and reached & support:
                linked.add(position)
                reached |= support
                growing = True
    return sorted(linked)


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
        return value is not None and (too_few(group.n) or group.atoms in hidden_averages)
    return False
