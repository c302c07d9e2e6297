"""组织生活 over the API: meetings with attendance, votes and critiques; 谈心谈话; 民主评议党员.

Every write calls `orglife.actions`; every person, org or meeting a request names is a
`RestrictedRelatedField`, so a reference outside the user's scope is refused like a missing one
(400, naming the field). The counts a meeting shows are the ones the rules judge (kept on the
meeting by the actions), and a vote shows `quorum`/`passed` computed by the model, never by the
client."""
from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dangjian.core.api.base import ActionSerializerMixin, RestrictedRelatedField
from dangjian.core.params import id_param
from dangjian.core.permissions import ADD, CHANGE, VIEW, can_in_org
from dangjian.orglife import actions
from dangjian.orglife.choices import AttendanceStatus, Grade, MeetingState, MeetingType
from dangjian.orglife.models import (Appraisal, AppraisalGrade, Attendance, Critique, Meeting, MeetingAttachment,
                                     RectificationItem, Resolution, Talk)
from dangjian.orgs.models import Org
from dangjian.people.models import Person


# --- querysets: what a list shows, in a constant number of queries ---------------------------------
def meeting_queryset():
    return Meeting.objects.select_related("org", "chair", "lecturer", "entered_by").prefetch_related(
        Prefetch("attendance", queryset=Attendance.objects.select_related("person").order_by("person__name",
                                                                                              "person_id")),
        "resolutions",
        Prefetch("critiques", queryset=Critique.objects.select_related("author", "target")),
    )


def talk_queryset():
    return Talk.objects.select_related("org", "a", "b")


def appraisal_queryset():
    return Appraisal.objects.select_related("org", "meeting").prefetch_related(
        Prefetch("grades", queryset=AppraisalGrade.objects.select_related("person").order_by("person__name",
                                                                                              "person_id")))


# --- meetings -------------------------------------------------------------------------------------
class AttendanceSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True, label="姓名")
    status_display = serializers.CharField(source="get_status_display", read_only=True, label="出席情况名称")

    class Meta:
        model = Attendance
        fields = ["person", "person_name", "status", "status_display", "reason", "voting", "signed_in_at"]
        read_only_fields = fields


class ResolutionSerializer(serializers.ModelSerializer):
    """One motion's tally. `quorum` and `passed` are computed (BR-05/BR-06): 半数以上有表决权的党员
    到会, and 赞成人数超过应到会有表决权党员的半数."""

    quorum = serializers.BooleanField(read_only=True, label="达到法定人数")
    passed = serializers.BooleanField(read_only=True, label="表决通过")

    class Meta:
        model = Resolution
        fields = ["motion", "eligible", "present", "yes", "no", "abstain", "written_yes", "quorum", "passed"]


class CritiqueSerializer(serializers.Serializer):
    """批评和自我批评：`from` 对 `to` 提出的意见（`to` 留空为自我批评）。"""

    text = serializers.CharField(label="内容")

    def get_fields(self):
        # "from" is a Python keyword, so the field cannot be declared in the class body.
        fields = super().get_fields()
        return {
            "from": RestrictedRelatedField(Person, VIEW, source="author", label="提出人"),
            "from_name": serializers.CharField(source="author.name", read_only=True, label="提出人姓名"),
            "to": RestrictedRelatedField(Person, VIEW, source="target", label="对象", allow_null=True,
                                         required=False, help_text="留空为自我批评。"),
            "to_name": serializers.CharField(source="target.name", read_only=True, allow_null=True,
                                             label="对象姓名"),
            **fields,
        }


@extend_schema_field({"type": "object", "additionalProperties": {"type": "string", "maxLength": 200},
                      "example": {"12": "出差"}})
