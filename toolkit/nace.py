"""NACE Rev. 2 structure: which activities a code covers, which codes overlap, and which codes
form the base of a location quotient's denominator.

Codes are read as Eurostat writes them in the ``nace_r2`` dimension: sections ``A`` .. ``U``,
divisions ``C10`` (a bare ``10`` is not a NACE code here), ranges ``B-E`` and ``C10-C12``,
unions of two neighbours ``M_N`` and ``C31_C32``, longer unions ``G-I_J``, exclusions
``B-S_X_K642`` and ``TOTAL``. Every code stands for the set of divisions it covers (the leaves):
``C10`` is one leaf of section ``C``, which lies inside ``B-E``, inside ``TOTAL``. Two codes
overlap when they share a division.

A location quotient divides a sector's share of regional employment by its share in the
benchmark, LQ = (E[r,s] / E[r]) / (E[B,s] / E[B]); the regional total E[r] is the sum over the
*base* sectors, so the base must not count any activity twice. ``base_partition`` picks it from
the codes of a file, ``check_partition`` checks one the user marked. Everything here is pure:
no file is read or written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from toolkit.errors import BadInputError, Problem

# NACE Rev. 2 sections and the numbers of their divisions (the statistical classification,
# Regulation (EC) No 1893/2006); data/reference/nace_r2_divisions.csv lists the same divisions.
_SECTION_DIVISIONS = {
    "A": (1, 2, 3),
    "B": (5, 6, 7, 8, 9),
    "C": tuple(range(10, 34)),
    "D": (35,),
    "E": (36, 37, 38, 39),
    "F": (41, 42, 43),
    "G": (45, 46, 47),
    "H": (49, 50, 51, 52, 53),
    "I": (55, 56),
    "J": (58, 59, 60, 61, 62, 63),
    "K": (64, 65, 66),
    "L": (68,),
    "M": (69, 70, 71, 72, 73, 74, 75),
    "N": (77, 78, 79, 80, 81, 82),
    "O": (84,),
    "P": (85,),
    "Q": (86, 87, 88),
    "R": (90, 91, 92, 93),
    "S": (94, 95, 96),
    "T": (97, 98),
    "U": (99,),
}
NACE_SECTIONS = {
    "A": "Agriculture, forestry and fishing",
    "B": "Mining and quarrying",
    "C": "Manufacturing",
    "D": "Electricity, gas, steam and air conditioning supply",
    "E": "Water supply; sewerage, waste management and remediation activities",
    "F": "Construction",
    "G": "Wholesale and retail trade; repair of motor vehicles and motorcycles",
    "H": "Transportation and storage",
    "I": "Accommodation and food service activities",
    "J": "Information and communication",
    "K": "Financial and insurance activities",
    "L": "Real estate activities",
    "M": "Professional, scientific and technical activities",
    "N": "Administrative and support service activities",
    "O": "Public administration and defence; compulsory social security",
    "P": "Education",
    "Q": "Human health and social work activities",
    "R": "Arts, entertainment and recreation",
    "S": "Other service activities",
    "T": "Activities of households as employers; undifferentiated goods- and "
    "services-producing activities of households for own use",
    "U": "Activities of extraterritorial organisations and bodies",
}
NACE_DIVISIONS = tuple(
    f"{section}{number:02d}"
    for section, numbers in _SECTION_DIVISIONS.items()
    for number in numbers
)
NACE_DIVISION = re.compile(r"^[A-U]\d{2}$")
# The NACE Rev. 2 aggregates of the regional accounts (nama_10r_3empers: A*10 and coarser).
NACE_A10 = {
    "A": "Agriculture, forestry and fishing",
    "B-E": "Industry (except construction)",
    "C": "Manufacturing",
    "F": "Construction",
    "G-I": "Wholesale and retail trade, transport, accommodation and food service activities",
    "G-J": "Wholesale and retail trade, transport, accommodation, food, information and "
    "communication",
    "J": "Information and communication",
    "K": "Financial and insurance activities",
    "L": "Real estate activities",
    "M_N": "Professional, scientific, technical, administrative and support service activities",
    "O-Q": "Public administration, defence, education, human health and social work activities",
    "R-U": "Arts, entertainment and recreation; other service activities; households",
}
TOTAL = "TOTAL"
TOTAL_NAME = "Total - all NACE activities"

_SECTION_OF = {d: d[0] for d in NACE_DIVISIONS}
_ORDER = {d: i for i, d in enumerate(NACE_DIVISIONS)}
_SECTION_ORDER = {s: i for i, s in enumerate(_SECTION_DIVISIONS)}
_GROUP = re.compile(r"^[A-U]\d{3,4}$")  # a NACE group or class (K642): finer than a division


# --- codes ------------------------------------------------------------------------------------


def _item(text: str) -> tuple[str, ...] | None:
    """One section ('C') or one division ('C10') -> its divisions, in NACE order."""
    if text in _SECTION_DIVISIONS:
        return tuple(f"{text}{n:02d}" for n in _SECTION_DIVISIONS[text])
    if text in _ORDER:
        return (text,)
    return None


def _range(first: str, last: str) -> tuple[str, ...] | None:
    """'B', 'E' -> divisions of B, C, D, E; 'C10', 'C12' -> C10, C11, C12."""
    if first in _SECTION_ORDER and last in _SECTION_ORDER:
        a, b = _SECTION_ORDER[first], _SECTION_ORDER[last]
        if a > b:
            return None
        sections = list(_SECTION_DIVISIONS)[a : b + 1]
        return tuple(d for s in sections for d in _item(s))
    if first in _ORDER and last in _ORDER and _ORDER[first] <= _ORDER[last]:
        return NACE_DIVISIONS[_ORDER[first] : _ORDER[last] + 1]
    return None


def _neighbours(first: str, last: str) -> bool | None:
    """Whether two sections (or two divisions) follow each other in NACE order; None when the
    pair is not two sections or two divisions in order."""
    for order in (_SECTION_ORDER, _ORDER):
        if first in order and last in order:
            step = order[last] - order[first]
            return None if step <= 0 else step == 1
    return None


def normalise_code(code: str) -> str:
    """The code as Eurostat writes it: ``M-N`` -> ``M_N``, ``C20-C21`` -> ``C20_C21``,
    ``B_E`` -> ``B-E``.

    Eurostat joins two neighbouring sections (or divisions) with '_' and writes a range of
    three or more with '-'; a code of two items written with the other sign is read as the same
    aggregate (a union of two non-neighbours such as B and E is not a Eurostat code, so ``B_E``
    is taken for the range). Other codes, NACE or not, come back stripped and otherwise as given.
    """
    text = str(code).strip()
    match = re.fullmatch(r"([A-U](?:\d{2})?)[-_]([A-U](?:\d{2})?)", text)
    if match:
        first, last = match.groups()
        neighbours = _neighbours(first, last)
        if neighbours is not None:
            return f"{first}{'_' if neighbours else '-'}{last}"
    return text


@lru_cache(maxsize=4096)
def _divisions(code: str) -> frozenset[str] | None:
    text = normalise_code(code)
    if text == TOTAL:
        return frozenset(NACE_DIVISIONS)
    included, *excluded = text.split("_X_")
    covered: set[str] = set()
    for part in included.split("_"):
        ends = part.split("-")
        if len(ends) == 1:
            found = _item(part)
        elif len(ends) == 2:
            found = _range(*ends)
        else:
            found = None
        if found is None:
            return None
        covered.update(found)
    for part in excluded:
        if _GROUP.match(part):
            continue  # finer than a division: the division stays covered (see module doc)
        found = _item(part) or (_range(*part.split("-")) if part.count("-") == 1 else None)
        if found is None:
            return None
        covered.difference_update(found)
    return frozenset(covered) if covered else None


def divisions_of(code: str) -> frozenset[str] | None:
    """The NACE divisions a code covers (``B-E`` -> B05 .. E39, ``C10`` -> C10), or None when
    the code is not a NACE Rev. 2 code in Eurostat's notation (``TC04``, ``10``, ``C34``).

    An exclusion finer than a division (``_X_K642``, a NACE group) is not subtracted: the
    division it cuts stays covered, so such a code still overlaps that division.
    """
    return _divisions(str(code).strip())


def sections_of(code: str) -> frozenset[str] | None:
    """The NACE sections a code covers wholly or in part (``C10`` -> {C}, ``B-E`` -> {B, C, D,
    E}), or None when it is not a NACE code."""
    divisions = divisions_of(code)
    return None if divisions is None else frozenset(_SECTION_OF[d] for d in divisions)


def is_nace(code: str) -> bool:
    """Whether the code is a NACE Rev. 2 code in Eurostat's notation."""
    return divisions_of(code) is not None


