"""Count the pages of the PDFs stored before documents kept their page count: each stored file
is read once through its storage (local disk or the bucket) and opened with PDFium.

Not atomic, on purpose: on object storage this is a download of every PDF, which can take long,
and inside one transaction it would hold the rows (and, were it joined to 0004, the table) for
all that time. Here each count is written as soon as it is known, and running it again (or a
deploy that stopped half way) only counts what is still NULL.

A file that cannot be read now (missing, or the store refused) keeps NULL: the document's page
counts it the first time it is shown and keeps the count (documents.services.document_page_count).
A PDF that PDFium cannot open is stored as 0 pages (nothing to show; it is downloaded instead),
so it is not read again on every view. Several rows that share one stored file (the scale data
set does) are counted with one read."""

import logging

import pypdfium2 as pdfium
from django.db import migrations

logger = logging.getLogger(__name__)

PDF = "application/pdf"


def _pages(data):
    """PDFium's page count, frozen here rather than imported: a migration keeps the behaviour it shipped with."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return 0
    try:
        return len(document)
    finally:
        document.close()


BATCH = 500
# Counts by file name, so rows that share a file read it once; bounded, as real files are not shared.
KNOWN_NAMES = 10_000


def _read(storage, name):
    try:
        with storage.open(name, "rb") as handle:
            return handle.read()
    except Exception as error:  # noqa: BLE001 - a file not read now is counted when it is first shown
        logger.warning("Pages of a stored PDF not counted (%s): counted when first shown.", type(error).__name__)
        return None


def fill_page_counts(apps, schema_editor):
    Document = apps.get_model("documents", "Document")
    storage = Document._meta.get_field("file").storage
    uncounted = Document.objects.filter(content_type=PDF, page_count__isnull=True).order_by("pk")
    known = {}  # file name -> page count, or None when it could not be read
    counted = unread = 0
    last = 0
    # In batches by primary key, each batch read before anything is written: no cursor is left open
    # over the rows being updated (SQLite does not isolate the two), and the walk is one index scan.
    while batch := list(uncounted.filter(pk__gt=last).values_list("pk", "file")[:BATCH]):
        last = batch[-1][0]
        by_name = {}
        for pk, name in batch:
            by_name.setdefault(name, []).append(pk)
        for name, pks in by_name.items():
            if name not in known:
                if len(known) >= KNOWN_NAMES:
                    known.clear()
                data = _read(storage, name)
                known[name] = None if data is None else _pages(data)
                unread += data is None
            if known[name] is not None:
                counted += Document.objects.filter(pk__in=pks, page_count__isnull=True).update(page_count=known[name])
    if counted or unread:
        logger.info("Page counts stored for %s document(s); %s file(s) could not be read.", counted, unread)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("documents", "0004_document_page_count"),
    ]

    operations = [
        migrations.RunPython(fill_page_counts, migrations.RunPython.noop, elidable=True),
    ]