class ExcusedField(serializers.DictField):
    """{person id: reason}; the ids are checked against the people the user may see, so an
    out-of-scope id is refused exactly like a missing one."""

    default_error_messages = {
        "bad_id": "请假人员应以人员编号为键，收到的是“{value}”。",
        "does_not_exist": "请假人员（编号 {pk_value}）不存在或不在您的管理范围内，请重新选择。",
    }

    def __init__(self, **kwargs):
        super().__init__(child=serializers.CharField(max_length=200, allow_blank=True), **kwargs)

    def to_internal_value(self, data):
        reasons = super().to_internal_value(data)
        out = {}
        for key, reason in reasons.items():
            if id_param(str(key)) is None:
                self.fail("bad_id", value=key)  # not `key=`: Field.fail(key, …) takes the error key
            out[id_param(str(key))] = reason
        request = self.context.get("request")
        people = {p.pk: p for p in Person.objects.filter(pk__in=out).restrict(getattr(request, "user", None), VIEW)}
        for pk in out:
            if pk not in people:
                self.fail("does_not_exist", pk_value=pk)
        return {people[pk]: reason for pk, reason in out.items()}


class MeetingSerializer(ActionSerializerMixin, serializers.ModelSerializer):
    """登记会议（已召开）或发布会议通知（state=announced，附议程）。

    应到人员按会议当日的党员名单自动确定（支委会为支委，预备党员列席但无表决权）：`present` 列出
    出席者，`excused` 列出请假者及事由，其余应到人员记为缺席。"""

    org = RestrictedRelatedField(Org, ADD, label="党组织")
    org_name = serializers.CharField(source="org.name", read_only=True, label="党组织名称")
    type_display = serializers.CharField(source="get_type_display", read_only=True, label="会议类型名称")
    state_display = serializers.CharField(source="get_state_display", read_only=True, label="状态名称")
    chair = RestrictedRelatedField(Person, VIEW, label="主持人", allow_null=True, required=False)
    chair_name = serializers.CharField(source="chair.name", read_only=True, allow_null=True, label="主持人姓名")
    lecturer = RestrictedRelatedField(Person, VIEW, label="授课人", allow_null=True, required=False)
    lecturer_name = serializers.CharField(source="lecturer.name", read_only=True, allow_null=True, label="授课人姓名")
    entered_by = serializers.StringRelatedField(read_only=True, allow_null=True, label="录入人")
    backfilled_days = serializers.IntegerField(read_only=True, label="补录天数",
                                               help_text="会议召开后多少天才录入（当天录入为 0）。")
    excused_count = serializers.SerializerMethodField(label="请假人数")
    absent_count = serializers.SerializerMethodField(label="缺席人数")
    present = RestrictedRelatedField(Person, VIEW, many=True, write_only=True, required=False, label="出席人员",
                                     help_text="出席者的人员编号。")
    excused = ExcusedField(write_only=True, required=False, label="请假人员",
                           help_text="{人员编号: 请假事由}。")
    attendance = AttendanceSerializer(many=True, read_only=True, label="出席情况")
    resolutions = ResolutionSerializer(many=True, required=False, label="表决事项")
    critiques = CritiqueSerializer(many=True, required=False, label="批评和自我批评")

    class Meta:
        model = Meeting
        fields = ["id", "org", "org_name", "type", "type_display", "state", "state_display", "date", "place",
                  "topic", "agenda", "chair", "chair_name", "lecturer", "lecturer_name", "minutes",
                  "first_item_study", "entered_at", "entered_by", "backfilled_days", "expected_count", "present_count",
                  "excused_count", "absent_count", "voting_expected", "voting_present", "present", "excused",
                  "attendance", "resolutions", "critiques", "external_id"]
        read_only_fields = ["entered_at", "expected_count", "present_count", "voting_expected", "voting_present",
                            "external_id"]
        extra_kwargs = {"state": {"required": False}}

    def _count(self, obj, status) -> int:
        # Counted from the prefetched rows: no query per meeting.
        return sum(a.status == status for a in obj.attendance.all())

    def get_excused_count(self, obj) -> int:
        return self._count(obj, AttendanceStatus.EXCUSED)

    def get_absent_count(self, obj) -> int:
        return self._count(obj, AttendanceStatus.ABSENT)

    def validate(self, attrs):
        present = set(attrs.get("present") or ())
        both = present & set(attrs.get("excused") or {})
        if both:
            names = "、".join(p.name for p in both)
            raise serializers.ValidationError({"excused": f"{names}已列为出席，不能同时请假。"})
        return attrs

    @staticmethod
    def _nested(validated_data) -> dict:
        nested = {}
        for key in ("present", "excused", "resolutions", "critiques"):
            if key in validated_data:
                nested[key] = validated_data.pop(key)
        if "resolutions" in nested:
            nested["resolutions"] = [dict(r) for r in nested["resolutions"]]
        if "critiques" in nested:
            nested["critiques"] = [{"from": c["author"], "to": c.get("target"), "text": c["text"]}
                                   for c in nested["critiques"]]
        return nested

    def create(self, validated_data):
        nested = self._nested(validated_data)
        meeting = actions.do_record_meeting(acting_user=self.acting_user, **nested, **validated_data)
        return meeting_queryset().get(pk=meeting.pk)

    def update(self, instance, validated_data):
        nested = self._nested(validated_data)
        changes = {k: v for k, v in validated_data.items() if getattr(instance, k) != v}
        if not changes and not nested:
            return instance
        meeting = actions.do_update_meeting(instance, acting_user=self.acting_user, **nested, **changes)
        return meeting_queryset().get(pk=meeting.pk)


