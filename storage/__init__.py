"""Storage: the plan's tables and the functions that read and write them.

Importing any of it registers the hooks that bump a board's version on every change to its
plan (plan_version.py), so no writer can leave a cached read stale.
"""

from storage import plan_version as plan_version
