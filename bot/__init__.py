"""actionbot: keeps an improvement plan moving between board meetings."""
