"""Numbered SQL migrations of the bot database (NNNN_name.sql), applied in order by shebao.store."""
