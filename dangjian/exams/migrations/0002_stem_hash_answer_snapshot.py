"""题干唯一改为按题干摘要（SHA-256）唯一（长题干在 PostgreSQL 上不能直接建 btree 唯一索引）；答卷每题保存开考时的题型、选项、
答案、知识点、解析和材料；得分、满分改为 PositiveIntegerField。"""
import hashlib

from django.db import migrations, models


def fill(apps, schema_editor):
    Question = apps.get_model("exams", "Question")
    Answer = apps.get_model("exams", "Answer")
    questions = list(Question.objects.only("pk", "stem"))
    for q in questions:
        q.stem_hash = hashlib.sha256(q.stem.encode()).hexdigest()
    Question.objects.bulk_update(questions, ["stem_hash"], batch_size=1000)
    by_pk = {q.pk: q for q in Question.objects.all()}
    batch = []
    for a in Answer.objects.only("pk", "question_id").iterator(chunk_size=2000):
        q = by_pk[a.question_id]
        a.kind, a.options, a.key, a.topic = q.kind, q.options, q.answer, q.topic
        a.explanation, a.material = q.explanation, q.material
        batch.append(a)
        if len(batch) >= 2000:
            Answer.objects.bulk_update(batch, ["kind", "options", "key", "topic", "explanation", "material"])
            batch = []
    Answer.objects.bulk_update(batch, ["kind", "options", "key", "topic", "explanation", "material"])


class Migration(migrations.Migration):

    dependencies = [
        ("exams", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="question",
            name="question_stem_once",
        ),
        migrations.AddField(
            model_name="question",
            name="stem_hash",
            field=models.CharField(default="", editable=False, help_text="题干的 SHA-256，同一题库内唯一（题干本身可能很长，不宜直接建唯一索引）", max_length=64, verbose_name="题干摘要"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="answer",
            name="kind",
            field=models.CharField(choices=[("single", "单选"), ("multiple", "多选"), ("judge", "判断")], default="single", max_length=10, verbose_name="题型"),
        ),
        migrations.AddField(
            model_name="answer",
            name="options",
            field=models.JSONField(default=list, verbose_name="选项"),
        ),
        migrations.AddField(
            model_name="answer",
            name="key",
            field=models.CharField(blank=True, max_length=8, verbose_name="正确答案"),
        ),
        migrations.AddField(
            model_name="answer",
            name="topic",
            field=models.CharField(blank=True, max_length=60, verbose_name="知识点"),
        ),
        migrations.AddField(
            model_name="answer",
            name="explanation",
            field=models.TextField(blank=True, verbose_name="解析"),
        ),
        migrations.AddField(
            model_name="answer",
            name="material",
            field=models.CharField(blank=True, max_length=300, verbose_name="推荐学习材料"),
        ),
        migrations.AlterField(
            model_name="attempt",
            name="score",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="得分"),
        ),
        migrations.AlterField(
            model_name="attempt",
            name="max_score",
            field=models.PositiveIntegerField(default=0, verbose_name="满分"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="question",
            constraint=models.UniqueConstraint(fields=("bank", "stem_hash"), name="question_stem_hash_once"),
        ),
    ]
