from django.db import migrations

FORMER = ["00:00", "12:00"]
SIX = ["00:00", "04:00", "08:00", "12:00", "16:00", "20:00"]


def forward(apps, schema_editor):
    # Schedules still on the former default move to six sends a day; a schedule someone chose stays.
    SendSchedule = apps.get_model("networks", "SendSchedule")
    for schedule in SendSchedule.objects.all().only("id", "send_times"):
        if list(schedule.send_times) == FORMER:
            SendSchedule.objects.filter(pk=schedule.pk).update(send_times=SIX)


class Migration(migrations.Migration):
    dependencies = [("networks", "0004_remove_network_data_version")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
