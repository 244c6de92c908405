"""The WeChat Official Account channel: `/wechat` on `shebao serve` (shared/interfaces.md, "WeChat Official Account")."""
