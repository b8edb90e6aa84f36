"""Seed the administrators' code list with the default SMI code list (QOF MH_COD subset)."""

from django.db import migrations


def seed(apps, schema_editor):
    from partners.casefinding.core.codelist import load_code_list

    entry = apps.get_model("casefinding", "CodeListEntry")
    if entry.objects.exists():
        return
    codes = load_code_list()
    entry.objects.bulk_create([entry(snomed_code=code, diagnosis_group=group, term=codes.terms.get(code, "")[:255])
                               for code, group in sorted(codes.groups.items())])


class Migration(migrations.Migration):
    dependencies = [("casefinding", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
