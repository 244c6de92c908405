"""Union staff's tools: the unanswered-question export, the HTML report, the published-ids list."""
