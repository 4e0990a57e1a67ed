import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiancha.access.models import User
from jiancha.orgs.models import Division

pytestmark = pytest.mark.django_db


def upload(client, url, name, content):
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def test_admin_imports_a_division_file(client, demo_region):
    client.force_login(User.objects.get(username="admin"))
    content = "code,name,kind,population\n331221300000,新设乡,township,5000\n".encode()
    response = upload(client, "/admin/orgs/division/import/", "新设.csv", content)
    assert response.status_code == 302
    assert Division.objects.get(code="331221300000").parent.code == "331221000000"


def test_admin_import_lists_every_error_and_writes_nothing(client, demo_region):
    client.force_login(User.objects.get(username="admin"))
    before = Division.objects.count()
    content = "code,name\n331221300000,新设乡\n3312213,坏代码\n331299300000,无上级\n".encode("gbk")
    response = upload(client, "/admin/orgs/division/import/", "bad.csv", content)
    assert response.status_code == 400
    html = response.content.decode()
    assert "bad.csv 第 3 行，字段 code" in html and "bad.csv 第 4 行，字段 parent_code" in html
    assert Division.objects.count() == before


def test_admin_import_refuses_users_without_the_right(client, demo_region):
    client.force_login(User.objects.get(username="analyst"))
    response = upload(client, "/admin/orgs/unit/import/", "u.csv", b"name,unit_type,division_code\n")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
