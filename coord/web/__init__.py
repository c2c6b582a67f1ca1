"""The coordinators' web board (挂图作战): server-rendered pages over the same services as the chat layer,
for coordinators on the office screen and captains on their phones.

Modules: ``app`` (the Starlette application), ``auth`` (the session cookie and the CSRF rule), ``pages``
(the routes), ``texts`` (formatting in the reader's language); ``templates/`` and ``static/`` beside them.
"""

from coord.web.app import create_app

__all__ = ["create_app"]
