"""党内统计's part of the permission matrix: the API route `partystats-detail` takes an org's id (branch A). The UI
routes (`partystats:org_stats`, `org_stats_xlsx`) take `org_pk` and use the main matrix's `org`."""

OBJECTS = {"partystats": "partystats_org"}


def objects(tree, people, users) -> dict:
    return {"partystats_org": tree.a}
