from __future__ import annotations

from rest_framework import serializers

from ..models import Candidate, Election


class ElectionCandidateSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.name", read_only=True, label="姓名")

    class Meta:
        model = Candidate
        fields = ["person", "name", "order", "votes"]
        read_only_fields = fields


class ElectionSerializer(serializers.ModelSerializer):
    candidates = ElectionCandidateSerializer(many=True, read_only=True)
    elected = serializers.SerializerMethodField(label="当选（按计票）")
    tied = serializers.SerializerMethodField(label="票数相等需再投票")
    short = serializers.SerializerMethodField(label="不足应选名额、需另行选举的名额")

    class Meta:
        model = Election
        fields = ["id", "org", "kind", "seats", "request_date", "approved_date", "candidates_approved", "date",
                  "expected_voters", "present_voters", "ballots_issued", "ballots_returned", "invalid_ballots",
                  "follows", "by_election", "quorum_rule", "filed_date", "secretary_approved", "candidates", "elected", "tied", "short"]
        read_only_fields = fields
        # read-only, yet blank when not set: the schema must list "" (BlankEnum)
        extra_kwargs = {"quorum_rule": {"allow_blank": True}}

    def _out(self, e):
        from ..actions import outcome

        if not e.date:
            return None
        if not hasattr(e, "_outcome"):
            e._outcome = outcome(e)
        return e._outcome

    def get_elected(self, e) -> list[int]:
        out = self._out(e)
        return [p.pk for p in out.elected] if out else []

    def get_tied(self, e) -> list[int]:
        out = self._out(e)
        return [p.pk for p in out.tied] if out else []

    def get_short(self, e) -> int:
        out = self._out(e)
        return out.short if out else 0
