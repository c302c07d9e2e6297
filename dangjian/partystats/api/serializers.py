"""The shape of the 党内统计 answer (for the OpenAPI description; the view returns `Report.as_dict()`)."""
from rest_framework import serializers


class GroupSerializer(serializers.Serializer):
    label = serializers.CharField(label="表头分组（空：该栏独占两行表头）")
    columns = serializers.ListField(child=serializers.CharField(), label="栏目代码")
    labels = serializers.ListField(child=serializers.CharField(), label="栏目名称")


class RowSerializer(serializers.Serializer):
    label = serializers.CharField(label="单位名称（第一行为合计）")
    org = serializers.IntegerField(label="党组织编号", allow_null=True)
    values = serializers.ListField(child=serializers.IntegerField(), label="各栏数值（与栏目代码一一对应）")


class StatsTableSerializer(serializers.Serializer):
    key = serializers.CharField(label="表代码")
    number = serializers.CharField(label="表号")
    title = serializers.CharField(label="表名")
    note = serializers.CharField(label="说明")
    groups = GroupSerializer(many=True)
    rows = RowSerializer(many=True)


class StatsReportSerializer(serializers.Serializer):
    org = serializers.IntegerField(label="统计范围（党组织编号）")
    org_name = serializers.CharField(label="填报单位")
    year = serializers.IntegerField(label="统计年度")
    as_of = serializers.DateField(label="统计截止日期")
    start = serializers.DateField(label="上年底")
    tables = StatsTableSerializer(many=True)
