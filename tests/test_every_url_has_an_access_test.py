"""Every URL of the project has an access test (STYLE.md §10: anonymous, another
patient, another clinic, right user).

How a URL's access tests are known: ACCESS_TESTS below names them, for each URL
name (`namespace:name`). It is explicit on purpose: a new URL fails this test,
by name, until someone writes its access tests and names them here; a name left
after its URL is gone fails too. The names are not taken on trust. Read from the
source with `ast`, each named test must exist and must request that URL: a
literal path or f-string (its parametrize values, the module's constants and
helpers it uses included) that resolves to it, or `reverse("that:name")`. At least
one of a URL's tests must assert a refusal: a status code of REFUSALS (302 being
the redirect to sign in) or a call to a helper of tests/access_matrix.py. This
catches stale and mistaken entries; whether a test checks the right people is
for the review of the test it names.
"""

import ast
import functools
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from django.http import HttpResponse
from django.test import override_settings
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, include, path, resolve

ROOT = Path(__file__).resolve().parent.parent

# URLs that are not ours, so not ours to test. Matched on the start of the route.
NOT_OURS = {
    # django-allauth's sign-in, sign-up, email confirmation, password reset and MFA pages:
    # public by design, tested by allauth; our adapter's rules are tested in tests/accounts/.
    "accounts/": "django-allauth",
    # The Django admin for operators: the admin checks is_staff itself (Django's own tests); its
    # sign-in through allauth and the required second factor: tests/accounts/test_operator_admin.py.
    "operator/": "the Django admin",
    # Static and uploaded files, should a URLconf ever serve them (today whitenoise serves
    # static files and uploads are only streamed by views that check access).
    "static/": "static files",
    "media/": "media files",
}

# The checks of tests/test_url_access.py that cover many URLs at once.
_ALL = "tests/test_url_access.py::"
ANONYMOUS = _ALL + "test_anonymous_visitors_are_sent_to_sign_in"
NO_RECORD = _ALL + "test_an_account_with_no_patient_record_gets_403_in_the_portal"
OWN_THINGS_ONLY = _ALL + "test_portal_pages_show_only_the_signed_in_patients_own_things"
PATIENT_IN_STAFF_AREA = _ALL + "test_a_patient_account_gets_404_in_the_staff_area"
OTHER_CLINICS_STAFF = _ALL + "test_another_clinics_staff_get_404_in_this_clinics_staff_area"
OTHER_CLINICS_RECORDS = _ALL + "test_another_clinics_records_are_404_under_the_staffs_own_clinic"
PORTAL = (ANONYMOUS, NO_RECORD)
STAFF = (ANONYMOUS, PATIENT_IN_STAFF_AREA, OTHER_CLINICS_STAFF)
STAFF_RECORD = (*STAFF, OTHER_CLINICS_RECORDS)

_APPOINTMENTS = "tests/portal/test_appointments_page.py::"
_SHOP = "tests/portal/test_shop_pages.py::"
_DOCUMENTS = "tests/portal/test_document_pages.py::"
_ORDERS = "tests/portal/test_order_pages.py::"
_INVITATION = "tests/portal/test_invitation_pages.py::"
_STAFF_PATIENTS = "tests/staff/test_patient_pages.py::"
_STAFF_ACCESS = "tests/staff/test_portal_access_section.py::"
_STAFF_PROXIES = "tests/staff/test_proxies_section.py::"
_STAFF_SCHEDULING = "tests/staff/test_scheduling_pages.py::"
_STAFF_PRODUCTS = "tests/staff/test_product_pages.py::"
_STAFF_ORDERS = "tests/staff/test_order_queue.py::"
_STAFF_DOCUMENTS = "tests/staff/test_document_pages.py::"
_STAFF_SETTINGS = "tests/staff/test_clinic_settings_page.py::"
_ACCESS_HISTORY = "tests/portal/test_access_history_page.py::"
_RECEIPTS = "tests/payments/test_receipts.py::"
_STAFF_NOTIFICATIONS = "tests/staff/test_notification_pages.py::"
_CANCEL = "tests/portal/test_appointment_cancel_page.py::"
_REQUEST = "tests/portal/test_appointment_request_pages.py::"
_STAFF_REQUESTS = "tests/staff/test_appointment_request_queue.py::"
_STAFF_AUDIT = "tests/staff/test_audit_trail_page.py::"
_FRONT_DESK = "tests/staff/test_front_desk_pages.py::"
_ACCOUNT = "tests/accounts/test_account_page.py::"
_SELF_BOOKING = "tests/portal/test_self_booking_pages.py::"
_WORKING_HOURS = "tests/staff/test_working_hours_page.py::"

