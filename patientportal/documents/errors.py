from django.utils.translation import gettext_lazy as _


class DocumentError(Exception):
    MESSAGES = {
        "not_signable": _(
            "Only a PDF or an image can be sent for signature, so the patient sees exactly what they sign."
        ),
        "too_many_pages": _(
            "A PDF to be signed can have at most 50 pages, so the patient can read all of it on the signing page."
        ),
        "cannot_copy": _(
            "A signed copy cannot be made from this file (it may be damaged). Save it again as a PDF or image "
            "and upload it, or send it as a reference document."
        ),
        "animated_image": _("An animated image cannot be signed. Upload a still image or a PDF."),
        "expiry_out_of_range": _("A signature request must be due in 1 to 365 days."),
        "already_requested": _("This document is already waiting for a signature, or is signed."),
        "file_changed": _(
            "The stored file no longer matches the SHA-256 recorded at upload, so it cannot be sent for signature. "
            "Upload the document again."
        ),
        "not_pending": _("This document is not waiting for a signature."),
        "expired": _("This signature request has expired. Ask the clinic to send it again."),
        "consent_required": _("Please agree to do business electronically."),
        "acknowledgement_required": _("Please confirm that you understand your electronic signature is binding."),
        "name_required": _("Please type your full name."),
        "document_changed": _("The document changed while you were reading it. Please read it again and sign."),
        "not_visible": _("This document is not shared in the portal."),
        "signing_not_in_plan": _("Signing documents is part of the Portal Add-on, which this clinic does not have."),
        "seal_unavailable": _(
            "Your signature could not be completed just now: the portal cannot seal the signed copy. Nothing was "
            "signed. Please try again later, or tell the clinic if it keeps happening."
        ),
        "verify_empty": _("The file is empty. Choose the signed copy's PDF file."),
        "verify_too_large": _("The file is larger than 20 MB: it cannot be a signed copy made by the portal."),
        "verify_not_pdf": _(
            "This file is not a PDF, so it is not a signed copy from the portal. Choose the PDF file of the signed "
            "copy (its name usually ends in “signed.pdf”)."
        ),
        "verify_unreadable": _(
            "This PDF is damaged and cannot be read, so it is not an unchanged signed copy from the portal."
        ),
    }

    def __init__(self, code: str) -> None:
        self.code = code
        self.message = self.MESSAGES[code]
        super().__init__(str(self.message))
