"""What the Jobs page tests share: the fixed cast, and jobs as the workers leave them."""

from typing import Any

from incost_portal.networks.models import App
from incost_portal.submissions.models import State, Submission
from tests.builders import submission
from tests.cast import BaseTestCase


class JobsTestCase(BaseTestCase):
    def job(self, app: App | None = None, state: str = State.APPLIED, **fields: Any) -> Submission:
        return submission(app or self.cast.ios_app, state, **fields)