# URL name → the tests that check who is refused, in the order of the URLconfs.
ACCESS_TESTS: dict[str, tuple[str, ...]] = {
    "home": (ANONYMOUS, _ALL + "test_the_start_page_sends_each_account_to_its_own_area_only"),
    # The account page: the signed-in account's own, in whichever area it is opened.
    "account": (ANONYMOUS, _ACCOUNT + "test_the_account_link_leads_to_an_account_page_the_account_may_open"),
    "healthz": (  # public by design: it answers anyone, with nothing but the status, to GET only
        _ALL + "test_the_health_check_is_public_tells_only_the_status_and_answers_only_get",
        "tests/core/test_healthz.py::test_healthz_reports_the_database",
    ),
    # The patient portal.
    "portal:dashboard": (
        *PORTAL,
        OWN_THINGS_ONLY,
        "tests/portal/test_portal_access.py::test_anonymous_visitors_are_sent_to_sign_in",
    ),
    "portal:switch_record": (
        *PORTAL,
        "tests/portal/test_portal_access.py::test_switching_to_a_record_of_another_account_is_404",
    ),
    "portal:appointments": (
        *PORTAL,
        OWN_THINGS_ONLY,
        _APPOINTMENTS + "test_another_patients_or_clinics_appointment_never_appears_and_is_404",
    ),
    "portal:appointment_reminders": (
        *PORTAL,
        "tests/portal/test_appointment_reminders_control.py::"
        "test_the_choice_is_the_accounts_own_for_the_record_in_use_and_nobody_elses",
    ),
    "portal:appointment_calendar_file": (
        *PORTAL,
        _APPOINTMENTS + "test_another_patients_or_clinics_appointment_never_appears_and_is_404",
    ),
    "portal:appointment_cancel": (
        *PORTAL,
        _CANCEL + "test_another_patients_or_clinics_appointment_cannot_be_cancelled_and_is_404",
    ),
    "portal:appointment_reschedule": (
        *PORTAL,
        _REQUEST + "test_another_patients_or_clinics_appointment_cannot_be_given_a_new_time",
    ),
    "portal:appointment_book_start": (
        *PORTAL,
        _SELF_BOOKING + "test_the_pages_are_404_unless_the_clinic_offers_self_booking_and_the_type_is_bookable",
    ),
    "portal:appointment_slots": (
        *PORTAL,
        _SELF_BOOKING + "test_the_pages_are_404_unless_the_clinic_offers_self_booking_and_the_type_is_bookable",
        _SELF_BOOKING + "test_another_clinics_type_is_404_and_a_booking_is_for_the_record_in_use_only",
    ),
    "portal:appointment_request_new": (*PORTAL, _REQUEST + "test_a_request_is_made_for_the_record_in_use_only"),
    "portal:appointment_request_withdraw": (
        *PORTAL,
        _REQUEST + "test_another_patients_or_clinics_request_cannot_be_withdrawn_and_is_404",
    ),
    "portal:shop": (*PORTAL, OWN_THINGS_ONLY),
    "portal:product_detail": (*PORTAL, _SHOP + "test_hidden_inactive_and_other_clinics_products_are_404"),
    "portal:product_image": (*PORTAL, _SHOP + "test_product_images_are_served_only_through_checked_views"),
    "portal:cart": (*PORTAL, OWN_THINGS_ONLY),
    "portal:cart_drawer": (*PORTAL, OWN_THINGS_ONLY),
    "portal:cart_add": (*PORTAL, _SHOP + "test_another_clinics_product_cannot_be_added_by_id"),
    "portal:cart_update": (*PORTAL, _SHOP + "test_another_records_cart_items_cannot_be_changed"),
    "portal:cart_remove": (*PORTAL, _SHOP + "test_another_records_cart_items_cannot_be_changed"),
    "portal:cart_clear": (*PORTAL, _ALL + "test_clearing_the_cart_and_checking_out_touch_only_the_patients_own_cart"),
    "portal:checkout": (
        *PORTAL,
        OWN_THINGS_ONLY,
        _ALL + "test_clearing_the_cart_and_checking_out_touch_only_the_patients_own_cart",
    ),
    "portal:document_list": (
        *PORTAL,
        OWN_THINGS_ONLY,
        _DOCUMENTS + "test_the_list_puts_what_to_sign_first_with_a_count_and_never_shows_hidden_documents",
    ),
    "portal:document_detail": (
        *PORTAL,
        _DOCUMENTS + "test_urls_of_hidden_another_patients_or_another_clinics_documents_are_404",
    ),
    "portal:document_file": (
        *PORTAL,
        _DOCUMENTS + "test_urls_of_hidden_another_patients_or_another_clinics_documents_are_404",
    ),
    "portal:document_page": (
        *PORTAL,
        _DOCUMENTS + "test_urls_of_hidden_another_patients_or_another_clinics_documents_are_404",
    ),
    "portal:signed_copy": (
        *PORTAL,
        _DOCUMENTS + "test_urls_of_hidden_another_patients_or_another_clinics_documents_are_404",
        _DOCUMENTS + "test_signed_copies_of_another_patients_or_clinics_signed_documents_are_404",
    ),
    "portal:document_sign": (
        *PORTAL,
        _DOCUMENTS + "test_urls_of_hidden_another_patients_or_another_clinics_documents_are_404",
    ),
    "portal:order_list": (
        *PORTAL,
        OWN_THINGS_ONLY,
        _ORDERS + "test_another_patients_or_clinics_order_is_404_everywhere",
    ),
    "portal:order_detail": (*PORTAL, _ORDERS + "test_another_patients_or_clinics_order_is_404_everywhere"),
    "portal:order_pay": (*PORTAL, _ORDERS + "test_another_patients_or_clinics_order_is_404_everywhere"),
    "portal:order_confirmation": (*PORTAL, _ORDERS + "test_another_patients_or_clinics_order_is_404_everywhere"),
    "portal:payment_receipt": (*PORTAL, _RECEIPTS + "test_the_patients_receipts_open_for_them_only"),
    "portal:payment_receipt_pdf": (*PORTAL, _RECEIPTS + "test_the_patients_receipts_open_for_them_only"),
    "portal:refund_receipt": (*PORTAL, _RECEIPTS + "test_the_patients_receipts_open_for_them_only"),
    "portal:refund_receipt_pdf": (*PORTAL, _RECEIPTS + "test_the_patients_receipts_open_for_them_only"),
    "portal:access_history": (*PORTAL, OWN_THINGS_ONLY, _ACCESS_HISTORY + "test_who_may_open_the_page"),
    "portal:account": (*PORTAL, _ACCOUNT + "test_each_account_page_shows_and_changes_only_the_signed_in_account"),
    # Invitation links: the token is the key; nothing of the patient is shown to anyone else.
    "invitation_accept": (
        _INVITATION + "test_a_signed_in_account_with_another_email_is_told_and_nothing_is_linked",
        _INVITATION + "test_the_accept_page_without_an_invitation_explains_what_to_do",
    ),
    "invitation_link": (  # public by design: the page holds no data; the posted token is the key
        "tests/portal/test_invitation_link.py::test_the_link_page_shows_nothing_and_a_wrong_code_is_refused",
        "tests/portal/test_invitation_link.py::test_posted_codes_are_rate_limited_per_address",
    ),
    "invitation_open": (
        _INVITATION + "test_every_unusable_link_has_its_own_clear_page_and_shows_nothing_of_the_patient",
        _INVITATION + "test_a_signed_out_visitor_sees_the_clinic_but_no_patient_data",
        _INVITATION + "test_a_signed_in_account_with_another_email_is_told_and_nothing_is_linked",
    ),
    # The clinic's staff area.
    "staff:choose_clinic": (ANONYMOUS, _ALL + "test_choosing_a_clinic_offers_only_the_accounts_own_clinics"),
    "staff:account": (*STAFF, _ACCOUNT + "test_each_account_page_shows_and_changes_only_the_signed_in_account"),
    "staff:home": (*STAFF, _STAFF_PATIENTS + "test_every_staff_page_is_scoped_to_the_clinics_team"),
    "staff:patient_list": (
        *STAFF,
        _STAFF_PATIENTS + "test_every_staff_page_is_scoped_to_the_clinics_team",
        _STAFF_PATIENTS + "test_the_patient_list_never_shows_another_clinics_patients",
    ),
    "staff:patient_create": (
        *STAFF,
        _STAFF_PATIENTS + "test_every_staff_page_is_scoped_to_the_clinics_team",
        _STAFF_PATIENTS + "test_anonymous_post_to_create_changes_nothing",
    ),
    "staff:patient_detail": (
        *STAFF_RECORD,
        _STAFF_PATIENTS + "test_every_staff_page_is_scoped_to_the_clinics_team",
        _STAFF_PATIENTS + "test_another_clinics_patient_is_404_even_for_staff_signed_in_to_their_own_clinic",
    ),
    "staff:patient_edit": (
        *STAFF_RECORD,
        _STAFF_PATIENTS + "test_every_staff_page_is_scoped_to_the_clinics_team",
        _STAFF_PATIENTS + "test_another_clinics_patient_is_404_even_for_staff_signed_in_to_their_own_clinic",
    ),
    "staff:portal_enable": (*STAFF_RECORD, _STAFF_ACCESS + "test_portal_access_actions_are_scoped_to_the_clinics_team"),
    "staff:portal_disable": (
        *STAFF_RECORD,
        _STAFF_ACCESS + "test_portal_access_actions_are_scoped_to_the_clinics_team",
    ),
    "staff:invitation_send": (
        *STAFF_RECORD,
        _STAFF_ACCESS + "test_portal_access_actions_are_scoped_to_the_clinics_team",
    ),
    "staff:invitation_revoke": (*STAFF, _STAFF_ACCESS + "test_another_clinic_cannot_see_or_act_on_invitations"),
    "staff:proxy_invite": (*STAFF_RECORD, _STAFF_PROXIES + "test_adding_a_proxy_is_scoped_to_the_clinics_team"),
    "staff:proxy_revoke": (
        *STAFF,
        _STAFF_PROXIES + "test_ending_a_proxy_is_scoped_to_the_clinics_team_and_the_record",
    ),
    "staff:invitation_resend": (
        "tests/staff/test_email_resend_pages.py::test_email_resend_is_scoped_to_the_clinics_team",
    ),
    "staff:email_resend": ("tests/staff/test_email_resend_pages.py::test_email_resend_is_scoped_to_the_clinics_team",),
    "staff:schedule_day": (
        *STAFF,
        _STAFF_SCHEDULING + "test_scheduling_pages_are_scoped_to_the_clinics_team",
        _STAFF_SCHEDULING + "test_the_schedule_never_shows_another_clinics_appointments",
    ),
    "staff:schedule_week": (
        *STAFF,
        _FRONT_DESK + "test_front_desk_pages_are_scoped_to_the_clinics_team",
        _FRONT_DESK + "test_another_clinics_provider_location_patient_or_appointment_is_404",
    ),
    "staff:schedule_print": (
        *STAFF,
        _FRONT_DESK + "test_front_desk_pages_are_scoped_to_the_clinics_team",
        _FRONT_DESK + "test_the_print_list_has_one_line_per_appointment_of_the_day_shown",
    ),
    "staff:schedule_book": (
        *STAFF,
        _FRONT_DESK + "test_front_desk_pages_are_scoped_to_the_clinics_team",
        _FRONT_DESK + "test_another_clinics_provider_location_patient_or_appointment_is_404",
    ),
    "staff:schedule_book_patient": (
        *STAFF_RECORD,
        _FRONT_DESK + "test_front_desk_pages_are_scoped_to_the_clinics_team",
        _FRONT_DESK + "test_another_clinics_provider_location_patient_or_appointment_is_404",
    ),
    "staff:patient_appointments": (
        *STAFF_RECORD,
        _STAFF_SCHEDULING + "test_all_appointments_of_a_patient_are_listed_page_by_page",
    ),
    "staff:appointment_create": (
        *STAFF_RECORD,
        _STAFF_SCHEDULING + "test_scheduling_pages_are_scoped_to_the_clinics_team",
    ),
    "staff:appointment_request_queue": (
        *STAFF,
        _STAFF_REQUESTS + "test_the_queue_is_scoped_to_the_clinics_team_and_lists_only_its_waiting_requests",
    ),
    "staff:appointment_request_book": (
        *STAFF_RECORD,
        _STAFF_REQUESTS + "test_the_book_and_decline_pages_are_scoped_to_the_clinics_team",
    ),
    "staff:appointment_request_decline": (
        *STAFF_RECORD,
        _STAFF_REQUESTS + "test_the_book_and_decline_pages_are_scoped_to_the_clinics_team",
    ),
    "staff:appointment_edit": (
        *STAFF_RECORD,
        _STAFF_SCHEDULING + "test_scheduling_pages_are_scoped_to_the_clinics_team",
        _STAFF_SCHEDULING + "test_another_clinics_appointment_is_404_for_every_action",
    ),
    "staff:appointment_status": (
        *STAFF_RECORD,
        _STAFF_SCHEDULING + "test_another_clinics_appointment_is_404_for_every_action",
    ),
    "staff:appointment_desk_move": (
        *STAFF_RECORD,
        _FRONT_DESK + "test_the_buttons_are_scoped_to_the_clinics_team",
        _FRONT_DESK + "test_another_clinics_provider_location_patient_or_appointment_is_404",
    ),
    "staff:appointment_cancel": (
        *STAFF_RECORD,
        _STAFF_SCHEDULING + "test_scheduling_pages_are_scoped_to_the_clinics_team",
        _STAFF_SCHEDULING + "test_another_clinics_appointment_is_404_for_every_action",
    ),
    "staff:setup_list": (*STAFF, _STAFF_SCHEDULING + "test_owners_and_admins_manage_the_setup_lists_and_staff_cannot"),
    "staff:setup_create": (
        *STAFF,
        _STAFF_SCHEDULING + "test_owners_and_admins_manage_the_setup_lists_and_staff_cannot",
    ),
    "staff:setup_edit": (
        *STAFF_RECORD,
        _STAFF_SCHEDULING + "test_owners_and_admins_manage_the_setup_lists_and_staff_cannot",
    ),
    "staff:provider_hours": (
        *STAFF_RECORD,
        _WORKING_HOURS + "test_only_owners_and_admins_of_the_providers_clinic_reach_the_page",
    ),
    "staff:product_list": (*STAFF, _STAFF_PRODUCTS + "test_product_pages_are_scoped_to_the_clinics_team"),
    "staff:product_create": (*STAFF, _STAFF_PRODUCTS + "test_product_pages_are_scoped_to_the_clinics_team"),
    "staff:product_edit": (
        *STAFF_RECORD,
        _STAFF_PRODUCTS + "test_product_pages_are_scoped_to_the_clinics_team",
        _STAFF_PRODUCTS + "test_providers_do_not_manage_products_and_other_clinics_get_404",
    ),
    "staff:product_stock": (
        *STAFF_RECORD,
        _STAFF_PRODUCTS + "test_providers_do_not_manage_products_and_other_clinics_get_404",
    ),
    "staff:product_image": (*STAFF_RECORD, _SHOP + "test_product_images_are_served_only_through_checked_views"),
    "staff:order_queue": (*STAFF, _STAFF_ORDERS + "test_order_pages_are_scoped_to_the_clinics_team"),
    "staff:order_detail": (
        *STAFF_RECORD,
        _STAFF_ORDERS + "test_order_pages_are_scoped_to_the_clinics_team",
        _STAFF_ORDERS + "test_another_clinic_cannot_see_or_act_on_an_order",
    ),
    "staff:order_action": (*STAFF_RECORD, _STAFF_ORDERS + "test_another_clinic_cannot_see_or_act_on_an_order"),
    "staff:order_refund": (
        *STAFF_RECORD,
        "tests/staff/test_order_refund_page.py::test_only_the_clinics_owners_and_admins_reach_the_refund_page",
    ),
    "staff:payment_receipt": (
        *STAFF_RECORD,
        _RECEIPTS + "test_the_clinics_team_prints_a_patients_receipts_and_no_one_else_does",
    ),
    "staff:payment_receipt_pdf": (
        *STAFF_RECORD,
        _RECEIPTS + "test_the_clinics_team_prints_a_patients_receipts_and_no_one_else_does",
    ),
    "staff:refund_receipt": (
        *STAFF_RECORD,
        _RECEIPTS + "test_the_clinics_team_prints_a_patients_receipts_and_no_one_else_does",
    ),
    "staff:refund_receipt_pdf": (
        *STAFF_RECORD,
        _RECEIPTS + "test_the_clinics_team_prints_a_patients_receipts_and_no_one_else_does",
    ),
    "staff:payment_attention": (
        *STAFF,
        "tests/staff/test_payment_attention_page.py::test_only_the_clinics_owners_and_admins_reach_the_page_and_resolve",
    ),
    "staff:payment_issue_resolve": (
        *STAFF,
        "tests/staff/test_payment_attention_page.py::test_only_the_clinics_owners_and_admins_reach_the_page_and_resolve",
    ),
    "staff:patient_documents": (
        *STAFF_RECORD,
        _STAFF_DOCUMENTS + "test_the_patients_documents_page_is_scoped_and_needs_a_fixed_number_of_queries",
    ),
    "staff:document_upload": (*STAFF_RECORD, _STAFF_DOCUMENTS + "test_another_clinic_gets_404_and_cannot_withdraw"),
    "staff:document_detail": (*STAFF_RECORD, _STAFF_DOCUMENTS + "test_document_pages_are_scoped_to_the_clinics_team"),
    "staff:document_file": (*STAFF_RECORD, _STAFF_DOCUMENTS + "test_document_pages_are_scoped_to_the_clinics_team"),
    "staff:document_page": (*STAFF_RECORD, _STAFF_DOCUMENTS + "test_document_pages_are_scoped_to_the_clinics_team"),
    "staff:signed_copy": (
        *STAFF_RECORD,
        _STAFF_DOCUMENTS + "test_a_signed_copy_and_signature_image_are_scoped_to_the_clinics_team",
    ),
    "staff:signature_image": (
        *STAFF_RECORD,
        _STAFF_DOCUMENTS + "test_a_signed_copy_and_signature_image_are_scoped_to_the_clinics_team",
    ),
    "staff:signature_withdraw": (*STAFF_RECORD, _STAFF_DOCUMENTS + "test_another_clinic_gets_404_and_cannot_withdraw"),
    "staff:signature_request": (
        *STAFF_RECORD,
        _STAFF_DOCUMENTS + "test_asking_to_sign_is_scoped_to_the_clinics_team_and_needs_the_add_on",
    ),
    "staff:signed_copy_verify": (
        *STAFF,
        "tests/staff/test_verify_signed_copy.py::test_verifying_is_for_the_clinics_owners_admins_and_staff",
        "tests/staff/test_verify_signed_copy.py::test_another_clinics_copy_is_ours_but_names_nothing",
    ),
    "staff:team": (
        *STAFF,
        _STAFF_PATIENTS + "test_every_staff_page_is_scoped_to_the_clinics_team",
        "tests/clinics/test_staff_member_add.py::test_staff_who_are_not_owners_cannot_add_members",
    ),
    "staff:team_remove": (
        *STAFF_RECORD,
        "tests/clinics/test_staff_member_remove.py::test_only_owners_remove_members_and_only_in_their_clinic",
    ),
    "staff:clinic_settings": (
        *STAFF,
        _STAFF_SETTINGS + "test_anonymous_visitors_patients_and_other_clinics_staff_never_reach_the_page",
        _STAFF_SETTINGS + "test_staff_members_who_are_not_owners_or_admins_get_403_and_change_nothing",
    ),
    "staff:notification_list": (
        *STAFF,
        _STAFF_NOTIFICATIONS + "test_the_list_shows_only_the_members_own_newest_first",
    ),
    "staff:notification_open": (
        *STAFF,
        _STAFF_NOTIFICATIONS + "test_a_colleagues_or_another_clinics_notification_is_not_found_and_stays_unread",
    ),
    "staff:notifications_read_all": (
        *STAFF,
        _STAFF_NOTIFICATIONS + "test_mark_all_read_marks_only_the_members_own",
    ),
    "staff:notification_settings": (
        *STAFF,
        _STAFF_NOTIFICATIONS + "test_the_settings_page_offers_the_kinds_of_the_members_role_with_their_defaults",
    ),
    "staff:audit_trail": (
        *STAFF,
        _STAFF_AUDIT + "test_anonymous_visitors_patients_and_other_clinics_staff_never_reach_the_trail_or_its_download",
        _STAFF_AUDIT + "test_staff_members_who_are_not_owners_or_admins_get_403_and_no_link",
    ),
    "staff:audit_trail_export": (
        *STAFF,
        _STAFF_AUDIT + "test_anonymous_visitors_patients_and_other_clinics_staff_never_reach_the_trail_or_its_download",
        _STAFF_AUDIT + "test_staff_members_who_are_not_owners_or_admins_get_403_and_no_link",
    ),
    # Payments: Stripe proves itself with the signature on the body; the test page is the order's patient's.
    "payments:stripe_webhook": (
        "tests/payments/test_stripe.py::test_a_bad_signature_is_refused_and_changes_nothing",
        "tests/payments/test_stripe.py::test_the_webhook_is_absent_without_stripe",
    ),
    "payments:test_checkout": (ANONYMOUS, _ALL + "test_the_test_payment_page_is_404_for_anyone_but_the_orders_patient"),
    # The development outbox: development only, staff and operators only.
    "outbox_list": (
        "tests/core/test_outbox.py::test_patients_and_anonymous_visitors_cannot_open_the_outbox",
        "tests/core/test_outbox.py::test_the_outbox_does_not_exist_in_production",
    ),
    "outbox_detail": (
        "tests/core/test_outbox.py::test_patients_and_anonymous_visitors_cannot_open_the_outbox",
        "tests/core/test_outbox.py::test_the_outbox_does_not_exist_in_production",
    ),
}


