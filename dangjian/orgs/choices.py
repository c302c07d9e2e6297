from django.db import models


class OrgType(models.TextChoices):
    WORK_COMMITTEE = "work_committee", "机关工委"
    LEADING_GROUP = "leading_group", "党组（党委）"
    COMMITTEE = "committee", "机关党委"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"
    GROUP = "group", "党小组"


# Which org types may sit under which (JG-08: the leadership chain).
ALLOWED_CHILDREN = {
    OrgType.WORK_COMMITTEE: {OrgType.LEADING_GROUP, OrgType.COMMITTEE, OrgType.GENERAL_BRANCH,
                             OrgType.BRANCH},
    OrgType.LEADING_GROUP: {OrgType.COMMITTEE, OrgType.GENERAL_BRANCH, OrgType.BRANCH},
    OrgType.COMMITTEE: {OrgType.GENERAL_BRANCH, OrgType.BRANCH},
    OrgType.GENERAL_BRANCH: {OrgType.BRANCH},
    OrgType.BRANCH: {OrgType.GROUP},
    OrgType.GROUP: set(),
}

# TERM-01: 基层委员会 5 years; 总支、支部 3 years; village and community organisations 5 years.
DEFAULT_TERM_YEARS = {
    OrgType.COMMITTEE: 5,
    OrgType.GENERAL_BRANCH: 3,
    OrgType.BRANCH: 3,
}
VILLAGE_TERM_YEARS = 5

# Org types that have an elected committee (or secretary) with a term.
ELECTED_TYPES = frozenset(DEFAULT_TERM_YEARS)


class PostRole(models.TextChoices):
    SECRETARY = "secretary", "书记"
    DEPUTY_SECRETARY = "deputy_secretary", "副书记"
    ORGANIZATION = "organization", "组织委员"
    PROPAGANDA = "propaganda", "宣传委员"
    DISCIPLINE = "discipline", "纪检委员"
    MEMBER = "member", "委员"
    GROUP_LEADER = "group_leader", "党小组长"
    LEADING_GROUP_MEMBER = "leading_group_member", "党组成员"
    FIRST_RESPONSIBLE = "first_responsible", "党组书记（第一责任人）"


# Posts that make up a branch/general-branch/committee's elected committee.
COMMITTEE_ROLES = frozenset({PostRole.SECRETARY, PostRole.DEPUTY_SECRETARY, PostRole.ORGANIZATION,
                             PostRole.PROPAGANDA, PostRole.DISCIPLINE, PostRole.MEMBER})
# Committee posts beyond secretary/deputy: their presence means a 支部委员会 is set up.
COMMITTEE_ONLY_ROLES = frozenset({PostRole.ORGANIZATION, PostRole.PROPAGANDA, PostRole.DISCIPLINE,
                                  PostRole.MEMBER})
