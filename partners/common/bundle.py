"""Several querysets in ONE database round trip: ``bundle({"contacts": qs1, "goals": qs2, ...})``.

The person page reads a dozen small lists (goals, ratings, contacts, referrals, events, checks, ...). One query
per list puts the page over its query budget; this runs them as one ``UNION ALL`` statement in which each
queryset becomes one JSON object per row (``JSONObject``, so it works on PostgreSQL and SQLite alike) and
turns the rows back into model instances, in each queryset's own order, with its own slice.

    from partners.common.bundle import Load, bundle
    data = bundle({
        "contacts": Load(Contact.objects.filter(episode=e).order_by("-contact_on", "-pk")[:50],
                         related=("care_partner",)),     # like select_related, one level
        "contact_count": Load(Contact.objects.filter(episode=e), count=True),
        "goals": Goal.objects.filter(episode=e).order_by("agreed_on", "pk"),   # a bare queryset is fine
    })
    data["contacts"]  -> list[Contact] (contact.care_partner already loaded), data["contact_count"] -> int

Limits: every concrete column is loaded (``only()``/``defer()`` are ignored); ``related`` follows forward
foreign keys one level; ``annotations`` names plain (non-aggregate, non-window) annotations to carry over as
attributes; ``prefetch_related`` is not supported (bundle the related rows as another entry instead).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import F, OrderBy, QuerySet, Window
from django.db.models.functions import JSONObject, RowNumber

ROW, ORDER = "_bundle_row", "_bundle_n"


@dataclass(frozen=True)
class Load:
    queryset: QuerySet[Any]
    related: tuple[str, ...] = ()
    annotations: tuple[str, ...] = ()
    count: bool = False  # the number of rows instead of the rows


def _columns(model: type[models.Model], prefix: str = "") -> dict[str, Any]:
    return {f.attname: F(prefix + f.attname) for f in model._meta.concrete_fields}


def _ordering(qs: QuerySet[Any]) -> list[OrderBy]:
    names = list(qs.query.order_by) or list(qs.model._meta.ordering) or ["pk"]
    ordering: list[OrderBy] = []
    for name in names:
        if not isinstance(name, str):
            raise TypeError("bundle() supports orderings by field names only")
        descending = name.startswith("-")
        expression = F(name.lstrip("-"))
        ordering.append(expression.desc() if descending else expression.asc())
    if "pk" not in names and "-pk" not in names:
        ordering.append(F("pk").asc())
    return ordering


def _unordered(qs: QuerySet[Any]) -> QuerySet[Any]:
    """Without its ORDER BY when that cannot change which rows come back (no slice, no DISTINCT): the row
    number carries the order, and sorting the subquery as well costs SQL and compiling."""
    return qs if qs.query.is_sliced or qs.query.distinct else qs.order_by()


def _member(key: str, load: Load) -> tuple[str, list[Any]]:
    qs = load.queryset
    if load.count:
        sql, params = qs.order_by().values("pk").query.sql_with_params()
        # sql is Django's own compiled SQL (values are bound as parameters, never interpolated)
        return f"SELECT %s, CAST(COUNT(*) AS TEXT), 0 FROM ({sql}) AS b_sub", [key, *params]  # noqa: S608  # nosec B608
    fields = _columns(qs.model)
    for name in load.annotations:
        fields[name] = F(name)
    for name in load.related:
        related_model = qs.model._meta.get_field(name).related_model
        fields["_rel_" + name] = JSONObject(**_columns(related_model, prefix=name + "__"))
    inner = _unordered(qs.annotate(**{ROW: JSONObject(**fields), ORDER: Window(RowNumber(), order_by=_ordering(qs))}))
    sql, params = inner.values_list(ROW, ORDER).query.sql_with_params()
    return f'SELECT %s, CAST(b_sub."{ROW}" AS TEXT), b_sub."{ORDER}" FROM ({sql}) AS b_sub', [key, *params]  # noqa: S608  # nosec B608


class _Pairs(list):
    """A JSON object read with its keys in order (duplicates kept): PostgreSQL's row_to_json of a row."""


def _plain(value: Any) -> Any:
    if isinstance(value, _Pairs):
        return {k: _plain(v) for k, v in value}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@dataclass
class _Layout:
    """Where each model's columns are in a select_related row (the compiler's own map), with each column's
    conversion worked out once per load rather than once per row."""

    model: Any
    attnames: list[str]
    positions: list[int]
    converters: list[Callable[[Any], Any]]
    pk_position: int
    related: dict[str, _Layout]
    annotations: dict[str, int]


def _layout(model: Any, select: list[Any], info: dict[str, Any], annotations: dict[str, int]) -> _Layout:
    positions = list(info["select_fields"])
    attnames = [select[i][0].target.attname for i in positions]
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    related = {}
    for sub in info.get("related_klass_infos", []):
        related[sub["field"].name] = _layout(sub["model"], select, sub, {})
    return _Layout(model=model, attnames=attnames, positions=positions,
                   converters=[_converter(by_attname[a]) for a in attnames],
                   pk_position=attnames.index(model._meta.pk.attname), related=related, annotations=annotations)


