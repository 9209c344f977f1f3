"""The suppression attack: a random programme (several universities, cohorts, courses over two academic years,
women and men), everything published about it read back at once — the results page, the public page, the
XLSX (openpyxl) and the PDF (pdftotext) — and every hidden count sought by exact arithmetic
(tests/results/solver.py: the least and greatest value of each by integer programming). None may be
recovered, nor any count under 5 be read or worked out.

What each cell counts (its atoms) is taken from the unprotected figures: the attacker knows what the headings
say; the values are those read back from the renders."""
import html
import re
import subprocess
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from diploma.results.published import public_figures
from diploma.results.scope import Scope
from diploma.results.services import programme_figures
from diploma.results.suppression import HIDDEN, SMALLEST_SHOWN, Count, Share
from diploma.results.tables import AVERAGE, COUNT, PERCENT
from tests.results.random_programme import random_programme
from tests.results.solver import Attack, RowSpace

HIDDEN_TEXT = "withheld"
TAGS = re.compile(r"<[^>]+>")
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def text_of(fragment):
    return html.unescape(TAGS.sub("", fragment)).strip()


def read_text(text):
    if text == HIDDEN_TEXT:
        return HIDDEN
    if text in ("–", ""):
        return None
    if text.endswith("%"):
        return Decimal(text[:-1])
    return Decimal(text) if "." in text else int(text)


