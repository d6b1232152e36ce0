"""Headers as councils write them map to one set of fields."""

from __future__ import annotations

import pytest

from bot.plan_io.columns import (
    MILESTONE_DATE,
    MILESTONE_TEXT,
    MILESTONES,
    field_for,
    is_header,
    map_columns,
)
from bot.plan_io.writer import EXPORT_COLUMNS

SYNONYMS = {
    "ref": ["ref", "REF", "Ref No", "No.", "Action Ref", " Ref "],
    "title": [
        "Action",
        "Project",
        "title",
        "Action Description",
        "Project Name",
        "Actions",
        "Description of action",
    ],
    "outcomes": ["Outcomes Expected", "outcomes_expected", "Outcome", "outcomes"],
    "measures": ["Measure", "Measures", "Measure of success", "KPI"],
    "owners": ["By Whom", "owners", "Owner", "Lead", "Responsible", "Action Owner"],
    "review_date": ["Review Date", "review", "Due Date", "Deadline", "Target date", "review_date"],
    "rag": ["RAG", "RAG status", "Status", "rag"],
    "latest_update": [
        "Update",
        "Update October",
        "latest_update",
        "Commentary",
        "Comments",
        "Progress",
        "Latest update",
        "Update Oct 2022",
    ],
    "workstream": ["Priority", "Priority Area", "Workstream", "Theme", "priority"],
    "workstream_ref": ["workstream_ref", "Workstream Ref", "Workstream No."],
    "workstream_lead": ["workstream_lead", "Workstream Lead"],
    MILESTONES: [
        "Milestones",
        "milestones_march",
        "Milestones April",
        "March",
        "April",
        "Mar 2017",
    ],
    MILESTONE_DATE: ["date_text", "Date"],
    MILESTONE_TEXT: ["description", "Description"],
}


@pytest.mark.parametrize(
    ("header", "field"),
    [(header, field) for field, headers in SYNONYMS.items() for header in headers],
)
def test_header_synonyms(header: str, field: str) -> None:
    assert field_for(header) == field


@pytest.mark.parametrize(
    "header", ["", "owner_confidence", "diagram_text", "note", "month_column", "Polarity"]
)
def test_unknown_columns_are_ignored(header: str) -> None:
    assert field_for(header) is None


def test_export_columns_are_read_back_as_their_fields() -> None:
    assert [field_for(name) for name in EXPORT_COLUMNS] == [
        "workstream_ref", "workstream", "workstream_lead", "ref", "title", "outcomes",
        "measures", "owners", "review_date", "rag", "latest_update", MILESTONES,
    ]  # fmt: skip


def test_plan_header_needs_a_title() -> None:
    assert map_columns(["ref", "project", "rag"]).kind == "plan"
    assert map_columns(["ref", "rag", "commentary"]).kind is None


def test_milestones_header_is_ref_date_and_text_without_title() -> None:
    columns = map_columns(["ref", "month_column", "date_text", "description"])
    assert columns.kind == "milestones"
    assert columns.milestone_text == 3


def test_a_milestone_column_can_be_the_text_of_a_milestones_file() -> None:
    columns = map_columns(["Ref", "Date", "Milestone"])
    assert columns.kind == "milestones"
    assert columns.milestone_text == 2


def test_every_month_column_is_a_milestone_cell() -> None:
    columns = map_columns(["ref", "project", "milestones_march", "milestones_april"])
    assert columns.milestone_cells == (2, 3)


def test_first_column_wins_and_names_are_kept_as_written() -> None:
    columns = map_columns(["Action", "Update", "Comments", "Review Date"])
    assert columns.index["latest_update"] == 1
    assert columns.name("review_date") == "Review Date"


def test_title_rows_are_not_headers() -> None:
    assert not is_header(["Children's Services Improvement Plan", "", ""])
    assert is_header(["", "Action", "By Whom"])
