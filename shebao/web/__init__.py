"""The web channel: a chat page and an HTTP JSON API over the conversation core (`shebao serve`)."""
