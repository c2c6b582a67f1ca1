"""The coordinators' web board (挂图作战): server-rendered pages over the same services as the chat layer,
for coordinators on the office screen and captains on their phones.

Modules: ``app`` (the Starlette application), ``routes``, ``pages`` (sign-in, Today, wall, live, the actions
on work), ``office`` (watch list, teams and people, reports), ``auth`` (the session cookie and the CSRF rule),
``texts`` (formatting in the reader's language), ``posters`` (QR invites), ``serve`` (uvicorn) and ``health``
(the check from outside); ``templates/`` and ``static/`` beside them.
"""

from coord.web.app import create_app

__all__ = ["create_app"]