@dataclass(frozen=True)
class Url:
    name: str  # "namespace:name", or "" when the pattern has none
    route: str  # the full route, e.g. "staff/<slug:clinic_slug>/patients/"


def project_urls(urlconf: object = None) -> list[Url]:
    """Every URL pattern, walking included URLconfs, with its full route and namespaced name."""

    def walk(patterns: list, prefix: str, namespaces: tuple[str, ...]) -> Iterator[Url]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
                yield from walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern):
                name = ":".join((*namespaces, pattern.name)) if pattern.name else ""
                yield Url(name=name, route=route)

    return list(walk(get_resolver(urlconf).url_patterns, "", ()))


def is_ours(url: Url) -> bool:
    return not any(url.route.startswith(prefix) for prefix in NOT_OURS)


# --- Reading the tests -------------------------------------------------------------------

HOLE = "\x00"  # stands for a value the source computes (an f-string field, a variable)
REFUSALS = {302, 400, 401, 403, 404, 405, 409, 410, 429}  # 302: to sign in


def template(node: ast.AST, returns: dict[str, ast.expr]) -> str:
    """A string expression as text with HOLE for what is computed; HOLE alone if not a string.
    `returns`: what the module's one-line helpers return, e.g. `record_url(patient)`'s f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.sub(r"\{[^{}]*\}", HOLE, node.value)  # str.format fields are holes too
    if isinstance(node, ast.JoinedStr):
        return "".join(template(value, returns) if isinstance(value, ast.Constant) else HOLE for value in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return template(node.left, returns) + template(node.right, returns)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return template(node.func.value, returns)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in returns:
        return template(returns[node.func.id], returns)
    return HOLE


@functools.cache
def parse(test_file: str) -> ast.Module:
    return ast.parse((ROOT / test_file).read_text(), filename=test_file)


def module_functions(module: ast.Module) -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in module.body if isinstance(node, ast.FunctionDef)}


def scope(module: ast.Module, function: ast.FunctionDef) -> list[ast.AST]:
    """The test with its decorators, the module's functions it calls (helpers, transitively) and
    the module-level constants it names (lists of paths given to parametrize)."""
    helpers = module_functions(module)
    constants = {
        target.id: statement.value
        for statement in module.body
        if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None
        for target in (statement.targets if isinstance(statement, ast.Assign) else [statement.target])
        if isinstance(target, ast.Name)
    }
    seen, todo = {function.name}, [function]
    nodes: list[ast.AST] = []
    while todo:
        current = todo.pop()
        nodes.append(current)
        for node in ast.walk(current):
            if isinstance(node, ast.Name) and node.id not in seen and (node.id in helpers or node.id in constants):
                seen.add(node.id)
                todo.append(helpers[node.id] if node.id in helpers else constants[node.id])
    return nodes


def one_line_helpers(module: ast.Module) -> dict[str, ast.expr]:
    """The module's functions whose body is one `return <expression>`."""
    return {
        name: function.body[0].value
        for name, function in module_functions(module).items()
        if len(function.body) == 1 and isinstance(function.body[0], ast.Return) and function.body[0].value is not None
    }