def html_tables(page):
    """{table key: {row label: [cell texts]}} of a page's figure tables."""
    tables = {}
    for match in re.finditer(r'data-testid="figure-([a-z_]+)"(.*?)</section>', page, re.DOTALL):
        body = match.group(2)
        if "<tbody>" not in body:
            continue
        body = body[body.index("<tbody>"):body.index("</tbody>")]
        rows = {}
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL):
            label = text_of(re.search(r"<th[^>]*>(.*?)</th>", row, re.DOTALL).group(1))
            rows[label] = [text_of(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
        tables[match.group(1)] = rows
    return tables


def headline_texts(page):
    block = page[page.index('data-testid="headline"'):]
    block = block[:block.index("</ul>")]
    return {text_of(label): text_of(value)
            for value, label in re.findall(r'<span class="stat">(.*?)</span>(.*?)</li>', block, re.DOTALL)}


def xlsx_tables(data, raw_tables):
    titles = {table.title: table.key for table in raw_tables}
    tables = {}
    for sheet in load_workbook(BytesIO(data)).worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        key = titles[rows[0][0]]
        width = len(rows[1])
        tables[key] = {row[0]: [HIDDEN if value == HIDDEN_TEXT else value for value in row[1:width]]
                       for row in rows[2:] if row and row[0] is not None and len(row) > 1
                       and any(v is not None for v in row[1:])}
    return tables


def observations(published, raw_tables, reader):
    """(column, group, value read) of every cell published."""
    seen = []
    for table in raw_tables:
        if table.key not in published:
            continue
        for row in table.rows:
            cells = published[table.key][row.label]
            for index, column in enumerate(table.columns[1:]):
                value = reader(cells[index])
                seen.append((column, row.groups[index] if row.groups else None, row.cells[index], value))
    return seen


def xlsx_value(value):
    if value is HIDDEN or value is None:
        return value
    return Decimal(str(value)) if isinstance(value, float) else value


def check_truthful(seen):
    """A shown figure is the true one; a count shown is 0 or 5 and more; an average is over 5 marks or
    more."""
    for column, group, true, value in seen:
        if value is HIDDEN or value is None:
            continue
        if column.kind == COUNT:
            assert value == true and not 0 < value < SMALLEST_SHOWN, (column.label, value)
        elif column.kind == PERCENT:
            assert value == true, (column.label, value, true)
        elif column.kind == AVERAGE:
            assert group.n >= SMALLEST_SHOWN, (column.label, group.n)


def vector(count):
    return dict.fromkeys(count.atoms, 1)


def difference(whole, part):
    result = vector(whole)
    for atom in part.atoms:
        result[atom] = result.get(atom, 0) - 1
    return {atom: c for atom, c in result.items() if c}


def attack(seen):
    counts, rates, hidden, truth, targets = {}, {}, {}, {}, {}
    for column, group, _true, value in seen:
        for count in ([group] if isinstance(group, Count) else
                      [group.part, group.whole] if isinstance(group, Share) else []):
            truth.update(count.parts)
            if 0 < count.n < SMALLEST_SHOWN:
                targets[count.atoms] = vector(count)
        if isinstance(group, Share) and 0 < group.whole.n - group.part.n < SMALLEST_SHOWN:
            targets[("complement", group.part.atoms, group.whole.atoms)] = difference(group.whole, group.part)
        if column.kind == COUNT and isinstance(group, Count) and group.atoms:
            if value is HIDDEN:
                hidden[group.atoms] = vector(group)
                targets[group.atoms] = vector(group)
            else:
                counts[group.atoms] = (vector(group), value)
        elif column.kind == PERCENT and isinstance(group, Share) and value not in (HIDDEN, None):
            rates[(group.part.atoms, group.whole.atoms)] = (vector(group.part), vector(group.whole), value)
    solver = Attack(list(counts.values()), list(rates.values()), list(hidden.values()), truth,
                    list(targets.values()))
    leaks = {repr(sorted(key, key=repr) if isinstance(key, frozenset) else key)[:200]: why
             for key, target in targets.items() if (why := solver.determined(target))}
    return leaks, len(hidden)


def averages_attack(seen):
    """An average shown over a known number of marks gives their sum, and sums add up over the atoms like
    counts: no withheld average (over 1 mark or more) may have its sum in the span of the shown ones."""
    shown, withheld = RowSpace(), {}
    for column, group, _true, value in seen:
        if column.kind != AVERAGE or not isinstance(group, Count) or not group.n:
            continue
        if value is HIDDEN:
            withheld[group.atoms] = vector(group)
        elif value is not None:
            shown.add(vector(group))
    return [sorted(key, key=repr)[:3] for key, target in withheld.items() if shown.holds(target)]


def pdf_text(data):
    result = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    text = result.stdout.decode()
    pages = []
    for number, page in enumerate(BIDI_CONTROLS.sub("", text).split("\f"), start=1):
        lines = page.rstrip().splitlines()
        if lines and lines[-1].strip() == str(number):
            lines = lines[:-1]  # the page number
        pages.append("\n".join(lines))
    return "\n".join(pages)


NUMBER = re.compile(r"\d+(?:\.\d+)?%?")


def check_pdf_publishes_no_more_than_the_page(pdf, page_tables, raw_tables):
    """Each table's section of the PDF holds no figure its table on the page does not."""
    text = pdf_text(pdf)
    titles = [table.title for table in raw_tables]
    for position, table in enumerate(raw_tables):
        start = text.index(table.title)
        following = [text.find(title, start + 1) for title in titles[position + 1:]]
        end = min([index for index in following if index > 0], default=len(text))
        section = text[start:end]
        rows = page_tables.get(table.key, {})
        allowed = set(NUMBER.findall(" ".join([*(" ".join(cells) for cells in rows.values()), *rows,
                                               *(column.label for column in table.columns), table.note])))
        assert set(NUMBER.findall(section)) <= allowed, (table.key, set(NUMBER.findall(section)) - allowed)
        assert section.count(HIDDEN_TEXT) >= sum(cells.count(HIDDEN_TEXT) for cells in rows.values())


# (universities, cohorts, courses); the last is the programme's own shape: 7 universities, 11 courses.
SIZES = [(11, (3, 3, 3)), (12, (3, 3, 3)), (13, (3, 3, 3)), (14, (5, 3, 6)), (15, (7, 3, 11))]


@pytest.mark.parametrize("seed, size", SIZES)
def test_nothing_published_gives_back_a_hidden_count(client, login_as, seed, size):
    universities, cohorts, courses = size
    data = random_programme(seed, universities=universities, cohorts=cohorts, courses=courses)
    login_as(data.admin)
    client.set_cookie("lang", "en")
    page = client.get("/results").get_data(as_text=True)
    workbook = client.get("/results/report.xlsx?language=en").data
    pdf = client.get("/results/report.pdf?language=en").data
    visitor = client.application.test_client()
    visitor.set_cookie("lang", "en")
    public_page = visitor.get("/in-numbers").get_data(as_text=True)

    staff_raw = programme_figures(Scope(), "en").tables
    headline_raw, *public_raw = public_figures("en").tables
    page_tables = html_tables(page)
    seen = observations(page_tables, staff_raw, read_text)
    seen += observations(xlsx_tables(workbook, staff_raw), staff_raw, xlsx_value)
    seen += observations(html_tables(public_page), public_raw, read_text)
    headline = headline_texts(public_page)
    seen += observations({"headline": {"": [headline[column.label] for column in headline_raw.columns[1:]]}},
                         [headline_raw], read_text)
    check_truthful(seen)
    check_pdf_publishes_no_more_than_the_page(pdf, page_tables, staff_raw)

    leaks, hidden = attack(seen)
    assert hidden > 0  # the data set has small counts to hide
    assert leaks == {}
    assert averages_attack(seen) == []


@pytest.mark.parametrize("seed", [21])
def test_a_registrars_report_gives_back_no_hidden_count_either(client, login_as, seed):
    data = random_programme(seed)
    registrar = data.registrars[0]
    login_as(registrar)
    client.set_cookie("lang", "en")
    page = client.get("/results").get_data(as_text=True)
    workbook = client.get("/results/report.xlsx?language=en").data
    raw = programme_figures(Scope(university_id=registrar.university_id), "en").tables
    seen = observations(html_tables(page), raw, read_text) + observations(xlsx_tables(workbook, raw), raw,
                                                                           xlsx_value)
    check_truthful(seen)
    leaks, _hidden = attack(seen)
    assert leaks == {}
    assert averages_attack(seen) == []