def nace_level(code: str) -> str | None:
    """'division', 'section', 'total' or 'aggregate' (any other NACE code); None if not NACE."""
    text = normalise_code(code)
    if not is_nace(text):
        return None
    if NACE_DIVISION.match(text):
        return "division"
    if text in _SECTION_DIVISIONS:
        return "section"
    return "total" if text == TOTAL else "aggregate"


def nace_order(code: str) -> tuple:
    """Sort key in NACE order: by first division, a coarser code before the finer ones it
    holds; codes that are not NACE come last, alphabetically."""
    divisions = divisions_of(code)
    if divisions is None:
        return (1, 0, 0, str(code))
    return (0, min(_ORDER[d] for d in divisions), -len(divisions), str(code))


# --- overlaps ---------------------------------------------------------------------------------


def _pair(a: str, b: str) -> tuple[str, str]:
    """Finer code first (fewer divisions), then NACE order."""
    da, db = divisions_of(a), divisions_of(b)
    return (a, b) if (len(da), nace_order(a)) <= (len(db), nace_order(b)) else (b, a)


def overlaps(codes) -> list[tuple[str, str]]:
    """Pairs of NACE codes among ``codes`` that share at least one division, each pair as
    (finer, coarser), in NACE order. Codes that are not NACE never overlap anything."""
    nace = sorted({str(c).strip() for c in codes if is_nace(c)}, key=nace_order)
    pairs = [
        _pair(a, b)
        for i, a in enumerate(nace)
        for b in nace[i + 1 :]
        if divisions_of(a) & divisions_of(b)
    ]
    return sorted(pairs, key=lambda p: (nace_order(p[0]), nace_order(p[1])))