class MeetingUpdateSerializer(MeetingSerializer):
    """修改会议记录，或把已通知的会议登记为已召开（state=held，同时填写出席情况）。会议所属组织不能修改。

    只提交要修改的部分：不提交 `present`/`excused` 则出席情况不变；提交 `resolutions` 或
    `critiques` 则整体替换。"""

    org = serializers.PrimaryKeyRelatedField(read_only=True, label="党组织")


class SignInSerializer(serializers.Serializer):
    token = serializers.CharField(label="签到码", help_text="会场展示的签到二维码链接中的签到码（只在会议当天有效）。")


class MeetingDeleteSerializer(serializers.Serializer):
    reason = serializers.CharField(label="删除理由", help_text="例如：重复录入；将记入操作记录。")


# --- 谈心谈话 --------------------------------------------------------------------------------------
class TalkSerializer(ActionSerializerMixin, serializers.ModelSerializer):
    """谈心谈话记录。默认登记在谈话人所在的党组织（须在您的管理范围内）。"""

    org = RestrictedRelatedField(Org, ADD, label="党组织", required=False, allow_null=True,
                                 help_text="留空为谈话人（或谈话对象）所在的党组织。")
    org_name = serializers.CharField(source="org.name", read_only=True, label="党组织名称")
    a = RestrictedRelatedField(Person, VIEW, label="谈话人")
    a_name = serializers.CharField(source="a.name", read_only=True, label="谈话人姓名")
    b = RestrictedRelatedField(Person, VIEW, label="谈话对象")
    b_name = serializers.CharField(source="b.name", read_only=True, label="谈话对象姓名")

    class Meta:
        model = Talk
        fields = ["id", "org", "org_name", "date", "a", "a_name", "b", "b_name", "topic", "entered_at",
                  "external_id"]
        read_only_fields = ["entered_at", "external_id"]

    def validate(self, attrs):
        if attrs.get("org") is None:
            # Without an explicit org the action records the talk under a's (else b's) org: that org
            # must be one the user may add to, or the record would land outside their scope.
            org = attrs["a"].org or attrs["b"].org
            if org is not None and not can_in_org(self.acting_user, ADD, org):
                raise serializers.ValidationError(
                    {"org": f"谈话人所在的{org.name}不在您的管理范围内，请选择登记谈话的党组织。"})
        return attrs

    def create(self, validated_data):
        talk = actions.do_record_talk(acting_user=self.acting_user, **validated_data)
        return talk_queryset().get(pk=talk.pk)


# --- 民主评议党员 ------------------------------------------------------------------------------------
class GradeSerializer(serializers.ModelSerializer):
    person = RestrictedRelatedField(Person, VIEW, label="党员")
    person_name = serializers.CharField(source="person.name", read_only=True, label="姓名")
    grade = serializers.ChoiceField(choices=Grade.choices, allow_null=True, label="评定等次",
                                    help_text="预备党员参加评议但不评定等次，填 null（EVAL-02）。")
    grade_display = serializers.CharField(source="get_grade_display", read_only=True, allow_null=True, label="评定等次名称")
    tally_hint = serializers.CharField(read_only=True, label="测评结果提示",
                                       help_text="评定等次与测评票数差异较大时的提示（不影响保存）；一致或未填票数时为空。")

    class Meta:
        model = AppraisalGrade
        fields = ["person", "person_name", "grade", "grade_display", "self_assessment", "peer_opinion",
                  "votes_excellent", "votes_qualified", "votes_basic", "votes_unqualified", "tally_hint"]
        extra_kwargs = {
            "self_assessment": {"help_text": "个人自评摘要，可不填；不提交则保留原有内容。"},
            "peer_opinion": {"help_text": "党员互评意见摘要，可不填；不提交则保留原有内容。"},
            **{f: {"help_text": "民主测评票数，null 为未登记；不提交则保留原有票数。合计不超过参加民主测评人数。"}
               for f in ("votes_excellent", "votes_qualified", "votes_basic", "votes_unqualified")},
        }


