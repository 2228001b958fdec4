"""The API test client and helpers shared by the web tests."""
from __future__ import annotations

import io
import json
import re

from conftest import DATA, MINUTES_DETAILS, PASSWORD
from PIL import Image

URL = "/api/v1"
VIETNAMESE = re.compile(r"[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", re.I)
NEW_INSPECTION = {
    "client_id": "tablet-0001-abcdef", "checklist": "papi-xa", "commune_code": "00001",
    "inspection_date": "2020-09-15", "villages": 12,
    "team": [{"name": "Trần Thị Bình", "position": "Chuyên viên Sở Nội vụ", "role": "truong_doan"},
             {"name": "Lê Văn An", "position": "Chuyên viên", "role": "thanh_vien"}],
    "commune_reps": [{"name": "Nguyễn Văn Cường", "position": "Chủ tịch UBND phường"}],
}
# Compliant answers with four of the item's own rules firing, so that findings and scores are not trivial.
VARIED = {"GT-03": "khong", "CK-05": "no", "TG-02": 3, "DV-03": 80.5}


class Api:
    """A test client of /api/v1 that logs in through the API and sends X-CSRFToken on mutations."""

    def __init__(self, app, username: str | None = None):
        self.app = app
        self.client = app.test_client()
        self.token: str | None = None
        if username:
            self.login(username)

    def login(self, username: str, password: str = PASSWORD):
        response = self.client.post(f"{URL}/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.get_json()
        self.token = response.get_json()["csrf_token"]
        return response

    def headers(self, csrf: bool) -> dict[str, str]:
        return {"X-CSRFToken": self.token} if csrf and self.token else {}

    def get(self, path: str, **kwargs):
        return self.client.get(URL + path, **kwargs)

    def post(self, path: str, csrf: bool = True, **kwargs):
        return self.client.post(URL + path, headers=self.headers(csrf) | kwargs.pop("headers", {}), **kwargs)

    def put(self, path: str, csrf: bool = True, **kwargs):
        return self.client.put(URL + path, headers=self.headers(csrf) | kwargs.pop("headers", {}), **kwargs)

    def patch(self, path: str, csrf: bool = True, **kwargs):
        return self.client.patch(URL + path, headers=self.headers(csrf) | kwargs.pop("headers", {}), **kwargs)

    def delete(self, path: str, csrf: bool = True, **kwargs):
        return self.client.delete(URL + path, headers=self.headers(csrf) | kwargs.pop("headers", {}), **kwargs)

    def create(self, **overrides) -> int:
        response = self.post("/inspections", json=NEW_INSPECTION | overrides)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def answer(self, inspection_id: int, answers: dict, base_version: int | None = None, notes=None):
        if base_version is None:
            base_version = self.get(f"/inspections/{inspection_id}").get_json()["version"]
        body = {"answers": answers, "base_version": base_version} | ({"notes": notes} if notes else {})
        return self.put(f"/inspections/{inspection_id}/answers", json=body)

    def finalize(self, inspection_id: int):
        """Record the minutes' times and place (a revision already has its original's), then finalise."""
        current = self.get(f"/inspections/{inspection_id}").get_json()
        if not all(current.get(key) for key in ("start_time", "end_time", "place")):
            patched = self.client.patch(f"{URL}/inspections/{inspection_id}", json=MINUTES_DETAILS,
                                        headers=self.headers(True))
            assert patched.status_code == 200, patched.get_json()
        return self.post(f"/inspections/{inspection_id}/finalize")

    def photo(self, inspection_id: int, item: str, data: bytes, filename: str = "anh.jpg", exif: bytes | None = None,
              client_key: str | None = None):
        extra = ({"exif": (io.BytesIO(exif), "exif.bin")} if exif is not None else {}) | \
            ({"client_key": client_key} if client_key is not None else {})
        return self.post(f"/inspections/{inspection_id}/photos", content_type="multipart/form-data",
                         data={"item": item, "file": (io.BytesIO(data), filename)} | extra)

    def caption(self, inspection_id: int, photo_id: int, caption, csrf: bool = True):
        return self.patch(f"/inspections/{inspection_id}/photos/{photo_id}", csrf=csrf, json={"caption": caption})

    def delete_photo(self, inspection_id: int, photo_id: int, csrf: bool = True):
        return self.delete(f"/inspections/{inspection_id}/photos/{photo_id}", csrf=csrf)


def compliant_doc() -> dict:
    return json.loads((DATA / "compliant.json").read_text(encoding="utf-8"))


def jpeg(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def assert_vietnamese_error(response, *statuses: int) -> dict:
    assert response.status_code in statuses, (response.status_code, response.get_data(as_text=True))
    body = response.get_json()
    assert isinstance(body, dict) and VIETNAMESE.search(body["error"]), body
    assert "Traceback" not in response.get_data(as_text=True)
    return body
