from django.urls import NoReverseMatch, reverse


def navigation(request):
    """Which top-level section is active, and the optional links that exist in this build."""
    match = getattr(request, "resolver_match", None)
    section = ""
    if match is not None:
        section = match.app_name or match.url_name or ""
        if section == "people" and (match.url_name or "").startswith("roster"):
            section = "people"
    try:
        password_url = reverse("password_change")
    except NoReverseMatch:
        # The route is wired by dangjian/urls.py; until then the menu simply omits it.
        password_url = ""
    # The sections grouped under a menu of the navigation bar (the menu shows as active for any of them).
    return {"nav_active": section, "password_change_url": password_url,
            "members_nav": ("recruitment", "dues", "membership", "study", "exams", "dispositions"),
            "duty_nav": ("duty", "supervision", "assessment")}
