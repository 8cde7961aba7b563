"""Problem records, and the tickets (incidents) linked to them."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('servicedesk', '0002_announcements'),
        ('targets', '0002_target_erp_server_url'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Problem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(editable=False, max_length=24, unique=True, verbose_name='number')),
                ('title', models.CharField(max_length=255, verbose_name='title')),
                ('description', models.TextField(blank=True, verbose_name='description')),
                ('status', models.CharField(choices=[('new', 'New'), ('investigating', 'Investigating'), ('known_error', 'Known error'), ('resolved', 'Resolved'), ('closed', 'Closed')], default='new', max_length=16, verbose_name='status')),
                ('root_cause', models.TextField(blank=True, verbose_name='root cause')),
                ('known_error', models.TextField(blank=True, help_text='What goes wrong and how to recognise it.', verbose_name='known error')),
                ('workaround', models.TextField(blank=True, help_text='What users can do until it is resolved.', verbose_name='workaround')),
                ('created', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='created')),
                ('updated', models.DateTimeField(auto_now=True, verbose_name='updated')),
                ('resolved_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='resolved')),
                ('closed_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='closed')),
                ('owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='owned_problems', to=settings.AUTH_USER_MODEL, verbose_name='owner')),
                ('targets', models.ManyToManyField(blank=True, related_name='problems', to='targets.target', verbose_name='affected targets')),
            ],
            options={
                'verbose_name': 'problem',
                'verbose_name_plural': 'problems',
                'ordering': ['-created', '-pk'],
            },
        ),
        migrations.AddField(
            model_name='ticket',
            name='problem',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='incidents', to='servicedesk.problem', verbose_name='problem'),
        ),
        migrations.AddIndex(
            model_name='problem',
            index=models.Index(fields=['status', '-created'], name='sd_problem_status'),
        ),
    ]
