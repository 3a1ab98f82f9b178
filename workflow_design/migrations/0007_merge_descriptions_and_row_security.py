# Joins two lines of migrations written at the same time (issue 14 descriptions, issue 16/17 schema work).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('workflow_design', '0006_title_trigram_indexes'),
        ('workflow_design', '0006_transition_ids_stay'),
    ]

    operations = [
    ]
