"""The organisation tree in Django's admin, with an upload page for division and unit files."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Division, Unit
from .services import ImportRejected, ImportResult, import_divisions, import_units

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class OrgFileForm(forms.Form):
    file = forms.FileField(label=_("CSV or xlsx file"))

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(gettext("the file is larger than 20 MB"))
        return upload


class ImportMixin(admin.ModelAdmin):
    """Adds an “import from file” page to a changelist; all rows or none, every error listed."""

    change_list_template = "admin/orgs/change_list_with_import.html"
    importer_kind = ""

    def run_import(self, path: Path) -> ImportResult:
        raise NotImplementedError

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}_import"
        extra = [path("import/", self.admin_site.admin_view(self.import_view), name=name)]
        return extra + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied(gettext("importing needs the right to add entries"))
        errors: list[str] = []
        form = OrgFileForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            with tempfile.TemporaryDirectory() as folder:
                # Keep the uploaded name: the importer reads by suffix and names the file in errors.
                target = Path(folder) / Path(upload.name).name
                with target.open("wb") as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
                try:
                    result = self.run_import(target)
                except ImportRejected as rejected:
                    errors = [str(error) for error in rejected.errors]
                else:
                    self.message_user(
                        request,
                        gettext("%(file)s: %(created)d created, %(updated)d updated")
                        % {"file": result.file, "created": result.created, "updated": result.updated},
                        messages.SUCCESS,
                    )
                    opts = self.model._meta
                    return HttpResponseRedirect(
                        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
                    )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "errors": errors,
            "title": gettext("Import %(name)s") % {"name": self.model._meta.verbose_name_plural},
            "kind": self.importer_kind,
        }
        return TemplateResponse(request, "admin/orgs/import.html", context, status=400 if errors else 200)


@admin.register(Division)
class DivisionAdmin(ImportMixin):
    list_display = ("code", "name", "level", "kind", "population", "parent")
    list_filter = ("level", "kind")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
    importer_kind = "divisions"

    def run_import(self, path: Path) -> ImportResult:
        return import_divisions(path)


@admin.register(Unit)
class UnitAdmin(ImportMixin):
    list_display = ("name", "unit_type", "division", "parent")
    list_filter = ("unit_type",)
    search_fields = ("name", "uscc", "division__code", "division__name")
    raw_id_fields = ("division", "parent")
    importer_kind = "units"

    def run_import(self, path: Path) -> ImportResult:
        return import_units(path)
