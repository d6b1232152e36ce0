"""The command line: `actionbot run`, `import`, `people`, `remind` ... one module per group."""
