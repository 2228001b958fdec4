"""Checking real API responses against the OpenAPI document's schemas (shared by the API tests)."""
from __future__ import annotations

import jsonschema


class DocumentedSchemas:
    """Checks a response against the schema the document declares for it, undocumented fields included."""

    def __init__(self, doc):
        self.doc = doc

    def _resolve(self, node, closed: bool = True):
        """Inline $refs; close every object so that a field the document does not declare fails."""
        if isinstance(node, list):
            return [self._resolve(v, closed) for v in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            target = self.doc
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return self._resolve(target, closed)
        resolved = {key: (self._resolve(value, closed=False) if key == "allOf" else self._resolve(value))
                    for key, value in node.items()}
        if closed and ("properties" in node or "allOf" in node) and "additionalProperties" not in node:
            resolved["unevaluatedProperties"] = False
        return resolved

    def check(self, response, path: str, method: str) -> None:
        declared = self.doc["paths"][path][method]["responses"]
        assert str(response.status_code) in declared, (path, method, response.status_code)
        content = declared[str(response.status_code)].get("content")
        if content is None:
            assert not response.get_data()
            return
        schema = self._resolve(content["application/json"]["schema"])
        validator = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(response.get_json())]
        assert not problems, (path, method, response.status_code, problems[:5])
