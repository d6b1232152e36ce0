"""Input that looks like an attack, not an update, is answered and never recorded."""

from __future__ import annotations

import re

_CODE_PATTERNS = re.compile(
    r"""
      ;\s*(?:drop|alter|truncate)\s+(?:table|database)\b                # stacked SQL statements
    | ;\s*delete\s+from\b | ;\s*insert\s+into\b | ;\s*update\s+\w+\s+set\b
    | \bunion\s+(?:all\s+)?select\b
    | ['"]\s*or\s+['"]?\w+['"]?\s*=\s*['"]?\w+                         # ' or 1=1
    | ['"]\s*\)?\s*;\s*--                                               # quote; comment
    | <\s*/?\s*(?:script|iframe|img|svg)\b                             # markup
    | \{\{.*?\}\} | \$\{.*?\}                                         # template expressions
    """,
    re.IGNORECASE | re.VERBOSE,
)


def looks_like_code(text: str) -> bool:
    """Real updates don't contain SQL, script tags or template syntax; attempts do."""
    return _CODE_PATTERNS.search(text[:4000]) is not None
