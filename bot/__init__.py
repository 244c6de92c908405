"""The Telegram bot: python-telegram-bot wiring, handlers, replies and storage."""