def reversed_names(nodes: list[ast.AST]) -> set[str]:
    """The names given to `reverse("name", ...)`."""
    return {
        node.args[0].value
        for root in nodes
        for node in ast.walk(root)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "reverse"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }


def paths_and_fillers(nodes: list[ast.AST], returns: dict[str, ast.expr]) -> tuple[set[str], set[str]]:
    """Path templates (literals, f-strings and sums starting with "/") and the other short string
    constants, candidates for their holes (suffixes, parametrize values)."""
    parts = {
        id(part) for root in nodes for node in ast.walk(root) if isinstance(node, ast.JoinedStr) for part in node.values
    }
    paths, fillers = set(), {"1"}
    for root in nodes:
        for node in ast.walk(root):
            if id(node) in parts:
                continue  # a piece of an f-string, read with it
            text = (
                template(node, returns) if isinstance(node, ast.BinOp | ast.Call | ast.JoinedStr | ast.Constant) else ""
            )
            if text.startswith("/"):
                paths.add(text)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) <= 40:
                fillers.add(node.value)
    return paths, fillers


def requested_url_names(nodes: list[ast.AST], module: ast.Module) -> set[str]:
    """URL names the code asks for: `reverse("name", ...)`, and each path template whose holes,
    filled with "1" or with the code's other string constants, resolves."""
    names = reversed_names(nodes)
    paths, fillers = paths_and_fillers(nodes, one_line_helpers(module))
    for text in paths:
        holes = text.count(HOLE)
        if holes > 3:
            continue
        for values in itertools.product(sorted(fillers), repeat=holes):
            candidate = text
            for value in values:
                candidate = candidate.replace(HOLE, value, 1)
            try:
                names.add(resolve(candidate.split("?")[0]).view_name)
            except Resolver404:
                continue
    return names


