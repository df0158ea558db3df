"""Commands for users (``users``) and API tokens (``tokens``)."""
