"""`dangjian recruitment_templates --out DIR`: write the default 发展党员 document templates (docx) to
start a jurisdiction's own; put the edited files in <DANGJIAN_VAR_DIR>/doc_templates/recruitment/."""
from dangjian.core.doc_templates import WriteTemplatesCommand


class Command(WriteTemplatesCommand):
    help = "导出发展党员文书的默认模板（docx），供辖区修改后替换。"
    documents = "dangjian.recruitment.documents"
