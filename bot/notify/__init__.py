"""Notifications leave casebot here: one module per kind of destination (webhook,
e-mail, Microsoft Teams, PagerDuty) and the sender that delivers the outbox."""
