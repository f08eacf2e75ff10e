from django.urls import path

from patientportal.portal import (
    access_history_views,
    account_views,
    appointment_request_views,
    appointment_views,
    document_views,
    order_views,
    receipt_views,
    shop_views,
    views,
)

app_name = "portal"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("switch/", views.switch_record, name="switch_record"),
    path("appointments/", appointment_views.appointments, name="appointments"),
    path("appointments/reminders/", appointment_views.appointment_reminders, name="appointment_reminders"),
    path(
        "appointments/<int:appointment_id>/calendar.ics",
        appointment_views.appointment_calendar_file,
        name="appointment_calendar_file",
    ),
    path("appointments/<int:appointment_id>/cancel/", appointment_views.appointment_cancel, name="appointment_cancel"),
    path(
        "appointments/<int:appointment_id>/reschedule/",
        appointment_request_views.appointment_reschedule,
        name="appointment_reschedule",
    ),
    path(
        "appointments/requests/new/",
        appointment_request_views.appointment_request_new,
        name="appointment_request_new",
    ),
    path(
        "appointments/requests/<int:request_id>/withdraw/",
        appointment_request_views.appointment_request_withdraw_view,
        name="appointment_request_withdraw",
    ),
    path("shop/", shop_views.shop, name="shop"),
    path("shop/<int:product_id>/", shop_views.product_detail, name="product_detail"),
    path("shop/<int:product_id>/image/<slug:size>/", shop_views.product_image, name="product_image"),
    path("cart/", shop_views.cart_page, name="cart"),
    path("cart/drawer/", shop_views.cart_drawer, name="cart_drawer"),
    path("cart/add/", shop_views.cart_add, name="cart_add"),
    path("cart/items/<int:item_id>/", shop_views.cart_update, name="cart_update"),
    path("cart/items/<int:item_id>/remove/", shop_views.cart_remove, name="cart_remove"),
    path("cart/clear/", shop_views.cart_clear, name="cart_clear"),
    path("checkout/", order_views.checkout, name="checkout"),
    path("documents/", document_views.document_list, name="document_list"),
    path("documents/<int:document_id>/", document_views.document_detail, name="document_detail"),
    path("documents/<int:document_id>/file/", document_views.document_file, name="document_file"),
    path("documents/<int:document_id>/pages/<int:page>.png", document_views.document_page, name="document_page"),
    path("documents/<int:document_id>/signed-copy.pdf", document_views.signed_copy, name="signed_copy"),
    path("documents/<int:document_id>/sign/", document_views.document_sign_page, name="document_sign"),
    path("orders/", order_views.order_list, name="order_list"),
    path("orders/<int:order_id>/", order_views.order_detail, name="order_detail"),
    path("orders/<int:order_id>/pay/", order_views.order_pay, name="order_pay"),
    path("orders/<int:order_id>/confirmation/", order_views.order_confirmation, name="order_confirmation"),
    path("orders/<int:order_id>/receipt/", receipt_views.payment_receipt, name="payment_receipt"),
    path("orders/<int:order_id>/receipt.pdf", receipt_views.payment_receipt_pdf, name="payment_receipt_pdf"),
    path("orders/<int:order_id>/refunds/<int:refund_id>/receipt/", receipt_views.refund_receipt, name="refund_receipt"),
    path(
        "orders/<int:order_id>/refunds/<int:refund_id>/receipt.pdf",
        receipt_views.refund_receipt_pdf,
        name="refund_receipt_pdf",
    ),
    path("account/", account_views.account, name="account"),
    path("who-viewed-my-record/", access_history_views.access_history, name="access_history"),
]
