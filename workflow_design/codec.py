"""Between the workflow document (camelCase, the API's JSON) and storage.

Storage keeps the seed's JSON shapes: `ext_ref` entries {Label, Desc, URI},
workflow `fields` entries {FieldName, FieldType}. Both directions, and the
canonical form that version snapshots store, are driven by the document
definition in `document.py`.
"""

from typing import Any

from kernel.global_ids import global_id, pk_of
from workflow_design import document as doc

EXT_REF_KEYS = {"label": "Label", "desc": "Desc", "uri": "URI"}
WORKFLOW_FIELD_KEYS = {"fieldName": "FieldName", "fieldType": "FieldType"}

# Not content: they say which workflow and which version an edit applies to.
EDIT_TARGET_PROPS = ("id", "expectedVersion")


def _rename(entries: list[dict[str, Any]] | None, keys: dict[str, str]) -> list[dict[str, Any]]:
    return [{keys[k]: v for k, v in entry.items() if k in keys} for entry in entries or []]


def _unrename(entries: list[dict[str, Any]] | None, keys: dict[str, str]) -> list[dict[str, Any]]:
    return _rename(entries, {stored: key for key, stored in keys.items()})


def ext_ref_from_storage(entries: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return _unrename(entries, EXT_REF_KEYS)


def workflow_fields_from_storage(entries: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return _unrename(entries, WORKFLOW_FIELD_KEYS)


def canonical(obj: doc.DocObject, value: dict[str, Any]) -> dict[str, Any]:
    """The content of a valid document in a stable form: props in declared order; an
    absent value, a null one and an empty list alike left out (unless null has a
    meaning); edit target props left out. Two documents with equal canonical forms
    are the same version."""
    result: dict[str, Any] = {}
    for prop in obj.props:
        if prop.name in EDIT_TARGET_PROPS or prop.name not in value:
            continue
        item = value[prop.name]
        if (item is None and not prop.nullable) or (item in ([], {}) and _empty_means_absent(prop)):
            continue
        if prop.kind == doc.OBJECT_LIST:
            item = [canonical(prop.item_object, entry) for entry in item]
        elif prop.kind == doc.OBJECT:
            item = canonical(prop.item_object, item)
        elif prop.kind == doc.NUMBER:
            item = plain_number(item)
        result[prop.name] = item
    return result


def plain_number(value: Any) -> Any:
    """A whole number as an integer (2.0 as 2): GraphQL's Float makes every number a float, a JSON file
    keeps 2, and the same document must be the same version, and read the same, either way."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _empty_means_absent(prop: doc.Prop) -> bool:
    return prop.kind in _EMPTY or prop.content == doc.FIELD_VALUES


_STORAGE_KEYS = {(doc.WORKFLOW.name, "fields"): WORKFLOW_FIELD_KEYS}
_EMPTY = {doc.OBJECT_LIST: list, doc.STRING_LIST: list, doc.ENUM_LIST: list}


def row_values(obj: doc.DocObject, content: dict[str, Any], *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Model field values of one canonical document object (its nested object lists
    other than extRef/fields are rows of their own, listed in `skip`)."""
    values: dict[str, Any] = {}
    for prop in obj.props:
        if prop.name in EDIT_TARGET_PROPS or prop.name in skip:
            continue
        value = content.get(prop.name)
        if prop.name == "extRef":
            value = _rename(value, EXT_REF_KEYS)
        elif (obj.name, prop.name) in _STORAGE_KEYS:
            value = _rename(value, _STORAGE_KEYS[(obj.name, prop.name)])
        elif value is None and prop.kind in _EMPTY:
            value = _EMPTY[prop.kind]()
        elif value is None and prop.content == doc.FIELD_VALUES:
            value = {}
        elif prop.kind == doc.ID and value is not None:
            value = pk_of(value, prop.named_type)  # the foreign key; the write checked what it names
        values[prop.python_name] = value
    return values


def row_document(obj: doc.DocObject, row: Any, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The canonical document of one stored row: the inverse of `row_values`."""
    content: dict[str, Any] = {}
    for prop in obj.props:
        if prop.name in EDIT_TARGET_PROPS or prop.name in skip:
            continue
        value = getattr(row, prop.python_name)
        if prop.name == "extRef":
            value = _unrename(value, EXT_REF_KEYS)
        elif (obj.name, prop.name) in _STORAGE_KEYS:
            value = _unrename(value, _STORAGE_KEYS[(obj.name, prop.name)])
        elif prop.kind == doc.ID and value is not None:
            value = global_id(prop.named_type, value)
        content[prop.name] = value
    return canonical(obj, content)
