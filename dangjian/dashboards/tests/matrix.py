"""数据看板 in the permission matrix: the dashboard page (`dashboards:org_dashboard`) and every chart endpoint
(`orgdashboard-…`) name an org; the outsider gets 404 for branch A's."""
OBJECTS = {"orgdashboard": "dashboard_org"}


def objects(tree, people, users) -> dict:
    return {"dashboard_org": tree.a}
