"""Shared pieces of the REST API: every viewset reaches the database through `restrict()`.

* `RestrictedViewSetMixin.get_queryset()` maps the HTTP method to a permission action
  (GET → view, POST → add, PUT/PATCH → change, DELETE → delete; an `@action` may name its own with
  `restrict_action=`), so an object outside the user's scope answers 404 exactly like a missing one.
  An object the user may see but not act on answers 403: its existence is already known to them.
* `RestrictedRelatedField` is how a request refers to another object (the org a person joins, the
  new parent of an org): its choices are restricted too, so an out-of-scope reference is refused
  with the same message as a non-existent one (400, naming the field) and reveals nothing.
* `RestrictedFilterBackend` does the same for filter parameters (`?org=…`): otherwise "invalid
  choice" versus "empty list" would tell an outsider which ids exist.
* `ActionError` from the domain actions becomes HTTP 400 `{"detail": …, "field": …}`; validation
  errors get the same shape (plus `errors` with every field), so clients handle one format.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django_filters import rest_framework as drf_filters
from rest_framework import exceptions, serializers, status
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from dangjian.core.errors import ActionError
from dangjian.core.params import id_param
from dangjian.core.permissions import ADD, CHANGE, DELETE, VIEW, can_in_org

NOT_FOUND = "未找到，或不在您的管理范围内。"
METHOD_ACTIONS = {"GET": VIEW, "HEAD": VIEW, "OPTIONS": VIEW, "POST": ADD, "PUT": CHANGE,
                  "PATCH": CHANGE, "DELETE": DELETE}


def api_exception_handler(exc, context):
    """ActionError → 400 {"detail", "field"}; validation errors in the same shape; 404 in Chinese."""
    if isinstance(exc, ActionError):
        body = {"detail": exc.message, "field": exc.field}
        if exc.rule:
            body["rule"] = exc.rule
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        field, message = _first_error(exc.detail, context)
        response.data = {"detail": message, "field": field, "errors": exc.detail}
    return response


def _first_error(detail, context) -> tuple[str | None, str]:
    if isinstance(detail, dict):
        for name, value in detail.items():
            _, message = _first_error(value, context)
            if name in ("non_field_errors", "detail"):
                return None, message
            label = _field_label(name, context)
            return name, f"{label}：{message}" if label else message
    if isinstance(detail, list) and detail:
        return _first_error(detail[0], context)
    return None, str(detail)


def _field_label(name, context) -> str:
    view = context.get("view") if context else None
    try:
        field = view.get_serializer().fields.get(name) if view is not None else None
    except Exception:  # the label is a nicety; never let it hide the real error
        field = None
    return str(field.label) if field is not None and field.label else ""


class RestrictedRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to another object, chosen among those the requesting user may `action`."""

    default_error_messages = {
        "does_not_exist": "所选对象（编号 {pk_value}）不存在或不在您的管理范围内，请重新选择。",
        "incorrect_type": "应填写对象编号（整数），收到的是 {data_type}。",
    }

    def __init__(self, model=None, action: str = VIEW, **kwargs):
        self.model = model
        self.restrict_action = action
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", model._default_manager.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return self.model._default_manager.all().restrict(user, self.restrict_action)


class RestrictedFilterBackend(drf_filters.DjangoFilterBackend):
    """The shared FilterSets, with every model choice limited to what the user may see."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        for f in filterset.filters.values():
            qs = getattr(f, "queryset", None)
            if qs is not None and not callable(qs) and hasattr(qs, "restrict"):
                f.queryset = qs.restrict(request.user, VIEW)
        return filterset


class RestrictedViewSetMixin:
    """Put first in the bases of every model viewset."""

    #: The action a safe (read) request needs; audit events need `view_audit`.
    view_action = VIEW
    #: Set per route by `@action(..., restrict_action=CHANGE)`.
    restrict_action = None
    #: Relations to join so that a list is a constant number of queries.
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    lookup_value_regex = r"\d+"
    filter_backends = [RestrictedFilterBackend, OrderingFilter]

    def get_exception_handler(self):
        return api_exception_handler

    def get_restrict_action(self) -> str:
        if self.restrict_action:
            return self.restrict_action
        method = self.request.method.upper()
        if method in SAFE_METHODS:
            return self.view_action
        return METHOD_ACTIONS.get(method, CHANGE)

    def base_queryset(self):
        qs = self.queryset.all()
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        if self.prefetch_related:
            qs = qs.prefetch_related(*self.prefetch_related)
        return qs

    def get_queryset(self):
        user = getattr(self.request, "user", None)
        return self.base_queryset().restrict(user, self.get_restrict_action())

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            action = self.get_restrict_action()
            pk = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
            if action != self.view_action and id_param(str(pk)) is not None and \
                    self.queryset.model._default_manager.filter(pk=id_param(str(pk))).restrict(
                        self.request.user, self.view_action).exists():
                raise exceptions.PermissionDenied("您可以查看该对象，但无权进行此操作。")
            raise exceptions.NotFound(NOT_FOUND)

    def require_in_org(self, action: str, org, message: str = "") -> None:
        """For operations that need an administrator's scope over the org (not self-service)."""
        if not can_in_org(self.request.user, action, org):
            raise exceptions.PermissionDenied(message or "此操作须由该组织的管理员进行。")


class ActionSerializerMixin:
    """Serializers whose `save()` calls a domain action (`do_*`) with the requesting user."""

    @property
    def acting_user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)


class DetailSerializer(serializers.Serializer):
    """The shape of an error answer (for the OpenAPI description)."""

    detail = serializers.CharField(label="说明")
    field = serializers.CharField(label="相关字段", allow_null=True, required=False)


def error_responses(refused: str = "操作被拒绝，detail 说明原因") -> dict:
    """The error answers of an operation, for the OpenAPI description (400 with what the app says it
    refuses, 403 seen but not yours to do, 404 not there or out of scope)."""
    from drf_spectacular.utils import OpenApiResponse

    return {400: OpenApiResponse(DetailSerializer, description=refused),
            403: OpenApiResponse(DetailSerializer, description="可以查看但无权办理"),
            404: OpenApiResponse(DetailSerializer, description="不存在或不在您的管理范围内")}

