"""The pydantic models of the API's request and response bodies (JSON:API documents).

Requests are validated with these models after the key check (see
`bot.web.api.caller`); their validation errors become the API's 400 messages in
`bot.web.api.refusals`. Responses are the routes' `response_model`s: FastAPI
checks every answer against them and serializes it, and `/openapi.json` is
generated from both.
"""
