"""The services: the only door the adapters (Slack, the web, the CLI) use.

Each works inside a transaction its caller owns: `CaseService` and `CaseReader`
(bot/services/cases.py, case_reader.py), `ProjectService` (projects.py); their
refusals are bot/services/errors.py. Error tracking's services are
bot/errortracking/. The console's: `AccountService` (accounts.py),
`SessionService` (sessions.py), `CasePages` (case_pages.py) and the case feed
(case_feed.py; across servers on PostgreSQL, shared_case_feed.py).
"""
