"""/ sends each role to its landing page."""

from fastapi.responses import RedirectResponse

from dashboard.auth import signed_in
from dashboard.navigation import Page, landing_path
from domain.access import Actor


async def home_page() -> RedirectResponse | None:
    actor = await signed_in()
    if not isinstance(actor, Actor):
        return actor
    return RedirectResponse(landing_path(actor))


PAGES = [Page("/", home_page)]
