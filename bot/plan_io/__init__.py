"""Plan spreadsheets in and out: read_plan_files, write_csv, write_xlsx."""

from bot.domain.plan_rows import (
    FIELDS,
    ActionRow,
    CellError,
    MilestoneRow,
    OwnerName,
    PlanFileError,
    SourceRef,
)
from bot.plan_io.reader import read_plan_file, read_plan_files
from bot.plan_io.writer import EXPORT_COLUMNS, write_csv, write_xlsx

__all__ = [
    "EXPORT_COLUMNS",
    "FIELDS",
    "ActionRow",
    "CellError",
    "MilestoneRow",
    "OwnerName",
    "PlanFileError",
    "SourceRef",
    "read_plan_file",
    "read_plan_files",
    "write_csv",
    "write_xlsx",
]