def asserts_a_refusal(nodes: list[ast.AST], module: ast.Module) -> bool:
    """The test calls a helper of tests/access_matrix.py or names a refusal's status code."""
    matrix_helpers = {
        alias.asname or alias.name
        for node in module.body
        if isinstance(node, ast.ImportFrom) and node.module == "tests.access_matrix"
        for alias in node.names
    }
    for root in nodes:
        for node in ast.walk(root):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in matrix_helpers:
                return True
            if isinstance(node, ast.Constant) and type(node.value) is int and node.value in REFUSALS:
                return True
    return False


def problems_with(url_name: str, test_refs: tuple[str, ...]) -> list[str]:
    """Each named test exists and requests the URL; at least one of them asserts a refusal."""
    problems, refused = [], False
    for test_ref in test_refs:
        test_file, _, test_name = test_ref.partition("::")
        if not (ROOT / test_file).is_file():
            problems.append(f"{url_name}: {test_ref}: no such test file")
            continue
        module = parse(test_file)
        function = module_functions(module).get(test_name)
        if function is None or not test_name.startswith("test_"):
            problems.append(f"{url_name}: {test_ref}: no such test")
            continue
        nodes = scope(module, function)
        if url_name not in requested_url_names(nodes, module):
            problems.append(f"{url_name}: {test_ref} requests no path of this URL")
        refused = refused or asserts_a_refusal(nodes, module)
    if test_refs and not problems and not refused:
        problems.append(f"{url_name}: none of its access tests asserts a refusal")
    return problems