def _relation(finer: str, coarser: str) -> str:
    """How two overlapping codes relate, as words: 'C is inside B-E'."""
    small, big = divisions_of(finer), divisions_of(coarser)
    if small == big:
        if normalise_code(finer) == normalise_code(coarser):
            return "the same NACE code written two ways"
        return "the same activities"
    if small < big:
        return f"{finer} is inside {coarser}"
    shared = sorted({_SECTION_OF[d] for d in small & big}, key=_SECTION_ORDER.get)
    return f"both cover {', '.join(shared)}"


# --- partitions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Partition:
    """Which sector codes form the base of the LQ denominator (the regional total adds them up)
    and which were left out of it because they overlap the base.

    ``base``: the chosen codes, NACE order, then codes that are not NACE; ``dropped``: the
    overlapping codes left out; ``reasons``: dropped code -> why, in words; ``not_nace``: codes
    outside the NACE logic (base by default); ``note``: one sentence for the user.
    """

    base: tuple[str, ...]
    dropped: tuple[str, ...]
    note: str
    reasons: dict[str, str]
    not_nace: tuple[str, ...] = ()

    def is_base(self, code: str) -> bool:
        return str(code).strip() in self.base


def _listing(codes, limit: int = 12) -> str:
    codes = list(codes)
    if len(codes) <= limit:
        return ", ".join(codes)
    return f"{', '.join(codes[:limit])} and {len(codes) - limit} more"


def _note(base, dropped, reasons, not_nace, *, marked_in: str | None = None) -> str:
    nace_base = [c for c in base if c not in not_nace]
    source = f" (as marked in {marked_in})" if marked_in else ""
    count = (
        "1 NACE code" if len(nace_base) == 1 else f"{len(nace_base)} NACE codes that do not overlap"
    )
    text = f"base sectors of the LQ denominator{source}: {_listing(nace_base)} ({count})"
    if dropped and marked_in:
        text += f"; marked base=false: {_listing(dropped)}"
    elif dropped:
        parts = [f"{c} ({reasons[c]})" if reasons.get(c) else c for c in dropped]
        text += f"; left out as overlapping: {_listing(parts)}"
    if not_nace:
        text += f"; not NACE codes, so outside this check and base by default: {_listing(not_nace)}"
    return text


def _dropped_key(code: str) -> tuple:
    # the finer left-out codes first (C before G-J before TOTAL), each level in NACE order
    return (len(sections_of(code)), nace_order(code))


