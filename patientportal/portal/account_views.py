"""The account page in the portal: the person's own sign-in, security and choices, with the
portal's header and menu around it."""

from django.http import HttpResponse
from django.shortcuts import redirect, render

from patientportal.accounts.account_page import account_page
from patientportal.portal.access import PortalRequest, portal_view


@portal_view()
def account(request: PortalRequest) -> HttpResponse:
    page = account_page(request, user=request.user)
    if page.saved:
        return redirect("portal:account")
    return render(request, "portal/account.html", {"page": page}, status=400 if request.method == "POST" else 200)