# ORGLIFE-06: 可结合组织生活会进行; 支委会或党员大会提出评定意见.
APPRAISAL_MEETING_TYPES = (MeetingType.DEMOCRATIC_APPRAISAL, MeetingType.ORG_LIFE, MeetingType.MEMBER_ASSEMBLY,
                           MeetingType.COMMITTEE)


class AppraisalSerializer(ActionSerializerMixin, serializers.ModelSerializer):
    """民主评议党员：个人自评、党员互评、民主测评，再由支部评定等次。每名参评党员一行。
    同一组织同一年度再次提交即更新：名单以本次为准，未提交的自评、互评、测评字段和 `raters` 保留原值。

    评为“优秀”的一般不超过参评党员总数的 1/3（EVAL-01），超过时拒绝保存并说明理由（`rule`）；
    预备党员参加评议（可有自评、互评和测评票数），不评定等次（EVAL-02）；每人的测评票数合计
    不超过 `raters`。等次与测评结果差异较大只作提示（`tally_hint`），不拒绝。"""

    org = RestrictedRelatedField(Org, ADD, label="党组织")
    org_name = serializers.CharField(source="org.name", read_only=True, label="党组织名称")
    meeting = RestrictedRelatedField(Meeting, VIEW, label="评议会议", allow_null=True, required=False)
    grades = GradeSerializer(many=True, label="评定等次")
    excellent_count = serializers.SerializerMethodField(label="优秀人数")
    total = serializers.SerializerMethodField(label="参评人数")

    class Meta:
        model = Appraisal
        fields = ["id", "org", "org_name", "year", "meeting", "raters", "grades", "excellent_count", "total",
                  "external_id"]
        read_only_fields = ["external_id"]
        extra_kwargs = {"raters": {"help_text": "参加民主测评人数，null 为未登记；不提交则保留原值。"}}
        # Once a year per org (the model's constraint), but submitting again updates it (the action).
        validators = []

    def get_excellent_count(self, obj) -> int:
        return sum(g.grade == Grade.EXCELLENT for g in obj.grades.all())

    def get_total(self, obj) -> int:
        return len(obj.grades.all())

    def validate_grades(self, grades):
        seen = set()
        for g in grades:
            if g["person"].pk in seen:
                raise serializers.ValidationError(f"{g['person'].name}在评议名单中重复出现。")
            seen.add(g["person"].pk)
        return grades

    def validate(self, attrs):
        meeting = attrs.get("meeting")
        if meeting is not None and meeting.org_id != attrs["org"].pk:
            raise serializers.ValidationError({"meeting": "评议会议须是本组织召开的会议。"})
        if meeting is not None and meeting.type not in APPRAISAL_MEETING_TYPES:
            raise serializers.ValidationError(
                {"meeting": "评议会议应为民主评议党员会议、组织生活会，或提出评定意见的支委会、党员大会。"})
        if meeting is not None and meeting.state != MeetingState.HELD:
            raise serializers.ValidationError({"meeting": "评议会议尚未召开。"})
        return attrs

    def create(self, validated_data):
        rows = validated_data.pop("grades")
        grades = {g["person"]: g["grade"] for g in rows}
        details = {g["person"]: {f: g[f] for f in actions.APPRAISAL_DETAIL_FIELDS if f in g} for g in rows}
        appraisal = actions.do_record_appraisal(acting_user=self.acting_user, grades=grades,
                                                details={p: d for p, d in details.items() if d}, **validated_data)
        return appraisal_queryset().get(pk=appraisal.pk)


