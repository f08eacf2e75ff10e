import pytest
from playwright.sync_api import expect

from patientportal.notifications.choices import NotificationKind
from patientportal.notifications.services import notify_staff
from tests.browser.conftest import check_page
from tests.browser.test_journeys import WIDTHS, sign_in
from tests.payments.helpers import restricted_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", WIDTHS)
def test_an_owner_finds_the_order_waiting_in_the_header_opens_it_and_chooses_a_summary(world, new_page, width):
    order, _product = restricted_order(world)
    notify_staff(
        world.clinic_a, NotificationKind.DOCUMENT_SIGNED, title="A patient signed a document", url="/staff/alpha/"
    )
    page = new_page(width)
    sign_in(page, "owner@alpha.example")
    page.goto("/staff/alpha/")
    header_link = page.get_by_role("banner").get_by_role("link", name="Notifications 2 unread")
    expect(header_link).to_be_visible()
    header_link.click()
    expect(page.get_by_role("heading", name="Notifications", exact=True)).to_be_visible()
    check_page(page, "staff-notifications")
    page.get_by_role("link", name=f"Order {order.number} is waiting for approval").click()
    expect(page.get_by_role("heading", name=f"Order {order.number}")).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("link", name="Notifications 1 unread")).to_be_visible()

    page.goto("/staff/alpha/notifications/settings/")
    expect(page.get_by_role("heading", name="Notification settings")).to_be_visible()
    check_page(page, "staff-notification-settings")
    page.get_by_role("group", name="Order waiting for approval").get_by_label("Daily summary").check()
    page.get_by_role("button", name="Save notification settings").click()
    expect(page.get_by_text("Notification settings saved.")).to_be_visible()
    expect(page.get_by_role("group", name="Order waiting for approval").get_by_label("Daily summary")).to_be_checked()