def coverage_problems(access_tests: dict[str, tuple[str, ...]]) -> list[str]:
    """What is wrong: URLs with no access test, unnamed URLs, stale or untrue entries."""
    urls = [url for url in project_urls() if is_ours(url)]
    problems = [f"unnamed URL {url.route!r}: give it a name and an access test" for url in urls if not url.name]
    names = {url.name for url in urls if url.name}
    problems += [
        f"{url.name} ({url.route}) has no access test: write one and name it in ACCESS_TESTS"
        for url in urls
        if url.name and not access_tests.get(url.name)
    ]
    problems += [f"{name} is in ACCESS_TESTS but no longer a URL" for name in sorted(set(access_tests) - names)]
    for name in sorted(names & set(access_tests)):
        problems += problems_with(name, access_tests[name])
    return problems


# --- The tests --------------------------------------------------------------------------


def test_every_url_has_an_access_test():
    problems = coverage_problems(ACCESS_TESTS)
    assert not problems, "\n".join(problems)


def _fake_view(request):
    return HttpResponse("new")


def _urlconf_with_new_urls() -> ModuleType:
    """The project's URLconf plus three URLs that nobody wrote an access test for."""
    from config import urls

    fake = ModuleType("urls_with_new_pages")
    fake.urlpatterns = [  # type: ignore[attr-defined]
        *urls.urlpatterns,
        path("portal-export/", _fake_view, name="export_everything"),
        path("staff-extra/", include(([path("<int:item>/", _fake_view, name="extra")], "extras"))),
        path("no-name/", _fake_view),
    ]
    return fake