def _member_postgresql(key: str, load: Load, using: str) -> tuple[str, list[Any], _Layout]:
    """PostgreSQL: the queryset's own SQL (select_related for ``related``) and ``row_to_json`` of each row:
    compiling a plain select costs a fraction of a JSONObject of every column."""
    qs = load.queryset.select_related(*load.related) if load.related else load.queryset
    qs = _unordered(qs.annotate(**{ORDER: Window(RowNumber(), order_by=_ordering(load.queryset))}))
    compiler = qs.query.get_compiler(using)
    sql, params = compiler.as_sql()
    annotations = {name: compiler.annotation_col_map[name] for name in load.annotations}
    layout = _layout(qs.model, compiler.select, compiler.klass_info, annotations)
    return (f'SELECT %s, CAST(row_to_json(b_sub) AS TEXT), b_sub."{ORDER}" FROM ({sql}) AS b_sub',  # noqa: S608  # nosec B608
            [key, *params], layout)


def _from_layout(values: list[Any], layout: _Layout, db: str) -> models.Model | None:
    if values[layout.positions[layout.pk_position]] is None:
        return None
    row = [convert(_plain(values[i]) if isinstance(values[i], list) else values[i])
           for convert, i in zip(layout.converters, layout.positions, strict=True)]
    instance = layout.model.from_db(db, layout.attnames, row)
    for name, sub in layout.related.items():
        instance._state.fields_cache[name] = _from_layout(values, sub, db)
    for name, position in layout.annotations.items():
        setattr(instance, name, _plain(values[position]))
    return instance


def _value(field: models.Field[Any, Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return json.loads(value) if isinstance(value, str) and connections["default"].vendor == "sqlite" else value
    if isinstance(field, models.DateTimeField):
        parsed = field.to_python(value)
        return parsed.replace(tzinfo=UTC) if isinstance(parsed, datetime) and parsed.tzinfo is None else parsed
    if isinstance(field, models.DecimalField):  # as the ORM gives it: 27.0 stays 27.0 (JSON may say 27)
        return field.to_python(value).quantize(Decimal(1).scaleb(-(field.decimal_places or 0)))
    return field.to_python(value)


# Fields whose JSON value is already the Python value when it has this exact type (AutoField and
# BigAutoField are IntegerFields, as is a foreign key's usual target).
_EXACT_TYPES: tuple[tuple[tuple[type[models.Field[Any, Any]], ...], type], ...] = (
    ((models.IntegerField,), int), ((models.CharField, models.TextField), str), ((models.BooleanField,), bool))


@functools.cache
def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """``_value`` for one field, with the common cases (text, whole numbers, flags already of the right type
    in the JSON) short-cut: the person page turns a few thousand values a request."""
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    exact = next((python_type for kinds, python_type in _EXACT_TYPES if isinstance(target, kinds)), None)
    if exact is None:
        return functools.partial(_value, field)

    def convert(value: Any, exact: type = exact) -> Any:
        return value if value is None or type(value) is exact else _value(field, value)

    return convert


def _instance(model: type[models.Model], row: dict[str, Any], db: str) -> models.Model:
    fields = model._meta.concrete_fields
    return model.from_db(db, [f.attname for f in fields], [_value(f, row.get(f.attname)) for f in fields])


def bundle(loads: Mapping[str, Load | QuerySet[Any]], *, using: str = "default") -> dict[str, Any]:
    """Run every queryset in one query; {key: list of instances (or an int for ``count``)}."""
    normalised = {k: v if isinstance(v, Load) else Load(v) for k, v in loads.items()}
    result: dict[str, Any] = {k: 0 if load.count else [] for k, load in normalised.items()}
    postgresql = connections[using].vendor == "postgresql"
    members = []
    params: list[Any] = []
    layouts: dict[str, _Layout] = {}
    for key, load in normalised.items():
        if load.queryset.query.is_empty():
            continue
        try:
            if postgresql and not load.count:
                sql, member_params, layouts[key] = _member_postgresql(key, load, using)
            else:
                sql, member_params = _member(key, load)
        except EmptyResultSet:  # the ORM proved while compiling that nothing matches (e.g. an out-of-range value)
            continue
        members.append(sql)
        params += member_params
    if not members:
        return result
    rows: dict[str, list[tuple[int, Any]]] = {k: [] for k in normalised}
    with connections[using].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(members), params)
        for key, text, order in cursor.fetchall():
            if key in layouts:
                pairs = json.loads(text, parse_float=Decimal, object_pairs_hook=_Pairs)
                rows[key].append((order, [v for _, v in pairs]))
            else:
                rows[key].append((order, json.loads(text, parse_float=Decimal)))
    for key, load in normalised.items():
        if load.count:
            result[key] = int(rows[key][0][1]) if rows[key] else 0
            continue
        model = load.queryset.model
        instances = []
        for _, row in sorted(rows[key], key=lambda r: r[0]):
            if key in layouts:
                instances.append(_from_layout(row, layouts[key], using))
                continue
            instance = _instance(model, row, using)
            for name in load.annotations:
                setattr(instance, name, row.get(name))
            for name in load.related:
                related = row.get("_rel_" + name) or {}
                related_model = model._meta.get_field(name).related_model
                instance._state.fields_cache[name] = (
                    _instance(related_model, related, using)
                    if related.get(related_model._meta.pk.attname) is not None else None)
            instances.append(instance)
        result[key] = instances
    return result
