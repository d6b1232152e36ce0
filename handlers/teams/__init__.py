"""Microsoft Teams: the Microsoft 365 Agents SDK at the edge, the same core behind it."""