# --- meeting attachments -------------------------------------------------------------------------
def attachment_queryset():
    return MeetingAttachment.objects.select_related("meeting", "uploaded_by")


class AttachmentSerializer(ActionSerializerMixin, serializers.ModelSerializer):
    """会议附件（会议照片、签到表或记录的扫描件）。以 multipart/form-data 上传：`meeting` 与 `file`。

    文件类型按文件内容识别（不看文件名）；大小、类型和每次会议的数量限制与页面上传相同，
    不符合时 400 说明原因。下载地址 `download_url` 需登录，总是作为附件下载。"""

    meeting = RestrictedRelatedField(Meeting, CHANGE, label="会议")
    file = serializers.FileField(write_only=True, label="文件", allow_empty_file=True,
                                 help_text="JPEG、PNG、PDF、WebP 等（以服务器设置为准）。")
    uploaded_by = serializers.StringRelatedField(read_only=True, allow_null=True, label="上传人")
    download_url = serializers.SerializerMethodField(label="下载地址")

    class Meta:
        model = MeetingAttachment
        fields = ["id", "meeting", "file", "original_name", "content_type", "size", "sha256", "uploaded_by",
                  "uploaded_at", "download_url"]
        read_only_fields = ["original_name", "content_type", "size", "sha256", "uploaded_at"]

    def get_download_url(self, obj) -> str:
        from django.urls import reverse

        url = reverse("orglife:attachment_download", kwargs={"pk": obj.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def create(self, validated_data):
        a = actions.do_add_attachment(validated_data["meeting"], validated_data["file"], acting_user=self.acting_user)
        return attachment_queryset().get(pk=a.pk)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(label="删除理由", help_text="例如：传错了照片；将记入操作记录。")


# --- 整改清单 -----------------------------------------------------------------------------------------
def rectification_queryset():
    return RectificationItem.objects.select_related("meeting__org", "owner", "entered_by")


class RectificationItemSerializer(ActionSerializerMixin, serializers.ModelSerializer):
    """整改清单的一项：组织生活会或民主生活会召开后制定，写明问题、责任人（本次会议的参会人员）
    和整改时限；完成时登记完成日期和整改成效（见 close）。`overdue_days` 为逾期未完成的天数。"""

    meeting = RestrictedRelatedField(Meeting, CHANGE, label="会议")
    meeting_topic = serializers.CharField(source="meeting.topic", read_only=True, label="会议主题")
    meeting_date = serializers.DateField(source="meeting.date", read_only=True, label="会议日期")
    org = serializers.IntegerField(source="meeting.org_id", read_only=True, label="党组织")
    org_name = serializers.CharField(source="meeting.org.name", read_only=True, label="党组织名称")
    owner = RestrictedRelatedField(Person, VIEW, label="责任人")
    owner_name = serializers.CharField(source="owner.name", read_only=True, label="责任人姓名")
    overdue_days = serializers.IntegerField(read_only=True, label="逾期天数", help_text="未完成且已过时限的天数，否则为 0。")
    entered_by = serializers.StringRelatedField(read_only=True, allow_null=True, label="录入人")

    class Meta:
        model = RectificationItem
        fields = ["id", "meeting", "meeting_topic", "meeting_date", "org", "org_name", "problem", "owner",
                  "owner_name", "deadline", "closed", "evidence", "overdue_days", "entered_at", "entered_by"]
        read_only_fields = ["closed", "evidence", "entered_at"]

    def validate(self, attrs):
        meeting, owner = attrs["meeting"], attrs["owner"]
        if meeting.type in actions.PROCESS_TYPES and owner.pk not in {p.pk for p in actions.process_participants(meeting)}:
            raise serializers.ValidationError({"owner": f"{owner.name}不是本次会议的参会人员，不能作为整改责任人。"})
        return attrs

    def create(self, validated_data):
        item = actions.do_add_rectification_item(acting_user=self.acting_user, **validated_data)
        return rectification_queryset().get(pk=item.pk)


class RectificationCloseSerializer(serializers.Serializer):
    closed = serializers.DateField(label="完成日期", help_text="不能晚于今天，不能早于会议日期。")
    evidence = serializers.CharField(label="整改成效", help_text="做了什么、有何佐证（如制度文件、会议记录）。")
