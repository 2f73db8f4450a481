# The browser fixtures (Chromium through Playwright) of tests/browser, for the CSP browser test.
from tests.browser.conftest import browser, page  # noqa: F401
