"""Verify a signed copy: staff upload a PDF and learn whether it is an unchanged signed copy
sealed by this portal, and, for their own clinic's documents only, whose."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from patientportal.clinics.choices import Role
from patientportal.documents.errors import DocumentError
from patientportal.documents.verification import MAX_VERIFY_BYTES, SignedCopyVerification, signed_copy_verify
from patientportal.staff.access import StaffRequest, staff_view
from patientportal.staff.verify_forms import SignedCopyVerifyForm

# The front desk answers "is this the form I signed?"; providers do not handle documents' paperwork.
VERIFY_ROLES = (Role.OWNER, Role.ADMIN, Role.STAFF)


@require_http_methods(["GET", "POST"])
@staff_view(roles=VERIFY_ROLES)
def signed_copy_verify_page(request: StaffRequest) -> HttpResponse:
    form = SignedCopyVerifyForm(request.POST, request.FILES) if request.method == "POST" else SignedCopyVerifyForm()
    verification: SignedCopyVerification | None = None
    if request.method == "POST" and form.is_valid():
        # Never more than the limit and one byte in memory: enough for the service to refuse (and audit) a larger file.
        data = form.cleaned_data["file"].read(MAX_VERIFY_BYTES + 1)
        try:
            verification = signed_copy_verify(clinic=request.clinic, data=data, actor=request.user)
        except DocumentError as error:
            form.add_error("file", error.message)
    return render(
        request,
        "staff/documents/verify.html",
        {"form": SignedCopyVerifyForm() if verification else form, "verification": verification},
        status=400 if form.errors else 200,
    )
