from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from .. import actions
from ..choices import QuestionKind
from ..models import Answer, Attempt, Exam, Paper, QuestionBank


class QuestionBankSerializer(serializers.ModelSerializer):
    question_count = serializers.IntegerField(read_only=True, label="试题数")

    class Meta:
        model = QuestionBank
        fields = ["id", "org", "name", "description", "question_count", "created_at"]
        read_only_fields = fields


class PaperSerializer(serializers.ModelSerializer):
    size = serializers.IntegerField(read_only=True, label="每份试卷题数")
    max_score = serializers.IntegerField(read_only=True, label="满分")

    class Meta:
        model = Paper
        fields = ["id", "org", "bank", "title", "mode", "question_count", "draw", "points_each", "pass_mark",
                  "duration_minutes", "size", "max_score"]
        read_only_fields = fields


class ExamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Exam
        fields = ["id", "org", "target", "paper", "title", "opens_at", "closes_at", "published_at"]
        read_only_fields = fields


class AttemptAnswerSerializer(serializers.ModelSerializer):
    """One question of an attempt as it was when the attempt started. Until the exam closes neither `correct` nor
    `answer` is given (the total score and pass/fail are); after it, `answer` stays empty for a question that is
    also in an exam still open to the reader (`actions.keys_in_play`)."""
    question = serializers.IntegerField(source="question_id", read_only=True, label="试题")
    kind = serializers.ChoiceField(choices=QuestionKind.choices, read_only=True, label="题型")
    stem = serializers.CharField(source="question.stem", read_only=True, label="题干")
    options = serializers.ListField(child=serializers.CharField(), read_only=True, label="选项")
    correct = serializers.SerializerMethodField(label="正确（考试截止后提供）")
    answer = serializers.SerializerMethodField(label="正确答案（考试截止后提供）")

    class Meta:
        model = Answer
        fields = ["question", "order", "kind", "stem", "options", "given", "correct", "answer"]
        read_only_fields = fields

    def _closed(self, a) -> bool:
        return a.attempt.exam.closes_at <= timezone.now()

    def _in_play(self, a) -> bool:
        ctx = self.context
        if "keys_in_play" not in ctx:
            request = ctx.get("request")
            ctx["keys_in_play"] = actions.keys_in_play(request.user, timezone.now()) if request else (set(), set())
        questions, banks = ctx["keys_in_play"]
        return a.question_id in questions or a.question.bank_id in banks

    def get_correct(self, a) -> bool | None:
        return a.correct if self._closed(a) else None

    def get_answer(self, a) -> str | None:
        return a.key if self._closed(a) and not self._in_play(a) else None


class AttemptSerializer(serializers.ModelSerializer):
    answers = AttemptAnswerSerializer(many=True, read_only=True)

    class Meta:
        model = Attempt
        fields = ["id", "exam", "person", "started_at", "deadline", "submitted_at", "auto_submitted", "score",
                  "max_score", "passed", "answers"]
        read_only_fields = fields


class SaveAnswerSerializer(serializers.Serializer):
    question = serializers.IntegerField(label="试题编号", min_value=1, max_value=actions.MAX_ID)
    given = serializers.ListField(child=serializers.CharField(max_length=1), allow_empty=True, label="所选选项字母",
                                  help_text="如 [\"A\"]；多选题如 [\"A\", \"C\"]；空列表为清除作答")


class SavedSerializer(serializers.Serializer):
    saved = serializers.BooleanField(label="已保存")
    left = serializers.IntegerField(label="剩余秒数")
