"""Helpers the surfaces share, below every domain: the REST API's (``rest``), the web pages'
(``web``, with the templates, static files and translations) and the command line's (``console``).

They import only kit. The assembly (``facturo.api.app``, ``facturo.web.routers``,
``facturo.cli.main``) wires the domains in, including the ``Authenticator`` that ``auth`` provides.
"""
