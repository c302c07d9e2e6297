"""个人信息保护's part of the permission matrix: an access record (API `personaldataaccess-detail`) about a member of
branch A. The UI route `privacy:person_export` takes a person's pk and is tried with the main matrix's `person`."""

OBJECTS = {"personaldataaccess": "personal_data_access"}


def objects(tree, people, users) -> dict:
    from dangjian.privacy.choices import Purpose
    from dangjian.privacy.models import PersonalDataAccess

    row = PersonalDataAccess.objects.create(actor=users.secretary_a, person=people.member_a, org=tree.a,
                                            purpose=Purpose.DETAIL)
    return {"personal_data_access": row}
