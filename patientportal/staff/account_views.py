"""The account page in the staff area: the same page as the portal's, with the clinic's header
and menu around it."""

from django.http import HttpResponse
from django.shortcuts import redirect, render

from patientportal.accounts.account_page import account_page
from patientportal.staff.access import StaffRequest, staff_view


@staff_view()
def account(request: StaffRequest) -> HttpResponse:
    page = account_page(request, user=request.user)
    if page.saved:
        return redirect("staff:account", clinic_slug=request.clinic.slug)
    return render(request, "staff/account.html", {"page": page}, status=400 if request.method == "POST" else 200)
