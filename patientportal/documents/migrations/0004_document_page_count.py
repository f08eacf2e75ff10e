"""Each document keeps its number of pages, counted when it is stored, so the pages that show a
PDF never read the file to count them. Only the column here: it commits at once (a nullable
column takes no rewrite), and 0005 fills it for the documents already stored."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('documents', '0003_signature_language_and_final_rows'),
    ]

    operations = [
        migrations.AddField(
            model_name='document',
            name='page_count',
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
    ]