def test_a_new_url_without_an_access_test_is_reported_by_name():
    with override_settings(ROOT_URLCONF=_urlconf_with_new_urls()):
        problems = coverage_problems(ACCESS_TESTS)
    assert problems == [
        "unnamed URL 'no-name/': give it a name and an access test",
        "export_everything (portal-export/) has no access test: write one and name it in ACCESS_TESTS",
        "extras:extra (staff-extra/<int:item>/) has no access test: write one and name it in ACCESS_TESTS",
    ]


def test_an_access_test_that_never_requests_the_url_or_refuses_nobody_does_not_count():
    some_test = "tests/portal/test_portal_access.py::test_a_patient_sees_their_own_record_and_clinic"
    problems = coverage_problems(
        {
            **ACCESS_TESTS,
            "staff:team_remove": (some_test,),  # requests /portal/ only, asserts no refusal
            "portal:dashboard": (some_test,),  # requests the URL, refuses nobody
            "portal:cart": ("tests/portal/test_shop_pages.py::test_there_is_no_such_test",),
            "gone:page": (some_test,),
        }
    )
    assert problems == [
        "gone:page is in ACCESS_TESTS but no longer a URL",
        "portal:cart: tests/portal/test_shop_pages.py::test_there_is_no_such_test: no such test",
        "portal:dashboard: none of its access tests asserts a refusal",
        f"staff:team_remove: {some_test} requests no path of this URL",
    ]


def test_only_urls_that_are_not_ours_are_skipped():
    skipped = {url.route.split("/")[0] + "/" for url in project_urls() if not is_ours(url)}
    assert skipped == {"accounts/", "operator/"}
    assert len([url for url in project_urls() if is_ours(url)]) == len(ACCESS_TESTS)
