from django import forms

from dangjian.core.permissions import ADD
from dangjian.orgs.choices import OrgType
from dangjian.orgs.models import Org

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_TARGETS = 1000


class UploadForm(forms.Form):
    file = forms.FileField(label="DJX 文件", help_text="扩展名一般为 .djx.json，UTF-8 编码，最大 50 MB。")
    attach_to = forms.ModelChoiceField(
        label="挂接到", required=False, queryset=Org.objects.none(),
        help_text="文件中的最上级组织若是新组织，将设立在此组织之下；留空则按文件中的上下级关系导入"
                  "（新的最上级组织只有工委管理员可以导入）。")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Party groups have no sub-organisations; anything else may receive the file's orgs. For a
        # scope of thousands of branches the list offers the levels above them (a file that brings
        # party groups for one branch is then imported by that branch's own administrator).
        qs = Org.objects.restrict(user, ADD).active().exclude(type=OrgType.GROUP)
        if qs.count() > MAX_TARGETS:
            qs = qs.exclude(type=OrgType.BRANCH)
        self.fields["attach_to"].queryset = qs

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("文件过大（最大 50 MB），请按组织拆分后分批导入。")
        return f
