"""The working minutes a ticket's SLA clocks stood still: a change of policy keeps them out."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('servicedesk', '0004_saved_filters'),
    ]

    operations = [
        migrations.AddField(
            model_name='ticket',
            name='sla_paused_minutes',
            field=models.FloatField(default=0, editable=False),
        ),
    ]
