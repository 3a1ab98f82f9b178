# Joins two lines of migrations written at the same time (issue 14 descriptions, issue 16/17 schema work).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('users', '0009_descriptions_for_api_readers'),
        ('users', '0009_row_level_security'),
    ]

    operations = [
    ]
