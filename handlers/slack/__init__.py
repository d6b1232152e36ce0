"""Slack: the Bolt app, Block Kit rendering, the notifier and the server that runs them."""
