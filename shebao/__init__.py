"""社保助手 (shebao-bot): glue between the knowledge base, the calculators and the Telegram bot."""

__version__ = "0.1.0"