def base_partition(codes) -> Partition:
    """The finest set of non-overlapping NACE codes that covers as much as the codes can.

    Rule, applied to the NACE codes (the others are base by default, listed in ``not_nace``):

    1. Two spellings of one code (``M-N``, ``M_N``) or two codes of the same activities: the one
       Eurostat writes (else the first in NACE order) stays, the other is left out.
    2. A code that is exactly the union of finer codes present is left out: ``G-J`` when ``G-I``
       and ``J`` are present, ``TOTAL`` when the A10 codes are, ``C`` when C10 .. C33 all are.
    3. The rest is taken greedily, widest coverage first: by the number of NACE sections a code
       touches (more first), then by the number of divisions (fewer first), then NACE order; a
       code that overlaps one already taken is left out. So a section beats the divisions of
       another section, and divisions beat their own section: of {B-E, C} (B, D, E absent)
       B-E stays and C, the 'of which manufacturing' item, is left out, since keeping C would
       lose B, D and E; of {C, C10, C11} the divisions stay and C is left out, as C's other
       divisions are not there to be counted.

    The result is deterministic (it depends on the set of codes, not their order) and its base
    codes never overlap.
    """
    given = sorted({str(c).strip() for c in codes}, key=nace_order)
    not_nace = tuple(c for c in given if not is_nace(c))
    nace = [c for c in given if is_nace(c)]
    reasons: dict[str, str] = {}

    # 1. one code per set of divisions
    kept: dict[frozenset[str], str] = {}
    for code in sorted(nace, key=lambda c: (c != normalise_code(c), nace_order(c))):
        leaves = divisions_of(code)
        if leaves in kept:
            reasons[code] = f"same as {kept[leaves]}"
        else:
            kept[leaves] = code
    candidates = list(kept.values())

    # 2. codes that are the union of finer codes present
    covered = []
    for code in candidates:
        leaves = divisions_of(code)
        finer = [divisions_of(d) for d in candidates if divisions_of(d) < leaves]
        if finer and frozenset().union(*finer) == leaves:
            covered.append(code)

    # 3. widest coverage first, finest among equals
    rest = sorted(
        (c for c in candidates if c not in covered),
        key=lambda c: (-len(sections_of(c)), len(divisions_of(c)), nace_order(c)),
    )
    chosen: list[str] = []
    for code in rest:
        clash = [b for b in chosen if divisions_of(b) & divisions_of(code)]
        if not clash:
            chosen.append(code)
            continue
        leaves = divisions_of(code)
        if all(divisions_of(b) > leaves for b in clash):
            reasons[code] = f"inside {_listing(sorted(clash, key=nace_order), 3)}"
        elif all(divisions_of(b) < leaves for b in clash):
            inner = sorted(clash, key=nace_order)
            reasons[code] = (
                f"contains {_listing(inner, 4)}"
                if len(inner) <= 4
                else f"contains {len(inner)} base sectors"
            )
        else:
            reasons[code] = f"overlaps {_listing(sorted(clash, key=nace_order), 3)}"

    for code in covered:
        leaves = divisions_of(code)
        inside = sorted((b for b in chosen if divisions_of(b) <= leaves), key=nace_order)
        union = frozenset().union(*(divisions_of(b) for b in inside)) if inside else frozenset()
        if union != leaves:
            reasons[code] = "made of finer codes present"
        elif len(inside) == len(chosen) and len(inside) > 4:
            reasons[code] = "the sum of the base sectors"
        elif len(inside) <= 4:
            reasons[code] = "= " + " + ".join(inside)
        else:
            reasons[code] = f"the sum of {len(inside)} base sectors"

    base = tuple(sorted(chosen, key=nace_order)) + not_nace
    dropped = tuple(sorted(reasons, key=_dropped_key))
    return Partition(
        base=base,
        dropped=dropped,
        note=_note(base, dropped, reasons, not_nace),
        reasons={c: reasons[c] for c in dropped},
        not_nace=not_nace,
    )


def check_partition(codes, base: set[str] | None, file: str) -> Partition:
    """The partition of a user's sector set: ``base_partition(codes)`` when the file has no
    ``base`` column (``base`` None), else the codes marked base, checked.

    Two marked NACE codes that overlap would count their shared activities twice in the
    regional total: every such pair is reported in one ``BadInputError`` naming ``file``, e.g.
    "sectors C and B-E overlap (C is inside B-E): mark one of them base=false".
    """
    if base is None:
        return base_partition(codes)
    given = sorted({str(c).strip() for c in codes}, key=nace_order)
    marked = {str(c).strip() for c in base}
    problems = [
        Problem(
            file,
            f"sectors {a} and {b} overlap ({_relation(a, b)}): mark one of them base=false",
            column="base",
        )
        for a, b in overlaps(marked)
    ]
    if problems:
        raise BadInputError(problems)
    not_nace = tuple(c for c in given if c in marked and not is_nace(c))
    chosen = tuple(c for c in given if c in marked and is_nace(c)) + not_nace
    dropped = tuple(sorted((c for c in given if c not in marked), key=nace_order))
    reasons = {c: "marked base=false" for c in dropped}
    return Partition(
        base=chosen,
        dropped=dropped,
        note=_note(chosen, dropped, reasons, not_nace, marked_in=file),
        reasons=reasons,
        not_nace=not_nace,
    )
