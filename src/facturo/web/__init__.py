"""The web pages: server-rendered Jinja2 in Spanish (and English), on the same services as the API."""
