"""The access pages: signing in and out (``sign_in``) and the administration of users and tokens (``admin``)."""
