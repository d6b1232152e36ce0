"""The application layer: one typed use case per thing a person or a job asks of the bot.

Every adapter (Slack, the console, the CLI, Teams) calls these and nothing below them; each
use case owns its unit of work. Nothing here knows which platform is asking.
"""
