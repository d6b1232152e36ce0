"""'By Whom' cells: people with their job titles, roles when nobody is named."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.plan_rows import OwnerName
from bot.plan_io.owners import format_owner, parse_owners

SEED_OWNER_CELLS = [
    ("AD CSC Paula Swindlehurst", OwnerName("Paula Swindlehurst", "AD CSC")),
    (
        "Lisa Ellis Associate Director, Quality & Safety Improvement (St Helens)",
        OwnerName("Lisa Ellis", "Associate Director, Quality & Safety Improvement (St Helens)"),
    ),
    (
        "Jan Higgins Head of Children & Partnership Work",
        OwnerName("Jan Higgins", "Head of Children & Partnership Work"),
    ),
    ("DCI Allison Woods (Chair of CARE)", OwnerName("Allison Woods", "DCI (Chair of CARE)")),
    ("HoS Jo Bibby", OwnerName("Jo Bibby", "HoS")),
    (
        "Sarah Platt Head of Service: School Improvement and Effectiveness",
        OwnerName("Sarah Platt", "Head of Service: School Improvement and Effectiveness"),
    ),
    ("CEO Kath O'Dwyer", OwnerName("Kath O'Dwyer", "CEO")),
    ("SI Steve Brizell", OwnerName("Steve Brizell", "SI")),
    ("DCS Hilary Brooks", OwnerName("Hilary Brooks", "DCS")),
    ("Heads of Service", OwnerName("Heads of Service")),
    ("Head of Service Quality Assurance", OwnerName("Head of Service Quality Assurance")),
    ("BEC WINDSOR", OwnerName("Bec Windsor")),
    ("ADAM", OwnerName("Adam")),
    ("MARTHA McCARRON", OwnerName("Martha McCarron")),
]


@pytest.mark.parametrize(("cell", "owner"), SEED_OWNER_CELLS)
def test_one_owner_per_cell(cell: str, owner: OwnerName) -> None:
    assert parse_owners(cell) == (owner,)


@pytest.mark.parametrize(("cell", "owner"), SEED_OWNER_CELLS)
def test_format_owner_reads_back_the_same_owner(cell: str, owner: OwnerName) -> None:
    assert parse_owners(format_owner(owner)) == (owner,)


def test_cells_split_on_semicolons_and_slashes() -> None:
    cell = "DCS Hilary Brooks; SI Steve Brizell / AD CSC Paula Swindlehurst; Heads of Service"
    assert [owner.name for owner in parse_owners(cell)] == [
        "Hilary Brooks",
        "Steve Brizell",
        "Paula Swindlehurst",
        "Heads of Service",
    ]


def test_ampersands_and_commas_stay_inside_the_role() -> None:
    (owner,) = parse_owners("Lisa Ellis Associate Director, Quality & Safety Improvement")
    assert owner.role == "Associate Director, Quality & Safety Improvement"


def test_all_caps_names_are_title_cased() -> None:
    assert parse_owners("EMMA BRITTAIN / MARIA WHITE") == (
        OwnerName("Emma Brittain"),
        OwnerName("Maria White"),
    )


def test_role_abbreviations_survive_all_caps_cells() -> None:
    assert parse_owners("DCS HILARY BROOKS") == (OwnerName("Hilary Brooks", "DCS"),)


def test_the_same_person_twice_in_a_cell_is_one_owner() -> None:
    assert parse_owners("BEC WINDSOR / Bec Windsor; AD Bec  Windsor") == (OwnerName("Bec Windsor"),)


def test_key_ignores_case_and_spacing() -> None:
    assert OwnerName("Paula  Swindlehurst").key == OwnerName("paula swindlehurst", "AD").key


@pytest.mark.parametrize("cell", ["", "   ", "-", "n/a", "TBC", "tbc", " ; / "])
def test_placeholders_name_nobody(cell: str) -> None:
    assert parse_owners(cell) == ()


def test_whitespace_is_collapsed() -> None:
    assert parse_owners("  AD   CSC\nPaula   Swindlehurst ") == (
        OwnerName("Paula Swindlehurst", "AD CSC"),
    )


@given(st.text())
def test_any_text_gives_owners_with_names(cell: str) -> None:
    for owner in parse_owners(cell):
        assert owner.name.strip()
        assert owner.key


@given(st.text(alphabet=st.sampled_from("ABCDEFGHOSabcdefhos'-,:;/ ()&")))
def test_formatted_owners_read_back_unchanged(cell: str) -> None:
    for owner in parse_owners(cell):
        assert parse_owners(format_owner(owner)) == (owner,)
