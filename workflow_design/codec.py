"""Between the workflow document (camelCase, the API's JSON) and storage.

Storage keeps the seed's JSON shapes: `ext_ref` entries {Label, Desc, URI},
workflow `fields` entries {FieldName, FieldType}.
"""

EXT_REF_KEYS = {"label": "Label", "desc": "Desc", "uri": "URI"}
WORKFLOW_FIELD_KEYS = {"fieldName": "FieldName", "fieldType": "FieldType"}


def _rename(entries: list[dict] | None, keys: dict[str, str]) -> list[dict]:
    return [{keys[k]: v for k, v in entry.items() if k in keys} for entry in entries or []]


def _unrename(entries: list[dict] | None, keys: dict[str, str]) -> list[dict]:
    return _rename(entries, {stored: doc for doc, stored in keys.items()})


def ext_ref_to_storage(entries: list[dict] | None) -> list[dict]:
    return _rename(entries, EXT_REF_KEYS)


def ext_ref_from_storage(entries: list[dict] | None) -> list[dict]:
    return _unrename(entries, EXT_REF_KEYS)


def workflow_fields_to_storage(entries: list[dict] | None) -> list[dict]:
    return _rename(entries, WORKFLOW_FIELD_KEYS)


def workflow_fields_from_storage(entries: list[dict] | None) -> list[dict]:
    return _unrename(entries, WORKFLOW_FIELD_KEYS)
