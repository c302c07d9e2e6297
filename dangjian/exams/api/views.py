"""考试 over the API: banks, papers and exams (read, restricted like the pages), and the member's own attempts —
start, save an answer, submit. Attempts are private: the person and their own branch's secretary only."""
from __future__ import annotations

from django.db.models import Count
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api.base import RestrictedViewSetMixin, error_responses
from dangjian.core.errors import ActionError
from dangjian.core.permissions import VIEW

from .. import actions
from ..models import Attempt, Exam, Paper, QuestionBank
from .serializers import (AttemptSerializer, ExamSerializer, PaperSerializer, QuestionBankSerializer,
                          SaveAnswerSerializer, SavedSerializer)

ERRORS = error_responses("被拒绝：detail 说明原因")


@extend_schema(tags=["考试"])
class QuestionBankViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """题库（上级党组织的题库下级可以使用）。"""
    queryset = QuestionBank.objects.annotate(question_count=Count("questions"))
    serializer_class = QuestionBankSerializer
    ordering = ["id"]


@extend_schema(tags=["考试"])
class PaperViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """试卷：固定组卷或随机抽题。"""
    queryset = Paper.objects.annotate(n_items=Count("items"))     # (Paper.size reads it: no query per paper)
    serializer_class = PaperSerializer
    ordering = ["-id"]


@extend_schema(tags=["考试"])
class ExamViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """考试：组织者范围内的管理员可见；发布后参考范围内的党员可见。"""
    queryset = Exam.objects.all()
    serializer_class = ExamSerializer
    ordering = ["-opens_at", "-id"]

    def get_serializer_class(self):
        return AttemptSerializer if self.action == "start" else ExamSerializer

    @extend_schema(summary="开始答题", request=None, responses={201: AttemptSerializer, **ERRORS},
                   description="本人开始答题（每人每场考试一份答卷；已开始的返回原答卷）。")
    @action(detail=True, methods=["post"], restrict_action=VIEW)
    def start(self, request, pk=None):
        exam = self.get_object()
        from dangjian.people.models import Person

        person = Person.objects.select_related("org").filter(pk=request.user.person_id).first() \
            if request.user.person_id else None
        attempt = actions.do_start_attempt(exam, person)
        return Response(AttemptSerializer(_attempt(attempt.pk), context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


def _attempt(pk):
    return Attempt.objects.select_related("exam").prefetch_related("answers__question", "answers__attempt__exam").get(pk=pk)


@extend_schema(tags=["考试"])
class AttemptViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """答卷：本人可见；本支部的管理员（书记）可见；上级只看汇总，不看个人答卷。"""
    queryset = Attempt.objects.all()
    select_related = ("exam",)
    prefetch_related = ("answers__question", "answers__attempt__exam")
    serializer_class = AttemptSerializer
    ordering = ["-started_at", "-id"]

    def get_serializer_class(self):
        return {"answer": SaveAnswerSerializer}.get(self.action, AttemptSerializer)

    def get_queryset(self):
        qs = super().get_queryset()
        actions.finalize_overdue(qs)
        return qs

    @extend_schema(summary="保存答案", request=SaveAnswerSerializer, responses={200: SavedSerializer, **ERRORS},
                   description="本人逐题保存答案（截止时间以服务器为准，截止后拒绝）。")
    @action(detail=True, methods=["post"], restrict_action=VIEW)
    def answer(self, request, pk=None):
        attempt = self.get_object()
        s = SaveAnswerSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        actions.do_save_answer(attempt, s.validated_data["question"], s.validated_data["given"], acting_user=request.user)
        left = max(0, int((attempt.deadline - timezone.now()).total_seconds()))
        return Response({"saved": True, "left": left})

    @extend_schema(summary="交卷", request=None, responses={200: AttemptSerializer, **ERRORS},
                   description="交卷并自动评分：单选、判断与答案一致得分；多选须与全部正确选项完全一致，少选、错选均不得分。")
    @action(detail=True, methods=["post"], restrict_action=VIEW)
    def submit(self, request, pk=None):
        attempt = self.get_object()
        if request.user.person_id != attempt.person_id:
            raise ActionError("只能提交本人的答卷。")
        actions.do_submit(attempt, acting_user=request.user)
        return Response(AttemptSerializer(_attempt(attempt.pk), context=self.get_serializer_context()).data)
