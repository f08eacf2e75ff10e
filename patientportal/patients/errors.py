from django.utils.translation import gettext_lazy as _


class PatientError(Exception):
    """A refused portal-access or invitation action; `code` is stable, `message` is for people."""

    MESSAGES = {
        "portal_already_enabled": _("Portal access is already enabled for this patient."),
        "portal_not_enabled": _("Enable portal access for this patient before sending an invitation."),
        "portal_not_active": _("Portal access is not enabled for this patient."),
        "no_email": _("Enter the patient's email address first."),
        "expiry_out_of_range": _("An invitation must expire after at least 1 hour and at most 7 days (168 hours)."),
        "too_many_pending": _(
            "This patient already has 3 pending invitations. Revoke one first, then send a new invitation."
        ),
        "not_pending": _("Only a pending invitation can be revoked."),
        # Proxies
        "too_many_pending_proxy": _(
            "This person already has 3 pending invitations to this record. Revoke one first, then send a new one."
        ),
        "proxy_terms": _("Choose the person's relationship to the patient and their access."),
        "proxy_name_required": _("Enter the person's name."),
        "not_a_minor": _(
            "The patient is 18 or older: a parent or guardian's access ends at 18. Choose another relationship, "
            "such as caregiver or other authorised adult, if the patient agrees."
        ),
        "not_a_minor_anymore": _(
            "This invitation was for a parent or guardian, and the patient is now 18, so it can no longer be used. "
            "Contact your clinic."
        ),
        "proxy_not_active": _("This person's access has already ended."),
        # Sending an invitation's email, and sending it again
        "email_not_queued": _(
            "The invitation could not be saved and its email queued just now, so nothing was sent and no "
            "invitation was made. Please try again."
        ),
        "not_resendable": _(
            "Only an invitation whose email was not delivered, and that was neither accepted nor revoked, "
            "can be sent again. Send a new invitation instead."
        ),
        # Accepting an invitation
        "unknown": _("This invitation link is not valid. Check that you copied the whole link from the email."),
        "expired": _("This invitation has expired. Ask your clinic to send you a new one."),
        "revoked": _("This invitation was cancelled by the clinic. Ask your clinic to send you a new one."),
        "used": _("This invitation has already been used. Sign in to reach your portal."),
        "portal_disabled": _("Portal access for this record is switched off. Contact your clinic."),
        "rate_limited": _("Too many attempts. Please wait a minute."),
        "busy": _(
            "We could not link your record just now because it was being changed at the same moment. "
            "Nothing has been linked yet: please try again."
        ),
        "email_mismatch": _(
            "This invitation was sent to a different email address than the one on your account, so we "
            "cannot link it. Sign out, then create an account or sign in with the address the invitation was sent to."
        ),
    }

    def __init__(self, code: str) -> None:
        self.code = code
        self.message = self.MESSAGES[code]
        super().__init__(str(self.message))

    @property
    def sends_to_clinic(self) -> bool:
        """Does the message tell the person to contact their clinic? Then the page shows how
        (clinics/includes/contact.html), when it knows the clinic."""
        return self.code in CONTACT_CLINIC_CODES


# The refusals whose message sends the person to their clinic.
CONTACT_CLINIC_CODES = frozenset({"expired", "revoked", "portal_disabled", "not_a_minor_anymore"})
