"""Plan spreadsheets in and out: read_plans (CSV, XLSX, a JSON export), write_csv, write_xlsx."""

from bot.domain.plan_rows import (
    FIELDS,
    ActionRow,
    CellError,
    MilestoneRow,
    OwnerName,
    PlanFileError,
    ReadNote,
    SourceRef,
)
from bot.plan_io.reader import PlanRead, read_plan_file, read_plan_files, read_plans
from bot.plan_io.writer import EXPORT_COLUMNS, write_csv, write_xlsx

__all__ = [
    "EXPORT_COLUMNS",
    "FIELDS",
    "ActionRow",
    "CellError",
    "MilestoneRow",
    "OwnerName",
    "PlanFileError",
    "PlanRead",
    "ReadNote",
    "SourceRef",
    "read_plan_file",
    "read_plan_files",
    "read_plans",
    "write_csv",
    "write_xlsx",
]
