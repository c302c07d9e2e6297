"""`dangjian election_templates --out DIR`: write the default 选举结果报告 and 选举大会记录 templates (docx) to start a
jurisdiction's own; put the edited files in <DANGJIAN_VAR_DIR>/doc_templates/elections/."""
from dangjian.core.doc_templates import WriteTemplatesCommand


class Command(WriteTemplatesCommand):
    help = "导出换届选举文书（选举结果报告、选举大会记录）的默认模板（docx），供辖区修改后替换。"
    documents = "dangjian.elections.documents"
